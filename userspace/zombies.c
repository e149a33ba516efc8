// SPDX-License-Identifier: GPL-2.0-only
/*
 * proctrace zombies: zombies grouped by the parent that has not reaped
 * them, worst parent first.
 */
#include <stdlib.h>

#include "fmt.h"
#include "main.h"
#include "output.h"
#include "source.h"
#include "util.h"

static const char columns[] =
	"      PID    PPID KIND         AGE      EXIT              COMM";

void help_zombies(FILE *fp)
{
	fputs("Usage: proctrace zombies [OPTIONS]\n"
	      "\n"
	      "List zombies grouped by the parent that has not reaped them, the\n"
	      "parent with the most zombies first. For each parent: how many\n"
	      "zombies, the age of the oldest, and whether it ever called wait().\n"
	      "For each zombie: its kind (unreaped, or thread_group when other\n"
	      "threads of its group still run), how long ago it died, and how.\n"
	      "\n" COMMON_HELP,
	      fp);
}

static void print_parent(const struct pt_zombies *z,
			 const struct pt_zparent *zp)
{
	size_t i;

	open_json_object(NULL);
	print_text(OUT_BOLD, "parent ");
	print_int(PRINT_ANY, "pid", "%d ", zp->pid);
	print_comm(PRINT_ANY, OUT_BOLD, "comm", "%s: ", zp->comm);
	print_color_uint(PRINT_ANY, zp->zombies ? OUT_RED : OUT_NONE, "zombies",
			 zp->zombies == 1 ? "%u zombie" : "%u zombies",
			 zp->zombies);
	print_duration(PRINT_ANY, "oldest_ns", ", oldest %s", zp->oldest_known,
		       zp->oldest_ns);
	print_bool(PRINT_JSON, "waited", NULL, zp->waited);
	print_text(OUT_NONE, zp->waited ? ", has called wait()\n" :
					  ", never called wait()\n");
	open_json_array("children");
	for (i = 0; i < zp->n; i++) {
		const struct pt_zombie *zb = &z->v[zp->first + i];

		open_json_object(NULL);
		print_int(PRINT_ANY, "pid", "  %7d ", zb->pid);
		print_int(PRINT_ANY, "ppid", "%7d ", zb->ppid);
		print_string(PRINT_ANY, "kind", "%-13s",
			     zb->thread_group ? PROCTRACE_ZOMBIE_THREAD_GROUP :
						PROCTRACE_ZOMBIE_UNREAPED);
		print_duration(PRINT_ANY, "age_ns", "%-9s", zb->age_known,
			       zb->age_ns);
		print_exit(PRINT_ANY, "exit", "%-18s", &zb->exit);
		print_comm(PRINT_ANY, OUT_RED, "comm", "%s\n", zb->comm);
		close_json_object();
	}
	close_json_array();
	close_json_object();
}

int do_zombies(int argc, char **argv)
{
	struct pt_zombies z;
	size_t i;

	sub_getopt(argc, argv, "", NULL);
	no_more_args(argc, argv);
	output_setup();
	if (src_read_zombies(&z))
		return runtime_error();

	out_begin(true);
	if (!z.nparents)
		print_text(OUT_NONE, "no zombies\n");
	else
		print_text(OUT_DIM, "%s\n", columns);
	for (i = 0; i < z.nparents; i++)
		print_parent(&z, &z.parents[i]);
	out_end();
	pt_zombies_free(&z);
	return EXIT_OK;
}
