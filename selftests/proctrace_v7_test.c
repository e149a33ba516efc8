// SPDX-License-Identifier: GPL-2.0-only
/*
 * Process lifecycle features of newer kernels, as proctrace sees them.
 *
 * autoreap: children made with clone3(CLONE_AUTOREAP) (7.3) are released
 * by the kernel as they exit and never wait for their parent. The event
 * stream must still carry an exit and a reap record for each; the zombies
 * view must never list them, nor their parent as one failing to reap; the
 * lifecycle table must let go of them (table_used back to where it was).
 *
 * pidfd_exit: PIDFD_GET_INFO with PIDFD_INFO_EXIT (6.15) gives a process's
 * wait status after it was reaped, straight from the kernel. It is the
 * ground truth for the exit proctrace decodes, in the zombies view and in
 * the exit records of the event stream, and so is waitpid().
 *
 * Each test says which kernel feature it lacks, and skips, on older
 * kernels. Children wait on a pipe until the test lets them go; the test
 * follows them through waitid(WNOWAIT), pidfds and the event stream, and
 * never sleeps.
 */
#define _GNU_SOURCE
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/types.h>

/* kselftest_harness.h is not -Wextra clean: its SIGALRM handler. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include "kselftest_harness.h"
#pragma GCC diagnostic pop
/* See proctrace_reaping_test.c: the harness's setjmp() and gcc 12. */
#pragma GCC diagnostic ignored "-Wclobbered"

#include "proctrace_selftests.h"

/*
 * bookworm's headers (6.1) are older than what is tested here, so the
 * interfaces are spelt out, as the kernel's uapi headers give them.
 */
#ifndef __NR_clone3
#define __NR_clone3 435 /* 5.3, the same on every architecture */
#endif
#ifndef __NR_pidfd_open
#define __NR_pidfd_open 434 /* 5.3 */
#endif
#ifndef CLONE_PIDFD
#define CLONE_PIDFD 0x00001000 /* 5.2 */
#endif
#ifndef CLONE_AUTOREAP
/* Bit 34 (1ULL << 34), 7.3: include/uapi/linux/sched.h */
#define CLONE_AUTOREAP 0x400000000ULL
#endif

/* struct clone_args as of 5.3, the size clone3() accepts as version 0. */
struct v7_clone_args {
	__u64 flags;
	__u64 pidfd;
	__u64 child_tid;
	__u64 parent_tid;
	__u64 exit_signal;
	__u64 stack;
	__u64 stack_size;
	__u64 tls;
};

/*
 * PIDFD_GET_INFO appeared in 6.13, PIDFD_INFO_EXIT and exit_code (which
 * took the place of a spare field) in 6.15: include/uapi/linux/pidfd.h.
 * This is the first published layout, PIDFD_INFO_SIZE_VER0 (64 bytes);
 * the ioctl number carries the size, and the kernel accepts any size from
 * that one up.
 */
struct v7_pidfd_info {
	__u64 mask;
	__u64 cgroupid;
	__u32 pid;
	__u32 tgid;
	__u32 ppid;
	__u32 ruid;
	__u32 rgid;
	__u32 euid;
	__u32 egid;
	__u32 suid;
	__u32 sgid;
	__u32 fsuid;
	__u32 fsgid;
	__s32 exit_code;
};

#define V7_PIDFS_IOCTL_MAGIC 0xFF
#define V7_PIDFD_GET_INFO _IOWR(V7_PIDFS_IOCTL_MAGIC, 11, struct v7_pidfd_info)
#define V7_PIDFD_INFO_EXIT 0x8ULL /* bit 3 */

static_assert(sizeof(struct v7_pidfd_info) == 64, "PIDFD_INFO_SIZE_VER0");

/* Generous: the guest runs under QEMU software emulation. */
#define V7_WAIT_MS (120 * 1000)
#define V7_TIMEOUT 300
#define V7_CHILDREN 8
/* Threads the children start: child 2 ends from a second one. */
#define V7_THREADS 1
#define V7_EV_BUF (256 * 1024)
#define V7_NO_GET_INFO "kernel lacks PIDFD_INFO_EXIT (no PIDFD_GET_INFO)"

