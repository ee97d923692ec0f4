/* SPDX-License-Identifier: MIT */
/*
 * Handing a segment to a peer over a Unix socket.
 *
 *   creator                                   peer
 *   uipc_hs_listen("@feed" | "/run/x.sock")
 *   uipc_hs_offer(lfd, seg) -- accept,        uipc_hs_join("@feed") -- connect
 *        SO_PEERCRED check                         (retrying until timeout),
 *                                                  SO_PEERCRED check
 *                                     <--  hello{JOIN}
 *        hello + memfd (SCM_RIGHTS)   -->
 *                                                  validate, attach
 *
 * On the wire the joiner speaks first (a hello with UIPC_HELLO_F_JOIN), the
 * creator answers with its hello and the memfd in one message, or with a
 * hello flagged UIPC_HELLO_F_REFUSED before closing.  A connection that
 * closes without a word (e.g. the stale-socket probe of another
 * uipc_hs_listen()) is dropped by offer, which keeps waiting.
 *
 * Both sides check credentials (SO_PEERCRED): the creator checks the
 * joiner's uid, and the joiner the creator's, because anyone can bind an
 * abstract name first.  An abstract name has no permissions at all; a path
 * has the socket file's mode.
 *
 * The connected socket stays open on both sides: it is the liveness
 * channel (EOF/POLLHUP when the peer dies), and the peer's pidfd is the
 * other one.  A filesystem socket is unlinked by uipc_hs_close_listener(),
 * so nothing is left behind; an abstract name ("@name") never touches the
 * filesystem.
 */
#ifndef UIPC_HANDSHAKE_H
#define UIPC_HANDSHAKE_H

#include <stdint.h>
#include <sys/types.h>

#include "common.h"
#include "seg.h"

