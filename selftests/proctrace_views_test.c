// SPDX-License-Identifier: GPL-2.0-only
/*
 * Every /proc/proctrace view against ground truth the kernel gives
 * independently: /proc/PID/task/TID/{stat,status,comm}, ps and pstree.
 *
 * The fixture builds a known topology under the test process: a chain of
 * CHAIN_DEPTH processes, a fan of FAN_WIDTH children under one parent, a
 * process with NTHREADS named threads, a stopped (T), a traced (t) and a
 * zombie (Z) child, and two orphans, one reparented to the test process as
 * child subreaper and one to whatever reaps orphans above it (usually
 * init). Every helper reports over a pipe once it is in place and then
 * blocks reading a "release" pipe whose only writer is the test process, so
 * all of them go away by themselves when the test process exits, however
 * it exits.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <dirent.h>
#include <unistd.h>

/*
 * kselftest_harness.h is not -Wextra clean: its SIGALRM handler has an
 * unused parameter, and whether the setjmp() in the wrapper that TEST_F()
 * expands to trips -Wclobbered depends on inlining. Neither is about code
 * written here.
 */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include "kselftest_harness.h"
#pragma GCC diagnostic pop
#pragma GCC diagnostic ignored "-Wclobbered"

#include "proctrace_selftests.h"

#define CHAIN_DEPTH 5
#define FAN_WIDTH 50
#define NTHREADS 8
#define MAX_PROCS (CHAIN_DEPTH + FAN_WIDTH + 8)
#define NMSGS (CHAIN_DEPTH + 1 + FAN_WIDTH + 1 + NTHREADS + 1 + 2)
/* Generous: the tests also run under QEMU without acceleration. */
#define WAIT_MS (180 * 1000)
#define TEST_TIMEOUT 400
#define SCAN_ATTEMPTS 5

enum role {
	ROLE_CHAIN,
	ROLE_FANROOT,
	ROLE_FAN,
	ROLE_THREADS,
	ROLE_THREAD,
	ROLE_STOPPED,
	ROLE_ORPHAN_SUB,
	ROLE_ORPHAN_INIT,
	ROLE_SNAP,
};

/*
 * Every byte abi.rst escapes, parentheses that trip naive /proc/PID/stat
 * parsers, and the 15-byte maximum.
 */
static const char *const thread_names[NTHREADS] = {
	"a b\\c", "tab\there",	   "nl\nend",	      "               ",
	"x) (y",  "back\\\\slash", "0123456789abcde", "pt_thread_7",
};

struct topo_proc {
	pid_t pid;
	pid_t parent;
	int threads;
	char state;
	char comm[PT_COMM_LEN];
};

struct topo {
	pid_t me;
	int release_r;
	int release_w;
	int ready_r;
	int ready_w;
	pid_t chain[CHAIN_DEPTH];
	pid_t fanroot;
	pid_t fan[FAN_WIDTH];
	pid_t threads;
	pid_t tids[NTHREADS];
	pid_t stopped;
	pid_t traced;
	pid_t zombie;
	pid_t middle_sub;
	pid_t orphan_sub;
	pid_t middle_init;
	pid_t orphan_init;
	struct topo_proc procs[MAX_PROCS];
	int nprocs;
	char why[256];
};

FIXTURE(topo)
{
	struct topo tp;
};

/*
 * A helper that kept the write end of the release pipe would never see
 * EOF, so this comes first in every forked helper.
 */
static void child_enter(struct topo *tp, const char *name)
{
	close(tp->release_w);
	close(tp->ready_r);
	prctl(PR_SET_NAME, name);
}

static void __noreturn chain_node(struct topo *tp, int depth)
{
	pid_t next = 0;
	char name[32];

	snprintf(name, sizeof(name), "pt_chain%d", depth);
	prctl(PR_SET_NAME, name);
	if (depth + 1 < CHAIN_DEPTH) {
		next = fork();
		if (!next)
			chain_node(tp, depth + 1);
	}
	pt_send_msg(tp->ready_w, ROLE_CHAIN, depth, next < 0 ? errno : 0);
	pt_wait_eof(tp->release_r);
	if (next > 0)
		waitpid(next, NULL, 0);
	_exit(0);
}

static void __noreturn fan_root(struct topo *tp)
{
	int i, err = 0;
	pid_t pid;

	for (i = 0; i < FAN_WIDTH && !err; i++) {
		pid = fork();
		if (!pid) {
			prctl(PR_SET_NAME, "pt_fan");
			pt_send_msg(tp->ready_w, ROLE_FAN, i, 0);
			pt_wait_eof(tp->release_r);
			_exit(0);
		}
		if (pid < 0)
			err = errno;
	}
	pt_send_msg(tp->ready_w, ROLE_FANROOT, 0, err);
	pt_wait_eof(tp->release_r);
	while (wait(NULL) > 0)
		;
	_exit(0);
}

struct thread_arg {
	struct topo *tp;
	int index;
};

static void *named_thread(void *p)
{
	struct thread_arg *arg = p;

	prctl(PR_SET_NAME, thread_names[arg->index]);
	pt_send_msg(arg->tp->ready_w, ROLE_THREAD, arg->index, 0);
	pt_wait_eof(arg->tp->release_r);
	return NULL;
}

static void __noreturn threads_proc(struct topo *tp)
{
	struct thread_arg args[NTHREADS];
	pthread_t th;
	int i, err;

	for (i = 0; i < NTHREADS; i++) {
		args[i].tp = tp;
		args[i].index = i;
		err = pthread_create(&th, NULL, named_thread, &args[i]);
		if (err) {
			pt_send_msg(tp->ready_w, ROLE_THREADS, 0, err);
			_exit(1);
		}
	}
	pt_send_msg(tp->ready_w, ROLE_THREADS, 0, 0);
	pt_wait_eof(tp->release_r);
	_exit(0);
}

/*
 * The stopped and traced helpers never read the release pipe, so they die
 * with the test process instead.
 */
static int die_with_parent(pid_t parent)
{
	if (prctl(PR_SET_PDEATHSIG, SIGKILL))
		return -1;
	return getppid() == parent ? 0 : -1;
}

static int fail(struct topo *tp, const char *what, int err)
{
	snprintf(tp->why, sizeof(tp->why), "%s: %s", what,
		 err ? strerror(err) : pt_errmsg());
	return -1;
}

/*
 * The middle process exits right after forking, so the orphan's new parent
 * is settled once waitpid() has reaped the middle one.
 */
static int make_orphan(struct topo *tp, int role, const char *name,
		       pid_t *middle)
{
	int status;
	pid_t pid;

	*middle = fork();
	if (*middle < 0)
		return fail(tp, "fork middle", errno);
	if (!*middle) {
		child_enter(tp, "pt_middle");
		pid = fork();
		if (!pid) {
			prctl(PR_SET_NAME, name);
			pt_send_msg(tp->ready_w, role, 0, 0);
			pt_wait_eof(tp->release_r);
			_exit(0);
		}
		_exit(pid < 0 ? 1 : 0);
	}
	if (waitpid(*middle, &status, 0) != *middle)
		return fail(tp, "waitpid middle", errno);
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		return fail(tp, "middle could not fork the orphan", EAGAIN);
	return 0;
}

