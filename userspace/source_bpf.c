// SPDX-License-Identifier: GPL-2.0-only
/*
 * The views the BPF backend does not pin, built here as the module builds
 * them (abi.rst, "The BPF backend"): "tree" from its "tasks" file, and
 * "zombies" from "tasks" and its pinned lifecycle map. A task iterator
 * prints one task at a time, in pid order, at most a few pages each: it
 * can neither sort nor print a parent's thousand zombies under it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/file.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "source_bpf.h"
#include "util.h"

/* Processes (thread-group leaders) of a tasks snapshot, by pid. */
struct procs {
	const struct pt_task **v;
	size_t n;
};

static int cmp_task_pid(const void *a, const void *b)
{
	const struct pt_task *x = *(const struct pt_task *const *)a;
	const struct pt_task *y = *(const struct pt_task *const *)b;

	return (x->pid > y->pid) - (x->pid < y->pid);
}

static void procs_of(const struct pt_tasks *tasks, struct procs *p)
{
	size_t i;

	p->v = xcalloc(tasks->n ? tasks->n : 1, sizeof(*p->v));
	p->n = 0;
	for (i = 0; i < tasks->n; i++)
		if (tasks->v[i].flags & PT_TF_LEADER)
			p->v[p->n++] = &tasks->v[i];
	qsort(p->v, p->n, sizeof(*p->v), cmp_task_pid);
}

