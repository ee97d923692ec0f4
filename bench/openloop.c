/* SPDX-License-Identifier: MIT */
/*
 * uipc-bench openloop: the slow path.  A sender process sends at a fixed
 * rate (fixed gaps or Poisson arrivals), each message carrying its
 * intended send time (TSC ticks, bench/clock.h); the receiver records
 * receive time - intended time, so a stall anywhere (a sleeping consumer,
 * a late wake, a preempted sender) counts against every message it delays
 * (no coordinated omission, openloop_acct.h).  The uipc consumer waits
 * with its strategy (spin, park after a budget, yield), so at low rates
 * this measures what sleeping costs.  Kernel baselines (a blocking Unix
 * stream socket, a blocking pipe) run at the same rates in the same run.
 *
 * Each row also carries the service-time percentiles of the same run
 * (what a closed-loop benchmark would have reported) and, for uipc, the
 * consumer's parks and syscalls per message.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <uipc/uipc.h>

#include "args.h"
#include "clock.h"
#include "cmds.h"
#include "env.h"
#include "openloop_acct.h"
#include "proc.h"
#include "report.h"

#define MAX_RATES 16
#define MAX_STRATS 3
#define START_DELAY_NS 2000000ull /* receiver ready before message 0 is due */

enum ol_kind { OL_UIPC, OL_UDS, OL_PIPE };

static const char *const kind_names[] = { "uipc", "uds", "pipe" };

struct ol_msg {
	uint64_t intended; /* ticks */
	uint64_t seq;
};

/* Shared between receiver and sender. */
struct ol_shm {
	uint64_t t0; /* ticks: message 0 is due then */
	uint32_t go;
	uint32_t pad;
	uint64_t late_max; /* ticks the sender itself sent late, at worst */
};

struct ol_run {
	enum ol_kind kind;
	enum ol_dist dist;
	double rate;
	uint64_t count, seed;
	enum uipc_wait_strategy strategy;
	int64_t spin_ns;
	int dma; /* the uipc consumer holds /dev/cpu_dma_latency at 0 */
	struct ol_shm *shm;
	struct uipc_seg *seg;
	int fd[2]; /* [0] receives, [1] sends */
};

struct ol_row {
	enum ol_kind kind;
	const char *strategy;
	enum ol_dist dist;
	double rate;
	int64_t spin_ns;
	struct ol_acct acct;
	uint64_t parks, syscalls, late_max_ns;
	int dma; /* 1 held, -errno refused, 0 not asked */
	const char *skipped;
	char why[96];
};

static const char *strategy_name(enum uipc_wait_strategy s)
{
	return s == UIPC_WAIT_SPIN ? "spin" : s == UIPC_WAIT_YIELD ? "yield" : "park";
}

static double ticks_per_s(void)
{
	return bench_clock.tsc ? 1e9 / bench_clock.ns_per_tick : 1e9;
}

/* Sleep most of a long gap (the sender's CPU goes idle as a real feed's
 * would), spin the rest so the send is on time. */
static void until_tick(uint64_t t)
{
	uint64_t now = bench_ticks_start();

	if (t <= now)
		return;
	if (bench_ticks_to_ns(t - now) > 200000) {
		uint64_t ns = bench_ticks_to_ns(t - now) - 100000;
		struct timespec ts = { (time_t)(ns / 1000000000), (long)(ns % 1000000000) };

		nanosleep(&ts, NULL);
	}
	while (bench_ticks_start() < t)
		uipc_cpu_relax();
}

static int xfer(int fd, void *buf, size_t len, int writing)
{
	uint8_t *p = buf;

	while (len) {
		ssize_t n = writing ? write(fd, p, len) : read(fd, p, len);

		if (n > 0) {
			p += n;
			len -= (size_t)n;
		} else if (n == 0) {
			return -EPIPE;
		} else if (errno != EINTR) {
			return -errno;
		}
	}
	return 0;
}

