// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unloading and reloading proctrace.ko while its files are being read.
 *
 * NREADERS reader processes keep the snapshot files open and read them
 * over and over; another one sits blocked in read() on the event stream;
 * the last one opens every file, reads a few bytes of each and then holds
 * the descriptors without reading until the end. The test unloads and
 * reloads the module NCYCLES times. Readers tell the test over a pipe when
 * they lose the files (ACK_DOWN) and when they have them back (ACK_UP), so
 * every cycle is known to have hit every reader, and they exit with a
 * non-zero status if the kernel ever answered in a way the ABI does not
 * allow. The module named by $PROCTRACE_KO is left loaded.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

#define SYSFS_MODULE "/sys/module/" PT_MODULE
#define NREADERS 3
/* and the events reader, which acknowledges like the others */
#define NACKERS (NREADERS + 1)
#define NCYCLES 20
#define NVIEWS 6
#define BUF_SIZE 65536
/* Readers also reopen now and then, to race open() with the unload. */
#define REOPEN_EVERY 8
#define WAIT_MS (120 * 1000)
#define TEST_TIMEOUT 590

enum { ACK_DOWN = 'D', ACK_UP = 'U', ACK_STALLED = 'S' };
enum { READ_OK, READ_GONE, READ_BAD };

/* The snapshot files; "events" is a stream and read apart. */
static const char *const views[NVIEWS] = {
	PROCTRACE_FILE_TREE,	 PROCTRACE_FILE_TASKS,	 PROCTRACE_FILE_STATS,
	PROCTRACE_FILE_KTHREADS, PROCTRACE_FILE_ZOMBIES, PROCTRACE_FILE_ORPHANS,
};

FIXTURE(load)
{
	int ko;
	int stop_w; /* readers run until it is closed */
	int ack_r;
	/* NREADERS snapshot readers, the events reader, the stalled one */
	pid_t readers[NACKERS + 1];
	bool unloaded;
};

static int open_view(const char *name)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/%s", PT_DIR, name);
	return open(path, O_RDONLY | O_CLOEXEC);
}

/*
 * pread() from offset 0 rather than lseek() and read(): once the module is
 * gone, lseek() fails differently (EINVAL), and read() is what the ABI
 * promises about. The header is checked once its line is complete,
 * whatever sizes the reads come back in.
 */
static int drain(int fd, const char *name, char *buf)
{
	size_t have = 0;
	bool checked = false;
	off_t off = 0;
	ssize_t n;

	for (;;) {
		n = pread(fd, buf + have, BUF_SIZE - 1 - have, off);
		if (n < 0 && errno == EIO)
			return READ_GONE;
		if (n < 0) {
			fprintf(stderr, "# snapshot reader %d: %s: pread: %s\n",
				getpid(), name, strerror(errno));
			return READ_BAD;
		}
		if (!n)
			return checked ? READ_OK : READ_GONE;
		off += n;
		if (checked)
			continue;
		have += n;
		buf[have] = '\0';
		if (!strchr(buf, '\n')) {
			if (have < 1024)
				continue;
			fprintf(stderr,
				"# snapshot reader %d: %s: no header line\n",
				getpid(), name);
			return READ_BAD;
		}
		if (pt_check_header(buf, name, NULL)) {
			fprintf(stderr, "# snapshot reader %d: %s\n", getpid(),
				pt_errmsg());
			return READ_BAD;
		}
		checked = true;
		have = 0;
	}
}

static bool stop_requested(int stop_r)
{
	struct pollfd pfd = { .fd = stop_r, .events = POLLIN };

	return poll(&pfd, 1, 0) > 0;
}

static int ack(int ack_w, char what)
{
	return pt_write_full(ack_w, &what, 1);
}

