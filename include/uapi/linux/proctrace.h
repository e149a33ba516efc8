/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * proctrace: the contract between proctrace.ko and its users.
 *
 * Every file under /proc/proctrace/ starts with a header line
 *
 *	# proctrace <file> v<PROCTRACE_ABI_VERSION>[: <column> ...]
 *
 * and Documentation/abi.rst gives the exact format of each file. A parser
 * must refuse a version it does not know. The version changes whenever the
 * format of an existing file changes; adding a file does not change it.
 */
#ifndef _UAPI_LINUX_PROCTRACE_H
#define _UAPI_LINUX_PROCTRACE_H

/* BPF programs take these types from the generated vmlinux.h instead. */
#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define PROCTRACE_ABI_VERSION 2

/* Directory under /proc, and the files in it. */
#define PROCTRACE_PROC_DIR "proctrace"
#define PROCTRACE_FILE_TREE "tree"
#define PROCTRACE_FILE_TASKS "tasks"
#define PROCTRACE_FILE_STATS "stats"
#define PROCTRACE_FILE_KTHREADS "kthreads"
#define PROCTRACE_FILE_ZOMBIES "zombies"
#define PROCTRACE_FILE_ORPHANS "orphans"
#define PROCTRACE_FILE_EVENTS "events"

/* The first token of every header line. */
#define PROCTRACE_HEADER_PREFIX "# proctrace"

/* The columns a file's header line names after the version. */
#define PROCTRACE_COLUMNS_TREE "pid state threads comm [tags]"
#define PROCTRACE_COLUMNS_TASKS \
	"pid tgid ppid state flags threads start_ns comm"
#define PROCTRACE_COLUMNS_KTHREADS "pid ppid state cpu class func module comm"
#define PROCTRACE_COLUMNS_ORPHANS \
	"pid orig_ppid reaper reaper_kind orphaned_ns comm"

/* Where "proctrace bpf load" pins the BPF backend's files. */
#define PROCTRACE_BPF_DIR "/sys/fs/bpf/proctrace"

/*
 * The BPF backend's lifecycle table, pinned as PROCTRACE_BPF_DIR "/"
 * PROCTRACE_BPF_LIFECYCLE: a hash map from a process's identity to what
 * the probes saw of it, as the module's lifecycle table (abi.rst). The CLI
 * reads it to build "zombies", which the backend does not pin.
 */
#define PROCTRACE_BPF_LIFECYCLE "lifecycle"

struct proctrace_life_key {
	__u32 pid; /* tgid in the initial pid namespace */
	__u32 pad; /* zero */
	__u64 start_ns; /* the leader's start_boottime */
};

/* proctrace_life.flags */
#define PROCTRACE_LIFE_BORN 0x1 /* forked after load: orig_ppid is known */
#define PROCTRACE_LIFE_EXITED 0x2 /* the group died after load */
#define PROCTRACE_LIFE_WAITED 0x4 /* it called wait*() after load */
#define PROCTRACE_LIFE_ORPHANED 0x8 /* its parent process died after load */

struct proctrace_life {
	__u64 fork_ns; /* start_boottime */
	__u64 exit_ns; /* CLOCK_BOOTTIME when its last thread exited */
	__u64 orphaned_ns; /* CLOCK_BOOTTIME when its parent process died */
	__u32 orig_ppid; /* tgid of the forking process, initial namespace */
	__u32 flags;
	__s32 exit_code; /* as wait(2) encodes it */
	__u32 pad;
};

/*
 * Task states, as the kernel's task_state_to_char() spells them and
 * /proc/PID/stat prints them. "stats" has one state_<letter> line per
 * letter, in this order.
 */
#define PROCTRACE_STATE_LETTERS "RSDTtXZPI"

/* Tokens of the flags column in "tasks" (comma separated, "-" for none). */
#define PROCTRACE_FLAG_KTHREAD "kthread"
#define PROCTRACE_FLAG_EXITING "exiting"
#define PROCTRACE_FLAG_IO_WORKER "io_worker"
#define PROCTRACE_FLAG_USER_WORKER "user_worker"
#define PROCTRACE_FLAG_WQ_WORKER "wq_worker"
#define PROCTRACE_FLAG_LEADER "leader"

/* Tags that may follow the comm in "tree". */
#define PROCTRACE_TAG_ZOMBIE "zombie"
#define PROCTRACE_TAG_KTHREAD "kthread"

/* Tokens of the class column in "kthreads" (comma separated). */
#define PROCTRACE_KCLASS_KTHREADD "kthreadd"
#define PROCTRACE_KCLASS_PERCPU "percpu"
#define PROCTRACE_KCLASS_WORKER "worker"
#define PROCTRACE_KCLASS_PARKED "parked"
#define PROCTRACE_KCLASS_IDLE "idle"
#define PROCTRACE_KCLASS_IO_WORKER "io_worker"
#define PROCTRACE_KCLASS_USER_WORKER "user_worker"
#define PROCTRACE_KCLASS_OTHER "other"

/* Event types in the "events" stream (third field of a record). */
#define PROCTRACE_EV_FORK "fork"
#define PROCTRACE_EV_EXEC "exec"
#define PROCTRACE_EV_EXIT "exit"
#define PROCTRACE_EV_REAP "reap"
#define PROCTRACE_EV_LOST "lost"

