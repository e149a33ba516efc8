// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unloading proctrace.ko while /proc/proctrace/events is polled or read
 * (Documentation/abi.rst, "events", "End of the stream").
 *
 * The readers' wait queue lives in module memory, and procfs files do not
 * pin the module: every way of waiting on the file (epoll, poll(),
 * select(), io_uring poll) must be detached from it before the module is
 * freed, or closing the file, or the poller running again, touches freed
 * memory. Each test registers or parks a waiter, unloads the module,
 * lets the waiter finish and close, and then checks that the kernel is
 * healthy: the waiter exited normally, the module loads again, and the
 * kernel log has no new splat.
 *
 * The waiter is the init of its own pid namespace, so the stream shows it
 * no records (abi.rst: records about tasks a reader cannot see are
 * skipped) and it stays not readable until the unload: its poll entry
 * is still queued when the module goes.
 *
 * A waiter "parked" in a syscall is checked to be asleep in that very
 * syscall (/proc/PID/stat and /proc/PID/syscall) before the unload. A
 * stopped waiter is the one that does not run between the unload's
 * wake-up and the module being freed: a stop signal takes a task out of
 * poll() and select() (they unlink their entries first, and restart after
 * SIGCONT), but an epoll or io_uring entry stays queued, and io_uring
 * only acts on the wake-up (task work) when the task runs again.
 *
 * Nothing waits for time to pass: processes report over pipes; the only
 * bounds are timeouts that turn a hang into a failure. The module named
 * by $PROCTRACE_KO is reloaded after each test.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <liburing.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

/* See proctrace_load_test.c: the harness is not -Wextra clean. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include "kselftest_harness.h"
#pragma GCC diagnostic pop
#pragma GCC diagnostic ignored "-Wclobbered"

#include "proctrace_selftests.h"

#define EV_PATH PT_DIR "/" PROCTRACE_FILE_EVENTS
#define SYSFS_MODULE "/sys/module/" PT_MODULE
#define WAIT_MS (60 * 1000)
#define TEST_TIMEOUT 300
#define NCYCLES 20
#define KMSG_LINE 8192

/*
 * W_POLL_PRI and W_SELECT_EXCEPT wait for nothing procfs reports once the
 * file is removed (DEFAULT_POLLMASK has no EPOLLPRI): the module must see
 * them leave while it still answers, or rmmod waits for them for ever.
 */
enum waiter { W_EPOLL, W_POLL, W_POLL_PRI, W_SELECT, W_SELECT_EXCEPT, W_URING };
enum mode {
	M_IDLE, /* registered, but not in a syscall on the file */
	M_PARKED, /* asleep in the waiting syscall */
	M_STOPPED, /* parked, then stopped across the unload */
};

/* How a waiter fails, as its exit status. */
enum {
	WX_OK,
	WX_SETUP,
	WX_NOTIFY,
	WX_WAIT,
	WX_NOT_READABLE,
	WX_READ_NOT_EIO,
	WX_ZERO_READ_NOT_EIO,
	WX_CLOSE,
};

static const char *const exit_names[] = {
	[WX_OK] = "ok",
	[WX_SETUP] = "setup failed",
	[WX_NOTIFY] = "pipe to the test failed",
	[WX_WAIT] = "the wait failed",
	[WX_NOT_READABLE] = "the wait did not report the file readable",
	[WX_READ_NOT_EIO] = "read() did not fail with EIO",
	[WX_ZERO_READ_NOT_EIO] = "read() of 0 bytes did not fail with EIO",
	[WX_CLOSE] = "close() failed",
};

static const char *exit_name(int status)
{
	if (!WIFEXITED(status))
		return "killed (did the kernel oops?)";
	if (WEXITSTATUS(status) >= ARRAY_SIZE(exit_names))
		return "unknown";
	return exit_names[WEXITSTATUS(status)];
}

FIXTURE(unload)
{
	int ko;
	int kmsg;
	bool unloaded;
	pid_t child;
};

static int load(int ko)
{
	return syscall(SYS_finit_module, ko, "", 0) ? -errno : 0;
}

