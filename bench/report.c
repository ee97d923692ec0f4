/* SPDX-License-Identifier: MIT */
/* JSON report and tables; schema in report.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "env.h"
#include "report.h"

void bench_json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", f);
		else if (c == '\t')
			fputs("\\t", f);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

static void kv_str(FILE *f, const char *k, const char *v, int last)
{
	fprintf(f, "    \"%s\": ", k);
	bench_json_str(f, v);
	fputs(last ? "\n" : ",\n", f);
}

static void kv_int(FILE *f, const char *k, long long v, int last)
{
	fprintf(f, "    \"%s\": %lld%s\n", k, v, last ? "" : ",");
}

void bench_report_env_json(FILE *f)
{
	const struct bench_env *e = &bench_env;

	fputs("  \"env\": {\n", f);
	kv_str(f, "version", e->version, 0);
	kv_str(f, "argv", bench_env_argv(), 0);
	kv_str(f, "cpu", e->cpu, 0);
	kv_str(f, "kernel", e->kernel, 0);
	kv_str(f, "cpus", e->cpus, 0);
	kv_int(f, "cpu_a", e->cpu_a, 0);
	kv_int(f, "cpu_b", e->cpu_b, 0);
	kv_int(f, "numa_nodes", e->nnodes, 0);
	kv_int(f, "numa_distance", e->distance, 0);
	kv_str(f, "governor", e->governor, 0);
	kv_str(f, "vulnerabilities", e->vulnerabilities, 0);
	kv_str(f, "backing", e->backing, 0);
	kv_int(f, "page_size", (long long)e->page_size, 0);
	kv_int(f, "node", e->node, 0);
	kv_str(f, "segment_note", e->seg_note, 0);
	kv_str(f, "wait", e->wait, 0);
	kv_str(f, "cpu_dma_latency", e->cpu_dma_latency, 0);
	kv_str(f, "clock", e->clock, 1);
	fputs("  }", f);
}

static void write_hist(FILE *f, const struct bench_hist *h)
{
	size_t n = bench_hist_export(h, NULL, 0), i;
	struct bench_hist_bucket *b = calloc(n ? n : 1, sizeof(*b));

	fprintf(f, ", \"hist\": {\"min\": %llu, \"max\": %llu, \"sum\": %.17g, \"buckets\": [",
		(unsigned long long)bench_hist_min(h), (unsigned long long)bench_hist_max(h),
		(double)h->sum);
	if (b) {
		bench_hist_export(h, b, n);
		for (i = 0; i < n; i++)
			fprintf(f, "%s[%llu, %llu]", i ? ", " : "", (unsigned long long)b[i].value,
				(unsigned long long)b[i].count);
	}
	fputs("]}", f);
	free(b);
}

static void write_result(FILE *f, const struct bench_result *r)
{
	static const char *const keys[BENCH_HIST_NPCT] = { "p50_ns", "p90_ns",	"p95_ns",
							   "p99_ns", "p999_ns", "p9999_ns" };
	int k;

	fputs("    {\"bench\": ", f);
	bench_json_str(f, r->bench);
	fputs(", \"transport\": ", f);
	bench_json_str(f, r->transport);
	fprintf(f, ", \"size\": %zu", r->size);
	if (r->batch)
		fprintf(f, ", \"batch\": %u", r->batch);
	if (r->skipped) {
		fputs(", \"count\": 0, \"skipped\": ", f);
		bench_json_str(f, r->skipped);
		fputs("}", f);
		return;
	}
	if (r->hist) {
		const struct bench_hist *h = r->hist;

		fprintf(f, ", \"count\": %llu, \"min_ns\": %llu", (unsigned long long)h->count,
			(unsigned long long)bench_hist_min(h));
		for (k = 0; k < BENCH_HIST_NPCT; k++)
			fprintf(f, ", \"%s\": %llu", keys[k],
				(unsigned long long)bench_hist_pct(h, bench_hist_pcts[k]));
		fprintf(f, ", \"max_ns\": %llu, \"mean_ns\": %.1f",
			(unsigned long long)bench_hist_max(h), bench_hist_mean(h));
	}
	if (!r->hist || r->msgs)
		fprintf(f, ", \"count\": %llu, \"msgs_per_s\": %.1f, \"gib_per_s\": %.4f, "
			   "\"verified\": %s",
			(unsigned long long)r->msgs, r->msgs_per_s, r->gib_per_s,
			r->verified ? "true" : "false");
	else if (r->gib_per_s > 0)
		fprintf(f, ", \"gib_per_s\": %.4f", r->gib_per_s);
	if (r->hist)
		write_hist(f, r->hist);
	fputs("}", f);
}

void bench_report_results_json(FILE *f, const struct bench_result *r, size_t n)
{
	size_t i;

	fputs("  \"results\": [\n", f);
	for (i = 0; i < n; i++) {
		write_result(f, &r[i]);
		fputs(i + 1 < n ? ",\n" : "\n", f);
	}
	fputs("  ]\n", f);
}

static void this_run_env(FILE *f, const void *ctx)
{
	(void)ctx;
	bench_report_env_json(f);
}

int bench_report_json(const char *path, const struct bench_result *r, size_t n)
{
	return bench_report_json_env(path, r, n, this_run_env, NULL);
}

int bench_report_json_or_say(const char *path, const struct bench_result *r, size_t n)
{
	int rc = bench_report_json(path, r, n);

	if (rc)
		fprintf(stderr, "uipc-bench: writing %s: %s\n", path, strerror(-rc));
	return rc;
}

const char *bench_skip_copy(const char *why)
{
	char *s = why ? strdup(why) : NULL;

	return s || !why ? s : why;
}

const char *bench_skip_reason(const char *why, int rc)
{
	char *s = NULL;

	if (asprintf(&s, "%s (%s)", why ? why : "failed", strerror(-rc)) < 0)
		return "failed";
	return s;
}

FILE *bench_json_open(const char *path)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "w") : stdout;

	if (f)
		fputs("{\n", f);
	return f;
}

int bench_json_close(FILE *f)
{
	int rc = 0;

	fputs("}\n", f);
	if (fflush(f) || ferror(f))
		rc = -EIO;
	if (f != stdout && fclose(f) && !rc)
		rc = -errno;
	return rc;
}

int bench_report_json_env(const char *path, const struct bench_result *r, size_t n,
			  void (*write_env)(FILE *f, const void *ctx), const void *ctx)
{
	FILE *f = bench_json_open(path);

	if (!f)
		return -errno;
	write_env(f, ctx);
	fputs(",\n", f);
	bench_report_results_json(f, r, n);
	return bench_json_close(f);
}

int bench_collect_add(struct bench_collect *c, struct bench_result *r, size_t n)
{
	if (c->n + n > c->cap) {
		size_t cap = (c->n + n) * 2;
		struct bench_result *t = realloc(c->r, cap * sizeof(*t));

		if (!t)
			return -ENOMEM;
		c->r = t;
		c->cap = cap;
	}
	memcpy(c->r + c->n, r, n * sizeof(*r));
	c->n += n;
	return 0;
}

void bench_collect_free(struct bench_collect *c)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		free(c->r[i].hist);
	free(c->r);
	memset(c, 0, sizeof(*c));
}

/* p50 of uipc at the same bench and size, for the ratio column. */
static uint64_t uipc_p50(const struct bench_result *r, size_t n, const struct bench_result *x)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!r[i].skipped && r[i].hist && r[i].hist->count &&
		    !strcmp(r[i].transport, "uipc") && !strcmp(r[i].bench, x->bench) &&
		    r[i].size == x->size)
			return bench_hist_pct(r[i].hist, 50);
	return 0;
}

