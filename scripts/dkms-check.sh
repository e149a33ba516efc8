#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Checks dkms.conf the way a distribution uses it: install the source
# under /usr/src/proctrace-<version>, `dkms build` it for every Debian 6.x
# kernel of the matrix against the installed headers, then remove it again. Needs
# root and Debian's dkms. Prints TAP.
set -uo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
cd "$TOP" || exit 1
ver=$(cat VERSION)
src=/usr/src/proctrace-$ver
. "$TOP/scripts/tap.sh"

echo "TAP version 13"
grep -qx "PACKAGE_VERSION=\"$ver\"" dkms.conf
tap_result $? "dkms.conf PACKAGE_VERSION matches VERSION ($ver)"

cleanup() {
	dkms remove -m proctrace -v "$ver" --all >/dev/null 2>&1
	rm -rf "$src"
}
cleanup
mkdir -p "$src"
cp -r Kbuild VERSION dkms.conf src include "$src/"
find "$src" -name '*.o' -o -name '*.ko' -o -name '.*.cmd' | xargs -r rm -f
out=$(dkms add -m proctrace -v "$ver" 2>&1)
tap_result $? "dkms add proctrace/$ver" "$out"
for kver in $(scripts/kernels.sh); do
	# DKMS builds with the host's compiler against /lib/modules/REL/build:
	# that is Debian's 6.x kernels here. The 7.x kernels need trixie's
	# gcc-14 (scripts/kbuild.sh builds them in the trixie build root).
	read -r tier _ _ builder < <(scripts/kernels.sh info "$kver")
	[ "$builder" = host ] && [ "$tier" = stock ] || continue
	out=$(dkms build -m proctrace -v "$ver" -k "$kver" 2>&1)
	rc=$?
	ko=$(find /var/lib/dkms/proctrace/"$ver"/"$kver" -name 'proctrace.ko*' 2>/dev/null | head -n 1)
	[ $rc = 0 ] && [ -n "$ko" ]
	tap_result $? "dkms build for $kver" "$out"
done
cleanup
echo "1..$tap_n"
[ "$tap_failed" = 0 ]
