// SPDX-License-Identifier: GPL-2.0-only
/*
 * proctrace and pid namespaces.
 *
 * The fixture unshares a pid namespace and forks its init, which unshares
 * a mount namespace (so that the test process keeps the host /proc),
 * mounts a fresh procfs on /proc and builds a small topology: a process
 * with a child, a process with NS_THREADS threads and a zombie. The checks
 * that must run inside the namespace run in its init, which counts and
 * prints its failures and reports the count over a pipe; the harness only
 * sees the test process, so that is how a failure there reaches it. The
 * init is also the reaper of everything in the namespace, so when the test
 * process goes away (its command pipe reaches EOF) the init exits and the
 * kernel kills the rest.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
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

#define NS_THREADS 3
#define NS_MSGS (1 + 1 + 1 + NS_THREADS)
#define WAIT_MS (180 * 1000)
#define TEST_TIMEOUT 300
#define MAX_HOPS 64
#define NFILES 6

enum { CMD_OWN_PROCFS = 'n', CMD_HOST_PROCFS = 'h' };
enum { NS_ROLE_A, NS_ROLE_A1, NS_ROLE_B, NS_ROLE_THREAD };

FIXTURE(pidns)
{
	pid_t init; /* host pid of the namespace's init */
	int cmd_w; /* commands to the init; EOF tells it to finish */
	int rep_r; /* from the init: a ready byte, then failure counts */
	int host_proc; /* the host procfs, for the init to read through */
};

/* Only the namespace's init uses this. */
static struct {
	int failures;
	pid_t a;
	pid_t a1;
	pid_t b;
	pid_t b_tids[NS_THREADS];
	pid_t zombie;
	int release_r;
	int release_w;
	int ready_r;
	int ready_w;
} ns;

