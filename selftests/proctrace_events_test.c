// SPDX-License-Identifier: GPL-2.0-only
/*
 * The lifecycle event stream, /proc/proctrace/events (Documentation/abi.rst,
 * "events" and "Exit decoding").
 *
 * Every test opens the stream before it creates anything, builds a small
 * topology whose ground truth it knows (the pids fork() returned, the thread
 * ids its threads report, start times from /proc/PID/stat field 22, the exit
 * statuses it chose, which waitpid() confirms), then reads until the kernel
 * reports the end of that topology, the reap record of its last process,
 * and compares every record about it field by field. Records about other
 * tasks are told apart by pid and ignored.
 *
 * Nothing waits for time to pass: children report over pipes and waits on
 * the stream are poll()s, bounded only so that a missing record fails the
 * test instead of hanging it. Two tests reload the module (a small ring,
 * and unloading under blocked readers); their teardown runs in the
 * harness's parent process, so the default load is restored even when the
 * test process dies.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* kselftest_harness.h is not -Wextra clean: its SIGALRM handler. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include "kselftest_harness.h"
#pragma GCC diagnostic pop
/*
 * gcc 12 may warn that the wrapper the harness generates for a test keeps
 * its own "child" in a register across its setjmp(), depending on what it
 * inlines. Were it so, a failed ASSERT would take the parent's path in the
 * test process; the fixtures that restore global state use
 * FIXTURE_TEARDOWN_PARENT, which then still runs exactly once.
 */
#pragma GCC diagnostic ignored "-Wclobbered"

#include "proctrace_selftests.h"

#define EV_PATH PT_DIR "/" PROCTRACE_FILE_EVENTS
#define EV_PARAMS "/sys/module/" PT_MODULE "/parameters/"
#define EV_CORE_PATTERN "/proc/sys/kernel/core_pattern"
#define EV_BUF_SIZE (64 * 1024)
#define EV_MAX_TOKENS 16
/* Generous: the guest runs under QEMU software emulation. */
#define EV_WAIT_MS (60 * 1000)
#define EV_TIMEOUT 300
/*
 * Records are stamped with ktime_get_boot_fast_ns(), which may differ from
 * clock_gettime(CLOCK_BOOTTIME) by a tiny clock correction.
 */
#define EV_SLACK_NS 1000000ULL
#define EV_COMM "pt_ev_test"
#define EV_HELPER "--pt-events-helper"
#define EV_BROKEN 120
#define EV_BURST 1000
#define EV_LAG_FORKS 400
/* The lagging test keeps its live reader this many forks behind at most. */
#define EV_PACE 16
#define EV_SMALL_RING 256
#define EV_NREADERS 2
#define EV_DRAIN_MAX 100000
#define EV_STACK_SIZE (256 * 1024)

enum ev_type { EV_FORK, EV_EXEC, EV_EXIT, EV_REAP, EV_LOST, EV_NTYPES };

static const char *const ev_type_names[EV_NTYPES] = {
	[EV_FORK] = PROCTRACE_EV_FORK, [EV_EXEC] = PROCTRACE_EV_EXEC,
	[EV_EXIT] = PROCTRACE_EV_EXIT, [EV_REAP] = PROCTRACE_EV_REAP,
	[EV_LOST] = PROCTRACE_EV_LOST,
};

/* One parsed record; fields a type does not have stay -1 or empty. */
struct ev_rec {
	unsigned long long seq;
	unsigned long long ts;
	unsigned long long start_ns;
	unsigned long long runtime_ns;
	unsigned long long count;
	int type;
	int pid;
	int tgid;
	int ppid;
	int old_pid;
	int group_dead;
	char kind[16];
	char origin[16];
	char exit[32];
	char comm[PT_COMM_LEN];
	char file[PROCTRACE_FILENAME_MAX + 1];
	/*
	 * The raw line: in the stream's buffer until the next read, or owned
	 * by the ev_vec the record was added to.
	 */
	char *line;
};

struct ev_vec {
	struct ev_rec *v;
	size_t n;
	size_t cap;
};

struct ev_stream {
	int fd;
	int stop_fd; /* -1, or a descriptor whose readability ends a wait */
	char *buf;
	size_t len;
	size_t pos;
	char err[PROCTRACE_EVENT_LINE_MAX + 128];
};

static unsigned long long ev_tick_ns;
static char ev_exe[PATH_MAX];

static int ev_key_int(const char *tok, const char *key, int *v)
{
	const char *s = pt_key_value(tok, key);

	return s ? pt_parse_int(s, v) : -1;
}

static int ev_key_ull(const char *tok, const char *key, unsigned long long *v)
{
	const char *s = pt_key_value(tok, key);

	return s ? pt_parse_ull(s, v) : -1;
}

/* A value that needs no escaping: kind, origin, exit. */
static int ev_key_str(const char *tok, const char *key, char *out, size_t size)
{
	return pt_copy_value(pt_key_value(tok, key), out, size);
}

static int ev_parse(const char *line, struct ev_rec *r, char *err,
		    size_t errlen)
{
	char copy[PROCTRACE_EVENT_LINE_MAX], *tok[EV_MAX_TOKENS];
	const char *v;
	int n;

	memset(r, 0, sizeof(*r));
	r->ppid = -1;
	r->old_pid = -1;
	r->group_dead = -1;
	if (strlen(line) >= sizeof(copy))
		goto bad;
	snprintf(copy, sizeof(copy), "%s", line);
	n = pt_split(copy, tok, EV_MAX_TOKENS, false);
	if (n < 4 || pt_parse_ull(tok[0], &r->seq) ||
	    pt_parse_ull(tok[1], &r->ts))
		goto bad;
	for (r->type = 0; r->type < EV_NTYPES; r->type++)
		if (!strcmp(tok[2], ev_type_names[r->type]))
			break;
	if (r->type == EV_NTYPES)
		goto bad;
	if (r->type == EV_LOST) {
		if (n != 4 || ev_key_ull(tok[3], "count", &r->count))
			goto bad;
		return 0;
	}
	if (n < 7 || pt_parse_int(tok[3], &r->pid) ||
	    pt_parse_int(tok[4], &r->tgid) ||
	    pt_parse_ull(tok[5], &r->start_ns))
		goto bad;
	switch (r->type) {
	case EV_FORK:
		if (n != 10 || ev_key_int(tok[6], "ppid", &r->ppid) ||
		    ev_key_str(tok[7], "kind", r->kind, sizeof(r->kind)) ||
		    ev_key_str(tok[8], "origin", r->origin, sizeof(r->origin)))
			goto bad;
		break;
	case EV_EXEC:
		if (n != 9 || ev_key_int(tok[6], "old_pid", &r->old_pid))
			goto bad;
		v = pt_key_value(tok[7], "file");
		if (!v || pt_unescape_comm(v, r->file, sizeof(r->file)))
			goto bad;
		break;
	case EV_EXIT:
		if (n != 11 || ev_key_int(tok[6], "ppid", &r->ppid) ||
		    ev_key_str(tok[7], "exit", r->exit, sizeof(r->exit)) ||
		    !pt_exit_ok(r->exit) ||
		    ev_key_int(tok[8], "group_dead", &r->group_dead) ||
		    r->group_dead > 1 ||
		    ev_key_ull(tok[9], "runtime_ns", &r->runtime_ns))
			goto bad;
		break;
	default:
		/* A reap record has no ppid (abi.rst). */
		if (n != 7)
			goto bad;
		break;
	}
	v = pt_key_value(tok[n - 1], "comm");
	if (!v || pt_unescape_comm(v, r->comm, sizeof(r->comm)))
		goto bad;
	return 0;
bad:
	snprintf(err, errlen, "malformed record \"%s\"", line);
	return -1;
}

static int ev_stream_open(struct ev_stream *s, int flags)
{
	int ret;

	memset(s, 0, sizeof(*s));
	s->stop_fd = -1;
	s->buf = malloc(EV_BUF_SIZE + 1);
	if (!s->buf) {
		s->fd = -1;
		return -ENOMEM;
	}
	s->fd = open(EV_PATH, O_RDONLY | O_CLOEXEC | flags);
	if (s->fd < 0) {
		ret = -errno;
		free(s->buf);
		s->buf = NULL;
		return ret;
	}
	return 0;
}

static void ev_stream_close(struct ev_stream *s)
{
	if (s->fd >= 0)
		close(s->fd);
	free(s->buf);
	s->fd = -1;
	s->buf = NULL;
}

/*
 * Makes sure unread lines are buffered. Returns 1 when they are, 0 when
 * @ms passed first, -ECANCELED when stop_fd became readable, -ENODATA at
 * end of file, or another negative errno.
 */
static int ev_fill(struct ev_stream *s, int ms)
{
	struct pollfd pfd[2] = {
		{ .fd = s->fd, .events = POLLIN },
		{ .fd = s->stop_fd, .events = POLLIN },
	};
	ssize_t n;
	int ret;

	if (s->pos < s->len)
		return 1;
	ret = poll(pfd, s->stop_fd >= 0 ? 2 : 1, ms);
	if (ret < 0)
		return errno == EINTR ? 0 : -errno;
	if (!ret)
		return 0;
	if (pfd[1].revents)
		return -ECANCELED;
	n = read(s->fd, s->buf, EV_BUF_SIZE);
	if (n < 0) {
		ret = -errno;
		snprintf(s->err, sizeof(s->err), "read: %s", strerror(-ret));
		return ret == -EAGAIN || ret == -EINTR ? 0 : ret;
	}
	if (!n) {
		snprintf(s->err, sizeof(s->err), "unexpected end of file");
		return -ENODATA;
	}
	/* abi.rst: a read() returns whole lines only. */
	if (s->buf[n - 1] != '\n' || memchr(s->buf, '\0', n)) {
		snprintf(s->err, sizeof(s->err),
			 "read() of %zd bytes is not whole lines", n);
		return -EPROTO;
	}
	s->buf[n] = '\0';
	s->len = n;
	s->pos = 0;
	return 1;
}

/* The next record: 1, 0 after @ms, or a negative errno (s->err says why). */
static int ev_next(struct ev_stream *s, struct ev_rec *r, int ms)
{
	char *line, *nl;
	int ret;

	ret = ev_fill(s, ms);
	if (ret <= 0)
		return ret;
	line = s->buf + s->pos;
	nl = strchr(line, '\n');
	*nl = '\0';
	s->pos = nl + 1 - s->buf;
	if (ev_parse(line, r, s->err, sizeof(s->err)))
		return -EPROTO;
	r->line = line;
	return 1;
}

static void ev_header(char *buf, size_t size)
{
	snprintf(buf, size, "%s %s v%d\n", PROCTRACE_HEADER_PREFIX,
		 PROCTRACE_FILE_EVENTS, PROCTRACE_ABI_VERSION);
}

