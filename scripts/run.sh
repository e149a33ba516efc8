#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The main job: build proctrace.ko for the default kernel of the matrix
# (the newest stock one, or $PROCTRACE_KERNEL), boot it in a guest, load
# the module and print /proc/proctrace/tree and /proc/proctrace/stats.
set -euo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
cd "$TOP"
if [ "$(id -u)" = 0 ]; then
	# The debug kernel is the tests' (make check builds it); this job
	# does not wait tens of minutes for it.
	PROCTRACE_DEBUG_BUILD=later scripts/setup.sh
fi
kver=${PROCTRACE_KERNEL:-$(PROCTRACE_KERNELS=stock scripts/kernels.sh | tail -n 1)}
scripts/kbuild.sh "$kver" modules
echo "booting $kver (software emulation, about a minute)..." >&2
scripts/vm.sh "$kver" "insmod $TOP/build/$kver/src/proctrace.ko &&
	cat /proc/proctrace/tree /proc/proctrace/stats; rc=\$?;
	rmmod proctrace; exit \$rc"
