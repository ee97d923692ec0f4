/* SPDX-License-Identifier: MIT */
/*
 * io_uring park and wake: FUTEX_WAIT / FUTEX_WAITV plus a poll on each
 * peer's liveness fd plus a timeout in one wait; FUTEX_WAKE SQEs collected
 * and submitted together.  The run-time probe (IORING_REGISTER_PROBE)
 * decides; a kernel or build without the ops falls back to futex(2).
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "uring_compat.h"
#include "wait_internal.h"

#define TAG_SHIFT 56
#define TAG_FUTEX 1ull
#define TAG_POLL 2ull
#define TAG_WAKE 3ull
#define TAG_CANCEL 4ull
#define MAX_PEERS 64

static int probe_forced_off(void)
{
	const char *e = getenv("UIPC_WAIT_NO_URING");

	return e && *e && strcmp(e, "0");
}

#if HAVE_LIBURING

struct wait_uring {
	struct io_uring ring;
	uint64_t gen; /* futex wait generation: stale CQEs are ignored */
	unsigned npeer;
	int peer_fd[MAX_PEERS];
	int peer_armed[MAX_PEERS];
	unsigned peer_mask[MAX_PEERS];
	struct uipc_futex_waitv v[UIPC_WAITV_MAX];
};

static int probe_ring(struct io_uring *ring, char *why, size_t whylen)
{
	struct io_uring_probe *p = io_uring_get_probe_ring(ring);
	int ok;

	if (!p) {
		snprintf(why, whylen, "IORING_REGISTER_PROBE failed");
		return 0;
	}
	ok = io_uring_opcode_supported(p, UIPC_IORING_OP_FUTEX_WAIT) &&
	     io_uring_opcode_supported(p, UIPC_IORING_OP_FUTEX_WAKE) &&
	     io_uring_opcode_supported(p, UIPC_IORING_OP_FUTEX_WAITV);
	io_uring_free_probe(p);
	if (!ok)
		snprintf(why, whylen, "kernel lacks IORING_OP_FUTEX_WAIT/WAKE/WAITV (needs 6.7)");
	return ok;
}

int wait_uring_open(struct wait_uring **out, unsigned entries, char *why, size_t whylen)
{
	struct wait_uring *u;
	int rc;

	if (probe_forced_off()) {
		snprintf(why, whylen, "io_uring disabled by UIPC_WAIT_NO_URING");
		return -ENOTSUP;
	}
	u = calloc(1, sizeof(*u));
	if (!u)
		return -ENOMEM;
	rc = io_uring_queue_init(entries, &u->ring,
				 IORING_SETUP_COOP_TASKRUN | IORING_SETUP_SINGLE_ISSUER);
	if (rc < 0)
		rc = io_uring_queue_init(entries, &u->ring, 0);
	if (rc < 0) {
		snprintf(why, whylen, "io_uring_queue_init: %s", strerror(-rc));
		free(u);
		return rc;
	}
	if (!probe_ring(&u->ring, why, whylen)) {
		io_uring_queue_exit(&u->ring);
		free(u);
		return -ENOTSUP;
	}
	*out = u;
	return 0;
}

void wait_uring_close(struct wait_uring *u)
{
	if (!u)
		return;
	/* Exiting the ring cancels the outstanding polls. */
	io_uring_queue_exit(&u->ring);
	free(u);
}

static struct io_uring_sqe *get_sqe(struct wait_uring *u)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&u->ring);

	if (!sqe) {
		io_uring_submit(&u->ring);
		sqe = io_uring_get_sqe(&u->ring);
	}
	return sqe;
}

/* Keep one oneshot poll armed per peer fd across sleeps: it costs nothing
 * until the peer dies, and then its completion wakes the wait. */
static int arm_peers(struct wait_uring *u, const int *fds, unsigned n)
{
	unsigned i, j;

	for (i = 0; i < n; i++) {
		struct io_uring_sqe *sqe;

		if (fds[i] < 0)
			continue;
		for (j = 0; j < u->npeer; j++)
			if (u->peer_fd[j] == fds[i])
				break;
		if (j == u->npeer) {
			if (u->npeer == MAX_PEERS)
				return -ENOSPC;
			u->peer_fd[u->npeer] = fds[i];
			u->peer_mask[u->npeer] = wait_peer_poll_mask(fds[i]);
			u->peer_armed[u->npeer++] = 0;
		}
		if (u->peer_armed[j])
			continue;
		sqe = get_sqe(u);
		if (!sqe)
			return -EBUSY;
		io_uring_prep_poll_add(sqe, fds[i], u->peer_mask[j]);
		sqe->user_data = TAG_POLL << TAG_SHIFT | j;
		u->peer_armed[j] = 1;
	}
	return 0;
}

