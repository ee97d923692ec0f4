/* SPDX-License-Identifier: MIT */
/*
 * What waiting costs when nobody needs to sleep and when nobody sends:
 *
 *   spin-syscalls: a producer streams messages through a ring, each after
 *     a pause far below the consumer's spin budget, so the consumer (in
 *     uipc_ring_recv_wait(), spin-then-park, waiting enabled on both
 *     sides) spins between messages and never sleeps.  The endpoints'
 *     syscall counters (uipc_wait_info.syscalls) say how many system calls
 *     the layer made: the target is zero per message.
 *
 *   idle: a consumer blocked in uipc_ring_recv_wait() with the default
 *     budget and no traffic for a while; its CPU time (getrusage) over the
 *     wall time.  Past the budget it sleeps in the kernel, so this is the
 *     budget plus the cost of one sleep and one wake, spread over the wait.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <uipc/uipc.h>

#include "clock.h"
#include "proc.h"
#include "wake.h"

struct idle_shm {
	uint32_t ready; /* the consumer is about to wait */
	int rc;
	int64_t spin_ns;
	uint64_t cpu_ns, wall_ns;
	/* spin-syscalls */
	uint64_t msgs, pause_ns;
	uint64_t syscalls, parks, waits, spins_won;
};

struct idle_arg {
	struct idle_shm *s;
	struct uipc_seg *seg;
};

static uint64_t rusage_ns(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru))
		return 0;
	return ((uint64_t)ru.ru_utime.tv_sec + (uint64_t)ru.ru_stime.tv_sec) * 1000000000ull +
	       ((uint64_t)ru.ru_utime.tv_usec + (uint64_t)ru.ru_stime.tv_usec) * 1000ull;
}

/* A ring of @cap bytes in a fresh segment, the producer side attached
 * here with waiting enabled. */
static int ring_setup(uint64_t cap, struct uipc_seg **seg, struct uipc_ring *p)
{
	struct uipc_ring_opts ro = { .capacity = cap };
	struct uipc_seg_opts so = UIPC_SEG_OPTS_INIT;
	int rc;

	so.huge = UIPC_HUGE_NEVER;
	rc = uipc_ring_create(&ro, &so, seg, NULL);
	if (rc)
		return rc;
	rc = uipc_ring_attach(*seg, 0, UIPC_PRODUCER, p);
	if (!rc)
		rc = uipc_ring_wait_enable(p, NULL);
	if (rc)
		uipc_seg_close(*seg);
	return rc;
}

/*
 * A fresh @cap-byte ring (ring_setup(), producer side in @p) and its
 * @consumer forked on @cpu, waited for until it is ready to receive.
 * Return: the consumer's pid, or -errno with nothing left open.
 */
static pid_t start_consumer(struct idle_shm *s, uint64_t cap, int cpu, int (*consumer)(void *),
			    struct uipc_seg **seg, struct uipc_ring *p)
{
	struct idle_arg a;
	pid_t pid;
	int rc = ring_setup(cap, seg, p);

	if (rc)
		return rc;
	a = (struct idle_arg){ .s = s, .seg = *seg };
	pid = bench_spawn(cpu, consumer, &a);
	if (pid < 0) {
		uipc_ring_detach(p);
		uipc_seg_close(*seg);
		return pid;
	}
	/* Pairs with the store-release of ready by the consumer. */
	while (!uipc_load_acquire(&s->ready))
		if (bench_peer_gone(pid))
			break;
	return pid;
}

static int attach_consumer(struct idle_arg *a, struct uipc_ring *r)
{
	struct uipc_wait_info info;
	int rc = uipc_ring_attach(a->seg, 0, UIPC_CONSUMER, r);

	/* Default options: spin-then-park, the calibrated (or tuned) budget. */
	if (!rc)
		rc = uipc_ring_wait_enable(r, NULL);
	if (!rc)
		rc = uipc_wait_ep_info(uipc_ring_wait_ep(r), &info);
	if (!rc)
		a->s->spin_ns = info.spin_ns;
	return rc;
}

