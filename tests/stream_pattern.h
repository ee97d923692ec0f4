/* SPDX-License-Identifier: MIT */
/*
 * A deterministic message stream for end-to-end tests: message `seq` of
 * stream `seed` has a length and content both derived from (seed, seq), so
 * a receiver that only counts can check that nothing was lost, duplicated,
 * reordered or corrupted, and that every length is right.
 */
#ifndef UIPC_TESTS_STREAM_PATTERN_H
#define UIPC_TESTS_STREAM_PATTERN_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

static inline uint64_t sp_mix(uint64_t x)
{
	/* splitmix64 finaliser: every input bit affects every output bit */
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

/*
 * Length in [1, max]: log-uniform, so every size class from 1 byte to the
 * largest message is exercised often while the mean stays small.
 */
static inline size_t sp_len(uint64_t seed, uint64_t seq, size_t max)
{
	uint64_t r = sp_mix(seed ^ (seq * 0x2545f4914f6cdd1dull));
	unsigned bits = 0, b;
	size_t top, len;

	while (((size_t)1 << (bits + 1)) <= max)
		bits++;
	b = (unsigned)(r % (bits + 1)); /* size class 2^b .. 2^(b+1)-1 */
	top = ((size_t)2 << b) - 1;
	if (top > max)
		top = max;
	len = ((size_t)1 << b) + (size_t)((r >> 8) % (top - ((size_t)1 << b) + 1));
	return len;
}

static inline void sp_fill(uint64_t seed, uint64_t seq, void *buf, size_t len)
{
	uint8_t *p = (uint8_t *)buf;
	uint64_t s = sp_mix(seed + seq), w;
	size_t i;

	for (i = 0; i + 8 <= len; i += 8) {
		s = sp_mix(s);
		memcpy(p + i, &s, 8);
	}
	if (i < len) {
		w = sp_mix(s);
		memcpy(p + i, &w, len - i);
	}
}

/* 0 if buf holds exactly message seq. */
static inline int sp_check(uint64_t seed, uint64_t seq, const void *buf, size_t len,
			   size_t max)
{
	const uint8_t *p = (const uint8_t *)buf;
	uint64_t s = sp_mix(seed + seq), w;
	size_t i;

	if (len != sp_len(seed, seq, max))
		return -1;
	for (i = 0; i + 8 <= len; i += 8) {
		s = sp_mix(s);
		if (memcmp(p + i, &s, 8))
			return -2;
	}
	if (i < len) {
		w = sp_mix(s);
		if (memcmp(p + i, &w, len - i))
			return -2;
	}
	return 0;
}

#endif /* UIPC_TESTS_STREAM_PATTERN_H */
