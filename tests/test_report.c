/* SPDX-License-Identifier: MIT */
/*
 * `uipc-bench report --json` merges runs without losing where they came
 * from: the first input's environment as recorded, every input's in
 * merged_from, and histograms that add up exactly.  Runs the built
 * uipc-bench on two small reports whose contents are known.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "benchutil.h"

TestSuite(report, .init = bench_tool_setup, .fini = bench_tool_teardown, .timeout = 30);

/* A pingpong report with one row: @n samples at 100 ns and @n at 300 ns. */
static void write_input(const char *path, const char *argv, const char *backing, unsigned n)
{
	FILE *f = fopen(path, "w");

	cr_assert_not_null(f);
	fprintf(f,
		"{\"env\": {\"argv\": \"%s\", \"backing\": \"%s\", \"cpus\": \"0,1\"},\n"
		" \"results\": [{\"bench\": \"pingpong\", \"transport\": \"uipc\", \"size\": 32,"
		" \"count\": %u, \"p50_ns\": 100,"
		" \"hist\": {\"min\": 100, \"max\": 300, \"sum\": %u,"
		" \"buckets\": [[100, %u], [300, %u]]}}]}\n",
		argv, backing, 2 * n, 400 * n, n, n);
	cr_assert_eq(fclose(f), 0);
}

Test(report, merged_json_keeps_every_input_environment_and_adds_the_samples)
{
	char a[128], b[128], out[128], cmd[1024];
	const struct json *res, *row, *from, *env;
	struct json *j;

	snprintf(a, sizeof(a), "%s/a.json", dir);
	snprintf(b, sizeof(b), "%s/b.json", dir);
	snprintf(out, sizeof(out), "%s/merged.json", dir);
	write_input(a, "uipc-bench pingpong run A", "hugetlb-memfd", 10);
	write_input(b, "uipc-bench pingpong \\\"run\\\" B", "memfd", 30);
	snprintf(cmd, sizeof(cmd), "'%s' report '%s' '%s' --json '%s' >/dev/null", bench, a, b,
		 out);
	cr_assert_eq(system(cmd), 0);

	j = bench_read_json(out);
	env = json_get(j, "env");
	cr_assert_str_eq(json_str(env, "argv", ""), "uipc-bench pingpong run A");
	cr_assert_str_eq(json_str(env, "backing", ""), "hugetlb-memfd");

	from = json_get(j, "merged_from");
	cr_assert_not_null(from);
	cr_assert_str_eq(json_str(from->child, "file", ""), a);
	cr_assert_str_eq(json_str(from->child->next, "file", ""), b);
	cr_assert_str_eq(json_str(json_get(from->child->next, "env"), "argv", ""),
			 "uipc-bench pingpong \"run\" B", "escapes survive the round trip");
	cr_assert_str_eq(json_str(json_get(from->child->next, "env"), "backing", ""), "memfd");
	cr_assert_null(from->child->next->next);

	res = json_get(j, "results");
	cr_assert_not_null(res);
	row = res->child;
	cr_assert_not_null(row);
	cr_assert_null(row->next, "one row: same bench, transport and size merge");
	cr_assert_eq(json_u64(row, "count", 0), 80);
	cr_assert_eq(json_u64(row, "min_ns", 0), 100);
	cr_assert_eq(json_u64(row, "max_ns", 0), 300);
	/* 40 of 80 at 100 ns: the median is the 40th value, 100 */
	cr_assert_eq(json_u64(row, "p50_ns", 0), 100);
	cr_assert_eq(json_u64(row, "p90_ns", 0), 300);
	json_free(j);
}

Test(report, a_single_input_is_not_merged_from_anything)
{
	char a[128], out[128], cmd[1024];
	struct json *j;

	snprintf(a, sizeof(a), "%s/a.json", dir);
	snprintf(out, sizeof(out), "%s/one.json", dir);
	write_input(a, "uipc-bench pingpong run A", "hugetlb-memfd", 5);
	snprintf(cmd, sizeof(cmd), "'%s' report '%s' --json '%s' >/dev/null", bench, a, out);
	cr_assert_eq(system(cmd), 0);
	j = bench_read_json(out);
	cr_assert_str_eq(json_str(json_get(j, "env"), "argv", ""), "uipc-bench pingpong run A");
	cr_assert_null(json_get(j, "merged_from"));
	cr_assert_eq(json_u64(json_get(j, "results")->child, "count", 0), 10);
	json_free(j);
}

/* One 32 B pingpong row of @n samples, all at @ns. */
static void put_row(FILE *f, const char *tp, unsigned ns, unsigned n, int last)
{
	fprintf(f,
		"{\"bench\": \"pingpong\", \"transport\": \"%s\", \"size\": 32, \"count\": %u,"
		" \"p50_ns\": %u, \"hist\": {\"min\": %u, \"max\": %u, \"sum\": %u,"
		" \"buckets\": [[%u, %u]]}}%s\n",
		tp, n, ns, ns, ns, ns * n, ns, n, last ? "" : ",");
}

Test(report, markdown_states_the_small_round_trip_targets)
{
	char a[128], md[128], cmd[1024], line[512];
	int floor_met = 0, uds_not_met = 0, poll_met = 0;
	FILE *f;

	snprintf(a, sizeof(a), "%s/targets.json", dir);
	snprintf(md, sizeof(md), "%s/targets.md", dir);
	f = fopen(a, "w");
	cr_assert_not_null(f);
	fputs("{\"env\": {\"argv\": \"uipc-bench pingpong\"}, \"results\": [\n", f);
	put_row(f, "uipc", 100, 10, 0); /* the three ratios: 1.100, 90.0 and 20.0 */
	put_row(f, "floor", 91, 10, 0);
	put_row(f, "uds", 9000, 10, 0);
	put_row(f, "uds-poll", 2000, 10, 1);
	fputs("]}\n", f);
	cr_assert_eq(fclose(f), 0);
	snprintf(cmd, sizeof(cmd), "'%s' report '%s' --markdown '%s' >/dev/null", bench, a, md);
	cr_assert_eq(system(cmd), 0);
	f = fopen(md, "r");
	cr_assert_not_null(f);
	while (fgets(line, sizeof(line), f)) {
		floor_met |= !strcmp(line, "- pingpong 32 B p50: uipc = 1.099 x floor (<= 1.15: met)\n");
		uds_not_met |=
			!strcmp(line, "- pingpong 32 B p50: uds = 90.0 x uipc (>= 100: **not met**)\n");
		poll_met |= !strcmp(line, "- pingpong 32 B p50: uds-poll = 20.0 x uipc (>= 10: met)\n");
	}
	fclose(f);
	cr_assert(floor_met && uds_not_met && poll_met, "floor %d, uds %d, uds-poll %d", floor_met,
		  uds_not_met, poll_met);
}
