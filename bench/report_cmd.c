/* SPDX-License-Identifier: MIT */
/*
 * `uipc-bench report FILE.json... [--plot out.png] [--json merged.json]`:
 * read reports back, merge results of the same bench, transport, size and
 * batch across files exactly (raw histograms), print the tables, and plot
 * with gnuplot: one latency percentile spectrum per bench and size (x the
 * percentile on a log scale of 1/(1-p), 50 .. 99.999; y latency, log), and
 * throughput bars for stream results.  out.png and out.svg are written.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmds.h"
#include "hist.h"
#include "json.h"
#include "report.h"
#include "report_md.h"
#include "zc_summary.h"

#define MAX_RES 4096
#define MAX_FILES 64

static const char rp_usage[] =
	"usage: uipc-bench report FILE.json... [options]\n"
	"Merge reports (same bench, transport, size, batch), print tables, plot.\n"
	"  -p, --plot OUT.png   latency spectra and throughput bars (OUT.svg too)\n"
	"  -j, --json FILE      write the merged report (env: the first input's;\n"
	"                       merged_from: every input with its own env)\n"
	"  -m, --markdown [FILE.md]  GitHub markdown (environment, command line, one\n"
	"                       table per bench and size, targets) to stdout or FILE.md\n"
	"  -h, --help           this text\n";

struct rp {
	struct bench_result r[MAX_RES];
	double ns[MAX_RES]; /* stream: receiver time, to merge rates */
	size_t n;
	struct json *docs[MAX_FILES];
	const struct json *envs[MAX_FILES];
	const char *paths[MAX_FILES];
	int ndocs;
	int md_stdout; /* markdown goes to stdout: nothing else may */
};

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t cap = 0, n = 0, got;

	if (!f)
		return NULL;
	do {
		if (n + 65536 + 1 > cap) {
			char *t = realloc(buf, cap = cap * 2 + 65536 + 1);

			if (!t) {
				free(buf);
				fclose(f);
				return NULL;
			}
			buf = t;
		}
		got = fread(buf + n, 1, cap - n - 1, f);
		n += got;
	} while (got);
	fclose(f);
	buf[n] = '\0';
	return buf;
}

static struct bench_result *find(struct rp *rp, const char *bench, const char *tp, size_t size,
				 unsigned batch)
{
	size_t i;

	for (i = 0; i < rp->n; i++)
		if (!strcmp(rp->r[i].bench, bench) && !strcmp(rp->r[i].transport, tp) &&
		    rp->r[i].size == size && rp->r[i].batch == batch)
			return &rp->r[i];
	return NULL;
}

static int import_hist(struct bench_hist *h, const struct json *hj)
{
	const struct json *b = json_get(hj, "buckets"), *e;
	struct bench_hist_bucket *raw;
	size_t n = 0;
	int rc;

	if (!b || b->type != JSON_ARR)
		return -EINVAL;
	for (e = b->child; e; e = e->next)
		n++;
	raw = calloc(n ? n : 1, sizeof(*raw));
	if (!raw)
		return -ENOMEM;
	n = 0;
	for (e = b->child; e; e = e->next) {
		if (e->type != JSON_ARR || !e->child || !e->child->next) {
			free(raw);
			return -EINVAL;
		}
		raw[n].value = e->child->u64;
		raw[n].count = e->child->next->u64;
		n++;
	}
	rc = bench_hist_import(h, raw, n, json_u64(hj, "min", 0), json_u64(hj, "max", 0),
			       json_num(hj, "sum", 0));
	free(raw);
	return rc;
}

