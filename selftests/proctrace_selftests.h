/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Helpers shared by the proctrace selftests.
 *
 * They read and strictly parse the /proc/proctrace files, read the ground
 * truth the kernel exposes independently of proctrace
 * (/proc/PID/task/TID/{stat,status,comm}), and synchronise test processes
 * through pipes. The functions do not depend on kselftest_harness.h: they
 * return 0 or a negative errno and leave a description in pt_errmsg(), so
 * each test decides whether a failure is a precondition (ASSERT) or an
 * observation (EXPECT) and can log why.
 */
#ifndef PROCTRACE_SELFTESTS_H
#define PROCTRACE_SELFTESTS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include <linux/proctrace.h>

#define PT_DIR "/proc/" PROCTRACE_PROC_DIR
#define PT_MODULE "proctrace"

/*
 * PROCTRACE_TEST_BACKEND=bpf: the views are those the BPF backend pins
 * under PROCTRACE_BPF_DIR ("proctrace bpf load"), not the module's; the
 * tests of what that backend does not serve skip, saying so.
 * PROCTRACE_BPF_PID1_QUIRK=1: this kernel's task iterator never returns
 * pid 1's thread group (the development hosts' 6.18; abi.rst), so that
 * group, and only it, may be missing, and only when it is missing whole.
 */
#define PT_ENV_BACKEND "PROCTRACE_TEST_BACKEND"
#define PT_ENV_PID1_QUIRK "PROCTRACE_BPF_PID1_QUIRK"

bool pt_backend_bpf(void);
/* Where the views are: PT_DIR or PROCTRACE_BPF_DIR. */
const char *pt_dir(void);
/*
 * Whether the quirk above hides thread group tgid from "views", the parsed
 * tasks file: true only for tgid 1 when the quirk is declared and the file
 * lists no task of it.
 */
struct pt_tasks;
bool pt_quirk_hides(const struct pt_tasks *views, int tgid);

/* As kselftest.h has it, for the helpers, which do not include it. */
#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#endif

/* TASK_COMM_LEN: at most 15 bytes of name and a NUL. */
#define PT_COMM_LEN 16
/* Worst case: every byte written as a backslash and three octal digits. */
#define PT_COMM_ESC_LEN (4 * (PT_COMM_LEN - 1) + 1)
#define PT_NSTATES 9
/* oldest_ns of a zombies parent line with only thread_group zombies ("-") */
#define PT_OLDEST_NONE (-2LL)
/*
 * /proc/PID/stat may show more than the 15-byte comm: the full name of a
 * kernel thread, or a workqueue worker's description after a '-'.
 */
#define PT_PROC_COMM_LEN 64

/* task->flags bits (include/linux/sched.h), as /proc/PID/stat field 9. */
#define PT_PF_EXITING 0x00000004UL
#define PT_PF_IO_WORKER 0x00000010UL
#define PT_PF_WQ_WORKER 0x00000020UL
#define PT_PF_USER_WORKER 0x00004000UL
#define PT_PF_KTHREAD 0x00200000UL

/* Tokens of the "tasks" flags column, one bit each, in ABI order. */
enum {
	PT_TF_LEADER = 1 << 0,
	PT_TF_KTHREAD = 1 << 1,
	PT_TF_EXITING = 1 << 2,
	PT_TF_IO_WORKER = 1 << 3,
	PT_TF_USER_WORKER = 1 << 4,
	PT_TF_WQ_WORKER = 1 << 5,
};

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

/* pid -> position in an array, sorted by pid for bsearch(). */
struct pt_pid_ent {
	int pid;
	int idx;
};

struct pt_pidmap {
	struct pt_pid_ent *e;
	size_t n;
};

struct pt_task {
	int pid;
	int tgid;
	int ppid;
	int threads;
	int line;
	char state;
	unsigned int flags;
	unsigned long long start_ns;
	char comm[PT_COMM_LEN];
	char comm_esc[PT_COMM_ESC_LEN];
};

struct pt_tasks {
	struct pt_task *v;
	size_t n;
	struct pt_pidmap map;
};

struct pt_tree_node {
	int pid;
	int parent; /* reconstructed from the indentation, 0 for roots */
	int depth;
	int threads;
	int line;
	char state;
	bool zombie;
	bool kthread;
	char comm[PT_COMM_LEN];
	char comm_esc[PT_COMM_ESC_LEN];
};