FIXTURE_SETUP(unload)
{
	const char *skip = pt_skip_reason(), *ko = getenv("PROCTRACE_KO");

	self->ko = -1;
	self->kmsg = -1;
	if (skip)
		SKIP(return, "%s", skip);
	if (!ko || !*ko)
		SKIP(return, "set PROCTRACE_KO to the path of proctrace.ko");
	ASSERT_EQ(0, access(SYSFS_MODULE, F_OK)) TH_LOG("proctrace not loaded");
	self->ko = open(ko, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, self->ko) TH_LOG("open %s: %s", ko, strerror(errno));
	/* Only what the kernel logs from now on. */
	self->kmsg = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	ASSERT_LE(0, self->kmsg) TH_LOG("/dev/kmsg: %s", strerror(errno));
	ASSERT_LE(0, lseek(self->kmsg, 0, SEEK_END));
}

FIXTURE_TEARDOWN(unload)
{
	int ret;

	if (self->child > 0) {
		kill(self->child, SIGKILL);
		waitpid(self->child, NULL, 0);
	}
	if (self->unloaded && self->ko >= 0) {
		ret = load(self->ko);
		EXPECT_EQ(0, ret) TH_LOG("reloading: %s", strerror(-ret));
	}
	if (self->kmsg >= 0)
		close(self->kmsg);
	if (self->ko >= 0)
		close(self->ko);
}

/* The kernel log lines that mean the kernel is not healthy. */
static const char *const splats[] = {
	"BUG:",
	"Oops",
	"WARNING:",
	"general protection fault",
	"Call Trace:",
	"KASAN:",
	"UBSAN:",
	"list_add corruption",
	"list_del corruption",
	"rcu_preempt detected stalls",
	"rcu_sched detected stalls",
	"blocked for more than",
};

/* 0 if the kernel logged no splat since the fixture opened /dev/kmsg. */
static int kmsg_clean(int fd, char *bad, size_t size)
{
	char *line = malloc(KMSG_LINE);
	ssize_t n;
	size_t i;
	int ret = 0;

	if (!line)
		return -ENOMEM;
	for (;;) {
		n = read(fd, line, KMSG_LINE - 1);
		if (n < 0 && errno == EPIPE)
			continue; /* overwritten records: read on */
		if (n < 0 && errno == EAGAIN)
			break;
		if (n < 0) {
			ret = -errno;
			snprintf(bad, size, "/dev/kmsg: %s", strerror(errno));
			break;
		}
		line[n] = '\0';
		for (i = 0; i < ARRAY_SIZE(splats); i++) {
			if (!ret && strstr(line, splats[i])) {
				snprintf(bad, size, "%s", line);
				ret = -EIO;
			}
		}
	}
	free(line);
	return ret;
}

/* The module loads again and the kernel logged nothing bad. */
static void check_kernel(struct __test_metadata *_metadata,
			 FIXTURE_DATA(unload) * self)
{
	char bad[512] = "";
	int ret;

	if (self->unloaded) {
		ret = load(self->ko);
		ASSERT_EQ(0, ret) TH_LOG("reloading: %s", strerror(-ret));
		self->unloaded = false;
	}
	ASSERT_EQ(0, access(EV_PATH, F_OK));
	ret = kmsg_clean(self->kmsg, bad, sizeof(bad));
	EXPECT_EQ(0, ret) TH_LOG("kernel log: %s", bad);
}

/* The first number of /proc/PID/syscall: the syscall it sleeps in. */
static long current_syscall(pid_t pid)
{
	char path[64], buf[128];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/syscall", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	return strtol(buf, NULL, 10);
}

static bool is_wait_syscall(enum waiter w, long nr)
{
	switch (w) {
	case W_EPOLL:
		return nr == SYS_epoll_wait || nr == SYS_epoll_pwait ||
		       nr == SYS_epoll_pwait2;
	case W_POLL:
	case W_POLL_PRI:
		return nr == SYS_poll || nr == SYS_ppoll;
	case W_SELECT:
	case W_SELECT_EXCEPT:
		return nr == SYS_select || nr == SYS_pselect6;
	case W_URING:
		return nr == SYS_io_uring_enter;
	}
	return false;
}

