/* SPDX-License-Identifier: MIT */
/* Markdown tables and targets from merged results (report_md.h). */
#include <string.h>

#include "report_md.h"
#include "zc_summary.h"

static const char *const kernel_tps[] = { "pipe", "pipe-poll", "uds",	"uds-poll", "uds-seqpacket",
					  "eventfd", "tcp",	  "mq",	"zmq" };
#define NKERNEL (sizeof(kernel_tps) / sizeof(kernel_tps[0]))

static int is_lat(const struct bench_result *x)
{
	return !x->skipped && x->hist && x->hist->count;
}

static int is_stream(const struct bench_result *x)
{
	return !x->skipped && !x->hist && x->msgs;
}

static const char *human(size_t size, char *buf, size_t len)
{
	if (size >= (1u << 20) && !(size % (1u << 20)))
		snprintf(buf, len, "%zu MiB", size >> 20);
	else if (size >= 1024 && !(size % 1024))
		snprintf(buf, len, "%zu KiB", size >> 10);
	else
		snprintf(buf, len, "%zu B", size);
	return buf;
}

static const struct bench_result *find(const struct bench_result *r, size_t n, const char *bench,
				       const char *tp, size_t size, unsigned batch)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(r[i].bench, bench) && !strcmp(r[i].transport, tp) &&
		    r[i].size == size && r[i].batch == batch)
			return &r[i];
	return NULL;
}

/* First result of its (bench, size, batch) group? */
static int first_of_group(const struct bench_result *r, size_t i)
{
	size_t j;

	for (j = 0; j < i; j++)
		if (!strcmp(r[j].bench, r[i].bench) && r[j].size == r[i].size &&
		    r[j].batch == r[i].batch)
			return 0;
	return 1;
}

static int same_group(const struct bench_result *a, const struct bench_result *b)
{
	return !strcmp(a->bench, b->bench) && a->size == b->size && a->batch == b->batch;
}

/* A member's value as text, for printing and for comparing two files. */
static const char *val(const struct json *o, char *buf, size_t len)
{
	if (o->type == JSON_STR)
		return o->str;
	if (o->type == JSON_NUM) {
		snprintf(buf, len, "%.0f", o->num);
		return buf;
	}
	return NULL;
}

/* The environment in full for the first file; for later ones only what
 * differs from the first, and always the command line. */
static void env_block(FILE *f, const struct json *env, const struct json *first, const char *path)
{
	const struct json *o;
	const char *argv = json_str(env, "argv", NULL);
	char b1[64], b2[64];
	int shown = 0;

	fprintf(f, "%s `%s`:\n\n", first ? "Same environment except as listed, for" :
					     "Environment of", path);
	for (o = env->child; o; o = o->next) {
		const struct json *p = first ? json_get(first, o->key) : NULL;
		const char *v = val(o, b1, sizeof(b1)), *pv = p ? val(p, b2, sizeof(b2)) : NULL;

		if (!strcmp(o->key, "argv") || !v || !*v || (first && pv && !strcmp(v, pv)))
			continue;
		fprintf(f, "- %s: %s\n", o->key, v);
		shown = 1;
	}
	if (argv && *argv)
		fprintf(f, "%sCommand:\n\n```\n%s\n```\n", shown ? "\n" : "", argv);
	fputc('\n', f);
}

static void ratio_cell(FILE *f, uint64_t v, uint64_t base)
{
	if (base && v)
		fprintf(f, " %.2f |", (double)v / (double)base);
	else
		fputs(" - |", f);
}

static void latency_table(FILE *f, const struct bench_result *r, size_t n, size_t i0)
{
	const struct bench_result *u = find(r, n, r[i0].bench, "uipc", r[i0].size, 0);
	uint64_t u50 = u && is_lat(u) ? bench_hist_pct(u->hist, 50) : 0;
	uint64_t u99 = u && is_lat(u) ? bench_hist_pct(u->hist, 99) : 0;
	char hs[32];
	size_t i;

	fprintf(f, "#### %s, %s (round trip, ns)\n\n", r[i0].bench,
		human(r[i0].size, hs, sizeof(hs)));
	fputs("| transport | p50 | p90 | p95 | p99 | p99.9 | max | p50 / uipc | p99 / uipc |\n"
	      "|---|---:|---:|---:|---:|---:|---:|---:|---:|\n",
	      f);
	for (i = i0; i < n; i++) {
		const struct bench_result *x = &r[i];
		const struct bench_hist *h = x->hist;

		if (!same_group(x, &r[i0]))
			continue;
		if (!is_lat(x)) {
			fprintf(f, "| %s | skipped: %s ||||||||\n", x->transport,
				x->skipped ? x->skipped : "no samples");
			continue;
		}
		fprintf(f, "| %s | %llu | %llu | %llu | %llu | %llu | %llu |", x->transport,
			(unsigned long long)bench_hist_pct(h, 50),
			(unsigned long long)bench_hist_pct(h, 90),
			(unsigned long long)bench_hist_pct(h, 95),
			(unsigned long long)bench_hist_pct(h, 99),
			(unsigned long long)bench_hist_pct(h, 99.9),
			(unsigned long long)bench_hist_max(h));
		ratio_cell(f, bench_hist_pct(h, 50), u50);
		ratio_cell(f, bench_hist_pct(h, 99), u99);
		fputc('\n', f);
	}
	fputc('\n', f);
}

