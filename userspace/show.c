// SPDX-License-Identifier: GPL-2.0-only
/*
 * proctrace show PID: everything every view knows about the process that
 * PID belongs to.
 */
#include <stdlib.h>
#include <string.h>

#include "fmt.h"
#include "main.h"
#include "output.h"
#include "source.h"
#include "util.h"

struct all {
	struct pt_tasks tasks;
	struct pt_tree tree;
	struct pt_zombies zombies;
	struct pt_orphans orphans;
	struct pt_kthreads kthreads;
};

static const char thread_columns[] =
	"      TID S FLAGS                AGE        COMM";

void help_show(FILE *fp)
{
	fputs("Usage: proctrace show [OPTIONS] PID\n"
	      "\n"
	      "Show everything known about the process PID belongs to (PID may be\n"
	      "any of its threads): state, start time, flags, its ancestors up to\n"
	      "the root, its children, its threads, and its zombie, orphan and\n"
	      "kernel thread details.\n"
	      "\n" COMMON_HELP,
	      fp);
}

static void print_chain(const struct all *a, long idx)
{
	long up;

	open_json_array("parent_chain");
	print_text(OUT_NONE, "  ancestry: ");
	print_int(PRINT_FP, NULL, "%d", a->tree.v[idx].pid);
	for (up = a->tree.v[idx].parent; up >= 0; up = a->tree.v[up].parent) {
		open_json_object(NULL);
		print_int(PRINT_ANY, "pid", " <- %d", a->tree.v[up].pid);
		print_comm(PRINT_ANY, OUT_NONE, "comm", " %s",
			   a->tree.v[up].comm);
		close_json_object();
	}
	close_json_array();
	print_nl();
}

static void print_children(const struct all *a, long idx)
{
	size_t i;
	bool any = false;

	open_json_array("children");
	print_text(OUT_NONE, "  children:");
	for (i = (size_t)idx + 1;
	     i < a->tree.n && a->tree.v[i].depth > a->tree.v[idx].depth; i++) {
		const struct pt_proc *c = &a->tree.v[i];

		if (c->parent != idx)
			continue;
		open_json_object(NULL);
		print_int(PRINT_ANY, "pid", " %d", c->pid);
		print_comm(PRINT_ANY, c->zombie ? OUT_RED : OUT_NONE, "comm",
			   "(%s)", c->comm);
		print_state(PRINT_JSON, "state", NULL, c->state);
		print_bool(PRINT_JSON, "zombie", NULL, c->zombie);
		close_json_object();
		any = true;
	}
	close_json_array();
	print_text(OUT_NONE, "%s\n", any ? "" : " none");
}

static void print_kthread_info(const struct pt_kthread *kt, enum output_type t)
{
	if (!kt) {
		print_null(PRINT_JSON, "kthread", NULL, NULL);
		return;
	}
	open_json_object("kthread");
	if (kt->cpu >= 0)
		print_int(t, "cpu", "cpu %d, ", kt->cpu);
	else
		print_null(t, "cpu", "cpu %s, ", "any");
	print_bits(t, "class", "class %s, ", kt->kclass, pt_kclass_names,
		   PT_KC_COUNT);
	print_string(t, "func", "func %s, ", kt->func[0] ? kt->func : NULL);
	print_string(t, "module", "module %s",
		     kt->module[0] ? kt->module : NULL);
	close_json_object();
}

static void print_threads(const struct all *a, int tgid, unsigned long long now)
{
	size_t first, n, i;

	n = pt_tasks_group(&a->tasks, tgid, &first);
	open_json_array("thread_list");
	print_text(OUT_DIM, "threads:\n%s\n", thread_columns);
	for (i = 0; i < n; i++) {
		const struct pt_task *t = &a->tasks.v[first + i];
		const struct pt_kthread *kt =
			pt_kthreads_find(&a->kthreads, t->pid);

		open_json_object(NULL);
		print_int(PRINT_ANY, "tid", "  %7d ", t->pid);
		print_state(PRINT_ANY, "state", "%s ", t->state);
		print_bits(PRINT_ANY, "flags", "%-20s ", t->flags,
			   pt_task_flag_names, PT_TF_COUNT);
		print_u64(PRINT_JSON, "start_ns", NULL, t->start_ns);
		print_duration(PRINT_ANY, "age_ns", "%-10s ",
			       now >= t->start_ns, now - t->start_ns);
		print_comm(PRINT_ANY, OUT_NONE, "comm", "%s", t->comm);
		/* Kernel workers inside a user process stand out. */
		if (kt && t->pid != tgid) {
			print_text(OUT_DIM, "  [kernel worker: ");
			print_kthread_info(kt, PRINT_ANY);
			print_text(OUT_DIM, "]");
		} else {
			print_kthread_info(kt, PRINT_JSON);
		}
		print_nl();
		close_json_object();
	}
	close_json_array();
}

