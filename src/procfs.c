// SPDX-License-Identifier: GPL-2.0-only
/*
 * /proc/proctrace: one file per view (Documentation/abi.rst).
 *
 * Every open() takes its snapshot up front, outside any RCU section, and
 * the seq_file iterates over that private copy. start() and show() are
 * therefore side-effect free and may be re-run by seq_file's overflow
 * path, every read()/pread()/lseek() on one fd sees the same snapshot, and
 * no lock is held between start() and stop().
 *
 * proc_ops has no owner: module unload is made safe by proc_remove(),
 * which waits for callers in flight and then releases every open file.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kallsyms.h>
#include <linux/minmax.h>
#include <linux/overflow.h>
#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "proctrace.h"

/* Whitespace and backslash would break the one-space field split. */
#define PT_COMM_ESCAPE " \t\n\v\f\r\\"

struct pt_file;

/*
 * A view is either rows over a snapshot (seq_ops) or one record computed
 * at open() by prepare() and printed by show().
 */
struct pt_view {
	const char *name;
	enum pt_walk walk;
	const char *columns;
	const struct seq_operations *seq_ops;
	int (*prepare)(struct pt_file *pf);
	int (*show)(struct seq_file *m, void *v);
};

/* Per open file: who reads, and what they were shown. */
struct pt_file {
	const struct pt_view *view;
	struct pt_viewer viewer;
	struct pt_snapshot *snap;
	struct pt_counts counts;
	struct pt_zombie_report zombies;
	struct pt_orphan_report orphans;
	unsigned int nr_orphans; /* stats: only the count is kept */
	size_t charged; /* to the viewer's budget, beyond the snapshots' */
	u64 counters[PT_CNT_NR];
	unsigned int table_used, table_size;
};

static struct proc_dir_entry *pt_proc_dir;

static void pt_print_header(struct seq_file *m, const struct pt_view *view)
{
	seq_printf(m, PROCTRACE_HEADER_PREFIX " %s v%d", view->name,
		   PROCTRACE_ABI_VERSION);
	if (view->columns)
		seq_printf(m, ": %s", view->columns);
	seq_putc(m, '\n');
}

static void pt_print_comm(struct seq_file *m, const struct pt_task *t)
{
	seq_escape(m, t->comm, PT_COMM_ESCAPE);
}

/* Prints @name after a comma unless it is the first token of the list. */
static void pt_print_token(struct seq_file *m, bool *first, const char *name)
{
	if (!*first)
		seq_putc(m, ',');
	seq_puts(m, name);
	*first = false;
}

static void *pt_rows_start(struct seq_file *m, loff_t *pos)
{
	struct pt_file *pf = m->private;

	if (!*pos)
		return SEQ_START_TOKEN;
	if (*pos > pf->snap->nr)
		return NULL;
	return &pf->snap->tasks[*pos - 1];
}

static void *pt_rows_next(struct seq_file *m, void *v, loff_t *pos)
{
	++*pos;
	return pt_rows_start(m, pos);
}

static void pt_rows_stop(struct seq_file *m, void *v)
{
}

/* tree: rows follow the depth-first order, not the tgid order. */
static void *pt_tree_start(struct seq_file *m, loff_t *pos)
{
	struct pt_file *pf = m->private;

	if (!*pos)
		return SEQ_START_TOKEN;
	if (*pos > pf->snap->nr)
		return NULL;
	return &pf->snap->order[*pos - 1];
}

static void *pt_tree_next(struct seq_file *m, void *v, loff_t *pos)
{
	++*pos;
	return pt_tree_start(m, pos);
}

