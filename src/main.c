// SPDX-License-Identifier: GPL-2.0-only
/*
 * proctrace: the Linux process model as it is right now.
 *
 * This file only orders init and exit; each facility lives in its own
 * file (see proctrace.h). Documentation/abi.rst describes every file the
 * module creates.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/stringify.h>

#include "proctrace.h"

static int __init proctrace_init(void)
{
	int ret;

	ret = pt_procfs_init();
	if (ret)
		return ret;
	pr_info("loaded, ABI v%d\n", PROCTRACE_ABI_VERSION);
	return 0;
}

static void __exit proctrace_exit(void)
{
	pt_procfs_exit();
}

module_init(proctrace_init);
module_exit(proctrace_exit);

MODULE_DESCRIPTION("Process tree, states, zombies, orphans, kthread lineage");
MODULE_AUTHOR("The proctrace authors");
MODULE_LICENSE("GPL");
MODULE_INFO(abi_version, __stringify(PROCTRACE_ABI_VERSION));
