// SPDX-License-Identifier: GPL-2.0-only
/*
 * Helpers shared by the proctrace selftests; see proctrace_selftests.h.
 *
 * The parsers are deliberately strict: they are the part of the tests that
 * checks the syntax of every line against Documentation/abi.rst, so they
 * reject anything the document does not allow (double spaces, leading
 * zeros, unknown or misordered tokens, raw whitespace in a comm, duplicate
 * pids) instead of guessing what the module meant.
 */
#define _GNU_SOURCE
#include <assert.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <poll.h>
#include <regex.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "proctrace_selftests.h"

static char pt_err[512];

#define pt_seterr(...) snprintf(pt_err, sizeof(pt_err), __VA_ARGS__)

const char *pt_errmsg(void)
{
	return pt_err;
}

bool pt_backend_bpf(void)
{
	const char *b = getenv(PT_ENV_BACKEND);

	return b && !strcmp(b, "bpf");
}

const char *pt_dir(void)
{
	return pt_backend_bpf() ? PROCTRACE_BPF_DIR : PT_DIR;
}

bool pt_quirk_hides(const struct pt_tasks *views, int tgid)
{
	const char *q = getenv(PT_ENV_PID1_QUIRK);
	size_t i;

	if (tgid != 1 || !pt_backend_bpf() || !q || strcmp(q, "1"))
		return false;
	for (i = 0; i < views->n; i++)
		if (views->v[i].tgid == 1)
			return false;
	return true;
}

const char *pt_skip_reason(void)
{
	if (geteuid() != 0)
		return "proctrace selftests must run as root";
	if (pt_backend_bpf() && access(PROCTRACE_BPF_DIR, F_OK))
		return PROCTRACE_BPF_DIR
			" does not exist (run: proctrace bpf load)";
	if (!pt_backend_bpf() && access(PT_DIR, F_OK))
		return PT_DIR " does not exist (is proctrace.ko loaded?)";
	return NULL;
}

int pt_state_index(char c)
{
	const char *p;

	if (!c)
		return -1;
	p = strchr(PROCTRACE_STATE_LETTERS, c);
	return p ? (int)(p - PROCTRACE_STATE_LETTERS) : -1;
}

int pt_read_fd(int fd, char **buf, size_t *len)
{
	size_t size = 65536, used = 0;
	char *p = malloc(size + 1), *np;
	ssize_t n;

	if (!p)
		return -ENOMEM;
	for (;;) {
		if (used == size) {
			size *= 2;
			np = realloc(p, size + 1);
			if (!np) {
				free(p);
				return -ENOMEM;
			}
			p = np;
		}
		n = read(fd, p + used, size - used);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int err = -errno;

			pt_seterr("read: %s", strerror(errno));
			free(p);
			return err;
		}
		if (!n)
			break;
		used += n;
	}
	p[used] = '\0';
	*buf = p;
	if (len)
		*len = used;
	return 0;
}

int pt_read_path(const char *path, char **buf, size_t *len)
{
	int fd, ret;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		pt_seterr("open %s: %s", path, strerror(errno));
		return ret;
	}
	ret = pt_read_fd(fd, buf, len);
	close(fd);
	return ret;
}

int pt_read_view(const char *name, char **buf, size_t *len)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/%s", pt_dir(), name);
	return pt_read_path(path, buf, len);
}

int pt_read_view_at(int dirfd, const char *name, char **buf, size_t *len)
{
	int fd, ret;

	fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		pt_seterr("open %s: %s", name, strerror(errno));
		return ret;
	}
	ret = pt_read_fd(fd, buf, len);
	close(fd);
	return ret;
}

const char *pt_view_columns(const char *name)
{
	if (!strcmp(name, PROCTRACE_FILE_TREE))
		return "pid state threads comm [tags]";
	if (!strcmp(name, PROCTRACE_FILE_TASKS))
		return "pid tgid ppid state flags threads start_ns comm";
	if (!strcmp(name, PROCTRACE_FILE_KTHREADS))
		return "pid ppid state cpu class func module comm";
	if (!strcmp(name, PROCTRACE_FILE_ORPHANS))
		return "pid orig_ppid reaper reaper_kind orphaned_ns comm";
	return NULL;
}

int pt_check_header(const char *buf, const char *name, const char **body)
{
	const char *cols = pt_view_columns(name);
	const char *nl = strchr(buf, '\n');
	char want[256];
	size_t len;

	if (!nl) {
		pt_seterr("%s: no complete header line", name);
		return -EINVAL;
	}
	len = nl - buf;
	snprintf(want, sizeof(want), "%s %s v%d%s%s", PROCTRACE_HEADER_PREFIX,
		 name, PROCTRACE_ABI_VERSION, cols ? ": " : "",
		 cols ? cols : "");
	if (len != strlen(want) || memcmp(buf, want, len)) {
		pt_seterr("%s: header '%.*s', want '%s'", name,
			  (int)(len > 200 ? 200 : len), buf, want);
		return -EPROTO;
	}
	if (body)
		*body = nl + 1;
	return 0;
}

/*
 * Every backslash starts exactly three octal digits, because the module
 * escapes the backslash itself; anything else is a malformed field.
 */
int pt_unescape_comm(const char *esc, char *out, size_t size)
{
	size_t n = 0;
	int v, i;

	while (*esc) {
		if (*esc == ' ' || *esc == '\t' || *esc == '\n') {
			pt_seterr("raw whitespace in comm");
			return -EINVAL;
		}
		if (*esc != '\\') {
			v = (unsigned char)*esc++;
		} else {
			v = 0;
			for (i = 1; i <= 3; i++) {
				if (esc[i] < '0' || esc[i] > '7') {
					pt_seterr("bad escape in comm '%s'",
						  esc);
					return -EINVAL;
				}
				v = v * 8 + (esc[i] - '0');
			}
			if (!v || v > 0377) {
				pt_seterr("escape \\%.3s out of range",
					  esc + 1);
				return -EINVAL;
			}
			esc += 4;
		}
		if (n + 1 >= size) {
			pt_seterr("comm longer than %zu bytes", size - 1);
			return -E2BIG;
		}
		out[n++] = (char)v;
	}
	out[n] = '\0';
	return 0;
}