static int pt_tree_show(struct seq_file *m, void *v)
{
	struct pt_file *pf = m->private;
	const struct pt_snapshot *snap = pf->snap;
	const struct pt_task *t;
	unsigned int idx;

	if (v == SEQ_START_TOKEN) {
		pt_print_header(m, pf->view);
		return 0;
	}
	idx = *(const unsigned int *)v;
	t = &snap->tasks[idx];
	seq_printf(m, "%*s%d %c %d ", 2 * snap->depth[idx], "", t->pid,
		   t->state, t->nr_threads);
	pt_print_comm(m, t);
	if (t->flags & PT_TASK_ZOMBIE)
		seq_puts(m, " " PROCTRACE_TAG_ZOMBIE);
	if (t->flags & PT_TASK_KTHREAD)
		seq_puts(m, " " PROCTRACE_TAG_KTHREAD);
	seq_putc(m, '\n');
	return 0;
}

static const struct {
	u32 flag;
	const char *name;
} pt_task_flag_names[] = {
	{ PT_TASK_LEADER, PROCTRACE_FLAG_LEADER },
	{ PT_TASK_KTHREAD, PROCTRACE_FLAG_KTHREAD },
	{ PT_TASK_EXITING, PROCTRACE_FLAG_EXITING },
	{ PT_TASK_IO_WORKER, PROCTRACE_FLAG_IO_WORKER },
	{ PT_TASK_USER_WORKER, PROCTRACE_FLAG_USER_WORKER },
	{ PT_TASK_WQ_WORKER, PROCTRACE_FLAG_WQ_WORKER },
};

static int pt_tasks_show(struct seq_file *m, void *v)
{
	struct pt_file *pf = m->private;
	const struct pt_task *t = v;
	bool first = true;
	unsigned int i;

	if (v == SEQ_START_TOKEN) {
		pt_print_header(m, pf->view);
		return 0;
	}
	seq_printf(m, "%d %d %d %c ", t->pid, t->tgid, t->ppid, t->state);
	for (i = 0; i < ARRAY_SIZE(pt_task_flag_names); i++)
		if (t->flags & pt_task_flag_names[i].flag)
			pt_print_token(m, &first, pt_task_flag_names[i].name);
	if (first)
		seq_putc(m, '-');
	seq_printf(m, " %d %llu ", t->nr_threads, t->start_ns);
	pt_print_comm(m, t);
	seq_putc(m, '\n');
	return 0;
}

static void pt_print_kclass(struct seq_file *m, const struct pt_task *t)
{
	bool first = true;

	if (t->flags & PT_TASK_KTHREADD)
		pt_print_token(m, &first, PROCTRACE_KCLASS_KTHREADD);
	if (t->bound_cpu >= 0 && (t->flags & PT_TASK_NO_SETAFFINITY))
		pt_print_token(m, &first, PROCTRACE_KCLASS_PERCPU);
	if (t->flags & PT_TASK_WQ_WORKER)
		pt_print_token(m, &first, PROCTRACE_KCLASS_WORKER);
	if (t->state == 'P')
		pt_print_token(m, &first, PROCTRACE_KCLASS_PARKED);
	if (t->state == 'I')
		pt_print_token(m, &first, PROCTRACE_KCLASS_IDLE);
	/* io_uring workers carry PF_USER_WORKER too since 6.4. */
	if (t->flags & PT_TASK_IO_WORKER)
		pt_print_token(m, &first, PROCTRACE_KCLASS_IO_WORKER);
	else if (t->flags & PT_TASK_USER_WORKER)
		pt_print_token(m, &first, PROCTRACE_KCLASS_USER_WORKER);
	if (first)
		seq_puts(m, PROCTRACE_KCLASS_OTHER);
}

/*
 * "func module". %ps resolves through kallsyms and appends " [module]" for
 * module text; when it cannot resolve it prints the raw address, which a
 * diagnostics file must never show, so that case prints "- -".
 */
static void pt_print_thread_fn(struct seq_file *m, const struct pt_task *t)
{
	char sym[KSYM_SYMBOL_LEN];
	char *mod, *end;

	if (!t->thread_fn) {
		seq_puts(m, "- -");
		return;
	}
	snprintf(sym, sizeof(sym), "%ps", t->thread_fn);
	if (!strncmp(sym, "0x", 2) || strchr(sym, '+')) {
		seq_puts(m, "- -");
		return;
	}
	mod = strstr(sym, " [");
	if (!mod) {
		seq_printf(m, "%s -", sym);
		return;
	}
	*mod = '\0';
	mod += 2;
	end = strchr(mod, ']');
	if (end)
		*end = '\0';
	seq_printf(m, "%s %s", sym, mod);
}

