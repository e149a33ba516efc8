// SPDX-License-Identifier: GPL-2.0-only
/*
 * /proc/proctrace/events: the lifecycle event stream.
 *
 * Probes build a record on their own stack and copy it into one ring
 * shared by all readers, under a raw spinlock with interrupts off (the
 * reap probe runs in softirq). The ring is preallocated and never blocks
 * a probe: it overwrites the oldest record, and a reader whose cursor fell
 * more than a ring behind is told exactly how many it lost. Nothing is
 * written while nobody reads. Readers are woken through irq_work, because
 * a probe may not take the wait-queue lock (a sleeping lock on
 * PREEMPT_RT).
 *
 * Pids are recorded for the first PT_NS_LEVELS pid-namespace levels of the
 * task and translated for each reader at read time.
 *
 * Unloading: procfs files do not pin the module, and proc_remove() only
 * waits for calls in progress and releases every open file. It does not
 * detach poll waiters, which stay linked to pt_events_wq, a static in
 * module memory. pt_events_exit() detaches them the way the kernel does
 * for a polled queue that goes away (wake_up_pollfree()), and waits until
 * none can touch the queue any more. Every read() from then on fails with
 * EIO (ours while the module closes, procfs's once the file is gone), so
 * the stream has one ending a reader can tell from an error.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/fs.h>
#include <linux/irq_work.h>
#include <linux/mutex.h>
#include <linux/pid.h>
#include <linux/pid_namespace.h>
#include <linux/poll.h>
#include <linux/proc_fs.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string_helpers.h>
#include <linux/timekeeping.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>
#include <linux/wait.h>

#include "compat.h"
#include "proctrace.h"

#define PT_NS_LEVELS 4
#define PT_ESCAPE " \t\n\v\f\r\\"

struct pt_event_ids {
	/* Only compared once recorded: the namespace may be gone by then. */
	struct pid_namespace *ns;
	pid_t pid;
	pid_t tgid;
	pid_t ppid;
	pid_t old_pid;
};

struct pt_event {
	u64 seq;
	u64 ts_ns;
	u64 start_ns;
	u64 runtime_ns;
	int exit_code;
	u8 type;
	u8 levels;
	u8 group_dead;
	const char *kind;
	const char *origin;
	struct pt_event_ids ids[PT_NS_LEVELS];
	char comm[TASK_COMM_LEN];
	char filename[PROCTRACE_FILENAME_MAX + 1];
};

struct pt_reader {
	struct mutex lock; /* serialises read() on one file */
	u64 cursor; /* seq of the next record to read */
	struct pid_namespace *ns;
	bool header_sent;
	size_t pending_len; /* bytes of line[] not delivered yet */
	char line[PROCTRACE_EVENT_LINE_MAX];
	struct pt_event ev;
};

static DEFINE_RAW_SPINLOCK(pt_ring_lock);
static struct pt_event *pt_ring;
static u64 pt_ring_size;
static u64 pt_ring_head = 1; /* seq of the next record; under pt_ring_lock */
static atomic_t pt_nr_readers = ATOMIC_INIT(0);
static DECLARE_WAIT_QUEUE_HEAD(pt_events_wq);
static struct irq_work pt_wake_work;
static bool pt_events_closing;

#ifdef PT_HAVE_PREPARE_EXEC
/*
 * The pids a non-leader thread had in each namespace before its exec, taken
 * at sched_prepare_exec, before de_thread() frees them, for the exec probe
 * to print as old_pid. Keyed by the task: prepare_exec replaces the task's
 * entry, so the one the exec probe finds is from the same exec. Execs from
 * non-leader threads in a nested namespace are rare and short; when more
 * than PT_EXEC_SLOTS are in flight the oldest is forgotten (its old_pid is
 * then unknown, 0). task is only compared, never dereferenced.
 *
 * An entry found for a task is always from that task's latest exec: the
 * prepare probe runs for every exec, readers or not, so a task_struct
 * reused after a task whose exec failed (its entry left behind) replaces
 * that entry in its own prepare_exec before its exec probe can look.
 */
#define PT_EXEC_SLOTS 16

struct pt_exec_slot {
	const struct task_struct *task;
	u64 stamp; /* 0: free */
	u8 levels;
	struct pid_namespace *ns[PT_NS_LEVELS];
	pid_t nr[PT_NS_LEVELS];
};

