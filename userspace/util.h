/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Small helpers shared by every part of the proctrace CLI: the error
 * message buffer, number parsing, the escaping rules of the ABI and of the
 * formats we emit, and time formatting.
 */
#ifndef PROCTRACE_UTIL_H
#define PROCTRACE_UTIL_H

#include <stdbool.h>
#include <stddef.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#define NSEC_PER_USEC 1000ULL
#define NSEC_PER_MSEC 1000000ULL
#define NSEC_PER_SEC 1000000000ULL

/*
 * The last error, as one sentence a user can act on. Every function that
 * fails with a message sets it; the command that gives up prints it.
 */
__printf(1, 2) void pt_err(const char *fmt, ...);
const char *err_get(void);

void *xmalloc(size_t size);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n, size_t size);
char *xstrdup(const char *s);

/* Strict decimal parsers: no sign, no spaces, no trailing garbage. */
int parse_ull(const char *s, unsigned long long *v);
int parse_int(const char *s, int *v);
/* A pid as given on the command line: 1 to INT_MAX. */
int parse_pid_arg(const char *s, int *pid);
/* Seconds with an optional fraction ("2", "0.5"), as nanoseconds. */
int parse_seconds(const char *s, unsigned long long *ns);

/*
 * The ABI writes space, tab, newline and backslash in names as a backslash
 * and three octal digits. Decode into out (outlen bytes with the NUL);
 * fails on a malformed escape, an escaped NUL or an overlong result.
 */
int abi_unescape(const char *in, char *out, size_t outlen);
/*
 * Encode a name for text output: the ABI's escapes, plus every other
 * control byte, so that a name can neither break a line nor drive the
 * terminal.
 */
void text_escape(const char *in, char *out, size_t outlen);
/* Longest result of text_escape() for an input of n bytes, with NUL. */
#define TEXT_ESC_LEN(n) (4 * (n) + 1)

/* Copy s, replacing bytes that are not valid UTF-8 by U+FFFD. */
char *utf8_sanitize(const char *s);

/* Human-readable duration: "850us", "12.3ms", "4.0s", "3m05s", "2h10m". */
void fmt_duration(unsigned long long ns, char *buf, size_t len);

/* CLOCK_BOOTTIME and CLOCK_REALTIME now, in nanoseconds. */
unsigned long long now_boottime_ns(void);
unsigned long long now_realtime_ns(void);

/*
 * Comma-separated list matching, for options such as --type=fork,exec and
 * repeated options: all the values end up in one list.
 */
struct strlist {
	char **v;
	size_t n;
};

void strlist_add_csv(struct strlist *l, const char *csv);
bool strlist_has(const struct strlist *l, const char *s);
void strlist_free(struct strlist *l);

#endif /* PROCTRACE_UTIL_H */
