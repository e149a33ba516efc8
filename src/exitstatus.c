// SPDX-License-Identifier: GPL-2.0-only
/*
 * Exit decoding, the one place that turns a wait(2)-encoded exit code into
 * "exited(N)", "killed(SIGNAME)" or "dumped(SIGNAME)", for the event stream
 * and the views alike.
 */
#include <linux/kernel.h>
#include <linux/signal.h>

#include "proctrace.h"

struct pt_signal {
	int sig;
	const char *name;
};

/* The uapi header's list, so the CLI decodes as the module prints. */
#define PT_SIGNAL(s) { s, #s },
static const struct pt_signal pt_signals[] = { PROCTRACE_SIGNALS(PT_SIGNAL) };
#undef PT_SIGNAL

/* The kernel's SIGRTMIN is 32; glibc reserves two, but signal(7) numbers
 * real-time signals from the kernel's value, and so do we.
 */
static int pt_format_signal(char *buf, size_t len, int sig)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(pt_signals); i++)
		if (pt_signals[i].sig == sig)
			return scnprintf(buf, len, "%s", pt_signals[i].name);
	if (sig >= SIGRTMIN && sig <= _NSIG)
		return scnprintf(buf, len, "SIGRTMIN+%d", sig - SIGRTMIN);
	return scnprintf(buf, len, "SIG%d", sig);
}

int pt_format_exit(char *buf, size_t len, int code)
{
	int sig = code & 0x7f;
	int n;

	if (!sig)
		return scnprintf(buf, len, "exited(%d)", (code >> 8) & 0xff);
	n = scnprintf(buf, len, "%s(", code & 0x80 ? "dumped" : "killed");
	n += pt_format_signal(buf + n, len - n, sig);
	n += scnprintf(buf + n, len - n, ")");
	return n;
}