/* Reap every CQE; return 1 if the current futex wait completed. */
static int reap(struct wait_uring *u, uint64_t futex_ud)
{
	struct io_uring_cqe *cqe;
	int done = 0;

	while (io_uring_peek_cqe(&u->ring, &cqe) == 0) {
		uint64_t ud = cqe->user_data;
		uint64_t tag = ud >> TAG_SHIFT;

		if (tag == TAG_FUTEX && ud == futex_ud)
			done = 1;
		else if (tag == TAG_POLL && (ud & 0xff) < u->npeer)
			u->peer_armed[ud & 0xff] = 0; /* fired: the caller checks death */
		io_uring_cqe_seen(&u->ring, cqe);
	}
	return done;
}

int wait_uring_park(struct wait_uring *u, uint32_t **words, const uint32_t *vals, unsigned n,
		    int waitv, const int *peer_fds, unsigned npeer, int64_t timeout_ns)
{
	struct __kernel_timespec ts, *tp = NULL;
	struct io_uring_cqe *cqe;
	struct io_uring_sqe *sqe;
	uint64_t ud;
	unsigned i;
	int rc;

	if (n == 0 || n > UIPC_WAITV_MAX)
		return -EINVAL;
	rc = arm_peers(u, peer_fds, npeer);
	if (rc)
		return rc;
	sqe = get_sqe(u);
	if (!sqe)
		return -EBUSY;
	if (n == 1 && !waitv) {
		uipc_prep_futex_wait(sqe, words[0], vals[0]);
	} else {
		for (i = 0; i < n; i++) {
			u->v[i].val = vals[i];
			u->v[i].uaddr = (uint64_t)(uintptr_t)words[i];
			u->v[i].flags = UIPC_FUTEX2_SIZE_U32; /* shared */
			u->v[i].__reserved = 0;
		}
		uipc_prep_futex_waitv(sqe, u->v, n);
	}
	ud = TAG_FUTEX << TAG_SHIFT | (++u->gen & 0xffffffffffffull);
	sqe->user_data = ud;
	if (timeout_ns >= 0) {
		ts.tv_sec = timeout_ns / 1000000000ll;
		ts.tv_nsec = timeout_ns % 1000000000ll;
		tp = &ts;
	}
	rc = io_uring_submit_and_wait_timeout(&u->ring, &cqe, 1, tp, NULL);
	if (rc < 0 && rc != -ETIME && rc != -EINTR)
		return rc;
	if (reap(u, ud))
		return 0;
	/* Woken by a peer poll, a signal or the timeout: take the futex wait
	 * back before returning, so no stale wait outlives this call. */
	sqe = get_sqe(u);
	if (!sqe)
		return -EBUSY;
	io_uring_prep_cancel64(sqe, ud, 0);
	sqe->user_data = TAG_CANCEL << TAG_SHIFT;
	io_uring_submit(&u->ring);
	do {
		rc = io_uring_wait_cqe(&u->ring, &cqe);
		if (rc < 0 && rc != -EINTR)
			return rc;
	} while (!reap(u, ud));
	return 0;
}

int wait_uring_wake(struct wait_uring *u, uint32_t **words, unsigned n)
{
	unsigned i;
	int rc;

	/* Drop completions of earlier wakes (only failures post one). */
	reap(u, 0);
	for (i = 0; i < n; i++) {
		struct io_uring_sqe *sqe = get_sqe(u);

		if (!sqe)
			return -EBUSY;
		/* INT_MAX: a waitv waiter is only reliably woken by a full wake. */
		uipc_prep_futex_wake(sqe, words[i], INT_MAX);
		sqe->flags |= IOSQE_CQE_SKIP_SUCCESS;
		sqe->user_data = TAG_WAKE << TAG_SHIFT;
	}
	rc = io_uring_submit(&u->ring);
	return rc < 0 ? rc : (int)n;
}

int uipc_wait_uring_probe(const char **why)
{
	static char reason[128];
	struct wait_uring *u;

	if (wait_uring_open(&u, 4, reason, sizeof(reason))) {
		if (why)
			*why = reason;
		return 0;
	}
	wait_uring_close(u);
	if (why)
		*why = "";
	return 1;
}

#else /* !HAVE_LIBURING */

int wait_uring_open(struct wait_uring **out, unsigned entries, char *why, size_t whylen)
{
	snprintf(why, whylen, probe_forced_off() ? "io_uring disabled by UIPC_WAIT_NO_URING"
						 : "built without liburing");
	return -ENOTSUP;
}

void wait_uring_close(struct wait_uring *u)
{
}

int wait_uring_park(struct wait_uring *u, uint32_t **words, const uint32_t *vals, unsigned n,
		    int waitv, const int *peer_fds, unsigned npeer, int64_t timeout_ns)
{
	return -ENOTSUP;
}

int wait_uring_wake(struct wait_uring *u, uint32_t **words, unsigned n)
{
	return -ENOTSUP;
}

int uipc_wait_uring_probe(const char **why)
{
	if (why)
		*why = "built without liburing";
	return 0;
}

#endif
