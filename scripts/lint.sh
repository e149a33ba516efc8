#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Every static check, as TAP on stdout (also written to build/results/lint.tap):
#   - checkpatch.pl --no-tree --strict over all C (kernel and userspace);
#   - the kernel's .clang-format: formatting a file must not change it;
#   - the module built with W=1 for every kernel of the matrix (6.1, 6.12,
#     stock 7.x and 7.x-rt in the trixie build root with gcc-14, the 7.x
#     debug kernel), and with sparse (C=2) on 6.x, with zero warnings
#     (sparse 0.6.4, the newest in bookworm and trixie, is too old for 7.x);
#   - userspace and selftests built with -Wall -Wextra, zero warnings.
set -uo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
cd "$TOP" || exit 1
KT=$TOP/build/kernel-tools
RES=$TOP/build/results
mkdir -p "$RES"
TAP=$RES/lint.tap
LOG=$RES/lint.log
: >"$LOG"
. "$TOP/scripts/tap.sh"

if [ ! -x "$KT/scripts/checkpatch.pl" ] || [ ! -e "$KT/.clang-format" ]; then
	echo "lint: kernel tools missing in $KT; run: sudo make setup" >&2
	exit 1
fi


# Fails when $out has any line but the ones kbuild prints on every clean
# build of an external module.
result() {	# result <rc> <name> <output>: also logs the full output
	printf '== %s (rc %s)\n%s\n' "$2" "$1" "$3" >>"$LOG"
	tap_result "$@"
}

only_noise() {
	! grep -vE '^(Skipping BTF generation .* due to unavailability of vmlinux)?$' <<<"$1" |
		grep -q .
}

mapfile -t CFILES < <(git ls-files -co --exclude-standard -- \
	'src/*.[ch]' 'include/*.h' 'userspace/*.[ch]' 'selftests/*.[ch]' 'bench/*.[ch]' | sort -u)

exec > >(tee "$TAP")
echo "TAP version 13"

CHECKPATCH=(perl "$KT/scripts/checkpatch.pl" --no-tree --strict --terse
	    --no-summary --show-types --ignore FILE_PATH_CHANGES,SPDX_LICENSE_TAG)
# src/compat.h is the one file whose job is LINUX_VERSION_CODE tests. BPF
# programs (src/bpf/*.bpf.c) declare the values the loader sets before
# load as "const volatile", libbpf's idiom for read-only globals.
# The uapi header's lists are X-macros (one list, expanded by the module,
# the BPF programs, the CLI and the selftests), which checkpatch takes for
# statements.
out=$("${CHECKPATCH[@]}" -f $(printf '%s\n' "${CFILES[@]}" | grep -vxE 'src/compat.h|src/bpf/.*\.bpf\.c|include/uapi/linux/proctrace.h') 2>&1
      "${CHECKPATCH[@]}" --ignore COMPLEX_MACRO,MACRO_ARG_REUSE \
	-f include/uapi/linux/proctrace.h 2>&1
      "${CHECKPATCH[@]}" --ignore LINUX_VERSION_CODE,CONSTANT_COMPARISON \
	-f src/compat.h 2>&1
      "${CHECKPATCH[@]}" --ignore VOLATILE -f $(printf '%s\n' "${CFILES[@]}" | grep -xE 'src/bpf/.*\.bpf\.c') 2>&1)
rc=$?
[ -z "$out" ] || rc=1
result $rc "checkpatch --strict (${#CFILES[@]} files)" "$out"

out=
for f in "${CFILES[@]}"; do
	d=$(clang-format --style="file:$KT/.clang-format" "$f" | diff -u "$f" - 2>&1) ||
		out+="$d"$'\n'
done
[ -z "$out" ]
result $? "clang-format (kernel .clang-format)" "$out"

for kver in $(scripts/kernels.sh); do
	read -r tier _ kdir _ < <(scripts/kernels.sh info "$kver")
	if [ "$tier" = debug ] && [ ! -e "${kdir%/linux}/.built" ]; then
		# scripts/test.sh builds it beside the stock kernels' runs and
		# then runs this same W=1 build against it.
		echo "ok $((tap_n += 1)) - module W=1 on $kver # SKIP the debug kernel is not built yet (make check builds it, then checks W=1)"
		continue
	fi
	case $kver in
	6.*) args=(W=1 C=2) ;;
	*) args=(W=1) ;;
	esac
	out=$(scripts/kbuild.sh "$kver" "${args[@]}" modules 2>&1)
	rc=$?
	only_noise "$out" || rc=1
	result $rc "module ${args[*]} on $kver" "$out"
done

for dir in userspace selftests bench; do
	[ -e "$dir/Makefile" ] || continue
	out=$(make -s -C "$dir" clean >/dev/null 2>&1; make -s -C "$dir" 2>&1)
	rc=$?
	[ -z "$out" ] || rc=1
	result $rc "$dir builds with no warnings" "$out"
done

echo "1..$tap_n"
echo "# lint: $((tap_n - tap_failed)) passed, $tap_failed failed"
[ "$tap_failed" = 0 ]