static int pt_kthreads_show(struct seq_file *m, void *v)
{
	struct pt_file *pf = m->private;
	const struct pt_task *t = v;

	if (v == SEQ_START_TOKEN) {
		pt_print_header(m, pf->view);
		return 0;
	}
	seq_printf(m, "%d %d %c ", t->pid, t->ppid, t->state);
	if (t->bound_cpu >= 0)
		seq_printf(m, "%d ", t->bound_cpu);
	else
		seq_puts(m, "- ");
	pt_print_kclass(m, t);
	seq_putc(m, ' ');
	pt_print_thread_fn(m, t);
	seq_putc(m, ' ');
	pt_print_comm(m, t);
	seq_putc(m, '\n');
	return 0;
}

/*
 * Everything is read here, so every read() of one open file agrees. Only
 * the number of orphans is kept, so an open stats file holds O(1) memory.
 */
static int pt_stats_prepare(struct pt_file *pf)
{
	int ret;

	pt_counters_read(pf->counters);
	pt_lifecycle_usage(&pf->table_used, &pf->table_size);
	pt_count_tasks(&pf->viewer, &pf->counts);
	ret = pt_orphan_report(&pf->viewer, &pf->orphans);
	if (ret)
		return ret;
	pf->nr_orphans = pf->orphans.nr;
	pt_orphan_report_free(&pf->orphans);
	return 0;
}

static int pt_stats_show(struct seq_file *m, void *v)
{
	struct pt_file *pf = m->private;
	const struct pt_counts *c = &pf->counts;
	unsigned int i;

	pt_print_header(m, pf->view);
	seq_printf(m, "processes %lu\n", c->processes);
	seq_printf(m, "threads %lu\n", c->threads);
	seq_printf(m, "kthreads %lu\n", c->kthreads);
	for (i = 0; i < PT_NR_STATES; i++)
		seq_printf(m, "state_%c %lu\n", PROCTRACE_STATE_LETTERS[i],
			   c->state[i]);
	seq_printf(m, "zombies %lu\n", c->zombies);
	seq_printf(m, "orphans %u\n", pf->nr_orphans);
	pt_counters_show(m, pf->counters);
	seq_printf(m, "table_used %u\ntable_size %u\n", pf->table_used,
		   pf->table_size);
	return 0;
}

/*
 * The report's snapshot is charged by pt_snapshot_take(), its two arrays
 * by pt_zombie_report(); pt_zombie_report_free() uncharges both.
 */
static int pt_zombies_prepare(struct pt_file *pf)
{
	return pt_zombie_report(&pf->viewer, &pf->zombies);
}

/* "<ns>", or @unknown when the table has no record of it. */
static void pt_print_age(struct seq_file *m, bool known, u64 now, u64 then)
{
	if (known)
		seq_printf(m, "%llu", now > then ? now - then : 0);
	else
		seq_puts(m, "unknown");
}