int pt_escape_comm(const char *raw, char *out, size_t size)
{
	size_t n = 0;

	for (; *raw; raw++) {
		unsigned char c = *raw;

		if (c == ' ' || c == '\t' || c == '\n' || c == '\\') {
			if (n + 4 >= size)
				return -ENOSPC;
			snprintf(out + n, size - n, "\\%03o", c);
			n += 4;
		} else {
			if (n + 1 >= size)
				return -ENOSPC;
			out[n++] = (char)c;
		}
	}
	out[n] = '\0';
	return 0;
}

/* Plain decimal as the kernel prints it: no sign, no leading zero. */
int pt_parse_ull(const char *s, unsigned long long *v)
{
	unsigned long long x = 0;
	unsigned int d;

	if (!*s || (s[0] == '0' && s[1]))
		return -EINVAL;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -EINVAL;
		d = *s - '0';
		if (x > (ULLONG_MAX - d) / 10)
			return -ERANGE;
		x = x * 10 + d;
	}
	*v = x;
	return 0;
}

int pt_parse_int(const char *s, int *v)
{
	unsigned long long x;

	if (pt_parse_ull(s, &x) || x > INT_MAX)
		return -EINVAL;
	*v = (int)x;
	return 0;
}

/*
 * Splits at single spaces. An empty field is an error, but for the last
 * one when @empty_last: an empty comm is written as nothing (abi.rst).
 * Returns the number of fields, or -1 for an empty field or more than @max.
 */
int pt_split(char *line, char **tok, int max, bool empty_last)
{
	char *sp;
	int n = 0;

	for (;;) {
		sp = strchr(line, ' ');
		if (n == max || sp == line || (!*line && (!n || !empty_last)))
			return -1;
		tok[n++] = line;
		if (!sp)
			return n;
		*sp = '\0';
		line = sp + 1;
	}
}

/* The value of "key=value" in @field, NULL when the key differs. */
const char *pt_key_value(const char *field, const char *key)
{
	size_t len = strlen(key);

	if (strncmp(field, key, len) || field[len] != '=')
		return NULL;
	return field + len + 1;
}

/* A value without escapes, copied whole or not at all; @s may be NULL. */
int pt_copy_value(const char *s, char *out, size_t size)
{
	if (!s || !*s || strchr(s, '\\') || strlen(s) >= size)
		return -EINVAL;
	snprintf(out, size, "%s", s);
	return 0;
}

/* "exited(N)", "killed(SIGNAME)" or "dumped(SIGNAME)" (abi.rst). */
bool pt_exit_ok(const char *s)
{
	size_t n = strlen(s);
	char num[8];
	int code;

	if (n < 3 || s[n - 1] != ')')
		return false;
	if (!strncmp(s, "killed(SIG", 10) || !strncmp(s, "dumped(SIG", 10))
		return n > 11;
	if (strncmp(s, "exited(", 7) || n - 8 >= sizeof(num))
		return false;
	memcpy(num, s + 7, n - 8);
	num[n - 8] = '\0';
	return !pt_parse_int(num, &code) && code <= 255;
}

static int parse_state(const char *s, char *state)
{
	if (strlen(s) != 1 || pt_state_index(s[0]) < 0)
		return -EINVAL;
	*state = s[0];
	return 0;
}

/*
 * A comma-separated subset of @names, each at most once and in the order
 * of @names. @none, when not NULL, is the whole field for the empty set.
 */
static int parse_tokens(const char *s, const char *const *names, int count,
			const char *none, unsigned int *out)
{
	unsigned int bits = 0;
	int last = -1, i;
	size_t len;

	if (none && !strcmp(s, none)) {
		*out = 0;
		return 0;
	}
	for (;;) {
		len = strcspn(s, ",");
		for (i = 0; i < count; i++)
			if (strlen(names[i]) == len &&
			    !strncmp(s, names[i], len))
				break;
		if (i == count || i <= last)
			return -EINVAL;
		bits |= 1U << i;
		last = i;
		if (!s[len])
			break;
		s += len + 1;
	}
	*out = bits;
	return 0;
}

static const char *const task_flag_names[] = {
	PROCTRACE_FLAG_LEADER,	    PROCTRACE_FLAG_KTHREAD,
	PROCTRACE_FLAG_EXITING,	    PROCTRACE_FLAG_IO_WORKER,
	PROCTRACE_FLAG_USER_WORKER, PROCTRACE_FLAG_WQ_WORKER,
};

static const char *const kclass_names[] = {
	PROCTRACE_KCLASS_KTHREADD,    PROCTRACE_KCLASS_PERCPU,
	PROCTRACE_KCLASS_WORKER,      PROCTRACE_KCLASS_PARKED,
	PROCTRACE_KCLASS_IDLE,	      PROCTRACE_KCLASS_IO_WORKER,
	PROCTRACE_KCLASS_USER_WORKER, PROCTRACE_KCLASS_OTHER,
};

/* pidmap_build() finds the pid of every parsed record at offset 0. */
static_assert(offsetof(struct pt_task, pid) == 0, "pid first");
static_assert(offsetof(struct pt_tree_node, pid) == 0, "pid first");
static_assert(offsetof(struct pt_kthread, pid) == 0, "pid first");
static_assert(offsetof(struct pt_scan_ent, tid) == 0, "tid first");
static_assert(offsetof(struct pt_orphan, pid) == 0, "pid first");

/* Splits at single spaces; -1 when there are more than @max fields. */
static int split_fields(char *line, char **f, int max)
{
	int n = 0;
	char *sp;

	for (;;) {
		if (n == max)
			return -1;
		f[n++] = line;
		sp = strchr(line, ' ');
		if (!sp)
			return n;
		*sp = '\0';
		line = sp + 1;
	}
}

static int parse_comm(const char *field, char *comm, char *esc)
{
	if (strlen(field) >= PT_COMM_ESC_LEN) {
		pt_seterr("comm field too long");
		return -EINVAL;
	}
	memcpy(esc, field, strlen(field) + 1);
	return pt_unescape_comm(field, comm, PT_COMM_LEN);
}

static int grow(void **v, size_t *cap, size_t n, size_t elem)
{
	void *nv;

	if (n < *cap)
		return 0;
	*cap = *cap ? *cap * 2 : 256;
	nv = realloc(*v, *cap * elem);
	if (!nv)
		return -ENOMEM;
	*v = nv;
	return 0;
}

