/* SPDX-License-Identifier: MIT */
/* Stream runner: fork or thread, pinning, checksum, timing. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "clock.h"
#include "proc.h"
#include "stream_run.h"

static pid_t stream_peer;

int bench_stream_peer_gone(void)
{
	return stream_peer > 0 && bench_peer_gone(stream_peer);
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

int bench_stream_run(const struct bench_stream_cfg *cfg, const struct bench_stream_ops *ops,
		     struct bench_stream_result *res, const char **why)
{
	uint64_t warm = warmup_of(cfg->count), total = cfg->count + warm, expect = 0, rest, i;
	struct rx_job job = { .cfg = cfg, .ops = ops, .total = total, .warm = warm };
	struct bench_stream_rx *shared;
	uint8_t *src;
	pthread_t th;
	pid_t pid = 0;
	int rc, rrc;

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
	job.out = shared;

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
	rc = ops->tx(ops->ctx, cfg, total, src);
	stream_peer = 0;
	if (rc) {
		*why = "sender failed";
		if (pid > 0)
			bench_kill(pid);
	}
	if (ops->threads) {
		pthread_join(th, NULL);
		rrc = job.rc;
	} else {
		rrc = bench_reap(pid);
	}
	if (!rc && rrc) {
		rc = rrc;
		*why = "receiver failed";
	}
	if (!rc) {
		res->msgs = shared->msgs;
		res->ns = shared->ns;
		res->verified = shared->csum == expect;
	}
out:
	munmap(shared, sizeof(*shared));
	free(src);
	return rc;
}
