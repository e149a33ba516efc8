// SPDX-License-Identifier: GPL-2.0-only
/*
 * The lifecycle table: what the task list forgets. For each process
 * (thread group) it keeps the original parent, when the group died and how,
 * whether it ever waited for a child, and when it was orphaned.
 *
 * Entries are keyed by (global pid, start_boottime), an identity that
 * survives pid reuse and exec from a non-leader thread (de_thread() copies
 * the leader's start time). They come from a pool preallocated at load, so
 * the probes never allocate. Only two places create entries: the fork
 * probe, for the new process, and the load-time scan, for every process
 * alive then. When the pool is empty there, the process is not tracked for
 * the rest of its life and table_dropped counts it, once; exit and wait only
 * look entries up. An entry leaves when its task is freed
 * (sched_process_free), which is also when its pid references are put.
 *
 * Locking: one raw spinlock, taken with interrupts off because
 * sched_process_free runs from an RCU callback (softirq). Every critical
 * section is O(1) except the orphaning of a dying parent's children, which
 * is O(children) once per parent, as the kernel's own reparenting is.
 * Readers copy what they need under the lock and format it outside.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/hash.h>
#include <linux/list.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/pid.h>
#include <linux/rcupdate.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/spinlock.h>

#include "debug.h"
#include "proctrace.h"

enum {
	PT_LIFE_BORN = BIT(0), /* forked after load: orig_parent known */
	PT_LIFE_EXITED = BIT(1), /* group died after load */
	PT_LIFE_WAITED = BIT(2), /* called wait*() after load */
	PT_LIFE_ORPHANED = BIT(3) /* on pt_orphans */
};

struct pt_life {
	struct hlist_node node; /* hash chain, or the free list */
	struct list_head kids; /* entries whose parent this still is */
	struct list_head link; /* in the parent's kids or in pt_orphans */
	struct pid *self;
	struct pid *orig_parent; /* the forking process; NULL: unknown */
	u64 start_ns;
	u64 exit_ns;
	u64 orphaned_ns;
	pid_t gpid;
	int exit_code;
	u32 flags;
};

static DEFINE_RAW_SPINLOCK(pt_life_lock);
static struct pt_life *pt_life_pool;
static struct hlist_head *pt_life_hash;
static unsigned int pt_life_hash_bits;
static HLIST_HEAD(pt_life_free);
static LIST_HEAD(pt_orphans);
static unsigned int pt_life_size;
static unsigned int pt_life_used;
static unsigned int pt_nr_orphans;

static struct hlist_head *pt_life_bucket(pid_t gpid, u64 start_ns)
{
	return &pt_life_hash[hash_64(start_ns ^ ((u64)gpid << 32),
				     pt_life_hash_bits)];
}

/* Caller holds pt_life_lock. */
static struct pt_life *pt_life_find(pid_t gpid, u64 start_ns)
{
	struct pt_life *e;

	hlist_for_each_entry(e, pt_life_bucket(gpid, start_ns), node)
		if (e->gpid == gpid && e->start_ns == start_ns)
			return e;
	return NULL;
}

/*
 * A new entry for @leader's process, or NULL when the pool is empty. Caller
 * holds pt_life_lock and rcu_read_lock(), has checked that there is none
 * yet, and @leader is a thread-group leader. It does not count the drop:
 * only the two places that decide a process is untracked do (see
 * pt_life_drop()).
 */
static struct pt_life *pt_life_new(struct task_struct *leader)
{
	struct pt_life *e;

	if (hlist_empty(&pt_life_free))
		return NULL;
	e = hlist_entry(pt_life_free.first, struct pt_life, node);
	hlist_del(&e->node);
	memset(e, 0, sizeof(*e));
	INIT_LIST_HEAD(&e->kids);
	INIT_LIST_HEAD(&e->link);
	e->gpid = leader->pid;
	e->start_ns = leader->start_boottime;
	e->self = get_pid(task_pid(leader));
	hlist_add_head(&e->node, pt_life_bucket(e->gpid, e->start_ns));
	pt_life_used++;
	return e;
}

/*
 * The one place that links an entry under its parent's, for the fork probe
 * and the load-time scan alike. kernel_clone() puts a child on the task
 * list before sched_process_fork fires, so both can reach the same child,
 * in either order: linking is idempotent. A zombie is not linked (its
 * parent's death cannot orphan it), nor is a child of a parent whose group
 * already died (exit_notify() hands it to a reaper; it is not orphaned
 * "later"). Caller holds pt_life_lock.
 */