static DEFINE_RAW_SPINLOCK(pt_exec_lock);
static struct pt_exec_slot pt_exec_slots[PT_EXEC_SLOTS]; /* pt_exec_lock */
static u64 pt_exec_stamp; /* pt_exec_lock */
#endif

static const char *const pt_event_names[] = {
	[PT_EV_FORK] = PROCTRACE_EV_FORK,
	[PT_EV_EXEC] = PROCTRACE_EV_EXEC,
	[PT_EV_EXIT] = PROCTRACE_EV_EXIT,
	[PT_EV_REAP] = PROCTRACE_EV_REAP,
};

bool pt_events_wanted(void)
{
	return atomic_read(&pt_nr_readers) > 0;
}

static void pt_wake_readers(struct irq_work *work)
{
	wake_up_all(&pt_events_wq);
}

static void pt_event_commit(struct pt_event *ev)
{
	unsigned long flags;

	raw_spin_lock_irqsave(&pt_ring_lock, flags);
	ev->seq = pt_ring_head++;
	pt_ring[ev->seq & (pt_ring_size - 1)] = *ev;
	raw_spin_unlock_irqrestore(&pt_ring_lock, flags);
	pt_counter_inc(PT_CNT_EVENTS);
	irq_work_queue(&pt_wake_work);
}

static void pt_event_init(struct pt_event *ev, enum pt_event_type type,
			  struct task_struct *t)
{
	ev->type = type;
	ev->ts_ns = ktime_get_boot_fast_ns();
	ev->start_ns = t->start_boottime;
	ev->levels = 0;
	get_task_comm(ev->comm, t);
}

/* Caller holds rcu_read_lock() (task_ppid_nr_ns reads real_parent). */
static void pt_event_ids(struct pt_event *ev, struct task_struct *t)
{
	struct pid *pid = task_pid(t);
	unsigned int i;

	if (!pid)
		return;
	ev->levels = min_t(unsigned int, pid->level + 1, PT_NS_LEVELS);
	for (i = 0; i < ev->levels; i++) {
		struct pid_namespace *ns = pid->numbers[i].ns;

		ev->ids[i].ns = ns;
		ev->ids[i].pid = pid->numbers[i].nr;
		ev->ids[i].tgid = task_tgid_nr_ns(t, ns);
		ev->ids[i].ppid = task_ppid_nr_ns(t, ns);
		ev->ids[i].old_pid = ev->ids[i].pid;
	}
}

void pt_events_fork(struct task_struct *parent, struct task_struct *child)
{
	struct pt_event ev;
	bool kernel_made;

	pt_event_init(&ev, PT_EV_FORK, child);
	/*
	 * kernel_clone() sets vfork_done only after this tracepoint, so a
	 * vfork is recognised by what CLONE_VFORK comes with: a new process
	 * sharing its parent's address space (vfork(), posix_spawn()).
	 */
	if (!thread_group_leader(child))
		ev.kind = "thread";
	else if (child->mm && child->mm == parent->mm)
		ev.kind = "vfork";
	else
		ev.kind = "process";
	kernel_made = child->flags &
		      (PF_KTHREAD | PF_IO_WORKER | PT_PF_USER_WORKER);
	ev.origin = kernel_made ? "kernel" : "user";
	rcu_read_lock();
	pt_event_ids(&ev, child);
	rcu_read_unlock();
	pt_event_commit(&ev);
}

#ifdef PT_HAVE_PREPARE_EXEC
/*
 * sched_prepare_exec, in @p before de_thread(): task_pid(p) is still the
 * thread's own struct pid and its numbers are valid. Only a non-leader
 * in a nested namespace needs them: in the initial one, sched_process_exec
 * passes the old pid itself.
 */