static int pidmap_cmp(const void *a, const void *b)
{
	const struct pt_pid_ent *x = a, *y = b;

	return (x->pid > y->pid) - (x->pid < y->pid);
}

/* Returns 0, or the first duplicated pid. */
static int pidmap_build(struct pt_pidmap *m, const void *arr, size_t n,
			size_t elem)
{
	const char *p = arr;
	size_t i;

	m->e = calloc(n ? n : 1, sizeof(*m->e));
	m->n = n;
	if (!m->e)
		return -1;
	for (i = 0; i < n; i++) {
		m->e[i].pid = *(const int *)(p + i * elem);
		m->e[i].idx = (int)i;
	}
	qsort(m->e, n, sizeof(*m->e), pidmap_cmp);
	for (i = 1; i < n; i++)
		if (m->e[i].pid == m->e[i - 1].pid)
			return m->e[i].pid;
	return 0;
}

static int pidmap_find(const struct pt_pidmap *m, int pid)
{
	struct pt_pid_ent key = { .pid = pid };
	const struct pt_pid_ent *e;

	if (!m->n)
		return -1;
	e = bsearch(&key, m->e, m->n, sizeof(*m->e), pidmap_cmp);
	return e ? e->idx : -1;
}

/* One view: its name, for the header, and what parses one of its lines. */
struct view_parser {
	const char *name;
	int (*line)(char *line, int lineno, void *ctx);
};

/* Walks the lines after the header; ->line() returns 0 to go on. */
static int parse_lines(const char *buf, const struct view_parser *p, void *ctx)
{
	char *copy, *line, *nl, why[160];
	int ret, len, lineno = 2;
	const char *body;

	ret = pt_check_header(buf, p->name, &body);
	if (ret)
		return ret;
	if (*body && body[strlen(body) - 1] != '\n') {
		pt_seterr("%s: last line not terminated by a newline", p->name);
		return -EINVAL;
	}
	copy = strdup(body);
	if (!copy)
		return -ENOMEM;
	for (line = copy; *line; line = nl + 1, lineno++) {
		nl = strchr(line, '\n');
		*nl = '\0';
		ret = p->line(line, lineno, ctx);
		if (ret == -EINVAL) {
			/* The parser may have said why; keep it, and the line. */
			snprintf(why, sizeof(why), "%.*s", (int)sizeof(why) - 1,
				 pt_err);
			len = nl - line > 256 ? 256 : (int)(nl - line);
			pt_seterr("%s line %d: %s: '%.*s'", p->name, lineno,
				  why[0] ? why : "malformed", len,
				  body + (line - copy));
		}
		if (ret)
			break;
	}
	free(copy);
	return ret;
}

struct tasks_ctx {
	struct pt_tasks *t;
	size_t cap;
};

static int task_line(char *line, int lineno, void *ctx)
{
	struct tasks_ctx *c = ctx;
	struct pt_task *k;
	char *f[8];

	pt_err[0] = '\0';
	if (split_fields(line, f, 8) != 8) {
		pt_seterr("want 8 fields");
		return -EINVAL;
	}
	if (grow((void **)&c->t->v, &c->cap, c->t->n, sizeof(*k)))
		return -ENOMEM;
	k = &c->t->v[c->t->n];
	memset(k, 0, sizeof(*k));
	k->line = lineno;
	if (pt_parse_int(f[0], &k->pid) || !k->pid ||
	    pt_parse_int(f[1], &k->tgid) || !k->tgid ||
	    pt_parse_int(f[2], &k->ppid) || parse_state(f[3], &k->state) ||
	    parse_tokens(f[4], task_flag_names,
			 (int)ARRAY_SIZE(task_flag_names), "-", &k->flags) ||
	    pt_parse_int(f[5], &k->threads) || !k->threads ||
	    pt_parse_ull(f[6], &k->start_ns) ||
	    parse_comm(f[7], k->comm, k->comm_esc))
		return -EINVAL;
	c->t->n++;
	return 0;
}

static const struct view_parser tasks_parser = {
	.name = PROCTRACE_FILE_TASKS,
	.line = task_line,
};

int pt_parse_tasks(const char *buf, struct pt_tasks *out)
{
	struct tasks_ctx c = { .t = out };
	int ret, dup;

	memset(out, 0, sizeof(*out));
	ret = parse_lines(buf, &tasks_parser, &c);
	if (ret)
		return ret;
	dup = pidmap_build(&out->map, out->v, out->n, sizeof(*out->v));
	if (dup) {
		pt_seterr("tasks: pid %d listed more than once", dup);
		return -EEXIST;
	}
	return 0;
}

int pt_tasks_check_order(const struct pt_tasks *t)
{
	const struct pt_task *a, *b;
	size_t i;

	/* The BPF backend lists tasks by pid, its iterator's order (abi.rst). */
	for (i = 1; i < t->n; i++) {
		a = &t->v[i - 1];
		b = &t->v[i];
		if (pt_backend_bpf() ?
			    a->pid < b->pid :
			    a->tgid < b->tgid ||
				    (a->tgid == b->tgid && a->pid < b->pid))
			continue;
		pt_seterr("tasks line %d (%d/%d) not after line %d (%d/%d)",
			  b->line, b->tgid, b->pid, a->line, a->tgid, a->pid);
		return -EINVAL;
	}
	return 0;
}

struct tree_ctx {
	struct pt_tree *t;
	size_t cap;
	int *stack;
	size_t stack_cap;
	int prev_depth;
};

