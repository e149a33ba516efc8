// SPDX-License-Identifier: GPL-2.0-only
/*
 * The probes on the sched_process_* tracepoints.
 *
 * Those tracepoints are not exported to modules, so they are found by name
 * with for_each_kernel_tracepoint() and attached with
 * tracepoint_probe_register(). Registration goes through void *, so each
 * probe's prototype is checked at compile time against the one the
 * kernel's own register_trace_<name>() helper expects (the helper is only
 * inspected with typeof, never called: its tracepoint is not exported).
 *
 * Up to 6.12 the tracepoint calls its probes with preemption disabled;
 * 7.3 calls them inside an SRCU-fast read section (tracepoint_srcu,
 * include/linux/tracepoint.h), where they may be preempted, and
 * sched_process_free comes from an RCU callback on both. The probes are
 * written for the strictest of these: they never sleep or allocate, and
 * do O(1) work apart from orphaning a dying parent's children in the
 * lifecycle table.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/sched/signal.h>
#include <linux/string.h>
#include <linux/timekeeping.h>
#include <linux/tracepoint.h>
#include <linux/binfmts.h>
#include <trace/events/sched.h>

#include "compat.h"
#include "proctrace.h"

static void pt_probe_fork(void *data, struct task_struct *parent,
			  struct task_struct *child)
{
	pt_counter_inc(PT_CNT_FORKS);
	pt_lifecycle_fork(child);
	if (pt_events_wanted())
		pt_events_fork(parent, child);
}

static void pt_probe_exec(void *data, struct task_struct *p, pid_t old_pid,
			  struct linux_binprm *bprm)
{
	pt_counter_inc(PT_CNT_EXECS);
	if (pt_events_wanted())
		pt_events_exec(p, old_pid, bprm->filename);
}

#ifdef PT_HAVE_PREPARE_EXEC
/*
 * Before de_thread() frees an exec'ing thread's own pid. Whether or not
 * anyone reads events: the entry it leaves must be this exec's (events.c).
 */
static void pt_probe_prepare_exec(void *data, struct task_struct *task,
				  struct linux_binprm *bprm)
{
	pt_events_prepare_exec(task);
}
#endif

/*
 * The status the parent will collect, as wait_task_zombie() computes it:
 * the group exit code after exit_group() or a fatal signal, else the
 * leader's own.
 */
static int pt_group_exit_code(struct task_struct *p)
{
	struct signal_struct *sig = p->signal;

	if (READ_ONCE(sig->flags) & SIGNAL_GROUP_EXIT)
		return READ_ONCE(sig->group_exit_code);
	return READ_ONCE(p->group_leader->exit_code);
}

static void pt_probe_exit(void *data, PT_EXIT_PROBE_PROTO)
{
	bool dead = PT_EXIT_GROUP_DEAD(p);

	pt_counter_inc(PT_CNT_EXITS);
	if (dead)
		dead = pt_lifecycle_group_exit(p, pt_group_exit_code(p),
					       ktime_get_boot_fast_ns());
	if (pt_events_wanted())
		pt_events_exit_task(p, dead);
}

static void pt_probe_free(void *data, struct task_struct *p)
{
	struct pid *self;

	pt_counter_inc(PT_CNT_REAPS);
	self = pt_lifecycle_reap(p);
	if (self && pt_events_wanted())
		pt_events_reap(p, self);
	put_pid(self);
}

static void pt_probe_wait(void *data, struct pid *pid)
{
	pt_counter_inc(PT_CNT_WAITS);
	pt_lifecycle_wait(current);
}

/* register_trace_<name>() takes "void (*probe)(data_proto), void *data". */
#define PT_PROBE_TYPE(probe) typeof(int(typeof(probe) *, void *))
#define PT_PROBE_TYPE_OK(name, probe)                               \
	__builtin_types_compatible_p(typeof(register_trace_##name), \
				     PT_PROBE_TYPE(probe))

static_assert(PT_PROBE_TYPE_OK(sched_process_fork, pt_probe_fork));
static_assert(PT_PROBE_TYPE_OK(sched_process_exec, pt_probe_exec));
static_assert(PT_PROBE_TYPE_OK(sched_process_exit, pt_probe_exit));
static_assert(PT_PROBE_TYPE_OK(sched_process_free, pt_probe_free));
static_assert(PT_PROBE_TYPE_OK(sched_process_wait, pt_probe_wait));
#ifdef PT_HAVE_PREPARE_EXEC
static_assert(PT_PROBE_TYPE_OK(sched_prepare_exec, pt_probe_prepare_exec));
#endif

struct pt_probe {
	const char *name;
	void *func;
	bool required;
	struct tracepoint *tp;
};

static struct pt_probe pt_probes[] = {
	{ "sched_process_fork", pt_probe_fork, true },
	{ "sched_process_exec", pt_probe_exec, true },
	{ "sched_process_exit", pt_probe_exit, true },
	{ "sched_process_free", pt_probe_free, false },
	{ "sched_process_wait", pt_probe_wait, false },
#ifdef PT_HAVE_PREPARE_EXEC
	{ "sched_prepare_exec", pt_probe_prepare_exec, false },
#endif
};

static void pt_find_tracepoint(struct tracepoint *tp, void *priv)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(pt_probes); i++)
		if (!strcmp(tp->name, pt_probes[i].name))
			pt_probes[i].tp = tp;
}

static void pt_unregister(unsigned int nr)
{
	while (nr--)
		if (pt_probes[nr].tp)
			tracepoint_probe_unregister(pt_probes[nr].tp,
						    pt_probes[nr].func, NULL);
	/* No probe may still be running once the module's code is gone. */
	tracepoint_synchronize_unregister();
}

int pt_tracepoints_init(void)
{
	unsigned int i;
	int ret;

	for_each_kernel_tracepoint(pt_find_tracepoint, NULL);
	for (i = 0; i < ARRAY_SIZE(pt_probes); i++) {
		if (pt_probes[i].tp)
			continue;
		if (pt_probes[i].required) {
			pr_err("tracepoint %s not found (CONFIG_TRACEPOINTS?)\n",
			       pt_probes[i].name);
			return -ENOENT;
		}
		pr_warn("tracepoint %s not found; its data will be missing\n",
			pt_probes[i].name);
	}
	for (i = 0; i < ARRAY_SIZE(pt_probes); i++) {
		if (!pt_probes[i].tp)
			continue;
		ret = tracepoint_probe_register(pt_probes[i].tp,
						pt_probes[i].func, NULL);
		if (ret) {
			pr_err("cannot attach to %s: %d\n", pt_probes[i].name,
			       ret);
			pt_unregister(i);
			return ret;
		}
	}
	return 0;
}

void pt_tracepoints_exit(void)
{
	pt_unregister(ARRAY_SIZE(pt_probes));
}
