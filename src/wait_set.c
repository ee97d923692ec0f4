/* SPDX-License-Identifier: MIT */
/*
 * A waitset: one sleep over many channels.  io_uring FUTEX_WAITV on every
 * channel's word, a poll on every peer fd and the timeout go into one
 * submission; without io_uring, futex_waitv(2) sleeps in slices and the
 * peer fds are polled between them.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "uring_compat.h"
#include "wait_internal.h"

#define WAITSET_MAX 64

struct ws_chan {
	struct uipc_wait_word *w; /* NULL: a removed channel's free slot */
	uipc_wait_check_fn check;
	void *arg;
	int peer_fd;
};

/* Channels keep the index add() gave them: removal leaves a hole that a
 * later add() fills, so slots [0, n) may contain holes. */
struct uipc_waitset {
	unsigned max, n, live;
	struct uipc_wait_ep *ep; /* strategy, budget, io_uring */
	int npeer;
	int peer_fds[WAITSET_MAX];
	struct ws_chan ch[WAITSET_MAX];
	/* scan result handed out of the check callback */
	int hit, hit_dead;
};

int uipc_waitset_create(unsigned max, const struct uipc_wait_opts *opts,
			struct uipc_waitset **out)
{
	struct uipc_wait_opts o = UIPC_WAIT_OPTS_INIT;
	struct uipc_waitset *ws;
	int rc;

	if (!out || max == 0 || max > WAITSET_MAX)
		return -EINVAL;
	if (opts)
		o = *opts;
	if (o.backend == UIPC_BACKEND_AUTO)
		o.backend = UIPC_BACKEND_URING_WAITV;
	/* A set sleeps on many words: only the waitv forms can. */
	if (o.backend != UIPC_BACKEND_URING_WAITV && o.backend != UIPC_BACKEND_WAITV)
		return -EINVAL;
	o.peer_fd = -1; /* per channel here */
	ws = calloc(1, sizeof(*ws));
	if (!ws)
		return -ENOMEM;
	rc = uipc_wait_ep_create(&o, &ws->ep);
	if (rc) {
		free(ws);
		return rc;
	}
	if (ws->ep->backend == UIPC_BACKEND_FUTEX)
		ws->ep->backend = UIPC_BACKEND_WAITV; /* io_uring fell back */
	ws->max = max;
	*out = ws;
	return 0;
}

void uipc_waitset_destroy(struct uipc_waitset *ws)
{
	if (!ws)
		return;
	uipc_wait_ep_destroy(ws->ep);
	free(ws);
}

static void collect_peers(struct uipc_waitset *ws)
{
	unsigned i;

	ws->npeer = 0;
	for (i = 0; i < ws->n; i++)
		if (ws->ch[i].w && ws->ch[i].peer_fd >= 0)
			ws->peer_fds[ws->npeer++] = ws->ch[i].peer_fd;
}

int uipc_waitset_add(struct uipc_waitset *ws, struct uipc_wait_word *w, uipc_wait_check_fn check,
		     void *arg, int peer_fd)
{
	unsigned i;

	if (!ws || !w || !check || peer_fd < -1)
		return -EINVAL;
	for (i = 0; i < ws->n && ws->ch[i].w; i++)
		;
	if (i == ws->max)
		return -ENOSPC;
	ws->ch[i] = (struct ws_chan){ .w = w, .check = check, .arg = arg, .peer_fd = peer_fd };
	if (i == ws->n)
		ws->n++;
	ws->live++;
	collect_peers(ws);
	return (int)i;
}

int uipc_waitset_remove(struct uipc_waitset *ws, int idx)
{
	if (!ws || idx < 0 || (unsigned)idx >= ws->n)
		return -EINVAL;
	if (!ws->ch[idx].w)
		return -ENOENT;
	ws->ch[idx] = (struct ws_chan){ .peer_fd = -1 };
	ws->live--;
	while (ws->n && !ws->ch[ws->n - 1].w)
		ws->n--;
	collect_peers(ws);
	return 0;
}

