/* SPDX-License-Identifier: MIT */
/*
 * uipc-bench wake: what a wake costs, per mechanism and idle gap, and what
 * waking many sleepers costs the waker.
 *
 * Part 0, futex-raw vs uipc (wake_pair.c): a bare FUTEX_WAIT/FUTEX_WAKE
 * handoff and the same handoff through a uipc ring, alternating round by
 * round in one run, so "the layer adds nothing" is one ratio of p50s.
 *
 * Part 1, one sleeper (a separate process) per mechanism and gap: the
 * waker idles for the gap, stamps the time, publishes and wakes; the
 * sleeper records publish-to-running latency.  The waker's CPU time
 * (CLOCK_THREAD_CPUTIME_ID) around publish + wake is summed per wake.
 * The sleeper parks at once (spin budget 0) except for "spin".
 * "eventfd-uring" is the one mechanism the layer does not offer: the same
 * handshake with the eventfd read and written as io_uring SQEs.
 *
 * Part 2, N = 1, 4, 16 sleepers: waker CPU per round for N futex(2)
 * wakes, one io_uring submission of N FUTEX_WAKEs, and one shared
 * doorbell word woken with FUTEX_WAKE(INT_MAX).
 *
 * The end of the table and "summary" in the JSON give the ratios.
 *
 * JSON: the pingpong schema with "bench": "wake", "mechanism", "gap_ns",
 * "sleepers", "dma_latency" and "waker_cpu_ns" (and "transport" = "uipc").
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <uipc/uipc.h>

#if HAVE_LIBURING
#include <liburing.h>
#endif

#include "args.h"
#include "clock.h"
#include "cmds.h"
#include "env.h"
#include "hist.h"
#include "proc.h"
#include "report.h"
#include "wake.h"

#define MAX_SLEEPERS 16

struct mech {
	const char *name;
	enum uipc_wait_strategy strategy;
	enum uipc_wait_backend park; /* the sleeper's */
	enum uipc_wait_backend wake; /* the waker's endpoint (URING: io_uring wake) */
	int needs_uring;
	int efd_uring; /* eventfd read/write as io_uring SQEs (bench code, not the layer) */
};

static const struct mech mechs[] = {
	{ "spin", UIPC_WAIT_SPIN, UIPC_BACKEND_FUTEX, UIPC_BACKEND_FUTEX, 0, 0 },
	{ "futex", UIPC_WAIT_PARK, UIPC_BACKEND_FUTEX, UIPC_BACKEND_FUTEX, 0, 0 },
	{ "uring-futex-wait", UIPC_WAIT_PARK, UIPC_BACKEND_URING, UIPC_BACKEND_FUTEX, 1, 0 },
	{ "uring-wake", UIPC_WAIT_PARK, UIPC_BACKEND_FUTEX, UIPC_BACKEND_URING, 1, 0 },
	{ "waitv", UIPC_WAIT_PARK, UIPC_BACKEND_WAITV, UIPC_BACKEND_FUTEX, 0, 0 },
	{ "uring-waitv", UIPC_WAIT_PARK, UIPC_BACKEND_URING_WAITV, UIPC_BACKEND_URING, 1, 0 },
	{ "eventfd", UIPC_WAIT_PARK, UIPC_BACKEND_EVENTFD, UIPC_BACKEND_FUTEX, 0, 0 },
	{ "eventfd-uring", UIPC_WAIT_PARK, UIPC_BACKEND_EVENTFD, UIPC_BACKEND_FUTEX, 1, 1 },
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

uint64_t wake_thread_cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void wake_idle_for(int64_t ns)
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

#if HAVE_LIBURING
/*
 * eventfd through io_uring, both ways.  The eventfd is EFD_NONBLOCK (a
 * blocking one written through io_uring is punted to a kernel worker), so
 * a read SQE on an empty one completes at once with -EAGAIN: the sleeper
 * links a POLLIN poll before the read and submits both at once.
 */
static int efd_uring_park(struct io_uring *ring, int efd)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(ring);
	struct io_uring_cqe *cqe;
	uint64_t v;
	int i, rc;

	io_uring_prep_poll_add(sqe, efd, POLLIN);
	sqe->flags |= IOSQE_IO_LINK;
	sqe = io_uring_get_sqe(ring);
	io_uring_prep_read(sqe, efd, &v, sizeof(v), 0);
	rc = io_uring_submit_and_wait(ring, 2);
	if (rc < 0 && rc != -EINTR)
		return rc;
	for (i = 0; i < 2; i++) {
		rc = io_uring_wait_cqe(ring, &cqe);
		if (rc)
			return rc;
		io_uring_cqe_seen(ring, cqe);
	}
	return 0;
}