static int fork_helpers(struct topo *tp)
{
	pid_t pid;

	pid = fork();
	if (!pid) {
		child_enter(tp, "pt_chain0");
		chain_node(tp, 0);
	}
	if (pid < 0)
		return fail(tp, "fork chain", errno);
	tp->chain[0] = pid;

	pid = fork();
	if (!pid) {
		child_enter(tp, "pt_fanroot");
		fan_root(tp);
	}
	if (pid < 0)
		return fail(tp, "fork fan root", errno);
	tp->fanroot = pid;

	pid = fork();
	if (!pid) {
		child_enter(tp, "pt_threads");
		threads_proc(tp);
	}
	if (pid < 0)
		return fail(tp, "fork threads", errno);
	tp->threads = pid;

	pid = fork();
	if (!pid) {
		child_enter(tp, "pt_stopped");
		if (die_with_parent(tp->me))
			_exit(1);
		pt_send_msg(tp->ready_w, ROLE_STOPPED, 0, 0);
		pt_wait_eof(tp->release_r);
		_exit(0);
	}
	if (pid < 0)
		return fail(tp, "fork stopped", errno);
	tp->stopped = pid;

	if (prctl(PR_SET_CHILD_SUBREAPER, 1))
		return fail(tp, "PR_SET_CHILD_SUBREAPER", errno);
	if (make_orphan(tp, ROLE_ORPHAN_SUB, "pt_orphan_sub", &tp->middle_sub))
		return -1;
	if (prctl(PR_SET_CHILD_SUBREAPER, 0))
		return fail(tp, "PR_SET_CHILD_SUBREAPER", errno);
	return make_orphan(tp, ROLE_ORPHAN_INIT, "pt_orphan_init",
			   &tp->middle_init);
}

static int collect_helpers(struct topo *tp)
{
	struct pt_msg m;
	int i, ret;

	for (i = 0; i < NMSGS; i++) {
		ret = pt_read_full(tp->ready_r, &m, sizeof(m), WAIT_MS);
		if (ret)
			return fail(tp, "waiting for the helpers", -ret);
		if (m.err)
			return fail(tp, "a helper could not start", m.err);
		if (m.index < 0 ||
		    (m.role == ROLE_CHAIN && m.index >= CHAIN_DEPTH) ||
		    (m.role == ROLE_FAN && m.index >= FAN_WIDTH) ||
		    (m.role == ROLE_THREAD && m.index >= NTHREADS))
			return fail(tp, "bad helper message", EINVAL);
		switch (m.role) {
		case ROLE_CHAIN:
			tp->chain[m.index] = m.pid;
			break;
		case ROLE_FAN:
			tp->fan[m.index] = m.pid;
			break;
		case ROLE_THREAD:
			tp->tids[m.index] = m.tid;
			break;
		case ROLE_ORPHAN_SUB:
			tp->orphan_sub = m.pid;
			break;
		case ROLE_ORPHAN_INIT:
			tp->orphan_init = m.pid;
			break;
		}
	}
	return 0;
}

static int stop_and_trace(struct topo *tp)
{
	siginfo_t info;
	int status;
	pid_t pid;

	if (kill(tp->stopped, SIGSTOP))
		return fail(tp, "SIGSTOP", errno);
	if (waitpid(tp->stopped, &status, WUNTRACED) != tp->stopped ||
	    !WIFSTOPPED(status))
		return fail(tp, "waiting for the stopped child", errno);

	pid = fork();
	if (!pid) {
		child_enter(tp, "pt_traced");
		if (die_with_parent(tp->me) ||
		    ptrace(PTRACE_TRACEME, 0, NULL, NULL))
			_exit(1);
		raise(SIGSTOP);
		_exit(0);
	}
	if (pid < 0)
		return fail(tp, "fork traced", errno);
	tp->traced = pid;
	if (waitpid(pid, &status, 0) != pid || !WIFSTOPPED(status) ||
	    WSTOPSIG(status) != SIGSTOP)
		return fail(tp, "waiting for the traced child", errno);

	pid = fork();
	if (!pid) {
		prctl(PR_SET_NAME, "pt_zombie");
		_exit(0);
	}
	if (pid < 0)
		return fail(tp, "fork zombie", errno);
	tp->zombie = pid;
	/* WNOWAIT returns once it is a zombie and leaves it one. */
	memset(&info, 0, sizeof(info));
	if (waitid(P_PID, pid, &info, WEXITED | WNOWAIT) || info.si_pid != pid)
		return fail(tp, "waitid zombie", errno);
	return 0;
}

static void add_proc(struct topo *tp, pid_t pid, pid_t parent, int threads,
		     char state, const char *comm)
{
	struct topo_proc *p = &tp->procs[tp->nprocs++];

	p->pid = pid;
	p->parent = parent;
	p->threads = threads;
	p->state = state;
	snprintf(p->comm, sizeof(p->comm), "%.15s", comm);
}

static int record_expected(struct topo *tp)
{
	struct pt_stat st;
	char name[32];
	int i;

	for (i = 0; i < CHAIN_DEPTH; i++) {
		snprintf(name, sizeof(name), "pt_chain%d", i);
		add_proc(tp, tp->chain[i], i ? tp->chain[i - 1] : tp->me, 1,
			 'S', name);
	}
	add_proc(tp, tp->fanroot, tp->me, 1, 'S', "pt_fanroot");
	for (i = 0; i < FAN_WIDTH; i++)
		add_proc(tp, tp->fan[i], tp->fanroot, 1, 'S', "pt_fan");
	add_proc(tp, tp->threads, tp->me, NTHREADS + 1, 'S', "pt_threads");
	add_proc(tp, tp->stopped, tp->me, 1, 'T', "pt_stopped");
	add_proc(tp, tp->traced, tp->me, 1, 't', "pt_traced");
	add_proc(tp, tp->zombie, tp->me, 1, 'Z', "pt_zombie");
	add_proc(tp, tp->orphan_sub, tp->me, 1, 'S', "pt_orphan_sub");
	/* Whoever adopted it is outside the topology; /proc names it. */
	if (pt_read_stat("/proc", tp->orphan_init, 0, &st))
		return fail(tp, "stat of the init orphan", 0);
	if (st.ppid == tp->me || st.ppid == tp->middle_init || !st.ppid)
		return fail(tp, "init orphan was not reparented", EINVAL);
	add_proc(tp, tp->orphan_init, st.ppid, 1, 'S', "pt_orphan_init");

	for (i = 0; i < tp->nprocs; i++)
		if (pt_wait_state("/proc", tp->procs[i].pid, 0,
				  tp->procs[i].state, WAIT_MS))
			return fail(tp, "helper state", 0);
	for (i = 0; i < NTHREADS; i++)
		if (pt_wait_state("/proc", tp->threads, tp->tids[i], 'S',
				  WAIT_MS))
			return fail(tp, "thread state", 0);
	return 0;
}

static int topo_build(struct topo *tp)
{
	int rel[2], rdy[2];

	tp->me = getpid();
	tp->release_w = -1;
	tp->ready_r = -1;
	if (pipe2(rel, O_CLOEXEC) || pipe2(rdy, O_CLOEXEC))
		return fail(tp, "pipe", errno);
	tp->release_r = rel[0];
	tp->release_w = rel[1];
	tp->ready_r = rdy[0];
	tp->ready_w = rdy[1];
	if (fork_helpers(tp) || collect_helpers(tp) || stop_and_trace(tp) ||
	    record_expected(tp))
		return -1;
	return 0;
}

static void topo_destroy(struct topo *tp)
{
	/* Helpers still writing to a full ready pipe die of SIGPIPE. */
	if (tp->ready_r >= 0)
		close(tp->ready_r);
	tp->ready_r = -1;
	if (tp->release_w >= 0)
		close(tp->release_w);
	tp->release_w = -1;
	if (tp->stopped > 0)
		kill(tp->stopped, SIGKILL);
	if (tp->traced > 0)
		kill(tp->traced, SIGKILL);
	for (;;)
		if (waitpid(-1, NULL, 0) < 0 && errno != EINTR)
			break;
}

