#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The whole test suite: setup (idempotent), every static check, then for
# every kernel of the matrix a guest boot that loads the module and runs
# every selftest. Ends with "N passed, N failed, N skipped" summed over
# everything; exits non-zero on any failure.
set -uo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
cd "$TOP" || exit 1
RES=$TOP/build/results
start=$(date +%s)

if [ "$(id -u)" = 0 ]; then
	scripts/setup.sh || exit 1
fi
rm -rf "$RES"
mkdir -p "$RES"
exec 3>"$RES/host.tap"
echo "TAP version 13" >&3
TAP_FD=3
. scripts/tap.sh

echo "== lint"
scripts/lint.sh | grep -E '^(not ok|# lint)' || true

out=$(make -s -C selftests 2>&1)
tap_result $? "selftests build" "$out"
out=$(make -s -C userspace 2>&1)
tap_result $? "userspace CLI builds" "$out"

echo "== CLI host tests"
make -s -C userspace check >"$RES/userspace.tap" 2>&1
tap_result $? "CLI host tests (userspace.tap)" "$(grep -A3 '^not ok' "$RES/userspace.tap")"
tail -n 1 "$RES/userspace.tap"

if [ "$(id -u)" = 0 ]; then
	echo "== dkms"
	scripts/dkms-check.sh >"$RES/dkms.tap" 2>&1
	grep '^not ok' "$RES/dkms.tap" || true
fi

kernels=$(scripts/kernels.sh) || exit 1
case " ${PROCTRACE_KERNELS:-} " in
*debug*) ;;
*)
	echo "ok $((tap_n += 1)) - debug kernel # SKIP not part of make check (its suite outlasts the budget under emulation): run make check-debug" >&3
	echo "== debug kernel: skipped, run make check-debug (Documentation/testing.rst)"
	;;
esac
for kver in $kernels; do
	echo "== $kver"
	read -r tier _ < <(scripts/kernels.sh info "$kver")
	out=$(scripts/kbuild.sh "$kver" modules 2>&1)
	if ! tap_result $? "module builds for $kver" "$out" ||
	   [ ! -e "build/$kver/src/proctrace.ko" ]; then
		continue
	fi
	t0=$(date +%s)
	ko=$TOP/build/$kver/src/proctrace.ko
	# The debug tier runs the whole suite and then its own checks in the
	# same boot: the debug kernel takes minutes to boot under emulation.
	cmd="$TOP/scripts/guest-tests.sh $ko $RES/$kver"
	[ "$tier" != debug ] || cmd+="; $TOP/scripts/guest-debug.sh $ko $RES/$kver"
	PROCTRACE_VM_VERBOSE=1 scripts/vm.sh "$kver" "$cmd" >"$RES/$kver.console" 2>&1
	rc=$?
	tap_result $rc "guest boot and run on $kver" "$(tail -n 20 "$RES/$kver.console")"
	# A guest that crashed or hung leaves its TAP without the plan line.
	grep -q '^1\.\.' "$RES/$kver/guest.tap" 2>/dev/null
	tap_result $? "guest on $kver ran the whole suite" \
		"$(grep -E 'BUG|Oops|RIP|panic|Call Trace' "$RES/$kver.console" | head -n 20)"
	if [ "$tier" = debug ]; then
		[ -e "$RES/$kver/debug.tap" ] && grep -q '^1\.\.' "$RES/$kver/debug.tap"
		tap_result $? "debug tier on $kver ran to its end"
	fi
	echo "   $(scripts/tap-summary.sh "$RES/$kver" || true) in $(($(date +%s) - t0)) s"
	grep -h '^not ok' "$RES/$kver"/*.tap 2>/dev/null | sed 's/^/   /'
done
echo "1..$tap_n" >&3
exec 3>&-

grep -h '^not ok' "$RES/host.tap" | sed 's/^/   /'
echo "suite took $(($(date +%s) - start)) s; kernels: $(echo $kernels)"
scripts/tap-summary.sh "$RES"
