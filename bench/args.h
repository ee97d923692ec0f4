/* SPDX-License-Identifier: MIT */
/* Command-line value parsers shared by the subcommands. */
#ifndef UIPC_BENCH_ARGS_H
#define UIPC_BENCH_ARGS_H

#include <stddef.h>
#include <stdint.h>

#include "transport.h"

/* "123", "64k", "4M", "2G" (powers of 1024 for k/M/G).  Return: 0 or -EINVAL. */
int bench_parse_u64(const char *s, uint64_t *out);

/* Comma list of bench_parse_u64 values.  Return: count, or -EINVAL/-E2BIG. */
int bench_parse_list(const char *s, uint64_t *out, size_t max);

/* "A,B": two CPUs, each -1 for "unpinned".  Return: 0 or -EINVAL. */
int bench_parse_cpus(const char *s, int *a, int *b);

/*
 * Comma list of transport names or "all".  @need: offset of the mode's
 * method in struct bench_transport (only those having it are taken by
 * "all"; naming one without it is an error).  Return: count, -ENOENT with
 * *@bad set to the unknown name, -EINVAL.
 */
int bench_parse_transports(const char *s, size_t need, const struct bench_transport **out,
			   size_t max, const char **bad);

/* The options every measuring subcommand takes. */
struct bench_run_opts {
	uint64_t count; /* -n/--count, > 0 */
	int cpu_a, cpu_b; /* -c/--cpus A,B */
	const char *json; /* -j/--json FILE */
	int quiet; /* -q/--quiet */
};

/*
 * Take getopt's option @c with @arg into @o when it is one of those.
 * Return: 1 taken, 0 not one of them, -EINVAL a bad value (said on stderr
 * for subcommand @cmd).
 */
int bench_run_opt(const char *cmd, int c, const char *arg, struct bench_run_opts *o);

#endif /* UIPC_BENCH_ARGS_H */