enum uipc_wait_backend uipc_waitset_backend(const struct uipc_waitset *ws, const char **why)
{
	if (!ws)
		return UIPC_BACKEND_AUTO;
	if (why)
		*why = ws->ep->why;
	return ws->ep->backend;
}

/* The set's ready-check: > 0 when a channel is ready or dead (see ws->hit),
 * < 0 a channel's hard error.  @peers: also poll the peer fds. */
static int scan(struct uipc_waitset *ws, int peers)
{
	unsigned i;

	for (i = 0; i < ws->n; i++) {
		struct ws_chan *c = &ws->ch[i];
		int rc;

		if (!c->w)
			continue;
		rc = c->check(c->arg);

		if (rc > 0 || rc == -EPIPE) {
			ws->hit = (int)i;
			ws->hit_dead = rc < 0;
			return 1;
		}
		if (rc < 0)
			return rc;
	}
	if (!peers)
		return 0;
	for (i = 0; i < ws->n; i++) {
		struct ws_chan *c = &ws->ch[i];

		if (!c->w || c->peer_fd < 0)
			continue;
		ws->ep->st.syscalls += 2; /* fstat, poll */
		/* Dead, but still drain first: check again after the poll. */
		if (uipc_peer_dead(c->peer_fd) == 1) {
			int rc = c->check(c->arg);

			if (rc < 0 && rc != -EPIPE)
				return rc;
			ws->hit = (int)i;
			ws->hit_dead = rc <= 0;
			return 1;
		}
	}
	return 0;
}

static int scan_cb(void *arg)
{
	return scan(arg, 0);
}

int uipc_waitset_wait(struct uipc_waitset *ws, int64_t timeout_ns, int *dead)
{
	struct uipc_wait_ep *ep;
	uint32_t *words[WAITSET_MAX], vals[WAITSET_MAX];
	int64_t deadline = -1;
	unsigned i, m;
	int rc;

	if (!ws || !dead || ws->live == 0)
		return -EINVAL;
	ep = ws->ep;
	if (timeout_ns >= 0)
		deadline = wait_now_ns() + timeout_ns;
	rc = scan(ws, 0);
	if (!rc && timeout_ns != 0 && ep->spin_ns > 0) {
		int64_t b = timeout_ns > 0 && timeout_ns < ep->spin_ns ? timeout_ns : ep->spin_ns;

		rc = wait_spin(scan_cb, ws, wait_ns_to_ticks(b), b);
	}
	for (;;) {
		int64_t left = -1;

		if (rc < 0)
			return rc;
		if (rc > 0) {
			*dead = ws->hit_dead;
			return ws->hit;
		}
		for (i = m = 0; i < ws->n; i++) {
			if (!ws->ch[i].w)
				continue;
			vals[m] = uipc_wait_prepare(ws->ch[i].w, UIPC_WAITING_FUTEX);
			words[m++] = &ws->ch[i].w->futex;
		}
		rc = scan(ws, 1);
		if (!rc && deadline >= 0) {
			left = deadline - wait_now_ns();
			if (left <= 0)
				rc = -ETIMEDOUT;
		}
		if (!rc) {
			int prc;

			ep->st.parks++;
			ep->st.syscalls++;
			if (ep->backend == UIPC_BACKEND_URING_WAITV) {
				prc = wait_uring_park(ep->u, words, vals, m, 1, ws->peer_fds,
						      (unsigned)ws->npeer, left);
			} else {
				if (ws->npeer && (left < 0 || left > WAIT_PEER_SLICE_NS))
					left = WAIT_PEER_SLICE_NS;
				prc = wait_futex_waitv(words, vals, m,
						       left < 0 ? -1 : wait_now_ns() + left);
			}
			if (prc < 0 && prc != -EAGAIN && prc != -ETIMEDOUT && prc != -EINTR)
				rc = prc;
			else
				rc = scan(ws, 0);
		}
		/* Ring words have one sleeper: ours to clear (wait.h). */
		for (i = 0; i < ws->n; i++)
			if (ws->ch[i].w)
				uipc_wait_cancel(ws->ch[i].w);
	}
}
