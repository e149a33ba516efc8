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
mkdir -p "$BUILD"

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
	rm -f "$BUILD/.apt-updated"
fi

STEP="apt-get update"
if [ ! -e "$BUILD/.apt-updated" ] ||
   [ -n "$(find "$BUILD/.apt-updated" -mmin +720 2>/dev/null)" ]; then
	apt-get update -qq
	touch "$BUILD/.apt-updated"
fi

PKGS=(build-essential bc bison flex libelf-dev libssl-dev dwarves cpio kmod
      xz-utils rsync sparse clang-format python3-venv qemu-system-x86
      procps psmisc util-linux linux-image-amd64 linux-headers-amd64
      linux-source-6.12 busybox-static pkg-config libjson-c-dev libncurses-dev
      python3-docutils graphviz python3-prometheus-client tmux jq dkms)

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
	apt-get install "${APT_OPTS[@]}" "${need[@]}" >"$BUILD/apt.log" 2>&1 ||
		{ tail -n 20 "$BUILD/apt.log" >&2; false; }
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
		>"$BUILD/apt.log" 2>&1 || { tail -n 20 "$BUILD/apt.log" >&2; false; }
fi

STEP="install virtme-ng into $BUILD/venv"
if [ ! -x "$BUILD/venv/bin/vng" ]; then
	rm -rf "$BUILD/venv"
	python3 -m venv "$BUILD/venv"
	"$BUILD/venv/bin/pip" install -q --disable-pip-version-check \
		'virtme-ng>=1.41' >"$BUILD/pip.log" 2>&1 ||
		{ tail -n 20 "$BUILD/pip.log" >&2; false; }
	say "installed $("$BUILD/venv/bin/vng" --version 2>&1 | head -n 1)"
fi

# kselftest_harness.h, kselftest.h, checkpatch.pl (+ the data files it
# reads) and .clang-format, from Debian's linux-source-6.12. Never committed.
STEP="extract kselftest headers, checkpatch.pl and .clang-format from linux-source-6.12"
KT=$BUILD/kernel-tools
if [ ! -e "$KT/.stamp" ]; then
	tarball=$(ls /usr/src/linux-source-6.12.tar.xz)
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

# A prepared 7.x tree: linux-source-7.3 from trixie-backports, fetched with a
# private apt state directory so this bookworm system never sees trixie.
STEP="fetch linux-source-7.3 from trixie-backports"
K7=$BUILD/linux-7.3
if [ ! -e "$K7/.prepared" ]; then
	APTDIR=$BUILD/apt-trixie
	mkdir -p "$APTDIR/lists/partial" "$APTDIR/cache/archives/partial" "$APTDIR/etc"
	mirror=$(debian_mirror)
	cat >"$APTDIR/etc/sources.list" <<SRC
deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror trixie-backports main
SRC
	TAPT=(-o Dir::Etc::SourceList="$APTDIR/etc/sources.list"
	      -o Dir::Etc::SourceParts=/dev/null
	      -o Dir::State::Lists="$APTDIR/lists"
	      -o Dir::State::Status=/dev/null
	      -o Dir::Cache="$APTDIR/cache"
	      -o APT::Sandbox::User=root
	      -o APT::Architecture=amd64
	      -o APT::Architectures::=amd64)
	apt-get "${TAPT[@]}" update -qq
	(cd "$APTDIR" && rm -f linux-source-7.3_*.deb &&
	 apt-get "${TAPT[@]}" download -q linux-source-7.3 >/dev/null)

	STEP="unpack and prepare the linux-source-7.3 tree (make modules_prepare)"
	rm -rf "$APTDIR/pkg" "$K7"
	dpkg-deb -x "$APTDIR"/linux-source-7.3_*.deb "$APTDIR/pkg"
	mkdir -p "$K7"
	tar -C "$K7" --strip-components=1 -xJf "$APTDIR"/pkg/usr/src/linux-source-7.3.tar.xz
	rm -rf "$APTDIR/pkg"
	make -s -C "$K7" defconfig >"$BUILD/k7.log" 2>&1
	"$K7/scripts/config" --file "$K7/.config" -e MODULES -e MODULE_UNLOAD \
		-e TRACEPOINTS -e FTRACE -e DEBUG_FS -e PID_NS
	make -s -C "$K7" olddefconfig >>"$BUILD/k7.log" 2>&1
	make -s -C "$K7" -j"$(nproc)" modules_prepare >>"$BUILD/k7.log" 2>&1 ||
		{ tail -n 20 "$BUILD/k7.log" >&2; false; }
	touch "$K7/.prepared"
	say "prepared $(make -s -C "$K7" kernelversion) in $K7"
fi

STEP=done
