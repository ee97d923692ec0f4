/* SPDX-License-Identifier: MIT */
/*
 * Shared definitions: export and inline macros, the NUMA wildcard.
 *
 * Error convention for the whole library: every function returns 0 (or a
 * count) on success and a negative errno on failure.  The library never
 * prints, never aborts on bad input, and treats everything it reads from
 * shared memory written by another process as untrusted.
 */
#ifndef UIPC_COMMON_H
#define UIPC_COMMON_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define UIPC_API __attribute__((visibility("default")))

/*
 * Fast-path functions are inline in the public headers.  A second build can
 * define UIPC_INLINE empty to emit them as real symbols (FFI users,
 * call-versus-inline benchmarks).
 */
#ifndef UIPC_INLINE
#define UIPC_INLINE static inline
#endif

#define uipc_likely(x) __builtin_expect(!!(x), 1)
#define uipc_unlikely(x) __builtin_expect(!!(x), 0)

/* Layout checks on every shared struct, in C and C++. */
#ifdef __cplusplus
#define UIPC_STATIC_ASSERT(cond, msg) static_assert(cond, msg)
#else
#define UIPC_STATIC_ASSERT(cond, msg) _Static_assert(cond, msg)
#endif

/* Any NUMA node: no placement is attempted. */
#define UIPC_NODE_ANY (-1)

/* Shared lines are this far apart: two cache lines, so the adjacent-line
 * prefetcher never drags a peer's line along with ours. */
#define UIPC_LINE 128

/* One cache line: the unit a record's first bytes and its header share. */
#define UIPC_CACHE_LINE 64u

#ifdef __cplusplus
}
#endif

#endif /* UIPC_COMMON_H */