static int efd_uring_wake(struct io_uring *ring, int efd)
{
	static const uint64_t one = 1;
	struct io_uring_sqe *sqe = io_uring_get_sqe(ring);
	struct io_uring_cqe *cqe;
	int rc;

	io_uring_prep_write(sqe, efd, &one, sizeof(one), 0);
	rc = io_uring_submit_and_wait(ring, 1);
	if (rc < 0 && rc != -EINTR)
		return rc;
	rc = io_uring_wait_cqe(ring, &cqe);
	if (rc)
		return rc;
	rc = cqe->res;
	io_uring_cqe_seen(ring, cqe);
	/* -EAGAIN: the counter is saturated, the sleeper wakes anyway. */
	return rc < 0 && rc != -EAGAIN ? rc : 0;
}

/* The layer's handshake (flag, fence, re-check) around an io_uring sleep. */
static int efd_uring_sleeper(struct sleeper_arg *a)
{
	struct wake_shm *s = a->s;
	struct uipc_wait_word *w = &s->w[0];
	struct io_uring ring;
	uint64_t r;
	int rc = io_uring_queue_init(4, &ring, 0);

	if (rc)
		return rc;
	for (r = 1; r <= a->rounds && rc >= 0; r++) {
		struct round_check c = { s, r };

		while (!(rc = round_ready(&c))) {
			uipc_wait_prepare(w, UIPC_WAITING_EVENTFD);
			rc = round_ready(&c);
			if (!rc)
				rc = efd_uring_park(&ring, s->efd);
			uipc_wait_cancel(w);
			if (rc)
				break;
		}
		if (rc < 0)
			break;
		if (r <= s->nsamples)
			s->samples[r - 1] = bench_mono_ns() - uipc_load_acquire(&s->t_pub);
		/* Pairs with the load-acquire of acked[] by the waker. */
		uipc_store_release(&s->acked[0], r);
	}
	io_uring_queue_exit(&ring);
	return rc == -EPIPE ? 0 : rc < 0 ? rc : 0;
}
#endif

static int sleeper_main(void *argp)
{
	struct sleeper_arg *a = argp;
	struct wake_shm *s = a->s;
	struct uipc_wait_opts o = UIPC_WAIT_OPTS_INIT;
	struct uipc_wait_ep *ep;
	struct uipc_wait_word *w = &s->w[a->doorbell ? 0 : a->idx];
	uint64_t r;

#if HAVE_LIBURING
	if (a->m->efd_uring)
		return efd_uring_sleeper(a);
#endif
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
			/* A sleeper exits right after its last ack: look again. */
			if (bench_peer_gone(pids[i]) && uipc_load_acquire(&s->acked[i]) < r)
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
	wake_idle_for(200000);
}

/* A row that did not run, and why (@rc: a -errno to add, or 0). */
static void row_fail(struct wake_row *row, const char *what, int rc)
{
	if (rc)
		snprintf(row->why, sizeof(row->why), "%s: %s", what, strerror(-rc));
	else
		snprintf(row->why, sizeof(row->why), "%s", what);
	row->skipped = row->why;
	row->hist.count = 0;
}

