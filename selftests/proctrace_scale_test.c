// SPDX-License-Identifier: GPL-2.0-only
/*
 * proctrace with more than 10,000 tasks: NPROCS processes of NTHREADS
 * threads each, on small stacks so that it stays cheap. Every thread tells
 * the test it exists over a pipe, then blocks reading a release pipe whose
 * only writer is the test process; when that goes away, so do they.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
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

#define NPROCS 20
#define NTHREADS 500
#define NTASKS (NPROCS * (NTHREADS + 1))
#define STACK_SIZE (64 * 1024)
/* QEMU without acceleration is 20-50 times slower than a real machine. */
#define WAIT_MS (400 * 1000)
#define TEST_TIMEOUT 590

enum role { ROLE_THREAD, ROLE_WORKER };

struct scale {
	pid_t me;
	int release_r;
	int release_w;
	int ready_r;
	int ready_w;
	pid_t workers[NPROCS];
	int nthreads[NPROCS];
	pid_t *tids; /* NTHREADS per worker */
	struct pt_task_limits limits;
	char why[256];
};

FIXTURE(scale)
{
	struct scale sc;
};

/* Worker processes only need these two, and they never change. */
static int g_ready_w = -1;
static int g_release_r = -1;

static void *parked_thread(void *arg)
{
	(void)arg;
	pt_send_msg(g_ready_w, ROLE_THREAD, 0, 0);
	pt_wait_eof(g_release_r);
	return NULL;
}

static void __noreturn worker(int index)
{
	pthread_attr_t attr;
	pthread_t th;
	int i, err;

	prctl(PR_SET_NAME, "pt_scale");
	err = pthread_attr_init(&attr);
	if (!err)
		err = pthread_attr_setstacksize(&attr, STACK_SIZE);
	for (i = 0; i < NTHREADS && !err; i++)
		err = pthread_create(&th, &attr, parked_thread, NULL);
	pt_send_msg(g_ready_w, ROLE_WORKER, index, err);
	if (err)
		_exit(1);
	pt_wait_eof(g_release_r);
	_exit(0);
}

static int fail(struct scale *sc, const char *what, int err)
{
	snprintf(sc->why, sizeof(sc->why), "%s: %s", what,
		 err ? strerror(err) : pt_errmsg());
	return -1;
}

static int worker_index(struct scale *sc, pid_t pid)
{
	int i;

	for (i = 0; i < NPROCS; i++)
		if (sc->workers[i] == pid)
			return i;
	return -1;
}

static int scale_build(struct scale *sc)
{
	int rel[2], rdy[2], i, w, n, ret;
	struct pt_msg m;
	pid_t pid;

	sc->me = getpid();
	sc->release_w = -1;
	sc->ready_r = -1;
	sc->tids = calloc(NPROCS * NTHREADS, sizeof(*sc->tids));
	if (!sc->tids)
		return fail(sc, "calloc", ENOMEM);
	if (pt_raise_task_limits(NTASKS, &sc->limits))
		return fail(sc, "task limits", 0);
	if (pipe2(rel, O_CLOEXEC) || pipe2(rdy, O_CLOEXEC))
		return fail(sc, "pipe", errno);
	sc->release_r = rel[0];
	sc->release_w = rel[1];
	sc->ready_r = rdy[0];
	sc->ready_w = rdy[1];
	g_ready_w = rdy[1];
	g_release_r = rel[0];

	/*
	 * More messages than a pipe holds: workers block on it until the
	 * loop below drains it, so fork them all first.
	 */
	for (i = 0; i < NPROCS; i++) {
		pid = fork();
		if (!pid) {
			close(sc->release_w);
			close(sc->ready_r);
			worker(i);
		}
		if (pid < 0)
			return fail(sc, "fork", errno);
		sc->workers[i] = pid;
	}
	for (n = 0; n < NTASKS; n++) {
		ret = pt_read_full(sc->ready_r, &m, sizeof(m), WAIT_MS);
		if (ret)
			return fail(sc, "waiting for the workers", -ret);
		if (m.err)
			return fail(sc, "threads (limits? memory?)", m.err);
		w = worker_index(sc, m.pid);
		if (w < 0)
			return fail(sc, "message from a stranger", EINVAL);
		if (m.role == ROLE_WORKER)
			continue;
		if (sc->nthreads[w] >= NTHREADS)
			return fail(sc, "too many threads", EINVAL);
		sc->tids[w * NTHREADS + sc->nthreads[w]++] = m.tid;
	}
	for (w = 0; w < NPROCS; w++) {
		if (sc->nthreads[w] != NTHREADS)
			return fail(sc, "missing thread reports", EINVAL);
		if (pt_wait_state("/proc", sc->workers[w], sc->workers[w], 'S',
				  WAIT_MS))
			return fail(sc, "worker state", 0);
		for (i = 0; i < NTHREADS; i++)
			if (pt_wait_state("/proc", sc->workers[w],
					  sc->tids[w * NTHREADS + i], 'S',
					  WAIT_MS))
				return fail(sc, "thread state", 0);
	}
	return 0;
}

static void scale_destroy(struct scale *sc)
{
	/* Helpers still writing to a full ready pipe die of SIGPIPE. */
	if (sc->ready_r >= 0)
		close(sc->ready_r);
	sc->ready_r = -1;
	if (sc->release_w >= 0)
		close(sc->release_w);
	sc->release_w = -1;
	for (;;)
		if (waitpid(-1, NULL, 0) < 0 && errno != EINTR)
			break;
	pt_restore_task_limits(&sc->limits);
	free(sc->tids);
	sc->tids = NULL;
}

