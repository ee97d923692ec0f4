/* SPDX-License-Identifier: MIT */
/*
 * Results: the JSON report (hand-written, no dependency) and the readable
 * tables on stdout.  JSON schema:
 *
 *   {"env": {"cpu": .., "kernel": .., "cpus": .., "backing": ..,
 *            "page_size": .., "node": .., ...},
 *    "results": [{"bench": "pingpong", "transport": "uipc", "size": 32,
 *                 "count": N, "min_ns", "p50_ns", "p90_ns", "p95_ns",
 *                 "p99_ns", "p999_ns", "p9999_ns", "max_ns",
 *                 "mean_ns", "hist": {raw buckets, see below}}, ...]}
 *
 * A transport that could not run has "count": 0 and "skipped": "reason".
 * Stream results carry "batch", "msgs_per_s", "gib_per_s", "verified".
 * "hist" is {"min": .., "max": .., "sum": .., "buckets": [[lowest value,
 * count], ...]} (bench_hist_export), enough to merge runs exactly.
 */
#ifndef UIPC_BENCH_REPORT_H
#define UIPC_BENCH_REPORT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "hist.h"

struct bench_result {
	const char *bench; /* "pingpong", "stream", "zerocopy", ... */
	const char *transport;
	size_t size;
	unsigned batch; /* stream: messages per batch; 0 otherwise */
	struct bench_hist *hist; /* latency samples (ns); NULL for stream */
	/* stream */
	uint64_t msgs;
	double msgs_per_s;
	double gib_per_s;
	int verified;
	/* why it did not run or failed; NULL when it ran */
	const char *skipped;
};

/*
 * Results of several subcommands gathered for one report (`uipc-bench
 * all`).  A subcommand given one hands its rows over instead of writing
 * JSON: the collector owns their histograms from then on.
 */
struct bench_collect {
	struct bench_result *r;
	size_t n, cap;
};

/* Move @n rows of @r into @c (NULL @c: nothing).  Return: 0 or -ENOMEM,
 * in which case the rows stay with the caller. */
int bench_collect_add(struct bench_collect *c, struct bench_result *r, size_t n);

/* Free every row's histogram and the array. */
void bench_collect_free(struct bench_collect *c);

/* A report file: open @path ("-": stdout) and write its opening brace;
 * NULL with errno set when it cannot be opened. */
FILE *bench_json_open(const char *path);

/* Write the closing brace and close (stdout stays open).  Return: 0, or
 * -EIO / -errno when anything written was lost. */
int bench_json_close(FILE *f);

/* Write env + results to @path ("-" for stdout).  Return: 0 or -errno. */
int bench_report_json(const char *path, const struct bench_result *r, size_t n);

/* The same, saying on stderr what went wrong.  Return: 0 or -errno. */
int bench_report_json_or_say(const char *path, const struct bench_result *r, size_t n);

/* A skip reason that outlives a transport's static buffer: @why copied
 * (NULL stays NULL; the original when out of memory). */
const char *bench_skip_copy(const char *why);

/* "@why (strerror(-@rc))" for a run that failed, owned by the row. */
const char *bench_skip_reason(const char *why, int rc);

/* The same with the members before "results" written by @write_env (an
 * "env" of one's own, e.g. the inputs' of a merged report). */
int bench_report_json_env(const char *path, const struct bench_result *r, size_t n,
			  void (*write_env)(FILE *f, const void *ctx), const void *ctx);

/* The `"results": [...]` member alone. */
void bench_report_results_json(FILE *f, const struct bench_result *r, size_t n);

/* One row per transport and size: p50 .. max and the p50 ratio to uipc. */
void bench_report_latency_table(FILE *f, const struct bench_result *r, size_t n);

/* One row per transport, size and batch: msgs/s, GiB/s, verified. */
void bench_report_stream_table(FILE *f, const struct bench_result *r, size_t n);

/* JSON string with escapes, quotes included. */
void bench_json_str(FILE *f, const char *s);

/* The `"env": {...}` member every JSON report starts with (no trailing comma). */
void bench_report_env_json(FILE *f);

#endif /* UIPC_BENCH_REPORT_H */
