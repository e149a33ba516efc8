// SPDX-License-Identifier: GPL-2.0-only
/*
 * proctrace orphans: processes whose parent died while they lived, and
 * who adopted them.
 */
#include <stdlib.h>

#include "fmt.h"
#include "main.h"
#include "output.h"
#include "source.h"
#include "util.h"

static const char columns[] =
	"    PID ORIG_PPID  REAPER KIND      AGO       COMM";

void help_orphans(FILE *fp)
{
	fputs("Usage: proctrace orphans [OPTIONS]\n"
	      "\n"
	      "List the live processes whose parent process exited since the\n"
	      "module was loaded: who forked them (unknown for processes born\n"
	      "before the module was loaded, - when not visible in this pid\n"
	      "namespace), who reaps them now (init, a subreaper, or other), and\n"
	      "how long ago they were orphaned.\n"
	      "\n" COMMON_HELP,
	      fp);
}

static const char *const orig_names[] = {
	[PT_ORIG_KNOWN] = "known",
	[PT_ORIG_UNKNOWN] = "unknown",
	[PT_ORIG_HIDDEN] = "hidden",
};

static void print_orphan(const struct pt_orphan *op, unsigned long long now)
{
	open_json_object(NULL);
	print_int(PRINT_ANY, "pid", "%7d ", op->pid);
	if (op->orig == PT_ORIG_KNOWN)
		print_int(PRINT_ANY, "orig_ppid", "%9d ", op->orig_ppid);
	else
		print_null(PRINT_ANY, "orig_ppid", "%9s ",
			   op->orig == PT_ORIG_UNKNOWN ? "unknown" : "-");
	print_string(PRINT_JSON, "orig_ppid_status", NULL,
		     orig_names[op->orig]);
	print_int(PRINT_ANY, "reaper", "%7d ", op->reaper);
	print_string(PRINT_ANY, "reaper_kind", "%-10s",
		     pt_reaper_kind_names[op->reaper_kind]);
	print_u64(PRINT_JSON, "orphaned_ns", NULL, op->orphaned_ns);
	/* A fixture or a suspend-adjusted clock can put it in the future. */
	print_duration(PRINT_ANY, "orphaned_ago_ns", "%-10s",
		       now >= op->orphaned_ns, now - op->orphaned_ns);
	print_comm(PRINT_ANY, OUT_YELLOW, "comm", "%s\n", op->comm);
	close_json_object();
}

int do_orphans(int argc, char **argv)
{
	unsigned long long now;
	struct pt_orphans o;
	size_t i;

	sub_getopt(argc, argv, "", NULL);
	no_more_args(argc, argv);
	output_setup();
	if (src_read_orphans(&o))
		return runtime_error();
	now = now_boottime_ns();

	out_begin(true);
	if (!o.n)
		print_text(OUT_NONE, "no orphans\n");
	else
		print_text(OUT_DIM, "%s\n", columns);
	for (i = 0; i < o.n; i++)
		print_orphan(&o.v[i], now);
	out_end();
	pt_orphans_free(&o);
	return EXIT_OK;
}
