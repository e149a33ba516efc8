#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Build proctrace.ko for one kernel of the matrix in build/<release>/ (or
# $PROCTRACE_OUT), so builds for different kernels never share objects.
# Extra arguments go to kbuild (e.g. W=1 C=2).
#
#   scripts/kbuild.sh <release> [kbuild args...]
#
# Debian's 6.x kernels are built against their installed headers with the
# host's gcc. The stock 7.x kernels were built with trixie's gcc-14 and their
# headers carry trixie binaries (objtool, modpost), so the module is built
# the way a distribution builds it: inside the trixie build root that
# scripts/setup.sh made, with the output directory bound into it and /proc
# mounted (objtool reads it), in a private mount namespace that vanishes
# with the build.
set -euo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
rel=$1
shift

read -r tier _vmlinuz kdir builder < <("$TOP/scripts/kernels.sh" info "$rel")
out=${PROCTRACE_OUT:-$TOP/build/$rel}
mkdir -p "$out"
rsync -a --delete --exclude='*.o' --exclude='*.ko' --exclude='*.cmd' \
	--exclude='*.mod*' --exclude='modules.order' --exclude='Module.symvers' \
	"$TOP/Kbuild" "$TOP/VERSION" "$TOP/src" "$TOP/include" "$out/"

# The debug tier's module also carries the fault-widening knobs that only
# its tests use (see src/debug.h).
[ "$tier" != debug ] || set -- PROCTRACE_DEBUG=1 "$@"

if [ "$builder" = host ]; then
	if [ ! -d "$kdir" ]; then
		echo "kbuild: no kernel tree at $kdir; run: sudo make setup" >&2
		exit 1
	fi
	exec make -s -C "$kdir" M="$out" "$@"
fi

if [ ! -d "$builder$kdir" ]; then
	echo "kbuild: no $kdir in the trixie build root $builder; run: sudo make setup" >&2
	exit 1
fi
if [ "$(id -u)" != 0 ]; then
	echo "kbuild: building for $rel uses the trixie build root: run as root" >&2
	exit 1
fi
mnt=/proctrace-build
mkdir -p "$builder$mnt"
exec unshare --mount --propagation private -- /bin/sh -euc '
	mount --bind "$1" "$2$3"
	mount -t proc proc "$2/proc"
	shift 3
	exec chroot "$0" "$@"
' "$builder" "$out" "$builder" "$mnt" make -s -C "$kdir" M="$mnt" "$@"
