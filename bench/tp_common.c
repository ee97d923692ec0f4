/* SPDX-License-Identifier: MIT */
/* The baselines' peer handling, pinning and fd ping side (tp_common.h). */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "proc.h"
#include "tp_common.h"
#include "tp_pattern.h"

void tp_abort_peer(pid_t pid)
{
	kill(pid, SIGKILL);
	bench_reap(pid);
}

int tp_reap_peer(pid_t pid, const char **why)
{
	struct timespec ms = { 0, 1000000 };
	unsigned waited = 0;
	int err;

	while (!bench_peer_gone(pid)) {
		if (waited++ >= TP_PEER_GRACE_MS) {
			tp_abort_peer(pid);
			*why = "peer process did not finish (message lost?)";
			return -ETIMEDOUT;
		}
		nanosleep(&ms, NULL);
	}
	err = bench_reap(pid);
	if (err)
		*why = err == -ECHILD ? "peer process died of a signal" : "peer process failed";
	return err;
}

int tp_pin_parent(int cpu, struct tp_affinity *a)
{
	a->saved = sched_getaffinity(0, sizeof(a->old), &a->old) == 0;
	return bench_pin(cpu);
}

void tp_unpin_parent(struct tp_affinity *a)
{
	if (a->saved)
		sched_setaffinity(0, sizeof(a->old), &a->old);
}

static void close_peer_ends(const struct tp_fd_pp *io)
{
	for (int k = 0; k < 2; k++)
		if (io->peer[k] >= 0)
			close(io->peer[k]);
}

/* The peer's side: receive @total messages of @size bytes on @rx and send
 * each back on @tx, with the ping side's calls (the buffer has the spare
 * byte @recv may use).  Return: 0, -ENOMEM, or the first error. */
static int fd_echo(int rx, int tx, size_t size, uint64_t total,
		   int (*recv)(int fd, void *buf, size_t n),
		   int (*send)(int fd, const void *buf, size_t n))
{
	uint8_t *buf = malloc(size + 1);
	int err = 0;

	if (!buf)
		return -ENOMEM;
	for (uint64_t i = 0; i < total && !err; i++) {
		err = recv(rx, buf, size);
		if (!err)
			err = send(tx, buf, size);
	}
	free(buf);
	return err;
}

struct echo_arg {
	const struct tp_fd_pp *io;
	size_t size;
	uint64_t total;
};

static int fd_echo_main(void *arg)
{
	const struct echo_arg *e = arg;
	const struct tp_fd_pp *io = e->io;

	return fd_echo(io->peer[0], io->peer[1] >= 0 ? io->peer[1] : io->peer[0], e->size,
			  e->total, io->recv, io->send);
}

int tp_fd_pingpong(const struct bench_pp_cfg *cfg, const struct tp_fd_pp *io,
		   bench_sample_fn sample, void *ctx, const char **why)
{
	uint64_t total = cfg->warmup + cfg->count;
	struct echo_arg echo = { .io = io, .size = cfg->size, .total = total };
	struct tp_affinity aff;
	struct bench_pp_timer tm;
	uint8_t *msg = malloc(cfg->size), *back = malloc(cfg->size + 1);
	int err = 0;
	pid_t pid;

	if (!msg || !back) {
		close_peer_ends(io);
		*why = "out of memory";
		err = -ENOMEM;
		goto out;
	}
	tp_fill_pattern(msg, cfg->size);
	pid = bench_spawn(cfg->cpu_pong, fd_echo_main, &echo);
	/* Only the peer holds its ends now: its death is end of file here. */
	close_peer_ends(io);
	if (pid < 0) {
		*why = "fork failed";
		err = pid;
		goto out;
	}
	tp_pin_parent(cfg->cpu_ping, &aff);
	bench_pp_timer_init(&tm, cfg, sample, ctx);
	for (uint64_t i = 0; i < total; i++) {
		tp_stamp(msg, cfg->size, i);
		bench_pp_start(&tm);
		err = io->send(io->tx, msg, cfg->size);
		if (!err)
			err = io->recv(io->rx, back, cfg->size);
		bench_pp_stop(&tm);
		if (err) {
			*why = io->io_why;
			break;
		}
		if (!tp_echo_ok(back, msg, cfg->size, bench_pp_full_check(&tm))) {
			*why = "echoed payload differs from the one sent";
			err = -EBADMSG;
			break;
		}
		bench_pp_sample(&tm, i >= cfg->warmup);
	}
	tp_unpin_parent(&aff);
	if (err)
		tp_abort_peer(pid);
	else
		err = tp_reap_peer(pid, why);
out:
	free(msg);
	free(back);
	return err;
}