static void print_zombie_info(const struct all *a, int tgid)
{
	const struct pt_zombie *zb = pt_zombies_find(&a->zombies, tgid);
	const struct pt_zparent *zp = pt_zombies_find_parent(&a->zombies, tgid);
	size_t i;

	if (zb) {
		open_json_object("zombie");
		print_string(PRINT_ANY, "kind", "  zombie:   %s, ",
			     zb->thread_group ? PROCTRACE_ZOMBIE_THREAD_GROUP :
						PROCTRACE_ZOMBIE_UNREAPED);
		print_duration(PRINT_ANY, "age_ns", "died %s ago, ",
			       zb->age_known, zb->age_ns);
		print_exit(PRINT_ANY, "exit", "%s\n", &zb->exit);
		close_json_object();
	} else {
		print_null(PRINT_JSON, "zombie", NULL, NULL);
	}
	if (!zp) {
		print_null(PRINT_JSON, "zombie_parent", NULL, NULL);
		return;
	}
	open_json_object("zombie_parent");
	print_color_uint(PRINT_ANY, OUT_RED, "zombies",
			 "  reaping:  %u unreaped zombie children, ",
			 zp->zombies);
	print_duration(PRINT_ANY, "oldest_ns", "oldest %s, ", zp->oldest_known,
		       zp->oldest_ns);
	print_bool(PRINT_ANY, "waited", "called wait(): %s;", zp->waited);
	open_json_array("children");
	for (i = 0; i < zp->n; i++)
		print_int(PRINT_ANY, NULL, " %d",
			  a->zombies.v[zp->first + i].pid);
	close_json_array();
	print_nl();
	close_json_object();
}

static void print_orphan_info(const struct all *a, int tgid,
			      unsigned long long now)
{
	const struct pt_orphan *op = pt_orphans_find(&a->orphans, tgid);

	if (!op) {
		print_null(PRINT_JSON, "orphan", NULL, NULL);
		return;
	}
	open_json_object("orphan");
	print_text(OUT_YELLOW, "  orphan:   forked by ");
	if (op->orig == PT_ORIG_KNOWN)
		print_int(PRINT_ANY, "orig_ppid", "%d", op->orig_ppid);
	else
		print_null(PRINT_ANY, "orig_ppid", "%s",
			   op->orig == PT_ORIG_UNKNOWN ?
				   "unknown" :
				   "a process outside this pid namespace");
	print_int(PRINT_ANY, "reaper", ", adopted by %d", op->reaper);
	print_string(PRINT_ANY, "reaper_kind", " (%s)",
		     pt_reaper_kind_names[op->reaper_kind]);
	print_u64(PRINT_JSON, "orphaned_ns", NULL, op->orphaned_ns);
	print_duration(PRINT_ANY, "orphaned_ago_ns", " %s ago\n",
		       now >= op->orphaned_ns, now - op->orphaned_ns);
	close_json_object();
}

static int show(struct all *a, int pid)
{
	const struct pt_task *t = pt_tasks_find(&a->tasks, pid), *lead;
	unsigned long long now = now_boottime_ns();
	const struct pt_kthread *kt;
	long idx;

	if (!t) {
		pt_err("no task with pid %d", pid);
		return runtime_error();
	}
	lead = pt_tasks_find(&a->tasks, t->tgid);
	if (!lead)
		lead = t;
	idx = pt_tree_find(&a->tree, lead->tgid);
	kt = pt_kthreads_find(&a->kthreads, lead->pid);

	out_begin(false);
	print_int(PRINT_JSON, "query_pid", NULL, pid);
	if (pid != lead->tgid)
		print_text(OUT_NONE, "pid %d is a thread of:\n", pid);
	print_int(PRINT_ANY, "pid", "process %d ", lead->tgid);
	print_comm(PRINT_ANY, OUT_BOLD, "comm", "(%s)\n", lead->comm);
	print_state(PRINT_ANY, "state", "  state:    %s", lead->state);
	print_text(OUT_NONE, " (%s)\n", pt_state_name(lead->state));
	print_int(PRINT_ANY, "ppid", "  parent:   %d\n", lead->ppid);
	print_uint(PRINT_ANY, "threads", "  threads:  %u\n", lead->threads);
	print_bits(PRINT_ANY, "flags", "  flags:    %s\n", lead->flags,
		   pt_task_flag_names, PT_TF_COUNT);
	print_u64(PRINT_ANY, "start_ns", "  started:  %llu ns after boot",
		  lead->start_ns);
	print_duration(PRINT_ANY, "age_ns", ", %s ago\n", now >= lead->start_ns,
		       now - lead->start_ns);
	if (idx >= 0) {
		print_chain(a, idx);
		print_children(a, idx);
	} else {
		/* The tasks and tree snapshots were taken apart. */
		print_null(PRINT_JSON, "parent_chain", NULL, NULL);
		print_null(PRINT_JSON, "children", NULL, NULL);
	}
	if (kt)
		print_text(OUT_BLUE, "  kthread:  ");
	print_kthread_info(kt, PRINT_ANY);
	if (kt)
		print_nl();
	print_zombie_info(a, lead->tgid);
	print_orphan_info(a, lead->tgid, now);
	print_threads(a, lead->tgid, now);
	out_end();
	return EXIT_OK;
}

int do_show(int argc, char **argv)
{
	struct all a = { 0 };
	int pid, ret = EXIT_RUNTIME;

	sub_getopt(argc, argv, "", NULL);
	if (argc - optind != 1)
		usage_error(argc == optind ? "missing PID" :
					     "too many arguments");
	if (parse_pid_arg(argv[optind], &pid))
		usage_error("%s", err_get());
	output_setup();

	if (src_read_tasks(&a.tasks) || src_read_tree(&a.tree) ||
	    src_read_zombies(&a.zombies) || src_read_orphans(&a.orphans) ||
	    src_read_kthreads(&a.kthreads))
		ret = runtime_error();
	else
		ret = show(&a, pid);
	pt_tasks_free(&a.tasks);
	pt_tree_free(&a.tree);
	pt_zombies_free(&a.zombies);
	pt_orphans_free(&a.orphans);
	pt_kthreads_free(&a.kthreads);
	return ret;
}
