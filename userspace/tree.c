// SPDX-License-Identifier: GPL-2.0-only
/*
 * proctrace tree: the process forest, or the subtree at one pid, drawn
 * like pstree, as nested JSON, or as a Graphviz digraph.
 */
#include <langinfo.h>
#include <stdlib.h>
#include <string.h>

#include "main.h"
#include "output.h"
#include "source.h"
#include "util.h"

enum tree_format {
	FMT_TEXT,
	FMT_DOT,
};

enum {
	OPT_THREADS = OPT_FIRST_CMD_OPT,
};

struct tree_opts {
	int root_pid;
	bool kthreads_only;
	bool no_kthreads;
	bool threads;
	bool ascii;
	enum tree_format format;
};

/* One line of the drawing: a process, or (with --threads) a thread. */
struct vnode {
	/* Index in the tree, or -1 for a thread line. */
	long proc;
	const struct pt_task *thread;
	/* Index of the parent line in the drawing, -1 for a root. */
	long vparent;
	unsigned int depth;
	/* The last child of its parent: draw a corner, not a tee. */
	bool last;
};

struct view {
	struct pt_tree tree;
	struct pt_tasks tasks;
	struct pt_orphans orphans;
	bool have_tasks;
	bool have_orphans;
	struct vnode *v;
	size_t n;
};

void help_tree(FILE *fp)
{
	fputs("Usage: proctrace tree [OPTIONS] [PID]\n"
	      "\n"
	      "Show the process forest, or the subtree rooted at PID, with each\n"
	      "process's state and thread count. Zombies, kernel threads and\n"
	      "orphans (processes whose parent died) are marked.\n"
	      "\n"
	      "Options:\n"
	      "  -k, --kthreads-only  only kernel threads\n"
	      "  -K, --no-kthreads    hide kernel threads\n"
	      "  -t, --threads        list the threads of each process\n"
	      "  -f, --format=FORMAT  text (default) or dot (Graphviz digraph)\n"
	      "  -A, --ascii          draw with ASCII characters only\n"
	      "\n" COMMON_HELP,
	      fp);
}

/* A process line is shown unless the kernel-thread options hide it. */
static bool proc_visible(const struct tree_opts *o, const struct pt_proc *p)
{
	if (o->no_kthreads && p->kthread)
		return false;
	if (o->kthreads_only && !p->kthread)
		return false;
	return true;
}

static void add_vnode(struct view *vw, long proc, const struct pt_task *thr,
		      long vparent)
{
	struct vnode *vn;

	vw->v = xrealloc(vw->v, vw->n + 1, sizeof(*vw->v));
	vn = &vw->v[vw->n++];
	vn->proc = proc;
	vn->thread = thr;
	vn->vparent = vparent;
	vn->depth = vparent < 0 ? 0 : vw->v[vparent].depth + 1;
	vn->last = false;
}

/* Lay out the lines to draw, in depth-first order, from [first, end). */
static void build_view(struct view *vw, const struct tree_opts *o, size_t first,
		       size_t end)
{
	long *line_of = xcalloc(vw->tree.n, sizeof(*line_of));
	bool *later;
	size_t i, j;

	for (i = 0; i < vw->tree.n; i++)
		line_of[i] = -1;
	for (i = first; i < end; i++) {
		const struct pt_proc *p = &vw->tree.v[i];
		long vparent = -1;
		size_t tfirst, nthr = 0;

		if (!proc_visible(o, p))
			continue;
		if (i != first && p->parent >= 0)
			vparent = line_of[p->parent];
		/* Under a hidden process, hidden too; unless re-rooted by -k. */
		if (vparent < 0 && i != first && p->parent >= 0 &&
		    !o->kthreads_only)
			continue;
		line_of[i] = (long)vw->n;
		add_vnode(vw, (long)i, NULL, vparent);
		if (o->threads && vw->have_tasks)
			nthr = pt_tasks_group(&vw->tasks, p->pid, &tfirst);
		for (j = 0; j < nthr; j++)
			if (vw->tasks.v[tfirst + j].pid != p->pid)
				add_vnode(vw, -1, &vw->tasks.v[tfirst + j],
					  line_of[i]);
	}
	free(line_of);

	/* A line is the last child if no later line has the same parent. */
	later = xcalloc(vw->n + 1, sizeof(*later));
	for (i = vw->n; i-- > 0;) {
		size_t slot = (size_t)(vw->v[i].vparent + 1);

		vw->v[i].last = !later[slot];
		later[slot] = true;
	}
	free(later);
}

