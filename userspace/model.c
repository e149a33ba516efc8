// SPDX-License-Identifier: GPL-2.0-only
/*
 * Name tables and lookups over the CLI's view of tasks.
 */
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "util.h"

const char *const pt_exit_how_names[] = {
	[PT_EXIT_UNKNOWN] = "unknown",
	[PT_EXIT_EXITED] = "exited",
	[PT_EXIT_KILLED] = "killed",
	[PT_EXIT_DUMPED] = "dumped",
};

const char *const pt_task_flag_names[PT_TF_COUNT] = {
	PROCTRACE_FLAG_LEADER,	    PROCTRACE_FLAG_KTHREAD,
	PROCTRACE_FLAG_EXITING,	    PROCTRACE_FLAG_IO_WORKER,
	PROCTRACE_FLAG_USER_WORKER, PROCTRACE_FLAG_WQ_WORKER,
};

const char *const pt_kclass_names[PT_KC_COUNT] = {
	PROCTRACE_KCLASS_KTHREADD,    PROCTRACE_KCLASS_PERCPU,
	PROCTRACE_KCLASS_WORKER,      PROCTRACE_KCLASS_PARKED,
	PROCTRACE_KCLASS_IDLE,	      PROCTRACE_KCLASS_IO_WORKER,
	PROCTRACE_KCLASS_USER_WORKER, PROCTRACE_KCLASS_OTHER,
};

const char *const pt_reaper_kind_names[] = {
	[PT_REAPER_INIT] = PROCTRACE_REAPER_INIT,
	[PT_REAPER_SUBREAPER] = PROCTRACE_REAPER_SUBREAPER,
	[PT_REAPER_OTHER] = PROCTRACE_REAPER_OTHER,
};

const char *const pt_ev_type_names[PT_EV_NTYPES] = {
	[PT_EV_FORK] = PROCTRACE_EV_FORK, [PT_EV_EXEC] = PROCTRACE_EV_EXEC,
	[PT_EV_EXIT] = PROCTRACE_EV_EXIT, [PT_EV_REAP] = PROCTRACE_EV_REAP,
	[PT_EV_LOST] = PROCTRACE_EV_LOST,
};

const char *const pt_fork_kind_names[] = {
	[PT_FORK_PROCESS] = "process",
	[PT_FORK_THREAD] = "thread",
	[PT_FORK_VFORK] = "vfork",
};

#define STAT(field, type, help)                                      \
	{                                                            \
#field, offsetof(struct pt_stats, field), type, help \
	}

const struct pt_stat_desc pt_stat_descs[] = {
	STAT(processes, PT_GAUGE,
	     "Processes (thread groups), kernel threads included."),
	STAT(threads, PT_GAUGE, "Tasks: every thread of every process."),
	STAT(kthreads, PT_GAUGE, "Kernel threads."),
	STAT(zombies, PT_GAUGE, "Thread-group leaders that are zombies."),
	STAT(orphans, PT_GAUGE,
	     "Live processes whose parent exited since the module was loaded."),
	STAT(forks, PT_COUNTER,
	     "Processes and threads created since the module was loaded."),
	STAT(execs, PT_COUNTER,
	     "Successful execve() calls since the module was loaded."),
	STAT(exits, PT_COUNTER,
	     "Threads that exited since the module was loaded."),
	STAT(reaps, PT_COUNTER,
	     "Tasks freed after being reaped since the module was loaded."),
	STAT(waits, PT_COUNTER, "wait*() calls since the module was loaded."),
	STAT(events, PT_COUNTER, "Records written to the event stream."),
	STAT(events_lost, PT_COUNTER,
	     "Event records lost by readers that fell behind."),
	STAT(table_used, PT_GAUGE, "Entries in use in the lifecycle table."),
	STAT(table_size, PT_GAUGE,
	     "Size of the lifecycle table (max_tracked)."),
	STAT(table_dropped, PT_COUNTER,
	     "Processes not tracked because the lifecycle table was full."),
};

const size_t pt_stat_ndescs = ARRAY_SIZE(pt_stat_descs);

void pt_exit_format(const struct pt_exit *e, char *buf, size_t len)
{
	switch (e->how) {
	case PT_EXIT_EXITED:
		snprintf(buf, len, "exited(%d)", e->code);
		break;
	case PT_EXIT_KILLED:
	case PT_EXIT_DUMPED:
		snprintf(buf, len, "%s(%s)", pt_exit_how_names[e->how],
			 e->signame);
		break;
	default:
		snprintf(buf, len, "unknown");
		break;
	}
}

