// SPDX-License-Identifier: GPL-2.0-only
/*
 * Memory a snapshot view costs, and what happens when there is none.
 *
 * A population of POP_TASKS tasks (POP_WORKERS processes of POP_THREADS
 * threads, on small stacks) is created once, before the tests run, so each
 * snapshot of "tasks" is large. Its threads block reading a release pipe
 * whose only writers are this program's processes; when they are gone, so
 * is the population.
 *
 *  - budget: three processes of uid 65534 open "tasks" until refused, as
 *    the attack in issue 7 did. The refusal must be EBUSY, the slab and
 *    vmalloc memory pinned must stay within user_snapshot_kb, root (exempt)
 *    and another uid may still open, a victim holding memory survives and
 *    the kernel logs no OOM kill. Then a root child in a user namespace of
 *    its own (so without CAP_SYS_ADMIN on the host, as in a container
 *    with userns-remap) does the same: another such namespace and uid 0
 *    on the host without CAP_SYS_ADMIN still open.
 *  - memcg: a reader in a memory cgroup of 16K, 128K or 512K opens "tasks"
 *    and "tree": it gets the view or ENOMEM, and is never OOM-killed.
 *  - fault injection (debug kernels: CONFIG_FAILSLAB, FAIL_PAGE_ALLOC,
 *    FAULT_INJECTION_DEBUG_FS): /proc/thread-self/fail-nth fails the Nth
 *    allocation of an open()+read() of every view, for N = 1, 2, ... until
 *    none is left to fail. Each must give the reader ENOMEM or the whole
 *    view; afterwards the module works, the counters are unchanged, the
 *    budget charges balance (a leaked charge WARNs) and kmemleak finds
 *    nothing of proctrace.
 *  - umh storm: processes that dump core through a piped core_pattern
 *    make the kernel start user-mode helpers while "kthreads" is read in a
 *    loop: every read succeeds, every task it lists as a kernel thread has
 *    PF_KTHREAD in /proc/PID/stat, and nothing splats.
 *
 * Every test reads /dev/kmsg from its own start and fails on an OOM kill
 * or a call trace.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
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

#define POP_WORKERS 20
#define POP_THREADS 499
#define POP_TASKS (POP_WORKERS * (POP_THREADS + 1))
#define POP_STACK (32 * 1024)
/* QEMU without acceleration is 20-50 times slower than a real machine. */
#define WAIT_MS (400 * 1000)
#define TEST_TIMEOUT 580

#define NOBODY 65534
#define OTHER_UID 65533
#define BUDGET_PARAM "/sys/module/" PT_MODULE "/parameters/user_snapshot_kb"
#define BUDGET_KB 8192L
#define ATTACKERS 3
#define ATTACK_NOFILE 4096
/* Stop an attack that is not refused before it endangers the guest. */
#define ATTACK_CAP_KB (4 * BUDGET_KB + 16384)
/* Unbudgeted per open file (file, seq_file, pt_file), generously. */
#define FD_SLACK_KB 4
/* Slab and vmalloc use of everything else in the guest meanwhile. */
#define NOISE_KB 8192L
#define VICTIM_BYTES (64L << 20)

#define CG_ROOT "/sys/fs/cgroup"
#define NO_CGROUP2 "cannot mount cgroup2 at " CG_ROOT
#define NO_MEMCG "no memory controller in " CG_ROOT "/cgroup.controllers"
#define NO_MEMCG_BELOW "cannot enable the memory controller below " CG_ROOT
#define CG_BUF (8L << 20)
#define CG_STACK (256 * 1024)
#define CG_FRAME (16 * 1024)

#define DEBUGFS "/sys/kernel/debug"
#define FAIL_NTH "/proc/thread-self/fail-nth"
#define KMEMLEAK DEBUGFS "/kmemleak"
/* Far more injection points than one open and read have. */
#define MAX_POINTS 5000
#define NO_FAULT_INJECTION                                         \
	"kernel lacks CONFIG_FAILSLAB, CONFIG_FAIL_PAGE_ALLOC or " \
	"CONFIG_FAULT_INJECTION_DEBUG_FS (a stock kernel)"

#define CORE_PATTERN "/proc/sys/kernel/core_pattern"
#define CRASHES 100

/* The population, made by main() before the harness forks the tests. */
static struct {
	pid_t workers[POP_WORKERS];
	int release_w;
	int err;
	char why[160];
	struct pt_task_limits limits;
} pop;

/* ---- helpers ------------------------------------------------------ */

static bool exists(const char *path)
{
	struct stat st;

	return !stat(path, &st);
}

/* A /proc/meminfo line, in kB; -1 when absent. */
static long meminfo_kb(const char *name)
{
	char line[256];
	size_t len = strlen(name);
	long v = -1;
	FILE *f = fopen("/proc/meminfo", "re");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, name, len) && line[len] == ':') {
			v = strtol(line + len + 1, NULL, 10);
			break;
		}
	fclose(f);
	return v;
}

/*
 * Unswappable kernel memory: large kmalloc()s count as SUnreclaim, the
 * vmalloc fallback as VmallocUsed.
 */
static long pinned_kb(void)
{
	return meminfo_kb("SUnreclaim") + meminfo_kb("VmallocUsed");
}

static int become(uid_t uid)
{
	if (setgroups(0, NULL) || setgid(uid) || setuid(uid))
		return -errno;
	return 0;
}

/* /dev/kmsg from now on. */
static int kmsg_open(void)
{
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);

	if (fd >= 0)
		lseek(fd, 0, SEEK_END);
	return fd;
}

/*
 * The first record since kmsg_open() that mentions one of @bad, copied
 * into @found; 0 when there is none.
 */
