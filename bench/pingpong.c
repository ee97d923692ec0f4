/* SPDX-License-Identifier: MIT */
/*
 * `uipc-bench pingpong`: round-trip latency, transports interleaved.  For
 * each size, R rounds; each round runs every transport for count/R round
 * trips (its own warm-up first, each round in a fresh peer process) and
 * merges the samples into that transport's histogram, so every transport
 * sees the same machine state.  The order of transports rotates by round,
 * so none is always first after a size change.
 *
 * --back-to-back reads the clock once per block of round trips instead of
 * twice per round trip (bench_pp_timer in transport.h); its rows are
 * "pingpong-b2b" and each sample is one block's mean.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "clock.h"
#include "cmds.h"
#include "env.h"
#include "proc.h"
#include "report.h"
#include "transports.h"

#define MAX_TP 32
#define MAX_SIZES 32

static const char pp_usage[] =
	"usage: uipc-bench pingpong [options]\n"
	"Round-trip latency between two processes, transports interleaved.\n"
	"  -t, --transport LIST  comma list or 'all' (default: uipc,floor,uds,uds-poll)\n"
	"  -s, --sizes LIST      payload bytes, k/M suffixes (default: 32,1024,65536,1048576)\n"
	"  -n, --count N         measured round trips per transport and size (default 100000)\n"
	"  -w, --warmup N        unmeasured round trips before each round (default 10000)\n"
	"  -r, --rounds R        rounds the count is split into (default 5)\n"
	"  -c, --cpus A,B        measuring CPU, echoing CPU (default 0,1; '-' = unpinned)\n"
	"  -b, --back-to-back    no clock read per round trip: each sample is the mean of\n"
	"                        a block of round trips sent as fast as echoes return\n"
	"                        (1000, or a tenth of a round's count if that is less);\n"
	"                        rows are pingpong-b2b, count is the number of blocks\n"
	"  -j, --json FILE       write the JSON report ('-' = stdout)\n"
	"  -q, --quiet           no progress on stderr\n"
	"  -h, --help            this text\n";

struct pp_opts {
	const struct bench_transport *tp[MAX_TP];
	int ntp;
	uint64_t sizes[MAX_SIZES];
	int nsizes;
	struct bench_run_opts run;
	uint64_t warmup, rounds;
	int b2b;
};

/* Round trips per back-to-back sample, for a round of @n. */
static uint64_t b2b_block(uint64_t n)
{
	return n >= 10000 ? 1000 : n >= 10 ? n / 10 : 1;
}

static void record(void *ctx, uint64_t ns)
{
	bench_hist_record(ctx, ns);
}