/* The uapi header's list: the CLI names signals as the module does. */
struct pt_signal {
	int sig;
	const char *name;
};

#define PT_SIGNAL(s) { s, #s },
static const struct pt_signal pt_signals[] = { PROCTRACE_SIGNALS(PT_SIGNAL) };
#undef PT_SIGNAL

void pt_exit_decode(int code, struct pt_exit *e)
{
	int sig = code & 0x7f;
	size_t i;

	memset(e, 0, sizeof(*e));
	if (!sig) {
		e->how = PT_EXIT_EXITED;
		e->code = (code >> 8) & 0xff;
		return;
	}
	e->how = code & 0x80 ? PT_EXIT_DUMPED : PT_EXIT_KILLED;
	for (i = 0; i < ARRAY_SIZE(pt_signals); i++) {
		if (pt_signals[i].sig == sig) {
			snprintf(e->signame, sizeof(e->signame), "%s",
				 pt_signals[i].name);
			return;
		}
	}
	if (sig >= PROCTRACE_SIGRTMIN)
		snprintf(e->signame, sizeof(e->signame), "SIGRTMIN+%d",
			 sig - PROCTRACE_SIGRTMIN);
	else
		snprintf(e->signame, sizeof(e->signame), "SIG%d", sig);
}

int pt_state_index(char state)
{
	const char *p = state ? strchr(PROCTRACE_STATE_LETTERS, state) : NULL;

	return p ? (int)(p - PROCTRACE_STATE_LETTERS) : -1;
}

const char *pt_state_name(char state)
{
	static const char *const names[PT_NSTATES] = {
		"running", "sleeping", "disk-sleep", "stopped", "tracing-stop",
		"dead",	   "zombie",   "parked",     "idle",
	};
	int i = pt_state_index(state);

	return i < 0 ? "unknown" : names[i];
}

void pt_tasks_free(struct pt_tasks *t)
{
	free(t->v);
	memset(t, 0, sizeof(*t));
}

void pt_tree_free(struct pt_tree *t)
{
	free(t->v);
	memset(t, 0, sizeof(*t));
}

void pt_kthreads_free(struct pt_kthreads *k)
{
	free(k->v);
	memset(k, 0, sizeof(*k));
}

void pt_zombies_free(struct pt_zombies *z)
{
	free(z->parents);
	free(z->v);
	memset(z, 0, sizeof(*z));
}

void pt_orphans_free(struct pt_orphans *o)
{
	free(o->v);
	memset(o, 0, sizeof(*o));
}

const struct pt_task *pt_tasks_find(const struct pt_tasks *t, int pid)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		if (t->v[i].pid == pid)
			return &t->v[i];
	return NULL;
}

size_t pt_tasks_group(const struct pt_tasks *t, int tgid, size_t *first)
{
	size_t lo = 0, hi = t->n, end;

	/* Lower bound of tgid; "tasks" is ordered by tgid, then pid. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (t->v[mid].tgid < tgid)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (end = lo; end < t->n && t->v[end].tgid == tgid; end++)
		;
	*first = lo;
	return end - lo;
}

long pt_tree_find(const struct pt_tree *t, int pid)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		if (t->v[i].pid == pid)
			return (long)i;
	return -1;
}

const struct pt_orphan *pt_orphans_find(const struct pt_orphans *o, int pid)
{
	size_t i;

	for (i = 0; i < o->n; i++)
		if (o->v[i].pid == pid)
			return &o->v[i];
	return NULL;
}

const struct pt_kthread *pt_kthreads_find(const struct pt_kthreads *k, int pid)
{
	size_t i;

	for (i = 0; i < k->n; i++)
		if (k->v[i].pid == pid)
			return &k->v[i];
	return NULL;
}

const struct pt_zombie *pt_zombies_find(const struct pt_zombies *z, int pid)
{
	size_t i;

	for (i = 0; i < z->n; i++)
		if (z->v[i].pid == pid)
			return &z->v[i];
	return NULL;
}

const struct pt_zparent *pt_zombies_find_parent(const struct pt_zombies *z,
						int pid)
{
	size_t i;

	for (i = 0; i < z->nparents; i++)
		if (z->parents[i].pid == pid)
			return &z->parents[i];
	return NULL;
}
