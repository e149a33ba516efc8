// SPDX-License-Identifier: GPL-2.0-only
/*
 * Where the views come from: the module's /proc/proctrace, or the BPF
 * backend's pinned files under PROCTRACE_BPF_DIR, which have the same
 * formats (abi.rst); the views that backend does not pin are built by
 * source_bpf.c. This is the only code that opens either. Each snapshot
 * file is read whole from one open() (one open is one snapshot, see
 * abi.rst) and handed to the parsers.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "parse.h"
#include "source.h"
#include "source_bpf.h"
#include "util.h"

#define DEFAULT_DIR "/proc/" PROCTRACE_PROC_DIR
/* Comfortably more than one record: read() returns whole lines only. */
#define EV_BUF_SIZE (16 * PROCTRACE_EVENT_LINE_MAX)

struct src_events {
	/* The BPF backend's stream, instead of fd and the rest. */
	struct bpf_stream *bpf;
	int fd;
	bool header_seen;
	bool eof;
	bool failed;
	/* Unread data is buf[start..len). */
	size_t start;
	size_t len;
	char buf[EV_BUF_SIZE];
};

static const char *const backend_names[] = {
	[SRC_MODULE] = "module",
	[SRC_BPF] = "bpf",
};

/* -1 until chosen by --backend, PROCTRACE_BACKEND or what is loaded. */
static int backend = -1;

int src_set_backend(const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(backend_names); i++) {
		if (!strcmp(name, backend_names[i])) {
			backend = (int)i;
			return 0;
		}
	}
	pt_err("unknown backend '%s': use module or bpf", name);
	return -EINVAL;
}

enum src_backend src_backend(void)
{
	const char *env = getenv(PT_ENV_BACKEND);

	if (backend >= 0)
		return backend;
	if (env && *env && !src_set_backend(env))
		return backend;
	/*
	 * The module when it is loaded (or a directory of its files is
	 * named), else the BPF backend when it is loaded.
	 */
	backend = SRC_MODULE;
	if (!getenv(PT_ENV_PROC_DIR) && access(DEFAULT_DIR, F_OK) &&
	    !access(PROCTRACE_BPF_DIR, F_OK))
		backend = SRC_BPF;
	return backend;
}

const char *src_backend_name(void)
{
	return backend_names[src_backend()];
}

const char *src_location(void)
{
	const char *dir = getenv(PT_ENV_PROC_DIR);

	if (dir && *dir)
		return dir;
	return src_backend() == SRC_BPF ? PROCTRACE_BPF_DIR : DEFAULT_DIR;
}

static int open_file(const char *name, int flags)
{
	const char *dir = src_location();
	char path[4096];
	struct stat st;
	int fd, e;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, flags | O_RDONLY | O_CLOEXEC);
	if (fd >= 0)
		return fd;
	e = errno;
	if (e == ENOENT && stat(dir, &st)) {
		if (!strcmp(dir, DEFAULT_DIR))
			pt_err("%s not found: proctrace is not loaded; load the module (sudo insmod proctrace.ko, or sudo modprobe proctrace) or, where modules cannot load, the BPF backend (sudo proctrace bpf load)",
			       dir);
		else if (!strcmp(dir, PROCTRACE_BPF_DIR))
			pt_err("%s not found: the BPF backend is not loaded; run: sudo proctrace bpf load",
			       dir);
		else
			pt_err("%s not found (set by %s)", dir,
			       PT_ENV_PROC_DIR);
		return -ENOENT;
	}
	if (e == ENOENT && !strcmp(dir, PROCTRACE_BPF_DIR)) {
		pt_err("%s not found: the BPF backend does not provide %s (abi.rst); load the module for it, or run: sudo proctrace bpf status",
		       path, name);
		return -ENOENT;
	}
	if ((e == EACCES || e == EPERM) && !strcmp(dir, PROCTRACE_BPF_DIR)) {
		pt_err("%s: %s: the BPF backend's files are root's; run as root",
		       path, strerror(e));
		return -e;
	}
	if (e == ENOENT) {
		pt_err("%s not found: the loaded proctrace module does not provide it; it is older than ABI v%d",
		       path, PT_ABI_VERSION);
		return -ENOENT;
	}
	if ((e == EPERM || e == EACCES) &&
	    !strcmp(name, PROCTRACE_FILE_EVENTS)) {
		pt_err("%s: reading events needs CAP_SYS_ADMIN or CAP_PERFMON; run as root",
		       path);
		return -EPERM;
	}
	pt_err("%s: %s", path, strerror(e));
	return -e;
}

