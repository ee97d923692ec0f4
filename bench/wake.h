/* SPDX-License-Identifier: MIT */
/*
 * uipc-bench wake, split by job: wake.c (mechanisms, gaps, fan-out, the
 * report), wake_pair.c (bare futex vs the uipc ring, interleaved), idle.c
 * (idle CPU past the budget, syscalls per message while spinning).
 */
#ifndef UIPC_BENCH_WAKE_H
#define UIPC_BENCH_WAKE_H

#include <stdint.h>

#include "hist.h"

enum wake_row_kind {
	WAKE_ROW_LATENCY = 0, /* a wake-to-run histogram and waker CPU */
	WAKE_ROW_FAN, /* waker CPU for N sleepers */
	WAKE_ROW_IDLE, /* idle_cpu_pct of a consumer blocked past its budget */
	WAKE_ROW_SYSCALLS, /* syscalls per message of a stream that never sleeps */
};

struct wake_row {
	enum wake_row_kind kind;
	char mech[32];
	int64_t gap_ns;
	unsigned sleepers;
	int dma; /* the sleeper held /dev/cpu_dma_latency at 0 */
	struct bench_hist hist;
	double waker_cpu_ns;
	const char *skipped;
	char why[96]; /* skipped points here when the reason is composed */
	/* WAKE_ROW_IDLE */
	double idle_cpu_pct;
	uint64_t wall_ns, cpu_ns;
	int64_t spin_ns; /* the consumer's budget */
	/* WAKE_ROW_SYSCALLS */
	uint64_t msgs;
	uint64_t syscalls_cons, syscalls_prod; /* from the endpoints' counters */
	uint64_t parks, wakes; /* consumer parks, producer wakes */
	uint64_t waits, spins_won; /* consumer: ran dry, then won by spinning */
	double syscalls_per_msg;
};

/* CPU time of the calling thread, ns. */
uint64_t wake_thread_cpu_ns(void);

/* Let @ns pass: busy below 50 us, mostly asleep above. */
void wake_idle_for(int64_t ns);

/*
 * Bare FUTEX_WAIT/FUTEX_WAKE on a shared word (@raw, "futex-raw") and the
 * same handoff through a uipc ring with the futex backend (@ring, "uipc"),
 * alternating message by message between one waker and one sleeper
 * process, @count rounds each, after an idle gap of @gap ns.  @dma: the
 * sleeper holds /dev/cpu_dma_latency at 0 (through the wait option).
 * Return: 0, -errno (rows' skipped says why).
 */
int wake_pair_run(int64_t gap, uint64_t count, int dma, struct wake_row *raw,
		  struct wake_row *ring, int cpu_a, int cpu_b);

/*
 * A consumer blocked in uipc_ring_recv_wait() (spin-then-park, default
 * budget) for @wall_ns with no traffic: its CPU time / wall time.
 * Return: 0, -errno.
 */
int wake_idle_run(int64_t wall_ns, struct wake_row *row, int cpu_a, int cpu_b);

/*
 * @msgs messages through a ring with waiting enabled on both sides, sent
 * faster than the consumer's budget so it never needs to sleep; the
 * syscalls both endpoints made, per message.  Return: 0, -errno.
 */
int wake_spin_syscalls_run(uint64_t msgs, struct wake_row *row, int cpu_a, int cpu_b);

#endif /* UIPC_BENCH_WAKE_H */