static int sender(void *arg)
{
	struct ol_run *run = arg;
	struct ol_shm *s = run->shm;
	struct ol_sched sched;
	struct uipc_ring p;
	uint64_t i, late_max = 0;
	int rc = 0;

	if (run->kind == OL_UIPC) {
		rc = uipc_ring_attach(run->seg, 0, UIPC_PRODUCER, &p);
		/* Default options: it wakes a parked consumer; a full ring
		 * (overload) parks it until there is room. */
		if (!rc)
			rc = uipc_ring_wait_enable(&p, NULL);
		if (rc)
			return rc;
	} else {
		close(run->fd[0]);
	}
	/* Pairs with the store-release of go by the receiver. */
	while (!uipc_load_acquire(&s->go))
		uipc_cpu_relax();
	ol_sched_init(&sched, run->dist, s->t0, ticks_per_s() / run->rate, run->seed);
	for (i = 0; i < run->count && !rc; i++) {
		struct ol_msg m = { ol_sched_next(&sched), i };
		uint64_t now;

		until_tick(m.intended);
		now = bench_ticks_start();
		if (now - m.intended > late_max)
			late_max = now - m.intended;
		if (run->kind == OL_UIPC)
			rc = uipc_ring_send_wait(&p, &m, sizeof(m), -1);
		else
			rc = xfer(run->fd[1], &m, sizeof(m), 1);
	}
	s->late_max = late_max;
	if (run->kind == OL_UIPC)
		uipc_ring_detach(&p);
	else
		close(run->fd[1]);
	return rc;
}

static int chan_open(struct ol_run *run)
{
	struct uipc_ring_opts ro = { .capacity = 1u << 16 };
	struct uipc_seg_opts so = UIPC_SEG_OPTS_INIT;

	run->fd[0] = run->fd[1] = -1;
	switch (run->kind) {
	case OL_UIPC: {
		struct uipc_seg_info info;
		int rc;

		so.name = "uipc-bench-openloop";
		so.huge = UIPC_HUGE_PREFER;
		so.page_size = UIPC_PAGE_2M;
		rc = uipc_ring_create(&ro, &so, &run->seg, NULL);
		if (!rc && !uipc_seg_info(run->seg, &info))
			bench_env_note_seg(uipc_backing_name(info.backing), info.page_size,
					   info.node, info.fallback_reason);
		return rc;
	}
	case OL_UDS:
		return socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, run->fd) ? -errno : 0;
	default:
		return pipe(run->fd) ? -errno : 0;
	}
}

static void chan_close(struct ol_run *run)
{
	if (run->seg)
		uipc_seg_close(run->seg);
	run->seg = NULL;
	if (run->fd[0] >= 0)
		close(run->fd[0]);
	if (run->fd[1] >= 0)
		close(run->fd[1]);
	run->fd[0] = run->fd[1] = -1;
}

/* The receiver: this process, pinned by the caller. */
static int run_one(struct ol_run *run, struct ol_row *row, int cpu_tx)
{
	struct uipc_wait_opts o = UIPC_WAIT_OPTS_INIT;
	struct uipc_wait_info info;
	struct uipc_ring r;
	uint64_t i, t0;
	pid_t pid;
	int rc, attached = 0;

	memset(run->shm, 0, sizeof(*run->shm));
	rc = chan_open(run);
	if (rc)
		return rc;
	if (run->kind == OL_UIPC) {
		o.strategy = run->strategy;
		o.spin_ns = run->spin_ns;
		o.hold_cpu_dma_latency = run->dma;
		rc = uipc_ring_attach(run->seg, 0, UIPC_CONSUMER, &r);
		if (!rc) {
			attached = 1;
			rc = uipc_ring_wait_enable(&r, &o);
		}
		if (!rc)
			rc = uipc_wait_ep_info(uipc_ring_wait_ep(&r), &info);
		if (rc)
			goto out;
		row->spin_ns = run->strategy == UIPC_WAIT_SPIN ? -1 : info.spin_ns;
		row->dma = info.cpu_dma_latency;
		if (info.cpu_dma_latency == 1)
			snprintf(bench_env.cpu_dma_latency, sizeof(bench_env.cpu_dma_latency),
				 "0 (uipc rows)");
	}
	pid = bench_spawn(cpu_tx, sender, run);
	if (pid < 0) {
		rc = pid;
		goto out;
	}
	if (run->kind != OL_UIPC) {
		close(run->fd[1]);
		run->fd[1] = -1;
	}
	ol_acct_init(&row->acct);
	t0 = bench_ticks_start() + (uint64_t)(START_DELAY_NS * ticks_per_s() / 1e9);
	run->shm->t0 = t0;
	/* Pairs with the load-acquire of go by the sender. */
	uipc_store_release(&run->shm->go, 1u);
	for (i = 0; i < run->count && !rc; i++) {
		struct ol_msg m;
		uint64_t now;

		if (run->kind == OL_UIPC) {
			ssize_t n = uipc_ring_recv_wait(&r, &m, sizeof(m), -1);

			rc = n == (ssize_t)sizeof(m) ? 0 : n < 0 ? (int)n : -EPROTO;
		} else {
			rc = xfer(run->fd[0], &m, sizeof(m), 0);
		}
		now = bench_ticks_end();
		if (!rc && (m.seq != i || m.intended < t0))
			rc = -EBADMSG;
		if (!rc)
			ol_acct_record(&row->acct, bench_ticks_to_ns(m.intended - t0),
				       now > t0 ? bench_ticks_to_ns(now - t0) : 0);
	}
	if (rc)
		bench_kill(pid);
	if (bench_reap(pid) && !rc)
		rc = -EPIPE;
	row->late_max_ns = bench_ticks_to_ns(run->shm->late_max);
	if (run->kind == OL_UIPC && !uipc_wait_ep_info(uipc_ring_wait_ep(&r), &info)) {
		row->parks = info.parks;
		row->syscalls = info.syscalls;
	}
out:
	if (attached)
		uipc_ring_detach(&r);
	chan_close(run);
	return rc;
}

