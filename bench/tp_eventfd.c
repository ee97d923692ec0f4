/* SPDX-License-Identifier: MIT */
/*
 * Baseline "eventfd": payload in shared memory, one eventfd per direction
 * as the doorbell, blocking read(2) on it.  This is what a careful
 * programmer builds without a lock-free ring: a memcpy into a shared slot
 * and a syscall wake per message (per batch in the stream mode, where the
 * eventfd counter carries how many slots were filled or freed).
 *
 * An eventfd has no end-of-file, so a peer that dies would leave us
 * blocked forever: a SIGCHLD handler rings our own doorbell and the
 * waiter then sees the peer gone.
 */
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "proc.h"
#include "tp_common.h"
#include "tp_pattern.h"
#include "transport.h"

/* ------------------------------------------------------ doorbells */

/* The one doorbell our side waits on, and the peer it waits for. */
static volatile sig_atomic_t peer_died;
static int watch_fd = -1;
static pid_t watch_pid;

static void on_sigchld(int sig)
{
	int saved = errno;
	uint64_t one = 1;

	if (watch_pid > 0 && bench_peer_gone(watch_pid)) {
		peer_died = 1;
		/* Unblock our waiter; it checks peer_died after every wake. */
		if (write(watch_fd, &one, sizeof(one)) < 0)
			(void)0;
	}
	errno = saved;
}

struct watch {
	struct sigaction old;
};

static void watch_peer(struct watch *w, pid_t pid, int fd)
{
	struct sigaction sa = { .sa_handler = on_sigchld, .sa_flags = SA_RESTART | SA_NOCLDSTOP };

	peer_died = 0;
	watch_fd = fd;
	watch_pid = pid;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGCHLD, &sa, &w->old);
	/* It may have died before the handler was in place. */
	on_sigchld(SIGCHLD);
}

static void unwatch_peer(struct watch *w)
{
	sigaction(SIGCHLD, &w->old, NULL);
	watch_pid = 0;
	watch_fd = -1;
}

static int ring(int fd, uint64_t n)
{
	while (write(fd, &n, sizeof(n)) < 0)
		if (errno != EINTR)
			return -errno;
	return 0;
}

/* Blocks until the counter is non-zero; returns it (and zeroes it). */
static int64_t wait_bell(int fd)
{
	uint64_t v;

	for (;;) {
		ssize_t r = read(fd, &v, sizeof(v));

		if (r == (ssize_t)sizeof(v))
			return (int64_t)v;
		if (r >= 0)
			return -EIO;
		if (errno != EINTR)
			return -errno;
	}
}

