/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The views the BPF backend does not pin, built from what it does: "tree"
 * from its tasks file, "zombies" from tasks and its lifecycle map.
 */
#ifndef PROCTRACE_SOURCE_BPF_H
#define PROCTRACE_SOURCE_BPF_H

#include "model.h"

int bpf_build_tree(const struct pt_tasks *tasks, struct pt_tree *tree);
/* map_path: the pinned lifecycle map. */
int bpf_build_zombies(const struct pt_tasks *tasks, const char *map_path,
		      struct pt_zombies *out);

#endif /* PROCTRACE_SOURCE_BPF_H */