static int kmsg_find(int fd, const char *const *bad, char *found, size_t size)
{
	char rec[8192];
	ssize_t n;
	int i;

	for (;;) {
		n = read(fd, rec, sizeof(rec) - 1);
		if (n < 0 && (errno == EPIPE || errno == EINTR))
			continue; /* overwritten records, or a signal */
		if (n <= 0)
			return 0;
		rec[n] = '\0';
		for (i = 0; bad[i]; i++)
			if (strstr(rec, bad[i])) {
				snprintf(found, size, "%.*s", (int)size - 1,
					 rec);
				return 1;
			}
	}
}

static const char *const oom_words[] = {
	"invoked oom-killer", "oom-kill", "Out of memory", "Call Trace", "BUG:",
	"WARNING:",	      NULL,
};

static const char *const splat_words[] = {
	"Call Trace", "BUG:", "WARNING:", "KASAN", "UBSAN", "oom-kill", NULL,
};

/* Every population process is alive, and its threads with it. */
static int pop_alive(char *why, size_t size)
{
	struct pt_stat st;
	int i;

	for (i = 0; i < POP_WORKERS; i++) {
		if (pt_read_stat("/proc", pop.workers[i], pop.workers[i],
				 &st) ||
		    st.state == 'Z' || st.num_threads != POP_THREADS + 1) {
			snprintf(why, size, "population worker %d is gone",
				 pop.workers[i]);
			return -ESRCH;
		}
	}
	return 0;
}

/* The population as "tasks" shows it: every worker with all its threads. */
static int check_tasks(const char *buf, char *why, size_t size)
{
	struct pt_tasks t;
	int i, k, n;

	if (pt_parse_tasks(buf, &t)) {
		snprintf(why, size, "tasks: %s", pt_errmsg());
		return -EINVAL;
	}
	for (i = 0; i < POP_WORKERS; i++) {
		for (k = 0, n = 0; k < (int)t.n; k++)
			n += t.v[k].tgid == pop.workers[i];
		if (n != POP_THREADS + 1) {
			snprintf(why, size, "tasks: worker %d has %d tasks",
				 pop.workers[i], n);
			pt_tasks_free(&t);
			return -EINVAL;
		}
	}
	pt_tasks_free(&t);
	return 0;
}

static int check_tree(const char *buf, char *why, size_t size)
{
	const struct pt_tree_node *node;
	struct pt_tree t;
	int i;

	if (pt_parse_tree(buf, &t) || pt_tree_check_order(&t)) {
		snprintf(why, size, "tree: %s", pt_errmsg());
		return -EINVAL;
	}
	for (i = 0; i < POP_WORKERS; i++) {
		node = pt_tree_find(&t, pop.workers[i]);
		if (!node || node->threads != POP_THREADS + 1) {
			snprintf(why, size, "tree: worker %d missing or wrong",
				 pop.workers[i]);
			pt_tree_free(&t);
			return -EINVAL;
		}
	}
	pt_tree_free(&t);
	return 0;
}

/* Parses @buf as view @name, checking the population where it shows. */
static int check_view(const char *name, const char *buf, char *why, size_t size)
{
	struct pt_kthreads k;
	struct pt_zombies z;
	struct pt_orphans o;
	struct pt_stats s;
	int ret = 0;

	if (!strcmp(name, PROCTRACE_FILE_TASKS))
		return check_tasks(buf, why, size);
	if (!strcmp(name, PROCTRACE_FILE_TREE))
		return check_tree(buf, why, size);
	if (!strcmp(name, PROCTRACE_FILE_KTHREADS)) {
		ret = pt_parse_kthreads(buf, &k);
		if (!ret && !k.n)
			ret = -ENOENT;
		if (!ret)
			pt_kthreads_free(&k);
	} else if (!strcmp(name, PROCTRACE_FILE_STATS)) {
		ret = pt_parse_stats(buf, &s);
		if (!ret && s.threads < POP_TASKS)
			ret = -ENOENT;
	} else if (!strcmp(name, PROCTRACE_FILE_ZOMBIES)) {
		ret = pt_parse_zombies(buf, &z);
		if (!ret)
			pt_zombies_free(&z);
	} else if (!strcmp(name, PROCTRACE_FILE_ORPHANS)) {
		ret = pt_parse_orphans(buf, &o);
		if (!ret)
			pt_orphans_free(&o);
	}
	if (ret)
		snprintf(why, size, "%s: %s", name, pt_errmsg());
	return ret;
}

static int open_view(const char *name)
{
	char path[128];

	snprintf(path, sizeof(path), PT_DIR "/%s", name);
	return open(path, O_RDONLY | O_CLOEXEC);
}

/* ---- the population ----------------------------------------------- */

static void *pop_thread(void *arg)
{
	char c;

	while (read((int)(long)arg, &c, 1) < 0 && errno == EINTR)
		;
	return NULL;
}

static void pop_worker(int release_r, int ready_w)
{
	pthread_attr_t attr;
	pthread_t tid;
	int i, err = 0;
	char c;

	prctl(PR_SET_NAME, "pt_mem_pop");
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, POP_STACK);
	for (i = 0; i < POP_THREADS && !err; i++)
		err = pthread_create(&tid, &attr, pop_thread,
				     (void *)(long)release_r);
	c = err ? (char)err : 0;
	if (write(ready_w, &c, 1) != 1 || err)
		_exit(1);
	close(ready_w);
	while (read(release_r, &c, 1) < 0 && errno == EINTR)
		;
	_exit(0);
}

