/* SPDX-License-Identifier: MIT */
/*
 * Memory-ordering vocabulary for uipc.
 *
 * Every field shared between processes is a plain integer accessed only
 * through these macros, so each ordering decision is visible at the call
 * site.  Call sites name the partner of every acquire/release in a comment
 * ("pairs with ...").  The macros are thin wrappers over the GCC/Clang
 * __atomic builtins, which are valid in C11 -pedantic and in C++.
 */
#ifndef UIPC_BARRIER_H
#define UIPC_BARRIER_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* A single untorn load/store with no ordering: for hints, stats, caches. */
#define UIPC_READ_ONCE(x) __atomic_load_n(&(x), __ATOMIC_RELAXED)
#define UIPC_WRITE_ONCE(x, v) __atomic_store_n(&(x), (v), __ATOMIC_RELAXED)

/* Acquire load: later accesses cannot move before it. */
#define uipc_load_acquire(p) __atomic_load_n((p), __ATOMIC_ACQUIRE)
/* Release store: earlier accesses cannot move after it. */
#define uipc_store_release(p, v) __atomic_store_n((p), (v), __ATOMIC_RELEASE)

/*
 * Full fence: orders earlier stores before later loads.  This is the one
 * ordering that acquire/release cannot give, and the sleep/wake handshake
 * needs it on both sides (a store to a flag followed by a load of data).
 */
#define uipc_smp_mb() __atomic_thread_fence(__ATOMIC_SEQ_CST)

/* Compiler-only barrier. */
#define uipc_barrier() __asm__ __volatile__("" ::: "memory")

/* Polite spin-wait hint. */
static inline void uipc_cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__asm__ __volatile__("pause" ::: "memory");
#elif defined(__aarch64__)
	__asm__ __volatile__("yield" ::: "memory");
#else
	uipc_barrier();
#endif
}

#ifdef __cplusplus
}
#endif

#endif /* UIPC_BARRIER_H */