static void __noreturn snapshot_reader(int stop_r, int ack_w)
{
	int fds[NVIEWS], i, r, bad = 0;
	bool up = false, lost;
	unsigned long iter;
	char *buf;

	buf = malloc(BUF_SIZE);
	if (!buf)
		_exit(2);
	for (i = 0; i < NVIEWS; i++)
		fds[i] = -1;
	for (iter = 0; !stop_requested(stop_r); iter++) {
		lost = false;
		for (i = 0; i < NVIEWS; i++) {
			if (fds[i] < 0)
				fds[i] = open_view(views[i]);
			if (fds[i] < 0) {
				if (errno != ENOENT) {
					fprintf(stderr,
						"# snapshot reader %d: open %s: %s\n",
						getpid(), views[i],
						strerror(errno));
					bad++;
				}
				lost = true;
				continue;
			}
			r = drain(fds[i], views[i], buf);
			if (r == READ_BAD)
				bad++;
			if (r != READ_OK)
				lost = true;
			if (r != READ_OK || !(iter % REOPEN_EVERY)) {
				close(fds[i]);
				fds[i] = -1;
			}
		}
		if (up != lost)
			continue;
		up = !lost;
		bad += !!ack(ack_w, up ? ACK_UP : ACK_DOWN);
	}
	_exit(bad ? 1 : 0);
}

/*
 * Sits in a blocking read() of the event stream. abi.rst says an unload
 * wakes it with EIO, and the stream never ends with end of file; if the
 * unload did not wake it, it would wait for the read to finish forever.
 */
static void __noreturn events_reader(int stop_r, int ack_w)
{
	char buf[PROCTRACE_EVENT_LINE_MAX + 1];
	int fd = -1, bad = 0;
	bool up = false;
	ssize_t n;

	while (!stop_requested(stop_r)) {
		if (fd < 0) {
			fd = open_view(PROCTRACE_FILE_EVENTS);
			if (fd < 0 && errno != ENOENT) {
				fprintf(stderr, "# events reader: open: %s\n",
					strerror(errno));
				bad++;
			}
			if (fd < 0)
				continue;
			n = read(fd, buf, PROCTRACE_EVENT_LINE_MAX);
			if (n > 0)
				buf[n] = '\0';
			if (n > 0 &&
			    pt_check_header(buf, PROCTRACE_FILE_EVENTS, NULL)) {
				fprintf(stderr, "# events reader: %s\n",
					pt_errmsg());
				bad++;
			}
			if (n > 0 && !up) {
				up = true;
				bad += !!ack(ack_w, ACK_UP);
			}
		}
		n = read(fd, buf, PROCTRACE_EVENT_LINE_MAX);
		if (n > 0)
			continue;
		if (n >= 0 || errno != EIO) {
			fprintf(stderr, "# events reader: read: %s\n",
				n ? strerror(errno) : "end of file");
			bad++;
		}
		close(fd);
		fd = -1;
		if (up) {
			up = false;
			bad += !!ack(ack_w, ACK_DOWN);
		}
	}
	_exit(bad ? 1 : 0);
}

/*
 * Holds a partly read snapshot of every file, and an unread event stream,
 * across all the unloads; once told to stop, the stale descriptors must
 * give EIO (a snapshot may also give end of file; the stream may not).
 */
static void __noreturn stalled_reader(int stop_r, int ack_w)
{
	size_t plen = strlen(PROCTRACE_HEADER_PREFIX);
	int fds[NVIEWS + 1], i, bad = 0;
	char buf[16];
	ssize_t n;

	for (i = 0; i < NVIEWS; i++) {
		fds[i] = open_view(views[i]);
		if (fds[i] < 0)
			_exit(2);
		n = read(fds[i], buf, sizeof(buf));
		if (n <= 0 || memcmp(buf, PROCTRACE_HEADER_PREFIX,
				     (size_t)n < plen ? (size_t)n : plen))
			_exit(3);
	}
	fds[NVIEWS] = open_view(PROCTRACE_FILE_EVENTS);
	if (fds[NVIEWS] < 0 || ack(ack_w, ACK_STALLED))
		_exit(4);
	pt_wait_eof(stop_r);
	for (i = 0; i <= NVIEWS; i++) {
		n = read(fds[i], buf, sizeof(buf));
		/* The event stream never ends with end of file. */
		if (n > 0 || (n < 0 && errno != EIO) || (!n && i == NVIEWS)) {
			fprintf(stderr,
				"# stalled reader: %s after reload: read %zd (%s)\n",
				i < NVIEWS ? views[i] : PROCTRACE_FILE_EVENTS,
				n, n < 0 ? strerror(errno) : "data");
			bad++;
		}
		close(fds[i]);
	}
	_exit(bad ? 1 : 0);
}