static int tree_line(char *line, int lineno, void *ctx)
{
	struct tree_ctx *c = ctx;
	struct pt_tree_node *k;
	size_t indent = strspn(line, " ");
	char *f[7];
	int n, i;

	pt_err[0] = '\0';
	if (indent % 2) {
		pt_seterr("odd indentation");
		return -EINVAL;
	}
	if ((int)(indent / 2) > c->prev_depth + 1) {
		pt_seterr("indented more than one level below the line above");
		return -EINVAL;
	}
	n = split_fields(line + indent, f, 6);
	if (n < 4) {
		pt_seterr("want 4 to 6 fields");
		return -EINVAL;
	}
	if (grow((void **)&c->t->v, &c->cap, c->t->n, sizeof(*k)) ||
	    grow((void **)&c->stack, &c->stack_cap, indent / 2 + 1,
		 sizeof(*c->stack)))
		return -ENOMEM;
	k = &c->t->v[c->t->n];
	memset(k, 0, sizeof(*k));
	k->line = lineno;
	k->depth = (int)(indent / 2);
	if (pt_parse_int(f[0], &k->pid) || !k->pid ||
	    parse_state(f[1], &k->state) || pt_parse_int(f[2], &k->threads) ||
	    !k->threads || parse_comm(f[3], k->comm, k->comm_esc))
		return -EINVAL;
	for (i = 4; i < n; i++) {
		if (!strcmp(f[i], PROCTRACE_TAG_ZOMBIE) && !k->zombie) {
			k->zombie = true;
		} else if (!strcmp(f[i], PROCTRACE_TAG_KTHREAD) &&
			   !k->kthread) {
			k->kthread = true;
		} else {
			pt_seterr("unknown or repeated tag '%s'", f[i]);
			return -EINVAL;
		}
	}
	c->stack[k->depth] = k->pid;
	k->parent = k->depth ? c->stack[k->depth - 1] : 0;
	c->prev_depth = k->depth;
	c->t->n++;
	return 0;
}

static const struct view_parser tree_parser = {
	.name = PROCTRACE_FILE_TREE,
	.line = tree_line,
};

int pt_parse_tree(const char *buf, struct pt_tree *out)
{
	struct tree_ctx c = { .t = out, .prev_depth = -1 };
	int ret, dup;

	memset(out, 0, sizeof(*out));
	ret = parse_lines(buf, &tree_parser, &c);
	free(c.stack);
	if (ret)
		return ret;
	dup = pidmap_build(&out->map, out->v, out->n, sizeof(*out->v));
	if (dup) {
		pt_seterr("tree: pid %d listed more than once", dup);
		return -EEXIST;
	}
	return 0;
}

/*
 * Depth-first with children, and roots, in ascending pid order. Because a
 * line is indented at most one level deeper than the one above it, the
 * last pid seen at depth d + 1 is forgotten whenever a line at depth d
 * (a new parent) appears.
 */
int pt_tree_check_order(const struct pt_tree *t)
{
	int *last = calloc(t->n + 2, sizeof(*last));
	const struct pt_tree_node *k;
	size_t i;
	int ret = 0;

	if (!last)
		return -ENOMEM;
	for (i = 0; i < t->n; i++) {
		k = &t->v[i];
		if (last[k->depth] >= k->pid) {
			pt_seterr("tree line %d: pid %d after sibling %d",
				  k->line, k->pid, last[k->depth]);
			ret = -EINVAL;
			break;
		}
		last[k->depth] = k->pid;
		last[k->depth + 1] = 0;
	}
	free(last);
	return ret;
}

bool pt_tree_is_descendant(const struct pt_tree *t, int pid, int ancestor)
{
	const struct pt_tree_node *k = pt_tree_find(t, pid);
	size_t hops = 0;

	while (k && hops++ <= t->n) {
		if (k->pid == ancestor)
			return true;
		k = pt_tree_find(t, k->parent);
	}
	return false;
}

struct kthreads_ctx {
	struct pt_kthreads *k;
	size_t cap;
};

static int kthread_line(char *line, int lineno, void *ctx)
{
	struct kthreads_ctx *c = ctx;
	struct pt_kthread *k;
	char *f[8];

	pt_err[0] = '\0';
	if (split_fields(line, f, 8) != 8) {
		pt_seterr("want 8 fields");
		return -EINVAL;
	}
	if (grow((void **)&c->k->v, &c->cap, c->k->n, sizeof(*k)))
		return -ENOMEM;
	k = &c->k->v[c->k->n];
	memset(k, 0, sizeof(*k));
	k->line = lineno;
	k->cpu = -1;
	if (pt_parse_int(f[0], &k->pid) || !k->pid ||
	    pt_parse_int(f[1], &k->ppid) || parse_state(f[2], &k->state) ||
	    (strcmp(f[3], "-") && pt_parse_int(f[3], &k->cpu)) ||
	    parse_tokens(f[4], kclass_names, (int)ARRAY_SIZE(kclass_names),
			 NULL, &k->class) ||
	    ((k->class & PT_KC_OTHER) && k->class != PT_KC_OTHER) || !*f[5] ||
	    strlen(f[5]) >= sizeof(k->func) || !*f[6] ||
	    strlen(f[6]) >= sizeof(k->module) ||
	    parse_comm(f[7], k->comm, k->comm_esc))
		return -EINVAL;
	snprintf(k->func, sizeof(k->func), "%s", f[5]);
	snprintf(k->module, sizeof(k->module), "%s", f[6]);
	c->k->n++;
	return 0;
}

static const struct view_parser kthreads_parser = {
	.name = PROCTRACE_FILE_KTHREADS,
	.line = kthread_line,
};

int pt_parse_kthreads(const char *buf, struct pt_kthreads *out)
{
	struct kthreads_ctx c = { .k = out };
	int ret, dup;

	memset(out, 0, sizeof(*out));
	ret = parse_lines(buf, &kthreads_parser, &c);
	if (ret)
		return ret;
	dup = pidmap_build(&out->map, out->v, out->n, sizeof(*out->v));
	if (dup) {
		pt_seterr("kthreads: pid %d listed more than once", dup);
		return -EEXIST;
	}
	return 0;
}

struct stats_ctx {
	struct pt_stats *s;
	unsigned long long seen;
	int last_state;
};

/* Every line but the state_<L> ones, with where its value goes. */
static long long *stats_slot(struct pt_stats *s, const char *name, int *bit)
{
	static const char *const names[] = {
		"processes",	 "threads",    "kthreads",   "zombies",
		"orphans",	 "forks",      "execs",	     "exits",
		"reaps",	 "waits",      "events",     "events_lost",
		"table_dropped", "table_used", "table_size",
	};
	long long *slots[] = {
		&s->processes,	   &s->threads,	   &s->kthreads,
		&s->zombies,	   &s->orphans,	   &s->forks,
		&s->execs,	   &s->exits,	   &s->reaps,
		&s->waits,	   &s->events,	   &s->events_lost,
		&s->table_dropped, &s->table_used, &s->table_size,
	};
	int i;

	for (i = 0; i < (int)ARRAY_SIZE(names); i++) {
		if (!strcmp(name, names[i])) {
			*bit = i;
			return slots[i];
		}
	}
	return NULL;
}

