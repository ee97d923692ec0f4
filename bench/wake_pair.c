/* SPDX-License-Identifier: MIT */
/*
 * futex-raw vs uipc: what the wait layer adds to a bare futex handoff.
 *
 * One waker, one sleeper process, the same idle gap before every round,
 * and the two mechanisms alternating round by round, so both see the same
 * machine (a noisy neighbour hits both rows, not one):
 *
 *   odd rounds, futex-raw: the waker stores a stamp and the round number
 *     into one shared line and calls FUTEX_WAKE; the sleeper loops on
 *     FUTEX_WAIT(word, seen) until the word reaches the round.  No uipc
 *     code, no waiter flag: the waker always makes the syscall.
 *   even rounds, uipc: the waker uipc_ring_send()s the stamp through a
 *     ring whose endpoints have waiting enabled (futex backend); the
 *     sleeper is in uipc_ring_recv_wait() with a zero spin budget, so it
 *     parks at once, exactly like the raw sleeper.
 *
 * Both stamps travel on the line the sleeper polls, so neither row pays
 * an extra cache-line crossing.  Latency is publish-to-running in the
 * sleeper (CLOCK_MONOTONIC, both processes).
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <uipc/uipc.h>

#include "clock.h"
#include "proc.h"
#include "wake.h"

struct pair_shm {
	/* The raw line: the sleeper's futex word and the stamp with it. */
	uint32_t word; /* the last raw round published */
	uint32_t pad;
	uint64_t t_raw;
	uint8_t pad1[64 - 16];
	uint64_t acked; /* the last round the sleeper finished */
	uint8_t pad2[64 - 8];
	uint64_t count; /* rounds of each kind */
	int dma;
	int dma_err; /* the sleeper's hold_cpu_dma_latency result */
	uint64_t samples[]; /* [2 * count]: raw at 2i, uipc at 2i + 1 */
};

struct pair_arg {
	struct pair_shm *s;
	struct uipc_seg *seg;
};

static long futex(uint32_t *w, int op, uint32_t val)
{
	/* Shared futex (no FUTEX_PRIVATE_FLAG): two processes. */
	return syscall(SYS_futex, w, op, val, NULL, NULL, 0);
}

static int pair_sleeper(void *argp)
{
	struct pair_arg *a = argp;
	struct pair_shm *s = a->s;
	struct uipc_wait_opts o = UIPC_WAIT_OPTS_INIT;
	struct uipc_ring r;
	uint64_t i;
	int rc;

	o.backend = UIPC_BACKEND_FUTEX;
	o.spin_ns = 0;
	/* The request is system-wide: it covers the raw rounds as well. */
	o.hold_cpu_dma_latency = s->dma;
	rc = uipc_ring_attach(a->seg, 0, UIPC_CONSUMER, &r);
	if (!rc)
		rc = uipc_ring_wait_enable(&r, &o);
	if (rc)
		return rc;
	if (s->dma) {
		struct uipc_wait_info info;

		uipc_wait_ep_info(uipc_ring_wait_ep(&r), &info);
		s->dma_err = info.cpu_dma_latency;
		if (info.cpu_dma_latency != 1)
			return info.cpu_dma_latency < 0 ? info.cpu_dma_latency : -EIO;
	}
	for (i = 0; i < 2 * s->count; i++) {
		uint64_t now, t = 0;

		if (i % 2 == 0) {
			uint32_t want = (uint32_t)(i / 2 + 1), v;

			/* Pairs with the store-release of word by the waker. */
			while ((v = uipc_load_acquire(&s->word)) != want)
				futex(&s->word, FUTEX_WAIT, v);
			now = bench_mono_ns();
			t = UIPC_READ_ONCE(s->t_raw);
		} else {
			ssize_t n = uipc_ring_recv_wait(&r, &t, sizeof(t), -1);

			now = bench_mono_ns();
			if (n != (ssize_t)sizeof(t))
				return n < 0 ? (int)n : -EPROTO;
		}
		s->samples[i] = now - t;
		/* Pairs with the load-acquire of acked by the waker. */
		uipc_store_release(&s->acked, i + 1);
	}
	uipc_ring_detach(&r);
	return 0;
}

