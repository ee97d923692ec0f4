/* SPDX-License-Identifier: MIT */
/*
 * The other process of the ring tests, started with fork+exec so the ring
 * is really shared between two programs through an inherited memfd.
 *
 *   peer_ring produce FD COUNT SEED MAXLEN BATCHMAX [burst]
 *       attach region 0 of the segment as producer and send the stream of
 *       stream_pattern.h, committing after 1..BATCHMAX reservations
 *       (or with uipc_ring_send_burst when "burst" is given)
 *   peer_ring scribble FD ITERATIONS SEED
 *       write garbage over record headers, payloads and indices: the hostile
 *       producer of invariant 4
 * Exit status 0 on success; a message on stderr otherwise.
 */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uipc/uipc.h>

#include "stream_pattern.h"

static void wait_a_little(unsigned *spins)
{
	if (++*spins % 64 == 0)
		sched_yield(); /* the test machine has two shared cores */
	else
		uipc_cpu_relax();
}

static int produce(struct uipc_ring *r, uint64_t count, uint64_t seed, size_t maxlen,
		   unsigned batchmax, int burst)
{
	uint64_t seq = 0, rnd = seed;
	static uint8_t bufs[16][65536];
	struct iovec iov[16];

	if (burst && (batchmax > 16 || maxlen > sizeof(bufs[0])))
		return -EINVAL;
	while (seq < count) {
		unsigned batch = 1 + (unsigned)((rnd = sp_mix(rnd)) % batchmax), i, spins = 0;

		if (batch > count - seq)
			batch = (unsigned)(count - seq);
		if (burst) {
			for (i = 0; i < batch; i++) {
				iov[i].iov_base = bufs[i];
				iov[i].iov_len = sp_len(seed, seq + i, maxlen);
				sp_fill(seed, seq + i, bufs[i], iov[i].iov_len);
			}
			for (i = 0; i < batch;) {
				int n = uipc_ring_send_burst(r, iov + i, batch - i);

				if (n < 0)
					return n;
				if (n == 0)
					wait_a_little(&spins);
				i += (unsigned)n;
			}
			seq += batch;
			continue;
		}
		for (i = 0; i < batch; i++, seq++) {
			size_t len = sp_len(seed, seq, maxlen);
			void *p;
			int rc;

			while ((rc = uipc_ring_reserve(r, len, &p)) == -EAGAIN) {
				/* The consumer cannot free space it cannot see. */
				uipc_ring_commit(r);
				wait_a_little(&spins);
			}
			if (rc)
				return rc;
			sp_fill(seed, seq, p, len);
		}
		uipc_ring_commit(r);
	}
	return 0;
}

static int scribble(struct uipc_seg *seg, uint64_t iterations, uint64_t seed)
{
	struct uipc_ring_ctl *ctl;
	uint64_t size, rnd = seed, i;
	uint8_t *data;
	uint32_t kind;
	void *p;
	int rc = uipc_seg_region(seg, 0, &p, &size, &kind);

	if (rc)
		return rc;
	ctl = p;
	data = (uint8_t *)p + ctl->data_offset;
	size = ctl->capacity; /* trusted here: this program is the attacker */
	for (i = 0; i < iterations; i++) {
		uint64_t r = rnd = sp_mix(rnd), pos = (r >> 16) & (size - 1) & ~7ull;
		uint64_t *slot = (uint64_t *)(void *)(data + pos), word;

		switch (r % 8) {
		case 0: /* random word */
			word = sp_mix(r);
			break;
		case 1: /* right tag, absurd length */
			word = ((uint64_t)(((uint32_t)(pos >> 3) << 1) | 1) << 32) | (uint32_t)sp_mix(r);
			break;
		case 2: /* right tag, length running past the end */
			word = ((uint64_t)(((uint32_t)(pos >> 3) << 1) | 1) << 32) |
			       (uint32_t)(size - pos);
			break;
		case 3: /* padding of the wrong length */
			word = ((uint64_t)(((uint32_t)(pos >> 3) << 1) | 1) << 32) | UIPC_REC_PAD |
			       (uint32_t)(r & 0xffff);
			break;
		case 4: /* indices */
			UIPC_WRITE_ONCE(ctl->cons.pos, sp_mix(r));
			UIPC_WRITE_ONCE(ctl->prod.pos, sp_mix(r + 1));
			continue;
		case 5: /* a valid-looking small record at position 0 of some lap */
			word = ((uint64_t)(((uint32_t)(pos >> 3) << 1) | 1) << 32) | (uint32_t)(r & 63);
			break;
		default: /* payload garbage */
			word = sp_mix(r ^ 0x55);
			break;
		}
		__atomic_store_n(slot, word, __ATOMIC_RELEASE);
		if (i % 256 == 0)
			sched_yield();
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct uipc_seg *seg;
	struct uipc_ring r;
	int fd, rc;

	if (argc < 4) {
		fprintf(stderr, "usage: peer_ring produce|scribble FD ...\n");
		return 2;
	}
	fd = atoi(argv[2]);
	rc = uipc_seg_attach(fd, &seg);
	if (rc) {
		fprintf(stderr, "peer_ring: attach: %s\n", strerror(-rc));
		return 1;
	}
	if (!strcmp(argv[1], "produce") && argc >= 7) {
		rc = uipc_ring_attach(seg, 0, UIPC_PRODUCER, &r);
		if (!rc)
			rc = produce(&r, strtoull(argv[3], NULL, 0), strtoull(argv[4], NULL, 0),
				     strtoull(argv[5], NULL, 0), (unsigned)atoi(argv[6]),
				     argc > 7 && !strcmp(argv[7], "burst"));
		uipc_ring_detach(&r);
	} else if (!strcmp(argv[1], "scribble")) {
		rc = scribble(seg, strtoull(argv[3], NULL, 0), argc > 4 ? strtoull(argv[4], NULL, 0) : 1);
	} else {
		fprintf(stderr, "peer_ring: bad arguments\n");
		rc = -EINVAL;
	}
	if (rc)
		fprintf(stderr, "peer_ring %s: %s\n", argv[1], strerror(-rc));
	uipc_seg_close(seg);
	return rc ? 1 : 0;
}