static void orphan_tag(const struct pt_orphan *op, char *buf, size_t len)
{
	const char *kind = op->reaper_kind == PT_REAPER_SUBREAPER ?
				   ", reaped by subreaper" :
				   "";

	if (op->orig == PT_ORIG_KNOWN)
		snprintf(buf, len, "orphan of %d%s", op->orig_ppid, kind);
	else
		snprintf(buf, len, "orphan%s", kind);
}

static void print_proc_text(const struct view *vw, const struct vnode *vn)
{
	const struct pt_proc *p = &vw->tree.v[vn->proc];
	const struct pt_orphan *op =
		vw->have_orphans ? pt_orphans_find(&vw->orphans, p->pid) : NULL;
	enum out_color c = p->zombie  ? OUT_RED :
			   p->kthread ? OUT_BLUE :
			   op	      ? OUT_YELLOW :
					OUT_NONE;
	char comm[TEXT_ESC_LEN(PT_COMM_LEN)], tags[128] = "", tag[64];

	text_escape(p->comm, comm, sizeof(comm));
	print_text(c, "%s", comm);
	print_text(OUT_NONE, "(%d) %c", p->pid, p->state);
	if (p->threads > 1) {
		snprintf(tag, sizeof(tag), "%u threads", p->threads);
		strcat(tags, tag);
	}
	if (p->zombie)
		strcat(tags, tags[0] ? ", zombie" : "zombie");
	if (p->kthread)
		strcat(tags, tags[0] ? ", kthread" : "kthread");
	if (op) {
		orphan_tag(op, tag, sizeof(tag));
		if (tags[0])
			strcat(tags, ", ");
		strcat(tags, tag);
	}
	if (tags[0])
		print_text(c, " [%s]", tags);
}

static void print_text_tree(const struct view *vw, const struct tree_opts *o)
{
	bool utf8 = !o->ascii && !strcmp(nl_langinfo(CODESET), "UTF-8");
	const char *bar = utf8 ? "\u2502 " : "| ";
	const char *tee = utf8 ? "\u251c\u2500" : "|-";
	const char *corner = utf8 ? "\u2514\u2500" : "`-";
	/* more[d]: the ancestor at depth d has siblings still to come. */
	bool *more = xcalloc(vw->n + 1, sizeof(*more));
	size_t i;
	unsigned int d;

	for (i = 0; i < vw->n; i++) {
		const struct vnode *vn = &vw->v[i];

		for (d = 1; d < vn->depth; d++)
			print_text(OUT_DIM, "%s", more[d] ? bar : "  ");
		if (vn->depth)
			print_text(OUT_DIM, "%s", vn->last ? corner : tee);
		more[vn->depth] = !vn->last;
		if (vn->proc >= 0) {
			print_proc_text(vw, vn);
		} else {
			char comm[TEXT_ESC_LEN(PT_COMM_LEN)];

			text_escape(vn->thread->comm, comm, sizeof(comm));
			print_text(OUT_DIM, "{%s}(%d) %c", comm,
				   vn->thread->pid, vn->thread->state);
		}
		print_nl();
	}
	free(more);
}

static void print_threads_json(const struct view *vw, int tgid)
{
	size_t first, n, j;

	n = pt_tasks_group(&vw->tasks, tgid, &first);
	open_json_array("thread_list");
	for (j = 0; j < n; j++) {
		const struct pt_task *t = &vw->tasks.v[first + j];

		if (t->pid == tgid)
			continue;
		open_json_object(NULL);
		print_int(PRINT_JSON, "tid", NULL, t->pid);
		print_string(PRINT_JSON, "comm", NULL, t->comm);
		print_string(PRINT_JSON, "state", "%s",
			     (char[]){ t->state, '\0' });
		print_u64(PRINT_JSON, "start_ns", NULL, t->start_ns);
		close_json_object();
	}
	close_json_array();
}

