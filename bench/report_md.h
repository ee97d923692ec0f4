/* SPDX-License-Identifier: MIT */
/*
 * GitHub markdown from merged results (`uipc-bench report --markdown`):
 * the environment and command line each JSON recorded, one table per
 * bench and size (and batch), the zerocopy summary, and the targets with
 * every place uipc is not ahead, so a README's results section is
 * generated from the JSON and nothing is typed by hand.
 */
#ifndef UIPC_BENCH_REPORT_MD_H
#define UIPC_BENCH_REPORT_MD_H

#include <stddef.h>
#include <stdio.h>

#include "json.h"
#include "report.h"

/* @envs[i] is the "env" object of the file @paths[i] (NULL if it had none). */
void bench_report_markdown(FILE *f, const struct bench_result *r, size_t n,
			   const struct json *const *envs, const char *const *paths, int ndocs);

#endif /* UIPC_BENCH_REPORT_MD_H */
