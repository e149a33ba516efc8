#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# make check: the unit tests (tests/unit) and the CLI tests
# (tests/cli_test.py) as one TAP stream. Exits 1 if anything failed,
# including a test program that died without saying so.
set -uo pipefail

cd "$(dirname "$0")/.." || exit 1
PYTHON=${PYTHON:-python3}
n=0
failed=0

# Run a TAP producer and renumber its results into ours.
suite() {	# suite <name> <command...>
	local name=$1 out rc line
	shift
	out=$("$@" 2>&1)
	rc=$?
	while IFS= read -r line; do
		case $line in
		"ok "[0-9]*)
			n=$((n + 1))
			echo "ok $n ${line#ok [0-9]* }"
			;;
		"not ok "[0-9]*)
			n=$((n + 1))
			failed=$((failed + 1))
			echo "not ok $n ${line#not ok [0-9]* }"
			;;
		"#"*)
			echo "$line"
			;;
		esac
	done <<<"$out"
	if [ "$rc" != 0 ] && ! grep -q '^not ok' <<<"$out"; then
		n=$((n + 1))
		failed=$((failed + 1))
		echo "not ok $n - $name exited with status $rc"
		tail -n 10 <<<"$out" | sed 's/^/# /'
	fi
}

echo "TAP version 13"
suite unit ./tests/unit tests/fixtures
suite cli "$PYTHON" tests/cli_test.py ./proctrace
echo "1..$n"
echo "# $((n - failed)) passed, $failed failed" >&2
[ "$failed" = 0 ]
