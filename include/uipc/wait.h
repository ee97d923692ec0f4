/* SPDX-License-Identifier: MIT */
/*
 * Waiting and waking: spin, then park on a futex word in shared memory.
 *
 * Every sleeping side owns a `struct uipc_wait_word` (a 32-bit futex word
 * and a waiter flag) in shared memory.  Futexes are always shared, never
 * FUTEX_PRIVATE: the two sides are different processes.
 *
 * Pairing diagram (S = sleeper, W = waker; "data" is whatever S waits for:
 * a record header for a consumer, cons.pos for a full producer):
 *
 *   S: uipc_wait_prepare()                W: publish data (store-release)
 *        seq = load-acquire(futex)   (R)       uipc_wake_needed():
 *        store  waiting = TAG(seq)               smp_mb()                (F2)
 *        smp_mb()                 (F1)           v = load-acquire(waiting)
 *      re-check data: ready -> cancel            v tagged and futex != seq(v):
 *      futex_wait(futex, seq)                      skip (T)
 *      (the kernel sleeps only if                else, v != 0: uipc_wake():
 *       futex still == seq)                        fetch-add-release(futex) (R)
 *      store waiting = 0 (uipc_wait_cancel)        futex_wake(futex, INT_MAX)
 *
 *   (F1)/(F2) are the store->load pair (Dekker): at least one side sees the
 *       other's store, so either S's re-check sees the data or W sees the
 *       flag (this sleep's tag, not an older value).  Drop either fence and
 *       both can miss (the models in tests/model/ find that lost wakeup; the
 *       test suite runs them).
 *   (R) if S's load of futex already sees W's bump, the bump's release
 *       makes W's data visible to the re-check, so S does not sleep; if it
 *       does not, futex_wait(seq) fails with EAGAIN or is woken.
 *   (T) one wake per sleep.  A ring word has one sleeper, and it tags its
 *       flag with the futex value it read before storing the flag.  If W
 *       finds the futex moved past that value, somebody bumped it after S
 *       read seq, and every bump is followed by a wake: S's futex_wait(seq)
 *       fails with EAGAIN or was woken, and its look after waking, or the
 *       re-check of any later sleep (whose flag store comes after what W
 *       read: F1/F2 again), sees the data.  So W skips the syscall.  A new
 *       sleep reads the moved futex, so its tag matches and it is woken.
 *       The tag holds 30 bits of seq: a value that matches after 2^30 bumps
 *       only costs a spurious wake, never a lost one (a mismatch is what
 *       skips, and any mismatch proves a bump).  No waker state: a waker
 *       that re-attaches, a detach wake, a wake batch and a waitset sleeper
 *       all follow the same rule.
 *
 * So a publish costs one full fence and one load when nobody sleeps, and no
 * syscall; while a sleeper is waking up (one wake latency, 10-25 us here)
 * publishes cost one more load and still no syscall.  The flag belongs to
 * the sleeper: only it sets and clears it.  (A waker that clears the flag
 * to save syscalls can erase the flag of the sleeper's next round, meant
 * for a later publish: the model found that lost wakeup.  An untagged flag
 * cannot tell two sleeps apart, and a tag taken from a futex read other
 * than the one S sleeps on names the wrong sleep: tests/model/ finds both.)
 *
 * A word with several sleepers (a doorbell) counts them in `waiting`
 * (atomic add before the fence, subtract on leaving) and is woken whenever
 * the count is non-zero; a ring's words have one sleeper and store a tag
 * (UIPC_WAITING_TAG set).  A count never reaches the tag bit (fewer than
 * 2^15 eventfd sleepers on one word).
 *
 * Strategies: SPIN (never sleeps), YIELD (spin, then sched_yield), PARK
 * (spin for a budget in nanoseconds, then sleep).  The budget comes from,
 * first to last: the endpoint options, $UIPC_SPIN_NS, the tuner's file
 * ($UIPC_TUNE_FILE, else /etc/uipc/tune.conf, line "spin_ns = N"), and the
 * default: one wake cost measured once at start-up (about 25 us on a
 * 2-vCPU VM).  The pause cost is calibrated once against the TSC and the
 * deadline is checked every 32 pauses, so the budget is in time, not loops.
 *
 * An endpoint may hold /dev/cpu_dma_latency at 0 while it exists
 * (opts.hold_cpu_dma_latency): a per-process PM QoS request that keeps idle
 * CPUs out of deep sleep, released when the endpoint closes its fd.  On a
 * VM whose idle vCPU halts at once it cut a sleeper's round trip ~10x;
 * it costs power on every CPU, so it is opt-in, for latency-critical
 * sleepers.  Not permitted (the device node is root's, mode 0600) is
 * reported in uipc_wait_info, not an error.
 *
 * Park backends: futex(2), futex_waitv(2), io_uring FUTEX_WAIT or
 * FUTEX_WAITV (with a poll on the peer's pidfd/socket in the same ring),
 * and an eventfd (EFD_NONBLOCK) a user can put in an epoll or io_uring loop
 * of their own.  A backend the kernel lacks falls back to futex(2) with the
 * reason recorded (uipc_wait_ep_info()).
 *
 * Every function returns 0 (or a count) on success and a negative errno.
 */