static int pop_start(void)
{
	int release[2], ready[2], i, ret;
	char c;

	ret = pt_raise_task_limits(POP_TASKS, &pop.limits);
	if (ret) {
		snprintf(pop.why, sizeof(pop.why), "%s", pt_errmsg());
		return ret;
	}
	if (pipe2(release, O_CLOEXEC) || pipe2(ready, O_CLOEXEC))
		return -errno;
	for (i = 0; i < POP_WORKERS; i++) {
		pop.workers[i] = fork();
		if (pop.workers[i] < 0)
			return -errno;
		if (!pop.workers[i]) {
			close(release[1]);
			close(ready[0]);
			pop_worker(release[0], ready[1]);
		}
	}
	close(release[0]);
	close(ready[1]);
	pop.release_w = release[1];
	for (i = 0; i < POP_WORKERS; i++) {
		ret = pt_read_full(ready[0], &c, 1, WAIT_MS);
		if (ret || c) {
			snprintf(pop.why, sizeof(pop.why),
				 "population worker %d: %s", i,
				 strerror(ret ? -ret : c));
			close(ready[0]);
			return ret ?: -c;
		}
	}
	close(ready[0]);
	return 0;
}

static void pop_stop(void)
{
	int i;

	close(pop.release_w);
	for (i = 0; i < POP_WORKERS; i++)
		if (pop.workers[i] > 0)
			waitpid(pop.workers[i], NULL, 0);
	pt_restore_task_limits(&pop.limits);
}

/* ---- budget ------------------------------------------------------- */

struct attack_report {
	int fds;
	int err; /* errno of the refused open; 0: stopped at the cap */
	long pinned_kb;
};

/*
 * An attacker, as whoever @enter makes it: opens "tasks" until refused
 * (or until the memory pinned since @base_kb passes ATTACK_CAP_KB, so an
 * unfixed module does not take the guest down), reports, and holds its
 * files until @hold_r reaches end of file.
 */
static void attacker(int report_w, int hold_r, long base_kb, int (*enter)(void))
{
	struct rlimit nofile = { ATTACK_NOFILE, ATTACK_NOFILE };
	struct attack_report rep = { 0 };

	if (setrlimit(RLIMIT_NOFILE, &nofile) || enter())
		_exit(2);
	for (;;) {
		if (open_view(PROCTRACE_FILE_TASKS) < 0) {
			rep.err = errno;
			break;
		}
		rep.fds++;
		if (pinned_kb() - base_kb > ATTACK_CAP_KB)
			break;
	}
	rep.pinned_kb = pinned_kb() - base_kb;
	if (pt_write_full(report_w, &rep, sizeof(rep)))
		_exit(3);
	pt_wait_eof(hold_r);
	_exit(0);
}

static int enter_nobody(void)
{
	return become(NOBODY);
}

/* Root that unshares its user namespace: the namespace's owner is uid 0. */
static int enter_userns(void)
{
	return unshare(CLONE_NEWUSER) ? -errno : 0;
}

/* Still uid 0 on the host, without CAP_SYS_ADMIN. */
static int drop_sys_admin(void)
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3,
						0 };
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];
	int i = CAP_TO_INDEX(CAP_SYS_ADMIN);

	if (syscall(SYS_capget, &hdr, data))
		return -errno;
	data[i].effective &= ~CAP_TO_MASK(CAP_SYS_ADMIN);
	data[i].permitted &= ~CAP_TO_MASK(CAP_SYS_ADMIN);
	data[i].inheritable &= ~CAP_TO_MASK(CAP_SYS_ADMIN);
	return syscall(SYS_capset, &hdr, data) ? -errno : 0;
}

