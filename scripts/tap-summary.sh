#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Sum the top-level TAP results of every *.tap file under a directory and
# print "N passed, N failed, N skipped". Exit 1 if anything failed.
set -euo pipefail

dir=$1
pass=0 fail=0 skip=0
while IFS= read -r line; do
	case "$line" in
	"not ok "*) fail=$((fail + 1)) ;;
	"ok "*"# SKIP"*) skip=$((skip + 1)) ;;
	"ok "*) pass=$((pass + 1)) ;;
	esac
done < <(find "$dir" -name '*.tap' -print0 | sort -z | xargs -0 -r cat)

echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" = 0 ]
