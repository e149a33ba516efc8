// SPDX-License-Identifier: GPL-2.0-only
/*
 * proctrace: process lifecycle views from the proctrace kernel module.
 *
 * The command table and the global options. Each subcommand lives in its
 * own file; the data comes through source.h and leaves through output.h.
 */
#include <errno.h>
#include <locale.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "main.h"
#include "output.h"
#include "parse.h"
#include "source.h"
#include "util.h"

#define COMMON_SHORTOPTS "jphV"

enum {
	OPT_NO_COLOR = 1,
	OPT_BACKEND,
};

struct global_opts gopts;

static int do_help(int argc, char **argv);
static void help_help(FILE *fp);

static const struct cmd cmds[] = {
	{ "tree", do_tree, help_tree },
	{ "top", do_top, help_top },
	{ "watch", do_watch, help_watch },
	{ "stat", do_stat, help_stat },
	{ "zombies", do_zombies, help_zombies },
	{ "orphans", do_orphans, help_orphans },
	{ "kthreads", do_kthreads, help_kthreads },
	{ "show", do_show, help_show },
	{ "metrics", do_metrics, help_metrics },
	{ "bpf", do_bpf, help_bpf },
	{ "help", do_help, help_help },
};

static const struct option common_longopts[] = {
	{ "json", no_argument, NULL, 'j' },
	{ "pretty", no_argument, NULL, 'p' },
	{ "no-color", no_argument, NULL, OPT_NO_COLOR },
	{ "backend", required_argument, NULL, OPT_BACKEND },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ 0 }
};

/* The command running, for its help and its usage errors. */
static const struct cmd *cur_cmd;

static void print_usage(FILE *fp)
{
	fputs("Usage: proctrace [OPTIONS] COMMAND [ARGS...]\n"
	      "\n"
	      "Process lifecycle views from the proctrace kernel module, or from its\n"
	      "BPF backend where modules cannot load.\n"
	      "\n"
	      "Commands:\n"
	      "  tree       the process forest, pstree-like\n"
	      "  top        live fork/exec/exit rates, forkers, zombies, orphans\n"
	      "  watch      stream lifecycle events (fork, exec, exit, reap)\n"
	      "  stat       task counts by state and the module's counters\n"
	      "  zombies    zombies, grouped by the parent that does not reap them\n"
	      "  orphans    processes whose parent died, and who adopted them\n"
	      "  kthreads   kernel threads and kernel-created workers\n"
	      "  show       everything known about one task\n"
	      "  metrics    Prometheus text for node_exporter's textfile collector\n"
	      "  bpf        load, unload or inspect the BPF backend\n"
	      "  help       help on a command\n"
	      "\n"
	      "Options:\n"
	      "  -j, --json          JSON output\n"
	      "  -p, --pretty        indented JSON (implies --json)\n"
	      "      --no-color      no colors in text output\n"
	      "      --backend B     read from the module or bpf (default: the module\n"
	      "                      when loaded, else the BPF backend when loaded)\n"
	      "  -h, --help          show this help\n"
	      "  -V, --version       show the version, the ABI version and the backend\n"
	      "\n"
	      "A command may be abbreviated to any unambiguous prefix. Run\n"
	      "'proctrace COMMAND --help' for the options of a command.\n"
	      "\n"
	      "Environment:\n"
	      "  PROCTRACE_PROC_DIR  read the views from this directory instead of\n"
	      "                      /proc/proctrace\n"
	      "  PROCTRACE_BACKEND   module or bpf, as --backend\n"
	      "  NO_COLOR            no colors in text output\n"
	      "\n"
	      "Exit status: 0 success, 1 runtime error, 2 usage error.\n",
	      fp);
}

static void help_help(FILE *fp)
{
	fputs("Usage: proctrace help [COMMAND]\n"
	      "\n"
	      "Show the help of COMMAND, or the list of commands.\n"
	      "\n" COMMON_HELP,
	      fp);
}

static void __noreturn version(void)
{
	output_setup();
	out_begin(false);
	print_string(PRINT_FP, NULL, "proctrace %s", PROCTRACE_VERSION);
	print_string(PRINT_JSON, "version", NULL, PROCTRACE_VERSION);
	print_int(PRINT_ANY, "abi_version", " (proctrace ABI v%d)",
		  PT_ABI_VERSION);
	print_string(PRINT_ANY, "backend", ", backend: %s", src_backend_name());
	print_nl();
	out_end();
	exit(EXIT_OK);
}

void output_setup(void)
{
	const char *term = getenv("TERM");
	const char *no_color = getenv("NO_COLOR");
	struct out_opts o = {
		.json = gopts.json || gopts.pretty,
		.pretty = gopts.pretty,
	};

	/* https://no-color.org: any non-empty NO_COLOR turns colors off. */
	o.color = !gopts.no_color && isatty(STDOUT_FILENO) &&
		  !(no_color && *no_color) && !(term && !strcmp(term, "dumb"));
	gopts.json = o.json;
	out_init(stdout, &o);
}

int runtime_error(void)
{
	/* Under --json stdout gets the error too, as JSON (out_error()). */
	if ((gopts.json || gopts.pretty) && !out_is_json())
		output_setup();
	out_error(err_get());
	fflush(stdout);
	fprintf(stderr, "proctrace: %s\n", err_get());
	return EXIT_RUNTIME;
}