FIXTURE_SETUP(topo)
{
	struct topo *tp = &self->tp;
	const char *skip = pt_skip_reason();
	int ret;

	if (skip)
		SKIP(return, "%s", skip);
	ret = topo_build(tp);
	if (ret)
		topo_destroy(tp);
	ASSERT_EQ(0, ret) TH_LOG("topology: %s", tp->why);
}

FIXTURE_TEARDOWN(topo)
{
	struct topo *tp = &self->tp;

	topo_destroy(tp);
}

/*
 * What the backend under test serves (proctrace_selftests.h): the BPF
 * backend pins no tree (the CLI builds it from tasks), no zombies and no
 * events yet (abi.rst, "The BPF backend").
 */
static bool served(const char *view)
{
	if (!pt_backend_bpf())
		return true;
	return !strcmp(view, PROCTRACE_FILE_TASKS) ||
	       !strcmp(view, PROCTRACE_FILE_STATS) ||
	       !strcmp(view, PROCTRACE_FILE_KTHREADS) ||
	       !strcmp(view, PROCTRACE_FILE_ORPHANS);
}

/* The thread group the declared host quirk hides, or 0. */
static int quirk_hidden_tgid(struct __test_metadata *_metadata)
{
	struct pt_tasks tasks;
	int tgid = 0;
	char *buf;

	if (!pt_backend_bpf())
		return 0;
	PT_EXPECT_OK(pt_read_view(PROCTRACE_FILE_TASKS, &buf, NULL));
	if (!pt_parse_tasks(buf, &tasks)) {
		tgid = pt_quirk_hides(&tasks, 1) ? 1 : 0;
		pt_tasks_free(&tasks);
	}
	free(buf);
	if (tgid)
		TH_LOG("pid %d's thread group is hidden by the declared host quirk (%s)",
		       tgid, PT_ENV_PID1_QUIRK);
	return tgid;
}

/*
 * Collects every field of a line that differs from the ground truth, so
 * that one failure message tells all of it.
 */
struct diff {
	int bad;
	char why[512];
};

static void diff(struct diff *d, const char *name, long long want,
		 long long got)
{
	size_t len = strlen(d->why);

	if (want == got)
		return;
	d->bad++;
	snprintf(d->why + len, sizeof(d->why) - len, "%s %lld, want %lld; ",
		 name, got, want);
}

static void diff_char(struct diff *d, const char *name, char want, char got)
{
	size_t len = strlen(d->why);

	if (want == got)
		return;
	d->bad++;
	snprintf(d->why + len, sizeof(d->why) - len, "%s %c, want %c; ", name,
		 got, want);
}

static void diff_str(struct diff *d, const char *name, const char *want,
		     const char *got)
{
	size_t len = strlen(d->why);

	if (!strcmp(want, got))
		return;
	d->bad++;
	snprintf(d->why + len, sizeof(d->why) - len, "%s '%s', want '%s'; ",
		 name, got, want);
}

static void check_task(struct __test_metadata *_metadata,
		       const struct pt_tasks *tasks, pid_t tgid, pid_t tid,
		       pid_t parent, char state, int threads)
{
	const struct pt_task *t = pt_tasks_find(tasks, tid);
	struct diff d = { 0 };
	struct pt_status status;
	struct pt_stat st;

	ASSERT_NE(NULL, t) TH_LOG("tid %d of %d not listed", tid, tgid);
	PT_ASSERT_OK(pt_read_stat("/proc", tgid, tid, &st));
	PT_ASSERT_OK(pt_read_status("/proc", tgid, tid, &status));
	diff(&d, "pid/status", status.pid, t->pid);
	diff(&d, "tgid/status", status.tgid, t->tgid);
	diff(&d, "tgid", tgid, t->tgid);
	diff(&d, "ppid/stat", st.ppid, t->ppid);
	diff(&d, "ppid", parent, t->ppid);
	diff_char(&d, "state/stat", st.state, t->state);
	/* No state given: the reader itself, running in open(). */
	diff_char(&d, "state", state ? state : 'R', t->state);
	diff(&d, "threads/status", status.threads, t->threads);
	diff(&d, "threads", threads, t->threads);
	diff(&d, "start ticks/stat", st.starttime,
	     t->start_ns / pt_ns_per_tick());
	diff(&d, "leader", tid == tgid, !!(t->flags & PT_TF_LEADER));
	diff(&d, "kthread", 0, !!(t->flags & PT_TF_KTHREAD));
	diff(&d, "wq_worker", 0, !!(t->flags & PT_TF_WQ_WORKER));
	diff_str(&d, "comm/stat", st.comm, t->comm);
	EXPECT_EQ(0, d.bad) TH_LOG("tasks line %d: %s", t->line, d.why);
}

TEST_F_TIMEOUT(topo, tasks_match_proc_for_topology, TEST_TIMEOUT)
{
	struct topo *tp = &self->tp;
	const struct topo_proc *p;
	const struct pt_task *t;
	struct pt_tasks tasks;
	bool leader;
	char *buf;
	int i;

	PT_ASSERT_OK(pt_read_view(PROCTRACE_FILE_TASKS, &buf, NULL));
	PT_ASSERT_OK(pt_parse_tasks(buf, &tasks));
	PT_EXPECT_OK(pt_tasks_check_order(&tasks));

	for (i = 0; i < tp->nprocs; i++) {
		p = &tp->procs[i];
		check_task(_metadata, &tasks, p->pid, p->pid, p->parent,
			   p->state, p->threads);
	}
	for (i = 0; i < NTHREADS; i++)
		check_task(_metadata, &tasks, tp->threads, tp->tids[i], tp->me,
			   'S', NTHREADS + 1);
	/* The reader itself: running, so its state is not pinned down. */
	check_task(_metadata, &tasks, tp->me, tp->me, getppid(), 0, 1);

	for (i = 0; i < (int)tasks.n; i++) {
		t = &tasks.v[i];
		leader = !!(t->flags & PT_TF_LEADER);
		EXPECT_EQ(t->pid == t->tgid, leader) TH_LOG("line %d", t->line);
	}
	pt_tasks_free(&tasks);
	free(buf);
}

/*
 * Every task that lived through the whole read must be listed, with the
 * identity and attributes /proc gives for it.
 */
TEST_F_TIMEOUT(topo, tasks_match_proc_scan_of_all_tasks, TEST_TIMEOUT)
{
	unsigned long long tick = pt_ns_per_tick();
	const struct pt_scan_ent *e, *e2;
	struct pt_scan before, after;
	int missing = 0, wrong = 0;
	size_t hidden = 0;
	const struct pt_task *t;
	struct pt_tasks tasks;
	struct diff d;
	size_t i;
	char *buf;

	PT_ASSERT_OK(pt_scan("/proc", &before));
	PT_ASSERT_OK(pt_read_view(PROCTRACE_FILE_TASKS, &buf, NULL));
	PT_ASSERT_OK(pt_scan("/proc", &after));
	PT_ASSERT_OK(pt_parse_tasks(buf, &tasks));

	for (i = 0; i < before.n; i++) {
		if (!pt_scan_stable(&before, &after, before.v[i].tid, &e))
			continue;
		if (pt_quirk_hides(&tasks, e->tgid)) {
			hidden++;
			continue;
		}
		e2 = pt_scan_find(&after, e->tid);
		t = pt_tasks_find(&tasks, e->tid);
		if (!t) {
			if (missing++ < 10)
				TH_LOG("tid %d (%s) not listed", e->tid,
				       e->comm);
			continue;
		}
		memset(&d, 0, sizeof(d));
		diff(&d, "tgid", e->tgid, t->tgid);
		diff(&d, "start ticks", e->start, t->start_ns / tick);
		diff(&d, "kthread", !!(e->flags & PT_PF_KTHREAD),
		     !!(t->flags & PT_TF_KTHREAD));
		/* Unless it was reparented between the scans. */
		if (e->ppid == e2->ppid)
			diff(&d, "ppid", e->ppid, t->ppid);
		if (d.bad && wrong++ < 10)
			TH_LOG("tid %d (%s): %s", e->tid, e->comm, d.why);
	}
	EXPECT_EQ(0, missing);
	EXPECT_EQ(0, wrong);
	if (hidden)
		TH_LOG("%zu tasks of pid 1 hidden by the declared host quirk",
		       hidden);
	EXPECT_GE(tasks.n + hidden, before.n < after.n ? before.n : after.n);
	pt_scan_free(&before);
	pt_scan_free(&after);
	pt_tasks_free(&tasks);
	free(buf);
}

