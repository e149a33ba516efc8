# SPDX-License-Identifier: GPL-2.0-only
#
# Sourced by the scripts that report TAP. tap_result <rc> <name> [detail]
# prints "ok N - name" or "not ok N - name" and the detail as "# " lines
# to the file descriptor $TAP_FD (default 1), counts failures in
# $tap_failed, and returns <rc> so callers can branch on it.

tap_n=0
tap_failed=0

tap_result() {
	local fd=${TAP_FD:-1}

	tap_n=$((tap_n + 1))
	if [ "$1" = 0 ]; then
		echo "ok $tap_n - $2" >&"$fd"
		return 0
	fi
	tap_failed=$((tap_failed + 1))
	echo "not ok $tap_n - $2" >&"$fd"
	[ -z "${3:-}" ] || printf '%s\n' "$3" | tail -n 40 | sed 's/^/# /' >&"$fd"
	return "$1"
}
