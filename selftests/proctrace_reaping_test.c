// SPDX-License-Identifier: GPL-2.0-only
/*
 * Reaping: the zombies, orphans and stats views of proctrace
 * (Documentation/abi.rst, "zombies", "orphans", "stats" and "The lifecycle
 * table").
 *
 * The zombies a test looks at belong to a "keeper", a child of the test
 * that forks on command and never calls wait*() until told to, so its
 * waited= flag is known. The keeper's children wait for a signal and then
 * exit with a status the test chose; the test watches them die through
 * pidfds, and takes CLOCK_BOOTTIME before and after, so every age and
 * orphaning time the module prints can be checked against an interval.
 * Only the moment a leader thread exits, which no event reports, is
 * waited for by polling /proc/PID/stat, within a bound.
 *
 * Each view is parsed strictly, and the rules abi.rst gives for it (order,
 * counts, oldest_ns) are checked on every read, whoever the rows are about.
 */
#define _GNU_SOURCE
#include <assert.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

/* kselftest_harness.h is not -Wextra clean: its SIGALRM handler. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include "kselftest_harness.h"
#pragma GCC diagnostic pop
/*
 * gcc 12 may warn that the wrapper the harness generates for a test keeps
 * its own "child" in a register across its setjmp(), depending on what it
 * inlines. Were it so, a failed ASSERT would skip the teardown; every
 * process a test starts dies with its parent or its pipes anyway.
 */
#pragma GCC diagnostic ignored "-Wclobbered"

#include "proctrace_selftests.h"

#ifndef __NR_pidfd_open
#define __NR_pidfd_open 434 /* the same on every architecture */
#endif

#define RP_DIR PT_DIR "/"
/* Generous: the guest runs under QEMU software emulation. */
#define RP_WAIT_MS (60 * 1000)
#define RP_TIMEOUT 300
/*
 * The module's clock is ktime_get_boot_fast_ns(), which may differ from
 * clock_gettime(CLOCK_BOOTTIME) by a tiny clock correction.
 */
#define RP_SLACK_NS 1000000ULL
#define RP_BROKEN 120
#define RP_ROUND_TRIPS 3
#define RP_COUNTED 4
#define RP_STABLE_TRIES 10
#define RP_BUF_SIZE (64 * 1024)
#define RP_MAX_TOKENS 16

/* A nanosecond count, or @alt ("unknown", "-"): *known says which. */
static int rp_ns(const char *s, const char *alt, unsigned long long *v,
		 bool *known)
{
	*known = !alt || strcmp(s, alt);
	*v = 0;
	return *known ? pt_parse_ull(s, v) : 0;
}

/* What abi.rst's "Exit decoding" makes of a wait() status. */
static void rp_decode(int status, char *out, size_t size)
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

/*
 * Reads view @name under @dir into *buf, which the caller frees, and
 * checks its header; its lines start at *body. @err tells what failed.
 */
static int rp_read_view(const char *dir, const char *name, char **buf,
			char **body, char *err, size_t errlen)
{
	char path[128];
	const char *lines;
	int ret;

	snprintf(path, sizeof(path), "%s%s", dir, name);
	ret = pt_read_path(path, buf, NULL);
	if (ret) {
		snprintf(err, errlen, "%s: %s", path, strerror(-ret));
		return ret;
	}
	if (pt_check_header(*buf, name, &lines)) {
		snprintf(err, errlen, "%s", pt_errmsg());
		free(*buf);
		return -EPROTO;
	}
	*body = *buf + (lines - *buf);
	return 0;
}

struct rp_zombie {
	int pid;
	int ppid;
	bool thread_group;
	bool age_known;
	unsigned long long age_ns;
	char age[24]; /* as printed */
	char exit[32];
	char comm[PT_COMM_LEN];
};

struct rp_parent {
	int pid;
	unsigned int zombies;
	char oldest[24]; /* as printed: a count, "unknown" or "-" */
	bool waited;
	char comm[PT_COMM_LEN];
	size_t first; /* its zombies in rp_zview.z */
	size_t count;
};

struct rp_zview {
	struct rp_parent *p;
	size_t np;
	struct rp_zombie *z;
	size_t nz;
	char err[512];
};

static void rp_zview_free(struct rp_zview *v)
{
	free(v->p);
	free(v->z);
	v->p = NULL;
	v->z = NULL;
	v->np = 0;
	v->nz = 0;
}

static int rp_parse_parent(char **tok, int n, struct rp_parent *p)
{
	const char *w = n == 6 ? pt_key_value(tok[4], "waited") : NULL;
	const char *z = n == 6 ? pt_key_value(tok[2], "zombies") : NULL;
	const char *o = n == 6 ? pt_key_value(tok[3], "oldest_ns") : NULL;
	const char *c = n == 6 ? pt_key_value(tok[5], "comm") : NULL;
	unsigned long long v;
	bool known;

	memset(p, 0, sizeof(*p));
	if (n != 6 || pt_parse_int(tok[1], &p->pid) || !z ||
	    pt_parse_ull(z, &v) || v > UINT_MAX || !o ||
	    pt_copy_value(o, p->oldest, sizeof(p->oldest)) || !w ||
	    (strcmp(w, "yes") && strcmp(w, "no")) || !c ||
	    pt_unescape_comm(c, p->comm, sizeof(p->comm)))
		return -1;
	p->zombies = v;
	p->waited = !strcmp(w, "yes");
	if (!strcmp(o, "-") || !strcmp(o, "unknown"))
		return 0;
	return rp_ns(o, NULL, &v, &known);
}

static int rp_parse_zombie(char **tok, int n, struct rp_zombie *z)
{
	const char *pp = n == 7 ? pt_key_value(tok[2], "ppid") : NULL;
	const char *k = n == 7 ? pt_key_value(tok[3], "kind") : NULL;
	const char *a = n == 7 ? pt_key_value(tok[4], "age_ns") : NULL;
	const char *e = n == 7 ? pt_key_value(tok[5], "exit") : NULL;
	const char *c = n == 7 ? pt_key_value(tok[6], "comm") : NULL;

	memset(z, 0, sizeof(*z));
	if (n != 7 || pt_parse_int(tok[1], &z->pid) || !pp ||
	    pt_parse_int(pp, &z->ppid) || !k || !a ||
	    pt_copy_value(a, z->age, sizeof(z->age)) ||
	    rp_ns(a, "unknown", &z->age_ns, &z->age_known) || !e ||
	    pt_copy_value(e, z->exit, sizeof(z->exit)) ||
	    (strcmp(e, "unknown") && !pt_exit_ok(e)) || !c ||
	    pt_unescape_comm(c, z->comm, sizeof(z->comm)))
		return -1;
	if (!strcmp(k, PROCTRACE_ZOMBIE_THREAD_GROUP))
		z->thread_group = true;
	else if (strcmp(k, PROCTRACE_ZOMBIE_UNREAPED))
		return -1;
	return 0;
}

