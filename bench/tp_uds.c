/* SPDX-License-Identifier: MIT */
/*
 * Unix stream socketpair round trips: `uds` blocks in read/write, `uds-poll`
 * makes both ends O_NONBLOCK and busy-polls EAGAIN (what a spinning
 * consumer of a socket would do).  Partial transfers are looped over.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <uipc/barrier.h>

#include "clock.h"
#include "proc.h"
#include "transport.h"

/* Move exactly @len bytes; spins on EAGAIN (the O_NONBLOCK variant).
 * Return: 0, -EPIPE on EOF, -errno. */
static int xfer(int fd, void *buf, size_t len, int writing)
{
	uint8_t *p = buf;

	while (len) {
		ssize_t n = writing ? send(fd, p, len, MSG_NOSIGNAL) : recv(fd, p, len, 0);

		if (n > 0) {
			p += n;
			len -= (size_t)n;
		} else if (n == 0) {
			return -EPIPE;
		} else if (errno == EAGAIN) {
			uipc_cpu_relax();
		} else if (errno != EINTR) {
			return -errno;
		}
	}
	return 0;
}

struct pong_arg {
	int fd;
	size_t size;
	uint64_t total;
};

static int pong(void *p)
{
	const struct pong_arg *a = p;
	uint8_t *buf = malloc(a->size + 1);
	uint64_t i;
	int rc = buf ? 0 : -ENOMEM;

	for (i = 0; i < a->total && !rc; i++) {
		rc = xfer(a->fd, buf, a->size, 0);
		if (!rc)
			rc = xfer(a->fd, buf, a->size, 1);
	}
	free(buf);
	return rc;
}

static int run(const struct bench_pp_cfg *cfg, int poll, bench_sample_fn sample, void *ctx,
	       const char **why)
{
	struct pong_arg pa = { .size = cfg->size, .total = cfg->warmup + cfg->count };
	uint8_t *src = NULL, *dst = NULL;
	int sv[2], rc = 0, i, prc;
	uint64_t k;
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv)) {
		*why = "socketpair failed";
		return -errno;
	}
	for (i = 0; i < 2 && poll; i++) {
		if (fcntl(sv[i], F_SETFL, fcntl(sv[i], F_GETFL) | O_NONBLOCK)) {
			rc = -errno;
			*why = "O_NONBLOCK failed";
			goto out;
		}
	}
	src = malloc(cfg->size + 8);
	dst = malloc(cfg->size + 8);
	if (!src || !dst) {
		rc = -ENOMEM;
		*why = "out of memory";
		goto out;
	}
	memset(src, 0x3c, cfg->size);
	pa.fd = sv[1];
	pid = bench_spawn(cfg->cpu_pong, pong, &pa);
	if (pid < 0) {
		rc = pid;
		*why = "fork failed";
		goto out;
	}
	/* Our copy of the peer's end goes, so its death reads as EOF. */
	close(sv[1]);
	sv[1] = -1;
	for (k = 0; k < pa.total; k++) {
		uint64_t t0, t1;

		if (cfg->size >= 8)
			memcpy(src, &k, 8);
		t0 = bench_ticks_start();
		rc = xfer(sv[0], src, cfg->size, 1);
		if (!rc)
			rc = xfer(sv[0], dst, cfg->size, 0);
		t1 = bench_ticks_end();
		if (!rc && cfg->size >= 8 && memcmp(dst, &k, 8))
			rc = -EPROTO;
		if (rc) {
			*why = rc == -EPIPE ? "echo process died" : "transfer failed";
			break;
		}
		if (k >= cfg->warmup)
			sample(ctx, bench_ticks_to_ns(t1 - t0));
	}
	if (rc)
		bench_kill(pid);
	prc = bench_reap(pid);
	if (!rc && prc) {
		rc = prc;
		*why = "echo process failed";
	}
out:
	free(src);
	free(dst);
	for (i = 0; i < 2; i++)
		if (sv[i] >= 0)
			close(sv[i]);
	return rc;
}

static int pp_uds(const struct bench_pp_cfg *cfg, bench_sample_fn sample, void *ctx,
		  const char **why)
{
	return run(cfg, 0, sample, ctx, why);
}

static int pp_uds_poll(const struct bench_pp_cfg *cfg, bench_sample_fn sample, void *ctx,
		       const char **why)
{
	return run(cfg, 1, sample, ctx, why);
}

const struct bench_transport bench_tp_uds = {
	.name = "uds",
	.desc = "Unix stream socketpair, blocking read/write",
	.pingpong = pp_uds,
};

const struct bench_transport bench_tp_uds_poll = {
	.name = "uds-poll",
	.desc = "Unix stream socketpair, O_NONBLOCK, busy-polled recv",
	.pingpong = pp_uds_poll,
};