static int add_result(struct rp *rp, const struct json *o)
{
	const char *bench = json_str(o, "bench", NULL), *tp = json_str(o, "transport", NULL);
	size_t size = json_u64(o, "size", 0);
	unsigned batch = (unsigned)json_u64(o, "batch", 0);
	const struct json *hj = json_get(o, "hist");
	struct bench_result *x;

	if (!bench || !tp)
		return -EINVAL;
	x = find(rp, bench, tp, size, batch);
	if (!x) {
		if (rp->n == MAX_RES)
			return -E2BIG;
		x = &rp->r[rp->n++];
		x->bench = bench;
		x->transport = tp;
		x->size = size;
		x->batch = batch;
		x->verified = 1;
	}
	if (json_str(o, "skipped", NULL)) {
		if (!x->hist && !x->msgs)
			x->skipped = json_str(o, "skipped", NULL);
		return 0;
	}
	x->skipped = NULL;
	if (hj) {
		if (!x->hist) {
			x->hist = malloc(sizeof(*x->hist));
			if (!x->hist)
				return -ENOMEM;
			bench_hist_init(x->hist);
		}
		if (import_hist(x->hist, hj))
			return -EINVAL;
		if (json_num(o, "gib_per_s", 0) > 0 && x->hist->count) {
			uint64_t p50 = bench_hist_pct(x->hist, 50);

			x->gib_per_s = (double)x->size / (double)p50 * 1e9 / (1ull << 30);
		}
	} else {
		uint64_t msgs = json_u64(o, "count", 0);
		double rate = json_num(o, "msgs_per_s", 0);
		const struct json *v = json_get(o, "verified");
		size_t i = (size_t)(x - rp->r);

		if (rate > 0)
			rp->ns[i] += (double)msgs / rate * 1e9;
		x->msgs += msgs;
		x->verified &= v && v->type == JSON_BOOL && v->boolean;
		if (rp->ns[i] > 0) {
			x->msgs_per_s = (double)x->msgs * 1e9 / rp->ns[i];
			x->gib_per_s = x->msgs_per_s * (double)x->size / (double)(1ull << 30);
		}
	}
	return 0;
}

static int load(struct rp *rp, const char *path)
{
	char *text = slurp(path);
	const struct json *res, *o, *env;
	struct json *doc;
	size_t err = 0;
	int rc = 0;

	if (!text) {
		fprintf(stderr, "uipc-bench report: cannot read %s\n", path);
		return -errno;
	}
	doc = json_parse(text, &err);
	free(text);
	if (!doc || rp->ndocs == MAX_FILES) {
		fprintf(stderr, "uipc-bench report: %s: not JSON (offset %zu)\n", path, err);
		json_free(doc);
		return -EINVAL;
	}
	env = json_get(doc, "env");
	rp->envs[rp->ndocs] = env && env->type == JSON_OBJ ? env : NULL;
	rp->paths[rp->ndocs] = path;
	rp->docs[rp->ndocs++] = doc;
	if (env && !rp->md_stdout) {
		printf("# %s:", path);
		for (o = env->child; o; o = o->next)
			if (o->type == JSON_STR && (!strcmp(o->key, "cpu") ||
						    !strcmp(o->key, "kernel") ||
						    !strcmp(o->key, "cpus") ||
						    !strcmp(o->key, "backing")))
				printf(" %s=%s;", o->key, o->str);
		putchar('\n');
	}
	res = json_get(doc, "results");
	if (!res || res->type != JSON_ARR)
		return -EINVAL;
	for (o = res->child; o && !rc; o = o->next)
		rc = add_result(rp, o);
	if (rc)
		fprintf(stderr, "uipc-bench report: %s: bad result (%s)\n", path, strerror(-rc));
	return rc;
}

/* x = 1/(1-p/100) puts 50, 90, 99, 99.9 ... at equal log steps. */
static void write_spectrum(FILE *f, const struct bench_hist *h)
{
	int k;

	for (k = 0; k <= 100; k++) {
		double x = 2.0 * pow(10.0, (double)k / 20.0);
		double p = 100.0 * (1.0 - 1.0 / x);

		if (p > 99.999)
			break;
		fprintf(f, "%.6g %llu\n", x, (unsigned long long)bench_hist_pct(h, p));
	}
}

static int is_latency(const struct bench_result *x)
{
	return !x->skipped && x->hist && x->hist->count;
}

static int is_stream(const struct bench_result *x)
{
	return !x->skipped && !x->hist && x->msgs;
}

