// SPDX-License-Identifier: GPL-2.0-only
/*
 * Snapshots of the task list.
 *
 * tasklist_lock is not exported to modules, so every walk runs under
 * rcu_read_lock(): for_each_process() and for_each_thread() are RCU-safe
 * because tasks leave those lists with list_del_rcu() and are freed only
 * after a grace period. The ->children/->sibling lists are not (they are
 * changed with list_del_init() and list_splice under tasklist_lock), so
 * parent/child edges are read from rcu_dereference(real_parent) within the
 * same pass instead.
 *
 * A walk neither sleeps nor allocates. Memory is sized before the walk from
 * the previous count plus slack; if more tasks turn up than fit, the walk is
 * repeated with room for all of them.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bsearch.h>
#include <linux/capability.h>
#include <linux/cpumask.h>
#include <linux/cred.h>
#include <linux/fs.h>
#include <linux/kthread.h>
#include <linux/mm.h>
#include <linux/pid_namespace.h>
#include <linux/proc_fs.h>
#include <linux/rcupdate.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/user_namespace.h>

#include "compat.h"
#include "proctrace.h"

#define PT_WALK_RETRIES 4
#define PT_NO_PARENT UINT_MAX

/* Last size of each kind of walk; only a sizing hint, races are harmless. */
static atomic_t pt_last_nr[] = {
	[PT_WALK_PROCESSES] = ATOMIC_INIT(512),
	[PT_WALK_THREADS] = ATOMIC_INIT(1024),
	[PT_WALK_KTHREADS] = ATOMIC_INIT(256),
};

int pt_viewer_init(struct pt_viewer *viewer, struct file *file)
{
	struct proc_fs_info *fs_info = proc_sb_info(file_inode(file)->i_sb);

	/*
	 * Decided once, from the opener's credentials (f_cred), so an fd
	 * handed to a more privileged process does not widen what it shows.
	 */
	viewer->view_ns = get_pid_ns(task_active_pid_ns(current));
	viewer->mount_ns = get_pid_ns(fs_info->pid_ns);
	viewer->fsuid = file->f_cred->fsuid;
	viewer->own_tasks_only =
		fs_info->hide_pid != HIDEPID_OFF &&
		!in_group_p(fs_info->pid_gid) &&
		!file_ns_capable(file, &init_user_ns, CAP_SYS_PTRACE);
	return 0;
}

void pt_viewer_release(struct pt_viewer *viewer)
{
	put_pid_ns(viewer->mount_ns);
	put_pid_ns(viewer->view_ns);
}

/*
 * Returns the task's pid in the viewer's namespace, or 0 when the viewer
 * must not see it. Caller holds rcu_read_lock() (for __task_cred()).
 */
pid_t pt_viewer_pid(const struct pt_viewer *viewer, struct task_struct *t)
{
	const struct cred *cred;
	pid_t pid;

	pid = task_pid_nr_ns(t, viewer->view_ns);
	if (!pid)
		return 0;
	if (viewer->mount_ns != viewer->view_ns &&
	    !task_pid_nr_ns(t, viewer->mount_ns))
		return 0;
	if (viewer->own_tasks_only) {
		cred = __task_cred(t);
		if (!uid_eq(cred->uid, viewer->fsuid) ||
		    !uid_eq(cred->euid, viewer->fsuid) ||
		    !uid_eq(cred->suid, viewer->fsuid))
			return 0;
	}
	return pid;
}

/* Caller holds rcu_read_lock(); nothing here sleeps. */
static void pt_fill(struct pt_task *rec, struct task_struct *t, pid_t pid,
		    const struct pt_viewer *viewer)
{
	unsigned int pf = READ_ONCE(t->flags);

	rec->pid = pid;
	rec->gpid = t->pid;
	rec->tgid = task_tgid_nr_ns(t, viewer->view_ns);
	rec->ppid = task_ppid_nr_ns(t, viewer->view_ns);
	rec->state = task_state_to_char(t);
	rec->nr_threads = get_nr_threads(t);
	rec->start_ns = t->start_boottime;
	rec->bound_cpu = t->nr_cpus_allowed == 1 ? cpumask_first(t->cpus_ptr) :
						   -1;
	rec->thread_fn = NULL;
	get_task_comm(rec->comm, t);

	rec->flags = 0;
	if (thread_group_leader(t))
		rec->flags |= PT_TASK_LEADER;
	if (pf & PF_KTHREAD) {
		rec->flags |= PT_TASK_KTHREAD;
		rec->thread_fn = kthread_func(t);
		/* kthreadd is the one kernel thread the idle task forked. */
		if (rcu_access_pointer(t->real_parent) == &init_task)
			rec->flags |= PT_TASK_KTHREADD;
	}
	if (pf & PF_EXITING)
		rec->flags |= PT_TASK_EXITING;
	if (pf & PF_IO_WORKER)
		rec->flags |= PT_TASK_IO_WORKER;
	if (pf & PT_PF_USER_WORKER)
		rec->flags |= PT_TASK_USER_WORKER;
	if (pf & PF_WQ_WORKER)
		rec->flags |= PT_TASK_WQ_WORKER;
	if (pf & PF_NO_SETAFFINITY)
		rec->flags |= PT_TASK_NO_SETAFFINITY;
	if (READ_ONCE(t->exit_state) == EXIT_ZOMBIE)
		rec->flags |= PT_TASK_ZOMBIE;
}

