/* SPDX-License-Identifier: MIT */
/* Log-linear latency histogram: see hist.h for the layout and error bound. */
#include <errno.h>
#include <math.h>
#include <string.h>

#include "hist.h"

const double bench_hist_pcts[BENCH_HIST_NPCT] = { 50, 90, 95, 99, 99.9, 99.99 };

void bench_hist_init(struct bench_hist *h)
{
	memset(h, 0, sizeof(*h));
	h->min = UINT64_MAX;
}

uint64_t bench_hist_bucket_lo(unsigned i)
{
	unsigned b = i >> BENCH_HIST_SUB_BITS, sub = i & (BENCH_HIST_SUB - 1);

	if (b == 0)
		return sub;
	return (uint64_t)(BENCH_HIST_SUB + sub) << (b - 1);
}

uint64_t bench_hist_bucket_hi(unsigned i)
{
	unsigned b = i >> BENCH_HIST_SUB_BITS;

	if (b == 0)
		return i;
	return bench_hist_bucket_lo(i) + ((1ull << (b - 1)) - 1);
}

void bench_hist_merge(struct bench_hist *dst, const struct bench_hist *src)
{
	unsigned i;

	if (!src->count)
		return;
	for (i = 0; i < BENCH_HIST_BUCKETS; i++)
		dst->buckets[i] += src->buckets[i];
	dst->count += src->count;
	dst->sum += src->sum;
	if (src->min < dst->min)
		dst->min = src->min;
	if (src->max > dst->max)
		dst->max = src->max;
}

uint64_t bench_hist_min(const struct bench_hist *h)
{
	return h->count ? h->min : 0;
}

uint64_t bench_hist_max(const struct bench_hist *h)
{
	return h->count ? h->max : 0;
}

double bench_hist_mean(const struct bench_hist *h)
{
	return h->count ? (double)h->sum / (double)h->count : 0.0;
}

uint64_t bench_hist_rank(uint64_t count, double p)
{
	double r;
	uint64_t rank;

	if (p <= 0 || count == 0)
		return 1;
	if (p >= 100)
		return count;
	/* p/100 * count carries rounding noise (99.9/100*1000 is not 999.0):
	 * shave a relative 1e-12 so an exact rank is not pushed up by one. */
	r = p / 100.0 * (double)count;
	rank = (uint64_t)ceil(r - r * 1e-12);
	if (rank < 1)
		rank = 1;
	if (rank > count)
		rank = count;
	return rank;
}

uint64_t bench_hist_pct(const struct bench_hist *h, double p)
{
	uint64_t rank, seen = 0, v;
	unsigned i;

	if (!h->count)
		return 0;
	rank = bench_hist_rank(h->count, p);
	/* The extremes are exact, so the first and last ranks are too. */
	if (rank == h->count)
		return h->max;
	if (rank == 1)
		return h->min;
	for (i = 0; i < BENCH_HIST_BUCKETS; i++) {
		seen += h->buckets[i];
		if (seen >= rank)
			break;
	}
	if (i == BENCH_HIST_BUCKETS)
		return h->max; /* counts inconsistent with count: cannot happen */
	v = bench_hist_bucket_lo(i);
	v += (bench_hist_bucket_hi(i) - v) / 2;
	/* Never report beyond the exact extremes. */
	if (v < h->min)
		v = h->min;
	if (v > h->max)
		v = h->max;
	return v;
}

size_t bench_hist_export(const struct bench_hist *h, struct bench_hist_bucket *out, size_t n)
{
	size_t k = 0;
	unsigned i;

	for (i = 0; i < BENCH_HIST_BUCKETS; i++) {
		if (!h->buckets[i])
			continue;
		if (k < n) {
			out[k].value = bench_hist_bucket_lo(i);
			out[k].count = h->buckets[i];
		}
		k++;
	}
	return k;
}

int bench_hist_import(struct bench_hist *h, const struct bench_hist_bucket *b, size_t n,
		      uint64_t min, uint64_t max, double sum)
{
	uint64_t total = 0;
	size_t k;

	if (min > max)
		return -EINVAL;
	/* Check everything before changing @h, so a bad import leaves it intact. */
	for (k = 0; k < n; k++) {
		if (b[k].value > max || bench_hist_bucket_hi(bench_hist_index(b[k].value)) < min)
			return -EINVAL;
		if (total + b[k].count < total)
			return -EINVAL;
		total += b[k].count;
	}
	if (!total)
		return 0;
	for (k = 0; k < n; k++)
		h->buckets[bench_hist_index(b[k].value)] += b[k].count;
	h->count += total;
	h->sum += (bench_u128)sum;
	if (min < h->min)
		h->min = min;
	if (max > h->max)
		h->max = max;
	return 0;
}