static void check_node(struct __test_metadata *_metadata,
		       const struct pt_tree *tree, const struct topo_proc *p)
{
	const struct pt_tree_node *k = pt_tree_find(tree, p->pid);
	struct diff d = { 0 };
	struct pt_status status;
	struct pt_stat st;

	ASSERT_NE(NULL, k) TH_LOG("%d (%s) not in tree", p->pid, p->comm);
	PT_ASSERT_OK(pt_read_stat("/proc", p->pid, 0, &st));
	PT_ASSERT_OK(pt_read_status("/proc", p->pid, 0, &status));
	diff(&d, "parent", p->parent, k->parent);
	diff(&d, "parent/stat", st.ppid, k->parent);
	diff_char(&d, "state", p->state, k->state);
	diff_char(&d, "state/stat", st.state, k->state);
	diff(&d, "threads", p->threads, k->threads);
	diff(&d, "threads/status", status.threads, k->threads);
	diff(&d, "zombie tag", p->state == 'Z', k->zombie);
	diff(&d, "kthread tag", 0, k->kthread);
	diff_str(&d, "comm", p->comm, k->comm);
	EXPECT_EQ(0, d.bad) TH_LOG("tree line %d: %s", k->line, d.why);
}

TEST_F_TIMEOUT(topo, tree_matches_topology, TEST_TIMEOUT)
{
	struct topo *tp = &self->tp;
	const struct pt_tree_node *k, *me, *fr;
	int i, my_children = 0, fan_children = 0;
	struct pt_tree tree;
	bool init_ns, ok;
	char *buf;

	if (!served(PROCTRACE_FILE_TREE))
		SKIP(return, "the BPF backend serves no tree file");

	PT_ASSERT_OK(pt_read_view(PROCTRACE_FILE_TREE, &buf, NULL));
	PT_ASSERT_OK(pt_parse_tree(buf, &tree));
	PT_EXPECT_OK(pt_tree_check_order(&tree));

	for (i = 0; i < tp->nprocs; i++)
		check_node(_metadata, &tree, &tp->procs[i]);

	me = pt_tree_find(&tree, tp->me);
	ASSERT_NE(NULL, me) TH_LOG("the test process is not in tree");
	EXPECT_EQ(getppid(), me->parent);
	for (i = 0; i < CHAIN_DEPTH; i++) {
		k = pt_tree_find(&tree, tp->chain[i]);
		ASSERT_NE(NULL, k);
		EXPECT_EQ(me->depth + 1 + i, k->depth) TH_LOG("chain %d", i);
	}
	fr = pt_tree_find(&tree, tp->fanroot);
	ASSERT_NE(NULL, fr);

	/* No more and no fewer children than the test made or adopted. */
	for (i = 0; i < (int)tree.n; i++) {
		k = &tree.v[i];
		if (k->parent == tp->fanroot) {
			fan_children++;
			EXPECT_EQ(fr->depth + 1, k->depth);
		}
		if (k->parent != tp->me)
			continue;
		my_children++;
		ok = k->pid == tp->chain[0] || k->pid == tp->fanroot ||
		     k->pid == tp->threads || k->pid == tp->stopped ||
		     k->pid == tp->traced || k->pid == tp->zombie ||
		     k->pid == tp->orphan_sub;
		EXPECT_TRUE(ok) TH_LOG("child %d (%s)", k->pid, k->comm);
	}
	EXPECT_EQ(7, my_children);
	EXPECT_EQ(FAN_WIDTH, fan_children);
	EXPECT_EQ(NULL, pt_tree_find(&tree, tp->middle_sub));
	EXPECT_EQ(NULL, pt_tree_find(&tree, tp->middle_init));

	/* Tags and state letters of one line come from one task. */
	k = pt_tree_find(&tree, 2);
	init_ns = k && k->kthread;
	for (i = 0; i < (int)tree.n; i++) {
		k = &tree.v[i];
		ok = (k->state == 'Z') == k->zombie;
		EXPECT_TRUE(ok) TH_LOG("line %d", k->line);
		if (!init_ns)
			continue;
		ok = !k->kthread || k->pid == 2 || k->parent == 2;
		EXPECT_TRUE(ok) TH_LOG("kthread %d (%s)", k->pid, k->comm);
		ok = k->depth || k->pid <= 2;
		EXPECT_TRUE(ok) TH_LOG("root %d (%s)", k->pid, k->comm);
	}
	pt_tree_free(&tree);
	free(buf);
}

static bool is_topology_pid(struct topo *tp, int pid)
{
	int i;

	for (i = 0; i < tp->nprocs; i++)
		if (tp->procs[i].pid == pid)
			return true;
	return pid == tp->me;
}

