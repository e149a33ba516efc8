// SPDX-License-Identifier: GPL-2.0-only
/*
 * proctrace's BPF backend: what proctrace.ko does, for kernels that cannot
 * load it (lockdown, no CONFIG_MODULES) but have BPF and BTF.
 *
 * Tracepoint programs (tp_btf) keep the counters and a lifecycle table, as
 * src/lifecycle.c does; task iterators (iter/task), pinned by "proctrace
 * bpf load" under /sys/fs/bpf/proctrace, print the module's files in the
 * module's formats (Documentation/abi.rst, "The BPF backend", says where
 * they differ). Every kernel structure is read with CO-RE, so one object
 * runs on every kernel with BTF from 6.1 on.
 *
 * RCU: tp_btf and non-sleepable iterator programs run under
 * rcu_read_lock(), so the tasks and lists read here are not freed while a
 * program runs; lists may change under it, so every walk is bounded and
 * stops at a node that points to itself (list_del_init()).
 */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include <linux/proctrace.h>

char LICENSE[] SEC("license") = "GPL";

/*
 * include/linux/sched.h's values, the same from 6.1 to 7.3: macros, so not
 * in BTF.
 */
#define PT_TASK_UNINTERRUPTIBLE 0x0002
#define PT_EXIT_ZOMBIE 0x0020
#define PT_TASK_NOLOAD 0x0400
#define PT_TASK_RTLOCK_WAIT 0x1000
#define PT_TASK_FROZEN 0x8000
#define PT_TASK_IDLE (PT_TASK_UNINTERRUPTIBLE | PT_TASK_NOLOAD)
#define PT_TASK_REPORT 0x7f
#define PT_TASK_REPORT_IDLE 0x80

#define PT_SIGNAL_GROUP_EXIT 0x00000004 /* include/linux/sched/signal.h */

#define PT_PF_EXITING 0x00000004
#define PT_PF_IO_WORKER 0x00000010
#define PT_PF_WQ_WORKER 0x00000020
#define PT_PF_USER_WORKER 0x00004000 /* 6.4 and later; unused before */
#define PT_PF_KTHREAD 0x00200000
#define PT_PF_NO_SETAFFINITY 0x04000000

/* Bounds of the walks (the verifier needs them; see the RCU note above). */
#define PT_MAX_CHILDREN 65536
#define PT_MAX_CPU_WORDS 128 /* 8192 CPUs */
#define PT_MAX_CPUS 8192

#define PT_E2BIG 7 /* errno.h is not for BPF programs */

/* Set by the loader before load. */
const volatile __u32 pt_nr_cpus = 1;
const volatile __u32 pt_table_size = 65536;

/* The counters stats prints (uapi header), summed over CPUs. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, struct proctrace_counters);
} pt_counters SEC(".maps");

/*
 * The lifecycle table (its layout is the uapi header's: the CLI reads it).
 * max_entries is max_tracked, set by the loader.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, struct proctrace_life_key);
	__type(value, struct proctrace_life);
} pt_life SEC(".maps");

static __always_inline void pt_count(enum proctrace_counter which)
{
	u32 zero = 0;
	struct proctrace_counters *c = bpf_map_lookup_elem(&pt_counters, &zero);

	if (c && which < PROCTRACE_CNT_MAX)
		c->c[which]++;
}

static __always_inline struct proctrace_life_key
pt_key_of(struct task_struct *t)
{
	struct proctrace_life_key key = {};

	key.pid = BPF_CORE_READ(t, tgid);
	key.start_ns = BPF_CORE_READ(t, group_leader, start_boottime);
	return key;
}

/*
 * The event stream (uapi header: struct proctrace_event). The ring's size
 * is set by the loader; the consumer turns writing on in pt_control.
 */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4 << 20);
} pt_events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, struct proctrace_control);
} pt_control SEC(".maps");

/* The last sequence number taken; every record takes one. */
__u64 pt_seq;

/* A record's size without the exec file name. */
#define PT_EV_SHORT offsetof(struct proctrace_event, file)

/*
 * Reserve a record of @size about task @t, or NULL: no reader, or no room
 * (counted in events_lost; its sequence number is the gap the consumer
 * reports).
 */