/* What abi.rst's "Exit decoding" makes of a wait status. */
static void v7_decode(int status, char *out, size_t size)
{
	const char *name;

	if (WIFEXITED(status)) {
		snprintf(out, size, "exited(%d)", WEXITSTATUS(status));
		return;
	}
	name = sigabbrev_np(WTERMSIG(status));
	snprintf(out, size, "%s(SIG%s)",
		 WCOREDUMP(status) ? "dumped" : "killed", name ? name : "?");
}

/* The exit status of @pidfd's process, once reaped: 0, or -errno. */
static int v7_pidfd_exit(int pidfd, int *status)
{
	struct v7_pidfd_info info = { .mask = V7_PIDFD_INFO_EXIT };

	if (ioctl(pidfd, V7_PIDFD_GET_INFO, &info))
		return -errno;
	if (!(info.mask & V7_PIDFD_INFO_EXIT))
		return -ENODATA;
	*status = info.exit_code;
	return 0;
}

static pid_t v7_clone3(__u64 flags, int *pidfd)
{
	struct v7_clone_args args = {
		.flags = flags | CLONE_PIDFD,
		.pidfd = (uintptr_t)pidfd,
		/* CLONE_AUTOREAP refuses an exit signal. */
		.exit_signal = (flags & CLONE_AUTOREAP) ? 0 : SIGCHLD,
	};

	return syscall(__NR_clone3, &args, sizeof(args));
}

/* How child @i ends, and so what its parent would collect. */
static int v7_status(int i)
{
	static const int sigs[] = { SIGKILL, SIGTERM, SIGUSR1 };

	if (i % 2)
		return sigs[(i / 2) % 3]; /* killed by it */
	return (i * 37 % 256) << 8; /* exited, 0 included */
}

static void *v7_exit_group(void *arg)
{
	_exit((int)(intptr_t)arg);
}

/*
 * Child @i: waits until the test closes the gate, then ends as
 * v7_status(@i) says; the one of index 2 ends from another thread, so
 * the status is the group's, not the leader's.
 */
static void __noreturn v7_child(int i, int gate_r)
{
	int status = v7_status(i);
	pthread_t t;
	char c;

	if (read(gate_r, &c, 1) != 0)
		_exit(200);
	if (WIFSIGNALED(status) || (status & 0x7f)) {
		signal(status & 0x7f, SIG_DFL);
		raise(status & 0x7f);
		_exit(201);
	}
	if (i == 2 && !pthread_create(&t, NULL, v7_exit_group,
				      (void *)(intptr_t)WEXITSTATUS(status)))
		pthread_join(t, NULL);
	_exit(WEXITSTATUS(status));
}

struct v7_kid {
	pid_t pid;
	int pidfd;
	bool exited; /* its exit record with group_dead=1 was read */
	bool reaped; /* its reap record was read */
	char ev_exit[32];
};

/* The event stream, read as it comes, and what it said about the kids. */
struct v7_events {
	int fd;
	char *buf;
	size_t len;
	bool lost;
	char err[256];
};

static struct v7_kid *v7_kid_find(struct v7_kid *kids, int n, int pid)
{
	int i;

	for (i = 0; i < n; i++)
		if (kids[i].pid == pid)
			return &kids[i];
	return NULL;
}

/*
 * One record: "seq ts type pid tgid start_ns key=value... comm=...".
 * Only exit and reap records of the kids matter here.
 */
static int v7_event_line(struct v7_events *ev, char *line, struct v7_kid *kids,
			 int n)
{
	char *tok[24], *save = NULL, *t;
	const char *v;
	struct v7_kid *k;
	int nt = 0, pid, i;
	bool dead = false;

	for (t = strtok_r(line, " ", &save); t && nt < 24;
	     t = strtok_r(NULL, " ", &save))
		tok[nt++] = t;
	if (nt >= 3 && !strcmp(tok[2], "lost")) {
		ev->lost = true;
		return 0;
	}
	/*
	 * An exit record is about a thread: the group's last one may be any
	 * of them (kid 2 ends from a second thread, and either thread can
	 * be the last to go), so it is matched by tgid. A reap record names
	 * the process.
	 */
	if (nt < 6 || pt_parse_int(tok[!strcmp(tok[2], "exit") ? 4 : 3], &pid))
		return 0;
	k = v7_kid_find(kids, n, pid);
	if (!k)
		return 0;
	if (!strcmp(tok[2], "reap")) {
		if (k->reaped) {
			snprintf(ev->err, sizeof(ev->err), "%d reaped twice",
				 pid);
			return -EPROTO;
		}
		k->reaped = true;
		return 0;
	}
	if (strcmp(tok[2], "exit"))
		return 0;
	for (i = 6; i < nt; i++) {
		v = pt_key_value(tok[i], "group_dead");
		if (v)
			dead = !strcmp(v, "1");
	}
	if (!dead)
		return 0;
	if (k->exited) {
		snprintf(ev->err, sizeof(ev->err), "%d died twice", pid);
		return -EPROTO;
	}
	/* The status the parent collects is the group's last thread's. */
	for (i = 6; i < nt; i++) {
		v = pt_key_value(tok[i], "exit");
		if (v)
			snprintf(k->ev_exit, sizeof(k->ev_exit), "%s", v);
	}
	k->exited = true;
	return 0;
}