int tp_bytestream_sink(int fd, ssize_t (*read_some)(int fd, void *buf, size_t n), size_t size,
		       unsigned batch, uint64_t total, struct bench_stream_result *res)
{
	size_t cap = size * (batch ? batch : 1), have = 0, off;
	uint8_t *buf = malloc(cap), *pat = malloc(size);
	uint64_t warm = tp_stream_warmup(size), rest, t0 = 0, i = 0;
	int ok = 1, err = 0;

	if (!buf || !pat) {
		err = -ENOMEM;
		goto out;
	}
	tp_fill_pattern(pat, size);
	/* The stamp replaces the pattern's first word: take that word out. */
	rest = tp_csum(pat, size) - tp_csum(pat, size < 8 ? size : 8);
	while (i < total) {
		ssize_t n = read_some(fd, buf + have, cap - have);

		if (n < 0) {
			err = (int)n;
			goto out;
		}
		have += (size_t)n;
		for (off = 0; have - off >= size && i < total; off += size, i++) {
			if (tp_csum(buf + off, size) != rest + tp_word0(i, size))
				ok = 0;
			if (i + 1 == warm)
				t0 = bench_mono_ns();
		}
		memmove(buf, buf + off, have - off);
		have -= off;
	}
	res->ns = bench_mono_ns() - t0;
	res->msgs = total - warm;
	res->verified = ok;
out:
	free(buf);
	free(pat);
	return err;
}

struct bs_sink {
	int fd;
	ssize_t (*read_some)(int fd, void *buf, size_t n);
	size_t size;
	unsigned batch;
	uint64_t total;
	struct bench_stream_result *res; /* shared page */
};

static int bs_sink_main(void *arg)
{
	const struct bs_sink *k = arg;

	return tp_bytestream_sink(k->fd, k->read_some, k->size, k->batch, k->total, k->res);
}

int tp_bytestream_stream(const struct bench_stream_cfg *cfg, int tx, int rx,
			 int (*write_all)(int fd, const void *buf, size_t n),
			 ssize_t (*read_some)(int fd, void *buf, size_t n), const char *io_why,
			 struct bench_stream_result *res, const char **why)
{
	struct bs_sink k = { .fd = rx, .read_some = read_some, .size = cfg->size };
	size_t batch = cfg->batch ? cfg->batch : 1;
	struct tp_affinity aff;
	uint64_t sent = 0;
	uint8_t *buf;
	int err = 0;
	pid_t pid;

	if (!cfg->size) {
		close(rx);
		*why = "a byte stream cannot carry empty messages";
		return -ENOTSUP;
	}
	/* A batch is one write of up to ~1 MiB: beyond that it buys nothing. */
	if (batch * cfg->size > (1u << 20))
		batch = (1u << 20) / cfg->size ? (1u << 20) / cfg->size : 1;
	k.batch = (unsigned)batch;
	k.total = tp_stream_warmup(cfg->size) + cfg->count;
	k.res = mmap(NULL, sizeof(*res), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	buf = malloc(batch * cfg->size);
	if (k.res == MAP_FAILED || !buf) {
		close(rx);
		*why = "out of memory";
		err = -ENOMEM;
		goto out;
	}
	memset(k.res, 0, sizeof(*k.res));
	for (size_t i = 0; i < batch; i++)
		tp_fill_pattern(buf + i * cfg->size, cfg->size);
	pid = bench_spawn(cfg->cpu_rx, bs_sink_main, &k);
	close(rx);
	if (pid < 0) {
		*why = "fork failed";
		err = pid;
		goto out;
	}
	tp_pin_parent(cfg->cpu_tx, &aff);
	while (sent < k.total) {
		size_t i, n = k.total - sent < batch ? k.total - sent : batch;

		for (i = 0; i < n; i++)
			tp_stamp(buf + i * cfg->size, cfg->size, sent + i);
		err = write_all(tx, buf, n * cfg->size);
		if (err) {
			*why = io_why;
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
		*res = *k.res;
out:
	if (k.res != MAP_FAILED)
		munmap(k.res, sizeof(*res));
	free(buf);
	return err;
}