static void stream_table(FILE *f, const struct bench_result *r, size_t n, size_t i0)
{
	const struct bench_result *u = find(r, n, "stream", "uipc", r[i0].size, r[i0].batch);
	double base = u && is_stream(u) ? u->msgs_per_s : 0;
	char hs[32];
	size_t i;

	fprintf(f, "#### stream, %s, batch %u\n\n", human(r[i0].size, hs, sizeof(hs)),
		r[i0].batch);
	fputs("| transport | msgs/s | GiB/s | / uipc | verified |\n|---|---:|---:|---:|:---:|\n", f);
	for (i = i0; i < n; i++) {
		const struct bench_result *x = &r[i];

		if (!same_group(x, &r[i0]))
			continue;
		if (!is_stream(x)) {
			fprintf(f, "| %s | skipped: %s ||||\n", x->transport,
				x->skipped ? x->skipped : "no messages");
			continue;
		}
		fprintf(f, "| %s | %.0f | %.3f |", x->transport, x->msgs_per_s, x->gib_per_s);
		if (base > 0)
			fprintf(f, " %.2f |", x->msgs_per_s / base);
		else
			fputs(" - |", f);
		fprintf(f, " %s |\n", x->verified ? "yes" : "**NO**");
	}
	fputc('\n', f);
}

static const char *verdict(int ok)
{
	return ok ? "met" : "**not met**";
}

/* The foundation's small round trip: uipc at 32 B against the floor and
 * both Unix sockets.  Return: lines written. */
static int target_small(FILE *f, const struct bench_result *r, size_t n)
{
	static const struct {
		const char *tp;
		int over_uipc; /* 1: tp / uipc >= bound; 0: uipc / tp <= bound */
		double bound;
	} t[] = { { "floor", 0, 1.15 }, { "uds", 1, 100 }, { "uds-poll", 1, 10 } };
	const struct bench_result *u = find(r, n, "pingpong", "uipc", 32, 0), *x;
	int lines = 0;
	size_t k;

	if (!u || !is_lat(u))
		return 0;
	for (k = 0; k < sizeof(t) / sizeof(t[0]); k++) {
		double a, b, q;

		x = find(r, n, "pingpong", t[k].tp, 32, 0);
		if (!x || !is_lat(x))
			continue;
		a = (double)bench_hist_pct(u->hist, 50);
		b = (double)bench_hist_pct(x->hist, 50);
		if (t[k].over_uipc) {
			q = b / a;
			fprintf(f, "- pingpong 32 B p50: %s = %.1f x uipc (>= %.0f: %s)\n", t[k].tp, q,
				t[k].bound, verdict(q >= t[k].bound));
		} else {
			q = a / b;
			fprintf(f, "- pingpong 32 B p50: uipc = %.3f x %s (<= %.2f: %s)\n", q, t[k].tp,
				t[k].bound, verdict(q <= t[k].bound));
		}
		lines++;
	}
	return lines;
}

/* uipc stream against floor-stream and uipc-threads at @size, batch 64.
 * Return: lines written. */
static int target_stream(FILE *f, const struct bench_result *r, size_t n, size_t size)
{
	const struct bench_result *u = find(r, n, "stream", "uipc", size, 64);
	const struct bench_result *fl = find(r, n, "stream", "floor-stream", size, 64);
	const struct bench_result *th = find(r, n, "stream", "uipc-threads", size, 64);
	int lines = 0;
	double q;

	if (!u || !is_stream(u))
		return 0;
	if (fl && is_stream(fl)) {
		q = u->msgs_per_s / fl->msgs_per_s;
		fprintf(f, "- stream %zu B batch 64: uipc = %.2f x floor-stream (>= 0.8: %s)\n", size,
			q, verdict(q >= 0.8));
		lines++;
	}
	if (th && is_stream(th)) {
		q = u->msgs_per_s / th->msgs_per_s;
		fprintf(f, "- stream %zu B batch 64: uipc = %.2f x uipc-threads (>= 0.9: %s)\n", size,
			q, verdict(q >= 0.9));
		lines++;
	}
	return lines;
}

/* uipc at 256 B against the best kernel transport, round trip and stream.
 * Return: lines written. */