/* Reads what the stream has within @timeout_ms; 0, or -errno. */
static int v7_events_pump(struct v7_events *ev, struct v7_kid *kids, int n,
			  int timeout_ms)
{
	struct pollfd pfd = { .fd = ev->fd, .events = POLLIN };
	char *nl, *line;
	ssize_t r;
	int ret;

	ret = poll(&pfd, 1, timeout_ms);
	if (ret < 0)
		return errno == EINTR ? 0 : -errno;
	if (!ret)
		return 0;
	r = read(ev->fd, ev->buf + ev->len, V7_EV_BUF - 1 - ev->len);
	if (r < 0)
		return errno == EAGAIN || errno == EINTR ? 0 : -errno;
	if (!r)
		return -EPIPE;
	ev->len += r;
	ev->buf[ev->len] = '\0';
	line = ev->buf;
	while ((nl = strchr(line, '\n'))) {
		*nl = '\0';
		if (line[0] != '#') {
			ret = v7_event_line(ev, line, kids, n);
			if (ret)
				return ret;
		}
		line = nl + 1;
	}
	ev->len -= line - ev->buf;
	memmove(ev->buf, line, ev->len);
	return 0;
}

static int v7_events_open(struct v7_events *ev)
{
	char path[128];

	memset(ev, 0, sizeof(*ev));
	ev->buf = malloc(V7_EV_BUF);
	if (!ev->buf)
		return -ENOMEM;
	snprintf(path, sizeof(path), "%s/%s", PT_DIR, PROCTRACE_FILE_EVENTS);
	ev->fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	return ev->fd < 0 ? -errno : 0;
}

static void v7_events_close(struct v7_events *ev)
{
	if (ev->fd >= 0)
		close(ev->fd);
	free(ev->buf);
}

static int v7_read_stats(struct pt_stats *st)
{
	char *buf;
	int ret;

	ret = pt_read_view(PROCTRACE_FILE_STATS, &buf, NULL);
	if (ret)
		return ret;
	ret = pt_parse_stats(buf, st);
	free(buf);
	return ret;
}

static int v7_read_zombies(struct pt_zombies *z)
{
	char *buf;
	int ret;

	ret = pt_read_view(PROCTRACE_FILE_ZOMBIES, &buf, NULL);
	if (ret)
		return ret;
	ret = pt_parse_zombies(buf, z);
	free(buf);
	return ret;
}

FIXTURE(v7)
{
	struct v7_kid kids[V7_CHILDREN];
	int nkids;
	int gate[2];
	struct v7_events ev;
};

FIXTURE_SETUP(v7)
{
	const char *skip = pt_skip_reason();

	self->gate[0] = -1;
	self->gate[1] = -1;
	self->ev.fd = -1;
	self->ev.buf = NULL;
	self->nkids = 0;
	if (skip)
		SKIP(return, "%s", skip);
	ASSERT_EQ(0, pipe2(self->gate, O_CLOEXEC));
	ASSERT_EQ(0, v7_events_open(&self->ev))
	TH_LOG("events: %s", strerror(errno));
}

FIXTURE_TEARDOWN(v7)
{
	int i;

	for (i = 0; i < self->nkids; i++) {
		if (!self->kids[i].reaped)
			kill(self->kids[i].pid, SIGKILL);
		close(self->kids[i].pidfd);
	}
	while (waitpid(-1, NULL, __WALL) > 0)
		;
	if (self->gate[1] >= 0)
		close(self->gate[1]);
	if (self->gate[0] >= 0)
		close(self->gate[0]);
	v7_events_close(&self->ev);
}