static int pt_zombies_show(struct seq_file *m, void *v)
{
	struct pt_file *pf = m->private;
	const struct pt_zombie_report *rep = &pf->zombies;
	char exit[PT_EXIT_STR_LEN];
	unsigned int i, k;

	pt_print_header(m, pf->view);
	for (i = 0; i < rep->nr_parents; i++) {
		const struct pt_zombie_parent *zp = &rep->parents[i];

		seq_printf(m, "parent %d zombies=%u oldest_ns=", zp->ppid,
			   zp->unreaped);
		if (zp->unreaped)
			pt_print_age(m, zp->oldest_known, rep->now,
				     zp->oldest_exit_ns);
		else
			seq_putc(m, '-');
		seq_printf(m, " waited=%s comm=", zp->waited ? "yes" : "no");
		if (zp->comm[0])
			seq_escape(m, zp->comm, PT_COMM_ESCAPE);
		else
			seq_putc(m, '-');
		seq_putc(m, '\n');

		for (k = zp->first; k < zp->first + zp->count; k++) {
			const struct pt_zombie *z = &rep->zombies[k];

			seq_printf(m, "zombie %d ppid=%d kind=%s age_ns=",
				   z->task->pid, z->task->ppid,
				   z->thread_group ?
					   PROCTRACE_ZOMBIE_THREAD_GROUP :
					   PROCTRACE_ZOMBIE_UNREAPED);
			pt_print_age(m, z->known, rep->now, z->life.exit_ns);
			if (z->known)
				pt_format_exit(exit, sizeof(exit),
					       z->life.exit_code);
			seq_printf(m, " exit=%s comm=",
				   z->known ? exit : "unknown");
			pt_print_comm(m, z->task);
			seq_putc(m, '\n');
		}
	}
	return 0;
}

/*
 * pt_orphan_report() sizes its array for every orphan the lifecycle table
 * knows, whoever may see them; the copy kept until close() has room only
 * for those the reader may see, and is what is charged.
 */
static int pt_orphans_prepare(struct pt_file *pf)
{
	struct pt_orphan_report *rep = &pf->orphans;
	struct pt_orphan *kept;
	size_t n, cost;
	int ret;

	ret = pt_orphan_report(&pf->viewer, rep);
	if (ret)
		return ret;
	n = max(rep->nr, 1U);
	cost = pt_alloc_cost(n, sizeof(*kept));
	ret = pt_budget_charge(&pf->viewer, cost);
	if (ret)
		return ret;
	kept = pt_kvmalloc(n * sizeof(*kept));
	if (!kept) {
		pt_budget_uncharge(&pf->viewer, cost);
		return -ENOMEM;
	}
	pf->charged = cost;
	memcpy(kept, rep->orphans, rep->nr * sizeof(*kept));
	kvfree(rep->orphans);
	rep->orphans = kept;
	return 0;
}

static int pt_orphans_show(struct seq_file *m, void *v)
{
	struct pt_file *pf = m->private;
	unsigned int i;

	pt_print_header(m, pf->view);
	for (i = 0; i < pf->orphans.nr; i++) {
		const struct pt_orphan *o = &pf->orphans.orphans[i];

		seq_printf(m, "%d ", o->pid);
		if (!o->orig_known)
			seq_puts(m, "unknown");
		else if (!o->orig_ppid)
			seq_putc(m, '-');
		else
			seq_printf(m, "%d", o->orig_ppid);
		seq_printf(m, " %d %s %llu ", o->reaper, o->reaper_kind,
			   o->orphaned_ns);
		seq_escape(m, o->comm, PT_COMM_ESCAPE);
		seq_putc(m, '\n');
	}
	return 0;
}

static const struct seq_operations pt_tree_seq_ops = {
	.start = pt_tree_start,
	.next = pt_tree_next,
	.stop = pt_rows_stop,
	.show = pt_tree_show,
};

static const struct seq_operations pt_tasks_seq_ops = {
	.start = pt_rows_start,
	.next = pt_rows_next,
	.stop = pt_rows_stop,
	.show = pt_tasks_show,
};

static const struct seq_operations pt_kthreads_seq_ops = {
	.start = pt_rows_start,
	.next = pt_rows_next,
	.stop = pt_rows_stop,
	.show = pt_kthreads_show,
};

