/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Declarations shared by the files of proctrace.ko. Each .c file owns one
 * facility: snapshot.c walks the task list, lifecycle.c keeps the table of
 * what the task list forgets, tracepoints.c attaches the probes, events.c
 * is the event stream, stats.c the counters, exitstatus.c decodes exits,
 * procfs.c exposes the views, main.c orders init and exit.
 */
#ifndef _PROCTRACE_H
#define _PROCTRACE_H

#include <linux/sched.h>
#include <linux/types.h>
#include <uapi/linux/proctrace.h>

struct file;
struct pid;
struct pid_namespace;
struct pt_budget;
struct seq_file;

/* pt_task.flags, printed in this order by the "tasks" view. */
enum {
	PT_TASK_LEADER = BIT(0),
	PT_TASK_KTHREAD = BIT(1),
	PT_TASK_EXITING = BIT(2),
	PT_TASK_IO_WORKER = BIT(3),
	PT_TASK_USER_WORKER = BIT(4),
	PT_TASK_WQ_WORKER = BIT(5),
	/* Not printed as a flag: feeds the kthreads class column. */
	PT_TASK_NO_SETAFFINITY = BIT(6),
	PT_TASK_KTHREADD = BIT(7),
	PT_TASK_ZOMBIE = BIT(8),
};

/*
 * One task as seen by one reader. Pids are already translated into the
 * reader's pid namespace; nothing here is a pointer a reader could see.
 * thread_fn is only ever formatted with %ps and dropped when it does not
 * resolve to a symbol.
 */
struct pt_task {
	pid_t pid;
	pid_t tgid;
	pid_t ppid;
	pid_t gpid; /* in the initial namespace: a lifecycle key, not shown */
	u32 flags;
	int nr_threads;
	int bound_cpu; /* -1 unless allowed on exactly one CPU */
	u64 start_ns;
	void *thread_fn;
	char state;
	char comm[TASK_COMM_LEN];
};

/* Which tasks a walk collects. */
enum pt_walk {
	PT_WALK_PROCESSES, /* thread-group leaders only */
	PT_WALK_THREADS, /* every task */
	PT_WALK_KTHREADS, /* kernel threads and in-process kernel workers */
};

/* Counters for the "stats" view; indexes match PROCTRACE_STATE_LETTERS. */
#define PT_NR_STATES (sizeof(PROCTRACE_STATE_LETTERS) - 1)

struct pt_counts {
	unsigned long processes;
	unsigned long threads;
	unsigned long kthreads;
	unsigned long zombies;
	unsigned long state[PT_NR_STATES];
};

/*
 * What a reader may see: the pid namespace pids are printed in, the
 * namespace of the procfs mount (a task must be visible in both), and the
 * hidepid restriction decided at open() from the opener's credentials.
 */
struct pt_viewer {
	struct pid_namespace *view_ns;
	struct pid_namespace *mount_ns;
	bool own_tasks_only;
	kuid_t fsuid;
	struct pt_budget *budget; /* NULL: exempt (snapshot.c) */
};

/*
 * Memory a snapshot keeps until close(): a failed charge to a small
 * memory cgroup returns NULL rather than invoking the OOM killer, and
 * quietly, because the reader is told with ENOMEM.
 */
#define PT_GFP_SNAPSHOT \
	(GFP_KERNEL_ACCOUNT | __GFP_RETRY_MAYFAIL | __GFP_NOWARN)

/*
 * A snapshot: tasks sorted by (tgid, leader first, pid). For
 * PT_WALK_PROCESSES, order[] and depth[] give the depth-first forest.
 */
struct pt_snapshot {
	unsigned int nr;
	struct pt_task *tasks;
	unsigned int *order;
	unsigned int *depth;
	struct pt_budget *budget; /* referenced; charged @charged bytes */
	size_t charged;
};

int pt_viewer_init(struct pt_viewer *viewer, struct file *file);
void pt_viewer_release(struct pt_viewer *viewer);
pid_t pt_viewer_pid(const struct pt_viewer *viewer, struct task_struct *t);
size_t pt_alloc_cost(size_t n, size_t size);
int pt_budget_charge(const struct pt_viewer *viewer, size_t bytes);
void pt_budget_uncharge(const struct pt_viewer *viewer, size_t bytes);
void *pt_kvmalloc(size_t size);
void *pt_charged_alloc(struct pt_budget *b, size_t n, size_t size, size_t *cost,
		       int *err);

struct pt_snapshot *pt_snapshot_take(const struct pt_viewer *viewer,
				     enum pt_walk walk);
void pt_snapshot_free(struct pt_snapshot *snap);
const struct pt_task *pt_snapshot_find(const struct pt_snapshot *snap,
				       pid_t pid);