/* The first line of a stream must be the header and nothing else. */
static int ev_read_header(struct ev_stream *s)
{
	char want[64];
	size_t n;
	int ret;

	ev_header(want, sizeof(want));
	n = strlen(want);
	ret = ev_fill(s, EV_WAIT_MS);
	if (!ret)
		ret = -ETIMEDOUT;
	if (ret < 0)
		return ret;
	if (s->pos || strncmp(s->buf, want, n)) {
		snprintf(s->err, sizeof(s->err), "bad first line in \"%.64s\"",
			 s->buf);
		return -EPROTO;
	}
	s->pos = n;
	return 0;
}

static int ev_vec_add(struct ev_vec *vec, const struct ev_rec *r)
{
	struct ev_rec *v;
	size_t cap;

	if (vec->n == vec->cap) {
		cap = vec->cap ? 2 * vec->cap : 256;
		v = realloc(vec->v, cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		vec->v = v;
		vec->cap = cap;
	}
	vec->v[vec->n] = *r;
	vec->v[vec->n].line = strdup(r->line);
	if (!vec->v[vec->n].line)
		return -ENOMEM;
	vec->n++;
	return 0;
}

static void ev_vec_free(struct ev_vec *vec)
{
	size_t i;

	for (i = 0; i < vec->n; i++)
		free(vec->v[i].line);
	free(vec->v);
	memset(vec, 0, sizeof(*vec));
}

/*
 * Adds records to @vec until the reap record of process @pid, the last one
 * of a process's life: it comes an RCU grace period after the reaping.
 */
static int ev_collect(struct ev_stream *s, struct ev_vec *vec, int pid)
{
	long long deadline = pt_now_ms() + EV_WAIT_MS;
	struct ev_rec r;
	int ret;

	for (;;) {
		if (pt_now_ms() > deadline) {
			snprintf(s->err, sizeof(s->err),
				 "no reap record of %d in %d ms", pid,
				 EV_WAIT_MS);
			return -ETIMEDOUT;
		}
		ret = ev_next(s, &r, pt_left_ms(deadline));
		if (ret < 0)
			return ret;
		if (!ret)
			continue;
		if (ev_vec_add(vec, &r))
			return -ENOMEM;
		if (r.type == EV_REAP && r.pid == pid)
			return 0;
	}
}

/* Reaps @pid, which must exit with @code, and collects its records. */
static void ev_reap_collect(struct __test_metadata *_metadata,
			    struct ev_stream *s, struct ev_vec *vec, pid_t pid,
			    int code)
{
	int status, ret;

	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == code)
	TH_LOG("status %#x", status);
	ret = ev_collect(s, vec, pid);
	ASSERT_EQ(0, ret) TH_LOG("%s", s->err);
}

/* How many records of @type are about task @pid; *first is the first. */
static int ev_count(const struct ev_vec *vec, int type, int pid,
		    const struct ev_rec **first)
{
	size_t i;
	int n = 0;

	*first = NULL;
	for (i = 0; i < vec->n; i++) {
		if (vec->v[i].type != type || vec->v[i].pid != pid)
			continue;
		if (!n++)
			*first = &vec->v[i];
	}
	return n;
}

/* The one record of @type about @pid; the test ends if there is not one. */
static const struct ev_rec *ev_one(struct __test_metadata *_metadata,
				   const struct ev_vec *vec, int type, int pid)
{
	const struct ev_rec *r;
	int n = ev_count(vec, type, pid, &r);

	ASSERT_EQ(1, n)
	TH_LOG("%d %s records about pid %d", n, ev_type_names[type], pid);
	return r;
}

/* /proc/PID/stat field 22 is start_ns in clock ticks, rounded down. */
static void ev_expect_task(struct __test_metadata *_metadata,
			   const struct ev_rec *r, int pid, int tgid,
			   unsigned long long start, const char *comm)
{
	EXPECT_EQ(pid, r->pid) TH_LOG("%s", r->line);
	EXPECT_EQ(tgid, r->tgid) TH_LOG("%s", r->line);
	EXPECT_EQ(start, r->start_ns / ev_tick_ns) TH_LOG("%s", r->line);
	EXPECT_STREQ(comm, r->comm) TH_LOG("%s", r->line);
}

static void ev_expect_fork(struct __test_metadata *_metadata,
			   const struct ev_rec *r, int ppid, const char *kind)
{
	EXPECT_EQ(ppid, r->ppid) TH_LOG("%s", r->line);
	EXPECT_STREQ(kind, r->kind) TH_LOG("%s", r->line);
	EXPECT_STREQ("user", r->origin) TH_LOG("%s", r->line);
}

static void ev_expect_exit(struct __test_metadata *_metadata,
			   const struct ev_rec *r, int ppid, const char *exit,
			   int group_dead)
{
	EXPECT_EQ(ppid, r->ppid) TH_LOG("%s", r->line);
	EXPECT_STREQ(exit, r->exit) TH_LOG("%s", r->line);
	EXPECT_EQ(group_dead, r->group_dead) TH_LOG("%s", r->line);
	/* The runtime is measured up to the record's own timestamp. */
	EXPECT_EQ(r->ts - r->start_ns, r->runtime_ns) TH_LOG("%s", r->line);
}

/* Records are numbered in the order they were written. */
static void ev_expect_order(struct __test_metadata *_metadata,
			    const struct ev_rec *a, const struct ev_rec *b)
{
	EXPECT_LT(a->seq, b->seq)
	TH_LOG("\"%s\" before \"%s\"", a->line, b->line);
	EXPECT_LE(a->ts, b->ts)
	TH_LOG("\"%s\" before \"%s\"", a->line, b->line);
}

/* /proc/PID/task/TID/stat field 22: the start in clock ticks. */
static int ev_start(int tgid, int tid, unsigned long long *start)
{
	struct pt_stat st;
	int ret = pt_read_stat("/proc", tgid, tid, &st);

	*start = ret ? 0 : st.starttime;
	return ret;
}

/*
 * The comm (the basename, as the kernel names a task after execve()) and
 * the file that the records of a process running ev_exe show.
 */
static void ev_exe_names(char comm[PT_COMM_LEN],
			 char file[PROCTRACE_FILENAME_MAX + 1])
{
	const char *base = strrchr(ev_exe, '/');

	snprintf(comm, PT_COMM_LEN, "%.*s", PT_COMM_LEN - 1,
		 base ? base + 1 : ev_exe);
	snprintf(file, PROCTRACE_FILENAME_MAX + 1, "%.*s",
		 PROCTRACE_FILENAME_MAX, ev_exe);
}

/* One counter of the stats file; abi.rst "stats". */
static int ev_stat_counter(const char *name, unsigned long long *v)
{
	char *buf, *line, *save;
	size_t len = strlen(name);
	const char *body;
	int ret;

	ret = pt_read_view(PROCTRACE_FILE_STATS, &buf, NULL);
	if (ret)
		return ret;
	ret = pt_check_header(buf, PROCTRACE_FILE_STATS, &body);
	if (ret)
		goto out;
	ret = -ENOENT;
	for (line = strtok_r(buf + (body - buf), "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (!strncmp(line, name, len) && line[len] == ' ') {
			ret = pt_parse_ull(line + len + 1, v) ? -EPROTO : 0;
			break;
		}
	}
out:
	free(buf);
	return ret;
}

enum ev_act { EV_ACT_EXIT, EV_ACT_BLOCK, EV_ACT_SEGV };

/* A child the test controls: it acts when go_w is written to or closed. */
struct ev_child {
	pid_t pid;
	int go_w;
	unsigned long long start;
};

static void ev_child_main(int ready_w, int go_r, const char *comm,
			  enum ev_act act, int code)
{
	struct rlimit unlimited = { RLIM_INFINITY, RLIM_INFINITY };
	char b;

	if (prctl(PR_SET_NAME, comm))
		_exit(EV_BROKEN);
	/* Core dumps need a limit, a writable directory, dumpability. */
	if (act == EV_ACT_SEGV && (setrlimit(RLIMIT_CORE, &unlimited) ||
				   chdir("/tmp") || prctl(PR_SET_DUMPABLE, 1)))
		_exit(EV_BROKEN);
	if (write(ready_w, "r", 1) != 1)
		_exit(EV_BROKEN);
	if (read(go_r, &b, 1) < 0)
		_exit(EV_BROKEN);
	switch (act) {
	case EV_ACT_EXIT:
		_exit(code);
	case EV_ACT_BLOCK:
		for (;;)
			pause();
	case EV_ACT_SEGV:
		signal(SIGSEGV, SIG_DFL);
		raise(SIGSEGV);
		break;
	}
	_exit(EV_BROKEN);
}

/*
 * Forks a child named @comm that reads its orders from a pipe. Its start
 * time is read while it waits, before anything about its end exists.
 */
static int ev_spawn(struct ev_child *c, const char *comm, enum ev_act act,
		    int code)
{
	int ready[2], go[2], ret;
	char b;

	if (pipe2(ready, O_CLOEXEC) || pipe2(go, O_CLOEXEC))
		return -errno;
	c->pid = fork();
	if (!c->pid) {
		close(ready[0]);
		close(go[1]);
		ev_child_main(ready[1], go[0], comm, act, code);
	}
	close(ready[1]);
	close(go[0]);
	c->go_w = go[1];
	if (c->pid < 0) {
		close(ready[0]);
		return -errno;
	}
	ret = pt_read_full(ready[0], &b, 1, EV_WAIT_MS);
	close(ready[0]);
	if (!ret)
		ret = ev_start(c->pid, c->pid, &c->start);
	return ret;
}

static void ev_go(struct ev_child *c)
{
	close(c->go_w);
	c->go_w = -1;
}

static int ev_init_globals(void)
{
	long hz = sysconf(_SC_CLK_TCK);
	ssize_t n;

	if (hz <= 0)
		return -EINVAL;
	ev_tick_ns = 1000000000ULL / hz;
	n = readlink("/proc/self/exe", ev_exe, sizeof(ev_exe) - 1);
	if (n <= 0)
		return -errno;
	ev_exe[n] = '\0';
	return 0;
}

FIXTURE(events)
{
	struct ev_stream s;
	struct ev_vec vec;
};

FIXTURE_SETUP(events)
{
	const char *skip = pt_skip_reason();
	int ret;

	self->s.fd = -1;
	if (skip)
		SKIP(return, "%s", skip);
	ASSERT_EQ(0, ev_init_globals());
	/* Children inherit this name: their fork records must show it. */
	ASSERT_EQ(0, prctl(PR_SET_NAME, EV_COMM));
	ret = ev_stream_open(&self->s, 0);
	ASSERT_EQ(0, ret) TH_LOG("open %s: %s", EV_PATH, strerror(-ret));
	ret = ev_read_header(&self->s);
	ASSERT_EQ(0, ret) TH_LOG("%s", self->s.err);
}

