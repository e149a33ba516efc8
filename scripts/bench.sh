#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The benchmarks of bench/, in one guest boot of one kernel (default: the
# newest stock kernel of the matrix, never the debug one, whose KASAN and
# lockdep would be what is measured). Results land in build/results/bench/.
#
#   scripts/bench.sh [rounds]
set -euo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
cd "$TOP"
kver=${PROCTRACE_KERNEL:-$(PROCTRACE_KERNELS=stock scripts/kernels.sh | tail -n 1)}
scripts/kbuild.sh "$kver" modules
make -s -C bench
make -s -C userspace
out=$TOP/build/results/bench
rm -rf "$out"
PROCTRACE_VM_APPEND="" scripts/vm.sh "$kver" "$TOP/bench/guest-bench.sh" \
	"$TOP/build/$kver/src/proctrace.ko" "$out" "${1:-7}"