static int wait_ack(struct pair_shm *s, uint64_t want, pid_t pid)
{
	/* Pairs with the store-release of acked by the sleeper. */
	while (uipc_load_acquire(&s->acked) < want)
		/* The sleeper exits right after its last ack: look again. */
		if (bench_peer_gone(pid) && uipc_load_acquire(&s->acked) < want)
			return -EPIPE;
	return 0;
}

int wake_pair_run(int64_t gap, uint64_t count, int dma, struct wake_row *raw,
		  struct wake_row *ring, int cpu_a, int cpu_b)
{
	size_t len = sizeof(struct pair_shm) + 2 * count * sizeof(uint64_t);
	struct uipc_ring_opts ro = { .capacity = 4096 };
	struct uipc_seg_opts so = UIPC_SEG_OPTS_INIT;
	struct uipc_wait_opts o = UIPC_WAIT_OPTS_INIT;
	struct uipc_seg *seg;
	struct uipc_ring p;
	struct pair_shm *s;
	struct pair_arg a;
	uint64_t i, cpu[2] = { 0, 0 };
	pid_t pid;
	int rc;

	if (count > UINT32_MAX - 1)
		return -EINVAL;
	s = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (s == MAP_FAILED)
		return -errno;
	s->count = count;
	s->dma = dma;
	so.huge = UIPC_HUGE_NEVER;
	rc = uipc_ring_create(&ro, &so, &seg, NULL);
	if (rc) {
		munmap(s, len);
		return rc;
	}
	o.backend = UIPC_BACKEND_FUTEX;
	rc = uipc_ring_attach(seg, 0, UIPC_PRODUCER, &p);
	if (!rc)
		rc = uipc_ring_wait_enable(&p, &o);
	if (rc)
		goto out_seg;
	a = (struct pair_arg){ .s = s, .seg = seg };
	pid = bench_spawn(cpu_b, pair_sleeper, &a);
	if (pid < 0) {
		rc = pid;
		goto out_ring;
	}
	for (i = 0; i < 2 * count && !rc; i++) {
		uint64_t c0, t;

		wake_idle_for(gap);
		t = bench_mono_ns();
		c0 = wake_thread_cpu_ns();
		if (i % 2 == 0) {
			UIPC_WRITE_ONCE(s->t_raw, t);
			/* Pairs with the load-acquire of word by the sleeper. */
			uipc_store_release(&s->word, (uint32_t)(i / 2 + 1));
			futex(&s->word, FUTEX_WAKE, 1);
		} else {
			rc = uipc_ring_send(&p, &t, sizeof(t));
		}
		cpu[i % 2] += wake_thread_cpu_ns() - c0;
		if (!rc)
			rc = wait_ack(s, i + 1, pid);
	}
	if (rc)
		bench_kill(pid);
	i = (uint64_t)bench_reap(pid);
	if (dma && s->dma_err != 1) {
		rc = s->dma_err < 0 ? s->dma_err : -EIO;
		snprintf(raw->why, sizeof(raw->why), "cannot hold /dev/cpu_dma_latency: %s",
			 strerror(-rc));
	} else if (i && !rc) {
		rc = -EPIPE;
	}
	if (!rc) {
		bench_hist_init(&raw->hist);
		bench_hist_init(&ring->hist);
		for (i = 0; i < 2 * count; i++)
			bench_hist_record(i % 2 ? &ring->hist : &raw->hist, s->samples[i]);
		raw->waker_cpu_ns = (double)cpu[0] / (double)count;
		ring->waker_cpu_ns = (double)cpu[1] / (double)count;
	}
out_ring:
	uipc_ring_detach(&p);
out_seg:
	uipc_seg_close(seg);
	munmap(s, len);
	return rc;
}
