/* SPDX-License-Identifier: MIT */
/* TSC detection and calibration against CLOCK_MONOTONIC. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"

struct bench_clock bench_clock = { .tsc = 0, .ns_per_tick = 1.0, .desc = "clock_gettime" };

/* 1 if every flag in @want appears as a word of the first "flags" line. */
static int cpu_has_flags(const char *const *want, int n)
{
	char line[8192];
	FILE *f = fopen("/proc/cpuinfo", "r");
	int found = 0, i;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "flags", 5))
			continue;
		for (i = 0; i < n; i++) {
			char pat[64];

			snprintf(pat, sizeof(pat), " %s", want[i]);
			char *p = strstr(line, pat);
			size_t l = strlen(pat);

			if (p && (p[l] == ' ' || p[l] == '\n' || p[l] == '\0'))
				found++;
		}
		break;
	}
	fclose(f);
	return found == n;
}

#if defined(__x86_64__)
static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Median reading of an empty timed region: every sample carries it (the
 * fences and the two reads), so ratios of small round trips are a little
 * closer to 1 than the round trips themselves. */
static uint64_t tsc_empty(void)
{
	uint64_t d[255];
	unsigned i;

	for (i = 0; i < 255; i++) {
		uint64_t a = bench_tsc_start();

		d[i] = bench_tsc_end() - a;
	}
	qsort(d, 255, sizeof(d[0]), cmp_u64);
	return d[127];
}
#endif

void bench_clock_init(void)
{
#if defined(__x86_64__)
	static const char *const flags[] = { "constant_tsc", "nonstop_tsc", "rdtscp" };
	uint64_t t0, t1, c0, c1;
	double best;

	if (!cpu_has_flags(flags, 3)) {
		snprintf(bench_clock.desc, sizeof(bench_clock.desc),
			 "clock_gettime(CLOCK_MONOTONIC) (TSC not constant/nonstop)");
		return;
	}
	/* One 50 ms window: the ~100 ns uncertainty of each pair of reads is
	 * a few parts per million of it. */
	c0 = bench_tsc_start();
	t0 = bench_mono_ns();
	do {
		t1 = bench_mono_ns();
	} while (t1 - t0 < 50000000ull);
	c1 = bench_tsc_end();
	best = (double)(t1 - t0) / (double)(c1 - c0);
	bench_clock.tsc = 1;
	bench_clock.ns_per_tick = best;
	bench_clock.ghz = 1.0 / best;
	bench_clock.empty_ns = (double)tsc_empty() * best;
	snprintf(bench_clock.desc, sizeof(bench_clock.desc),
		 "tsc (lfence;rdtsc / rdtscp;lfence) %.3f GHz vs CLOCK_MONOTONIC; "
		 "an empty timed region reads %.0f ns",
		 bench_clock.ghz, bench_clock.empty_ns);
#else
	snprintf(bench_clock.desc, sizeof(bench_clock.desc), "clock_gettime(CLOCK_MONOTONIC)");
#endif
}
