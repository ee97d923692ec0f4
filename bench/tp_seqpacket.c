/* SPDX-License-Identifier: MIT */
/*
 * Baseline "uds-seqpacket": a Unix-domain SOCK_SEQPACKET socketpair
 * between this process and a forked peer.  The kernel keeps message
 * boundaries, so one send is one message and one recv gets it whole; the
 * stream mode batches with sendmmsg/recvmmsg.
 *
 * A message must fit the sender's socket buffer (sk_sndbuf - 32 bytes), and
 * SO_SNDBUF is capped by net.core.wmem_max: a larger message is -ENOTSUP.
 */
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
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

/* ------------------------------------------------------ seqpacket I/O */

/* The kernel's per-message overhead charged against sk_sndbuf. */
#define SEQ_OVERHEAD 32

static char seq_why[160];

/* One whole message; anything but exactly n bytes is an error. */
static int msg_send(int fd, const void *buf, size_t n)
{
	for (;;) {
		ssize_t r = send(fd, buf, n, MSG_NOSIGNAL);

		if (r == (ssize_t)n)
			return 0;
		if (r >= 0)
			return -EMSGSIZE;
		if (errno != EINTR)
			return -errno;
	}
}

/* @buf has room for n + 1 bytes, so a longer message shows as too long. */
static int msg_recv(int fd, void *buf, size_t n)
{
	for (;;) {
		ssize_t r = recv(fd, buf, n + 1, 0);

		if (r == (ssize_t)n)
			return 0;
		if (r == 0)
			return -EPIPE;
		if (r > 0)
			return -EBADMSG;
		if (errno != EINTR)
			return -errno;
	}
}

static size_t wmem_max(void)
{
	unsigned long v = 0;
	FILE *f = fopen("/proc/sys/net/core/wmem_max", "r");

	if (f) {
		if (fscanf(f, "%lu", &v) != 1)
			v = 0;
		fclose(f);
	}
	return v;
}

/*
 * Make each socket's send buffer hold @depth messages of @size.  SO_SNDBUF
 * stops at net.core.wmem_max; root may go past it with SO_SNDBUFFORCE
 * (this socket only, nothing system-wide changes).
 */
static int fit_sndbuf(int fd, size_t size, unsigned depth, const char **why)
{
	size_t want = (size + SEQ_OVERHEAD + 512) * depth;
	int v = want > (size_t)(1 << 30) ? 1 << 30 : (int)want, got = 0;
	socklen_t len = sizeof(got);

	/* Never shrink the default: that throttles small-message streams. */
	if (getsockopt(fd, SOL_SOCKET, SO_SNDBUF, &got, &len) == 0 && (size_t)got >= want)
		return 0;
	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &v, sizeof(v));
	len = sizeof(got);
	if (getsockopt(fd, SOL_SOCKET, SO_SNDBUF, &got, &len) == 0 &&
	    (size_t)got >= size + SEQ_OVERHEAD)
		return 0;
	setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &v, sizeof(v));
	len = sizeof(got);
	if (getsockopt(fd, SOL_SOCKET, SO_SNDBUF, &got, &len) == 0 &&
	    (size_t)got >= size + SEQ_OVERHEAD)
		return 0;
	snprintf(seq_why, sizeof(seq_why),
		 "%zu B does not fit a socket send buffer (net.core.wmem_max=%zu; "
		 "sysctl -w net.core.wmem_max=%zu or run as root)",
		 size, wmem_max(), 2 * (size + SEQ_OVERHEAD));
	*why = seq_why;
	return -ENOTSUP;
}

static int seq_pair(int fd[2], size_t size, unsigned depth, const char **why)
{
	int err;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fd)) {
		*why = "socketpair(AF_UNIX, SOCK_SEQPACKET) failed";
		return -errno;
	}
	err = fit_sndbuf(fd[0], size, depth, why);
	if (!err)
		err = fit_sndbuf(fd[1], size, depth, why);
	if (err) {
		close(fd[0]);
		close(fd[1]);
	}
	return err;
}

/* The stream receiver's arguments. */
struct seq_run {
	int fd; /* the peer's end */
	size_t size;
	uint64_t total;
	unsigned batch;
	struct bench_stream_result *res; /* shared page */
};

static int seq_pingpong(const struct bench_pp_cfg *cfg, bench_sample_fn sample, void *ctx,
			const char **why)
{
	struct tp_fd_pp io = { .send = msg_send, .recv = msg_recv,
			       .io_why = "seqpacket send/recv failed (peer gone?)" };
	int fd[2], err;

	/* A 0-byte read is indistinguishable from the peer hanging up. */
	if (!cfg->size) {
		*why = "empty messages cannot be told from end of file";
		return -ENOTSUP;
	}
	err = seq_pair(fd, cfg->size, 2, why);
	if (err)
		return err;
	io.tx = io.rx = fd[0];
	io.peer[0] = fd[1];
	io.peer[1] = -1;
	err = tp_fd_pingpong(cfg, &io, sample, ctx, why);
	close(fd[0]);
	return err;
}