FIXTURE_TEARDOWN(events)
{
	ev_vec_free(&self->vec);
	ev_stream_close(&self->s);
}

/* A child that calls exit(3): fork, exit and reap records, every field. */
TEST_F_TIMEOUT(events, exit_status_3, EV_TIMEOUT)
{
	const struct ev_rec *f, *x, *r, *e;
	unsigned long long t0, t1, reaped;
	struct ev_child c;
	int status, ret;

	t0 = pt_boottime_ns();
	ret = ev_spawn(&c, "pt_ev_exit3", EV_ACT_EXIT, 3);
	ASSERT_EQ(0, ret) TH_LOG("child: %s", strerror(-ret));
	ev_go(&c);
	ASSERT_EQ(c.pid, waitpid(c.pid, &status, 0));
	reaped = pt_boottime_ns();
	ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 3);
	ret = ev_collect(&self->s, &self->vec, c.pid);
	ASSERT_EQ(0, ret) TH_LOG("%s", self->s.err);
	t1 = pt_boottime_ns();

	f = ev_one(_metadata, &self->vec, EV_FORK, c.pid);
	x = ev_one(_metadata, &self->vec, EV_EXIT, c.pid);
	r = ev_one(_metadata, &self->vec, EV_REAP, c.pid);
	EXPECT_EQ(0, ev_count(&self->vec, EV_EXEC, c.pid, &e));

	/* The fork record shows the child with its parent's name. */
	ev_expect_task(_metadata, f, c.pid, c.pid, c.start, EV_COMM);
	ev_expect_fork(_metadata, f, getpid(), "process");
	ev_expect_task(_metadata, x, c.pid, c.pid, c.start, "pt_ev_exit3");
	ev_expect_exit(_metadata, x, getpid(), "exited(3)", 1);
	ev_expect_task(_metadata, r, c.pid, c.pid, c.start, "pt_ev_exit3");
	ev_expect_order(_metadata, f, x);
	ev_expect_order(_metadata, x, r);
	EXPECT_LE(t0, f->ts + EV_SLACK_NS) TH_LOG("%s", f->line);
	/* Freed once waitpid() has reaped it, never before. */
	EXPECT_LE(x->ts, reaped + EV_SLACK_NS) TH_LOG("%s", x->line);
	EXPECT_LE(reaped, r->ts + EV_SLACK_NS) TH_LOG("%s", r->line);
	EXPECT_GE(t1 + EV_SLACK_NS, r->ts) TH_LOG("%s", r->line);
}

TEST_F_TIMEOUT(events, exit_killed_by_sigkill, EV_TIMEOUT)
{
	const struct ev_rec *x, *r;
	struct ev_child c;
	int status, ret;

	ret = ev_spawn(&c, "pt_ev_killed", EV_ACT_BLOCK, 0);
	ASSERT_EQ(0, ret) TH_LOG("child: %s", strerror(-ret));
	ASSERT_EQ(0, kill(c.pid, SIGKILL));
	ASSERT_EQ(c.pid, waitpid(c.pid, &status, 0));
	ev_go(&c);
	ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	ret = ev_collect(&self->s, &self->vec, c.pid);
	ASSERT_EQ(0, ret) TH_LOG("%s", self->s.err);

	x = ev_one(_metadata, &self->vec, EV_EXIT, c.pid);
	r = ev_one(_metadata, &self->vec, EV_REAP, c.pid);
	ev_expect_task(_metadata, x, c.pid, c.pid, c.start, "pt_ev_killed");
	ev_expect_exit(_metadata, x, getpid(), "killed(SIGKILL)", 1);
	ev_expect_task(_metadata, r, c.pid, c.pid, c.start, "pt_ev_killed");
	ev_expect_order(_metadata, x, r);
}

struct ev_thread_arg {
	int tid_w;
	int go_r;
};

/*
 * Forks a child that runs @child_main(tid_w, go_r): a second thread of it
 * writes its id to tid_w, then waits for go_r to be written to or closed,
 * which the test does through *go_w. Returns the child's pid.
 */
static pid_t ev_fork_threaded(struct __test_metadata *_metadata,
			      void (*child_main)(int tid_w, int go_r),
			      pid_t *tid, int *go_w)
{
	int tid_p[2], go[2], ret;
	pid_t pid;

	ASSERT_EQ(0, pipe2(tid_p, O_CLOEXEC));
	ASSERT_EQ(0, pipe2(go, O_CLOEXEC));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		close(tid_p[0]);
		close(go[1]);
		child_main(tid_p[1], go[0]);
	}
	close(tid_p[1]);
	close(go[0]);
	*go_w = go[1];
	ret = pt_read_full(tid_p[0], tid, sizeof(*tid), EV_WAIT_MS);
	close(tid_p[0]);
	ASSERT_EQ(0, ret) TH_LOG("thread id: %s", strerror(-ret));
	return pid;
}

static void *ev_worker(void *p)
{
	struct ev_thread_arg *a = p;
	pid_t tid = syscall(SYS_gettid);
	char b;

	/* Only this thread's name changes: its exit record must show it. */
	if (prctl(PR_SET_NAME, "pt_ev_worker") ||
	    pt_write_full(a->tid_w, &tid, sizeof(tid)) ||
	    read(a->go_r, &b, 1) < 0)
		_exit(EV_BROKEN);
	return NULL;
}

/*
 * Exits with 5 once its worker thread has ended. pthread_join() returns
 * when the kernel clears the thread's tid (in exit_mm()), before the
 * thread reaches sched_process_exit; the thread's /proc entry goes only
 * when it is released, after that tracepoint. Waiting for that orders the
 * two exits, so the worker's is the first record and the leader's the
 * group's last.
 */
static void ev_threaded_child(int tid_w, int go_r)
{
	struct ev_thread_arg a = { tid_w, go_r };
	char path[64];
	pthread_t th;
	int tid_r[2];
	pid_t tid;

	if (pipe(tid_r) || prctl(PR_SET_NAME, "pt_ev_threads"))
		_exit(EV_BROKEN);
	a.tid_w = tid_r[1];
	if (pthread_create(&th, NULL, ev_worker, &a) ||
	    pt_read_full(tid_r[0], &tid, sizeof(tid), -1) ||
	    pt_write_full(tid_w, &tid, sizeof(tid)) || pthread_join(th, NULL))
		_exit(EV_BROKEN);
	snprintf(path, sizeof(path), "/proc/self/task/%d", tid);
	while (!access(path, F_OK))
		sched_yield();
	_exit(5);
}

/* A pthread: fork kind=thread in the process, parent of the process. */
TEST_F_TIMEOUT(events, thread_fork_and_exit, EV_TIMEOUT)
{
	const struct ev_rec *f, *tf, *tx, *x, *r;
	unsigned long long start, tstart;
	pid_t pid, tid;
	int go_w;

	pid = ev_fork_threaded(_metadata, ev_threaded_child, &tid, &go_w);
	ASSERT_EQ(0, ev_start(pid, pid, &start));
	ASSERT_EQ(0, ev_start(pid, tid, &tstart));
	close(go_w);
	ev_reap_collect(_metadata, &self->s, &self->vec, pid, 5);

	f = ev_one(_metadata, &self->vec, EV_FORK, pid);
	tf = ev_one(_metadata, &self->vec, EV_FORK, tid);
	tx = ev_one(_metadata, &self->vec, EV_EXIT, tid);
	x = ev_one(_metadata, &self->vec, EV_EXIT, pid);
	r = ev_one(_metadata, &self->vec, EV_REAP, pid);

	ev_expect_task(_metadata, f, pid, pid, start, EV_COMM);
	ev_expect_fork(_metadata, f, getpid(), "process");
	/* A thread's parent is its process's parent (real_parent). */
	ev_expect_task(_metadata, tf, tid, pid, tstart, "pt_ev_threads");
	ev_expect_fork(_metadata, tf, getpid(), "thread");
	ev_expect_task(_metadata, tx, tid, pid, tstart, "pt_ev_worker");
	ev_expect_exit(_metadata, tx, getpid(), "exited(0)", 0);
	ev_expect_task(_metadata, x, pid, pid, start, "pt_ev_threads");
	ev_expect_exit(_metadata, x, getpid(), "exited(5)", 1);
	ev_expect_task(_metadata, r, pid, pid, start, "pt_ev_threads");
	ev_expect_order(_metadata, f, tf);
	ev_expect_order(_metadata, tf, tx);
	ev_expect_order(_metadata, tx, x);
	ev_expect_order(_metadata, x, r);
}

static void *ev_execer(void *p)
{
	char *const argv[] = { ev_exe, EV_HELPER, "7", "-1", NULL };
	struct ev_thread_arg *a = p;
	pid_t tid = syscall(SYS_gettid);
	char b;

	if (pt_write_full(a->tid_w, &tid, sizeof(tid)) ||
	    read(a->go_r, &b, 1) < 0)
		_exit(EV_BROKEN);
	execv(ev_exe, argv);
	_exit(EV_BROKEN);
}

static void ev_exec_child(int tid_w, int go_r)
{
	struct ev_thread_arg a = { tid_w, go_r };
	pthread_t th;

	if (prctl(PR_SET_NAME, "pt_ev_execer") ||
	    pthread_create(&th, NULL, ev_execer, &a))
		_exit(EV_BROKEN);
	/* The exec kills this thread and hands its pid to the other one. */
	for (;;)
		pause();
}

/*
 * A thread other than the leader calls execve(): it takes over the
 * leader's pid, so the exec record has pid == tgid and old_pid == its tid.
 */