static bool pt_walk_wants(enum pt_walk walk, struct task_struct *t)
{
	if (walk != PT_WALK_KTHREADS)
		return true;
	return READ_ONCE(t->flags) &
	       (PF_KTHREAD | PF_IO_WORKER | PT_PF_USER_WORKER);
}

/*
 * One RCU pass. Fills at most @cap records and returns how many tasks
 * qualified, so the caller can tell whether @cap was enough.
 */
static unsigned int pt_walk(const struct pt_viewer *viewer, enum pt_walk walk,
			    struct pt_task *tasks, unsigned int cap)
{
	struct task_struct *p, *t;
	unsigned int n = 0;
	pid_t pid;

	rcu_read_lock();
	for_each_process(p) {
		if (walk == PT_WALK_PROCESSES) {
			pid = pt_viewer_pid(viewer, p);
			if (pid && n < cap)
				pt_fill(&tasks[n], p, pid, viewer);
			n += !!pid;
			continue;
		}
		for_each_thread(p, t) {
			if (!pt_walk_wants(walk, t))
				continue;
			pid = pt_viewer_pid(viewer, t);
			if (pid && n < cap)
				pt_fill(&tasks[n], t, pid, viewer);
			n += !!pid;
		}
	}
	rcu_read_unlock();
	return n;
}

static int pt_cmp_task(const void *a, const void *b)
{
	const struct pt_task *x = a, *y = b;
	bool x_leader = x->flags & PT_TASK_LEADER;
	bool y_leader = y->flags & PT_TASK_LEADER;

	if (x->tgid != y->tgid)
		return x->tgid < y->tgid ? -1 : 1;
	if (x_leader != y_leader)
		return x_leader ? -1 : 1;
	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	return 0;
}

static int pt_cmp_pid_key(const void *key, const void *elt)
{
	pid_t pid = *(const pid_t *)key;
	const struct pt_task *task = elt;

	if (pid == task->pid)
		return 0;
	return pid < task->pid ? -1 : 1;
}

/* The process @pid of a PT_WALK_PROCESSES snapshot, or NULL. */
const struct pt_task *pt_snapshot_find(const struct pt_snapshot *snap,
				       pid_t pid)
{
	if (!pid)
		return NULL;
	return bsearch(&pid, snap->tasks, snap->nr, sizeof(*snap->tasks),
		       pt_cmp_pid_key);
}

/*
 * Depth-first order of the process forest, children in pid order, with an
 * explicit stack so a deep chain cannot overflow the kernel stack. A
 * process whose parent is not in the snapshot is a root. Any process not
 * reached from a root (a cycle could only come from a torn read) is emitted
 * as a root of its own, so every process appears exactly once.
 */
