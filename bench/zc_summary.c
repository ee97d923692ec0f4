/* SPDX-License-Identifier: MIT */
/*
 * Zerocopy targets from the results.  The copy path moves every byte twice
 * (send copies it into the ring, recv copies it out) on top of what the
 * touch does (the same words written and checked), so its bandwidth per
 * copy is
 *
 *     2 * size / (p50(uipc-copy) - p50(uipc-inplace-touch))
 *
 * which is what a plain memcpy of the same size is held against.
 */
#include <string.h>

#include "zc_summary.h"

#define ZC_BW_MIN 4096u

static uint64_t p50_of(const struct bench_result *r, size_t n, const char *tp, size_t size)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!r[i].skipped && r[i].hist && r[i].hist->count &&
		    !strcmp(r[i].bench, "zerocopy") && !strcmp(r[i].transport, tp) &&
		    r[i].size == size)
			return bench_hist_pct(r[i].hist, 50);
	return 0;
}

static double gib_s(double bytes, double ns)
{
	return ns > 0 ? bytes / ns * 1e9 / (double)(1ull << 30) : 0;
}

struct zc_row {
	size_t size;
	uint64_t handoff, touch, fill, copy, mcpy;
	double ratio, touch_ratio; /* over the handoff at 32 B, 0 unknown */
	double copy_bw, mcpy_bw, pct; /* 0 unknown */
};

static void row_of(const struct bench_result *r, size_t n, size_t size, uint64_t ref,
		   struct zc_row *z)
{
	memset(z, 0, sizeof(*z));
	z->size = size;
	z->handoff = p50_of(r, n, ZC_HANDOFF, size);
	z->touch = p50_of(r, n, ZC_TOUCH, size);
	z->fill = p50_of(r, n, ZC_FILL, size);
	z->copy = p50_of(r, n, ZC_COPY, size);
	z->mcpy = p50_of(r, n, ZC_MEMCPY, size);
	if (ref && z->handoff)
		z->ratio = (double)z->handoff / (double)ref;
	if (ref && z->touch)
		z->touch_ratio = (double)z->touch / (double)ref;
	if (size < ZC_BW_MIN)
		return; /* a bandwidth from a difference of ~200 ns is noise */
	z->mcpy_bw = gib_s((double)size, (double)z->mcpy);
	if (z->touch && z->copy > z->touch)
		z->copy_bw = gib_s(2.0 * (double)size, (double)(z->copy - z->touch));
	if (z->copy_bw > 0 && z->mcpy_bw > 0)
		z->pct = 100.0 * z->copy_bw / z->mcpy_bw;
}

static void cell_u(FILE *f, uint64_t v, const char *fmt_v, const char *fmt_none)
{
	if (v)
		fprintf(f, fmt_v, (unsigned long long)v);
	else
		fprintf(f, fmt_none, "-");
}

static void cell_d(FILE *f, double v, const char *fmt_v, const char *fmt_none)
{
	if (v > 0)
		fprintf(f, fmt_v, v);
	else
		fprintf(f, fmt_none, "-");
}

void bench_zc_summary(FILE *f, const struct bench_result *r, size_t n, int md)
{
	uint64_t ref = p50_of(r, n, ZC_HANDOFF, ZC_REF_SIZE);
	struct zc_row z, at1m = { 0 };
	size_t i, j;
	int any = 0;

	for (i = 0; i < n; i++) {
		if (strcmp(r[i].bench, "zerocopy"))
			continue;
		for (j = 0; j < i; j++) /* each size once, in first-seen order */
			if (!strcmp(r[j].bench, "zerocopy") && r[j].size == r[i].size)
				break;
		if (j < i)
			continue;
		if (!any) {
			if (md)
				fputs("| size | handoff p50 ns | / 32 B | touch p50 ns | / 32 B "
				      "| fill p50 ns | copy p50 ns "
				      "| memcpy p50 ns | memcpy GiB/s | copy GiB/s per copy "
				      "| copy / memcpy |\n"
				      "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n",
				      f);
			else
				fprintf(f, "%-9s %9s %7s %9s %7s %9s %9s %9s %11s %10s %9s\n", "size",
					"handoff", "/32B", "touch", "/32B", "fill", "copy", "memcpy",
					"mcpy GiB/s", "copy GiB/s", "copy/mcpy");
			any = 1;
		}
		row_of(r, n, r[i].size, ref, &z);
		if (z.size == (1u << 20))
			at1m = z;
		fprintf(f, md ? "| %zu " : "%-9zu ", z.size);
		cell_u(f, z.handoff, md ? "| %llu " : "%9llu ", md ? "| %s " : "%9s ");
		cell_d(f, z.ratio, md ? "| %.2f " : "%7.2f ", md ? "| %s " : "%7s ");
		cell_u(f, z.touch, md ? "| %llu " : "%9llu ", md ? "| %s " : "%9s ");
		cell_d(f, z.touch_ratio, md ? "| %.2f " : "%7.2f ", md ? "| %s " : "%7s ");
		cell_u(f, z.fill, md ? "| %llu " : "%9llu ", md ? "| %s " : "%9s ");
		cell_u(f, z.copy, md ? "| %llu " : "%9llu ", md ? "| %s " : "%9s ");
		cell_u(f, z.mcpy, md ? "| %llu " : "%9llu ", md ? "| %s " : "%9s ");
		cell_d(f, z.mcpy_bw, md ? "| %.2f " : "%11.2f ", md ? "| %s " : "%11s ");
		cell_d(f, z.copy_bw, md ? "| %.2f " : "%10.2f ", md ? "| %s " : "%10s ");
		cell_d(f, z.pct, md ? "| %.0f%% |\n" : "%8.0f%%\n", md ? "| %s |\n" : "%9s\n");
	}
	if (!any)
		return;
	fputs(md ? "\n" : "", f);
	if (at1m.ratio > 0)
		fprintf(f, "%shandoff round trip at 1 MiB = %.2f x the 32 B round trip (target <= 2)\n",
			md ? "- " : "", at1m.ratio);
	if (at1m.touch_ratio > 0)
		fprintf(f, "%swith a word per 64 KiB touched on both sides: %.2f x\n", md ? "- " : "",
			at1m.touch_ratio);
	else
		fprintf(f, "%shandoff 1 MiB / 32 B: not measured (run with sizes 32 and 1M)\n",
			md ? "- " : "");
	if (at1m.pct > 0)
		fprintf(f, "%scopy path = %.0f%% of memcpy at 1 MiB (%.2f vs %.2f GiB/s per copy; "
			   "target >= 80%%)\n",
			md ? "- " : "", at1m.pct, at1m.copy_bw, at1m.mcpy_bw);
	else
		fprintf(f, "%scopy path vs memcpy at 1 MiB: not measured\n", md ? "- " : "");
	fprintf(f, "%s(copy GiB/s per copy = 2 x size / (copy p50 - touch p50): send copies "
		   "in, recv copies out)\n",
		md ? "- " : "");
}
