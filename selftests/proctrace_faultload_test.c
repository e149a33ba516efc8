// SPDX-License-Identifier: GPL-2.0-only
/*
 * Loading proctrace.ko when allocations fail.
 *
 * /proc/thread-self/fail-nth (CONFIG_FAULT_INJECTION) makes the Nth
 * fault-injection point the calling thread passes fail: every slab
 * allocation (failslab) and every page allocation (fail_page_alloc) made
 * by finit_module() on its behalf, the loader's and the module's own. The
 * test loads the module for N = 1, 2, ... until a load succeeds with no
 * failure injected, so every allocation of the load path fails once. Each
 * failed load must return an error, leave no /proc/proctrace and no
 * /sys/module/proctrace, and leave no probe attached: after every attempt
 * a child is forked, execs and is reaped, which runs the sched_process_*
 * tracepoints, so a probe left pointing into the freed module would crash
 * the kernel (the debug kernel's KASAN reports it first). Leaks are
 * checked by kmemleak in scripts/guest-debug.sh after the test.
 *
 * The module is loaded with its smallest tables so the page allocator is
 * asked for few pages; the error paths are the same at any size.
 * $PROCTRACE_KO names the module; it is left loaded, with its default
 * parameters, as the other tests expect to find it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include "kselftest_harness.h"
#pragma GCC diagnostic pop
#pragma GCC diagnostic ignored "-Wclobbered"

#include "proctrace_selftests.h"

#define FAIL_NTH "/proc/thread-self/fail-nth"
#define FAULT_DIR "/sys/kernel/debug"
#define NO_FAIL_NTH "kernel lacks CONFIG_FAULT_INJECTION (no " FAIL_NTH ")"
#define NO_FAULT_DEBUGFS \
	"kernel lacks CONFIG_FAILSLAB, CONFIG_FAIL_PAGE_ALLOC or FAULT_INJECTION_DEBUG_FS"
#define LOAD_PARAMS "max_tracked=1024 event_slots=256"
/* Far more injection points than one load has; reaching it is a bug. */
#define MAX_POINTS 20000
#define TEST_TIMEOUT 3000

/* debugfs knobs: failslab and fail_page_alloc skip sleeping allocations by default. */
struct knob {
	const char *path;
	const char *value;
	char saved[32];
};

static struct knob knobs[] = {
	{ .path = FAULT_DIR "/failslab/ignore-gfp-wait", .value = "N" },
	{ .path = FAULT_DIR "/failslab/verbose", .value = "0" },
	{ .path = FAULT_DIR "/fail_page_alloc/ignore-gfp-wait", .value = "N" },
	{ .path = FAULT_DIR "/fail_page_alloc/ignore-gfp-highmem",
	  .value = "N" },
	{ .path = FAULT_DIR "/fail_page_alloc/min-order", .value = "0" },
	{ .path = FAULT_DIR "/fail_page_alloc/verbose", .value = "0" },
};

static bool exists(const char *path)
{
	struct stat st;

	return !stat(path, &st);
}

/* The sched_process_{fork,exec,exit,wait,free} tracepoints, once each. */
static int run_child(void)
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return -errno;
	if (!pid) {
		execl("/bin/true", "true", (char *)NULL);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) != pid)
		return -errno;
	return WIFEXITED(status) && !WEXITSTATUS(status) ? 0 : -ECHILD;
}

/*
 * fail-nth is armed, read back and disarmed through one descriptor opened
 * beforehand: its read and write handlers allocate nothing, while an
 * open() does. When a load passes fewer points than armed, the countdown
 * goes on into whatever the thread does next, and an open() of fail-nth
 * would be what fails.
 */
static int arm(int fd, unsigned int n)
{
	char num[32];
	int len = snprintf(num, sizeof(num), "%u", n);

	return pwrite(fd, num, len, 0) == len ? 0 : -errno;
}

/* Disarms, and returns what was left: 0 once the failure was injected. */
static int disarm(int fd, char *left, size_t size)
{
	ssize_t r = pread(fd, left, size - 1, 0);
	int err = errno;

	if (pwrite(fd, "0", 1, 0) != 1)
		return -errno;
	if (r <= 0)
		return r ? -err : -ENODATA;
	left[r] = '\0';
	left[strcspn(left, "\n")] = '\0';
	return 0;
}

FIXTURE(faultload)
{
	int ko;
	int fail_nth;
	bool have_knobs;
};