#define STATS_NAMED 15
#define STATS_LINES (STATS_NAMED + PT_NSTATES)

static int stats_line(char *line, int lineno, void *ctx)
{
	struct stats_ctx *c = ctx;
	unsigned long long v;
	long long *slot;
	char *f[2];
	int bit, s;

	(void)lineno;
	pt_err[0] = '\0';
	if (split_fields(line, f, 2) != 2 || pt_parse_ull(f[1], &v)) {
		pt_seterr("want 'name value'");
		return -EINVAL;
	}
	if (!strncmp(f[0], "state_", 6) && strlen(f[0]) == 7 &&
	    pt_state_index(f[0][6]) >= 0) {
		s = pt_state_index(f[0][6]);
		if (s <= c->last_state) {
			pt_seterr("state lines not in %s order",
				  PROCTRACE_STATE_LETTERS);
			return -EINVAL;
		}
		c->last_state = s;
		bit = STATS_NAMED + s;
		slot = &c->s->state[s];
	} else {
		slot = stats_slot(c->s, f[0], &bit);
		if (!slot) {
			pt_seterr("unknown name");
			return -EINVAL;
		}
	}
	if (c->seen & (1ULL << bit)) {
		pt_seterr("repeated name");
		return -EINVAL;
	}
	c->seen |= 1ULL << bit;
	*slot = (long long)v;
	return 0;
}

static const struct view_parser stats_parser = {
	.name = PROCTRACE_FILE_STATS,
	.line = stats_line,
};

int pt_parse_stats(const char *buf, struct pt_stats *out)
{
	struct stats_ctx c = { .s = out, .last_state = -1 };
	unsigned long long all = (1ULL << STATS_LINES) - 1;
	int ret;

	memset(out, 0, sizeof(*out));
	ret = parse_lines(buf, &stats_parser, &c);
	if (ret)
		return ret;
	if (c.seen != all) {
		pt_seterr("stats: missing lines (seen mask %#llx, want %#llx)",
			  c.seen, all);
		return -EINVAL;
	}
	return 0;
}

/* "unknown" or a plain decimal; -1 stands for "unknown". */
static int parse_known(const char *s, long long *v)
{
	unsigned long long x;

	if (!strcmp(s, "unknown")) {
		*v = -1;
		return 0;
	}
	if (pt_parse_ull(s, &x) || x > LLONG_MAX)
		return -EINVAL;
	*v = (long long)x;
	return 0;
}

struct zombies_ctx {
	struct pt_zombies *z;
	size_t cap;
	int parent;
};

static int zombie_line(char *line, int lineno, void *ctx)
{
	struct zombies_ctx *c = ctx;
	const char *v[5];
	struct pt_zline *z;
	char esc[PT_COMM_ESC_LEN];
	int i, nf;
	long long n;
	char *f[7];

	pt_err[0] = '\0';
	nf = split_fields(line, f, 7);
	if (nf != (strcmp(f[0], "parent") ? 7 : 6)) {
		pt_seterr("want 6 fields in a parent line, 7 in a zombie line");
		return -EINVAL;
	}
	if (grow((void **)&c->z->v, &c->cap, c->z->n, sizeof(*z)))
		return -ENOMEM;
	z = &c->z->v[c->z->n];
	memset(z, 0, sizeof(*z));
	z->line = lineno;
	if (pt_parse_int(f[1], &z->pid) || !z->pid)
		return -EINVAL;
	if (!strcmp(f[0], "parent")) {
		z->parent = true;
		c->parent = z->pid;
		v[0] = pt_key_value(f[2], "zombies");
		v[1] = pt_key_value(f[3], "oldest_ns");
		v[2] = pt_key_value(f[4], "waited");
		v[3] = pt_key_value(f[5], "comm");
		for (i = 0; i < 4; i++)
			if (!v[i])
				return -EINVAL;
		if (parse_known(v[0], &n) || n < 0 || n > INT_MAX ||
		    (strcmp(v[2], "yes") && strcmp(v[2], "no")))
			return -EINVAL;
		/* "-": only thread_group zombies, none counted (abi.rst). */
		if (!strcmp(v[1], "-") && !n)
			z->oldest_ns = PT_OLDEST_NONE;
		else if (parse_known(v[1], &z->oldest_ns))
			return -EINVAL;
		z->zombies = (int)n;
		z->waited = !strcmp(v[2], "yes");
		z->ppid = 0;
	} else if (!strcmp(f[0], "zombie") && c->parent) {
		v[0] = pt_key_value(f[2], "ppid");
		v[1] = pt_key_value(f[3], "kind");
		v[2] = pt_key_value(f[4], "age_ns");
		v[3] = pt_key_value(f[5], "exit");
		v[4] = pt_key_value(f[6], "comm");
		for (i = 0; i < 5; i++)
			if (!v[i])
				return -EINVAL;
		if (pt_parse_int(v[0], &z->ppid) || z->ppid != c->parent ||
		    strlen(v[1]) >= sizeof(z->kind) ||
		    parse_known(v[2], &z->age_ns) ||
		    strlen(v[3]) >= sizeof(z->exit))
			return -EINVAL;
		snprintf(z->kind, sizeof(z->kind), "%s", v[1]);
		snprintf(z->exit, sizeof(z->exit), "%s", v[3]);
		v[3] = v[4];
	} else {
		pt_seterr("want a parent line, then its zombie lines");
		return -EINVAL;
	}
	if (parse_comm(v[3], z->comm, esc))
		return -EINVAL;
	c->z->n++;
	return 0;
}

static const struct view_parser zombies_parser = {
	.name = PROCTRACE_FILE_ZOMBIES,
	.line = zombie_line,
};

int pt_parse_zombies(const char *buf, struct pt_zombies *out)
{
	struct zombies_ctx c = { .z = out };

	memset(out, 0, sizeof(*out));
	return parse_lines(buf, &zombies_parser, &c);
}

struct orphans_ctx {
	struct pt_orphans *o;
	size_t cap;
};