/* Opens @view in a child after @enter; 0, the errno, or 255: no @enter. */
static int open_after(int (*enter)(void), const char *view)
{
	int status, fd;
	pid_t pid = fork();

	if (pid < 0)
		return errno;
	if (!pid) {
		if (enter())
			_exit(255);
		fd = open_view(view);
		_exit(fd < 0 ? errno : 0);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

/* Opens @view as @uid in a child; returns 0 or the errno it got. */
static int open_as(uid_t uid, const char *view)
{
	int status, fd;
	pid_t pid = fork();

	if (pid < 0)
		return errno;
	if (!pid) {
		if (become(uid))
			_exit(255);
		fd = open_view(view);
		_exit(fd < 0 ? errno : 0);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

FIXTURE(budget)
{
	long saved_kb;
	int kmsg;
};

FIXTURE_SETUP(budget)
{
	self->saved_kb = -1;
	self->kmsg = kmsg_open();
	ASSERT_LE(0, self->kmsg) TH_LOG("/dev/kmsg: %s", strerror(errno));
	if (pt_read_long(BUDGET_PARAM, &self->saved_kb)) {
		/* An old module: the attack runs and shows it unbounded. */
		TH_LOG("no %s: assuming %ld KiB", BUDGET_PARAM, BUDGET_KB);
		self->saved_kb = -1;
	} else {
		ASSERT_EQ(0, pt_write_long(BUDGET_PARAM, BUDGET_KB));
	}
}

FIXTURE_TEARDOWN(budget)
{
	if (self->saved_kb >= 0)
		pt_write_long(BUDGET_PARAM, self->saved_kb);
	if (self->kmsg >= 0)
		close(self->kmsg);
}

TEST_F_TIMEOUT(budget, unprivileged_opens_stop_at_the_budget, TEST_TIMEOUT)
{
	int hold[2], report[2], ready[2], i, status, fds = 0, err;
	struct attack_report rep[ATTACKERS];
	pid_t victim, pids[ATTACKERS];
	long base_kb, pinned, limit;
	char found[512], why[256];
	size_t len;
	char *buf, c;

	ASSERT_EQ(0, pop.err) TH_LOG("no population: %s", pop.why);
	ASSERT_EQ(0, pipe2(hold, O_CLOEXEC));
	ASSERT_EQ(0, pipe2(ready, O_CLOEXEC));

	/* The victim: a root process holding memory it has touched. */
	victim = fork();
	ASSERT_LE(0, victim);
	if (!victim) {
		char *mem = malloc(VICTIM_BYTES);

		close(hold[1]);
		if (!mem)
			_exit(2);
		memset(mem, 0x5a, VICTIM_BYTES);
		c = 0;
		if (write(ready[1], &c, 1) != 1)
			_exit(3);
		pt_wait_eof(hold[0]);
		_exit(mem[VICTIM_BYTES - 1] == 0x5a ? 0 : 4);
	}
	close(ready[1]);
	ASSERT_EQ(0, pt_read_full(ready[0], &c, 1, WAIT_MS));
	close(ready[0]);

	base_kb = pinned_kb();
	ASSERT_LT(0, base_kb);
	/* One after the other, so each report says what it alone got. */
	for (i = 0; i < ATTACKERS; i++) {
		ASSERT_EQ(0, pipe2(report, O_CLOEXEC));
		pids[i] = fork();
		ASSERT_LE(0, pids[i]);
		if (!pids[i]) {
			close(hold[1]);
			close(report[0]);
			attacker(report[1], hold[0], base_kb, enter_nobody);
		}
		close(report[1]);
		ASSERT_EQ(0, pt_read_full(report[0], &rep[i], sizeof(rep[i]),
					  WAIT_MS))
		TH_LOG("attacker %d did not report", i);
		close(report[0]);
		fds += rep[i].fds;
		TH_LOG("attacker %d: %d fds, then %s, %ld KiB pinned", i,
		       rep[i].fds, rep[i].err ? strerror(rep[i].err) : "cap",
		       rep[i].pinned_kb);
	}
	pinned = pinned_kb() - base_kb;
	limit = BUDGET_KB + fds * FD_SLACK_KB + NOISE_KB;

	/* While uid 65534 is refused, root and another uid are not. */
	ASSERT_EQ(0, pt_read_view(PROCTRACE_FILE_TASKS, &buf, &len))
	TH_LOG("root: %s", pt_errmsg());
	EXPECT_EQ(0, check_tasks(buf, why, sizeof(why))) TH_LOG("%s", why);
	free(buf);
	EXPECT_EQ(0, open_as(OTHER_UID, PROCTRACE_FILE_TASKS));

	close(hold[1]);
	for (i = 0; i < ATTACKERS; i++) {
		ASSERT_EQ(pids[i], waitpid(pids[i], &status, 0));
		EXPECT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status))
		TH_LOG("attacker %d: status %#x", i, status);
	}
	ASSERT_EQ(victim, waitpid(victim, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status))
	TH_LOG("the victim did not survive: status %#x", status);

	EXPECT_LT(0, rep[0].fds) TH_LOG("not even one snapshot fits");
	for (i = 0; i < ATTACKERS; i++) {
		EXPECT_EQ(EBUSY, rep[i].err)
		TH_LOG("attacker %d stopped by %s, not EBUSY", i,
		       rep[i].err ? strerror(rep[i].err) : "the test's cap");
	}
	EXPECT_GE(limit, pinned)
	TH_LOG("%ld KiB pinned by %d fds; budget %ld KiB", pinned, fds,
	       BUDGET_KB);

	/* Closing gave the budget back. */
	err = open_as(NOBODY, PROCTRACE_FILE_TASKS);
	EXPECT_EQ(0, err) TH_LOG("after close: %s", strerror(err));
	EXPECT_EQ(0, pop_alive(why, sizeof(why))) TH_LOG("%s", why);
	EXPECT_EQ(0, kmsg_find(self->kmsg, oom_words, found, sizeof(found)))
	TH_LOG("dmesg: %s", found);
}

/*
 * Containers whose user namespaces root created all have owner uid 0: one
 * of them exhausting its budget must leave the others', and host uid 0's.
 */
TEST_F_TIMEOUT(budget, root_owned_user_namespaces_have_their_own, TEST_TIMEOUT)
{
	int hold[2], report[2], status, err;
	struct attack_report rep;
	char found[512];
	long base_kb;
	pid_t pid;

	ASSERT_EQ(0, pop.err) TH_LOG("no population: %s", pop.why);
	err = open_after(enter_userns, PROCTRACE_FILE_TASKS);
	if (err == 255)
		SKIP(return, "cannot unshare(CLONE_NEWUSER)");
	ASSERT_EQ(0, err) TH_LOG("in a user namespace: %s", strerror(err));

	ASSERT_EQ(0, pipe2(hold, O_CLOEXEC));
	ASSERT_EQ(0, pipe2(report, O_CLOEXEC));
	base_kb = pinned_kb();
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		close(hold[1]);
		close(report[0]);
		attacker(report[1], hold[0], base_kb, enter_userns);
	}
	close(report[1]);
	ASSERT_EQ(0, pt_read_full(report[0], &rep, sizeof(rep), WAIT_MS))
	TH_LOG("the attacker did not report");
	close(report[0]);
	TH_LOG("attacker: %d fds, then %s, %ld KiB pinned", rep.fds,
	       rep.err ? strerror(rep.err) : "cap", rep.pinned_kb);

	/* While that namespace is refused, these are not. */
	err = open_after(enter_userns, PROCTRACE_FILE_TASKS);
	EXPECT_EQ(0, err) TH_LOG("another namespace: %s", strerror(err));
	err = open_after(drop_sys_admin, PROCTRACE_FILE_TASKS);
	EXPECT_EQ(0, err)
	TH_LOG("uid 0 without CAP_SYS_ADMIN: %s", strerror(err));

	close(hold[1]);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status))
	TH_LOG("attacker: status %#x", status);
	EXPECT_LT(0, rep.fds) TH_LOG("not even one snapshot fits");
	EXPECT_EQ(EBUSY, rep.err)
	TH_LOG("stopped by %s, not EBUSY",
	       rep.err ? strerror(rep.err) : "the test's cap");
	EXPECT_EQ(0, kmsg_find(self->kmsg, oom_words, found, sizeof(found)))
	TH_LOG("dmesg: %s", found);
}

