#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Boot one kernel of the matrix under QEMU software emulation with
# virtme-ng and run a command in it as root. The guest sees this host's
# filesystem read-only (with overlays); build/results is writable.
#
#   scripts/vm.sh <release> <command...>
#
# KVM is not usable on the development machines, hence --disable-kvm.
# Stock kernels get the debugging aids that cost nothing to turn on: slab
# red zones and poisoning, and KFENCE sampling (6.12 and later). The debug
# kernel is booted with panic_on_warn=1, so any WARN (lockdep, KASAN,
# UBSAN, DEBUG_LIST...) ends the run. PROCTRACE_VM_APPEND replaces the
# stock aids (benchmarks run without); PROCTRACE_VM_TIMEOUT bounds the run;
# PROCTRACE_VM_VERBOSE=1 adds the guest kernel's console to the output, as
# scripts/test.sh does so that an oops is on record.
set -euo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
kver=$1
shift

if [ ! -x "$TOP/build/venv/bin/vng" ]; then
	echo "vm: virtme-ng is not installed; run: sudo make setup" >&2
	exit 1
fi
read -r tier vmlinuz _kdir _builder < <("$TOP/scripts/kernels.sh" info "$kver")
if [ ! -e "$vmlinuz" ]; then
	echo "vm: no $vmlinuz; run: sudo make setup" >&2
	exit 1
fi
append=${PROCTRACE_VM_APPEND-slub_debug=FZPU kfence.sample_interval=100}
timeout=${PROCTRACE_VM_TIMEOUT:-3600}
memory=${PROCTRACE_VM_MEMORY:-3G}
# nokaslr: every boot of the debug kernel has the same layout, so a
# report reproduces. no5lvl: two boots in about twenty (one of 4G, one of
# 3G with nokaslr) ended 2.4 s in, before any module, in a KASAN
# wild-memory-access in do_raw_spin_lock() <- handle_edge_irq(), at an
# address of the 5-level direct map (ff11...): the emulated CPU offers
# LA57 and the kernel took it. 4-level paging is what the machines this
# module is for use (Documentation/testing.rst). 3G holds the suite's
# 10,000-task populations with KASAN's doubled stacks.
if [ "$tier" = debug ]; then
	append="panic_on_warn=1 softlockup_panic=1 nokaslr no5lvl ${PROCTRACE_VM_APPEND-}"
	memory=${PROCTRACE_VM_MEMORY:-3G}
	timeout=${PROCTRACE_VM_TIMEOUT:-4800}
fi
# QEMU before 10 runs the vCPUs on several host threads (MTTCG) without
# keeping cross-modified code exact: flipping a tracepoint's static key
# while another vCPU runs through the patched site ends in "Oops: int3"
# (echo 1/0 > events/sched/sched_process_exit/enable in a loop does it
# within a minute on 6.12 and 7.3; so did proctrace's load/unload storm).
# scripts/setup.sh installs 10.x from bookworm-backports; with an older
# QEMU every vCPU shares one thread, which is exact and slower.
# PROCTRACE_VM_TCG=single|multi overrides.
qemu_major=$(qemu-system-x86_64 --version | sed -nE '1s/.*version ([0-9]+)\..*/\1/p')
if [ "${qemu_major:-0}" -ge 10 ]; then
	tcg=${PROCTRACE_VM_TCG:-multi}
else
	tcg=${PROCTRACE_VM_TCG:-single}
fi
mkdir -p "$TOP/build/results"
export PATH=$TOP/build/venv/bin:$PATH
# Not --foreground: on expiry timeout signals its whole process group,
# QEMU included, which vng does not stop by itself (with --foreground a
# timed-out guest's QEMU ran on for minutes, taking the next guests' CPU).
exec timeout -k 30 "$timeout" \
	vng --run "$vmlinuz" --disable-kvm \
	--cpus "${PROCTRACE_VM_CPUS:-2}" --memory "$memory" \
	--rwdir "$TOP/build/results" \
	--append "$append" ${PROCTRACE_VM_VERBOSE:+--verbose} \
	--qemu-opts="-accel tcg,thread=$tcg" \
	--exec "$*"
