// SPDX-License-Identifier: GPL-2.0-only
/*
 * Text and JSON forms of the values several subcommands print.
 */
#include <stdio.h>
#include <string.h>

#include "fmt.h"
#include "util.h"

void print_comm(enum output_type t, enum out_color c, const char *key,
		const char *fmt, const char *comm)
{
	char esc[TEXT_ESC_LEN(PT_COMM_LEN)];

	if (t & PRINT_FP) {
		text_escape(comm, esc, sizeof(esc));
		print_color_string(PRINT_FP, c, key, fmt, esc);
	}
	if (t & PRINT_JSON)
		print_string(PRINT_JSON, key, NULL, comm);
}

void print_state(enum output_type t, const char *key, const char *fmt,
		 char state)
{
	char s[2] = { state, '\0' };

	print_string(t, key, fmt, s);
}

void print_exit(enum output_type t, const char *key, const char *fmt,
		const struct pt_exit *e)
{
	char text[64];

	pt_exit_format(e, text, sizeof(text));
	if (t & PRINT_FP)
		print_color_string(PRINT_FP,
				   e->how == PT_EXIT_EXITED && !e->code ?
					   OUT_NONE :
					   OUT_YELLOW,
				   key, fmt, text);
	if (!(t & PRINT_JSON))
		return;
	if (e->how == PT_EXIT_UNKNOWN) {
		print_null(PRINT_JSON, key, NULL, NULL);
		return;
	}
	open_json_object(key);
	print_string(PRINT_JSON, "text", NULL, text);
	print_string(PRINT_JSON, "kind", NULL, pt_exit_how_names[e->how]);
	if (e->how == PT_EXIT_EXITED) {
		print_int(PRINT_JSON, "code", NULL, e->code);
		print_null(PRINT_JSON, "signal", NULL, NULL);
	} else {
		print_null(PRINT_JSON, "code", NULL, NULL);
		print_string(PRINT_JSON, "signal", NULL, e->signame);
	}
	close_json_object();
}

void print_duration(enum output_type t, const char *key, const char *fmt,
		    bool known, unsigned long long ns)
{
	char text[32] = "unknown";

	if (known)
		fmt_duration(ns, text, sizeof(text));
	if (t & PRINT_FP)
		print_string(PRINT_FP, key, fmt, text);
	if (t & PRINT_JSON) {
		if (known)
			print_u64(PRINT_JSON, key, NULL, ns);
		else
			print_null(PRINT_JSON, key, NULL, NULL);
	}
}

void print_bits(enum output_type t, const char *key, const char *fmt,
		unsigned int bits, const char *const *names, unsigned int n)
{
	char text[256] = "";
	unsigned int i;

	if (t & PRINT_JSON)
		open_json_array(key);
	for (i = 0; i < n; i++) {
		if (!(bits & (1U << i)))
			continue;
		if (t & PRINT_JSON)
			print_string(PRINT_JSON, NULL, NULL, names[i]);
		if (strlen(text) + strlen(names[i]) + 2 < sizeof(text)) {
			if (text[0])
				strcat(text, ",");
			strcat(text, names[i]);
		}
	}
	if (t & PRINT_JSON)
		close_json_array();
	if (t & PRINT_FP)
		print_string(PRINT_FP, key, fmt, text[0] ? text : "-");
}