/* ---- memory cgroup ------------------------------------------------ */

struct cg_result {
	int open_err;
	int read_err;
	size_t len;
	char buf[];
};

/*
 * Touches @depth frames of CG_FRAME bytes of stack below the caller's, so
 * the calls the caller makes later fault no stack page in. The recursion
 * keeps the area below the caller even if a level is inlined, and the
 * empty asm after it keeps the stores and stops a tail call.
 */
static void prefault_stack(int depth)
{
	char area[CG_FRAME];

	memset(area, 1, sizeof(area));
	if (depth > 0)
		prefault_stack(depth - 1);
	__asm__ __volatile__("" : : "r"(area) : "memory");
}

/*
 * In a child: everything it will touch is faulted in first, then it moves
 * itself into the cgroup and only opens and reads. So the cgroup is
 * charged for the view and nothing else. mlockall() breaks copy-on-write
 * on every private page shared with the parent after fork() (libc's data,
 * the heap), which a later write would otherwise fault in and charge to
 * the small cgroup: at 16K that alone got the reader OOM-killed on 7.3.
 * The stack below the current frame is not mapped yet, hence the prefault.
 */
static void cg_reader(const char *procs, const char *view,
		      struct cg_result *res)
{
	ssize_t n;
	size_t i;
	int fd, cg;

	prefault_stack(CG_STACK / CG_FRAME);
	for (i = 0; i < CG_BUF; i += 4096)
		res->buf[i] = 0;
	if (mlockall(MCL_CURRENT))
		_exit(3);
	cg = open(procs, O_WRONLY | O_CLOEXEC);
	if (cg < 0 || write(cg, "0", 1) != 1)
		_exit(2);
	close(cg);
	errno = 0;

	fd = open_view(view);
	if (fd < 0) {
		res->open_err = errno;
		_exit(0);
	}
	for (;;) {
		n = read(fd, res->buf + res->len, CG_BUF - 1 - res->len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			res->read_err = errno;
		if (n <= 0)
			break;
		res->len += n;
	}
	res->buf[res->len] = '\0';
	_exit(0);
}

/* "oom_kill N" of memory.events. */
static long cg_oom_kills(const char *dir)
{
	char path[256], line[128];
	long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "%s/memory.events", dir);
	f = fopen(path, "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "oom_kill ", 9))
			v = strtol(line + 9, NULL, 10);
	fclose(f);
	return v;
}

FIXTURE(memcg)
{
	char dir[128];
	bool made, mounted;
	int kmsg;
	struct cg_result *res;
};

FIXTURE_SETUP(memcg)
{
	char ctl[512], path[256];

	self->kmsg = -1;
	self->res = MAP_FAILED;
	if (!exists(CG_ROOT "/cgroup.controllers")) {
		if (mount("cgroup2", CG_ROOT, "cgroup2", 0, NULL))
			SKIP(return, "%s: %s", NO_CGROUP2, strerror(errno));
		self->mounted = true;
	}
	ASSERT_EQ(0,
		  pt_read_str(CG_ROOT "/cgroup.controllers", ctl, sizeof(ctl)));
	if (!strstr(ctl, "memory"))
		SKIP(return, NO_MEMCG);
	pt_write_str(CG_ROOT "/cgroup.subtree_control", "+memory");
	ASSERT_EQ(0, pt_read_str(CG_ROOT "/cgroup.subtree_control", ctl,
				 sizeof(ctl)));
	if (!strstr(ctl, "memory"))
		SKIP(return, NO_MEMCG_BELOW);
	snprintf(self->dir, sizeof(self->dir), CG_ROOT "/proctrace-mem-%d",
		 getpid());
	ASSERT_EQ(0, mkdir(self->dir, 0755)) TH_LOG("%s", strerror(errno));
	self->made = true;
	snprintf(path, sizeof(path), "%s/memory.swap.max", self->dir);
	if (exists(path))
		pt_write_str(path, "0");
	self->res = mmap(NULL, sizeof(*self->res) + CG_BUF,
			 PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1,
			 0);
	ASSERT_NE(MAP_FAILED, self->res);
	/* Charged here, to this cgroup: the reader only maps it. */
	memset(self->res, 0, sizeof(*self->res) + CG_BUF);
	self->kmsg = kmsg_open();
	ASSERT_LE(0, self->kmsg);
}

FIXTURE_TEARDOWN(memcg)
{
	char dir[192];
	unsigned int l, v;

	/* A reader's cgroup an assertion left behind (r<limit>-<view>). */
	for (l = 0; self->made && l < 3; l++)
		for (v = 0; v < 2; v++) {
			snprintf(dir, sizeof(dir), "%s/r%u-%u", self->dir, l,
				 v);
			rmdir(dir);
		}
	if (self->made)
		rmdir(self->dir);
	if (self->mounted)
		umount(CG_ROOT);
	if (self->res != MAP_FAILED)
		munmap(self->res, sizeof(*self->res) + CG_BUF);
	if (self->kmsg >= 0)
		close(self->kmsg);
}

TEST_F_TIMEOUT(memcg, small_cgroup_reader_gets_enomem, TEST_TIMEOUT)
{
	static const long limits[] = { 16 << 10, 128 << 10, 512 << 10 };
	static const char *const views[] = { PROCTRACE_FILE_TASKS,
					     PROCTRACE_FILE_TREE };
	char dir[192], path[256], procs[256], found[512], why[256];
	unsigned int l, v;
	int status, err, refused = 0;
	pid_t pid;

	ASSERT_EQ(0, pop.err) TH_LOG("no population: %s", pop.why);
	snprintf(path, sizeof(path), "%s/cgroup.subtree_control", self->dir);
	ASSERT_EQ(0, pt_write_str(path, "+memory"));
	for (l = 0; l < ARRAY_SIZE(limits); l++) {
		for (v = 0; v < ARRAY_SIZE(views); v++) {
			/*
			 * A new cgroup for every reader: at 16K, charges an
			 * earlier reader left behind (per-CPU stocks drained
			 * asynchronously, objects freed after an RCU grace
			 * period) were enough for the kernel's own
			 * struct file of the next open() to invoke the OOM
			 * killer, proctrace or not (6.12, alloc_empty_file).
			 */
			snprintf(dir, sizeof(dir), "%s/r%u-%u", self->dir, l,
				 v);
			ASSERT_EQ(0, mkdir(dir, 0755))
			TH_LOG("%s: %s", dir, strerror(errno));
			snprintf(path, sizeof(path), "%s/memory.swap.max", dir);
			if (exists(path))
				pt_write_str(path, "0");
			snprintf(path, sizeof(path), "%s/memory.max", dir);
			ASSERT_EQ(0, pt_write_long(path, limits[l]));
			snprintf(procs, sizeof(procs), "%s/cgroup.procs", dir);
			memset(self->res, 0, sizeof(*self->res));
			pid = fork();
			ASSERT_LE(0, pid);
			if (!pid)
				cg_reader(procs, views[v], self->res);
			ASSERT_EQ(pid, waitpid(pid, &status, 0));
			EXPECT_EQ(0, cg_oom_kills(dir));
			rmdir(dir);
			ASSERT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status))
			TH_LOG("%s under %ld bytes: reader status %#x%s",
			       views[v], limits[l], status,
			       WIFSIGNALED(status) &&
					       WTERMSIG(status) == SIGKILL ?
				       " (OOM-killed)" :
				       "");
			err = self->res->open_err ?: self->res->read_err;
			TH_LOG("%s under %ld bytes: %s", views[v], limits[l],
			       err ? strerror(err) : "read whole");
			if (err) {
				EXPECT_EQ(ENOMEM, err);
				refused++;
			} else {
				EXPECT_EQ(0,
					  check_view(views[v], self->res->buf,
						     why, sizeof(why)))
				TH_LOG("%s", why);
			}
			/* Each task of "tasks" takes more than 8 bytes. */
			if (!v && limits[l] < POP_TASKS * 8L)
				EXPECT_EQ(ENOMEM, err);
		}
	}
	EXPECT_LT(0, refused);
	EXPECT_EQ(0, kmsg_find(self->kmsg, oom_words, found, sizeof(found)))
	TH_LOG("dmesg: %s", found);
}

