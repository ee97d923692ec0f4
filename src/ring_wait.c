/* SPDX-License-Identifier: MIT */
/*
 * Blocking ring API: the consumer sleeps on cons_wait until the next
 * record's header is non-zero; a producer with a full ring sleeps on
 * prod_wait until cons.pos moves.  The waker side is inline in
 * uipc_ring_commit() / uipc_ring_release() (ring.h).
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include <uipc/ring.h>

#include "wait_internal.h"

/* The ring's wait lines are a struct uipc_wait_word at the start. */
UIPC_STATIC_ASSERT(offsetof(struct uipc_ring_ctl, cons_wait.waiting) ==
			   offsetof(struct uipc_ring_ctl, cons_wait) +
				   offsetof(struct uipc_wait_word, waiting),
		   "cons_wait is a wait word");
UIPC_STATIC_ASSERT(offsetof(struct uipc_ring_ctl, prod_wait.waiting) ==
			   offsetof(struct uipc_ring_ctl, prod_wait) +
				   offsetof(struct uipc_wait_word, waiting),
		   "prod_wait is a wait word");

struct uipc_wait_word *uipc_ring_wait_word(struct uipc_ring *r, int role)
{
	if (!r || !r->ctl)
		return NULL;
	if (role == UIPC_CONSUMER)
		return (struct uipc_wait_word *)(void *)&r->ctl->cons_wait;
	if (role == UIPC_PRODUCER)
		return (struct uipc_wait_word *)(void *)&r->ctl->prod_wait;
	return NULL;
}

int uipc_ring_wait_enable(struct uipc_ring *r, const struct uipc_wait_opts *opts)
{
	struct uipc_wait_ep *ep;
	int rc;

	if (!r || !r->ctl)
		return -EINVAL;
	if (r->wait)
		return -EALREADY;
	rc = uipc_wait_ep_create(opts, &ep);
	if (rc)
		return rc;
	/* From here on commit/release fence and look at the peer's flag. */
	r->wait = ep;
	return 0;
}

void uipc_ring_wait_disable(struct uipc_ring *r)
{
	if (!r || !r->wait)
		return;
	uipc_wait_ep_destroy(r->wait);
	r->wait = NULL;
}

struct uipc_wait_ep *uipc_ring_wait_ep(const struct uipc_ring *r)
{
	return r ? r->wait : NULL;
}

/* Called by uipc_ring_commit()/release() when the peer's flag was set. */
void uipc__ring_wake(struct uipc_ring *r, uint32_t how)
{
	int peer = r->role == UIPC_PRODUCER ? UIPC_CONSUMER : UIPC_PRODUCER;
	struct uipc_wait_word *w = uipc_ring_wait_word(r, peer);

	/* One wake per sleep: a tag whose futex value has moved on was
	 * woken by an earlier bump (wait.h, rule (T)). */
	how = uipc__wake_how(w, how);
	if (!how) {
		r->wait->st.wakes_saved++;
		return;
	}
	uipc_wake(r->wait, w, how);
}

/* Detach: the closed flag is stored; wake a sleeping peer so it sees it. */
void uipc__ring_wait_detach(struct uipc_ring *r)
{
	int peer = r->role == UIPC_PRODUCER ? UIPC_CONSUMER : UIPC_PRODUCER;

	uipc_wake_if_needed(r->wait, uipc_ring_wait_word(r, peer));
	uipc_ring_wait_disable(r);
}

int uipc_ring_ready_check(void *arg)
{
	struct uipc_ring *r = arg;

	if (r->broken)
		return -EBADMSG;
	/* Pairs with the store-release in uipc_ring_commit(). (A) */
	if (uipc_load_acquire(uipc__rec_slot(r, r->pos)))
		return 1;
	/* Pairs with the store-release of prod.closed in uipc_ring_detach(),
	 * which follows the producer's last commit: look once more. */
	if (uipc_load_acquire(&r->ctl->prod.closed))
		return uipc_load_acquire(uipc__rec_slot(r, r->pos)) ? 1 : -EPIPE;
	return 0;
}

static int room_check(void *arg)
{
	struct uipc_ring *r = arg;

	/* Pairs with the store-release of cons.pos in uipc_ring_release(). (B) */
	if (uipc_load_acquire(&r->ctl->cons.pos) + r->cap != r->limit)
		return 1;
	/* Pairs with the store-release of cons.closed in uipc_ring_detach(). */
	if (uipc_load_acquire(&r->ctl->cons.closed))
		return -EPIPE;
	return 0;
}

static int64_t left_ns(int64_t deadline)
{
	int64_t left;

	if (deadline < 0)
		return -1;
	left = deadline - wait_now_ns();
	return left > 0 ? left : 0;
}

int uipc_ring_peek_wait(struct uipc_ring *r, const void **msg, size_t *len, int64_t timeout_ns)
{
	int64_t deadline = timeout_ns > 0 ? wait_now_ns() + timeout_ns : timeout_ns;
	int rc;

	if (!r || !r->wait || r->role != UIPC_CONSUMER || !msg || !len)
		return -EINVAL;
	for (;;) {
		rc = uipc_ring_peek(r, msg, len);
		if (rc != -EAGAIN)
			return rc;
		rc = wait_until(r->wait, uipc_ring_wait_word(r, UIPC_CONSUMER), uipc_ring_ready_check,
				r, left_ns(deadline), 1);
		if (rc < 0)
			return rc;
	}
}

ssize_t uipc_ring_recv_wait(struct uipc_ring *r, void *buf, size_t cap, int64_t timeout_ns)
{
	int64_t deadline = timeout_ns > 0 ? wait_now_ns() + timeout_ns : timeout_ns;
	ssize_t n;
	int rc;

	if (!r || !r->wait || r->role != UIPC_CONSUMER)
		return -EINVAL;
	for (;;) {
		n = uipc_ring_recv(r, buf, cap);
		if (n != -EAGAIN)
			return n;
		rc = wait_until(r->wait, uipc_ring_wait_word(r, UIPC_CONSUMER), uipc_ring_ready_check,
				r, left_ns(deadline), 1);
		if (rc < 0)
			return rc;
	}
}

int uipc_ring_reserve_wait(struct uipc_ring *r, size_t len, void **out, int64_t timeout_ns)
{
	int64_t deadline = timeout_ns > 0 ? wait_now_ns() + timeout_ns : timeout_ns;
	int rc;

	if (!r || !r->wait || r->role != UIPC_PRODUCER || !out)
		return -EINVAL;
	for (;;) {
		rc = uipc_ring_reserve(r, len, out);
		if (rc != -EAGAIN)
			return rc;
		/* Publish an open batch first: the consumer may be waiting for
		 * exactly those records before it can make room. */
		uipc_ring_commit(r);
		rc = wait_until(r->wait, uipc_ring_wait_word(r, UIPC_PRODUCER), room_check, r,
				left_ns(deadline), 1);
		if (rc < 0)
			return rc;
	}
}

int uipc_ring_send_wait(struct uipc_ring *r, const void *buf, size_t len, int64_t timeout_ns)
{
	void *p;
	int rc = uipc_ring_reserve_wait(r, len, &p, timeout_ns);

	if (rc)
		return rc;
	memcpy(p, buf, len);
	uipc_ring_commit(r);
	return 0;
}
