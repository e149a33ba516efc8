// SPDX-License-Identifier: GPL-2.0-only
/*
 * Text and JSON output from the same print calls. JSON documents are
 * built with json-c, which does all the escaping; text is written as it
 * comes, with ANSI colors when they were asked for.
 */
#include <json.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "output.h"
#include "util.h"

static FILE *out_fp;
static struct out_opts opts;
static void (*text_sink)(const char *s, enum out_color c, void *arg);
static void *text_sink_arg;

/* Containers from the root down to the one being filled. */
static struct json_object **stack;
static size_t depth, stack_cap;

static const char *const ansi[OUT_NCOLORS] = {
	[OUT_NONE] = "",	  [OUT_RED] = "\033[31m",
	[OUT_GREEN] = "\033[32m", [OUT_YELLOW] = "\033[33m",
	[OUT_BLUE] = "\033[34m",  [OUT_MAGENTA] = "\033[35m",
	[OUT_CYAN] = "\033[36m",  [OUT_DIM] = "\033[2m",
	[OUT_BOLD] = "\033[1m",	  [OUT_ALERT] = "\033[1;31m",
};

void out_init(FILE *fp, const struct out_opts *o)
{
	out_fp = fp;
	opts = *o;
	if (opts.json)
		opts.color = false;
}

bool out_is_json(void)
{
	return opts.json;
}

bool out_is_pretty(void)
{
	return opts.pretty;
}

bool out_has_color(void)
{
	return opts.color || text_sink;
}

void out_set_sink(void (*sink)(const char *s, enum out_color c, void *arg),
		  void *arg)
{
	text_sink = sink;
	text_sink_arg = arg;
}

static void __noreturn internal_error(const char *what, const char *detail)
{
	fprintf(stderr, "proctrace: internal error: %s: %s\n", what, detail);
	abort();
}

/*
 * The conversion a format holds, as its length modifier and conversion
 * letter ("llu", "d", "s"); two or none is a bug.
 */
static void check_fmt(const char *fmt, const char *const *allowed)
{
	const char *p = fmt, *conv = NULL;
	char spec[4] = "";
	size_t i;

	while ((p = strchr(p, '%'))) {
		size_t n;

		p++;
		if (*p == '%') {
			p++;
			continue;
		}
		if (conv)
			internal_error("two conversions in format", fmt);
		conv = p;
		p += strspn(p, "-+ #0");
		p += strspn(p, "0123456789");
		if (*p == '.') {
			p++;
			p += strspn(p, "0123456789");
		}
		n = strspn(p, "hlLqjzt");
		if (n > 2 || !p[n])
			internal_error("bad conversion in format", fmt);
		memcpy(spec, p, n + 1);
		spec[n + 1] = '\0';
		p += n + 1;
	}
	if (!conv)
		internal_error("no conversion in format", fmt);
	for (i = 0; allowed[i]; i++)
		if (!strcmp(spec, allowed[i]))
			return;
	internal_error("format does not fit the value's type", fmt);
}

static const char *const fmt_uint[] = { "u", "x", "X", "o", NULL };
static const char *const fmt_int[] = { "d", "i", NULL };
static const char *const fmt_u64[] = { "llu", "llx", "llX", "llo", NULL };
static const char *const fmt_s64[] = { "lld", "lli", NULL };
static const char *const fmt_double[] = { "f", "g", "e", "F", "G", "E", NULL };
static const char *const fmt_str[] = { "s", NULL };

static void emit(enum out_color c, const char *s)
{
	if (text_sink)
		text_sink(s, c, text_sink_arg);
	else if (opts.color && c != OUT_NONE)
		fprintf(out_fp, "%s%s\033[0m", ansi[c], s);
	else
		fputs(s, out_fp);
}

