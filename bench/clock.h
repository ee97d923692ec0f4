/* SPDX-License-Identifier: MIT */
/*
 * The one clock of the bench: the TSC, fenced so the timed region cannot
 * leak out of the two reads, converted to nanoseconds with a ratio measured
 * against CLOCK_MONOTONIC at start-up.  Used only when /proc/cpuinfo says
 * constant_tsc and nonstop_tsc (the rate is fixed and it ticks in idle);
 * otherwise, and off x86, clock_gettime(CLOCK_MONOTONIC) is the clock.
 * Every transport is timed by the same one.
 */
#ifndef UIPC_BENCH_CLOCK_H
#define UIPC_BENCH_CLOCK_H

#include <stdint.h>
#include <time.h>

struct bench_clock {
	int tsc; /* 1: ticks are TSC cycles; 0: ticks are nanoseconds */
	double ns_per_tick;
	double ghz; /* TSC rate (0 without TSC) */
	double empty_ns; /* median reading of an empty timed region (0: unknown) */
	char desc[128]; /* for the environment report */
};

extern struct bench_clock bench_clock;

/* Decide the clock and calibrate it (about 50 ms).  Call once. */
void bench_clock_init(void);

static inline uint64_t bench_mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

#if defined(__x86_64__)
/* Start of a timed region: lfence keeps earlier work from being counted
 * after the read, and the read from starting before earlier loads finish. */
static inline uint64_t bench_tsc_start(void)
{
	uint32_t lo, hi;

	__asm__ __volatile__("lfence\n\trdtsc" : "=a"(lo), "=d"(hi)::"memory");
	return ((uint64_t)hi << 32) | lo;
}

/* End: rdtscp waits for the timed work; lfence keeps later work out. */
static inline uint64_t bench_tsc_end(void)
{
	uint32_t lo, hi, aux;

	__asm__ __volatile__("rdtscp\n\tlfence" : "=a"(lo), "=d"(hi), "=c"(aux)::"memory");
	return ((uint64_t)hi << 32) | lo;
}
#endif

static inline uint64_t bench_ticks_start(void)
{
#if defined(__x86_64__)
	if (bench_clock.tsc)
		return bench_tsc_start();
#endif
	return bench_mono_ns();
}

static inline uint64_t bench_ticks_end(void)
{
#if defined(__x86_64__)
	if (bench_clock.tsc)
		return bench_tsc_end();
#endif
	return bench_mono_ns();
}

static inline uint64_t bench_ticks_to_ns(uint64_t ticks)
{
	return bench_clock.tsc ? (uint64_t)((double)ticks * bench_clock.ns_per_tick + 0.5) : ticks;
}

#endif /* UIPC_BENCH_CLOCK_H */
