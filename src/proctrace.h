/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Declarations shared by the files of proctrace.ko. Each .c file owns one
 * facility: snapshot.c walks the task list, procfs.c exposes the walks as
 * the files under /proc/proctrace, main.c orders init and exit.
 */
#ifndef _PROCTRACE_H
#define _PROCTRACE_H

#include <linux/sched.h>
#include <linux/types.h>
#include <uapi/linux/proctrace.h>

struct file;
struct pid_namespace;

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
};

/*
 * A snapshot: tasks sorted by (tgid, leader first, pid). For
 * PT_WALK_PROCESSES, order[] and depth[] give the depth-first forest.
 */
struct pt_snapshot {
	unsigned int nr;
	struct pt_task *tasks;
	unsigned int *order;
	unsigned int *depth;
};

int pt_viewer_init(struct pt_viewer *viewer, struct file *file);
void pt_viewer_release(struct pt_viewer *viewer);

struct pt_snapshot *pt_snapshot_take(const struct pt_viewer *viewer,
				     enum pt_walk walk);
void pt_snapshot_free(struct pt_snapshot *snap);
void pt_count_tasks(const struct pt_viewer *viewer, struct pt_counts *counts);

int pt_procfs_init(void);
void pt_procfs_exit(void);

#endif /* _PROCTRACE_H */