static void pt_life_link(struct pt_life *e, struct pt_life *pe,
			 struct task_struct *p)
{
	if (!e || !pe || !list_empty(&e->link) || p->exit_state ||
	    (pe->flags & PT_LIFE_EXITED))
		return;
	list_add_tail(&e->link, &pe->kids);
}

/*
 * table_dropped counts processes, not failed lookups: a process is counted
 * when the fork probe or the load-time scan finds the pool empty, and
 * never again. A process forked while the scan runs can meet both, so
 * until the scan is over each of them leaves the key of a process it
 * dropped here for the other to find: the fork probe for every child it
 * drops meanwhile, the scan for a child it drops while the child is still
 * TASK_NEW (its fork probe may come later; once a child was woken, its
 * fork probe has run: sched_process_fork fires before wake_up_new_task()).
 * A process dropped by one is never tracked by the other. Keys left by the
 * fork probe are useless once the scan is over and are forgotten then.
 * All under pt_life_lock. If the array is full, a process may be counted
 * twice; it cannot be missed.
 */
#define PT_LIFE_DEFERRED_MAX 64

struct pt_life_key {
	pid_t gpid;
	bool by_scan;
	u64 start_ns;
};

static struct pt_life_key pt_deferred[PT_LIFE_DEFERRED_MAX];
static unsigned int pt_nr_deferred;
static bool pt_scan_done;

/* Finds and forgets the key of @p. Caller holds pt_life_lock. */
static bool pt_deferred_take(struct task_struct *p)
{
	unsigned int i;

	for (i = 0; i < pt_nr_deferred; i++) {
		if (pt_deferred[i].gpid != p->pid ||
		    pt_deferred[i].start_ns != p->start_boottime)
			continue;
		pt_deferred[i] = pt_deferred[--pt_nr_deferred];
		return true;
	}
	return false;
}

/* Counts @p as dropped; see above. Caller holds pt_life_lock. */
static void pt_life_drop(struct task_struct *p, bool by_scan, bool remember)
{
	pt_counter_inc(PT_CNT_TABLE_DROPPED);
	if (!remember || pt_nr_deferred == PT_LIFE_DEFERRED_MAX)
		return;
	pt_deferred[pt_nr_deferred++] = (struct pt_life_key){
		.gpid = p->pid,
		.by_scan = by_scan,
		.start_ns = p->start_boottime,
	};
}

/*
 * The parent's entry is only looked up: a parent forked after load has one
 * unless it was dropped, and a parent the load-time scan has not reached
 * yet gets its child linked by the scan's second pass.
 */
void pt_lifecycle_fork(struct task_struct *child)
{
	struct task_struct *parent;
	struct pt_life *e, *pe;
	unsigned long flags;

	if (!thread_group_leader(child))
		return;
	pt_debug_fork_delay();
	rcu_read_lock();
	parent = rcu_dereference(child->real_parent)->group_leader;
	raw_spin_lock_irqsave(&pt_life_lock, flags);
	e = pt_life_find(child->pid, child->start_boottime);
	if (!e && pt_nr_deferred && pt_deferred_take(child))
		goto out_unlock; /* the scan dropped and counted it */
	if (!e)
		e = pt_life_new(child);
	if (!e) {
		pt_life_drop(child, false, !pt_scan_done);
		goto out_unlock;
	}
	e->flags |= PT_LIFE_BORN;
	if (!e->orig_parent)
		e->orig_parent = get_pid(task_tgid(parent));
	/* init_task (pid 0, kthreadd's parent) never has an entry. */
	pe = pt_life_find(parent->pid, parent->start_boottime);
	pt_life_link(e, pe, child);
out_unlock:
	raw_spin_unlock_irqrestore(&pt_life_lock, flags);
	rcu_read_unlock();
}

/*
 * The group's last thread is exiting. exit_notify() is about to hand its
 * children to a reaper, so this is the moment they become orphans.
 *
 * Before 6.16 the probe can only guess group death from signal->live, and
 * two threads exiting together may both see it at zero; the first one to
 * get here wins. Returns false for the loser (true when the process is
 * not tracked, as nothing can tell then). An untracked process stays so:
 * it was counted when it was dropped.
 */