static __always_inline struct proctrace_event *
pt_ev_reserve(u32 type, struct task_struct *t, u32 size)
{
	struct proctrace_control *ctl;
	struct proctrace_event *e;
	u32 zero = 0;
	u64 seq;

	ctl = bpf_map_lookup_elem(&pt_control, &zero);
	if (!ctl || !ctl->readers)
		return NULL;
	seq = __sync_fetch_and_add(&pt_seq, 1) + 1;
	e = bpf_ringbuf_reserve(&pt_events, size, 0);
	if (!e) {
		pt_count(PROCTRACE_CNT_EVENTS_LOST);
		return NULL;
	}
	e->seq = seq;
	e->ts_ns = bpf_ktime_get_boot_ns();
	e->type = type;
	e->pid = BPF_CORE_READ(t, pid);
	e->tgid = BPF_CORE_READ(t, tgid);
	e->start_ns = BPF_CORE_READ(t, start_boottime);
	e->ppid = 0;
	e->old_pid = 0;
	e->exit_code = 0;
	e->runtime_ns = 0;
	e->kind = 0;
	e->kernel_origin = 0;
	e->group_dead = 0;
	e->pad = 0;
	BPF_CORE_READ_STR_INTO(&e->comm, t, comm);
	return e;
}

/*
 * Wake the consumer only once enough is queued: a wakeup per record
 * costs more than the record (Documentation/performance.rst). The
 * consumer also polls with a timeout, which bounds the latency.
 */
static __always_inline void pt_ev_submit(struct proctrace_event *e)
{
	struct proctrace_control *ctl;
	u64 flags = BPF_RB_NO_WAKEUP;
	u32 zero = 0;

	ctl = bpf_map_lookup_elem(&pt_control, &zero);
	if (ctl && bpf_ringbuf_query(&pt_events, BPF_RB_AVAIL_DATA) >=
			   ctl->wakeup_bytes)
		flags = BPF_RB_FORCE_WAKEUP;
	bpf_ringbuf_submit(e, flags);
	pt_count(PROCTRACE_CNT_EVENTS);
}

/* --- the tracepoints */