#ifndef UIPC_WAIT_H
#define UIPC_WAIT_H

#include <stdint.h>
#include <sys/types.h>

#include "barrier.h"
#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------- shared */

/* The waiter flag: how many sleepers want which wake.  Low 16 bits count
 * futex sleepers (futex, waitv, io_uring), high 16 bits eventfd sleepers. */
#define UIPC_WAITING_FUTEX 0x1u
#define UIPC_WAITING_EVENTFD 0x10000u
#define UIPC_WAITING_FUTEX_MASK 0xffffu
/* A word with one sleeper stores a tag instead: this bit, the kind of
 * sleep, and the low 30 bits of the futex value it sleeps on (wake rule
 * (T) above). */
#define UIPC_WAITING_TAG 0x80000000u
#define UIPC_WAITING_TAG_EVENTFD 0x40000000u
#define UIPC_WAITING_TAG_SEQ 0x3fffffffu

/* One per sleeping side, in shared memory.  Each field is read once into a
 * local by the other side; a garbage value costs a spurious wake, never a
 * crash. */
struct uipc_wait_word {
	uint32_t futex; /* bumped by the waker before every wake */
	uint32_t waiting; /* UIPC_WAITING_* count or tag, set and cleared by
			     the sleeper(s) */
};
UIPC_STATIC_ASSERT(sizeof(struct uipc_wait_word) == 8, "wait word layout");
UIPC_STATIC_ASSERT(offsetof(struct uipc_wait_word, waiting) == 4, "wait word layout");

/* ---------------------------------------------------------------- options */

enum uipc_wait_strategy {
	UIPC_WAIT_PARK = 0, /* spin for the budget, then sleep (default) */
	UIPC_WAIT_SPIN = 1, /* spin until ready or timeout; never sleeps */
	UIPC_WAIT_YIELD = 2, /* spin for the budget, then sched_yield() */
};

enum uipc_wait_backend {
	UIPC_BACKEND_AUTO = 0, /* io_uring futex if a peer fd is watched and
				  io_uring works, else futex(2) */
	UIPC_BACKEND_FUTEX = 1, /* futex(2) FUTEX_WAIT / FUTEX_WAKE */
	UIPC_BACKEND_WAITV = 2, /* futex_waitv(2); wakes with futex(2) */
	UIPC_BACKEND_URING = 3, /* IORING_OP_FUTEX_WAIT / FUTEX_WAKE */
	UIPC_BACKEND_URING_WAITV = 4, /* IORING_OP_FUTEX_WAITV / FUTEX_WAKE */
	UIPC_BACKEND_EVENTFD = 5, /* poll + read / write an eventfd */
	UIPC_BACKEND__COUNT
};

/* Endpoint options.  Start from UIPC_WAIT_OPTS_INIT. */
struct uipc_wait_opts {
	enum uipc_wait_strategy strategy;
	enum uipc_wait_backend backend;
	int64_t spin_ns; /* spin budget; < 0: env, tune file, calibrated */
	int peer_fd; /* pidfd or connected socket of the peer, -1: none.
			Not owned.  Its death ends a wait with -EPIPE. */
	int eventfd; /* EVENTFD: the sleeper's eventfd (shared with the
			peer); -1: the endpoint creates one (see
			uipc_wait_ep_eventfd()).  Not owned when given. */
	int peer_eventfd; /* the peer sleeps on this eventfd: wake it there
			     (-1: the peer does not use an eventfd).  Not owned. */
	int hold_cpu_dma_latency; /* 1: hold /dev/cpu_dma_latency at 0 while
				     the endpoint exists (see above) */
};

