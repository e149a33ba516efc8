#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The BPF backend on the running kernel: natively on the host in make
# check, and in the guests beside the module. Its lifetime (proctrace bpf
# load/unload/status), its refusals (loaded twice, no privilege, a damaged
# pin directory, bpffs not mounted, no BTF), proctrace_views_test against
# its pinned files, the views the CLI builds from them, load/unload cycles
# with readers, and, when the module is loaded too, both backends against
# each other on one frozen topology. As root.
#
#   scripts/bpf-host-tests.sh <outdir>
#
# Writes <outdir>/bpf-host.tap (this script's checks) and
# <outdir>/bpf-views.tap (the views test). The development hosts' task
# iterator never returns pid 1's thread group (abi.rst, "The BPF
# backend"): the caller declares it with PROCTRACE_BPF_PID1_QUIRK=1, which
# is passed on to the views test. PROCTRACE_BPF_CYCLES: how many
# load/unload cycles (default 50); PROCTRACE_BPF_FORKS: the stream
# workload's children (default 2000; the loss test forks half as many
# again), fewer under emulation, where a fork costs a hundred times more.
# PROCTRACE_BPF_QUICK=1 leaves out the refusals, which are the same code
# on every kernel (the guests, whose time is make check's budget).
set -uo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
OUT=$1
CLI=$TOP/userspace/proctrace
DIR=/sys/fs/bpf/proctrace
CYCLES=${PROCTRACE_BPF_CYCLES:-50}
QUICK=${PROCTRACE_BPF_QUICK:-}
FORKS=${PROCTRACE_BPF_FORKS:-2000}
LOSSY=$((FORKS * 3 / 2))
# The CLI reads the BPF backend here, even beside the module.
export PROCTRACE_BACKEND=bpf
# Beside the module, load needs --force (and says so without it).
LOAD=("$CLI" bpf load)
[ ! -e /proc/proctrace ] || LOAD+=(--force)
mkdir -p "$OUT"
# Whatever happens, nothing of this run stays: its background processes
# (watchers, topology) and the backend it loaded.
cleanup() {
	local p

	for p in $(jobs -p) ${orphan:-}; do
		kill -KILL "$p" 2>/dev/null
	done
	[ ! -e "$DIR" ] || "$CLI" bpf unload >/dev/null 2>&1
}
trap cleanup EXIT
exec 3>"$OUT/bpf-host.tap"
TAP_FD=3
. "$TOP/scripts/tap.sh"
echo "TAP version 13" >&3

# pins: the links of the backend's programs the kernel still holds.
pins() {
	bpftool -j link show 2>/dev/null |
		python3 -c 'import json,sys
print(sum(1 for l in json.load(sys.stdin) if str(l.get("prog_name", l.get("name", ""))).startswith("pt_")))' 2>/dev/null ||
		echo "?"
}

# run <rc wanted> <text wanted in stderr, or ""> <command...>: the
# output of the command, and whether it ended as wanted.
run() {
	local want_rc=$1 want_text=$2 rc
	shift 2
	out=$("$@" 2>&1)
	rc=$?
	[ "$rc" = "$want_rc" ] || { out="exit $rc, wanted $want_rc: $out"; return 1; }
	[ -z "$want_text" ] || grep -qF -- "$want_text" <<<"$out" ||
		{ out="no '$want_text' in: $out"; return 1; }
	return 0
}

if [ ! -r /sys/kernel/btf/vmlinux ]; then
	tap_result 0 "BPF backend # SKIP this kernel has no BTF"
	echo "1..$tap_n" >&3
	exit 0
fi

# A backend left loaded by an earlier run that died is unloaded first.
[ ! -e "$DIR" ] || "$CLI" bpf unload >/dev/null 2>&1 || true

run 0 "" "${LOAD[@]}"
tap_result $? "bpf load" "$out"
run 0 "" "$CLI" bpf status
tap_result $? "bpf status: every pin in place" "$out"
before=$("$CLI" -j bpf status 2>/dev/null | jq -c .pins)

if [ -z "$QUICK" ]; then
	run 1 "already loaded" "${LOAD[@]}"
	tap_result $? "bpf load twice: refused, says it is loaded" "$out"
	[ "$("$CLI" -j bpf status 2>/dev/null | jq -c .pins)" = "$before" ]
	tap_result $? "bpf load twice: the loaded backend is left as it was"

	run 1 "root" setpriv --reuid=65534 --regid=65534 --clear-groups \
		"$CLI" bpf unload
	tap_result $? "bpf unload as nobody: refused, says it needs root" "$out"
	[ "$("$CLI" -j bpf status 2>/dev/null | jq -c .pins)" = "$before" ]
	tap_result $? "bpf unload as nobody: nothing changed"