TEST_F_TIMEOUT(events, exec_from_non_leader_thread, EV_TIMEOUT)
{
	const struct ev_rec *e, *x, *r, *tf, *first = NULL, *lx = NULL;
	unsigned long long start, tstart;
	char comm[PT_COMM_LEN], file[PROCTRACE_FILENAME_MAX + 1];
	int go_w, nexit = 0;
	pid_t pid, tid;
	size_t i;

	pid = ev_fork_threaded(_metadata, ev_exec_child, &tid, &go_w);
	ASSERT_NE(pid, tid);
	ASSERT_EQ(0, ev_start(pid, pid, &start));
	ASSERT_EQ(0, ev_start(pid, tid, &tstart));
	close(go_w);
	ev_reap_collect(_metadata, &self->s, &self->vec, pid, 7);

	ev_exe_names(comm, file);
	tf = ev_one(_metadata, &self->vec, EV_FORK, tid);
	e = ev_one(_metadata, &self->vec, EV_EXEC, pid);
	r = ev_one(_metadata, &self->vec, EV_REAP, pid);
	ev_expect_task(_metadata, tf, tid, pid, tstart, "pt_ev_execer");
	ev_expect_fork(_metadata, tf, getpid(), "thread");
	/* de_thread() gives the thread the leader's pid and start time. */
	ev_expect_task(_metadata, e, pid, pid, start, comm);
	EXPECT_EQ(tid, e->old_pid) TH_LOG("%s", e->line);
	EXPECT_STREQ(file, e->file) TH_LOG("%s", e->line);
	ev_expect_task(_metadata, r, pid, pid, start, comm);

	/*
	 * Two exit records carry the leader's pid: the old leader, killed
	 * by the exec while the execing thread lived, then the process.
	 */
	for (i = 0; i < self->vec.n; i++) {
		x = &self->vec.v[i];
		if (x->type != EV_EXIT || x->tgid != pid)
			continue;
		EXPECT_EQ(pid, x->pid) TH_LOG("%s", x->line);
		if (!nexit++)
			first = x;
		lx = x;
	}
	ASSERT_EQ(2, nexit);
	EXPECT_EQ(0, first->group_dead) TH_LOG("%s", first->line);
	EXPECT_STREQ("pt_ev_execer", first->comm) TH_LOG("%s", first->line);
	ev_expect_order(_metadata, first, e);
	ev_expect_task(_metadata, lx, pid, pid, start, comm);
	ev_expect_exit(_metadata, lx, getpid(), "exited(7)", 1);
	ev_expect_order(_metadata, e, lx);
	ev_expect_order(_metadata, lx, r);
	/* The thread's old id leaves no record but its fork. */
	EXPECT_EQ(0, ev_count(&self->vec, EV_EXIT, tid, &x));
	EXPECT_EQ(0, ev_count(&self->vec, EV_REAP, tid, &x));
}

/* vfork() returns twice: keep it away from the test's locals. */
static pid_t ev_vfork_exec(char *const argv[])
{
	pid_t pid = vfork();

	if (!pid) {
		execv(argv[0], argv);
		_exit(EV_BROKEN);
	}
	return pid;
}

TEST_F_TIMEOUT(events, vfork_then_exec, EV_TIMEOUT)
{
	char fdarg[16], comm[PT_COMM_LEN], file[PROCTRACE_FILENAME_MAX + 1];
	char *const argv[] = { ev_exe, EV_HELPER, "9", fdarg, NULL };
	const struct ev_rec *f, *e, *x, *r;
	unsigned long long start;
	int hold[2], ret;
	pid_t pid;

	/* The helper waits for EOF on hold[0], so its start can be read. */
	ASSERT_EQ(0, pipe2(hold, O_CLOEXEC));
	ASSERT_EQ(0, fcntl(hold[0], F_SETFD, 0));
	snprintf(fdarg, sizeof(fdarg), "%d", hold[0]);
	pid = ev_vfork_exec(argv);
	ASSERT_LE(0, pid);
	close(hold[0]);
	ret = ev_start(pid, pid, &start);
	close(hold[1]);
	ASSERT_EQ(0, ret);
	ev_reap_collect(_metadata, &self->s, &self->vec, pid, 9);

	ev_exe_names(comm, file);
	f = ev_one(_metadata, &self->vec, EV_FORK, pid);
	e = ev_one(_metadata, &self->vec, EV_EXEC, pid);
	x = ev_one(_metadata, &self->vec, EV_EXIT, pid);
	r = ev_one(_metadata, &self->vec, EV_REAP, pid);
	ev_expect_task(_metadata, f, pid, pid, start, EV_COMM);
	ev_expect_fork(_metadata, f, getpid(), "vfork");
	ev_expect_task(_metadata, e, pid, pid, start, comm);
	EXPECT_EQ(pid, e->old_pid) TH_LOG("%s", e->line);
	EXPECT_STREQ(file, e->file) TH_LOG("%s", e->line);
	ev_expect_task(_metadata, x, pid, pid, start, comm);
	ev_expect_exit(_metadata, x, getpid(), "exited(9)", 1);
	ev_expect_task(_metadata, r, pid, pid, start, comm);
	ev_expect_order(_metadata, f, e);
	ev_expect_order(_metadata, e, x);
	ev_expect_order(_metadata, x, r);
}

struct ev_hold {
	int r;
	int w;
};

static int ev_clone_vm_child(void *arg)
{
	const struct ev_hold *h = arg;
	char b;

	/* It shares the test's memory: it only reads until end of file. */
	close(h->w);
	while (read(h->r, &b, 1) > 0)
		;
	return 4;
}

/* abi.rst: any new process sharing its parent's memory counts as vfork. */
TEST_F_TIMEOUT(events, clone_vm_counts_as_vfork, EV_TIMEOUT)
{
	const struct ev_rec *f, *x, *r;
	unsigned long long start;
	struct ev_hold h;
	int p[2], status, ret;
	char *stack;
	pid_t pid;

	stack = malloc(EV_STACK_SIZE);
	ASSERT_NE(NULL, stack);
	ASSERT_EQ(0, pipe2(p, O_CLOEXEC));
	h.r = p[0];
	h.w = p[1];
	pid = clone(ev_clone_vm_child, stack + EV_STACK_SIZE,
		    CLONE_VM | SIGCHLD, &h);
	ASSERT_LT(0, pid);
	ret = ev_start(pid, pid, &start);
	close(p[1]);
	ASSERT_EQ(0, ret);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	close(p[0]);
	free(stack);
	ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 4)
	TH_LOG("status %#x", status);
	ret = ev_collect(&self->s, &self->vec, pid);
	ASSERT_EQ(0, ret) TH_LOG("%s", self->s.err);

	f = ev_one(_metadata, &self->vec, EV_FORK, pid);
	x = ev_one(_metadata, &self->vec, EV_EXIT, pid);
	r = ev_one(_metadata, &self->vec, EV_REAP, pid);
	ev_expect_task(_metadata, f, pid, pid, start, EV_COMM);
	ev_expect_fork(_metadata, f, getpid(), "vfork");
	ev_expect_task(_metadata, x, pid, pid, start, EV_COMM);
	ev_expect_exit(_metadata, x, getpid(), "exited(4)", 1);
	ev_expect_task(_metadata, r, pid, pid, start, EV_COMM);
	ev_expect_order(_metadata, f, x);
	ev_expect_order(_metadata, x, r);
}

/*
 * A reader thread: it keeps every record and counts those about the
 * children of @parent, so the test can wait for them.
 */
struct ev_reader {
	struct ev_stream s;
	pthread_t thread;
	pid_t parent;
	/* Below: under ev_lock. */
	struct ev_vec recs;
	struct ev_rec *kids; /* fork records of the parent's children */
	size_t nkids;
	size_t kids_cap;
	unsigned long long last_seq;
	unsigned int exits;
	unsigned int reaps;
	unsigned int lost;
	int err;
	bool done;
};

static pthread_mutex_t ev_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t ev_cond;

enum ev_until { EV_UNTIL_EXITS, EV_UNTIL_REAPS, EV_UNTIL_SEQ };

static int ev_cond_init(void)
{
	pthread_condattr_t attr;
	int ret;

	ret = pthread_condattr_init(&attr);
	if (!ret)
		ret = pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	if (!ret)
		ret = pthread_cond_init(&ev_cond, &attr);
	return -ret;
}

/* Caller holds ev_lock. */
static int ev_reader_account(struct ev_reader *rd, const struct ev_rec *r)
{
	struct ev_rec *k;
	size_t i;

	if (ev_vec_add(&rd->recs, r))
		return -ENOMEM;
	rd->last_seq = r->seq;
	if (r->type == EV_LOST)
		rd->lost++;
	if (r->type == EV_FORK && r->ppid == rd->parent && r->pid == r->tgid) {
		if (rd->nkids == rd->kids_cap) {
			rd->kids_cap = rd->kids_cap ? 2 * rd->kids_cap : 64;
			k = realloc(rd->kids, rd->kids_cap * sizeof(*k));
			if (!k)
				return -ENOMEM;
			rd->kids = k;
		}
		rd->kids[rd->nkids++] = *r;
	}
	if (r->type == EV_EXIT && r->ppid == rd->parent && r->group_dead)
		rd->exits++;
	/* Reaps come soon after forks: search from the newest child. */
	for (i = rd->nkids; r->type == EV_REAP && i--;) {
		if (rd->kids[i].pid == r->pid &&
		    rd->kids[i].start_ns == r->start_ns) {
			rd->reaps++;
			break;
		}
	}
	return 0;
}

static void *ev_reader_main(void *arg)
{
	struct ev_reader *rd = arg;
	struct ev_rec r;
	int ret;

	for (;;) {
		ret = ev_next(&rd->s, &r, -1);
		if (ret == -ECANCELED)
			ret = 0;
		if (ret <= 0)
			break;
		pthread_mutex_lock(&ev_lock);
		ret = ev_reader_account(rd, &r);
		pthread_cond_broadcast(&ev_cond);
		pthread_mutex_unlock(&ev_lock);
		if (ret)
			break;
	}
	pthread_mutex_lock(&ev_lock);
	rd->err = ret;
	rd->done = true;
	pthread_cond_broadcast(&ev_cond);
	pthread_mutex_unlock(&ev_lock);
	return NULL;
}

/* Opens the stream (the reader starts there) and starts the thread. */
static int ev_reader_start(struct ev_reader *rd, int stop_fd)
{
	int ret;

	memset(rd, 0, sizeof(*rd));
	ret = ev_stream_open(&rd->s, 0);
	if (ret)
		return ret;
	ret = ev_read_header(&rd->s);
	if (ret)
		return ret;
	rd->s.stop_fd = stop_fd;
	rd->parent = getpid();
	return -pthread_create(&rd->thread, NULL, ev_reader_main, rd);
}

static void ev_reader_free(struct ev_reader *rd)
{
	ev_vec_free(&rd->recs);
	free(rd->kids);
	ev_stream_close(&rd->s);
}

static bool ev_reached(struct ev_reader *rd, enum ev_until what,
		       unsigned long long n)
{
	switch (what) {
	case EV_UNTIL_EXITS:
		return rd->exits >= n;
	case EV_UNTIL_REAPS:
		return rd->reaps >= n;
	default:
		return rd->last_seq >= n;
	}
}

/* Waits (bounded) until the reader has seen @n of @what. */
static bool ev_reader_wait(struct ev_reader *rd, enum ev_until what,
			   unsigned long long n)
{
	struct timespec dl;
	bool ok;

	clock_gettime(CLOCK_MONOTONIC, &dl);
	dl.tv_sec += EV_WAIT_MS / 1000;
	pthread_mutex_lock(&ev_lock);
	for (;;) {
		ok = ev_reached(rd, what, n);
		if (ok || rd->done ||
		    pthread_cond_timedwait(&ev_cond, &ev_lock, &dl) ==
			    ETIMEDOUT)
			break;
	}
	ok = ev_reached(rd, what, n);
	pthread_mutex_unlock(&ev_lock);
	return ok;
}

