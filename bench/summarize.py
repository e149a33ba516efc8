#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Summarise bench/guest-bench.sh output as ratios.

Hook cost: for each workload and configuration, the slowdown against the
"none" run of the same round, (rate_none / rate_cfg - 1), median and range
over rounds. Snapshot: median microseconds per tool and task count, and
how many times faster proctrace is.
"""
import collections
import statistics
import sys


def hook(path):
    rates = collections.defaultdict(dict)
    for line in open(path):
        rnd, cfg, work, rate = line.split()
        rates[(rnd, work)][cfg] = float(rate)
    out = collections.defaultdict(list)
    for (rnd, work), by_cfg in rates.items():
        for cfg, rate in by_cfg.items():
            if cfg != "none":
                out[(work, cfg)].append(100.0 * (by_cfg["none"] / rate - 1))
    print("hook cost: slowdown vs no tracer, same round (%, + is slower)")
    print("%-8s %-10s %8s %8s %8s %6s" % ("workload", "config", "median",
                                          "min", "max", "rounds"))
    for (work, cfg) in sorted(out):
        v = out[(work, cfg)]
        print("%-8s %-10s %8.2f %8.2f %8.2f %6d" % (
            work, cfg, statistics.median(v), min(v), max(v), len(v)))
    base = collections.defaultdict(list)
    for (rnd, work), by_cfg in rates.items():
        base[work].append(by_cfg["none"])
    for work, v in sorted(base.items()):
        print("%-8s none: median %.0f ops/s" % (work, statistics.median(v)))


def snapshot(path):
    times = collections.defaultdict(list)
    for line in open(path):
        tasks, tool, run, usec = line.split()
        times[(int(tasks), tool)].append(int(usec))
    print("\nsnapshot: median wall time per full listing")
    for tasks in sorted({t for t, _ in times}):
        for mine, peers in (("proctrace", ("pstree", "ps")),
                            ("cli", ("pstree",)),
                            ("tasks", ("psL",))):
            pt = statistics.median(times[(tasks, mine)])
            row = ["%d tasks: %s %.1f ms" % (tasks, mine, pt / 1000)]
            for tool in peers:
                m = statistics.median(times[(tasks, tool)])
                row.append("%s %.1f ms (%.1fx slower)" % (tool, m / 1000,
                                                          m / pt))
            print("; ".join(row))


def top(path):
    cpu = collections.defaultdict(list)
    for line in open(path):
        tasks, tool, run, secs, wall = line.split()
        cpu[(int(tasks), tool)].append(float(secs))
    print("\nlive view: CPU seconds for 10 refreshes, 1 s apart (median)")
    for tasks in sorted({t for t, _ in cpu}):
        mine = statistics.median(cpu[(tasks, "proctrace-top")])
        theirs = statistics.median(cpu[(tasks, "top")])
        print("%d tasks: proctrace top %.2f s; procps top %.2f s (%.1fx)" % (
            tasks, mine, theirs, theirs / mine if mine else float("inf")))


hook(sys.argv[1])
snapshot(sys.argv[2])
top(sys.argv[3])
