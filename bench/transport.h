/* SPDX-License-Identifier: MIT */
/*
 * The one interface every benchmarked transport implements, so uipc and
 * each alternative run through the same harness, the same clock and the
 * same histogram, interleaved in one invocation.
 *
 * A transport lives in bench/tp_<name>.c and exports one
 * `const struct bench_transport bench_tp_<name>`, listed in transports.c.
 */
#ifndef UIPC_BENCH_TRANSPORT_H
#define UIPC_BENCH_TRANSPORT_H

#include <stddef.h>
#include <stdint.h>

#include "clock.h"

/* Called once per measured sample (nanoseconds). */
typedef void (*bench_sample_fn)(void *ctx, uint64_t ns);

struct bench_pp_cfg {
	size_t size; /* payload bytes per message, each way */
	uint64_t count; /* measured round trips */
	uint64_t warmup; /* round trips before measuring (not sampled) */
	int cpu_ping; /* cpu of the measuring side, -1 = unpinned */
	int cpu_pong; /* cpu of the echoing side (a separate process) */
	/* 0: every round trip is timed and is a sample.  N: back to back, the
	 * clock is read once per N round trips and each block's mean is a
	 * sample (see bench_pp_timer). */
	uint64_t block;
};

/*
 * The clock of a ping-pong loop, the same for every transport:
 *
 *	struct bench_pp_timer tm;
 *	bench_pp_timer_init(&tm, cfg, sample, ctx);
 *	for (i = 0; i < total; i++) {
 *		bench_pp_start(&tm);
 *		send, receive the echo
 *		bench_pp_stop(&tm);
 *		check the echo (bench_pp_full_check() says how much of it)
 *		bench_pp_sample(&tm, i >= cfg->warmup);
 *	}
 *
 * Timing every round trip costs the clock reads (the report's clock line)
 * and gives the echoing side that long to finish its own work before the
 * next message.  Back to back (cfg->block), only every block-th measured
 * round trip reads the clock, so a sample is the mean of a block of round
 * trips sent as fast as the echoes come back, checks included.
 */
struct bench_pp_timer {
	bench_sample_fn sample;
	void *ctx;
	uint64_t block; /* 0: per round trip */
	uint64_t t0, t1; /* per round trip: its start and end */
	uint64_t mark; /* back to back: end of the previous block */
	uint64_t n; /* back to back: round trips since mark */
	int marked; /* back to back: mark is set */
};

static inline void bench_pp_timer_init(struct bench_pp_timer *t, const struct bench_pp_cfg *cfg,
				       bench_sample_fn sample, void *ctx)
{
	*t = (struct bench_pp_timer){ .sample = sample, .ctx = ctx, .block = cfg->block };
}

static inline void bench_pp_start(struct bench_pp_timer *t)
{
	if (!t->block)
		t->t0 = bench_ticks_start();
}

static inline void bench_pp_stop(struct bench_pp_timer *t)
{
	if (!t->block)
		t->t1 = bench_ticks_end();
}

/* Back to back, an echo is checked by its sequence number only: a
 * checksum of the whole payload would be timed too, and it costs the
 * transports that do it more than the ring's own work at large sizes. */
static inline int bench_pp_full_check(const struct bench_pp_timer *t)
{
	return !t->block;
}

/* After round trip's checks; @measured: past the warm-up. */
static inline void bench_pp_sample(struct bench_pp_timer *t, int measured)
{
	uint64_t now;

	if (!measured)
		return;
	if (!t->block) {
		t->sample(t->ctx, bench_ticks_to_ns(t->t1 - t->t0));
		return;
	}
	/* The first measured round trip only sets the mark: a block starts
	 * where the previous one ended, never at a warm-up's end. */
	if (t->marked && ++t->n < t->block)
		return;
	now = bench_ticks_end();
	if (t->marked)
		t->sample(t->ctx, (bench_ticks_to_ns(now - t->mark) + t->block / 2) / t->block);
	t->mark = now;
	t->n = 0;
	t->marked = 1;
}

struct bench_stream_cfg {
	size_t size; /* payload bytes per message */
	unsigned batch; /* messages per send call / commit where the transport can batch */
	uint64_t count; /* messages to move (after warm-up) */
	int cpu_tx; /* cpu of the sender, -1 = unpinned */
	int cpu_rx; /* cpu of the receiver (a separate process unless the
		       transport is explicitly a threads variant) */
};

struct bench_stream_result {
	uint64_t msgs; /* messages the receiver got and verified */
	uint64_t ns; /* receiver's time from first to last message */
	int verified; /* 1 if the receiver's checksum of every payload matched */
};

struct bench_transport {
	const char *name; /* as given to --transport */
	const char *desc; /* one line for --help and the report */
	/*
	 * NULL if the transport can run here, else a reason a person can act
	 * on ("libzmq not installed: apt-get install libzmq3-dev").
	 */
	const char *(*unavailable)(size_t size);
	/*
	 * Round trips between this process and a separate process (fork, or
	 * fork+exec), pinned as asked, each one's latency passed to @sample.
	 * Return: 0, -ENOTSUP with *why set (e.g. size above a system limit),
	 * or -errno with *why set.
	 */
	int (*pingpong)(const struct bench_pp_cfg *cfg, bench_sample_fn sample, void *ctx,
			const char **why);
	/*
	 * One-way throughput; NULL if the transport has no stream mode.  The
	 * receiver checksums every payload so nothing is optimised away.
	 */
	int (*stream)(const struct bench_stream_cfg *cfg, struct bench_stream_result *res,
		      const char **why);
};

#endif /* UIPC_BENCH_TRANSPORT_H */