#define UIPC_WAIT_OPTS_INIT                                                            \
	{                                                                              \
		.strategy = UIPC_WAIT_PARK, .backend = UIPC_BACKEND_AUTO, .spin_ns = -1, \
		.peer_fd = -1, .eventfd = -1, .peer_eventfd = -1,                      \
		.hold_cpu_dma_latency = 0                                              \
	}

/* What an endpoint turned out to use. */
struct uipc_wait_info {
	enum uipc_wait_strategy strategy;
	enum uipc_wait_backend backend; /* the one in use */
	enum uipc_wait_backend requested;
	int64_t spin_ns; /* budget in use */
	const char *spin_source; /* "opts", "env", "file", "calibrated" */
	char fallback_reason[128]; /* why the requested backend is not used; "" */
	int cpu_dma_latency; /* 1: held at 0; 0: not asked; -errno: asked, but
				opening or writing /dev/cpu_dma_latency failed */
	/* counters, local to this process */
	uint64_t waits; /* calls that had to wait at all */
	uint64_t spins_won; /* ... and were satisfied while spinning */
	uint64_t parks; /* sleeps entered (syscalls that could block) */
	uint64_t wakes; /* wake syscalls (or submissions) made */
	uint64_t wakes_skipped; /* publishes that found nobody asleep */
	uint64_t wakes_saved; /* publishes that found a sleeper already woken
				 (its tag, rule (T)): no syscall */
	uint64_t timeouts;
	/* Every system call the layer made for this endpoint: each sleep (one
	 * blocking call, plus the reads that drain an eventfd), each wake
	 * syscall or io_uring submission, each liveness poll of the peer fd,
	 * each sched_yield.  Counted on the slow path only: a publish that
	 * finds nobody asleep and a wait won while spinning add nothing. */
	uint64_t syscalls;
};

struct uipc_wait_ep; /* opaque, process-local */

/* Ready-check of a generic wait: > 0 ready (returned to the caller), 0 not
 * yet, < 0 an error (returned).  Called with the waiter flag set. */
typedef int (*uipc_wait_check_fn)(void *arg);

/* ------------------------------------------------------- the raw handshake */

/** uipc_wait_tag() - the flag a sole sleeper stores: @how's kind, @seq. */
UIPC_INLINE uint32_t uipc_wait_tag(uint32_t seq, uint32_t how)
{
	return UIPC_WAITING_TAG | (seq & UIPC_WAITING_TAG_SEQ) |
	       ((how & ~UIPC_WAITING_FUTEX_MASK) ? UIPC_WAITING_TAG_EVENTFD : 0u);
}

/** uipc_wait_how() - the UIPC_WAITING_* kinds a flag value @v asks for. */
UIPC_INLINE uint32_t uipc_wait_how(uint32_t v)
{
	if (!(v & UIPC_WAITING_TAG))
		return v;
	return (v & UIPC_WAITING_TAG_EVENTFD) ? UIPC_WAITING_EVENTFD : UIPC_WAITING_FUTEX;
}

/**
 * uipc_wait_prepare() - the sole sleeper of @w: announce the sleep (tagged
 * flag, full fence) and return the futex value to sleep on.  Re-check the
 * condition after this and before sleeping; call uipc_wait_cancel() if it
 * is already true, and after every sleep.  @how: UIPC_WAITING_FUTEX or
 * UIPC_WAITING_EVENTFD.  A word with several sleepers counts them instead
 * (uipc_wait_until()).
 */
UIPC_INLINE uint32_t uipc_wait_prepare(struct uipc_wait_word *w, uint32_t how)
{
	/* Pairs with the release bump in wait_bump(): (R).  Read before the
	 * flag is stored, so a bump seen with this tag came after it: (T). */
	uint32_t seq = uipc_load_acquire(&w->futex);

	UIPC_WRITE_ONCE(w->waiting, uipc_wait_tag(seq, how));
	/* Pairs with the smp_mb in uipc_wake_needed(): (F1)/(F2). */
	uipc_smp_mb();
	return seq;
}

/** uipc_wait_cancel() - sleeper: leaving (the re-check found data, or woken). */
UIPC_INLINE void uipc_wait_cancel(struct uipc_wait_word *w)
{
	UIPC_WRITE_ONCE(w->waiting, 0u);
}

/**
 * uipc__wake_how() - waker, holding @v, a flag value of @w read with
 * acquire after its fence: the kinds of wake to make, or 0 when @v is the
 * tag of a sleep already woken (rule (T)).
 */