void pt_events_prepare_exec(struct task_struct *p)
{
	struct pt_exec_slot *slot = NULL, *s;
	unsigned long flags;
	struct pid *pid;
	unsigned int i;

	if (thread_group_leader(p))
		return;
	rcu_read_lock();
	pid = task_pid(p);
	if (!pid || !pid->level) {
		rcu_read_unlock();
		return;
	}
	raw_spin_lock_irqsave(&pt_exec_lock, flags);
	for (s = pt_exec_slots; s < pt_exec_slots + PT_EXEC_SLOTS; s++) {
		if (s->stamp && s->task == p) {
			slot = s;
			break;
		}
		if (!slot || (slot->stamp && s->stamp < slot->stamp))
			slot = s;
	}
	slot->task = p;
	slot->stamp = ++pt_exec_stamp;
	slot->levels = min_t(unsigned int, pid->level + 1, PT_NS_LEVELS);
	for (i = 0; i < slot->levels; i++) {
		slot->ns[i] = pid->numbers[i].ns;
		slot->nr[i] = pid->numbers[i].nr;
	}
	raw_spin_unlock_irqrestore(&pt_exec_lock, flags);
	rcu_read_unlock();
}

/*
 * Fills ev->ids[].old_pid from @p's entry, if prepare_exec recorded one
 * for this very pid: nr[0] is the global pid, which sched_process_exec
 * passes as @old_pid. Levels it cannot prove stay 0.
 */
static void pt_exec_old_pids(struct pt_event *ev, struct task_struct *p,
			     pid_t old_pid)
{
	struct pt_exec_slot *s;
	unsigned long flags;
	unsigned int i;

	raw_spin_lock_irqsave(&pt_exec_lock, flags);
	for (s = pt_exec_slots; s < pt_exec_slots + PT_EXEC_SLOTS; s++) {
		if (!s->stamp || s->task != p)
			continue;
		s->stamp = 0;
		if (s->nr[0] != old_pid)
			break;
		for (i = 1; i < ev->levels && i < s->levels; i++)
			if (s->ns[i] == ev->ids[i].ns)
				ev->ids[i].old_pid = s->nr[i];
		break;
	}
	raw_spin_unlock_irqrestore(&pt_exec_lock, flags);
}
#else
/*
 * Without sched_prepare_exec (before 6.10) nothing runs between the
 * thread's last use of its old pid and de_thread() freeing it; looking the
 * number up afterwards may find another task that reused it. So the old
 * pid is only given in the initial namespace, where the tracepoint passes
 * it.
 */
static void pt_exec_old_pids(struct pt_event *ev, struct task_struct *p,
			     pid_t old_pid)
{
}
#endif

/*
 * @old_pid is the caller's global pid before a non-leader thread took over
 * the leader's in de_thread(), which freed it: for nested namespaces it
 * comes from what pt_events_prepare_exec() kept, or is 0 (unknown).
 */
void pt_events_exec(struct task_struct *p, pid_t old_pid, const char *filename)
{
	struct pt_event ev;
	unsigned int i;

	pt_event_init(&ev, PT_EV_EXEC, p);
	strscpy(ev.filename, filename, sizeof(ev.filename));
	rcu_read_lock();
	pt_event_ids(&ev, p);
	rcu_read_unlock();
	if (old_pid != p->pid) {
		ev.ids[0].old_pid = old_pid;
		for (i = 1; i < ev.levels; i++)
			ev.ids[i].old_pid = 0;
		pt_exec_old_pids(&ev, p, old_pid);
	}
	pt_event_commit(&ev);
}

void pt_events_exit_task(struct task_struct *p, bool group_dead)
{
	struct pt_event ev;

	pt_event_init(&ev, PT_EV_EXIT, p);
	ev.exit_code = p->exit_code;
	ev.group_dead = group_dead;
	ev.runtime_ns = ev.ts_ns - p->start_boottime;
	rcu_read_lock();
	pt_event_ids(&ev, p);
	rcu_read_unlock();
	pt_event_commit(&ev);
}

/*
 * A freed task has no pid links any more; @self is the struct pid the
 * lifecycle table kept for the process.
 */
void pt_events_reap(struct task_struct *p, struct pid *self)
{
	struct pt_event ev;
	unsigned int i;

	pt_event_init(&ev, PT_EV_REAP, p);
	ev.levels = min_t(unsigned int, self->level + 1, PT_NS_LEVELS);
	for (i = 0; i < ev.levels; i++) {
		ev.ids[i].ns = self->numbers[i].ns;
		ev.ids[i].pid = self->numbers[i].nr;
		ev.ids[i].tgid = ev.ids[i].pid;
	}
	pt_event_commit(&ev);
}

