/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the CLI knows about tasks, independent of where it came from. The
 * procfs backend (source.c, parse.c) fills these structures from
 * /proc/proctrace; a different backend would fill the same ones, and no
 * subcommand would change.
 *
 * Names (comm, exec file) are stored decoded, as the kernel holds them.
 */
#ifndef PROCTRACE_MODEL_H
#define PROCTRACE_MODEL_H

#include <stdbool.h>
#include <stddef.h>

#include <linux/proctrace.h>

/* TASK_COMM_LEN: at most 15 bytes of name and a NUL. */
#define PT_COMM_LEN 16
#define PT_NSTATES 9
/* KSYM_NAME_LEN and MODULE_NAME_LEN of current kernels. */
#define PT_FUNC_LEN 512
#define PT_MODULE_LEN 64
#define PT_SIGNAME_LEN 16

/* How a task ended, as "Exit decoding" in abi.rst spells it. */
enum pt_exit_how {
	PT_EXIT_UNKNOWN,
	PT_EXIT_EXITED,
	PT_EXIT_KILLED,
	PT_EXIT_DUMPED,
};

struct pt_exit {
	enum pt_exit_how how;
	int code;
	char signame[PT_SIGNAME_LEN];
};

extern const char *const pt_exit_how_names[];
/* Back to the ABI spelling: "exited(0)", "killed(SIGKILL)", "unknown". */
void pt_exit_format(const struct pt_exit *e, char *buf, size_t len);
/* A wait(2)-encoded status, decoded as the module decodes it. */
void pt_exit_decode(int code, struct pt_exit *e);

/* Tokens of the "tasks" flags column, one bit each, in ABI order. */
enum {
	PT_TF_LEADER = 1 << 0,
	PT_TF_KTHREAD = 1 << 1,
	PT_TF_EXITING = 1 << 2,
	PT_TF_IO_WORKER = 1 << 3,
	PT_TF_USER_WORKER = 1 << 4,
	PT_TF_WQ_WORKER = 1 << 5,
};

#define PT_TF_COUNT 6
extern const char *const pt_task_flag_names[PT_TF_COUNT];

struct pt_task {
	int pid;
	int tgid;
	int ppid;
	char state;
	unsigned int flags;
	unsigned int threads;
	unsigned long long start_ns;
	char comm[PT_COMM_LEN];
};

struct pt_tasks {
	struct pt_task *v;
	size_t n;
};

/* One line of "tree": a process. */
struct pt_proc {
	int pid;
	char state;
	unsigned int threads;
	bool zombie;
	bool kthread;
	unsigned int depth;
	/* Index of the parent's line, -1 for a root. */
	long parent;
	char comm[PT_COMM_LEN];
};

/* The forest in the file's depth-first order. */
struct pt_tree {
	struct pt_proc *v;
	size_t n;
};

enum pt_metric_type {
	PT_GAUGE,
	PT_COUNTER,
};

struct pt_stats {
	unsigned long long processes;
	unsigned long long threads;
	unsigned long long kthreads;
	unsigned long long state[PT_NSTATES];
	unsigned long long zombies;
	unsigned long long orphans;
	unsigned long long forks;
	unsigned long long execs;
	unsigned long long exits;
	unsigned long long reaps;
	unsigned long long waits;
	unsigned long long events;
	unsigned long long events_lost;
	unsigned long long table_used;
	unsigned long long table_size;
	unsigned long long table_dropped;
};

/*
 * The scalar lines of "stats" (every one but state_<L>), in file order,
 * with what "stat" and "metrics" say about them.
 */
struct pt_stat_desc {
	const char *name;
	size_t offset;
	enum pt_metric_type type;
	const char *help;
};

extern const struct pt_stat_desc pt_stat_descs[];
extern const size_t pt_stat_ndescs;
/* The stats lines that come before the state_<L> lines. */
#define PT_STATS_BEFORE_STATES 3

static inline unsigned long long pt_stat_get(const struct pt_stats *s,
					     const struct pt_stat_desc *d)
{
	return *(const unsigned long long *)((const char *)s + d->offset);
}

/* Tokens of the "kthreads" class column, one bit each, in ABI order. */
enum {
	PT_KC_KTHREADD = 1 << 0,
	PT_KC_PERCPU = 1 << 1,
	PT_KC_WORKER = 1 << 2,
	PT_KC_PARKED = 1 << 3,
	PT_KC_IDLE = 1 << 4,
	PT_KC_IO_WORKER = 1 << 5,
	PT_KC_USER_WORKER = 1 << 6,
	PT_KC_OTHER = 1 << 7,
};