SEC("tp_btf/sched_process_fork")
int BPF_PROG(pt_fork, struct task_struct *parent, struct task_struct *child)
{
	struct proctrace_life life = {};
	struct proctrace_life_key key;
	struct proctrace_event *e;
	bool thread;
	u32 pf;

	pt_count(PROCTRACE_CNT_FORKS);
	thread = BPF_CORE_READ(child, pid) != BPF_CORE_READ(child, tgid);
	e = pt_ev_reserve(PROCTRACE_EVENT_FORK, child, PT_EV_SHORT);
	if (e) {
		struct mm_struct *mm = BPF_CORE_READ(child, mm);

		e->ppid = BPF_CORE_READ(child, real_parent, tgid);
		/*
		 * As the module: a vfork is a new process sharing its
		 * parent's address space (vfork_done is set after this).
		 */
		if (thread)
			e->kind = PROCTRACE_FORK_THREAD;
		else if (mm && mm == BPF_CORE_READ(parent, mm))
			e->kind = PROCTRACE_FORK_VFORK;
		else
			e->kind = PROCTRACE_FORK_PROCESS;
		pf = BPF_CORE_READ(child, flags);
		e->kernel_origin = !!(pf & (PT_PF_KTHREAD | PT_PF_IO_WORKER |
					    PT_PF_USER_WORKER));
		pt_ev_submit(e);
	}
	if (thread)
		return 0;
	key = pt_key_of(child);
	life.fork_ns = BPF_CORE_READ(child, start_boottime);
	life.orig_ppid = BPF_CORE_READ(child, real_parent, tgid);
	life.flags = PROCTRACE_LIFE_BORN;
	/* A full table drops the process for its whole life, counted once. */
	if (!bpf_map_update_elem(&pt_life, &key, &life, BPF_NOEXIST))
		pt_count(PROCTRACE_CNT_TABLE_ADDED);
	else
		pt_count(PROCTRACE_CNT_TABLE_DROPPED);
	return 0;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(pt_exec, struct task_struct *p, pid_t old_pid,
	     struct linux_binprm *bprm)
{
	struct proctrace_event *e;

	pt_count(PROCTRACE_CNT_EXECS);
	e = pt_ev_reserve(PROCTRACE_EVENT_EXEC, p,
			  sizeof(struct proctrace_event));
	if (e) {
		e->old_pid = old_pid;
		bpf_probe_read_kernel_str(e->file, sizeof(e->file),
					  BPF_CORE_READ(bprm, filename));
		pt_ev_submit(e);
	}
	return 0;
}

struct pt_orphan_walk {
	struct list_head *head;
	struct list_head *pos;
	u64 now;
};

/* One child of the dying process: stamp it orphaned (bpf_loop callback). */
static long pt_orphan_one(u64 index, void *ctx)
{
	struct pt_orphan_walk *w = ctx;
	struct list_head *next = NULL;
	struct task_struct *child;
	struct proctrace_life_key key;
	struct proctrace_life *life;

	if (w->pos == w->head)
		return 1;
	child = (void *)w->pos -
		bpf_core_field_offset(struct task_struct, sibling);
	key = pt_key_of(child);
	life = bpf_map_lookup_elem(&pt_life, &key);
	if (life) {
		life->orphaned_ns = w->now;
		life->flags |= PROCTRACE_LIFE_ORPHANED;
	}
	bpf_probe_read_kernel(&next, sizeof(next), &w->pos->next);
	if (!next || next == w->pos)
		return 1;
	w->pos = next;
	return 0;
}

/*
 * The status the parent will collect, as wait_task_zombie() computes it:
 * the group exit code after exit_group() or a fatal signal, else the
 * leader's own.
 */
static __always_inline int pt_group_exit_code(struct task_struct *p)
{
	if (BPF_CORE_READ(p, signal, flags) & PT_SIGNAL_GROUP_EXIT)
		return BPF_CORE_READ(p, signal, group_exit_code);
	return BPF_CORE_READ(p, group_leader, exit_code);
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(pt_exit, struct task_struct *p)
{
	struct pt_orphan_walk walk;
	struct proctrace_life_key key;
	struct proctrace_life *life;
	struct proctrace_event *e;
	bool dead;
	u64 now;

	pt_count(PROCTRACE_CNT_EXITS);
	/* do_exit() has counted this thread out of signal->live already. */
	dead = !BPF_CORE_READ(p, signal, live.counter);
	e = pt_ev_reserve(PROCTRACE_EVENT_EXIT, p, PT_EV_SHORT);
	if (e) {
		e->ppid = BPF_CORE_READ(p, real_parent, tgid);
		e->exit_code = BPF_CORE_READ(p, exit_code);
		e->group_dead = dead;
		e->runtime_ns = e->ts_ns - e->start_ns;
		pt_ev_submit(e);
	}
	if (!dead)
		return 0;
	now = bpf_ktime_get_boot_ns();
	key = pt_key_of(p);
	life = bpf_map_lookup_elem(&pt_life, &key);
	if (life) {
		life->exit_ns = now;
		life->exit_code = pt_group_exit_code(p);
		life->flags |= PROCTRACE_LIFE_EXITED;
	}
	/*
	 * The group's last thread: its children (every thread's, moved to
	 * it as the others exited) are about to be given to a reaper.
	 */
	walk.head = &p->children;
	walk.pos = BPF_CORE_READ(p, children.next);
	walk.now = now;
	bpf_loop(PT_MAX_CHILDREN, pt_orphan_one, &walk, 0);
	return 0;
}

SEC("tp_btf/sched_process_free")
int BPF_PROG(pt_free, struct task_struct *p)
{
	struct proctrace_life_key key;
	struct proctrace_event *e;

	pt_count(PROCTRACE_CNT_REAPS);
	if (BPF_CORE_READ(p, pid) != BPF_CORE_READ(p, tgid))
		return 0;
	key.pid = BPF_CORE_READ(p, tgid);
	key.pad = 0;
	key.start_ns = BPF_CORE_READ(p, start_boottime);
	if (bpf_map_delete_elem(&pt_life, &key))
		return 0;
	pt_count(PROCTRACE_CNT_TABLE_REMOVED);
	/* As the module: a reap record for each tracked process. */
	e = pt_ev_reserve(PROCTRACE_EVENT_REAP, p, PT_EV_SHORT);
	if (e)
		pt_ev_submit(e);
	return 0;
}

SEC("tp_btf/sched_process_wait")
int BPF_PROG(pt_wait, struct pid *pid)
{
	struct task_struct *cur = bpf_get_current_task_btf();
	struct proctrace_life_key key = pt_key_of(cur);
	struct proctrace_life *life;

	pt_count(PROCTRACE_CNT_WAITS);
	life = bpf_map_lookup_elem(&pt_life, &key);
	if (life)
		life->flags |= PROCTRACE_LIFE_WAITED;
	return 0;
}

/*
 * The load-time scan: run once by the loader after the tracepoints are
 * attached, it enters every live process the fork probe has not, with
 * its parent at load standing in for an unknown original parent.
 */
SEC("iter/task")
int pt_scan(struct bpf_iter__task *ctx)
{
	struct task_struct *t = ctx->task;
	struct proctrace_life life = {};
	struct proctrace_life_key key;

	if (!t || t->pid != t->tgid)
		return 0;
	key = pt_key_of(t);
	life.fork_ns = t->start_boottime;
	life.orig_ppid = BPF_CORE_READ(t, real_parent, tgid);
	switch (bpf_map_update_elem(&pt_life, &key, &life, BPF_NOEXIST)) {
	case 0:
		pt_count(PROCTRACE_CNT_TABLE_ADDED);
		break;
	case -PT_E2BIG:
		pt_count(PROCTRACE_CNT_TABLE_DROPPED);
		break;
	}
	return 0;
}

/* --- the files */

/* task_state_to_char(), as 7.3 computes it. */
static __always_inline char pt_state_letter(struct task_struct *t)
{
	const char letters[] = PROCTRACE_STATE_LETTERS;
	u32 st = BPF_CORE_READ(t, __state);
	u32 rep = (st | BPF_CORE_READ(t, exit_state)) & PT_TASK_REPORT;
	u32 i, idx = 0;

	if ((st & PT_TASK_IDLE) == PT_TASK_IDLE)
		rep = PT_TASK_REPORT_IDLE;
	if (st & (PT_TASK_RTLOCK_WAIT | PT_TASK_FROZEN))
		rep = PT_TASK_UNINTERRUPTIBLE;
	for (i = 0; i < 8; i++)
		if (rep & (1u << i))
			idx = i + 1;
	return letters[idx & 15];
}

/*
 * Escape a comm as abi.rst says: whitespace and backslash as \ooo. A loop
 * callback over the reader's scratch (below): the verifier walks one
 * character, and does not follow every output length, which it would on
 * the stack (7.3's verifier iterates a callback until its states repeat).
 */
#define PT_COMM_ESC (TASK_COMM_LEN * 4)

struct pt_comm {
	char in[TASK_COMM_LEN];
	char out[PT_COMM_ESC];
	u32 len;
};

/* bpf_loop()'s context must be on the stack: it holds the scratch's. */
struct pt_comm_walk {
	struct pt_comm *e;
};

static long pt_escape_one(u64 i, void *ctx)
{
	struct pt_comm *e = ((struct pt_comm_walk *)ctx)->e;
	char c = e->in[i & (TASK_COMM_LEN - 1)];

	if (!c || i >= TASK_COMM_LEN - 1)
		return 1;
	if (c == ' ' || c == '\\' || (c >= '\t' && c <= '\r')) {
		e->out[e->len & (PT_COMM_ESC - 1)] = '\\';
		e->out[(e->len + 1) & (PT_COMM_ESC - 1)] = '0' + ((c >> 6) & 3);
		e->out[(e->len + 2) & (PT_COMM_ESC - 1)] = '0' + ((c >> 3) & 7);
		e->out[(e->len + 3) & (PT_COMM_ESC - 1)] = '0' + (c & 7);
		e->len += 4;
	} else {
		e->out[e->len & (PT_COMM_ESC - 1)] = c;
		e->len++;
	}
	return 0;
}

/* At most 15 characters of 4 bytes: out never wraps. */
static __always_inline const char *pt_escape_comm(struct task_struct *t,
						  struct pt_comm *e)
{
	struct pt_comm_walk walk = { .e = e };

	e->len = 0;
	BPF_CORE_READ_STR_INTO(&e->in, t, comm);
	bpf_loop(TASK_COMM_LEN, pt_escape_one, &walk, 0);
	e->out[e->len & (PT_COMM_ESC - 1)] = '\0';
	return e->out;
}

#define PT_SYM_LEN 128
#define PT_NAME_LEN 64

struct pt_kfunc {
	char func[PT_NAME_LEN];
	char module[PT_NAME_LEN];
	char sym[PT_SYM_LEN];
	u32 nf, nm, part; /* part: 0 func, 1 " [", 2 module, 3 done */
	unsigned long cpus[PT_MAX_CPU_WORDS];
};

/*
 * The reader's scratch, too big for the 512-byte stack: task-local
 * storage of the task that reads, created on its first read and freed
 * with it. Private to that reader whatever runs beside it on the same CPU
 * (a per-CPU buffer is not, on preemptible kernels).
 */
struct pt_scratch {
	struct pt_kfunc kf;
	struct pt_comm comm;
};

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct pt_scratch);
} pt_scratch SEC(".maps");