/* The plot body, once per terminal. */
static void write_body(FILE *gp, const struct rp *rp, const char *dir, int npanels)
{
	size_t i, j;
	int first;

	fprintf(gp, "set multiplot layout %d,1\n", npanels);
	for (i = 0; i < rp->n; i++) {
		const struct bench_result *x = &rp->r[i];

		if (!is_latency(x))
			continue;
		/* first result of its (bench, size): one panel */
		for (j = 0; j < i; j++)
			if (is_latency(&rp->r[j]) && !strcmp(rp->r[j].bench, x->bench) &&
			    rp->r[j].size == x->size)
				break;
		if (j < i)
			continue;
		fprintf(gp, "set title '%s, %zu bytes'\n", x->bench, x->size);
		fputs("set logscale xy\nset xrange [2:100000]\nset grid\n"
		      "set xtics ('50' 2, '90' 10, '99' 100, '99.9' 1000, '99.99' 10000, "
		      "'99.999' 100000)\nset xlabel 'percentile'\nset ylabel 'ns'\n"
		      "set key left top\nset style data linespoints\nplot ",
		      gp);
		first = 1;
		for (j = i; j < rp->n; j++) {
			if (!is_latency(&rp->r[j]) || strcmp(rp->r[j].bench, x->bench) ||
			    rp->r[j].size != x->size)
				continue;
			fprintf(gp, "%s'%s/lat%zu.dat' using 1:2 title '%s' pt 7 ps 0.4",
				first ? "" : ", ", dir, j, rp->r[j].transport);
			first = 0;
		}
		fputs("\n", gp);
	}
	for (i = 0; i < rp->n && !is_stream(&rp->r[i]); i++)
		;
	if (i < rp->n) {
		fputs("unset logscale\nset logscale y\nunset xrange\nset xtics auto rotate by -45\n"
		      "set title 'stream throughput'\nset ylabel 'million msgs/s'\n"
		      "set xlabel 'size/batch'\nset key outside right\nset style data histograms\n"
		      "set style histogram clustered\nset style fill solid 0.8\n",
		      gp);
		fprintf(gp, "plot for [c=2:*] '%s/stream.dat' using c:xtic(1) title columnheader\n",
			dir);
	}
	fputs("unset multiplot\n", gp);
}

static int plot(const struct rp *rp, const char *out)
{
	char dir[] = "/tmp/uipc-bench-plot.XXXXXX", path[4200], svg[4096];
	const char *tps[64];
	size_t i, j, ntps = 0;
	int npanels = 0, rc = 0;
	FILE *f, *gp;

	if (!mkdtemp(dir))
		return -errno;
	for (i = 0; i < rp->n; i++) {
		const struct bench_result *x = &rp->r[i];

		if (is_latency(x)) {
			for (j = 0; j < i; j++)
				if (is_latency(&rp->r[j]) && !strcmp(rp->r[j].bench, x->bench) &&
				    rp->r[j].size == x->size)
					break;
			npanels += j == i;
			snprintf(path, sizeof(path), "%s/lat%zu.dat", dir, i);
			f = fopen(path, "w");
			if (!f)
				continue;
			write_spectrum(f, x->hist);
			fclose(f);
		} else if (is_stream(x)) {
			for (j = 0; j < ntps && strcmp(tps[j], x->transport); j++)
				;
			if (j == ntps && ntps < 64)
				tps[ntps++] = x->transport;
		}
	}
	if (ntps) {
		npanels++;
		snprintf(path, sizeof(path), "%s/stream.dat", dir);
		f = fopen(path, "w");
		if (f) {
			fputs("cfg", f);
			for (j = 0; j < ntps; j++)
				fprintf(f, " %s", tps[j]);
			fputs("\n", f);
			/* one row per (size, batch) in first-seen order */
			for (i = 0; i < rp->n; i++) {
				const struct bench_result *x = &rp->r[i];
				size_t k;

				if (!is_stream(x))
					continue;
				for (k = 0; k < i; k++)
					if (is_stream(&rp->r[k]) && rp->r[k].size == x->size &&
					    rp->r[k].batch == x->batch)
						break;
				if (k < i)
					continue;
				fprintf(f, "%zu/%u", x->size, x->batch);
				for (j = 0; j < ntps; j++) {
					const struct bench_result *y = find((struct rp *)rp, "stream",
									    tps[j], x->size,
									    x->batch);

					if (y && is_stream(y))
						fprintf(f, " %.4f", y->msgs_per_s / 1e6);
					else
						fputs(" NaN", f);
				}
				fputs("\n", f);
			}
			fclose(f);
		}
	}
	if (!npanels) {
		fputs("uipc-bench report: nothing to plot\n", stderr);
		rc = -ENODATA;
		goto out;
	}
	snprintf(svg, sizeof(svg), "%s", out);
	if (strlen(svg) > 4 && !strcmp(svg + strlen(svg) - 4, ".png"))
		strcpy(svg + strlen(svg) - 4, ".svg");
	else
		strncat(svg, ".svg", sizeof(svg) - strlen(svg) - 1);
	snprintf(path, sizeof(path), "%s/plot.gp", dir);
	gp = fopen(path, "w");
	if (!gp) {
		rc = -errno;
		goto out;
	}
	fprintf(gp, "set terminal pngcairo size 1100,%d\nset output '%s'\n", 420 * npanels, out);
	write_body(gp, rp, dir, npanels);
	fprintf(gp, "set terminal svg size 1100,%d\nset output '%s'\n", 420 * npanels, svg);
	write_body(gp, rp, dir, npanels);
	fclose(gp);
	snprintf(path, sizeof(path), "gnuplot %s/plot.gp", dir);
	if (system(path)) {
		fputs("uipc-bench report: gnuplot failed (apt-get install gnuplot-nox)\n", stderr);
		rc = -EIO;
	} else {
		printf("plots: %s %s\n", out, svg);
	}
out:
	snprintf(path, sizeof(path), "rm -rf '%s'", dir);
	if (system(path))
		rc = rc ? rc : -EIO;
	return rc;
}