static const char *const pct_names[BENCH_HIST_NPCT] = { "p50_ns",  "p90_ns",  "p95_ns",
							 "p99_ns",  "p999_ns", "p9999_ns" };

static void json_row(FILE *f, const struct ol_row *w, int last)
{
	const struct bench_hist *h = &w->acct.open, *sv = &w->acct.service;
	unsigned k;

	fprintf(f, "    {\"bench\": \"openloop\", \"transport\": \"%s\", \"strategy\": \"%s\", "
		   "\"rate\": %.0f, \"dist\": \"%s\", \"count\": %llu",
		kind_names[w->kind], w->strategy, w->rate,
		w->dist == OL_POISSON ? "poisson" : "fixed", (unsigned long long)h->count);
	if (w->kind == OL_UIPC)
		fprintf(f, ", \"spin_ns\": %lld, \"parks\": %llu, \"syscalls\": %llu, "
			   "\"dma_latency\": %s",
			(long long)w->spin_ns, (unsigned long long)w->parks,
			(unsigned long long)w->syscalls, w->dma == 1 ? "true" : "false");
	if (h->count) {
		fprintf(f, ", \"min_ns\": %llu", (unsigned long long)bench_hist_min(h));
		for (k = 0; k < BENCH_HIST_NPCT; k++)
			fprintf(f, ", \"%s\": %llu", pct_names[k],
				(unsigned long long)bench_hist_pct(h, bench_hist_pcts[k]));
		fprintf(f, ", \"max_ns\": %llu, \"mean_ns\": %.1f",
			(unsigned long long)bench_hist_max(h), bench_hist_mean(h));
		fprintf(f, ", \"service_p50_ns\": %llu, \"service_p99_ns\": %llu, "
			   "\"service_p999_ns\": %llu, \"service_max_ns\": %llu",
			(unsigned long long)bench_hist_pct(sv, 50),
			(unsigned long long)bench_hist_pct(sv, 99),
			(unsigned long long)bench_hist_pct(sv, 99.9),
			(unsigned long long)bench_hist_max(sv));
		fprintf(f, ", \"sender_late_max_ns\": %llu, \"early\": %llu",
			(unsigned long long)w->late_max_ns, (unsigned long long)w->acct.early);
	}
	if (w->skipped) {
		fprintf(f, ", \"skipped\": ");
		bench_json_str(f, w->skipped);
	}
	fprintf(f, "}%s\n", last ? "" : ",");
}

static int write_json(const char *path, const struct ol_row *rows, size_t n)
{
	FILE *f = bench_json_open(path);
	size_t i;

	if (!f)
		return -errno;
	bench_report_env_json(f);
	fputs(",\n  \"results\": [\n", f);
	for (i = 0; i < n; i++)
		json_row(f, &rows[i], i + 1 == n);
	fputs("  ]\n", f);
	return bench_json_close(f);
}

static void print_row(const struct ol_row *w)
{
	const struct bench_hist *h = &w->acct.open;
	char name[24];

	snprintf(name, sizeof(name), "%s/%s", kind_names[w->kind], w->strategy);
	if (w->skipped) {
		printf("%-14s %9.0f %-7s skipped: %s\n", name, w->rate,
		       w->dist == OL_POISSON ? "poisson" : "fixed", w->skipped);
		return;
	}
	printf("%-14s %9.0f %-7s %8llu %9llu %9llu %10llu %10llu %10llu", name, w->rate,
	       w->dist == OL_POISSON ? "poisson" : "fixed", (unsigned long long)h->count,
	       (unsigned long long)bench_hist_pct(h, 50), (unsigned long long)bench_hist_pct(h, 99),
	       (unsigned long long)bench_hist_pct(h, 99.9), (unsigned long long)bench_hist_max(h),
	       (unsigned long long)bench_hist_pct(&w->acct.service, 99));
	if (w->kind == OL_UIPC)
		printf(" %9.3f", h->count ? (double)w->parks / (double)h->count : 0.0);
	putchar('\n');
	fflush(stdout);
}

