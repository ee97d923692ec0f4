/* SPDX-License-Identifier: MIT */
/*
 * `uipc-bench all`: the README's run in one invocation, every row in one
 * JSON, so every ratio the targets name comes from the same run:
 *
 *   pingpong  every transport at 32 B, 256 B, 1 KiB, 64 KiB, 1 MiB
 *   stream    64 B and 256 B, batch 1 and 64: uipc, uipc-threads,
 *             floor-stream and every kernel transport with a stream mode
 *   zerocopy  1 MiB (and the 32 B reference it always adds)
 *
 * Each part is the subcommand itself, called in this process with its rows
 * handed to one collector; each prints its own tables as it goes.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "args.h"
#include "cmds.h"
#include "report.h"
#include "transports.h"

static const char all_usage[] =
	"usage: uipc-bench all [options]\n"
	"pingpong (all transports; 32,256,1k,64k,1M), stream (64,256 B; batch 1,64;\n"
	"uipc, uipc-threads, floor-stream and the kernel transports) and zerocopy\n"
	"(1M and 32 B) in one run, every row in one JSON (for `report --markdown`).\n"
	"  -j, --json FILE    write the JSON report\n"
	"      --quick        smaller counts: about two minutes on a 2-core machine\n"
	"  -c, --cpus A,B     measuring CPU, peer CPU (default 0,1)\n"
	"  -q, --quiet        no progress on stderr\n"
	"  -h, --help         this text\n";

/* Counts per part: full, quick. */
struct counts {
	const char *pp_n, *pp_w, *pp_r;
	const char *st_n, *st_r;
	const char *zc_n, *zc_r;
};

static const struct counts full = { "100000", "10000", "5", "1000000", "3", "2000", "4" };
static const struct counts quick = { "5000", "500", "2", "200000", "2", "400", "2" };

/* Stream: every transport with a stream mode but the middleware (iceoryx),
 * which is no kernel transport and costs a daemon start per run. */
static void stream_list(char *buf, size_t len)
{
	size_t i, used = 0;

	buf[0] = '\0';
	for (i = 0; i < bench_ntransports; i++) {
		const struct bench_transport *t = bench_transports[i];
		int n;

		if (!t->stream || !strncmp(t->name, "iceoryx", 7))
			continue;
		n = snprintf(buf + used, len - used, "%s%s", used ? "," : "", t->name);
		if (n < 0 || (size_t)n >= len - used)
			break;
		used += (size_t)n;
	}
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int bench_cmd_all(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "json", required_argument, NULL, 'j' }, { "quick", no_argument, NULL, 'Q' },
		{ "cpus", required_argument, NULL, 'c' }, { "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },	  { NULL, 0, NULL, 0 },
	};
	const struct counts *k = &full;
	const char *json = NULL, *cpus = "0,1";
	struct bench_collect col = { 0 };
	char st_tps[512], *q;
	int c, a, b, quiet = 0, rc = 0, part;
	double t0 = now_s();

	optind = 1;
	while ((c = getopt_long(argc, argv, "j:c:qh", lo, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = optarg;
			break;
		case 'Q':
			k = &quick;
			break;
		case 'c':
			if (bench_parse_cpus(optarg, &a, &b))
				return bench_bad_arg("all", "--cpus", optarg), 2;
			cpus = optarg;
			break;
		case 'q':
			quiet = 1;
			break;
		case 'h':
			fputs(all_usage, stdout);
			return 0;
		default:
			fputs(all_usage, stderr);
			return 2;
		}
	}
	if (optind < argc)
		return bench_bad_arg("all", "argument", argv[optind]), 2;
	stream_list(st_tps, sizeof(st_tps));
	q = quiet ? "-q" : NULL;
	{
		char *pp[] = { "pingpong", "-t", "all", "-s", "32,256,1k,64k,1M", "-n",
			       (char *)k->pp_n, "-w", (char *)k->pp_w, "-r", (char *)k->pp_r,
			       "-c", (char *)cpus, q, NULL };
		char *st[] = { "stream", "-t", st_tps, "-s", "64,256", "-b", "1,64", "-n",
			       (char *)k->st_n, "-r", (char *)k->st_r, "-c", (char *)cpus, q, NULL };
		char *zc[] = { "zerocopy", "-s", "1M", "-n", (char *)k->zc_n, "-r",
			       (char *)k->zc_r, "-c", (char *)cpus, q, NULL };
		char **parts[3] = { pp, st, zc };
		int (*run[3])(int, char **, struct bench_collect *) = {
			bench_pingpong_main, bench_stream_main, bench_zerocopy_main
		};

		for (part = 0; part < 3; part++) {
			char **av = parts[part];
			int n = 0, prc;

			while (av[n])
				n++;
			if (!quiet)
				fprintf(stderr, "uipc-bench all: [%d/3] %s (%.0f s so far)\n", part + 1,
					av[0], now_s() - t0);
			prc = run[part](n, av, &col);
			if (prc) {
				fprintf(stderr, "uipc-bench all: %s failed (status %d); going on\n",
					av[0], prc);
				rc = 1;
			}
		}
	}
	if (!quiet)
		fprintf(stderr, "uipc-bench all: %zu rows in %.0f s\n", col.n, now_s() - t0);
	if (json) {
		int jrc = bench_report_json(json, col.r, col.n);

		if (jrc) {
			fprintf(stderr, "uipc-bench all: writing %s: %s\n", json, strerror(-jrc));
			rc = 1;
		} else if (!quiet) {
			fprintf(stderr, "uipc-bench all: wrote %s (uipc-bench report %s --markdown)\n",
				json, json);
		}
	}
	bench_collect_free(&col);
	return rc;
}