fi

# The views test, against the pinned files.
PROCTRACE_TEST_BACKEND=bpf \
	"$TOP/selftests/proctrace_views_test" >"$OUT/bpf-views.tap" 2>&1
tap_result $? "proctrace_views_test against the BPF backend (bpf-views.tap)" \
	"$(grep -A5 '^not ok' "$OUT/bpf-views.tap")"

# The views the CLI builds (tree, zombies) on a topology made here: a
# parent that never waits, with one child that exited 3 and one killed by
# SIGTERM; each step waits for what /proc says, with a deadline.
until_true() {	# until_true <seconds> <command...>
	local end=$((SECONDS + $1))
	shift
	until "$@"; do
		[ $SECONDS -lt $end ] || return 1
		sleep 0.05
	done
}
kids_zombie() { [ "$(ps -o stat= --ppid "$1" | grep -c '^Z')" = 2 ]; }
sh -c 'sh -c "exit 3" & sh -c "kill -TERM \$\$" & exec sleep 600' &
parent=$!
until_true 20 kids_zombie "$parent"
tap_result $? "topology: a parent with two zombie children" "$(ps -l --ppid "$parent")"
z=$("$CLI" -j zombies 2>&1)
jq -e --argjson p "$parent" '.[] | select(.pid == $p) |
	.zombies == 2 and .waited == false and .comm == "sleep" and
	([.children[].exit.text] | sort) == ["exited(3)", "killed(SIGTERM)"] and
	all(.children[]; .ppid == $p and .kind == "unreaped" and .age_ns >= 0)' \
	<<<"$z" >/dev/null
tap_result $? "zombies (built from tasks and the lifecycle map): the parent, its two zombies, their exits" "$z"
[ "$(jq -c --argjson p "$parent" '[.[] | select(.pid == $p) | .children[].pid] | sort' <<<"$z")" = \
  "$(ps -o pid= --ppid "$parent" | xargs | jq -Rc 'split(" ") | map(tonumber) | sort')" ]
tap_result $? "zombies: the zombie pids are the parent's children in ps"
t=$("$CLI" -j tree "$parent" 2>&1)
jq -e --argjson p "$parent" '.[0].pid == $p and .[0].comm == "sleep" and
	([.[0].children[] | select(.zombie) | .pid] | length) == 2' <<<"$t" >/dev/null
tap_result $? "tree (built from tasks): the parent and its zombie children" "$t"
# Both backends on the same frozen topology, when the module is loaded
# too: the parent above and its zombies, an orphan, a process with
# threads, and the kernel threads.
if [ -e /proc/proctrace ]; then
	run 1 "--force" "$CLI" bpf load
	tap_result $? "bpf load beside the module without --force: refused, says how" "$out"
	# An orphan: its parent exits; it is given to init (or a subreaper).
	sh -c 'sleep 600 & echo $! >'"$OUT/orphan.pid" &
	wait $!
	orphan=$(cat "$OUT/orphan.pid")
	# A process with four threads, named.
	python3 -c 'import threading, time