static void usage(FILE *f)
{
	fputs("usage: uipc-bench openloop [--rates LIST] [--dist fixed|poisson]\n"
	      "         [--duration S | --count N] [--strategy LIST] [--spin-ns NS]\n"
	      "         [--transports LIST] [--cpus TX,RX] [--seed N] [--dma-latency]\n"
	      "         [--json FILE]\n"
	      "Fixed-rate one-way latency measured from each message's intended send\n"
	      "time (no coordinated omission); the uipc consumer waits with its\n"
	      "strategy, so low rates measure the cost of sleeping.\n"
	      "  --rates LIST       messages/s (default 100,1000,10000,100000,1000000)\n"
	      "  --dist D           fixed gaps or Poisson arrivals (default fixed)\n"
	      "  --duration S       seconds per rate (default 1; at least 10 messages)\n"
	      "  --count N          messages per rate instead\n"
	      "  --strategy LIST    uipc consumer: spin, park, yield (default park)\n"
	      "  --spin-ns NS       its spin budget (default: the layer's: env, tune\n"
	      "                     file, calibrated wake cost)\n"
	      "  --transports LIST  uipc, uds, pipe (default uipc,uds; the baselines\n"
	      "                     block in read(2))\n"
	      "  --cpus TX,RX       sender and receiver CPUs (default 0,1)\n"
	      "  --dma-latency      the uipc consumer holds /dev/cpu_dma_latency at 0\n"
	      "                     (wait option; recorded in the env and each row)\n"
	      "Columns: open-loop p50..max, svc_p99 = the service-time p99 of the same\n"
	      "run (what a closed-loop benchmark reports), parks/msg of the consumer.\n",
	      f);
}

static int bad(const char *opt, const char *val)
{
	bench_bad_arg("openloop", opt, val);
	return 2;
}