/* The rules abi.rst gives for one parent and the zombie lines after it. */
static int rp_check_parent(struct rp_zview *v, const struct rp_parent *p)
{
	const struct rp_zombie *first = NULL, *prev = NULL, *z;
	unsigned int unreaped = 0;
	size_t i;

	if (!p->count) {
		snprintf(v->err, sizeof(v->err), "parent %d: no zombie line",
			 p->pid);
		return -1;
	}
	for (i = p->first; i < p->first + p->count; i++) {
		z = &v->z[i];
		if (!z->thread_group && !unreaped++)
			first = z;
		/* Oldest first: known ages never grow down the list. */
		if (z->age_known && prev && prev->age_ns < z->age_ns) {
			snprintf(v->err, sizeof(v->err),
				 "parent %d: zombie %d listed after younger %d",
				 p->pid, z->pid, prev->pid);
			return -1;
		}
		if (z->age_known)
			prev = z;
	}
	if (unreaped != p->zombies ||
	    strcmp(p->oldest, first ? first->age : "-")) {
		snprintf(v->err, sizeof(v->err),
			 "parent %d: zombies=%u oldest_ns=%s, %u unreaped",
			 p->pid, p->zombies, p->oldest, unreaped);
		return -1;
	}
	return 0;
}

/* Parents by zombies=, largest first, then by pid; no zombie twice. */
static int rp_check_order(struct rp_zview *v)
{
	const struct rp_parent *a, *b;
	size_t i, j;

	for (i = 1; i < v->np; i++) {
		a = &v->p[i - 1];
		b = &v->p[i];
		if (a->zombies > b->zombies ||
		    (a->zombies == b->zombies && a->pid < b->pid))
			continue;
		snprintf(v->err, sizeof(v->err),
			 "parent %d (zombies=%u) listed before %d (zombies=%u)",
			 a->pid, a->zombies, b->pid, b->zombies);
		return -1;
	}
	for (i = 0; i < v->nz; i++)
		for (j = i + 1; j < v->nz; j++)
			if (v->z[i].pid == v->z[j].pid) {
				snprintf(v->err, sizeof(v->err),
					 "zombie %d listed twice", v->z[i].pid);
				return -1;
			}
	return 0;
}

/* The lines after the header. */
static int rp_parse_zombies(char *line, struct rp_zview *v)
{
	char *nl, *tok[8], copy[256];
	struct rp_parent *p = NULL;
	size_t lines = 0, i;
	int n;

	for (nl = line; (nl = strchr(nl, '\n')); nl++)
		lines++;
	v->p = calloc(lines + 1, sizeof(*v->p));
	v->z = calloc(lines + 1, sizeof(*v->z));
	if (!v->p || !v->z)
		return -1;
	for (; *line; line = nl + 1) {
		nl = strchr(line, '\n');
		if (!nl)
			goto bad;
		*nl = '\0';
		snprintf(copy, sizeof(copy), "%s", line);
		n = pt_split(line, tok, 8, false);
		if (n > 0 && !strcmp(tok[0], "parent")) {
			p = &v->p[v->np++];
			if (rp_parse_parent(tok, n, p))
				goto bad;
			p->first = v->nz;
		} else if (n > 0 && !strcmp(tok[0], "zombie") && p) {
			if (rp_parse_zombie(tok, n, &v->z[v->nz]) ||
			    v->z[v->nz].ppid != p->pid)
				goto bad;
			v->nz++;
			p->count++;
		} else {
			goto bad;
		}
	}
	for (i = 0; i < v->np; i++)
		if (rp_check_parent(v, &v->p[i]))
			return -1;
	return rp_check_order(v);
bad:
	snprintf(v->err, sizeof(v->err), "zombies: bad line \"%s\"", copy);
	return -1;
}

static int rp_read_zombies(const char *dir, struct rp_zview *v)
{
	char *buf, *line;
	int ret;

	memset(v, 0, sizeof(*v));
	ret = rp_read_view(dir, PROCTRACE_FILE_ZOMBIES, &buf, &line, v->err,
			   sizeof(v->err));
	if (ret)
		return ret;
	ret = rp_parse_zombies(line, v) ? -EPROTO : 0;
	free(buf);
	return ret;
}

/*
 * The first of the @n records of @size bytes at @recs, each with its pid
 * first, that is about @pid, or NULL; *idx is its index when not NULL.
 */
static const void *rp_find(const void *recs, size_t n, size_t size, int pid,
			   size_t *idx)
{
	const char *rec = recs;
	size_t i;

	for (i = 0; i < n; i++, rec += size) {
		if (*(const int *)rec != pid)
			continue;
		if (idx)
			*idx = i;
		return rec;
	}
	return NULL;
}

static_assert(offsetof(struct rp_zombie, pid) == 0, "pid first");
static_assert(offsetof(struct rp_parent, pid) == 0, "pid first");

static const struct rp_zombie *rp_zombie_find(const struct rp_zview *v, int pid,
					      size_t *idx)
{
	return rp_find(v->z, v->nz, sizeof(*v->z), pid, idx);
}

static const struct rp_parent *rp_parent_find(const struct rp_zview *v, int pid)
{
	return rp_find(v->p, v->np, sizeof(*v->p), pid, NULL);
}

struct rp_orphan {
	int pid;
	int orig; /* -1 for "unknown", 0 for "-" */
	int reaper;
	char kind[16];
	unsigned long long orphaned_ns;
	char comm[PT_COMM_LEN];
};

struct rp_oview {
	struct rp_orphan *o;
	size_t n;
	char err[512];
};

static_assert(offsetof(struct rp_orphan, pid) == 0, "pid first");

static const struct rp_orphan *rp_orphan_find(const struct rp_oview *v, int pid)
{
	return rp_find(v->o, v->n, sizeof(*v->o), pid, NULL);
}

static int rp_parse_orphan(char *line, struct rp_orphan *o)
{
	char *tok[8];
	int n = pt_split(line, tok, 8, true);

	memset(o, 0, sizeof(*o));
	if (n != 6 || pt_parse_int(tok[0], &o->pid) ||
	    pt_parse_int(tok[2], &o->reaper) ||
	    pt_copy_value(tok[3], o->kind, sizeof(o->kind)) ||
	    pt_parse_ull(tok[4], &o->orphaned_ns) ||
	    pt_unescape_comm(tok[5], o->comm, sizeof(o->comm)))
		return -1;
	if (!strcmp(tok[1], "unknown"))
		o->orig = -1;
	else if (strcmp(tok[1], "-") && pt_parse_int(tok[1], &o->orig))
		return -1;
	return strcmp(o->kind, PROCTRACE_REAPER_INIT) &&
	       strcmp(o->kind, PROCTRACE_REAPER_SUBREAPER) &&
	       strcmp(o->kind, PROCTRACE_REAPER_OTHER);
}