ts = [threading.Thread(target=time.sleep, args=(600,), daemon=True) for _ in range(3)]
[t.start() for t in ts]
time.sleep(600)' &
	threaded=$!
	has_threads() { [ "$(ls "/proc/$1/task" 2>/dev/null | wc -l)" = 4 ]; }
	until_true 20 has_threads "$threaded"
	tap_result $? "topology: an orphan and a process with four threads"
	pids=" $parent $(ps -o pid= --ppid "$parent" | xargs) $orphan $threaded "
	# The lines of those tasks, from each backend's tasks file.
	lines() {
		awk -v pids="$pids" 'NR > 1 && index(pids, " " $2 " ")' "$1/tasks" | sort
	}
	m=$(lines /proc/proctrace)
	b=$(lines "$DIR")
	[ -n "$m" ] && [ "$m" = "$b" ]
	tap_result $? "tasks: both backends give the same lines for the topology" \
		"$(diff <(echo "$m") <(echo "$b"))"
	# Kernel threads: all but the state-dependent columns (the state, the
	# parked and idle classes, and "other", which stands when no class
	# does) of every thread both list.
	kcols() {
		awk 'NR > 1 { c = $5; gsub(/(^|,)(parked|idle|other)/, "", c);
			sub(/^,/, "", c); if (c == "") c = "-";
			print $1, $2, $4, c, $6, $7, $8 }' \
			"$1/kthreads" | sort
	}
	kdiff=$(join -j1 <(kcols /proc/proctrace | awk '{print $1, $0}' | sort -k1,1) \
		<(kcols "$DIR" | awk '{print $1, $0}' | sort -k1,1) |
		awk '{ n = (NF - 1) / 2; a = b = "";
			for (i = 2; i <= n + 1; i++) a = a " " $i;
			for (i = n + 2; i <= NF; i++) b = b " " $i;
			if (a != b) print "module:" a " | bpf:" b }')
	nk=$(grep -c . <<<"$(kcols "$DIR")")
	[ -z "$kdiff" ] && [ "$nk" -gt 10 ]
	tap_result $? "kthreads: both backends agree on pid, ppid, cpu, class, func, module, comm ($nk threads)" "$kdiff"
	zm=$("$CLI" --backend=module -j zombies)
	zb=$("$CLI" --backend=bpf -j zombies)
	pick='[.[] | select(.pid == $p) | {pid, comm, zombies, waited,
		children: [.children[] | {pid, ppid, kind, exit: .exit.text, comm}]}]'
	[ "$(jq -c --argjson p "$parent" "$pick" <<<"$zm")" = \
	  "$(jq -c --argjson p "$parent" "$pick" <<<"$zb")" ] &&
		[ "$(jq -c --argjson p "$parent" "$pick | length" <<<"$zm")" = 1 ]
	tap_result $? "zombies: both backends give the parent, its zombies, kinds and exits" \
		"module: $(jq -c --argjson p "$parent" "$pick" <<<"$zm")
bpf:    $(jq -c --argjson p "$parent" "$pick" <<<"$zb")"
	om=$(awk -v p="$orphan" '$1 == p' /proc/proctrace/orphans)
	ob=$(awk -v p="$orphan" '$1 == p' "$DIR/orphans")
	# orphaned_ns: each backend's own clock reading in the same
	# tracepoint call.
	[ -n "$om" ] && [ "$(cut -d' ' -f1-4,6 <<<"$om")" = "$(cut -d' ' -f1-4,6 <<<"$ob")" ] &&
		awk -v a="$(cut -d' ' -f5 <<<"$om")" -v b="$(cut -d' ' -f5 <<<"$ob")" \
			'BEGIN { d = a - b; exit !(d < 1e9 && d > -1e9) }'
	tap_result $? "orphans: both backends give the orphan, its original parent, its reaper" \
		"module: $om
bpf:    $ob"
	kill "$orphan" "$threaded" 2>/dev/null
	wait "$threaded" 2>/dev/null
fi
kill "$parent"
wait "$parent" 2>/dev/null
out=$("$CLI" tree 2>&1 | head -n 3)
[ -n "$out" ]
tap_result $? "tree of the whole machine" "$out"

# The event stream. A marker process, run after a workload, shows in the
# capture once everything before it has arrived (records are passed on in
# sequence order); the workload is N fork+exit+wait from one parent.
sync_marker() {	# sync_marker <capture> <name>: runs it until its exit shows
	cp /bin/true "$OUT/$2"
	until_true 30 sh -c "'$OUT/$2'; grep -q '\"type\":\"exit\".*\"comm\":\"$2\"' '$1'"
}
workload() {	# workload <n>: prints the parent's pid
	python3 -c 'import os, sys
print(os.getpid(), flush=True)
for _ in range(int(sys.argv[1])):
    pid = os.fork()
    if not pid:
        os._exit(7)
    os.waitpid(pid, 0)' "$1"
}
lost_now() { awk '$1 == "events_lost" { print $2 }' "$DIR/stats"; }
capture() {	# capture <file>: starts watch --json; $watcher is its pid
	"$CLI" watch --json >"$1" 2>"$1.err" &
	watcher=$!
	sync_marker "$1" ptstart
}
capture "$OUT/stream.json"
tap_result $? "watch on the BPF backend: records flow" "$(cat "$OUT/stream.json.err")"
run 1 "one reader at a time" "$CLI" watch -n 1
tap_result $? "a second watch: refused, says why" "$out"
l0=$(lost_now)
wp=$(workload "$FORKS")
sync_marker "$OUT/stream.json" ptend
kill "$watcher"
wait "$watcher" 2>/dev/null
out=$(python3 "$TOP/scripts/bpf-stream-check.py" "$OUT/stream.json" "$wp" "$FORKS" $(($(lost_now) - l0)))
tap_result $? "stream: $FORKS fork+exit+wait, every record once, in sequence ($(tail -n 1 <<<"$out"))" "$out"

