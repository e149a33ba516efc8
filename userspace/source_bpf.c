// SPDX-License-Identifier: GPL-2.0-only
/*
 * The views the BPF backend does not pin, built here as the module builds
 * them (abi.rst, "The BPF backend"): "tree" from its "tasks" file, and
 * "zombies" from "tasks" and its pinned lifecycle map. A task iterator
 * prints one task at a time, in pid order, at most a few pages each: it
 * can neither sort nor print a parent's thousand zombies under it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>

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