/* A read() of "events" with a buffer this large always makes progress. */
#define PROCTRACE_EVENT_LINE_MAX 4096

/* Exec file names in "events" are cut to this many bytes. */
#define PROCTRACE_FILENAME_MAX 191

/*
 * The signals exit decoding names ("killed(SIGKILL)"), as <signal.h>
 * spells them; others are "SIGRTMIN+N" from the kernel's SIGRTMIN (32),
 * or "SIG<number>".
 */
/* clang-format off */
#define PROCTRACE_SIGNALS(X)						\
	X(SIGHUP) X(SIGINT) X(SIGQUIT) X(SIGILL) X(SIGTRAP) X(SIGABRT)	\
	X(SIGBUS) X(SIGFPE) X(SIGKILL) X(SIGUSR1) X(SIGSEGV) X(SIGUSR2)	\
	X(SIGPIPE) X(SIGALRM) X(SIGTERM) X(SIGSTKFLT) X(SIGCHLD)	\
	X(SIGCONT) X(SIGSTOP) X(SIGTSTP) X(SIGTTIN) X(SIGTTOU) X(SIGURG)	\
	X(SIGXCPU) X(SIGXFSZ) X(SIGVTALRM) X(SIGPROF) X(SIGWINCH)	\
	X(SIGIO) X(SIGPWR) X(SIGSYS)
/* clang-format on */
#define PROCTRACE_SIGRTMIN 32

/* Kinds of zombie in the "zombies" view. */
#define PROCTRACE_ZOMBIE_UNREAPED "unreaped"
#define PROCTRACE_ZOMBIE_THREAD_GROUP "thread_group"

/* reaper_kind in the "orphans" view. */
#define PROCTRACE_REAPER_INIT "init"
#define PROCTRACE_REAPER_SUBREAPER "subreaper"
#define PROCTRACE_REAPER_OTHER "other"

/*
 * The BPF backend's event stream: a BPF ring buffer pinned as
 * PROCTRACE_BPF_DIR "/" PROCTRACE_BPF_EVENTS, with one consumer at a time
 * (the CLI, which takes PROCTRACE_BPF_EVENTS_LOCK first). Records are
 * written only while PROCTRACE_BPF_CONTROL's readers is non-zero. Every
 * record takes the next sequence number, written or not: a record the
 * ring had no room for leaves a gap, and counts in "events_lost".
 */
#define PROCTRACE_BPF_EVENTS "events_ring"
#define PROCTRACE_BPF_EVENTS_LOCK "/run/proctrace-bpf-events.lock"
#define PROCTRACE_BPF_CONTROL "control"
#define PROCTRACE_BPF_COUNTERS "counters"

/*
 * The BPF backend's counters (pinned as PROCTRACE_BPF_COUNTERS): a per-CPU
 * array of one struct proctrace_counters, whose sums "stats" prints.
 */
enum proctrace_counter {
	PROCTRACE_CNT_FORKS,
	PROCTRACE_CNT_EXECS,
	PROCTRACE_CNT_EXITS,
	PROCTRACE_CNT_REAPS,
	PROCTRACE_CNT_WAITS,
	PROCTRACE_CNT_EVENTS,
	PROCTRACE_CNT_EVENTS_LOST,
	PROCTRACE_CNT_TABLE_DROPPED,
	PROCTRACE_CNT_TABLE_ADDED,
	PROCTRACE_CNT_TABLE_REMOVED,
	PROCTRACE_CNT_MAX
};

struct proctrace_counters {
	__u64 c[PROCTRACE_CNT_MAX];
};

struct proctrace_control {
	__u32 readers; /* records are written while non-zero */
	__u32 wakeup_bytes; /* wake the consumer once this much is queued */
};

enum proctrace_event_type {
	PROCTRACE_EVENT_FORK = 1,
	PROCTRACE_EVENT_EXEC,
	PROCTRACE_EVENT_EXIT,
	PROCTRACE_EVENT_REAP,
};

/* proctrace_event.kind, of a fork */
enum proctrace_fork_kind {
	PROCTRACE_FORK_PROCESS,
	PROCTRACE_FORK_THREAD,
	PROCTRACE_FORK_VFORK,
};

/*
 * One record, in the fields and meanings of abi.rst's "events"; pids are
 * those of the initial pid namespace. Records other than exec end before
 * file.
 */
struct proctrace_event {
	__u64 seq;
	__u64 ts_ns; /* CLOCK_BOOTTIME */
	__u64 start_ns; /* the subject task's start_boottime */
	__u64 runtime_ns; /* exit */
	__u32 type; /* enum proctrace_event_type */
	__s32 pid;
	__s32 tgid;
	__s32 ppid; /* fork, exit */
	__s32 old_pid; /* exec */
	__s32 exit_code; /* exit, as wait(2) encodes it */
	__u8 kind; /* fork: enum proctrace_fork_kind */
	__u8 kernel_origin; /* fork */
	__u8 group_dead; /* exit */
	__u8 pad;
	char comm[16];
	char file[PROCTRACE_FILENAME_MAX + 1]; /* exec */
};

#endif /* _UAPI_LINUX_PROCTRACE_H */
