#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
"""Check a "proctrace watch --json" capture of the BPF backend's stream.

    bpf-stream-check.py CAPTURE PARENT N LOST

Every sequence number from the first record to the last is covered
exactly once, by a record or by a "lost" record's range, in order; the
lost counts sum to LOST (the events_lost counter's growth over the
capture); and, when nothing was lost, PARENT (from its exec on) forked N
children, each with one fork record and one exit record with exited(7)
and group_dead.
Prints what is wrong and exits 1, or prints a summary and exits 0.
"""
import json
import sys


def main():
    path, parent, n, lost_want = sys.argv[1], int(sys.argv[2]), \
        int(sys.argv[3]), int(sys.argv[4])
    recs = [json.loads(line) for line in open(path) if line.strip()]
    bad = []
    if not recs:
        print('no records')
        return 1
    nxt = recs[0]['seq']
    lost = 0
    for r in recs:
        if r['seq'] != nxt:
            bad.append('seq %d where %d was next' % (r['seq'], nxt))
            nxt = r['seq']
        if r['type'] == 'lost':
            lost += r['count']
            nxt += r['count']
        else:
            nxt += 1
    if lost != lost_want:
        bad.append('lost records sum to %d, events_lost grew by %d' %
                   (lost, lost_want))
    # Pids wrap on a small pid_max: PARENT is the process from its exec
    # of python3 on, and a child is its (pid, start_ns).
    execs = [r['seq'] for r in recs if r['type'] == 'exec' and
             r['pid'] == parent]
    since = execs[-1] if execs else 0
    forks = [r for r in recs if r['type'] == 'fork' and
             r.get('ppid') == parent and r['seq'] > since]
    kids = set((r['pid'], r['start_ns']) for r in forks)
    exits = [r for r in recs if r['type'] == 'exit' and
             (r['pid'], r['start_ns']) in kids]
    ok_exits = [r for r in exits if r['exit']['text'] == 'exited(7)' and
                r['group_dead']]
    if lost_want == 0 and (len(forks) != n or len(ok_exits) != n):
        bad.append('%d forks and %d exits with exited(7) of %d children' %
                   (len(forks), len(ok_exits), n))
    for b in bad[:20]:
        print(b)
    print('%d records, seq %d..%d, %d lost, %d forks and %d exits of '
          'the %d children' % (len(recs), recs[0]['seq'], nxt - 1, lost,
                               len(forks), len(ok_exits), n))
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())
