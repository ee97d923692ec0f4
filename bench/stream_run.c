/* SPDX-License-Identifier: MIT */
/* Stream runner: fork or thread, pinning, checksum, timing. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>

#include "clock.h"
#include "proc.h"
#include "stream_run.h"

/* One shared page per run: the receiver's result and the two flags both
 * sides poll, visible to a forked receiver and to a thread alike. */
struct shared {
	struct bench_stream_rx rx;
	uint32_t stop; /* runner -> receiver: give up */
	uint32_t rx_done; /* receiver -> sender: it returned */
};

unsigned bench_stream_rx_grace_ms = 10000;

static pid_t stream_peer;
static struct shared *stream_sh;

int bench_stream_peer_gone(void)
{
	if (stream_sh && __atomic_load_n(&stream_sh->rx_done, __ATOMIC_ACQUIRE))
		return 1;
	return stream_peer > 0 && bench_peer_gone(stream_peer);
}

int bench_stream_stopped(void)
{
	return stream_sh && __atomic_load_n(&stream_sh->stop, __ATOMIC_ACQUIRE);
}

/* Warm-up: a tenth of the run, at most 10000 messages. */
static uint64_t warmup_of(uint64_t count)
{
	uint64_t w = count / 10;

	return w > 10000 ? 10000 : w;
}

void bench_stream_rx_msg(struct bench_stream_rx *rx, const void *p, size_t n, uint64_t seen,
			 uint64_t warm)
{
	rx->csum += bench_csum(p, n);
	if (seen + 1 == warm)
		rx->t0 = bench_ticks_end();
}

struct rx_job {
	const struct bench_stream_cfg *cfg;
	const struct bench_stream_ops *ops;
	uint64_t total, warm;
	struct bench_stream_rx *out; /* shared with the parent */
	struct shared *sh;
	int rc;
};

static int rx_body(void *p)
{
	struct rx_job *j = p;
	uint64_t t1;
	int rc;

	j->out->t0 = 0;
	rc = j->ops->rx(j->ops->ctx, j->cfg, j->total, j->warm, j->out);
	t1 = bench_ticks_end();
	if (!rc) {
		/* warm == 0: the clock started with the first message */
		j->out->msgs = j->total - j->warm;
		j->out->ns = j->out->t0 ? bench_ticks_to_ns(t1 - j->out->t0) : 0;
	}
	/* Pairs with the acquire in bench_stream_peer_gone() and wait_rx(). */
	__atomic_store_n(&j->sh->rx_done, 1, __ATOMIC_RELEASE);
	return rc;
}

static void *rx_thread(void *p)
{
	struct rx_job *j = p;

	j->rc = bench_pin(j->cfg->cpu_rx);
	if (!j->rc)
		j->rc = rx_body(j);
	return NULL;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/*
 * The sender is done (or failed: @stop): give the receiver the grace
 * period, then stop it.  A process is killed; a thread is told through
 * the stop flag, which every receiver loop polls.  Return: 0 or
 * -ETIMEDOUT.
 */
static int wait_rx(struct shared *sh, pid_t pid, int stop)
{
	uint64_t end = now_ms() + bench_stream_rx_grace_ms;
	struct timespec ms = { 0, 1000000 };

	if (stop) {
		__atomic_store_n(&sh->stop, 1, __ATOMIC_RELEASE);
		/* A receiver that is done is exiting with its own status: a
		 * kill now would replace that status with the signal. */
		if (pid > 0 && !__atomic_load_n(&sh->rx_done, __ATOMIC_ACQUIRE))
			bench_kill(pid);
		return 0;
	}
	while (!__atomic_load_n(&sh->rx_done, __ATOMIC_ACQUIRE) &&
	       !(pid > 0 && bench_peer_gone(pid))) {
		if (now_ms() > end) {
			__atomic_store_n(&sh->stop, 1, __ATOMIC_RELEASE);
			if (pid > 0)
				bench_kill(pid);
			return -ETIMEDOUT;
		}
		nanosleep(&ms, NULL);
	}
	return 0;
}

int bench_stream_run(const struct bench_stream_cfg *cfg, const struct bench_stream_ops *ops,
		     struct bench_stream_result *res, const char **why)
{
	uint64_t warm = warmup_of(cfg->count), total = cfg->count + warm, expect = 0, rest, i;
	struct rx_job job = { .cfg = cfg, .ops = ops, .total = total, .warm = warm };
	struct shared *shared;
	uint8_t *src;
	pthread_t th;
	pid_t pid = 0;
	int rc, rrc, late, rx_first;

	if (cfg->size < 8 || !cfg->count) {
		*why = "stream needs messages of at least 8 bytes";
		return -ENOTSUP;
	}
	if (!warm)
		warm = job.warm = 1, total = job.total = cfg->count + 1;
	src = malloc(cfg->size);
	shared = mmap(NULL, sizeof(*shared), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
		      -1, 0);
	if (!src || shared == MAP_FAILED) {
		free(src);
		*why = "out of memory";
		return -ENOMEM;
	}
	memset(shared, 0, sizeof(*shared));
	for (i = 0; i < cfg->size; i++)
		src[i] = (uint8_t)(i * 7 + 1);
	bench_stream_stamp(src, 0);
	rest = bench_csum(src, cfg->size);
	for (i = 0; i < total; i++)
		expect += i + rest;
	job.out = &shared->rx;
	job.sh = shared;
	stream_sh = shared;

	if (ops->threads) {
		rc = pthread_create(&th, NULL, rx_thread, &job);
		if (rc) {
			rc = -rc;
			*why = "pthread_create failed";
			goto out;
		}
	} else {
		pid = bench_spawn(cfg->cpu_rx, rx_body, &job);
		if (pid < 0) {
			rc = pid;
			*why = "fork failed";
			goto out;
		}
	}
	stream_peer = pid;
	if (pid > 0 && ops->forked)
		ops->forked(ops->ctx);
	rc = ops->tx(ops->ctx, cfg, total, src);
	stream_peer = 0;
	rx_first = __atomic_load_n(&shared->rx_done, __ATOMIC_ACQUIRE);
	if (rc)
		*why = "sender failed";
	late = wait_rx(shared, pid, rc != 0);
	if (ops->threads) {
		pthread_join(th, NULL);
		rrc = job.rc;
	} else {
		rrc = bench_reap(pid);
	}
	if (!rc && late) {
		rc = late;
		*why = "receiver did not finish within the grace period after the sender";
	} else if (rrc && (!rc || rx_first)) {
		/* a sender that stopped because the receiver had is not the cause */
		rc = rrc;
		*why = "receiver failed";
	}
	if (!rc) {
		res->msgs = shared->rx.msgs;
		res->ns = shared->rx.ns;
		res->verified = shared->rx.csum == expect;
	}
out:
	stream_sh = NULL;
	munmap(shared, sizeof(*shared));
	free(src);
	return rc;
}
