// SPDX-License-Identifier: GPL-2.0-only
/*
 * Exit decoding, the one place that turns a wait(2)-encoded exit code into
 * "exited(N)", "killed(SIGNAME)" or "dumped(SIGNAME)", for the event stream
 * and the views alike.
 */
#include <linux/kernel.h>
#include <linux/signal.h>

#include "proctrace.h"

static const char *const pt_signal_names[] = {
	[SIGHUP] = "SIGHUP",   [SIGINT] = "SIGINT",
	[SIGQUIT] = "SIGQUIT", [SIGILL] = "SIGILL",
	[SIGTRAP] = "SIGTRAP", [SIGABRT] = "SIGABRT",
	[SIGBUS] = "SIGBUS",   [SIGFPE] = "SIGFPE",
	[SIGKILL] = "SIGKILL", [SIGUSR1] = "SIGUSR1",
	[SIGSEGV] = "SIGSEGV", [SIGUSR2] = "SIGUSR2",
	[SIGPIPE] = "SIGPIPE", [SIGALRM] = "SIGALRM",
	[SIGTERM] = "SIGTERM", [SIGSTKFLT] = "SIGSTKFLT",
	[SIGCHLD] = "SIGCHLD", [SIGCONT] = "SIGCONT",
	[SIGSTOP] = "SIGSTOP", [SIGTSTP] = "SIGTSTP",
	[SIGTTIN] = "SIGTTIN", [SIGTTOU] = "SIGTTOU",
	[SIGURG] = "SIGURG",   [SIGXCPU] = "SIGXCPU",
	[SIGXFSZ] = "SIGXFSZ", [SIGVTALRM] = "SIGVTALRM",
	[SIGPROF] = "SIGPROF", [SIGWINCH] = "SIGWINCH",
	[SIGIO] = "SIGIO",     [SIGPWR] = "SIGPWR",
	[SIGSYS] = "SIGSYS",
};

/* The kernel's SIGRTMIN is 32; glibc reserves two, but signal(7) numbers
 * real-time signals from the kernel's value, and so do we.
 */
static int pt_format_signal(char *buf, size_t len, int sig)
{
	if (sig > 0 && sig < ARRAY_SIZE(pt_signal_names) &&
	    pt_signal_names[sig])
		return scnprintf(buf, len, "%s", pt_signal_names[sig]);
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
