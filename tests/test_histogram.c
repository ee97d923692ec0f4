/* SPDX-License-Identifier: MIT */
/* The bench histogram against exactly known inputs and a sorted reference. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hist.h"

static struct bench_hist *new_hist(void)
{
	struct bench_hist *h = malloc(sizeof(*h));

	cr_assert_not_null(h);
	bench_hist_init(h);
	return h;
}

/* xorshift64*: reproducible, no libc rand() state shared with anything. */
static uint64_t rng_next(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return x * 0x2545F4914F6CDD1DULL;
}

/* Log-uniform over 1 .. 2^bits: every bucket range gets exercised. */
static uint64_t rng_log(uint64_t *s, unsigned bits)
{
	unsigned k = (unsigned)(rng_next(s) % bits);
	uint64_t v = rng_next(s) >> (63 - k);

	return v ? v : 1;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* The stated bound: |reported - true| <= true / 2^(M+1). */
static void assert_within(uint64_t got, uint64_t want, const char *what, double p)
{
	uint64_t diff = got > want ? got - want : want - got;

	cr_assert_leq(diff, want >> (BENCH_HIST_SUB_BITS + 1),
		      "%s p%g: got %llu want %llu", what, p, (unsigned long long)got,
		      (unsigned long long)want);
}

static const double all_pcts[] = { 0,  0.1,  1,	 10,   25,    50,     75,   90,
				   95, 99,   99.5, 99.9, 99.99, 99.999, 99.9999, 100 };

static void check_against_sorted(const struct bench_hist *h, uint64_t *v, size_t n,
				 const char *what)
{
	size_t i;

	qsort(v, n, sizeof(*v), cmp_u64);
	cr_assert_eq(h->count, n);
	cr_assert_eq(bench_hist_min(h), v[0]);
	cr_assert_eq(bench_hist_max(h), v[n - 1]);
	for (i = 0; i < sizeof(all_pcts) / sizeof(all_pcts[0]); i++) {
		uint64_t rank = bench_hist_rank(n, all_pcts[i]);

		assert_within(bench_hist_pct(h, all_pcts[i]), v[rank - 1], what, all_pcts[i]);
	}
}

Test(histogram, empty)
{
	struct bench_hist *h = new_hist();

	cr_assert_eq(h->count, 0);
	cr_assert_eq(bench_hist_min(h), 0);
	cr_assert_eq(bench_hist_max(h), 0);
	cr_assert_eq(bench_hist_pct(h, 50), 0);
	cr_assert_float_eq(bench_hist_mean(h), 0.0, 1e-12);
	cr_assert_eq(bench_hist_export(h, NULL, 0), 0);
	free(h);
}

Test(histogram, rank_definition)
{
	cr_assert_eq(bench_hist_rank(1000, 50), 500);
	cr_assert_eq(bench_hist_rank(1000, 99.9), 999);
	cr_assert_eq(bench_hist_rank(1000, 99.99), 1000);
	cr_assert_eq(bench_hist_rank(3, 50), 2);
	cr_assert_eq(bench_hist_rank(10, 0), 1);
	cr_assert_eq(bench_hist_rank(10, 100), 10);
	cr_assert_eq(bench_hist_rank(10, 10.0001), 2);
	cr_assert_eq(bench_hist_rank(100000, 99.999), 99999);
}

/* Below 2^M every value has its own bucket: percentiles are exact. */
Test(histogram, uniform_small_exact)
{
	struct bench_hist *h = new_hist();
	uint64_t v;

	for (v = 1; v <= 100; v++)
		bench_hist_record(h, v);
	cr_assert_eq(h->count, 100);
	cr_assert_eq(bench_hist_min(h), 1);
	cr_assert_eq(bench_hist_max(h), 100);
	cr_assert_float_eq(bench_hist_mean(h), 50.5, 1e-12);
	cr_assert_eq(bench_hist_pct(h, 50), 50);
	cr_assert_eq(bench_hist_pct(h, 90), 90);
	cr_assert_eq(bench_hist_pct(h, 95), 95);
	cr_assert_eq(bench_hist_pct(h, 99), 99);
	cr_assert_eq(bench_hist_pct(h, 99.9), 100);
	cr_assert_eq(bench_hist_pct(h, 0), 1);
	cr_assert_eq(bench_hist_pct(h, 100), 100);
	free(h);
}

Test(histogram, uniform_large_bounded)
{
	const size_t n = 200000;
	struct bench_hist *h = new_hist();
	uint64_t *v = malloc(n * sizeof(*v));
	size_t i;

	cr_assert_not_null(v);
	for (i = 0; i < n; i++) {
		v[i] = i + 1;
		bench_hist_record(h, v[i]);
	}
	cr_assert_float_eq(bench_hist_mean(h), (n + 1) / 2.0, 1e-9);
	check_against_sorted(h, v, n, "uniform");
	free(v);
	free(h);
}

Test(histogram, constant_is_exact)
{
	struct bench_hist *h = new_hist();
	unsigned i, k;

	for (i = 0; i < 1000; i++)
		bench_hist_record(h, 123456789);
	for (k = 0; k < BENCH_HIST_NPCT; k++)
		cr_assert_eq(bench_hist_pct(h, bench_hist_pcts[k]), 123456789);
	cr_assert_eq(bench_hist_min(h), 123456789);
	cr_assert_eq(bench_hist_max(h), 123456789);
	cr_assert_float_eq(bench_hist_mean(h), 123456789.0, 1e-6);
	free(h);
}

Test(histogram, two_point)
{
	struct bench_hist *h = new_hist();

	bench_hist_record_n(h, 10, 900);
	bench_hist_record_n(h, 1000000, 100);
	cr_assert_eq(h->count, 1000);
	cr_assert_eq(bench_hist_pct(h, 50), 10);
	cr_assert_eq(bench_hist_pct(h, 90), 10); /* rank 900: the last 10 */
	cr_assert_eq(bench_hist_pct(h, 90.01), 1000000); /* rank 901 */
	cr_assert_eq(bench_hist_pct(h, 99.99), 1000000);
	cr_assert_eq(bench_hist_max(h), 1000000);
	cr_assert_float_eq(bench_hist_mean(h), (900.0 * 10 + 100.0 * 1000000) / 1000, 1e-9);
	free(h);
}

Test(histogram, huge_values)
{
	static const uint64_t vals[] = { UINT64_MAX, UINT64_MAX - 1, 1ull << 63,
					 (1ull << 63) - 1, 1ull << 40, 0 };
	struct bench_hist *h = new_hist();
	unsigned i;

	for (i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
		unsigned idx = bench_hist_index(vals[i]);

		cr_assert_lt(idx, BENCH_HIST_BUCKETS);
		cr_assert_leq(bench_hist_bucket_lo(idx), vals[i]);
		cr_assert_geq(bench_hist_bucket_hi(idx), vals[i]);
		bench_hist_record(h, vals[i]);
	}
	cr_assert_eq(bench_hist_index(UINT64_MAX), BENCH_HIST_BUCKETS - 1);
	cr_assert_eq(bench_hist_max(h), UINT64_MAX);
	cr_assert_eq(bench_hist_min(h), 0);
	cr_assert_eq(bench_hist_pct(h, 100), UINT64_MAX);
	assert_within(bench_hist_pct(h, 50), (1ull << 63) - 1, "huge", 50);
	/* The sum does not wrap: mean of six values, two near 2^64. */
	cr_assert_gt(bench_hist_mean(h), 9.2e18);
	free(h);
}

/* The buckets tile the whole range: no gap, no overlap, widths as stated. */
Test(histogram, buckets_tile_range)
{
	unsigned i;

	cr_assert_eq(bench_hist_bucket_lo(0), 0);
	for (i = 0; i + 1 < BENCH_HIST_BUCKETS; i++) {
		uint64_t lo = bench_hist_bucket_lo(i), hi = bench_hist_bucket_hi(i);

		cr_assert_eq(hi + 1, bench_hist_bucket_lo(i + 1), "gap after bucket %u", i);
		cr_assert_eq(bench_hist_index(lo), i);
		cr_assert_eq(bench_hist_index(hi), i);
		/* width <= lo / 2^M: the source of the error bound */
		if (lo >= BENCH_HIST_SUB)
			cr_assert_leq(hi - lo + 1, lo >> BENCH_HIST_SUB_BITS);
	}
	cr_assert_eq(bench_hist_bucket_hi(BENCH_HIST_BUCKETS - 1), UINT64_MAX);
}

Test(histogram, random_error_bound)
{
	const size_t n = 100000;
	struct bench_hist *h = new_hist();
	uint64_t *v = malloc(n * sizeof(*v)), s = 0x9e3779b97f4a7c15ull;
	size_t i;

	cr_assert_not_null(v);
	for (i = 0; i < n; i++) {
		v[i] = rng_log(&s, 40);
		bench_hist_record(h, v[i]);
	}
	check_against_sorted(h, v, n, "log-uniform");
	free(v);
	free(h);
}

Test(histogram, merge_equals_record_all)
{
	struct bench_hist *a = new_hist(), *b = new_hist(), *all = new_hist();
	uint64_t s = 42;
	unsigned i;

	for (i = 0; i < 50000; i++) {
		uint64_t v = rng_log(&s, 50);

		bench_hist_record(i & 1 ? a : b, v);
		bench_hist_record(all, v);
	}
	bench_hist_merge(a, b);
	cr_assert_eq(a->count, all->count);
	cr_assert_eq(a->min, all->min);
	cr_assert_eq(a->max, all->max);
	cr_assert(a->sum == all->sum);
	cr_assert_eq(memcmp(a->buckets, all->buckets, sizeof(a->buckets)), 0);
	/* merging an empty histogram changes nothing */
	bench_hist_init(b);
	bench_hist_merge(a, b);
	cr_assert_eq(a->min, all->min);
	cr_assert_eq(a->count, all->count);
	free(a);
	free(b);
	free(all);
}

Test(histogram, export_import_roundtrip)
{
	struct bench_hist *a = new_hist(), *b = new_hist();
	struct bench_hist_bucket *raw;
	uint64_t s = 7;
	size_t n, i;

	for (i = 0; i < 20000; i++)
		bench_hist_record(a, rng_log(&s, 30));
	n = bench_hist_export(a, NULL, 0);
	cr_assert_gt(n, 100);
	raw = calloc(n, sizeof(*raw));
	cr_assert_eq(bench_hist_export(a, raw, n), n);
	for (i = 1; i < n; i++)
		cr_assert_lt(raw[i - 1].value, raw[i].value);
	cr_assert_eq(bench_hist_import(b, raw, n, a->min, a->max, (double)a->sum), 0);
	cr_assert_eq(b->count, a->count);
	cr_assert_eq(b->min, a->min);
	cr_assert_eq(b->max, a->max);
	cr_assert_eq(memcmp(a->buckets, b->buckets, sizeof(a->buckets)), 0);
	cr_assert_eq(bench_hist_pct(a, 99.9), bench_hist_pct(b, 99.9));
	cr_assert_float_eq(bench_hist_mean(a), bench_hist_mean(b), 1e-6);

	/* importing twice is merging with itself */
	cr_assert_eq(bench_hist_import(b, raw, n, a->min, a->max, (double)a->sum), 0);
	cr_assert_eq(b->count, 2 * a->count);
	cr_assert_eq(b->buckets[bench_hist_index(raw[0].value)], 2 * raw[0].count);
	free(raw);
	free(a);
	free(b);
}

Test(histogram, import_rejects_inconsistent)
{
	struct bench_hist *h = new_hist();
	struct bench_hist_bucket raw[2] = { { 100, 3 }, { 5000, 1 } };

	bench_hist_record(h, 7);
	/* a bucket above max */
	cr_assert_eq(bench_hist_import(h, raw, 2, 100, 4000, 5300), -EINVAL);
	/* a bucket wholly below min */
	cr_assert_eq(bench_hist_import(h, raw, 2, 200, 6000, 5300), -EINVAL);
	/* min above max */
	cr_assert_eq(bench_hist_import(h, raw, 2, 6000, 100, 5300), -EINVAL);
	/* a rejected import left the histogram untouched */
	cr_assert_eq(h->count, 1);
	cr_assert_eq(bench_hist_max(h), 7);
	cr_assert_eq(bench_hist_import(h, raw, 2, 100, 5000, 5300), 0);
	cr_assert_eq(h->count, 5);
	cr_assert_eq(bench_hist_max(h), 5000);
	cr_assert_eq(bench_hist_min(h), 7);
}
