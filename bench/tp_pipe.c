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
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "proc.h"
#include "tp_common.h"
#include "tp_pattern.h"
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

struct pipe_run {
	int rx, tx; /* the peer's ends */
	size_t size;
	uint64_t total;
	unsigned batch;
	struct bench_stream_result *res; /* shared page, stream only */
};

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
		int fds[4] = { ab[0], ab[1], ba[0], ba[1] };

		for (int i = 0; i < 4; i++)
			if (set_nonblock(fds[i]))
				return -errno;
	}
	return 0;
}

/* Echo every message back unchanged. */
static int pong_main(void *arg)
{
	struct pipe_run *r = arg;

	return tp_fd_echo(r->rx, r->tx, r->size, r->total, xread, xwrite);
}

static int pp_common(const struct bench_pp_cfg *cfg, bench_sample_fn sample, void *ctx,
		     const char **why, int spin)
{
	struct pipe_run r = { .size = cfg->size, .total = cfg->warmup + cfg->count };
	struct tp_fd_pp io = { .send = xwrite, .recv = xread, .pong_main = pong_main,
			       .pong_arg = &r, .io_why = "pipe read/write failed (peer gone?)" };
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
	r.rx = io.peer[0] = ab[0];
	r.tx = io.peer[1] = ba[1];
	io.tx = ab[1];
	io.rx = ba[0];
	old_pipe = signal(SIGPIPE, SIG_IGN);
	err = tp_fd_pingpong(cfg, &io, sample, ctx, why);
	close(ab[1]);
	close(ba[0]);
	signal(SIGPIPE, old_pipe);
	return err;
}

/*
 * Receiver: reads whatever is available into a buffer of a few messages
 * (as a real byte-stream reader would) and checks every complete one.
 */
static int sink_main(void *arg)
{
	struct pipe_run *r = arg;

	return tp_bytestream_sink(r->rx, xread_some, r->size, r->batch, r->total, r->res);
}

static int stream_common(const struct bench_stream_cfg *cfg, struct bench_stream_result *res,
			 const char **why, int spin)
{
	int ab[2], ba[2], err;
	struct tp_affinity aff;
	struct pipe_run r = { .size = cfg->size };
	size_t batch = cfg->batch ? cfg->batch : 1, cap;
	void (*old_pipe)(int);
	uint8_t *buf;
	uint64_t sent = 0;
	pid_t pid;

	if (!cfg->size) {
		*why = "a byte stream cannot carry empty messages";
		return -ENOTSUP;
	}
	/* Keep a batch's buffer near 1 MiB: beyond that a bigger write buys nothing. */
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
		goto out_mem;
	}
	memset(r.res, 0, sizeof(*r.res));
	for (size_t k = 0; k < batch; k++)
		tp_fill_pattern(buf + k * cfg->size, cfg->size);
	err = open_pipes(ab, ba, spin);
	if (err) {
		*why = "pipe2 failed";
		goto out_mem;
	}
	r.rx = ab[0];
	old_pipe = signal(SIGPIPE, SIG_IGN);
	pid = bench_spawn(cfg->cpu_rx, sink_main, &r);
	close(ab[0]);
	close(ba[0]);
	close(ba[1]);
	if (pid < 0) {
		close(ab[1]);
		*why = "fork failed";
		err = pid;
		goto out_sig;
	}
	tp_pin_parent(cfg->cpu_tx, &aff);
	while (sent < r.total) {
		size_t k, n = r.total - sent < batch ? r.total - sent : batch;

		for (k = 0; k < n; k++)
			tp_stamp(buf + k * cfg->size, cfg->size, sent + k);
		err = xwrite(ab[1], buf, n * cfg->size);
		if (err) {
			*why = "pipe write failed (receiver gone?)";
			break;
		}
		sent += n;
	}
	tp_unpin_parent(&aff);
	close(ab[1]);
	if (err)
		tp_abort_peer(pid);
	else
		err = tp_reap_peer(pid, why);
	if (!err)
		*res = *r.res;
out_sig:
	signal(SIGPIPE, old_pipe);
out_mem:
	if (r.res != MAP_FAILED)
		munmap(r.res, sizeof(*res));
	free(buf);
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
