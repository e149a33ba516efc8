// SPDX-License-Identifier: GPL-2.0-only
/*
 * Event counters since load. Probes bump a per-CPU slot with
 * this_cpu_inc(), which is safe whether the probe runs with preemption
 * disabled, preemptible under SRCU (7.3) or in softirq for
 * sched_process_free (tracepoints.c); readers sum over CPUs and may see a
 * count a probe is just incrementing, which is fine for totals.
 */
#include <linux/build_bug.h>
#include <linux/percpu.h>
#include <linux/seq_file.h>

#include "proctrace.h"

static const char *const pt_counter_names[] = {
	[PT_CNT_FORKS] = "forks",
	[PT_CNT_EXECS] = "execs",
	[PT_CNT_EXITS] = "exits",
	[PT_CNT_REAPS] = "reaps",
	[PT_CNT_WAITS] = "waits",
	[PT_CNT_EVENTS] = "events",
	[PT_CNT_EVENTS_LOST] = "events_lost",
	[PT_CNT_TABLE_DROPPED] = "table_dropped",
};

static_assert(ARRAY_SIZE(pt_counter_names) == PT_CNT_NR);

struct pt_counter_set {
	u64 val[PT_CNT_NR];
};

static DEFINE_PER_CPU(struct pt_counter_set, pt_counters);

void pt_counter_inc(enum pt_counter c)
{
	this_cpu_inc(pt_counters.val[c]);
}

void pt_counter_add(enum pt_counter c, u64 n)
{
	this_cpu_add(pt_counters.val[c], n);
}

static u64 pt_counter_read(enum pt_counter c)
{
	u64 sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += per_cpu(pt_counters.val[c], cpu);
	return sum;
}

void pt_counters_read(u64 vals[PT_CNT_NR])
{
	unsigned int i;

	for (i = 0; i < PT_CNT_NR; i++)
		vals[i] = pt_counter_read(i);
}

void pt_counters_show(struct seq_file *m, const u64 vals[PT_CNT_NR])
{
	unsigned int i;

	for (i = 0; i < PT_CNT_NR; i++)
		seq_printf(m, "%s %llu\n", pt_counter_names[i], vals[i]);
}