static int rp_read_orphans(const char *dir, struct rp_oview *v)
{
	char *buf, *line, *nl, copy[256];
	size_t lines = 0;
	int ret;

	memset(v, 0, sizeof(*v));
	ret = rp_read_view(dir, PROCTRACE_FILE_ORPHANS, &buf, &line, v->err,
			   sizeof(v->err));
	if (ret)
		return ret;
	ret = -EPROTO;
	for (nl = line; (nl = strchr(nl, '\n')); nl++)
		lines++;
	v->o = calloc(lines + 1, sizeof(*v->o));
	if (!v->o)
		goto out;
	for (; *line; line = nl + 1) {
		nl = strchr(line, '\n');
		if (!nl)
			break;
		*nl = '\0';
		snprintf(copy, sizeof(copy), "%s", line);
		if (rp_parse_orphan(line, &v->o[v->n])) {
			snprintf(v->err, sizeof(v->err),
				 "orphans: bad line \"%s\"", copy);
			goto out;
		}
		if (rp_orphan_find(v, v->o[v->n].pid)) {
			snprintf(v->err, sizeof(v->err),
				 "orphans: %d listed twice", v->o[v->n].pid);
			goto out;
		}
		v->n++;
	}
	ret = *line ? -EPROTO : 0;
out:
	free(buf);
	return ret;
}

static const char *const rp_stat_names[] = {
	"processes", "threads", "zombies", "orphans", "forks",
	"execs",     "exits",	"reaps",   "waits",
};

enum {
	RP_ST_PROCESSES,
	RP_ST_THREADS,
	RP_ST_ZOMBIES,
	RP_ST_ORPHANS,
	RP_ST_FORKS,
	RP_ST_EXECS,
	RP_ST_EXITS,
	RP_ST_REAPS,
	RP_ST_WAITS,
	RP_NSTATS
};

struct rp_stats {
	unsigned long long v[RP_NSTATS];
	char err[256];
};

/* The counters the tests use; every one of them must be there, once. */
static int rp_read_stats(const char *dir, struct rp_stats *st)
{
	char *buf, *line, *save, *sp;
	unsigned int seen = 0;
	int ret, i;

	memset(st, 0, sizeof(*st));
	ret = rp_read_view(dir, PROCTRACE_FILE_STATS, &buf, &line, st->err,
			   sizeof(st->err));
	if (ret)
		return ret;
	ret = -EPROTO;
	for (line = strtok_r(line, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		sp = strchr(line, ' ');
		if (!sp)
			goto bad;
		*sp = '\0';
		for (i = 0; i < RP_NSTATS; i++)
			if (!strcmp(line, rp_stat_names[i]))
				break;
		if (i == RP_NSTATS)
			continue;
		if ((seen & (1U << i)) || pt_parse_ull(sp + 1, &st->v[i]))
			goto bad;
		seen |= 1U << i;
	}
	if (seen == (1U << RP_NSTATS) - 1) {
		ret = 0;
		goto out;
	}
	snprintf(st->err, sizeof(st->err), "stats: counters missing");
	goto out;
bad:
	snprintf(st->err, sizeof(st->err), "stats: bad line \"%s\"", line);
out:
	free(buf);
	return ret;
}

static int rp_threads(int pid)
{
	struct pt_status st;

	return pt_read_status("/proc", pid, 0, &st) ? -1 : st.threads;
}

/*
 * Waits until process @pid is a zombie with no thread left, without
 * calling wait*(): a pidfd becomes readable then.
 */
static int rp_wait_dead(int pid)
{
	struct pollfd pfd = { .events = POLLIN };
	int ret;

	pfd.fd = syscall(__NR_pidfd_open, pid, 0);
	if (pfd.fd < 0)
		return -errno;
	ret = poll(&pfd, 1, RP_WAIT_MS);
	ret = ret < 0 ? -errno : ret ? 0 : -ETIMEDOUT;
	close(pfd.fd);
	return ret;
}

/* Zombies by /proc: leaders whose state is Z. */
static int rp_proc_zombies(void)
{
	struct pt_stat st;
	struct dirent *d;
	int n = 0, pid;
	DIR *dir;

	dir = opendir("/proc");
	if (!dir)
		return -errno;
	while ((d = readdir(dir))) {
		if (pt_parse_int(d->d_name, &pid))
			continue;
		if (!pt_read_stat("/proc", pid, 0, &st) && st.state == 'Z')
			n++;
	}
	closedir(dir);
	return n;
}

/*
 * The keeper: a child of the test that forks on command and calls wait*()
 * only when told to. Its children block SIGUSR1 and SIGUSR2 and wait for
 * them.
 */
enum rp_op { RP_OP_EXITER, RP_OP_LEADER, RP_OP_REAP };

struct rp_cmd {
	int op;
	int arg;
	char comm[PT_COMM_LEN];
};

struct rp_reply {
	int pid;
	int status;
	int err;
};

struct rp_keeper {
	pid_t pid;
	int cmd_w;
	int rep_r;
};

/* Dies with its parent, so that no test leaves processes behind. */
static void rp_die_with(pid_t parent)
{
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) || getppid() != parent)
		_exit(RP_BROKEN);
}

/*
 * A spawned child tells the test it is ready itself, on the keeper's reply
 * pipe: only once it carries its name may the test kill it, or a SIGTERM
 * can land between fork() and prctl() and leave a zombie named after the
 * keeper (seen on 6.1). The test sends one command at a time, so the
 * child's reply is the only one in flight.
 */
static void rp_child_ready(int rep_w)
{
	struct rp_reply rep = { .pid = getpid() };

	if (pt_write_full(rep_w, &rep, sizeof(rep)))
		_exit(RP_BROKEN);
	close(rep_w);
}

/* Exits with @code on SIGUSR1. */
static void rp_exiter(const char *comm, int code, int rep_w)
{
	sigset_t set;
	int sig;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	if (prctl(PR_SET_NAME, comm))
		_exit(RP_BROKEN);
	rp_child_ready(rep_w);
	if (sigwait(&set, &sig))
		_exit(RP_BROKEN);
	_exit(code);
}

static void *rp_worker(void *arg)
{
	sigset_t set;
	int sig;

	(void)arg;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR2);
	if (sigwait(&set, &sig))
		_exit(RP_BROKEN);
	/* The thread alone, with a status no one will collect. */
	syscall(SYS_exit, 17);
	return NULL;
}