static void print_proc_json(const struct view *vw, const struct vnode *vn,
			    const struct tree_opts *o)
{
	const struct pt_proc *p = &vw->tree.v[vn->proc];
	const struct pt_orphan *op =
		vw->have_orphans ? pt_orphans_find(&vw->orphans, p->pid) : NULL;

	print_int(PRINT_JSON, "pid", NULL, p->pid);
	if (p->parent >= 0)
		print_int(PRINT_JSON, "ppid", NULL, vw->tree.v[p->parent].pid);
	else
		print_null(PRINT_JSON, "ppid", NULL, NULL);
	print_string(PRINT_JSON, "comm", NULL, p->comm);
	print_string(PRINT_JSON, "state", NULL, (char[]){ p->state, '\0' });
	print_uint(PRINT_JSON, "threads", NULL, p->threads);
	print_bool(PRINT_JSON, "zombie", NULL, p->zombie);
	print_bool(PRINT_JSON, "kthread", NULL, p->kthread);
	if (op) {
		open_json_object("orphan");
		if (op->orig == PT_ORIG_KNOWN)
			print_int(PRINT_JSON, "orig_ppid", NULL, op->orig_ppid);
		else
			print_null(PRINT_JSON, "orig_ppid", NULL, NULL);
		print_int(PRINT_JSON, "reaper", NULL, op->reaper);
		print_string(PRINT_JSON, "reaper_kind", NULL,
			     pt_reaper_kind_names[op->reaper_kind]);
		print_u64(PRINT_JSON, "orphaned_ns", NULL, op->orphaned_ns);
		close_json_object();
	} else {
		print_null(PRINT_JSON, "orphan", NULL, NULL);
	}
	if (o->threads)
		print_threads_json(vw, p->pid);
}

/*
 * Nested JSON: each process is an object with a "children" array, left
 * open until the walk comes back above its depth.
 */
static void print_json_tree(const struct view *vw, const struct tree_opts *o)
{
	unsigned int open = 0;
	size_t i;

	out_begin(true);
	for (i = 0; i < vw->n; i++) {
		const struct vnode *vn = &vw->v[i];

		if (vn->proc < 0)
			continue;
		for (; open > vn->depth; open--) {
			close_json_array();
			close_json_object();
		}
		open_json_object(NULL);
		print_proc_json(vw, vn, o);
		open_json_array("children");
		open++;
	}
	for (; open > 0; open--) {
		close_json_array();
		close_json_object();
	}
	out_end();
}

/* A label for a double-quoted DOT string. */
static void dot_label(const char *comm, char *out, size_t len)
{
	char esc[TEXT_ESC_LEN(PT_COMM_LEN)];
	size_t n = 0;
	const char *s;

	text_escape(comm, esc, sizeof(esc));
	for (s = esc; *s && n + 2 < len; s++) {
		if (*s == '"' || *s == '\\')
			out[n++] = '\\';
		out[n++] = *s;
	}
	out[n] = '\0';
}

static void print_dot_proc(const struct view *vw, const struct vnode *vn)
{
	const struct pt_proc *p = &vw->tree.v[vn->proc];
	bool orphan = vw->have_orphans && pt_orphans_find(&vw->orphans, p->pid);
	char label[2 * TEXT_ESC_LEN(PT_COMM_LEN)];
	const char *style = "";

	if (p->zombie)
		style = ", style=filled, fillcolor=\"#f4b4b4\"";
	else if (p->kthread)
		style = ", color=\"#4060c0\"";
	else if (orphan)
		style = ", style=filled, fillcolor=\"#f4e4a4\"";
	dot_label(p->comm, label, sizeof(label));
	printf("\tp%d [label=\"%s(%d) %c%s%s\"%s];\n", p->pid, label, p->pid,
	       p->state, p->zombie ? "\\nzombie" : "",
	       orphan ? "\\norphan" : "", style);
	if (vn->vparent >= 0)
		printf("\tp%d -> p%d;\n",
		       vw->tree.v[vw->v[vn->vparent].proc].pid, p->pid);
}