/* Receiver: recvmmsg takes up to a batch of whole messages per call. */
static int sink_main(void *arg)
{
	struct seq_run *r = arg;
	unsigned vlen = r->batch, k;
	size_t slot = r->size + 1;
	uint8_t *buf = malloc(slot * vlen), *pat = malloc(r->size);
	struct mmsghdr *mh = calloc(vlen, sizeof(*mh));
	struct iovec *iov = calloc(vlen, sizeof(*iov));
	uint64_t warm = tp_stream_warmup(r->size), rest, t0 = 0, i = 0;
	int ok = 1;

	if (!buf || !pat || !mh || !iov)
		return -ENOMEM;
	tp_fill_pattern(pat, r->size);
	/* The stamp replaces the pattern's first word: take that word out. */
	rest = tp_csum(pat, r->size) - tp_csum(pat, r->size < 8 ? r->size : 8);
	for (k = 0; k < vlen; k++) {
		iov[k].iov_base = buf + k * slot;
		iov[k].iov_len = slot;
		mh[k].msg_hdr.msg_iov = &iov[k];
		mh[k].msg_hdr.msg_iovlen = 1;
	}
	while (i < r->total) {
		uint64_t left = r->total - i;
		int n = recvmmsg(r->fd, mh, left < vlen ? (unsigned)left : vlen, MSG_WAITFORONE, NULL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		for (k = 0; k < (unsigned)n; k++, i++) {
			if (mh[k].msg_len == 0)
				return -EPIPE;
			if (mh[k].msg_len != r->size ||
			    tp_csum(buf + k * slot, r->size) != rest + tp_word0(i, r->size))
				ok = 0;
			if (i + 1 == warm)
				t0 = bench_mono_ns();
		}
	}
	r->res->ns = bench_mono_ns() - t0;
	r->res->msgs = r->total - warm;
	r->res->verified = ok;
	return 0;
}

static int seq_stream(const struct bench_stream_cfg *cfg, struct bench_stream_result *res,
		      const char **why)
{
	struct seq_run r = { .size = cfg->size };
	size_t batch = cfg->batch ? cfg->batch : 1;
	struct mmsghdr *mh = NULL;
	struct iovec *iov = NULL;
	struct tp_affinity aff;
	uint64_t sent = 0;
	uint8_t *buf = NULL;
	int fd[2] = { -1, -1 }, err;
	pid_t pid;

	if (!cfg->size) {
		*why = "empty messages cannot be told from end of file";
		return -ENOTSUP;
	}
	/* Keep a batch near 1 MiB, and within UIO_MAXIOV messages. */
	if (batch * cfg->size > (1u << 20))
		batch = (1u << 20) / cfg->size ? (1u << 20) / cfg->size : 1;
	if (batch > 1024)
		batch = 1024;
	r.batch = (unsigned)batch;
	r.total = tp_stream_warmup(cfg->size) + cfg->count;
	r.res = mmap(NULL, sizeof(*res), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	buf = malloc(batch * cfg->size);
	mh = calloc(batch, sizeof(*mh));
	iov = calloc(batch, sizeof(*iov));
	if (r.res == MAP_FAILED || !buf || !mh || !iov) {
		*why = "out of memory";
		err = -ENOMEM;
		goto out;
	}
	memset(r.res, 0, sizeof(*r.res));
	for (size_t k = 0; k < batch; k++) {
		tp_fill_pattern(buf + k * cfg->size, cfg->size);
		iov[k].iov_base = buf + k * cfg->size;
		iov[k].iov_len = cfg->size;
		mh[k].msg_hdr.msg_iov = &iov[k];
		mh[k].msg_hdr.msg_iovlen = 1;
	}
	err = seq_pair(fd, cfg->size, batch < 4 ? 4 : (unsigned)batch, why);
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
	while (sent < r.total && !err) {
		size_t k, n = r.total - sent < batch ? r.total - sent : batch, done = 0;

		for (k = 0; k < n; k++)
			tp_stamp(buf + k * cfg->size, cfg->size, sent + k);
		/* sendmmsg may stop early (signal, full buffer): send the rest. */
		while (done < n) {
			int m = sendmmsg(fd[0], mh + done, (unsigned)(n - done), MSG_NOSIGNAL);

			if (m < 0 && errno == EINTR)
				continue;
			if (m < 0) {
				err = -errno;
				*why = "sendmmsg failed (receiver gone?)";
				break;
			}
			done += (size_t)m;
		}
		sent += done;
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
	free(mh);
	free(iov);
	return err;
}

static const char *seq_unavailable(size_t size)
{
	return NULL;
}

const struct bench_transport bench_tp_uds_seqpacket = {
	.name = "uds-seqpacket",
	.desc = "Unix SOCK_SEQPACKET socketpair, blocking send/recv, sendmmsg/recvmmsg batches",
	.unavailable = seq_unavailable,
	.pingpong = seq_pingpong,
	.stream = seq_stream,
};
