#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Runs inside the guest, as root: load the module, run every selftest,
# unload, then fail on any kernel splat or taint other than the
# out-of-tree/unsigned ones. TAP files go to <outdir>.
#
#   scripts/guest-tests.sh <proctrace.ko> <outdir>
#
# PROCTRACE_GUEST_TESTS="proctrace_x_test ..." runs only those binaries
# (the debug tier of make check, Documentation/testing.rst); the default
# is every selftest.
set -uo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
KO=$1
OUT=$2
TIMEOUT=$(sed -n 's/^timeout=//p' "$TOP/selftests/settings" 2>/dev/null)
TIMEOUT=${TIMEOUT:-600}
# The timeout only catches a hung test. Under KASAN, lockdep and kmemleak
# the same work takes several times longer than on a stock kernel.
case $(uname -r) in
*debug*) TIMEOUT=$((TIMEOUT * 4)) ;;
esac
mkdir -p "$OUT"
: >"$OUT/seconds"
exec 3>"$OUT/guest.tap"
TAP_FD=3
. "$TOP/scripts/tap.sh"
. "$TOP/scripts/splat.sh"


echo "TAP version 13" >&3
echo "proctrace-selftests: start $(uname -r)" >/dev/kmsg
taint_before=$(cat /proc/sys/kernel/tainted)

# Bad module parameters: refused with a message, and nothing left behind.
for bad in event_slots=100 event_slots=1000 event_slots=2097152 \
	   max_tracked=10 max_tracked=99999999 max_tracked=abc; do
	out=$(insmod "$KO" "$bad" 2>&1)
	rc=$?
	[ $rc != 0 ] && [ ! -e /proc/proctrace ] && ! grep -qw proctrace /proc/modules
	tap_result $? "insmod $bad is refused and leaves nothing" "$out"
done

out=$(insmod "$KO" 2>&1)
tap_result $? "insmod $(basename "$KO") on $(uname -r)" "$out"
[ -r /proc/proctrace/tree ]
tap_result $? "/proc/proctrace/tree exists after load"

for t in "$TOP"/selftests/proctrace_*_test; do
	[ -x "$t" ] || continue
	name=$(basename "$t")
	case " ${PROCTRACE_GUEST_TESTS:-$name} " in
	*" $name "*) ;;
	*) continue ;;
	esac
	echo "== $name" >&2
	t0=$(date +%s)
	(cd "$TOP/selftests" &&
	 PROCTRACE_KO=$KO timeout "$TIMEOUT" "$t") >"$OUT/$name.tap" 2>&1
	rc=$?
	# Wall-clock seconds per binary, for the figures in
	# Documentation/testing.rst; nothing is judged by them.
	echo "$name $(($(date +%s) - t0))" >>"$OUT/seconds"
	# A crash or timeout leaves no TAP line for the test that died.
	[ $rc = 0 ] || [ $rc = 1 ] || [ $rc = 4 ] ||
		tap_result $rc "$name exited with status $rc" "$(tail -n 5 "$OUT/$name.tap")"
done

# The BPF backend beside the module (abi.rst, "The BPF backend"), where
# make check asks for it (PROCTRACE_BPF_GUEST=1: the newest stock kernel;
# Documentation/testing.rst says why not every one). Under emulation a
# fork costs a hundred times what it costs natively and a load takes
# seconds: a tenth of the host's stream workload, 10 load/unload cycles,
# and not the refusals, which the host runs (PROCTRACE_BPF_QUICK).
if [ -z "${PROCTRACE_BPF_GUEST:-}" ]; then
	tap_result 0 "BPF backend # SKIP not asked for on $(uname -r)"
elif [ ! -r /sys/kernel/btf/vmlinux ]; then
	tap_result 0 "BPF backend # SKIP $(uname -r) has no BTF"
else
	echo "== BPF backend" >&2
	t0=$(date +%s)
	# Bounded: a hang there must not take the guest's whole time.
	PROCTRACE_BPF_FORKS=200 PROCTRACE_BPF_CYCLES=10 PROCTRACE_BPF_QUICK=1 \
		timeout -k 10 1200 "$TOP/scripts/bpf-host-tests.sh" "$OUT/bpf"
	rc=$?
	[ $rc = 0 ] || tap_result $rc "BPF backend's tests ended with status $rc (124: after 1,200 s)" \
		"$(tail -n 5 "$OUT/bpf/bpf-host.tap" 2>/dev/null)"
	echo "bpf-backend $(($(date +%s) - t0))" >>"$OUT/seconds"
fi

out=$(rmmod proctrace 2>&1)
tap_result $? "rmmod proctrace" "$out"
[ ! -e /proc/proctrace ]
tap_result $? "unload leaves no /proc/proctrace"

dmesg >"$OUT/dmesg.txt"
sed -n '/proctrace-selftests: start/,$p' "$OUT/dmesg.txt" >"$OUT/dmesg-suite.txt"
out=$(splats "$OUT/dmesg-suite.txt")
[ -z "$out" ]
tap_result $? "no kernel splat in dmesg" "$out"

# O (4096) and E (8192) are expected for an unsigned out-of-tree module.
taint=$(cat /proc/sys/kernel/tainted)
[ $(((taint & ~(4096 | 8192)) & ~taint_before)) = 0 ]
tap_result $? "no new taint but O/E (tainted=$taint)"

echo "1..$tap_n" >&3
exit 0
