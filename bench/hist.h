/* SPDX-License-Identifier: MIT */
/*
 * The one latency histogram of the bench: log-linear (HDR-style) buckets
 * over the whole uint64_t range, O(1) record, mergeable, exportable.
 *
 * Layout, with M = BENCH_HIST_SUB_BITS (7):
 *
 *   values 0 .. 2^M - 1             one bucket per value (exact)
 *   values [2^k, 2^(k+1)), k >= M   2^M buckets of width 2^(k-M)
 *
 * A bucket's lowest value is at least 2^k and its width 2^(k-M), so a value
 * reported for a bucket (its midpoint, clamped to [min, max]) is within
 *
 *     |reported - true| <= true / 2^(M+1)   (1/256, 0.39 %)
 *
 * of any value the bucket holds; values below 2^M are exact, and min, max,
 * count and the sum (hence the mean) are exact.
 *
 * Percentile p (0..100) is the smallest recorded value v such that at least
 * ceil(p/100 * count) values are <= v, i.e. the element of rank
 * ceil(p * count / 100) (1-based, at least 1) of the sorted samples.
 * The first and last ranks report min and max exactly.
 */
#ifndef UIPC_BENCH_HIST_H
#define UIPC_BENCH_HIST_H

#include <stddef.h>
#include <stdint.h>

#define BENCH_HIST_SUB_BITS 7
#define BENCH_HIST_SUB (1u << BENCH_HIST_SUB_BITS)
#define BENCH_HIST_BUCKETS ((64 - BENCH_HIST_SUB_BITS + 1) * BENCH_HIST_SUB)

/* __extension__: exact sums of 2^64-ns values without a -pedantic warning. */
__extension__ typedef unsigned __int128 bench_u128;

struct bench_hist {
	uint64_t count;
	uint64_t min; /* UINT64_MAX while empty */
	uint64_t max;
	bench_u128 sum;
	uint64_t buckets[BENCH_HIST_BUCKETS];
};

/* One non-empty bucket in an export: its lowest value and its count. */
struct bench_hist_bucket {
	uint64_t value;
	uint64_t count;
};

/* The percentiles every report shows, in this order. */
#define BENCH_HIST_NPCT 6
extern const double bench_hist_pcts[BENCH_HIST_NPCT]; /* 50 90 95 99 99.9 99.99 */

void bench_hist_init(struct bench_hist *h);

/* Bucket index of @v, and the lowest/highest value of bucket @i. */
static inline unsigned bench_hist_index(uint64_t v)
{
	/* OR-ing in 2^M makes values below 2^M land in the linear part
	 * without a branch: k == M, shift 0, index == v. */
	unsigned k = 63u - (unsigned)__builtin_clzll(v | BENCH_HIST_SUB);
	unsigned shift = k - BENCH_HIST_SUB_BITS;

	return ((shift + 1) << BENCH_HIST_SUB_BITS) + (unsigned)(v >> shift) - BENCH_HIST_SUB;
}

uint64_t bench_hist_bucket_lo(unsigned i);
uint64_t bench_hist_bucket_hi(unsigned i);

static inline void bench_hist_record_n(struct bench_hist *h, uint64_t v, uint64_t n)
{
	h->buckets[bench_hist_index(v)] += n;
	h->count += n;
	h->sum += (bench_u128)v * n;
	if (v < h->min)
		h->min = v;
	if (v > h->max)
		h->max = v;
}

static inline void bench_hist_record(struct bench_hist *h, uint64_t v)
{
	bench_hist_record_n(h, v, 1);
}

/* Add every sample of @src into @dst (same result as recording them all). */
void bench_hist_merge(struct bench_hist *dst, const struct bench_hist *src);

/* 0 when empty. */
uint64_t bench_hist_min(const struct bench_hist *h);
uint64_t bench_hist_max(const struct bench_hist *h);
double bench_hist_mean(const struct bench_hist *h);
/* Percentile @p in [0, 100] (see above); 0 when empty. */
uint64_t bench_hist_pct(const struct bench_hist *h, double p);
/* The 1-based rank percentile @p selects among @count sorted samples. */
uint64_t bench_hist_rank(uint64_t count, double p);

/*
 * Raw export: the non-empty buckets, lowest first, as (lowest value,
 * count).  Writes at most @n and returns how many there are (call with
 * n = 0 to size the array).  Values, not indices, so an export can be
 * imported into a histogram of another resolution.
 */
size_t bench_hist_export(const struct bench_hist *h, struct bench_hist_bucket *out, size_t n);

/*
 * Raw import, adding to @h: the buckets of an export plus the exact min,
 * max and sum that went with it (sum as a double: exact below 2^53 ns).
 * Return: 0, or -EINVAL if the buckets contradict min/max.
 */
int bench_hist_import(struct bench_hist *h, const struct bench_hist_bucket *b, size_t n,
		      uint64_t min, uint64_t max, double sum);

#endif /* UIPC_BENCH_HIST_H */
