/* SPDX-License-Identifier: MIT */
/* Command-line value parsers. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "cmds.h"
#include "transports.h"

int bench_parse_u64(const char *s, uint64_t *out)
{
	unsigned long long v;
	char *end;
	unsigned shift = 0;

	if (!s || !*s || *s == '-')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s)
		return -EINVAL;
	switch (*end) {
	case 'k':
	case 'K':
		shift = 10;
		end++;
		break;
	case 'm':
	case 'M':
		shift = 20;
		end++;
		break;
	case 'g':
	case 'G':
		shift = 30;
		end++;
		break;
	default:
		break;
	}
	if (*end || (shift && v > (~0ull >> shift)))
		return -EINVAL;
	*out = (uint64_t)v << shift;
	return 0;
}

int bench_parse_list(const char *s, uint64_t *out, size_t max)
{
	char *dup = strdup(s ? s : ""), *tok, *save = NULL;
	int n = 0, rc = 0;

	if (!dup)
		return -ENOMEM;
	for (tok = strtok_r(dup, ",", &save); tok && !rc; tok = strtok_r(NULL, ",", &save)) {
		if ((size_t)n >= max)
			rc = -E2BIG;
		else
			rc = bench_parse_u64(tok, &out[n++]);
	}
	free(dup);
	if (!rc && n == 0)
		rc = -EINVAL;
	return rc ? rc : n;
}

static int parse_cpu(const char *s, const char *end, int *cpu)
{
	char *e;
	long v;

	if (end - s == 1 && *s == '-') {
		*cpu = -1;
		return 0;
	}
	v = strtol(s, &e, 10);
	if (e != end || e == s || v < -1 || v > 65535)
		return -EINVAL;
	*cpu = (int)v;
	return 0;
}

int bench_parse_cpus(const char *s, int *a, int *b)
{
	const char *comma = s ? strchr(s, ',') : NULL;

	if (!comma)
		return -EINVAL;
	if (parse_cpu(s, comma, a) || parse_cpu(comma + 1, comma + 1 + strlen(comma + 1), b))
		return -EINVAL;
	return 0;
}

static int has_method(const struct bench_transport *t, size_t need)
{
	const void *fn;

	memcpy(&fn, (const char *)t + need, sizeof(fn));
	return fn != NULL;
}

int bench_parse_transports(const char *s, size_t need, const struct bench_transport **out,
			   size_t max, const char **bad)
{
	static char badname[64];
	char *dup, *tok, *save = NULL;
	size_t i;
	int n = 0, rc = 0;

	if (!s || !strcmp(s, "all")) {
		for (i = 0; i < bench_ntransports && (size_t)n < max; i++)
			if (has_method(bench_transports[i], need))
				out[n++] = bench_transports[i];
		return n;
	}
	dup = strdup(s);
	if (!dup)
		return -ENOMEM;
	for (tok = strtok_r(dup, ",", &save); tok && !rc; tok = strtok_r(NULL, ",", &save)) {
		const struct bench_transport *t = bench_transport_find(tok);

		if (!t || !has_method(t, need)) {
			snprintf(badname, sizeof(badname), "%s", tok);
			*bad = badname;
			rc = -ENOENT;
		} else if ((size_t)n >= max) {
			rc = -E2BIG;
		} else {
			out[n++] = t;
		}
	}
	free(dup);
	if (!rc && n == 0)
		rc = -EINVAL;
	return rc ? rc : n;
}

int bench_run_opt(const char *cmd, int c, const char *arg, struct bench_run_opts *o)
{
	switch (c) {
	case 'n':
		if (bench_parse_u64(arg, &o->count) || !o->count)
			return bench_bad_arg(cmd, "--count", arg);
		return 1;
	case 'c':
		if (bench_parse_cpus(arg, &o->cpu_a, &o->cpu_b))
			return bench_bad_arg(cmd, "--cpus", arg);
		return 1;
	case 'j':
		o->json = arg;
		return 1;
	case 'q':
		o->quiet = 1;
		return 1;
	default:
		return 0;
	}
}