void pt_count_tasks(const struct pt_viewer *viewer, struct pt_counts *counts);

int pt_procfs_init(void);
void pt_procfs_exit(void);

/* What the lifecycle table knows about one process. */
struct pt_life_info {
	bool exited;
	bool waited;
	u64 exit_ns;
	int exit_code;
};

/* reaping.c: who fails to reap its zombies, who adopted the orphans. */
struct pt_zombie {
	const struct pt_task *task;
	bool thread_group; /* leader exited, other threads still run */
	struct pt_life_info life;
	bool known; /* life is valid */
};

struct pt_zombie_parent {
	pid_t ppid;
	char comm[TASK_COMM_LEN]; /* empty when the parent is not visible */
	bool waited;
	unsigned int unreaped;
	bool oldest_known;
	u64 oldest_exit_ns;
	unsigned int first, count; /* its range in pt_zombie_report.zombies */
};

struct pt_zombie_report {
	struct pt_snapshot *snap;
	struct pt_zombie *zombies;
	struct pt_zombie_parent *parents;
	unsigned int nr_zombies, nr_parents;
	u64 now;
	size_t charged; /* for zombies and parents, to the viewer's budget */
};

struct pt_orphan {
	pid_t pid;
	pid_t reaper;
	pid_t orig_ppid; /* 0: not visible to the reader */
	bool orig_known;
	const char *reaper_kind;
	u64 orphaned_ns;
	char comm[TASK_COMM_LEN];
};

struct pt_orphan_report {
	struct pt_orphan *orphans;
	unsigned int nr;
};

int pt_zombie_report(const struct pt_viewer *viewer,
		     struct pt_zombie_report *rep);
void pt_zombie_report_free(const struct pt_viewer *viewer,
			   struct pt_zombie_report *rep);
int pt_orphan_report(const struct pt_viewer *viewer,
		     struct pt_orphan_report *rep);
void pt_orphan_report_free(struct pt_orphan_report *rep);

/* stats.c */
enum pt_counter {
	PT_CNT_FORKS,
	PT_CNT_EXECS,
	PT_CNT_EXITS,
	PT_CNT_REAPS,
	PT_CNT_WAITS,
	PT_CNT_EVENTS,
	PT_CNT_EVENTS_LOST,
	PT_CNT_TABLE_DROPPED,
	PT_CNT_NR
};

void pt_counter_inc(enum pt_counter c);
void pt_counter_add(enum pt_counter c, u64 n);
void pt_counters_read(u64 vals[PT_CNT_NR]);
void pt_counters_show(struct seq_file *m, const u64 vals[PT_CNT_NR]);

/* exitstatus.c: "exited(N)", "killed(SIGNAME)", "dumped(SIGNAME)". */
#define PT_EXIT_STR_LEN 32
int pt_format_exit(char *buf, size_t len, int code);

/* lifecycle.c */
struct pt_orphan_ref {
	pid_t gpid;
	u64 start_ns;
	u64 orphaned_ns;
	struct pid *orig_parent; /* referenced; NULL: unknown */
};

int pt_lifecycle_init(unsigned int max_tracked);
void pt_lifecycle_scan(void);
void pt_lifecycle_exit(void);
void pt_lifecycle_fork(struct task_struct *child);
bool pt_lifecycle_group_exit(struct task_struct *p, int exit_code, u64 now);
void pt_lifecycle_wait(struct task_struct *waiter);
struct pid *pt_lifecycle_reap(struct task_struct *p);
bool pt_lifecycle_lookup(pid_t gpid, u64 start_ns, struct pt_life_info *info);
struct pt_orphan_ref *pt_lifecycle_orphans(unsigned int *nr);
void pt_lifecycle_orphans_free(struct pt_orphan_ref *refs, unsigned int nr);
void pt_lifecycle_usage(unsigned int *used, unsigned int *size);

/* events.c */
enum pt_event_type {
	PT_EV_FORK,
	PT_EV_EXEC,
	PT_EV_EXIT,
	PT_EV_REAP,
};

int pt_events_init(unsigned int slots);
void pt_events_shutdown(void);
void pt_events_exit(void);
bool pt_events_wanted(void);
void pt_events_fork(struct task_struct *parent, struct task_struct *child);
void pt_events_exec(struct task_struct *p, pid_t old_pid, const char *filename);
void pt_events_prepare_exec(struct task_struct *p);
void pt_events_exit_task(struct task_struct *p, bool group_dead);
void pt_events_reap(struct task_struct *p, struct pid *self);
extern const struct proc_ops pt_events_proc_ops;

/* tracepoints.c */
int pt_tracepoints_init(void);
void pt_tracepoints_exit(void);

#endif /* _PROCTRACE_H */
