#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The debug tier, inside the debug kernel's guest, in the same boot and
# after scripts/guest-tests.sh has run the whole suite (the module is
# unloaded when this starts). As TAP in <outdir>/debug.tap:
#   1. kmemleak after the suite, which includes proctrace_faultload_test
#      (every allocation of insmod failed in turn): nothing proctrace
#      allocated is leaked;
#   2. the storm: STORM_CYCLES insmod/rmmod cycles while stress-ng forks,
#      vforks, clones, execs, makes zombies and threads, with a reader
#      looping on every snapshot file and one blocked in read() on events
#      at every unload; every cycle loads and unloads, slab and vmalloc use
#      do not grow between the first STORM_WARMUP cycles and the end, and
#      kmemleak finds nothing after it;
#   3. no splat in dmesg over all of it (the kernel runs with
#      panic_on_warn=1 too, so a WARN ends the boot).
#
#   scripts/guest-debug.sh <proctrace.ko> <outdir>
set -uo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
KO=$1
OUT=$2
STORM_CYCLES=${PROCTRACE_STORM_CYCLES:-100}
STORM_WARMUP=10
# Slab + vmalloc may move by this much between the two measurements for
# reasons of its own (per-CPU caches, RCU batches): 90 cycles leaking even
# one 4 KiB object each would exceed it.
GROWTH_LIMIT_KB=256
mkdir -p "$OUT"
exec 3>"$OUT/debug.tap"
TAP_FD=3
. "$TOP/scripts/tap.sh"
. "$TOP/scripts/splat.sh"
echo "TAP version 13" >&3
echo "proctrace-debug: start $(uname -r)" >/dev/kmsg
log() { echo "debug: $*" >&2; }

mountpoint -q /sys/kernel/debug || mount -t debugfs none /sys/kernel/debug
KMEMLEAK=/sys/kernel/debug/kmemleak
VIEWS="tree tasks stats kthreads zombies orphans"

# kmemleak_check <name>: two scans (an object is only reported once it has
# stayed unreferenced across a scan and is older than the minimum age),
# then every report whose allocation backtrace names proctrace, or has a
# frame in no symbol at all (the module's text once it is unloaded), fails.
kmemleak_check() {
	local report mine

	if [ ! -w "$KMEMLEAK" ]; then
		tap_result 1 "kmemleak $1" "no $KMEMLEAK in this kernel"
		return
	fi
	echo scan >"$KMEMLEAK"
	echo scan >"$KMEMLEAK"
	report=$(cat "$KMEMLEAK")
	printf '%s\n' "$report" >"$OUT/kmemleak-$1.txt"
	mine=$(awk '
		/^unreferenced object/ { if (blk != "" && hit) print blk; blk = $0; hit = 0; next }
		{ blk = blk "\n" $0 }
		/proctrace|\] 0x[0-9a-f]+$/ { hit = 1 }
		END { if (blk != "" && hit) print blk }
	' <<<"$report")
	[ -z "$mine" ]
	tap_result $? "kmemleak $1: no leak from proctrace ($(grep -c '^unreferenced object' <<<"$report") unreferenced objects in all)" "$mine"
	echo clear >"$KMEMLEAK"
}

