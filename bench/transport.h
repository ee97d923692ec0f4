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

/* Called once per measured sample (nanoseconds). */
typedef void (*bench_sample_fn)(void *ctx, uint64_t ns);

struct bench_pp_cfg {
	size_t size; /* payload bytes per message, each way */
	uint64_t count; /* measured round trips */
	uint64_t warmup; /* round trips before measuring (not sampled) */
	int cpu_ping; /* cpu of the measuring side, -1 = unpinned */
	int cpu_pong; /* cpu of the echoing side (a separate process) */
};

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
