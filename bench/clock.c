/* SPDX-License-Identifier: MIT */
/* TSC detection and calibration against CLOCK_MONOTONIC. */
#include <stdio.h>
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
	snprintf(bench_clock.desc, sizeof(bench_clock.desc),
		 "tsc (lfence;rdtsc / rdtscp;lfence) %.3f GHz vs CLOCK_MONOTONIC", bench_clock.ghz);
#else
	snprintf(bench_clock.desc, sizeof(bench_clock.desc), "clock_gettime(CLOCK_MONOTONIC)");
#endif
}