bool pt_lifecycle_group_exit(struct task_struct *p, int exit_code, u64 now)
{
	struct pt_life *e, *kid, *tmp;
	unsigned long flags;
	bool first = true;

	raw_spin_lock_irqsave(&pt_life_lock, flags);
	e = pt_life_find(p->group_leader->pid, p->group_leader->start_boottime);
	if (!e)
		goto out_unlock;
	if (e->flags & PT_LIFE_EXITED) {
		first = false;
		goto out_unlock;
	}
	e->flags |= PT_LIFE_EXITED;
	e->exit_ns = now;
	e->exit_code = exit_code;
	list_for_each_entry_safe(kid, tmp, &e->kids, link) {
		if (kid->flags & PT_LIFE_EXITED) {
			list_del_init(&kid->link);
			continue;
		}
		kid->flags |= PT_LIFE_ORPHANED;
		kid->orphaned_ns = now;
		list_move_tail(&kid->link, &pt_orphans);
		pt_nr_orphans++;
	}
out_unlock:
	raw_spin_unlock_irqrestore(&pt_life_lock, flags);
	return first;
}

/* Only looks up: a waiter the table does not track was counted when dropped. */
void pt_lifecycle_wait(struct task_struct *waiter)
{
	struct task_struct *leader = waiter->group_leader;
	struct pt_life *e;
	unsigned long flags;

	raw_spin_lock_irqsave(&pt_life_lock, flags);
	e = pt_life_find(leader->pid, leader->start_boottime);
	if (e)
		e->flags |= PT_LIFE_WAITED;
	raw_spin_unlock_irqrestore(&pt_life_lock, flags);
}

/*
 * @p is being freed. Returns its process's own struct pid, with the
 * table's reference handed to the caller, or NULL if @p was not tracked
 * (threads never are).
 */
struct pid *pt_lifecycle_reap(struct task_struct *p)
{
	struct pid *self = NULL, *orig_parent = NULL;
	struct pt_life *e, *kid, *tmp;
	unsigned long flags;

	/*
	 * Only leaders have entries; this probe runs for every freed thread,
	 * so spare those the lock. group_leader still names the leader once
	 * a task is released, and de_thread() repoints a replaced leader's.
	 */
	if (p->group_leader != p)
		return NULL;
	raw_spin_lock_irqsave(&pt_life_lock, flags);
	e = pt_life_find(p->pid, p->start_boottime);
	if (e) {
		if (e->flags & PT_LIFE_ORPHANED)
			pt_nr_orphans--;
		list_del_init(&e->link);
		list_for_each_entry_safe(kid, tmp, &e->kids, link)
			list_del_init(&kid->link);
		hlist_del(&e->node);
		self = e->self;
		orig_parent = e->orig_parent;
		hlist_add_head(&e->node, &pt_life_free);
		pt_life_used--;
	}
	raw_spin_unlock_irqrestore(&pt_life_lock, flags);
	put_pid(orig_parent);
	return self;
}

bool pt_lifecycle_lookup(pid_t gpid, u64 start_ns, struct pt_life_info *info)
{
	struct pt_life *e;
	unsigned long flags;

	raw_spin_lock_irqsave(&pt_life_lock, flags);
	e = pt_life_find(gpid, start_ns);
	if (e) {
		info->exited = e->flags & PT_LIFE_EXITED;
		info->waited = e->flags & PT_LIFE_WAITED;
		info->exit_ns = e->exit_ns;
		info->exit_code = e->exit_code;
	}
	raw_spin_unlock_irqrestore(&pt_life_lock, flags);
	return e;
}

/*
 * Copies the orphan list into a new array; each element holds a reference
 * on its orig_parent pid, dropped by pt_lifecycle_orphans_free(). For an
 * open() of a view, so a memory cgroup that has no room gets ENOMEM, not
 * the OOM killer; not charged to a budget, because it is freed before
 * open() returns.
 */
struct pt_orphan_ref *pt_lifecycle_orphans(unsigned int *nr)
{
	struct pt_orphan_ref *refs = NULL;
	unsigned int cap = 0, n;
	unsigned long flags;
	struct pt_life *e;

