// SPDX-License-Identifier: GPL-2.0-only
/*
 * Parsers of the /proc/proctrace text formats. They are strict: a line
 * that does not follow Documentation/abi.rst is an error naming the file
 * and line, because a silently misread column would show users wrong
 * numbers with no hint that the module and the CLI disagree.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"
#include "util.h"

/* Where in which file we are, for messages. */
struct pos {
	const char *file;
	unsigned int line;
};

__printf(2, 3) static int bad(const struct pos *p, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (p->line)
		pt_err("%s line %u: %s", p->file, p->line, msg);
	else
		pt_err("%s: %s", p->file, msg);
	return -EBADMSG;
}

int pt_parse_header(const char *line, const char *file, const char *columns)
{
	static const char prefix[] = PROCTRACE_HEADER_PREFIX " ";
	size_t flen = strlen(file);
	const char *p = line, *rest;
	unsigned long long ver = 0;
	char num[24];
	size_t n;

	if (strncmp(p, prefix, sizeof(prefix) - 1)) {
		pt_err("%s: not a proctrace file: the first line is not a \"%s\" header",
		       file, PROCTRACE_HEADER_PREFIX);
		return -EBADMSG;
	}
	p += sizeof(prefix) - 1;
	if (strncmp(p, file, flen) || p[flen] != ' ' || p[flen + 1] != 'v') {
		pt_err("%s: the header does not name this file: \"%s\"", file,
		       line);
		return -EBADMSG;
	}
	p += flen + 2;
	n = strspn(p, "0123456789");
	if (!n || n >= sizeof(num)) {
		pt_err("%s: no ABI version in the header \"%s\"", file, line);
		return -EBADMSG;
	}
	memcpy(num, p, n);
	num[n] = '\0';
	rest = p + n;
	if (parse_ull(num, &ver) || ver != PT_ABI_VERSION) {
		if (ver > PT_ABI_VERSION)
			pt_err("%s: ABI version mismatch: the proctrace module speaks ABI v%s, this proctrace speaks v%d; install a proctrace CLI built for ABI v%s",
			       file, num, PT_ABI_VERSION, num);
		else
			pt_err("%s: ABI version mismatch: the proctrace module speaks ABI v%s, this proctrace speaks v%d; load a proctrace module that speaks ABI v%d",
			       file, num, PT_ABI_VERSION, PT_ABI_VERSION);
		return -EPROTO;
	}
	if (!columns && !*rest)
		return 0;
	if (columns && !strncmp(rest, ": ", 2) && !strcmp(rest + 2, columns))
		return 0;
	pt_err("%s: unexpected columns in the header \"%s\" (expected \"%s\")",
	       file, line, columns ? columns : "none");
	return -EBADMSG;
}

/*
 * Split a line at single spaces. Fails when there are more than max
 * fields; empty fields (two spaces in a row) are kept so the field
 * parsers reject them.
 */
static int split(char *line, char **tok, int max)
{
	int n = 0;

	for (;;) {
		char *sp = strchr(line, ' ');

		if (n == max)
			return -1;
		tok[n++] = line;
		if (!sp)
			return n;
		*sp = '\0';
		line = sp + 1;
	}
}

/*
 * The next line of buf at *cursor, with its newline removed; NULL at the
 * end. An unterminated last line is an error (*err set).
 */
static char *next_line(char **cursor, struct pos *p, int *err)
{
	char *line = *cursor, *nl;

	if (!*line)
		return NULL;
	nl = strchr(line, '\n');
	p->line++;
	if (!nl) {
		*err = bad(p, "line is not terminated by a newline");
		return NULL;
	}
	*nl = '\0';
	*cursor = nl + 1;
	return line;
}

static size_t count_lines(const char *buf)
{
	size_t n = 0;

	for (; *buf; buf++)
		n += *buf == '\n';
	return n + 1;
}

/* Read the header line of buf and check it. */
static int read_header(char **cursor, struct pos *p, const char *columns)
{
	int err = 0;
	char *line = next_line(cursor, p, &err);

	if (err)
		return err;
	if (!line) {
		pt_err("%s: empty file (no header line)", p->file);
		return -EBADMSG;
	}
	return pt_parse_header(line, p->file, columns);
}

