/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Where the CLI gets its data. This is the only interface the subcommands
 * use to learn about tasks; source.c implements it over /proc/proctrace
 * (the module) or the BPF backend's pinned files, and no subcommand knows
 * which.
 *
 * Every function returns 0 or a negative errno with a message in
 * err_get() that tells the user what to do:
 *   -ENOENT   the backend is not loaded, or does not provide the file
 *   -EPERM    the event stream needs privileges the caller lacks
 *   -EPROTO   the module speaks another ABI version
 *   -EBADMSG  the data does not follow the ABI
 *   other     the error of the failing system call
 */
#ifndef PROCTRACE_SOURCE_H
#define PROCTRACE_SOURCE_H

#include "model.h"

/* Environment variable that overrides the data directory (for tests). */
#define PT_ENV_PROC_DIR "PROCTRACE_PROC_DIR"

/* Environment variable that picks the backend, as --backend does. */
#define PT_ENV_BACKEND "PROCTRACE_BACKEND"

enum src_backend {
	SRC_MODULE,
	SRC_BPF,
};

/* --backend: "module" or "bpf"; -EINVAL with err_get() otherwise. */
int src_set_backend(const char *name);
/*
 * The backend in use: as set, else $PROCTRACE_BACKEND, else the module
 * when /proc/proctrace exists, else the BPF backend when it is loaded.
 */
enum src_backend src_backend(void);
const char *src_backend_name(void);
/*
 * Where the data comes from, for messages: "/proc/proctrace", the BPF
 * backend's directory, or $PROCTRACE_PROC_DIR.
 */
const char *src_location(void);

int src_read_tree(struct pt_tree *t);
int src_read_tasks(struct pt_tasks *t);
int src_read_stats(struct pt_stats *s);
int src_read_kthreads(struct pt_kthreads *k);
int src_read_zombies(struct pt_zombies *z);
int src_read_orphans(struct pt_orphans *o);

/* The event stream: one reader, with its own position. */
struct src_events;

enum src_ev_status {
	/* A record was stored. */
	SRC_EV_RECORD,
	/* Nothing to read now; wait with poll() on src_events_fd(). */
	SRC_EV_AGAIN,
	/* The stream ended (a file's end; the module never ends it so). */
	SRC_EV_EOF,
	/* A malformed record was skipped; err_get() says why. */
	SRC_EV_SKIPPED,
	/* The stream cannot be read any further; err_get() says why. */
	SRC_EV_ERROR,
};

int src_events_open(struct src_events **evs);
int src_events_fd(const struct src_events *evs);
enum src_ev_status src_events_next(struct src_events *evs, struct pt_event *ev);
void src_events_close(struct src_events *evs);

#endif /* PROCTRACE_SOURCE_H */
