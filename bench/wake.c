/* SPDX-License-Identifier: MIT */
/*
 * uipc-bench wake: what a wake costs, per mechanism and idle gap, and what
 * waking many sleepers costs the waker.
 *
 * Part 1, one sleeper (a separate process) per mechanism and gap: the
 * waker idles for the gap, stamps the time, publishes and wakes; the
 * sleeper records publish-to-running latency.  The waker's CPU time
 * (CLOCK_THREAD_CPUTIME_ID) around publish + wake is summed per wake.
 * The sleeper parks at once (spin budget 0) except for "spin".
 *
 * Part 2, N = 1, 4, 16 sleepers: waker CPU per round for N futex(2)
 * wakes, one io_uring submission of N FUTEX_WAKEs, and one shared
 * doorbell word woken with FUTEX_WAKE(INT_MAX).
 *
 * JSON: the pingpong schema with "bench": "wake", "mechanism", "gap_ns",
 * "sleepers" and "waker_cpu_ns" (and "transport" = "uipc").
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <uipc/uipc.h>

#include "clock.h"
#include "cmds.h"
#include "env.h"
#include "hist.h"
#include "proc.h"
#include "report.h"

#define MAX_SLEEPERS 16

struct mech {
	const char *name;
	enum uipc_wait_strategy strategy;
	enum uipc_wait_backend park; /* the sleeper's */
	enum uipc_wait_backend wake; /* the waker's endpoint (URING: io_uring wake) */
	int needs_uring;
};

static const struct mech mechs[] = {
	{ "spin", UIPC_WAIT_SPIN, UIPC_BACKEND_FUTEX, UIPC_BACKEND_FUTEX, 0 },
	{ "futex", UIPC_WAIT_PARK, UIPC_BACKEND_FUTEX, UIPC_BACKEND_FUTEX, 0 },
	{ "uring-futex-wait", UIPC_WAIT_PARK, UIPC_BACKEND_URING, UIPC_BACKEND_FUTEX, 1 },
	{ "uring-wake", UIPC_WAIT_PARK, UIPC_BACKEND_FUTEX, UIPC_BACKEND_URING, 1 },
	{ "waitv", UIPC_WAIT_PARK, UIPC_BACKEND_WAITV, UIPC_BACKEND_FUTEX, 0 },
	{ "uring-waitv", UIPC_WAIT_PARK, UIPC_BACKEND_URING_WAITV, UIPC_BACKEND_URING, 1 },
	{ "eventfd", UIPC_WAIT_PARK, UIPC_BACKEND_EVENTFD, UIPC_BACKEND_FUTEX, 0 },
};
#define NMECH (sizeof(mechs) / sizeof(mechs[0]))

static const int64_t gaps[] = { 1000, 10000, 100000, 1000000 };
#define NGAP (sizeof(gaps) / sizeof(gaps[0]))

/* Shared with the sleeper(s). */
struct wake_shm {
	struct uipc_wait_word w[MAX_SLEEPERS];
	uint64_t seq; /* published round */
	uint64_t t_pub; /* its time stamp */
	uint64_t acked[MAX_SLEEPERS]; /* last round each sleeper saw */
	uint32_t stop;
	int efd;
	uint64_t nsamples;
	uint64_t samples[]; /* part 1: latency per round */
};

struct sleeper_arg {
	struct wake_shm *s;
	const struct mech *m;
	unsigned idx; /* which word (part 2) */
	int doorbell;
	uint64_t rounds;
};

static uint64_t thread_cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void idle_for(int64_t ns)
{
	uint64_t end = bench_mono_ns() + (uint64_t)ns;

	/* Short gaps busy-wait (a sleep would overshoot them); long ones
	 * sleep, so the waker's own CPU goes idle as a real producer's would. */
	if (ns >= 50000) {
		struct timespec ts = { 0, ns - 20000 };

		nanosleep(&ts, NULL);
	}
	while (bench_mono_ns() < end)
		;
}

struct round_check {
	struct wake_shm *s;
	uint64_t want;
};

static int round_ready(void *arg)
{
	struct round_check *c = arg;

	/* Pairs with the store-release of seq by the waker. */
	if (uipc_load_acquire(&c->s->seq) >= c->want)
		return 1;
	return uipc_load_acquire(&c->s->stop) ? -EPIPE : 0;
}

