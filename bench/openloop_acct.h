/* SPDX-License-Identifier: MIT */
/*
 * Open-loop accounting: the send schedule and the two ways to count one
 * run, as pure functions (tests/test_openloop.c feeds them a synthetic
 * schedule with a known stall).
 *
 * A message i has an intended send time I[i] (the schedule: fixed
 * interval, or Poisson arrivals) and a receive time R[i].
 *
 *   open loop:   R[i] - I[i].  A stall of S delays every message whose
 *                intended time falls inside it: about S * rate samples,
 *                from S down to 0.  This is what a user of a fixed-rate
 *                feed sees.
 *   service:     R[i] - max(I[i], R[i-1]), the time from when the
 *                receiver could have started on the message.  This is what
 *                a closed-loop benchmark (send, wait for it, send the
 *                next) reports: the stall shows up in one sample only,
 *                and the messages it held back look fast (coordinated
 *                omission).
 *
 * Times are nanoseconds from the start of the run.
 */
#ifndef UIPC_BENCH_OPENLOOP_ACCT_H
#define UIPC_BENCH_OPENLOOP_ACCT_H

#include <stddef.h>
#include <stdint.h>

#include "hist.h"

enum ol_dist {
	OL_FIXED = 0, /* one message every 1/rate */
	OL_POISSON = 1, /* exponential gaps with mean 1/rate */
};

struct ol_sched {
	enum ol_dist dist;
	double interval; /* mean gap, in the caller's time unit */
	double t; /* the next intended time, exact (no drift from rounding) */
	uint64_t rng; /* xorshift64* state, never 0 */
};

/* Schedule starting at @start with mean gap @interval (> 0); @seed picks
 * the Poisson sequence (the same seed gives the same schedule). */
void ol_sched_init(struct ol_sched *s, enum ol_dist d, uint64_t start, double interval,
		   uint64_t seed);

/* The next intended time: @start first, then @start + gaps. */
uint64_t ol_sched_next(struct ol_sched *s);

struct ol_acct {
	struct bench_hist open; /* R - I */
	struct bench_hist service; /* R - max(I, previous R) */
	uint64_t prev_recv;
	uint64_t early; /* R < I (clock skew between the two sides): counted as 0 */
};

void ol_acct_init(struct ol_acct *a);

/* One message, in receive order. */
void ol_acct_record(struct ol_acct *a, uint64_t intended_ns, uint64_t recv_ns);

/* A whole run: @n messages in receive order. */
void ol_acct_fill(struct ol_acct *a, const uint64_t *intended_ns, const uint64_t *recv_ns,
		  size_t n);

#endif /* UIPC_BENCH_OPENLOOP_ACCT_H */