/*
 * The leader thread exits at once and leaves a worker thread, which
 * exits on SIGUSR2: until then the process is a thread-group zombie.
 * The worker is named before the test hears of it.
 */
static void rp_leader(const char *comm, int rep_w)
{
	pthread_t th;

	if (prctl(PR_SET_NAME, comm) ||
	    pthread_create(&th, NULL, rp_worker, NULL) ||
	    pthread_setname_np(th, "pt_rp_worker"))
		_exit(RP_BROKEN);
	rp_child_ready(rep_w);
	syscall(SYS_exit, 0);
}

static void rp_keeper_main(int cmd_r, int rep_w, pid_t parent)
{
	pid_t me = getpid();
	struct rp_reply rep;
	struct rp_cmd cmd;
	sigset_t set;

	rp_die_with(parent);
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGUSR2);
	if (prctl(PR_SET_NAME, "pt_rp_keeper") ||
	    sigprocmask(SIG_BLOCK, &set, NULL))
		_exit(RP_BROKEN);
	while (!pt_read_full(cmd_r, &cmd, sizeof(cmd), INT_MAX)) {
		memset(&rep, 0, sizeof(rep));
		if (cmd.op == RP_OP_REAP) {
			rep.pid = waitpid(cmd.arg, &rep.status, 0);
		} else {
			rep.pid = fork();
			if (!rep.pid)
				rp_die_with(me);
			if (!rep.pid && cmd.op == RP_OP_EXITER)
				rp_exiter(cmd.comm, cmd.arg, rep_w);
			if (!rep.pid)
				rp_leader(cmd.comm, rep_w);
			/* The child replies itself (rp_child_ready()). */
			if (rep.pid > 0)
				continue;
		}
		rep.err = rep.pid < 0 ? errno : 0;
		if (pt_write_full(rep_w, &rep, sizeof(rep)))
			_exit(RP_BROKEN);
	}
	_exit(0);
}

static int rp_keeper_start(struct rp_keeper *k)
{
	pid_t parent = getpid();
	int cmd[2], rep[2];

	if (pipe2(cmd, O_CLOEXEC) || pipe2(rep, O_CLOEXEC))
		return -errno;
	k->pid = fork();
	if (!k->pid) {
		close(cmd[1]);
		close(rep[0]);
		rp_keeper_main(cmd[0], rep[1], parent);
	}
	close(cmd[0]);
	close(rep[1]);
	k->cmd_w = cmd[1];
	k->rep_r = rep[0];
	return k->pid < 0 ? -errno : 0;
}

static int rp_keeper_do(struct rp_keeper *k, int op, int arg, const char *comm,
			struct rp_reply *rep)
{
	struct rp_cmd cmd = { .op = op, .arg = arg };
	int ret;

	snprintf(cmd.comm, sizeof(cmd.comm), "%s", comm ? comm : "");
	ret = pt_write_full(k->cmd_w, &cmd, sizeof(cmd));
	if (!ret)
		ret = pt_read_full(k->rep_r, rep, sizeof(*rep), RP_WAIT_MS);
	if (!ret && rep->err)
		ret = -rep->err;
	return ret;
}

FIXTURE(reaping)
{
	struct rp_keeper k;
};

FIXTURE_SETUP(reaping)
{
	const char *skip = pt_skip_reason();

	self->k.pid = -1;
	if (skip)
		SKIP(return, "%s", skip);
}

/* The keeper's children die with it. */
FIXTURE_TEARDOWN(reaping)
{
	if (self->k.pid <= 0)
		return;
	kill(self->k.pid, SIGKILL);
	waitpid(self->k.pid, NULL, 0);
}

/* A child of the keeper, started with it on first use. */
static pid_t rp_spawn(struct __test_metadata *_metadata, struct rp_keeper *k,
		      int op, int code, const char *comm)
{
	struct rp_reply rep;
	int ret;

	if (k->pid <= 0) {
		ret = rp_keeper_start(k);
		ASSERT_EQ(0, ret) TH_LOG("keeper: %s", strerror(-ret));
	}
	ret = rp_keeper_do(k, op, code, comm, &rep);
	ASSERT_EQ(0, ret) TH_LOG("keeper: %s", strerror(-ret));
	return rep.pid;
}

/* The keeper reaps @pid; returns the wait status. */
static int rp_reap(struct __test_metadata *_metadata, struct rp_keeper *k,
		   pid_t pid)
{
	struct rp_reply rep;
	int ret;

	ret = rp_keeper_do(k, RP_OP_REAP, pid, NULL, &rep);
	ASSERT_EQ(0, ret) TH_LOG("keeper: waitpid: %s", strerror(-ret));
	ASSERT_EQ(pid, rep.pid);
	return rep.status;
}

/* Reads the host zombies view; the test ends if it breaks a rule. */
static void rp_zombies(struct __test_metadata *_metadata, struct rp_zview *v,
		       unsigned long long *before, unsigned long long *after)
{
	int ret;

	*before = pt_boottime_ns();
	ret = rp_read_zombies(RP_DIR, v);
	*after = pt_boottime_ns();
	ASSERT_EQ(0, ret) TH_LOG("%s", v->err);
}

/* @age was computed between @ob and @oa for an exit between @t0 and @t1. */
static void rp_expect_age(struct __test_metadata *_metadata,
			  const struct rp_zombie *z, unsigned long long t0,
			  unsigned long long t1, unsigned long long ob,
			  unsigned long long oa)
{
	ASSERT_TRUE(z->age_known)
	TH_LOG("zombie %d: age_ns=%s", z->pid, z->age);
	EXPECT_LE(ob - t1, z->age_ns + RP_SLACK_NS)
	TH_LOG("zombie %d: age_ns=%s", z->pid, z->age);
	EXPECT_GE(oa - t0 + RP_SLACK_NS, z->age_ns)
	TH_LOG("zombie %d: age_ns=%s", z->pid, z->age);
}

/*
 * A parent that never waits: its zombies are listed under it with how
 * they died, their ages grow, and they leave the view once reaped.
 */