static const struct pt_view pt_views[] = {
	{
		.name = PROCTRACE_FILE_TREE,
		.walk = PT_WALK_PROCESSES,
		.columns = PROCTRACE_COLUMNS_TREE,
		.seq_ops = &pt_tree_seq_ops,
	},
	{
		.name = PROCTRACE_FILE_TASKS,
		.walk = PT_WALK_THREADS,
		.columns = PROCTRACE_COLUMNS_TASKS,
		.seq_ops = &pt_tasks_seq_ops,
	},
	{
		.name = PROCTRACE_FILE_STATS,
		.prepare = pt_stats_prepare,
		.show = pt_stats_show,
	},
	{
		.name = PROCTRACE_FILE_KTHREADS,
		.walk = PT_WALK_KTHREADS,
		.columns = PROCTRACE_COLUMNS_KTHREADS,
		.seq_ops = &pt_kthreads_seq_ops,
	},
	{
		.name = PROCTRACE_FILE_ZOMBIES,
		.prepare = pt_zombies_prepare,
		.show = pt_zombies_show,
	},
	{
		.name = PROCTRACE_FILE_ORPHANS,
		.columns = PROCTRACE_COLUMNS_ORPHANS,
		.prepare = pt_orphans_prepare,
		.show = pt_orphans_show,
	},
};

static void pt_file_free(struct pt_file *pf)
{
	pt_zombie_report_free(&pf->viewer, &pf->zombies);
	pt_orphan_report_free(&pf->orphans);
	pt_snapshot_free(pf->snap);
	pt_budget_uncharge(&pf->viewer, pf->charged);
	pt_viewer_release(&pf->viewer);
	kfree(pf);
}

static int pt_proc_open(struct inode *inode, struct file *file)
{
	const struct pt_view *view = pde_data(inode);
	struct pt_file *pf;
	int ret;

	pf = kzalloc(sizeof(*pf), PT_GFP_SNAPSHOT);
	if (!pf)
		return -ENOMEM;
	pf->view = view;
	ret = pt_viewer_init(&pf->viewer, file);
	if (ret) {
		kfree(pf);
		return ret;
	}

	if (view->seq_ops) {
		pf->snap = pt_snapshot_take(&pf->viewer, view->walk);
		if (IS_ERR(pf->snap)) {
			ret = PTR_ERR(pf->snap);
			pf->snap = NULL;
			goto out_free;
		}
		ret = seq_open(file, view->seq_ops);
	} else {
		ret = view->prepare(pf);
		if (ret)
			goto out_free;
		ret = single_open(file, view->show, pf);
	}
	if (ret)
		goto out_free;
	if (view->seq_ops)
		((struct seq_file *)file->private_data)->private = pf;
	return 0;

out_free:
	pt_file_free(pf);
	return ret;
}

static int pt_proc_release(struct inode *inode, struct file *file)
{
	const struct pt_view *view = pde_data(inode);
	struct seq_file *m = file->private_data;

	pt_file_free(m->private);
	return view->seq_ops ? seq_release(inode, file) :
			       single_release(inode, file);
}

static const struct proc_ops pt_proc_ops = {
	.proc_open = pt_proc_open,
	.proc_read_iter = seq_read_iter,
	.proc_lseek = seq_lseek,
	.proc_release = pt_proc_release,
};

int pt_procfs_init(void)
{
	unsigned int i;

	pt_proc_dir = proc_mkdir(PROCTRACE_PROC_DIR, NULL);
	if (!pt_proc_dir) {
		pr_err("cannot create /proc/%s (does it exist already?)\n",
		       PROCTRACE_PROC_DIR);
		return -ENOMEM;
	}
	for (i = 0; i < ARRAY_SIZE(pt_views); i++) {
		if (!proc_create_data(pt_views[i].name, 0444, pt_proc_dir,
				      &pt_proc_ops, (void *)&pt_views[i]))
			goto out_remove;
	}
	/* 0444: the capability check in open() answers EPERM, not EACCES. */
	if (!proc_create(PROCTRACE_FILE_EVENTS, 0444, pt_proc_dir,
			 &pt_events_proc_ops))
		goto out_remove;
	return 0;

out_remove:
	pr_err("cannot create the files in /proc/%s\n", PROCTRACE_PROC_DIR);
	proc_remove(pt_proc_dir);
	return -ENOMEM;
}

void pt_procfs_exit(void)
{
	proc_remove(pt_proc_dir);
}
