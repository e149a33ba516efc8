// SPDX-License-Identifier: GPL-2.0-only
/*
 * Helpers shared by every part of the proctrace CLI.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util.h"

static char errbuf[1024];

void pt_err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(errbuf, sizeof(errbuf), fmt, ap);
	va_end(ap);
}

const char *err_get(void)
{
	return errbuf[0] ? errbuf : "unknown error";
}

/* Out of memory in a CLI: nothing sensible is left to do but say so. */
static void *oom(void *p)
{
	if (!p) {
		fputs("proctrace: out of memory\n", stderr);
		exit(1);
	}
	return p;
}

void *xmalloc(size_t size)
{
	return oom(malloc(size ? size : 1));
}

void *xcalloc(size_t n, size_t size)
{
	return oom(calloc(n ? n : 1, size ? size : 1));
}

void *xrealloc(void *p, size_t n, size_t size)
{
	if (size && n > SIZE_MAX / size)
		return oom(NULL);
	return oom(realloc(p, n && size ? n * size : 1));
}

char *xstrdup(const char *s)
{
	return oom(strdup(s));
}

int parse_ull(const char *s, unsigned long long *v)
{
	unsigned long long r = 0;
	const char *p = s;

	if (!*p)
		return -EINVAL;
	for (; *p; p++) {
		unsigned int d;

		if (*p < '0' || *p > '9')
			return -EINVAL;
		d = *p - '0';
		if (r > (ULLONG_MAX - d) / 10)
			return -ERANGE;
		r = r * 10 + d;
	}
	*v = r;
	return 0;
}

int parse_int(const char *s, int *v)
{
	unsigned long long r;
	int ret = parse_ull(s, &r);

	if (ret)
		return ret;
	if (r > INT_MAX)
		return -ERANGE;
	*v = (int)r;
	return 0;
}

int parse_pid_arg(const char *s, int *pid)
{
	if (parse_int(s, pid) || *pid < 1) {
		pt_err("invalid pid '%s': expected a positive decimal number",
		       s);
		return -EINVAL;
	}
	return 0;
}

int parse_seconds(const char *s, unsigned long long *ns)
{
	unsigned long long whole = 0, frac = 0, scale = NSEC_PER_SEC;
	const char *dot = strchr(s, '.');
	char ipart[32];
	size_t ilen = dot ? (size_t)(dot - s) : strlen(s);

	if (ilen >= sizeof(ipart) || (!ilen && !dot))
		return -EINVAL;
	memcpy(ipart, s, ilen);
	ipart[ilen] = '\0';
	if (ilen && parse_ull(ipart, &whole))
		return -EINVAL;
	if (whole > 86400ULL * 365)
		return -ERANGE;
	if (dot) {
		const char *p = dot + 1;

		if (!*p && !ilen)
			return -EINVAL;
		for (; *p; p++) {
			if (*p < '0' || *p > '9')
				return -EINVAL;
			scale /= 10;
			frac += (*p - '0') * scale;
		}
	}
	*ns = whole * NSEC_PER_SEC + frac;
	return 0;
}

static bool is_odigit(char c)
{
	return c >= '0' && c <= '7';
}

int abi_unescape(const char *in, char *out, size_t outlen)
{
	size_t n = 0;

	while (*in) {
		char c = *in;

		if (c == '\\') {
			if (!is_odigit(in[1]) || !is_odigit(in[2]) ||
			    !is_odigit(in[3]))
				return -EINVAL;
			c = (char)((in[1] - '0') << 6 | (in[2] - '0') << 3 |
				   (in[3] - '0'));
			if (!c || in[1] > '3')
				return -EINVAL;
			in += 4;
		} else {
			in++;
		}
		if (n + 1 >= outlen)
			return -ENAMETOOLONG;
		out[n++] = c;
	}
	if (!outlen)
		return -ENAMETOOLONG;
	out[n] = '\0';
	return 0;
}

void text_escape(const char *in, char *out, size_t outlen)
{
	size_t n = 0;

	if (!outlen)
		return;
	for (; *in; in++) {
		unsigned char c = (unsigned char)*in;

		if (c <= ' ' || c == '\\' || c == 0x7f) {
			if (n + 4 >= outlen)
				break;
			snprintf(out + n, 5, "\\%03o", c);
			n += 4;
		} else {
			if (n + 1 >= outlen)
				break;
			out[n++] = (char)c;
		}
	}
	out[n] = '\0';
}

/* Length of the valid UTF-8 sequence at s, or 0 if it is not one. */
static size_t utf8_seq_len(const unsigned char *s)
{
	size_t len, i;
	unsigned int cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		len = 2;
		cp = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3;
		cp = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	/* Overlong forms, surrogates and code points past U+10FFFF. */
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return len;
}

char *utf8_sanitize(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	char *out = xmalloc(3 * strlen(s) + 1);
	size_t n = 0;

	while (*p) {
		size_t len = utf8_seq_len(p);

		if (len) {
			memcpy(out + n, p, len);
			n += len;
			p += len;
		} else {
			memcpy(out + n, "\xef\xbf\xbd", 3);
			n += 3;
			p++;
		}
	}
	out[n] = '\0';
	return out;
}

void fmt_duration(unsigned long long ns, char *buf, size_t len)
{
	unsigned long long s = ns / NSEC_PER_SEC;

	if (ns < NSEC_PER_MSEC)
		snprintf(buf, len, "%lluus", ns / NSEC_PER_USEC);
	else if (ns < NSEC_PER_SEC)
		snprintf(buf, len, "%llu.%llums", ns / NSEC_PER_MSEC,
			 ns % NSEC_PER_MSEC / (NSEC_PER_MSEC / 10));
	else if (s < 60)
		snprintf(buf, len, "%llu.%llus", s,
			 ns % NSEC_PER_SEC / (NSEC_PER_SEC / 10));
	else if (s < 3600)
		snprintf(buf, len, "%llum%02llus", s / 60, s % 60);
	else if (s < 86400)
		snprintf(buf, len, "%lluh%02llum", s / 3600, s % 3600 / 60);
	else
		snprintf(buf, len, "%llud%02lluh", s / 86400, s % 86400 / 3600);
}

static unsigned long long clock_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (unsigned long long)ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec;
}

unsigned long long now_boottime_ns(void)
{
	return clock_ns(CLOCK_BOOTTIME);
}

unsigned long long now_realtime_ns(void)
{
	return clock_ns(CLOCK_REALTIME);
}

void strlist_add_csv(struct strlist *l, const char *csv)
{
	char *copy = xstrdup(csv), *save = NULL, *tok;

	for (tok = strtok_r(copy, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		l->v = xrealloc(l->v, l->n + 1, sizeof(*l->v));
		l->v[l->n++] = xstrdup(tok);
	}
	free(copy);
}

bool strlist_has(const struct strlist *l, const char *s)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (!strcmp(l->v[i], s))
			return true;
	return false;
}

void strlist_free(struct strlist *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}