TEST_F_TIMEOUT(reaping, unreaped_zombies_until_reaped, RP_TIMEOUT)
{
	unsigned long long t0, t1, t2, ob1, oa1, ob2, oa2, ob, oa;
	const struct rp_zombie *z1, *z2, *y1, *y2;
	struct rp_zview v1, v2, v;
	const struct rp_parent *q;
	struct pt_stat st;
	char exit[32];
	pid_t a, b, pid;
	int i, status;
	size_t ia, ib;

	a = rp_spawn(_metadata, &self->k, RP_OP_EXITER, 23, "pt_rp_zombie1");
	b = rp_spawn(_metadata, &self->k, RP_OP_EXITER, 0, "pt_rp_zombie2");
	t0 = pt_boottime_ns();
	ASSERT_EQ(0, kill(a, SIGUSR1));
	ASSERT_EQ(0, rp_wait_dead(a));
	t1 = pt_boottime_ns();
	ASSERT_EQ(0, kill(b, SIGTERM));
	ASSERT_EQ(0, rp_wait_dead(b));
	t2 = pt_boottime_ns();
	ASSERT_EQ(0, pt_read_stat("/proc", a, 0, &st));
	ASSERT_EQ('Z', st.state);
	ASSERT_EQ(self->k.pid, st.ppid);

	rp_zombies(_metadata, &v1, &ob1, &oa1);
	q = rp_parent_find(&v1, self->k.pid);
	ASSERT_NE(NULL, q) TH_LOG("keeper %d is not a parent", self->k.pid);
	EXPECT_EQ(2U, q->zombies);
	EXPECT_EQ(2UL, q->count);
	EXPECT_FALSE(q->waited);
	EXPECT_STREQ("pt_rp_keeper", q->comm);
	z1 = rp_zombie_find(&v1, a, &ia);
	z2 = rp_zombie_find(&v1, b, &ib);
	ASSERT_TRUE(z1 && z2);
	/* Listed under the keeper, oldest first. */
	EXPECT_EQ(q->first, ia);
	EXPECT_EQ(q->first + 1, ib);
	EXPECT_EQ(self->k.pid, z1->ppid);
	EXPECT_FALSE(z1->thread_group);
	EXPECT_STREQ("exited(23)", z1->exit);
	EXPECT_STREQ("pt_rp_zombie1", z1->comm);
	EXPECT_EQ(self->k.pid, z2->ppid);
	EXPECT_FALSE(z2->thread_group);
	EXPECT_STREQ("killed(SIGTERM)", z2->exit);
	EXPECT_STREQ("pt_rp_zombie2", z2->comm);
	EXPECT_STREQ(z1->age, q->oldest);
	rp_expect_age(_metadata, z1, t0, t1, ob1, oa1);
	rp_expect_age(_metadata, z2, t1, t2, ob1, oa1);

	/* A blocking round trip: fork and reap a few children. */
	for (i = 0; i < RP_ROUND_TRIPS; i++) {
		pid = fork();
		ASSERT_LE(0, pid);
		if (!pid)
			_exit(0);
		ASSERT_EQ(pid, waitpid(pid, &status, 0));
	}
	rp_zombies(_metadata, &v2, &ob2, &oa2);
	y1 = rp_zombie_find(&v2, a, NULL);
	y2 = rp_zombie_find(&v2, b, NULL);
	ASSERT_TRUE(y1 && y2);
	EXPECT_LT(z1->age_ns, y1->age_ns);
	EXPECT_LT(z2->age_ns, y2->age_ns);
	/* Both ages grew by the time between the two reads. */
	EXPECT_LE(ob2 - oa1, y1->age_ns - z1->age_ns + RP_SLACK_NS);
	EXPECT_GE(oa2 - ob1 + RP_SLACK_NS, y1->age_ns - z1->age_ns);
	EXPECT_EQ(y1->age_ns - z1->age_ns, y2->age_ns - z2->age_ns);
	rp_zview_free(&v1);
	rp_zview_free(&v2);

	status = rp_reap(_metadata, &self->k, a);
	rp_decode(status, exit, sizeof(exit));
	ASSERT_STREQ("exited(23)", exit);
	rp_zombies(_metadata, &v, &ob, &oa);
	EXPECT_EQ(NULL, rp_zombie_find(&v, a, NULL));
	EXPECT_NE(NULL, rp_zombie_find(&v, b, NULL));
	q = rp_parent_find(&v, self->k.pid);
	ASSERT_NE(NULL, q);
	EXPECT_EQ(1U, q->zombies);
	/* The keeper has called wait*() now. */
	EXPECT_TRUE(q->waited);
	rp_zview_free(&v);

	status = rp_reap(_metadata, &self->k, b);
	rp_decode(status, exit, sizeof(exit));
	ASSERT_STREQ("killed(SIGTERM)", exit);
	rp_zombies(_metadata, &v, &ob, &oa);
	EXPECT_EQ(NULL, rp_zombie_find(&v, b, NULL));
	EXPECT_EQ(NULL, rp_parent_find(&v, self->k.pid));
	rp_zview_free(&v);
}

/*
 * A leader that exits while another thread runs is listed as a
 * thread_group zombie, not counted in its parent's zombies=; once its
 * last thread exits it is an ordinary zombie with the status a wait()
 * then returns.
 */
TEST_F_TIMEOUT(reaping, thread_group_leader_not_counted, RP_TIMEOUT)
{
	const struct rp_parent *q;
	const struct rp_zombie *z, *l;
	unsigned long long ob, oa;
	char exit[32], listed[32];
	struct rp_zview v;
	pid_t zp, lp;
	int status;

	zp = rp_spawn(_metadata, &self->k, RP_OP_EXITER, 5, "pt_rp_zombie");
	ASSERT_EQ(0, kill(zp, SIGUSR1));
	ASSERT_EQ(0, rp_wait_dead(zp));
	lp = rp_spawn(_metadata, &self->k, RP_OP_LEADER, 0, "pt_rp_leader");
	ASSERT_EQ(0, pt_wait_state("/proc", lp, 0, 'Z', RP_WAIT_MS));
	ASSERT_EQ(2, rp_threads(lp));

	rp_zombies(_metadata, &v, &ob, &oa);
	q = rp_parent_find(&v, self->k.pid);
	ASSERT_NE(NULL, q);
	EXPECT_EQ(1U, q->zombies);
	EXPECT_EQ(2UL, q->count);
	z = rp_zombie_find(&v, zp, NULL);
	l = rp_zombie_find(&v, lp, NULL);
	ASSERT_TRUE(z && l);
	EXPECT_STREQ(z->age, q->oldest);
	EXPECT_FALSE(z->thread_group);
	EXPECT_STREQ("exited(5)", z->exit);
	EXPECT_TRUE(l->thread_group);
	EXPECT_EQ(self->k.pid, l->ppid);
	EXPECT_STREQ("pt_rp_leader", l->comm);
	/* The group has not finished exiting: no age, no status yet. */
	EXPECT_FALSE(l->age_known);
	EXPECT_STREQ("unknown", l->exit);
	rp_zview_free(&v);

	ASSERT_EQ(0, kill(lp, SIGUSR2));
	ASSERT_EQ(0, rp_wait_dead(lp));
	rp_zombies(_metadata, &v, &ob, &oa);
	q = rp_parent_find(&v, self->k.pid);
	l = rp_zombie_find(&v, lp, NULL);
	ASSERT_TRUE(q && l);
	EXPECT_EQ(2U, q->zombies);
	EXPECT_FALSE(l->thread_group);
	EXPECT_TRUE(l->age_known);
	snprintf(listed, sizeof(listed), "%s", l->exit);
	rp_zview_free(&v);

	status = rp_reap(_metadata, &self->k, lp);
	rp_decode(status, exit, sizeof(exit));
	EXPECT_STREQ(exit, listed);
	status = rp_reap(_metadata, &self->k, zp);
	rp_decode(status, exit, sizeof(exit));
	EXPECT_STREQ("exited(5)", exit);
}

