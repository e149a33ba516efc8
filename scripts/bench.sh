#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The benchmarks of bench/, in one guest boot of one kernel (default: the
# newest of the matrix). Results land in build/results/bench/.
#
#   scripts/bench.sh [rounds]
set -euo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
cd "$TOP"
kver=${PROCTRACE_KERNEL:-$(scripts/kernels.sh | tail -n 1)}
scripts/kbuild.sh "$kver" modules
make -s -C bench
make -s -C userspace
out=$TOP/build/results/bench
rm -rf "$out"
PROCTRACE_VM_APPEND="" scripts/vm.sh "$kver" "$TOP/bench/guest-bench.sh" \
	"$TOP/build/$kver/src/proctrace.ko" "$out" "${1:-7}"