#ifdef __cplusplus
extern "C" {
#endif

#define UIPC_HELLO_MAGIC 0x4f4c4c4548435049ULL /* "IPCHELLO" */
#define UIPC_HELLO_VERSION 1u
#define UIPC_UID_ANY ((uid_t)-1)

/* hello.flags */
#define UIPC_HELLO_F_JOIN 0x1u /* joiner -> creator: the request */
#define UIPC_HELLO_F_REFUSED 0x2u /* creator -> joiner: credentials refused */
#define UIPC_HELLO_F_KNOWN (UIPC_HELLO_F_JOIN | UIPC_HELLO_F_REFUSED)

/*
 * Once connected, the exchange of hellos gets at least this long even when
 * opts->timeout_ms is shorter (0 means "do not wait for the other side to
 * appear", not "give it no time to answer").
 */
#define UIPC_HS_EXCHANGE_MS 1000

/* The small versioned message that travels with the memfd. */
struct uipc_hello {
	uint64_t magic; /* UIPC_HELLO_MAGIC */
	uint32_t version; /* UIPC_HELLO_VERSION */
	uint32_t kind; /* enum uipc_seg_kind */
	uint32_t layout; /* UIPC_LAYOUT_VERSION of the segment */
	uint32_t flags;
	uint64_t seg_size;
	int32_t creator_pid;
	uint32_t reserved0;
	uint64_t user; /* free for the application (e.g. a channel id) */
	uint64_t reserved[3];
};
UIPC_STATIC_ASSERT(sizeof(struct uipc_hello) == 72, "hello layout");
UIPC_STATIC_ASSERT(offsetof(struct uipc_hello, version) == 8, "hello layout");
UIPC_STATIC_ASSERT(offsetof(struct uipc_hello, seg_size) == 24, "hello layout");
UIPC_STATIC_ASSERT(offsetof(struct uipc_hello, user) == 40, "hello layout");

/* Options; all-zero (or a NULL pointer) gives the defaults. */
struct uipc_hs_opts {
	int timeout_ms; /* join: retry connecting this long; offer: wait this long
			   for a peer.  0 = try once, -1 = forever */
	uid_t allow_uid; /* uid allowed at the other end; 0 means "same as my
			    euid", UIPC_UID_ANY allows everyone.  offer: a root
			    joiner is allowed only if we are root too.  join: a
			    root creator is always allowed. */
	mode_t mode; /* listen: socket file permissions (0600 when 0) */
	uint64_t user; /* offer: copied into hello.user */
};

/* A connected peer. */
struct uipc_peer {
	int sock; /* the connection: the liveness fd (POLLHUP/POLLRDHUP on
		     death); close-on-exec and non-blocking */
	int pidfd; /* pidfd of the peer, -1 where pidfd_open is missing */
	pid_t pid;
	uid_t uid;
	gid_t gid;
	struct uipc_hello hello;
};

/**
 * uipc_hs_listen() - bind and listen on @addr ("/path" or "@abstract").
 *
 * The fd is close-on-exec and non-blocking.  A socket file left by a
 * process that died (connect refused) is replaced; anything at the path
 * that is not a socket is left alone.
 *
 * Return: the listening fd (>= 0), or -EINVAL (empty or too long address,
 * mode bits beyond 07777), -EADDRINUSE (a live listener holds it, or the
 * path is not a socket), or -errno from socket/bind/chmod/listen.
 */
UIPC_API int uipc_hs_listen(const char *addr, const struct uipc_hs_opts *opts);

/**
 * uipc_hs_close_listener() - close @lfd and unlink @addr if it is a path.
 * Return: 0 or -errno from unlink (other than -ENOENT).
 */
UIPC_API int uipc_hs_close_listener(int lfd, const char *addr);

/**
 * uipc_hs_offer() - accept one peer, check its credentials, send the hello
 * and @seg's memfd.
 *
 * @lfd must be non-blocking (as uipc_hs_listen() makes it).  Connections
 * that close before sending their request are skipped.  @peer is reset
 * (fds -1) first, so uipc_peer_close() on it is always safe.
 *
 * Return: 0 with @peer filled, -EINVAL (NULL argument), -ETIMEDOUT (no
 * peer in time), -EACCES (peer uid not allowed; it was told and the
 * connection is closed), -EPROTO (the peer's request was not a uipc hello
 * of our version), -EPIPE or -ECONNRESET (peer went away), or -errno.
 */
UIPC_API int uipc_hs_offer(int lfd, struct uipc_seg *seg, const struct uipc_hs_opts *opts,
			   struct uipc_peer *peer);

/**
 * uipc_hs_join() - connect to @addr (retrying until opts->timeout_ms, so
 * start order does not matter), receive the hello and memfd, attach.
 *
 * Everything received is validated before use (magic, version, flags, kind,
 * size, exactly one fd that is a regular file of the announced size); any
 * extra fds are closed.  No fd is left open on any error.
 *
 * Return: 0 with *@seg and @peer filled; -EINVAL (bad address or NULL
 * argument), -ETIMEDOUT (nobody answered in time), -ECONNREFUSED (timeout 0
 * and nobody listening), -EACCES (refused by the creator, or the creator's
 * uid is not allowed), -EPROTO (bad hello, missing or wrong fd),
 * -EPROTONOSUPPORT (other layout major), -ECONNRESET or -EPIPE (the creator
 * closed mid-exchange), or an attach error (see uipc_seg_attach()).
 */
UIPC_API int uipc_hs_join(const char *addr, const struct uipc_hs_opts *opts,
			  struct uipc_seg **seg, struct uipc_peer *peer);

/** uipc_peer_close() - close the peer's socket and pidfd. */
UIPC_API void uipc_peer_close(struct uipc_peer *peer);

/**
 * uipc_peer_alive() - non-blocking liveness check: the socket hung up
 * (POLLHUP/POLLRDHUP) or the pidfd turned readable (process exited).
 * Return: 1 alive, 0 dead, -EBADF (closed or invalid peer), or -errno.
 */
UIPC_API int uipc_peer_alive(const struct uipc_peer *peer);

#ifdef __cplusplus
}
#endif

#endif /* UIPC_HANDSHAKE_H */