/* A middle process and its child, which outlives it. */
struct rp_family {
	pid_t middle;
	pid_t orphan;
	int middle_go; /* closing it ends the middle process */
	int orphan_go; /* closing it ends the orphan */
};

static int rp_family_start(struct rp_family *f)
{
	int mgo[2], ogo[2], info[2], ret;
	char b;

	if (pipe2(mgo, O_CLOEXEC) || pipe2(ogo, O_CLOEXEC) ||
	    pipe2(info, O_CLOEXEC))
		return -errno;
	f->middle = fork();
	if (!f->middle) {
		close(mgo[1]);
		close(info[0]);
		if (prctl(PR_SET_NAME, "pt_rp_middle"))
			_exit(RP_BROKEN);
		/*
		 * The orphan sends its own pid once it is named: the test
		 * may end the middle process as soon as it has the pid, and
		 * the orphans view must show the orphan's name, not the
		 * middle's it inherited.
		 */
		f->orphan = fork();
		if (!f->orphan) {
			pid_t me = getpid();

			close(ogo[1]);
			if (prctl(PR_SET_NAME, "pt_rp_orphan") ||
			    pt_write_full(info[1], &me, sizeof(me)))
				_exit(RP_BROKEN);
			close(info[1]);
			while (read(ogo[0], &b, 1) > 0)
				;
			_exit(0);
		}
		close(ogo[0]);
		close(ogo[1]);
		close(info[1]);
		if (f->orphan < 0)
			_exit(RP_BROKEN);
		while (read(mgo[0], &b, 1) > 0)
			;
		_exit(0);
	}
	close(mgo[0]);
	close(ogo[0]);
	close(info[1]);
	f->middle_go = mgo[1];
	f->orphan_go = ogo[1];
	ret = f->middle < 0 ? -errno :
			      pt_read_full(info[0], &f->orphan,
					   sizeof(f->orphan), RP_WAIT_MS);
	close(info[0]);
	return ret;
}

/*
 * Ends the middle process and reaps it; *t0 and *t1 enclose the moment
 * its child became an orphan.
 */
static void rp_orphan_it(struct __test_metadata *_metadata, struct rp_family *f,
			 unsigned long long *t0, unsigned long long *t1)
{
	struct pt_stat st;
	int status;

	ASSERT_EQ(0, pt_read_stat("/proc", f->orphan, 0, &st));
	ASSERT_EQ(f->middle, st.ppid);
	*t0 = pt_boottime_ns();
	close(f->middle_go);
	ASSERT_EQ(f->middle, waitpid(f->middle, &status, 0));
	*t1 = pt_boottime_ns();
	ASSERT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status));
}

/* @v lists @f's orphan, adopted by @reaper, a @kind, between @t0 and @t1. */
static void rp_expect_orphan(struct __test_metadata *_metadata,
			     const struct rp_oview *v,
			     const struct rp_family *f, int reaper,
			     const char *kind, unsigned long long t0,
			     unsigned long long t1)
{
	const struct rp_orphan *o = rp_orphan_find(v, f->orphan);

	ASSERT_NE(NULL, o) TH_LOG("orphan %d is not listed", f->orphan);
	EXPECT_EQ(f->middle, o->orig);
	EXPECT_EQ(reaper, o->reaper);
	EXPECT_STREQ(kind, o->kind);
	EXPECT_STREQ("pt_rp_orphan", o->comm);
	/* abi.rst: when the original parent's last thread exited. */
	EXPECT_LE(t0, o->orphaned_ns + RP_SLACK_NS);
	EXPECT_GE(t1 + RP_SLACK_NS, o->orphaned_ns);
}

TEST_F_TIMEOUT(reaping, orphan_adopted_by_subreaper, RP_TIMEOUT)
{
	unsigned long long t0, t1;
	struct rp_family f;
	struct pt_stat st;
	struct rp_oview v;
	int ret, status;

	ASSERT_EQ(0, prctl(PR_SET_CHILD_SUBREAPER, 1));
	ret = rp_family_start(&f);
	ASSERT_EQ(0, ret) TH_LOG("family: %s", strerror(-ret));
	rp_orphan_it(_metadata, &f, &t0, &t1);
	ASSERT_EQ(0, pt_read_stat("/proc", f.orphan, 0, &st));
	ASSERT_EQ(getpid(), st.ppid);

	ret = rp_read_orphans(RP_DIR, &v);
	ASSERT_EQ(0, ret) TH_LOG("%s", v.err);
	rp_expect_orphan(_metadata, &v, &f, getpid(),
			 PROCTRACE_REAPER_SUBREAPER, t0, t1);
	EXPECT_EQ(NULL, rp_orphan_find(&v, f.middle));
	free(v.o);

	/* abi.rst: still a subreaper's adoptee after the flag is cleared. */
	ASSERT_EQ(0, prctl(PR_SET_CHILD_SUBREAPER, 0));
	ret = rp_read_orphans(RP_DIR, &v);
	ASSERT_EQ(0, ret) TH_LOG("%s", v.err);
	rp_expect_orphan(_metadata, &v, &f, getpid(),
			 PROCTRACE_REAPER_SUBREAPER, t0, t1);
	free(v.o);

	/* Its adopter reaps it: it is no orphan any more. */
	close(f.orphan_go);
	ASSERT_EQ(f.orphan, waitpid(f.orphan, &status, 0));
	ret = rp_read_orphans(RP_DIR, &v);
	ASSERT_EQ(0, ret) TH_LOG("%s", v.err);
	EXPECT_EQ(NULL, rp_orphan_find(&v, f.orphan));
	free(v.o);
}

/*
 * Without a subreaper in the test's ancestry the orphan goes to init, or
 * to whichever subreaper the harness runs under: /proc says which.
 */
