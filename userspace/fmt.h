/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * How the subcommands print the values they share (names, states, exit
 * statuses, ages), so that "zombies", "show", "watch" and "top" agree on
 * both the text and the JSON form of each.
 */
#ifndef PROCTRACE_FMT_H
#define PROCTRACE_FMT_H

#include <stdbool.h>

#include "model.h"
#include "output.h"

/* Text: escaped (no whitespace, no control bytes); JSON: the raw name. */
void print_comm(enum output_type t, enum out_color c, const char *key,
		const char *fmt, const char *comm);
/* A one-letter string. */
void print_state(enum output_type t, const char *key, const char *fmt,
		 char state);
/*
 * Text: "exited(0)"; JSON: {"text", "kind", "code", "signal"}, or null
 * when unknown.
 */
void print_exit(enum output_type t, const char *key, const char *fmt,
		const struct pt_exit *e);
/* Text: "8.1s" (or "unknown"); JSON: nanoseconds, or null. */
void print_duration(enum output_type t, const char *key, const char *fmt,
		    bool known, unsigned long long ns);
/* A comma list of the set bits' names; JSON: an array of them. */
void print_bits(enum output_type t, const char *key, const char *fmt,
		unsigned int bits, const char *const *names, unsigned int n);

#endif /* PROCTRACE_FMT_H */