static int orphan_line(char *line, int lineno, void *ctx)
{
	struct orphans_ctx *c = ctx;
	char esc[PT_COMM_ESC_LEN];
	struct pt_orphan *o;
	long long n;
	char *f[6];

	pt_err[0] = '\0';
	if (split_fields(line, f, 6) != 6) {
		pt_seterr("want 6 fields");
		return -EINVAL;
	}
	if (grow((void **)&c->o->v, &c->cap, c->o->n, sizeof(*o)))
		return -ENOMEM;
	o = &c->o->v[c->o->n];
	memset(o, 0, sizeof(*o));
	o->line = lineno;
	if (!strcmp(f[1], "-")) {
		o->orig_ppid = 0;
	} else {
		if (parse_known(f[1], &n) || !n || n > INT_MAX)
			return -EINVAL;
		o->orig_ppid = (int)n;
	}
	if (pt_parse_int(f[0], &o->pid) || !o->pid ||
	    pt_parse_int(f[2], &o->reaper) ||
	    (strcmp(f[3], PROCTRACE_REAPER_INIT) &&
	     strcmp(f[3], PROCTRACE_REAPER_SUBREAPER) &&
	     strcmp(f[3], PROCTRACE_REAPER_OTHER)) ||
	    pt_parse_ull(f[4], &o->orphaned_ns) ||
	    parse_comm(f[5], o->comm, esc))
		return -EINVAL;
	snprintf(o->reaper_kind, sizeof(o->reaper_kind), "%s", f[3]);
	c->o->n++;
	return 0;
}

static const struct view_parser orphans_parser = {
	.name = PROCTRACE_FILE_ORPHANS,
	.line = orphan_line,
};

int pt_parse_orphans(const char *buf, struct pt_orphans *out)
{
	struct orphans_ctx c = { .o = out };
	int ret, dup;

	memset(out, 0, sizeof(*out));
	ret = parse_lines(buf, &orphans_parser, &c);
	if (ret)
		return ret;
	dup = pidmap_build(&out->map, out->v, out->n, sizeof(*out->v));
	if (dup) {
		pt_seterr("orphans: pid %d listed more than once", dup);
		return -EEXIST;
	}
	return 0;
}

void pt_zombies_free(struct pt_zombies *z)
{
	free(z->v);
	memset(z, 0, sizeof(*z));
}

void pt_orphans_free(struct pt_orphans *o)
{
	free(o->v);
	free(o->map.e);
	memset(o, 0, sizeof(*o));
}

const struct pt_orphan *pt_orphans_find(const struct pt_orphans *o, int pid)
{
	int i = pidmap_find(&o->map, pid);

	return i < 0 ? NULL : &o->v[i];
}

void pt_tasks_free(struct pt_tasks *t)
{
	free(t->v);
	free(t->map.e);
	memset(t, 0, sizeof(*t));
}

void pt_tree_free(struct pt_tree *t)
{
	free(t->v);
	free(t->map.e);
	memset(t, 0, sizeof(*t));
}

void pt_kthreads_free(struct pt_kthreads *k)
{
	free(k->v);
	free(k->map.e);
	memset(k, 0, sizeof(*k));
}

const struct pt_task *pt_tasks_find(const struct pt_tasks *t, int pid)
{
	int i = pidmap_find(&t->map, pid);

	return i < 0 ? NULL : &t->v[i];
}

const struct pt_tree_node *pt_tree_find(const struct pt_tree *t, int pid)
{
	int i = pidmap_find(&t->map, pid);

	return i < 0 ? NULL : &t->v[i];
}

const struct pt_kthread *pt_kthreads_find(const struct pt_kthreads *k, int pid)
{
	int i = pidmap_find(&k->map, pid);

	return i < 0 ? NULL : &k->v[i];
}

/*
 * The comm sits between the first '(' and the last ')', and may itself
 * contain spaces, parentheses and newlines; only what follows the last ')'
 * splits cleanly on spaces.
 */
int pt_parse_stat(const char *text, struct pt_stat *st)
{
	const char *open = strchr(text, '('), *close = strrchr(text, ')');
	const char *p;
	char *end;
	size_t len;
	int field;

	memset(st, 0, sizeof(*st));
	if (!open || !close || close < open || open == text ||
	    open[-1] != ' ') {
		pt_seterr("stat: no '(comm)' in '%.64s'", text);
		return -EINVAL;
	}
	st->pid = (int)strtol(text, &end, 10);
	if (end != open - 1)
		goto bad;
	len = close - open - 1;
	if (len >= sizeof(st->comm))
		len = sizeof(st->comm) - 1;
	memcpy(st->comm, open + 1, len);
	st->comm[len] = '\0';
	p = close + 1;
	for (field = 3; field <= 22; field++) {
		unsigned long long v;

		if (*p++ != ' ')
			goto bad;
		if (field == 3) {
			st->state = *p++;
			continue;
		}
		errno = 0;
		v = strtoull(p, &end, 10);
		if (end == p || errno)
			goto bad;
		/*
		 * priority and nice (fields 18, 19) may be negative; strtoull()
		 * accepts the sign and only the fields below are kept.
		 */
		p = end;
		switch (field) {
		case 4:
			st->ppid = (int)v;
			break;
		case 9:
			st->flags = (unsigned long)v;
			break;
		case 20:
			st->num_threads = (long)v;
			break;
		case 22:
			st->starttime = v;
			break;
		}
	}
	return 0;
bad:
	pt_seterr("stat: cannot parse '%.128s'", text);
	return -EINVAL;
}