/* The whole file, NUL-terminated, in a buffer the caller frees. */
static int read_file(const char *name, char **out)
{
	size_t cap = 65536, len = 0;
	char *buf;
	int fd = open_file(name, 0);

	if (fd < 0)
		return fd;
	buf = xmalloc(cap);
	for (;;) {
		ssize_t n;

		if (cap - len < 4097) {
			cap *= 2;
			buf = xrealloc(buf, cap, 1);
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = errno;

			pt_err("%s/%s: read: %s", src_location(), name,
			       strerror(e));
			close(fd);
			free(buf);
			return -e;
		}
		if (!n)
			break;
		len += (size_t)n;
	}
	close(fd);
	if (memchr(buf, '\0', len)) {
		pt_err("%s/%s: contains a NUL byte", src_location(), name);
		free(buf);
		return -EBADMSG;
	}
	buf[len] = '\0';
	*out = buf;
	return 0;
}

/* Messages from the parsers start with the file name; say where it is. */
static int finish(int err)
{
	if (err == -EBADMSG || err == -EPROTO) {
		char msg[1024];

		snprintf(msg, sizeof(msg), "%s", err_get());
		pt_err("%s/%s", src_location(), msg);
	}
	return err;
}

int src_read_tree(struct pt_tree *t)
{
	struct pt_tasks tasks;
	char *buf;
	int err;

	if (src_backend() == SRC_BPF && !getenv(PT_ENV_PROC_DIR)) {
		err = src_read_tasks(&tasks);
		if (!err) {
			err = bpf_build_tree(&tasks, t);
			pt_tasks_free(&tasks);
		}
		return err;
	}
	err = read_file(PROCTRACE_FILE_TREE, &buf);

	if (!err) {
		err = finish(pt_parse_tree(buf, t));
		free(buf);
	}
	return err;
}

static int cmp_tgid_pid(const void *a, const void *b)
{
	const struct pt_task *x = a, *y = b;

	if (x->tgid != y->tgid)
		return (x->tgid > y->tgid) - (x->tgid < y->tgid);
	return (x->pid > y->pid) - (x->pid < y->pid);
}

int src_read_tasks(struct pt_tasks *t)
{
	char *buf;
	int err = read_file(PROCTRACE_FILE_TASKS, &buf);

	if (!err) {
		err = finish(pt_parse_tasks(buf, t));
		free(buf);
	}
	/* The BPF backend lists by pid; the model is by tgid, then pid. */
	if (!err && src_backend() == SRC_BPF)
		qsort(t->v, t->n, sizeof(*t->v), cmp_tgid_pid);
	return err;
}

int src_read_stats(struct pt_stats *s)
{
	char *buf;
	int err = read_file(PROCTRACE_FILE_STATS, &buf);

	if (!err) {
		err = finish(pt_parse_stats(buf, s));
		free(buf);
	}
	return err;
}

int src_read_kthreads(struct pt_kthreads *k)
{
	char *buf;
	int err = read_file(PROCTRACE_FILE_KTHREADS, &buf);

	if (!err) {
		err = finish(pt_parse_kthreads(buf, k));
		free(buf);
	}
	return err;
}

int src_read_zombies(struct pt_zombies *z)
{
	struct pt_tasks tasks;
	char *buf;
	int err;

	if (src_backend() == SRC_BPF && !getenv(PT_ENV_PROC_DIR)) {
		err = src_read_tasks(&tasks);
		if (!err) {
			err = bpf_build_zombies(&tasks,
						PROCTRACE_BPF_DIR
						"/" PROCTRACE_BPF_LIFECYCLE,
						z);
			pt_tasks_free(&tasks);
		}
		return err;
	}
	err = read_file(PROCTRACE_FILE_ZOMBIES, &buf);

	if (!err) {
		err = finish(pt_parse_zombies(buf, z));
		free(buf);
	}
	return err;
}

