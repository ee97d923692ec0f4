/* SPDX-License-Identifier: MIT */
/*
 * The environment a run was measured in, captured once, printed first and
 * written into every JSON report.  Hostname-free on purpose: reports get
 * shared.
 */
#ifndef UIPC_BENCH_ENV_H
#define UIPC_BENCH_ENV_H

#include <stdint.h>
#include <stdio.h>

struct bench_env {
	char cpu[128]; /* model name */
	char kernel[400]; /* uname -srvm */
	char cpus[160]; /* the pair used, their nodes, distance */
	int cpu_a, cpu_b;
	int nnodes;
	int distance; /* SLIT distance between the pair's nodes, -1 unknown */
	char governor[32]; /* of cpu_a, "n/a" when cpufreq is absent */
	char vulnerabilities[512]; /* one summary line */
	char backing[32]; /* of the uipc segment actually used */
	uint64_t page_size;
	int node; /* node the uipc segment's pages were found on, -1 unknown */
	char seg_note[256]; /* fallback reason, or a mismatch between runs */
	char wait[32]; /* wait strategy */
	char cpu_dma_latency[16]; /* "no" or the held value */
	char clock[128];
	char version[32];
};

extern struct bench_env bench_env;

/* Fill bench_env for the pair @cpu_a (measuring side), @cpu_b (peer).
 * Needs bench_clock_init() first.  Probes a uipc segment made like the
 * benchmark's to learn its backing. */
void bench_env_capture(int cpu_a, int cpu_b);

/* Called by tp_uipc for every segment it creates: the report shows what
 * was used, and says so if runs got different backings. */
void bench_env_note_seg(const char *backing, uint64_t page_size, int node,
			const char *fallback_reason);

void bench_env_print(FILE *f);

/*
 * The start of a measuring subcommand: calibrate the clock, pin this
 * process to @cpu_a, capture the environment for (@cpu_a, @cpu_b) and print
 * it.  Return: 0, or -errno after saying on stderr that pinning failed.
 */
int bench_begin(int cpu_a, int cpu_b);

/* The command line of this run, kept apart from the capture (which a
 * subcommand may redo) and written into the JSON env as "argv". */
void bench_env_set_argv(int argc, char **argv);
const char *bench_env_argv(void);

/* The segment line alone, after the runs (what they actually got). */
void bench_env_print_seg(FILE *f);

#endif /* UIPC_BENCH_ENV_H */