/* ---- allocation failure ------------------------------------------- */

struct knob {
	const char *path;
	const char *value;
	char saved[32];
};

/* failslab and fail_page_alloc skip sleeping allocations by default. */
static struct knob knobs[] = {
	{ .path = DEBUGFS "/failslab/ignore-gfp-wait", .value = "N" },
	{ .path = DEBUGFS "/failslab/verbose", .value = "0" },
	{ .path = DEBUGFS "/fail_page_alloc/ignore-gfp-wait", .value = "N" },
	{ .path = DEBUGFS "/fail_page_alloc/ignore-gfp-highmem", .value = "N" },
	{ .path = DEBUGFS "/fail_page_alloc/min-order", .value = "0" },
	{ .path = DEBUGFS "/fail_page_alloc/verbose", .value = "0" },
};

static const char *const inject_views[] = {
	PROCTRACE_FILE_TREE,	 PROCTRACE_FILE_TASKS,	 PROCTRACE_FILE_STATS,
	PROCTRACE_FILE_KTHREADS, PROCTRACE_FILE_ZOMBIES, PROCTRACE_FILE_ORPHANS,
};

struct inject_report {
	int points; /* injections tried, the last one found none to fail */
	int enomem; /* injected, and the reader got ENOMEM */
	int tolerated; /* injected, and the reader still got the whole view */
	int other; /* a result neither ENOMEM nor a good view */
	int other_n, other_err;
	bool done; /* fewer than MAX_POINTS points */
	int final_err; /* the open after, without injection */
	char why[200];
};

/*
 * Between arming fail-nth and reading it back the walker makes only the
 * open(), read() and close() of the view: the control file stays open and
 * the view is read into a buffer faulted in beforehand, so no other
 * allocation (a page fault, malloc()'s mmap) can take the injection.
 */
static char inject_buf[8 << 20];
static int fail_nth_fd = -1;

