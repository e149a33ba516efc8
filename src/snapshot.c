// SPDX-License-Identifier: GPL-2.0-only
/*
 * Snapshots of the task list.
 *
 * tasklist_lock is not exported to modules, so every walk runs under
 * rcu_read_lock(): for_each_process() and the thread lists are RCU-safe
 * because tasks leave those lists with list_del_rcu() and are freed only
 * after a grace period. The ->children/->sibling lists are not (they are
 * changed with list_del_init() and list_splice under tasklist_lock), so
 * parent/child edges are read from rcu_dereference(real_parent) within the
 * same pass instead.
 *
 * Threads are walked with list_for_each_entry_rcu() on signal->thread_head
 * rather than for_each_thread(): that macro names tasklist_lock in its
 * lockdep condition (6.12 and 7.3 have it, 6.1 does not), tasklist_lock is not
 * exported, and with CONFIG_PROVE_RCU_LIST the condition is compiled in,
 * so a module using it does not link. The check that applies here, that
 * rcu_read_lock() is held, is the one list_for_each_entry_rcu() makes.
 *
 * A walk neither sleeps nor allocates. Memory is sized before the walk from
 * the previous count plus slack; if more tasks turn up than fit, the walk is
 * repeated with room for all of them.
 *
 * Snapshot memory stays allocated until close(), so it is charged, before
 * it is allocated, to a budget per user (user_snapshot_kb, "Snapshot
 * memory" in Documentation/abi.rst): without one, any user could pin
 * unswappable memory by holding open file descriptors. Every allocation is
 * PT_GFP_SNAPSHOT, so a reader in a small memory cgroup gets ENOMEM instead
 * of meeting the OOM killer.
 *
 * kthread_func() needs no lock beyond rcu_read_lock(), on every kernel
 * proctrace supports (checked in 6.1, 6.12 and 7.3). It reads
 * task->worker_private only when PF_KTHREAD is set. PF_KTHREAD is set
 * in copy_process() only for args->kthread, after it is cleared for every
 * other child (6.1 kernel/fork.c:2208, 6.12 :2260, 7.3 :2165), on a task
 * not yet on the task list, and is never cleared on a live task. A user-mode
 * helper is a user_mode_thread() (kernel/umh.c:136 in 6.1, :132 in 6.12,
 * :130 in 7.3), so it never has PF_KTHREAD, and kernel_execve() refuses a
 * PF_KTHREAD caller (fs/exec.c:2010, :2025, :1977). No exec path frees
 * struct kthread. The only free_kthread_struct() call is in free_task()
 * (kernel/fork.c:568, :620, :565), reached from the last
 * put_task_struct(). For a task found on the task list that happens only
 * after delayed_put_task_struct(), an RCU callback (kernel/exit.c:237,
 * :239, :241), so it cannot happen while the walk holds rcu_read_lock().
 * The __to_kthread() comment about kernel threads that exec (6.1 and 6.12
 * kernel/kthread.c:80-97) predates user_mode_thread() (commit 343f4c49f243
 * "kthread: Don't allocate kthread_struct for init and umh"), older than
 * any kernel proctrace supports.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bsearch.h>
#include <linux/capability.h>
#include <linux/cpumask.h>
#include <linux/cred.h>
#include <linux/fs.h>
#include <linux/hashtable.h>
#include <linux/kthread.h>
#include <linux/mm.h>
#include <linux/moduleparam.h>
#include <linux/overflow.h>
#include <linux/pid_namespace.h>
#include <linux/proc_fs.h>
#include <linux/rcupdate.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/spinlock.h>
#include <linux/user_namespace.h>
#include <linux/vmalloc.h>

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

#define PT_BUDGET_MIN_KB 1024U
#define PT_BUDGET_MAX_KB (16U << 20) /* 16 GiB */
#define PT_BUDGET_HASH_BITS 6

static unsigned int user_snapshot_kb = 65536;

static int pt_budget_param_set(const char *val, const struct kernel_param *kp)
{
	return param_set_uint_minmax(val, kp, PT_BUDGET_MIN_KB,
				     PT_BUDGET_MAX_KB);
}