/* NULL only when the kernel has no memory for it. */
static __always_inline struct pt_scratch *pt_scratch_get(void)
{
	return bpf_task_storage_get(&pt_scratch, bpf_get_current_task_btf(),
				    NULL, BPF_LOCAL_STORAGE_GET_F_CREATE);
}

static __always_inline void pt_header(struct seq_file *seq, const char *file,
				      const char *columns)
{
	u64 version = PROCTRACE_ABI_VERSION;

	if (columns[0])
		BPF_SEQ_PRINTF(seq, PROCTRACE_HEADER_PREFIX " %s v%llu: %s\n",
			       file, version, columns);
	else
		BPF_SEQ_PRINTF(seq, PROCTRACE_HEADER_PREFIX " %s v%llu\n", file,
			       version);
}

/*
 * A comma-separated list of tokens ("-" when empty), printed with one
 * "%s" per possible token: each argument is the token, the token after a
 * comma, or "". Building a string instead would make the verifier follow
 * every combination of lengths.
 */
#define PT_LIST_MAX 8

struct pt_list {
	u64 arg[PT_LIST_MAX];
	u32 n;
};

/* tok is ",token": the first token is printed without its comma. */
static __always_inline void pt_list_add(struct pt_list *l, bool on,
					const char *tok)
{
	if (!on)
		return;
	l->arg[l->n & (PT_LIST_MAX - 1)] = (u64)(l->n ? tok : tok + 1);
	l->n++;
}

