/* SPDX-License-Identifier: MIT */
/*
 * Baselines "pipe" and "pipe-poll": one anonymous pipe per direction
 * between this process and a forked peer.  "pipe" blocks in read(2), so
 * every message costs a sleep and a cross-CPU wake; "pipe-poll" sets
 * O_NONBLOCK on both ends and spins on EAGAIN, which keeps the syscall and
 * the copy but removes the wake, isolating what the kernel path costs.
 *
 * Pipes have the default 64 KiB capacity: larger messages move in several
 * partial reads/writes, which is what an untuned program sees.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <unistd.h>

#include "tp_common.h"
#include "transport.h"

/* ------------------------------------------------------------ pipe I/O */

/*
 * Move exactly n bytes.  EAGAIN is retried at once: only the pipe-poll
 * variant's O_NONBLOCK ends return it, and spinning is that variant's
 * point.  0 at end of file: the peer is gone.
 */
static int xread(int fd, void *buf, size_t n)
{
	uint8_t *p = buf;

	while (n) {
		ssize_t r = read(fd, p, n);

		if (r > 0) {
			p += r;
			n -= (size_t)r;
		} else if (r == 0) {
			return -EPIPE;
		} else if (errno != EINTR && errno != EAGAIN) {
			return -errno;
		}
	}
	return 0;
}

static int xwrite(int fd, const void *buf, size_t n)
{
	const uint8_t *p = buf;

	while (n) {
		ssize_t r = write(fd, p, n);

		if (r > 0) {
			p += r;
			n -= (size_t)r;
		} else if (r < 0 && errno != EINTR && errno != EAGAIN) {
			return -errno;
		}
	}
	return 0;
}

/* Some bytes, at most n (stream receiver). */
static ssize_t xread_some(int fd, void *buf, size_t n)
{
	for (;;) {
		ssize_t r = read(fd, buf, n);

		if (r > 0)
			return r;
		if (r == 0)
			return -EPIPE;
		if (errno != EINTR && errno != EAGAIN)
			return -errno;
	}
}

static int set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	return fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0 ? -errno : 0;
}

static int open_pipes(int ab[2], int ba[2], int spin)
{
	if (pipe2(ab, O_CLOEXEC))
		return -errno;
	if (pipe2(ba, O_CLOEXEC)) {
		int e = -errno;

		close(ab[0]);
		close(ab[1]);
		return e;
	}
	if (spin) {
		int fds[4] = { ab[0], ab[1], ba[0], ba[1] }, i, e = 0;

		for (i = 0; i < 4 && !e; i++)
			e = set_nonblock(fds[i]);
		if (e) {
			for (i = 0; i < 4; i++)
				close(fds[i]);
			return e;
		}
	}
	return 0;
}

static int pp_common(const struct bench_pp_cfg *cfg, bench_sample_fn sample, void *ctx,
		     const char **why, int spin)
{
	struct tp_fd_pp io = { .send = xwrite, .recv = xread,
			       .io_why = "pipe read/write failed (peer gone?)" };
	int ab[2], ba[2], err;
	void (*old_pipe)(int);

	if (!cfg->size) {
		*why = "a byte stream cannot carry empty messages";
		return -ENOTSUP;
	}
	err = open_pipes(ab, ba, spin);
	if (err) {
		*why = "pipe2 failed";
		return err;
	}
	io.peer[0] = ab[0];
	io.peer[1] = ba[1];
	io.tx = ab[1];
	io.rx = ba[0];
	old_pipe = signal(SIGPIPE, SIG_IGN);
	err = tp_fd_pingpong(cfg, &io, sample, ctx, why);
	close(ab[1]);
	close(ba[0]);
	signal(SIGPIPE, old_pipe);
	return err;
}

static int stream_common(const struct bench_stream_cfg *cfg, struct bench_stream_result *res,
			 const char **why, int spin)
{
	int ab[2], ba[2], err = open_pipes(ab, ba, spin);
	void (*old_pipe)(int);

	if (err) {
		*why = "pipe2 failed";
		return err;
	}
	close(ba[0]); /* one direction is enough here */
	close(ba[1]);
	old_pipe = signal(SIGPIPE, SIG_IGN);
	err = tp_bytestream_stream(cfg, ab[1], ab[0], xwrite, xread_some,
				   "pipe write failed (receiver gone?)", res, why);
	close(ab[1]);
	signal(SIGPIPE, old_pipe);
	return err;
}

static const char *pipe_unavailable(size_t size)
{
	return NULL;
}

static int pipe_pingpong(const struct bench_pp_cfg *cfg, bench_sample_fn sample, void *ctx,
			 const char **why)
{
	return pp_common(cfg, sample, ctx, why, 0);
}

static int pipe_poll_pingpong(const struct bench_pp_cfg *cfg, bench_sample_fn sample, void *ctx,
			      const char **why)
{
	return pp_common(cfg, sample, ctx, why, 1);
}

static int pipe_stream(const struct bench_stream_cfg *cfg, struct bench_stream_result *res,
		       const char **why)
{
	return stream_common(cfg, res, why, 0);
}

static int pipe_poll_stream(const struct bench_stream_cfg *cfg, struct bench_stream_result *res,
			    const char **why)
{
	return stream_common(cfg, res, why, 1);
}

const struct bench_transport bench_tp_pipe = {
	.name = "pipe",
	.desc = "two pipes, blocking read/write (sleep + wake per message)",
	.unavailable = pipe_unavailable,
	.pingpong = pipe_pingpong,
	.stream = pipe_stream,
};

const struct bench_transport bench_tp_pipe_poll = {
	.name = "pipe-poll",
	.desc = "two O_NONBLOCK pipes, both sides spin on EAGAIN (syscall + copy, no wake)",
	.unavailable = pipe_unavailable,
	.pingpong = pipe_poll_pingpong,
	.stream = pipe_poll_stream,
};