#define PT_KC_COUNT 8
extern const char *const pt_kclass_names[PT_KC_COUNT];

struct pt_kthread {
	int pid;
	int ppid;
	char state;
	/* -1 when not bound to one CPU. */
	int cpu;
	unsigned int kclass;
	/* Empty when the ABI says "-". */
	char func[PT_FUNC_LEN];
	char module[PT_MODULE_LEN];
	char comm[PT_COMM_LEN];
};

struct pt_kthreads {
	struct pt_kthread *v;
	size_t n;
};

struct pt_zombie {
	int pid;
	int ppid;
	/* kind=thread_group rather than kind=unreaped. */
	bool thread_group;
	bool age_known;
	unsigned long long age_ns;
	struct pt_exit exit;
	char comm[PT_COMM_LEN];
};

/* A parent line, and the range of its zombies in pt_zombies.v. */
struct pt_zparent {
	int pid;
	unsigned int zombies;
	bool oldest_known;
	unsigned long long oldest_ns;
	bool waited;
	char comm[PT_COMM_LEN];
	size_t first;
	size_t n;
};

struct pt_zombies {
	struct pt_zparent *parents;
	size_t nparents;
	struct pt_zombie *v;
	size_t n;
};

enum pt_orig {
	PT_ORIG_KNOWN,
	PT_ORIG_UNKNOWN,
	/* "-": the original parent has no pid in the reader's namespace. */
	PT_ORIG_HIDDEN,
};

enum pt_reaper_kind {
	PT_REAPER_INIT,
	PT_REAPER_SUBREAPER,
	PT_REAPER_OTHER,
};

extern const char *const pt_reaper_kind_names[];

struct pt_orphan {
	int pid;
	enum pt_orig orig;
	int orig_ppid;
	int reaper;
	enum pt_reaper_kind reaper_kind;
	unsigned long long orphaned_ns;
	char comm[PT_COMM_LEN];
};

struct pt_orphans {
	struct pt_orphan *v;
	size_t n;
};

enum pt_ev_type {
	PT_EV_FORK,
	PT_EV_EXEC,
	PT_EV_EXIT,
	PT_EV_REAP,
	PT_EV_LOST,
	PT_EV_NTYPES,
};

extern const char *const pt_ev_type_names[PT_EV_NTYPES];

enum pt_fork_kind {
	PT_FORK_PROCESS,
	PT_FORK_THREAD,
	PT_FORK_VFORK,
};

extern const char *const pt_fork_kind_names[];

struct pt_event {
	unsigned long long seq;
	unsigned long long ts_ns;
	enum pt_ev_type type;
	/* Subject task; unused for PT_EV_LOST. */
	int pid;
	int tgid;
	unsigned long long start_ns;
	/* fork, exit, reap */
	bool has_ppid;
	int ppid;
	/* fork */
	enum pt_fork_kind kind;
	bool kernel_origin;
	/* exec */
	int old_pid;
	char file[PROCTRACE_FILENAME_MAX + 1];
	/* exit */
	struct pt_exit exit;
	bool group_dead;
	unsigned long long runtime_ns;
	/* lost */
	unsigned long long lost;
	char comm[PT_COMM_LEN];
};

/* Index of a state letter in PROCTRACE_STATE_LETTERS, or -1. */
int pt_state_index(char state);
/* "running", "sleeping", ... for a state letter. */
const char *pt_state_name(char state);

void pt_tasks_free(struct pt_tasks *t);
void pt_tree_free(struct pt_tree *t);
void pt_kthreads_free(struct pt_kthreads *k);
void pt_zombies_free(struct pt_zombies *z);
void pt_orphans_free(struct pt_orphans *o);

/*
 * Lookups by pid: NULL (or -1 for an index) when absent. Linear, except
 * pt_tasks_group(), which relies on the tgid order of "tasks".
 */
const struct pt_task *pt_tasks_find(const struct pt_tasks *t, int pid);
long pt_tree_find(const struct pt_tree *t, int pid);
/* The tasks of thread group tgid: *first and the count (0 if none). */
size_t pt_tasks_group(const struct pt_tasks *t, int tgid, size_t *first);
const struct pt_orphan *pt_orphans_find(const struct pt_orphans *o, int pid);
const struct pt_kthread *pt_kthreads_find(const struct pt_kthreads *k, int pid);
const struct pt_zombie *pt_zombies_find(const struct pt_zombies *z, int pid);
const struct pt_zparent *pt_zombies_find_parent(const struct pt_zombies *z,
						int pid);

#endif /* PROCTRACE_MODEL_H */