static int idle_consumer(void *argp)
{
	struct idle_arg *a = argp;
	struct idle_shm *s = a->s;
	struct uipc_ring r;
	uint64_t t0, c0, v;
	ssize_t n;
	int rc = attach_consumer(a, &r);

	if (rc)
		return rc;
	c0 = rusage_ns();
	t0 = bench_mono_ns();
	/* Pairs with the load-acquire of ready by the producer. */
	uipc_store_release(&s->ready, 1u);
	n = uipc_ring_recv_wait(&r, &v, sizeof(v), -1);
	s->wall_ns = bench_mono_ns() - t0;
	s->cpu_ns = rusage_ns() - c0;
	uipc_ring_detach(&r);
	return n == (ssize_t)sizeof(v) ? 0 : n < 0 ? (int)n : -EPROTO;
}

int wake_idle_run(int64_t wall_ns, struct wake_row *row, int cpu_a, int cpu_b)
{
	struct idle_shm *s;
	struct uipc_seg *seg;
	struct uipc_ring p;
	struct timespec ts = { wall_ns / 1000000000, wall_ns % 1000000000 };
	uint64_t v = 1;
	pid_t pid;
	int rc;

	s = mmap(NULL, sizeof(*s), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (s == MAP_FAILED)
		return -errno;
	pid = start_consumer(s, 4096, cpu_b, idle_consumer, &seg, &p);
	if (pid < 0) {
		rc = pid;
		goto out_shm;
	}
	while (nanosleep(&ts, &ts))
		;
	rc = uipc_ring_send(&p, &v, sizeof(v));
	if (bench_reap(pid))
		rc = rc ? rc : -EPIPE;
	if (!rc) {
		row->wall_ns = s->wall_ns;
		row->cpu_ns = s->cpu_ns;
		row->spin_ns = s->spin_ns;
		row->idle_cpu_pct = 100.0 * (double)s->cpu_ns / (double)s->wall_ns;
	}
	uipc_ring_detach(&p);
	uipc_seg_close(seg);
out_shm:
	munmap(s, sizeof(*s));
	(void)cpu_a;
	return rc;
}

static int stream_consumer(void *argp)
{
	struct idle_arg *a = argp;
	struct idle_shm *s = a->s;
	struct uipc_wait_info info;
	struct uipc_ring r;
	uint64_t i, v;
	int rc = attach_consumer(a, &r);

	if (rc)
		return rc;
	uipc_store_release(&s->ready, 1u);
	for (i = 0; i < s->msgs; i++) {
		ssize_t n = uipc_ring_recv_wait(&r, &v, sizeof(v), -1);

		if (n != (ssize_t)sizeof(v))
			return n < 0 ? (int)n : -EPROTO;
		if (v != i)
			return -EBADMSG;
	}
	uipc_wait_ep_info(uipc_ring_wait_ep(&r), &info);
	s->syscalls = info.syscalls;
	s->parks = info.parks;
	s->waits = info.waits;
	s->spins_won = info.spins_won;
	uipc_ring_detach(&r);
	return 0;
}

int wake_spin_syscalls_run(uint64_t msgs, struct wake_row *row, int cpu_a, int cpu_b)
{
	struct uipc_wait_info info;
	struct idle_shm *s;
	struct uipc_seg *seg;
	struct uipc_ring p;
	uint64_t i;
	pid_t pid;
	int rc = 0;

	s = mmap(NULL, sizeof(*s), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (s == MAP_FAILED)
		return -errno;
	s->msgs = msgs;
	pid = start_consumer(s, 65536, cpu_b, stream_consumer, &seg, &p);
	if (pid < 0) {
		rc = pid;
		goto out_shm;
	}
	for (i = 0; i < msgs && !rc; i++) {
		rc = uipc_ring_send_wait(&p, &i, sizeof(i), 10000000000ll);
		/* 1 us apart: the consumer runs dry and spins, far inside its
		 * budget (one wake cost, ~25 us here). */
		wake_idle_for(1000);
	}
	uipc_wait_ep_info(uipc_ring_wait_ep(&p), &info);
	if (rc)
		bench_kill(pid);
	if (bench_reap(pid))
		rc = rc ? rc : -EPIPE;
	if (!rc) {
		row->msgs = msgs;
		row->syscalls_cons = s->syscalls;
		row->syscalls_prod = info.syscalls;
		row->parks = s->parks;
		row->waits = s->waits;
		row->spins_won = s->spins_won;
		row->wakes = info.wakes;
		row->spin_ns = s->spin_ns;
		row->syscalls_per_msg = (double)(s->syscalls + info.syscalls) / (double)msgs;
	}
	uipc_ring_detach(&p);
	uipc_seg_close(seg);
out_shm:
	munmap(s, sizeof(*s));
	(void)cpu_a;
	return rc;
}