/* One open() and read() of @view with the @n-th injection point failing. */
static int inject_once(const char *view, int n, bool *injected)
{
	char num[16], left[16] = "";
	size_t len = 0;
	int fd, ret = 0;
	ssize_t r;

	*injected = false;
	snprintf(num, sizeof(num), "%d", n);
	if (pwrite(fail_nth_fd, num, strlen(num), 0) < 0)
		return -EIO;
	fd = open_view(view);
	if (fd < 0)
		ret = -errno;
	while (fd >= 0 && len < sizeof(inject_buf) - 1) {
		r = read(fd, inject_buf + len, sizeof(inject_buf) - 1 - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			ret = -errno;
		if (r <= 0)
			break;
		len += r;
	}
	/* 0: the failure was injected; N > 0: there were fewer points. */
	r = pread(fail_nth_fd, left, sizeof(left) - 1, 0);
	if (pwrite(fail_nth_fd, "0", 1, 0) < 0 || r <= 0)
		ret = -EIO;
	if (fd >= 0)
		close(fd);
	inject_buf[len] = '\0';
	*injected = r > 0 && left[0] == '0';
	return ret;
}

/* In a child of uid 65534, so every open is charged to a budget. */
static void inject_walker(int report_w)
{
	struct inject_report rep;
	bool injected;
	unsigned int v;
	char *buf;
	int n, ret;

	memset(inject_buf, 0, sizeof(inject_buf));
	fail_nth_fd = open(FAIL_NTH, O_RDWR | O_CLOEXEC);
	if (fail_nth_fd < 0 || become(NOBODY))
		_exit(2);
	for (v = 0; v < ARRAY_SIZE(inject_views); v++) {
		memset(&rep, 0, sizeof(rep));
		for (n = 1; n <= MAX_POINTS; n++) {
			rep.points++;
			ret = inject_once(inject_views[v], n, &injected);
			if (!ret && check_view(inject_views[v], inject_buf,
					       rep.why, sizeof(rep.why)))
				ret = -EBADMSG;
			if (!injected) {
				rep.done = true;
				if (ret && !rep.other++) {
					rep.other_n = n;
					rep.other_err = -ret;
				}
				break;
			}
			if (ret == -ENOMEM) {
				rep.enomem++;
			} else if (!ret) {
				rep.tolerated++;
			} else if (!rep.other++) {
				rep.other_n = n;
				rep.other_err = -ret;
			}
		}
		ret = pt_read_view(inject_views[v], &buf, NULL);
		if (!ret) {
			ret = check_view(inject_views[v], buf, rep.why,
					 sizeof(rep.why));
			free(buf);
		}
		rep.final_err = -ret;
		if (pt_write_full(report_w, &rep, sizeof(rep)))
			_exit(3);
	}
	_exit(0);
}

static int read_stats(struct pt_stats *s)
{
	char *buf;
	int ret = pt_read_view(PROCTRACE_FILE_STATS, &buf, NULL);

	if (ret)
		return ret;
	ret = pt_parse_stats(buf, s);
	free(buf);
	return ret;
}

/* Lines of the kmemleak report that name proctrace, or 0. */
static int kmemleak_proctrace(char *found, size_t size)
{
	char *buf, *hit;
	int ret;

	if (pt_write_str(KMEMLEAK, "scan"))
		return 0;
	ret = pt_read_path(KMEMLEAK, &buf, NULL);
	if (ret)
		return 0;
	hit = strstr(buf, "[" PT_MODULE "]");
	if (hit)
		snprintf(found, size, "%.400s",
			 hit > buf + 200 ? hit - 200 : buf);
	free(buf);
	return !!hit;
}

FIXTURE(inject)
{
	bool have_knobs;
	int kmsg;
};

FIXTURE_SETUP(inject)
{
	unsigned int i;
	int ret;

	self->kmsg = -1;
	if (!exists(DEBUGFS "/failslab"))
		mount("debugfs", DEBUGFS, "debugfs", 0, NULL);
	if (!exists(DEBUGFS "/failslab") ||
	    !exists(DEBUGFS "/fail_page_alloc") || !exists(FAIL_NTH))
		SKIP(return, NO_FAULT_INJECTION);
	for (i = 0; i < ARRAY_SIZE(knobs); i++) {
		ret = pt_read_str(knobs[i].path, knobs[i].saved,
				  sizeof(knobs[i].saved));
		ASSERT_EQ(0, ret)
		TH_LOG("%s: %s", knobs[i].path, strerror(-ret));
	}
	self->have_knobs = true;
	for (i = 0; i < ARRAY_SIZE(knobs); i++) {
		ASSERT_EQ(0, pt_write_str(knobs[i].path, knobs[i].value))
		TH_LOG("%s", knobs[i].path);
	}
	self->kmsg = kmsg_open();
	ASSERT_LE(0, self->kmsg);
}

FIXTURE_TEARDOWN(inject)
{
	unsigned int i;

	pt_write_str(FAIL_NTH, "0");
	if (self->have_knobs)
		for (i = 0; i < ARRAY_SIZE(knobs); i++)
			pt_write_str(knobs[i].path, knobs[i].saved);
	if (self->kmsg >= 0)
		close(self->kmsg);
}

TEST_F_TIMEOUT(inject, every_open_allocation_fails_with_enomem, TEST_TIMEOUT)
{
	struct inject_report rep;
	struct pt_stats before, after;
	char found[512], why[256];
	int report[2], status;
	unsigned int v;
	pid_t pid;

	ASSERT_EQ(0, pop.err) TH_LOG("no population: %s", pop.why);
	if (exists(KMEMLEAK))
		pt_write_str(KMEMLEAK, "clear");
	PT_ASSERT_OK(read_stats(&before));
	ASSERT_EQ(0, pipe2(report, O_CLOEXEC));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		close(report[0]);
		inject_walker(report[1]);
	}
	close(report[1]);
	for (v = 0; v < ARRAY_SIZE(inject_views); v++) {
		ASSERT_EQ(0, pt_read_full(report[0], &rep, sizeof(rep), -1))
		TH_LOG("the walker died before %s", inject_views[v]);
		TH_LOG("%s: %d points, %d ENOMEM, %d whole views, %d other",
		       inject_views[v], rep.points, rep.enomem, rep.tolerated,
		       rep.other);
		EXPECT_TRUE(rep.done)
		TH_LOG("%s: more than %d points", inject_views[v], MAX_POINTS);
		EXPECT_LT(0, rep.enomem);
		EXPECT_EQ(0, rep.other)
		TH_LOG("%s: point %d gave %s (%s)", inject_views[v],
		       rep.other_n, strerror(rep.other_err), rep.why);
		EXPECT_EQ(0, rep.final_err)
		TH_LOG("%s afterwards: %s (%s)", inject_views[v],
		       strerror(rep.final_err), rep.why);
	}
	close(report[0]);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status));

	PT_ASSERT_OK(read_stats(&after));
	EXPECT_EQ(before.table_dropped, after.table_dropped);
	EXPECT_EQ(before.events_lost, after.events_lost);
	/* Only the walker was born and reaped: the table is as it was. */
	if (after.forks - before.forks == 1 &&
	    after.reaps - before.reaps == 1) {
		EXPECT_EQ(before.table_used, after.table_used);
	} else {
		TH_LOG("other tasks came and went: table_used not compared");
	}
	EXPECT_EQ(0, pop_alive(why, sizeof(why))) TH_LOG("%s", why);
	if (exists(KMEMLEAK)) {
		EXPECT_EQ(0, kmemleak_proctrace(found, sizeof(found)))
		TH_LOG("kmemleak: %s", found);
	}
	EXPECT_EQ(0, kmsg_find(self->kmsg, splat_words, found, sizeof(found)))
	TH_LOG("dmesg: %s", found);
}

