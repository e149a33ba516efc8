// SPDX-License-Identifier: GPL-2.0-only
/*
 * proctrace: the Linux process model as it is right now and as it changes.
 *
 * This file only orders init and exit; each facility lives in its own
 * file (see proctrace.h). Documentation/abi.rst describes every file the
 * module creates.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/err.h>
#include <linux/log2.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/stringify.h>

#include "proctrace.h"

#define PT_TRACKED_MIN 1024U
#define PT_TRACKED_MAX 4194304U
#define PT_SLOTS_MIN 256U
#define PT_SLOTS_MAX 1048576U

static unsigned int max_tracked = 65536;
module_param(max_tracked, uint, 0444);
MODULE_PARM_DESC(max_tracked, "Processes followed (1024..4194304, 65536)");

static unsigned int event_slots = 16384;
module_param(event_slots, uint, 0444);
MODULE_PARM_DESC(event_slots,
		 "Event ring records, power of two (256..1048576, 16384)");

static int __init proctrace_check_params(void)
{
	if (max_tracked < PT_TRACKED_MIN || max_tracked > PT_TRACKED_MAX) {
		pr_err("max_tracked=%u is outside %u..%u\n", max_tracked,
		       PT_TRACKED_MIN, PT_TRACKED_MAX);
		return -EINVAL;
	}
	if (event_slots < PT_SLOTS_MIN || event_slots > PT_SLOTS_MAX ||
	    !is_power_of_2(event_slots)) {
		pr_err("event_slots=%u must be a power of two in %u..%u\n",
		       event_slots, PT_SLOTS_MIN, PT_SLOTS_MAX);
		return -EINVAL;
	}
	return 0;
}

/*
 * Every failure says which part could not be set up, once, and leaves
 * nothing behind: no /proc/proctrace, no probe, no memory.
 */
static int __init proctrace_init(void)
{
	const char *what;
	int ret;

	ret = proctrace_check_params();
	if (ret)
		return ret;
	what = "the lifecycle table";
	ret = pt_lifecycle_init(max_tracked);
	if (ret)
		goto out;
	what = "the event ring";
	ret = pt_events_init(event_slots);
	if (ret)
		goto out_free_lifecycle;
	what = "the tracepoint probes";
	ret = pt_tracepoints_init();
	if (ret)
		goto out_free_events;
	/* After the probes: a fork racing with the scan is not missed. */
	pt_lifecycle_scan();
	what = "/proc/" PROCTRACE_PROC_DIR;
	ret = pt_procfs_init();
	if (ret)
		goto out_detach_probes;
	pr_info("loaded, ABI v%d\n", PROCTRACE_ABI_VERSION);
	return 0;

out_detach_probes:
	pt_tracepoints_exit();
out_free_events:
	pt_events_exit();
out_free_lifecycle:
	pt_lifecycle_exit();
out:
	pr_err("not loaded: setting up %s failed (%pe)\n", what, ERR_PTR(ret));
	return ret;
}

/*
 * Readers first (blocked event readers are woken so proc_remove() does not
 * wait on them forever), then the probes, and only when no probe can run
 * any more, the memory they write to.
 */
static void __exit proctrace_exit(void)
{
	pt_events_shutdown();
	pt_procfs_exit();
	pt_tracepoints_exit();
	pt_events_exit();
	pt_lifecycle_exit();
}

module_init(proctrace_init);
module_exit(proctrace_exit);

MODULE_DESCRIPTION("Process tree, states, zombies, orphans, kthread lineage");
MODULE_AUTHOR("The proctrace authors");
MODULE_LICENSE("GPL");
MODULE_INFO(abi_version, __stringify(PROCTRACE_ABI_VERSION));
MODULE_VERSION(PROCTRACE_VERSION);
