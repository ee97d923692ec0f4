/* SPDX-License-Identifier: MIT */
/*
 * The zerocopy targets read off one set of results: the in-place handoff's
 * round trip at each size over the 32 B one (and the touch's, which adds
 * sparse payload reads and writes), and the copy path's bandwidth against a
 * plain memcpy.  Shared by `zerocopy` (right after the run) and
 * `report` (from the JSON), so both print the same numbers.
 */
#ifndef UIPC_BENCH_ZC_SUMMARY_H
#define UIPC_BENCH_ZC_SUMMARY_H

#include <stddef.h>
#include <stdio.h>

#include "report.h"

/* Row names of the zerocopy bench (the "transport" of its results). */
#define ZC_HANDOFF "uipc-inplace-handoff"
#define ZC_TOUCH "uipc-inplace-touch"
#define ZC_FILL "uipc-inplace-fill"
#define ZC_COPY "uipc-copy"
#define ZC_MEMCPY "memcpy"

/* The size the handoff ratios are taken against. */
#define ZC_REF_SIZE 32u

/*
 * Print the ratios and bandwidths for every zerocopy size found in @r, as
 * plain text or (@markdown) as a markdown table.  Prints nothing when @r
 * holds no zerocopy results.
 */
void bench_zc_summary(FILE *f, const struct bench_result *r, size_t n, int markdown);

#endif /* UIPC_BENCH_ZC_SUMMARY_H */
