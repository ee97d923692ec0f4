/* SPDX-License-Identifier: MIT */
/*
 * The baselines' payload: a fixed pseudo-random pattern whose first word
 * carries the message's sequence number, and the checksum that verifies
 * it.  Inline: the receivers sum every payload inside the timed loop.
 */
#ifndef UIPC_BENCH_TP_PATTERN_H
#define UIPC_BENCH_TP_PATTERN_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Deterministic payload; byte values vary so a shifted copy is caught. */
static inline void tp_fill_pattern(uint8_t *p, size_t n)
{
	uint32_t x = 0x9e3779b9u;

	for (size_t i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		p[i] = (uint8_t)x;
	}
}

/* The first min(8, n) bytes of every message carry its sequence number. */
static inline void tp_stamp(uint8_t *p, size_t n, uint64_t seq)
{
	memcpy(p, &seq, n < 8 ? n : 8);
}

static inline uint64_t tp_word0(uint64_t seq, size_t n)
{
	uint64_t w = 0;

	memcpy(&w, &seq, n < 8 ? n : 8);
	return w;
}

/* Sum of 64-bit words: reads every byte, and stamping seq changes it by
 * exactly tp_word0(seq) - tp_word0(old), so the expected value is cheap. */
static inline uint64_t tp_csum(const uint8_t *p, size_t n)
{
	uint64_t s = 0, w;
	size_t i = 0;

	for (; i + 8 <= n; i += 8) {
		memcpy(&w, p + i, 8);
		s += w;
	}
	if (i < n) {
		w = 0;
		memcpy(&w, p + i, n - i);
		s += w;
	}
	return s;
}

/* Is @back the echo of @msg?  All of it (equal checksums), or with @full
 * 0 its sequence number only (bench_pp_full_check()). */
static inline int tp_echo_ok(const uint8_t *back, const uint8_t *msg, size_t n, int full)
{
	if (!full)
		return !memcmp(back, msg, n < 8 ? n : 8);
	return tp_csum(back, n) == tp_csum(msg, n);
}

/* Unmeasured messages before a baseline's stream is timed: 16 MiB worth,
 * 1 to 1000 messages. */
static inline size_t tp_stream_warmup(size_t size)
{
	size_t w = (16u << 20) / (size ? size : 1);

	return w < 1 ? 1 : w > 1000 ? 1000 : w;
}

#endif /* UIPC_BENCH_TP_PATTERN_H */
