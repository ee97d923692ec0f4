/* SPDX-License-Identifier: MIT */
/*
 * The handshake: hand a segment's memfd to a peer over a Unix socket.
 *
 * Wire protocol (one stream connection, both messages a struct uipc_hello):
 *
 *   joiner                                  creator (offer)
 *   connect (retried until the deadline)
 *                                           accept, SO_PEERCRED check
 *                                           (refused: hello{REFUSED}, close)
 *   hello{JOIN}                     -->
 *                                           hello + memfd (SCM_RIGHTS)
 *                                   <--     in one sendmsg
 *   validate, attach
 *
 * The joiner speaks first so that a connection that closes without a word
 * (the stale-socket probe of another uipc_hs_listen(), or a joiner that died
 * before the exchange) is dropped by offer instead of being handed the
 * segment; offer then keeps accepting until its deadline.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include <uipc/handshake.h>

/* Linux 6.5 gives a pidfd of the peer straight from the socket, with no
 * pid-reuse window; the uapi headers of older distributions lack the name.
 * The value is the asm-generic one, so only define it on those arches. */
#if !defined(SO_PEERPIDFD) &&                                                          \
	(defined(__x86_64__) || defined(__i386__) || defined(__aarch64__) ||           \
	 defined(__riscv) || defined(__loongarch__))
#define SO_PEERPIDFD 77
#endif

#define HS_NO_DEADLINE INT64_MAX
/* Retry pause of join while nobody listens: short at first so a creator that
 * starts a moment later is found at once, then capped to stay cheap. */
#define HS_RETRY_MIN_MS 1
#define HS_RETRY_MAX_MS 50
/* Extra fds a hostile creator might attach: room to receive and close them. */
#define HS_MAX_FDS 8

static int64_t hs_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t hs_deadline(int timeout_ms)
{
	if (timeout_ms < 0)
		return HS_NO_DEADLINE;
	return hs_now_ms() + timeout_ms;
}

/*
 * Deadline of the exchange once connected.  A timeout of 0 means "do not
 * wait for the other side to appear", not "give a connected peer no time to
 * answer", so the exchange always gets at least UIPC_HS_EXCHANGE_MS.
 */
static int64_t hs_exchange_deadline(int64_t deadline)
{
	int64_t min = hs_now_ms() + UIPC_HS_EXCHANGE_MS;

	return deadline > min ? deadline : min;
}

static int hs_remaining(int64_t deadline)
{
	int64_t left;

	if (deadline == HS_NO_DEADLINE)
		return -1;
	left = deadline - hs_now_ms();
	if (left <= 0)
		return 0;
	return left > INT_MAX ? INT_MAX : (int)left;
}

/* Wait for @events on @fd.  Return: the revents, -ETIMEDOUT, or -errno. */
static int hs_wait(int fd, short events, int64_t deadline)
{
	struct pollfd pfd = { .fd = fd, .events = events };
	int rc;

	for (;;) {
		rc = poll(&pfd, 1, hs_remaining(deadline));
		if (rc > 0)
			return pfd.revents & POLLNVAL ? -EBADF : pfd.revents;
		if (rc == 0)
			return -ETIMEDOUT;
		if (errno != EINTR)
			return -errno;
	}
}

static void hs_close(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/*
 * "@name" -> abstract namespace (sun_path[0] == 0, no terminating NUL in the
 * length); anything else is a filesystem path.
 */
static int hs_addr(const char *addr, struct sockaddr_un *sa, socklen_t *len, bool *abstract)
{
	size_t n;

	if (!addr || !addr[0])
		return -EINVAL;
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	n = strlen(addr);
	if (addr[0] == '@') {
		if (n < 2 || n > sizeof(sa->sun_path))
			return -EINVAL;
		memcpy(sa->sun_path + 1, addr + 1, n - 1);
		*len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n);
		*abstract = true;
	} else {
		if (n >= sizeof(sa->sun_path))
			return -EINVAL;
		memcpy(sa->sun_path, addr, n + 1);
		*len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n + 1);
		*abstract = false;
	}
	return 0;
}

static bool hs_uid_allowed(uid_t peer, uid_t allow, bool root_ok)
{
	if (allow == UIPC_UID_ANY)
		return true;
	if (allow == 0)
		allow = geteuid();
	return peer == allow || (root_ok && peer == 0);
}

/* pidfd of the process at the other end of @sock, or -1 (unsupported, or
 * the process is already gone: the socket then reports the death). */
