/* SPDX-License-Identifier: MIT */
/*
 * Baseline "zmq": a ZeroMQ PAIR socket pair over ipc:// (a Unix socket in
 * a private temporary directory, removed afterwards).  Each process makes
 * its own context after the fork: a context is never shared across fork.
 * The pong echoes the received zmq_msg_t itself (no copy); the ping sends
 * from and receives into plain buffers, as most applications do.
 *
 * ZeroMQ hides a dead peer (it just reconnects), so blocking calls carry a
 * one-second timeout and a timeout asks whether the peer still lives.
 */
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "baselines_config.h"
#include "clock.h"
#include "proc.h"
#include "tp_common.h"
#include "tp_pattern.h"
#include "transport.h"

#if BENCH_HAVE_ZMQ
#include <zmq.h>

/* ------------------------------------------------------------ sockets */

/* How long a blocking call waits before asking whether the peer lives. */
#define ZMQ_PATIENCE_MS 1000

struct zmq_run {
	char dir[64];
	char endpoint[96];
	size_t size;
	uint64_t total;
	pid_t peer; /* for the parent's liveness checks; 0 in the peer */
	struct bench_stream_result *res;
};

struct zside {
	void *ctx, *sock;
};

static void zclose(struct zside *z)
{
	if (z->sock)
		zmq_close(z->sock);
	if (z->ctx)
		zmq_ctx_term(z->ctx);
	z->sock = z->ctx = NULL;
}

/* Our end: the parent binds, the peer connects (ZeroMQ retries until
 * the bind exists, so the order does not matter). */
static int zopen(struct zside *z, const struct zmq_run *r, int bind_it)
{
	int ms = ZMQ_PATIENCE_MS, linger = ZMQ_PATIENCE_MS;

	z->sock = NULL;
	z->ctx = zmq_ctx_new();
	if (!z->ctx)
		return -errno;
	z->sock = zmq_socket(z->ctx, ZMQ_PAIR);
	if (!z->sock || zmq_setsockopt(z->sock, ZMQ_RCVTIMEO, &ms, sizeof(ms)) ||
	    zmq_setsockopt(z->sock, ZMQ_SNDTIMEO, &ms, sizeof(ms)) ||
	    zmq_setsockopt(z->sock, ZMQ_LINGER, &linger, sizeof(linger)) ||
	    (bind_it ? zmq_bind(z->sock, r->endpoint) : zmq_connect(z->sock, r->endpoint))) {
		int e = -zmq_errno();

		zclose(z);
		return e;
	}
	return 0;
}

/* A timeout is only an error if the peer is gone. */
static int patient(const struct zmq_run *r)
{
	int e = zmq_errno();

	if (e == EINTR)
		return 0;
	if (e == EAGAIN)
		return r->peer && bench_peer_gone(r->peer) ? -EPIPE : 0;
	return -e;
}

static int zsend(void *s, const struct zmq_run *r, const void *buf, size_t n)
{
	int err;

	while (zmq_send(s, buf, n, 0) < 0)
		if ((err = patient(r)))
			return err;
	return 0;
}

/* Exactly n bytes, or -EBADMSG (zmq_recv reports the untruncated size). */
static int zrecv(void *s, const struct zmq_run *r, void *buf, size_t n)
{
	int got, err;

	while ((got = zmq_recv(s, buf, n, 0)) < 0)
		if ((err = patient(r)))
			return err;
	return (size_t)got == n ? 0 : -EBADMSG;
}

static int make_endpoint(struct zmq_run *r, const char **why)
{
	snprintf(r->dir, sizeof(r->dir), "/tmp/uipc-bench-zmq-XXXXXX");
	if (!mkdtemp(r->dir)) {
		*why = "mkdtemp in /tmp failed";
		return -errno;
	}
	snprintf(r->endpoint, sizeof(r->endpoint), "ipc://%s/s", r->dir);
	return 0;
}

static void remove_endpoint(struct zmq_run *r)
{
	char path[96];

	snprintf(path, sizeof(path), "%s/s", r->dir);
	unlink(path);
	rmdir(r->dir);
}

/*
 * Make the endpoint, fork @peer_main on @cpu and bind our socket there.
 * The fork comes before any context exists here: ZeroMQ threads do not
 * survive fork.  Return: the peer's pid, or -errno with *@why set and
 * nothing left behind.
 */
static pid_t start_peer(struct zmq_run *r, int cpu, int (*peer_main)(void *), struct zside *z,
			const char **why)
{
	pid_t pid;
	int err = make_endpoint(r, why);

	if (err)
		return err;
	pid = bench_spawn(cpu, peer_main, r);
	if (pid < 0) {
		*why = "fork failed";
		remove_endpoint(r);
		return pid;
	}
	r->peer = pid;
	err = zopen(z, r, 1);
	if (err) {
		*why = "zmq socket/bind failed";
		tp_abort_peer(pid);
		remove_endpoint(r);
		return err;
	}
	return pid;
}

/* ------------------------------------------------------------ ping-pong */

/* Echo the very message received: no copy on this side. */
static int pong_main(void *arg)
{
	struct zmq_run *r = arg;
	struct zside z;
	zmq_msg_t m;
	int err;

	r->peer = 0;
	err = zopen(&z, r, 0);
	if (err)
		return err;
	zmq_msg_init(&m);
	for (uint64_t i = 0; i < r->total && !err; i++) {
		while (zmq_msg_recv(&m, z.sock, 0) < 0 && !err)
			err = patient(r);
		while (!err && zmq_msg_send(&m, z.sock, 0) < 0)
			err = patient(r);
	}
	zmq_msg_close(&m);
	zclose(&z);
	return err;
}