static void print_dot_thread(const struct view *vw, const struct vnode *vn)
{
	const struct pt_task *t = vn->thread;
	char label[2 * TEXT_ESC_LEN(PT_COMM_LEN)];

	dot_label(t->comm, label, sizeof(label));
	printf("\tt%d [label=\"{%s}(%d) %c\", shape=ellipse, style=dashed];\n",
	       t->pid, label, t->pid, t->state);
	printf("\tp%d -> t%d [style=dashed, arrowhead=none];\n",
	       vw->tree.v[vw->v[vn->vparent].proc].pid, t->pid);
}

static void print_dot_tree(const struct view *vw)
{
	size_t i;

	printf("digraph proctrace {\n"
	       "\trankdir=LR;\n"
	       "\tnode [shape=box, fontname=\"monospace\", fontsize=10];\n");
	for (i = 0; i < vw->n; i++) {
		if (vw->v[i].proc >= 0)
			print_dot_proc(vw, &vw->v[i]);
		else
			print_dot_thread(vw, &vw->v[i]);
	}
	printf("}\n");
}

/* No process pid: say whether it is a thread, and of which process. */
static int no_such_process(struct view *vw, int pid)
{
	const struct pt_task *t;

	if (!vw->have_tasks && !src_read_tasks(&vw->tasks))
		vw->have_tasks = true;
	t = vw->have_tasks ? pt_tasks_find(&vw->tasks, pid) : NULL;
	if (t && t->tgid != pid)
		pt_err("pid %d is a thread of process %d; try: proctrace tree %d",
		       pid, t->tgid, t->tgid);
	else
		pt_err("no process with pid %d", pid);
	return runtime_error();
}

static enum tree_format opt_format(const char *arg)
{
	if (!strcmp(arg, "text"))
		return FMT_TEXT;
	if (!strcmp(arg, "dot"))
		return FMT_DOT;
	usage_error("unknown format '%s': use text or dot", arg);
}

int do_tree(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "kthreads-only", no_argument, NULL, 'k' },
		{ "no-kthreads", no_argument, NULL, 'K' },
		{ "threads", no_argument, NULL, 't' },
		{ "format", required_argument, NULL, 'f' },
		{ "ascii", no_argument, NULL, 'A' },
		{ 0 }
	};
	struct tree_opts o = { 0 };
	struct view vw = { 0 };
	size_t first = 0, end;
	int c, ret = EXIT_OK;

	while ((c = sub_getopt(argc, argv, "kKtf:A", opts)) != -1) {
		switch (c) {
		case 'k':
			o.kthreads_only = true;
			break;
		case 'K':
			o.no_kthreads = true;
			break;
		case 't':
			o.threads = true;
			break;
		case 'f':
			o.format = opt_format(optarg);
			break;
		case 'A':
			o.ascii = true;
			break;
		}
	}
	if (argc - optind > 1)
		usage_error("too many arguments");
	if (argc - optind == 1 && parse_pid_arg(argv[optind], &o.root_pid))
		usage_error("%s", err_get());
	if (o.kthreads_only && o.no_kthreads)
		usage_error("--kthreads-only excludes --no-kthreads");
	output_setup();
	if (o.format == FMT_DOT && out_is_json())
		usage_error("--format=dot excludes --json");

	if (src_read_tree(&vw.tree))
		return runtime_error();
	if (o.threads) {
		if (src_read_tasks(&vw.tasks)) {
			ret = runtime_error();
			goto out;
		}
		vw.have_tasks = true;
	}
	/* Orphan marks are a bonus: the tree is still right without them. */
	vw.have_orphans = !src_read_orphans(&vw.orphans);

	end = vw.tree.n;
	if (o.root_pid) {
		long idx = pt_tree_find(&vw.tree, o.root_pid);

		if (idx < 0) {
			ret = no_such_process(&vw, o.root_pid);
			goto out;
		}
		first = (size_t)idx;
		for (end = first + 1;
		     end < vw.tree.n &&
		     vw.tree.v[end].depth > vw.tree.v[first].depth;
		     end++)
			;
	}
	build_view(&vw, &o, first, end);

	if (o.format == FMT_DOT)
		print_dot_tree(&vw);
	else if (out_is_json())
		print_json_tree(&vw, &o);
	else
		print_text_tree(&vw, &o);
out:
	free(vw.v);
	pt_tree_free(&vw.tree);
	pt_tasks_free(&vw.tasks);
	pt_orphans_free(&vw.orphans);
	return ret;
}