UIPC_INLINE uint32_t uipc__wake_how(struct uipc_wait_word *w, uint32_t v)
{
	/* Ordered after the load of @v by its acquire: a value from before
	 * the sleeper read its seq cannot be seen here. */
	if ((v & UIPC_WAITING_TAG) &&
	    ((UIPC_READ_ONCE(w->futex) ^ v) & UIPC_WAITING_TAG_SEQ))
		return 0;
	return uipc_wait_how(v);
}

/**
 * uipc_wake_needed() - waker, after publishing: full fence, then is the
 * other side asleep (or about to be) and not yet woken?
 * Return: the UIPC_WAITING_* kinds to wake, 0 for none.
 */
UIPC_INLINE uint32_t uipc_wake_needed(struct uipc_wait_word *w)
{
	/* Pairs with the smp_mb in uipc_wait_prepare(): (F2)/(F1). */
	uipc_smp_mb();
	/* Acquire: orders the futex load of uipc__wake_how() after it. */
	return uipc__wake_how(w, uipc_load_acquire(&w->waiting));
}

/* ------------------------------------------------------------- endpoints */

/**
 * uipc_wait_ep_create() - a local wait endpoint (strategy, budget, park
 * and wake backends, peer liveness).  @opts may be NULL.
 * Return: 0, -EINVAL (bad strategy/backend/fd), -ENOMEM, -errno from
 * eventfd(2).  An unavailable io_uring backend is not an error: it falls
 * back to futex(2) and says why in uipc_wait_ep_info().  Neither is a
 * hold_cpu_dma_latency that is not permitted (-EACCES, -EPERM) or has no
 * device (-ENOENT): uipc_wait_info.cpu_dma_latency says so.
 */
UIPC_API int uipc_wait_ep_create(const struct uipc_wait_opts *opts, struct uipc_wait_ep **out);

/** uipc_wait_ep_destroy() - free @ep (NULL is fine); closes what it created. */
UIPC_API void uipc_wait_ep_destroy(struct uipc_wait_ep *ep);

/** uipc_wait_ep_info() - what @ep uses and its counters.  Return: 0, -EINVAL. */
UIPC_API int uipc_wait_ep_info(const struct uipc_wait_ep *ep, struct uipc_wait_info *info);

/**
 * uipc_wait_ep_eventfd() - the eventfd this endpoint sleeps on, for the
 * peer (send it over the handshake socket) or the user's own epoll loop.
 * Return: the fd, or -ENOENT (backend is not EVENTFD).
 */
UIPC_API int uipc_wait_ep_eventfd(const struct uipc_wait_ep *ep);

/**
 * uipc_wait_ep_set_peer_eventfd() - wake the peer through @fd from now on
 * (the peer sleeps on an eventfd); -1 goes back to futex wakes only.
 * Return: 0, -EINVAL.
 */
UIPC_API int uipc_wait_ep_set_peer_eventfd(struct uipc_wait_ep *ep, int fd);

/**
 * uipc_wait_until() - wait on @w until @check says ready, the timeout
 * passes or the peer dies.  @timeout_ns: < 0 forever, 0 check once.
 * Several processes may wait on one @w (a doorbell): they are counted.
 * Return: check's positive value, check's negative value, -ETIMEDOUT,
 * -EPIPE (the peer fd reports death; @check is called once more first and
 * wins if it is ready), -EINTR is never returned (restarted).
 */
UIPC_API int uipc_wait_until(struct uipc_wait_ep *ep, struct uipc_wait_word *w,
			     uipc_wait_check_fn check, void *arg, int64_t timeout_ns);

/**
 * uipc_wake() - waker: after uipc_wake_needed() returned @how != 0, bump
 * the futex word and wake the sleeper(s) on @w with @ep's wake backend
 * (futex(2) when @ep is NULL, or when an io_uring submission fails: a bump
 * promises a wake, rule (T); the peer's eventfd for eventfd sleepers).
 * Wakes every waiter (INT_MAX: FUTEX_WAITV waiters are only reliably woken
 * that way on older kernels).  @how may also be a raw flag value.
 * Return: 0, -errno from the syscall.
 */
UIPC_API int uipc_wake(struct uipc_wait_ep *ep, struct uipc_wait_word *w, uint32_t how);

/**
 * uipc_wake_if_needed() - waker, after publishing: fence, and wake only if
 * the flag is set and its tag (if any) shows no wake yet.
 * Return: 1 woken, 0 nobody asleep or already woken, -errno.
 */
UIPC_API int uipc_wake_if_needed(struct uipc_wait_ep *ep, struct uipc_wait_word *w);

