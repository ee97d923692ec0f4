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

int uipc_peer_dead(int fd)
{
	struct pollfd p = { .fd = fd };
	int rc;

	if (fd < 0)
		return -EBADF;
	p.events = (short)wait_peer_poll_mask(fd);
	do {
		rc = poll(&p, 1, 0);
	} while (rc < 0 && errno == EINTR);
	if (rc < 0)
		return -errno;
	if (p.revents & POLLNVAL)
		return -EBADF;
	return (p.revents & p.events) != 0;
}

int wait_eventfd_park(int efd, int peer_fd, int64_t timeout_ns)
{
	struct pollfd p[2] = { { .fd = efd, .events = POLLIN } };
	int n = 1, ms, rc;

	if (peer_fd >= 0) {
		p[1].fd = peer_fd;
		p[1].events = (short)wait_peer_poll_mask(peer_fd);
		n = 2;
	}
	if (timeout_ns < 0)
		ms = -1;
	else /* round up: poll(0) would turn a short wait into a spin */
		ms = (int)((timeout_ns + 999999) / 1000000);
	rc = poll(p, (nfds_t)n, ms);
	if (rc < 0)
		return errno == EINTR ? 0 : -errno;
	if (p[0].revents & POLLIN)
		wait_eventfd_drain(efd);
	return 0;
}

void wait_eventfd_drain(int efd)
{
	uint64_t v;

	/* Non-blocking: a stale token only costs a spurious wake later. */
	while (read(efd, &v, sizeof(v)) == (ssize_t)sizeof(v))
		;
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