static int hs_peer_pidfd(int sock, pid_t pid)
{
	int pidfd = -1;

#ifdef SO_PEERPIDFD
	socklen_t len = sizeof(pidfd);

	/* Like every pidfd, it comes close-on-exec. */
	if (getsockopt(sock, SOL_SOCKET, SO_PEERPIDFD, &pidfd, &len) == 0 && pidfd >= 0)
		return pidfd;
	pidfd = -1;
#endif
#if HAVE_PIDFD_OPEN
	/* pidfd_open() has a pid-reuse window that SO_PEERPIDFD has not; the
	 * socket stays the primary liveness signal.  pidfds are always
	 * close-on-exec. */
	if (pid > 0) {
		pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
		if (pidfd < 0)
			pidfd = -1;
	}
#endif
	return pidfd;
}

/* ------------------------------------------------------------- messages */

static int hs_send_hello(int sock, const struct uipc_hello *h, int fd, int64_t deadline)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct iovec iov = { .iov_base = (void *)h, .iov_len = sizeof(*h) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *cm;
	ssize_t n;
	int rc;

	if (fd >= 0) {
		memset(&u, 0, sizeof(u));
		msg.msg_control = u.buf;
		msg.msg_controllen = sizeof(u.buf);
		cm = CMSG_FIRSTHDR(&msg);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	}
	for (;;) {
		/* MSG_NOSIGNAL: a peer that died must be an -EPIPE, not a
		 * SIGPIPE in the caller's process. */
		n = sendmsg(sock, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n == (ssize_t)sizeof(*h))
			return 0;
		if (n >= 0)
			return -EPIPE; /* 72 bytes into an empty socket are never split */
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN)
			return -errno;
		rc = hs_wait(sock, POLLOUT, deadline);
		if (rc < 0)
			return rc;
	}
}

/*
 * Receive exactly one hello.  Every fd that arrives is stored in @fds (up
 * to HS_MAX_FDS; the kernel discards what does not fit and flags
 * MSG_CTRUNC) and owned by the caller from then on, even on error.
 * Return: 0, -ECONNRESET (EOF before any byte), -EPROTO (EOF inside the
 * hello, or truncated control data), -ETIMEDOUT, or -errno.
 */
static int hs_recv_hello(int sock, struct uipc_hello *h, int fds[HS_MAX_FDS], int *nfds,
			 int64_t deadline)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * HS_MAX_FDS)];
		struct cmsghdr align;
	} u;
	size_t got = 0;
	bool trunc = false;
	int rc;

	*nfds = 0;
	while (got < sizeof(*h)) {
		struct iovec iov = { .iov_base = (char *)h + got, .iov_len = sizeof(*h) - got };
		struct msghdr msg = {
			.msg_iov = &iov,
			.msg_iovlen = 1,
			.msg_control = u.buf,
			.msg_controllen = sizeof(u.buf),
		};
		struct cmsghdr *cm;
		ssize_t n;

		n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN)
				return -errno;
			rc = hs_wait(sock, POLLIN, deadline);
			if (rc < 0)
				return rc;
			continue;
		}
		for (cm = CMSG_FIRSTHDR(&msg); cm; cm = CMSG_NXTHDR(&msg, cm)) {
			size_t k, cnt;

			if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
				continue;
			cnt = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
			for (k = 0; k < cnt; k++) {
				int fd;

				memcpy(&fd, CMSG_DATA(cm) + k * sizeof(int), sizeof(int));
				if (*nfds < HS_MAX_FDS)
					fds[(*nfds)++] = fd;
				else
					close(fd); /* cannot happen: the buffer holds HS_MAX_FDS */
			}
		}
		if (msg.msg_flags & MSG_CTRUNC)
			trunc = true;
		if (n == 0)
			return got ? -EPROTO : -ECONNRESET; /* a cut hello is a bad one */
		got += (size_t)n;
	}
	return trunc ? -EPROTO : 0;
}

static void hs_close_fds(int *fds, int nfds)
{
	int i;

	for (i = 0; i < nfds; i++)
		close(fds[i]);
}

static void hs_hello_init(struct uipc_hello *h, uint32_t flags)
{
	memset(h, 0, sizeof(*h));
	h->magic = UIPC_HELLO_MAGIC;
	h->version = UIPC_HELLO_VERSION;
	h->flags = flags;
	h->creator_pid = (int32_t)getpid();
}

/* ------------------------------------------------------------- listener */

/*
 * EADDRINUSE on a path: a live listener, or a socket file left by a process
 * that died.  Only a connect tells them apart.  Returns 1 if @sa names a
 * stale socket file that may be replaced.
 */