static void __printf(3, 4) ns_check(bool ok, int line, const char *fmt, ...)
{
	va_list ap;

	if (ok)
		return;
	ns.failures++;
	fprintf(stderr, "# pidns init, line %d: ", line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

#define NS_EXPECT(cond, ...) ns_check(!!(cond), __LINE__, __VA_ARGS__)

static void *ns_thread(void *arg)
{
	(void)arg;
	pt_send_msg(ns.ready_w, NS_ROLE_THREAD, 0, 0);
	pt_wait_eof(ns.release_r);
	return NULL;
}

static void __noreturn ns_sleeper(const char *name, int role, bool with_child,
				  int nthreads)
{
	pid_t child = 0;
	int i, err = 0;
	pthread_t th;

	close(ns.release_w);
	close(ns.ready_r);
	prctl(PR_SET_NAME, name);
	if (with_child) {
		child = fork();
		if (!child) {
			prctl(PR_SET_NAME, "pt_ns_a1");
			pt_send_msg(ns.ready_w, NS_ROLE_A1, 0, 0);
			pt_wait_eof(ns.release_r);
			_exit(0);
		}
		if (child < 0)
			err = errno;
	}
	for (i = 0; i < nthreads && !err; i++)
		err = pthread_create(&th, NULL, ns_thread, NULL);
	pt_send_msg(ns.ready_w, role, 0, err);
	pt_wait_eof(ns.release_r);
	if (child > 0)
		waitpid(child, NULL, 0);
	_exit(0);
}

static int ns_build(void)
{
	int rel[2], rdy[2], i, nthreads = 0;
	struct pt_msg m;
	siginfo_t info;

	if (pipe2(rel, O_CLOEXEC) || pipe2(rdy, O_CLOEXEC))
		return -errno;
	ns.release_r = rel[0];
	ns.release_w = rel[1];
	ns.ready_r = rdy[0];
	ns.ready_w = rdy[1];

	ns.a = fork();
	if (!ns.a)
		ns_sleeper("pt_ns_a", NS_ROLE_A, true, 0);
	ns.b = fork();
	if (!ns.b)
		ns_sleeper("pt_ns_b", NS_ROLE_B, false, NS_THREADS);
	ns.zombie = fork();
	if (!ns.zombie) {
		prctl(PR_SET_NAME, "pt_ns_zombie");
		_exit(0);
	}
	if (ns.a < 0 || ns.b < 0 || ns.zombie < 0)
		return -EAGAIN;
	for (i = 0; i < NS_MSGS; i++) {
		if (pt_read_full(ns.ready_r, &m, sizeof(m), WAIT_MS) || m.err)
			return -EIO;
		if (m.role == NS_ROLE_A1)
			ns.a1 = m.pid;
		if (m.role == NS_ROLE_THREAD && nthreads < NS_THREADS)
			ns.b_tids[nthreads++] = m.tid;
	}
	memset(&info, 0, sizeof(info));
	if (waitid(P_PID, ns.zombie, &info, WEXITED | WNOWAIT))
		return -errno;
	if (pt_wait_state("/proc", ns.a, 0, 'S', WAIT_MS) ||
	    pt_wait_state("/proc", ns.a1, 0, 'S', WAIT_MS) ||
	    pt_wait_state("/proc", ns.b, 0, 'S', WAIT_MS))
		return -ETIMEDOUT;
	for (i = 0; i < nthreads; i++)
		if (pt_wait_state("/proc", ns.b, ns.b_tids[i], 'S', WAIT_MS))
			return -ETIMEDOUT;
	return nthreads == NS_THREADS ? 0 : -EIO;
}

static bool same_tasks(const struct pt_scan *a, const struct pt_scan *b)
{
	size_t i;

	if (a->n != b->n || a->nproc != b->nproc)
		return false;
	for (i = 0; i < a->n; i++)
		if (!pt_scan_stable(a, b, a->v[i].tid, NULL))
			return false;
	return true;
}

static void ns_check_tasks(const char *how, const char *buf,
			   const struct pt_scan *scan)
{
	unsigned long long tick = pt_ns_per_tick();
	const struct pt_scan_ent *e;
	const struct pt_task *t;
	struct pt_tasks tasks;
	size_t i;
	bool ok;
	int ret;

	ret = pt_parse_tasks(buf, &tasks);
	NS_EXPECT(!ret, "%s: %s", how, pt_errmsg());
	if (ret)
		return;
	NS_EXPECT(tasks.n == scan->n, "%s: tasks lists %zu tasks, /proc %zu",
		  how, tasks.n, scan->n);
	for (i = 0; i < scan->n; i++) {
		e = &scan->v[i];
		t = pt_tasks_find(&tasks, e->tid);
		NS_EXPECT(t, "%s: tid %d (%s) is not listed", how, e->tid,
			  e->comm);
		if (!t)
			continue;
		ok = t->tgid == e->tgid && t->ppid == e->ppid &&
		     t->start_ns / tick == e->start;
		NS_EXPECT(ok,
			  "%s: tasks line %d: want tgid %d ppid %d ticks %llu",
			  how, t->line, e->tgid, e->ppid, e->start);
		/* The init reads, so it runs; the others are settled. */
		NS_EXPECT(e->tid == 1 || t->state == e->state,
			  "%s: tid %d state %c, /proc says %c", how, e->tid,
			  t->state, e->state);
	}
	for (i = 0; i < tasks.n; i++)
		NS_EXPECT(pt_scan_find(scan, tasks.v[i].pid),
			  "%s: tasks lists %d, not in this namespace", how,
			  tasks.v[i].pid);
	t = pt_tasks_find(&tasks, 1);
	NS_EXPECT(t && t->tgid == 1 && !t->ppid && (t->flags & PT_TF_LEADER),
		  "%s: the init is not listed as pid 1 with ppid 0", how);
	t = pt_tasks_find(&tasks, ns.zombie);
	NS_EXPECT(t && t->state == 'Z', "%s: zombie %d not in state Z", how,
		  ns.zombie);
	NS_EXPECT(!pt_tasks_check_order(&tasks), "%s: %s", how, pt_errmsg());
	pt_tasks_free(&tasks);
}

static void ns_check_tree(const char *how, const char *buf,
			  const struct pt_scan *scan)
{
	const struct pt_tree_node *k;
	const struct pt_scan_ent *e;
	struct pt_tree tree;
	size_t i;
	int ret;

	ret = pt_parse_tree(buf, &tree);
	NS_EXPECT(!ret, "%s: %s", how, pt_errmsg());
	if (ret)
		return;
	NS_EXPECT(!pt_tree_check_order(&tree), "%s: %s", how, pt_errmsg());
	NS_EXPECT(tree.n == scan->nproc, "%s: tree lists %zu, /proc %zu", how,
		  tree.n, scan->nproc);
	for (i = 0; i < tree.n; i++) {
		k = &tree.v[i];
		e = pt_scan_find(scan, k->pid);
		NS_EXPECT(e && e->tgid == k->pid,
			  "%s: tree lists %d, not a process of this namespace",
			  how, k->pid);
		if (!e)
			continue;
		NS_EXPECT(k->parent == e->ppid,
			  "%s: pid %d under %d, its ppid is %d", how, k->pid,
			  k->parent, e->ppid);
		NS_EXPECT(!k->depth == (k->pid == 1), "%s: pid %d at depth %d",
			  how, k->pid, k->depth);
		NS_EXPECT(k->zombie == (k->pid == ns.zombie),
			  "%s: zombie tag on %d", how, k->pid);
		NS_EXPECT(!k->kthread, "%s: kthread tag on %d", how, k->pid);
	}
	k = pt_tree_find(&tree, ns.b);
	NS_EXPECT(k && k->threads == NS_THREADS + 1, "%s: threads of %d", how,
		  ns.b);
	k = pt_tree_find(&tree, ns.a1);
	NS_EXPECT(k && k->parent == ns.a, "%s: %d is not under %d", how, ns.a1,
		  ns.a);
	pt_tree_free(&tree);
}

static void ns_check_stats(const char *how, const char *buf,
			   const struct pt_scan *scan)
{
	struct pt_stats st;
	long long sum = 0;
	int ret, s;

	ret = pt_parse_stats(buf, &st);
	NS_EXPECT(!ret, "%s: %s", how, pt_errmsg());
	if (ret)
		return;
	for (s = 0; s < PT_NSTATES; s++)
		sum += st.state[s];
	NS_EXPECT(st.processes == (long long)scan->nproc,
		  "%s: processes %lld, /proc %zu", how, st.processes,
		  scan->nproc);
	NS_EXPECT(st.threads == (long long)scan->n,
		  "%s: threads %lld, /proc %zu", how, st.threads, scan->n);
	NS_EXPECT(st.threads == sum, "%s: states sum to %lld", how, sum);
	NS_EXPECT(!st.kthreads, "%s: kthreads %lld", how, st.kthreads);
	NS_EXPECT(st.zombies == 1, "%s: zombies %lld", how, st.zombies);
	NS_EXPECT(st.state[pt_state_index('Z')] == 1, "%s: state_Z %lld", how,
		  st.state[pt_state_index('Z')]);
}

static void ns_check_kthreads(const char *how, const char *buf)
{
	struct pt_kthreads kt;
	int ret;

	ret = pt_parse_kthreads(buf, &kt);
	NS_EXPECT(!ret, "%s: %s", how, pt_errmsg());
	if (ret)
		return;
	NS_EXPECT(!kt.n, "%s: kthreads lists %zu threads, first pid %d", how,
		  kt.n, kt.n ? kt.v[0].pid : 0);
	pt_kthreads_free(&kt);
}

/* The init waited (WNOWAIT) for its zombie; nobody lost a parent. */
static void ns_check_zombies_orphans(const char *how, const char *zbuf,
				     const char *obuf)
{
	struct pt_zombies zs;
	struct pt_orphans os;
	bool ok;
	int ret;

	ret = pt_parse_zombies(zbuf, &zs);
	NS_EXPECT(!ret, "%s: %s", how, pt_errmsg());
	if (!ret) {
		ok = zs.n == 2 && zs.v[0].parent && zs.v[0].pid == 1 &&
		     zs.v[0].zombies == 1 && zs.v[0].waited;
		ok = ok && !zs.v[1].parent && zs.v[1].pid == ns.zombie &&
		     zs.v[1].ppid == 1;
		ok = ok && !strcmp(zs.v[1].kind, PROCTRACE_ZOMBIE_UNREAPED);
		NS_EXPECT(ok, "%s: zombies should be the init and %d", how,
			  ns.zombie);
		pt_zombies_free(&zs);
	}
	ret = pt_parse_orphans(obuf, &os);
	NS_EXPECT(!ret, "%s: %s", how, pt_errmsg());
	if (!ret) {
		NS_EXPECT(!os.n, "%s: %zu orphans, first %d", how, os.n,
			  os.n ? os.v[0].pid : 0);
		pt_orphans_free(&os);
	}
}

static void ns_checks(int dirfd, const char *how)
{
	static const char *const names[NFILES] = {
		PROCTRACE_FILE_TASKS,	PROCTRACE_FILE_TREE,
		PROCTRACE_FILE_STATS,	PROCTRACE_FILE_KTHREADS,
		PROCTRACE_FILE_ZOMBIES, PROCTRACE_FILE_ORPHANS,
	};
	char *buf[NFILES] = { NULL }, match[256];
	struct pt_scan before, after;
	int i, ret = 0, line;

	NS_EXPECT(getpid() == 1, "the init is pid %d", getpid());
	NS_EXPECT(getppid() == 0, "the init has ppid %d", getppid());
	if (pt_scan("/proc", &before)) {
		NS_EXPECT(0, "%s", pt_errmsg());
		return;
	}
	for (i = 0; i < NFILES && !ret; i++) {
		ret = pt_read_view_at(dirfd, names[i], &buf[i], NULL);
		NS_EXPECT(!ret, "%s: %s", how, pt_errmsg());
	}
	if (!ret && !pt_scan("/proc", &after)) {
		NS_EXPECT(same_tasks(&before, &after),
			  "the namespace changed while it was read");
		ns_check_tasks(how, buf[0], &before);
		ns_check_tree(how, buf[1], &before);
		ns_check_stats(how, buf[2], &before);
		ns_check_kthreads(how, buf[3]);
		ns_check_zombies_orphans(how, buf[4], buf[5]);
		for (i = 0; i < NFILES; i++) {
			line = pt_find_kernel_address(buf[i], match,
						      sizeof(match));
			NS_EXPECT(!line, "%s: %s line %d: '%s'", how, names[i],
				  line, match);
		}
		pt_scan_free(&after);
	}
	pt_scan_free(&before);
	for (i = 0; i < NFILES; i++)
		free(buf[i]);
}

static void __noreturn ns_init(int cmd_r, int rep_w, int host_proc)
{
	int dirfd, failures;
	char cmd, status = 'R';

	prctl(PR_SET_NAME, "pt_ns_init");
	if (unshare(CLONE_NEWNS) ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) ||
	    mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC,
		  NULL)) {
		fprintf(stderr, "# pidns init: mounting /proc: %s\n",
			strerror(errno));
		status = 'M';
	} else if (ns_build()) {
		fprintf(stderr, "# pidns init: building the topology: %s\n",
			pt_errmsg());
		status = 'B';
	}
	pt_write_full(rep_w, &status, 1);
	if (status != 'R')
		_exit(2);

	while (!pt_read_full(cmd_r, &cmd, 1, -1)) {
		failures = ns.failures;
		if (cmd == CMD_OWN_PROCFS)
			dirfd = open(PT_DIR, O_PATH | O_DIRECTORY | O_CLOEXEC);
		else
			dirfd = openat(host_proc, PROCTRACE_PROC_DIR,
				       O_PATH | O_DIRECTORY | O_CLOEXEC);
		NS_EXPECT(dirfd >= 0, "open proctrace: %s", strerror(errno));
		if (dirfd >= 0) {
			ns_checks(dirfd, cmd == CMD_OWN_PROCFS ? "own procfs" :
								 "host procfs");
			close(dirfd);
		}
		failures = ns.failures - failures;
		pt_write_full(rep_w, &failures, sizeof(failures));
	}

	close(ns.release_w);
	for (;;)
		if (waitpid(-1, NULL, 0) < 0 && errno != EINTR)
			break;
	_exit(ns.failures ? 1 : 0);
}

