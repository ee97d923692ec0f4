/* SPDX-License-Identifier: MIT */
/* Wait endpoints: backend choice with fallback, the spin-then-park loop,
 * and the waker side (wake, doorbell). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "wait_internal.h"

/* A SPIN or YIELD waiter with a peer fd looks for its death this often. */
#define PEER_POLL_NS (2 * 1000 * 1000ll)

static const char *const backend_names[UIPC_BACKEND__COUNT] = {
	[UIPC_BACKEND_AUTO] = "auto",	    [UIPC_BACKEND_FUTEX] = "futex",
	[UIPC_BACKEND_WAITV] = "waitv",	    [UIPC_BACKEND_URING] = "uring",
	[UIPC_BACKEND_URING_WAITV] = "uring-waitv", [UIPC_BACKEND_EVENTFD] = "eventfd",
};

const char *uipc_wait_backend_name(enum uipc_wait_backend b)
{
	if ((unsigned)b >= UIPC_BACKEND__COUNT)
		return "?";
	return backend_names[b];
}

/* A PM QoS request: the value holds while the fd is open (any process may
 * hold one; the kernel applies the smallest).  Return: 1 held, -errno. */
static int hold_dma_latency(int *fd_out)
{
	int32_t zero = 0;
	int fd = open("/dev/cpu_dma_latency", O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	if (write(fd, &zero, sizeof(zero)) != (ssize_t)sizeof(zero)) {
		int e = errno ? -errno : -EIO;

		close(fd);
		return e;
	}
	*fd_out = fd;
	return 1;
}

static int waitv_works(char *why, size_t whylen)
{
	uint32_t word = 1, *wp = &word, val = 0;
	/* A value mismatch returns at once: -EAGAIN proves the syscall exists. */
	int rc = wait_futex_waitv(&wp, &val, 1, -1);

	if (rc == -EAGAIN)
		return 1;
	snprintf(why, whylen, "futex_waitv(2): %s", strerror(-rc));
	return 0;
}

int uipc_wait_ep_create(const struct uipc_wait_opts *opts, struct uipc_wait_ep **out)
{
	struct uipc_wait_opts o = UIPC_WAIT_OPTS_INIT;
	struct uipc_wait_ep *ep;
	enum uipc_wait_backend b;

	if (!out)
		return -EINVAL;
	if (opts)
		o = *opts;
	if ((unsigned)o.strategy > UIPC_WAIT_YIELD || (unsigned)o.backend >= UIPC_BACKEND__COUNT)
		return -EINVAL;
	ep = calloc(1, sizeof(*ep));
	if (!ep)
		return -ENOMEM;
	ep->strategy = o.strategy;
	ep->requested = o.backend;
	ep->peer_fd = o.peer_fd;
	/* Once: an fstat per liveness poll would double its syscalls. */
	if (o.peer_fd >= 0)
		ep->peer_mask = wait_peer_poll_mask(o.peer_fd);
	ep->efd = -1;
	ep->dma_fd = -1;
	ep->peer_efd = o.peer_eventfd;
	if (o.spin_ns >= 0) {
		ep->spin_ns = o.spin_ns;
		ep->spin_source = "opts";
	} else {
		ep->spin_ns = uipc_wait_default_spin_ns(&ep->spin_source);
	}
	ep->spin_ticks = wait_ns_to_ticks(ep->spin_ns);

	b = o.backend;
	if (b == UIPC_BACKEND_AUTO)
		b = o.peer_fd >= 0 ? UIPC_BACKEND_URING : UIPC_BACKEND_FUTEX;
	if (b == UIPC_BACKEND_URING || b == UIPC_BACKEND_URING_WAITV) {
		if (wait_uring_open(&ep->u, 16, ep->why, sizeof(ep->why)))
			b = UIPC_BACKEND_FUTEX;
		else
			ep->wake_uring = 1;
	} else if (b == UIPC_BACKEND_WAITV && !waitv_works(ep->why, sizeof(ep->why))) {
		b = UIPC_BACKEND_FUTEX;
	}
	if (o.backend == UIPC_BACKEND_AUTO)
		ep->why[0] = 0; /* AUTO asked for nothing in particular */
	if (b == UIPC_BACKEND_EVENTFD) {
		if (o.eventfd >= 0) {
			ep->efd = o.eventfd;
		} else {
			/* Non-blocking: a blocking eventfd written through io_uring
			 * is punted to a kernel worker (35-770 us per write). */
			ep->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
			if (ep->efd < 0) {
				int e = -errno;

				free(ep);
				return e;
			}
			ep->efd_owned = 1;
		}
	}
	ep->backend = b;
	if (o.hold_cpu_dma_latency)
		ep->dma_state = hold_dma_latency(&ep->dma_fd);
	*out = ep;
	return 0;
}

void uipc_wait_ep_destroy(struct uipc_wait_ep *ep)
{
	if (!ep)
		return;
	wait_uring_close(ep->u);
	if (ep->efd_owned)
		close(ep->efd);
	/* Closing the fd is what drops the PM QoS request. */
	if (ep->dma_fd >= 0)
		close(ep->dma_fd);
	free(ep);
}

int uipc_wait_ep_info(const struct uipc_wait_ep *ep, struct uipc_wait_info *info)
{
	if (!ep || !info)
		return -EINVAL;
	*info = ep->st;
	info->strategy = ep->strategy;
	info->backend = ep->backend;
	info->requested = ep->requested;
	info->spin_ns = ep->spin_ns;
	info->spin_source = ep->spin_source;
	info->cpu_dma_latency = ep->dma_state;
	snprintf(info->fallback_reason, sizeof(info->fallback_reason), "%s", ep->why);
	return 0;
}

int uipc_wait_ep_eventfd(const struct uipc_wait_ep *ep)
{
	if (!ep || ep->efd < 0)
		return -ENOENT;
	return ep->efd;
}

int uipc_wait_ep_set_peer_eventfd(struct uipc_wait_ep *ep, int fd)
{
	if (!ep || fd < -1)
		return -EINVAL;
	ep->peer_efd = fd;
	return 0;
}

/* One sleep on @w's futex (or the eventfd) of at most @timeout_ns.
 * Return 0 (woken, spuriously, or timed out) or a hard -errno. */
static int park(struct uipc_wait_ep *ep, struct uipc_wait_word *w, uint32_t seq,
		int64_t timeout_ns)
{
	uint32_t *word = &w->futex;
	int rc;

	if (ep->peer_fd >= 0 && ep->backend != UIPC_BACKEND_URING &&
	    ep->backend != UIPC_BACKEND_URING_WAITV && ep->backend != UIPC_BACKEND_EVENTFD &&
	    (timeout_ns < 0 || timeout_ns > WAIT_PEER_SLICE_NS))
		timeout_ns = WAIT_PEER_SLICE_NS;
	ep->st.syscalls++;
	switch (ep->backend) {
	case UIPC_BACKEND_WAITV:
		rc = wait_futex_waitv(&word, &seq, 1,
				      timeout_ns < 0 ? -1 : wait_now_ns() + timeout_ns);
		break;
	case UIPC_BACKEND_URING:
	case UIPC_BACKEND_URING_WAITV:
		rc = wait_uring_park(ep->u, &word, &seq, 1,
				     ep->backend == UIPC_BACKEND_URING_WAITV, &ep->peer_fd,
				     ep->peer_fd >= 0, timeout_ns);
		break;
	case UIPC_BACKEND_EVENTFD:
		rc = wait_eventfd_park(ep->efd, ep->peer_fd, ep->peer_mask, timeout_ns);
		/* the poll is counted above, the reads here */
		if (rc > 0)
			ep->st.syscalls += (uint64_t)rc - 1;
		break;
	default:
		rc = wait_futex_wait(word, seq, timeout_ns);
		break;
	}
	if (rc > 0 || rc == -EAGAIN || rc == -ETIMEDOUT || rc == -EINTR || rc == -ETIME)
		rc = 0;
	return rc;
}

static int dead_peer(struct uipc_wait_ep *ep, uipc_wait_check_fn check, void *arg)
{
	int rc;

	if (ep->peer_fd < 0)
		return 0;
	ep->st.syscalls++;
	if (wait_peer_dead(ep->peer_fd, ep->peer_mask) != 1)
		return 0;
	/* Everything the peer published before it died is delivered first. */
	rc = check(arg);
	return rc ? rc : -EPIPE;
}

int wait_until(struct uipc_wait_ep *ep, struct uipc_wait_word *w, uipc_wait_check_fn check,
	       void *arg, int64_t timeout_ns, int exclusive)
{
	int64_t deadline = -1, now, next_peer;
	uint32_t how;
	int rc;

	rc = check(arg);
	if (rc)
		return rc;
	if (!ep || !w)
		return -EINVAL;
	if (timeout_ns == 0)
		return -ETIMEDOUT;
	ep->st.waits++;
	now = wait_now_ns();
	if (timeout_ns > 0)
		deadline = now + timeout_ns;

	if (ep->strategy != UIPC_WAIT_PARK) {
		int64_t budget = ep->strategy == UIPC_WAIT_SPIN ? PEER_POLL_NS : ep->spin_ns;

		next_peer = now + PEER_POLL_NS;
		for (;;) {
			rc = wait_spin(check, arg, wait_ns_to_ticks(budget), budget);
			if (rc) {
				ep->st.spins_won++;
				return rc;
			}
			if (ep->strategy == UIPC_WAIT_YIELD) {
				sched_yield();
				ep->st.syscalls++;
				budget = 0; /* from now on: check, yield, check... */
				rc = check(arg);
				if (rc)
					return rc;
			}
			now = wait_now_ns();
			if (deadline >= 0 && now >= deadline) {
				ep->st.timeouts++;
				return -ETIMEDOUT;
			}
			if (now >= next_peer) {
				next_peer = now + PEER_POLL_NS;
				rc = dead_peer(ep, check, arg);
				if (rc)
					return rc;
			}
		}
	}

	if (ep->spin_ns > 0) {
		int64_t b = deadline >= 0 && timeout_ns < ep->spin_ns ? timeout_ns : ep->spin_ns;

		rc = wait_spin(check, arg, b == ep->spin_ns ? ep->spin_ticks : wait_ns_to_ticks(b), b);
		if (rc) {
			ep->st.spins_won++;
			return rc;
		}
	}
	how = ep->backend == UIPC_BACKEND_EVENTFD ? UIPC_WAITING_EVENTFD : UIPC_WAITING_FUTEX;
	for (;;) {
		int64_t left = -1;
		uint32_t seq;

		if (exclusive) {
			seq = uipc_wait_prepare(w, how);
		} else {
			__atomic_fetch_add(&w->waiting, how, __ATOMIC_RELAXED);
			/* Pairs with the smp_mb in uipc_wake_needed(): (F1)/(F2). */
			uipc_smp_mb();
			/* Pairs with the release bump in wait_bump(): (R). */
			seq = uipc_load_acquire(&w->futex);
		}
		rc = check(arg);
		if (!rc)
			rc = dead_peer(ep, check, arg);
		if (!rc && deadline >= 0) {
			left = deadline - wait_now_ns();
			if (left <= 0) {
				ep->st.timeouts++;
				rc = -ETIMEDOUT;
			}
		}
		if (!rc) {
			ep->st.parks++;
			rc = park(ep, w, seq, left);
		}
		/* The flag is ours: set before every sleep, cleared after. */
		if (exclusive)
			uipc_wait_cancel(w);
		else
			__atomic_fetch_sub(&w->waiting, how, __ATOMIC_RELAXED);
		if (rc)
			return rc;
		/* Woken: most likely ready, so look before announcing another
		 * sleep (its fence is on the wake-to-run path).  Not ready: the
		 * full handshake again. */
		rc = check(arg);
		if (rc)
			return rc;
	}
}

int uipc_wait_until(struct uipc_wait_ep *ep, struct uipc_wait_word *w, uipc_wait_check_fn check,
		    void *arg, int64_t timeout_ns)
{
	if (!check)
		return -EINVAL;
	/* The word may be a doorbell with other sleepers: count, not store. */
	return wait_until(ep, w, check, arg, timeout_ns, 0);
}

void wait_bump(struct uipc_wait_word *w)
{
	/* Pairs with the load-acquire in uipc_wait_prepare(): (R). */
	__atomic_fetch_add(&w->futex, 1u, __ATOMIC_RELEASE);
}

int uipc_wake(struct uipc_wait_ep *ep, struct uipc_wait_word *w, uint32_t how)
{
	int rc = 0;

	if (!w)
		return -EINVAL;
	how = uipc_wait_how(how);
	/* The flag is the sleeper's to clear (see wait.h). */
	wait_bump(w);
	if (ep)
		ep->st.wakes++;
	if ((how & ~UIPC_WAITING_FUTEX_MASK) && ep && ep->peer_efd >= 0) {
		rc = wait_eventfd_wake(ep->peer_efd);
		ep->st.syscalls++;
	}
	if ((how & UIPC_WAITING_FUTEX_MASK) || !ep || ep->peer_efd < 0) {
		uint32_t *word = &w->futex;
		int r2 = -ENOTSUP;

		if (ep)
			ep->st.syscalls++;
		if (ep && ep->wake_uring)
			r2 = wait_uring_wake(ep->u, &word, 1);
		/* The bump is made: later publishes skip this sleeper (rule
		 * (T)), so a failed submission must still end in a wake. */
		if (r2 < 0) {
			if (ep && ep->wake_uring)
				ep->st.syscalls++;
			r2 = wait_futex_wake(word, INT_MAX);
		}
		if (r2 < 0)
			rc = r2;
	}
	return rc < 0 ? rc : 0;
}

int uipc_wake_if_needed(struct uipc_wait_ep *ep, struct uipc_wait_word *w)
{
	uint32_t v, how;
	int rc;

	if (!w)
		return -EINVAL;
	/* Pairs with the smp_mb in uipc_wait_prepare(): (F2)/(F1). */
	uipc_smp_mb();
	/* Acquire: the futex load in uipc__wake_how() comes after it. */
	v = uipc_load_acquire(&w->waiting);
	how = uipc__wake_how(w, v);
	if (!how) {
		if (ep && v)
			ep->st.wakes_saved++;
		else if (ep)
			ep->st.wakes_skipped++;
		return 0;
	}
	rc = uipc_wake(ep, w, how);
	return rc ? rc : 1;
}

int uipc_doorbell_ring(struct uipc_wait_word *w)
{
	int rc;

	if (!w)
		return -EINVAL;
	if (!uipc_wake_needed(w))
		return 0;
	wait_bump(w);
	/* One syscall for every sleeper of the word. */
	rc = wait_futex_wake(&w->futex, INT_MAX);
	return rc < 0 ? rc : 1;
}
