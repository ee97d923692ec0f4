/* SPDX-License-Identifier: MIT */
/*
 * The common half of every stream transport: who runs where, the payload
 * and its checksum, the timing.  A transport supplies only its sender and
 * receiver loops.
 *
 * Message i (0-based, warm-up included) is the fixed pattern with i stored
 * in its first 8 bytes; the receiver sums every 8-byte word of every
 * payload (bench_csum) and the total must equal the sender's.  The receiver
 * times from the end of the warm-up to its last message.
 */
#ifndef UIPC_BENCH_STREAM_RUN_H
#define UIPC_BENCH_STREAM_RUN_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "transport.h"

struct bench_stream_rx {
	uint64_t msgs; /* received after the warm-up */
	uint64_t ns;
	uint64_t csum; /* of every payload, warm-up included */
	uint64_t t0; /* ticks at the end of the warm-up (set by rx_mark) */
};

struct bench_stream_ops {
	/* Move @total messages; @src holds the pattern (first word scratch). */
	int (*tx)(void *ctx, const struct bench_stream_cfg *cfg, uint64_t total, uint8_t *src);
	/* Receive @total messages, bench_stream_rx_msg() on each payload. */
	int (*rx)(void *ctx, const struct bench_stream_cfg *cfg, uint64_t total, uint64_t warm,
		  struct bench_stream_rx *out);
	void *ctx;
	int threads; /* receiver is a thread of this process, not a fork */
	/* Optional, fork mode: called in the sender once the receiver runs,
	 * e.g. to close our copy of its end so its death reads as EPIPE. */
	void (*forked)(void *ctx);
};

/* Sum of 8-byte words, the tail bytes added one by one. */
static inline uint64_t bench_csum(const void *p, size_t n)
{
	const uint8_t *b = p;
	uint64_t s = 0, w;
	size_t i;

	for (i = 0; i + 8 <= n; i += 8) {
		memcpy(&w, b + i, 8);
		s += w;
	}
	for (; i < n; i++)
		s += b[i];
	return s;
}

/* Stamp message @seq into @src before it is copied out. */
static inline void bench_stream_stamp(uint8_t *src, uint64_t seq)
{
	memcpy(src, &seq, 8);
}

/* Account one received payload; @seen counts messages so far. */
void bench_stream_rx_msg(struct bench_stream_rx *rx, const void *p, size_t n, uint64_t seen,
			 uint64_t warm);

/* For sender spin loops: 1 if the receiver (process or thread) has
 * finished or died (a full ring would otherwise be waited on forever). */
int bench_stream_peer_gone(void);

/* For receiver spin loops: 1 once the runner gave up on this run (the
 * sender failed, or it finished and the receiver is overdue); the receiver
 * then returns -ECANCELED.  A thread cannot be killed, so it must ask. */
int bench_stream_stopped(void);

/* How long the receiver may take to finish after the sender has (ms,
 * default 10000; tests shorten it). */
extern unsigned bench_stream_rx_grace_ms;

/* Run one measurement.  Return: 0 or -errno with *why set; a checksum
 * mismatch is a result (verified = 0), not an error. */
int bench_stream_run(const struct bench_stream_cfg *cfg, const struct bench_stream_ops *ops,
		     struct bench_stream_result *res, const char **why);

#endif /* UIPC_BENCH_STREAM_RUN_H */