static int hs_is_stale(const struct sockaddr_un *sa, socklen_t len)
{
	struct stat st;
	int probe, rc;

	if (lstat(sa->sun_path, &st) < 0)
		return errno == ENOENT; /* gone meanwhile: bind again */
	if (!S_ISSOCK(st.st_mode))
		return 0; /* never unlink something that is not ours to take */
	probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (probe < 0)
		return -errno;
	/* A full backlog answers EAGAIN: that listener is alive too.  The probe
	 * closes without a word, which offer() drops (see the top comment). */
	rc = connect(probe, (const struct sockaddr *)sa, len) < 0 && errno == ECONNREFUSED;
	close(probe);
	return rc;
}

int uipc_hs_listen(const char *addr, const struct uipc_hs_opts *opts)
{
	struct sockaddr_un sa;
	socklen_t len;
	bool abstract;
	mode_t mode = opts && opts->mode ? opts->mode : 0600;
	int fd, rc, tries;

	rc = hs_addr(addr, &sa, &len, &abstract);
	if (rc)
		return rc;
	if (mode & ~(mode_t)07777)
		return -EINVAL;
	/* Non-blocking: offer() polls, and an accept that lost a race to
	 * another thread must not block past the caller's deadline. */
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	for (tries = 0;; tries++) {
		if (bind(fd, (const struct sockaddr *)&sa, len) == 0)
			break;
		rc = -errno;
		if (rc != -EADDRINUSE || abstract || tries > 0)
			goto fail;
		/* An abstract name dies with its socket, so only a path can be
		 * stale.  One replacement attempt: a second EADDRINUSE means
		 * someone else got there first. */
		rc = hs_is_stale(&sa, len);
		if (rc <= 0) {
			rc = rc < 0 ? rc : -EADDRINUSE;
			goto fail;
		}
		if (unlink(sa.sun_path) < 0 && errno != ENOENT) {
			rc = -errno;
			goto fail;
		}
	}
	/* Permissions before listen(): until then every connect is refused, so
	 * there is no window in which the umask-derived mode lets anyone in. */
	if (!abstract && chmod(sa.sun_path, mode) < 0) {
		rc = -errno;
		goto fail_unlink;
	}
	if (listen(fd, SOMAXCONN) < 0) {
		rc = -errno;
		goto fail_unlink;
	}
	return fd;

fail_unlink:
	unlink(sa.sun_path);
fail:
	close(fd);
	return rc;
}

int uipc_hs_close_listener(int lfd, const char *addr)
{
	int rc = 0;

	/* Unlink first: no new joiner finds the path of a closing listener. */
	if (addr && addr[0] && addr[0] != '@' && unlink(addr) < 0 && errno != ENOENT)
		rc = -errno;
	if (lfd >= 0)
		close(lfd);
	return rc;
}

/* ------------------------------------------------------------- offer */

static void hs_peer_reset(struct uipc_peer *peer)
{
	memset(peer, 0, sizeof(*peer));
	peer->sock = -1;
	peer->pidfd = -1;
}

/* Read and check the joiner's hello.  Return 0, -ECONNRESET (went away
 * without a word), -EPROTO, -ETIMEDOUT or -errno. */
static int hs_read_request(int sock, int64_t deadline)
{
	struct uipc_hello req;
	int fds[HS_MAX_FDS], nfds, rc;

	rc = hs_recv_hello(sock, &req, fds, &nfds, deadline);
	/* A joiner has no business sending fds: never keep them. */
	hs_close_fds(fds, nfds);
	if (rc)
		return rc;
	if (nfds || req.magic != UIPC_HELLO_MAGIC || req.version != UIPC_HELLO_VERSION ||
	    !(req.flags & UIPC_HELLO_F_JOIN))
		return -EPROTO;
	return 0;
}

/* A handshake that succeeded: the connection, the peer's pidfd, who it is
 * and what it said, all handed to the caller's @peer. */
static void peer_set(struct uipc_peer *peer, int sock, int pidfd, const struct ucred *cred,
		     const struct uipc_hello *hello)
{
	peer->sock = sock;
	peer->pidfd = pidfd;
	peer->pid = cred->pid;
	peer->uid = cred->uid;
	peer->gid = cred->gid;
	peer->hello = *hello;
}

int uipc_hs_offer(int lfd, struct uipc_seg *seg, const struct uipc_hs_opts *opts,
		  struct uipc_peer *peer)
{
	struct uipc_hs_opts o = { 0 };
	struct uipc_seg_info info;
	struct uipc_hello hello;
	struct ucred cred;
	socklen_t clen;
	int64_t deadline;
	int sock = -1, pidfd = -1, rc;

