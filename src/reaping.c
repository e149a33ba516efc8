// SPDX-License-Identifier: GPL-2.0-only
/*
 * Reaping: the zombies a parent has not collected, grouped by that parent,
 * and the orphans and who adopted them. The task list says who is a zombie
 * and who is whose parent now; the lifecycle table says since when and
 * who the parent used to be.
 */
#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/pid.h>
#include <linux/pid_namespace.h>
#include <linux/rcupdate.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/timekeeping.h>

#include "compat.h"
#include "proctrace.h"

/* By parent, then oldest first (unknown ages, the oldest, lead), then pid. */
static int pt_cmp_zombie(const void *a, const void *b)
{
	const struct pt_zombie *x = a, *y = b;

	if (x->task->ppid != y->task->ppid)
		return x->task->ppid < y->task->ppid ? -1 : 1;
	if (x->known != y->known)
		return x->known ? 1 : -1;
	if (x->known && x->life.exit_ns != y->life.exit_ns)
		return x->life.exit_ns < y->life.exit_ns ? -1 : 1;
	return x->task->pid < y->task->pid ? -1 : 1;
}

/* Most unreaped zombies first, then by pid. */
static int pt_cmp_zombie_parent(const void *a, const void *b)
{
	const struct pt_zombie_parent *x = a, *y = b;

	if (x->unreaped != y->unreaped)
		return x->unreaped > y->unreaped ? -1 : 1;
	return x->ppid < y->ppid ? -1 : x->ppid > y->ppid;
}

static void pt_zombie_parent_fill(struct pt_zombie_parent *zp,
				  const struct pt_snapshot *snap)
{
	const struct pt_task *parent;
	struct pt_life_info life;

	parent = pt_snapshot_find(snap, zp->ppid);
	if (!parent)
		return;
	memcpy(zp->comm, parent->comm, sizeof(zp->comm));
	zp->waited =
		pt_lifecycle_lookup(parent->gpid, parent->start_ns, &life) &&
		life.waited;
}

/*
 * Whether the snapshot's zombie @t is one a parent has to reap. The walk saw
 * exit_state == EXIT_ZOMBIE without tasklist_lock, and an auto-reaped child
 * is EXIT_ZOMBIE for a moment in exit_notify() before it is released; so is
 * a child of a parent that ignores SIGCHLD. Such a child never waits for
 * its parent, so it is not listed: nor is a zombie that has been reaped
 * since the walk (its pid is detached by then, or it is EXIT_DEAD).
 *
 * A leader waiting for its other threads is a zombie whatever its parent
 * does, except in a CLONE_AUTOREAP process (7.3): the kernel releases it
 * when the last thread exits, and its parent never has anything to reap
 * (do_notify_parent()), so it is not listed either. A traced one is: it
 * waits for its tracer like any other child.
 *
 * Caller holds rcu_read_lock(), which keeps the task and its signal_struct
 * while its pid still leads to it.
 */
static bool pt_zombie_unreaped(const struct pt_task *t)
{
	struct task_struct *p;

	p = pid_task(find_pid_ns(t->gpid, &init_pid_ns), PIDTYPE_PID);
	if (!p || p->start_boottime != t->start_ns ||
	    READ_ONCE(p->exit_state) != EXIT_ZOMBIE)
		return false;
	return READ_ONCE(p->ptrace) || !PT_TASK_AUTOREAP(p);
}

int pt_zombie_report(const struct pt_viewer *viewer,
		     struct pt_zombie_report *rep)
{
	struct pt_snapshot *snap;
	struct pt_zombie *z;
	struct pt_zombie_parent *zp = NULL;
	unsigned int i, n = 0;
	size_t cost;
	int ret;

	memset(rep, 0, sizeof(*rep));
	snap = pt_snapshot_take(viewer, PT_WALK_PROCESSES);
	if (IS_ERR(snap))
		return PTR_ERR(snap);
	rep->snap = snap;
	rep->now = ktime_get_boot_fast_ns();

	/*
	 * Both arrays are kept until close(), sized for every zombie of the
	 * snapshot (at least one), and charged for that, before they are
	 * allocated.
	 */
	for (i = 0; i < snap->nr; i++)
		n += !!(snap->tasks[i].flags & PT_TASK_ZOMBIE);
	n = n ?: 1;
	rep->zombies = pt_charged_alloc(viewer->budget, n,
					sizeof(*rep->zombies), &cost, &ret);
	if (!rep->zombies)
		goto fail;
	rep->charged += cost;
	rep->parents = pt_charged_alloc(viewer->budget, n,
					sizeof(*rep->parents), &cost, &ret);
	if (!rep->parents)
		goto fail;
	rep->charged += cost;
	memset(rep->zombies, 0, n * sizeof(*rep->zombies));
	memset(rep->parents, 0, n * sizeof(*rep->parents));