static size_t pt_escape(char *dst, size_t size, const char *src)
{
	int n = string_escape_str(src, dst, size, ESCAPE_OCTAL, PT_ESCAPE);

	return min_t(size_t, n, size);
}

/*
 * Formats r->ev into r->line. Returns false when the reader's pid
 * namespace cannot see the task.
 */
static bool pt_event_format(struct pt_reader *r)
{
	const struct pt_event *ev = &r->ev;
	const struct pt_event_ids *id;
	unsigned int level = r->ns->level;
	size_t size = sizeof(r->line) - 1, n;
	char exit[PT_EXIT_STR_LEN];
	char *s = r->line;

	if (level >= ev->levels || ev->ids[level].ns != r->ns)
		return false;
	id = &ev->ids[level];
	n = scnprintf(s, size, "%llu %llu %s %d %d %llu ", ev->seq, ev->ts_ns,
		      pt_event_names[ev->type], id->pid, id->tgid,
		      ev->start_ns);
	switch (ev->type) {
	case PT_EV_FORK:
		n += scnprintf(s + n, size - n, "ppid=%d kind=%s origin=%s ",
			       id->ppid, ev->kind, ev->origin);
		break;
	case PT_EV_EXEC:
		n += scnprintf(s + n, size - n,
			       "old_pid=%d file=", id->old_pid);
		n += pt_escape(s + n, size - n, ev->filename);
		n += scnprintf(s + n, size - n, " ");
		break;
	case PT_EV_EXIT:
		pt_format_exit(exit, sizeof(exit), ev->exit_code);
		n += scnprintf(s + n, size - n,
			       "ppid=%d exit=%s group_dead=%u runtime_ns=%llu ",
			       id->ppid, exit, ev->group_dead, ev->runtime_ns);
		break;
	}
	n += scnprintf(s + n, size - n, "comm=");
	n += pt_escape(s + n, size - n, ev->comm);
	s[n++] = '\n';
	r->pending_len = n;
	return true;
}

static bool pt_reader_has_data(struct pt_reader *r)
{
	return READ_ONCE(pt_ring_head) != READ_ONCE(r->cursor);
}

/*
 * Puts the reader's next line into r->line. Returns false when there is
 * none yet. Caller holds r->lock.
 */
static bool pt_reader_next_line(struct pt_reader *r)
{
	u64 oldest, lost, first_lost;
	unsigned long flags;

	if (!r->header_sent) {
		r->header_sent = true;
		r->pending_len = scnprintf(r->line, sizeof(r->line),
					   PROCTRACE_HEADER_PREFIX " %s v%d\n",
					   PROCTRACE_FILE_EVENTS,
					   PROCTRACE_ABI_VERSION);
		return true;
	}
	for (;;) {
		raw_spin_lock_irqsave(&pt_ring_lock, flags);
		if (r->cursor == pt_ring_head) {
			raw_spin_unlock_irqrestore(&pt_ring_lock, flags);
			return false;
		}
		oldest = pt_ring_head > pt_ring_size ?
				 pt_ring_head - pt_ring_size :
				 1;
		if (r->cursor < oldest) {
			first_lost = r->cursor;
			lost = oldest - r->cursor;
			WRITE_ONCE(r->cursor, oldest);
			raw_spin_unlock_irqrestore(&pt_ring_lock, flags);
			pt_counter_add(PT_CNT_EVENTS_LOST, lost);
			r->pending_len = scnprintf(r->line, sizeof(r->line),
						   "%llu %llu %s count=%llu\n",
						   first_lost,
						   ktime_get_boot_fast_ns(),
						   PROCTRACE_EV_LOST, lost);
			return true;
		}
		r->ev = pt_ring[r->cursor & (pt_ring_size - 1)];
		WRITE_ONCE(r->cursor, r->cursor + 1);
		raw_spin_unlock_irqrestore(&pt_ring_lock, flags);
		if (pt_event_format(r))
			return true;
		cond_resched();
	}
}

static int pt_reader_wait(struct pt_reader *r)
{
	return wait_event_interruptible(pt_events_wq,
					pt_reader_has_data(r) ||
						READ_ONCE(pt_events_closing));
}

