/* SPDX-License-Identifier: MIT */
/*
 * Handing a segment to a peer over a Unix socket.
 *
 *   creator                                   peer
 *   uipc_hs_listen("@feed" | "/run/x.sock")
 *   uipc_hs_offer(lfd, seg) -- accept,        uipc_hs_join("@feed") -- connect
 *        SO_PEERCRED check, hello + memfd  -->     (retrying until timeout),
 *        (SCM_RIGHTS)                              recv hello + fd, attach
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

struct uipc_hs_opts {
	int timeout_ms; /* join: retry connecting this long; offer: wait this long
			   for a peer.  0 = try once, -1 = forever */
	uid_t allow_uid; /* offer: peer uid allowed; 0 means "same as mine",
			    UIPC_UID_ANY allows everyone (root is always allowed
			    only if it is the same uid) */
	mode_t mode; /* listen: socket file permissions (0600 when 0) */
	uint64_t user; /* offer: copied into hello.user */
};

/* A connected peer. */
struct uipc_peer {
	int sock; /* the connection: the liveness fd (POLLHUP on death) */
	int pidfd; /* pidfd of the peer, -1 where pidfd_open is missing */
	pid_t pid;
	uid_t uid;
	gid_t gid;
	struct uipc_hello hello;
};

/**
 * uipc_hs_listen() - bind and listen on @addr ("/path" or "@abstract").
 * Return: the listening fd (>= 0), or -EINVAL (bad/too long address),
 * -EADDRINUSE (a live listener holds it; a stale socket file is replaced),
 * or -errno.
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
 * Return: 0 with @peer filled, -ETIMEDOUT (no peer in time), -EACCES (peer
 * uid not allowed; the connection is closed), -EPIPE (peer went away), or -errno.
 */
UIPC_API int uipc_hs_offer(int lfd, struct uipc_seg *seg, const struct uipc_hs_opts *opts,
			   struct uipc_peer *peer);

/**
 * uipc_hs_join() - connect to @addr (retrying until opts->timeout_ms, so
 * start order does not matter), receive the hello and memfd, attach.
 * Return: 0 with *@seg and @peer filled; -ETIMEDOUT, -ECONNREFUSED (timeout 0
 * and nobody listening), -EPROTO (bad hello or no fd), -EACCES (refused by
 * the creator), or an attach error (see uipc_seg_attach()).
 */
UIPC_API int uipc_hs_join(const char *addr, const struct uipc_hs_opts *opts,
			  struct uipc_seg **seg, struct uipc_peer *peer);

/** uipc_peer_close() - close the peer's socket and pidfd. */
UIPC_API void uipc_peer_close(struct uipc_peer *peer);

/**
 * uipc_peer_alive() - non-blocking liveness check (socket HUP, pidfd).
 * Return: 1 alive, 0 dead, -errno.
 */
UIPC_API int uipc_peer_alive(const struct uipc_peer *peer);

#ifdef __cplusplus
}
#endif

#endif /* UIPC_HANDSHAKE_H */