void bench_report_latency_table(FILE *f, const struct bench_result *r, size_t n)
{
	size_t i;

	fprintf(f, "%-10s %-20s %8s %9s %9s %9s %9s %9s %9s %9s %8s\n", "bench", "transport",
		"size", "count", "p50", "p90", "p95", "p99", "p99.9", "max", "p50/uipc");
	fprintf(f, "%-10s %-20s %8s %9s %9s %9s %9s %9s %9s %9s %8s\n", "", "", "bytes", "",
		"ns", "ns", "ns", "ns", "ns", "ns", "");
	for (i = 0; i < n; i++) {
		const struct bench_result *x = &r[i];
		const struct bench_hist *h = x->hist;
		uint64_t base;

		if (!h && !x->skipped)
			continue;
		fprintf(f, "%-10s %-20s %8zu ", x->bench, x->transport, x->size);
		if (x->skipped || !h->count) {
			fprintf(f, "skipped: %s\n", x->skipped ? x->skipped : "no samples");
			continue;
		}
		base = uipc_p50(r, n, x);
		fprintf(f, "%9llu %9llu %9llu %9llu %9llu %9llu %9llu", (unsigned long long)h->count,
			(unsigned long long)bench_hist_pct(h, 50),
			(unsigned long long)bench_hist_pct(h, 90),
			(unsigned long long)bench_hist_pct(h, 95),
			(unsigned long long)bench_hist_pct(h, 99),
			(unsigned long long)bench_hist_pct(h, 99.9),
			(unsigned long long)bench_hist_max(h));
		if (base)
			fprintf(f, " %8.2f\n", (double)bench_hist_pct(h, 50) / (double)base);
		else
			fprintf(f, " %8s\n", "-");
	}
}

void bench_report_stream_table(FILE *f, const struct bench_result *r, size_t n)
{
	size_t i;

	fprintf(f, "%-10s %-16s %8s %6s %12s %14s %9s %9s\n", "bench", "transport", "size",
		"batch", "msgs", "msgs/s", "GiB/s", "verified");
	for (i = 0; i < n; i++) {
		const struct bench_result *x = &r[i];

		if (x->hist && !x->msgs && !x->skipped)
			continue;
		fprintf(f, "%-10s %-16s %8zu %6u ", x->bench, x->transport, x->size, x->batch);
		if (x->skipped) {
			fprintf(f, "skipped: %s\n", x->skipped);
			continue;
		}
		fprintf(f, "%12llu %14.0f %9.3f %9s\n", (unsigned long long)x->msgs, x->msgs_per_s,
			x->gib_per_s, x->verified ? "yes" : "NO");
	}
}
