/* SPDX-License-Identifier: MIT */
/*
 * `uipc-bench pingpong`'s two clocks: one pair of reads per round trip,
 * each a sample, or back to back (--back-to-back) one read per block of
 * round trips, each block's mean a sample.  The timer is checked against
 * round trips of a known length (sleeps), then the built uipc-bench in
 * both modes on real transports for the number of samples it reports.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "benchutil.h"
#include "transport.h"

#define ROUND_TRIP_US 2000

struct got {
	uint64_t n;
	uint64_t ns[64];
};

static void keep(void *ctx, uint64_t ns)
{
	struct got *g = ctx;

	cr_assert_lt(g->n, 64);
	g->ns[g->n++] = ns;
}

/* @warm unmeasured then @measured "round trips" of ROUND_TRIP_US each. */
static void run_timer(uint64_t block, unsigned warm, unsigned measured, struct got *g)
{
	struct bench_pp_cfg cfg = { .block = block };
	struct bench_pp_timer tm;

	bench_clock_init();
	memset(g, 0, sizeof(*g));
	bench_pp_timer_init(&tm, &cfg, keep, g);
	for (unsigned i = 0; i < warm + measured; i++) {
		bench_pp_start(&tm);
		usleep(ROUND_TRIP_US);
		bench_pp_stop(&tm);
		bench_pp_sample(&tm, i >= warm);
	}
}

Test(pingpong_timer, every_measured_round_trip_is_a_sample_by_default)
{
	struct got g;

	run_timer(0, 3, 5, &g);
	cr_assert_eq(g.n, 5, "warm-up round trips are not sampled");
	for (uint64_t i = 0; i < g.n; i++)
		cr_assert_geq(g.ns[i], ROUND_TRIP_US * 1000ull, "sample %llu: %llu ns",
			      (unsigned long long)i, (unsigned long long)g.ns[i]);
}

Test(pingpong_timer, a_back_to_back_sample_is_the_mean_of_one_block)
{
	struct got g;

	/* The first measured round trip sets the mark, 3 more do not
	 * complete a block of 4. */
	run_timer(4, 2, 1 + 3, &g);
	cr_assert_eq(g.n, 0, "no complete block, got %llu samples", (unsigned long long)g.n);
	/* The first sets the mark, the next 8 make two blocks. */
	run_timer(4, 2, 1 + 8, &g);
	cr_assert_eq(g.n, 2, "two complete blocks, got %llu samples", (unsigned long long)g.n);
	for (uint64_t i = 0; i < g.n; i++) {
		cr_assert_geq(g.ns[i], ROUND_TRIP_US * 1000ull, "block %llu: %llu ns",
			      (unsigned long long)i, (unsigned long long)g.ns[i]);
		/* A sum over the block would be at least 4 round trips. */
		cr_assert_lt(g.ns[i], 4 * ROUND_TRIP_US * 1000ull, "block %llu is a mean: %llu ns",
			     (unsigned long long)i, (unsigned long long)g.ns[i]);
	}
}

/* ------------------------------------------------------------ uipc-bench */

TestSuite(pingpong, .init = bench_tool_setup, .fini = bench_tool_teardown, .timeout = 120);

/* Run pingpong on floor, uipc and uds (3003 round trips in 3 rounds of
 * 1001) and check every row's name and sample count. */
static void run_bench(const char *extra, const char *name, uint64_t count)
{
	char out[128], cmd[1024];
	const struct json *res, *row;
	unsigned rows = 0;
	struct json *j;

	snprintf(out, sizeof(out), "%s/pp.json", dir);
	snprintf(cmd, sizeof(cmd),
		 "'%s' pingpong -t floor,uipc,uds -s 32 -n 3003 -w 100 -r 3 %s --quiet "
		 "--json '%s' >/dev/null",
		 bench, extra, out);
	cr_assert_eq(system(cmd), 0, "%s", cmd);
	j = bench_read_json(out);
	res = json_get(j, "results");
	cr_assert_not_null(res);
	for (row = res->child; row; row = row->next, rows++) {
		const char *tp = json_str(row, "transport", "?");

		cr_assert_str_eq(json_str(row, "bench", ""), name, "%s", tp);
		cr_assert_eq(json_u64(row, "count", 0), count, "%s: %llu samples", tp,
			     (unsigned long long)json_u64(row, "count", 0));
		cr_assert_gt(json_u64(row, "min_ns", 0), 0, "%s", tp);
		cr_assert_leq(json_u64(row, "p50_ns", 0), json_u64(row, "max_ns", 0), "%s", tp);
	}
	cr_assert_eq(rows, 3);
	json_free(j);
}

Test(pingpong, every_round_trip_is_a_sample)
{
	run_bench("", "pingpong", 3003);
}

Test(pingpong, back_to_back_reports_one_sample_per_block)
{
	/* Rounds of 1001 make blocks of 100: the first round trip of a round
	 * sets the mark, the other 1000 fill 10 blocks; 3 rounds, 30 samples. */
	run_bench("--back-to-back", "pingpong-b2b", 30);
}
