#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Build the debug tier's kernel (lockdep, PROVE_RCU, KASAN, UBSAN, kmemleak,
# fault injection; scripts/kconfig/debug.config) from Debian's
# linux-source-7.x tarball, once, into the machine-wide cache:
#
#   $PROCTRACE_CACHE/debug/<source version>-<config hash>/
#       linux/      the built tree (KDIR for M= builds of proctrace.ko)
#       bzImage     what the guest boots
#       mods/       its modules, /lib/modules/<release> links there
#       release     its kernel release string (contains "debug")
#       .built      present once everything above is complete
#
# The key is the source version plus a hash of the fragment, this script
# and the compiler's version: changing either builds a new kernel, an
# unchanged one is reused.
#
#   scripts/debug-kernel.sh plan <linux-source-7.x.tar.xz> <source version>
#       prints "<directory> <release>" and builds nothing, so the matrix
#       can name the kernel while it is still being built
#   scripts/debug-kernel.sh build <linux-source-7.x.tar.xz> <source version>
#       builds it unless cached (one build per machine at a time: a second
#       caller waits for the first, then finds its result) and prints the
#       directory
set -euo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
CACHE=${PROCTRACE_CACHE:-/var/cache/proctrace}
mode=${1:?usage: $0 plan|build <tarball> <source version>}
tarball=${2:?no tarball}
srcver=${3:?no source version}
frag=$TOP/scripts/kconfig/debug.config

# This script is part of the key: how the fragment is applied matters as
# much as what it says.
hash=$( (cat "$frag" "$0"; gcc --version | head -n 1) | sha256sum | cut -c1-12)
dir=$CACHE/debug/$srcver-$hash
# Debian's source package version is the upstream one plus a Debian
# revision (7.3.4-1~bpo13+1), and its tarball keeps upstream's Makefile
# version; the fragment sets LOCALVERSION and no LOCALVERSION_AUTO. The
# build checks the release it gets against this one.
localversion=$(sed -nE 's/^CONFIG_LOCALVERSION="(.*)"$/\1/p' "$frag")
release=${srcver%%-*}$localversion
case $mode in
plan)
	echo "$dir $release"
	exit 0
	;;
build) ;;
*)
	echo "debug-kernel: unknown mode '$mode' (plan or build)" >&2
	exit 2
	;;
esac
mkdir -p "$CACHE/debug"
exec 9>"$CACHE/debug/.lock"
flock 9
if [ -e "$dir/.built" ]; then
	echo "$dir"
	exit 0
fi

rm -rf "$dir"
mkdir -p "$dir/linux"
log=$dir/build.log
echo "debug-kernel: building $srcver ($hash) in $dir, log in $log" >&2
t0=$(date +%s)
tar -C "$dir/linux" --strip-components=1 -xJf "$tarball"
# The subshell is the left side of ||, where set -e does not apply: every
# step says itself how it fails.
(
	cd "$dir/linux" || exit 1
	# virtme-configkernel appends its own generic options after --custom
	# (among them DEBUG_INFO_DWARF_TOOLCHAIN_DEFAULT=y), so the fragment
	# is merged again on top with the kernel's merge_config.sh.
	"$CACHE/venv/bin/virtme-configkernel" --defconfig || exit 1
	scripts/kconfig/merge_config.sh -m .config "$frag" || exit 1
	make olddefconfig || exit 1
	# Every option the fragment sets or unsets must have survived
	# olddefconfig: a dependency that silently dropped one would void
	# the tier.
	bad=0
	while IFS= read -r want; do
		case $want in
		CONFIG_*=*) grep -qxF "$want" .config ;;
		"# CONFIG_"*" is not set")
			opt=${want#\# }
			opt=${opt%% *}
			! grep -q "^$opt=" .config ;;
		*) continue ;;
		esac || { echo "debug-kernel: '$want' did not survive olddefconfig"; bad=1; }
	done <"$frag"
	[ $bad = 0 ] || exit 1
	make -j"$(nproc)" bzImage modules || exit 1
	make -s modules_install INSTALL_MOD_PATH="$dir/mods" INSTALL_MOD_STRIP=1
) >"$log" 2>&1 || { tail -n 30 "$log" >&2; exit 1; }
cp "$dir/linux/arch/x86/boot/bzImage" "$dir/bzImage"
make -s -C "$dir/linux" kernelrelease >"$dir/release"
if [ "$(cat "$dir/release")" != "$release" ]; then
	echo "debug-kernel: built $(cat "$dir/release"), planned $release: fix the plan in $0" >&2
	exit 1
fi
echo "$(($(date +%s) - t0))" >"$dir/build-seconds"
touch "$dir/.built"
echo "debug-kernel: built $(cat "$dir/release") in $(cat "$dir/build-seconds") s" >&2
echo "$dir"