/*
 * The merged report keeps where its rows came from: "env" is the first
 * input's environment as it was recorded, and with several inputs
 * "merged_from" lists every file with its own (they may differ: other
 * pinning, other backing, another day).
 */
static void merged_env(FILE *f, const void *ctx)
{
	const struct rp *rp = ctx;
	int i, first = -1;

	for (i = 0; i < rp->ndocs && first < 0; i++)
		if (rp->envs[i])
			first = i;
	fputs("  \"env\": ", f);
	if (first >= 0)
		json_write(f, rp->envs[first]);
	else
		fputs("{}", f);
	if (rp->ndocs < 2)
		return;
	fputs(",\n  \"merged_from\": [\n", f);
	for (i = 0; i < rp->ndocs; i++) {
		fputs("    {\"file\": ", f);
		bench_json_str(f, rp->paths[i]);
		fputs(", \"env\": ", f);
		if (rp->envs[i])
			json_write(f, rp->envs[i]);
		else
			fputs("null", f);
		fputs(i + 1 < rp->ndocs ? "},\n" : "}\n", f);
	}
	fputs("  ]", f);
}

static int write_json(const struct rp *rp, const char *path)
{
	int rc = bench_report_json_env(path, rp->r, rp->n, merged_env, rp);

	if (rc)
		fprintf(stderr, "uipc-bench report: writing %s: %s\n", path, strerror(-rc));
	return rc;
}

static int write_md(const struct rp *rp, const char *path)
{
	FILE *f = path ? fopen(path, "w") : stdout;
	int rc = 0;

	if (!f) {
		fprintf(stderr, "uipc-bench report: cannot write %s: %s\n", path, strerror(errno));
		return -errno;
	}
	bench_report_markdown(f, rp->r, rp->n, rp->envs, rp->paths, rp->ndocs);
	if (ferror(f))
		rc = -EIO;
	if (f != stdout && fclose(f))
		rc = -errno;
	if (!rc && path)
		printf("markdown: %s\n", path);
	return rc;
}

int bench_cmd_report(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "plot", required_argument, NULL, 'p' },
		{ "json", required_argument, NULL, 'j' },
		{ "markdown", optional_argument, NULL, 'm' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *out = NULL, *json = NULL, *md = NULL;
	struct rp *rp;
	int c, rc = 0, i, want_md = 0;

	optind = 1;
	while ((c = getopt_long(argc, argv, "p:j:m::h", lo, NULL)) != -1) {
		switch (c) {
		case 'p':
			out = optarg;
			break;
		case 'j':
			json = optarg;
			break;
		case 'm':
			want_md = 1;
			md = optarg;
			/* `--markdown FILE.md`: a separate word, told from an input by
			 * its suffix */
			if (!md && optind < argc && strlen(argv[optind]) > 3 &&
			    !strcmp(argv[optind] + strlen(argv[optind]) - 3, ".md"))
				md = argv[optind++];
			break;
		case 'h':
			fputs(rp_usage, stdout);
			return 0;
		default:
			fputs(rp_usage, stderr);
			return 2;
		}
	}
	if (optind >= argc) {
		fputs(rp_usage, stderr);
		return 2;
	}
	rp = calloc(1, sizeof(*rp));
	if (!rp)
		return 1;
	rp->md_stdout = want_md && !md;
	for (i = optind; i < argc && !rc; i++)
		rc = load(rp, argv[i]);
	if (!rc && !(want_md && !md)) {
		bench_report_latency_table(stdout, rp->r, rp->n);
		putchar('\n');
		bench_report_stream_table(stdout, rp->r, rp->n);
		putchar('\n');
		bench_zc_summary(stdout, rp->r, rp->n, 0);
	}
	if (!rc && want_md)
		rc = write_md(rp, md);
	if (!rc && json)
		rc = write_json(rp, json);
	if (!rc && out)
		rc = plot(rp, out);
	for (i = 0; i < (int)rp->n; i++)
		free(rp->r[i].hist);
	for (i = 0; i < rp->ndocs; i++)
		json_free(rp->docs[i]);
	free(rp);
	return rc ? 1 : 0;
}