static void __noreturn usage_hint(void)
{
	if (cur_cmd)
		fprintf(stderr, "Try 'proctrace %s --help'.\n", cur_cmd->name);
	else
		fputs("Try 'proctrace --help'.\n", stderr);
	exit(EXIT_USAGE);
}

void usage_error(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	if (cur_cmd)
		fprintf(stderr, "proctrace %s: ", cur_cmd->name);
	else
		fputs("proctrace: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	usage_hint();
}

void no_more_args(int argc, char **argv)
{
	if (optind < argc)
		usage_error("unexpected argument '%s'", argv[optind]);
}

unsigned long long opt_positive(const char *what, const char *arg)
{
	unsigned long long v;

	if (parse_ull(arg, &v) || !v)
		usage_error("invalid %s '%s': expected a positive number", what,
			    arg);
	return v;
}

static bool is_common(int c)
{
	return c == 'j' || c == 'p' || c == 'h' || c == 'V' ||
	       c == OPT_NO_COLOR || c == OPT_BACKEND || c == '?' || c == ':';
}

/* Handle a global option, or an error getopt_long() has reported. */
static void common_opt(int c)
{
	switch (c) {
	case 'j':
		gopts.json = true;
		break;
	case 'p':
		gopts.pretty = true;
		break;
	case OPT_NO_COLOR:
		gopts.no_color = true;
		break;
	case OPT_BACKEND:
		if (src_set_backend(optarg))
			usage_error("--backend: %s", err_get());
		break;
	case 'h':
		if (cur_cmd)
			cur_cmd->help(stdout);
		else
			print_usage(stdout);
		exit(EXIT_OK);
	case 'V':
		version();
	default:
		usage_hint();
	}
}

int sub_getopt(int argc, char **argv, const char *shortopts,
	       const struct option *longopts)
{
	static const struct option *built_for;
	static struct option *merged;
	static char *shorts;
	size_t own = 0, len;
	int c;

	if (!merged || built_for != longopts) {
		while (longopts && longopts[own].name)
			own++;
		free(merged);
		free(shorts);
		merged = xcalloc(own + ARRAY_SIZE(common_longopts),
				 sizeof(*merged));
		if (own)
			memcpy(merged, longopts, own * sizeof(*merged));
		memcpy(merged + own, common_longopts, sizeof(common_longopts));
		len = strlen(shortopts);
		shorts = xmalloc(len + sizeof(COMMON_SHORTOPTS));
		memcpy(shorts, shortopts, len);
		memcpy(shorts + len, COMMON_SHORTOPTS,
		       sizeof(COMMON_SHORTOPTS));
		built_for = longopts;
	}
	while ((c = getopt_long(argc, argv, shorts, merged, NULL)) != -1) {
		if (!is_common(c))
			return c;
		common_opt(c);
	}
	return -1;
}

/* The command named name or by an unambiguous prefix of it. */
static const struct cmd *find_cmd(const char *name)
{
	const struct cmd *found = NULL;
	size_t i, len = strlen(name), matches = 0;
	char list[256] = "";

	for (i = 0; i < ARRAY_SIZE(cmds); i++) {
		if (!strcmp(cmds[i].name, name))
			return &cmds[i];
		if (!len || strncmp(cmds[i].name, name, len))
			continue;
		found = &cmds[i];
		matches++;
		if (strlen(list) + strlen(cmds[i].name) + 3 < sizeof(list)) {
			strcat(list, list[0] ? ", " : "");
			strcat(list, cmds[i].name);
		}
	}
	if (matches == 1)
		return found;
	if (matches > 1)
		usage_error("ambiguous command '%s': %s", name, list);
	usage_error("unknown command '%s'", name);
}

static int do_help(int argc, char **argv)
{
	const struct cmd *cmd;

	sub_getopt(argc, argv, "", NULL);
	if (optind == argc) {
		print_usage(stdout);
		return EXIT_OK;
	}
	if (argc - optind > 1)
		usage_error("too many arguments");
	cmd = find_cmd(argv[optind]);
	cmd->help(stdout);
	return EXIT_OK;
}

int main(int argc, char **argv)
{
	char name[64];
	int c, ret;

	/* Names and the tree drawing follow the user's character set. */
	setlocale(LC_CTYPE, "");

	/* "+": stop at the command; what follows is the command's. */
	while ((c = getopt_long(argc, argv, "+" COMMON_SHORTOPTS,
				common_longopts, NULL)) != -1)
		common_opt(c);
	if (optind == argc) {
		print_usage(stderr);
		return EXIT_USAGE;
	}
	cur_cmd = find_cmd(argv[optind]);
	argc -= optind;
	argv += optind;
	/* getopt_long() messages then read "proctrace tree: ...". */
	snprintf(name, sizeof(name), "proctrace %s", cur_cmd->name);
	argv[0] = name;
	optind = 0;
	ret = cur_cmd->func(argc, argv);

	if (fflush(stdout) || ferror(stdout)) {
		if (errno != EPIPE)
			fprintf(stderr, "proctrace: write error: %s\n",
				strerror(errno));
		return EXIT_RUNTIME;
	}
	return ret;
}
