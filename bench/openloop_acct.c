/* SPDX-License-Identifier: MIT */
/* Open-loop schedule and accounting (see openloop_acct.h). */
#include <math.h>
#include <string.h>

#include "openloop_acct.h"

void ol_sched_init(struct ol_sched *s, enum ol_dist d, uint64_t start, double interval,
		   uint64_t seed)
{
	s->dist = d;
	s->interval = interval;
	s->t = (double)start;
	/* splitmix64 of the seed: any seed, including 0, gives a good state */
	seed += 0x9e3779b97f4a7c15ull;
	seed = (seed ^ (seed >> 30)) * 0xbf58476d1ce4e5b9ull;
	seed = (seed ^ (seed >> 27)) * 0x94d049bb133111ebull;
	s->rng = (seed ^ (seed >> 31)) | 1;
}

/* Uniform in (0, 1]: never 0, so the log below is finite. */
static double uniform(struct ol_sched *s)
{
	uint64_t x = s->rng;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	s->rng = x;
	return ((double)((x * 0x2545f4914f6cdd1dull) >> 11) + 1.0) / 9007199254740992.0;
}

uint64_t ol_sched_next(struct ol_sched *s)
{
	uint64_t t = (uint64_t)(s->t + 0.5);

	if (s->dist == OL_POISSON)
		s->t += -log(uniform(s)) * s->interval;
	else
		s->t += s->interval;
	return t;
}

void ol_acct_init(struct ol_acct *a)
{
	memset(a, 0, sizeof(*a));
	bench_hist_init(&a->open);
	bench_hist_init(&a->service);
}

void ol_acct_record(struct ol_acct *a, uint64_t intended_ns, uint64_t recv_ns)
{
	uint64_t start = intended_ns > a->prev_recv ? intended_ns : a->prev_recv;

	if (recv_ns < intended_ns) {
		a->early++;
		bench_hist_record(&a->open, 0);
	} else {
		bench_hist_record(&a->open, recv_ns - intended_ns);
	}
	bench_hist_record(&a->service, recv_ns > start ? recv_ns - start : 0);
	if (recv_ns > a->prev_recv)
		a->prev_recv = recv_ns;
}

void ol_acct_fill(struct ol_acct *a, const uint64_t *intended_ns, const uint64_t *recv_ns,
		  size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		ol_acct_record(a, intended_ns[i], recv_ns[i]);
}
