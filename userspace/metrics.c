// SPDX-License-Identifier: GPL-2.0-only
/*
 * proctrace metrics: the views as Prometheus text exposition format
 * (version 0.0.4, what node_exporter's textfile collector reads), or as
 * OpenMetrics 1.0.0 with --openmetrics. The two differ only in how a
 * counter's family is named and in the final "# EOF".
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "main.h"
#include "parse.h"
#include "source.h"
#include "util.h"

enum {
	OPT_OPENMETRICS = OPT_FIRST_CMD_OPT,
};

struct exposition {
	FILE *fp;
	bool openmetrics;
};

void help_metrics(FILE *fp)
{
	fputs("Usage: proctrace metrics [OPTIONS]\n"
	      "\n"
	      "Print the task counts, the zombies by parent, the orphans and the\n"
	      "module's counters in the Prometheus text exposition format, for\n"
	      "node_exporter's textfile collector.\n"
	      "\n"
	      "Options:\n"
	      "  -o, --output=FILE    write to FILE atomically (a temporary file\n"
	      "                       renamed over it), as the collector needs;\n"
	      "                       FILE keeps its mode, a symlink is written\n"
	      "                       through, anything but a regular file is\n"
	      "                       refused\n"
	      "      --openmetrics    OpenMetrics 1.0.0 text instead, ending in # EOF\n"
	      "\n" COMMON_HELP,
	      fp);
}

/* A HELP text: backslash and newline escaped. */
static void put_help(FILE *fp, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\')
			fputs("\\\\", fp);
		else if (*s == '\n')
			fputs("\\n", fp);
		else
			fputc(*s, fp);
	}
}

/* A label value: UTF-8, with backslash, quote and newline escaped. */
static void put_label_value(FILE *fp, const char *v)
{
	char *clean = utf8_sanitize(v);
	const char *s;

	for (s = clean; *s; s++) {
		if (*s == '\\')
			fputs("\\\\", fp);
		else if (*s == '"')
			fputs("\\\"", fp);
		else if (*s == '\n')
			fputs("\\n", fp);
		else
			fputc(*s, fp);
	}
	free(clean);
}

/*
 * The HELP and TYPE lines of a family. name is the sample name; for a
 * counter OpenMetrics names the family without the "_total" suffix.
 */
static void family(const struct exposition *ex, const char *name,
		   const char *type, const char *help)
{
	size_t len = strlen(name);

	if (ex->openmetrics && !strcmp(type, "counter") && len > 6 &&
	    !strcmp(name + len - 6, "_total"))
		len -= 6;
	fprintf(ex->fp, "# HELP %.*s ", (int)len, name);
	put_help(ex->fp, help);
	fprintf(ex->fp, "\n# TYPE %.*s %s\n", (int)len, name, type);
}

static void scalars(const struct exposition *ex, const struct pt_stats *s)
{
	char name[64];
	size_t i;

	for (i = 0; i < pt_stat_ndescs; i++) {
		const struct pt_stat_desc *d = &pt_stat_descs[i];
		bool counter = d->type == PT_COUNTER;

		snprintf(name, sizeof(name), "proctrace_%s%s", d->name,
			 counter ? "_total" : "");
		family(ex, name, counter ? "counter" : "gauge", d->help);
		fprintf(ex->fp, "%s %llu\n", name, pt_stat_get(s, d));
	}
}

static void states(const struct exposition *ex, const struct pt_stats *s)
{
	unsigned int i;

	family(ex, "proctrace_tasks", "gauge",
	       "Tasks (threads included) by state letter, as in /proc/PID/stat.");
	for (i = 0; i < PT_NSTATES; i++)
		fprintf(ex->fp, "proctrace_tasks{state=\"%c\"} %llu\n",
			PROCTRACE_STATE_LETTERS[i], s->state[i]);
}

static void zombie_metrics(const struct exposition *ex,
			   const struct pt_zombies *z)
{
	size_t i;

	family(ex, "proctrace_zombies_by_parent", "gauge",
	       "Unreaped zombies by the parent process that has not reaped them.");
	for (i = 0; i < z->nparents; i++) {
		fprintf(ex->fp,
			"proctrace_zombies_by_parent{ppid=\"%d\",comm=\"",
			z->parents[i].pid);
		put_label_value(ex->fp, z->parents[i].comm);
		fprintf(ex->fp, "\"} %u\n", z->parents[i].zombies);
	}
	family(ex, "proctrace_zombies_oldest_age_seconds", "gauge",
	       "Age of the oldest unreaped zombie of a parent, when known.");
	for (i = 0; i < z->nparents; i++) {
		const struct pt_zparent *zp = &z->parents[i];

		if (!zp->oldest_known)
			continue;
		fprintf(ex->fp,
			"proctrace_zombies_oldest_age_seconds{ppid=\"%d\",comm=\"",
			zp->pid);
		put_label_value(ex->fp, zp->comm);
		fprintf(ex->fp, "\"} %llu.%09llu\n",
			zp->oldest_ns / NSEC_PER_SEC,
			zp->oldest_ns % NSEC_PER_SEC);
	}
}