static __always_inline long pt_list_print(struct seq_file *seq,
					  struct pt_list *l)
{
	static const char fmt[] = "%s%s%s%s%s%s%s%s";
	const char *none = "-", *nothing = "";
	u32 i;

	if (!l->n)
		l->arg[l->n++] = (u64)none;
	for (i = 0; i < PT_LIST_MAX; i++)
		if (i >= l->n)
			l->arg[i] = (u64)nothing;
	return bpf_seq_printf(seq, fmt, sizeof(fmt), l->arg, sizeof(l->arg));
}

SEC("iter/task")
int pt_tasks(struct bpf_iter__task *ctx)
{
	struct seq_file *seq = ctx->meta->seq;
	struct task_struct *t = ctx->task;
	struct pt_list flags = {};
	struct pt_scratch *sc;
	u32 pf;

	if (ctx->meta->seq_num == 0)
		pt_header(seq, PROCTRACE_FILE_TASKS, PROCTRACE_COLUMNS_TASKS);
	if (!t)
		return 0;
	/* 1: the read() fails (EAGAIN) rather than drop a line. */
	sc = pt_scratch_get();
	if (!sc)
		return 1;
	pf = t->flags;
	/* abi.rst's order. */
	pt_list_add(&flags, t->pid == t->tgid, "," PROCTRACE_FLAG_LEADER);
	pt_list_add(&flags, pf & PT_PF_KTHREAD, "," PROCTRACE_FLAG_KTHREAD);
	pt_list_add(&flags, pf & PT_PF_EXITING, "," PROCTRACE_FLAG_EXITING);
	pt_list_add(&flags, pf & PT_PF_IO_WORKER, "," PROCTRACE_FLAG_IO_WORKER);
	pt_list_add(&flags, pf & PT_PF_USER_WORKER,
		    "," PROCTRACE_FLAG_USER_WORKER);
	pt_list_add(&flags, pf & PT_PF_WQ_WORKER, "," PROCTRACE_FLAG_WQ_WORKER);
	BPF_SEQ_PRINTF(seq, "%d %d %d %c ", t->pid, t->tgid,
		       BPF_CORE_READ(t, real_parent, tgid), pt_state_letter(t));
	pt_list_print(seq, &flags);
	BPF_SEQ_PRINTF(seq, " %d %llu %s\n",
		       BPF_CORE_READ(t, signal, nr_threads), t->start_boottime,
		       pt_escape_comm(t, &sc->comm));
	return 0;
}

/*
 * The index of a word's lowest set bit, by de Bruijn multiplication: no
 * branches, so the verifier does not follow 64 paths (and clang 14 cannot
 * lower __builtin_ctzl() for BPF).
 */
#define PT_DEBRUIJN64 0x03f79d71b4cb0a89ULL

const volatile __u8 pt_debruijn_index[64] = {
	0,  1,	48, 2,	57, 49, 28, 3,	61, 58, 50, 42, 38, 29, 17, 4,
	62, 55, 59, 36, 53, 51, 43, 22, 45, 39, 33, 30, 24, 18, 12, 5,
	63, 47, 56, 27, 60, 41, 37, 16, 54, 35, 52, 21, 44, 32, 23, 11,
	46, 26, 40, 15, 34, 20, 31, 10, 25, 14, 19, 9,	13, 8,	7,  6,
};

/*
 * The thread function and its module, from "%ps" ("fn" or "fn [mod]").
 * A kernel thread exec'ing a user-mode helper frees its struct kthread
 * (begin_new_exec()), so the pointer read may be stale: the probe read
 * cannot fault, and a value that is no symbol ("0x...") prints "-".
 */