static ssize_t pt_events_read(struct file *file, char __user *buf, size_t count,
			      loff_t *ppos)
{
	struct pt_reader *r = file->private_data;
	size_t done = 0;
	ssize_t ret = 0;

	/* The stream never ends: 0 is only for a read of 0 bytes. */
	if (!count)
		return READ_ONCE(pt_events_closing) ? -EIO : 0;
	if (mutex_lock_interruptible(&r->lock))
		return -ERESTARTSYS;
	for (;;) {
		/*
		 * The module is going: EIO, as procfs answers once the file
		 * is removed, so a reader sees one ending whichever comes
		 * first. Nothing else in this file returns EIO.
		 */
		if (READ_ONCE(pt_events_closing)) {
			if (!done)
				ret = -EIO;
			break;
		}
		if (!r->pending_len && !pt_reader_next_line(r)) {
			if (done)
				break;
			if (file->f_flags & O_NONBLOCK) {
				ret = -EAGAIN;
				break;
			}
			mutex_unlock(&r->lock);
			if (pt_reader_wait(r))
				return -ERESTARTSYS;
			if (mutex_lock_interruptible(&r->lock))
				return -ERESTARTSYS;
			continue;
		}
		/* Whole lines only: a parser never sees half a record. */
		if (r->pending_len > count - done) {
			if (!done)
				ret = -EINVAL;
			break;
		}
		if (copy_to_user(buf + done, r->line, r->pending_len)) {
			if (!done)
				ret = -EFAULT;
			break;
		}
		done += r->pending_len;
		r->pending_len = 0;
	}
	mutex_unlock(&r->lock);
	return done ? done : ret;
}

/*
 * What poll() answers while the module closes: every bit any poller may
 * wait for, so that no poll(), select() (exceptfds included: EPOLLPRI) or
 * epoll sleeper goes back to sleep on the queue, and pt_events_drain()
 * sees it leave. read() then fails with EIO.
 */
#define PT_CLOSING_MASK \
	(EPOLLIN | EPOLLRDNORM | EPOLLPRI | EPOLLERR | EPOLLHUP | EPOLLRDHUP)

/*
 * Readable only if a line for this reader is ready: records about tasks
 * outside its pid namespace are skipped here, or poll() would wake a
 * reader whose read() then blocks. While the module closes it is readable
 * (and read() fails with EIO), as procfs reports it once the file is gone.
 */
static __poll_t pt_events_poll(struct file *file, poll_table *wait)
{
	struct pt_reader *r = file->private_data;
	bool ready;

	poll_wait(file, &pt_events_wq, wait);
	if (READ_ONCE(pt_events_closing))
		return PT_CLOSING_MASK;
	if (mutex_lock_interruptible(&r->lock))
		return EPOLLIN | EPOLLRDNORM; /* let read() report it */
	ready = r->pending_len || pt_reader_next_line(r);
	mutex_unlock(&r->lock);
	return ready ? EPOLLIN | EPOLLRDNORM : 0;
}

static int pt_events_open(struct inode *inode, struct file *file)
{
	struct pt_reader *r;
	unsigned long flags;

	/* f_cred: the opener's privileges, not those of a later reader. */
	if (!file_ns_capable(file, &init_user_ns, CAP_SYS_ADMIN) &&
	    !file_ns_capable(file, &init_user_ns, CAP_PERFMON))
		return -EPERM;
	/* The module is going away: the file is as good as gone. */
	if (READ_ONCE(pt_events_closing))
		return -ENOENT;
	r = kzalloc(sizeof(*r), GFP_KERNEL_ACCOUNT);
	if (!r)
		return -ENOMEM;
	mutex_init(&r->lock);
	r->ns = get_pid_ns(task_active_pid_ns(current));
	file->private_data = r;
	stream_open(inode, file);

	/* Count the reader first so no record after its cursor is skipped. */
	atomic_inc(&pt_nr_readers);
	raw_spin_lock_irqsave(&pt_ring_lock, flags);
	r->cursor = pt_ring_head;
	raw_spin_unlock_irqrestore(&pt_ring_lock, flags);
	return 0;
}

static int pt_events_release(struct inode *inode, struct file *file)
{
	struct pt_reader *r = file->private_data;

	atomic_dec(&pt_nr_readers);
	put_pid_ns(r->ns);
	mutex_destroy(&r->lock);
	kfree(r);
	return 0;
}

const struct proc_ops pt_events_proc_ops = {
	.proc_open = pt_events_open,
	.proc_read = pt_events_read,
	.proc_poll = pt_events_poll,
	.proc_release = pt_events_release,
};