FIXTURE_SETUP(pidns)
{
	const char *skip = pt_skip_reason();
	int cmd[2], rep[2], ret;
	char ready = 0;

	self->cmd_w = -1;
	self->init = 0;
	if (skip)
		SKIP(return, "%s", skip);
	self->host_proc = open("/proc", O_PATH | O_DIRECTORY);
	ASSERT_LE(0, self->host_proc);
	ASSERT_EQ(0, pipe2(cmd, O_CLOEXEC));
	ASSERT_EQ(0, pipe2(rep, O_CLOEXEC));
	ret = unshare(CLONE_NEWPID) ? errno : 0;
	ASSERT_EQ(0, ret) TH_LOG("unshare(CLONE_NEWPID): %s", strerror(ret));
	self->init = fork();
	ASSERT_LE(0, self->init);
	if (!self->init) {
		close(cmd[1]);
		close(rep[0]);
		ns_init(cmd[0], rep[1], self->host_proc);
	}
	close(cmd[0]);
	close(rep[1]);
	self->cmd_w = cmd[1];
	self->rep_r = rep[0];
	ASSERT_EQ(0, pt_read_full(self->rep_r, &ready, 1, WAIT_MS));
	ASSERT_EQ('R', ready) TH_LOG("the namespace's init failed to start");
}