/* Starts child @i with clone3(@flags); -errno when clone3() refuses. */
static int v7_spawn(FIXTURE_DATA(v7) * self, int i, __u64 flags)
{
	struct v7_kid *k = &self->kids[i];
	pid_t pid;

	k->pidfd = -1;
	pid = v7_clone3(flags, &k->pidfd);
	if (pid < 0)
		return -errno;
	if (!pid) {
		close(self->gate[1]);
		v7_child(i, self->gate[0]);
	}
	k->pid = pid;
	self->nkids = i + 1;
	return 0;
}

/* "PID COMM KIND EXIT" of zombie line @l, for a failure message. */
static void v7_zline(const struct pt_zline *l, char *out, size_t size)
{
	snprintf(out, size, "%d %s %s %s", l->pid, l->comm, l->kind, l->exit);
}

/*
 * Whether any line of the zombies view is about one of the kids; if so,
 * what it said, in @why. A parent line's zombie lines follow it.
 */
static const char *v7_listed(FIXTURE_DATA(v7) * self,
			     const struct pt_zombies *z, char *why, size_t size)
{
	const struct pt_zline *l;
	char line[128] = "none";
	size_t i;

	for (i = 0; i < z->n; i++) {
		l = &z->v[i];
		if (l->parent && l->pid == getpid()) {
			if (i + 1 < z->n && !l[1].parent)
				v7_zline(&l[1], line, sizeof(line));
			snprintf(why, size,
				 "the test, as a parent (its first zombie: %s)",
				 line);
			return why;
		}
		if (!l->parent &&
		    v7_kid_find(self->kids, self->nkids, l->pid)) {
			v7_zline(l, line, sizeof(line));
			snprintf(why, size, "an autoreap child: %s", line);
			return why;
		}
	}
	return NULL;
}

TEST_F_TIMEOUT(v7, autoreap, V7_TIMEOUT)
{
	long long deadline = pt_now_ms() + V7_WAIT_MS;
	struct pt_stats s0, s1;
	char want[32], got[32], why[256];
	struct pt_zombies z;
	const char *listed;
	int i, ret, status, done;

	PT_ASSERT_OK(v7_read_stats(&s0));
	for (i = 0; i < V7_CHILDREN; i++) {
		ret = v7_spawn(self, i, CLONE_AUTOREAP);
		if (ret == -EINVAL && !i)
			SKIP(return, "kernel lacks CLONE_AUTOREAP");
		ASSERT_EQ(0, ret) TH_LOG("clone3: %s", strerror(-ret));
	}
	/* Let them go, then follow the stream until every one is freed. */
	close(self->gate[1]);
	self->gate[1] = -1;
	for (;;) {
		ret = v7_events_pump(&self->ev, self->kids, self->nkids, 100);
		ASSERT_EQ(0, ret)
		TH_LOG("events: %s %s", strerror(-ret), self->ev.err);
		ASSERT_FALSE(self->ev.lost);
		/* Whatever the kids are doing now, none may be listed. */
		PT_ASSERT_OK(v7_read_zombies(&z));
		listed = v7_listed(self, &z, why, sizeof(why));
		pt_zombies_free(&z);
		ASSERT_EQ(NULL, listed) TH_LOG("zombies lists %s", listed);
		for (i = 0, done = 0; i < self->nkids; i++)
			done += self->kids[i].exited && self->kids[i].reaped;
		if (done == self->nkids)
			break;
		ASSERT_LT(0, pt_left_ms(deadline))
		TH_LOG("%d of %d exit and reap records", done, self->nkids);
	}

	for (i = 0; i < self->nkids; i++) {
		struct v7_kid *k = &self->kids[i];

		v7_decode(v7_status(i), want, sizeof(want));
		EXPECT_STREQ(want, k->ev_exit) TH_LOG("child %d", k->pid);
		/* The kernel's own word, where it has PIDFD_INFO_EXIT. */
		ret = v7_pidfd_exit(k->pidfd, &status);
		if (ret) {
			TH_LOG("no PIDFD_INFO_EXIT (%s): exits unchecked",
			       strerror(-ret));
			continue;
		}
		v7_decode(status, got, sizeof(got));
		EXPECT_STREQ(want, got) TH_LOG("child %d", k->pid);
	}
	/* They never were the test's to wait for. */
	EXPECT_EQ(-1, waitpid(-1, &status, WNOHANG | __WALL));
	EXPECT_EQ(ECHILD, errno);

	/*
	 * Each kid's entry went when it was freed, before its reap record.
	 * Exact when nothing but the kids forked or was freed meanwhile.
	 */
	PT_ASSERT_OK(v7_read_stats(&s1));
	if (s1.forks - s0.forks == self->nkids + V7_THREADS &&
	    s1.reaps - s0.reaps == self->nkids + V7_THREADS) {
		EXPECT_EQ(s0.table_used, s1.table_used);
	} else {
		TH_LOG("not quiet: %lld forks, %lld frees", s1.forks - s0.forks,
		       s1.reaps - s0.reaps);
		EXPECT_LE(s1.table_used, s0.table_used + s1.forks - s0.forks -
						 self->nkids - V7_THREADS);
	}
}

