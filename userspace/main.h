/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What main.c shares with the subcommands: the command table, the global
 * options, exit codes and the option parsing every subcommand does the
 * same way.
 */
#ifndef PROCTRACE_MAIN_H
#define PROCTRACE_MAIN_H

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>

enum {
	EXIT_OK = 0,
	EXIT_RUNTIME = 1,
	EXIT_USAGE = 2,
};

struct cmd {
	const char *name;
	int (*func)(int argc, char **argv);
	void (*help)(FILE *fp);
};

struct global_opts {
	bool json;
	bool pretty;
	bool no_color;
};

extern struct global_opts gopts;

/* Values of long options without a short form start here. */
#define OPT_FIRST_CMD_OPT 0x100

/* The global options' help, for the help of each subcommand. */
#define COMMON_HELP                                              \
	"Global options:\n"                                      \
	"  -j, --json          JSON output\n"                    \
	"  -p, --pretty        indented JSON (implies --json)\n" \
	"      --no-color      no colors in text output\n"       \
	"      --backend B     read from the module or bpf\n"    \
	"  -h, --help          show this help\n"                 \
	"  -V, --version       show the version, ABI and backend\n"

/*
 * getopt_long() over a subcommand's own options plus the global ones,
 * which every subcommand accepts after its name ("proctrace tree -j"),
 * as users type them. Returns the next own option, or -1 when options
 * end; handles the global ones itself, and exits on --help, --version
 * and unknown options.
 */
int sub_getopt(int argc, char **argv, const char *shortopts,
	       const struct option *longopts);
/* Usage error exit when arguments are left after the options. */
void no_more_args(int argc, char **argv);
/* A positive number option argument, or a usage error naming what. */
unsigned long long opt_positive(const char *what, const char *arg);
/* A usage error in the running command: message, hint, exit 2. */
__printf(1, 2) void __noreturn usage_error(const char *fmt, ...);
/* Start the output layer once options are parsed. */
void output_setup(void);
/*
 * Print err_get() on stderr, and under --json as {"error": ...} on stdout
 * too; return EXIT_RUNTIME.
 */
int runtime_error(void);

int do_tree(int argc, char **argv);
int do_top(int argc, char **argv);
int do_watch(int argc, char **argv);
int do_stat(int argc, char **argv);
int do_zombies(int argc, char **argv);
int do_orphans(int argc, char **argv);
int do_kthreads(int argc, char **argv);
int do_show(int argc, char **argv);
int do_metrics(int argc, char **argv);
int do_bpf(int argc, char **argv);

void help_tree(FILE *fp);
void help_top(FILE *fp);
void help_watch(FILE *fp);
void help_stat(FILE *fp);
void help_zombies(FILE *fp);
void help_orphans(FILE *fp);
void help_kthreads(FILE *fp);
void help_show(FILE *fp);
void help_metrics(FILE *fp);
void help_bpf(FILE *fp);

#endif /* PROCTRACE_MAIN_H */