static int load(int ko)
{
	return syscall(SYS_finit_module, ko, "", 0) ? -errno : 0;
}

/* Reads down + up + stalled acknowledgements, in any order. */
static int collect_acks(int ack_r, int down, int up, int stalled)
{
	int n = down + up + stalled, ret;
	char ack;

	while (n--) {
		ret = pt_read_full(ack_r, &ack, 1, WAIT_MS);
		if (ret)
			return ret;
		if (ack == ACK_DOWN && down)
			down--;
		else if (ack == ACK_UP && up)
			up--;
		else if (ack == ACK_STALLED && stalled)
			stalled--;
		else
			return -EPROTO;
	}
	return 0;
}

FIXTURE_SETUP(load)
{
	const char *skip = pt_skip_reason(), *ko = getenv("PROCTRACE_KO");
	int stop[2], ack[2], i, ret;

	self->stop_w = -1;
	self->ko = -1;
	if (skip)
		SKIP(return, "%s", skip);
	if (!ko || !*ko)
		SKIP(return, "set PROCTRACE_KO to the path of proctrace.ko");
	ASSERT_EQ(0, access(SYSFS_MODULE, F_OK)) TH_LOG("proctrace not loaded");
	self->ko = open(ko, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, self->ko) TH_LOG("open %s: %s", ko, strerror(errno));
	ASSERT_EQ(0, pipe2(stop, O_CLOEXEC));
	ASSERT_EQ(0, pipe2(ack, O_CLOEXEC));
	self->stop_w = stop[1];
	self->ack_r = ack[0];
	for (i = 0; i <= NACKERS; i++) {
		self->readers[i] = fork();
		ASSERT_LE(0, self->readers[i]);
		if (self->readers[i])
			continue;
		close(stop[1]);
		close(ack[0]);
		if (i < NREADERS)
			snapshot_reader(stop[0], ack[1]);
		if (i == NREADERS)
			events_reader(stop[0], ack[1]);
		stalled_reader(stop[0], ack[1]);
	}
	close(stop[0]);
	close(ack[1]);
	ret = collect_acks(self->ack_r, 0, NACKERS, 1);
	ASSERT_EQ(0, ret) TH_LOG("readers did not start: %s", strerror(-ret));
}

FIXTURE_TEARDOWN(load)
{
	int i, ret;

	if (self->unloaded) {
		ret = load(self->ko);
		EXPECT_EQ(0, ret) TH_LOG("reloading: %s", strerror(-ret));
	}
	if (self->stop_w >= 0)
		close(self->stop_w);
	/* Only after a failure; the events reader may wait for a record. */
	for (i = 0; i <= NACKERS; i++) {
		if (self->readers[i] <= 0)
			continue;
		kill(self->readers[i], SIGKILL);
		waitpid(self->readers[i], NULL, 0);
	}
}

static void check_stale(struct __test_metadata *_metadata, int fd,
			const char *name, int cycle)
{
	char buf[64];
	ssize_t n;
	int err;

	n = read(fd, buf, sizeof(buf));
	err = n < 0 ? errno : 0;
	if (n > 0 || (n < 0 && err != EIO))
		TH_LOG("cycle %d: stale %s: read %zd", cycle, name, n);
	EXPECT_TRUE(!n || err == EIO);
}

static void check_views(struct __test_metadata *_metadata, int cycle)
{
	char *view;
	int i, ret;

	for (i = 0; i < NVIEWS; i++) {
		ret = pt_read_view(views[i], &view, NULL);
		ASSERT_EQ(0, ret) TH_LOG("cycle %d: %s", cycle, pt_errmsg());
		ret = pt_check_header(view, views[i], NULL);
		EXPECT_EQ(0, ret) TH_LOG("cycle %d: %s", cycle, pt_errmsg());
		free(view);
	}
}