/*
 * What every reader must have seen: no error, no lost record, and, since
 * an initial-namespace reader can see every task, every seq in turn.
 */
static void ev_expect_complete(struct __test_metadata *_metadata,
			       const struct ev_reader *rd, int idx)
{
	size_t i;

	EXPECT_EQ(0, rd->err) TH_LOG("reader %d: %s", idx, rd->s.err);
	EXPECT_EQ(0U, rd->lost) TH_LOG("reader %d lost records", idx);
	ASSERT_LT(0UL, rd->recs.n);
	for (i = 1; i < rd->recs.n; i++) {
		if (rd->recs.v[i].seq == rd->recs.v[i - 1].seq + 1)
			continue;
		EXPECT_EQ(rd->recs.v[i - 1].seq + 1, rd->recs.v[i].seq)
		TH_LOG("reader %d: \"%s\" then \"%s\"", idx,
		       rd->recs.v[i - 1].line, rd->recs.v[i].line);
		break;
	}
}

static int ev_cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return x < y ? -1 : x > y;
}

/* Which of @pids (sorted) a record is about, -1 for none. */
static int ev_child_index(const int *sorted, int n, int pid)
{
	const int *hit = bsearch(&pid, sorted, n, sizeof(*sorted), ev_cmp_int);

	return hit ? hit - sorted : -1;
}

/*
 * Every child must have exactly one fork, one exit and one reap record,
 * with its own pid, the test as parent and the status it exited with.
 */
static void ev_check_burst(struct __test_metadata *_metadata,
			   const struct ev_reader *rd, int idx, const int *pids,
			   int n)
{
	const struct ev_rec **f, **x, **r, *rec;
	int *sorted, *dups, i, k;
	char exit[32];
	size_t j;

	sorted = malloc(n * sizeof(*sorted));
	dups = calloc(n, sizeof(*dups));
	f = calloc(n, sizeof(*f));
	x = calloc(n, sizeof(*x));
	r = calloc(n, sizeof(*r));
	ASSERT_TRUE(sorted && dups && f && x && r);
	memcpy(sorted, pids, n * sizeof(*sorted));
	qsort(sorted, n, sizeof(*sorted), ev_cmp_int);
	for (j = 0; j < rd->recs.n; j++) {
		rec = &rd->recs.v[j];
		k = ev_child_index(sorted, n, rec->pid);
		if (k < 0)
			continue;
		/* A pid may have been used before: match the identity. */
		if (rec->type == EV_FORK && rec->ppid == rd->parent) {
			dups[k] += !!f[k];
			f[k] = rec;
		} else if (rec->type == EV_EXIT && rec->ppid == rd->parent) {
			dups[k] += !!x[k];
			x[k] = rec;
		} else if (rec->type == EV_REAP && f[k] &&
			   rec->start_ns == f[k]->start_ns) {
			dups[k] += !!r[k];
			r[k] = rec;
		}
	}
	for (i = 0; i < n; i++) {
		k = ev_child_index(sorted, n, pids[i]);
		if (!f[k] || !x[k] || !r[k] || dups[k]) {
			EXPECT_TRUE(f[k] && x[k] && r[k] && !dups[k])
			TH_LOG("reader %d: child %d (pid %d): fork %d exit %d reap %d, %d more",
			       idx, i, pids[i], !!f[k], !!x[k], !!r[k],
			       dups[k]);
			break;
		}
		/* No ground truth for the start: it must be consistent. */
		ev_expect_task(_metadata, f[k], pids[i], pids[i],
			       f[k]->start_ns / ev_tick_ns, EV_COMM);
		ev_expect_fork(_metadata, f[k], rd->parent, "process");
		ev_expect_task(_metadata, x[k], pids[i], pids[i],
			       f[k]->start_ns / ev_tick_ns, EV_COMM);
		snprintf(exit, sizeof(exit), "exited(%d)", i % 256);
		ev_expect_exit(_metadata, x[k], rd->parent, exit, 1);
		EXPECT_EQ(f[k]->start_ns, r[k]->start_ns);
		ev_expect_order(_metadata, f[k], x[k]);
		ev_expect_order(_metadata, x[k], r[k]);
		if (_metadata->exit_code)
			break;
	}
	free(sorted);
	free(dups);
	free(f);
	free(x);
	free(r);
}

/* Both readers' lines must be identical for every seq both have. */
static void ev_expect_same(struct __test_metadata *_metadata,
			   const struct ev_reader *a, const struct ev_reader *b)
{
	size_t i = 0, j = 0;

	while (i < a->recs.n && j < b->recs.n) {
		if (a->recs.v[i].seq < b->recs.v[j].seq) {
			i++;
			continue;
		}
		if (a->recs.v[i].seq > b->recs.v[j].seq) {
			j++;
			continue;
		}
		EXPECT_STREQ(a->recs.v[i].line, b->recs.v[j].line);
		if (strcmp(a->recs.v[i].line, b->recs.v[j].line))
			return;
		i++;
		j++;
	}
}

/*
 * Two readers with their own descriptors read concurrently while the test
 * forks, and reaps, EV_BURST children: each reader gets every record, in
 * seq order, and both get the same lines.
 */
TEST_F_TIMEOUT(events, two_readers_see_whole_fork_burst, EV_TIMEOUT)
{
	struct ev_reader rd[EV_NREADERS];
	int stop[2], i, ret, status, wrong = 0;
	bool ok;
	int *pids;
	pid_t pid;

	pids = calloc(EV_BURST, sizeof(*pids));
	ASSERT_NE(NULL, pids);
	ASSERT_EQ(0, ev_cond_init());
	ASSERT_EQ(0, pipe2(stop, O_CLOEXEC));
	for (i = 0; i < EV_NREADERS; i++) {
		ret = ev_reader_start(&rd[i], stop[0]);
		ASSERT_EQ(0, ret) TH_LOG("reader %d: %s", i, strerror(-ret));
	}
	for (i = 0; i < EV_BURST; i++) {
		pid = fork();
		ASSERT_LE(0, pid);
		if (!pid)
			_exit(i % 256);
		pids[i] = pid;
		ASSERT_EQ(pid, waitpid(pid, &status, 0));
		wrong += !WIFEXITED(status) || WEXITSTATUS(status) != i % 256;
	}
	EXPECT_EQ(0, wrong);
	for (i = 0; i < EV_NREADERS; i++) {
		ok = ev_reader_wait(&rd[i], EV_UNTIL_REAPS, EV_BURST);
		EXPECT_TRUE(ok)
		TH_LOG("reader %d saw %u of %d reaps", i, rd[i].reaps,
		       EV_BURST);
	}
	close(stop[1]);
	for (i = 0; i < EV_NREADERS; i++) {
		ret = pthread_join(rd[i].thread, NULL);
		ASSERT_EQ(0, ret);
	}

	for (i = 0; i < EV_NREADERS; i++) {
		ev_expect_complete(_metadata, &rd[i], i);
		ev_check_burst(_metadata, &rd[i], i, pids, EV_BURST);
	}
	ev_expect_same(_metadata, &rd[0], &rd[1]);
	for (i = 0; i < EV_NREADERS; i++)
		ev_reader_free(&rd[i]);
	free(pids);
}

enum {
	EV_STEP_GROUPS = 1,
	EV_STEP_GID,
	EV_STEP_UID,
	EV_STEP_CAPS,
	EV_STEP_OPEN
};

static unsigned long long ev_cap_eff(void)
{
	char buf[4096], *p;
	unsigned long long caps = ~0ULL;
	ssize_t n;
	int fd;

	fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return caps;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return caps;
	buf[n] = '\0';
	p = strstr(buf, "\nCapEff:");
	if (p)
		caps = strtoull(p + strlen("\nCapEff:"), NULL, 16);
	return caps;
}

static void ev_unprivileged_open(int res_w)
{
	int res[2] = { EV_STEP_GROUPS, 0 };
	gid_t nobody = 65534;
	int fd;

	/* Giving up uid 0 clears every capability, as for a normal user. */
	if (setgroups(0, NULL))
		goto out;
	res[0] = EV_STEP_GID;
	if (setresgid(nobody, nobody, nobody))
		goto out;
	res[0] = EV_STEP_UID;
	if (setresuid(nobody, nobody, nobody))
		goto out;
	res[0] = EV_STEP_CAPS;
	if (ev_cap_eff())
		goto out;
	res[0] = EV_STEP_OPEN;
	fd = open(EV_PATH, O_RDONLY | O_CLOEXEC);
	if (fd >= 0)
		close(fd);
out:
	res[1] = errno;
	_exit(pt_write_full(res_w, res, sizeof(res)) ? EV_BROKEN : 0);
}

TEST_F_TIMEOUT(events, unprivileged_open_fails_with_eperm, EV_TIMEOUT)
{
	int p[2], res[2], status, ret;
	pid_t pid;

	ASSERT_EQ(0, pipe2(p, O_CLOEXEC));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		close(p[0]);
		errno = 0;
		ev_unprivileged_open(p[1]);
	}
	close(p[1]);
	ret = pt_read_full(p[0], res, sizeof(res), EV_WAIT_MS);
	ASSERT_EQ(0, ret) TH_LOG("child: %s", strerror(-ret));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_EQ(EV_STEP_OPEN, res[0])
	TH_LOG("dropping privileges failed at step %d: %s", res[0],
	       strerror(res[1]));
	EXPECT_EQ(EPERM, res[1]) TH_LOG("open gave %s", strerror(res[1]));
}

/* What the test tells the namespace about its marker process. */
struct ns_marker {
	int pid;
	unsigned long long seq[3]; /* of its fork, exit and reap records */
};

static pid_t ns_grandchild(int code, unsigned long long *start)
{
	int p[2], ret;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC))
		return -1;
	pid = fork();
	if (!pid) {
		struct pt_stat st;
		char *buf;

		/* The host's /proc: "self" resolves to this task's host pid. */
		if (pt_read_path("/proc/self/stat", &buf, NULL) ||
		    pt_parse_stat(buf, &st) ||
		    pt_write_full(p[1], &st.starttime, sizeof(st.starttime)))
			_exit(EV_BROKEN);
		_exit(code);
	}
	close(p[1]);
	ret = pid > 0 ? pt_read_full(p[0], start, sizeof(*start), EV_WAIT_MS) :
			-1;
	close(p[0]);
	return ret ? -1 : pid;
}