FIXTURE_TEARDOWN(pidns)
{
	int status;

	if (self->cmd_w >= 0)
		close(self->cmd_w);
	if (self->init <= 0)
		return;
	ASSERT_EQ(self->init, waitpid(self->init, &status, 0));
	/* It exits 1 after failed checks, which the tests reported. */
	ASSERT_EQ(0, status) TH_LOG("the namespace's init: status %#x", status);
}

static int run_in_ns(struct __test_metadata *_metadata, int cmd_w, int rep_r,
		     char cmd)
{
	int failures = -1, ret;

	ASSERT_EQ(0, pt_write_full(cmd_w, &cmd, 1));
	ret = pt_read_full(rep_r, &failures, sizeof(failures), WAIT_MS);
	ASSERT_EQ(0, ret) TH_LOG("no answer from the init: %s", strerror(-ret));
	return failures;
}

TEST_F_TIMEOUT(pidns, ns_reader_sees_only_its_namespace, TEST_TIMEOUT)
{
	int failures =
		run_in_ns(_metadata, self->cmd_w, self->rep_r, CMD_OWN_PROCFS);

	EXPECT_EQ(0, failures) TH_LOG("see the init's messages above");
}

/*
 * Through the host procfs the mount's namespace holds every task, so the
 * reader's namespace alone decides what is listed, and the pids are its.
 */