int src_read_orphans(struct pt_orphans *o)
{
	char *buf;
	int err = read_file(PROCTRACE_FILE_ORPHANS, &buf);

	if (!err) {
		err = finish(pt_parse_orphans(buf, o));
		free(buf);
	}
	return err;
}

int src_events_open(struct src_events **evs)
{
	struct bpf_stream *bpf;
	int fd, err;

	if (src_backend() == SRC_BPF && !getenv(PT_ENV_PROC_DIR)) {
		err = bpf_stream_open(PROCTRACE_BPF_DIR, &bpf);
		if (err)
			return err;
		*evs = xcalloc(1, sizeof(**evs));
		(*evs)->bpf = bpf;
		(*evs)->fd = -1;
		return 0;
	}
	/* Never block in read(): callers multiplex with poll(). */
	fd = open_file(PROCTRACE_FILE_EVENTS, O_NONBLOCK);

	if (fd < 0)
		return fd;
	*evs = xcalloc(1, sizeof(**evs));
	(*evs)->fd = fd;
	return 0;
}

int src_events_fd(const struct src_events *evs)
{
	return evs->bpf ? bpf_stream_fd(evs->bpf) : evs->fd;
}

/* Take the first complete line out of the buffer, or NULL. */
static char *take_line(struct src_events *evs)
{
	char *line = evs->buf + evs->start;
	char *nl = memchr(line, '\n', evs->len - evs->start);

	if (!nl)
		return NULL;
	*nl = '\0';
	evs->start = (size_t)(nl + 1 - evs->buf);
	return line;
}

static enum src_ev_status ev_fail(struct src_events *evs)
{
	evs->failed = true;
	return SRC_EV_ERROR;
}

enum src_ev_status src_events_next(struct src_events *evs, struct pt_event *ev)
{
	char *line;
	ssize_t n;

	if (evs->bpf)
		return bpf_stream_next(evs->bpf, ev);
	if (evs->failed)
		return SRC_EV_ERROR;
	for (;;) {
		line = take_line(evs);
		if (line && !evs->header_seen) {
			if (finish(pt_parse_events_header(line)))
				return ev_fail(evs);
			evs->header_seen = true;
			continue;
		}
		if (line)
			return finish(pt_parse_event(line, ev)) ?
				       SRC_EV_SKIPPED :
				       SRC_EV_RECORD;
		if (evs->eof) {
			if (evs->start == evs->len)
				return SRC_EV_EOF;
			pt_err("%s/%s: the stream ended inside a record",
			       src_location(), PROCTRACE_FILE_EVENTS);
			evs->start = evs->len;
			return SRC_EV_SKIPPED;
		}
		/* Keep the partial line, at the start of the buffer. */
		memmove(evs->buf, evs->buf + evs->start, evs->len - evs->start);
		evs->len -= evs->start;
		evs->start = 0;
		if (evs->len == EV_BUF_SIZE) {
			pt_err("%s/%s: record longer than %d bytes",
			       src_location(), PROCTRACE_FILE_EVENTS,
			       EV_BUF_SIZE);
			return ev_fail(evs);
		}
		n = read(evs->fd, evs->buf + evs->len, EV_BUF_SIZE - evs->len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return SRC_EV_AGAIN;
		/* abi.rst: how the stream ends, and nothing else means it. */
		if (n < 0 && errno == EIO) {
			pt_err("proctrace was unloaded: the event stream ended");
			return ev_fail(evs);
		}
		if (n < 0) {
			pt_err("%s/%s: read: %s", src_location(),
			       PROCTRACE_FILE_EVENTS, strerror(errno));
			return ev_fail(evs);
		}
		if (!n)
			evs->eof = true;
		evs->len += (size_t)n;
	}
}

void src_events_close(struct src_events *evs)
{
	if (!evs)
		return;
	bpf_stream_close(evs->bpf);
	if (evs->fd >= 0)
		close(evs->fd);
	free(evs);
}