static int pt_build_forest(struct pt_snapshot *snap)
{
	unsigned int n = snap->nr, i, k, out = 0, sp = 0;
	unsigned int *parent, *first, *kids, *stack;
	const struct pt_task *found;
	int ret = -ENOMEM;

	snap->order = kvmalloc_array(n ?: 1, 2 * sizeof(*snap->order),
				     GFP_KERNEL_ACCOUNT);
	if (!snap->order)
		return -ENOMEM;
	snap->depth = snap->order + n;

	/* Scratch: parent[n], first[n + 1], kids[n], stack[n]. */
	parent = kvmalloc_array(n + 1, 4 * sizeof(*parent), GFP_KERNEL);
	if (!parent)
		goto out;
	first = parent + n;
	kids = first + n + 1;
	stack = kids + n;

	memset(first, 0, (n + 1) * sizeof(*first));
	for (i = 0; i < n; i++) {
		const struct pt_task *t = &snap->tasks[i];

		parent[i] = PT_NO_PARENT;
		snap->depth[i] = PT_NO_PARENT;
		if (!t->ppid || t->ppid == t->pid)
			continue;
		found = pt_snapshot_find(snap, t->ppid);
		if (found) {
			parent[i] = found - snap->tasks;
			first[parent[i] + 1]++;
		}
	}
	for (i = 0; i < n; i++)
		first[i + 1] += first[i];
	/* Children land in pid order because i walks the tasks in pid order. */
	memcpy(stack, first, n * sizeof(*stack));
	for (i = 0; i < n; i++)
		if (parent[i] != PT_NO_PARENT)
			kids[stack[parent[i]]++] = i;

	for (k = 0; k < 2 * n; k++) {
		i = k % n;
		/* First pass: true roots; second pass: anything unreached. */
		if (snap->depth[i] != PT_NO_PARENT)
			continue;
		if (k < n && parent[i] != PT_NO_PARENT)
			continue;
		snap->depth[i] = 0;
		stack[sp++] = i;
		while (sp) {
			unsigned int cur = stack[--sp], c;

			snap->order[out++] = cur;
			/* Reverse push so the lowest pid pops first. */
			for (c = first[cur + 1]; c > first[cur]; c--) {
				unsigned int kid = kids[c - 1];

				if (snap->depth[kid] != PT_NO_PARENT)
					continue;
				snap->depth[kid] = snap->depth[cur] + 1;
				stack[sp++] = kid;
			}
		}
	}
	WARN_ON_ONCE(out != n);
	snap->nr = out;
	ret = 0;
	kvfree(parent);
out:
	if (ret) {
		kvfree(snap->order);
		snap->order = NULL;
		snap->depth = NULL;
	}
	return ret;
}

struct pt_snapshot *pt_snapshot_take(const struct pt_viewer *viewer,
				     enum pt_walk walk)
{
	struct pt_snapshot *snap;
	unsigned int cap, n, attempt;
	int ret = -ENOMEM;

	snap = kzalloc(sizeof(*snap), GFP_KERNEL_ACCOUNT);
	if (!snap)
		return ERR_PTR(-ENOMEM);

	cap = atomic_read(&pt_last_nr[walk]);
	for (attempt = 0;; attempt++) {
		/* Room for tasks born between sizing and walking. */
		cap += cap / 8 + 64;
		snap->tasks = kvmalloc_array(cap, sizeof(*snap->tasks),
					     GFP_KERNEL_ACCOUNT);
		if (!snap->tasks)
			goto fail;
		n = pt_walk(viewer, walk, snap->tasks, cap);
		if (n <= cap)
			break;
		kvfree(snap->tasks);
		snap->tasks = NULL;
		if (attempt == PT_WALK_RETRIES) {
			pr_warn_ratelimited("tasks kept growing past %u\n", n);
			ret = -EAGAIN;
			goto fail;
		}
		cap = n;
	}
	atomic_set(&pt_last_nr[walk], n);
	snap->nr = n;
	sort(snap->tasks, n, sizeof(*snap->tasks), pt_cmp_task, NULL);

	if (walk == PT_WALK_PROCESSES) {
		ret = pt_build_forest(snap);
		if (ret)
			goto fail;
	}
	return snap;

fail:
	pt_snapshot_free(snap);
	return ERR_PTR(ret);
}

void pt_snapshot_free(struct pt_snapshot *snap)
{
	if (!snap)
		return;
	kvfree(snap->order);
	kvfree(snap->tasks);
	kfree(snap);
}

void pt_count_tasks(const struct pt_viewer *viewer, struct pt_counts *counts)
{
	struct task_struct *p, *t;
	unsigned int state;

	memset(counts, 0, sizeof(*counts));
	rcu_read_lock();
	for_each_process(p) {
		if (!pt_viewer_pid(viewer, p))
			continue;
		counts->processes++;
		if (READ_ONCE(p->exit_state) == EXIT_ZOMBIE)
			counts->zombies++;
		for_each_thread(p, t) {
			if (!pt_viewer_pid(viewer, t))
				continue;
			counts->threads++;
			if (READ_ONCE(t->flags) & PF_KTHREAD)
				counts->kthreads++;
			state = task_state_index(t);
			if (!WARN_ON_ONCE(state >= PT_NR_STATES))
				counts->state[state]++;
		}
	}
	rcu_read_unlock();
}