/*
 * Until @pid sleeps in one of @w's waiting syscalls: it said it is about
 * to enter it, and then it has nothing else to sleep in.
 */
static int wait_parked(pid_t pid, enum waiter w, int timeout_ms)
{
	long long deadline = pt_now_ms() + timeout_ms;
	int ret;

	for (;;) {
		ret = pt_wait_state("/proc", pid, pid, 'S', timeout_ms);
		if (ret)
			return ret;
		if (is_wait_syscall(w, current_syscall(pid)))
			return 0;
		if (pt_now_ms() > deadline)
			return -ETIMEDOUT;
		sched_yield();
	}
}

/* Waits for @pid to exit, at most @timeout_ms; its wait status or -errno. */
static int wait_exit(pid_t pid, int timeout_ms)
{
	int pidfd = syscall(SYS_pidfd_open, pid, 0), status, ret;
	struct pollfd pfd = { .fd = pidfd, .events = POLLIN };

	if (pidfd < 0)
		return -errno;
	ret = poll(&pfd, 1, timeout_ms);
	close(pidfd);
	if (ret <= 0)
		return ret ? -errno : -ETIMEDOUT;
	if (waitpid(pid, &status, 0) != pid)
		return -errno;
	return status;
}

/* The reads every reader gets once the module is gone: EIO, always. */
static int expect_eio(int fd)
{
	char buf[PROCTRACE_EVENT_LINE_MAX];
	int i;

	for (i = 0; i < 2; i++)
		if (read(fd, buf, sizeof(buf)) != -1 || errno != EIO)
			return WX_READ_NOT_EIO;
	if (read(fd, buf, 0) != -1 || errno != EIO)
		return WX_ZERO_READ_NOT_EIO;
	return WX_OK;
}

struct waiter_ctx {
	enum waiter w;
	int fd;
	int epfd;
	struct io_uring ring;
};

static int waiter_register(struct waiter_ctx *c)
{
	struct io_uring_sqe *sqe;
	struct epoll_event ev = { .events = EPOLLIN };

	switch (c->w) {
	case W_EPOLL:
		c->epfd = epoll_create1(EPOLL_CLOEXEC);
		if (c->epfd < 0 ||
		    epoll_ctl(c->epfd, EPOLL_CTL_ADD, c->fd, &ev))
			return WX_SETUP;
		return WX_OK;
	case W_URING:
		if (io_uring_queue_init(4, &c->ring, 0))
			return WX_SETUP;
		sqe = io_uring_get_sqe(&c->ring);
		if (!sqe)
			return WX_SETUP;
		io_uring_prep_poll_add(sqe, c->fd, POLLIN);
		if (io_uring_submit(&c->ring) != 1)
			return WX_SETUP;
		return WX_OK;
	default:
		/* poll() and select() register inside the call. */
		return WX_OK;
	}
}

/*
 * Waits until the file is reported ready; stop signals make some of these
 * calls fail with EINTR (signal(7)), which is not the test's business.
 */
static int waiter_wait(struct waiter_ctx *c)
{
	struct pollfd pfd = { .fd = c->fd, .events = POLLIN };
	struct io_uring_cqe *cqe;
	struct epoll_event ev;
	fd_set rfds;
	int n = -1;

	if (c->w == W_POLL_PRI)
		pfd.events = POLLPRI;

	for (;;) {
		switch (c->w) {
		case W_EPOLL:
			n = epoll_wait(c->epfd, &ev, 1, -1);
			if (n == 1)
				return ev.events & EPOLLIN ? WX_OK :
							     WX_NOT_READABLE;
			break;
		case W_POLL:
		case W_POLL_PRI:
			n = poll(&pfd, 1, -1);
			if (n == 1)
				return pfd.revents & pfd.events ?
					       WX_OK :
					       WX_NOT_READABLE;
			break;
		case W_SELECT_EXCEPT:
			FD_ZERO(&rfds);
			FD_SET(c->fd, &rfds);
			n = select(c->fd + 1, NULL, NULL, &rfds, NULL);
			if (n == 1)
				return FD_ISSET(c->fd, &rfds) ? WX_OK :
								WX_NOT_READABLE;
			break;
		case W_SELECT:
			FD_ZERO(&rfds);
			FD_SET(c->fd, &rfds);
			n = select(c->fd + 1, &rfds, NULL, NULL, NULL);
			if (n == 1)
				return FD_ISSET(c->fd, &rfds) ? WX_OK :
								WX_NOT_READABLE;
			break;
		case W_URING:
			/* Cancelled or completed: either way it is over. */
			n = io_uring_wait_cqe(&c->ring, &cqe);
			if (!n) {
				io_uring_cqe_seen(&c->ring, cqe);
				return WX_OK;
			}
			errno = -n;
			n = -1;
			break;
		}
		if (n < 0 && errno != EINTR)
			return WX_WAIT;
	}
}

