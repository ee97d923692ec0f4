/* SPDX-License-Identifier: MIT */
/* Private to the wait layer (src/wait_*.c, src/ring_wait.c).  Never installed. */
#ifndef UIPC_WAIT_INTERNAL_H
#define UIPC_WAIT_INTERNAL_H

#include <stdint.h>
#include <time.h>

#include <uipc/wait.h>

/* A futex(2)/waitv sleeper that must also watch a peer fd sleeps in slices
 * this long, so a death is seen within milliseconds. */
#define WAIT_PEER_SLICE_NS (5 * 1000 * 1000ll)

struct wait_uring; /* wait_uring.c */

struct uipc_wait_ep {
	enum uipc_wait_strategy strategy;
	enum uipc_wait_backend backend; /* park backend in use */
	enum uipc_wait_backend requested;
	int64_t spin_ns;
	const char *spin_source;
	uint64_t spin_ticks; /* spin_ns in TSC ticks (0: no TSC, use the clock) */
	int peer_fd;
	unsigned peer_mask; /* what to poll peer_fd for (wait_peer_poll_mask) */
	int efd; /* EVENTFD: what we sleep on */
	int efd_owned;
	int peer_efd; /* wake the peer through this, -1 none */
	struct wait_uring *u; /* URING / URING_WAITV / uring wakes */
	int wake_uring; /* wake with IORING_OP_FUTEX_WAKE */
	char why[128];
	int dma_fd; /* /dev/cpu_dma_latency held at 0, -1 none */
	int dma_state; /* uipc_wait_info.cpu_dma_latency */
	struct uipc_wait_info st; /* counters */
};

static inline int64_t wait_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000ll + ts.tv_nsec;
}

/* wait_strategy.c */
uint64_t wait_ticks(void);
uint64_t wait_ns_to_ticks(int64_t ns);
/* Spin on @check until ready, error or @deadline_ticks; 0 = not ready. */
int wait_spin(uipc_wait_check_fn check, void *arg, uint64_t budget_ticks, int64_t budget_ns);

/* wait_futex.c: raw syscalls, -errno */
int wait_futex_wait(uint32_t *uaddr, uint32_t val, int64_t timeout_ns);
int wait_futex_wake(uint32_t *uaddr, int n);
/* @words/@vals: n entries; absolute CLOCK_MONOTONIC deadline, < 0 none. */
int wait_futex_waitv(uint32_t **words, const uint32_t *vals, unsigned n, int64_t deadline_ns);

/* wait_uring.c */
int wait_uring_open(struct wait_uring **out, unsigned entries, char *why, size_t whylen);
void wait_uring_close(struct wait_uring *u);
/* Sleep on one or many words and the peer fds at once.  Return 0 (woken,
 * maybe spuriously, maybe timed out: the caller checks its clock), -errno. */
int wait_uring_park(struct wait_uring *u, uint32_t **words, const uint32_t *vals, unsigned n,
		    int waitv, const int *peer_fds, unsigned npeer, int64_t timeout_ns);
int wait_uring_wake(struct wait_uring *u, uint32_t **words, unsigned n);

/* wait_eventfd.c.  park: the number of syscalls it made (>= 1), or -errno;
 * drain: the number of reads. */
int wait_eventfd_park(int efd, int peer_fd, unsigned peer_mask, int64_t timeout_ns);
int wait_eventfd_wake(int efd);
unsigned wait_eventfd_drain(int efd);

/* wait_eventfd.c: what to poll a liveness fd for (pidfd or socket), and
 * the non-blocking poll for death with that mask: 1 dead, 0 alive, -errno. */
unsigned wait_peer_poll_mask(int fd);
int wait_peer_dead(int fd, unsigned mask);

/* wait_ep.c */
void wait_bump(struct uipc_wait_word *w);
/* uipc_wait_until(); @exclusive: @w has no other sleeper, so the sleeper
 * may clear its own flag when it leaves without sleeping. */
int wait_until(struct uipc_wait_ep *ep, struct uipc_wait_word *w, uipc_wait_check_fn check,
	       void *arg, int64_t timeout_ns, int exclusive);

#endif /* UIPC_WAIT_INTERNAL_H */