struct pt_tree {
	struct pt_tree_node *v;
	size_t n;
	struct pt_pidmap map;
};

struct pt_kthread {
	int pid;
	int ppid;
	int cpu; /* -1 for "-" */
	int line;
	char state;
	unsigned int class;
	char func[128];
	char module[64];
	char comm[PT_COMM_LEN];
	char comm_esc[PT_COMM_ESC_LEN];
};

struct pt_kthreads {
	struct pt_kthread *v;
	size_t n;
	struct pt_pidmap map;
};

struct pt_stats {
	long long processes;
	long long threads;
	long long kthreads;
	long long zombies;
	long long state[PT_NSTATES]; /* PROCTRACE_STATE_LETTERS order */
	long long orphans;
	long long forks;
	long long execs;
	long long exits;
	long long reaps;
	long long waits;
	long long events;
	long long events_lost;
	long long table_dropped;
	long long table_used;
	long long table_size;
};

/* A line of "zombies": a parent, or one of its zombies. -1 is "unknown". */
struct pt_zline {
	int pid;
	int line;
	bool parent;
	int ppid; /* zombie lines */
	int zombies; /* parent lines */
	long long oldest_ns; /* parent lines */
	bool waited; /* parent lines */
	char kind[16]; /* zombie lines */
	long long age_ns; /* zombie lines */
	char exit[32]; /* zombie lines */
	char comm[PT_COMM_LEN];
};

struct pt_zombies {
	struct pt_zline *v;
	size_t n;
};

/* A line of "orphans"; orig_ppid is -1 for "unknown", 0 for "-". */
struct pt_orphan {
	int pid;
	int orig_ppid;
	int reaper;
	int line;
	char reaper_kind[16];
	unsigned long long orphaned_ns;
	char comm[PT_COMM_LEN];
};

struct pt_orphans {
	struct pt_orphan *v;
	size_t n;
	struct pt_pidmap map;
};

/* The fields of /proc/PID/stat the tests compare against. */
struct pt_stat {
	int pid;
	int ppid;
	char state;
	char comm[PT_PROC_COMM_LEN];
	unsigned long flags;
	long num_threads;
	unsigned long long starttime;
};

struct pt_status {
	int tgid;
	int pid;
	int ppid;
	int threads;
	char state;
};

/* One task seen by a walk of PROC/[0-9]+/task/[0-9]+. */
struct pt_scan_ent {
	int tid;
	int tgid;
	int ppid;
	char state;
	unsigned long flags;
	unsigned long long start;
	char comm[PT_PROC_COMM_LEN];
};

struct pt_scan {
	struct pt_scan_ent *v;
	size_t n;
	size_t nproc; /* thread groups: PROC/[0-9]+ directories */
	struct pt_pidmap map;
};

/* What test processes tell the test over a pipe; fits in PIPE_BUF. */
struct pt_msg {
	int role;
	int index;
	int pid;
	int tid;
	int err;
};

/*
 * For the test programs, which include kselftest_harness.h: a helper must
 * return 0, and pt_errmsg() tells why it did not.
 */