static int field_int(const struct pos *p, const char *what, const char *s,
		     int *v)
{
	if (parse_int(s, v))
		return bad(p, "bad %s '%s'", what, s);
	return 0;
}

static int field_ull(const struct pos *p, const char *what, const char *s,
		     unsigned long long *v)
{
	if (parse_ull(s, v))
		return bad(p, "bad %s '%s'", what, s);
	return 0;
}

static int field_pid(const struct pos *p, const char *what, const char *s,
		     int *v)
{
	int ret = field_int(p, what, s, v);

	if (!ret && !*v)
		return bad(p, "bad %s '%s'", what, s);
	return ret;
}

static int field_state(const struct pos *p, const char *s, char *state)
{
	if (!s[0] || s[1] || pt_state_index(s[0]) < 0)
		return bad(p, "bad state '%s'", s);
	*state = s[0];
	return 0;
}

static int field_comm(const struct pos *p, const char *s, char *comm)
{
	if (abi_unescape(s, comm, PT_COMM_LEN))
		return bad(p, "bad comm '%s'", s);
	return 0;
}

/* "key=value" with the expected key: the value, or NULL. */
static const char *kv(const struct pos *p, const char *tok, const char *key,
		      int *err)
{
	size_t len = strlen(key);

	if (strncmp(tok, key, len) || tok[len] != '=') {
		*err = bad(p, "expected %s=, found '%s'", key, tok);
		return NULL;
	}
	return tok + len + 1;
}

/*
 * A comma-separated subset of names, in the names' order, or "-" when
 * empty_ok; one bit per name.
 */