/* Index of the process with this pid, or -1. */
static long proc_find(const struct procs *p, int pid)
{
	size_t lo = 0, hi = p->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (p->v[mid]->pid == pid)
			return (long)mid;
		if (p->v[mid]->pid < pid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

/*
 * abi.rst's tree: a process under its real parent's process, children and
 * roots in ascending pid order, depth first.
 */
int bpf_build_tree(const struct pt_tasks *tasks, struct pt_tree *tree)
{
	size_t i, n, *first, *count, *kids, *stack, top = 0, line = 0;
	long *parent, *at;
	struct procs p;
	bool *seen;

	procs_of(tasks, &p);
	n = p.n;
	parent = xcalloc(n + 1, sizeof(*parent));
	at = xcalloc(n + 1, sizeof(*at));
	first = xcalloc(n + 1, sizeof(*first));
	count = xcalloc(n + 1, sizeof(*count));
	kids = xcalloc(n + 1, sizeof(*kids));
	stack = xcalloc(n + 1, sizeof(*stack));
	seen = xcalloc(n + 1, sizeof(*seen));
	for (i = 0; i < n; i++) {
		parent[i] = p.v[i]->ppid == p.v[i]->pid ?
				    -1 :
				    proc_find(&p, p.v[i]->ppid);
		if (parent[i] >= 0)
			count[parent[i]]++;
	}
	/* Children of i are kids[first[i] .. first[i] + count[i]), by pid. */
	for (i = 1; i < n; i++)
		first[i] = first[i - 1] + count[i - 1];
	memset(count, 0, (n + 1) * sizeof(*count));
	for (i = 0; i < n; i++)
		if (parent[i] >= 0)
			kids[first[parent[i]] + count[parent[i]]++] = i;

	memset(tree, 0, sizeof(*tree));
	tree->v = xcalloc(n ? n : 1, sizeof(*tree->v));
	/*
	 * Roots, then whatever a parent loop left unreached (parents read
	 * while tasks were reparented): each becomes a root.
	 */
	for (int pass = 0; pass < 2; pass++) {
		for (i = 0; i < n; i++) {
			if (seen[i] || (!pass && parent[i] >= 0))
				continue;
			stack[top++] = i;
			seen[i] = true;
			while (top) {
				size_t cur = stack[--top], k;
				const struct pt_task *t = p.v[cur];
				struct pt_proc *pr = &tree->v[line];
				long up = pass && !top ? -1 : parent[cur];

				pr->pid = t->pid;
				pr->state = t->state;
				pr->threads = t->threads;
				pr->zombie = t->state == 'Z';
				pr->kthread = t->flags & PT_TF_KTHREAD;
				pr->parent = up >= 0 && seen[up] ? at[up] : -1;
				pr->depth =
					pr->parent >= 0 ?
						tree->v[pr->parent].depth + 1 :
						0;
				memcpy(pr->comm, t->comm, sizeof(pr->comm));
				at[cur] = (long)line++;
				/* Pushed in reverse: popped in pid order. */
				for (k = count[cur]; k-- > 0;) {
					size_t c = kids[first[cur] + k];

					if (!seen[c]) {
						seen[c] = true;
						stack[top++] = c;
					}
				}
			}
		}
	}
	tree->n = line;
	free(parent);
	free(at);
	free(first);
	free(count);
	free(kids);
	free(stack);
	free(seen);
	free(p.v);
	return 0;
}

static int life_lookup(int fd, const struct pt_task *t,
		       struct proctrace_life *life)
{
	struct proctrace_life_key key = {
		.pid = (__u32)t->pid,
		.start_ns = t->start_ns,
	};

	return fd >= 0 && !bpf_map_lookup_elem(fd, &key, life) ? 0 : -1;
}

struct zsort {
	struct pt_zombie z;
	unsigned long long exit_ns;
};

/* thread_group first, then oldest first (unknown ages lead), then pid. */
static int cmp_zombie(const void *a, const void *b)
{
	const struct zsort *x = a, *y = b;

	if (x->z.ppid != y->z.ppid)
		return (x->z.ppid > y->z.ppid) - (x->z.ppid < y->z.ppid);
	if (x->z.thread_group != y->z.thread_group)
		return x->z.thread_group ? -1 : 1;
	if (x->z.age_known != y->z.age_known)
		return x->z.age_known ? 1 : -1;
	if (x->z.age_known && x->exit_ns != y->exit_ns)
		return x->exit_ns < y->exit_ns ? -1 : 1;
	return (x->z.pid > y->z.pid) - (x->z.pid < y->z.pid);
}

/* Most unreaped zombies first, then by pid. */
static int cmp_zparent(const void *a, const void *b)
{
	const struct pt_zparent *x = a, *y = b;

	if (x->zombies != y->zombies)
		return x->zombies > y->zombies ? -1 : 1;
	return (x->pid > y->pid) - (x->pid < y->pid);
}

int bpf_build_zombies(const struct pt_tasks *tasks, const char *map_path,
		      struct pt_zombies *out)
{
	unsigned long long now = now_boottime_ns();
	struct proctrace_life life;
	struct zsort *zs;
	struct procs p;
	size_t i, n = 0;
	int fd;

	fd = bpf_obj_get(map_path);
	if (fd < 0) {
		pt_err("%s: %s: run proctrace bpf status", map_path,
		       strerror(errno));
		return -errno;
	}
	procs_of(tasks, &p);
	zs = xcalloc(p.n ? p.n : 1, sizeof(*zs));
	for (i = 0; i < p.n; i++) {
		const struct pt_task *t = p.v[i];
		struct pt_zombie *z = &zs[n].z;

		if (t->state != 'Z')
			continue;
		z->pid = t->pid;
		z->ppid = t->ppid;
		/* The leader is dead, other threads are not. */
		z->thread_group = t->threads > 1;
		memcpy(z->comm, t->comm, sizeof(z->comm));
		if (!z->thread_group && !life_lookup(fd, t, &life) &&
		    (life.flags & PROCTRACE_LIFE_EXITED)) {
			z->age_known = true;
			z->age_ns = now > life.exit_ns ? now - life.exit_ns : 0;
			zs[n].exit_ns = life.exit_ns;
			pt_exit_decode(life.exit_code, &z->exit);
		}
		n++;
	}
	qsort(zs, n, sizeof(*zs), cmp_zombie);

	memset(out, 0, sizeof(*out));
	out->v = xcalloc(n ? n : 1, sizeof(*out->v));
	out->parents = xcalloc(n ? n : 1, sizeof(*out->parents));
	for (i = 0; i < n; i++) {
		struct pt_zparent *zp = &out->parents[out->nparents];
		const struct pt_zombie *z = &zs[i].z;
		long at;

		if (!i || z->ppid != zs[i - 1].z.ppid) {
			memset(zp, 0, sizeof(*zp));
			zp->pid = z->ppid;
			zp->first = i;
			at = proc_find(&p, z->ppid);
			if (at >= 0) {
				memcpy(zp->comm, p.v[at]->comm,
				       sizeof(zp->comm));
				zp->waited =
					!life_lookup(fd, p.v[at], &life) &&
					(life.flags & PROCTRACE_LIFE_WAITED);
			} else {
				snprintf(zp->comm, sizeof(zp->comm), "-");
			}
			out->nparents++;
		}
		zp = &out->parents[out->nparents - 1];
		zp->n++;
		out->v[i] = *z;
		if (z->thread_group)
			continue;
		/* The first unreaped one is the oldest, or unknown. */
		if (!zp->zombies++) {
			zp->oldest_known = z->age_known;
			zp->oldest_ns = z->age_ns;
		}
	}
	out->n = n;
	qsort(out->parents, out->nparents, sizeof(*out->parents), cmp_zparent);
	close(fd);
	free(zs);
	free(p.v);
	return 0;
}

/*
 * The event stream, from the BPF ring buffer. One consumer at a time: a
 * second would take records from the first (the ring has one consumer
 * position), so the CLI holds an flock() on PROCTRACE_BPF_EVENTS_LOCK.
 *
 * Records reach the ring a little out of sequence order (two CPUs take
 * sequence numbers, then reserve), so each batch is sorted, and a gap in
 * the sequence is either records still being written or records the ring
 * had no room for. It is reported as lost once the drop counter accounts
 * for it, or once it has lasted GAP_WAIT_MS: a record is written within
 * one tracepoint call, with preemption off.
 */
#define GAP_WAIT_MS 500
/* The longest the consumer sleeps: the producers wake it in batches. */
#define POLL_PERIOD_MS 100

struct bpf_stream {
	struct ring_buffer *rb;
	int lock_fd;
	int control_fd;
	int counters_fd;
	int timer_fd;
	int epoll_fd;
	bool draining;
	/* Records read, sorted by seq from head on. */
	struct proctrace_event *q;
	size_t head;
	size_t n;
	size_t cap;
	bool started;
	unsigned long long next_seq;
	/* Drops seen by the counter, and reported as lost records. */
	unsigned long long drops_base;
	unsigned long long lost_reported;
	long long gap_since_ms;
};

static int stream_take(void *ctx, void *data, size_t size)
{
	struct bpf_stream *s = ctx;
	struct proctrace_event *e;

	if (s->draining)
		return 0;
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 1024;
		s->q = xrealloc(s->q, s->cap, sizeof(*s->q));
	}
	e = &s->q[s->n++];
	memset(e, 0, sizeof(*e));
	memcpy(e, data, size < sizeof(*e) ? size : sizeof(*e));
	return 0;
}

/* The events_lost counter, summed over CPUs. */
static unsigned long long stream_drops(struct bpf_stream *s)
{
	int ncpus = libbpf_num_possible_cpus(), i;
	unsigned long long sum = 0;
	struct proctrace_counters *per;
	__u32 zero = 0;

	if (ncpus <= 0)
		return 0;
	per = xcalloc((size_t)ncpus, sizeof(*per));
	if (!bpf_map_lookup_elem(s->counters_fd, &zero, per))
		for (i = 0; i < ncpus; i++)
			sum += per[i].c[PROCTRACE_CNT_EVENTS_LOST];
	free(per);
	return sum;
}

static int set_readers(int fd, __u32 readers)
{
	struct proctrace_control ctl;
	__u32 zero = 0;

	if (bpf_map_lookup_elem(fd, &zero, &ctl))
		return -errno;
	ctl.readers = readers;
	return bpf_map_update_elem(fd, &zero, &ctl, BPF_ANY) ? -errno : 0;
}

static int stream_obj(const char *dir, const char *name)
{
	char path[512];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = bpf_obj_get(path);
	if (fd < 0)
		pt_err("%s: %s: the BPF backend is damaged or older than this proctrace; run: sudo proctrace bpf status",
		       path, strerror(errno));
	return fd;
}

void bpf_stream_close(struct bpf_stream *s)
{
	if (!s)
		return;
	if (s->control_fd >= 0)
		set_readers(s->control_fd, 0);
	ring_buffer__free(s->rb);
	if (s->control_fd >= 0)
		close(s->control_fd);
	if (s->counters_fd >= 0)
		close(s->counters_fd);
	if (s->timer_fd >= 0)
		close(s->timer_fd);
	if (s->epoll_fd >= 0)
		close(s->epoll_fd);
	if (s->lock_fd >= 0)
		close(s->lock_fd);
	free(s->q);
	free(s);
}

int bpf_stream_open(const char *dir, struct bpf_stream **out)
{
	struct itimerspec period = {
		.it_interval.tv_nsec = POLL_PERIOD_MS * 1000000L,
		.it_value.tv_nsec = POLL_PERIOD_MS * 1000000L,
	};
	struct epoll_event ev = { .events = EPOLLIN };
	struct bpf_stream *s = xcalloc(1, sizeof(*s));
	int ring_fd = -1, err;

	s->control_fd = -1;
	s->counters_fd = -1;
	s->timer_fd = -1;
	s->epoll_fd = -1;
	s->lock_fd = open(PROCTRACE_BPF_EVENTS_LOCK,
			  O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (s->lock_fd < 0) {
		err = -errno;
		pt_err("%s: %s: reading the BPF backend's events needs root",
		       PROCTRACE_BPF_EVENTS_LOCK, strerror(errno));
		goto fail;
	}
	if (flock(s->lock_fd, LOCK_EX | LOCK_NB)) {
		err = -EBUSY;
		pt_err("another proctrace is reading the BPF backend's events, which have one reader at a time; stop it, or load the module, whose stream has any number");
		goto fail;
	}
	ring_fd = stream_obj(dir, PROCTRACE_BPF_EVENTS);
	s->control_fd = stream_obj(dir, PROCTRACE_BPF_CONTROL);
	s->counters_fd = stream_obj(dir, PROCTRACE_BPF_COUNTERS);
	if (ring_fd < 0 || s->control_fd < 0 || s->counters_fd < 0) {
		err = -ENOENT;
		goto fail;
	}
	s->rb = ring_buffer__new(ring_fd, stream_take, s, NULL);
	close(ring_fd);
	ring_fd = -1;
	if (!s->rb) {
		err = -errno;
		pt_err("cannot map the BPF backend's event ring: %s",
		       strerror(errno));
		goto fail;
	}
	/* What a reader before us left is not ours: start from now. */
	err = set_readers(s->control_fd, 1);
	if (err) {
		pt_err("cannot turn the BPF backend's events on: %s",
		       strerror(-err));
		goto fail;
	}
	s->draining = true;
	ring_buffer__consume(s->rb);
	s->draining = false;
	s->drops_base = stream_drops(s);

	s->timer_fd =
		timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	s->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	if (s->timer_fd < 0 || s->epoll_fd < 0 ||
	    timerfd_settime(s->timer_fd, 0, &period, NULL) ||
	    epoll_ctl(s->epoll_fd, EPOLL_CTL_ADD, s->timer_fd, &ev) ||
	    epoll_ctl(s->epoll_fd, EPOLL_CTL_ADD, ring_buffer__epoll_fd(s->rb),
		      &ev)) {
		err = -errno;
		pt_err("cannot wait for the BPF backend's events: %s",
		       strerror(errno));
		goto fail;
	}
	*out = s;
	return 0;
fail:
	if (ring_fd >= 0)
		close(ring_fd);
	bpf_stream_close(s);
	return err;
}

int bpf_stream_fd(const struct bpf_stream *s)
{
	return s->epoll_fd;
}

static int cmp_event_seq(const void *a, const void *b)
{
	const struct proctrace_event *x = a, *y = b;

	return (x->seq > y->seq) - (x->seq < y->seq);
}

static void to_model(const struct proctrace_event *e, struct pt_event *ev)
{
	memset(ev, 0, sizeof(*ev));
	ev->seq = e->seq;
	ev->ts_ns = e->ts_ns;
	ev->pid = e->pid;
	ev->tgid = e->tgid;
	ev->start_ns = e->start_ns;
	memcpy(ev->comm, e->comm, sizeof(ev->comm) - 1);
	switch (e->type) {
	case PROCTRACE_EVENT_FORK:
		ev->type = PT_EV_FORK;
		ev->has_ppid = true;
		ev->ppid = e->ppid;
		ev->kind = e->kind == PROCTRACE_FORK_THREAD ? PT_FORK_THREAD :
			   e->kind == PROCTRACE_FORK_VFORK  ? PT_FORK_VFORK :
							      PT_FORK_PROCESS;
		ev->kernel_origin = e->kernel_origin;
		break;
	case PROCTRACE_EVENT_EXEC:
		ev->type = PT_EV_EXEC;
		ev->old_pid = e->old_pid;
		memcpy(ev->file, e->file, sizeof(ev->file) - 1);
		break;
	case PROCTRACE_EVENT_EXIT:
		ev->type = PT_EV_EXIT;
		ev->has_ppid = true;
		ev->ppid = e->ppid;
		pt_exit_decode(e->exit_code, &ev->exit);
		ev->group_dead = e->group_dead;
		ev->runtime_ns = e->runtime_ns;
		break;
	default:
		ev->type = PT_EV_REAP;
		break;
	}
}

enum src_ev_status bpf_stream_next(struct bpf_stream *s, struct pt_event *ev)
{
	unsigned long long gap, credit, tick;
	const struct proctrace_event *e;
	long long now_ms;
	size_t left;

	if (s->head == s->n) {
		s->head = 0;
		s->n = 0;
		if (read(s->timer_fd, &tick, sizeof(tick)) < 0 &&
		    errno != EAGAIN) {
			pt_err("the BPF backend's event timer: %s",
			       strerror(errno));
			return SRC_EV_ERROR;
		}
		if (ring_buffer__consume(s->rb) < 0) {
			pt_err("the BPF backend's event ring: %s",
			       strerror(errno));
			return SRC_EV_ERROR;
		}
		if (!s->n)
			return SRC_EV_AGAIN;
		qsort(s->q, s->n, sizeof(*s->q), cmp_event_seq);
	}
	e = &s->q[s->head];
	if (!s->started) {
		s->started = true;
		s->next_seq = e->seq;
	}
	if (e->seq > s->next_seq) {
		gap = e->seq - s->next_seq;
		credit = stream_drops(s) - s->drops_base - s->lost_reported;
		now_ms = (long long)(now_boottime_ns() / NSEC_PER_MSEC);
		if (!s->gap_since_ms)
			s->gap_since_ms = now_ms;
		if (gap > credit && now_ms - s->gap_since_ms < GAP_WAIT_MS) {
			/* Later records may fill it: read them, sort again. */
			left = s->n - s->head;
			memmove(s->q, s->q + s->head, left * sizeof(*s->q));
			s->head = 0;
			s->n = left;
			ring_buffer__consume(s->rb);
			qsort(s->q, s->n, sizeof(*s->q), cmp_event_seq);
			if (s->q[0].seq > s->next_seq)
				return SRC_EV_AGAIN;
			e = &s->q[0];
		} else {
			memset(ev, 0, sizeof(*ev));
			ev->type = PT_EV_LOST;
			ev->seq = s->next_seq;
			ev->ts_ns = e->ts_ns;
			ev->lost = gap;
			s->lost_reported += gap;
			s->next_seq = e->seq;
			s->gap_since_ms = 0;
			return SRC_EV_RECORD;
		}
	}
	s->gap_since_ms = 0;
	s->head++;
	/* Older than one already passed on: only after a gap timed out. */
	if (e->seq < s->next_seq) {
		pt_err("BPF event %llu came after %llu was reported lost",
		       (unsigned long long)e->seq, s->next_seq - 1);
		return SRC_EV_SKIPPED;
	}
	s->next_seq = e->seq + 1;
	to_model(e, ev);
	return SRC_EV_RECORD;
}
