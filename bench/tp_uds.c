/* SPDX-License-Identifier: MIT */
/*
 * Unix stream socketpair round trips: `uds` blocks in read/write, `uds-poll`
 * makes both ends O_NONBLOCK and busy-polls EAGAIN (what a spinning
 * consumer of a socket would do).  Partial transfers are looped over.  The
 * round trip is tp_fd_pingpong()'s, as for every file-descriptor baseline.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <uipc/barrier.h>

#include "stream_run.h"
#include "tp_common.h"
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

static int uds_send(int fd, const void *buf, size_t n)
{
	return xfer(fd, (void *)buf, n, 1);
}

static int uds_recv(int fd, void *buf, size_t n)
{
	return xfer(fd, buf, n, 0);
}

static int run(const struct bench_pp_cfg *cfg, int poll, bench_sample_fn sample, void *ctx,
	       const char **why)
{
	struct tp_fd_pp io = { .send = uds_send, .recv = uds_recv,
			       .io_why = "transfer failed (echo process gone?)" };
	int sv[2], rc = 0, i;

	if (!cfg->size) {
		*why = "a byte stream cannot carry empty messages";
		return -ENOTSUP;
	}
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv)) {
		*why = "socketpair failed";
		return -errno;
	}
	for (i = 0; i < 2 && poll && !rc; i++)
		if (fcntl(sv[i], F_SETFL, fcntl(sv[i], F_GETFL) | O_NONBLOCK)) {
			rc = -errno;
			*why = "O_NONBLOCK failed";
		}
	if (rc) {
		close(sv[0]);
		close(sv[1]);
		return rc;
	}
	io.tx = io.rx = sv[0];
	io.peer[0] = sv[1];
	io.peer[1] = -1;
	rc = tp_fd_pingpong(cfg, &io, sample, ctx, why);
	close(sv[0]);
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

/* Stream: a batch is one send of batch * size bytes; the receiver reads a
 * batch's worth (or what remains) and checksums message by message. */
struct sctx {
	int sv[2];
	uint8_t *buf; /* batch * size */
};

static int stx(void *p, const struct bench_stream_cfg *cfg, uint64_t total, uint8_t *src)
{
	struct sctx *c = p;
	uint64_t i = 0;
	int rc = 0;

	while (!rc && i < total) {
		unsigned k;

		for (k = 0; k < cfg->batch && i < total; k++, i++) {
			bench_stream_stamp(src, i);
			memcpy(c->buf + (size_t)k * cfg->size, src, cfg->size);
		}
		rc = xfer(c->sv[0], c->buf, (size_t)k * cfg->size, 1);
	}
	return rc;
}

static int srx(void *p, const struct bench_stream_cfg *cfg, uint64_t total, uint64_t warm,
	       struct bench_stream_rx *out)
{
	struct sctx *c = p;
	uint64_t i = 0;
	int rc = 0;

	while (!rc && i < total) {
		uint64_t n = total - i < cfg->batch ? total - i : cfg->batch, k;

		rc = xfer(c->sv[1], c->buf, (size_t)n * cfg->size, 0);
		for (k = 0; !rc && k < n; k++, i++)
			bench_stream_rx_msg(out, c->buf + k * cfg->size, cfg->size, i, warm);
	}
	return rc;
}

/* Our copy of the receiver's end goes once it runs, so its death reads as
 * EPIPE instead of a send blocked (or spinning) on a full socket forever. */
static void close_rx_end(void *p)
{
	struct sctx *c = p;

	close(c->sv[1]);
	c->sv[1] = -1;
}

static int stream_run(const struct bench_stream_cfg *cfg, int poll,
		      struct bench_stream_result *res, const char **why)
{
	struct sctx c;
	struct bench_stream_ops ops = { .tx = stx, .rx = srx, .ctx = &c, .forked = close_rx_end };
	int rc = 0, i;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, c.sv)) {
		*why = "socketpair failed";
		return -errno;
	}
	for (i = 0; i < 2 && poll && !rc; i++)
		if (fcntl(c.sv[i], F_SETFL, fcntl(c.sv[i], F_GETFL) | O_NONBLOCK))
			rc = -errno;
	c.buf = malloc((size_t)cfg->batch * cfg->size);
	if (!rc && !c.buf)
		rc = -ENOMEM;
	if (rc)
		*why = "setup failed";
	else
		rc = bench_stream_run(cfg, &ops, res, why);
	free(c.buf);
	close(c.sv[0]);
	if (c.sv[1] >= 0)
		close(c.sv[1]);
	return rc;
}

static int st_uds(const struct bench_stream_cfg *cfg, struct bench_stream_result *res,
		  const char **why)
{
	return stream_run(cfg, 0, res, why);
}

static int st_uds_poll(const struct bench_stream_cfg *cfg, struct bench_stream_result *res,
		       const char **why)
{
	return stream_run(cfg, 1, res, why);
}

const struct bench_transport bench_tp_uds = {
	.name = "uds",
	.desc = "Unix stream socketpair, blocking read/write",
	.pingpong = pp_uds,
	.stream = st_uds,
};

const struct bench_transport bench_tp_uds_poll = {
	.name = "uds-poll",
	.desc = "Unix stream socketpair, O_NONBLOCK, busy-polled recv",
	.pingpong = pp_uds_poll,
	.stream = st_uds_poll,
};