/*
 * The one CPU a task may run on, or -1. Its cpumask is copied into the
 * scratch first: a task pointer takes no variable offset on older
 * verifiers (6.1).
 */
struct pt_cpu_walk {
	struct pt_kfunc *kf;
	int cpu;
};

static long pt_cpu_word(u64 w, void *ctx)
{
	struct pt_cpu_walk *walk = ctx;
	unsigned long word;

	if (w * 64 >= pt_nr_cpus || w >= PT_MAX_CPU_WORDS)
		return 1;
	word = walk->kf->cpus[w & (PT_MAX_CPU_WORDS - 1)];
	if (!word)
		return 0;
	walk->cpu = w * 64 +
		    pt_debruijn_index[((word & -word) * PT_DEBRUIJN64) >> 58];
	return 1;
}

static __always_inline int pt_only_cpu(struct task_struct *t,
				       struct pt_kfunc *kf)
{
	struct pt_cpu_walk walk = { .kf = kf, .cpu = -1 };
	u32 size = bpf_core_type_size(struct cpumask);

	if (BPF_CORE_READ(t, nr_cpus_allowed) != 1)
		return -1;
	__builtin_memset(kf->cpus, 0, sizeof(kf->cpus));
	bpf_probe_read_kernel(kf->cpus,
			      size < sizeof(kf->cpus) ? size : sizeof(kf->cpus),
			      &t->cpus_mask);
	bpf_loop(PT_MAX_CPU_WORDS, pt_cpu_word, &walk, 0);
	return walk.cpu;
}

/*
 * Split "fn [mod]" one character at a time (bpf_loop callback, whose
 * context must be on the stack: it holds the scratch's address).
 */
struct pt_sym_walk {
	struct pt_kfunc *kf;
};

static long pt_sym_char(u64 i, void *ctx)
{
	struct pt_kfunc *kf = ((struct pt_sym_walk *)ctx)->kf;
	char c = kf->sym[i & (PT_SYM_LEN - 1)];

	if (!c || i >= PT_SYM_LEN)
		return 1;
	switch (kf->part) {
	case 0:
		if (c == ' ') {
			kf->part = 1;
			break;
		}
		if (kf->nf < PT_NAME_LEN - 1)
			kf->func[kf->nf++ & (PT_NAME_LEN - 1)] = c;
		break;
	case 1:
		kf->part = c == '[' ? 2 : 3;
		break;
	case 2:
		if (c == ']' || c == ' ') {
			kf->part = 3;
			break;
		}
		if (kf->nm < PT_NAME_LEN - 1)
			kf->module[kf->nm++ & (PT_NAME_LEN - 1)] = c;
		break;
	default:
		return 1;
	}
	return 0;
}

static __always_inline void pt_kthread_func(struct task_struct *t,
					    struct pt_kfunc *kf)
{
	struct pt_sym_walk walk = { .kf = kf };
	struct kthread *kt = NULL;
	void *fn = NULL;

	kf->nf = 0;
	kf->nm = 0;
	kf->part = 0;
	if (!(BPF_CORE_READ(t, flags) & PT_PF_KTHREAD))
		goto out;
	bpf_probe_read_kernel(&kt, sizeof(kt), &t->worker_private);
	if (!kt)
		goto out;
	bpf_probe_read_kernel(&fn, sizeof(fn), &kt->threadfn);
	if (!fn)
		goto out;
	if (BPF_SNPRINTF(kf->sym, sizeof(kf->sym), "%ps", fn) <= 0)
		goto out;
	if (kf->sym[0] == '0' && kf->sym[1] == 'x')
		goto out;
	bpf_loop(PT_SYM_LEN, pt_sym_char, &walk, 0);
out:
	if (!kf->nf)
		kf->func[kf->nf++] = '-';
	kf->func[kf->nf & (PT_NAME_LEN - 1)] = '\0';
	if (!kf->nm)
		kf->module[kf->nm++] = '-';
	kf->module[kf->nm & (PT_NAME_LEN - 1)] = '\0';
}