static void ns_check_child(const struct ev_vec *vec, int pid, int code,
			   unsigned long long start)
{
	const struct ev_rec *f, *x, *r;
	char exit[32];

	snprintf(exit, sizeof(exit), "exited(%d)", code);
	PT_CHECK_EQ(1, ev_count(vec, EV_FORK, pid, &f));
	PT_CHECK_EQ(1, ev_count(vec, EV_EXIT, pid, &x));
	PT_CHECK_EQ(1, ev_count(vec, EV_REAP, pid, &r));
	if (!f || !x || !r)
		return;
	PT_CHECK_EQ(pid, f->tgid);
	PT_CHECK_EQ(1, f->ppid);
	PT_CHECK(!strcmp(f->kind, "process"));
	PT_CHECK(!strcmp(f->comm, "pt_ev_nsinit"));
	PT_CHECK_EQ(start, f->start_ns / ev_tick_ns);
	PT_CHECK_EQ(pid, x->tgid);
	PT_CHECK_EQ(1, x->ppid);
	PT_CHECK(!strcmp(x->exit, exit));
	PT_CHECK_EQ(1, x->group_dead);
	PT_CHECK_EQ(start, x->start_ns / ev_tick_ns);
	PT_CHECK_EQ(start, r->start_ns / ev_tick_ns);
	PT_CHECK(f->seq < x->seq && x->seq < r->seq);
}

/*
 * The namespace's init (pid 1): reads the stream through the host's /proc
 * while its two children live and die and the test forks a marker
 * outside. Exits with the number of failed checks.
 */
static void ns_reader(int ready_w, int cmd_r)
{
	unsigned long long start[2], max_seq = 0;
	int code[2] = { 42, 43 }, i, reaped = 0, status;
	struct ns_marker m = { 0 };
	struct ev_vec vec = { 0 };
	long long deadline;
	struct ev_stream s;
	struct ev_rec r;
	pid_t kid[2];
	size_t j;

	/*
	 * Non-blocking: poll() may report records this namespace cannot
	 * see, after which a blocking read() would sleep.
	 */
	if (prctl(PR_SET_NAME, "pt_ev_nsinit") ||
	    ev_stream_open(&s, O_NONBLOCK) || ev_read_header(&s) ||
	    write(ready_w, "R", 1) != 1)
		_exit(EV_BROKEN);
	PT_CHECK_EQ(1, getpid());
	for (i = 0; i < 2; i++) {
		/* The second child comes after the marker's last record. */
		if (i && pt_read_full(cmd_r, &m, sizeof(m), EV_WAIT_MS))
			_exit(EV_BROKEN);
		kid[i] = ns_grandchild(code[i], &start[i]);
		if (kid[i] < 0 || waitpid(kid[i], &status, 0) != kid[i])
			_exit(EV_BROKEN);
		PT_CHECK_EQ(i + 2, kid[i]);
		PT_CHECK(WIFEXITED(status) && WEXITSTATUS(status) == code[i]);
	}
	deadline = pt_now_ms() + EV_WAIT_MS;
	while (reaped < 2) {
		i = ev_next(&s, &r, pt_left_ms(deadline));
		if (i < 0 || (!i && pt_now_ms() > deadline)) {
			fprintf(stderr, "# pid namespace reader: %s\n",
				i ? s.err : "no reap record of its children");
			_exit(EV_BROKEN);
		}
		if (!i)
			continue;
		if (ev_vec_add(&vec, &r))
			_exit(EV_BROKEN);
		reaped += r.type == EV_REAP &&
			  (r.pid == kid[0] || r.pid == kid[1]);
	}
	for (j = 0; j < vec.n; j++) {
		const struct ev_rec *p = &vec.v[j];

		/* Nothing but its own children exists in this namespace. */
		PT_CHECK(p->pid == kid[0] || p->pid == kid[1]);
		PT_CHECK(p->pid != m.pid && p->ppid != m.pid);
		PT_CHECK(p->seq != m.seq[0] && p->seq != m.seq[1] &&
			 p->seq != m.seq[2]);
		PT_CHECK(p->seq > max_seq);
		max_seq = p->seq;
		if (pt_checks_failed()) {
			fprintf(stderr, "# record: %s\n", p->line);
			break;
		}
	}
	/* The reader's window covered the marker's records. */
	PT_CHECK(max_seq > m.seq[2]);
	ns_check_child(&vec, kid[0], code[0], start[0]);
	ns_check_child(&vec, kid[1], code[1], start[1]);
	_exit(pt_checks_failed() ? 1 : 0);
}

/* Only records invisible to it come while it checks poll() and read(). */
static void ns_poller(int ready_w, int cmd_r)
{
	struct pollfd pfd = { .events = POLLIN };
	struct ns_marker m;
	char *buf;
	ssize_t n;
	int err;

	buf = malloc(EV_BUF_SIZE);
	pfd.fd = open(EV_PATH, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (!buf || pfd.fd < 0)
		_exit(EV_BROKEN);
	/* The header, then whatever came before: nothing is pending. */
	while (read(pfd.fd, buf, EV_BUF_SIZE) > 0)
		;
	if (errno != EAGAIN || write(ready_w, "R", 1) != 1 ||
	    pt_read_full(cmd_r, &m, sizeof(m), EV_WAIT_MS))
		_exit(EV_BROKEN);
	/* The marker's records are written, none of them for this reader. */
	PT_CHECK_EQ(0, poll(&pfd, 1, 0));
	PT_CHECK_EQ(0, pfd.revents);
	n = read(pfd.fd, buf, EV_BUF_SIZE);
	err = errno;
	PT_CHECK_EQ(-1, n);
	PT_CHECK_EQ(EAGAIN, err);
	_exit(pt_checks_failed() ? 1 : 0);
}

/*
 * Forks a helper that unshares a pid namespace and forks @fn as its init,
 * and waits until the init says it reads the stream.
 */
static pid_t ns_start(void (*fn)(int ready_w, int cmd_r), int *cmd_w,
		      int *ready_r)
{
	int ready[2], cmd[2], status;
	pid_t helper, init;
	char b;

	if (pipe2(ready, O_CLOEXEC) || pipe2(cmd, O_CLOEXEC))
		return -1;
	helper = fork();
	if (!helper) {
		close(ready[0]);
		close(cmd[1]);
		if (unshare(CLONE_NEWPID))
			_exit(KSFT_SKIP);
		init = fork();
		if (!init) {
			pt_checks_start("pid namespace reader");
			fn(ready[1], cmd[0]);
		}
		if (init < 0 || waitpid(init, &status, 0) != init)
			_exit(EV_BROKEN);
		_exit(WIFEXITED(status) ? WEXITSTATUS(status) : EV_BROKEN + 1);
	}
	close(ready[1]);
	close(cmd[0]);
	*cmd_w = cmd[1];
	*ready_r = ready[0];
	if (helper > 0 && pt_read_full(ready[0], &b, 1, EV_WAIT_MS))
		return -helper;
	return helper;
}

/* A process outside the namespace, whose records the test collects. */
static void ns_marker_run(struct __test_metadata *_metadata,
			  struct ev_stream *s, struct ev_vec *vec,
			  struct ns_marker *m)
{
	const struct ev_rec *rec[3];
	int status, ret;
	pid_t marker;

	marker = fork();
	ASSERT_LE(0, marker);
	if (!marker)
		_exit(6);
	ASSERT_EQ(marker, waitpid(marker, &status, 0));
	ret = ev_collect(s, vec, marker);
	ASSERT_EQ(0, ret) TH_LOG("%s", s->err);
	rec[0] = ev_one(_metadata, vec, EV_FORK, marker);
	rec[1] = ev_one(_metadata, vec, EV_EXIT, marker);
	rec[2] = ev_one(_metadata, vec, EV_REAP, marker);
	m->pid = marker;
	m->seq[0] = rec[0]->seq;
	m->seq[1] = rec[1]->seq;
	m->seq[2] = rec[2]->seq;
}

/* Runs @fn as a namespace's init while the test forks a marker outside. */
static void ns_run(struct __test_metadata *_metadata, struct ev_stream *s,
		   struct ev_vec *vec, void (*fn)(int ready_w, int cmd_r))
{
	struct ns_marker m = { 0 };
	int cmd_w, ready_r, status;
	pid_t helper;

	helper = ns_start(fn, &cmd_w, &ready_r);
	ASSERT_NE(-1, helper);
	if (helper < 0) {
		ASSERT_EQ(-helper, waitpid(-helper, &status, 0));
		if (WIFEXITED(status) && WEXITSTATUS(status) == KSFT_SKIP)
			SKIP(return, "unshare(CLONE_NEWPID): not supported");
		ASSERT_LT(0, helper)
		TH_LOG("namespace init: status %#x", status);
	}
	ns_marker_run(_metadata, s, vec, &m);
	ASSERT_EQ(0, pt_write_full(cmd_w, &m, sizeof(m)));
	close(cmd_w);
	close(ready_r);
	ASSERT_EQ(helper, waitpid(helper, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status))
	TH_LOG("namespace init: status %#x (see its lines above)", status);
}

/*
 * A reader in a child pid namespace sees its namespace's tasks with their
 * namespace pids, and nothing of the tasks outside.
 */
TEST_F_TIMEOUT(events, pidns_reader_sees_only_its_namespace, EV_TIMEOUT)
{
	ns_run(_metadata, &self->s, &self->vec, ns_reader);
}

/*
 * For a reader in a child pid namespace, records it cannot see are not
 * pending: poll() does not report them and read() has nothing to return.
 */
TEST_F_TIMEOUT(events, pidns_poll_ignores_invisible_records, EV_TIMEOUT)
{
	ns_run(_metadata, &self->s, &self->vec, ns_poller);
}

/*
 * Whether the kernel has the sched_prepare_exec tracepoint (6.10 and
 * later), which lets the module read an exec'ing thread's pids before
 * de_thread() frees them (abi.rst, "exec").
 */
static bool ev_has_prepare_exec(void)
{
	struct utsname u;
	int major, minor;

	if (uname(&u) || sscanf(u.release, "%d.%d", &major, &minor) != 2)
		return false;
	return major > 6 || (major == 6 && minor >= 10);
}

/*
 * A thread other than the leader of a process in the reader's namespace
 * execs: the reader is shown the thread's old pid in its own namespace,
 * or 0 where the kernel does not let the module know it, never another
 * number.
 */
static void ns_exec_reader(int ready_w, int cmd_r)
{
	int tid_p[2], go[2], status, want;
	long long deadline;
	struct ev_stream s;
	bool seen = false;
	struct ev_rec r;
	pid_t pid, tid;
	int ret;

	(void)cmd_r; /* the marker outside does not matter here */
	if (ev_stream_open(&s, O_NONBLOCK) || ev_read_header(&s) ||
	    pipe2(tid_p, O_CLOEXEC) || pipe2(go, O_CLOEXEC) ||
	    write(ready_w, "R", 1) != 1)
		_exit(EV_BROKEN);
	pid = fork();
	if (pid < 0)
		_exit(EV_BROKEN);
	if (!pid) {
		close(tid_p[0]);
		close(go[1]);
		ev_exec_child(tid_p[1], go[0]);
	}
	close(tid_p[1]);
	close(go[0]);
	if (pt_read_full(tid_p[0], &tid, sizeof(tid), EV_WAIT_MS))
		_exit(EV_BROKEN);
	/* Pids in this namespace: the init is 1, the process 2. */
	PT_CHECK_EQ(2, pid);
	PT_CHECK(tid != pid);
	close(go[1]);
	if (waitpid(pid, &status, 0) != pid)
		_exit(EV_BROKEN);
	PT_CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 7);
	want = ev_has_prepare_exec() ? tid : 0;
	deadline = pt_now_ms() + EV_WAIT_MS;
	for (;;) {
		ret = ev_next(&s, &r, pt_left_ms(deadline));
		if (ret < 0 || (!ret && pt_now_ms() > deadline)) {
			fprintf(stderr, "# pid namespace reader: %s\n",
				ret ? s.err : "no reap record");
			_exit(EV_BROKEN);
		}
		if (ret && r.type == EV_EXEC && r.pid == pid) {
			seen = true;
			PT_CHECK_EQ(pid, r.tgid);
			PT_CHECK_EQ(want, r.old_pid);
			if (pt_checks_failed())
				fprintf(stderr, "# record: %s (tid %d)\n",
					r.line, tid);
		}
		if (ret && r.type == EV_REAP && r.pid == pid)
			break;
	}
	PT_CHECK(seen);
	_exit(pt_checks_failed() ? 1 : 0);
}