TEST_F_TIMEOUT(load, unload_and_reload_under_readers, TEST_TIMEOUT)
{
	int cycle, i, ret, status, own[NVIEWS];
	struct stat sb;
	char buf[64];
	pid_t pid;

	for (cycle = 0; cycle < NCYCLES; cycle++) {
		for (i = 0; i < NVIEWS; i++) {
			own[i] = open_view(views[i]);
			ASSERT_LE(0, own[i]) TH_LOG("open %s", views[i]);
			ASSERT_LT(0, read(own[i], buf, 16));
		}

		ret = pt_unload_module();
		ASSERT_EQ(0, ret) TH_LOG("cycle %d: %s", cycle, strerror(-ret));
		self->unloaded = true;
		ret = stat(PT_DIR, &sb) ? errno : 0;
		EXPECT_EQ(ENOENT, ret) TH_LOG("cycle %d", cycle);
		ret = access(SYSFS_MODULE, F_OK) ? errno : 0;
		EXPECT_EQ(ENOENT, ret) TH_LOG("cycle %d", cycle);
		for (i = 0; i < NVIEWS; i++)
			check_stale(_metadata, own[i], views[i], cycle);
		/* Every reader, each in its own way, found the files gone. */
		ret = collect_acks(self->ack_r, NACKERS, 0, 0);
		ASSERT_EQ(0, ret) TH_LOG("cycle %d: %s", cycle, strerror(-ret));

		ret = load(self->ko);
		ASSERT_EQ(0, ret) TH_LOG("cycle %d: %s", cycle, strerror(-ret));
		self->unloaded = false;
		for (i = 0; i < NVIEWS; i++) {
			/* The reload made new files; these stay dead. */
			check_stale(_metadata, own[i], views[i], cycle);
			close(own[i]);
		}
		check_views(_metadata, cycle);
		ret = collect_acks(self->ack_r, 0, NACKERS, 0);
		ASSERT_EQ(0, ret) TH_LOG("cycle %d: %s", cycle, strerror(-ret));
	}

	close(self->stop_w);
	self->stop_w = -1;
	/* A fork and an exit: records that wake the events reader to stop. */
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid)
		_exit(0);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	for (i = 0; i <= NACKERS; i++) {
		pid = waitpid(self->readers[i], &status, 0);
		ASSERT_EQ(self->readers[i], pid);
		self->readers[i] = 0;
		EXPECT_EQ(0, status) TH_LOG("reader %d: status %#x", i, status);
	}
}

/*
 * The load-time scan against the fork probe. kernel_clone() puts a child
 * on the task list before sched_process_fork fires, so the scan at load
 * can reach a child first; the fork probe must then not link its
 * lifecycle entry a second time (list corruption under a raw spinlock,
 * a BUG with DEBUG_LIST). Forkers run while the module is loaded and
 * unloaded STORM_CYCLES times; the "widened" variant loads it with the
 * debug build's debug_fork_delay_us, which holds the fork probe back with
 * the child already listed, so nearly every load's scan meets a child in
 * that window. Ground truth: every load and unload works, the forkers'
 * children all exit normally, and the kernel logs nothing bad.
 */
#define STORM_FORKERS 1
#define STORM_CYCLES 20
#define STORM_PARAM "debug_fork_delay_us"
#define STORM_NO_PARAM "module has no %s parameter: not a PROCTRACE_DEBUG build"

static const char *const kmsg_bad[] = {
	"list_add corruption",
	"list_del corruption",
	"BUG:",
	"kernel BUG",
	"WARNING:",
	"Oops",
	"general protection",
	"Call Trace:",
	"soft lockup",
	"hard LOCKUP",
};

static int load_params(int ko, const char *params)
{
	return syscall(SYS_finit_module, ko, params, 0) ? -errno : 0;
}

