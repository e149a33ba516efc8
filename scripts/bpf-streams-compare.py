#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
"""Compare two "proctrace watch --json" captures of one workload.

    bpf-streams-compare.py MODULE_CAPTURE BPF_CAPTURE PARENT

PARENT (from its exec of python3 on) and its children, by (pid,
start_ns), must have the same fork, exec and exit records in both, field
for field, but for the sequence numbers and times, which each stream
keeps its own. Reap records are left out: they come an RCU grace period
after the exit, and the captures end at different moments.
"""
import json
import sys

SAME = ('type', 'pid', 'tgid', 'start_ns', 'ppid', 'kind', 'origin',
        'old_pid', 'file', 'group_dead', 'comm')


def records(path, parent):
    recs = [json.loads(line) for line in open(path) if line.strip()]
    execs = [r['seq'] for r in recs if r['type'] == 'exec' and
             r['pid'] == parent and r['comm'] == 'python3']
    since = execs[-1] if execs else None
    if since is None:
        return None
    kids = set((r['pid'], r['start_ns']) for r in recs
               if r['type'] == 'fork' and r.get('ppid') == parent and
               r['seq'] > since)
    out = []
    for r in recs:
        if r['seq'] < since or r['type'] not in ('fork', 'exec', 'exit'):
            continue
        if (r['pid'], r['start_ns']) not in kids and r['pid'] != parent:
            continue
        v = {k: r.get(k) for k in SAME}
        v['exit'] = r.get('exit', {}).get('text')
        out.append(json.dumps(v, sort_keys=True))
    return sorted(out)


def main():
    parent = int(sys.argv[3])
    m = records(sys.argv[1], parent)
    b = records(sys.argv[2], parent)
    if m is None or b is None:
        print('the workload\'s exec is missing from %s' %
              ('the module\'s capture' if m is None else 'the BPF capture'))
        return 1
    only_m = sorted(set(m) - set(b))
    only_b = sorted(set(b) - set(m))
    for r in only_m[:5]:
        print('module only:', r)
    for r in only_b[:5]:
        print('bpf only:   ', r)
    print('%d records in the module\'s stream, %d in the BPF one, %d and '
          '%d unmatched' % (len(m), len(b), len(only_m), len(only_b)))
    return 1 if only_m or only_b or not m else 0


if __name__ == '__main__':
    sys.exit(main())
