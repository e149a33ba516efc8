#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Checks dkms.conf the way a distribution uses it: install the source
# under /usr/src/proctrace-<version>, `dkms build` it for every kernel of
# the matrix against the installed headers, then remove it again. Needs
# root and Debian's dkms. Prints TAP.
set -uo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
cd "$TOP" || exit 1
ver=$(cat VERSION)
src=/usr/src/proctrace-$ver
n=0
failed=0
result() {	# result <rc> <name> [detail]
	n=$((n + 1))
	if [ "$1" = 0 ]; then
		echo "ok $n - $2"
	else
		failed=$((failed + 1))
		echo "not ok $n - $2"
		[ -z "${3:-}" ] || printf '%s\n' "$3" | tail -n 20 | sed 's/^/# /'
	fi
}

echo "TAP version 13"
grep -qx "PACKAGE_VERSION=\"$ver\"" dkms.conf
result $? "dkms.conf PACKAGE_VERSION matches VERSION ($ver)"

cleanup() {
	dkms remove -m proctrace -v "$ver" --all >/dev/null 2>&1
	rm -rf "$src"
}
cleanup
mkdir -p "$src"
cp -r Kbuild VERSION dkms.conf src include "$src/"
find "$src" -name '*.o' -o -name '*.ko' -o -name '.*.cmd' | xargs -r rm -f
out=$(dkms add -m proctrace -v "$ver" 2>&1)
result $? "dkms add proctrace/$ver" "$out"
for kver in $(scripts/kernels.sh); do
	out=$(dkms build -m proctrace -v "$ver" -k "$kver" 2>&1)
	rc=$?
	ko=$(find /var/lib/dkms/proctrace/"$ver"/"$kver" -name 'proctrace.ko*' 2>/dev/null | head -n 1)
	[ $rc = 0 ] && [ -n "$ko" ]
	result $? "dkms build for $kver" "$out"
done
cleanup
echo "1..$n"
[ "$failed" = 0 ]