/* A reader of the kernel log that starts at its end: what is logged next. */
static int kmsg_open(void)
{
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);

	if (fd >= 0 && lseek(fd, 0, SEEK_END) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* How many records logged since kmsg_open() are splats; logs a few. */
static int kmsg_splats(struct __test_metadata *_metadata, int fd)
{
	char rec[8192];
	const char *msg;
	unsigned int i;
	int found = 0;
	ssize_t n;

	for (;;) {
		n = read(fd, rec, sizeof(rec) - 1);
		if (n < 0 && errno == EPIPE) /* overwritten: read on */
			continue;
		if (n <= 0) /* EAGAIN: nothing more */
			break;
		rec[n] = '\0';
		msg = strchr(rec, ';');
		msg = msg ? msg + 1 : rec;
		for (i = 0; i < ARRAY_SIZE(kmsg_bad); i++) {
			if (!strstr(msg, kmsg_bad[i]))
				continue;
			if (found++ < 8)
				TH_LOG("kernel: %s", msg);
			break;
		}
	}
	return found;
}

static int read_stats(struct pt_stats *st)
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

/* Forks children that exit at once, and reaps them, until told to stop. */
static void __noreturn storm_forker(int stop_r, int ack_w)
{
	bool told = false;
	int status;
	pid_t pid;

	while (!stop_requested(stop_r)) {
		pid = fork();
		if (pid < 0)
			_exit(2);
		if (!pid)
			_exit(0);
		if (waitpid(pid, &status, 0) != pid || status)
			_exit(3);
		if (!told && ack(ack_w, ACK_UP))
			_exit(4);
		told = true;
	}
	_exit(0);
}

/*
 * The tests below unload the module and load it with parameters of their
 * own; each leaves it loaded with the defaults, as it found it.
 */
struct reload_state {
	int ko;
	int kmsg;
	bool unloaded;
};

static void reload_setup(struct __test_metadata *_metadata,
			 struct reload_state *st)
{
	const char *skip = pt_skip_reason(), *ko = getenv("PROCTRACE_KO");

	st->ko = -1;
	st->kmsg = -1;
	if (skip)
		SKIP(return, "%s", skip);
	if (!ko || !*ko)
		SKIP(return, "set PROCTRACE_KO to the path of proctrace.ko");
	ASSERT_EQ(0, access(SYSFS_MODULE, F_OK)) TH_LOG("proctrace not loaded");
	st->ko = open(ko, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, st->ko) TH_LOG("open %s: %s", ko, strerror(errno));
	st->kmsg = kmsg_open();
	ASSERT_LE(0, st->kmsg) TH_LOG("/dev/kmsg: %s", strerror(errno));
}

static void reload_teardown(struct __test_metadata *_metadata,
			    struct reload_state *st)
{
	int ret;

	if (st->ko >= 0 && !st->unloaded && !access(SYSFS_MODULE, F_OK)) {
		ret = pt_unload_module();
		EXPECT_EQ(0, ret) TH_LOG("unloading: %s", strerror(-ret));
		st->unloaded = !ret;
	}
	if (st->unloaded) {
		ret = load_params(st->ko, "");
		EXPECT_EQ(0, ret) TH_LOG("reloading: %s", strerror(-ret));
	}
	if (st->kmsg >= 0)
		EXPECT_EQ(0, kmsg_splats(_metadata, st->kmsg));
}

FIXTURE(storm)
{
	struct reload_state st;
};

FIXTURE_SETUP(storm)
{
	reload_setup(_metadata, &self->st);
}

FIXTURE_TEARDOWN(storm)
{
	reload_teardown(_metadata, &self->st);
}

FIXTURE(dropped)
{
	struct reload_state st;
};

FIXTURE_SETUP(dropped)
{
	reload_setup(_metadata, &self->st);
}

FIXTURE_TEARDOWN(dropped)
{
	reload_teardown(_metadata, &self->st);
}

static bool has_param(const char *name)
{
	char path[256];

	snprintf(path, sizeof(path), SYSFS_MODULE "/parameters/%s", name);
	return !access(path, F_OK);
}

/*
 * Loads and unloads the module with @params STORM_CYCLES times under the
 * forkers. @needs is a parameter only a debug build has, or NULL.
 */
static void storm_run(struct __test_metadata *_metadata,
		      struct reload_state *st, const char *params,
		      const char *needs)
{
	int stop[2], acks[2], cycle, i, ret, status;
	pid_t forkers[STORM_FORKERS];

	ASSERT_EQ(0, pt_unload_module());
	st->unloaded = true;
	if (needs) {
		/* The kernel ignores an unknown parameter, with a warning. */
		ret = load_params(st->ko, params);
		ASSERT_EQ(0, ret) TH_LOG("load: %s", strerror(-ret));
		st->unloaded = false;
		if (!has_param(needs))
			SKIP(return, STORM_NO_PARAM, needs);
		ASSERT_EQ(0, pt_unload_module());
		st->unloaded = true;
	}

	ASSERT_EQ(0, pipe2(stop, O_CLOEXEC));
	ASSERT_EQ(0, pipe2(acks, O_CLOEXEC));
	for (i = 0; i < STORM_FORKERS; i++) {
		forkers[i] = fork();
		ASSERT_LE(0, forkers[i]);
		if (!forkers[i]) {
			close(stop[1]);
			close(acks[0]);
			storm_forker(stop[0], acks[1]);
		}
	}
	close(stop[0]);
	close(acks[1]);
	/* Every forker is forking before the first load. */
	ret = collect_acks(acks[0], 0, STORM_FORKERS, 0);
	ASSERT_EQ(0, ret) TH_LOG("forkers did not start: %s", strerror(-ret));

	for (cycle = 0; cycle < STORM_CYCLES; cycle++) {
		ret = load_params(st->ko, params);
		ASSERT_EQ(0, ret) TH_LOG("load %d: %s", cycle, strerror(-ret));
		st->unloaded = false;
		ASSERT_EQ(0, access(PT_DIR, F_OK)) TH_LOG("cycle %d", cycle);
		ret = pt_unload_module();
		ASSERT_EQ(0, ret) TH_LOG("rmmod %d: %s", cycle, strerror(-ret));
		st->unloaded = true;
	}

	close(stop[1]);
	for (i = 0; i < STORM_FORKERS; i++) {
		ASSERT_EQ(forkers[i], waitpid(forkers[i], &status, 0));
		EXPECT_EQ(0, status) TH_LOG("forker %d: status %#x", i, status);
	}
	close(acks[0]);
	EXPECT_EQ(0, kmsg_splats(_metadata, st->kmsg));
}

TEST_F_TIMEOUT(storm, scan_and_fork_probe, TEST_TIMEOUT)
{
	storm_run(_metadata, &self->st, "", NULL);
}

TEST_F_TIMEOUT(storm, scan_and_delayed_fork_probe, TEST_TIMEOUT)
{
	storm_run(_metadata, &self->st, STORM_PARAM "=1000", STORM_PARAM);
}

/*
 * table_dropped counts processes the table could not track, once each
 * (abi.rst, "stats"): when the fork probe finds the table full. The test
 * loads the module with the smallest table and forks children that block,
 * DROP_EXTRA more than the free entries table_used/table_size leave. The
 * children then die, and stay zombies while the table is still full: the
 * zombies view shows an untracked zombie's exit as unknown, which tells
 * exactly which children were dropped. Their exits, the test's waits and
 * their reaping must not count them again.
 *
 * The expectation is exact when nothing else forked or was freed while the
 * children were forked, which the forks and reaps counters tell: a free
 * can give one more child an entry, another fork can be dropped too. The
 * checks below allow exactly that much and no more.
 */
#define DROP_TABLE 1024
#define DROP_EXTRA 300

/* Children of the test that wait for @gate_r to be closed. */
static int spawn_blocked(pid_t *pids, int n, int gate_r, int gate_w)
{
	char c;
	int i;

	for (i = 0; i < n; i++) {
		pids[i] = fork();
		if (pids[i] < 0)
			return -errno;
		if (!pids[i]) {
			close(gate_w);
			_exit(read(gate_r, &c, 1) == 0 ? 0 : 1);
		}
	}
	return 0;
}

TEST_F_TIMEOUT(dropped, counts_each_process_once, TEST_TIMEOUT)
{
	long long free0, want, others, freed, dropped, unknown = 0, known = 0;
	struct pt_stats s0, s1, s2, s3;
	int gate[2], n, i, ret;
	struct pt_zombies zv;
	char params[64];
	siginfo_t si;
	pid_t *pids;
	char *buf;

	ASSERT_EQ(0, pt_unload_module());
	self->st.unloaded = true;
	snprintf(params, sizeof(params), "max_tracked=%d", DROP_TABLE);
	ret = load_params(self->st.ko, params);
	ASSERT_EQ(0, ret) TH_LOG("load %s: %s", params, strerror(-ret));
	self->st.unloaded = false;
	ASSERT_EQ(0, pipe2(gate, O_CLOEXEC));

	PT_ASSERT_OK(read_stats(&s0));
	ASSERT_EQ(DROP_TABLE, s0.table_size);
	free0 = s0.table_size - s0.table_used;
	n = free0 + DROP_EXTRA;
	want = n - free0;
	pids = calloc(n, sizeof(*pids));
	ASSERT_NE(NULL, pids);
	/* fork() returns after the probe decided about the child. */
	ret = spawn_blocked(pids, n, gate[0], gate[1]);
	ASSERT_EQ(0, ret) TH_LOG("fork: %s", strerror(-ret));
	PT_ASSERT_OK(read_stats(&s1));
	others = s1.forks - s0.forks - n;
	freed = s1.reaps - s0.reaps;
	dropped = s1.table_dropped - s0.table_dropped;
	TH_LOG("%d children, %lld free entries, %lld other forks, %lld frees",
	       n, free0, others, freed);
	EXPECT_EQ(s1.table_size, s1.table_used);

	/* Every child dies; waitid(WNOWAIT) returns once it is a zombie. */
	for (i = 0; i < n; i++)
		ASSERT_EQ(0, kill(pids[i], SIGKILL));
	for (i = 0; i < n; i++)
		ASSERT_EQ(0, waitid(P_PID, pids[i], &si, WEXITED | WNOWAIT));
	PT_ASSERT_OK(read_stats(&s2));
	ASSERT_EQ(0, pt_read_view(PROCTRACE_FILE_ZOMBIES, &buf, NULL));
	PT_ASSERT_OK(pt_parse_zombies(buf, &zv));
	free(buf);
	for (i = 0; i < (int)zv.n; i++) {
		if (zv.v[i].parent || zv.v[i].ppid != getpid())
			continue;
		if (!strcmp(zv.v[i].exit, "unknown"))
			unknown++;
		else if (!strcmp(zv.v[i].exit, "killed(SIGKILL)"))
			known++;
	}
	pt_zombies_free(&zv);
	EXPECT_EQ(n, unknown + known);

	/* Who was dropped: what the table's size said, give or take. */
	EXPECT_LE(unknown, want);
	EXPECT_GE(unknown, want - freed);
	/* Each of them counted once, and other processes at most once. */
	EXPECT_LE(unknown, dropped);
	EXPECT_GE(unknown + others, dropped);
	if (!others && !freed)
		EXPECT_EQ(want, dropped);
	/* No fork of the test's since s1: any new drop is someone else's. */
	ret = s2.table_dropped - s1.table_dropped;
	EXPECT_LE(ret, s2.forks - s1.forks) TH_LOG("exits counted: %d", ret);

	for (i = 0; i < n; i++)
		ASSERT_EQ(pids[i], waitpid(pids[i], NULL, 0));
	PT_ASSERT_OK(read_stats(&s3));
	ret = s3.table_dropped - s2.table_dropped;
	EXPECT_LE(ret, s3.forks - s2.forks) TH_LOG("waits counted: %d", ret);
	free(pids);
	close(gate[0]);
	close(gate[1]);
}

TEST_HARNESS_MAIN
