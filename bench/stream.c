/* SPDX-License-Identifier: MIT */
/*
 * `uipc-bench stream`: one-way throughput (msgs/s, GiB/s) per transport,
 * size and batch, the receiver verifying a checksum of every payload.
 * Transports are interleaved as in pingpong: for each size and batch, R
 * rounds, each running every transport for count/R messages; a result
 * sums messages and receiver time over its rounds.
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
#define MAX_LIST 16
/* Per result, a run moves at most this many bytes (count is cut to fit). */
#define MAX_BYTES (4ull << 30)

static const char st_usage[] =
	"usage: uipc-bench stream [options]\n"
	"One-way throughput between two processes (or threads), checksummed.\n"
	"  -t, --transport LIST  comma list or 'all' with a stream mode\n"
	"                        (default: uipc,uipc-threads,floor-stream,uds,uds-poll)\n"
	"  -s, --sizes LIST      payload bytes (default: 64,256,1k,4k,64k)\n"
	"  -b, --batch LIST      messages per commit/send (default: 1,8,64)\n"
	"  -n, --count N         messages per result (default 1000000; cut to 4 GiB)\n"
	"  -r, --rounds R        rounds the count is split into (default 3)\n"
	"  -c, --cpus A,B        sender CPU, receiver CPU (default 0,1)\n"
	"  -j, --json FILE       write the JSON report ('-' = stdout)\n"
	"  -q, --quiet           no progress on stderr\n"
	"  -h, --help            this text\n";

struct st_opts {
	const struct bench_transport *tp[MAX_TP];
	int ntp;
	uint64_t sizes[MAX_LIST], batches[MAX_LIST];
	int nsizes, nbatches;
	struct bench_run_opts run;
	uint64_t rounds;
};