	/* n bounds the zombies still unreaped now, which are kept. */
	rcu_read_lock();
	for (i = 0, z = rep->zombies; i < snap->nr; i++) {
		const struct pt_task *t = &snap->tasks[i];

		if (!(t->flags & PT_TASK_ZOMBIE) || !pt_zombie_unreaped(t))
			continue;
		z->task = t;
		z->thread_group = t->nr_threads > 1;
		z->known =
			pt_lifecycle_lookup(t->gpid, t->start_ns, &z->life) &&
			z->life.exited;
		z++;
	}
	rcu_read_unlock();
	n = z - rep->zombies;
	rep->nr_zombies = n;
	sort(rep->zombies, n, sizeof(*rep->zombies), pt_cmp_zombie, NULL);

	for (i = 0; i < n; i++) {
		z = &rep->zombies[i];
		if (!zp || zp->ppid != z->task->ppid) {
			zp = &rep->parents[rep->nr_parents++];
			zp->ppid = z->task->ppid;
			zp->first = i;
			pt_zombie_parent_fill(zp, snap);
		}
		zp->count++;
		if (z->thread_group)
			continue;
		/* Zombies are sorted oldest first: the first one counts. */
		if (!zp->unreaped++) {
			zp->oldest_known = z->known;
			zp->oldest_exit_ns = z->life.exit_ns;
		}
	}
	sort(rep->parents, rep->nr_parents, sizeof(*rep->parents),
	     pt_cmp_zombie_parent, NULL);
	return 0;

fail:
	pt_zombie_report_free(viewer, rep);
	return ret;
}

void pt_zombie_report_free(const struct pt_viewer *viewer,
			   struct pt_zombie_report *rep)
{
	kvfree(rep->parents);
	kvfree(rep->zombies);
	pt_budget_uncharge(viewer, rep->charged);
	if (!IS_ERR_OR_NULL(rep->snap))
		pt_snapshot_free(rep->snap);
	memset(rep, 0, sizeof(*rep));
}

static int pt_cmp_orphan(const void *a, const void *b)
{
	const struct pt_orphan *x = a, *y = b;

	return x->pid < y->pid ? -1 : x->pid > y->pid;
}

/*
 * find_new_reaper() hands the children of a dead process to the nearest
 * child subreaper above it, else to its namespace's child_reaper. So a
 * reaper that is not the namespace init was a subreaper when it adopted,
 * even if it has cleared PR_SET_CHILD_SUBREAPER since. Caller holds
 * rcu_read_lock().
 */
static const char *pt_reaper_kind(struct task_struct *t,
				  struct task_struct *reaper)
{
	struct pid_namespace *ns = task_active_pid_ns(t);

	if (ns && ns->child_reaper &&
	    same_thread_group(reaper, ns->child_reaper))
		return PROCTRACE_REAPER_INIT;
	return PROCTRACE_REAPER_SUBREAPER;
}

int pt_orphan_report(const struct pt_viewer *viewer,
		     struct pt_orphan_report *rep)
{
	struct pt_orphan_ref *refs;
	unsigned int i, nr_refs = 0;
	struct pt_orphan *o;
	size_t size;

	memset(rep, 0, sizeof(*rep));
	refs = pt_lifecycle_orphans(&nr_refs);
	if (IS_ERR(refs))
		return PTR_ERR(refs);
	/*
	 * Not charged: freed before open() returns (pt_orphans_prepare()
	 * keeps, and charges, a copy sized for what the reader may see).
	 */
	size = array_size(nr_refs ?: 1, sizeof(*rep->orphans));
	rep->orphans = pt_kvmalloc(size);
	if (!rep->orphans) {
		pt_lifecycle_orphans_free(refs, nr_refs);
		return -ENOMEM;
	}
	memset(rep->orphans, 0, size);

	rcu_read_lock();
	for (i = 0; i < nr_refs; i++) {
		struct task_struct *t, *reaper;

		t = pid_task(find_pid_ns(refs[i].gpid, &init_pid_ns),
			     PIDTYPE_PID);
		if (!t || t->start_boottime != refs[i].start_ns ||
		    READ_ONCE(t->exit_state))
			continue;
		o = &rep->orphans[rep->nr];
		o->pid = pt_viewer_pid(viewer, t);
		if (!o->pid)
			continue;
		reaper = rcu_dereference(t->real_parent);
		o->reaper = task_tgid_nr_ns(reaper, viewer->view_ns);
		o->reaper_kind = pt_reaper_kind(t, reaper);
		o->orig_known = refs[i].orig_parent;
		if (o->orig_known)
			o->orig_ppid =
				pid_nr_ns(refs[i].orig_parent, viewer->view_ns);
		o->orphaned_ns = refs[i].orphaned_ns;
		get_task_comm(o->comm, t);
		rep->nr++;
	}
	rcu_read_unlock();
	pt_lifecycle_orphans_free(refs, nr_refs);
	sort(rep->orphans, rep->nr, sizeof(*rep->orphans), pt_cmp_orphan, NULL);
	return 0;
}

void pt_orphan_report_free(struct pt_orphan_report *rep)
{
	kvfree(rep->orphans);
	memset(rep, 0, sizeof(*rep));
}
