/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * One set of print calls for both output modes. Each call names the JSON
 * member and the text format of one value:
 *
 *	print_uint(PRINT_ANY, "pid", "%u ", pid);
 *
 * prints "1234 " in text mode and adds "pid": 1234 to the current JSON
 * object in JSON mode, so the two modes cannot drift apart. PRINT_FP and
 * PRINT_JSON restrict a call to one mode. JSON is built with json-c and
 * written by out_end(); text goes to the output file, or to a sink (the
 * curses screen of "top").
 *
 * The format must hold exactly one conversion of the value's type (%u,
 * %d, %llu, %lld, %s, %f...); a mismatch aborts, so tests catch it.
 */
#ifndef PROCTRACE_OUTPUT_H
#define PROCTRACE_OUTPUT_H

#include <stdbool.h>
#include <stdio.h>

enum output_type {
	PRINT_FP = 1,
	PRINT_JSON = 2,
	PRINT_ANY = PRINT_FP | PRINT_JSON,
};

enum out_color {
	OUT_NONE,
	OUT_RED,
	OUT_GREEN,
	OUT_YELLOW,
	OUT_BLUE,
	OUT_MAGENTA,
	OUT_CYAN,
	OUT_DIM,
	OUT_BOLD,
	/* Bold red: something the user must not miss (lost records). */
	OUT_ALERT,
	OUT_NCOLORS,
};

struct out_opts {
	bool json;
	bool pretty;
	bool color;
};

void out_init(FILE *fp, const struct out_opts *opts);
bool out_is_json(void);
/* Under --json, {"error": msg} on the output file instead of the document. */
void out_error(const char *msg);
bool out_is_pretty(void);
bool out_has_color(void);
/* Text from now on goes to sink (NULL: back to the output file). */
void out_set_sink(void (*sink)(const char *s, enum out_color c, void *arg),
		  void *arg);

/*
 * JSON mode builds one document at a time: out_begin() starts it with an
 * object or array as its root, out_end() writes it and a newline.
 * Both do nothing in text mode.
 */
void out_begin(bool array);
void out_end(void);

/* key is ignored inside arrays. */
void open_json_object(const char *key);
void close_json_object(void);
void open_json_array(const char *key);
void close_json_array(void);

void print_uint(enum output_type t, const char *key, const char *fmt,
		unsigned int v);
void print_int(enum output_type t, const char *key, const char *fmt, int v);
void print_u64(enum output_type t, const char *key, const char *fmt,
	       unsigned long long v);
void print_s64(enum output_type t, const char *key, const char *fmt,
	       long long v);
void print_float(enum output_type t, const char *key, const char *fmt,
		 double v);
/* A NULL value is JSON null, and "-" in text. */
void print_string(enum output_type t, const char *key, const char *fmt,
		  const char *v);
/* Text gets "yes" or "no". */
void print_bool(enum output_type t, const char *key, const char *fmt, bool v);
/* JSON null; text prints text with fmt. */
void print_null(enum output_type t, const char *key, const char *fmt,
		const char *text);

void print_color_string(enum output_type t, enum out_color c, const char *key,
			const char *fmt, const char *v);
void print_color_uint(enum output_type t, enum out_color c, const char *key,
		      const char *fmt, unsigned int v);
void print_color_u64(enum output_type t, enum out_color c, const char *key,
		     const char *fmt, unsigned long long v);

/* Text mode only. */
__printf(2, 3) void print_text(enum out_color c, const char *fmt, ...);
void print_nl(void);

#endif /* PROCTRACE_OUTPUT_H */