SEC("iter/task")
int pt_kthreads(struct bpf_iter__task *ctx)
{
	struct seq_file *seq = ctx->meta->seq;
	struct task_struct *t = ctx->task;
	struct pt_list class = {};
	struct pt_scratch *sc;
	struct pt_kfunc *kf;
	int ppid, cpu;
	char state;
	u32 pf;

	if (ctx->meta->seq_num == 0)
		pt_header(seq, PROCTRACE_FILE_KTHREADS,
			  PROCTRACE_COLUMNS_KTHREADS);
	if (!t)
		return 0;
	pf = t->flags;
	if (!(pf & (PT_PF_KTHREAD | PT_PF_IO_WORKER | PT_PF_USER_WORKER)))
		return 0;
	sc = pt_scratch_get();
	if (!sc)
		return 1;
	kf = &sc->kf;
	ppid = BPF_CORE_READ(t, real_parent, tgid);
	state = pt_state_letter(t);
	cpu = pt_only_cpu(t, kf);
	/* abi.rst's order. */
	pt_list_add(&class,
		    pf & PT_PF_KTHREAD && !BPF_CORE_READ(t, real_parent, pid),
		    "," PROCTRACE_KCLASS_KTHREADD);
	pt_list_add(&class, cpu >= 0 && pf & PT_PF_NO_SETAFFINITY,
		    "," PROCTRACE_KCLASS_PERCPU);
	pt_list_add(&class, pf & PT_PF_WQ_WORKER, "," PROCTRACE_KCLASS_WORKER);
	pt_list_add(&class, state == 'P', "," PROCTRACE_KCLASS_PARKED);
	pt_list_add(&class, state == 'I', "," PROCTRACE_KCLASS_IDLE);
	pt_list_add(&class, pf & PT_PF_IO_WORKER,
		    "," PROCTRACE_KCLASS_IO_WORKER);
	pt_list_add(&class, pf & PT_PF_USER_WORKER,
		    "," PROCTRACE_KCLASS_USER_WORKER);
	pt_list_add(&class, !class.n, "," PROCTRACE_KCLASS_OTHER);
	pt_kthread_func(t, kf);
	if (cpu >= 0)
		BPF_SEQ_PRINTF(seq, "%d %d %c %d ", t->pid, ppid, state, cpu);
	else
		BPF_SEQ_PRINTF(seq, "%d %d %c - ", t->pid, ppid, state);
	pt_list_print(seq, &class);
	BPF_SEQ_PRINTF(seq, " %s %s %s\n", kf->func, kf->module,
		       pt_escape_comm(t, &sc->comm));
	return 0;
}

/* The child_reaper of the task's own pid namespace. */
static __always_inline struct task_struct *pt_ns_reaper(struct task_struct *t)
{
	struct pid *pid = BPF_CORE_READ(t, thread_pid);
	unsigned int level = BPF_CORE_READ(pid, level);
	struct upid up = {};

	if (level > 32)
		return NULL;
	bpf_probe_read_kernel(&up, sizeof(up), &pid->numbers[level]);
	return BPF_CORE_READ(up.ns, child_reaper);
}

/* A live process whose parent process died after load (abi.rst). */
static __always_inline struct proctrace_life *
pt_orphan_life(struct task_struct *t)
{
	struct proctrace_life_key key;
	struct proctrace_life *life;

	if (t->pid != t->tgid || t->exit_state)
		return NULL;
	key = pt_key_of(t);
	life = bpf_map_lookup_elem(&pt_life, &key);
	if (!life || !(life->flags & PROCTRACE_LIFE_ORPHANED))
		return NULL;
	return life;
}

SEC("iter/task")
int pt_orphans(struct bpf_iter__task *ctx)
{
	struct seq_file *seq = ctx->meta->seq;
	struct task_struct *t = ctx->task;
	struct task_struct *reaper, *init;
	struct proctrace_life *life;
	struct pt_scratch *sc;
	const char *kind;

	if (ctx->meta->seq_num == 0)
		pt_header(seq, PROCTRACE_FILE_ORPHANS,
			  PROCTRACE_COLUMNS_ORPHANS);
	if (!t)
		return 0;
	life = pt_orphan_life(t);
	if (!life)
		return 0;
	sc = pt_scratch_get();
	if (!sc)
		return 1;
	reaper = BPF_CORE_READ(t, real_parent);
	init = pt_ns_reaper(t);
	kind = init && BPF_CORE_READ(init, tgid) ==
				       BPF_CORE_READ(reaper, tgid) ?
		       PROCTRACE_REAPER_INIT :
		       PROCTRACE_REAPER_SUBREAPER;
	pt_escape_comm(t, &sc->comm);
	if (life->flags & PROCTRACE_LIFE_BORN)
		BPF_SEQ_PRINTF(seq, "%d %u %d %s %llu %s\n", t->pid,
			       life->orig_ppid, BPF_CORE_READ(reaper, tgid),
			       kind, life->orphaned_ns, sc->comm.out);
	else
		BPF_SEQ_PRINTF(seq, "%d unknown %d %s %llu %s\n", t->pid,
			       BPF_CORE_READ(reaper, tgid), kind,
			       life->orphaned_ns, sc->comm.out);
	return 0;
}

