#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Runs inside one guest boot (scripts/bench.sh starts it). Three parts:
#
# 1. Hook cost: fork+exit+wait, vfork+exec+wait and pthread loops under
#    "none" (no tracer), "proctrace" (module loaded, no reader), "reader"
#    (module + a live `cat events`), "ftrace" (the same three sched events
#    enabled in tracefs, no reader). Configurations are interleaved in a
#    random order each round, and every ratio is against "none" of the
#    same round.
# 2. Snapshot speed at ~1k and ~10k tasks: `cat /proc/proctrace/tree`
#    against `pstree -p` and `ps -ejH`, and `cat /proc/proctrace/tasks`
#    against `ps -eLo`, interleaved, median of the runs. Every command
#    includes its own fork+exec, as a user at a shell pays it.
# 3. CPU used by `proctrace top` and procps `top`, both refreshing every
#    second for 10 s, at ~1k and ~10k tasks.
#
#   guest-bench.sh <proctrace.ko> <outdir> [rounds]
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
KO=$1
OUT=$2
ROUNDS=${3:-7}
FORKS=${FORKS:-1500}
VFORKS=${VFORKS:-400}
THREADS=${THREADS:-3000}
mkdir -p "$OUT"
RAW=$OUT/hook.raw
: >"$RAW"
T=/sys/kernel/tracing
mountpoint -q $T || mount -t tracefs nodev $T

reader_pid=
config_on() {
	case $1 in
	none) ;;
	proctrace) insmod "$KO" ;;
	reader)
		insmod "$KO"
		cat /proc/proctrace/events >/dev/null &
		reader_pid=$!
		;;
	ftrace)
		for e in fork exec exit; do
			echo 1 >$T/events/sched/sched_process_$e/enable
		done
		;;
	esac
}

config_off() {
	case $1 in
	none) ;;
	proctrace) rmmod proctrace ;;
	reader)
		kill "$reader_pid"
		wait "$reader_pid" 2>/dev/null || true
		rmmod proctrace
		;;
	ftrace)
		for e in fork exec exit; do
			echo 0 >$T/events/sched/sched_process_$e/enable
		done
		echo >$T/trace
		;;
	esac
}

# Warm up caches and the page cache of the binaries.
"$HERE/forkloop" fork 200 >/dev/null
"$HERE/forkloop" vfork 50 >/dev/null

for round in $(seq "$ROUNDS"); do
	for cfg in $(printf '%s\n' none proctrace reader ftrace | shuf); do
		config_on "$cfg"
		for w in fork vfork thread; do
			case $w in
			fork) n=$FORKS ;;
			vfork) n=$VFORKS ;;
			thread) n=$THREADS ;;
			esac
			rate=$("$HERE/forkloop" "$w" "$n")
			echo "$round $cfg $w $rate" >>"$RAW"
		done
		config_off "$cfg"
	done
	echo "round $round done" >&2
done

SNAP=$OUT/snapshot.raw
CLI=$HERE/../userspace/proctrace
: >"$SNAP" >"$OUT/top.raw"
insmod "$KO"
# Processes with a few threads each: ~1k and ~10k tasks in all.
for spec in "250 3" "2500 3"; do
	set -- $spec
	exec 9> >("$HERE/population" "$1" "$2" >"$OUT/population.out")
	until grep -q ready "$OUT/population.out" 2>/dev/null; do sleep 1; done
	tasks=$(ls -d /proc/[0-9]*/task/[0-9]* | wc -l)
	for run in 1 2 3 4 5; do
		for tool in proctrace cli tasks pstree ps psL; do
			case $tool in
			proctrace) cmd="cat /proc/proctrace/tree" ;;
			cli) cmd="$CLI tree" ;;
			tasks) cmd="cat /proc/proctrace/tasks" ;;
			pstree) cmd="pstree -p" ;;
			ps) cmd="ps -ejH" ;;
			psL) cmd="ps -eLo pid,tid,ppid,stat,comm" ;;
			esac
			t0=$(date +%s%N)
			$cmd >/dev/null
			t1=$(date +%s%N)
			echo "$tasks $tool $run $(((t1 - t0) / 1000))" >>"$SNAP"
		done
	done
	# CPU of a live view refreshing every second, 10 refreshes.
	for run in 1 2 3; do
		for tool in proctrace-top top; do
			case $tool in
			proctrace-top) cmd="$CLI top -b -d 1 -n 10" ;;
			top) cmd="top -b -d 1 -n 10" ;;
			esac
			echo "$tasks $tool $run $("$HERE/cputime.py" $cmd)" >>"$OUT/top.raw"
		done
	done
	exec 9>&-
	while pgrep -x population >/dev/null; do sleep 1; done
	rm -f "$OUT/population.out"
done
rmmod proctrace

python3 "$HERE/summarize.py" "$RAW" "$SNAP" "$OUT/top.raw" | tee "$OUT/summary.txt"