	if (!peer)
		return -EINVAL;
	hs_peer_reset(peer);
	if (lfd < 0 || !seg)
		return -EINVAL;
	if (opts)
		o = *opts;
	rc = uipc_seg_info(seg, &info);
	if (rc)
		return rc;
	deadline = hs_deadline(o.timeout_ms);

	for (;;) {
		rc = hs_wait(lfd, POLLIN, deadline);
		if (rc < 0)
			return rc;
		sock = accept4(lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
		if (sock < 0) {
			/* Another thread took it, or it was aborted: wait again. */
			if (errno == EAGAIN || errno == EINTR || errno == ECONNABORTED)
				continue;
			return -errno;
		}
		clen = sizeof(cred);
		if (getsockopt(sock, SOL_SOCKET, SO_PEERCRED, &cred, &clen) < 0) {
			rc = -errno;
			goto fail;
		}
		if (!hs_uid_allowed(cred.uid, o.allow_uid, false)) {
			/* Tell the peer why before closing, so its join can
			 * report -EACCES rather than a bare EOF.  Best effort. */
			hs_hello_init(&hello, UIPC_HELLO_F_REFUSED);
			hs_send_hello(sock, &hello, -1, hs_now_ms());
			rc = -EACCES;
			goto fail;
		}
		rc = hs_read_request(sock, hs_exchange_deadline(deadline));
		if (rc == -ECONNRESET) {
			/* A stale-socket probe or a joiner that died: not a
			 * peer.  Keep waiting for a real one. */
			hs_close(&sock);
			continue;
		}
		if (rc)
			goto fail;
		break;
	}

	pidfd = hs_peer_pidfd(sock, cred.pid);

	hs_hello_init(&hello, 0);
	hello.kind = info.kind;
	hello.layout = UIPC_LAYOUT_VERSION;
	hello.seg_size = uipc_seg_size(seg);
	hello.creator_pid = (int32_t)info.creator_pid;
	hello.user = o.user;
	rc = hs_send_hello(sock, &hello, uipc_seg_fd(seg), hs_exchange_deadline(deadline));
	if (rc)
		goto fail;

	peer_set(peer, sock, pidfd, &cred, &hello);
	return 0;

fail:
	hs_close(&pidfd);
	hs_close(&sock);
	return rc;
}

/* ------------------------------------------------------------- join */

/* Connect once, non-blocking.  Return the socket, or -errno; -EAGAIN means
 * "nobody there yet (or the backlog is full), try again". */
static int hs_connect_once(const struct sockaddr_un *sa, socklen_t len)
{
	int fd, err;

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (const struct sockaddr *)sa, len) == 0)
		return fd;
	err = errno;
	close(fd);
	/* ENOENT: the path is not there yet; ECONNREFUSED: nobody listens (or
	 * a stale file); EAGAIN: the backlog is full. */
	if (err == ENOENT || err == ECONNREFUSED || err == EAGAIN || err == EINTR)
		return -EAGAIN;
	return -err;
}

static int hs_connect(const struct sockaddr_un *sa, socklen_t len, int64_t deadline)
{
	int pause_ms = HS_RETRY_MIN_MS, fd, left;

	for (;;) {
		fd = hs_connect_once(sa, len);
		if (fd != -EAGAIN)
			return fd;
		left = hs_remaining(deadline);
		if (left == 0)
			return -EAGAIN;
		if (left > 0 && pause_ms > left)
			pause_ms = left;
		poll(NULL, 0, pause_ms);
		pause_ms = pause_ms * 2 > HS_RETRY_MAX_MS ? HS_RETRY_MAX_MS : pause_ms * 2;
	}
}

/* Check what the creator sent before trusting any of it. */
static int hs_check_hello(const struct uipc_hello *h, int nfds, int fd)
{
	struct stat st;

	if (h->magic != UIPC_HELLO_MAGIC || h->version != UIPC_HELLO_VERSION)
		return -EPROTO;
	if (h->flags & UIPC_HELLO_F_REFUSED)
		return -EACCES;
	if (h->flags & ~UIPC_HELLO_F_KNOWN)
		return -EPROTO;
	if (nfds != 1)
		return -EPROTO;
	if (h->kind > UIPC_KIND_FANOUT || h->seg_size < UIPC_SEG_HDR_SIZE)
		return -EPROTO;
	if (h->layout >> 16 != UIPC_LAYOUT_MAJOR)
		return -EPROTONOSUPPORT;
	/* The fd must be what the hello says: a regular file (memfd, hugetlbfs)
	 * of exactly that size.  Anything else (a FIFO, a socket, a device) is
	 * refused here, before mmap sees it. */
	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode) || (uint64_t)st.st_size != h->seg_size)
		return -EPROTO;
	return 0;
}

