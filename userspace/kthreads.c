// SPDX-License-Identifier: GPL-2.0-only
/*
 * proctrace kthreads: kernel threads, and the kernel-created workers
 * (io_uring, vhost) that live inside user processes.
 */
#include <stdlib.h>
#include <string.h>

#include "fmt.h"
#include "main.h"
#include "output.h"
#include "source.h"
#include "util.h"

/* Text column widths, fitted to the longest value shown. */
struct widths {
	int kclass;
	int func;
	int module;
};

void help_kthreads(FILE *fp)
{
	fputs("Usage: proctrace kthreads [OPTIONS]\n"
	      "\n"
	      "List kernel threads and the kernel-created workers inside user\n"
	      "processes, with the CPU they are bound to, their class, the thread\n"
	      "function and the module that owns it.\n"
	      "\n"
	      "Options:\n"
	      "  -c, --class=CLASS    only threads of this class (kthreadd, percpu,\n"
	      "                       worker, parked, idle, io_worker, user_worker,\n"
	      "                       other); repeat or separate with commas\n"
	      "  -m, --module=MODULE  only threads whose function is in MODULE\n"
	      "\n" COMMON_HELP,
	      fp);
}

static bool wanted(const struct pt_kthread *kt, unsigned int classes,
		   const char *module)
{
	if (classes && !(kt->kclass & classes))
		return false;
	return !module || !strcmp(kt->module, module);
}

static int max_int(int a, int b)
{
	return a > b ? a : b;
}

static int class_len(unsigned int kclass)
{
	unsigned int i;
	int len = -1;

	for (i = 0; i < PT_KC_COUNT; i++)
		if (kclass & (1U << i))
			len += (int)strlen(pt_kclass_names[i]) + 1;
	return len;
}

static void fit(struct widths *w, const struct pt_kthread *kt)
{
	w->kclass = max_int(w->kclass, class_len(kt->kclass));
	w->func = max_int(w->func, (int)strlen(kt->func));
	w->module = max_int(w->module, (int)strlen(kt->module));
}

/* A "%-<width>s " format. */
static const char *pad(char *buf, size_t len, int width)
{
	snprintf(buf, len, "%%-%ds ", width);
	return buf;
}

static void print_header(const struct widths *w)
{
	print_text(OUT_DIM, "    PID    PPID S CPU %-*s %-*s %-*s COMM\n",
		   w->kclass, "CLASS", w->func, "FUNC", w->module, "MODULE");
}

static void print_kthread(const struct pt_kthread *kt, const struct widths *w)
{
	char fmt[16];

	open_json_object(NULL);
	print_int(PRINT_ANY, "pid", "%7d ", kt->pid);
	print_int(PRINT_ANY, "ppid", "%7d ", kt->ppid);
	print_state(PRINT_ANY, "state", "%s ", kt->state);
	if (kt->cpu >= 0)
		print_int(PRINT_ANY, "cpu", "%3d ", kt->cpu);
	else
		print_null(PRINT_ANY, "cpu", "%3s ", "-");
	print_bits(PRINT_ANY, "class", pad(fmt, sizeof(fmt), w->kclass),
		   kt->kclass, pt_kclass_names, PT_KC_COUNT);
	print_string(PRINT_ANY, "func", pad(fmt, sizeof(fmt), w->func),
		     kt->func[0] ? kt->func : NULL);
	print_string(PRINT_ANY, "module", pad(fmt, sizeof(fmt), w->module),
		     kt->module[0] ? kt->module : NULL);
	print_comm(PRINT_ANY, OUT_NONE, "comm", "%s\n", kt->comm);
	close_json_object();
}

static unsigned int parse_classes(const struct strlist *l)
{
	unsigned int bits = 0, j;
	size_t i;

	for (i = 0; i < l->n; i++) {
		for (j = 0; j < PT_KC_COUNT; j++)
			if (!strcmp(l->v[i], pt_kclass_names[j]))
				break;
		if (j == PT_KC_COUNT)
			usage_error("unknown class '%s'", l->v[i]);
		bits |= 1U << j;
	}
	return bits;
}

int do_kthreads(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "class", required_argument, NULL, 'c' },
		{ "module", required_argument, NULL, 'm' },
		{ 0 }
	};
	struct strlist classes = { 0 };
	const char *module = NULL;
	struct widths w = { 5, 4, 6 };
	struct pt_kthreads k;
	unsigned int bits;
	size_t i;
	int c;

	while ((c = sub_getopt(argc, argv, "c:m:", opts)) != -1) {
		switch (c) {
		case 'c':
			strlist_add_csv(&classes, optarg);
			break;
		case 'm':
			module = optarg;
			break;
		}
	}
	no_more_args(argc, argv);
	bits = parse_classes(&classes);
	strlist_free(&classes);
	output_setup();
	if (src_read_kthreads(&k))
		return runtime_error();

	for (i = 0; i < k.n; i++)
		if (wanted(&k.v[i], bits, module))
			fit(&w, &k.v[i]);
	out_begin(true);
	print_header(&w);
	for (i = 0; i < k.n; i++)
		if (wanted(&k.v[i], bits, module))
			print_kthread(&k.v[i], &w);
	out_end();
	pt_kthreads_free(&k);
	return EXIT_OK;
}