static int parse_strats(const char *s, enum uipc_wait_strategy *out)
{
	char *dup = strdup(s), *tok, *save = NULL;
	int n = 0;

	if (!dup)
		return -ENOMEM;
	for (tok = strtok_r(dup, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (n == MAX_STRATS) {
			n = -E2BIG;
			break;
		}
		if (!strcmp(tok, "spin")) {
			out[n++] = UIPC_WAIT_SPIN;
		} else if (!strcmp(tok, "park")) {
			out[n++] = UIPC_WAIT_PARK;
		} else if (!strcmp(tok, "yield")) {
			out[n++] = UIPC_WAIT_YIELD;
		} else {
			n = -EINVAL;
			break;
		}
	}
	free(dup);
	return n == 0 ? -EINVAL : n;
}

static int parse_kinds(const char *s, int *want)
{
	char *dup = strdup(s), *tok, *save = NULL;
	int rc = 0, k;

	if (!dup)
		return -ENOMEM;
	memset(want, 0, 3 * sizeof(*want));
	for (tok = strtok_r(dup, ",", &save); tok && !rc; tok = strtok_r(NULL, ",", &save)) {
		rc = -EINVAL;
		for (k = 0; k < 3; k++)
			if (!strcmp(tok, kind_names[k])) {
				want[k] = 1;
				rc = 0;
			}
	}
	free(dup);
	return rc;
}

int bench_cmd_openloop(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "rates", required_argument, NULL, 'r' },
		{ "dist", required_argument, NULL, 'd' },
		{ "duration", required_argument, NULL, 'D' },
		{ "count", required_argument, NULL, 'n' },
		{ "strategy", required_argument, NULL, 's' },
		{ "spin-ns", required_argument, NULL, 'S' },
		{ "transports", required_argument, NULL, 't' },
		{ "cpus", required_argument, NULL, 'c' },
		{ "seed", required_argument, NULL, 'e' },
		{ "json", required_argument, NULL, 'j' },
		{ "dma-latency", no_argument, NULL, 'L' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	uint64_t rates[MAX_RATES] = { 100, 1000, 10000, 100000, 1000000 }, count = 0, seed = 1;
	enum uipc_wait_strategy strats[MAX_STRATS] = { UIPC_WAIT_PARK };
	int nrates = 5, nstrats = 1, dma = 0, want[3] = { 1, 1, 0 }, cpu_tx = 0, cpu_rx = 1, opt, rc = 0;
	enum ol_dist dist = OL_FIXED;
	double duration = 1.0;
	int64_t spin_ns = -1;
	const char *json = NULL;
	struct ol_row *rows;
	struct ol_shm *shm;
	struct ol_run run;
	size_t nrows = 0, maxrows;
	char *end;
	int ri, si, k;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (opt) {
		case 'r':
			nrates = bench_parse_list(optarg, rates, MAX_RATES);
			if (nrates < 0)
				return bad("--rates", optarg);
			for (ri = 0; ri < nrates; ri++)
				if (!rates[ri] || rates[ri] > 100000000)
					return bad("--rates", optarg);
			break;
		case 'd':
			if (!strcmp(optarg, "fixed"))
				dist = OL_FIXED;
			else if (!strcmp(optarg, "poisson"))
				dist = OL_POISSON;
			else
				return bad("--dist", optarg);
			break;
		case 'D':
			duration = strtod(optarg, &end);
			if (*end || !(duration > 0) || duration > 3600)
				return bad("--duration", optarg);
			break;
		case 'n':
			if (bench_parse_u64(optarg, &count) || !count)
				return bad("--count", optarg);
			break;
		case 's':
			nstrats = parse_strats(optarg, strats);
			if (nstrats < 0)
				return bad("--strategy", optarg);
			break;
		case 'S': {
			uint64_t v;

			if (bench_parse_u64(optarg, &v) || v > 10000000000ull)
				return bad("--spin-ns", optarg);
			spin_ns = (int64_t)v;
			break;
		}
		case 't':
			if (parse_kinds(optarg, want))
				return bad("--transports", optarg);
			break;
		case 'c':
			if (bench_parse_cpus(optarg, &cpu_tx, &cpu_rx))
				return bad("--cpus", optarg);
			break;
		case 'e':
			if (bench_parse_u64(optarg, &seed))
				return bad("--seed", optarg);
			break;
		case 'j':
			json = optarg;
			break;
		case 'L':
			dma = 1;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	bench_clock_init();
	bench_env_capture(cpu_rx, cpu_tx);
	snprintf(bench_env.wait, sizeof(bench_env.wait), "per row (strategy)");
	bench_env_print(stdout);
	bench_pin(cpu_rx);
	maxrows = (size_t)nrates * (size_t)(nstrats + 2);
	rows = calloc(maxrows, sizeof(*rows));
	shm = mmap(NULL, sizeof(*shm), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (!rows || shm == MAP_FAILED) {
		free(rows);
		return 1;
	}
	printf("\n%-14s %9s %-7s %8s %9s %9s %10s %10s %10s %9s\n", "transport", "rate", "dist",
	       "count", "p50_ns", "p99_ns", "p99.9_ns", "max_ns", "svc_p99_ns", "parks/msg");
	for (ri = 0; ri < nrates; ri++) {
		for (k = 0; k < 3; k++) {
			for (si = 0; si < (k == OL_UIPC ? nstrats : 1); si++) {
				struct ol_row *row;

				if (!want[k])
					continue;
				row = &rows[nrows++];
				memset(&run, 0, sizeof(run));
				run.shm = shm;
				run.kind = (enum ol_kind)k;
				run.dist = dist;
				run.rate = (double)rates[ri];
				run.count = count ? count
						  : (uint64_t)fmax(10.0, ceil(duration * run.rate));
				run.seed = seed + (uint64_t)ri;
				run.strategy = strats[si];
				run.spin_ns = spin_ns;
				run.dma = dma;
				row->kind = run.kind;
				row->strategy = k == OL_UIPC ? strategy_name(strats[si]) : "blocking";
				row->dist = dist;
				row->rate = run.rate;
				row->spin_ns = -1;
				rc = run_one(&run, row, cpu_tx);
				if (!rc && dma && k == OL_UIPC && row->dma != 1) {
					rc = row->dma < 0 ? row->dma : -EIO;
					snprintf(row->why, sizeof(row->why),
						 "cannot hold /dev/cpu_dma_latency: %s",
						 strerror(-rc));
					row->skipped = row->why;
					print_row(row);
					continue;
				}
				/* A row that fails says why; the others still run. */
				if (rc) {
					snprintf(row->why, sizeof(row->why), "failed: %s",
						 strerror(-rc));
					row->skipped = row->why;
				}
				print_row(row);
			}
		}
	}
	bench_env_print_seg(stdout);
	rc = 0;
	if (json && write_json(json, rows, nrows)) {
		fprintf(stderr, "uipc-bench openloop: cannot write %s\n", json);
		rc = 1;
	}
	munmap(shm, sizeof(*shm));
	free(rows);
	return rc;
}
