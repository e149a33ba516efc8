#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Print the kernel matrix, one release per line: the newest installed 6.1
# (bookworm) and 6.12 (bookworm-backports) kernels that have both an image
# and headers. PROCTRACE_KERNELS overrides the list.
set -euo pipefail

if [ -n "${PROCTRACE_KERNELS:-}" ]; then
	tr ' ' '\n' <<<"$PROCTRACE_KERNELS" | sed '/^$/d'
	exit 0
fi

for series in 6.1 6.12; do
	best=
	for dir in /lib/modules/"$series".*; do
		[ -d "$dir/build" ] || continue
		rel=${dir##*/}
		[ -e "/boot/vmlinuz-$rel" ] || continue
		best=$(printf '%s\n%s\n' "$best" "$rel" | sed '/^$/d' | sort -V | tail -n 1)
	done
	if [ -z "$best" ]; then
		echo "kernels: no $series kernel with headers installed; run: sudo make setup" >&2
		exit 1
	fi
	echo "$best"
done
