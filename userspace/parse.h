/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Parsers of the text formats of /proc/proctrace (Documentation/abi.rst).
 * They work on NUL-terminated buffers, which they modify, and never touch
 * a file, so the unit tests feed them fixtures directly.
 *
 * Each returns 0, -EPROTO when the header names an ABI version this CLI
 * does not speak, or -EBADMSG for anything else that does not follow the
 * ABI; the message (file and line included) is in err_get().
 */
#ifndef PROCTRACE_PARSE_H
#define PROCTRACE_PARSE_H

#include "model.h"

/* The ABI version this CLI speaks. */
#define PT_ABI_VERSION PROCTRACE_ABI_VERSION

/*
 * Check one header line (without its newline) of file, whose columns
 * (NULL for a file without a column list) must be exactly these.
 */
int pt_parse_header(const char *line, const char *file, const char *columns);

int pt_parse_tree(char *buf, struct pt_tree *t);
int pt_parse_tasks(char *buf, struct pt_tasks *t);
int pt_parse_stats(char *buf, struct pt_stats *s);
int pt_parse_kthreads(char *buf, struct pt_kthreads *k);
int pt_parse_zombies(char *buf, struct pt_zombies *z);
int pt_parse_orphans(char *buf, struct pt_orphans *o);

/* One line of "events" (after its header), without the newline. */
int pt_parse_event(char *line, struct pt_event *ev);
int pt_parse_events_header(const char *line);

/* "exited(0)", "killed(SIGKILL)", "dumped(SIGSEGV)" or "unknown". */
int pt_parse_exit(const char *s, struct pt_exit *e);

#endif /* PROCTRACE_PARSE_H */