FIXTURE_SETUP(faultload)
{
	const char *ko = getenv("PROCTRACE_KO");
	unsigned int i;
	int ret;

	self->ko = -1;
	self->fail_nth = -1;
	if (!exists(FAIL_NTH))
		SKIP(return, NO_FAIL_NTH);
	if (!exists(FAULT_DIR "/failslab") ||
	    !exists(FAULT_DIR "/fail_page_alloc"))
		SKIP(return, NO_FAULT_DEBUGFS);
	ASSERT_NE(NULL, ko) TH_LOG("PROCTRACE_KO must name proctrace.ko");
	self->ko = open(ko, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, self->ko) TH_LOG("open %s: %s", ko, strerror(errno));
	self->fail_nth = open(FAIL_NTH, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->fail_nth)
	TH_LOG("open %s: %s", FAIL_NTH, strerror(errno));
	for (i = 0; i < ARRAY_SIZE(knobs); i++) {
		ret = pt_read_str(knobs[i].path, knobs[i].saved,
				  sizeof(knobs[i].saved));
		ASSERT_EQ(0, ret)
		TH_LOG("%s: %s", knobs[i].path, strerror(-ret));
	}
	self->have_knobs = true;
	for (i = 0; i < ARRAY_SIZE(knobs); i++) {
		ret = pt_write_str(knobs[i].path, knobs[i].value);
		ASSERT_EQ(0, ret)
		TH_LOG("%s: %s", knobs[i].path, strerror(-ret));
	}
	if (exists("/sys/module/" PT_MODULE))
		ASSERT_EQ(0, pt_unload_module());
}

FIXTURE_TEARDOWN(faultload)
{
	unsigned int i;

	if (self->fail_nth >= 0) {
		pwrite(self->fail_nth, "0", 1, 0);
		close(self->fail_nth);
	}
	if (self->have_knobs)
		for (i = 0; i < ARRAY_SIZE(knobs); i++)
			pt_write_str(knobs[i].path, knobs[i].saved);
	if (self->ko >= 0) {
		if (!exists("/sys/module/" PT_MODULE) &&
		    syscall(SYS_finit_module, self->ko, "", 0))
			TH_LOG("reloading the module: %s", strerror(errno));
		close(self->ko);
	}
}

TEST_F_TIMEOUT(faultload, every_load_allocation_fails_cleanly, TEST_TIMEOUT)
{
	unsigned int n, failed = 0, tolerated = 0, by_errno[256] = { 0 };
	char left[32];
	bool done = false;
	int rc, err, i;

	for (n = 1; n <= MAX_POINTS && !done; n++) {
		ASSERT_EQ(0, arm(self->fail_nth, n));
		rc = syscall(SYS_finit_module, self->ko, LOAD_PARAMS, 0);
		err = errno;
		/* 0: the failure was injected; N > 0: fewer than n points. */
		ASSERT_EQ(0, disarm(self->fail_nth, left, sizeof(left)));

		if (!rc) {
			ASSERT_TRUE(exists(PT_DIR "/" PROCTRACE_FILE_STATS))
			TH_LOG("load %u succeeded without %s", n, PT_DIR);
			if (strcmp(left, "0"))
				done = true; /* nothing left to fail */
			else
				tolerated++;
			ASSERT_EQ(0, run_child());
			ASSERT_EQ(0, pt_unload_module())
			TH_LOG("unload after load %u", n);
			continue;
		}
		failed++;
		by_errno[err & 255]++;
		EXPECT_STREQ("0", left)
		TH_LOG("load %u failed (%s) with no failure injected", n,
		       strerror(err));
		EXPECT_FALSE(exists(PT_DIR))
		TH_LOG("failed load %u (%s) left %s", n, strerror(err), PT_DIR);
		EXPECT_FALSE(exists("/sys/module/" PT_MODULE))
		TH_LOG("failed load %u (%s) left the module", n, strerror(err));
		/* A probe left attached would run now, in freed memory. */
		ASSERT_EQ(0, run_child());
	}
	ASSERT_TRUE(done) TH_LOG("no clean load after %u points", MAX_POINTS);
	ksft_print_msg("%u allocation points on the load path\n", n - 2);
	ksft_print_msg("%u loads failed, %u succeeded despite a failure\n",
		       failed, tolerated);
	for (i = 0; i < 256; i++)
		if (by_errno[i])
			ksft_print_msg("  %u failed with %s\n", by_errno[i],
				       strerror(i));
	/* The last load succeeded and was unloaded; teardown reloads it. */
	EXPECT_FALSE(exists(PT_DIR));
}

TEST_HARNESS_MAIN