static int sleeper_main(void *argp)
{
	struct sleeper_arg *a = argp;
	struct wake_shm *s = a->s;
	struct uipc_wait_opts o = UIPC_WAIT_OPTS_INIT;
	struct uipc_wait_ep *ep;
	struct uipc_wait_word *w = &s->w[a->doorbell ? 0 : a->idx];
	uint64_t r;

	o.strategy = a->m->strategy;
	o.backend = a->m->park;
	o.spin_ns = 0;
	o.eventfd = s->efd;
	if (uipc_wait_ep_create(&o, &ep))
		return 1;
	for (r = 1; r <= a->rounds; r++) {
		struct round_check c = { s, r };
		int rc = uipc_wait_until(ep, w, round_ready, &c, -1);

		if (rc < 0)
			break;
		if (a->idx == 0 && !a->doorbell && r <= s->nsamples)
			s->samples[r - 1] = bench_mono_ns() - uipc_load_acquire(&s->t_pub);
		/* Pairs with the load-acquire of acked[] by the waker. */
		uipc_store_release(&s->acked[a->idx], r);
	}
	uipc_wait_ep_destroy(ep);
	return 0;
}

static int wait_acks(struct wake_shm *s, unsigned n, uint64_t r, pid_t *pids)
{
	unsigned i;

	for (i = 0; i < n; i++)
		while (uipc_load_acquire(&s->acked[i]) < r)
			if (bench_peer_gone(pids[i]))
				return -EPIPE;
	return 0;
}

/* All @n sleepers have announced themselves; then give them time to get
 * into the kernel, so the wake is a real one. */
static void wait_asleep(struct wake_shm *s, unsigned n, int doorbell)
{
	unsigned i;

	if (doorbell) {
		while (UIPC_READ_ONCE(s->w[0].waiting) < n)
			;
	} else {
		for (i = 0; i < n; i++)
			while (!UIPC_READ_ONCE(s->w[i].waiting))
				;
	}
	idle_for(200000);
}

struct wake_row {
	char mech[32];
	int64_t gap_ns;
	unsigned sleepers;
	struct bench_hist hist;
	double waker_cpu_ns;
	const char *skipped;
};

static int run_one(const struct mech *m, int64_t gap, uint64_t count, struct wake_row *row,
		   int cpu_a, int cpu_b)
{
	size_t len = sizeof(struct wake_shm) + count * sizeof(uint64_t);
	struct wake_shm *s;
	struct uipc_wait_opts o = UIPC_WAIT_OPTS_INIT;
	struct uipc_wait_ep *ep;
	struct sleeper_arg a;
	uint64_t r, cpu = 0;
	pid_t pid;
	int rc = 0;

	s = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (s == MAP_FAILED)
		return -errno;
	s->efd = -1;
	s->nsamples = count;
	o.backend = m->wake;
	if (m->park == UIPC_BACKEND_EVENTFD) {
		struct uipc_wait_opts eo = UIPC_WAIT_OPTS_INIT;
		struct uipc_wait_ep *tmp;

		eo.backend = UIPC_BACKEND_EVENTFD;
		if (uipc_wait_ep_create(&eo, &tmp) == 0) {
			s->efd = dup(uipc_wait_ep_eventfd(tmp));
			uipc_wait_ep_destroy(tmp);
		}
		o.peer_eventfd = s->efd;
	}
	a = (struct sleeper_arg){ .s = s, .m = m, .rounds = count };
	pid = bench_spawn(cpu_b, sleeper_main, &a);
	if (pid < 0) {
		munmap(s, len);
		return pid;
	}
	if (uipc_wait_ep_create(&o, &ep)) {
		bench_kill(pid);
		bench_reap(pid);
		munmap(s, len);
		return -ENOMEM;
	}
	bench_hist_init(&row->hist);
	for (r = 1; r <= count; r++) {
		uint64_t c0;

		idle_for(gap);
		UIPC_WRITE_ONCE(s->t_pub, bench_mono_ns());
		c0 = thread_cpu_ns();
		/* Pairs with the load-acquire of seq in round_ready(). */
		uipc_store_release(&s->seq, r);
		uipc_wake_if_needed(ep, &s->w[0]);
		cpu += thread_cpu_ns() - c0;
		rc = wait_acks(s, 1, r, &pid);
		if (rc)
			break;
	}
	for (r = 0; !rc && r < count; r++)
		bench_hist_record(&row->hist, s->samples[r]);
	row->waker_cpu_ns = (double)cpu / (double)count;
	uipc_store_release(&s->stop, 1u);
	uipc_wake_if_needed(NULL, &s->w[0]);
	if (s->efd >= 0) {
		uint64_t one = 1;

		if (write(s->efd, &one, sizeof(one)) < 0) {
			/* the sleeper may be gone already */
		}
	}
	if (bench_reap(pid))
		rc = rc ? rc : -EPIPE;
	uipc_wait_ep_destroy(ep);
	if (s->efd >= 0)
		close(s->efd);
	munmap(s, len);
	(void)cpu_a;
	return rc;
}

