/* SPDX-License-Identifier: MIT */
/* Open-loop accounting (bench/openloop_acct.c): the schedules, and a
 * synthetic run with a known stall that open-loop percentiles show and
 * closed-loop (service-time) ones hide.  No clocks: every time is made up. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>

#include "openloop_acct.h"

#define MS 1000000ull
#define US 1000ull

Test(openloop, fixed_schedule_is_exact)
{
	struct ol_sched s;
	uint64_t i;

	ol_sched_init(&s, OL_FIXED, 5, 100000.0, 1);
	for (i = 0; i < 1000; i++)
		cr_assert_eq(ol_sched_next(&s), 5 + i * 100000);
}

/* 1/rate is rarely a whole number of ticks: the schedule must not drift. */
Test(openloop, fixed_schedule_does_not_drift)
{
	struct ol_sched s;
	uint64_t i, t = 0;

	ol_sched_init(&s, OL_FIXED, 0, 1e9 / 3e5, 1); /* 300k/s: 3333.33 ns */
	for (i = 0; i <= 300000; i++)
		t = ol_sched_next(&s);
	cr_assert_leq(llabs((long long)t - 1000000000ll), 1, "after 1 s: %llu",
		      (unsigned long long)t);
}

Test(openloop, poisson_schedule_mean_spread_and_seed)
{
	enum { N = 200000 };
	struct ol_sched a, b, c;
	double sum = 0, sum2 = 0, mean, cv;
	uint64_t prev, t, i, same = 1, differ = 0;

	ol_sched_init(&a, OL_POISSON, 1000, 1000.0, 42);
	ol_sched_init(&b, OL_POISSON, 1000, 1000.0, 42);
	ol_sched_init(&c, OL_POISSON, 1000, 1000.0, 43);
	prev = ol_sched_next(&a);
	cr_assert_eq(prev, 1000, "starts at the start");
	ol_sched_next(&b);
	ol_sched_next(&c);
	for (i = 0; i < N; i++) {
		double g;

		t = ol_sched_next(&a);
		cr_assert_geq(t, prev, "never goes back");
		g = (double)(t - prev);
		sum += g;
		sum2 += g * g;
		prev = t;
		same &= ol_sched_next(&b) == t;
		differ += ol_sched_next(&c) != t;
	}
	mean = sum / N;
	cv = sqrt(sum2 / N - mean * mean) / mean;
	/* Exponential gaps: mean 1/rate, standard deviation equal to the mean. */
	cr_assert(fabs(mean - 1000.0) < 20.0, "mean gap %.1f", mean);
	cr_assert(fabs(cv - 1.0) < 0.05, "coefficient of variation %.3f", cv);
	cr_assert(same, "same seed, same schedule");
	cr_assert_gt(differ, N / 2, "another seed, another schedule");
}

/* A receiver that takes @svc per message, one at a time, and is stalled
 * (does nothing) during [@stall_at, @stall_at + @stall). */
static void simulate(const uint64_t *in, uint64_t *out, size_t n, uint64_t svc,
		     uint64_t stall_at, uint64_t stall)
{
	uint64_t free_at = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		uint64_t start = in[i] > free_at ? in[i] : free_at;

		if (stall && start >= stall_at && start < stall_at + stall)
			start = stall_at + stall;
		out[i] = start + svc;
		free_at = out[i];
	}
}

static void schedule(uint64_t *in, size_t n, uint64_t interval)
{
	struct ol_sched s;
	size_t i;

	ol_sched_init(&s, OL_FIXED, 0, (double)interval, 1);
	for (i = 0; i < n; i++)
		in[i] = ol_sched_next(&s);
}

/*
 * 10k msgs/s for 0.2 s, 5 us of work each, and a 10 ms stall at 50 ms: it
 * holds back the 100 messages meant for [50, 60) ms, 5 % of the run.
 * Open loop: p99 lands among them (about 8 ms).  Service time (what a
 * closed-loop run reports): one sample of 10 ms, every other one 5 us.
 */
Test(openloop, stall_shows_in_open_loop_and_hides_in_closed_loop)
{
	enum { N = 2000 };
	static uint64_t in[N], out[N];
	static struct ol_acct a;
	uint64_t stall = 10 * MS;

	schedule(in, N, 100 * US);
	simulate(in, out, N, 5 * US, 50 * MS, stall);
	ol_acct_init(&a);
	ol_acct_fill(&a, in, out, N);
	cr_assert_eq(a.open.count, N);
	cr_assert_eq(a.service.count, N);
	cr_assert_eq(a.early, 0);

	cr_assert_geq(bench_hist_pct(&a.open, 99), stall / 2, "open-loop p99 %llu ns",
		      (unsigned long long)bench_hist_pct(&a.open, 99));
	cr_assert_geq(bench_hist_max(&a.open), stall);
	cr_assert_gt(bench_hist_pct(&a.open, 95), 5 * US, "5 %% of the run was held back");

	cr_assert_lt(bench_hist_pct(&a.service, 99), 100 * US, "closed-loop p99 %llu ns",
		     (unsigned long long)bench_hist_pct(&a.service, 99));
	cr_assert_lt(bench_hist_pct(&a.service, 99.9), 100 * US);
	/* The stall is in the closed-loop view too, but as one sample. */
	cr_assert_geq(bench_hist_max(&a.service), stall);
}

/* Without a stall both views agree: every message takes its 5 us. */
Test(openloop, no_stall_both_views_agree)
{
	enum { N = 2000 };
	static uint64_t in[N], out[N];
	static struct ol_acct a;

	schedule(in, N, 100 * US);
	simulate(in, out, N, 5 * US, 0, 0);
	ol_acct_init(&a);
	ol_acct_fill(&a, in, out, N);
	cr_assert_eq(bench_hist_min(&a.open), 5 * US);
	cr_assert_eq(bench_hist_max(&a.open), 5 * US);
	cr_assert_eq(bench_hist_max(&a.service), 5 * US);
	cr_assert_eq(bench_hist_pct(&a.open, 99), bench_hist_pct(&a.service, 99));
}

/* Overload, no stall: the receiver is slower than the rate, so the queue
 * (and open-loop latency) grows without bound while the service time
 * stays flat: the other thing closed-loop numbers hide. */
Test(openloop, overload_grows_open_loop_latency)
{
	enum { N = 1000 };
	static uint64_t in[N], out[N];
	static struct ol_acct a;

	schedule(in, N, 10 * US);
	simulate(in, out, N, 11 * US, 0, 0);
	ol_acct_init(&a);
	ol_acct_fill(&a, in, out, N);
	/* the last message waited for 999 others, each 1 us too slow */
	cr_assert_geq(bench_hist_max(&a.open), (N - 1) * US + 11 * US - 100);
	cr_assert_leq(bench_hist_max(&a.service), 11 * US + 100);
}

/* Receive before intended (skewed clocks) is counted, and recorded as 0. */
Test(openloop, early_receive_is_counted_not_negative)
{
	static struct ol_acct a;

	ol_acct_init(&a);
	ol_acct_record(&a, 1000, 900);
	ol_acct_record(&a, 2000, 2500);
	cr_assert_eq(a.early, 1);
	cr_assert_eq(bench_hist_min(&a.open), 0);
	cr_assert_eq(bench_hist_max(&a.open), 500);
	cr_assert_eq(a.open.count, 2);
}