TEST_F_TIMEOUT(topo, tree_edges_match_ps, TEST_TIMEOUT)
{
	struct topo *tp = &self->tp;
	static const char *const argv[] = { "ps", "-eo", "pid=,ppid=", NULL };
	int status, pid, ppid, n, both = 0, agree = 0, topo_seen = 0;
	const struct pt_tree_node *k;
	char *buf, *out, *line, *save;
	struct pt_tree tree;

	if (!served(PROCTRACE_FILE_TREE))
		SKIP(return, "the BPF backend serves no tree file");

	PT_ASSERT_OK(pt_read_view(PROCTRACE_FILE_TREE, &buf, NULL));
	PT_ASSERT_OK(pt_parse_tree(buf, &tree));
	status = pt_run_capture(argv, &out, NULL, NULL);
	ASSERT_LE(0, status);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
		SKIP(return, "ps is not installed");
	ASSERT_EQ(0, status);

	for (line = strtok_r(out, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		n = sscanf(line, "%d %d", &pid, &ppid);
		ASSERT_EQ(2, n) TH_LOG("ps line '%s'", line);
		k = pt_tree_find(&tree, pid);
		if (!k)
			continue;
		both++;
		if (k->parent == ppid)
			agree++;
		else
			TH_LOG("pid %d (%s): tree parent %d, ps ppid %d", pid,
			       k->comm, k->parent, ppid);
		if (!is_topology_pid(tp, pid))
			continue;
		topo_seen++;
		EXPECT_EQ(ppid, k->parent) TH_LOG("topology pid %d", pid);
	}
	EXPECT_EQ(tp->nprocs + 1, topo_seen);
	EXPECT_LT(0, both);
	EXPECT_GE(agree * 100, both * 95) TH_LOG("%d/%d agree", agree, both);
	pt_tree_free(&tree);
	free(out);
	free(buf);
}

static int cmp_int(const void *a, const void *b)
{
	return (*(const int *)a > *(const int *)b) -
	       (*(const int *)a < *(const int *)b);
}

static char mepid[16];

TEST_F_TIMEOUT(topo, tree_subtree_matches_pstree, TEST_TIMEOUT)
{
	/* pids (which also stops compaction), sorted, whole lines, no threads */
	static const char *const argv[] = { "pstree", "-pnlTA", mepid, NULL };
	struct topo *tp = &self->tp;
	int status, n_ps = 0, n_tree = 0, i, v;
	int ps_pids[MAX_PROCS * 2], tree_pids[MAX_PROCS * 2];
	char *buf, *out, *p, *end;
	struct pt_tree tree;
	pid_t pstree;

	if (!served(PROCTRACE_FILE_TREE))
		SKIP(return, "the BPF backend serves no tree file");

	PT_ASSERT_OK(pt_read_view(PROCTRACE_FILE_TREE, &buf, NULL));
	PT_ASSERT_OK(pt_parse_tree(buf, &tree));
	snprintf(mepid, sizeof(mepid), "%d", tp->me);
	status = pt_run_capture(argv, &out, NULL, &pstree);
	ASSERT_LE(0, status);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
		SKIP(return, "pstree is not installed");
	ASSERT_EQ(0, status);

	/* pstree prints "name(pid)"; none of the names here has "(digits)". */
	for (p = strchr(out, '('); p; p = strchr(p + 1, '(')) {
		v = (int)strtol(p + 1, &end, 10);
		if (end == p + 1 || *end != ')' || v == pstree)
			continue;
		ASSERT_GT(MAX_PROCS * 2, n_ps);
		ps_pids[n_ps++] = v;
	}
	for (i = 0; i < (int)tree.n; i++) {
		if (!pt_tree_is_descendant(&tree, tree.v[i].pid, tp->me))
			continue;
		ASSERT_GT(MAX_PROCS * 2, n_tree);
		tree_pids[n_tree++] = tree.v[i].pid;
	}
	qsort(ps_pids, n_ps, sizeof(int), cmp_int);
	qsort(tree_pids, n_tree, sizeof(int), cmp_int);
	EXPECT_EQ(tp->nprocs, n_tree);
	EXPECT_EQ(n_ps, n_tree);
	for (i = 0; i < n_ps && i < n_tree; i++)
		EXPECT_EQ(ps_pids[i], tree_pids[i]);
	pt_tree_free(&tree);
	free(out);
	free(buf);
}

struct scan_counts {
	long long processes;
	long long threads;
	long long kthreads;
	long long zombies;
	long long state[PT_NSTATES];
};

/* hide: a thread group the host quirk hides, or 0. */
static void count_scan(const struct pt_scan *s, int hide, struct scan_counts *c)
{
	const struct pt_scan_ent *e;
	size_t i;

	memset(c, 0, sizeof(*c));
	c->processes = s->nproc;
	c->threads = s->n;
	for (i = 0; i < s->n; i++) {
		e = &s->v[i];
		if (hide && e->tgid == hide) {
			c->threads--;
			c->processes -= e->tid == e->tgid;
			continue;
		}
		if (e->flags & PT_PF_KTHREAD)
			c->kthreads++;
		if (e->tid == e->tgid && e->state == 'Z')
			c->zombies++;
		if (pt_state_index(e->state) >= 0)
			c->state[pt_state_index(e->state)]++;
	}
}

static bool between(long long v, long long a, long long b)
{
	return (v >= a && v <= b) || (v >= b && v <= a);
}

/*
 * The counts change between any two reads of the system, so a count is
 * right when it lies between the counts of a /proc scan just before and
 * one just after; a few attempts absorb background churn.
 */
TEST_F_TIMEOUT(topo, stats_match_proc_scans, TEST_TIMEOUT)
{
	static const char *const fixed = "TtZ";
	struct scan_counts a, b;
	struct pt_scan before, after;
	int hide = quirk_hidden_tgid(_metadata);
	struct pt_stats st;
	long long sum;
	int attempt, s, i;
	bool ok = false;
	char *buf;

	for (attempt = 0; attempt < SCAN_ATTEMPTS && !ok; attempt++) {
		PT_ASSERT_OK(pt_scan("/proc", &before));
		PT_ASSERT_OK(pt_read_view(PROCTRACE_FILE_STATS, &buf, NULL));
		PT_ASSERT_OK(pt_scan("/proc", &after));
		PT_ASSERT_OK(pt_parse_stats(buf, &st));
		free(buf);
		count_scan(&before, hide, &b);
		count_scan(&after, hide, &a);
		pt_scan_free(&before);
		pt_scan_free(&after);

		ok = between(st.processes, b.processes, a.processes) &&
		     between(st.threads, b.threads, a.threads) &&
		     between(st.kthreads, b.kthreads, a.kthreads) &&
		     between(st.zombies, b.zombies, a.zombies);
		for (i = 0; fixed[i]; i++) {
			s = pt_state_index(fixed[i]);
			ok = ok && between(st.state[s], b.state[s], a.state[s]);
		}
		if (ok)
			break;
		TH_LOG("attempt %d, processes/threads/kthreads/zombies:",
		       attempt);
		TH_LOG("stats %lld/%lld/%lld/%lld", st.processes, st.threads,
		       st.kthreads, st.zombies);
		TH_LOG("/proc before %lld/%lld/%lld/%lld, after %lld/%lld/%lld/%lld",
		       b.processes, b.threads, b.kthreads, b.zombies,
		       a.processes, a.threads, a.kthreads, a.zombies);
	}
	EXPECT_TRUE(ok);

	for (sum = 0, s = 0; s < PT_NSTATES; s++)
		sum += st.state[s];
	EXPECT_EQ(st.threads, sum);
	EXPECT_LE(st.processes, st.threads);
	EXPECT_LE(st.kthreads, st.threads);
	EXPECT_LE(st.zombies, st.processes);
	/* A zombie leader is a task in state Z. */
	EXPECT_LE(st.zombies, st.state[pt_state_index('Z')]);
	EXPECT_LE(1, st.zombies);
	EXPECT_LE(1, st.state[pt_state_index('T')]);
	EXPECT_LE(1, st.state[pt_state_index('t')]);
	/* The reader runs while it opens the file. */
	EXPECT_LE(1, st.state[pt_state_index('R')]);
	/* Both orphans lost their parent after the module was loaded. */
	EXPECT_LE(2, st.orphans);
	EXPECT_LE(st.table_used, st.table_size);
	EXPECT_LE(1024, st.table_size);
	EXPECT_GE(4194304, st.table_size);
}

static void read_stats(struct __test_metadata *_metadata, struct pt_stats *st)
{
	char *buf;

	PT_ASSERT_OK(pt_read_view(PROCTRACE_FILE_STATS, &buf, NULL));
	PT_ASSERT_OK(pt_parse_stats(buf, st));
	free(buf);
}

/*
 * The counters only grow, and each of fork, exec, exit and wait moves its
 * own. A reap is counted when the task is freed, an RCU grace period after
 * waitpid() returns, with no event to wait for: so that one is re-read.
 */
TEST_F_TIMEOUT(topo, stats_counters_follow_fork_exec_exit_wait, TEST_TIMEOUT)
{
	struct pt_stats a, b, c;
	long long deadline;
	bool exec_ok;
	int status;
	pid_t pid;

	read_stats(_metadata, &a);
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		execl("/bin/true", "true", (char *)NULL);
		_exit(127);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	read_stats(_metadata, &b);

	EXPECT_LE(a.forks + 1, b.forks);
	EXPECT_LE(a.exits + 1, b.exits);
	EXPECT_LE(a.waits + 1, b.waits);
	exec_ok = WIFEXITED(status) && !WEXITSTATUS(status);
	if (!exec_ok)
		TH_LOG("/bin/true did not run; execs not checked");
	EXPECT_LE(a.execs + exec_ok, b.execs);
	EXPECT_LE(a.reaps, b.reaps);
	EXPECT_LE(a.events, b.events);
	EXPECT_LE(a.events_lost, b.events_lost);
	EXPECT_LE(a.table_dropped, b.table_dropped);
	EXPECT_EQ(a.table_size, b.table_size);

	deadline = pt_now_ms() + WAIT_MS;
	do {
		read_stats(_metadata, &c);
	} while (c.reaps <= a.reaps && pt_now_ms() < deadline);
	EXPECT_LT(a.reaps, c.reaps);
}

static const struct pt_zline *find_zline(const struct pt_zombies *zs, int pid,
					 bool parent, int *at)
{
	size_t i;

	for (i = 0; i < zs->n; i++) {
		if (zs->v[i].pid == pid && zs->v[i].parent == parent) {
			*at = (int)i;
			return &zs->v[i];
		}
	}
	return NULL;
}

/*
 * The fixture's zombie, under the test process, which called waitid()
 * (with WNOWAIT) and so has waited; and the ordering rules of the file.
 */
TEST_F_TIMEOUT(topo, zombies_view_lists_the_zombie, TEST_TIMEOUT)
{
	struct topo *tp = &self->tp;
	int at_p, at_z, i, n = 0, prev_n = INT_MAX, prev_pid = 0;
	const struct pt_zline *p, *z, *cur = NULL;
	unsigned long long tick = pt_ns_per_tick(), now;
	long long prev_age = LLONG_MAX;
	struct pt_zombies zs;
	struct pt_stat st;
	char *buf;
	bool ok;

	if (!served(PROCTRACE_FILE_ZOMBIES))
		SKIP(return, "the BPF backend serves no zombies file");

	ASSERT_EQ(0, pt_read_stat("/proc", tp->zombie, 0, &st));
	PT_ASSERT_OK(pt_read_view(PROCTRACE_FILE_ZOMBIES, &buf, NULL));
	now = pt_boottime_ns();
	PT_ASSERT_OK(pt_parse_zombies(buf, &zs));

	p = find_zline(&zs, tp->me, true, &at_p);
	z = find_zline(&zs, tp->zombie, false, &at_z);
	ASSERT_NE(NULL, p) TH_LOG("no parent line for the test process");
	ASSERT_NE(NULL, z) TH_LOG("no zombie line for %d", tp->zombie);
	EXPECT_EQ(1, p->zombies);
	EXPECT_TRUE(p->waited);
	EXPECT_EQ(z->age_ns, p->oldest_ns);
	EXPECT_EQ(tp->me, z->ppid);
	EXPECT_LT(at_p, at_z);
	EXPECT_STREQ(PROCTRACE_ZOMBIE_UNREAPED, z->kind);
	EXPECT_STREQ("exited(0)", z->exit);
	EXPECT_STREQ("pt_zombie", z->comm);
	EXPECT_LE(0, z->age_ns);
	EXPECT_GE((long long)(now - st.starttime * tick), z->age_ns);

	/* Parents by zombies= (largest first) then pid; oldest zombie first. */
	for (i = 0; i <= (int)zs.n; i++) {
		z = i < (int)zs.n ? &zs.v[i] : NULL;
		if (z && !z->parent) {
			if (!strcmp(z->kind, PROCTRACE_ZOMBIE_UNREAPED))
				n++;
			ok = z->age_ns < 0 || prev_age < 0 ||
			     prev_age >= z->age_ns;
			EXPECT_TRUE(ok) TH_LOG("line %d", z->line);
			prev_age = z->age_ns;
			continue;
		}
		if (cur)
			EXPECT_EQ(cur->zombies, n) TH_LOG("line %d", cur->line);
		if (!z)
			break;
		ok = z->zombies < prev_n ||
		     (z->zombies == prev_n && z->pid > prev_pid);
		EXPECT_TRUE(ok) TH_LOG("line %d", z->line);
		prev_n = z->zombies;
		prev_pid = z->pid;
		prev_age = LLONG_MAX;
		n = 0;
		cur = z;
	}
	pt_zombies_free(&zs);
	free(buf);
}

/*
 * One orphan was adopted by the test process as child subreaper, the other
 * by whatever adopts orphans above it: pid 1, the namespace's
 * child_reaper, unless a subreaper sits in between.
 */
TEST_F_TIMEOUT(topo, orphans_view_names_parent_and_reaper, TEST_TIMEOUT)
{
	struct topo *tp = &self->tp;
	unsigned long long tick = pt_ns_per_tick(), now;
	const struct pt_orphan *o;
	struct pt_orphans os;
	struct pt_stat st;
	char *buf;
	size_t i;
	bool ok;

	PT_ASSERT_OK(pt_read_view(PROCTRACE_FILE_ORPHANS, &buf, NULL));
	now = pt_boottime_ns();
	PT_ASSERT_OK(pt_parse_orphans(buf, &os));

	o = pt_orphans_find(&os, tp->orphan_sub);
	ASSERT_NE(NULL, o) TH_LOG("%d not listed", tp->orphan_sub);
	EXPECT_EQ(tp->middle_sub, o->orig_ppid);
	EXPECT_EQ(tp->me, o->reaper);
	EXPECT_STREQ(PROCTRACE_REAPER_SUBREAPER, o->reaper_kind);
	EXPECT_STREQ("pt_orphan_sub", o->comm);
	ASSERT_EQ(0, pt_read_stat("/proc", o->pid, 0, &st));
	EXPECT_LE(st.starttime * tick, o->orphaned_ns);
	EXPECT_GE(now, o->orphaned_ns);

	o = pt_orphans_find(&os, tp->orphan_init);
	ASSERT_NE(NULL, o) TH_LOG("%d not listed", tp->orphan_init);
	ASSERT_EQ(0, pt_read_stat("/proc", o->pid, 0, &st));
	EXPECT_EQ(tp->middle_init, o->orig_ppid);
	EXPECT_EQ(st.ppid, o->reaper);
	EXPECT_STREQ(o->reaper == 1 ? PROCTRACE_REAPER_INIT :
				      PROCTRACE_REAPER_SUBREAPER,
		     o->reaper_kind);
	EXPECT_STREQ("pt_orphan_init", o->comm);
	EXPECT_LE(st.starttime * tick, o->orphaned_ns);
	EXPECT_GE(now, o->orphaned_ns);

	/* Nothing else of the topology lost its parent. */
	for (i = 0; i < os.n; i++) {
		o = &os.v[i];
		ok = o->pid == tp->orphan_sub || o->pid == tp->orphan_init ||
		     !is_topology_pid(tp, o->pid);
		EXPECT_TRUE(ok) TH_LOG("%d (%s) listed", o->pid, o->comm);
	}
	pt_orphans_free(&os);
	free(buf);
}

static long long count_zombie_leaders(void)
{
	struct pt_stat st;
	struct dirent *d;
	long long n = 0;
	DIR *dir;

	dir = opendir("/proc");
	if (!dir)
		return -1;
	while ((d = readdir(dir)))
		if (d->d_name[0] >= '1' && d->d_name[0] <= '9' &&
		    !pt_read_stat("/proc", atoi(d->d_name), 0, &st) &&
		    st.state == 'Z')
			n++;
	closedir(dir);
	return n;
}

static long long stats_zombies(struct __test_metadata *_metadata)
{
	struct pt_stats st;
	char *buf;

	PT_ASSERT_OK(pt_read_view(PROCTRACE_FILE_STATS, &buf, NULL));
	PT_ASSERT_OK(pt_parse_stats(buf, &st));
	free(buf);
	return st.zombies;
}

TEST_F_TIMEOUT(topo, stats_zombies_drop_by_one_after_reap, TEST_TIMEOUT)
{
	long long z[4], s1 = 0, s2 = 0;
	int attempt, status;
	bool exact = false;
	siginfo_t info;
	pid_t pid;

	for (attempt = 0; attempt < SCAN_ATTEMPTS && !exact; attempt++) {
		pid = fork();
		ASSERT_LE(0, pid);
		if (!pid)
			_exit(0);
		memset(&info, 0, sizeof(info));
		ASSERT_EQ(0, waitid(P_PID, pid, &info, WEXITED | WNOWAIT));
		ASSERT_EQ(pid, info.si_pid);

		z[0] = count_zombie_leaders();
		s1 = stats_zombies(_metadata);
		z[1] = count_zombie_leaders();
		ASSERT_EQ(pid, waitpid(pid, &status, 0));
		z[2] = count_zombie_leaders();
		s2 = stats_zombies(_metadata);
		z[3] = count_zombie_leaders();

		EXPECT_TRUE(between(s1, z[0], z[1]));
		EXPECT_TRUE(between(s2, z[2], z[3]));
		/* Both the fixture's zombie and this one. */
		EXPECT_LE(2, s1);
		exact = z[0] == z[1] && z[2] == z[3] && z[0] == z[2] + 1;
		if (!exact)
			TH_LOG("zombie churn: /proc %lld %lld, then %lld %lld",
			       z[0], z[1], z[2], z[3]);
	}
	if (exact) {
		EXPECT_EQ(z[0], s1);
		EXPECT_EQ(z[2], s2);
		EXPECT_EQ(s1 - 1, s2);
	}
}

static bool in_init_pid_ns(void)
{
	struct pt_stat st;

	return !pt_read_stat("/proc", 2, 0, &st) &&
	       (st.flags & PT_PF_KTHREAD) && !st.ppid;
}

static void check_kthread(struct __test_metadata *_metadata,
			  const struct pt_kthread *k,
			  const struct pt_scan_ent *e, long ncpus)
{
	bool worker = k->class & (PT_KC_IO_WORKER | PT_KC_USER_WORKER);
	unsigned long f = e->flags;
	struct diff d = { 0 };

	if (worker) {
		diff(&d, "PF_*_WORKER", 1,
		     !!(f & (PT_PF_IO_WORKER | PT_PF_USER_WORKER)));
		diff(&d, "PF_KTHREAD", 0, !!(f & PT_PF_KTHREAD));
		diff_str(&d, "func", "-", k->func);
	} else {
		diff(&d, "PF_KTHREAD", 1, !!(f & PT_PF_KTHREAD));
		diff(&d, "ppid 0 or 2", 1, k->ppid == 2 || !k->ppid);
		diff(&d, "ppid/stat", e->ppid, k->ppid);
	}
	diff(&d, "kthreadd", k->pid == 2, !!(k->class & PT_KC_KTHREADD));
	diff(&d, "parked", k->state == 'P', !!(k->class & PT_KC_PARKED));
	diff(&d, "idle", k->state == 'I', !!(k->class & PT_KC_IDLE));
	diff(&d, "worker", !!(f & PT_PF_WQ_WORKER),
	     !!(k->class & PT_KC_WORKER));
	if (k->class & PT_KC_PERCPU)
		diff(&d, "percpu has a cpu", 1, k->cpu >= 0);
	diff(&d, "cpu exists", 1, k->cpu < ncpus);
	diff(&d, "func without offset", 0, !!strchr(k->func, '+'));
	/* /proc may show more: the full name or a worker's description. */
	diff(&d, "comm prefix of /proc's", 0,
	     !!strncmp(e->comm, k->comm, strlen(k->comm)));
	EXPECT_EQ(0, d.bad) TH_LOG("kthreads line %d: %s", k->line, d.why);
}

TEST_F_TIMEOUT(topo, kthreads_match_proc_flags, TEST_TIMEOUT)
{
	long ncpus = sysconf(_SC_NPROCESSORS_CONF);
	const struct pt_scan_ent *e;
	struct pt_scan before, after;
	int missing = 0, transient = 0;
	const struct pt_kthread *k;
	struct pt_kthreads kt;
	char *buf;
	size_t i;

	if (!in_init_pid_ns())
		SKIP(return, "kernel threads show only in the initial pid ns");
	PT_ASSERT_OK(pt_scan("/proc", &before));
	PT_ASSERT_OK(pt_read_view(PROCTRACE_FILE_KTHREADS, &buf, NULL));
	PT_ASSERT_OK(pt_scan("/proc", &after));
	PT_ASSERT_OK(pt_parse_kthreads(buf, &kt));

	for (i = 0; i < kt.n; i++) {
		k = &kt.v[i];
		if (i)
			EXPECT_LT(kt.v[i - 1].pid, k->pid);
		e = pt_scan_find(&before, k->pid);
		if (!e)
			e = pt_scan_find(&after, k->pid);
		if (!e) {
			TH_LOG("pid %d (%s) listed but in neither scan", k->pid,
			       k->comm);
			transient++;
			continue;
		}
		check_kthread(_metadata, k, e, ncpus);
	}
	/* Kernel threads hardly come and go on an idle system. */
	EXPECT_GE(2, transient);

	k = pt_kthreads_find(&kt, 2);
	ASSERT_NE(NULL, k) TH_LOG("kthreadd (pid 2) is not listed");
	EXPECT_TRUE(!!(k->class & PT_KC_KTHREADD));
	EXPECT_EQ(0, k->ppid);

	for (i = 0; i < before.n; i++) {
		if (!(before.v[i].flags & PT_PF_KTHREAD) ||
		    !pt_scan_stable(&before, &after, before.v[i].tid, &e))
			continue;
		if (!pt_kthreads_find(&kt, e->tid) && missing++ < 10)
			TH_LOG("kthread %d (%s) not listed", e->tid, e->comm);
	}
	EXPECT_EQ(0, missing);
	pt_kthreads_free(&kt);
	pt_scan_free(&before);
	pt_scan_free(&after);
	free(buf);
}

/* Every file that is a snapshot; "events" is a stream. */
static const char *const views[] = {
	PROCTRACE_FILE_TREE,	 PROCTRACE_FILE_TASKS,	 PROCTRACE_FILE_STATS,
	PROCTRACE_FILE_KTHREADS, PROCTRACE_FILE_ZOMBIES, PROCTRACE_FILE_ORPHANS,
};

#define NVIEWS ((int)ARRAY_SIZE(views))

TEST_F_TIMEOUT(topo, views_print_no_kernel_address, TEST_TIMEOUT)
{
	char *buf, match[256];
	int i, line;

	for (i = 0; i < NVIEWS; i++) {
		if (!served(views[i]))
			continue;
		PT_ASSERT_OK(pt_read_view(views[i], &buf, NULL));
		line = pt_find_kernel_address(buf, match, sizeof(match));
		if (line)
			TH_LOG("%s line %d: '%s'", views[i], line, match);
		EXPECT_EQ(0, line);
		free(buf);
	}
}

static void check_mode(struct __test_metadata *_metadata, const char *name)
{
	char path[128];
	struct stat sb;

	snprintf(path, sizeof(path), "%s/%s", pt_dir(), name);
	ASSERT_EQ(0, stat(path, &sb)) TH_LOG("%s", path);
	EXPECT_TRUE(S_ISREG(sb.st_mode)) TH_LOG("%s", path);
	/* bpffs pins are the pinner's alone (abi.rst). */
	EXPECT_EQ(pt_backend_bpf() ? 0600U : 0444U, sb.st_mode & 07777)
	TH_LOG("%s", path);
}

TEST_F_TIMEOUT(topo, headers_and_modes_follow_abi, TEST_TIMEOUT)
{
	char path[128], *buf, line[PROCTRACE_EVENT_LINE_MAX + 1];
	struct stat sb;
	int i, fd, err;
	ssize_t n;

	ASSERT_EQ(0, stat(pt_dir(), &sb));
	EXPECT_TRUE(S_ISDIR(sb.st_mode));
	EXPECT_EQ(pt_backend_bpf() ? 0700U : 0555U, sb.st_mode & 07777);
	for (i = 0; i < NVIEWS; i++) {
		if (!served(views[i]))
			continue;
		check_mode(_metadata, views[i]);
		PT_ASSERT_OK(pt_read_view(views[i], &buf, NULL));
		PT_EXPECT_OK(pt_check_header(buf, views[i], NULL));
		free(buf);
	}

	if (!served(PROCTRACE_FILE_EVENTS))
		return;
	/* The header is there before any record; a stream cannot seek. */
	check_mode(_metadata, PROCTRACE_FILE_EVENTS);
	snprintf(path, sizeof(path), "%s/%s", PT_DIR, PROCTRACE_FILE_EVENTS);
	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	ASSERT_LE(0, fd) TH_LOG("open %s: %s", path, strerror(errno));
	n = read(fd, line, PROCTRACE_EVENT_LINE_MAX);
	ASSERT_LT(0, n) TH_LOG("read %s: %s", path, strerror(errno));
	line[n] = '\0';
	PT_EXPECT_OK(pt_check_header(line, PROCTRACE_FILE_EVENTS, NULL));
	err = lseek(fd, 0, SEEK_SET) < 0 ? errno : 0;
	EXPECT_EQ(ESPIPE, err);
	close(fd);
}

TEST_F_TIMEOUT(topo, comm_escapes_roundtrip, TEST_TIMEOUT)
{
	struct topo *tp = &self->tp;
	/* Spelled out so that a bug shared with pt_escape_comm() shows. */
	static const char *const literal[] = { "a\\040b\\134c", "tab\\011here",
					       "nl\\012end" };
	char want[PT_COMM_ESC_LEN], comm[PT_PROC_COMM_LEN];
	const struct pt_task *t;
	struct pt_tasks tasks;
	char *buf;
	int i;

	PT_ASSERT_OK(pt_read_view(PROCTRACE_FILE_TASKS, &buf, NULL));
	PT_ASSERT_OK(pt_parse_tasks(buf, &tasks));
	for (i = 0; i < NTHREADS; i++) {
		t = pt_tasks_find(&tasks, tp->tids[i]);
		ASSERT_NE(NULL, t) TH_LOG("thread %d", i);
		ASSERT_EQ(0,
			  pt_escape_comm(thread_names[i], want, sizeof(want)));
		EXPECT_STREQ(want, t->comm_esc);
		EXPECT_STREQ(thread_names[i], t->comm);
		ASSERT_EQ(0, pt_read_comm("/proc", tp->threads, tp->tids[i],
					  comm, sizeof(comm)));
		EXPECT_STREQ(comm, t->comm);
		if (i < (int)ARRAY_SIZE(literal))
			EXPECT_STREQ(literal[i], t->comm_esc);
	}
	pt_tasks_free(&tasks);
	free(buf);
}

static char *read_from_start(int fd, size_t chunk, size_t *len)
{
	size_t size = 65536, used = 0;
	char *p = malloc(size + 1), *np;
	ssize_t n;

	if (!p || lseek(fd, 0, SEEK_SET)) {
		free(p);
		return NULL;
	}
	for (;;) {
		if (used + chunk > size) {
			size *= 2;
			np = realloc(p, size + 1);
			if (!np)
				break;
			p = np;
		}
		n = read(fd, p + used, chunk);
		if (n <= 0) {
			if (n < 0)
				break;
			p[used] = '\0';
			*len = used;
			return p;
		}
		used += n;
	}
	free(p);
	return NULL;
}

static bool lists_pid(struct __test_metadata *_metadata, const char *view,
		      const char *buf, int pid)
{
	struct pt_tasks tasks;
	struct pt_tree tree;
	bool found;

	if (!strcmp(view, PROCTRACE_FILE_TASKS)) {
		PT_EXPECT_OK(pt_parse_tasks(buf, &tasks));
		found = pt_tasks_find(&tasks, pid);
		pt_tasks_free(&tasks);
	} else {
		PT_EXPECT_OK(pt_parse_tree(buf, &tree));
		found = pt_tree_find(&tree, pid);
		pt_tree_free(&tree);
	}
	return found;
}

/*
 * A snapshot is taken at open(): reads in any chunk size, after lseek() or
 * with pread() return it unchanged even though a process appeared and
 * another vanished since; a new open() sees both changes.
 */
TEST_F_TIMEOUT(topo, snapshot_is_fixed_at_open, TEST_TIMEOUT)
{
	struct topo *tp = &self->tp;
	char *first[NVIEWS], *again, *fresh, part[100];
	size_t len[NVIEWS], len2, off, want;
	int fds[NVIEWS], i, status, ret;
	struct pt_msg m;
	bool found;
	ssize_t n;
	pid_t pid;

	if (pt_backend_bpf())
		SKIP(return, "BPF iterator files are made as they are read");

	for (i = 0; i < NVIEWS; i++) {
		snprintf(part, sizeof(part), "%s/%s", PT_DIR, views[i]);
		fds[i] = open(part, O_RDONLY | O_CLOEXEC);
		ASSERT_LE(0, fds[i]) TH_LOG("open %s", part);
		first[i] = read_from_start(fds[i], 65536, &len[i]);
		ASSERT_NE(NULL, first[i]) TH_LOG("%s", views[i]);
	}

	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		child_enter(tp, "pt_snap");
		pt_send_msg(tp->ready_w, ROLE_SNAP, 0, 0);
		pt_wait_eof(tp->release_r);
		_exit(0);
	}
	ASSERT_EQ(0, pt_read_full(tp->ready_r, &m, sizeof(m), WAIT_MS));
	ASSERT_EQ(pid, m.pid);
	ASSERT_EQ(tp->zombie, waitpid(tp->zombie, &status, 0));

	for (i = 0; i < NVIEWS; i++) {
		again = read_from_start(fds[i], 7, &len2);
		ASSERT_NE(NULL, again) TH_LOG("%s", views[i]);
		EXPECT_EQ(len[i], len2) TH_LOG("%s", views[i]);
		ret = memcmp(first[i], again, len2 < len[i] ? len2 : len[i]);
		EXPECT_EQ(0, ret) TH_LOG("%s changed", views[i]);
		off = len[i] / 2;
		want = len[i] - off < sizeof(part) ? len[i] - off :
						     sizeof(part);
		n = pread(fds[i], part, sizeof(part), off);
		ASSERT_LE(0, n);
		EXPECT_EQ(want, (size_t)n) TH_LOG("%s", views[i]);
		EXPECT_EQ(0, memcmp(first[i] + off, part, n));
		free(again);
	}
	/* tree and tasks: the child is new, the zombie is gone. */
	for (i = 0; i < 2; i++) {
		found = lists_pid(_metadata, views[i], first[i], pid);
		EXPECT_FALSE(found) TH_LOG("%s: old open, new child", views[i]);
		found = lists_pid(_metadata, views[i], first[i], tp->zombie);
		EXPECT_TRUE(found) TH_LOG("%s: old open, no zombie", views[i]);
		PT_ASSERT_OK(pt_read_view(views[i], &fresh, NULL));
		found = lists_pid(_metadata, views[i], fresh, pid);
		EXPECT_TRUE(found) TH_LOG("%s: new open, no child", views[i]);
		found = lists_pid(_metadata, views[i], fresh, tp->zombie);
		EXPECT_FALSE(found) TH_LOG("%s: new open, zombie", views[i]);
		free(fresh);
	}
	for (i = 0; i < NVIEWS; i++) {
		close(fds[i]);
		free(first[i]);
	}
}

TEST_HARNESS_MAIN