/* Text mode: format, then emit. Formats come from our own code only. */
__printf(2, 0) static void text_vprint(enum out_color c, const char *fmt,
				       va_list ap)
{
	char small[512], *big = NULL;
	va_list ap2;
	int n;

	va_copy(ap2, ap);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	if (n >= (int)sizeof(small)) {
		big = xmalloc((size_t)n + 1);
		vsnprintf(big, (size_t)n + 1, fmt, ap2);
	}
	va_end(ap2);
	if (n > 0)
		emit(c, big ? big : small);
	free(big);
}

__printf(2, 3) static void text_print(enum out_color c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	text_vprint(c, fmt, ap);
	va_end(ap);
}

void print_text(enum out_color c, const char *fmt, ...)
{
	va_list ap;

	if (opts.json)
		return;
	va_start(ap, fmt);
	text_vprint(c, fmt, ap);
	va_end(ap);
}

void print_nl(void)
{
	if (!opts.json)
		emit(OUT_NONE, "\n");
}

static bool want_text(enum output_type t, const char *fmt)
{
	return !opts.json && (t & PRINT_FP) && fmt;
}

static bool want_json(enum output_type t)
{
	return opts.json && (t & PRINT_JSON);
}

static void push(struct json_object *obj)
{
	if (depth == stack_cap) {
		stack_cap = stack_cap ? 2 * stack_cap : 16;
		stack = xrealloc(stack, stack_cap, sizeof(*stack));
	}
	stack[depth++] = obj;
}

/* Add obj to the current container; takes the reference. */
static void json_add(const char *key, struct json_object *obj)
{
	struct json_object *top;

	if (!depth)
		internal_error("JSON member outside a document",
			       key ? key : "");
	top = stack[depth - 1];
	if (json_object_is_type(top, json_type_array)) {
		json_object_array_add(top, obj);
		return;
	}
	if (!key)
		internal_error("JSON member without a name", "");
	json_object_object_add(top, key, obj);
}

void out_begin(bool array)
{
	if (!opts.json)
		return;
	if (depth)
		internal_error("JSON document inside a document", "");
	push(array ? json_object_new_array() : json_object_new_object());
}

/*
 * A runtime error under --json: whatever document was being built is
 * dropped and {"error": MSG} is written in its place, on the output file,
 * so a script reading stdout always gets JSON (as bpftool's p_err() does).
 */
void out_error(const char *msg)
{
	int flags = JSON_C_TO_STRING_NOSLASHESCAPE;
	struct json_object *doc;

	if (!opts.json)
		return;
	if (depth) {
		json_object_put(stack[0]);
		depth = 0;
	}
	doc = json_object_new_object();
	json_object_object_add(doc, "error", json_object_new_string(msg));
	flags |= opts.pretty ?
			 JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED :
			 JSON_C_TO_STRING_PLAIN;
	fprintf(out_fp, "%s\n", json_object_to_json_string_ext(doc, flags));
	fflush(out_fp);
	json_object_put(doc);
}

void out_end(void)
{
	int flags = JSON_C_TO_STRING_NOSLASHESCAPE;

	if (!opts.json)
		return;
	if (depth != 1)
		internal_error("JSON document ended inside a container", "");
	flags |= opts.pretty ?
			 JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED :
			 JSON_C_TO_STRING_PLAIN;
	fprintf(out_fp, "%s\n",
		json_object_to_json_string_ext(stack[0], flags));
	json_object_put(stack[0]);
	depth = 0;
}

void open_json_object(const char *key)
{
	struct json_object *obj;

	if (!opts.json)
		return;
	obj = json_object_new_object();
	json_add(key, json_object_get(obj));
	push(obj);
	json_object_put(obj);
}

void close_json_object(void)
{
	if (!opts.json)
		return;
	if (depth < 2 ||
	    !json_object_is_type(stack[depth - 1], json_type_object))
		internal_error("closing a JSON object that is not open", "");
	depth--;
}

