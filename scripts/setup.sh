#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Install everything proctrace needs on a Debian bookworm machine (as root):
# toolchain, the kernel matrix (6.1 from bookworm, 6.12 from
# bookworm-backports), QEMU, virtme-ng in a venv, sparse, clang-format,
# procps/psmisc, the kselftest headers and checkpatch.pl taken from Debian's
# linux-source-6.12, and a prepared linux-source-7.3 tree (trixie-backports)
# to compile against. Idempotent: prints nothing when there is nothing to do.
# On failure it names the step that broke.

set -eEuo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$TOP/build
# What is expensive and the same for every checkout lives in a machine-wide
# cache, keyed by version (and config hash for the debug kernel), so a
# fresh clone reuses it: the venv, the kernel tools, the trixie apt state
# and build root, the 7.x kernels and the debug kernel.
CACHE=${PROCTRACE_CACHE:-/var/cache/proctrace}
STEP=start
trap 'echo "setup: FAILED at step: $STEP (line $LINENO)" >&2' ERR

export DEBIAN_FRONTEND=noninteractive
APT_OPTS=(-y -q -o Dpkg::Use-Pty=0 -o APT::Install-Recommends=false)

say() { echo "setup: $*"; }

STEP="check we run as root on Debian bookworm"
if [ "$(id -u)" != 0 ]; then
	echo "setup: must run as root (try: sudo $0)" >&2
	exit 1
fi
. /etc/os-release
if [ "${VERSION_CODENAME:-}" != bookworm ]; then
	echo "setup: this script targets Debian bookworm, found '${PRETTY_NAME:-unknown}'" >&2
	exit 1
fi
mkdir -p "$BUILD" "$CACHE"

# The Debian mirror this machine already uses; every suite we add uses the
# same one, so the script works behind whatever mirror the site provides.
debian_mirror() {
	local uri
	uri=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list \
		/etc/apt/sources.list.d/*.sources 2>/dev/null |
		sed -nE 's#^(URIs:[[:space:]]*|deb[[:space:]]+(\[[^]]*\][[:space:]]+)?)([^[:space:]]+/debian)/?([[:space:]].*)?$#\3#p' |
		head -n 1) || true
	if [ -z "$uri" ]; then
		echo "setup: no Debian mirror found in /etc/apt/sources.list*" >&2
		return 1
	fi
	echo "$uri"
}

STEP="add bookworm-backports to apt sources"
if ! grep -rqsE 'bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/; then
	mirror=$(debian_mirror)
	cat >/etc/apt/sources.list.d/proctrace-bookworm-backports.sources <<SRC
Types: deb
URIs: $mirror
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
	say "added bookworm-backports ($mirror)"
	rm -f "$CACHE/.apt-updated"
fi

STEP="apt-get update"
if [ ! -e "$CACHE/.apt-updated" ] ||
   [ -n "$(find "$CACHE/.apt-updated" -mmin +720 2>/dev/null)" ]; then
	apt-get update -qq
	touch "$CACHE/.apt-updated"
fi

PKGS=(build-essential bc bison flex libelf-dev libssl-dev dwarves cpio kmod
      xz-utils rsync sparse clang-format python3-venv
      procps psmisc util-linux linux-image-amd64 linux-headers-amd64
      linux-source-6.12 busybox-static pkg-config libjson-c-dev libncurses-dev
      python3-docutils graphviz python3-prometheus-client tmux jq dkms
      mmdebstrap stress-ng liburing-dev)

missing_pkgs() {
	local p
	for p in "$@"; do
		dpkg-query -W -f='${db:Status-Status}\n' "$p" 2>/dev/null |
			grep -qx installed || echo "$p"
	done
}

STEP="install Debian packages (bookworm)"
mapfile -t need < <(missing_pkgs "${PKGS[@]}")
if [ ${#need[@]} -gt 0 ]; then
	say "installing ${need[*]}"
	apt-get install "${APT_OPTS[@]}" "${need[@]}" >"$CACHE/apt.log" 2>&1 ||
		{ tail -n 20 "$CACHE/apt.log" >&2; false; }
fi

# Resolve the versioned image/headers packages behind bookworm-backports'
# metapackages, so 6.12 is installed beside 6.1 instead of replacing it.
STEP="resolve the 6.12 kernel packages in bookworm-backports"
bpo_dep() {
	apt-cache show "$1/bookworm-backports" 2>/dev/null |
		sed -nE 's/^Depends: ([^ ,(]+).*/\1/p' | head -n 1
}
bpo_image=$(bpo_dep linux-image-amd64)
bpo_headers=$(bpo_dep linux-headers-amd64)
if [ -z "$bpo_image" ] || [ -z "$bpo_headers" ]; then
	echo "setup: bookworm-backports has no linux-image-amd64/linux-headers-amd64" >&2
	false