/* Returns a status for _exit(). */
static int waiter(enum waiter w, enum mode m, int rep_w, int go_r)
{
	struct waiter_ctx c = { .w = w, .epfd = -1 };
	char buf[PROCTRACE_EVENT_LINE_MAX];
	int ret;

	c.fd = open(EV_PATH, O_RDONLY | O_CLOEXEC);
	/* The header: the only line this reader will ever be shown. */
	if (c.fd < 0 || read(c.fd, buf, sizeof(buf)) <= 0)
		return WX_SETUP;
	ret = waiter_register(&c);
	if (ret)
		return ret;
	if (pt_write_full(rep_w, "R", 1))
		return WX_NOTIFY;
	/* Idle: registered, the test unloads, then tells it to go on. */
	if (m == M_IDLE && pt_read_full(go_r, buf, 1, WAIT_MS))
		return WX_NOTIFY;
	ret = waiter_wait(&c);
	if (ret)
		return ret;
	ret = expect_eio(c.fd);
	if (ret)
		return ret;
	/* The close that oopsed when epoll's entry outlived the queue. */
	if (close(c.fd))
		return WX_CLOSE;
	if (c.epfd >= 0 && close(c.epfd))
		return WX_CLOSE;
	if (w == W_URING)
		io_uring_queue_exit(&c.ring);
	return WX_OK;
}

static void run_waiter(struct __test_metadata *_metadata,
		       FIXTURE_DATA(unload) * self, enum waiter w, enum mode m)
{
	int rep[2], go[2], ret, status;
	char c;

	ASSERT_EQ(0, pipe2(rep, O_CLOEXEC));
	ASSERT_EQ(0, pipe2(go, O_CLOEXEC));
	/* fork() into a new pid namespace: the waiter is its init. */
	self->child =
		syscall(SYS_clone, CLONE_NEWPID | SIGCHLD, NULL, NULL, NULL, 0);
	ASSERT_LE(0, self->child) TH_LOG("clone: %s", strerror(errno));
	if (!self->child) {
		close(rep[0]);
		close(go[1]);
		_exit(waiter(w, m, rep[1], go[0]));
	}
	close(rep[1]);
	close(go[0]);
	ret = pt_read_full(rep[0], &c, 1, WAIT_MS);
	if (ret) {
		/* It exited: say why. */
		status = wait_exit(self->child, WAIT_MS);
		self->child = 0;
		if (status >= 0 && WIFEXITED(status) &&
		    WEXITSTATUS(status) == WX_SETUP && w == W_URING)
			SKIP(return, "io_uring is not available");
		ASSERT_EQ(0, ret)
		TH_LOG("waiter did not start: status %#x", status);
	}
	if (m != M_IDLE) {
		ret = wait_parked(self->child, w, WAIT_MS);
		ASSERT_EQ(0, ret) TH_LOG("waiter not parked: %s", pt_errmsg());
	}
	if (m == M_STOPPED) {
		ASSERT_EQ(0, kill(self->child, SIGSTOP));
		ret = pt_wait_state("/proc", self->child, self->child, 'T',
				    WAIT_MS);
		ASSERT_EQ(0, ret) TH_LOG("%s", pt_errmsg());
	}

	ret = pt_unload_module();
	ASSERT_EQ(0, ret) TH_LOG("delete_module: %s", strerror(-ret));
	self->unloaded = true;
	ASSERT_NE(0, access(EV_PATH, F_OK));

	if (m == M_STOPPED)
		ASSERT_EQ(0, kill(self->child, SIGCONT));
	if (m == M_IDLE)
		ASSERT_EQ(0, pt_write_full(go[1], "G", 1));
	status = wait_exit(self->child, WAIT_MS);
	ASSERT_LE(0, status)
	TH_LOG("waiter did not exit: %s", strerror(-status));
	self->child = 0;
	EXPECT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status))
	TH_LOG("waiter status %#x: %s", status, exit_name(status));
	close(rep[0]);
	close(go[1]);
	check_kernel(_metadata, self);
}