void open_json_array(const char *key)
{
	struct json_object *arr;

	if (!opts.json)
		return;
	arr = json_object_new_array();
	json_add(key, json_object_get(arr));
	push(arr);
	json_object_put(arr);
}

void close_json_array(void)
{
	if (!opts.json)
		return;
	if (depth < 2 ||
	    !json_object_is_type(stack[depth - 1], json_type_array))
		internal_error("closing a JSON array that is not open", "");
	depth--;
}

void print_uint(enum output_type t, const char *key, const char *fmt,
		unsigned int v)
{
	print_color_uint(t, OUT_NONE, key, fmt, v);
}

void print_color_uint(enum output_type t, enum out_color c, const char *key,
		      const char *fmt, unsigned int v)
{
	if (fmt)
		check_fmt(fmt, fmt_uint);
	if (want_json(t))
		json_add(key, json_object_new_uint64(v));
	else if (want_text(t, fmt))
		text_print(c, fmt, v);
}

void print_int(enum output_type t, const char *key, const char *fmt, int v)
{
	if (fmt)
		check_fmt(fmt, fmt_int);
	if (want_json(t))
		json_add(key, json_object_new_int64(v));
	else if (want_text(t, fmt))
		text_print(OUT_NONE, fmt, v);
}

void print_u64(enum output_type t, const char *key, const char *fmt,
	       unsigned long long v)
{
	print_color_u64(t, OUT_NONE, key, fmt, v);
}

void print_color_u64(enum output_type t, enum out_color c, const char *key,
		     const char *fmt, unsigned long long v)
{
	if (fmt)
		check_fmt(fmt, fmt_u64);
	if (want_json(t))
		json_add(key, json_object_new_uint64(v));
	else if (want_text(t, fmt))
		text_print(c, fmt, v);
}

void print_s64(enum output_type t, const char *key, const char *fmt,
	       long long v)
{
	if (fmt)
		check_fmt(fmt, fmt_s64);
	if (want_json(t))
		json_add(key, json_object_new_int64(v));
	else if (want_text(t, fmt))
		text_print(OUT_NONE, fmt, v);
}

void print_float(enum output_type t, const char *key, const char *fmt, double v)
{
	char num[64];

	if (fmt)
		check_fmt(fmt, fmt_double);
	if (want_json(t)) {
		/* json-c would print 17 digits; users want the value. */
		snprintf(num, sizeof(num), "%.6g", v);
		json_add(key, json_object_new_double_s(v, num));
	} else if (want_text(t, fmt)) {
		text_print(OUT_NONE, fmt, v);
	}
}

void print_color_string(enum output_type t, enum out_color c, const char *key,
			const char *fmt, const char *v)
{
	if (fmt)
		check_fmt(fmt, fmt_str);
	if (want_json(t)) {
		char *clean;

		if (!v) {
			json_add(key, NULL);
			return;
		}
		/* Task names are bytes; JSON must be UTF-8. */
		clean = utf8_sanitize(v);
		json_add(key, json_object_new_string(clean));
		free(clean);
	} else if (want_text(t, fmt)) {
		text_print(c, fmt, v ? v : "-");
	}
}

void print_string(enum output_type t, const char *key, const char *fmt,
		  const char *v)
{
	print_color_string(t, OUT_NONE, key, fmt, v);
}

void print_bool(enum output_type t, const char *key, const char *fmt, bool v)
{
	if (fmt)
		check_fmt(fmt, fmt_str);
	if (want_json(t))
		json_add(key, json_object_new_boolean(v));
	else if (want_text(t, fmt))
		text_print(OUT_NONE, fmt, v ? "yes" : "no");
}

void print_null(enum output_type t, const char *key, const char *fmt,
		const char *text)
{
	if (fmt)
		check_fmt(fmt, fmt_str);
	if (want_json(t))
		json_add(key, NULL);
	else if (want_text(t, fmt))
		text_print(OUT_NONE, fmt, text);
}