/* mode 0: N futex(2) wakes, 1: one io_uring batch, 2: doorbell */
static int run_fan(int mode, unsigned n, uint64_t rounds, struct wake_row *row, int cpu_b)
{
	static const struct mech futex_mech = { "futex", UIPC_WAIT_PARK, UIPC_BACKEND_FUTEX,
						UIPC_BACKEND_FUTEX, 0 };
	struct wake_shm *s;
	struct sleeper_arg a[MAX_SLEEPERS];
	struct uipc_wake_batch *b = NULL;
	pid_t pids[MAX_SLEEPERS];
	uint64_t r, cpu = 0;
	unsigned i;
	int rc = 0;

	if (mode == 1 && (uipc_wake_batch_create(n, &b, &row->skipped) || !uipc_wake_batch_uring(b))) {
		uipc_wake_batch_destroy(b);
		return -ENOTSUP;
	}
	s = mmap(NULL, 4096 * 2, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (s == MAP_FAILED)
		return -errno;
	s->efd = -1;
	for (i = 0; i < n; i++) {
		a[i] = (struct sleeper_arg){ .s = s, .m = &futex_mech, .idx = i,
					     .doorbell = mode == 2, .rounds = rounds };
		pids[i] = bench_spawn(cpu_b, sleeper_main, &a[i]);
	}
	for (r = 1; r <= rounds && !rc; r++) {
		uint64_t c0;

		wait_asleep(s, n, mode == 2);
		c0 = thread_cpu_ns();
		uipc_store_release(&s->seq, r);
		if (mode == 0) {
			for (i = 0; i < n; i++)
				uipc_wake_if_needed(NULL, &s->w[i]);
		} else if (mode == 1) {
			for (i = 0; i < n; i++)
				uipc_wake_batch_add(b, &s->w[i]);
			uipc_wake_batch_flush(b);
		} else {
			uipc_doorbell_ring(&s->w[0]);
		}
		cpu += thread_cpu_ns() - c0;
		rc = wait_acks(s, n, r, pids);
	}
	row->waker_cpu_ns = (double)cpu / (double)rounds;
	uipc_store_release(&s->stop, 1u);
	for (i = 0; i < n; i++) {
		uipc_wake_if_needed(NULL, &s->w[i]);
		bench_reap(pids[i]);
	}
	uipc_wake_batch_destroy(b);
	munmap(s, 4096 * 2);
	return rc;
}

static void json_row(FILE *f, const struct wake_row *w, int last)
{
	unsigned k;

	fprintf(f, "    {\"bench\": \"wake\", \"transport\": \"uipc\", \"mechanism\": ");
	bench_json_str(f, w->mech);
	fprintf(f, ", \"gap_ns\": %lld, \"sleepers\": %u, \"count\": %llu", (long long)w->gap_ns,
		w->sleepers, (unsigned long long)w->hist.count);
	if (w->hist.count) {
		static const char *const names[BENCH_HIST_NPCT] = { "p50_ns",	"p90_ns",  "p95_ns",
								    "p99_ns",	"p999_ns", "p9999_ns" };

		fprintf(f, ", \"min_ns\": %llu", (unsigned long long)bench_hist_min(&w->hist));
		for (k = 0; k < BENCH_HIST_NPCT; k++)
			fprintf(f, ", \"%s\": %llu", names[k],
				(unsigned long long)bench_hist_pct(&w->hist, bench_hist_pcts[k]));
		fprintf(f, ", \"max_ns\": %llu, \"mean_ns\": %.1f",
			(unsigned long long)bench_hist_max(&w->hist), bench_hist_mean(&w->hist));
	}
	fprintf(f, ", \"waker_cpu_ns\": %.1f", w->waker_cpu_ns);
	if (w->skipped) {
		fprintf(f, ", \"skipped\": ");
		bench_json_str(f, w->skipped);
	}
	fprintf(f, "}%s\n", last ? "" : ",");
}

static int write_json(const char *path, const struct wake_row *rows, size_t n)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "w") : stdout;
	size_t i;

	if (!f)
		return -errno;
	fprintf(f, "{\n  \"env\": {\"cpu\": ");
	bench_json_str(f, bench_env.cpu);
	fprintf(f, ", \"kernel\": ");
	bench_json_str(f, bench_env.kernel);
	fprintf(f, ", \"cpus\": ");
	bench_json_str(f, bench_env.cpus);
	fprintf(f, ", \"cpu_dma_latency\": ");
	bench_json_str(f, bench_env.cpu_dma_latency);
	fprintf(f, ", \"version\": ");
	bench_json_str(f, bench_env.version);
	fprintf(f, "},\n  \"results\": [\n");
	for (i = 0; i < n; i++)
		json_row(f, &rows[i], i + 1 == n);
	fprintf(f, "  ]\n}\n");
	if (f != stdout)
		fclose(f);
	return 0;
}