static void *shm_alloc(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

/* ------------------------------------------------------------ ping-pong */

struct efd_pp {
	int bell_ab, bell_ba; /* ping -> pong, pong -> ping */
	uint8_t *ab, *ba; /* one slot per direction */
	size_t size;
	uint64_t total;
};

/* Echo: copy the ping's slot into the reply slot, ring back. */
static int pong_main(void *arg)
{
	struct efd_pp *p = arg;
	int err = 0;

	for (uint64_t i = 0; i < p->total && !err; i++) {
		int64_t n = wait_bell(p->bell_ab);

		if (n < 0)
			return (int)n;
		memcpy(p->ba, p->ab, p->size);
		err = ring(p->bell_ba, 1);
	}
	return err;
}

static int efd_pingpong(const struct bench_pp_cfg *cfg, bench_sample_fn sample, void *ctx,
			const char **why)
{
	struct efd_pp p = { .size = cfg->size, .total = cfg->warmup + cfg->count };
	size_t slot = (cfg->size + 63) & ~(size_t)63;
	uint8_t *shm, *msg = NULL, *back = NULL;
	struct tp_affinity aff;
	struct bench_pp_timer tm;
	struct watch w;
	int err = 0;
	pid_t pid;

	shm = shm_alloc(2 * (slot ? slot : 64));
	p.bell_ab = eventfd(0, EFD_CLOEXEC);
	p.bell_ba = eventfd(0, EFD_CLOEXEC);
	msg = malloc(cfg->size + 1);
	back = malloc(cfg->size + 1);
	if (!shm || p.bell_ab < 0 || p.bell_ba < 0 || !msg || !back) {
		*why = "eventfd/mmap/malloc failed";
		err = -ENOMEM;
		goto out;
	}
	p.ab = shm;
	p.ba = shm + slot;
	tp_fill_pattern(msg, cfg->size);
	pid = bench_spawn(cfg->cpu_pong, pong_main, &p);
	if (pid < 0) {
		*why = "fork failed";
		err = pid;
		goto out;
	}
	watch_peer(&w, pid, p.bell_ba);
	tp_pin_parent(cfg->cpu_ping, &aff);
	bench_pp_timer_init(&tm, cfg, sample, ctx);
	for (uint64_t i = 0; i < p.total; i++) {
		int64_t n;

		tp_stamp(msg, cfg->size, i);
		bench_pp_start(&tm);
		memcpy(p.ab, msg, cfg->size);
		err = ring(p.bell_ab, 1);
		n = err ? err : wait_bell(p.bell_ba);
		memcpy(back, p.ba, cfg->size);
		bench_pp_stop(&tm);
		if (n < 0) {
			err = (int)n;
			*why = "eventfd read/write failed";
			break;
		}
		/* The peer exits only after its last reply. */
		if (peer_died && i + 1 < p.total) {
			err = -EPIPE;
			*why = "peer process died";
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
	unwatch_peer(&w);
	if (err)
		tp_abort_peer(pid);
	else
		err = tp_reap_peer(pid, why);
out:
	if (p.bell_ab >= 0)
		close(p.bell_ab);
	if (p.bell_ba >= 0)
		close(p.bell_ba);
	if (shm)
		munmap(shm, 2 * (slot ? slot : 64));
	free(msg);
	free(back);
	return err;
}

/* --------------------------------------------------------------- stream */

/*
 * A ring of @nslots slots in shared memory.  The sender fills up to a batch
 * of free slots and adds their count to bell_data; the receiver reads the
 * count (which also zeroes it), checks that many slots in place and hands
 * them back by adding the count to bell_free.
 */
struct efd_stream {
	int bell_data, bell_free;
	uint8_t *slots;
	size_t size, stride, nslots;
	uint64_t total;
	struct bench_stream_result *res;
};

static int sink_main(void *arg)
{
	struct efd_stream *s = arg;
	uint8_t *pat = malloc(s->size + 1);
	uint64_t warm = tp_stream_warmup(s->size), rest, t0 = 0, i = 0;
	int ok = 1, err;

	if (!pat)
		return -ENOMEM;
	tp_fill_pattern(pat, s->size);
	/* The stamp replaces the pattern's first word: take that word out. */
	rest = tp_csum(pat, s->size) - tp_csum(pat, s->size < 8 ? s->size : 8);
	while (i < s->total) {
		int64_t n = wait_bell(s->bell_data);

		if (n < 0)
			return (int)n;
		if ((uint64_t)n > s->total - i)
			return EPROTO;
		for (int64_t k = 0; k < n; k++, i++) {
			const uint8_t *m = s->slots + (i % s->nslots) * s->stride;

			if (tp_csum(m, s->size) != rest + tp_word0(i, s->size))
				ok = 0;
			if (i + 1 == warm)
				t0 = bench_mono_ns();
		}
		err = ring(s->bell_free, (uint64_t)n);
		if (err)
			return err;
	}
	s->res->ns = bench_mono_ns() - t0;
	s->res->msgs = s->total - warm;
	s->res->verified = ok;
	return 0;
}

static int efd_stream(const struct bench_stream_cfg *cfg, struct bench_stream_result *res,
		      const char **why)
{
	struct efd_stream s = { .size = cfg->size, .bell_data = -1, .bell_free = -1 };
	size_t batch = cfg->batch ? cfg->batch : 1, shm_len = 0;
	uint8_t *pat = NULL;
	uint64_t sent = 0, nfree;
	struct tp_affinity aff;
	struct watch w;
	int err = 0;
	pid_t pid;

	s.stride = (cfg->size + 63) & ~(size_t)63;
	if (!s.stride)
		s.stride = 64;
	/* Room for two batches in flight, at least 16 slots, at most ~32 MiB. */
	s.nslots = 2 * batch < 16 ? 16 : 2 * batch;
	if (s.nslots * s.stride > (32u << 20))
		s.nslots = (32u << 20) / s.stride < 2 ? 2 : (32u << 20) / s.stride;
	if (batch > s.nslots)
		batch = s.nslots;
	s.total = tp_stream_warmup(cfg->size) + cfg->count;
	shm_len = s.nslots * s.stride;
	s.slots = shm_alloc(shm_len);
	s.res = shm_alloc(sizeof(*res));
	s.bell_data = eventfd(0, EFD_CLOEXEC);
	s.bell_free = eventfd(0, EFD_CLOEXEC);
	pat = malloc(cfg->size + 1);
	if (!s.slots || !s.res || s.bell_data < 0 || s.bell_free < 0 || !pat) {
		*why = "eventfd/mmap/malloc failed";
		err = -ENOMEM;
		goto out;
	}
	tp_fill_pattern(pat, cfg->size);
	pid = bench_spawn(cfg->cpu_rx, sink_main, &s);
	if (pid < 0) {
		*why = "fork failed";
		err = pid;
		goto out;
	}
	watch_peer(&w, pid, s.bell_free);
	tp_pin_parent(cfg->cpu_tx, &aff);
	nfree = s.nslots;
	while (sent < s.total) {
		uint64_t n = s.total - sent < batch ? s.total - sent : batch;

		while (nfree < n) {
			int64_t got = wait_bell(s.bell_free);

			/* The receiver cannot be done while we still have messages. */
			if (got < 0 || peer_died) {
				err = got < 0 ? (int)got : -EPIPE;
				*why = "receiver process died";
				goto stop;
			}
			nfree += (uint64_t)got;
		}
		for (uint64_t k = 0; k < n; k++) {
			uint8_t *m = s.slots + ((sent + k) % s.nslots) * s.stride;

			memcpy(m, pat, cfg->size);
			tp_stamp(m, cfg->size, sent + k);
		}
		err = ring(s.bell_data, n);
		if (err) {
			*why = "eventfd write failed";
			break;
		}
		nfree -= n;
		sent += n;
	}
stop:
	tp_unpin_parent(&aff);
	unwatch_peer(&w);
	if (err)
		tp_abort_peer(pid);
	else
		err = tp_reap_peer(pid, why);
	if (!err)
		*res = *s.res;
out:
	if (s.bell_data >= 0)
		close(s.bell_data);
	if (s.bell_free >= 0)
		close(s.bell_free);
	if (s.slots)
		munmap(s.slots, shm_len);
	if (s.res)
		munmap(s.res, sizeof(*res));
	free(pat);
	return err;
}

static const char *efd_unavailable(size_t size)
{
	return NULL;
}

const struct bench_transport bench_tp_eventfd = {
	.name = "eventfd",
	.desc = "payload memcpy'd through shared memory, blocking eventfd doorbell per direction",
	.unavailable = efd_unavailable,
	.pingpong = efd_pingpong,
	.stream = efd_stream,
};