/* ---- kthreads during a user-mode-helper storm --------------------- */

struct storm_report {
	int crashes;
	int dumped; /* killed by SIGSEGV with a core: the helper ran */
};

static void storm(int report_w)
{
	struct rlimit core = { RLIM_INFINITY, RLIM_INFINITY };
	struct storm_report rep = { 0 };
	int i, status;
	pid_t pid;

	for (i = 0; i < CRASHES; i++) {
		pid = fork();
		if (pid < 0)
			break;
		if (!pid) {
			setrlimit(RLIMIT_CORE, &core);
			prctl(PR_SET_DUMPABLE, 1);
			signal(SIGSEGV, SIG_DFL);
			kill(getpid(), SIGSEGV);
			_exit(1);
		}
		if (waitpid(pid, &status, 0) != pid)
			break;
		rep.crashes++;
		rep.dumped += WIFSIGNALED(status) &&
			      WTERMSIG(status) == SIGSEGV && WCOREDUMP(status);
	}
	if (pt_write_full(report_w, &rep, sizeof(rep)))
		_exit(3);
	_exit(0);
}

/*
 * Every task "kthreads" lists as a kernel thread, not a worker inside a
 * user process, must be PF_KTHREAD in /proc/PID/stat; a task that is gone
 * since proves nothing either way.
 */
static int check_kthreads(const char *buf, char *why, size_t size)
{
	struct pt_kthreads k;
	struct pt_stat st;
	size_t i;

	if (pt_parse_kthreads(buf, &k)) {
		snprintf(why, size, "kthreads: %s", pt_errmsg());
		return -EINVAL;
	}
	for (i = 0; i < k.n; i++) {
		if (k.v[i].class & (PT_KC_IO_WORKER | PT_KC_USER_WORKER))
			continue;
		if (pt_read_stat("/proc", k.v[i].pid, k.v[i].pid, &st))
			continue;
		if (!(st.flags & PT_PF_KTHREAD)) {
			snprintf(why, size,
				 "kthreads lists %d (%s), flags %#lx in stat",
				 k.v[i].pid, k.v[i].comm, st.flags);
			pt_kthreads_free(&k);
			return -EINVAL;
		}
	}
	pt_kthreads_free(&k);
	return 0;
}

FIXTURE(umh)
{
	char saved[256];
	bool changed;
	int kmsg;
};

FIXTURE_SETUP(umh)
{
	self->kmsg = kmsg_open();
	ASSERT_LE(0, self->kmsg);
	ASSERT_EQ(0,
		  pt_read_str(CORE_PATTERN, self->saved, sizeof(self->saved)));
	ASSERT_EQ(0, pt_write_str(CORE_PATTERN, "|/bin/true"));
	self->changed = true;
}

FIXTURE_TEARDOWN(umh)
{
	if (self->changed)
		pt_write_str(CORE_PATTERN, self->saved);
	if (self->kmsg >= 0)
		close(self->kmsg);
}

TEST_F_TIMEOUT(umh, kthreads_reads_survive_helper_storm, TEST_TIMEOUT)
{
	struct pollfd pfd = { .events = POLLIN };
	struct storm_report rep;
	int report[2], reads = 0, bad = 0, status;
	char found[512], why[256] = "";
	char *buf;
	pid_t pid;

	ASSERT_EQ(0, pipe2(report, O_CLOEXEC));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		close(report[0]);
		storm(report[1]);
	}
	close(report[1]);
	pfd.fd = report[0];
	/* Until the storm reports, and at least once while it runs. */
	do {
		if (pt_read_view(PROCTRACE_FILE_KTHREADS, &buf, NULL)) {
			if (!bad++)
				snprintf(why, sizeof(why), "read: %s",
					 pt_errmsg());
			continue;
		}
		reads++;
		if (check_kthreads(buf, why, sizeof(why)))
			bad++;
		free(buf);
	} while (!poll(&pfd, 1, 0) && bad < 10);
	ASSERT_EQ(0, pt_read_full(report[0], &rep, sizeof(rep), WAIT_MS));
	close(report[0]);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	TH_LOG("%d reads of kthreads during %d crashes (%d dumped)", reads,
	       rep.crashes, rep.dumped);
	EXPECT_EQ(0, bad) TH_LOG("%s", why);
	EXPECT_EQ(CRASHES, rep.crashes);
	/* Dumped through the pipe: the kernel ran a helper for each. */
	EXPECT_EQ(CRASHES, rep.dumped);
	EXPECT_EQ(0, kmsg_find(self->kmsg, splat_words, found, sizeof(found)))
	TH_LOG("dmesg: %s", found);
}

int main(int argc, char **argv)
{
	int ret;

	pop.err = pop_start();
	if (pop.err && !pop.why[0])
		snprintf(pop.why, sizeof(pop.why), "%s", strerror(-pop.err));
	ret = test_harness_run(argc, argv);
	pop_stop();
	return ret;
}
