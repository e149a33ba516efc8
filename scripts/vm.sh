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
# The stock-kernel debugging aids that cost nothing to turn on are: slab
# red zones and poisoning, and KFENCE sampling (6.12). PROCTRACE_VM_APPEND
# replaces them (benchmarks run without).
set -euo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
kver=$1
shift

if [ ! -x "$TOP/build/venv/bin/vng" ]; then
	echo "vm: virtme-ng is not installed; run: sudo make setup" >&2
	exit 1
fi
if [ ! -e "/boot/vmlinuz-$kver" ]; then
	echo "vm: no /boot/vmlinuz-$kver; run: sudo make setup" >&2
	exit 1
fi
mkdir -p "$TOP/build/results"
export PATH=$TOP/build/venv/bin:$PATH
exec vng --run "/boot/vmlinuz-$kver" --disable-kvm \
	--cpus "${PROCTRACE_VM_CPUS:-2}" --memory "${PROCTRACE_VM_MEMORY:-3G}" \
	--rwdir "$TOP/build/results" \
	--append "${PROCTRACE_VM_APPEND-slub_debug=FZPU kfence.sample_interval=100}" \
	--exec "$*"
