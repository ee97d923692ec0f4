/* SPDX-License-Identifier: MIT */
/*
 * Baseline "tcp": one TCP connection over 127.0.0.1 (an ephemeral port,
 * never another interface) between this process and a forked peer, with
 * TCP_NODELAY so small messages are not held back by Nagle.  Blocking
 * send/recv: every message costs the loopback stack, a sleep and a wake.
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tp_common.h"
#include "transport.h"

/* ------------------------------------------------------------- TCP I/O */

/* Exactly n bytes; a closed connection is -EPIPE. */
static int xrecv(int fd, void *buf, size_t n)
{
	uint8_t *p = buf;

	while (n) {
		ssize_t r = recv(fd, p, n, 0);

		if (r > 0) {
			p += r;
			n -= (size_t)r;
		} else if (r == 0) {
			return -EPIPE;
		} else if (errno != EINTR) {
			return -errno;
		}
	}
	return 0;
}

/* MSG_NOSIGNAL: a dead peer is an error code here, not a SIGPIPE. */
static int xsend(int fd, const void *buf, size_t n)
{
	const uint8_t *p = buf;

	while (n) {
		ssize_t r = send(fd, p, n, MSG_NOSIGNAL);

		if (r > 0) {
			p += r;
			n -= (size_t)r;
		} else if (r < 0 && errno != EINTR) {
			return -errno;
		}
	}
	return 0;
}

static ssize_t xrecv_some(int fd, void *buf, size_t n)
{
	for (;;) {
		ssize_t r = recv(fd, buf, n, 0);

		if (r > 0)
			return r;
		if (r == 0)
			return -EPIPE;
		if (errno != EINTR)
			return -errno;
	}
}

/*
 * A connected pair over loopback: listen on port 0 (the kernel picks a
 * free one), connect, accept, close the listener.
 */
static int tcp_pair(int fd[2], const char **why)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t alen = sizeof(a);
	int one = 1, err = 0, ls;

	fd[0] = fd[1] = -1;
	ls = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (ls < 0) {
		*why = "socket(AF_INET) failed";
		return -errno;
	}
	if (bind(ls, (struct sockaddr *)&a, sizeof(a)) || listen(ls, 1) ||
	    getsockname(ls, (struct sockaddr *)&a, &alen)) {
		*why = "cannot listen on 127.0.0.1 (is the loopback interface up?)";
		err = -errno;
		goto out;
	}
	fd[1] = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd[1] < 0 || connect(fd[1], (struct sockaddr *)&a, sizeof(a))) {
		*why = "cannot connect to 127.0.0.1";
		err = -errno;
		goto out;
	}
	fd[0] = accept4(ls, NULL, NULL, SOCK_CLOEXEC);
	if (fd[0] < 0) {
		*why = "accept failed";
		err = -errno;
		goto out;
	}
	if (setsockopt(fd[0], IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) ||
	    setsockopt(fd[1], IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one))) {
		*why = "setsockopt(TCP_NODELAY) failed";
		err = -errno;
	}
out:
	close(ls);
	if (err) {
		if (fd[0] >= 0)
			close(fd[0]);
		if (fd[1] >= 0)
			close(fd[1]);
	}
	return err;
}

static int tcp_pingpong(const struct bench_pp_cfg *cfg, bench_sample_fn sample, void *ctx,
			const char **why)
{
	struct tp_fd_pp io = { .send = xsend, .recv = xrecv,
			       .io_why = "TCP send/recv failed (peer gone?)" };
	int fd[2], err;

	if (!cfg->size) {
		*why = "a byte stream cannot carry empty messages";
		return -ENOTSUP;
	}
	err = tcp_pair(fd, why);
	if (err)
		return err;
	io.tx = io.rx = fd[0];
	io.peer[0] = fd[1];
	io.peer[1] = -1;
	err = tp_fd_pingpong(cfg, &io, sample, ctx, why);
	close(fd[0]);
	return err;
}

static int tcp_stream(const struct bench_stream_cfg *cfg, struct bench_stream_result *res,
		      const char **why)
{
	int fd[2], err = tcp_pair(fd, why);

	if (err)
		return err;
	err = tp_bytestream_stream(cfg, fd[0], fd[1], xsend, xrecv_some,
				   "TCP send failed (receiver gone?)", res, why);
	close(fd[0]);
	return err;
}

static const char *tcp_unavailable(size_t size)
{
	return NULL;
}

const struct bench_transport bench_tp_tcp = {
	.name = "tcp",
	.desc = "TCP over 127.0.0.1, TCP_NODELAY, blocking send/recv",
	.unavailable = tcp_unavailable,
	.pingpong = tcp_pingpong,
	.stream = tcp_stream,
};