static const struct kernel_param_ops pt_budget_param_ops = {
	.set = pt_budget_param_set,
	.get = param_get_uint,
};

/* Writable: a new limit applies to the next open(); nothing is revoked. */
module_param_cb(user_snapshot_kb, &pt_budget_param_ops, &user_snapshot_kb,
		0644);
MODULE_PARM_DESC(user_snapshot_kb,
		 "Snapshot memory per user, KiB (1024..16777216, 65536)");

/*
 * One user's charge. The entry lives while a viewer or a snapshot holds
 * it (refs). pt_budget_lock protects the table, refs and bytes; it is
 * taken only in process context at open() and close(), never inside the
 * RCU walk.
 */
struct pt_budget {
	struct hlist_node node;
	struct user_namespace *ns; /* referenced; NULL: keyed by @uid alone */
	kuid_t uid;
	unsigned int refs;
	size_t bytes;
};

struct pt_budget_key {
	struct user_namespace *ns;
	kuid_t uid;
};

static DEFINE_HASHTABLE(pt_budgets, PT_BUDGET_HASH_BITS);
static DEFINE_SPINLOCK(pt_budget_lock);

/*
 * The user an open is charged to: the opener's real uid, as pipe buffers
 * and epoll watches are (struct user_struct is the real uid's). A process
 * cannot change its real uid without privilege, a set-user-ID program
 * still charges whoever ran it, and fsuid, which follows the euid, could
 * be moved by such a program. Real uid 0 in the initial namespace without
 * CAP_SYS_ADMIN is charged as uid 0.
 *
 * Inside a user namespace every uid counts against the outermost
 * namespace below the initial one, the container, so mapping many uids
 * or nesting namespaces does not multiply the budget. When an
 * unprivileged user created that namespace, the budget is its owner's,
 * shared by all its containers: subordinate uids would otherwise multiply
 * it. When root did (userns-remap, LXD, systemd-nspawn -U, Kubernetes
 * without host users), the budget is the namespace's own: keyed by owner,
 * every such container would share one budget with the others and with
 * uid 0 on the host, and one of them could exhaust it for all. Only a
 * process with euid 0 in the initial namespace creates such a namespace.
 * The budget entry holds a reference on it, so the key cannot outlive the
 * namespace or alias a new one at the same address.
 * user_namespace->parent and ->owner never change.
 */
static struct pt_budget_key pt_budget_key(const struct cred *cred)
{
	struct user_namespace *ns = cred->user_ns;

	if (ns == &init_user_ns)
		return (struct pt_budget_key){ .uid = cred->uid };
	while (ns->parent != &init_user_ns)
		ns = ns->parent;
	if (uid_eq(ns->owner, GLOBAL_ROOT_UID))
		return (struct pt_budget_key){ .ns = ns, .uid = ns->owner };
	return (struct pt_budget_key){ .uid = ns->owner };
}

static unsigned long pt_budget_hash(const struct pt_budget_key *key)
{
	return key->ns ? (unsigned long)key->ns : __kuid_val(key->uid);
}

static struct pt_budget *pt_budget_lookup(const struct pt_budget_key *key)
{
	struct pt_budget *b;

	lockdep_assert_held(&pt_budget_lock);
	hash_for_each_possible(pt_budgets, b, node, pt_budget_hash(key))
		if (b->ns == key->ns && uid_eq(b->uid, key->uid))
			return b;
	return NULL;
}

static struct pt_budget *pt_budget_get(const struct cred *cred)
{
	struct pt_budget_key key = pt_budget_key(cred);
	struct pt_budget *b, *new;

	spin_lock(&pt_budget_lock);
	b = pt_budget_lookup(&key);
	if (b)
		b->refs++;
	spin_unlock(&pt_budget_lock);
	if (b)
		return b;