# Exact loss: a 64 KiB ring (about 750 records) and a reader stopped
# while LOSSY children fork, exit and are reaped.
"$CLI" bpf unload >/dev/null 2>&1
run 0 "" "${LOAD[@]}" --events-kb 64
tap_result $? "bpf load --events-kb 64" "$out"
capture "$OUT/lossy.json"
l0=$(lost_now)
kill -STOP "$watcher"
wp=$(workload "$LOSSY")
kill -CONT "$watcher"
sync_marker "$OUT/lossy.json" ptend2
kill "$watcher"
wait "$watcher" 2>/dev/null
l1=$(lost_now)
out=$(python3 "$TOP/scripts/bpf-stream-check.py" "$OUT/lossy.json" "$wp" "$LOSSY" $((l1 - l0)))
[ $? = 0 ] && [ $((l1 - l0)) -gt 0 ]
tap_result $? "stream: a stopped reader and a 64 KiB ring lose $((l1 - l0)) records, each reported exactly ($(tail -n 1 <<<"$out"))" "$out"
"$CLI" bpf unload >/dev/null 2>&1
"${LOAD[@]}" >/dev/null 2>&1

# Beside the module: one workload (forks that exit 7, forks that exec
# /bin/true) read from both streams at once gives the same records.
if [ -e /proc/proctrace ]; then
	"$CLI" --backend=module watch --json >"$OUT/both-module.json" \
		2>"$OUT/both-module.err" &
	module_watcher=$!
	capture "$OUT/both-bpf.json"
	sync_marker "$OUT/both-module.json" ptstart3
	wp=$(python3 -c 'import os
print(os.getpid(), flush=True)
for i in range(200):
    pid = os.fork()
    if not pid:
        if i % 2:
            os.execv("/bin/true", ["true"])
        os._exit(7)
    os.waitpid(pid, 0)')
	sync_marker "$OUT/both-bpf.json" ptend3
	sync_marker "$OUT/both-module.json" ptend3
	kill "$watcher" "$module_watcher"
	wait "$watcher" "$module_watcher" 2>/dev/null
	out=$(python3 "$TOP/scripts/bpf-streams-compare.py" \
		"$OUT/both-module.json" "$OUT/both-bpf.json" "$wp")
	tap_result $? "streams: one workload, the same fork, exec and exit records from both backends ($(tail -n 1 <<<"$out"))" "$out"
fi

# Readers that hold a file open across unload keep reading what the
# kernel still holds, and the last close frees it.
exec 4<"$DIR/tasks"
run 0 "" "$CLI" bpf unload
tap_result $? "bpf unload with a reader open" "$out"
[ ! -e "$DIR" ]
tap_result $? "bpf unload: $DIR is gone" "$(ls -la "$DIR" 2>&1)"
head -c 64 <&4 | grep -q '^# proctrace tasks v'
tap_result $? "a file opened before unload still reads"
exec 4<&-
n=$(pins)
[ "$n" = 0 ]
tap_result $? "bpf unload: no link of the backend left in the kernel" "links: $n"

# The refusals: the same code on every kernel, so the guests leave them
# to the host (PROCTRACE_BPF_QUICK).
if [ -z "$QUICK" ]; then
	run 1 "not loaded" "$CLI" bpf status
	tap_result $? "bpf status when not loaded: says so" "$out"
	out=$("$CLI" -j bpf status 2>/dev/null)
	jq -e 'keys == ["error"] and (.error | test("not loaded"))' <<<"$out" >/dev/null
	tap_result $? "bpf status --json when not loaded: {\"error\": ...} on stdout" "$out"
	run 1 "not loaded" "$CLI" bpf unload
	tap_result $? "bpf unload when not loaded: says so" "$out"

	run 1 "root" setpriv --reuid=65534 --regid=65534 --clear-groups \
		"${LOAD[@]}"
	tap_result $? "bpf load as nobody: refused, says it needs root" "$out"
	[ ! -e "$DIR" ] && [ "$(pins)" = 0 ]
	tap_result $? "bpf load as nobody: nothing pinned"

	# A damaged pin directory: status names it, unload clears it.
	"${LOAD[@]}" >/dev/null 2>&1
	rm -f "$DIR/probes/exec" "$DIR/orphans"
	run 1 "2 pin(s)" "$CLI" bpf status
	tap_result $? "bpf status with two pins removed: says so" "$out"
	run 1 "already loaded" "${LOAD[@]}"
	tap_result $? "bpf load over a damaged directory: refused" "$out"
	run 0 "" "$CLI" bpf unload
	tap_result $? "bpf unload clears a damaged directory" "$out"
	[ ! -e "$DIR" ] && [ "$(pins)" = 0 ]
	tap_result $? "nothing left after clearing it"

	# What proctrace did not pin is left alone, and unload says so.
	"${LOAD[@]}" >/dev/null 2>&1
	mkdir "$DIR/stranger"
	run 1 "did not make" "$CLI" bpf unload
	tap_result $? "bpf unload with a foreign entry: keeps it, says so" "$out"
	rmdir "$DIR/stranger"
	"$CLI" bpf unload >/dev/null 2>&1
	[ ! -e "$DIR" ] && [ "$(pins)" = 0 ]
	tap_result $? "unload after the foreign entry is gone"

	# bpffs not mounted (in a mount namespace of our own): load mounts it.
	run 0 "" unshare -m --propagation private sh -c "
		umount /sys/fs/bpf 2>/dev/null
		if mountpoint -q /sys/fs/bpf; then echo still mounted; exit 1; fi
		${LOAD[*]} || exit 1
		mountpoint -q /sys/fs/bpf || { echo not mounted; exit 1; }
		'$CLI' bpf status >/dev/null || exit 1
		'$CLI' bpf unload"
	tap_result $? "bpf load without bpffs mounted: mounts it" "$out"
	[ ! -e "$DIR" ] && [ "$(pins)" = 0 ]
	tap_result $? "nothing left in the host's bpffs"

	# No BTF (hidden in a mount namespace): a clear error, nothing pinned.
	run 1 "no BTF" unshare -m --propagation private sh -c "
		mount -t tmpfs none /sys/kernel/btf && exec ${LOAD[*]}"
	tap_result $? "bpf load on a kernel without BTF: refused, says why" "$out"
	[ ! -e "$DIR" ] && [ "$(pins)" = 0 ]
	tap_result $? "bpf load without BTF: nothing pinned"

	# Bad options change nothing.
	run 2 "not 1024 to 4194304" "${LOAD[@]}" --max-tracked 99
	tap_result $? "bpf load --max-tracked 99: usage error" "$out"
	run 2 "" "${LOAD[@]}" --max-tracked 1x
	tap_result $? "bpf load --max-tracked 1x: usage error" "$out"
	run 2 "unknown action" "$CLI" bpf reload
	tap_result $? "bpf reload: usage error" "$out"
	[ ! -e "$DIR" ]
	tap_result $? "bad options loaded nothing"

	# --max-tracked sizes the table that stats reports.
	run 0 "" "${LOAD[@]}" --max-tracked 2048
	tap_result $? "bpf load --max-tracked 2048" "$out"
	grep -qx 'table_size 2048' "$DIR/stats"
	tap_result $? "stats: table_size 2048" "$(cat "$DIR/stats" 2>&1)"
	"$CLI" bpf unload >/dev/null 2>&1
fi

# Load and unload many times with a reader in the middle of each file.
bad=0
[ ! -e "$DIR" ] || "$CLI" bpf unload >/dev/null 2>&1
for ((i = 1; i <= CYCLES; i++)); do
	"${LOAD[@]}" >/dev/null 2>&1 || { bad=$i; break; }
	for f in tasks kthreads orphans stats; do
		head -c 100 "$DIR/$f" >/dev/null 2>&1
	done
	"$CLI" bpf unload >/dev/null 2>&1 || { bad=$i; break; }
done
[ "$bad" = 0 ] && [ ! -e "$DIR" ] && [ "$(pins)" = 0 ]
tap_result $? "$CYCLES load/unload cycles with readers: each worked, nothing left" \
	"failed at cycle $bad"

echo "1..$tap_n" >&3
exit 0