static int target_kernel(FILE *f, const struct bench_result *r, size_t n)
{
	const struct bench_result *u = find(r, n, "pingpong", "uipc", 256, 0), *best = NULL, *x;
	unsigned batches[2] = { 1, 64 };
	int b, lines = 0;
	size_t k;

	for (k = 0; k < NKERNEL; k++) {
		x = find(r, n, "pingpong", kernel_tps[k], 256, 0);
		if (x && is_lat(x) &&
		    (!best || bench_hist_pct(x->hist, 50) < bench_hist_pct(best->hist, 50)))
			best = x;
	}
	if (u && is_lat(u) && best) {
		double q = (double)bench_hist_pct(best->hist, 50) /
			   (double)bench_hist_pct(u->hist, 50);

		fprintf(f, "- pingpong 256 B p50: best kernel transport %s is %.1f x uipc (>= 10: %s)\n",
			best->transport, q, verdict(q >= 10));
		lines++;
	}
	for (b = 0; b < 2; b++) {
		u = find(r, n, "stream", "uipc", 256, batches[b]);
		best = NULL;
		for (k = 0; k < NKERNEL; k++) {
			x = find(r, n, "stream", kernel_tps[k], 256, batches[b]);
			if (x && is_stream(x) && (!best || x->msgs_per_s > best->msgs_per_s))
				best = x;
		}
		if (u && is_stream(u) && best) {
			double q = u->msgs_per_s / best->msgs_per_s;

			fprintf(f, "- stream 256 B batch %u: uipc = %.1f x the best kernel transport "
				   "%s (>= 10: %s)\n",
				batches[b], q, best->transport, verdict(q >= 10));
			lines++;
		}
	}
	return lines;
}

/* Every row that matches or beats uipc in its group: the README must say why. */
static void not_ahead(FILE *f, const struct bench_result *r, size_t n)
{
	size_t i;
	int any = 0;

	for (i = 0; i < n; i++) {
		const struct bench_result *x = &r[i], *u;

		if (!strcmp(x->transport, "uipc") || !strcmp(x->bench, "zerocopy"))
			continue;
		u = find(r, n, x->bench, "uipc", x->size, x->batch);
		if (!u)
			continue;
		if (is_lat(x) && is_lat(u)) {
			uint64_t x50 = bench_hist_pct(x->hist, 50), x99 = bench_hist_pct(x->hist, 99);
			uint64_t u50 = bench_hist_pct(u->hist, 50), u99 = bench_hist_pct(u->hist, 99);

			if (x50 > u50 && x99 > u99)
				continue;
			fprintf(f, "- %s %zu B: %s p50 %llu vs uipc %llu ns, p99 %llu vs %llu ns\n",
				x->bench, x->size, x->transport, (unsigned long long)x50,
				(unsigned long long)u50, (unsigned long long)x99,
				(unsigned long long)u99);
			any = 1;
		} else if (is_stream(x) && is_stream(u) && x->msgs_per_s >= u->msgs_per_s) {
			fprintf(f, "- stream %zu B batch %u: %s %.0f vs uipc %.0f msgs/s\n", x->size,
				x->batch, x->transport, x->msgs_per_s, u->msgs_per_s);
			any = 1;
		}
	}
	if (!any)
		fputs("- none: uipc is ahead of every other transport in every group\n", f);
}

void bench_report_markdown(FILE *f, const struct bench_result *r, size_t n,
			   const struct json *const *envs, const char *const *paths, int ndocs)
{
	const struct json *first = NULL;
	size_t i;
	int d, zc = 0, targets;

	for (d = 0; d < ndocs; d++) {
		if (!envs[d])
			continue;
		env_block(f, envs[d], first, paths[d]);
		if (!first)
			first = envs[d];
	}
	for (i = 0; i < n; i++) {
		if (!first_of_group(r, i))
			continue;
		if (strcmp(r[i].bench, "stream"))
			latency_table(f, r, n, i);
		else
			stream_table(f, r, n, i);
		zc |= !strcmp(r[i].bench, "zerocopy");
	}
	if (zc) {
		fputs("#### zerocopy: handoff vs 32 B, copy path vs memcpy (p50)\n\n", f);
		bench_zc_summary(f, r, n, 1);
		fputc('\n', f);
	}
	fputs("#### Targets (ratios within this run)\n\n", f);
	targets = target_small(f, r, n);
	targets += target_stream(f, r, n, 64);
	targets += target_stream(f, r, n, 256);
	targets += target_kernel(f, r, n);
	if (!targets)
		fputs("- none: no row a target compares is in this report\n", f);
	fputs("\nWhere uipc is not ahead (p50 or p99 at or below uipc's, or more msgs/s):\n\n", f);
	not_ahead(f, r, n);
}
