#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Build proctrace.ko for one kernel in build/<release>/, so builds for
# different kernels never share objects. Extra arguments go to kbuild
# (e.g. W=1 C=2).
#
#   scripts/kbuild.sh <release|path-to-prepared-tree> [kbuild args...]
set -euo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
target=$1
shift

if [ -d "$target" ]; then
	kdir=$target
	name=$(make -s -C "$kdir" kernelversion)
else
	kdir=/lib/modules/$target/build
	name=$target
fi
if [ ! -d "$kdir" ]; then
	echo "kbuild: no kernel tree at $kdir; run: sudo make setup" >&2
	exit 1
fi

out=$TOP/build/$name
mkdir -p "$out"
rsync -a --delete --exclude='*.o' --exclude='*.ko' --exclude='*.cmd' \
	--exclude='*.mod*' --exclude='modules.order' --exclude='Module.symvers' \
	"$TOP/Kbuild" "$TOP/VERSION" "$TOP/src" "$TOP/include" "$out/"
make -s -C "$kdir" M="$out" "$@"
