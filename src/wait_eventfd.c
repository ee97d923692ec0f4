/* SPDX-License-Identifier: MIT */
/* The eventfd backend and peer liveness fds (pidfd or socket). */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include "wait_internal.h"

unsigned wait_peer_poll_mask(int fd)
{
	struct stat st;

	/* A socket is readable whenever the peer sent something: only a
	 * hang-up means death.  A pidfd is readable once the process exits. */
	if (fstat(fd, &st) == 0 && S_ISSOCK(st.st_mode))
		return POLLHUP | POLLRDHUP | POLLERR;
	return POLLIN | POLLHUP | POLLERR;
}

int wait_peer_dead(int fd, unsigned mask)
{
	struct pollfd p = { .fd = fd, .events = (short)mask };
	int rc;

	do {
		rc = poll(&p, 1, 0);
	} while (rc < 0 && errno == EINTR);
	if (rc < 0)
		return -errno;
	if (p.revents & POLLNVAL)
		return -EBADF;
	return (p.revents & p.events) != 0;
}

int uipc_peer_dead(int fd)
{
	if (fd < 0)
		return -EBADF;
	return wait_peer_dead(fd, wait_peer_poll_mask(fd));
}

int wait_eventfd_park(int efd, int peer_fd, unsigned peer_mask, int64_t timeout_ns)
{
	struct pollfd p[2] = { { .fd = efd, .events = POLLIN } };
	int n = 1, ms, rc;

	if (peer_fd >= 0) {
		p[1].fd = peer_fd;
		p[1].events = (short)peer_mask;
		n = 2;
	}
	if (timeout_ns < 0)
		ms = -1;
	else /* round up: poll(0) would turn a short wait into a spin */
		ms = (int)((timeout_ns + 999999) / 1000000);
	rc = poll(p, (nfds_t)n, ms);
	if (rc < 0)
		return errno == EINTR ? 1 : -errno;
	if (p[0].revents & POLLIN)
		return 1 + (int)wait_eventfd_drain(efd);
	return 1;
}

unsigned wait_eventfd_drain(int efd)
{
	uint64_t v;
	unsigned n = 1;

	/* Non-blocking: a stale token only costs a spurious wake later. */
	while (read(efd, &v, sizeof(v)) == (ssize_t)sizeof(v))
		n++;
	return n;
}

int wait_eventfd_wake(int efd)
{
	uint64_t one = 1;
	ssize_t n = write(efd, &one, sizeof(one));

	/* EAGAIN: the counter is saturated, so the sleeper is woken anyway. */
	if (n < 0 && errno != EAGAIN)
		return -errno;
	return 0;
}
