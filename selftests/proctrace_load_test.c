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
 * wakes it with end of file; if it did not, the unload would wait for the
 * read to finish forever.
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
		if (n < 0 && errno != EIO) {
			fprintf(stderr, "# events reader: read: %s\n",
				strerror(errno));
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
 * give EIO or end of file.
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
		if (n > 0 || (n < 0 && errno != EIO)) {
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

TEST_HARNESS_MAIN