static int field_set(const struct pos *p, const char *what, char *s,
		     const char *const *names, unsigned int nnames,
		     bool empty_ok, unsigned int *bits)
{
	unsigned int next = 0;
	char *tok, *save = NULL;
	char copy[256];

	*bits = 0;
	if (!strcmp(s, "-") && empty_ok)
		return 0;
	if (strlen(s) >= sizeof(copy))
		return bad(p, "bad %s '%s'", what, s);
	memcpy(copy, s, strlen(s) + 1);
	if (!copy[0] || copy[strlen(copy) - 1] == ',' || strstr(copy, ",,"))
		return bad(p, "bad %s '%s'", what, s);
	for (tok = strtok_r(copy, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		unsigned int i;

		for (i = next; i < nnames; i++)
			if (!strcmp(tok, names[i]))
				break;
		if (i == nnames)
			return bad(p,
				   "bad %s '%s': unknown or out of order '%s'",
				   what, s, tok);
		*bits |= 1U << i;
		next = i + 1;
	}
	return 0;
}

int pt_parse_exit(const char *s, struct pt_exit *e)
{
	static const struct {
		const char *prefix;
		enum pt_exit_how how;
	} forms[] = {
		{ "exited(", PT_EXIT_EXITED },
		{ "killed(", PT_EXIT_KILLED },
		{ "dumped(", PT_EXIT_DUMPED },
	};
	char arg[PT_SIGNAME_LEN];
	size_t i, len;

	memset(e, 0, sizeof(*e));
	if (!strcmp(s, "unknown"))
		return 0;
	for (i = 0; i < ARRAY_SIZE(forms); i++)
		if (!strncmp(s, forms[i].prefix, strlen(forms[i].prefix)))
			break;
	if (i == ARRAY_SIZE(forms))
		return -EINVAL;
	s += strlen(forms[i].prefix);
	len = strlen(s);
	if (len < 2 || len > sizeof(arg) || s[len - 1] != ')')
		return -EINVAL;
	memcpy(arg, s, len - 1);
	arg[len - 1] = '\0';
	e->how = forms[i].how;
	if (e->how == PT_EXIT_EXITED)
		return parse_int(arg, &e->code) || e->code > 255 ? -EINVAL : 0;
	if (strncmp(arg, "SIG", 3) || !arg[3] ||
	    strspn(arg + 3, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+-") !=
		    strlen(arg + 3))
		return -EINVAL;
	memcpy(e->signame, arg, len);
	return 0;
}

int pt_parse_tree(char *buf, struct pt_tree *t)
{
	struct pos p = { PROCTRACE_FILE_TREE, 0 };
	size_t cap = count_lines(buf);
	long *last_at_depth = xcalloc(cap, sizeof(*last_at_depth));
	char *cursor = buf, *line;
	int err;

	memset(t, 0, sizeof(*t));
	err = read_header(&cursor, &p, PROCTRACE_COLUMNS_TREE);
	if (err)
		goto out;
	t->v = xcalloc(cap, sizeof(*t->v));
	while ((line = next_line(&cursor, &p, &err))) {
		struct pt_proc *pr = &t->v[t->n];
		size_t indent = strspn(line, " ");
		unsigned int i;
		char *tok[8];
		int n, threads;

		if (indent % 2) {
			err = bad(&p, "odd indentation");
			goto out;
		}
		pr->depth = indent / 2;
		if (pr->depth > (t->n ? t->v[t->n - 1].depth + 1 : 0)) {
			err = bad(&p, "indented more than one level deeper");
			goto out;
		}
		pr->parent = pr->depth ? last_at_depth[pr->depth - 1] : -1;
		last_at_depth[pr->depth] = (long)t->n;

		n = split(line + indent, tok, ARRAY_SIZE(tok));
		if (n < 4) {
			err = bad(&p, "expected at least 4 fields, found %d",
				  n);
			goto out;
		}
		err = field_pid(&p, "pid", tok[0], &pr->pid);
		if (!err)
			err = field_state(&p, tok[1], &pr->state);
		if (!err && (parse_int(tok[2], &threads) || !threads))
			err = bad(&p, "bad threads '%s'", tok[2]);
		pr->threads = (unsigned int)threads;
		if (!err)
			err = field_comm(&p, tok[3], pr->comm);
		for (i = 4; !err && i < (unsigned int)n; i++) {
			if (!strcmp(tok[i], PROCTRACE_TAG_ZOMBIE) &&
			    !pr->zombie)
				pr->zombie = true;
			else if (!strcmp(tok[i], PROCTRACE_TAG_KTHREAD) &&
				 !pr->kthread)
				pr->kthread = true;
			else
				err = bad(&p, "bad tag '%s'", tok[i]);
		}
		if (err)
			goto out;
		t->n++;
	}
out:
	free(last_at_depth);
	if (err)
		pt_tree_free(t);
	return err;
}

static int cmp_task(const void *a, const void *b)
{
	const struct pt_task *x = a, *y = b;

	if (x->tgid != y->tgid)
		return x->tgid < y->tgid ? -1 : 1;
	return x->pid < y->pid ? -1 : x->pid > y->pid;
}

int pt_parse_tasks(char *buf, struct pt_tasks *t)
{
	bool sorted = true;
	struct pos p = { PROCTRACE_FILE_TASKS, 0 };
	size_t cap = count_lines(buf);
	char *cursor = buf, *line;
	int err;

	memset(t, 0, sizeof(*t));
	err = read_header(&cursor, &p, PROCTRACE_COLUMNS_TASKS);
	if (err)
		return err;
	t->v = xcalloc(cap, sizeof(*t->v));
	while ((line = next_line(&cursor, &p, &err))) {
		struct pt_task *k = &t->v[t->n];
		char *tok[8];
		int threads;

		if (split(line, tok, ARRAY_SIZE(tok)) != 8) {
			err = bad(&p, "expected 8 fields");
			break;
		}
		err = field_pid(&p, "pid", tok[0], &k->pid);
		if (!err)
			err = field_pid(&p, "tgid", tok[1], &k->tgid);
		if (!err)
			err = field_int(&p, "ppid", tok[2], &k->ppid);
		if (!err)
			err = field_state(&p, tok[3], &k->state);
		if (!err)
			err = field_set(&p, "flags", tok[4], pt_task_flag_names,
					PT_TF_COUNT, true, &k->flags);
		if (!err && (parse_int(tok[5], &threads) || !threads))
			err = bad(&p, "bad threads '%s'", tok[5]);
		if (!err)
			err = field_ull(&p, "start_ns", tok[6], &k->start_ns);
		if (!err)
			err = field_comm(&p, tok[7], k->comm);
		if (err)
			break;
		k->threads = (unsigned int)threads;
		sorted = sorted && (!t->n || cmp_task(&t->v[t->n - 1], k) < 0);
		t->n++;
	}
	/* Lookups rely on the ABI's order; a kernel that broke it costs a sort. */
	if (!err && !sorted)
		qsort(t->v, t->n, sizeof(*t->v), cmp_task);
	if (err)
		pt_tasks_free(t);
	return err;
}

int pt_parse_stats(char *buf, struct pt_stats *s)
{
	struct pos p = { PROCTRACE_FILE_STATS, 0 };
	/* One bit per scalar line, then one per state line. */
	unsigned long long seen = 0, all;
	char *cursor = buf, *line;
	int err;

	all = (1ULL << (pt_stat_ndescs + PT_NSTATES)) - 1;
	memset(s, 0, sizeof(*s));
	err = read_header(&cursor, &p, NULL);
	if (err)
		return err;
	while ((line = next_line(&cursor, &p, &err))) {
		unsigned long long v, *dst = NULL;
		unsigned int bit = 0;
		char *tok[2];
		size_t i;

		if (split(line, tok, ARRAY_SIZE(tok)) != 2)
			return bad(&p, "expected \"name value\"");
		if (!strncmp(tok[0], "state_", 6) && tok[0][6] && !tok[0][7] &&
		    pt_state_index(tok[0][6]) >= 0) {
			bit = pt_stat_ndescs + pt_state_index(tok[0][6]);
			dst = &s->state[pt_state_index(tok[0][6])];
		}
		for (i = 0; !dst && i < pt_stat_ndescs; i++) {
			if (!strcmp(tok[0], pt_stat_descs[i].name)) {
				bit = i;
				dst = (unsigned long long *)((char *)s +
							     pt_stat_descs[i]
								     .offset);
			}
		}
		if (!dst)
			return bad(&p, "unknown counter '%s'", tok[0]);
		if (seen & (1ULL << bit))
			return bad(&p, "duplicate counter '%s'", tok[0]);
		err = field_ull(&p, tok[0], tok[1], &v);
		if (err)
			return err;
		*dst = v;
		seen |= 1ULL << bit;
	}
	if (err)
		return err;
	if (seen != all) {
		unsigned int i;

		for (i = 0; i < pt_stat_ndescs + PT_NSTATES; i++)
			if (!(seen & (1ULL << i)))
				break;
		if (i < pt_stat_ndescs)
			pt_err("stats: no '%s' line", pt_stat_descs[i].name);
		else
			pt_err("stats: no 'state_%c' line",
			       PROCTRACE_STATE_LETTERS[i - pt_stat_ndescs]);
		return -EBADMSG;
	}
	return 0;
}

int pt_parse_kthreads(char *buf, struct pt_kthreads *k)
{
	struct pos p = { PROCTRACE_FILE_KTHREADS, 0 };
	size_t cap = count_lines(buf);
	char *cursor = buf, *line;
	int err;

	memset(k, 0, sizeof(*k));
	err = read_header(&cursor, &p, PROCTRACE_COLUMNS_KTHREADS);
	if (err)
		return err;
	k->v = xcalloc(cap, sizeof(*k->v));
	while ((line = next_line(&cursor, &p, &err))) {
		struct pt_kthread *kt = &k->v[k->n];
		char *tok[8];

		if (split(line, tok, ARRAY_SIZE(tok)) != 8) {
			err = bad(&p, "expected 8 fields");
			break;
		}
		err = field_pid(&p, "pid", tok[0], &kt->pid);
		if (!err)
			err = field_int(&p, "ppid", tok[1], &kt->ppid);
		if (!err)
			err = field_state(&p, tok[2], &kt->state);
		kt->cpu = -1;
		if (!err && strcmp(tok[3], "-"))
			err = field_int(&p, "cpu", tok[3], &kt->cpu);
		if (!err)
			err = field_set(&p, "class", tok[4], pt_kclass_names,
					PT_KC_COUNT, false, &kt->kclass);
		if (!err && (kt->kclass & PT_KC_OTHER) &&
		    kt->kclass != PT_KC_OTHER)
			err = bad(&p, "class 'other' with another class");
		if (!err && (!tok[5][0] || strlen(tok[5]) >= PT_FUNC_LEN))
			err = bad(&p, "bad func '%s'", tok[5]);
		if (!err && (!tok[6][0] || strlen(tok[6]) >= PT_MODULE_LEN))
			err = bad(&p, "bad module '%s'", tok[6]);
		if (!err)
			err = field_comm(&p, tok[7], kt->comm);
		if (err)
			break;
		if (strcmp(tok[5], "-"))
			snprintf(kt->func, sizeof(kt->func), "%s", tok[5]);
		if (strcmp(tok[6], "-"))
			snprintf(kt->module, sizeof(kt->module), "%s", tok[6]);
		k->n++;
	}
	if (err)
		pt_kthreads_free(k);
	return err;
}

/* "N", "unknown", or "-" (not applicable: a parent without zombies) */
static int field_opt_ull(const struct pos *p, const char *what, const char *s,
			 bool *known, unsigned long long *v)
{
	*known = strcmp(s, "unknown") && strcmp(s, "-");
	*v = 0;
	return *known ? field_ull(p, what, s, v) : 0;
}

static int zombie_parent(const struct pos *p, char **tok, int n,
			 struct pt_zparent *zp)
{
	const char *v;
	int err = 0, count;

	if (n != 6)
		return bad(p, "expected 6 fields in a parent line");
	err = field_int(p, "pid", tok[1], &zp->pid);
	v = err ? NULL : kv(p, tok[2], "zombies", &err);
	if (v && parse_int(v, &count))
		err = bad(p, "bad zombies= '%s'", v);
	zp->zombies = v && !err ? (unsigned int)count : 0;
	v = err ? NULL : kv(p, tok[3], "oldest_ns", &err);
	if (v)
		err = field_opt_ull(p, "oldest_ns", v, &zp->oldest_known,
				    &zp->oldest_ns);
	v = err ? NULL : kv(p, tok[4], "waited", &err);
	if (v) {
		if (strcmp(v, "yes") && strcmp(v, "no"))
			err = bad(p, "bad waited= '%s'", v);
		zp->waited = !strcmp(v, "yes");
	}
	v = err ? NULL : kv(p, tok[5], "comm", &err);
	if (v)
		err = field_comm(p, v, zp->comm);
	return err;
}

static int zombie_line(const struct pos *p, char **tok, int n,
		       struct pt_zombie *z)
{
	const char *v;
	int err = 0;

	if (n != 7)
		return bad(p, "expected 7 fields in a zombie line");
	err = field_pid(p, "pid", tok[1], &z->pid);
	v = err ? NULL : kv(p, tok[2], "ppid", &err);
	if (v)
		err = field_int(p, "ppid", v, &z->ppid);
	v = err ? NULL : kv(p, tok[3], "kind", &err);
	if (v) {
		if (strcmp(v, PROCTRACE_ZOMBIE_UNREAPED) &&
		    strcmp(v, PROCTRACE_ZOMBIE_THREAD_GROUP))
			err = bad(p, "bad kind= '%s'", v);
		z->thread_group = !strcmp(v, PROCTRACE_ZOMBIE_THREAD_GROUP);
	}
	v = err ? NULL : kv(p, tok[4], "age_ns", &err);
	if (v)
		err = field_opt_ull(p, "age_ns", v, &z->age_known, &z->age_ns);
	v = err ? NULL : kv(p, tok[5], "exit", &err);
	if (v && pt_parse_exit(v, &z->exit))
		err = bad(p, "bad exit= '%s'", v);
	v = err ? NULL : kv(p, tok[6], "comm", &err);
	if (v)
		err = field_comm(p, v, z->comm);
	return err;
}

int pt_parse_zombies(char *buf, struct pt_zombies *z)
{
	struct pos p = { PROCTRACE_FILE_ZOMBIES, 0 };
	size_t cap = count_lines(buf);
	char *cursor = buf, *line;
	int err;

	memset(z, 0, sizeof(*z));
	err = read_header(&cursor, &p, NULL);
	if (err)
		return err;
	z->parents = xcalloc(cap, sizeof(*z->parents));
	z->v = xcalloc(cap, sizeof(*z->v));
	while ((line = next_line(&cursor, &p, &err))) {
		char *tok[8];
		int n = split(line, tok, ARRAY_SIZE(tok));

		if (n > 0 && !strcmp(tok[0], "parent")) {
			struct pt_zparent *zp = &z->parents[z->nparents];

			err = zombie_parent(&p, tok, n, zp);
			zp->first = z->n;
			z->nparents++;
		} else if (n > 0 && !strcmp(tok[0], "zombie")) {
			if (!z->nparents)
				err = bad(&p,
					  "zombie line before any parent line");
			else
				err = zombie_line(&p, tok, n, &z->v[z->n]);
			if (!err) {
				z->n++;
				z->parents[z->nparents - 1].n++;
			}
		} else {
			err = bad(&p, "expected a parent or zombie line");
		}
		if (err)
			break;
	}
	if (err)
		pt_zombies_free(z);
	return err;
}

int pt_parse_orphans(char *buf, struct pt_orphans *o)
{
	struct pos p = { PROCTRACE_FILE_ORPHANS, 0 };
	size_t cap = count_lines(buf);
	char *cursor = buf, *line;
	int err;

	memset(o, 0, sizeof(*o));
	err = read_header(&cursor, &p, PROCTRACE_COLUMNS_ORPHANS);
	if (err)
		return err;
	o->v = xcalloc(cap, sizeof(*o->v));
	while ((line = next_line(&cursor, &p, &err))) {
		struct pt_orphan *op = &o->v[o->n];
		char *tok[6];
		unsigned int i;

		if (split(line, tok, ARRAY_SIZE(tok)) != 6) {
			err = bad(&p, "expected 6 fields");
			break;
		}
		err = field_pid(&p, "pid", tok[0], &op->pid);
		if (!strcmp(tok[1], "unknown")) {
			op->orig = PT_ORIG_UNKNOWN;
		} else if (!strcmp(tok[1], "-")) {
			op->orig = PT_ORIG_HIDDEN;
		} else if (!err) {
			op->orig = PT_ORIG_KNOWN;
			err = field_pid(&p, "orig_ppid", tok[1],
					&op->orig_ppid);
		}
		if (!err)
			err = field_int(&p, "reaper", tok[2], &op->reaper);
		for (i = 0; !err && i < 3; i++)
			if (!strcmp(tok[3], pt_reaper_kind_names[i]))
				break;
		if (!err && i == 3)
			err = bad(&p, "bad reaper_kind '%s'", tok[3]);
		op->reaper_kind = i;
		if (!err)
			err = field_ull(&p, "orphaned_ns", tok[4],
					&op->orphaned_ns);
		if (!err)
			err = field_comm(&p, tok[5], op->comm);
		if (err)
			break;
		o->n++;
	}
	if (err)
		pt_orphans_free(o);
	return err;
}

int pt_parse_events_header(const char *line)
{
	return pt_parse_header(line, PROCTRACE_FILE_EVENTS, NULL);
}

/* The key=value fields of each record type, in ABI order. */
static const char *const ev_keys[PT_EV_NTYPES][6] = {
	[PT_EV_FORK] = { "ppid", "kind", "origin", "comm" },
	[PT_EV_EXEC] = { "old_pid", "file", "comm" },
	[PT_EV_EXIT] = { "ppid", "exit", "group_dead", "runtime_ns", "comm" },
	[PT_EV_REAP] = { "comm" },
	[PT_EV_LOST] = { "count" },
};

static int ev_field(const struct pos *p, struct pt_event *ev, const char *key,
		    const char *v)
{
	if (!strcmp(key, "ppid")) {
		ev->has_ppid = true;
		return field_int(p, "ppid", v, &ev->ppid);
	}
	if (!strcmp(key, "kind")) {
		if (!strcmp(v, "process"))
			ev->kind = PT_FORK_PROCESS;
		else if (!strcmp(v, "thread"))
			ev->kind = PT_FORK_THREAD;
		else if (!strcmp(v, "vfork"))
			ev->kind = PT_FORK_VFORK;
		else
			return bad(p, "bad kind= '%s'", v);
		return 0;
	}
	if (!strcmp(key, "origin")) {
		if (strcmp(v, "user") && strcmp(v, "kernel"))
			return bad(p, "bad origin= '%s'", v);
		ev->kernel_origin = !strcmp(v, "kernel");
		return 0;
	}
	if (!strcmp(key, "old_pid"))
		return field_pid(p, "old_pid", v, &ev->old_pid);
	if (!strcmp(key, "file")) {
		if (abi_unescape(v, ev->file, sizeof(ev->file)))
			return bad(p, "bad file= '%s'", v);
		return 0;
	}
	if (!strcmp(key, "exit")) {
		if (pt_parse_exit(v, &ev->exit))
			return bad(p, "bad exit= '%s'", v);
		return 0;
	}
	if (!strcmp(key, "group_dead")) {
		if (strcmp(v, "0") && strcmp(v, "1"))
			return bad(p, "bad group_dead= '%s'", v);
		ev->group_dead = v[0] == '1';
		return 0;
	}
	if (!strcmp(key, "runtime_ns"))
		return field_ull(p, "runtime_ns", v, &ev->runtime_ns);
	if (!strcmp(key, "count"))
		return field_ull(p, "count", v, &ev->lost);
	return field_comm(p, v, ev->comm);
}

int pt_parse_event(char *line, struct pt_event *ev)
{
	struct pos p = { PROCTRACE_FILE_EVENTS, 0 };
	unsigned int nkeys, fixed, i;
	char *tok[16];
	int n, err;

	memset(ev, 0, sizeof(*ev));
	n = split(line, tok, ARRAY_SIZE(tok));
	if (n < 4) {
		pt_err("events: malformed record (%d fields)", n);
		return -EBADMSG;
	}
	for (i = 0; i < PT_EV_NTYPES; i++)
		if (!strcmp(tok[2], pt_ev_type_names[i]))
			break;
	if (i == PT_EV_NTYPES) {
		pt_err("events: unknown record type '%s'", tok[2]);
		return -EBADMSG;
	}
	ev->type = i;
	fixed = ev->type == PT_EV_LOST ? 3 : 6;
	for (nkeys = 0; nkeys < ARRAY_SIZE(ev_keys[0]) && ev_keys[i][nkeys];
	     nkeys++)
		;
	if ((unsigned int)n != fixed + nkeys) {
		pt_err("events: %s record with %d fields, expected %u", tok[2],
		       n, fixed + nkeys);
		return -EBADMSG;
	}
	err = field_ull(&p, "seq", tok[0], &ev->seq);
	if (!err)
		err = field_ull(&p, "ts_ns", tok[1], &ev->ts_ns);
	if (!err && fixed == 6)
		err = field_pid(&p, "pid", tok[3], &ev->pid);
	if (!err && fixed == 6)
		err = field_pid(&p, "tgid", tok[4], &ev->tgid);
	if (!err && fixed == 6)
		err = field_ull(&p, "start_ns", tok[5], &ev->start_ns);
	for (i = 0; !err && i < nkeys; i++) {
		const char *key = ev_keys[ev->type][i];
		const char *v = kv(&p, tok[fixed + i], key, &err);

		if (v)
			err = ev_field(&p, ev, key, v);
	}
	return err;
}