/**
 * uipc_peer_dead() - non-blocking: has the peer behind @fd (pidfd or
 * socket) died?  Return: 1 dead, 0 alive, -EBADF.
 */
UIPC_API int uipc_peer_dead(int fd);

/* ------------------------------------------------------------- batching */

struct uipc_wake_batch; /* opaque */

/**
 * uipc_wake_batch_create() - collect up to @max wakes and flush them in
 * one io_uring submission (FUTEX_WAKE SQEs), or with one futex(2) each
 * when io_uring futex ops are unavailable (@why, if given, says why).
 * Return: 0, -EINVAL (@max 0 or > 4096), -ENOMEM.
 */
UIPC_API int uipc_wake_batch_create(unsigned max, struct uipc_wake_batch **out,
				    const char **why);

/** uipc_wake_batch_destroy() - free @b (NULL is fine). */
UIPC_API void uipc_wake_batch_destroy(struct uipc_wake_batch *b);

/**
 * uipc_wake_batch_add() - after publishing to @w's sleeper: fence, and
 * queue a wake if its flag is set and not yet woken (flushing first if the
 * batch is full).  The bump is made here and promises the wake: flush
 * before a sleeper may need it (later publishes skip the tagged sleeper).
 * Return: 1 queued, 0 nobody asleep, -errno of a forced flush.
 */
UIPC_API int uipc_wake_batch_add(struct uipc_wake_batch *b, struct uipc_wait_word *w);

/**
 * uipc_wake_batch_flush() - submit every queued wake at once.
 * Return: the number of wakes submitted, or -errno.
 */
UIPC_API int uipc_wake_batch_flush(struct uipc_wake_batch *b);

/** uipc_wake_batch_uring() - 1 if @b uses io_uring, 0 if futex(2). */
UIPC_API int uipc_wake_batch_uring(const struct uipc_wake_batch *b);

/* ------------------------------------------------------------- doorbell */

/**
 * uipc_doorbell_ring() - wake every sleeper of a shared doorbell word with
 * one FUTEX_WAKE(INT_MAX), if any announced itself.  Sleepers use
 * uipc_wait_until() on the same word (several processes may).
 * Return: 1 rung, 0 nobody asleep, -errno.
 */
UIPC_API int uipc_doorbell_ring(struct uipc_wait_word *w);

/* ------------------------------------------------------------- waitset */

struct uipc_waitset; /* opaque: many wait words, one sleep */

/**
 * uipc_waitset_create() - a set of up to @max channels (max <= 64).
 * io_uring FUTEX_WAITV plus polls of the peer fds and a timeout in one
 * submission when available, else futex_waitv(2) plus a poll slice.
 * Return: 0, -EINVAL, -ENOMEM.
 */
UIPC_API int uipc_waitset_create(unsigned max, const struct uipc_wait_opts *opts,
				 struct uipc_waitset **out);

/** uipc_waitset_destroy() - free @ws (NULL is fine). */
UIPC_API void uipc_waitset_destroy(struct uipc_waitset *ws);

/**
 * uipc_waitset_add() - add a channel: its wait word, its ready-check and
 * the liveness fd of its peer (-1: none).
 * Return: the channel's index (the lowest free one), -ENOSPC (@max channels
 * in the set), -EINVAL.
 */
UIPC_API int uipc_waitset_add(struct uipc_waitset *ws, struct uipc_wait_word *w,
			      uipc_wait_check_fn check, void *arg, int peer_fd);

/**
 * uipc_waitset_remove() - drop channel @idx (an index uipc_waitset_add()
 * returned).  The other channels keep their indices; a later add may reuse
 * @idx.  Not while another thread is inside uipc_waitset_wait() on @ws.
 * Return: 0, -EINVAL (no such index), -ENOENT (already removed).
 */
UIPC_API int uipc_waitset_remove(struct uipc_waitset *ws, int idx);

/**
 * uipc_waitset_wait() - sleep until a channel is ready or its peer died, or
 * the timeout passes (< 0 forever).  Channels are checked from 0; one whose
 * peer died is reported only once it has nothing ready (drained first).
 * Return: index of a ready channel (>= 0) with *@dead = 0; index of a
 * channel whose peer died with *@dead = 1; -ETIMEDOUT; -EINVAL (no
 * channels); or a check's negative value.
 */
UIPC_API int uipc_waitset_wait(struct uipc_waitset *ws, int64_t timeout_ns, int *dead);