static int zmq_pingpong(const struct bench_pp_cfg *cfg, bench_sample_fn sample, void *ctx,
			const char **why)
{
	struct zmq_run r = { .size = cfg->size, .total = cfg->warmup + cfg->count };
	uint8_t *msg = malloc(cfg->size + 1), *back = malloc(cfg->size + 1);
	struct tp_affinity aff;
	struct bench_pp_timer tm;
	struct zside z = { 0 };
	int err;
	pid_t pid;

	if (!msg || !back) {
		free(msg);
		free(back);
		*why = "out of memory";
		return -ENOMEM;
	}
	tp_fill_pattern(msg, cfg->size);
	pid = start_peer(&r, cfg->cpu_pong, pong_main, &z, why);
	if (pid < 0) {
		err = pid;
		goto out_mem;
	}
	tp_pin_parent(cfg->cpu_ping, &aff);
	bench_pp_timer_init(&tm, cfg, sample, ctx);
	for (uint64_t i = 0; i < r.total; i++) {
		tp_stamp(msg, cfg->size, i);
		bench_pp_start(&tm);
		err = zsend(z.sock, &r, msg, cfg->size);
		if (!err)
			err = zrecv(z.sock, &r, back, cfg->size);
		bench_pp_stop(&tm);
		if (err) {
			*why = err == -EPIPE ? "peer process died" : "zmq_send/zmq_recv failed";
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
	zclose(&z);
	remove_endpoint(&r);
out_mem:
	free(msg);
	free(back);
	return err;
}

/* --------------------------------------------------------------- stream */

static int sink_main(void *arg)
{
	struct zmq_run *r = arg;
	uint8_t *buf = malloc(r->size + 1), *pat = malloc(r->size + 1);
	uint64_t warm = tp_stream_warmup(r->size), rest, t0 = 0;
	struct zside z;
	int ok = 1, err;

	if (!buf || !pat)
		return -ENOMEM;
	tp_fill_pattern(pat, r->size);
	/* The stamp replaces the pattern's first word: take that word out. */
	rest = tp_csum(pat, r->size) - tp_csum(pat, r->size < 8 ? r->size : 8);
	r->peer = 0;
	err = zopen(&z, r, 0);
	if (err)
		return err;
	for (uint64_t i = 0; i < r->total && !err; i++) {
		err = zrecv(z.sock, r, buf, r->size);
		if (err == -EBADMSG) {
			ok = 0;
			err = 0;
		} else if (!err && tp_csum(buf, r->size) != rest + tp_word0(i, r->size)) {
			ok = 0;
		}
		if (i + 1 == warm)
			t0 = bench_mono_ns();
	}
	r->res->ns = bench_mono_ns() - t0;
	r->res->msgs = r->total - warm;
	r->res->verified = ok;
	zclose(&z);
	return err;
}

static int zmq_stream(const struct bench_stream_cfg *cfg, struct bench_stream_result *res,
		      const char **why)
{
	struct zmq_run r = { .size = cfg->size };
	uint8_t *buf = malloc(cfg->size + 1);
	struct tp_affinity aff;
	struct zside z = { 0 };
	int err = 0;
	pid_t pid;

	r.total = tp_stream_warmup(cfg->size) + cfg->count;
	r.res = mmap(NULL, sizeof(*res), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (r.res == MAP_FAILED || !buf) {
		*why = "out of memory";
		err = -ENOMEM;
		goto out_mem;
	}
	memset(r.res, 0, sizeof(*r.res));
	tp_fill_pattern(buf, cfg->size);
	pid = start_peer(&r, cfg->cpu_rx, sink_main, &z, why);
	if (pid < 0) {
		err = pid;
		goto out_mem;
	}
	tp_pin_parent(cfg->cpu_tx, &aff);
	/* ZeroMQ batches on its own I/O thread: one zmq_send per message. */
	for (uint64_t i = 0; i < r.total && !err; i++) {
		tp_stamp(buf, cfg->size, i);
		err = zsend(z.sock, &r, buf, cfg->size);
		if (err)
			*why = err == -EPIPE ? "receiver process died" : "zmq_send failed";
	}
	tp_unpin_parent(&aff);
	if (err)
		tp_abort_peer(pid);
	else
		err = tp_reap_peer(pid, why);
	if (!err)
		*res = *r.res;
	zclose(&z);
	remove_endpoint(&r);
out_mem:
	if (r.res != MAP_FAILED)
		munmap(r.res, sizeof(*res));
	free(buf);
	return err;
}

static const char *zmq_unavailable(size_t size)
{
	return NULL;
}

const struct bench_transport bench_tp_zmq = {
	.name = "zmq",
	.desc = "ZeroMQ PAIR sockets over ipc:// (blocking send/recv)",
	.unavailable = zmq_unavailable,
	.pingpong = zmq_pingpong,
	.stream = zmq_stream,
};

#else /* !BENCH_HAVE_ZMQ */

static const char *zmq_unavailable(size_t size)
{
	return "libzmq was not found when uipc-bench was configured: "
	       "apt-get install libzmq3-dev, then meson setup --reconfigure";
}

const struct bench_transport bench_tp_zmq = {
	.name = "zmq",
	.desc = "ZeroMQ PAIR sockets over ipc:// (not built: libzmq missing)",
	.unavailable = zmq_unavailable,
};

#endif /* BENCH_HAVE_ZMQ */
