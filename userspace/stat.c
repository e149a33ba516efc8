// SPDX-License-Identifier: GPL-2.0-only
/*
 * proctrace stat: task counts by state and the module's counters.
 */
#include <stdlib.h>

#include "main.h"
#include "output.h"
#include "source.h"
#include "util.h"

static const char table_full_hint[] =
	"          (the table was full: load the module with a larger max_tracked)";

void help_stat(FILE *fp)
{
	fputs("Usage: proctrace stat [OPTIONS]\n"
	      "\n"
	      "Show how many processes, threads and kernel threads there are, how\n"
	      "many tasks are in each state, the zombies and orphans, and the\n"
	      "module's counters: forks, execs, exits, reaps and waits since it was\n"
	      "loaded, event stream records written and lost, and the use of its\n"
	      "lifecycle table.\n"
	      "\n" COMMON_HELP,
	      fp);
}

int do_stat(int argc, char **argv)
{
	struct pt_stats s;
	unsigned int i;

	sub_getopt(argc, argv, "", NULL);
	no_more_args(argc, argv);
	output_setup();
	if (src_read_stats(&s))
		return runtime_error();

	out_begin(false);
	print_string(PRINT_ANY, "backend", "backend:  %s\n",
		     src_backend_name());
	print_u64(PRINT_ANY, "processes", "tasks:    %llu processes, ",
		  s.processes);
	print_u64(PRINT_ANY, "threads", "%llu threads, ", s.threads);
	print_u64(PRINT_ANY, "kthreads", "%llu kernel threads\n", s.kthreads);

	print_text(OUT_NONE, "states:  ");
	open_json_object("states");
	for (i = 0; i < PT_NSTATES; i++) {
		char key[2] = { PROCTRACE_STATE_LETTERS[i], '\0' };

		print_text(OUT_NONE, " %s ", key);
		print_u64(PRINT_ANY, key, "%llu", s.state[i]);
	}
	close_json_object();
	print_nl();

	print_color_u64(PRINT_ANY, s.zombies ? OUT_RED : OUT_NONE, "zombies",
			"zombies:  %llu\n", s.zombies);
	print_color_u64(PRINT_ANY, s.orphans ? OUT_YELLOW : OUT_NONE, "orphans",
			"orphans:  %llu\n", s.orphans);
	print_text(OUT_NONE, "since the module was loaded:\n");
	print_u64(PRINT_ANY, "forks", "  forks %llu, ", s.forks);
	print_u64(PRINT_ANY, "execs", "execs %llu, ", s.execs);
	print_u64(PRINT_ANY, "exits", "exits %llu, ", s.exits);
	print_u64(PRINT_ANY, "reaps", "reaps %llu, ", s.reaps);
	print_u64(PRINT_ANY, "waits", "waits %llu\n", s.waits);
	print_u64(PRINT_ANY, "events", "events:   %llu written, ", s.events);
	print_color_u64(PRINT_ANY, s.events_lost ? OUT_ALERT : OUT_NONE,
			"events_lost", "%llu lost\n", s.events_lost);
	print_u64(PRINT_ANY, "table_used", "table:    %llu of ", s.table_used);
	print_u64(PRINT_ANY, "table_size", "%llu entries used, ", s.table_size);
	print_color_u64(PRINT_ANY, s.table_dropped ? OUT_ALERT : OUT_NONE,
			"table_dropped", "%llu processes not tracked\n",
			s.table_dropped);
	if (s.table_dropped)
		print_text(OUT_NONE, "%s\n", table_full_hint);
	out_end();
	return EXIT_OK;
}