/** uipc_waitset_backend() - the backend in use, with *@why the fallback reason. */
UIPC_API enum uipc_wait_backend uipc_waitset_backend(const struct uipc_waitset *ws,
						     const char **why);

/* ------------------------------------------------------ blocking ring API */

struct uipc_ring;

/**
 * uipc_ring_wait_enable() - let this ring endpoint wait and wake.  Both
 * sides must enable it: a producer wakes a sleeping consumer only if it
 * has (and a consumer a blocked producer).  Costs a full fence per
 * commit/release on this endpoint, and no syscall while nobody sleeps.
 * @opts may be NULL.  opts->peer_fd (pidfd or handshake socket) makes a
 * wait end with -EPIPE when the peer dies.
 * Return: 0, -EINVAL, -EALREADY, or an error of uipc_wait_ep_create().
 */
UIPC_API int uipc_ring_wait_enable(struct uipc_ring *r, const struct uipc_wait_opts *opts);

/** uipc_ring_wait_disable() - drop the wait state (done by detach too). */
UIPC_API void uipc_ring_wait_disable(struct uipc_ring *r);

/** uipc_ring_wait_ep() - the endpoint, for uipc_wait_ep_info(); NULL if none. */
UIPC_API struct uipc_wait_ep *uipc_ring_wait_ep(const struct uipc_ring *r);

/**
 * uipc_ring_peek_wait() - uipc_ring_peek(), waiting up to @timeout_ns
 * (< 0 forever, 0 no wait) for a message.
 * Return: 0 with *@msg, *@len; -ETIMEDOUT; -EPIPE once the producer has
 * detached or died and every message it committed has been returned;
 * -EBADMSG; -EINVAL (wait not enabled, or not a consumer).
 */
UIPC_API int uipc_ring_peek_wait(struct uipc_ring *r, const void **msg, size_t *len,
				 int64_t timeout_ns);

/**
 * uipc_ring_recv_wait() - uipc_ring_recv(), waiting as uipc_ring_peek_wait().
 * Return: the length, -EMSGSIZE (stays in the ring), or as
 * uipc_ring_peek_wait().
 */
UIPC_API ssize_t uipc_ring_recv_wait(struct uipc_ring *r, void *buf, size_t cap,
				     int64_t timeout_ns);

/**
 * uipc_ring_reserve_wait() - uipc_ring_reserve(), waiting up to
 * @timeout_ns for room when the ring is full.
 * Return: 0, -EMSGSIZE, -ETIMEDOUT, -EPIPE (the consumer detached or
 * died), -EINVAL (wait not enabled, or not a producer).
 */
UIPC_API int uipc_ring_reserve_wait(struct uipc_ring *r, size_t len, void **out,
				    int64_t timeout_ns);

/**
 * uipc_ring_send_wait() - copy in and commit, waiting for room.
 * Return: 0 or as uipc_ring_reserve_wait().
 */
UIPC_API int uipc_ring_send_wait(struct uipc_ring *r, const void *buf, size_t len,
				 int64_t timeout_ns);

/**
 * uipc_ring_ready_check() - the consumer's ready-check for a waitset: 1 if
 * a record is published at the read position, -EPIPE if the producer
 * detached and nothing is left, else 0.  @arg is the struct uipc_ring *.
 */
UIPC_API int uipc_ring_ready_check(void *arg);

/** uipc_ring_wait_word() - the consumer's (or producer's) wait word. */
UIPC_API struct uipc_wait_word *uipc_ring_wait_word(struct uipc_ring *r, int role);

/* ------------------------------------------------------------- utilities */

/**
 * uipc_wait_calibrate() - pause cost and wake cost, measured once (first
 * call) and cached.  Either pointer may be NULL.  Return: 0, -errno.
 */
UIPC_API int uipc_wait_calibrate(double *pause_ns, int64_t *wake_ns);

/** uipc_wait_default_spin_ns() - the default budget and its source. */
UIPC_API int64_t uipc_wait_default_spin_ns(const char **source);

/** uipc_wait_backend_name() - "futex", "waitv", "uring", ... */
UIPC_API const char *uipc_wait_backend_name(enum uipc_wait_backend b);

/**
 * uipc_wait_uring_probe() - can io_uring futex ops be used here?
 * Return: 1 yes, 0 no (*@why says why), never fails otherwise.
 * Setting $UIPC_WAIT_NO_URING=1 makes the probe fail (tests, debugging).
 */
UIPC_API int uipc_wait_uring_probe(const char **why);

#ifdef __cplusplus
}
#endif

#endif /* UIPC_WAIT_H */
