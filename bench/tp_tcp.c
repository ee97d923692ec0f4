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
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "proc.h"
#include "tp_common.h"
#include "tp_pattern.h"
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

struct tcp_run {
	int fd; /* the peer's end */
	size_t size;
	uint64_t total;
	unsigned batch;
	struct bench_stream_result *res; /* shared page, stream only */
};

/* Echo every message back unchanged. */
static int pong_main(void *arg)
{
	struct tcp_run *r = arg;

	return tp_fd_echo(r->fd, r->fd, r->size, r->total, xrecv, xsend);
}

static int tcp_pingpong(const struct bench_pp_cfg *cfg, bench_sample_fn sample, void *ctx,
			const char **why)
{
	struct tcp_run r = { .size = cfg->size, .total = cfg->warmup + cfg->count };
	struct tp_fd_pp io = { .send = xsend, .recv = xrecv, .pong_main = pong_main,
			       .pong_arg = &r, .io_why = "TCP send/recv failed (peer gone?)" };
	int fd[2], err;

	if (!cfg->size) {
		*why = "a byte stream cannot carry empty messages";
		return -ENOTSUP;
	}
	err = tcp_pair(fd, why);
	if (err)
		return err;
	r.fd = fd[1];
	io.tx = io.rx = fd[0];
	io.peer[0] = fd[1];
	io.peer[1] = -1;
	err = tp_fd_pingpong(cfg, &io, sample, ctx, why);
	close(fd[0]);
	return err;
}

/*
 * Receiver: reads whatever has arrived into a buffer of a few messages
 * (as a real byte-stream reader would) and checks every complete one.
 */
static int sink_main(void *arg)
{
	struct tcp_run *r = arg;

	return tp_bytestream_sink(r->fd, xrecv_some, r->size, r->batch, r->total, r->res);
}

static int tcp_stream(const struct bench_stream_cfg *cfg, struct bench_stream_result *res,
		      const char **why)
{
	struct tcp_run r = { .size = cfg->size };
	size_t batch = cfg->batch ? cfg->batch : 1, cap;
	struct tp_affinity aff;
	uint64_t sent = 0;
	uint8_t *buf = NULL;
	int fd[2] = { -1, -1 }, err;
	pid_t pid;

	if (!cfg->size) {
		*why = "a byte stream cannot carry empty messages";
		return -ENOTSUP;
	}
	/* A batch is one send() of up to ~1 MiB: beyond that it buys nothing. */
	if (batch * cfg->size > (1u << 20))
		batch = (1u << 20) / cfg->size ? (1u << 20) / cfg->size : 1;
	cap = batch * cfg->size;
	r.batch = (unsigned)batch;
	r.total = tp_stream_warmup(cfg->size) + cfg->count;
	r.res = mmap(NULL, sizeof(*res), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	buf = malloc(cap);
	if (r.res == MAP_FAILED || !buf) {
		*why = "out of memory";
		err = -ENOMEM;
		goto out;
	}
	memset(r.res, 0, sizeof(*r.res));
	for (size_t k = 0; k < batch; k++)
		tp_fill_pattern(buf + k * cfg->size, cfg->size);
	err = tcp_pair(fd, why);
	if (err)
		goto out;
	r.fd = fd[1];
	pid = bench_spawn(cfg->cpu_rx, sink_main, &r);
	close(fd[1]);
	fd[1] = -1;
	if (pid < 0) {
		*why = "fork failed";
		err = pid;
		goto out;
	}
	tp_pin_parent(cfg->cpu_tx, &aff);
	while (sent < r.total) {
		size_t k, n = r.total - sent < batch ? r.total - sent : batch;

		for (k = 0; k < n; k++)
			tp_stamp(buf + k * cfg->size, cfg->size, sent + k);
		err = xsend(fd[0], buf, n * cfg->size);
		if (err) {
			*why = "TCP send failed (receiver gone?)";
			break;
		}
		sent += n;
	}
	tp_unpin_parent(&aff);
	if (err)
		tp_abort_peer(pid);
	else
		err = tp_reap_peer(pid, why);
	if (!err)
		*res = *r.res;
out:
	if (fd[0] >= 0)
		close(fd[0]);
	if (r.res != MAP_FAILED)
		munmap(r.res, sizeof(*res));
	free(buf);
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