TEST_F_TIMEOUT(v7, exit_codes, V7_TIMEOUT)
{
	long long deadline = pt_now_ms() + V7_WAIT_MS;
	char want[32], got[32], zexit[V7_CHILDREN][32];
	int i, ret, status, pidfd, done;
	struct pt_zombies z;
	siginfo_t si;
	size_t j;

	/* A live process answers PIDFD_GET_INFO without exit data. */
	pidfd = syscall(__NR_pidfd_open, getpid(), 0);
	ASSERT_LE(0, pidfd) TH_LOG("pidfd_open: %s", strerror(errno));
	ret = v7_pidfd_exit(pidfd, &status);
	close(pidfd);
	if (ret == -ENOTTY || ret == -EINVAL || ret == -EOPNOTSUPP)
		SKIP(return, V7_NO_GET_INFO);

	for (i = 0; i < V7_CHILDREN; i++) {
		ret = v7_spawn(self, i, 0);
		ASSERT_EQ(0, ret) TH_LOG("clone3: %s", strerror(-ret));
	}
	close(self->gate[1]);
	self->gate[1] = -1;
	/* Each is a zombie, unreaped, once waitid(WNOWAIT) returns it. */
	for (i = 0; i < self->nkids; i++)
		ASSERT_EQ(0, waitid(P_PID, self->kids[i].pid, &si,
				    WEXITED | WNOWAIT));
	PT_ASSERT_OK(v7_read_zombies(&z));
	for (i = 0; i < self->nkids; i++) {
		zexit[i][0] = '\0';
		for (j = 0; j < z.n; j++)
			if (!z.v[j].parent && z.v[j].pid == self->kids[i].pid)
				snprintf(zexit[i], sizeof(zexit[i]), "%s",
					 z.v[j].exit);
	}
	pt_zombies_free(&z);

	for (i = 0; i < self->nkids; i++) {
		ASSERT_EQ(self->kids[i].pid,
			  waitpid(self->kids[i].pid, &status, 0));
		v7_decode(status, want, sizeof(want));
		EXPECT_EQ(v7_status(i), status);
		ret = v7_pidfd_exit(self->kids[i].pidfd, &status);
		if (ret == -ENODATA)
			SKIP(return, "kernel lacks PIDFD_INFO_EXIT");
		ASSERT_EQ(0, ret) TH_LOG("PIDFD_GET_INFO: %s", strerror(-ret));
		v7_decode(status, got, sizeof(got));
		EXPECT_STREQ(want, got)
		TH_LOG("pidfd of %d", self->kids[i].pid);
		EXPECT_STREQ(want, zexit[i])
		TH_LOG("zombies view of %d", self->kids[i].pid);
	}

	/* The exit records, read up to the reap records that follow. */
	for (;;) {
		ret = v7_events_pump(&self->ev, self->kids, self->nkids, 100);
		ASSERT_EQ(0, ret)
		TH_LOG("events: %s %s", strerror(-ret), self->ev.err);
		ASSERT_FALSE(self->ev.lost);
		for (i = 0, done = 0; i < self->nkids; i++)
			done += self->kids[i].exited && self->kids[i].reaped;
		if (done == self->nkids)
			break;
		ASSERT_LT(0, pt_left_ms(deadline))
		TH_LOG("%d of %d exit and reap records", done, self->nkids);
	}
	for (i = 0; i < self->nkids; i++) {
		v7_decode(v7_status(i), want, sizeof(want));
		EXPECT_STREQ(want, self->kids[i].ev_exit)
		TH_LOG("events of %d", self->kids[i].pid);
	}
}

TEST_HARNESS_MAIN