/*
 * stats counts over the whole walk and prints at its end (the call with no
 * task). The count belongs to the open file: it is kept under its
 * seq_file's address, reset by the walk's first call. If what the last
 * call prints does not fit, bpf_iter calls it again on the next read(),
 * so the count is only dropped once it was printed whole; a reader that
 * closes early leaves it to the LRU.
 */
struct pt_stats_walk {
	u64 processes;
	u64 threads;
	u64 kthreads;
	u64 zombies;
	u64 orphans;
	u64 state[sizeof(PROCTRACE_STATE_LETTERS) - 1];
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, u64);
	__type(value, struct pt_stats_walk);
} pt_stats_walks SEC(".maps");

struct pt_sum {
	struct proctrace_counters total;
};

static long pt_sum_cpu(u64 cpu, void *ctx)
{
	struct pt_sum *sum = ctx;
	struct proctrace_counters *c;
	u32 zero = 0;
	int i;

	if (cpu >= pt_nr_cpus)
		return 1;
	c = bpf_map_lookup_percpu_elem(&pt_counters, &zero, cpu);
	if (!c)
		return 0;
	for (i = 0; i < PROCTRACE_CNT_MAX; i++)
		sum->total.c[i] += c->c[i];
	return 0;
}

SEC("iter/task")
int pt_stats(struct bpf_iter__task *ctx)
{
	const char letters[] = PROCTRACE_STATE_LETTERS;
	struct seq_file *seq = ctx->meta->seq;
	struct task_struct *t = ctx->task;
	struct pt_stats_walk *w, zero = {};
	u64 key = (u64)seq, *c;
	struct pt_sum sum = {};
	u64 used;
	char state;
	long err = 0;
	int i;

	if (ctx->meta->seq_num == 0)
		bpf_map_update_elem(&pt_stats_walks, &key, &zero, BPF_ANY);
	w = bpf_map_lookup_elem(&pt_stats_walks, &key);
	if (!w)
		return 0;
	if (t) {
		w->threads++;
		if (t->flags & PT_PF_KTHREAD)
			w->kthreads++;
		state = pt_state_letter(t);
		for (i = 0; i < sizeof(letters) - 1; i++)
			if (letters[i] == state)
				w->state[i]++;
		if (t->pid != t->tgid)
			return 0;
		w->processes++;
		if (t->exit_state & PT_EXIT_ZOMBIE)
			w->zombies++;
		if (pt_orphan_life(t))
			w->orphans++;
		return 0;
	}

	bpf_loop(PT_MAX_CPUS, pt_sum_cpu, &sum, 0);
	c = sum.total.c;
	pt_header(seq, PROCTRACE_FILE_STATS, "");
	err |= BPF_SEQ_PRINTF(seq,
			      "processes %llu\nthreads %llu\nkthreads %llu\n",
			      w->processes, w->threads, w->kthreads);
	for (i = 0; i < sizeof(letters) - 1; i++)
		err |= BPF_SEQ_PRINTF(seq, "state_%c %llu\n", letters[i],
				      w->state[i]);
	err |= BPF_SEQ_PRINTF(seq, "zombies %llu\norphans %llu\n", w->zombies,
			      w->orphans);
	err |= BPF_SEQ_PRINTF(seq, "forks %llu\nexecs %llu\nexits %llu\n",
			      c[PROCTRACE_CNT_FORKS], c[PROCTRACE_CNT_EXECS],
			      c[PROCTRACE_CNT_EXITS]);
	err |= BPF_SEQ_PRINTF(seq, "reaps %llu\nwaits %llu\n",
			      c[PROCTRACE_CNT_REAPS], c[PROCTRACE_CNT_WAITS]);
	err |= BPF_SEQ_PRINTF(seq, "events %llu\nevents_lost %llu\n",
			      c[PROCTRACE_CNT_EVENTS],
			      c[PROCTRACE_CNT_EVENTS_LOST]);
	used = c[PROCTRACE_CNT_TABLE_ADDED] - c[PROCTRACE_CNT_TABLE_REMOVED];
	err |= BPF_SEQ_PRINTF(seq, "table_dropped %llu\ntable_used %llu\n",
			      c[PROCTRACE_CNT_TABLE_DROPPED], used);
	err |= BPF_SEQ_PRINTF(seq, "table_size %u\n", pt_table_size);
	if (!err)
		bpf_map_delete_elem(&pt_stats_walks, &key);
	return 0;
}