#define PT_ASSERT_OK(expr)                                                  \
	do {                                                                \
		int pt_ret_ = (expr);                                       \
		ASSERT_EQ(0, pt_ret_) TH_LOG("%s: %s", #expr, pt_errmsg()); \
	} while (0)

#define PT_EXPECT_OK(expr)                                                  \
	do {                                                                \
		int pt_ret_ = (expr);                                       \
		EXPECT_EQ(0, pt_ret_) TH_LOG("%s: %s", #expr, pt_errmsg()); \
	} while (0)

const char *pt_errmsg(void);
const char *pt_skip_reason(void);

/* Index of @c in PROCTRACE_STATE_LETTERS, -1 when it is not a state. */
int pt_state_index(char c);

int pt_read_fd(int fd, char **buf, size_t *len);
int pt_read_path(const char *path, char **buf, size_t *len);
int pt_read_view(const char *name, char **buf, size_t *len);
int pt_read_view_at(int dirfd, const char *name, char **buf, size_t *len);

const char *pt_view_columns(const char *name);
int pt_check_header(const char *buf, const char *name, const char **body);

int pt_unescape_comm(const char *esc, char *out, size_t size);
int pt_escape_comm(const char *raw, char *out, size_t size);

/* Pieces of the strict parsers, for the test programs' own formats. */
int pt_parse_ull(const char *s, unsigned long long *v);
int pt_parse_int(const char *s, int *v);
int pt_split(char *line, char **tok, int max, bool empty_last);
const char *pt_key_value(const char *field, const char *key);
int pt_copy_value(const char *s, char *out, size_t size);
bool pt_exit_ok(const char *s);

int pt_parse_tasks(const char *buf, struct pt_tasks *out);
int pt_parse_tree(const char *buf, struct pt_tree *out);
int pt_parse_kthreads(const char *buf, struct pt_kthreads *out);
int pt_parse_stats(const char *buf, struct pt_stats *out);
int pt_parse_zombies(const char *buf, struct pt_zombies *out);
int pt_parse_orphans(const char *buf, struct pt_orphans *out);
int pt_tree_check_order(const struct pt_tree *tree);
int pt_tasks_check_order(const struct pt_tasks *tasks);
void pt_tasks_free(struct pt_tasks *t);
void pt_tree_free(struct pt_tree *t);
void pt_kthreads_free(struct pt_kthreads *k);
void pt_zombies_free(struct pt_zombies *z);
void pt_orphans_free(struct pt_orphans *o);

const struct pt_task *pt_tasks_find(const struct pt_tasks *t, int pid);
const struct pt_tree_node *pt_tree_find(const struct pt_tree *t, int pid);
const struct pt_kthread *pt_kthreads_find(const struct pt_kthreads *k, int pid);
const struct pt_orphan *pt_orphans_find(const struct pt_orphans *o, int pid);
bool pt_tree_is_descendant(const struct pt_tree *t, int pid, int ancestor);

int pt_parse_stat(const char *text, struct pt_stat *st);
int pt_parse_status(const char *text, struct pt_status *st);
int pt_read_stat(const char *proc, int tgid, int tid, struct pt_stat *st);
int pt_read_status(const char *proc, int tgid, int tid, struct pt_status *st);
int pt_read_comm(const char *proc, int tgid, int tid, char *out, size_t size);

int pt_scan(const char *proc, struct pt_scan *s);
const struct pt_scan_ent *pt_scan_find(const struct pt_scan *s, int tid);
bool pt_scan_stable(const struct pt_scan *a, const struct pt_scan *b, int tid,
		    const struct pt_scan_ent **ent);
void pt_scan_free(struct pt_scan *s);

int pt_find_kernel_address(const char *buf, char *match, size_t size);

long long pt_now_ms(void);
int pt_left_ms(long long deadline);
unsigned long long pt_boottime_ns(void);
int pt_write_full(int fd, const void *p, size_t n);
int pt_read_full(int fd, void *p, size_t n, int timeout_ms);
void pt_wait_eof(int fd);
int pt_send_msg(int fd, int role, int index, int err);
int pt_wait_state(const char *proc, int tgid, int tid, char state,
		  int timeout_ms);
int pt_run_capture(const char *const argv[], char **out, size_t *len,
		   pid_t *pid);
int pt_read_long(const char *path, long *v);
int pt_write_str(const char *path, const char *s);
int pt_read_str(const char *path, char *buf, size_t size);
int pt_write_long(const char *path, long v);

/* What pt_raise_task_limits() raised, 0 for what it left alone. */
struct pt_task_limits {
	long threads_max;
	long pid_max;
};

int pt_raise_task_limits(long tasks, struct pt_task_limits *saved);
void pt_restore_task_limits(struct pt_task_limits *saved);
unsigned long long pt_ns_per_tick(void);
int pt_unload_module(void);

/*
 * Checks in a process the harness does not follow, such as the init of a
 * pid namespace: each failure is counted and told on stderr, after @who.
 */
#define PT_CHECK(cond) pt_check(!!(cond), __LINE__, #cond)
#define PT_CHECK_EQ(a, b) pt_check_eq((a), (b), __LINE__, #a " == " #b)

void pt_checks_start(const char *who);
int pt_checks_failed(void);
void pt_check(bool ok, int line, const char *what);
void pt_check_eq(long long a, long long b, int line, const char *what);

#endif /* PROCTRACE_SELFTESTS_H */