static int parse(int argc, char **argv, struct pp_opts *o)
{
	static const struct option lo[] = {
		{ "transport", required_argument, NULL, 't' },
		{ "sizes", required_argument, NULL, 's' },
		{ "count", required_argument, NULL, 'n' },
		{ "warmup", required_argument, NULL, 'w' },
		{ "rounds", required_argument, NULL, 'r' },
		{ "cpus", required_argument, NULL, 'c' },
		{ "json", required_argument, NULL, 'j' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "back-to-back", no_argument, NULL, 'b' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *tps = "uipc,floor,uds,uds-poll", *sizes = "32,1024,65536,1048576";
	const char *bad = NULL;
	int c, rc;

	memset(o, 0, sizeof(*o));
	o->run.count = 100000;
	o->warmup = 10000;
	o->rounds = 5;
	o->run.cpu_a = 0;
	o->run.cpu_b = 1;
	optind = 1;
	while ((c = getopt_long(argc, argv, "t:s:n:w:r:c:j:qbh", lo, NULL)) != -1) {
		switch (c) {
		case 't':
			tps = optarg;
			break;
		case 's':
			sizes = optarg;
			break;
		case 'w':
			if (bench_parse_u64(optarg, &o->warmup))
				return bench_bad_arg("pingpong", "--warmup", optarg);
			break;
		case 'r':
			if (bench_parse_u64(optarg, &o->rounds) || !o->rounds || o->rounds > 1000)
				return bench_bad_arg("pingpong", "--rounds", optarg);
			break;
		case 'b':
			o->b2b = 1;
			break;
		case 'h':
			fputs(pp_usage, stdout);
			return 1;
		default:
			rc = bench_run_opt("pingpong", c, optarg, &o->run);
			if (rc < 0)
				return rc;
			if (!rc) {
				fputs(pp_usage, stderr);
				return -EINVAL;
			}
		}
	}
	if (optind < argc)
		return bench_bad_arg("pingpong", "argument", argv[optind]);
	o->ntp = bench_parse_transports(tps, offsetof(struct bench_transport, pingpong), o->tp,
					MAX_TP, &bad);
	if (o->ntp < 0)
		return bench_bad_arg("pingpong", "--transport", bad ? bad : tps);
	o->nsizes = bench_parse_list(sizes, o->sizes, MAX_SIZES);
	if (o->nsizes < 0)
		return bench_bad_arg("pingpong", "--sizes", sizes);
	if (o->rounds > o->run.count)
		o->rounds = o->run.count;
	return 0;
}

int bench_pingpong_main(int argc, char **argv, struct bench_collect *col)
{
	struct bench_result *res;
	struct pp_opts o;
	int s, t, rc = parse(argc, argv, &o);
	uint64_t r;

	if (rc)
		return rc > 0 ? 0 : 2;
	if (bench_begin(o.run.cpu_a, o.run.cpu_b))
		return 1;

	res = calloc((size_t)(o.nsizes * o.ntp), sizeof(*res));
	if (!res)
		return 1;
	for (s = 0; s < o.nsizes; s++) {
		for (t = 0; t < o.ntp; t++) {
			struct bench_result *x = &res[s * o.ntp + t];

			x->bench = o.b2b ? "pingpong-b2b" : "pingpong";
			x->transport = o.tp[t]->name;
			x->size = o.sizes[s];
			x->hist = malloc(sizeof(*x->hist));
			if (!x->hist)
				return 1;
			bench_hist_init(x->hist);
			if (o.tp[t]->unavailable)
				/* copied: a transport may reuse one buffer for every size */
				x->skipped = bench_skip_copy(o.tp[t]->unavailable(x->size));
		}
		for (r = 0; r < o.rounds; r++) {
			uint64_t n = o.run.count / o.rounds + (r + 1 == o.rounds ? o.run.count % o.rounds : 0);

			for (t = 0; t < o.ntp; t++) {
				int ti = (int)((t + r) % (uint64_t)o.ntp);
				struct bench_result *x = &res[s * o.ntp + ti];
				struct bench_pp_cfg cfg = {
					.size = x->size,
					.count = n,
					.warmup = o.warmup,
					.cpu_ping = o.run.cpu_a,
					.cpu_pong = o.run.cpu_b,
					.block = o.b2b ? b2b_block(n) : 0,
				};
				const char *why = NULL;

				if (x->skipped)
					continue;
				if (!o.run.quiet)
					fprintf(stderr, "pingpong size %zu round %llu/%llu %-12s\r",
						x->size, (unsigned long long)r + 1,
						(unsigned long long)o.rounds, x->transport);
				rc = o.tp[ti]->pingpong(&cfg, record, x->hist, &why);
				if (rc)
					x->skipped = bench_skip_reason(why, rc);
			}
		}
	}
	if (!o.run.quiet)
		fprintf(stderr, "%-60s\r", "");
	putchar('\n');
	bench_env_print_seg(stdout);
	bench_report_latency_table(stdout, res, (size_t)(o.nsizes * o.ntp));
	rc = 0;
	if (o.run.json)
		rc = bench_report_json_or_say(o.run.json, res, (size_t)(o.nsizes * o.ntp));
	if (col) {
		if (!bench_collect_add(col, res, (size_t)(o.nsizes * o.ntp))) {
			free(res); /* the rows, histograms included, are the collector's now */
			return rc ? 1 : 0;
		}
		rc = -ENOMEM;
	}
	for (s = 0; s < o.nsizes * o.ntp; s++)
		free(res[s].hist);
	free(res);
	return rc ? 1 : 0;
}

int bench_cmd_pingpong(int argc, char **argv)
{
	return bench_pingpong_main(argc, argv, NULL);
}
