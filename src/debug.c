// SPDX-License-Identifier: GPL-2.0-only
/*
 * Test-only knobs (see debug.h); built only with PROCTRACE_DEBUG.
 *
 * debug_fork_delay_us: the fork probe busy-waits this long before it takes
 * the lifecycle lock. kernel_clone() has already put the child on the task
 * list then, so this widens the window in which the load-time scan can
 * reach a child before its fork probe does. The probe may run with
 * preemption disabled (up to 6.12, tracepoints.c), so the delay is a
 * udelay(), bounded well below what udelay() accepts and what the
 * soft-lockup detector notices.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/compiler.h>
#include <linux/delay.h>
#include <linux/moduleparam.h>

#include "debug.h"

#define PT_DEBUG_FORK_DELAY_MAX_US 10000U

static unsigned int debug_fork_delay_us;

static int pt_debug_set_fork_delay(const char *val,
				   const struct kernel_param *kp)
{
	return param_set_uint_minmax(val, kp, 0, PT_DEBUG_FORK_DELAY_MAX_US);
}

static const struct kernel_param_ops pt_debug_fork_delay_ops = {
	.set = pt_debug_set_fork_delay,
	.get = param_get_uint,
};

module_param_cb(debug_fork_delay_us, &pt_debug_fork_delay_ops,
		&debug_fork_delay_us, 0444);
MODULE_PARM_DESC(debug_fork_delay_us,
		 "Test only: fork probe delay, us (0..10000, 0)");

void pt_debug_fork_delay(void)
{
	unsigned int us = READ_ONCE(debug_fork_delay_us);

	if (us)
		udelay(us);
}