int pt_events_init(unsigned int slots)
{
	pt_ring_size = slots;
	pt_ring = vzalloc(array_size(slots, sizeof(*pt_ring)));
	if (!pt_ring) {
		pr_err("cannot allocate an event ring of %u records\n", slots);
		return -ENOMEM;
	}
	init_irq_work(&pt_wake_work, pt_wake_readers);
	return 0;
}

/*
 * The key of the last wake-up. POLLFREE makes epoll (ep_poll_callback())
 * and io_uring (io_poll_wake()) unlink their entries and forget the queue;
 * the other bits make sure poll() and select() sleepers (pollwake()) match
 * it: poll() always listens for EPOLLERR | EPOLLHUP, select() for EPOLLPRI.
 */
#define PT_POLLFREE_KEY (EPOLLHUP | EPOLLERR | EPOLLPRI | POLLFREE)

/*
 * Wakes every waiter with the POLLFREE key until the queue is empty, seen
 * under its lock (a sleeper seen unlinked has unlocked too), or until
 * @timeout jiffies have passed. Returns whether it is empty.
 */
static bool pt_events_drain(long timeout)
{
	unsigned long end = jiffies + timeout;
	bool queued;

	for (;;) {
		__wake_up(&pt_events_wq, TASK_NORMAL, 0,
			  poll_to_key(PT_POLLFREE_KEY));
		spin_lock_irq(&pt_events_wq.lock);
		/* Under the lock: a sleeper seen unlinked has unlocked too. */
		queued = waitqueue_active(&pt_events_wq);
		spin_unlock_irq(&pt_events_wq.lock);
		if (!queued)
			return true;
		if (timeout >= 0 && time_after(jiffies, end))
			return false;
		/* Woken sleepers leave as soon as they run: let them. */
		schedule_timeout_uninterruptible(1);
	}
}

/*
 * Before proc_remove(): blocked readers wake and fail with EIO, so
 * proc_remove(), which waits for every read() in progress, need not wait
 * on them; and every poller is drained while pt_events_poll() still
 * answers PT_CLOSING_MASK. That matters for the sleepers that would
 * otherwise stay: once the file is removed, procfs answers
 * DEFAULT_POLLMASK without calling us, and a select() on exceptfds only,
 * or a poll() for POLLPRI alone, masks that to nothing and sleeps again.
 * The drain is bounded, because a process polling in a loop re-adds
 * itself as fast as it leaves; whatever it leaves behind sees
 * PT_CLOSING_MASK on its first pass and leaves by itself.
 */
void pt_events_shutdown(void)
{
	WRITE_ONCE(pt_events_closing, true);
	wake_up_all(&pt_events_wq);
	if (!pt_events_drain(10 * HZ))
		pr_warn("pollers of %s are slow to leave; unloading waits for them\n",
			PROCTRACE_FILE_EVENTS);
}

/*
 * Detaches every poller from pt_events_wq before the module memory that
 * holds it is freed. Runs after proc_remove(): proc_reg_poll() no longer
 * calls pt_events_poll(), so no poll_wait() can add an entry again, and
 * what is left leaves at the wake-up (epoll, io_uring) or when its task
 * runs (poll, select), so this waits without a bound.
 *
 * wake_up_pollfree() is not used: it WARNs if the queue is not empty
 * right after the wake-up, and poll() and select() sleepers are: pollwake()
 * only wakes the task, which unlinks its entry (remove_wait_queue(), under
 * the queue lock) in poll_freewait() once it runs.
 *
 * epoll and io_uring unlink their entries inside the wake-up, but may still
 * read the queue pointer they had and lock it: they do so under
 * rcu_read_lock() and test the pointer POLLFREE cleared
 * (ep_remove_wait_queue(), io_poll_remove_entries()), which is why every
 * user of POLLFREE frees the queue only after a grace period.
 */
static void pt_events_pollfree(void)
{
	pt_events_drain(-1);
	synchronize_rcu();
}

/*
 * Called once the files are removed and no probe can run any more: nothing
 * can queue the irq_work or add a poller again.
 */
void pt_events_exit(void)
{
	irq_work_sync(&pt_wake_work);
	pt_events_pollfree();
	vfree(pt_ring);
}