# Slab + vmalloc in use, after dropping what can be dropped. Shrinking
# every slab cache also empties KASAN's quarantine of it
# (kmem_cache_shrink() -> kasan_cache_shrink()): freed objects wait
# there, counted in Slab, and after a storm with stress-ng running the
# quarantine alone held 15 MB more than after the tenth cycle while
# kmemleak found nothing.
mem_kb() {
	local f

	sync
	echo 3 >/proc/sys/vm/drop_caches
	for f in /sys/kernel/slab/*/shrink; do
		echo 1 >"$f" 2>/dev/null
	done
	awk '/^(Slab|VmallocUsed):/ { s += $2 } END { print s }' /proc/meminfo
}

# --- 1. after the suite
kmemleak_check after-suite

# --- 2. the storm
STRESS_PIDS=()
STORM_BAD=0
start_storm() {
	# Niced, so the cycles and readers are not starved under emulation.
	# The guest's working directory is the host's tree, read-only:
	# stress-ng refuses to start without a writable temporary path. Its
	# exec stressor refuses to run as root, so it runs as nobody.
	nice -n 19 stress-ng --fork 1 --vfork 1 --clone 1 --zombie 1 \
		--pthread 1 --timeout 0 --temp-path /tmp --metrics-brief \
		>>"$OUT/stress-ng.log" 2>&1 &
	STRESS_PIDS=($!)
	setpriv --reuid=65534 --regid=65534 --clear-groups \
		nice -n 19 stress-ng --exec 1 --timeout 0 --temp-path /tmp \
		--metrics-brief >>"$OUT/stress-ng.log" 2>&1 &
	STRESS_PIDS+=($!)
}
# The storm must have run all along: each stress-ng still there when the
# cycles end. Its exit status is logged, not judged: on the debug kernel
# its pthread stressor once died of a user-mode fault as SIGINT stopped it
# (stress-ng's own, reported as "traps:", not a kernel splat).
stop_storm() {
	local pid

	for pid in "${STRESS_PIDS[@]}"; do
		if ! kill -0 "$pid" 2>/dev/null; then
			log "stress-ng $pid ended before the cycles did"
			STORM_BAD=$((STORM_BAD + 1))
		fi
		kill -INT "$pid" 2>/dev/null
		wait "$pid"
		log "stress-ng $pid: status $?"
	done
	STRESS_PIDS=()
}

# Niced as the storm is: at the same priority as the cycles, six readers
# and six stressors on two emulated CPUs left insmod and rmmod a
# thirteenth of the time, 34 s a cycle on the debug kernel. Niced, they
# still run between and during every load and unload.
READER_PIDS=()
start_readers() {
	local v
	for v in $VIEWS; do
		(while :; do cat "/proc/proctrace/$v" >/dev/null 2>&1; done) &
		READER_PIDS+=($!)
		renice -n 19 -p $! >/dev/null
	done
}
stop_readers() {
	kill "${READER_PIDS[@]}" 2>/dev/null
	wait "${READER_PIDS[@]}" 2>/dev/null
	READER_PIDS=()
}

# blocked_in_read <pid>: the task sleeps inside read(2) (syscall 0 on
# x86-64), as /proc/PID/syscall and the state in /proc/PID/stat show.
blocked_in_read() {
	local sc stat
	read -r sc _ <"/proc/$1/syscall" 2>/dev/null || return 1
	read -r stat <"/proc/$1/stat" 2>/dev/null || return 1
	# The state follows the last ") ", whatever comm holds.
	stat=${stat##*) }
	[ "$sc" = 0 ] && [ "${stat%% *}" = S ]
}

# storm_cycles <first> <last>: returns the number of failed cycles.
storm_cycles() {
	local c bad=0 out ev i
	for ((c = $1; c <= $2; c++)); do
		if ! out=$(insmod "$KO" 2>&1); then
			log "cycle $c: insmod: $out"
			bad=$((bad + 1))
			continue
		fi
		dd if=/proc/proctrace/events of=/dev/null bs=65536 \
			2>"$OUT/events-reader.err" &
		ev=$!
		# Records keep waking it: it is caught asleep in read() at
		# some point, and unloaded soon after, asleep or about to be.
		blocked=
		for ((i = 0; i < 6000; i++)); do
			if blocked_in_read "$ev"; then
				blocked=1
				break
			fi
			kill -0 "$ev" 2>/dev/null || break
			sleep 0.05
		done
		if [ -z "$blocked" ]; then
			log "cycle $c: the events reader never blocked in read(): $(cat "$OUT/events-reader.err")"
			bad=$((bad + 1))
		fi
		if ! out=$(rmmod proctrace 2>&1); then
			log "cycle $c: rmmod: $out"
			bad=$((bad + 1))
			# Leave the module in a known state for the next cycle.
			for ((i = 0; i < 100; i++)); do
				rmmod proctrace 2>/dev/null && break
				sleep 0.1
			done
		fi
		wait "$ev"
		# The stream's one documented end at unload (abi.rst).
		if ! grep -q 'Input/output error' "$OUT/events-reader.err"; then
			log "cycle $c: the events reader did not end with EIO: $(cat "$OUT/events-reader.err")"
			bad=$((bad + 1))
		fi
		if [ -e /proc/proctrace ] || grep -qw '^proctrace' /proc/modules; then
			log "cycle $c: proctrace still present after rmmod"
			bad=$((bad + 1))
		fi
	done
	return "$bad"
}

log "storm: $STORM_CYCLES cycles"
t0=$(date +%s)
forks0=$(awk '/^processes/ { print $2 }' /proc/stat)
start_storm
start_readers
storm_cycles 1 "$STORM_WARMUP"
bad1=$?
stop_readers
stop_storm
m1=$(mem_kb)
start_storm
start_readers
storm_cycles $((STORM_WARMUP + 1)) "$STORM_CYCLES"
bad2=$?
stop_readers
stop_storm
m2=$(mem_kb)
forks=$(($(awk '/^processes/ { print $2 }' /proc/stat) - forks0))
secs=$(($(date +%s) - t0))
[ $((bad1 + bad2)) = 0 ]
tap_result $? "storm: $STORM_CYCLES insmod/rmmod cycles, each loaded and unloaded with an events reader blocked in read() ($forks forks in $secs s)" \
	"$((bad1 + bad2)) cycles failed; see the console"
[ "$STORM_BAD" = 0 ]
tap_result $? "storm: stress-ng (fork, vfork, clone, zombie, pthread; exec as nobody) ran through every cycle" \
	"$(tail -n 20 "$OUT/stress-ng.log")"
[ $((m2 - m1)) -le "$GROWTH_LIMIT_KB" ]
tap_result $? "storm: slab+vmalloc $m1 kB after $STORM_WARMUP cycles, $m2 kB after $STORM_CYCLES (limit +$GROWTH_LIMIT_KB kB)"
kmemleak_check after-storm

# --- 3. no splat over the whole tier
dmesg | sed -n '/proctrace-debug: start/,$p' >"$OUT/dmesg-debug.txt"
out=$(splats "$OUT/dmesg-debug.txt")
[ -z "$out" ]
tap_result $? "debug tier: no kernel splat in dmesg" "$out"

echo "1..$tap_n" >&3
exit 0