static int parse(int argc, char **argv, struct st_opts *o)
{
	static const struct option lo[] = {
		{ "transport", required_argument, NULL, 't' },
		{ "sizes", required_argument, NULL, 's' },
		{ "batch", required_argument, NULL, 'b' },
		{ "count", required_argument, NULL, 'n' },
		{ "rounds", required_argument, NULL, 'r' },
		{ "cpus", required_argument, NULL, 'c' },
		{ "json", required_argument, NULL, 'j' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *tps = "uipc,uipc-threads,floor-stream,uds,uds-poll";
	const char *sizes = "64,256,1k,4k,64k", *batches = "1,8,64", *bad = NULL;
	int c, i, rc;

	memset(o, 0, sizeof(*o));
	o->run.count = 1000000;
	o->rounds = 3;
	o->run.cpu_a = 0;
	o->run.cpu_b = 1;
	optind = 1;
	while ((c = getopt_long(argc, argv, "t:s:b:n:r:c:j:qh", lo, NULL)) != -1) {
		switch (c) {
		case 't':
			tps = optarg;
			break;
		case 's':
			sizes = optarg;
			break;
		case 'b':
			batches = optarg;
			break;
		case 'r':
			if (bench_parse_u64(optarg, &o->rounds) || !o->rounds || o->rounds > 1000)
				return bench_bad_arg("stream", "--rounds", optarg);
			break;
		case 'h':
			fputs(st_usage, stdout);
			return 1;
		default:
			rc = bench_run_opt("stream", c, optarg, &o->run);
			if (rc < 0)
				return rc;
			if (!rc) {
				fputs(st_usage, stderr);
				return -EINVAL;
			}
		}
	}
	if (optind < argc)
		return bench_bad_arg("stream", "argument", argv[optind]);
	o->ntp = bench_parse_transports(tps, offsetof(struct bench_transport, stream), o->tp,
					MAX_TP, &bad);
	if (o->ntp < 0)
		return bench_bad_arg("stream", "--transport", bad ? bad : tps);
	o->nsizes = bench_parse_list(sizes, o->sizes, MAX_LIST);
	if (o->nsizes < 0)
		return bench_bad_arg("stream", "--sizes", sizes);
	for (i = 0; i < o->nsizes; i++)
		if (o->sizes[i] < 8 || o->sizes[i] > (64u << 20))
			return bench_bad_arg("stream", "--sizes (8 B .. 64 MiB)", sizes);
	o->nbatches = bench_parse_list(batches, o->batches, MAX_LIST);
	if (o->nbatches < 0)
		return bench_bad_arg("stream", "--batch", batches);
	for (i = 0; i < o->nbatches; i++)
		if (!o->batches[i] || o->batches[i] > 4096)
			return bench_bad_arg("stream", "--batch (1..4096)", batches);
	return 0;
}

int bench_stream_main(int argc, char **argv, struct bench_collect *col)
{
	struct bench_result *res;
	struct st_opts o;
	int s, b, t, rc = parse(argc, argv, &o), nres;
	uint64_t r;

	if (rc)
		return rc > 0 ? 0 : 2;
	if (bench_begin(o.run.cpu_a, o.run.cpu_b))
		return 1;

	nres = o.nsizes * o.nbatches * o.ntp;
	res = calloc((size_t)nres, sizeof(*res));
	if (!res)
		return 1;
	for (s = 0; s < o.nsizes; s++) {
		uint64_t count = o.run.count;

		if (count * o.sizes[s] > MAX_BYTES)
			count = MAX_BYTES / o.sizes[s];
		for (b = 0; b < o.nbatches; b++) {
			struct bench_result *row = &res[(s * o.nbatches + b) * o.ntp];
			uint64_t ns[MAX_TP] = { 0 };

			for (t = 0; t < o.ntp; t++) {
				row[t].bench = "stream";
				row[t].transport = o.tp[t]->name;
				row[t].size = o.sizes[s];
				row[t].batch = (unsigned)o.batches[b];
				row[t].verified = 1;
				if (o.tp[t]->unavailable)
					/* copied: a transport may reuse one buffer for every size */
					row[t].skipped = bench_skip_copy(o.tp[t]->unavailable(o.sizes[s]));
			}
			for (r = 0; r < o.rounds; r++) {
				for (t = 0; t < o.ntp; t++) {
					int ti = (int)((t + r) % (uint64_t)o.ntp);
					struct bench_result *x = &row[ti];
					struct bench_stream_cfg cfg = {
						.size = x->size,
						.batch = x->batch,
						.count = count / o.rounds ? count / o.rounds : 1,
						.cpu_tx = o.run.cpu_a,
						.cpu_rx = o.run.cpu_b,
					};
					struct bench_stream_result sr = { 0 };
					const char *why = NULL;

					if (x->skipped)
						continue;
					if (!o.run.quiet)
						fprintf(stderr,
							"stream size %zu batch %u round %llu/%llu %-14s\r",
							x->size, x->batch, (unsigned long long)r + 1,
							(unsigned long long)o.rounds, x->transport);
					rc = o.tp[ti]->stream(&cfg, &sr, &why);
					if (rc) {
						x->skipped = bench_skip_reason(why, rc);
						continue;
					}
					x->msgs += sr.msgs;
					ns[ti] += sr.ns;
					x->verified &= sr.verified;
				}
			}
			for (t = 0; t < o.ntp; t++) {
				struct bench_result *x = &row[t];

				if (x->skipped || !ns[t])
					continue;
				x->msgs_per_s = (double)x->msgs * 1e9 / (double)ns[t];
				x->gib_per_s = x->msgs_per_s * (double)x->size / (double)(1ull << 30);
			}
		}
	}
	if (!o.run.quiet)
		fprintf(stderr, "%-70s\r", "");
	putchar('\n');
	bench_env_print_seg(stdout);
	bench_report_stream_table(stdout, res, (size_t)nres);
	rc = 0;
	if (o.run.json)
		rc = bench_report_json_or_say(o.run.json, res, (size_t)nres);
	for (s = 0; s < nres; s++)
		if (!res[s].verified && !res[s].skipped)
			rc = -EBADMSG;
	/* stream rows own no histogram: the collector's copy is all it needs */
	if (col && bench_collect_add(col, res, (size_t)nres))
		rc = -ENOMEM;
	free(res);
	return rc ? 1 : 0;
}

int bench_cmd_stream(int argc, char **argv)
{
	return bench_stream_main(argc, argv, NULL);
}