/* An epoll interest outlives the module: the close that used to oops. */
TEST_F_TIMEOUT(unload, epoll_registered, TEST_TIMEOUT)
{
	run_waiter(_metadata, self, W_EPOLL, M_IDLE);
}

TEST_F_TIMEOUT(unload, epoll_parked_in_epoll_wait, TEST_TIMEOUT)
{
	run_waiter(_metadata, self, W_EPOLL, M_PARKED);
}

TEST_F_TIMEOUT(unload, epoll_waiter_stopped, TEST_TIMEOUT)
{
	run_waiter(_metadata, self, W_EPOLL, M_STOPPED);
}

/* poll() and select() after the unload: procfs answers, not the module. */
TEST_F_TIMEOUT(unload, poll_after_unload, TEST_TIMEOUT)
{
	run_waiter(_metadata, self, W_POLL, M_IDLE);
}

TEST_F_TIMEOUT(unload, poll_parked_in_poll, TEST_TIMEOUT)
{
	run_waiter(_metadata, self, W_POLL, M_PARKED);
}

TEST_F_TIMEOUT(unload, poll_waiter_stopped, TEST_TIMEOUT)
{
	run_waiter(_metadata, self, W_POLL, M_STOPPED);
}

TEST_F_TIMEOUT(unload, select_after_unload, TEST_TIMEOUT)
{
	run_waiter(_metadata, self, W_SELECT, M_IDLE);
}

TEST_F_TIMEOUT(unload, select_parked_in_select, TEST_TIMEOUT)
{
	run_waiter(_metadata, self, W_SELECT, M_PARKED);
}

TEST_F_TIMEOUT(unload, select_waiter_stopped, TEST_TIMEOUT)
{
	run_waiter(_metadata, self, W_SELECT, M_STOPPED);
}

TEST_F_TIMEOUT(unload, poll_pri_parked_in_poll, TEST_TIMEOUT)
{
	run_waiter(_metadata, self, W_POLL_PRI, M_PARKED);
}

TEST_F_TIMEOUT(unload, select_exceptfds_parked_in_select, TEST_TIMEOUT)
{
	run_waiter(_metadata, self, W_SELECT_EXCEPT, M_PARKED);
}

TEST_F_TIMEOUT(unload, io_uring_poll_registered, TEST_TIMEOUT)
{
	run_waiter(_metadata, self, W_URING, M_IDLE);
}

TEST_F_TIMEOUT(unload, io_uring_parked_in_enter, TEST_TIMEOUT)
{
	run_waiter(_metadata, self, W_URING, M_PARKED);
}

/* Its task work runs only after SIGCONT, long after the module is gone. */
TEST_F_TIMEOUT(unload, io_uring_waiter_stopped, TEST_TIMEOUT)
{
	run_waiter(_metadata, self, W_URING, M_STOPPED);
}

