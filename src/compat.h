/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Every difference between the kernels proctrace supports (6.1 LTS up to
 * the newest release) lives here, each shim naming the version that changed
 * what. No other file tests LINUX_VERSION_CODE.
 */
#ifndef _PROCTRACE_COMPAT_H
#define _PROCTRACE_COMPAT_H

#include <linux/version.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>

/*
 * PF_USER_WORKER appeared in 6.4 (commit 54e6842d0775 "fork/vm: Move common
 * PF_IO_WORKER behavior to new flag"): kernel-created threads cloned from a
 * user thread, such as vhost workers. Before 6.4 only io_uring workers
 * existed, flagged PF_IO_WORKER, so nothing else needs classifying.
 */
#ifdef PF_USER_WORKER
#define PT_PF_USER_WORKER PF_USER_WORKER
#else
#define PT_PF_USER_WORKER 0
#endif

/*
 * sched_process_exit gained "bool group_dead" in 6.16 (lttng-modules guards
 * the same change in its sched.h instrumentation). Before it, a probe derives group_dead the way
 * do_exit() computed it just before the tracepoint: signal->live has
 * already been decremented to zero for the group's last thread.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 16, 0)
#define PT_EXIT_PROBE_PROTO struct task_struct *p, bool group_dead
#define PT_EXIT_GROUP_DEAD(p) ((void)(p), group_dead)
#else
#define PT_EXIT_PROBE_PROTO struct task_struct *p
#define PT_EXIT_GROUP_DEAD(p) (atomic_read(&(p)->signal->live) == 0)
#endif

/*
 * sched_prepare_exec appeared in 6.10 ("tracing: Add sched_prepare_exec
 * tracepoint"): it fires in begin_new_exec() before de_thread(), while a
 * non-leader thread that execs still has its own struct pid. 6.1 lacks it,
 * 6.12 and 7.x have it. Without it, an exec record cannot give the old
 * pid in nested namespaces (events.c).
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 10, 0)
#define PT_HAVE_PREPARE_EXEC
#endif

/*
 * CLONE_AUTOREAP (clone3 flag bit 34) appeared in 7.3: such a child sets
 * signal->autoreap, and do_notify_parent() then tells exit_notify() to
 * release it at once, so it is EXIT_ZOMBIE only for a moment under
 * tasklist_lock (unless traced: a tracer still has to reap it). The flag
 * and the field came together, so the flag's presence tests for both.
 */
#ifdef CLONE_AUTOREAP
#define PT_TASK_AUTOREAP(p) ((p)->signal->autoreap)
#else
#define PT_TASK_AUTOREAP(p) ((void)(p), false)
#endif

#endif /* _PROCTRACE_COMPAT_H */
