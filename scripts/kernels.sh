#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The kernel matrix that scripts/setup.sh wrote to build/matrix, in test
# order: Debian 6.1, 6.12, stock 7.x, stock 7.x PREEMPT_RT, and the 7.x
# debug kernel (lockdep, KASAN, kmemleak, fault injection).
#
#   scripts/kernels.sh             one release per line
#   scripts/kernels.sh info REL    "tier vmlinuz kdir builder" for REL:
#                                  tier is stock, rt or debug; builder is
#                                  "host" or the trixie build root kdir
#                                  lives in
#
# PROCTRACE_KERNELS="REL..." picks from the list (releases, or the tiers
# stock, rt and debug); without it, every kernel.
set -euo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
MATRIX=$TOP/build/matrix

if [ ! -e "$MATRIX" ]; then
	echo "kernels: no kernel matrix in $MATRIX; run: sudo make setup" >&2
	exit 1
fi

if [ "${1:-}" = info ]; then
	line=$(awk -v r="${2:?kernels: info needs a release}" '$1 == r' "$MATRIX")
	if [ -z "$line" ]; then
		echo "kernels: $2 is not in the matrix ($(awk '{print $1}' "$MATRIX" | xargs))" >&2
		exit 1
	fi
	cut -d' ' -f2- <<<"$line"
	exit 0
fi

while read -r rel tier _; do
	case " ${PROCTRACE_KERNELS:-stock rt debug} " in
	*" $rel "* | *" $tier "*) ;;
	*) continue ;;
	esac
	echo "$rel"
done <"$MATRIX"