TEST_F_TIMEOUT(events, pidns_exec_from_non_leader_old_pid, EV_TIMEOUT)
{
	if (!ev_has_prepare_exec())
		TH_LOG("no sched_prepare_exec before 6.10: old_pid=0 expected");
	ns_run(_metadata, &self->s, &self->vec, ns_exec_reader);
}

struct ev_poker {
	pid_t tid; /* the test thread, about to sleep in poll() */
	pid_t child;
	int err;
};

/* Forks only once the test thread sleeps in poll(): a record wakes it. */
static void *ev_poke(void *p)
{
	struct ev_poker *pk = p;
	int status;

	pk->err = -pt_wait_state("/proc", getpid(), pk->tid, 'S', EV_WAIT_MS);
	if (pk->err)
		return NULL;
	pk->child = fork();
	if (!pk->child)
		_exit(0);
	if (pk->child < 0 || waitpid(pk->child, &status, 0) != pk->child)
		pk->err = errno;
	return NULL;
}

/*
 * Non-blocking reads, poll(), and what the stream refuses: seeking, and a
 * buffer too small for the next line.
 */
TEST_F_TIMEOUT(events, nonblocking_read_poll_and_seek, EV_TIMEOUT)
{
	struct pollfd pfd = { .events = POLLIN };
	struct ev_poker pk = { 0 };
	struct ev_stream s;
	char small[4], want[64];
	const struct ev_rec *f;
	pthread_t th;
	int i, ret, err;
	ssize_t n;

	ret = ev_stream_open(&s, O_NONBLOCK);
	ASSERT_EQ(0, ret) TH_LOG("open: %s", strerror(-ret));
	n = read(s.fd, small, sizeof(small));
	err = errno;
	EXPECT_EQ(-1, n);
	EXPECT_EQ(EINVAL, err) TH_LOG("small read: %s", strerror(err));
	n = lseek(s.fd, 0, SEEK_SET);
	err = errno;
	EXPECT_EQ(-1, n);
	EXPECT_EQ(ESPIPE, err) TH_LOG("lseek: %s", strerror(err));
	n = pread(s.fd, s.buf, EV_BUF_SIZE, 0);
	err = errno;
	EXPECT_EQ(-1, n);
	EXPECT_EQ(ESPIPE, err) TH_LOG("pread: %s", strerror(err));

	/* The failed small read consumed nothing: the header comes next. */
	n = read(s.fd, s.buf, EV_BUF_SIZE);
	ASSERT_LT(0, n);
	s.buf[n] = '\0';
	ev_header(want, sizeof(want));
	ASSERT_EQ(0, strncmp(s.buf, want, strlen(want))) TH_LOG("%s", s.buf);
	for (i = 0; i < EV_DRAIN_MAX; i++) {
		n = read(s.fd, s.buf, EV_BUF_SIZE);
		if (n <= 0)
			break;
		ASSERT_EQ('\n', s.buf[n - 1]);
	}
	err = errno;
	EXPECT_EQ(-1, n);
	EXPECT_EQ(EAGAIN, err) TH_LOG("drained read: %s", strerror(err));

	pfd.fd = s.fd;
	pk.tid = syscall(SYS_gettid);
	ASSERT_EQ(0, pthread_create(&th, NULL, ev_poke, &pk));
	ret = poll(&pfd, 1, EV_WAIT_MS);
	EXPECT_EQ(1, ret);
	EXPECT_TRUE(pfd.revents & POLLIN) TH_LOG("revents %#x", pfd.revents);
	ASSERT_EQ(0, pthread_join(th, NULL));
	ASSERT_EQ(0, pk.err) TH_LOG("%s", strerror(pk.err));
	ret = ev_collect(&s, &self->vec, pk.child);
	ASSERT_EQ(0, ret) TH_LOG("%s", s.err);
	f = ev_one(_metadata, &self->vec, EV_FORK, pk.child);
	ev_expect_fork(_metadata, f, getpid(), "process");
	ev_stream_close(&s);
}

/* Fixtures that change global state restore it from the parent process. */
FIXTURE(core)
{
	struct ev_stream s;
	struct ev_vec vec;
	char saved[256];
	bool changed;
};

FIXTURE_SETUP(core)
{
	const char *skip = pt_skip_reason();
	ssize_t n;
	int fd, ret;

	self->s.fd = -1;
	if (skip)
		SKIP(return, "%s", skip);
	ASSERT_EQ(0, ev_init_globals());
	ASSERT_EQ(0, prctl(PR_SET_NAME, EV_COMM));
	fd = open(EV_CORE_PATTERN, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, fd);
	n = read(fd, self->saved, sizeof(self->saved) - 1);
	close(fd);
	ASSERT_LT(0, n);
	self->saved[n] = '\0';
	ret = ev_stream_open(&self->s, 0);
	ASSERT_EQ(0, ret) TH_LOG("open %s: %s", EV_PATH, strerror(-ret));
	ret = ev_read_header(&self->s);
	ASSERT_EQ(0, ret) TH_LOG("%s", self->s.err);
}

FIXTURE_TEARDOWN_PARENT(core)
{
	if (!self->changed)
		return;
	EXPECT_EQ(0, pt_write_str(EV_CORE_PATTERN, self->saved));
}

TEST_F_TIMEOUT(core, sigsegv_with_core_dump, EV_TIMEOUT)
{
	const struct ev_rec *x, *r;
	struct ev_child c;
	char core[64];
	int status, ret;

	self->changed = true;
	ret = pt_write_str(EV_CORE_PATTERN, "/tmp/core.%p");
	ASSERT_EQ(0, ret) TH_LOG("core_pattern: %s", strerror(-ret));
	ret = ev_spawn(&c, "pt_ev_segv", EV_ACT_SEGV, 0);
	ASSERT_EQ(0, ret) TH_LOG("child: %s", strerror(-ret));
	ev_go(&c);
	ASSERT_EQ(c.pid, waitpid(c.pid, &status, 0));
	snprintf(core, sizeof(core), "/tmp/core.%d", c.pid);
	unlink(core);
	ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV)
	TH_LOG("status %#x", status);
	if (!WCOREDUMP(status))
		SKIP(return, "no core dump was written (is /tmp writable?)");
	ret = ev_collect(&self->s, &self->vec, c.pid);
	ASSERT_EQ(0, ret) TH_LOG("%s", self->s.err);

	x = ev_one(_metadata, &self->vec, EV_EXIT, c.pid);
	r = ev_one(_metadata, &self->vec, EV_REAP, c.pid);
	ev_expect_task(_metadata, x, c.pid, c.pid, c.start, "pt_ev_segv");
	ev_expect_exit(_metadata, x, getpid(), "dumped(SIGSEGV)", 1);
	ev_expect_task(_metadata, r, c.pid, c.pid, c.start, "pt_ev_segv");
	ev_expect_order(_metadata, x, r);
	ev_vec_free(&self->vec);
	ev_stream_close(&self->s);
}

FIXTURE(reload)
{
	bool touched; /* the test unloaded or reloaded the module */
	bool custom; /* it is loaded with non-default parameters */
	pid_t readers[EV_NREADERS];
};

static bool ev_loaded(void)
{
	return !access("/sys/module/" PT_MODULE, F_OK);
}