TEST_F_TIMEOUT(reaping, orphan_adopted_without_subreaper, RP_TIMEOUT)
{
	unsigned long long t0, t1;
	struct rp_family f;
	struct pt_stat st;
	struct rp_oview v;
	int ret, flag = -1;

	ASSERT_EQ(0, prctl(PR_SET_CHILD_SUBREAPER, 0));
	ASSERT_EQ(0, prctl(PR_GET_CHILD_SUBREAPER, &flag));
	ASSERT_EQ(0, flag);
	ret = rp_family_start(&f);
	ASSERT_EQ(0, ret) TH_LOG("family: %s", strerror(-ret));
	rp_orphan_it(_metadata, &f, &t0, &t1);
	ASSERT_EQ(0, pt_read_stat("/proc", f.orphan, 0, &st));
	ASSERT_NE(getpid(), st.ppid);

	ret = rp_read_orphans(RP_DIR, &v);
	ASSERT_EQ(0, ret) TH_LOG("%s", v.err);
	rp_expect_orphan(_metadata, &v, &f, st.ppid,
			 st.ppid == 1 ? PROCTRACE_REAPER_INIT :
					PROCTRACE_REAPER_SUBREAPER,
			 t0, t1);
	free(v.o);
	close(f.orphan_go);
}

/* Minimal reading of the event stream: waits for @n reap records. */
static int rp_wait_reaps(int fd, const pid_t *pids, int n)
{
	long long deadline = pt_now_ms() + RP_WAIT_MS;
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	char *buf, *line, *save, *tok[RP_MAX_TOKENS];
	int seen = 0, i, pid, ret = -ETIMEDOUT;
	bool *done = calloc(n, sizeof(*done));
	ssize_t len;

	buf = malloc(RP_BUF_SIZE + 1);
	while (buf && done && seen < n && poll(&pfd, 1, pt_left_ms(deadline))) {
		len = read(fd, buf, RP_BUF_SIZE);
		if (len <= 0)
			break;
		buf[len] = '\0';
		for (line = strtok_r(buf, "\n", &save); line;
		     line = strtok_r(NULL, "\n", &save)) {
			if (pt_split(line, tok, RP_MAX_TOKENS, false) < 4 ||
			    strcmp(tok[2], PROCTRACE_EV_REAP) ||
			    pt_parse_int(tok[3], &pid))
				continue;
			for (i = 0; i < n; i++)
				if (pids[i] == pid && !done[i]) {
					done[i] = true;
					seen++;
				}
		}
	}
	if (seen == n)
		ret = 0;
	free(buf);
	free(done);
	return ret;
}

/* Stores its tid in *@arg. */
static void *rp_noop(void *arg)
{
	*(pid_t *)arg = gettid();
	return NULL;
}

/* The lifecycle counters grow by at least what the test did. */
TEST_F_TIMEOUT(reaping, stats_count_lifecycle_events, RP_TIMEOUT)
{
	struct rp_stats s0, s1;
	pid_t pids[RP_COUNTED], tid;
	int fd, i, ret, status;
	char task[64];
	pthread_t th;

	/* The event stream tells when the kernel has freed the children. */
	fd = open(RP_DIR PROCTRACE_FILE_EVENTS, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, fd);
	ret = rp_read_stats(RP_DIR, &s0);
	ASSERT_EQ(0, ret) TH_LOG("%s", s0.err);
	for (i = 0; i < RP_COUNTED; i++) {
		pids[i] = fork();
		ASSERT_LE(0, pids[i]);
		if (!pids[i])
			_exit(i);
		ASSERT_EQ(pids[i], waitpid(pids[i], &status, 0));
	}
	ASSERT_EQ(0, pthread_create(&th, NULL, rp_noop, &tid));
	ASSERT_EQ(0, pthread_join(th, NULL));
	/*
	 * pthread_join() returns once exit_mm() has cleared the thread's
	 * tid, before its sched_process_exit. Its /proc/self/task entry
	 * goes at release_task(), which comes after that tracepoint.
	 */
	snprintf(task, sizeof(task), "/proc/self/task/%d", tid);
	while (!access(task, F_OK))
		sched_yield();
	ret = rp_wait_reaps(fd, pids, RP_COUNTED);
	ASSERT_EQ(0, ret) TH_LOG("reap records: %s", strerror(-ret));
	close(fd);
	ret = rp_read_stats(RP_DIR, &s1);
	ASSERT_EQ(0, ret) TH_LOG("%s", s1.err);

	/* Processes and threads fork and exit; processes are reaped. */
	EXPECT_LE(s0.v[RP_ST_FORKS] + RP_COUNTED + 1, s1.v[RP_ST_FORKS]);
	EXPECT_LE(s0.v[RP_ST_EXITS] + RP_COUNTED + 1, s1.v[RP_ST_EXITS]);
	EXPECT_LE(s0.v[RP_ST_REAPS] + RP_COUNTED, s1.v[RP_ST_REAPS]);
	EXPECT_LE(s0.v[RP_ST_WAITS] + RP_COUNTED, s1.v[RP_ST_WAITS]);
	EXPECT_LE(s0.v[RP_ST_EXECS], s1.v[RP_ST_EXECS]);
}

static bool rp_same_zombies(const struct rp_zview *a, const struct rp_zview *b)
{
	size_t i;

	if (a->nz != b->nz)
		return false;
	for (i = 0; i < a->nz; i++)
		if (a->z[i].pid != b->z[i].pid ||
		    a->z[i].thread_group != b->z[i].thread_group)
			return false;
	return true;
}

static bool rp_same_orphans(const struct rp_oview *a, const struct rp_oview *b)
{
	size_t i;

	if (a->n != b->n)
		return false;
	for (i = 0; i < a->n; i++)
		if (a->o[i].pid != b->o[i].pid)
			return false;
	return true;
}

/*
 * stats' zombies and orphans count what the zombies and orphans views
 * list, and /proc agrees on the zombies. Each file is its own snapshot,
 * so the counts are compared only when the views read before and after
 * stats list the same tasks.
 */