TEST_F_TIMEOUT(pidns, ns_reader_via_host_procfs_sees_only_its_namespace,
	       TEST_TIMEOUT)
{
	int failures =
		run_in_ns(_metadata, self->cmd_w, self->rep_r, CMD_HOST_PROCFS);

	EXPECT_EQ(0, failures) TH_LOG("see the init's messages above");
}

/* Everything in the namespace descends from its init (nothing joins it). */
static bool in_ns(const struct pt_scan *scan, int tgid, int init)
{
	const struct pt_scan_ent *e;
	int hops;

	for (hops = 0; tgid > 0 && hops < MAX_HOPS; hops++) {
		if (tgid == init)
			return true;
		e = pt_scan_find(scan, tgid);
		if (!e)
			return false;
		tgid = e->ppid;
	}
	return false;
}

/*
 * A host reader opening the files through the namespace's procfs sees only
 * the tasks that have a pid there, with its own (host) pids.
 */
static void check_host_reader(struct __test_metadata *_metadata, pid_t init)
{
	static const char *const names[4] = {
		PROCTRACE_FILE_TASKS,
		PROCTRACE_FILE_TREE,
		PROCTRACE_FILE_STATS,
		PROCTRACE_FILE_KTHREADS,
	};
	size_t i, ntasks = 0, nprocs = 0, listed = 0;
	struct pt_scan before, after;
	const struct pt_tree_node *k;
	const struct pt_scan_ent *e;
	char path[128], *buf[4];
	const struct pt_task *t;
	struct pt_kthreads kt;
	struct pt_tasks tasks;
	struct pt_tree tree;
	struct pt_stats st;
	int dirfd;
	bool ok;

	snprintf(path, sizeof(path), "/proc/%d/root/proc/%s", init,
		 PROCTRACE_PROC_DIR);
	dirfd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	ASSERT_LE(0, dirfd) TH_LOG("open %s: %s", path, strerror(errno));
	PT_ASSERT_OK(pt_scan("/proc", &before));
	for (i = 0; i < 4; i++)
		PT_ASSERT_OK(pt_read_view_at(dirfd, names[i], &buf[i], NULL));
	PT_ASSERT_OK(pt_scan("/proc", &after));
	close(dirfd);
	PT_ASSERT_OK(pt_parse_tasks(buf[0], &tasks));
	PT_ASSERT_OK(pt_parse_tree(buf[1], &tree));
	PT_ASSERT_OK(pt_parse_stats(buf[2], &st));
	PT_ASSERT_OK(pt_parse_kthreads(buf[3], &kt));

	for (i = 0; i < before.n; i++) {
		e = &before.v[i];
		if (!in_ns(&before, e->tgid, init))
			continue;
		ntasks++;
		if (e->tid == e->tgid)
			nprocs++;
		ok = pt_scan_stable(&before, &after, e->tid, NULL);
		EXPECT_TRUE(ok) TH_LOG("namespace task %d changed", e->tid);
		t = pt_tasks_find(&tasks, e->tid);
		EXPECT_NE(NULL, t) TH_LOG("%d (%s) missing", e->tid, e->comm);
		if (e->tid != e->tgid)
			continue;
		k = pt_tree_find(&tree, e->tid);
		EXPECT_NE(NULL, k) TH_LOG("namespace process %d", e->tid);
		if (k && e->tid != init)
			EXPECT_EQ(e->ppid, k->parent) TH_LOG("pid %d", e->tid);
	}
	/* init, a, a1, the zombie, and b with its NS_THREADS threads */
	EXPECT_EQ(5U + NS_THREADS, ntasks);
	EXPECT_EQ(5U, nprocs);
	for (i = 0; i < tasks.n; i++) {
		if (in_ns(&before, tasks.v[i].tgid, init)) {
			listed++;
			continue;
		}
		t = &tasks.v[i];
		TH_LOG("tasks lists %d (%s) from outside", t->pid, t->comm);
	}
	EXPECT_EQ(ntasks, listed);
	EXPECT_EQ(ntasks, tasks.n);
	EXPECT_EQ(nprocs, tree.n);
	/* Its parent has no pid in the mount's namespace. */
	k = pt_tree_find(&tree, init);
	ASSERT_NE(NULL, k);
	EXPECT_EQ(0, k->depth);
	EXPECT_EQ((long long)nprocs, st.processes);
	EXPECT_EQ((long long)ntasks, st.threads);
	EXPECT_EQ(0, st.kthreads);
	EXPECT_EQ(1, st.zombies);
	EXPECT_EQ(0U, kt.n);

	pt_tasks_free(&tasks);
	pt_tree_free(&tree);
	pt_kthreads_free(&kt);
	pt_scan_free(&before);
	pt_scan_free(&after);
	for (i = 0; i < 4; i++)
		free(buf[i]);
}

TEST_F_TIMEOUT(pidns, host_reader_via_ns_procfs_sees_only_ns_tasks,
	       TEST_TIMEOUT)
{
	check_host_reader(_metadata, self->init);
}

TEST_HARNESS_MAIN