int uipc_hs_join(const char *addr, const struct uipc_hs_opts *opts, struct uipc_seg **seg,
		 struct uipc_peer *peer)
{
	struct uipc_hs_opts o = { 0 };
	struct sockaddr_un sa;
	struct uipc_hello req, hello;
	struct uipc_seg_info info;
	struct ucred cred;
	socklen_t len, clen;
	bool abstract;
	int64_t deadline;
	int fds[HS_MAX_FDS], nfds = 0;
	int sock = -1, pidfd = -1, rc, send_rc;

	if (!seg || !peer)
		return -EINVAL;
	*seg = NULL;
	hs_peer_reset(peer);
	if (opts)
		o = *opts;
	rc = hs_addr(addr, &sa, &len, &abstract);
	if (rc)
		return rc;
	deadline = hs_deadline(o.timeout_ms);

	sock = hs_connect(&sa, len, deadline);
	if (sock == -EAGAIN)
		return o.timeout_ms == 0 ? -ECONNREFUSED : -ETIMEDOUT;
	if (sock < 0)
		return sock;

	/* Check the creator too: anyone can bind an abstract name first and
	 * serve a forged segment.  Root may always serve. */
	clen = sizeof(cred);
	if (getsockopt(sock, SOL_SOCKET, SO_PEERCRED, &cred, &clen) < 0) {
		rc = -errno;
		goto fail;
	}
	if (!hs_uid_allowed(cred.uid, o.allow_uid, true)) {
		rc = -EACCES;
		goto fail;
	}

	hs_hello_init(&req, UIPC_HELLO_F_JOIN);
	deadline = hs_exchange_deadline(deadline);
	/* A refusing creator may have closed already (-EPIPE); its refusal is
	 * still queued for us, so read before reporting the send error. */
	send_rc = hs_send_hello(sock, &req, -1, deadline);
	rc = hs_recv_hello(sock, &hello, fds, &nfds, deadline);
	if (rc == 0)
		rc = hs_check_hello(&hello, nfds, nfds ? fds[0] : -1);
	else if (rc == -ECONNRESET && send_rc)
		rc = send_rc;
	if (rc)
		goto fail;

	pidfd = hs_peer_pidfd(sock, cred.pid);
	rc = uipc_seg_attach(fds[0], seg);
	if (rc) {
		*seg = NULL;
		goto fail;
	}
	/* The hello and the header it travels with must tell the same story;
	 * a creator that says "ring" about a raw segment is not to be believed
	 * about anything else either. */
	rc = uipc_seg_info(*seg, &info);
	if (!rc && info.kind != hello.kind)
		rc = -EPROTO;
	if (rc) {
		uipc_seg_close(*seg);
		*seg = NULL;
		goto fail;
	}
	/* attach keeps its own duplicate. */
	hs_close_fds(fds, nfds);

	peer_set(peer, sock, pidfd, &cred, &hello);
	return 0;

fail:
	hs_close_fds(fds, nfds);
	hs_close(&pidfd);
	hs_close(&sock);
	return rc;
}

/* ------------------------------------------------------------- peer */

void uipc_peer_close(struct uipc_peer *peer)
{
	if (!peer)
		return;
	hs_close(&peer->pidfd);
	hs_close(&peer->sock);
}

int uipc_peer_alive(const struct uipc_peer *peer)
{
	struct pollfd pfd[2];
	nfds_t n = 0;
	int rc;

	if (!peer || peer->sock < 0)
		return -EBADF;
	/* POLLRDHUP: the peer closed (or died), even while unread data is
	 * still queued; POLLIN alone would only say "readable". */
	pfd[n++] = (struct pollfd){ .fd = peer->sock, .events = POLLRDHUP };
	/* A pidfd turns readable when the process exits. */
	if (peer->pidfd >= 0)
		pfd[n++] = (struct pollfd){ .fd = peer->pidfd, .events = POLLIN };
	do
		rc = poll(pfd, n, 0);
	while (rc < 0 && errno == EINTR);
	if (rc < 0)
		return -errno;
	if ((pfd[0].revents | (n > 1 ? pfd[1].revents : 0)) & POLLNVAL)
		return -EBADF;
	if (pfd[0].revents & (POLLRDHUP | POLLHUP | POLLERR))
		return 0;
	if (n > 1 && pfd[1].revents & (POLLIN | POLLHUP | POLLERR))
		return 0;
	return 1;
}