TEST_F_TIMEOUT(reaping, stats_match_zombies_and_orphans, RP_TIMEOUT)
{
	struct rp_zview z1, z2;
	struct rp_oview o1, o2;
	struct rp_stats st;
	struct rp_family f;
	int i, ret, procz = -1, stable = 0;
	size_t nz = 0, no = 0;
	bool match = false;
	pid_t a, b, l;

	/* Two zombies, a thread-group zombie and an orphan of the test. */
	a = rp_spawn(_metadata, &self->k, RP_OP_EXITER, 1, "pt_rp_zombie1");
	b = rp_spawn(_metadata, &self->k, RP_OP_EXITER, 2, "pt_rp_zombie2");
	l = rp_spawn(_metadata, &self->k, RP_OP_LEADER, 0, "pt_rp_leader");
	ASSERT_EQ(0, kill(a, SIGUSR1));
	ASSERT_EQ(0, kill(b, SIGUSR1));
	ASSERT_EQ(0, rp_wait_dead(a));
	ASSERT_EQ(0, rp_wait_dead(b));
	ASSERT_EQ(0, pt_wait_state("/proc", l, 0, 'Z', RP_WAIT_MS));
	ASSERT_EQ(0, prctl(PR_SET_CHILD_SUBREAPER, 1));
	ret = rp_family_start(&f);
	ASSERT_EQ(0, ret) TH_LOG("family: %s", strerror(-ret));
	close(f.middle_go);
	ASSERT_EQ(f.middle, waitpid(f.middle, NULL, 0));

	for (i = 0; i < RP_STABLE_TRIES && !match; i++) {
		ret = rp_read_zombies(RP_DIR, &z1);
		ASSERT_EQ(0, ret) TH_LOG("%s", z1.err);
		ret = rp_read_orphans(RP_DIR, &o1);
		ASSERT_EQ(0, ret) TH_LOG("%s", o1.err);
		ret = rp_read_stats(RP_DIR, &st);
		ASSERT_EQ(0, ret) TH_LOG("%s", st.err);
		procz = rp_proc_zombies();
		ret = rp_read_zombies(RP_DIR, &z2);
		ASSERT_EQ(0, ret) TH_LOG("%s", z2.err);
		ret = rp_read_orphans(RP_DIR, &o2);
		ASSERT_EQ(0, ret) TH_LOG("%s", o2.err);
		if (rp_same_zombies(&z1, &z2) && rp_same_orphans(&o1, &o2)) {
			stable++;
			nz = z1.nz;
			no = o1.n;
			match = st.v[RP_ST_ZOMBIES] == nz && procz == (int)nz &&
				st.v[RP_ST_ORPHANS] == no;
		}
		EXPECT_NE(NULL, rp_zombie_find(&z1, a, NULL));
		EXPECT_NE(NULL, rp_zombie_find(&z1, b, NULL));
		EXPECT_NE(NULL, rp_zombie_find(&z1, l, NULL));
		EXPECT_NE(NULL, rp_orphan_find(&o1, f.orphan));
		rp_zview_free(&z1);
		rp_zview_free(&z2);
		free(o1.o);
		free(o2.o);
	}
	ASSERT_LT(0, stable) TH_LOG("the views never held still");
	EXPECT_TRUE(match)
	TH_LOG("zombies: stats %llu, listed %zu, /proc %d; orphans: stats %llu, listed %zu",
	       st.v[RP_ST_ZOMBIES], nz, procz, st.v[RP_ST_ORPHANS], no);

	kill(l, SIGUSR2);
	close(f.orphan_go);
	ASSERT_EQ(f.orphan, waitpid(f.orphan, NULL, 0));
}

/*
 * The init of a new pid namespace, with its own procfs on /proc: its only
 * zombie is its child, pid 2, and nothing from outside may show.
 */
static void ns_init(void)
{
	struct rp_zview v;
	struct rp_oview o;
	struct rp_stats st;
	pid_t z;

	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) ||
	    mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC,
		  NULL))
		_exit(KSFT_SKIP);
	if (prctl(PR_SET_NAME, "pt_rp_nsinit"))
		_exit(RP_BROKEN);
	pt_checks_start("pid namespace init");
	z = fork();
	if (!z) {
		prctl(PR_SET_NAME, "pt_rp_nszombie");
		_exit(31);
	}
	if (z < 0 || rp_wait_dead(z))
		_exit(RP_BROKEN);
	PT_CHECK_EQ(1, getpid());
	PT_CHECK_EQ(2, z);

	if (rp_read_zombies(RP_DIR, &v)) {
		fprintf(stderr, "# pid namespace init: %s\n", v.err);
		_exit(RP_BROKEN);
	}
	PT_CHECK_EQ(1, v.np);
	PT_CHECK_EQ(1, v.nz);
	if (v.np == 1 && v.nz == 1) {
		PT_CHECK_EQ(1, v.p[0].pid);
		PT_CHECK_EQ(1, v.p[0].zombies);
		PT_CHECK(!v.p[0].waited);
		PT_CHECK(!strcmp(v.p[0].comm, "pt_rp_nsinit"));
		PT_CHECK_EQ(2, v.z[0].pid);
		PT_CHECK_EQ(1, v.z[0].ppid);
		PT_CHECK(!v.z[0].thread_group);
		PT_CHECK(!strcmp(v.z[0].exit, "exited(31)"));
		PT_CHECK(!strcmp(v.z[0].comm, "pt_rp_nszombie"));
	}
	memset(&o, 0, sizeof(o));
	if (rp_read_stats(RP_DIR, &st) || rp_read_orphans(RP_DIR, &o)) {
		fprintf(stderr, "# pid namespace init: %s%s\n", st.err, o.err);
		_exit(RP_BROKEN);
	}
	PT_CHECK_EQ(2, st.v[RP_ST_PROCESSES]);
	PT_CHECK_EQ(1, st.v[RP_ST_ZOMBIES]);
	PT_CHECK_EQ(0, st.v[RP_ST_ORPHANS]);
	PT_CHECK_EQ(0, o.n);
	_exit(pt_checks_failed() ? 1 : 0);
}

/*
 * The zombies view read in a child pid namespace, through a procfs
 * mounted there, lists that namespace's zombies with its pids and none of
 * the host's.
 */
TEST_F_TIMEOUT(reaping, pidns_zombies_view_shows_only_namespace, RP_TIMEOUT)
{
	unsigned long long ob, oa;
	pid_t host, helper, init;
	struct rp_zview v;
	int status;

	/* A zombie outside the namespace, which the host view lists. */
	host = rp_spawn(_metadata, &self->k, RP_OP_EXITER, 9, "pt_rp_hostzomb");
	ASSERT_EQ(0, kill(host, SIGUSR1));
	ASSERT_EQ(0, rp_wait_dead(host));
	rp_zombies(_metadata, &v, &ob, &oa);
	ASSERT_NE(NULL, rp_zombie_find(&v, host, NULL));
	rp_zview_free(&v);

	helper = fork();
	ASSERT_LE(0, helper);
	if (!helper) {
		if (unshare(CLONE_NEWPID | CLONE_NEWNS))
			_exit(KSFT_SKIP);
		init = fork();
		if (!init)
			ns_init();
		if (init < 0 || waitpid(init, &status, 0) != init)
			_exit(RP_BROKEN);
		_exit(WIFEXITED(status) ? WEXITSTATUS(status) : RP_BROKEN + 1);
	}
	ASSERT_EQ(helper, waitpid(helper, &status, 0));
	if (WIFEXITED(status) && WEXITSTATUS(status) == KSFT_SKIP)
		SKIP(return, "cannot make a pid namespace with its own /proc");
	EXPECT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status))
	TH_LOG("namespace init: status %#x (see its lines above)", status);
	rp_reap(_metadata, &self->k, host);
}

TEST_HARNESS_MAIN