/* Blocks in read() and reports how it ended: 'I' for EIO, '0', 'X'. */
static void __noreturn blocked_reader(int rep_w)
{
	char buf[PROCTRACE_EVENT_LINE_MAX], res;
	int fd = open(EV_PATH, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0 || read(fd, buf, sizeof(buf)) <= 0)
		_exit(WX_SETUP);
	if (pt_write_full(rep_w, "R", 1))
		_exit(WX_NOTIFY);
	/* In its own pid namespace, nothing arrives before the unload. */
	do {
		n = read(fd, buf, sizeof(buf));
	} while (n > 0 || (n < 0 && errno == EINTR));
	res = !n ? '0' : errno == EIO ? 'I' : 'X';
	if (res == 'I' && expect_eio(fd))
		res = 'X';
	_exit(pt_write_full(rep_w, &res, 1) ? WX_NOTIFY : WX_OK);
}

/*
 * abi.rst: unloading ends the stream the same way for every reader: EIO,
 * never end of file, whether it was blocked in read() (a child parked in
 * it) or not reading at that moment (the test's own descriptors, one of
 * them non-blocking). Each cycle unloads and reloads.
 */
TEST_F_TIMEOUT(unload, every_reader_gets_eio, TEST_TIMEOUT)
{
	char buf[PROCTRACE_EVENT_LINE_MAX], res;
	int cycle, rep[2], fd, nbfd, ret, status;

	for (cycle = 0; cycle < NCYCLES; cycle++) {
		ASSERT_EQ(0, pipe2(rep, O_CLOEXEC));
		self->child = syscall(SYS_clone, CLONE_NEWPID | SIGCHLD, NULL,
				      NULL, NULL, 0);
		ASSERT_LE(0, self->child);
		if (!self->child) {
			close(rep[0]);
			blocked_reader(rep[1]);
		}
		close(rep[1]);
		fd = open(EV_PATH, O_RDONLY | O_CLOEXEC);
		ASSERT_LE(0, fd);
		ASSERT_LT(0, read(fd, buf, sizeof(buf)));
		nbfd = open(EV_PATH, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
		ASSERT_LE(0, nbfd);
		ASSERT_EQ(0, pt_read_full(rep[0], &res, 1, WAIT_MS));
		/* Said it is about to read(); asleep in read() means blocked. */
		ret = pt_wait_state("/proc", self->child, self->child, 'S',
				    WAIT_MS);
		ASSERT_EQ(0, ret) TH_LOG("%s", pt_errmsg());
		ASSERT_EQ(SYS_read, current_syscall(self->child));

		ret = pt_unload_module();
		ASSERT_EQ(0, ret)
		TH_LOG("cycle %d: delete_module: %s", cycle, strerror(-ret));
		self->unloaded = true;

		ret = pt_read_full(rep[0], &res, 1, WAIT_MS);
		ASSERT_EQ(0, ret)
		TH_LOG("cycle %d: reader did not wake", cycle);
		EXPECT_EQ('I', res)
		TH_LOG("cycle %d: blocked reader got '%c'", cycle, res);
		EXPECT_EQ(WX_OK, expect_eio(fd)) TH_LOG("cycle %d", cycle);
		EXPECT_EQ(WX_OK, expect_eio(nbfd)) TH_LOG("cycle %d", cycle);
		status = wait_exit(self->child, WAIT_MS);
		self->child = 0;
		EXPECT_EQ(0, status)
		TH_LOG("cycle %d: status %#x", cycle, status);
		close(fd);
		close(nbfd);
		close(rep[0]);

		ret = load(self->ko);
		ASSERT_EQ(0, ret) TH_LOG("cycle %d: %s", cycle, strerror(-ret));
		self->unloaded = false;
		if (_metadata->exit_code)
			break;
	}
	check_kernel(_metadata, self);
}

/* A read of 0 bytes is the only read that returns 0 (abi.rst). */
TEST_F_TIMEOUT(unload, zero_length_read, TEST_TIMEOUT)
{
	char buf[PROCTRACE_EVENT_LINE_MAX];
	int fd = open(EV_PATH, O_RDONLY | O_NONBLOCK | O_CLOEXEC);

	ASSERT_LE(0, fd);
	EXPECT_EQ(0, read(fd, buf, 0));
	EXPECT_LT(0, read(fd, buf, sizeof(buf)));
	EXPECT_EQ(0, read(fd, buf, 0));
	close(fd);
	check_kernel(_metadata, self);
}

TEST_HARNESS_MAIN
