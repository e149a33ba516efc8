# SPDX-License-Identifier: GPL-2.0-only
#
# Sourced by the guest scripts. splats <file> prints every line of a dmesg
# capture that is a kernel splat: BUG, WARNING, oops, lockdep, RCU,
# KASAN, UBSAN, KFENCE, kmemleak, stalls, list and slab corruption, and
# any call trace. The one exception is the report warn_alloc() prints when
# an allocation fails without __GFP_NOWARN ("page allocation failure",
# "vmalloc error"): the fault-injection tests make the kernel's own module
# loader fail that way on purpose, and that report is not a bug. Its call
# trace is skipped, up to the line that ends it, with the user-mode
# registers (RIP: 0033) of the system call that asked; any other splat
# inside it, a kernel-mode RIP among them, is still reported. So is
# kmemleak's "Cannot allocate a scan area": the same injected failure, met
# by the allocation kmemleak makes to track one (the object is then
# scanned whole, nothing is lost). A "traps:" line that names the user
# binary it happened in ("in stress-ng[...]") is a user-mode fault the
# kernel delivered as a signal; a kernel fault is an Oops.

SPLAT_RE='BUG:|WARNING:|Oops|general protection|RIP: |Call Trace:|suspicious RCU usage|sleeping function called from invalid context|possible circular locking|possible recursive locking|inconsistent lock state|KASAN:|UBSAN:|KFENCE:|kmemleak|unreferenced object|detected stall|soft lockup|hung_task|blocked for more than|list_add corruption|list_del corruption|buggy .next function|Slab corruption|Redzone|Poison overwritten|Object padding|scheduling while atomic'

splats() {
	awk -v re="$SPLAT_RE" '
		/(page allocation failure|vmalloc error): / { in_alloc = 1; next }
		in_alloc && /(Call Trace:|<\/?TASK>|^\[[ 0-9.]+\]  [^ ]|Mem-Info|Node [0-9]|DMA|Normal|free:|pages |Hardware name|CPU: |Tainted|active_anon|[0-9]+ total pagecache|RIP: 0033:)/ &&
			!/(BUG:|WARNING:|KASAN:|UBSAN:|RIP: 0010)/ { next }
		{ in_alloc = 0 }
		/kmemleak: Cannot allocate a scan area, scanning the full object$/ { next }
		/\] traps: .* in [^ ]+\[[0-9a-f]+,[0-9a-f]+\+[0-9a-f]+\]$/ { next }
		$0 ~ re { print }
	' "$1"
}
