/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Test-only knobs that widen race windows so the selftests can hit them
 * on purpose. They exist only in the debug tier's build (PROCTRACE_DEBUG,
 * set by src/Kbuild when scripts/kbuild.sh builds for the debug kernel);
 * in every other build they compile to nothing and the module has no such
 * parameters.
 */
#ifndef _PROCTRACE_DEBUG_H
#define _PROCTRACE_DEBUG_H

#ifdef PROCTRACE_DEBUG
void pt_debug_fork_delay(void);
#else
static inline void pt_debug_fork_delay(void)
{
}
#endif

#endif /* _PROCTRACE_DEBUG_H */