	/*
	 * Allocated outside the lock; a racing open may have added one. The
	 * opener's cred keeps key.ns alive until the entry holds it.
	 */
	new = kzalloc(sizeof(*new), PT_GFP_SNAPSHOT);
	if (!new)
		return NULL;
	spin_lock(&pt_budget_lock);
	b = pt_budget_lookup(&key);
	if (!b) {
		b = new;
		new = NULL;
		b->ns = key.ns ? get_user_ns(key.ns) : NULL;
		b->uid = key.uid;
		hash_add(pt_budgets, &b->node, pt_budget_hash(&key));
	}
	b->refs++;
	spin_unlock(&pt_budget_lock);
	kfree(new);
	return b;
}

static void pt_budget_hold(struct pt_budget *b)
{
	spin_lock(&pt_budget_lock);
	b->refs++;
	spin_unlock(&pt_budget_lock);
}

static void pt_budget_put(struct pt_budget *b)
{
	bool last;

	if (!b)
		return;
	spin_lock(&pt_budget_lock);
	last = !--b->refs;
	if (last) {
		WARN_ON_ONCE(b->bytes);
		hash_del(&b->node);
	}
	spin_unlock(&pt_budget_lock);
	if (last) {
		if (b->ns)
			put_user_ns(b->ns);
		kfree(b);
	}
}

/*
 * What an allocation of @n * @size bytes costs: the kmalloc bucket, a
 * power of two of pages for a large one, which bounds the vmalloc
 * fallback too. SIZE_MAX when it overflows, which no budget admits.
 */
size_t pt_alloc_cost(size_t n, size_t size)
{
	size_t bytes;

	if (check_mul_overflow(n, size, &bytes))
		return SIZE_MAX;
	return kmalloc_size_roundup(bytes);
}

/* -EBUSY when @bytes more would take @b's user past its budget. */
static int pt_budget_charge_one(struct pt_budget *b, size_t bytes)
{
	size_t limit = (size_t)READ_ONCE(user_snapshot_kb) << 10;
	int ret = 0;

	if (!b)
		return 0;
	spin_lock(&pt_budget_lock);
	if (bytes > limit || b->bytes > limit - bytes)
		ret = -EBUSY;
	else
		b->bytes += bytes;
	spin_unlock(&pt_budget_lock);
	return ret;
}

int pt_budget_charge(const struct pt_viewer *viewer, size_t bytes)
{
	return pt_budget_charge_one(viewer->budget, bytes);
}

static void pt_budget_uncharge_one(struct pt_budget *b, size_t bytes)
{
	if (!b || !bytes)
		return;
	spin_lock(&pt_budget_lock);
	if (!WARN_ON_ONCE(b->bytes < bytes))
		b->bytes -= bytes;
	spin_unlock(&pt_budget_lock);
}

void pt_budget_uncharge(const struct pt_viewer *viewer, size_t bytes)
{
	pt_budget_uncharge_one(viewer->budget, bytes);
}

/*
 * kvmalloc() with the vmalloc fallback allowed to fail: kvmalloc() does
 * not take __GFP_NORETRY, and with plain GFP_KERNEL_ACCOUNT its fallback
 * charges a memory cgroup page by page and invokes the OOM killer when one
 * page does not fit. The contiguous attempt is the cheap one kvmalloc()
 * makes (no retry, no warning); the fallback is PT_GFP_SNAPSHOT, whose
 * __GFP_RETRY_MAYFAIL makes the memcg charge fail instead:
 * try_charge_memcg() checks it before mem_cgroup_oom() (mm/memcontrol.c:2720
 * in 6.1, :2272 in 6.12, :2761 in 7.3). kvfree() frees either.
 */
void *pt_kvmalloc(size_t size)
{
	void *p;

	if (size <= PAGE_SIZE)
		return kmalloc(size, PT_GFP_SNAPSHOT);
	p = kmalloc(size, GFP_KERNEL_ACCOUNT | __GFP_NORETRY | __GFP_NOWARN);
	if (p)
		return p;
	return __vmalloc(size, PT_GFP_SNAPSHOT);
}

/*
 * Charges @b, then allocates; the charge is undone when allocation fails.
 * A NULL @b is exempt. Not zeroed.
 */