static int status_field(const char *text, const char *key, int *v)
{
	size_t klen = strlen(key);
	const char *p = text;

	while (p) {
		if (!strncmp(p, key, klen) && p[klen] == ':') {
			*v = atoi(p + klen + 1);
			return 0;
		}
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	pt_seterr("status: no %s: line", key);
	return -EINVAL;
}

int pt_parse_status(const char *text, struct pt_status *st)
{
	const char *state;

	memset(st, 0, sizeof(*st));
	if (status_field(text, "Tgid", &st->tgid) ||
	    status_field(text, "Pid", &st->pid) ||
	    status_field(text, "PPid", &st->ppid) ||
	    status_field(text, "Threads", &st->threads))
		return -EINVAL;
	state = strstr(text, "\nState:");
	if (!state) {
		pt_seterr("status: no State: line");
		return -EINVAL;
	}
	state += strlen("\nState:");
	state += strspn(state, " \t");
	st->state = *state;
	return 0;
}

static void task_path(char *path, size_t size, const char *proc, int tgid,
		      int tid, const char *file)
{
	if (tid > 0)
		snprintf(path, size, "%s/%d/task/%d/%s", proc, tgid, tid, file);
	else
		snprintf(path, size, "%s/%d/%s", proc, tgid, file);
}

int pt_read_stat(const char *proc, int tgid, int tid, struct pt_stat *st)
{
	char path[256], *buf;
	int ret;

	task_path(path, sizeof(path), proc, tgid, tid, "stat");
	ret = pt_read_path(path, &buf, NULL);
	if (ret)
		return ret;
	ret = pt_parse_stat(buf, st);
	free(buf);
	return ret;
}

int pt_read_status(const char *proc, int tgid, int tid, struct pt_status *st)
{
	char path[256], *buf;
	int ret;

	task_path(path, sizeof(path), proc, tgid, tid, "status");
	ret = pt_read_path(path, &buf, NULL);
	if (ret)
		return ret;
	ret = pt_parse_status(buf, st);
	free(buf);
	return ret;
}

/* /proc/PID/comm ends with one newline that is not part of the name. */
int pt_read_comm(const char *proc, int tgid, int tid, char *out, size_t size)
{
	char path[256], *buf;
	size_t len;
	int ret;

	task_path(path, sizeof(path), proc, tgid, tid, "comm");
	ret = pt_read_path(path, &buf, &len);
	if (ret)
		return ret;
	if (len && buf[len - 1] == '\n')
		buf[--len] = '\0';
	snprintf(out, size, "%s", buf);
	free(buf);
	return 0;
}

static bool numeric(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

/* Tasks that vanish while the walk runs are left out, not errors. */
int pt_scan(const char *proc, struct pt_scan *s)
{
	struct pt_scan_ent *e;
	struct dirent *d, *t;
	struct pt_stat st;
	char path[256];
	DIR *pd, *td;
	size_t cap = 0;
	int tgid, tid;

	memset(s, 0, sizeof(*s));
	pd = opendir(proc);
	if (!pd) {
		int err = errno;

		pt_seterr("opendir %s: %s", proc, strerror(err));
		return -err;
	}
	while ((d = readdir(pd))) {
		if (!numeric(d->d_name))
			continue;
		tgid = atoi(d->d_name);
		snprintf(path, sizeof(path), "%s/%d/task", proc, tgid);
		td = opendir(path);
		if (!td)
			continue;
		s->nproc++;
		while ((t = readdir(td))) {
			if (!numeric(t->d_name))
				continue;
			tid = atoi(t->d_name);
			if (pt_read_stat(proc, tgid, tid, &st))
				continue;
			if (grow((void **)&s->v, &cap, s->n, sizeof(*e))) {
				closedir(td);
				closedir(pd);
				return -ENOMEM;
			}
			e = &s->v[s->n++];
			e->tid = tid;
			e->tgid = tgid;
			e->ppid = st.ppid;
			e->state = st.state;
			e->flags = st.flags;
			e->start = st.starttime;
			memcpy(e->comm, st.comm, sizeof(e->comm));
		}
		closedir(td);
	}
	closedir(pd);
	if (pidmap_build(&s->map, s->v, s->n, sizeof(*s->v))) {
		pt_seterr("scan of %s: a tid seen twice", proc);
		return -EEXIST;
	}
	return 0;
}

const struct pt_scan_ent *pt_scan_find(const struct pt_scan *s, int tid)
{
	int i = pidmap_find(&s->map, tid);

	return i < 0 ? NULL : &s->v[i];
}

/* Same task (tid, tgid and start time) in both scans: it lived throughout. */
bool pt_scan_stable(const struct pt_scan *a, const struct pt_scan *b, int tid,
		    const struct pt_scan_ent **ent)
{
	const struct pt_scan_ent *x = pt_scan_find(a, tid);
	const struct pt_scan_ent *y = pt_scan_find(b, tid);

	if (!x || !y || x->tgid != y->tgid || x->start != y->start)
		return false;
	if (ent)
		*ent = x;
	return true;
}

void pt_scan_free(struct pt_scan *s)
{
	free(s->v);
	free(s->map.e);
	memset(s, 0, sizeof(*s));
}

/* Returns the 1-based line of the first match, 0 for none. */
int pt_find_kernel_address(const char *buf, char *match, size_t size)
{
	regmatch_t m;
	regex_t re;
	const char *start, *end;
	int line = 1;

	if (regcomp(&re, "(0x)?ffff[0-9a-f]{12}", REG_EXTENDED | REG_ICASE))
		return -EINVAL;
	if (regexec(&re, buf, 1, &m, 0)) {
		regfree(&re);
		return 0;
	}
	regfree(&re);
	for (start = buf; start < buf + m.rm_so; start++)
		if (*start == '\n')
			line++;
	start = buf + m.rm_so;
	while (start > buf && start[-1] != '\n')
		start--;
	end = strchr(buf + m.rm_so, '\n');
	if (!end)
		end = buf + strlen(buf);
	snprintf(match, size, "%.*s", (int)(end - start), start);
	return line;
}

long long pt_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/* What is left until @deadline (pt_now_ms()), 0 once it has passed. */
int pt_left_ms(long long deadline)
{
	long long left = deadline - pt_now_ms();

	return left > 0 ? (int)left : 0;
}

unsigned long long pt_boottime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_BOOTTIME, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

int pt_write_full(int fd, const void *p, size_t n)
{
	const char *c = p;
	ssize_t w;

	while (n) {
		w = write(fd, c, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return w < 0 ? -errno : -EIO;
		c += w;
		n -= w;
	}
	return 0;
}

/*
 * The timeout only bounds how long a broken test hangs; ordering comes
 * from the data itself. -EPIPE means every writer is gone.
 */
int pt_read_full(int fd, void *p, size_t n, int timeout_ms)
{
	long long deadline = pt_now_ms() + timeout_ms;
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	char *c = p;
	long long left;
	ssize_t r;

	while (n) {
		left = deadline - pt_now_ms();
		if (timeout_ms >= 0 && left <= 0)
			return -ETIMEDOUT;
		r = poll(&pfd, 1, timeout_ms < 0 ? -1 : (int)left);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (!r)
			return -ETIMEDOUT;
		r = read(fd, c, n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (!r)
			return -EPIPE;
		c += r;
		n -= r;
	}
	return 0;
}

void pt_wait_eof(int fd)
{
	char buf[64];
	ssize_t r;

	do {
		r = read(fd, buf, sizeof(buf));
	} while (r > 0 || (r < 0 && errno == EINTR));
}

int pt_send_msg(int fd, int role, int index, int err)
{
	struct pt_msg m = {
		.role = role,
		.index = index,
		.pid = getpid(),
		.tid = gettid(),
		.err = err,
	};

	return pt_write_full(fd, &m, sizeof(m));
}

/*
 * The kernel has no event for "this task went to sleep in read()", so this
 * re-reads the state until it matches; every other transition the tests
 * need is awaited with wait*() or a pipe.
 */
int pt_wait_state(const char *proc, int tgid, int tid, char state,
		  int timeout_ms)
{
	long long deadline = pt_now_ms() + timeout_ms;
	struct pt_stat st;
	int ret;

	for (;;) {
		ret = pt_read_stat(proc, tgid, tid, &st);
		if (ret)
			return ret;
		if (st.state == state)
			return 0;
		if (pt_now_ms() > deadline) {
			pt_seterr("task %d/%d stays in state %c, want %c", tgid,
				  tid, st.state, state);
			return -ETIMEDOUT;
		}
		sched_yield();
	}
}

int pt_run_capture(const char *const argv[], char **out, size_t *len,
		   pid_t *pid)
{
	int p[2], status, ret, devnull;
	pid_t child;

	if (pipe2(p, O_CLOEXEC))
		return -errno;
	child = fork();
	if (child < 0) {
		ret = -errno;
		close(p[0]);
		close(p[1]);
		return ret;
	}
	if (!child) {
		devnull = open("/dev/null", O_WRONLY);
		if (dup2(p[1], STDOUT_FILENO) < 0 || devnull < 0 ||
		    dup2(devnull, STDERR_FILENO) < 0)
			_exit(126);
		/* execvp() only takes char *const [] for history's sake */
		execvp(argv[0], (char *const *)argv);
		_exit(127);
	}
	close(p[1]);
	if (pid)
		*pid = child;
	ret = pt_read_fd(p[0], out, len);
	close(p[0]);
	while (waitpid(child, &status, 0) < 0) {
		if (errno == EINTR)
			continue;
		if (!ret) {
			ret = -errno;
			free(*out);
		}
		break;
	}
	return ret ? ret : status;
}

int pt_read_long(const char *path, long *v)
{
	char *buf, *end;
	int ret;

	ret = pt_read_path(path, &buf, NULL);
	if (ret)
		return ret;
	*v = strtol(buf, &end, 10);
	ret = end == buf ? -EINVAL : 0;
	free(buf);
	return ret;
}

int pt_write_str(const char *path, const char *s)
{
	int fd, ret;

	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ret = pt_write_full(fd, s, strlen(s));
	close(fd);
	return ret;
}

/* The first line of a small file such as a sysfs or debugfs knob. */
int pt_read_str(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

int pt_write_long(const char *path, long v)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%ld\n", v);
	return pt_write_str(path, buf);
}

#define THREADS_MAX_PATH "/proc/sys/kernel/threads-max"
#define PID_MAX_PATH "/proc/sys/kernel/pid_max"

/*
 * threads-max scales with RAM and with THREAD_SIZE: a KASAN kernel's
 * stacks are twice as large, so a 3 GiB guest allows fewer than 10,000
 * threads. Room for four times @tasks threads and twice as many pids
 * (the rest of the system lives on), as root, with RLIMIT_NPROC lifted;
 * what was raised is remembered in @saved for pt_restore_task_limits().
 * Returns 0 or -errno, with pt_errmsg() saying which knob.
 */
int pt_raise_task_limits(long tasks, struct pt_task_limits *saved)
{
	struct rlimit rl = { RLIM_INFINITY, RLIM_INFINITY };
	const struct {
		const char *path;
		long want;
		long *old;
	} knob[] = {
		{ THREADS_MAX_PATH, 4 * tasks, &saved->threads_max },
		{ PID_MAX_PATH, 2 * tasks, &saved->pid_max },
	};
	unsigned int i;
	int ret;

	saved->threads_max = 0;
	saved->pid_max = 0;
	setrlimit(RLIMIT_NPROC, &rl);
	for (i = 0; i < ARRAY_SIZE(knob); i++) {
		ret = pt_read_long(knob[i].path, knob[i].old);
		if (!ret && *knob[i].old < knob[i].want)
			ret = pt_write_long(knob[i].path, knob[i].want);
		else
			*knob[i].old = 0;
		if (ret) {
			*knob[i].old = 0;
			pt_restore_task_limits(saved);
			pt_seterr("raising %s to %ld: %s", knob[i].path,
				  knob[i].want, strerror(-ret));
			return ret;
		}
	}
	return 0;
}

void pt_restore_task_limits(struct pt_task_limits *saved)
{
	if (saved->threads_max)
		pt_write_long(THREADS_MAX_PATH, saved->threads_max);
	if (saved->pid_max)
		pt_write_long(PID_MAX_PATH, saved->pid_max);
	saved->threads_max = 0;
	saved->pid_max = 0;
}

unsigned long long pt_ns_per_tick(void)
{
	long hz = sysconf(_SC_CLK_TCK);

	return 1000000000ULL / (unsigned long long)(hz > 0 ? hz : 100);
}

#define UNLOAD_TRIES 1000

/*
 * Open files do not pin the module, only transient references can: it is
 * retried while the kernel says it is busy, a bounded number of times.
 */
int pt_unload_module(void)
{
	int tries;

	for (tries = 0; tries < UNLOAD_TRIES; tries++) {
		if (!syscall(SYS_delete_module, PT_MODULE, O_NONBLOCK))
			return 0;
		if (errno != EAGAIN && errno != EBUSY)
			return -errno;
		sched_yield();
	}
	return -EBUSY;
}

static const char *check_who = "child";
static int check_failures;

void pt_checks_start(const char *who)
{
	check_who = who;
	check_failures = 0;
}

int pt_checks_failed(void)
{
	return check_failures;
}

static void check_fail(int line, const char *what, long long a, long long b)
{
	check_failures++;
	fprintf(stderr, "# %s, line %d: %s (%lld, %lld)\n", check_who, line,
		what, a, b);
}

void pt_check(bool ok, int line, const char *what)
{
	if (!ok)
		check_fail(line, what, 0, 0);
}

void pt_check_eq(long long a, long long b, int line, const char *what)
{
	if (a != b)
		check_fail(line, what, a, b);
}
