/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The views the BPF backend does not pin, built from what it does: "tree"
 * from its tasks file, "zombies" from tasks and its lifecycle map.
 */
#ifndef PROCTRACE_SOURCE_BPF_H
#define PROCTRACE_SOURCE_BPF_H

#include "model.h"
#include "source.h"

int bpf_build_tree(const struct pt_tasks *tasks, struct pt_tree *tree);
/* map_path: the pinned lifecycle map. */
int bpf_build_zombies(const struct pt_tasks *tasks, const char *map_path,
		      struct pt_zombies *out);

/* The event stream, from the BPF backend pinned in dir. */
struct bpf_stream;
int bpf_stream_open(const char *dir, struct bpf_stream **out);
/* Readable when records may be there, and at least every 100 ms. */
int bpf_stream_fd(const struct bpf_stream *s);
enum src_ev_status bpf_stream_next(struct bpf_stream *s, struct pt_event *ev);
void bpf_stream_close(struct bpf_stream *s);

#endif /* PROCTRACE_SOURCE_BPF_H */