static int run_one(const struct mech *m, int64_t gap, uint64_t count, struct wake_row *row,
		   int cpu_b)
{
	size_t len = sizeof(struct wake_shm) + count * sizeof(uint64_t);
	struct wake_shm *s;
	struct uipc_wait_opts o = UIPC_WAIT_OPTS_INIT;
	struct uipc_wait_ep *ep = NULL;
	struct sleeper_arg a;
	uint64_t r, cpu = 0;
	pid_t pid;
	int rc = 0;
#if HAVE_LIBURING
	struct io_uring ring;
	int uring_open = 0;
#endif

	s = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (s == MAP_FAILED)
		return -errno;
	s->efd = -1;
	s->nsamples = count;
	o.backend = m->wake;
	if (m->efd_uring) {
#if HAVE_LIBURING
		s->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		if (s->efd < 0)
			rc = -errno;
		else
			rc = io_uring_queue_init(4, &ring, 0);
		uring_open = !rc;
#else
		rc = -ENOTSUP;
#endif
	} else if (m->park == UIPC_BACKEND_EVENTFD) {
		struct uipc_wait_opts eo = UIPC_WAIT_OPTS_INIT;
		struct uipc_wait_ep *tmp;

		eo.backend = UIPC_BACKEND_EVENTFD;
		if (uipc_wait_ep_create(&eo, &tmp) == 0) {
			s->efd = dup(uipc_wait_ep_eventfd(tmp));
			uipc_wait_ep_destroy(tmp);
		}
		o.peer_eventfd = s->efd;
	}
	if (!rc)
		rc = uipc_wait_ep_create(&o, &ep);
	if (rc)
		goto out;
	a = (struct sleeper_arg){ .s = s, .m = m, .rounds = count };
	pid = bench_spawn(cpu_b, sleeper_main, &a);
	if (pid < 0) {
		rc = pid;
		goto out;
	}
	bench_hist_init(&row->hist);
	for (r = 1; r <= count; r++) {
		uint64_t c0;

		wake_idle_for(gap);
		UIPC_WRITE_ONCE(s->t_pub, bench_mono_ns());
		c0 = wake_thread_cpu_ns();
		/* Pairs with the load-acquire of seq in round_ready(). */
		uipc_store_release(&s->seq, r);
#if HAVE_LIBURING
		if (m->efd_uring) {
			if (uipc_wake_needed(&s->w[0]))
				rc = efd_uring_wake(&ring, s->efd);
		} else
#endif
		{
			uipc_wake_if_needed(ep, &s->w[0]);
		}
		cpu += wake_thread_cpu_ns() - c0;
		if (!rc)
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
out:
	uipc_wait_ep_destroy(ep);
#if HAVE_LIBURING
	if (uring_open)
		io_uring_queue_exit(&ring);
#endif
	if (s->efd >= 0)
		close(s->efd);
	munmap(s, len);
	return rc;
}

/* mode 0: N futex(2) wakes, 1: one io_uring batch, 2: doorbell */
static int run_fan(int mode, unsigned n, uint64_t rounds, struct wake_row *row, int cpu_b)
{
	static const struct mech futex_mech = { "futex", UIPC_WAIT_PARK, UIPC_BACKEND_FUTEX,
						UIPC_BACKEND_FUTEX, 0, 0 };
	struct wake_shm *s;
	struct sleeper_arg a[MAX_SLEEPERS];
	struct uipc_wake_batch *b = NULL;
	pid_t pids[MAX_SLEEPERS];
	uint64_t r, cpu = 0;
	unsigned i;
	int rc = 0;

	if (mode == 1) {
		const char *why = NULL;

		if (uipc_wake_batch_create(n, &b, &why) || !uipc_wake_batch_uring(b)) {
			/* why lives in b: copy it before freeing b */
			row_fail(row, why ? why : "io_uring batch unavailable", 0);
			uipc_wake_batch_destroy(b);
			return -ENOTSUP;
		}
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
		c0 = wake_thread_cpu_ns();
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
		cpu += wake_thread_cpu_ns() - c0;
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

static const char *const pct_names[BENCH_HIST_NPCT] = { "p50_ns",  "p90_ns",  "p95_ns",
							 "p99_ns",  "p999_ns", "p9999_ns" };

static void json_row(FILE *f, const struct wake_row *w, int last)
{
	unsigned k;

	fprintf(f, "    {\"bench\": \"wake\", \"transport\": \"uipc\", \"mechanism\": ");
	bench_json_str(f, w->mech);
	fprintf(f, ", \"dma_latency\": %s", w->dma ? "true" : "false");
	if (w->kind == WAKE_ROW_IDLE) {
		fprintf(f, ", \"idle_cpu_pct\": %.4f, \"wall_ns\": %llu, \"cpu_ns\": %llu, "
			   "\"spin_ns\": %lld",
			w->idle_cpu_pct, (unsigned long long)w->wall_ns,
			(unsigned long long)w->cpu_ns, (long long)w->spin_ns);
	} else if (w->kind == WAKE_ROW_SYSCALLS) {
		fprintf(f, ", \"msgs\": %llu, \"syscalls_consumer\": %llu, "
			   "\"syscalls_producer\": %llu, \"parks\": %llu, \"wakes\": %llu, "
			   "\"syscalls_per_msg\": %.6f, \"spin_ns\": %lld, \"waits\": %llu, "
			   "\"spins_won\": %llu",
			(unsigned long long)w->msgs, (unsigned long long)w->syscalls_cons,
			(unsigned long long)w->syscalls_prod, (unsigned long long)w->parks,
			(unsigned long long)w->wakes, w->syscalls_per_msg, (long long)w->spin_ns,
			(unsigned long long)w->waits, (unsigned long long)w->spins_won);
	} else {
		fprintf(f, ", \"gap_ns\": %lld, \"sleepers\": %u, \"count\": %llu",
			(long long)w->gap_ns, w->sleepers, (unsigned long long)w->hist.count);
		if (w->hist.count) {
			fprintf(f, ", \"min_ns\": %llu", (unsigned long long)bench_hist_min(&w->hist));
			for (k = 0; k < BENCH_HIST_NPCT; k++)
				fprintf(f, ", \"%s\": %llu", pct_names[k],
					(unsigned long long)bench_hist_pct(&w->hist,
									   bench_hist_pcts[k]));
			fprintf(f, ", \"max_ns\": %llu, \"mean_ns\": %.1f",
				(unsigned long long)bench_hist_max(&w->hist),
				bench_hist_mean(&w->hist));
		}
		fprintf(f, ", \"waker_cpu_ns\": %.1f", w->waker_cpu_ns);
	}
	if (w->skipped) {
		fprintf(f, ", \"skipped\": ");
		bench_json_str(f, w->skipped);
	}
	fprintf(f, "}%s\n", last ? "" : ",");
}

static const struct wake_row *find_row(const struct wake_row *rows, size_t n, const char *mech,
				       int64_t gap, unsigned sleepers, int dma)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(rows[i].mech, mech) && rows[i].gap_ns == gap &&
		    rows[i].sleepers == sleepers && rows[i].dma == dma && !rows[i].skipped)
			return &rows[i];
	return NULL;
}

/* The targets, read off the rows: NAN where a row is missing. */
struct wake_summary {
	double p50_ratio[NGAP][2]; /* uipc / futex-raw p50, [gap][dma] */
	const char *best_batch; /* of uring-batch and doorbell, 16 sleepers */
	double best_batch_cpu, each_cpu, batch_ratio;
	double idle_cpu_pct;
	double syscalls_per_msg;
};

static void summarize(const struct wake_row *rows, size_t n, struct wake_summary *sm)
{
	static const char *const batched[] = { "uring-batch", "doorbell" };
	const struct wake_row *a, *b;
	size_t g, i;
	int d;

	sm->best_batch = NULL;
	sm->best_batch_cpu = sm->each_cpu = sm->batch_ratio = NAN;
	sm->idle_cpu_pct = sm->syscalls_per_msg = NAN;
	for (g = 0; g < NGAP; g++) {
		for (d = 0; d < 2; d++) {
			a = find_row(rows, n, "futex-raw", gaps[g], 1, d);
			b = find_row(rows, n, "uipc", gaps[g], 1, d);
			sm->p50_ratio[g][d] = a && b && a->hist.count && b->hist.count
						      ? (double)bench_hist_pct(&b->hist, 50) /
								(double)bench_hist_pct(&a->hist, 50)
						      : NAN;
		}
	}
	a = find_row(rows, n, "futex-each", 0, MAX_SLEEPERS, 0);
	for (i = 0; i < 2; i++) {
		b = find_row(rows, n, batched[i], 0, MAX_SLEEPERS, 0);
		if (b && (!sm->best_batch || b->waker_cpu_ns < sm->best_batch_cpu)) {
			sm->best_batch = batched[i];
			sm->best_batch_cpu = b->waker_cpu_ns;
		}
	}
	if (a && sm->best_batch) {
		sm->each_cpu = a->waker_cpu_ns;
		sm->batch_ratio = sm->best_batch_cpu / sm->each_cpu;
	}
	for (i = 0; i < n; i++) {
		if (rows[i].skipped)
			continue;
		if (rows[i].kind == WAKE_ROW_IDLE)
			sm->idle_cpu_pct = rows[i].idle_cpu_pct;
		else if (rows[i].kind == WAKE_ROW_SYSCALLS)
			sm->syscalls_per_msg = rows[i].syscalls_per_msg;
	}
}

static void json_num(FILE *f, const char *k, double v)
{
	if (isnan(v))
		fprintf(f, "\"%s\": null", k);
	else
		fprintf(f, "\"%s\": %.6g", k, v);
}

static void print_summary(FILE *f, const struct wake_summary *sm)
{
	size_t g;
	int d;

	fprintf(f, "\ntargets\n");
	for (d = 0; d < 2; d++) {
		int any = 0;

		for (g = 0; g < NGAP; g++)
			any |= !isnan(sm->p50_ratio[g][d]);
		if (!any)
			continue;
		fprintf(f, "  uipc / futex-raw p50%s (<= 1.05):", d ? ", dma latency held" : "");
		for (g = 0; g < NGAP; g++)
			if (!isnan(sm->p50_ratio[g][d]))
				fprintf(f, "  gap %lld: %.3f", (long long)gaps[g],
					sm->p50_ratio[g][d]);
		fputc('\n', f);
	}
	if (!isnan(sm->batch_ratio))
		fprintf(f,
			"  waker CPU, 16 sleepers, best batched / futex-each (<= 0.8): "
			"%s %.0f ns / %.0f ns = %.3f\n",
			sm->best_batch, sm->best_batch_cpu, sm->each_cpu, sm->batch_ratio);
	if (!isnan(sm->syscalls_per_msg))
		fprintf(f, "  syscalls per message, consumer spinning (0): %.6f\n",
			sm->syscalls_per_msg);
	if (!isnan(sm->idle_cpu_pct))
		fprintf(f, "  idle consumer past its budget, CPU %% (< 1): %.4f\n",
			sm->idle_cpu_pct);
}

static void json_summary(FILE *f, const struct wake_summary *sm)
{
	size_t g;
	int d, first = 1;

	fprintf(f, "  \"summary\": {\"uipc_over_futex_raw_p50\": [");
	for (d = 0; d < 2; d++) {
		for (g = 0; g < NGAP; g++) {
			if (isnan(sm->p50_ratio[g][d]))
				continue;
			fprintf(f, "%s{\"gap_ns\": %lld, \"dma_latency\": %s, ", first ? "" : ", ",
				(long long)gaps[g], d ? "true" : "false");
			json_num(f, "ratio", sm->p50_ratio[g][d]);
			fputc('}', f);
			first = 0;
		}
	}
	fprintf(f, "], \"best_batched_16\": ");
	bench_json_str(f, sm->best_batch ? sm->best_batch : "");
	fprintf(f, ", ");
	json_num(f, "best_batched_over_futex_each_cpu_16", sm->batch_ratio);
	fprintf(f, ", ");
	json_num(f, "idle_cpu_pct", sm->idle_cpu_pct);
	fprintf(f, ", ");
	json_num(f, "syscalls_per_msg_spinning", sm->syscalls_per_msg);
	fprintf(f, "},\n");
}

static int write_json(const char *path, const struct wake_row *rows, size_t n,
		      const struct wake_summary *sm)
{
	FILE *f = bench_json_open(path);
	size_t i;

	if (!f)
		return -errno;
	bench_report_env_json(f);
	fputs(",\n", f);
	json_summary(f, sm);
	fputs("  \"results\": [\n", f);
	for (i = 0; i < n; i++)
		json_row(f, &rows[i], i + 1 == n);
	fputs("  ]\n", f);
	return bench_json_close(f);
}

static void usage(FILE *f)
{
	fputs("usage: uipc-bench wake [--count N] [--rounds N] [--gap NS] [--mech LIST]\n"
	      "                       [--dma-latency] [--no-fan] [--spin-syscalls N]\n"
	      "                       [--idle-ms MS] [--json PATH]\n"
	      "                       [--cpu-waker C] [--cpu-sleeper C]\n"
	      "Wake-to-run latency and waker CPU per mechanism and idle gap (one\n"
	      "sleeper process): futex-raw and uipc interleaved round by round (the\n"
	      "layer's overhead), then spin, futex, uring-futex-wait, uring-wake, waitv,\n"
	      "uring-waitv, eventfd, eventfd-uring; then waker CPU for 1, 4, 16\n"
	      "sleepers: N futex wakes, one io_uring submission, one shared doorbell.\n"
	      "  --mech LIST     only these (comma list; \"pair\" = futex-raw,uipc)\n"
	      "  --dma-latency   also run the pair with the sleeper holding\n"
	      "                  /dev/cpu_dma_latency at 0 (rows marked dma_latency)\n"
	      "  --no-fan        skip the 1/4/16-sleeper waker CPU part\n"
	      "  --spin-syscalls N  stream N messages through a ring whose consumer\n"
	      "                  spins (never needs to sleep): syscalls per message\n"
	      "                  from the endpoints' counters (default 100000, 0: skip)\n"
	      "  --idle-ms MS    a consumer blocked in uipc_ring_recv_wait() with no\n"
	      "                  traffic for MS ms: idle_cpu_pct (default 2000, 0: skip)\n",
	      f);
}

static int mech_wanted(const char *list, const char *name)
{
	size_t n = strlen(name);
	const char *p = list;

	if (!list)
		return 1;
	while ((p = strstr(p, name))) {
		if ((p == list || p[-1] == ',') && (p[n] == ',' || p[n] == '\0'))
			return 1;
		p += n;
	}
	return 0;
}

static void print_lat_row(const struct wake_row *row)
{
	char name[40];

	snprintf(name, sizeof(name), "%s%s", row->mech, row->dma ? "+dma" : "");
	printf("%-18s %9lld %9llu %9llu %9llu %9llu %12.0f\n", name, (long long)row->gap_ns,
	       (unsigned long long)bench_hist_pct(&row->hist, 50),
	       (unsigned long long)bench_hist_pct(&row->hist, 99),
	       (unsigned long long)bench_hist_pct(&row->hist, 99.9),
	       (unsigned long long)bench_hist_max(&row->hist), row->waker_cpu_ns);
	fflush(stdout);
}

static void run_pairs(struct wake_row *rows, size_t *nrows, int64_t only_gap, uint64_t count,
		      int dma, int cpu_a, int cpu_b)
{
	size_t g;

	for (g = 0; g < NGAP; g++) {
		struct wake_row *raw, *ring;
		int rc;

		if (only_gap >= 0 && gaps[g] != only_gap)
			continue;
		raw = &rows[(*nrows)++];
		ring = &rows[(*nrows)++];
		snprintf(raw->mech, sizeof(raw->mech), "futex-raw");
		snprintf(ring->mech, sizeof(ring->mech), "uipc");
		raw->gap_ns = ring->gap_ns = gaps[g];
		raw->sleepers = ring->sleepers = 1;
		raw->dma = ring->dma = dma;
		rc = wake_pair_run(gaps[g], count, dma, raw, ring, cpu_a, cpu_b);
		if (rc && raw->why[0]) {
			memcpy(ring->why, raw->why, sizeof(ring->why));
			raw->skipped = raw->why;
			ring->skipped = ring->why;
			printf("%-18s %9lld %s\n", "futex-raw+dma", (long long)gaps[g], raw->why);
			continue;
		}
		if (rc) {
			row_fail(raw, "sleeper failed", rc);
			row_fail(ring, "sleeper failed", rc);
			raw->hist.count = ring->hist.count = 0;
			continue;
		}
		print_lat_row(raw);
		print_lat_row(ring);
		if (dma)
			snprintf(bench_env.cpu_dma_latency, sizeof(bench_env.cpu_dma_latency),
				 "0 (+dma rows)");
	}
}

int bench_wake_main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "count", required_argument, NULL, 'c' },
		{ "rounds", required_argument, NULL, 'r' },
		{ "gap", required_argument, NULL, 'g' },
		{ "json", required_argument, NULL, 'j' },
		{ "cpu-waker", required_argument, NULL, 'a' },
		{ "cpu-sleeper", required_argument, NULL, 'b' },
		{ "mech", required_argument, NULL, 'm' },
		{ "dma-latency", no_argument, NULL, 'D' },
		{ "no-fan", no_argument, NULL, 'F' },
		{ "spin-syscalls", required_argument, NULL, 'S' },
		{ "idle-ms", required_argument, NULL, 'I' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	static const unsigned fan_n[] = { 1, 4, MAX_SLEEPERS };
	static const char *const fan_name[] = { "futex-each", "uring-batch", "doorbell" };
	uint64_t count = 2000, rounds = 300, spin_msgs = 100000, idle_ms = 2000;
	int64_t only_gap = -1;
	const char *json = NULL, *why, *mlist = NULL;
	int cpu_a = 0, cpu_b = 1, opt, uring, dma = 0, fan = 1, rc;
	struct wake_summary sm;
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
		case 'm':
			mlist = optarg;
			break;
		case 'D':
			dma = 1;
			break;
		case 'F':
			fan = 0;
			break;
		case 'S':
			if (bench_parse_u64(optarg, &spin_msgs))
				return bench_bad_arg("wake", "--spin-syscalls", optarg);
			break;
		case 'I':
			if (bench_parse_u64(optarg, &idle_ms) || idle_ms > 3600000)
				return bench_bad_arg("wake", "--idle-ms", optarg);
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
	snprintf(bench_env.wait, sizeof(bench_env.wait), "park (per row)");
	bench_env_print(stdout);
	bench_pin(cpu_a);
	uring = uipc_wait_uring_probe(&why);
	if (!uring)
		printf("io_uring futex ops unavailable: %s\n", why);
	rows = calloc(NMECH * NGAP + 4 * NGAP + 9 + 4, sizeof(*rows));
	if (!rows)
		return 1;

	printf("\n%-18s %9s %9s %9s %9s %9s %12s\n", "mechanism", "gap_ns", "p50_ns", "p99_ns",
	       "p99.9_ns", "max_ns", "waker_cpu_ns");
	if (mech_wanted(mlist, "pair") || mech_wanted(mlist, "futex-raw") ||
	    mech_wanted(mlist, "uipc")) {
		run_pairs(rows, &nrows, only_gap, count, 0, cpu_a, cpu_b);
		if (dma)
			run_pairs(rows, &nrows, only_gap, count, 1, cpu_a, cpu_b);
	}
	for (m = 0; m < NMECH; m++) {
		if (!mech_wanted(mlist, mechs[m].name))
			continue;
		for (g = 0; g < NGAP; g++) {
			struct wake_row *row;

			if (only_gap >= 0 && gaps[g] != only_gap)
				continue;
			row = &rows[nrows++];
			snprintf(row->mech, sizeof(row->mech), "%s", mechs[m].name);
			row->gap_ns = gaps[g];
			row->sleepers = 1;
			if (mechs[m].needs_uring && !uring && !mechs[m].efd_uring) {
				row->skipped = why;
				continue;
			}
			rc = run_one(&mechs[m], gaps[g], count, row, cpu_b);
			if (rc) {
				row_fail(row, "sleeper failed", rc);
				row->hist.count = 0;
				continue;
			}
			print_lat_row(row);
		}
	}
	if (fan)
		printf("\n%-18s %9s %14s %14s\n", "fan-out wake", "sleepers", "waker_cpu_ns",
		       "per_sleeper");
	for (mode = 0; fan && mode < 3; mode++) {
		for (k = 0; k < 3; k++) {
			struct wake_row *row = &rows[nrows++];

			row->kind = WAKE_ROW_FAN;
			snprintf(row->mech, sizeof(row->mech), "%s", fan_name[mode]);
			row->sleepers = fan_n[k];
			if (mode == 1 && !uring) {
				row->skipped = why;
				continue;
			}
			rc = run_fan((int)mode, fan_n[k], rounds, row, cpu_b);
			if (rc) {
				if (rc != -ENOTSUP)
					row_fail(row, "sleeper failed", rc);
				continue;
			}
			printf("%-18s %9u %14.0f %14.0f\n", row->mech, row->sleepers,
			       row->waker_cpu_ns, row->waker_cpu_ns / row->sleepers);
			fflush(stdout);
		}
	}
	if (spin_msgs || idle_ms)
		printf("\n%-18s %s\n", "ring, waiting on", "result");
	if (spin_msgs) {
		struct wake_row *row = &rows[nrows++];

		row->kind = WAKE_ROW_SYSCALLS;
		snprintf(row->mech, sizeof(row->mech), "spin-syscalls");
		rc = wake_spin_syscalls_run(spin_msgs, row, cpu_a, cpu_b);
		if (rc)
			row_fail(row, "stream failed", rc);
		else
			printf("%-18s %llu msgs 1 us apart, budget %lld ns: %llu consumer + %llu "
			       "producer syscalls (%llu parks, %llu wakes; consumer ran dry %llu "
			       "times, spun through %llu) = %.6f per message\n",
			       row->mech, (unsigned long long)row->msgs, (long long)row->spin_ns,
			       (unsigned long long)row->syscalls_cons,
			       (unsigned long long)row->syscalls_prod,
			       (unsigned long long)row->parks, (unsigned long long)row->wakes,
			       (unsigned long long)row->waits, (unsigned long long)row->spins_won,
			       row->syscalls_per_msg);
		fflush(stdout);
	}
	if (idle_ms) {
		struct wake_row *row = &rows[nrows++];

		row->kind = WAKE_ROW_IDLE;
		snprintf(row->mech, sizeof(row->mech), "idle");
		rc = wake_idle_run((int64_t)idle_ms * 1000000, row, cpu_a, cpu_b);
		if (rc)
			row_fail(row, "idle consumer failed", rc);
		else
			printf("%-18s blocked %.3f s, budget %lld ns: CPU %.3f ms = "
			       "idle_cpu_pct %.4f\n",
			       row->mech, (double)row->wall_ns / 1e9, (long long)row->spin_ns,
			       (double)row->cpu_ns / 1e6, row->idle_cpu_pct);
	}
	summarize(rows, nrows, &sm);
	print_summary(stdout, &sm);
	if (json && write_json(json, rows, nrows, &sm)) {
		fprintf(stderr, "uipc-bench wake: cannot write %s\n", json);
		free(rows);
		return 1;
	}
	free(rows);
	return 0;
}