	for (;;) {
		raw_spin_lock_irqsave(&pt_life_lock, flags);
		if (pt_nr_orphans <= cap)
			break;
		cap = pt_nr_orphans;
		raw_spin_unlock_irqrestore(&pt_life_lock, flags);
		kvfree(refs);
		cap += cap / 8 + 16;
		refs = pt_kvmalloc(array_size(cap, sizeof(*refs)));
		if (!refs)
			return ERR_PTR(-ENOMEM);
	}
	n = 0;
	list_for_each_entry(e, &pt_orphans, link) {
		refs[n].gpid = e->gpid;
		refs[n].start_ns = e->start_ns;
		refs[n].orphaned_ns = e->orphaned_ns;
		refs[n].orig_parent = get_pid(e->orig_parent);
		n++;
	}
	raw_spin_unlock_irqrestore(&pt_life_lock, flags);
	*nr = n;
	return refs;
}

void pt_lifecycle_orphans_free(struct pt_orphan_ref *refs, unsigned int nr)
{
	unsigned int i;

	if (IS_ERR_OR_NULL(refs))
		return;
	for (i = 0; i < nr; i++)
		put_pid(refs[i].orig_parent);
	kvfree(refs);
}

void pt_lifecycle_usage(unsigned int *used, unsigned int *size)
{
	*used = READ_ONCE(pt_life_used);
	*size = pt_life_size;
}

/*
 * Enter every process alive now, then link each under its current parent,
 * so a parent that dies after load orphans its pre-load children too
 * (their original parent stays unknown). Two passes, so a child listed
 * before its parent is linked all the same. Runs after the probes are
 * registered: a child forked meanwhile meets the fork probe, this scan or
 * both, and pt_life_link() and the deferred keys make that harmless. The
 * lock is taken per process: the scan does not hold off the probes.
 */
void pt_lifecycle_scan(void)
{
	struct task_struct *p, *parent;
	struct pt_life *e, *pe;
	unsigned long flags;
	unsigned int i;

	rcu_read_lock();
	for_each_process(p) {
		raw_spin_lock_irqsave(&pt_life_lock, flags);
		if (!pt_life_find(p->pid, p->start_boottime) &&
		    !(pt_nr_deferred && pt_deferred_take(p)) && !pt_life_new(p))
			pt_life_drop(p, true,
				     READ_ONCE(p->__state) == TASK_NEW);
		raw_spin_unlock_irqrestore(&pt_life_lock, flags);
	}

	/* From now on only the fork probe drops; its keys are of no use. */
	raw_spin_lock_irqsave(&pt_life_lock, flags);
	pt_scan_done = true;
	for (i = 0; i < pt_nr_deferred;) {
		if (pt_deferred[i].by_scan)
			i++;
		else
			pt_deferred[i] = pt_deferred[--pt_nr_deferred];
	}
	raw_spin_unlock_irqrestore(&pt_life_lock, flags);

	for_each_process(p) {
		parent = rcu_dereference(p->real_parent)->group_leader;
		if (parent == &init_task)
			continue;
		raw_spin_lock_irqsave(&pt_life_lock, flags);
		e = pt_life_find(p->pid, p->start_boottime);
		pe = pt_life_find(parent->pid, parent->start_boottime);
		pt_life_link(e, pe, p);
		raw_spin_unlock_irqrestore(&pt_life_lock, flags);
	}
	rcu_read_unlock();
}

int pt_lifecycle_init(unsigned int max_tracked)
{
	unsigned int i;

	pt_life_size = max_tracked;
	pt_life_hash_bits = ilog2(roundup_pow_of_two(max_tracked / 2));
	pt_life_pool = kvcalloc(max_tracked, sizeof(*pt_life_pool), GFP_KERNEL);
	pt_life_hash = kvcalloc(1U << pt_life_hash_bits, sizeof(*pt_life_hash),
				GFP_KERNEL);
	if (!pt_life_pool || !pt_life_hash) {
		kvfree(pt_life_hash);
		kvfree(pt_life_pool);
		pr_err("cannot allocate a lifecycle table of %u entries\n",
		       max_tracked);
		return -ENOMEM;
	}
	for (i = 0; i < max_tracked; i++)
		hlist_add_head(&pt_life_pool[i].node, &pt_life_free);
	return 0;
}

/* Called once no probe can run any more. */
void pt_lifecycle_exit(void)
{
	unsigned int i;

	for (i = 0; i < (1U << pt_life_hash_bits); i++) {
		struct hlist_node *tmp;
		struct pt_life *e;

		hlist_for_each_entry_safe(e, tmp, &pt_life_hash[i], node) {
			put_pid(e->self);
			put_pid(e->orig_parent);
		}
	}
	kvfree(pt_life_hash);
	kvfree(pt_life_pool);
}