static int ev_load(const char *params)
{
	const char *ko = getenv("PROCTRACE_KO");
	int fd, ret = 0;

	fd = open(ko, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (syscall(SYS_finit_module, fd, params, 0))
		ret = -errno;
	close(fd);
	return ret;
}

/* A parameter of the module, or a negative errno. */
static long ev_param(const char *name)
{
	char path[128];
	long v;
	int ret;

	snprintf(path, sizeof(path), "%s%s", EV_PARAMS, name);
	ret = pt_read_long(path, &v);
	return ret ? ret : v;
}

FIXTURE_SETUP(reload)
{
	const char *skip = pt_skip_reason(), *ko = getenv("PROCTRACE_KO");

	if (skip)
		SKIP(return, "%s", skip);
	if (!ko || !*ko)
		SKIP(return, "set PROCTRACE_KO to the path of proctrace.ko");
	if (!ev_loaded())
		SKIP(return, "proctrace is built in: it cannot be reloaded");
	ASSERT_EQ(0, access(ko, R_OK)) TH_LOG("%s: %s", ko, strerror(errno));
	ASSERT_EQ(0, ev_init_globals());
	ASSERT_EQ(0, prctl(PR_SET_NAME, EV_COMM));
}

/* Whatever happened, leave the module loaded with its defaults. */
FIXTURE_TEARDOWN_PARENT(reload)
{
	int i, ret;

	for (i = 0; i < EV_NREADERS; i++)
		if (self->readers[i] > 0)
			kill(self->readers[i], SIGKILL);
	if (self->custom && ev_loaded()) {
		ret = pt_unload_module();
		EXPECT_EQ(0, ret) TH_LOG("unloading: %s", strerror(-ret));
	}
	if (self->touched && !ev_loaded()) {
		ret = ev_load("");
		EXPECT_EQ(0, ret) TH_LOG("reloading: %s", strerror(-ret));
	}
}

/* How many records B has with seq in [from, to). */
static size_t ev_count_range(const struct ev_reader *b, unsigned long long from,
			     unsigned long long to)
{
	size_t i, n = 0;

	for (i = 0; i < b->recs.n; i++)
		n += b->recs.v[i].seq >= from && b->recs.v[i].seq < to;
	return n;
}

static const struct ev_rec *ev_find_seq(const struct ev_reader *b,
					unsigned long long seq)
{
	size_t i;

	for (i = 0; i < b->recs.n; i++)
		if (b->recs.v[i].seq == seq)
			return &b->recs.v[i];
	return NULL;
}

/*
 * With a ring of EV_SMALL_RING records, reader A reads its header and
 * stops while the test forks EV_LAG_FORKS children; reader B keeps up.
 * A must then get one lost record that accounts exactly for what it
 * missed, which B, having seen everything, can tell.
 */
TEST_F_TIMEOUT(reload, lagging_reader_gets_exact_lost_count, EV_TIMEOUT)
{
	unsigned long long a_last = 0, m_seq = 0, lost0, lost1;
	char lost_line[PROCTRACE_EVENT_LINE_MAX];
	struct ev_rec lost, next, r;
	const struct ev_rec *same;
	struct ev_reader b;
	struct ev_stream a;
	int stop[2], i, ret, status;
	pid_t pid, marker;
	size_t j;
	bool ok;

	self->touched = true;
	ret = pt_unload_module();
	ASSERT_EQ(0, ret) TH_LOG("delete_module: %s", strerror(-ret));
	self->custom = true;
	ret = ev_load("event_slots=256");
	ASSERT_EQ(0, ret) TH_LOG("finit_module: %s", strerror(-ret));
	ASSERT_EQ(EV_SMALL_RING, ev_param("event_slots"));

	ASSERT_EQ(0, ev_cond_init());
	ASSERT_EQ(0, pipe2(stop, O_CLOEXEC));
	ret = ev_reader_start(&b, stop[0]);
	ASSERT_EQ(0, ret) TH_LOG("reader B: %s", strerror(-ret));
	ret = ev_stream_open(&a, 0);
	ASSERT_EQ(0, ret) TH_LOG("reader A: %s", strerror(-ret));
	ret = ev_read_header(&a);
	ASSERT_EQ(0, ret) TH_LOG("reader A: %s", a.err);
	/* Records that came with A's header are the last ones A saw. */
	while (a.pos < a.len) {
		ASSERT_EQ(1, ev_next(&a, &r, 0)) TH_LOG("%s", a.err);
		a_last = r.seq;
	}
	ret = ev_stat_counter("events_lost", &lost0);
	ASSERT_EQ(0, ret) TH_LOG("stats: %s", strerror(-ret));

	/* A marker forked after A opened: A's loss must start by then. */
	marker = fork();
	ASSERT_LE(0, marker);
	if (!marker)
		_exit(0);
	ASSERT_EQ(marker, waitpid(marker, &status, 0));
	ASSERT_TRUE(ev_reader_wait(&b, EV_UNTIL_EXITS, 1));
	pthread_mutex_lock(&ev_lock);
	for (j = 0; j < b.nkids; j++)
		if (b.kids[j].pid == marker)
			m_seq = b.kids[j].seq;
	pthread_mutex_unlock(&ev_lock);
	ASSERT_NE(0ULL, m_seq);

	for (i = 0; i < EV_LAG_FORKS; i++) {
		pid = fork();
		ASSERT_LE(0, pid);
		if (!pid)
			_exit(i % 256);
		ASSERT_EQ(pid, waitpid(pid, &status, 0));
		/* Keep B well within one ring of the writer: only A lags. */
		if (i % EV_PACE != EV_PACE - 1)
			continue;
		ok = ev_reader_wait(&b, EV_UNTIL_EXITS, i + 2);
		ASSERT_TRUE(ok) TH_LOG("B stalled after %u exits", b.exits);
	}
	ASSERT_TRUE(ev_reader_wait(&b, EV_UNTIL_EXITS, EV_LAG_FORKS + 1));

	ret = ev_next(&a, &lost, EV_WAIT_MS);
	ASSERT_EQ(1, ret) TH_LOG("reader A: %s", a.err);
	snprintf(lost_line, sizeof(lost_line), "%s", lost.line);
	ret = ev_next(&a, &next, EV_WAIT_MS);
	ASSERT_EQ(1, ret) TH_LOG("reader A: %s", a.err);
	ASSERT_TRUE(ev_reader_wait(&b, EV_UNTIL_SEQ, next.seq));
	ret = ev_stat_counter("events_lost", &lost1);
	ASSERT_EQ(0, ret) TH_LOG("stats: %s", strerror(-ret));
	close(stop[1]);
	ASSERT_EQ(0, pthread_join(b.thread, NULL));

	ev_expect_complete(_metadata, &b, 1);
	ASSERT_EQ(EV_LOST, lost.type) TH_LOG("A's first record: %s", lost_line);
	EXPECT_EQ(lost.seq + lost.count, next.seq)
	TH_LOG("\"%s\" then \"%s\"", lost_line, next.line);
	EXPECT_TRUE(!a_last || a_last + 1 == lost.seq) TH_LOG("%s", lost_line);
	EXPECT_LE(lost.seq, m_seq) TH_LOG("%s", lost_line);
	EXPECT_LE(2ULL * (EV_LAG_FORKS + 1) - EV_SMALL_RING, lost.count)
	TH_LOG("%s", lost_line);
	/* B saw exactly the records A lost, and A's next one as B did. */
	EXPECT_EQ(lost.count, ev_count_range(&b, lost.seq, next.seq))
	TH_LOG("%s", lost_line);
	same = ev_find_seq(&b, next.seq);
	if (next.type != EV_LOST) {
		ASSERT_NE(NULL, same);
		EXPECT_STREQ(same->line, next.line);
	}
	EXPECT_LE(lost0 + lost.count, lost1);
	ev_reader_free(&b);
	ev_stream_close(&a);
}

/* A reader that blocks in read() until the module goes away. */
static void ev_blocked_reader(int res_w)
{
	char *buf = malloc(EV_BUF_SIZE), res;
	int fd = open(EV_PATH, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (!buf || fd < 0 || read(fd, buf, EV_BUF_SIZE) <= 0)
		_exit(EV_BROKEN);
	if (write(res_w, "r", 1) != 1)
		_exit(EV_BROKEN);
	for (;;) {
		n = read(fd, buf, EV_BUF_SIZE);
		if (n > 0 || (n < 0 && errno == EINTR))
			continue;
		if (!n)
			res = '0';
		else if (errno == EIO)
			res = 'I';
		else
			res = 'X';
		break;
	}
	_exit(write(res_w, &res, 1) == 1 ? 0 : EV_BROKEN);
}

/*
 * Unloading the module wakes readers blocked in read(): abi.rst says they
 * get EIO, never end of file, and exit normally. A reload brings the
 * stream back.
 */
TEST_F_TIMEOUT(reload, unload_wakes_blocked_readers, EV_TIMEOUT)
{
	char res[EV_NREADERS], wchan[64], path[64];
	struct ev_stream s;
	struct ev_vec vec = { 0 };
	int p[2], i, ret, status, fd, err;
	ssize_t n;
	pid_t pid;

	self->touched = true;
	ASSERT_EQ(0, pipe2(p, O_CLOEXEC));
	for (i = 0; i < EV_NREADERS; i++) {
		pid = fork();
		ASSERT_LE(0, pid);
		if (!pid) {
			close(p[0]);
			ev_blocked_reader(p[1]);
		}
		self->readers[i] = pid;
	}
	close(p[1]);
	ret = pt_read_full(p[0], res, EV_NREADERS, EV_WAIT_MS);
	ASSERT_EQ(0, ret) TH_LOG("readers did not start: %s", strerror(-ret));
	for (i = 0; i < EV_NREADERS; i++) {
		/* Said it is about to read(); asleep means blocked in it. */
		ret = pt_wait_state("/proc", self->readers[i], self->readers[i],
				    'S', EV_WAIT_MS);
		ASSERT_EQ(0, ret) TH_LOG("reader %d never slept", i);
		snprintf(path, sizeof(path), "/proc/%d/wchan",
			 self->readers[i]);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		n = fd < 0 ? -1 : read(fd, wchan, sizeof(wchan) - 1);
		if (fd >= 0)
			close(fd);
		if (n > 0) {
			wchan[n] = '\0';
			TH_LOG("reader %d sleeps in %s", i, wchan);
		}
	}

	ret = pt_unload_module();
	ASSERT_EQ(0, ret) TH_LOG("delete_module: %s", strerror(-ret));
	fd = open(EV_PATH, O_RDONLY | O_CLOEXEC);
	err = errno;
	EXPECT_EQ(-1, fd);
	EXPECT_EQ(ENOENT, err) TH_LOG("open after unload: %s", strerror(err));
	ret = pt_read_full(p[0], res, EV_NREADERS, EV_WAIT_MS);
	EXPECT_EQ(0, ret) TH_LOG("readers did not wake: %s", strerror(-ret));
	for (i = 0; i < EV_NREADERS; i++) {
		if (ret)
			kill(self->readers[i], SIGKILL);
		ASSERT_EQ(self->readers[i],
			  waitpid(self->readers[i], &status, 0));
		self->readers[i] = 0;
		EXPECT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status))
		TH_LOG("reader %d: status %#x", i, status);
		EXPECT_TRUE(ret || res[i] == 'I')
		TH_LOG("reader %d: read() ended with '%c'", i, res[i]);
	}

	ret = ev_load("");
	ASSERT_EQ(0, ret) TH_LOG("finit_module: %s", strerror(-ret));
	ret = ev_stream_open(&s, 0);
	ASSERT_EQ(0, ret) TH_LOG("open after reload: %s", strerror(-ret));
	ret = ev_read_header(&s);
	ASSERT_EQ(0, ret) TH_LOG("%s", s.err);
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid)
		_exit(0);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ret = ev_collect(&s, &vec, pid);
	ASSERT_EQ(0, ret) TH_LOG("%s", s.err);
	ev_one(_metadata, &vec, EV_FORK, pid);
	ev_vec_free(&vec);
	ev_stream_close(&s);
}

/*
 * "EXE --pt-events-helper CODE FD": what the exec tests run. It waits for
 * end of file on FD (unless it is -1), so the test can read its start time
 * first, then exits with CODE.
 */
static int ev_helper(const char *code, const char *fd)
{
	char b;
	int n;

	n = atoi(fd);
	if (n >= 0)
		while (read(n, &b, 1) > 0)
			;
	return atoi(code);
}

int main(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[1], EV_HELPER))
		return ev_helper(argv[2], argv[3]);
	return test_harness_run(argc, argv);
}