static void build_info(const struct exposition *ex)
{
	if (ex->openmetrics)
		family(ex, "proctrace_build", "info",
		       "The proctrace CLI that wrote these metrics.");
	else
		family(ex, "proctrace_build_info", "gauge",
		       "The proctrace CLI that wrote these metrics.");
	fprintf(ex->fp,
		"proctrace_build_info{version=\"%s\",abi_version=\"%d\"} 1\n",
		PROCTRACE_VERSION, PT_ABI_VERSION);
}

static void expose(const struct exposition *ex, const struct pt_stats *s,
		   const struct pt_zombies *z)
{
	build_info(ex);
	scalars(ex, s);
	states(ex, s);
	zombie_metrics(ex, z);
	if (ex->openmetrics)
		fputs("# EOF\n", ex->fp);
}

/*
 * The file -o replaces: PATH, or the file a symlink at PATH names (written
 * through, as a shell's > would, so the link stays). Returns it allocated,
 * with @st filled and @exists set when it is there already, or NULL after
 * saying why. Anything but a regular file is refused: the rename() below
 * would replace a device node (/dev/full, as root), a FIFO or a directory
 * entry with a plain file.
 */
static char *metrics_target(const char *path, struct stat *st, bool *exists)
{
	char *target, *copy, *dir;

	*exists = !stat(path, st);
	if (*exists) {
		if (!S_ISREG(st->st_mode)) {
			pt_err("%s is not a regular file; -o writes a textfile collector file, give a file's path",
			       path);
			return NULL;
		}
		target = realpath(path, NULL);
		if (!target)
			pt_err("%s: %s", path, strerror(errno));
		return target;
	}
	if (errno != ENOENT) {
		pt_err("%s: %s", path, strerror(errno));
		return NULL;
	}
	if (!lstat(path, st)) {
		pt_err("%s is a symbolic link to nothing; remove it or give another path",
		       path);
		return NULL;
	}
	copy = xstrdup(path);
	dir = dirname(copy);
	if (stat(dir, st) || !S_ISDIR(st->st_mode)) {
		pt_err("cannot write %s: %s is not a directory that exists",
		       path, dir);
		free(copy);
		return NULL;
	}
	free(copy);
	return xstrdup(path);
}

/*
 * Write through a temporary file in the same directory, renamed over the
 * target, so a scraper never reads half of it. A file that was there keeps
 * its mode, and its owner when we may set it (as root).
 */
static int write_atomically(const char *path, const struct pt_stats *s,
			    const struct pt_zombies *z, bool openmetrics)
{
	struct exposition ex = { .openmetrics = openmetrics };
	char *target, *tmp, *copy;
	struct stat st;
	bool exists;
	size_t len;
	int fd, e;

	target = metrics_target(path, &st, &exists);
	if (!target)
		return -1;
	len = strlen(target) + 32;
	tmp = xmalloc(len);
	snprintf(tmp, len, "%s.tmp.%d", target, (int)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	ex.fp = fd < 0 ? NULL : fdopen(fd, "w");
	if (!ex.fp) {
		e = errno;
		copy = xstrdup(target);
		pt_err("cannot create a file in %s (for %s): %s", dirname(copy),
		       path, strerror(e));
		free(copy);
		if (fd >= 0) {
			close(fd);
			unlink(tmp);
		}
		free(tmp);
		free(target);
		return -1;
	}
	e = 0;
	if (exists) {
		if (fchmod(fd, st.st_mode & 07777))
			e = errno;
		if (!e && geteuid() == 0 && fchown(fd, st.st_uid, st.st_gid))
			e = errno;
	}
	if (!e) {
		expose(&ex, s, z);
		e = fflush(ex.fp) || fsync(fd) ? errno : 0;
	}
	if (fclose(ex.fp) && !e)
		e = errno;
	if (!e && rename(tmp, target))
		e = errno;
	if (e) {
		pt_err("%s: %s", path, strerror(e));
		unlink(tmp);
	}
	free(tmp);
	free(target);
	return e ? -1 : 0;
}

int do_metrics(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "openmetrics", no_argument, NULL, OPT_OPENMETRICS },
		{ 0 }
	};
	struct exposition ex = { .fp = stdout };
	const char *path = NULL;
	struct pt_zombies z;
	struct pt_stats s;
	int c, ret = EXIT_OK;

	while ((c = sub_getopt(argc, argv, "o:", opts)) != -1) {
		switch (c) {
		case 'o':
			path = optarg;
			break;
		case OPT_OPENMETRICS:
			ex.openmetrics = true;
			break;
		}
	}
	no_more_args(argc, argv);
	if (gopts.json || gopts.pretty)
		usage_error("--json does not apply to Prometheus text");
	if (src_read_stats(&s) || src_read_zombies(&z))
		return runtime_error();

	if (path) {
		if (write_atomically(path, &s, &z, ex.openmetrics))
			ret = runtime_error();
	} else {
		expose(&ex, &s, &z);
	}
	pt_zombies_free(&z);
	return ret;
}