static void usage(FILE *f)
{
	fputs("usage: uipc-bench wake [--count N] [--rounds N] [--gap NS] [--json PATH]\n"
	      "                       [--cpu-waker C] [--cpu-sleeper C]\n"
	      "Wake-to-run latency and waker CPU per mechanism and idle gap (one\n"
	      "sleeper process), then waker CPU for 1, 4, 16 sleepers: N futex wakes,\n"
	      "one io_uring submission, one shared doorbell.\n",
	      f);
}

int bench_wake_main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "count", required_argument, NULL, 'c' },   { "rounds", required_argument, NULL, 'r' },
		{ "gap", required_argument, NULL, 'g' },     { "json", required_argument, NULL, 'j' },
		{ "cpu-waker", required_argument, NULL, 'a' }, { "cpu-sleeper", required_argument, NULL, 'b' },
		{ "help", no_argument, NULL, 'h' },	     { 0 },
	};
	static const unsigned fan_n[] = { 1, 4, 16 };
	static const char *const fan_name[] = { "futex-each", "uring-batch", "doorbell" };
	uint64_t count = 2000, rounds = 300;
	int64_t only_gap = -1;
	const char *json = NULL, *why;
	int cpu_a = 0, cpu_b = 1, opt, uring;
	struct wake_row *rows;
	size_t nrows = 0, m, g, k, mode;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (opt) {
		case 'c':
			count = strtoull(optarg, NULL, 10);
			break;
		case 'r':
			rounds = strtoull(optarg, NULL, 10);
			break;
		case 'g':
			only_gap = strtoll(optarg, NULL, 10);
			break;
		case 'j':
			json = optarg;
			break;
		case 'a':
			cpu_a = atoi(optarg);
			break;
		case 'b':
			cpu_b = atoi(optarg);
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (!count || !rounds)
		return bench_bad_arg("wake", "--count/--rounds", "0");
	bench_clock_init();
	bench_env_capture(cpu_a, cpu_b);
	bench_env_print(stdout);
	bench_pin(cpu_a);
	uring = uipc_wait_uring_probe(&why);
	if (!uring)
		printf("io_uring futex ops unavailable: %s\n", why);
	rows = calloc(NMECH * NGAP + 9, sizeof(*rows));
	if (!rows)
		return 1;

	printf("\n%-18s %9s %9s %9s %9s %9s %12s\n", "mechanism", "gap_ns", "p50_ns", "p99_ns",
	       "p99.9_ns", "max_ns", "waker_cpu_ns");
	for (m = 0; m < NMECH; m++) {
		for (g = 0; g < NGAP; g++) {
			struct wake_row *row = &rows[nrows++];
			int rc;

			if (only_gap >= 0 && gaps[g] != only_gap) {
				nrows--;
				continue;
			}
			snprintf(row->mech, sizeof(row->mech), "%s", mechs[m].name);
			row->gap_ns = gaps[g];
			row->sleepers = 1;
			if (mechs[m].needs_uring && !uring) {
				row->skipped = why;
				continue;
			}
			rc = run_one(&mechs[m], gaps[g], count, row, cpu_a, cpu_b);
			if (rc) {
				row->skipped = "sleeper failed";
				row->hist.count = 0;
				continue;
			}
			printf("%-18s %9lld %9llu %9llu %9llu %9llu %12.0f\n", row->mech,
			       (long long)row->gap_ns,
			       (unsigned long long)bench_hist_pct(&row->hist, 50),
			       (unsigned long long)bench_hist_pct(&row->hist, 99),
			       (unsigned long long)bench_hist_pct(&row->hist, 99.9),
			       (unsigned long long)bench_hist_max(&row->hist), row->waker_cpu_ns);
			fflush(stdout);
		}
	}
	printf("\n%-18s %9s %14s %14s\n", "fan-out wake", "sleepers", "waker_cpu_ns", "per_sleeper");
	for (mode = 0; mode < 3; mode++) {
		for (k = 0; k < 3; k++) {
			struct wake_row *row = &rows[nrows++];
			int rc;

			snprintf(row->mech, sizeof(row->mech), "%s", fan_name[mode]);
			row->sleepers = fan_n[k];
			if (mode == 1 && !uring) {
				row->skipped = why;
				continue;
			}
			rc = run_fan((int)mode, fan_n[k], rounds, row, cpu_b);
			if (rc) {
				row->skipped = rc == -ENOTSUP ? "io_uring batch unavailable"
							      : "sleeper failed";
				continue;
			}
			printf("%-18s %9u %14.0f %14.0f\n", row->mech, row->sleepers,
			       row->waker_cpu_ns, row->waker_cpu_ns / row->sleepers);
			fflush(stdout);
		}
	}
	if (json && write_json(json, rows, nrows)) {
		fprintf(stderr, "uipc-bench wake: cannot write %s\n", json);
		free(rows);
		return 1;
	}
	free(rows);
	return 0;
}