void *pt_charged_alloc(struct pt_budget *b, size_t n, size_t size, size_t *cost,
		       int *err)
{
	void *p;

	*cost = pt_alloc_cost(n, size);
	*err = *cost == SIZE_MAX ? -ENOMEM : pt_budget_charge_one(b, *cost);
	if (*err)
		return NULL;
	p = pt_kvmalloc(n * size);
	if (!p) {
		pt_budget_uncharge_one(b, *cost);
		*err = -ENOMEM;
	}
	return p;
}

int pt_viewer_init(struct pt_viewer *viewer, struct file *file)
{
	struct proc_fs_info *fs_info = proc_sb_info(file_inode(file)->i_sb);

	/*
	 * Decided once, from the opener's credentials (f_cred), so an fd
	 * handed to a more privileged process does not widen what it shows,
	 * nor escape the budget of the user who opened it. CAP_SYS_ADMIN in
	 * the initial user namespace is exempt: such an opener can exhaust
	 * memory in many other ways. open() runs as the opener, so current's
	 * credentials are f_cred; no audit record, because an unprivileged
	 * reader is the normal case, not a denial.
	 */
	viewer->budget = NULL;
	if (!ns_capable_noaudit(&init_user_ns, CAP_SYS_ADMIN)) {
		viewer->budget = pt_budget_get(file->f_cred);
		if (!viewer->budget)
			return -ENOMEM;
	}
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
	pt_budget_put(viewer->budget);
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
		list_for_each_entry_rcu(t, &p->signal->thread_head,
					thread_node) {
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
	size_t cost, scratch_cost;
	int ret;

	snap->order = pt_charged_alloc(snap->budget, n ?: 1,
				       2 * sizeof(*snap->order), &cost, &ret);
	if (!snap->order)
		return ret;
	snap->charged += cost;
	snap->depth = snap->order + n;

	/* Scratch: parent[n], first[n + 1], kids[n], stack[n]; charged too. */
	parent = pt_charged_alloc(snap->budget, n + 1, 4 * sizeof(*parent),
				  &scratch_cost, &ret);
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
	kvfree(parent);
	pt_budget_uncharge_one(snap->budget, scratch_cost);
	return 0;

out:
	kvfree(snap->order);
	snap->order = NULL;
	snap->depth = NULL;
	pt_budget_uncharge_one(snap->budget, cost);
	snap->charged -= cost;
	return ret;
}

struct pt_snapshot *pt_snapshot_take(const struct pt_viewer *viewer,
				     enum pt_walk walk)
{
	struct pt_budget *b = viewer->budget;
	unsigned int cap, n, attempt;
	struct pt_snapshot *snap;
	struct pt_task *tasks;
	size_t cost;
	int ret;

	/* Not charged: O(1), and each open's own struct file costs more. */
	snap = kzalloc(sizeof(*snap), PT_GFP_SNAPSHOT);
	if (!snap)
		return ERR_PTR(-ENOMEM);
	if (b)
		pt_budget_hold(b);
	snap->budget = b;

	cap = atomic_read(&pt_last_nr[walk]);
	for (attempt = 0;; attempt++) {
		/* Room for tasks born between sizing and walking. */
		cap += cap / 8 + 64;
		tasks = pt_charged_alloc(b, cap, sizeof(*tasks), &cost, &ret);
		if (!tasks)
			goto fail;
		snap->tasks = tasks;
		n = pt_walk(viewer, walk, tasks, cap);
		if (n <= cap)
			break;
		kvfree(tasks);
		snap->tasks = NULL;
		pt_budget_uncharge_one(b, cost);
		if (attempt == PT_WALK_RETRIES) {
			pr_warn_ratelimited("tasks kept growing past %u\n", n);
			ret = -EAGAIN;
			goto fail;
		}
		cap = n;
	}
	snap->charged += cost;
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
	pt_budget_uncharge_one(snap->budget, snap->charged);
	pt_budget_put(snap->budget);
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
		list_for_each_entry_rcu(t, &p->signal->thread_head,
					thread_node) {
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