fi

STEP="install the 6.12 kernel from bookworm-backports"
mapfile -t need < <(missing_pkgs "$bpo_image" "$bpo_headers")
if [ ${#need[@]} -gt 0 ]; then
	say "installing ${need[*]} from bookworm-backports"
	apt-get install "${APT_OPTS[@]}" -t bookworm-backports "${need[@]}" \
		>"$CACHE/apt.log" 2>&1 || { tail -n 20 "$CACHE/apt.log" >&2; false; }
fi

# QEMU from bookworm-backports (10.x): bookworm's 7.2 runs the guests'
# vCPUs on several host threads (MTTCG) without keeping cross-modified
# code exact, so a tracepoint's static key flipped while another vCPU runs
# through the site ends in "Oops: int3" on 6.12 and 7.3 (ftrace alone does
# it). 10.x does not (Documentation/testing.rst); scripts/vm.sh falls
# back to one TCG thread on anything older.
STEP="install QEMU 10 from bookworm-backports"
qemu_ver=$(dpkg-query -W -f='${Version}' qemu-system-x86 2>/dev/null || true)
if [ -z "$qemu_ver" ] || dpkg --compare-versions "$qemu_ver" lt 1:10; then
	say "installing qemu-system-x86 from bookworm-backports (have: ${qemu_ver:-none})"
	apt-get install "${APT_OPTS[@]}" -t bookworm-backports qemu-system-x86 \
		>"$CACHE/apt.log" 2>&1 || { tail -n 20 "$CACHE/apt.log" >&2; false; }
fi

# The BPF backend's toolchain: clang (bookworm's 14 is enough for CO-RE),
# and bpftool and libbpf from bookworm-backports (pin priority 100, so -t):
# bookworm's libbpf 1.1 lacks bpf_link_get_info_by_fd() (1.2).
STEP="install the BPF toolchain (clang; bpftool and libbpf-dev from bookworm-backports)"
mapfile -t need < <(missing_pkgs clang)
bpf_ver=$(dpkg-query -W -f='${Version}' libbpf-dev 2>/dev/null || true)
if [ -z "$bpf_ver" ] || dpkg --compare-versions "$bpf_ver" lt 1:1.2 ||
   ! dpkg-query -W -f='${db:Status-Status}' bpftool 2>/dev/null | grep -qx installed; then
	say "installing bpftool and libbpf-dev from bookworm-backports (have libbpf-dev: ${bpf_ver:-none})"
	apt-get install "${APT_OPTS[@]}" -t bookworm-backports bpftool libbpf-dev \
		>"$CACHE/apt.log" 2>&1 || { tail -n 20 "$CACHE/apt.log" >&2; false; }
fi
if [ ${#need[@]} -gt 0 ]; then
	say "installing ${need[*]}"
	apt-get install "${APT_OPTS[@]}" "${need[@]}" >"$CACHE/apt.log" 2>&1 ||
		{ tail -n 20 "$CACHE/apt.log" >&2; false; }
fi

STEP="install virtme-ng into $CACHE/venv"
if [ ! -x "$CACHE/venv/bin/vng" ]; then
	rm -rf "$CACHE/venv"
	python3 -m venv "$CACHE/venv"
	"$CACHE/venv/bin/pip" install -q --disable-pip-version-check \
		'virtme-ng>=1.41' >"$CACHE/pip.log" 2>&1 ||
		{ tail -n 20 "$CACHE/pip.log" >&2; false; }
	say "installed $("$CACHE/venv/bin/vng" --version 2>&1 | head -n 1)"
fi
ln -sfn "$CACHE/venv" "$BUILD/venv"

# kselftest_harness.h, kselftest.h, checkpatch.pl (+ the data files it
# reads) and .clang-format, from Debian's linux-source-6.12. Never committed.
STEP="extract kselftest headers, checkpatch.pl and .clang-format from linux-source-6.12"
tarball=$(ls /usr/src/linux-source-6.12.tar.xz)
KT=$CACHE/kernel-tools/$(dpkg-query -W -f='${Version}' linux-source-6.12)
if [ ! -e "$KT/.stamp" ]; then
	rm -rf "$KT" && mkdir -p "$KT"
	tar -C "$KT" --strip-components=1 -xJf "$tarball" \
		--wildcards \
		'*/tools/testing/selftests/kselftest_harness.h' \
		'*/tools/testing/selftests/kselftest.h' \
		'*/scripts/checkpatch.pl' \
		'*/scripts/spelling.txt' \
		'*/scripts/const_structs.checkpatch' \
		'*/.clang-format'
	mkdir -p "$KT/include"
	cp "$KT/tools/testing/selftests/kselftest_harness.h" \
	   "$KT/tools/testing/selftests/kselftest.h" "$KT/include/"
	basename "$tarball" >"$KT/.stamp"
	say "extracted kernel tools from $(basename "$tarball")"
fi
rm -rf "$BUILD/kernel-tools" 2>/dev/null || true
ln -sfn "$KT" "$BUILD/kernel-tools"

# The 7.x kernels come from trixie-backports through a private apt state
# (its own sources, lists and an empty dpkg status), so this bookworm
# system's dpkg database never sees a trixie package: the packages are only
# downloaded and unpacked with dpkg-deb -x.
STEP="update the private trixie apt state in $CACHE/apt-trixie"
APTDIR=$CACHE/apt-trixie
mkdir -p "$APTDIR/lists/partial" "$APTDIR/cache/archives/partial" "$APTDIR/etc" "$APTDIR/debs"
mirror=$(debian_mirror)
cat >"$APTDIR/etc/sources.list.new" <<SRC
deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror trixie main
deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror trixie-backports main
SRC
if ! cmp -s "$APTDIR/etc/sources.list.new" "$APTDIR/etc/sources.list"; then
	mv "$APTDIR/etc/sources.list.new" "$APTDIR/etc/sources.list"
	rm -f "$APTDIR/.updated"
fi
rm -f "$APTDIR/etc/sources.list.new"
TAPT=(-o Dir::Etc::SourceList="$APTDIR/etc/sources.list"
      -o Dir::Etc::SourceParts=/dev/null
      -o Dir::State::Lists="$APTDIR/lists"
      -o Dir::State::Status=/dev/null
      -o Dir::Cache="$APTDIR/cache"
      -o APT::Sandbox::User=root
      -o APT::Architecture=amd64
      -o APT::Architectures::=amd64)
if [ ! -e "$APTDIR/.updated" ] ||
   [ -n "$(find "$APTDIR/.updated" -mmin +720 2>/dev/null)" ]; then
	apt-get "${TAPT[@]}" update -qq
	touch "$APTDIR/.updated"
fi

# The newest 7.x that trixie-backports serves in both flavours, with its
# modules, headers and the source package of the same version.
STEP="pick the newest 7.x kernel in trixie-backports"
tver() {	# tver <package>: its candidate version, empty if none
	apt-cache "${TAPT[@]}" policy "$1" 2>/dev/null |
		sed -nE 's/^  Candidate: (.*)$/\1/p' | grep -vx '(none)' || true
}
K7ABI=
for abi in $(apt-cache "${TAPT[@]}" pkgnames linux-binary-7. 2>/dev/null |
	     sed -nE 's/^linux-binary-(7\.[0-9]+\.[0-9]+\+deb[0-9]+)-amd64$/\1/p' |
	     sort -rV); do
	ok=1
	for f in amd64 rt-amd64; do
		for p in linux-binary linux-modules linux-headers linux-base; do
			[ -n "$(tver "$p-$abi-$f")" ] || ok=
		done
	done
	[ -n "$(tver "linux-headers-$abi-common")" ] || ok=
	[ -n "$(tver "linux-kbuild-$abi")" ] || ok=
	[ -n "$(tver "linux-source-${abi%.*}")" ] || ok=
	if [ -n "$ok" ]; then
		K7ABI=$abi
		break
	fi
done
if [ -z "$K7ABI" ]; then
	echo "setup: trixie-backports has no complete 7.x kernel (binary, modules, headers, rt, source)" >&2
	false
fi
K7SERIES=${K7ABI%.*}
K7SERIES=${K7SERIES%%+*}
K7VER=$(tver "linux-binary-$K7ABI-amd64")
K7SRC=linux-source-$K7SERIES
K7SRCVER=$(tver "$K7SRC")

STEP="download the $K7ABI packages"
fetch() {	# fetch <package>: the .deb of its candidate into $APTDIR/debs
	local v
	v=$(tver "$1")
	v=${v//:/%3a}
	if ! ls "$APTDIR/debs/$1_${v}_"*.deb >/dev/null 2>&1; then
		(cd "$APTDIR/debs" && apt-get "${TAPT[@]}" download -q "$1" >/dev/null)
		# stderr: stdout is the path the caller captures.
		say "downloaded $1 $v" >&2
	fi
	ls "$APTDIR/debs/$1_${v}_"*.deb
}

# Each stock kernel is unpacked in $CACHE/kernels/<release>; the guest sees
# the host's /lib/modules/<release>, so that is a link to it.
for f in amd64 rt-amd64; do
	rel=$K7ABI-$f
	STEP="unpack the stock $rel kernel"
	kd=$CACHE/kernels/$rel
	if [ "$(cat "$kd/.complete" 2>/dev/null)" != "$K7VER" ]; then
		rm -rf "$kd" && mkdir -p "$kd"
		for p in linux-binary linux-modules linux-base; do
			dpkg-deb -x "$(fetch "$p-$rel")" "$kd"
		done
		depmod -b "$kd/usr" "$rel"
		echo "$K7VER" >"$kd/.complete"
		say "unpacked $rel ($K7VER)"
	fi
	if [ -e "/lib/modules/$rel" ] && [ ! -L "/lib/modules/$rel" ]; then
		echo "setup: /lib/modules/$rel exists and is not ours; remove it" >&2
		false
	fi
	ln -sfn "$kd/usr/lib/modules/$rel" "/lib/modules/$rel"
done

# The 7.x headers' objtool and modpost are trixie binaries and the kernel
# was built with gcc-14, so the module is built the distribution way: in a
# trixie build root with the kernel's own compiler, headers unpacked into it.
STEP="make the trixie build root"
ROOT_PKGS=gcc-14,make,libc6-dev,libelf1t64,bc,flex,bison,pahole,kmod
TROOT=$CACHE/trixie-root-$(echo "$ROOT_PKGS $mirror" | sha256sum | cut -c1-12)
if [ ! -e "$TROOT/.complete" ]; then
	rm -rf "$TROOT" "$TROOT.tmp"
	mmdebstrap --quiet --variant=apt --include="$ROOT_PKGS" trixie \
		"$TROOT.tmp" "deb $mirror trixie main" >"$CACHE/mmdebstrap.log" 2>&1 ||
		{ tail -n 20 "$CACHE/mmdebstrap.log" >&2; false; }
	touch "$TROOT.tmp/.complete"
	mv "$TROOT.tmp" "$TROOT"
	say "made the trixie build root $TROOT"
fi
STEP="unpack the $K7ABI headers into the trixie build root"
if [ "$(cat "$TROOT/.headers-$K7ABI" 2>/dev/null)" != "$K7VER" ]; then
	for p in "linux-headers-$K7ABI-common" "linux-kbuild-$K7ABI" \
		 "linux-headers-$K7ABI-amd64" "linux-headers-$K7ABI-rt-amd64"; do
		dpkg-deb -x "$(fetch "$p")" "$TROOT"
	done
	echo "$K7VER" >"$TROOT/.headers-$K7ABI"
fi

# The debug kernel: built once from linux-source-7.x, cached by source
# version and config hash (scripts/debug-kernel.sh). Building it takes
# tens of minutes on 2 cores, so scripts/test.sh asks for it to be left
# (PROCTRACE_DEBUG_BUILD=later) and builds it beside the stock
# kernels' runs; setup on its own builds it here.
STEP="fetch $K7SRC $K7SRCVER"
srctar=$CACHE/src/$K7SRC-$K7SRCVER.tar.xz
if [ ! -e "$srctar" ]; then
	mkdir -p "$CACHE/src"
	dpkg-deb --fsys-tarfile "$(fetch "$K7SRC")" |
		tar -xO --wildcards "./usr/src/$K7SRC.tar.xz" >"$srctar.tmp"
	mv "$srctar.tmp" "$srctar"
fi
STEP="build the debug kernel from $K7SRC $K7SRCVER"
read -r DBG DBGREL < <("$TOP/scripts/debug-kernel.sh" plan "$srctar" "$K7SRCVER")
if [ ! -e "$DBG/.built" ] && [ "${PROCTRACE_DEBUG_BUILD:-}" != later ]; then
	"$TOP/scripts/debug-kernel.sh" build "$srctar" "$K7SRCVER" >/dev/null
fi
# The guest sees the host's /lib/modules; the link dangles until the
# kernel is built.
ln -sfn "$DBG/mods/lib/modules/$DBGREL" "/lib/modules/$DBGREL"
# What scripts/test.sh runs to build it (or wait for it) in the background.
printf '%s\n' "$TOP/scripts/debug-kernel.sh build $srctar $K7SRCVER" \
	>"$BUILD/debug-kernel.cmd"

# The matrix every other script reads: release, tier, boot image, the
# tree to build against, and where to build (host or trixie root).
STEP="write the kernel matrix"
{
	for series in 6.1 6.12; do
		best=
		for dir in /lib/modules/"$series".*; do
			[ -d "$dir/build" ] || continue
			rel=${dir##*/}
			[ -e "/boot/vmlinuz-$rel" ] || continue
			best=$(printf '%s\n%s\n' "$best" "$rel" | sed '/^$/d' | sort -V | tail -n 1)
		done
		[ -n "$best" ] || { echo "setup: no $series kernel with headers" >&2; exit 1; }
		echo "$best stock /boot/vmlinuz-$best /lib/modules/$best/build host"
	done
	echo "$K7ABI-amd64 stock $CACHE/kernels/$K7ABI-amd64/usr/lib/modules/$K7ABI-amd64/vmlinuz /usr/src/linux-headers-$K7ABI-amd64 $TROOT"
	echo "$K7ABI-rt-amd64 rt $CACHE/kernels/$K7ABI-rt-amd64/usr/lib/modules/$K7ABI-rt-amd64/vmlinuz /usr/src/linux-headers-$K7ABI-rt-amd64 $TROOT"
	echo "$DBGREL debug $DBG/bzImage $DBG/linux host"
} >"$BUILD/matrix.new"
mv "$BUILD/matrix.new" "$BUILD/matrix"

STEP=done