FIXTURE_SETUP(scale)
{
	struct scale *sc = &self->sc;
	const char *skip = pt_skip_reason();
	int ret;

	if (skip)
		SKIP(return, "%s", skip);
	ret = scale_build(sc);
	if (ret)
		scale_destroy(sc);
	ASSERT_EQ(0, ret) TH_LOG("building %d tasks: %s", NTASKS, sc->why);
}

FIXTURE_TEARDOWN(scale)
{
	struct scale *sc = &self->sc;

	scale_destroy(sc);
}

static bool task_ok(struct __test_metadata *_metadata, struct scale *sc,
		    const struct pt_tasks *tasks, int w, pid_t tid)
{
	const struct pt_task *t = pt_tasks_find(tasks, tid);
	bool leader = tid == sc->workers[w];

	if (!t) {
		TH_LOG("tid %d of worker %d not listed", tid, sc->workers[w]);
		return false;
	}
	/* One line of every attribute, for a failure to tell all of it. */
	if (t->tgid != sc->workers[w] || t->ppid != sc->me || t->state != 'S' ||
	    t->threads != NTHREADS + 1 ||
	    leader != !!(t->flags & PT_TF_LEADER) ||
	    strcmp(t->comm, "pt_scale")) {
		TH_LOG("tasks line %d: %d %d %d %c %#x %d %s; want tgid %d ppid %d",
		       t->line, t->pid, t->tgid, t->ppid, t->state, t->flags,
		       t->threads, t->comm_esc, sc->workers[w], sc->me);
		return false;
	}
	return true;
}

TEST_F_TIMEOUT(scale, tasks_lists_every_task, TEST_TIMEOUT)
{
	struct scale *sc = &self->sc;
	struct pt_scan before, after;
	int w, i, bad = 0, missing = 0;
	const struct pt_scan_ent *e;
	const struct pt_task *t;
	struct pt_tasks tasks;
	long long t0, t1;
	size_t n;
	char *buf;

	PT_ASSERT_OK(pt_scan("/proc", &before));
	t0 = pt_now_ms();
	PT_ASSERT_OK(pt_read_view(PROCTRACE_FILE_TASKS, &buf, NULL));
	t1 = pt_now_ms();
	PT_ASSERT_OK(pt_scan("/proc", &after));
	TH_LOG("read tasks in %lld ms", t1 - t0);

	/* Also rejects a bad header and duplicate pids. */
	PT_ASSERT_OK(pt_parse_tasks(buf, &tasks));
	PT_EXPECT_OK(pt_tasks_check_order(&tasks));
	EXPECT_LE(10000U, tasks.n);
	EXPECT_LE((size_t)NTASKS, tasks.n);

	for (w = 0; w < NPROCS; w++) {
		if (!task_ok(_metadata, sc, &tasks, w, sc->workers[w]))
			bad++;
		for (i = 0; i < NTHREADS && bad < 10; i++)
			if (!task_ok(_metadata, sc, &tasks, w,
				     sc->tids[w * NTHREADS + i]))
				bad++;
	}
	EXPECT_EQ(0, bad);

	for (n = 0; n < before.n; n++) {
		if (!pt_scan_stable(&before, &after, before.v[n].tid, &e))
			continue;
		t = pt_tasks_find(&tasks, e->tid);
		if (t && t->tgid == e->tgid)
			continue;
		if (missing++ < 10)
			TH_LOG("tid %d (tgid %d, %s) %s", e->tid, e->tgid,
			       e->comm, t ? "has another tgid" : "not listed");
	}
	EXPECT_EQ(0, missing);
	pt_scan_free(&before);
	pt_scan_free(&after);
	pt_tasks_free(&tasks);
	free(buf);
}

TEST_F_TIMEOUT(scale, tree_lists_every_worker, TEST_TIMEOUT)
{
	struct scale *sc = &self->sc;
	const struct pt_tree_node *k;
	int w, children = 0;
	struct pt_tree tree;
	size_t i;
	char *buf;

	PT_ASSERT_OK(pt_read_view(PROCTRACE_FILE_TREE, &buf, NULL));
	PT_ASSERT_OK(pt_parse_tree(buf, &tree));
	PT_EXPECT_OK(pt_tree_check_order(&tree));

	for (w = 0; w < NPROCS; w++) {
		k = pt_tree_find(&tree, sc->workers[w]);
		ASSERT_NE(NULL, k) TH_LOG("worker %d", sc->workers[w]);
		EXPECT_EQ(sc->me, k->parent) TH_LOG("worker %d", k->pid);
		EXPECT_EQ(NTHREADS + 1, k->threads) TH_LOG("worker %d", k->pid);
		EXPECT_EQ('S', k->state) TH_LOG("worker %d", k->pid);
		EXPECT_STREQ("pt_scale", k->comm);
		EXPECT_FALSE(k->zombie);
		EXPECT_FALSE(k->kthread);
	}
	for (i = 0; i < tree.n; i++)
		if (tree.v[i].parent == sc->me)
			children++;
	EXPECT_EQ(NPROCS, children);
	pt_tree_free(&tree);
	free(buf);
}

TEST_HARNESS_MAIN
