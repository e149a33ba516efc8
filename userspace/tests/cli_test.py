#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Host tests of the proctrace CLI: every subcommand against the fixtures
in tests/fixtures/ (JSON checked field by field), the error messages, the
usage errors, Graphviz and Prometheus output through independent parsers,
the interactive top in tmux, and that help, man pages and bash completion
agree. Prints TAP; exits 1 on any failure.

    tests/cli_test.py [PROCTRACE_BINARY]
"""

import json
import os
import pty
import re
import select
import shutil
import stat
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
CLI = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else
                      os.path.join(HERE, '..', 'proctrace'))
FIX = os.path.join(HERE, 'fixtures', 'basic')
# Real output of proctrace.ko on 6.12 (a guest with a parent holding an
# exited(3) and a SIGKILLed zombie, an orphan adopted by init, a process
# of four threads), captured with cat from /proc/proctrace.
CAPTURED = os.path.join(HERE, 'fixtures', 'captured-6.12')
MAN = os.path.join(TOP, 'Documentation', 'man')
COMPLETION = os.path.join(TOP, 'bash-completion', 'proctrace')
COMMANDS = ['tree', 'top', 'watch', 'stat', 'zombies', 'orphans',
            'kthreads', 'show', 'metrics', 'bpf']
VIEW_COMMANDS = [c for c in COMMANDS if c != 'bpf']

ntests = 0
nfailed = 0


def ok(cond, name, detail=None):
    global ntests, nfailed
    ntests += 1
    print('%sok %d - %s' % ('' if cond else 'not ', ntests, name))
    if not cond:
        nfailed += 1
        if detail:
            for line in str(detail).splitlines()[-25:]:
                print('# ' + line)
    sys.stdout.flush()
    return cond


def skip(name, why):
    global ntests
    ntests += 1
    print('ok %d - %s # SKIP %s' % (ntests, name, why))


def run(*args, proc_dir=FIX, env=None, timeout=20, stdin=subprocess.DEVNULL,
        pre=()):
    e = dict(os.environ, LC_ALL='C', TERM='dumb')
    e.pop('NO_COLOR', None)
    e.pop('PROCTRACE_BACKEND', None)
    if proc_dir is None:
        e.pop('PROCTRACE_PROC_DIR', None)
    else:
        e['PROCTRACE_PROC_DIR'] = proc_dir
    e.update(env or {})
    p = subprocess.run(list(pre) + [CLI] + list(args), env=e, stdin=stdin,
                       capture_output=True, timeout=timeout)
    return (p.returncode, p.stdout.decode('utf-8', 'replace'),
            p.stderr.decode('utf-8', 'replace'))


def run_json(*args, **kw):
    rc, out, err = run(*args, **kw)
    try:
        return rc, json.loads(out), err
    except ValueError as e:
        return rc, None, '%s\nstdout: %s\nstderr: %s' % (e, out, err)


def walk(nodes):
    for n in nodes:
        yield n
        yield from walk(n['children'])


def find(nodes, pid):
    for n in walk(nodes):
        if n['pid'] == pid:
            return n
    return None


# ---------------------------------------------------------------- tree

def test_tree():
    rc, roots, err = run_json('tree', '--json')
    ok(rc == 0 and roots is not None, 'tree --json parses', err)
    if roots is None:
        return
    ok([r['pid'] for r in roots] == [1, 2], 'tree: roots are 1 and 2')
    ok(len(list(walk(roots))) == 18, 'tree: 18 processes')
    n = find(roots, 57)
    ok(n and [c['pid'] for c in n['children']] == [60, 1000] and
       n['ppid'] == 1, 'tree: children and ppid of 57')
    n = find(roots, 60)
    ok(n and n['zombie'] is True and n['state'] == 'Z' and
       n['comm'] == 'defunct' and n['children'] == [], 'tree: zombie 60')
    ok(find(roots, 1000)['comm'] == 'my prog', 'tree: escaped space decoded')
    ok(find(roots, 1001)['comm'] == 'back\\slash',
       'tree: escaped backslash decoded')
    n = find(roots, 77)
    ok(n['threads'] == 2 and n['zombie'], 'tree: threads count of 77')
    n = find(roots, 950)
    ok(n['orphan'] == {'orig_ppid': 700, 'reaper': 1, 'reaper_kind': 'init',
                       'orphaned_ns': 52000000000}, 'tree: orphan 950')
    n = find(roots, 960)
    ok(n['orphan']['orig_ppid'] is None and
       n['orphan']['reaper_kind'] == 'subreaper', 'tree: orphan 960')
    ok(find(roots, 88)['orphan'] is None and
       'thread_list' not in find(roots, 88), 'tree: no orphan, no threads')
    kt = [n['pid'] for n in walk(roots) if n['kthread']]
    ok(kt == [2, 3, 15, 16, 200], 'tree: kernel threads marked')
    ok(roots[0]['ppid'] is None, 'tree: a root has no ppid')

    rc, roots, err = run_json('tree', '57', '-j')
    ok(rc == 0 and [r['pid'] for r in roots] == [57] and
       roots[0]['ppid'] == 1 and len(list(walk(roots))) == 3,
       'tree PID: the subtree of 57', err)
    rc, roots, err = run_json('tree', '-K', '--json')
    ok(rc == 0 and [r['pid'] for r in roots] == [1] and
       not any(n['kthread'] for n in walk(roots)), 'tree -K hides kthreads')
    rc, roots, err = run_json('tree', '--kthreads-only', '--json')
    ok(rc == 0 and [r['pid'] for r in roots] == [2] and
       all(n['kthread'] for n in walk(roots)) and
       len(list(walk(roots))) == 5, 'tree -k: only kthreads')
    rc, roots, err = run_json('tree', '--threads', '--json')
    n = find(roots, 88)
    ok(rc == 0 and [t['tid'] for t in n['thread_list']] == [89, 91] and
       n['thread_list'][1]['comm'] == 'iou-wrk-88' and
       find(roots, 1)['thread_list'] == [], 'tree --threads lists threads')

    rc, out, err = run('tree', '812', '--ascii')
    ok(rc == 0 and out == 'leaky(812) S\n|-child(901) Z [zombie]\n'
       '`-child(902) Z [zombie]\n', 'tree: ASCII drawing', out + err)
    rc, out, err = run('tree', '1', '-A')
    ok('|-supervisor(40) S\n| `-job(960) S [orphan, reaped by subreaper]\n'
       in out and '`-back\\134slash(1001) S [orphan]\n' in out and
       'app(77) Z [2 threads, zombie]' in out and
       'daemon(950) S [orphan of 700]' in out, 'tree: text marks', out)
    rc, out, err = run('tree', '-t', '57', '--ascii')
    ok('`-my\\040prog(1000) R' in out, 'tree: escaped names in text', out)
    rc, out, err = run('tree', '-At', '88')
    ok(out == 'worker(88) S [3 threads]\n|-{worker}(89) S\n'
       '`-{iou-wrk-88}(91) S\n', 'tree -t: thread lines', out)
    rc, out, err = run('tree', env={'LC_ALL': 'C.UTF-8'})
    ok(rc == 0 and '\u251c\u2500sh(57) S' in out, 'tree: UTF-8 drawing',
       out + err)
    rc, out, err = run('tree', '89')
    ok(rc == 1 and 'pid 89 is a thread of process 88' in err,
       'tree PID of a thread names its process', err)
    rc, out, err = run('tree', '4242')
    ok(rc == 1 and 'no process with pid 4242' in err,
       'tree PID that does not exist: exit 1', err)

    for extra in ([], ['-t'], ['-K', '1']):
        rc, dot, err = run('tree', '--format=dot', *extra)
        p = subprocess.run(['dot', '-Tsvg'], input=dot.encode(),
                           capture_output=True)
        ok(rc == 0 and dot.startswith('digraph proctrace {') and
           p.returncode == 0 and b'<svg' in p.stdout,
           'tree --format=dot %s is accepted by dot -Tsvg' % ' '.join(extra),
           err + p.stderr.decode())
    rc, dot, err = run('tree', '-f', 'dot')
    ok('p812 -> p901;' in dot and 'label="my\\\\040prog(1000) R"' in dot,
       'tree dot: edges and escaped labels', dot)


# ---------------------------------------------------------------- stat

def test_stat():
    rc, s, err = run_json('stat', '--json')
    want = {'backend': 'module', 'processes': 18, 'threads': 21, 'kthreads': 5, 'zombies': 4,
            'orphans': 3, 'forks': 5123, 'execs': 1200, 'exits': 5100,
            'reaps': 5090, 'waits': 4800, 'events': 16000,
            'events_lost': 212, 'table_used': 140, 'table_size': 65536,
            'table_dropped': 3,
            'states': {'R': 1, 'S': 14, 'D': 0, 'T': 0, 't': 0, 'X': 0,
                       'Z': 4, 'P': 1, 'I': 1}}
    ok(rc == 0 and s == want, 'stat --json: every field', s)
    rc, out, err = run('stat')
    ok(rc == 0 and '18 processes, 21 threads, 5 kernel threads' in out and
       'forks 5123' in out and '212 lost' in out and 'max_tracked' in out,
       'stat: text', out)
    rc, s2, err = run_json('-p', 'stat')
    ok(s2 == want, 'stat: --pretty before the command')


# ---------------------------------------------------------------- zombies

def test_zombies():
    rc, z, err = run_json('zombies', '--json')
    ok(rc == 0 and [p['pid'] for p in z] == [812, 57, 1],
       'zombies --json: parents, worst first', err)
    if rc:
        return
    p = z[0]
    ok(p['comm'] == 'leaky' and p['zombies'] == 2 and
       p['oldest_ns'] == 8123000000 and p['waited'] is False,
       'zombies: parent 812')
    ok([c['pid'] for c in p['children']] == [901, 902] and
       p['children'][0] == {'pid': 901, 'ppid': 812, 'kind': 'unreaped',
                            'age_ns': 8123000000, 'comm': 'child',
                            'exit': {'text': 'exited(0)', 'kind': 'exited',
                                     'code': 0, 'signal': None}},
       'zombies: zombie 901', p)
    ok(p['children'][1]['exit'] == {'text': 'killed(SIGKILL)',
                                    'kind': 'killed', 'code': None,
                                    'signal': 'SIGKILL'},
       'zombies: killed(SIGKILL) decoded')
    c = z[1]['children'][0]
    ok(z[1]['oldest_ns'] is None and c['age_ns'] is None and
       c['exit'] is None, 'zombies: unknown age and exit are null')
    c = z[2]['children'][0]
    ok(z[2]['zombies'] == 0 and c['kind'] == 'thread_group' and
       c['exit']['kind'] == 'dumped', 'zombies: thread_group zombie')
    rc, out, err = run('zombies')
    ok('parent 812 leaky: 2 zombies, oldest 8.1s, never called wait()' in
       out and re.search(r'902 +812 unreaped +120us +killed\(SIGKILL\) +child',
                         out), 'zombies: text', out)


# ---------------------------------------------------------------- orphans

def test_orphans():
    rc, o, err = run_json('orphans', '--json')
    ok(rc == 0 and [x['pid'] for x in o] == [950, 960, 1001],
       'orphans --json: all listed', err)
    if rc:
        return
    ok(o[0]['orig_ppid'] == 700 and o[0]['orig_ppid_status'] == 'known' and
       o[0]['reaper'] == 1 and o[0]['reaper_kind'] == 'init' and
       o[0]['orphaned_ns'] == 52000000000 and o[0]['comm'] == 'daemon',
       'orphans: 950')
    ok(o[1]['orig_ppid'] is None and o[1]['orig_ppid_status'] == 'unknown' and
       o[1]['reaper_kind'] == 'subreaper', 'orphans: unknown parent')
    ok(o[2]['orig_ppid_status'] == 'hidden' and o[2]['comm'] == 'back\\slash',
       'orphans: parent outside the namespace')
    ok(all(x['orphaned_ago_ns'] is None or x['orphaned_ago_ns'] >= 0
           for x in o), 'orphans: age since orphaned')
    rc, out, err = run('orphans')
    ok(re.search(r'960 +unknown +40 subreaper', out) and
       re.search(r'1001 +- +1 init', out), 'orphans: text', out)


# ---------------------------------------------------------------- kthreads

def test_kthreads():
    rc, k, err = run_json('kthreads', '--json')
    ok(rc == 0 and [x['pid'] for x in k] == [2, 3, 15, 16, 91, 200],
       'kthreads --json: all listed', err)
    if rc:
        return
    ok(k[0] == {'pid': 2, 'ppid': 0, 'state': 'S', 'cpu': None,
                'class': ['kthreadd'], 'func': None, 'module': None,
                'comm': 'kthreadd'}, 'kthreads: kthreadd', k[0])
    ok(k[3]['cpu'] == 0 and k[3]['class'] == ['percpu', 'parked'] and
       k[3]['func'] == 'smpboot_thread_fn', 'kthreads: percpu,parked')
    ok(k[5]['module'] == 'my_mod' and k[5]['class'] == ['other'],
       'kthreads: module')
    rc, k, err = run_json('kthreads', '--class=percpu', '-j')
    ok([x['pid'] for x in k] == [15, 16], 'kthreads --class filter')
    rc, k, err = run_json('kthreads', '-c', 'worker,io_worker', '-j')
    ok([x['pid'] for x in k] == [3, 91], 'kthreads: class list')
    rc, k, err = run_json('kthreads', '-c', 'idle', '-c', 'kthreadd', '-j')
    ok([x['pid'] for x in k] == [2, 3], 'kthreads: repeated class')
    rc, k, err = run_json('kthreads', '--module', 'my_mod', '-j')
    ok([x['pid'] for x in k] == [200], 'kthreads --module filter')
    rc, out, err = run('kthreads')
    ok(re.search(r'16 +2 P +0 percpu,parked +smpboot_thread_fn +- +cpuhp/0',
                 out), 'kthreads: text', out)


# ---------------------------------------------------------------- show

def test_show():
    rc, s, err = run_json('show', '88', '--json')
    ok(rc == 0 and s['pid'] == 88 and s['query_pid'] == 88 and
       s['threads'] == 3 and s['flags'] == ['leader'] and
       s['ppid'] == 1 and s['start_ns'] == 3021000000,
       'show --json: the process', err)
    if rc:
        return
    ok([t['tid'] for t in s['thread_list']] == [88, 89, 91] and
       s['thread_list'][2]['kthread']['class'] == ['io_worker'] and
       s['thread_list'][2]['flags'] == ['io_worker'],
       'show: threads, with the io_uring worker')
    ok(s['parent_chain'] == [{'pid': 1, 'comm': 'init'}] and
       s['children'] == [] and s['zombie'] is None and
       s['orphan'] is None and s['kthread'] is None and
       s['zombie_parent'] is None, 'show: tree position and no extras')
    rc, s, err = run_json('show', '89', '-j')
    ok(rc == 0 and s['query_pid'] == 89 and s['pid'] == 88,
       'show of a thread shows its process')
    rc, s, err = run_json('show', '901', '-j')
    ok(s['zombie'] == {'kind': 'unreaped', 'age_ns': 8123000000,
                       'exit': {'text': 'exited(0)', 'kind': 'exited',
                                'code': 0, 'signal': None}} and
       [p['pid'] for p in s['parent_chain']] == [812, 1],
       'show: zombie info and parent chain', s)
    rc, s, err = run_json('show', '812', '-j')
    ok(s['zombie_parent'] == {'zombies': 2, 'oldest_ns': 8123000000,
                              'waited': False, 'children': [901, 902]} and
       [c['pid'] for c in s['children']] == [901, 902],
       'show: the zombies a parent does not reap', s)
    rc, s, err = run_json('show', '950', '-j')
    ok(s['orphan']['orig_ppid'] == 700 and s['orphan']['reaper'] == 1,
       'show: orphan info')
    rc, s, err = run_json('show', '2', '-j')
    ok(s['kthread']['class'] == ['kthreadd'] and
       [c['pid'] for c in s['children']] == [3, 15, 16, 200],
       'show: kthread info')
    rc, out, err = run('show', '4242')
    ok(rc == 1 and err.strip() == 'proctrace: no task with pid 4242',
       'show: a pid that does not exist is exit 1', err)
    rc, out, err = run('show', '1000')
    ok(rc == 0 and 'process 1000 (my\\040prog)' in out and
       'ancestry: 1000 <- 57 sh <- 1 init' in out, 'show: text', out)


# ---------------------------------------------------------------- watch

def watch_json(*args):
    rc, out, err = run('watch', '--json', *args)
    try:
        recs = [json.loads(line) for line in out.splitlines()]
    except ValueError:
        recs = None
    return rc, recs, err


def test_watch():
    rc, recs, err = watch_json()
    ok(rc == 0 and recs is not None and len(recs) == 14,
       'watch --json: one object per record', err)
    if not recs:
        return
    by = {r['seq']: r for r in recs}
    r = by[1041]
    ok(r['type'] == 'fork' and r['pid'] == 5012 and r['tgid'] == 5012 and
       r['ppid'] == 4990 and r['kind'] == 'process' and
       r['origin'] == 'user' and r['comm'] == 'sh' and
       r['ts_ns'] == 88123000000 and r['start_ns'] == 88122000000 and
       re.match(r'\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}[+-]\d\d:\d\d$',
                r['time']), 'watch: fork record', r)
    r = by[1259]
    ok(r['type'] == 'exec' and r['file'] == '/usr/bin/my tool' and
       r['comm'] == 'my tool' and r['old_pid'] == 5021 and 'ppid' not in r,
       'watch: exec record', r)
    r = by[1043]
    ok(r['exit'] == {'text': 'exited(0)', 'kind': 'exited', 'code': 0,
                     'signal': None} and r['group_dead'] is True and
       r['runtime_ns'] == 4000000, 'watch: exit record', r)
    r = by[1044]
    ok(r['type'] == 'reap' and 'ppid' not in r and r['comm'] == 'true',
       'watch: reap record', r)
    ok(by[1045] == {'seq': 1045, 'ts_ns': 88130000000,
                    'time': by[1045]['time'], 'type': 'lost', 'count': 212},
       'watch: lost record', by[1045])
    ok(by[1260]['group_dead'] is False and
       by[1265]['exit']['signal'] == 'SIGRTMIN+3', 'watch: thread exit, RT')
    ok('212 event records were lost' in err, 'watch: lost total on stderr',
       err)

    def seqs(*args):
        return [r['seq'] for r in watch_json(*args)[1]]
    ok(seqs('--pid', '5012') == [1041, 1042, 1043, 1044, 1045],
       'watch --pid (and lost records always)')
    ok(seqs('--pid=5019') == [1045, 1257, 1260, 1264], 'watch --pid tgid')
    ok(seqs('--ppid', '4990', '--type', 'exec') == [1042, 1045, 1259],
       'watch --ppid follows the execs of forked children')
    ok(seqs('--ppid', '4990', '--type', 'reap') == [1044, 1045],
       'watch --ppid follows the reaps of forked children')
    ok(seqs('--ppid=2') == [1045, 1261], 'watch --ppid kernel')
    ok(seqs('--comm', 'my*') == [1045, 1259, 1262], 'watch --comm glob')
    ok(seqs('--type', 'exit,reap') == seqs('--type=exit', '--type=reap') ==
       [1043, 1044, 1045, 1260, 1262, 1265], 'watch --type lists')
    ok(seqs('--type=fork', '--comm=sh,worker', '--ppid=4990') ==
       [1041, 1045, 1257, 1258, 1263], 'watch: filters combine')
    ok(seqs('-n', '2') == [1041, 1042], 'watch -n stops after N records')
    ok(seqs('--count=5') == [1041, 1042, 1043, 1044, 1045, 1257],
       'watch --count does not count lost reports')
    rc, out, err = run('watch')
    lines = out.splitlines()
    ok(rc == 0 and lines[0].startswith('TIME') and len(lines) == 15 and
       re.match(r'\d\d:\d\d:\d\d\.\d{3} fork +5012 +4990 process +sh$',
                lines[1]) and
       re.search(r' exit +5021 +4990 dumped\(SIGSEGV\) after 4.0ms +'
                 r'my\\040tool$', out, re.M) and
       'LOST  212 records: this reader fell behind' in out and
       re.search(r'thread of 5019 +worker$', out, re.M) and
       re.search(r'/bin/sh \(was 5020\) +sh$', out, re.M),
       'watch: forkstat-like text', out)


# ---------------------------------------------------------------- top

def test_top():
    rc, out, err = run('top', '-b', '-n', '2', '-d', '0')
    ok(rc == 0 and out.count('proctrace top - ') == 2,
       'top -b -n 2: two reports', out + err)
    ok(re.search(r'^ +4990 +0\.0 +3 +3 +0 sh$', out, re.M) and
       re.search(r'^ +5019 +0\.0 +1 +0 +1 worker$', out, re.M) and
       'rates: 0.0 forks/s' in out and 'LOST 212 records' in out and
       re.search(r'^ +812 +2 8\.1s +no +leaky$', out, re.M) and
       re.search(r'S sleeping +14 #+$', out, re.M),
       'top -b: panes', out)
    rc, out, err = run('top', '--json', '-n', '2', '-d', '0.05')
    try:
        reps = [json.loads(line) for line in out.splitlines()]
    except ValueError:
        reps = []
    ok(rc == 0 and len(reps) == 2 and [r['iteration'] for r in reps] ==
       [1, 2], 'top --json: one object per refresh', out + err)
    if len(reps) == 2:
        r = reps[1]
        ok(r['tasks'] == {'processes': 18, 'threads': 21, 'kthreads': 5,
                          'zombies': 4, 'orphans': 3} and
           r['states']['S'] == 14 and r['events_lost'] == 212 and
           r['rates'] == {'forks': 0, 'execs': 0, 'exits': 0, 'reaps': 0},
           'top --json: tasks, states, rates', r)
        ok([(f['pid'], f['comm'], f['total'], f['processes'], f['threads'])
            for f in r['forkers']] == [(4990, 'sh', 3, 3, 0),
                                       (2, 'kthreadd', 1, 1, 0),
                                       (5019, 'worker', 1, 0, 1)] and
           r['forkers_error'] is None, 'top --json: forkers', r['forkers'])
        ok([z['pid'] for z in r['zombies']] == [812, 57, 1] and
           [o['pid'] for o in r['orphans']] == [1001, 960, 950],
           'top --json: zombies and orphans, newest orphan first')
    rc, out, err = run('top', '-n', '1')
    ok(rc == 1 and 'use -b' in err, 'top without a terminal says use -b',
       err)


def tmux(*args):
    return subprocess.run(['tmux', '-L', 'proctrace-test'] + list(args),
                          capture_output=True, text=True)


def wait_screen(pattern, timeout=60):
    end = time.time() + timeout
    screen = ''
    while time.time() < end:
        screen = tmux('capture-pane', '-p', '-t', 'top').stdout
        if re.search(pattern, screen):
            return True, screen
        time.sleep(0.2)
    return False, screen


def test_top_tmux(tmp):
    if not shutil.which('tmux'):
        skip('top in tmux', 'no tmux')
        return
    rcfile = os.path.join(tmp, 'top.rc')
    cmd = 'PROCTRACE_PROC_DIR=%s TERM=xterm %s top -d 0.3; echo $? > %s' % (
        FIX, CLI, rcfile)
    tmux('kill-server')
    tmux('new-session', '-d', '-s', 'top', '-x', '110', '-y', '45', cmd)
    good, screen = wait_screen(r'(?s)sort rate.*TOP FORKERS.*leaky.*'
                               r'RECENT ORPHANS.*daemon.*q quit')
    ok(good, 'top: the screen shows every pane', screen)
    tmux('send-keys', '-t', 'top', 's')
    good, screen = wait_screen(r'sort total')
    ok(good, 'top: s cycles the sort', screen)
    tmux('send-keys', '-t', 'top', '/', 'w', 'o', 'r', 'k', 'Enter')
    good, screen = wait_screen(r'filter "work"')
    ok(good and re.search(r'5019 .* worker', screen) and
       not re.search(r'4990 .* sh', screen), 'top: / filters by comm',
       screen)
    tmux('send-keys', '-t', 'top', 'h')
    good, screen = wait_screen(r'proctrace top keys')
    tmux('send-keys', '-t', 'top', 'x')
    ok(good, 'top: h shows the help', screen)
    tmux('send-keys', '-t', 'top', 'p')
    good, screen = wait_screen(r'PAUSED')
    ok(good, 'top: p pauses', screen)
    tmux('send-keys', '-t', 'top', 'q')
    # The shell creates the file before it writes the status: wait for a
    # whole line, with a bound generous enough for a loaded machine.
    end = time.time() + 60
    rc = None
    while time.time() < end:
        if os.path.exists(rcfile):
            with open(rcfile) as f:
                line = f.read()
            if line.endswith('\n'):
                rc = line.strip()
                break
        time.sleep(0.1)
    ok(rc == '0', 'top: q quits with status 0', rc)
    tmux('kill-server')


# ---------------------------------------------------------------- metrics

def metric_value(families, name, labels=None):
    for fam in families:
        for s in fam.samples:
            if s.name == name and (labels is None or s.labels == labels):
                return s.value
    return None


def test_metrics(tmp):
    try:
        from prometheus_client.parser import text_string_to_metric_families
        from prometheus_client.openmetrics.parser import \
            text_string_to_metric_families as om_families
    except ImportError as e:
        skip('metrics parsed by prometheus_client', e)
        return
    rc, out, err = run('metrics')
    try:
        fams = list(text_string_to_metric_families(out))
    except Exception as e:
        fams = []
        err += str(e)
    ok(rc == 0 and fams, 'metrics: parsed by prometheus_client', err)
    types = {f.name: f.type for f in fams}
    ok(types.get('proctrace_processes') == 'gauge' and
       types.get('proctrace_forks') == 'counter' and
       types.get('proctrace_tasks') == 'gauge' and
       'untyped' not in types.values(), 'metrics: every family typed', types)
    ok(out.count('# HELP ') == out.count('# TYPE ') == len(fams),
       'metrics: HELP and TYPE for every family')
    ok(metric_value(fams, 'proctrace_processes') == 18 and
       metric_value(fams, 'proctrace_threads') == 21 and
       metric_value(fams, 'proctrace_kthreads') == 5 and
       metric_value(fams, 'proctrace_zombies') == 4 and
       metric_value(fams, 'proctrace_orphans') == 3 and
       metric_value(fams, 'proctrace_forks_total') == 5123 and
       metric_value(fams, 'proctrace_events_lost_total') == 212 and
       metric_value(fams, 'proctrace_table_dropped_total') == 3,
       'metrics: values')
    ok(metric_value(fams, 'proctrace_tasks', {'state': 'S'}) == 14 and
       metric_value(fams, 'proctrace_tasks', {'state': 't'}) == 0,
       'metrics: tasks by state')
    ok(metric_value(fams, 'proctrace_zombies_by_parent',
                    {'ppid': '812', 'comm': 'leaky'}) == 2 and
       metric_value(fams, 'proctrace_zombies_oldest_age_seconds',
                    {'ppid': '812', 'comm': 'leaky'}) == 8.123,
       'metrics: zombies by parent')
    ok('# EOF' not in out, 'metrics: Prometheus text has no # EOF')

    rc, om, err = run('metrics', '--openmetrics')
    try:
        ofams = list(om_families(om))
    except Exception as e:
        ofams = []
        err += str(e)
    ok(rc == 0 and ofams and om.endswith('# EOF\n'),
       'metrics --openmetrics: parsed by the OpenMetrics parser', err)
    ok(metric_value(ofams, 'proctrace_forks_total') == 5123 and
       {f.name: f.type for f in ofams}.get('proctrace_build') == 'info',
       'metrics --openmetrics: counters and info')

    # Label escaping: a parent whose name has a quote, a newline and a
    # backslash (the kernel escapes only whitespace and backslash).
    weird = os.path.join(tmp, 'weird')
    shutil.copytree(FIX, weird)
    with open(os.path.join(weird, 'zombies'), 'wb') as f:
        f.write(b'# proctrace zombies v2\n'
                b'parent 812 zombies=1 oldest_ns=1500000000 waited=no '
                b'comm=we"ird\\012x\\134y\xff\n'
                b'zombie 901 ppid=812 kind=unreaped age_ns=1 exit=exited(0) '
                b'comm=child\n')
    rc, out, err = run('metrics', proc_dir=weird)
    try:
        fams = list(text_string_to_metric_families(out))
        ofams = list(om_families(run('metrics', '--openmetrics',
                                     proc_dir=weird)[1]))
    except Exception as e:
        fams, ofams = [], []
        err += str(e)
    label = {'ppid': '812', 'comm': 'we"ird\nx\\y\ufffd'}
    ok(metric_value(fams, 'proctrace_zombies_by_parent', label) == 1 and
       metric_value(ofams, 'proctrace_zombies_by_parent', label) == 1,
       'metrics: label values escaped', out + err)

    path = os.path.join(tmp, 'textfile', 'proctrace.prom')
    os.makedirs(os.path.dirname(path))
    rc, out, err = run('metrics', '-o', path)
    ok(rc == 0 and out == '' and open(path).read() == run('metrics')[1] and
       os.listdir(os.path.dirname(path)) == ['proctrace.prom'],
       'metrics -o writes the file atomically', err)
    rc, out, err = run('metrics', '-o', '/nonexistent/dir/x.prom')
    ok(rc == 1 and "/nonexistent/dir is not a directory" in err and
       '.tmp.' not in err, 'metrics -o: a missing directory is named, exit 1',
       err)

    # An existing file keeps its mode; a symlink is written through and
    # stays a symlink.
    os.chmod(path, 0o600)
    rc, out, err = run('metrics', '-o', path)
    ok(rc == 0 and stat.S_IMODE(os.stat(path).st_mode) == 0o600,
       'metrics -o keeps the mode of the file it replaces',
       '%s %o' % (err, os.stat(path).st_mode))
    link = os.path.join(tmp, 'textfile', 'link.prom')
    os.symlink(path, link)
    os.unlink(path)
    rc, out, err = run('metrics', '-o', link)
    ok(rc == 1 and 'symbolic link to nothing' in err and
       os.path.islink(link) and not os.path.exists(path),
       'metrics -o: a dangling symlink is refused and left alone', err)
    open(path, 'w').close()
    rc, out, err = run('metrics', '-o', link)
    ok(rc == 0 and os.path.islink(link) and
       open(path).read() == run('metrics')[1],
       'metrics -o writes through a symlink to its file', err)

    # Anything but a regular file is refused and left as it was: a FIFO,
    # a directory, and (as root) a character device like /dev/full.
    fifo = os.path.join(tmp, 'textfile', 'fifo')
    os.mkfifo(fifo)
    specials = [(fifo, stat.S_ISFIFO), (os.path.dirname(path), stat.S_ISDIR)]
    if os.geteuid() == 0:
        dev = os.path.join(tmp, 'textfile', 'full')
        os.mknod(dev, 0o666 | stat.S_IFCHR, os.makedev(1, 7))
        specials.append((dev, stat.S_ISCHR))
    for node, is_kind in specials:
        rc, out, err = run('metrics', '-o', node)
        ok(rc == 1 and 'not a regular file' in err and
           is_kind(os.lstat(node).st_mode) and
           not [f for f in os.listdir(os.path.dirname(path))
                if '.tmp.' in f],
           'metrics -o refuses %s and leaves it as it was' %
           os.path.basename(node), err)
    if os.geteuid() != 0:
        skip('metrics -o refuses a device node', 'mknod needs root')


# ---------------------------------------------------------------- errors

def fixture_copy(tmp, name, version=None, drop=None, edit=None):
    d = os.path.join(tmp, name)
    shutil.copytree(FIX, d)
    for f in os.listdir(d):
        p = os.path.join(d, f)
        if drop == f:
            os.unlink(p)
            continue
        text = open(p).read()
        if version is not None:
            text = re.sub(r'^(# proctrace \w+) v2', r'\1 v%d' % version, text)
        if edit and f in edit:
            text = edit[f](text)
        open(p, 'w').write(text)
    return d


def test_errors(tmp):
    # bpf reads no view: its errors are tested against the real backend
    # (scripts/bpf-host-tests.sh).
    for cmd in VIEW_COMMANDS:
        args = [cmd] + (['1'] if cmd == 'show' else []) + \
            (['-b', '-n', '1'] if cmd == 'top' else [])
        rc, out, err = run(*args, proc_dir='/nonexistent/pt')
        ok(rc == 1 and 'not found' in err,
           '%s: missing directory is exit 1' % cmd, err)
    # Under --json (and --pretty) stdout carries the same error as one
    # JSON object, and the exit code stays 1.
    for cmd in COMMANDS:
        if cmd in ('metrics', 'bpf'):
            continue
        args = [cmd] + (['1'] if cmd == 'show' else []) + \
            (['-b', '-n', '1'] if cmd == 'top' else [])
        for fmt in ['--json', '--pretty']:
            rc, out, err = run(fmt, *args, proc_dir='/nonexistent/pt')
            try:
                doc = json.loads(out)
            except ValueError:
                doc = None
            ok(rc == 1 and isinstance(doc, dict) and list(doc) == ['error'] and
               err == 'proctrace: %s\n' % doc['error'],
               '%s %s: a runtime error is {"error": ...} on stdout' %
               (fmt, cmd), 'rc %d out %r err %r' % (rc, out, err))
    if os.path.exists('/proc/proctrace'):
        skip('module not loaded message', '/proc/proctrace exists')
    else:
        rc, out, err = run('stat', proc_dir=None,
                           env={'PROCTRACE_BACKEND': 'module'})
        ok(rc == 1 and err == 'proctrace: /proc/proctrace not found: '
           'proctrace is not loaded; load the module (sudo insmod '
           'proctrace.ko, or sudo modprobe proctrace) or, where modules '
           'cannot load, the BPF backend (sudo proctrace bpf load)\n',
           'module not loaded: says how to load either backend', err)
    v1 = fixture_copy(tmp, 'v1', version=1)
    for cmd in ['tree', 'stat', 'kthreads']:
        rc, out, err = run(cmd, proc_dir=v1)
        ok(rc == 1 and 'ABI version mismatch' in err and 'v1' in err and
           'v2' in err, '%s: ABI v1 refused, naming both versions' % cmd, err)
    v3 = fixture_copy(tmp, 'v3', version=3)
    rc, out, err = run('zombies', proc_dir=v3)
    ok(rc == 1 and 'speaks ABI v3, this proctrace speaks v2' in err,
       'zombies: ABI v3 refused', err)
    rc, out, err = run('watch', proc_dir=v3)
    ok(rc == 1 and 'events: ABI version mismatch' in err,
       'watch: ABI version of the stream checked', err)
    old = fixture_copy(tmp, 'old', drop='zombies')
    rc, out, err = run('zombies', proc_dir=old)
    ok(rc == 1 and 'zombies not found' in err and 'older than ABI v2' in err,
       'zombies: a module without the file', err)
    bad = fixture_copy(tmp, 'bad', edit={
        'tasks': lambda t: t.replace('57 57 1 S leader', '57 57 1 Q leader')})
    rc, out, err = run('show', '57', proc_dir=bad)
    ok(rc == 1 and "tasks line 8: bad state 'Q'" in err,
       'show: a malformed line names file and line', err)
    badev = fixture_copy(tmp, 'badev', edit={
        'events': lambda t: t.replace('comm=true\n1044', 'comm=\\9\n1044')})
    rc, out, err = run('watch', '-j', proc_dir=badev)
    ok(rc == 0 and len(out.splitlines()) == 13 and
       'skipped a record' in err, 'watch: a malformed record is skipped',
       err)

    # The stream needs privileges: EPERM from the module, EACCES here.
    noperm = fixture_copy(tmp, 'noperm')
    os.chmod(noperm, 0o755)
    os.chmod(os.path.join(noperm, 'events'), 0)
    pre = ()
    if os.geteuid() == 0:
        if not shutil.which('setpriv'):
            skip('events without privilege', 'no setpriv')
            return
        pre = ('setpriv', '--reuid=65534', '--regid=65534', '--clear-groups')
        os.chmod(tmp, 0o755)
    rc, out, err = run('watch', proc_dir=noperm, pre=pre)
    ok(rc == 1 and 'reading events needs CAP_SYS_ADMIN or CAP_PERFMON; '
       'run as root' in err, 'watch without privilege says what it needs',
       err)
    rc, out, err = run('top', '-j', '-n', '1', '-d', '0', proc_dir=noperm,
                       pre=pre)
    try:
        r = json.loads(out)
    except ValueError:
        r = {}
    ok(rc == 0 and r.get('forkers') is None and
       'CAP_SYS_ADMIN' in (r.get('forkers_error') or '') and
       r.get('tasks', {}).get('processes') == 18,
       'top without privilege: the forkers pane says why, the rest works',
       out + err)


def test_usage():
    cases = [
        [], ['bogus'], ['s'], ['t'], ['--bogus'], ['tree', '--bogus'],
        ['tree', 'x'], ['tree', '1', '2'], ['tree', '0'], ['tree', '-k', '-K'],
        ['tree', '--format=svg'], ['tree', '-f', 'dot', '-j'], ['show'],
        ['show', 'abc'], ['show', '1', '2'], ['stat', 'extra'],
        ['zombies', '-x'], ['orphans', 'x'], ['kthreads', '--class=bogus'],
        ['watch', '--type=spawn'], ['watch', '-n', '0'], ['watch', '--pid=x'],
        ['watch', '--count'], ['top', '-d', 'soon'], ['top', '-n', '-1'],
        ['metrics', '--json'], ['metrics', '-j'], ['help', 'bogus'],
        ['help', 'tree', 'top'],
    ]
    for args in cases:
        rc, out, err = run(*args)
        ok(rc == 2 and out == '' and err,
           'usage error, exit 2: proctrace %s' % ' '.join(args),
           'rc=%d out=%r err=%r' % (rc, out, err))
    rc, out, err = run('tree', '--bogus')
    ok("unrecognized option '--bogus'" in err and
       "Try 'proctrace tree --help'" in err, 'usage errors say what to try',
       err)
    rc, out, err = run('s')
    ok("ambiguous command 's': stat, show" in err, 'ambiguous prefix', err)
    rc, z, err = run_json('zo', '--json')
    ok(rc == 0 and z and z[0]['pid'] == 812, 'unambiguous prefix runs')
    rc, out, err = run('--version')
    ok(rc == 0 and re.match(r'proctrace \S+ \(proctrace ABI v2\), backend: '
                            r'module\n$', out),
       '--version names the ABI version and the backend', out)
    rc, v, err = run_json('-j', '-V')
    ok(rc == 0 and v['abi_version'] == 2 and v['version'],
       '--version --json')
    rc, out, err = run('tree', '--help')
    ok(rc == 0 and out.startswith('Usage: proctrace tree'),
       'COMMAND --help on stdout, exit 0')


def test_color():
    def in_pty(*args, env=None):
        pid, fd = pty.fork()
        if pid == 0:
            e = dict(os.environ, PROCTRACE_PROC_DIR=FIX, TERM='xterm',
                     LC_ALL='C')
            e.pop('NO_COLOR', None)
            e.update(env or {})
            os.execve(CLI, [CLI] + list(args), e)
        out = b''
        while True:
            try:
                r, _, _ = select.select([fd], [], [], 5)
                if not r:
                    break
                chunk = os.read(fd, 65536)
            except OSError:
                break
            if not chunk:
                break
            out += chunk
        os.waitpid(pid, 0)
        return out.decode('utf-8', 'replace')
    ok('\x1b[31mdefunct' in in_pty('tree'), 'colors on a terminal')
    ok('\x1b[' not in in_pty('tree', '--no-color'), '--no-color')
    ok('\x1b[' not in in_pty('tree', env={'NO_COLOR': '1'}), 'NO_COLOR')
    ok('\x1b[' not in run('tree')[1], 'no colors into a pipe')


# ---------------------------------------------------------------- sync

def long_opts(text):
    return set(re.findall(r'(?<![\w-])(--[a-z][a-z-]*)', text))


def section(text, start, ends):
    """The lines of text after the line start, up to a line in ends."""
    out, inside = [], False
    for line in text.splitlines():
        if inside and line.strip() in ends:
            break
        if inside:
            out.append(line)
        if line.strip() == start:
            inside = True
    return '\n'.join(out)


def rst_section(path, name):
    text = open(path).read()
    m = re.search(r'^%s\n=+\n(.*?)(?=^[A-Z][A-Z ]+\n=+\n|\Z)' % name, text,
                  re.M | re.S)
    return m.group(1) if m else ''


def complete(*words):
    script = ('source %s; COMP_WORDS=(%s); COMP_CWORD=%d; _proctrace; '
              'printf "%%s\\n" "${COMPREPLY[@]}"' % (
                  COMPLETION, ' '.join("'%s'" % w for w in words),
                  len(words) - 1))
    p = subprocess.run(['bash', '-c', script], capture_output=True,
                       text=True)
    return set(w.rstrip('=') for w in p.stdout.split())


def test_sync():
    help_main = run('--help')[1]
    cmds = re.findall(r'^  ([a-z]+) ', section(help_main, 'Commands:',
                                               ['']), re.M)
    man_main = os.path.join(MAN, 'proctrace.rst')
    man_cmds = re.findall(r'^\*\*([a-z]+)\*\*', rst_section(man_main,
                                                            'COMMANDS'),
                          re.M)
    ok(cmds == COMMANDS + ['help'] and man_cmds == cmds and
       complete('proctrace', '') == set(cmds),
       'help, man page and completion list the same commands',
       '%s\n%s\n%s' % (cmds, man_cmds, complete('proctrace', '')))
    gopts = long_opts(section(help_main, 'Options:', ['']))
    ok(gopts == {'--json', '--pretty', '--no-color', '--backend', '--help',
                 '--version'}
       and long_opts(rst_section(man_main, 'OPTIONS')) == gopts and
       complete('proctrace', '-') & long_opts(' '.join(
           complete('proctrace', '-'))) == gopts,
       'help, man page and completion list the same global options')
    for cmd in COMMANDS:
        text = run(cmd, '--help')[1]
        own = long_opts(section(text, 'Options:', ['', 'Keys:']))
        glob = long_opts(section(text, 'Global options:', ['']))
        path = os.path.join(MAN, 'proctrace-%s.rst' % cmd)
        man = long_opts(rst_section(path, 'OPTIONS')) if \
            os.path.exists(path) else None
        comp = long_opts(' '.join(complete('proctrace', cmd, '--'))) - gopts
        ok(own == man == comp and glob == gopts,
           '%s: help, man page and completion list the same options' % cmd,
           'help %s\nman %s\ncompletion %s' % (sorted(own), sorted(man or []),
                                               sorted(comp)))
        ok(all(s in open(path).read() for s in
               ['SYNOPSIS', 'DESCRIPTION', 'OPTIONS', 'EXAMPLES',
                'SEE ALSO']), '%s: man page sections' % cmd)
    rst2man = os.environ.get('RST2MAN', 'rst2man')
    for f in sorted(os.listdir(MAN)):
        p = subprocess.run([rst2man, '--halt=warning', '--exit-status=warning',
                            os.path.join(MAN, f)], capture_output=True)
        ok(p.returncode == 0 and b'.TH' in p.stdout,
           'rst2man builds %s without warnings' % f, p.stderr.decode())


def test_install(tmp):
    dest = os.path.join(tmp, 'dest')
    p = subprocess.run(['make', '-s', '-C', os.path.join(HERE, '..'),
                        'install', 'DESTDIR=' + dest, 'PREFIX=/usr'],
                       capture_output=True, text=True)
    want = ['usr/sbin/proctrace',
            'usr/share/bash-completion/completions/proctrace',
            'usr/share/man/man8/proctrace.8'] + \
        ['usr/share/man/man8/proctrace-%s.8' % c for c in COMMANDS]
    missing = [w for w in want if not os.path.exists(os.path.join(dest, w))]
    ok(p.returncode == 0 and not missing,
       'make install honours DESTDIR and PREFIX', p.stderr + str(missing))
    ok(os.access(os.path.join(dest, 'usr/sbin/proctrace'), os.X_OK),
       'installed binary is executable')


def test_captured():
    def lines(name):
        with open(os.path.join(CAPTURED, name)) as f:
            return [ln.rstrip('\n') for ln in f if not ln.startswith('#')]

    for cmd in ('tree', 'stat', 'zombies', 'orphans', 'kthreads'):
        rc, data, err = run_json(cmd, '--json', proc_dir=CAPTURED)
        ok(rc == 0 and data is not None,
           'captured 6.12 output: %s --json parses' % cmd, err)
    tasks = [ln.split(' ') for ln in lines('tasks')]
    stats = dict(ln.split(' ') for ln in lines('stats'))
    rc, st, err = run_json('stat', '--json', proc_dir=CAPTURED)
    ok(rc == 0 and st['processes'] == int(stats['processes']) ==
       sum(1 for t in tasks if t[0] == t[1]) and
       st['threads'] == len(tasks),
       'captured: stat agrees with the tasks file', err)
    rc, tree, err = run_json('tree', '--json', proc_dir=CAPTURED)
    ok(rc == 0 and len(list(walk(tree))) == st['processes'],
       'captured: tree has every process once', err)
    rc, zs, err = run_json('zombies', '--json', proc_dir=CAPTURED)
    kids = zs[0]['children'] if rc == 0 and zs else []
    ok(rc == 0 and len(zs) == 1 and zs[0]['comm'] == 'ptleaky' and
       zs[0]['zombies'] == 2 and not zs[0]['waited'] and
       sorted(k['exit']['text'] for k in kids) ==
       ['exited(3)', 'killed(SIGKILL)'] and
       zs[0]['oldest_ns'] == max(k['age_ns'] for k in kids),
       'captured: the two zombies of ptleaky, decoded', zs or err)
    rc, orph, err = run_json('orphans', '--json', proc_dir=CAPTURED)
    ok(rc == 0 and len(orph) == 1 and orph[0]['reaper'] == 1 and
       orph[0]['reaper_kind'] == 'init' and orph[0]['orig_ppid'] == 295,
       'captured: the orphan, its original parent and init', orph or err)
    rc, out, err = run('watch', '--json', proc_dir=CAPTURED)
    recs = [json.loads(ln) for ln in out.splitlines() if ln.strip()]
    ok(rc == 0 and len(recs) == len(lines('events')) and
       all(b['seq'] == a['seq'] + 1 for a, b in zip(recs, recs[1:])),
       'captured: watch reads every event record in sequence', err)
    rc, kt, err = run_json('kthreads', '--json', proc_dir=CAPTURED)
    ok(rc == 0 and len(kt) == int(stats['kthreads']),
       'captured: one kthreads entry per kernel thread', err)


def main():
    print('TAP version 13')
    with tempfile.TemporaryDirectory(prefix='proctrace-test.') as tmp:
        os.chmod(tmp, 0o755)
        test_captured()
        test_tree()
        test_stat()
        test_zombies()
        test_orphans()
        test_kthreads()
        test_show()
        test_watch()
        test_top()
        test_top_tmux(tmp)
        test_metrics(tmp)
        test_errors(tmp)
        test_usage()
        test_color()
        test_sync()
        test_install(tmp)
    print('1..%d' % ntests)
    return 1 if nfailed else 0


if __name__ == '__main__':
    sys.exit(main())
