/* SPDX-License-Identifier: MIT */
/*
 * What every kernel baseline (tp_pipe.c, tp_seqpacket.c, ...) does around
 * its forked peer: collect it, kill it after a failure, and pin the
 * measuring side for the run only; the ping side of the baselines whose
 * round trip is a send and a receive on file descriptors; and both sides
 * of the byte-stream baselines' stream mode.  The payload is in
 * tp_pattern.h.
 */
#ifndef UIPC_BENCH_TP_COMMON_H
#define UIPC_BENCH_TP_COMMON_H

#include <sched.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "transport.h"

/* How long a peer may take to exit once our side is done (ms). */
#define TP_PEER_GRACE_MS 10000

/* Kill the peer after a failure on our side and collect it. */
void tp_abort_peer(pid_t pid);

/*
 * Collect a peer that should be finishing; one still running after
 * TP_PEER_GRACE_MS is killed (a message lost on the way would otherwise
 * keep it, and us, waiting forever).  Return: 0, or -errno with *@why set.
 */
int tp_reap_peer(pid_t pid, const char **why);

/* The measuring side's CPU mask, restored after the run. */
struct tp_affinity {
	cpu_set_t old;
	int saved;
};

/* Pin the calling thread to @cpu, saving its mask.  Return: 0 or -errno. */
int tp_pin_parent(int cpu, struct tp_affinity *a);
void tp_unpin_parent(struct tp_affinity *a);

/*
 * A file-descriptor baseline's ping side.  @send and @recv move exactly n
 * bytes (0 or -errno); @recv may use one byte past n (a datagram that is
 * too long must show as such).  An indirect call per syscall costs nothing
 * next to the syscall.
 */
struct tp_fd_pp {
	int tx, rx; /* our ends: the ping is sent on tx, the reply read on rx */
	/* The peer's ends, closed here once it runs: it reads peer[0] and
	 * writes peer[1], or peer[0] too when peer[1] is -1 (a socket). */
	int peer[2];
	int (*send)(int fd, const void *buf, size_t n);
	int (*recv)(int fd, void *buf, size_t n);
	const char *io_why; /* *why when a send or receive fails */
};

/*
 * Fork a peer on cfg->cpu_pong that echoes every message back with the
 * same @io->recv and @io->send, pin ourselves to cfg->cpu_ping and time
 * warmup + count round trips of a stamped pattern, checking each echo
 * and sampling those after the warm-up.  A failed run kills the peer, a
 * good one reaps it.  The peer's ends are closed whatever happens; ours
 * are the caller's to close.  Return: 0, or -errno with *@why set
 * (-ENOMEM, the fork's error, @io->send's or @io->recv's, -EBADMSG for a
 * wrong echo, tp_reap_peer()'s).
 */
int tp_fd_pingpong(const struct bench_pp_cfg *cfg, const struct tp_fd_pp *io,
		   bench_sample_fn sample, void *ctx, const char **why);

/*
 * A byte-stream receiver for stream mode: read whatever has arrived on @fd
 * (@read_some returns bytes read or -errno) into a buffer of @batch
 * messages, as a real stream reader would, and check every complete
 * message of the stamped pattern.  Fills @res (time from the end of the
 * warm-up, messages after it, verified).  Return: 0, -ENOMEM, or
 * @read_some's error.
 */
int tp_bytestream_sink(int fd, ssize_t (*read_some)(int fd, void *buf, size_t n), size_t size,
		       unsigned batch, uint64_t total, struct bench_stream_result *res);

/*
 * Stream mode of a byte-stream baseline (pipe, TCP): fork a
 * tp_bytestream_sink() reading @rx on cfg->cpu_rx, pin ourselves to
 * cfg->cpu_tx and @write_all warm-up + count stamped messages to @tx,
 * cfg->batch per call (at most ~1 MiB per call), then collect the sink and
 * copy its result into @res.  @rx is closed here once the sink runs (or
 * fails to); @tx stays the caller's.  Return: 0, or -errno with *@why set
 * (@io_why when a write fails).
 */
int tp_bytestream_stream(const struct bench_stream_cfg *cfg, int tx, int rx,
			 int (*write_all)(int fd, const void *buf, size_t n),
			 ssize_t (*read_some)(int fd, void *buf, size_t n), const char *io_why,
			 struct bench_stream_result *res, const char **why);

#endif /* UIPC_BENCH_TP_COMMON_H */
