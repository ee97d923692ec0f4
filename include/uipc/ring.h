/* SPDX-License-Identifier: MIT */
/*
 * SPSC byte ring and batch queue: variable-length records, zero-copy
 * reserve/commit and peek/release, one release store per batch.
 *
 * Record = 8-byte header word then payload, never split across the end:
 * a PAD record fills the tail before wrap-around.  The header word is the
 * publish marker:
 *
 *     word = (uint64_t)tag(pos) << 32 | len      (len | UIPC_REC_PAD for padding)
 *     tag(pos) = (uint32_t)(pos >> 3) << 1 | 1   (never 0, differs every lap)
 *
 * so the consumer polls the header of the next record, on the same cache
 * line as the first payload bytes: one line crossing per small message.
 *
 * Where a record ends (the next one starts) is the layout's choice, fixed
 * at format (uipc_ring_opts.align):
 *
 *   UIPC_RING_ALIGN_LINE (the default from 1 KiB)  a record of up to 64
 *       bytes, header included, ends on a cache line, so the next header
 *       is at a line start and a small record never straddles two lines;
 *       a larger record ends on 8 bytes (a 64-byte message takes 72
 *       bytes, not 128: streams of them move half the lines)
 *   8 .. 4096  every record ends on that power of two (8: packed)
 *
 * Pairing diagram (P = producer, C = consumer):
 *
 *   P: uipc_ring_reserve()                C: uipc_ring_peek()
 *        write payload, later headers,         w = load-acquire(hdr[pos])  (A)
 *        zero hdr[next]                        w == 0: empty
 *   P: uipc_ring_commit()                      tag/len checked, payload read
 *        store-release(hdr[first]) (A)    C: uipc_ring_release()
 *                                              store-release(cons.pos)    (B)
 *   P: reserve, cache says full:
 *        load-acquire(cons.pos)   (B)
 *
 *   (A) the payloads, every later header of the batch and the zeroed slot
 *       after it are visible once the first header is.
 *   (B) the consumer's reads of released records happen before the
 *       producer reuses their bytes.
 *
 * Zeroing the slot after the newest record (before (A)) is what makes the
 * ring safe without clearing: the consumer can only ever find 0 or a fresh
 * header there, never stale payload from an earlier lap that happens to look
 * like a header.  The tag is then a check: a non-zero word whose tag is not
 * tag(pos), a length past the end, or a PAD that does not end at the end
 * marks the ring broken (-EBADMSG); nothing read from shared memory is used
 * before it is checked, and nothing checked is read twice.
 *
 * Sizes: capacity is a power of two from 64 bytes to 2 GiB; the largest
 * message is the largest record of at most capacity/2 - 8 bytes, less its
 * header (capacity/2 - 16 with the default layout or 8-byte alignment,
 * capacity/2 - 72 at 64), or a smaller max_msg chosen at format, so any
 * message fits once the consumer drains.
 */
#ifndef UIPC_RING_H
#define UIPC_RING_H

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/types.h>
#include <sys/uio.h>

#include "barrier.h"
#include "common.h"
#include "seg.h"

#ifdef __cplusplus
extern "C" {
#endif

#define UIPC_RING_MAGIC 0x474e495243504955ULL /* "UIPCRING" */
#define UIPC_RING_VERSION 2u
#define UIPC_REC_HDR 8u
#define UIPC_REC_PAD 0x80000000u
#define UIPC_RING_MIN_CAP 64ull
#define UIPC_RING_MAX_CAP (1ull << 31)
/* uipc_ring_opts.align: small records end on a line, larger ones pack. */
#define UIPC_RING_ALIGN_LINE 1u
/* ctl->flags: the ring was formatted with UIPC_RING_ALIGN_LINE. */
#define UIPC_RING_F_LINE 1u

/* ---------------------------------------------------------------- shared */

/* The ring's control block, at the start of its region; data follows at
 * `data_offset` from the region start.  Each written line is owned by one
 * side. */
struct uipc_ring_ctl {
	/* Written once by the creator before the segment is published. */
	uint64_t magic;
	uint32_t version;
	uint32_t flags;
	uint64_t capacity; /* power of two */
	uint64_t data_offset; /* from the region start */
	uint32_t max_msg;
	uint32_t align; /* record alignment, power of two, 8..4096 (8 with F_LINE) */
	uint8_t pad0[UIPC_LINE - 40];

	/* Producer line: only the producer writes. */
	struct {
		uint64_t pos; /* committed position: a hint for tools, not for C */
		uint64_t commits;
		int32_t pid;
		uint32_t closed; /* producer said goodbye */
		uint8_t pad[UIPC_LINE - 24];
	} prod;

	/* Producer's sleep line (wait layer): futex word + waiter flag. */
	struct {
		uint32_t futex;
		uint32_t waiting;
		uint8_t pad[UIPC_LINE - 8];
	} prod_wait;

	/* Consumer line: only the consumer writes. */
	struct {
		uint64_t pos; /* released position, see (B) */
		uint64_t releases;
		int32_t pid;
		uint32_t closed;
		uint8_t pad[UIPC_LINE - 24];
	} cons;

	/* Consumer's sleep line (wait layer). */
	struct {
		uint32_t futex;
		uint32_t waiting;
		uint8_t pad[UIPC_LINE - 8];
	} cons_wait;
};

UIPC_STATIC_ASSERT(sizeof(struct uipc_ring_ctl) == 5 * UIPC_LINE, "ring ctl layout");
UIPC_STATIC_ASSERT(offsetof(struct uipc_ring_ctl, prod) == 1 * UIPC_LINE, "ring ctl layout");
UIPC_STATIC_ASSERT(offsetof(struct uipc_ring_ctl, prod_wait) == 2 * UIPC_LINE, "ring ctl layout");
UIPC_STATIC_ASSERT(offsetof(struct uipc_ring_ctl, cons) == 3 * UIPC_LINE, "ring ctl layout");
UIPC_STATIC_ASSERT(offsetof(struct uipc_ring_ctl, cons_wait) == 4 * UIPC_LINE, "ring ctl layout");

/* ---------------------------------------------------------------- local */

enum uipc_role {
	UIPC_PRODUCER = 1,
	UIPC_CONSUMER = 2,
};

/* Format options (creator side). */
struct uipc_ring_opts {
	uint64_t capacity; /* data bytes, power of two */
	uint32_t max_msg; /* 0: the largest possible (see Sizes above) */
	/* Record layout.  0: UIPC_RING_ALIGN_LINE from 1 KiB of capacity, 8
	 * below.  UIPC_RING_ALIGN_LINE (capacity >= 256): a message of up to
	 * 56 bytes is one line and the consumer polls the line it will read;
	 * larger ones pack.  A power of two 8..capacity/4: every record ends
	 * there; 8 packs tiny messages (16 bytes for an 8-byte one instead of
	 * 64) at the price of a small record straddling two lines now and
	 * then, a slower small round trip. */
	uint32_t align;
};

struct uipc_wait_ep; /* wait layer, see wait.h */

/*
 * A process-local endpoint.  Every field is local: the values validated at
 * attach (capacity, mask, max_msg, align) are never re-read from shared
 * memory.  Treat as opaque; it is public only so the fast path can inline.
 */
struct uipc_ring {
	uint8_t *data;
	struct uipc_ring_ctl *ctl;
	uint64_t cap;
	uint64_t mask;
	uint64_t align_mask;
	uint64_t line_small; /* records up to this size end on a line (0: none) */
	uint32_t max_msg;
	int role;
	int broken;
	/* producer */
	uint64_t head; /* next reserve position */
	uint64_t limit; /* cons.pos last seen + cap: writable below this */
	uint64_t batch_pos; /* first record of the open batch */
	uint64_t batch_word; /* its header, stored by commit; 0 = none open */
	uint64_t zero_from; /* slots in [zero_from, zero_to) are zeroed ahead, */
	uint64_t zero_to; /* ordered by the next commit's release */
	/* consumer */
	uint64_t pos; /* next record to peek */
	uint64_t released; /* last published cons.pos */
	struct uipc_wait_ep *wait; /* wait layer state, NULL until used */
};

/**
 * uipc_ring_region_size() - region bytes needed for @opts (control + data).
 * Return: size, or 0 if @opts is invalid.
 */
UIPC_API uint64_t uipc_ring_region_size(const struct uipc_ring_opts *opts);

/**
 * uipc_ring_format() - write a ring's control block into region @index of a
 * created, unpublished segment.
 * Return: 0, -EINVAL (capacity not a power of two in range, max_msg too
 * large, align invalid), -ENOENT (no such region), -ENOSPC (region too small).
 */
UIPC_API int uipc_ring_format(struct uipc_seg *seg, unsigned index,
			      const struct uipc_ring_opts *opts);

/**
 * uipc_ring_create() - one-call creator: a segment with one ring region,
 * formatted and published.  @seg_opts may be NULL (UIPC_SEG_OPTS_INIT).
 * Return: 0 or an error of uipc_seg_create() / uipc_ring_format().
 */
UIPC_API int uipc_ring_create(const struct uipc_ring_opts *opts,
			      const struct uipc_seg_opts *seg_opts, struct uipc_seg **seg,
			      struct uipc_seg_error *err);

/**
 * uipc_ring_attach() - open region @index of @seg as one side of a ring.
 * Validates the control block against the region: -EMEDIUMTYPE (region is
 * not a ring), -ENOEXEC (bad magic), -EPROTONOSUPPORT (version), -EDOM
 * (capacity not a power of two or out of range), -ERANGE (data outside the
 * region, max_msg or align impossible), -EINVAL (bad role).
 */
UIPC_API int uipc_ring_attach(struct uipc_seg *seg, unsigned index, enum uipc_role role,
			      struct uipc_ring *r);

/** uipc_ring_detach() - say goodbye (closed flag) and drop wait state. */
UIPC_API void uipc_ring_detach(struct uipc_ring *r);

/** Capacity in data bytes. */
UIPC_INLINE uint64_t uipc_ring_capacity(const struct uipc_ring *r)
{
	return r->cap;
}

/** Largest message in bytes. */
UIPC_INLINE uint32_t uipc_ring_max_msg(const struct uipc_ring *r)
{
	return r->max_msg;
}

/* -------------------------------------------------------- fast path: helpers */

UIPC_INLINE uint32_t uipc__rec_tag(uint64_t pos)
{
	return ((uint32_t)(pos >> 3) << 1) | 1u;
}

UIPC_INLINE uint64_t *uipc__rec_slot(const struct uipc_ring *r, uint64_t pos)
{
	return (uint64_t *)(void *)(r->data + (pos & r->mask));
}

/* Bytes from @pos to where the next record starts (see the layouts above). */
UIPC_INLINE uint64_t uipc__rec_size(const struct uipc_ring *r, uint64_t pos, uint64_t len)
{
	uint64_t body = UIPC_REC_HDR + len;
	uint64_t mask = body <= r->line_small ? UIPC_CACHE_LINE - 1 : r->align_mask;

	return ((pos + body + mask) & ~mask) - pos;
}

/* The first header of a batch is kept back for commit's release store;
 * later ones are plain stores that (A) publishes. */
UIPC_INLINE void uipc__rec_put(struct uipc_ring *r, uint64_t pos, uint32_t len)
{
	uint64_t word = ((uint64_t)uipc__rec_tag(pos) << 32) | len;

	if (r->batch_word == 0) {
		r->batch_pos = pos;
		r->batch_word = word;
	} else {
		UIPC_WRITE_ONCE(*uipc__rec_slot(r, pos), word);
	}
}

/* A record failed its checks: the endpoint stays broken from now on. */
UIPC_INLINE int uipc__ring_corrupt(struct uipc_ring *r)
{
	r->broken = 1;
	return -EBADMSG;
}

/* Out of line (src/ring_wait.c): the peer's waiter flag @how was set: wake
 * it, unless its tag says it was already woken (wait.h, rule (T)). */
UIPC_API void uipc__ring_wake(struct uipc_ring *r, uint32_t how);

/* ------------------------------------------------------ fast path: producer */

#define UIPC_RING_ZERO_AHEAD 128u

/*
 * After a commit, zero the next lines past the end slot while the consumer
 * is busy with what was just published.  Otherwise the end-slot store of
 * the next reserve lands on a line not yet owned, and its ownership
 * transfer sits in front of the next header's release store (x86 drains
 * stores in order): a second line crossing per message.  The zeroes are
 * ordered for the consumer by the next commit's release, (A), before which
 * it cannot read past the current end slot.  Only bytes below `limit`
 * (already released by the consumer) are touched, and never the line of
 * the end slot itself, which the consumer may be polling.
 */
UIPC_INLINE void uipc__ring_zero_ahead(struct uipc_ring *r)
{
	uint64_t from = (r->head + UIPC_REC_HDR + 63) & ~63ull, to, p;

	to = from + UIPC_RING_ZERO_AHEAD;
	if (to > (r->limit & ~63ull))
		to = r->limit & ~63ull;
	if (from <= r->zero_to) { /* positions only grow: zero_from <= from */
		if (to <= r->zero_to)
			return;
		from = r->zero_to; /* extend the zeroed run */
	} else {
		r->zero_from = from;
	}
	for (p = from; p < to; p += 64) /* 64-aligned lines never straddle the end */
		memset(r->data + (p & r->mask), 0, 64);
	if (to > from)
		r->zero_to = to;
}

/**
 * uipc_ring_reserve() - reserve @len bytes for the next message.
 * @out: where to write the payload (8-byte aligned)
 *
 * Nothing is visible to the consumer until uipc_ring_commit().  On -EAGAIN
 * with a batch open, commit before waiting for space: the consumer cannot
 * free space while it cannot see the records that fill it.
 * Return: 0, -EMSGSIZE (@len > max_msg), -EAGAIN (ring full).
 */
UIPC_INLINE int uipc_ring_reserve(struct uipc_ring *r, size_t len, void **out)
{
	uint64_t head = r->head, off, rec, need;

	if (uipc_unlikely(len > r->max_msg))
		return -EMSGSIZE;
	off = head & r->mask;
	rec = uipc__rec_size(r, head, len);
	need = rec;
	if (uipc_unlikely(off + rec > r->cap)) {
		/* padding to the end first, then the record at offset 0 */
		rec = uipc__rec_size(r, head + (r->cap - off), len);
		need = r->cap - off + rec;
	}
	/* + one header: the slot after the record is zeroed below */
	if (uipc_unlikely(head + need + UIPC_REC_HDR > r->limit)) {
		/* Pairs with the store-release of cons.pos in
		 * uipc_ring_release(): bytes below it are no longer read. (B) */
		r->limit = uipc_load_acquire(&r->ctl->cons.pos) + r->cap;
		if (head + need + UIPC_REC_HDR > r->limit)
			return -EAGAIN;
	}
	if (uipc_unlikely(need != rec)) {
		uipc__rec_put(r, head, UIPC_REC_PAD | (uint32_t)(r->cap - off - UIPC_REC_HDR));
		head += r->cap - off;
		off = 0;
	}
	uipc__rec_put(r, head, (uint32_t)len);
	if (head + rec < r->zero_from || head + rec >= r->zero_to)
		UIPC_WRITE_ONCE(*uipc__rec_slot(r, head + rec), (uint64_t)0);
	r->head = head + rec;
	*out = r->data + off + UIPC_REC_HDR;
	return 0;
}

/**
 * uipc_ring_commit() - publish every message reserved since the last
 * commit, with one release store.  No-op when nothing is reserved.
 */
UIPC_INLINE void uipc_ring_commit(struct uipc_ring *r)
{
	if (uipc_unlikely(r->batch_word == 0))
		return;
	/* Pairs with the load-acquire in uipc_ring_peek(). (A) */
	uipc_store_release(uipc__rec_slot(r, r->batch_pos), r->batch_word);
	r->batch_word = 0;
	UIPC_WRITE_ONCE(r->ctl->prod.pos, r->head);
	uipc__ring_zero_ahead(r);
	if (r->wait) {
		uint32_t how;

		/* Pairs with the smp_mb in uipc_wait_prepare() of a sleeping
		 * consumer (wait.h, F2/F1): it sees (A) or we see its flag. */
		uipc_smp_mb();
		/* Acquire: uipc__ring_wake() reads the futex after it (T). */
		how = uipc_load_acquire(&r->ctl->cons_wait.waiting);
		if (uipc_unlikely(how))
			uipc__ring_wake(r, how);
	}
}

/**
 * uipc_ring_send() - copy one message in and commit it.
 * Return: 0, -EMSGSIZE, -EAGAIN (full).
 */
/*
 * Copy a message into its reserved record, the record's first line last.
 * The consumer is polling that line (the header is on it): written first,
 * it would be taken for writing, read back by the poll, then taken again for
 * the header store.  Last, it is taken once, just before commit.  A
 * zero-copy writer of messages longer than a line gains the same by
 * writing its first 56 bytes last.
 */
UIPC_INLINE void uipc__copy_in(void *dst, const void *src, size_t len)
{
	size_t first = UIPC_CACHE_LINE - ((uintptr_t)dst & (UIPC_CACHE_LINE - 1));

	if (len > first) {
		memcpy((char *)dst + first, (const char *)src + first, len - first);
		len = first;
	}
	memcpy(dst, src, len);
}

UIPC_INLINE int uipc_ring_send(struct uipc_ring *r, const void *buf, size_t len)
{
	void *p;
	int rc = uipc_ring_reserve(r, len, &p);

	if (rc)
		return rc;
	uipc__copy_in(p, buf, len);
	uipc_ring_commit(r);
	return 0;
}

/**
 * uipc_ring_send_burst() - copy in as many of @n messages as fit, commit
 * them with one store.
 * Return: the number sent (0 if full), or -EMSGSIZE if the first message
 * that did not fit is larger than max_msg and none was sent.
 */
UIPC_INLINE int uipc_ring_send_burst(struct uipc_ring *r, const struct iovec *msgs, unsigned n)
{
	unsigned i;
	int rc = 0;

	for (i = 0; i < n; i++) {
		void *p;

		rc = uipc_ring_reserve(r, msgs[i].iov_len, &p);
		if (rc)
			break;
		uipc__copy_in(p, msgs[i].iov_base, msgs[i].iov_len);
	}
	uipc_ring_commit(r);
	if (i == 0 && rc == -EMSGSIZE)
		return rc;
	return (int)i;
}

/* ------------------------------------------------------ fast path: consumer */

/**
 * uipc_ring_peek() - the next message, in place.  Successive peeks walk
 * forward; uipc_ring_release() frees everything peeked so far.
 * Return: 0 with *@msg and *@len set, -EAGAIN (empty), -EBADMSG (corrupt
 * record: the endpoint is broken from now on).
 */
UIPC_INLINE int uipc_ring_peek(struct uipc_ring *r, const void **msg, size_t *len)
{
	for (;;) {
		uint64_t pos = r->pos, off = pos & r->mask, word, rec;
		uint32_t l;

		if (uipc_unlikely(r->broken))
			return -EBADMSG;
		/* Pairs with the store-release in uipc_ring_commit(). (A) */
		word = uipc_load_acquire(uipc__rec_slot(r, pos));
		if (word == 0)
			return -EAGAIN;
		if (uipc_unlikely((uint32_t)(word >> 32) != uipc__rec_tag(pos)))
			return uipc__ring_corrupt(r);
		l = (uint32_t)word;
		if (uipc_unlikely(l & UIPC_REC_PAD)) {
			if ((l & ~UIPC_REC_PAD) != r->cap - off - UIPC_REC_HDR)
				return uipc__ring_corrupt(r);
			r->pos = pos + (r->cap - off);
			continue;
		}
		rec = uipc__rec_size(r, pos, l);
		if (uipc_unlikely(l > r->max_msg || off + rec > r->cap))
			return uipc__ring_corrupt(r);
		*msg = r->data + off + UIPC_REC_HDR;
		*len = l;
		r->pos = pos + rec;
		return 0;
	}
}

/** uipc_ring_release() - free everything peeked so far, with one store. */
UIPC_INLINE void uipc_ring_release(struct uipc_ring *r)
{
	if (r->pos == r->released)
		return;
	/* Pairs with the load-acquire of cons.pos in uipc_ring_reserve(). (B) */
	uipc_store_release(&r->ctl->cons.pos, r->pos);
	r->released = r->pos;
	if (r->wait) {
		uint32_t how;

		/* Pairs with the smp_mb in uipc_wait_prepare() of a producer
		 * blocked on full (wait.h, F2/F1): it sees (B) or we see its flag. */
		uipc_smp_mb();
		/* Acquire: uipc__ring_wake() reads the futex after it (T). */
		how = uipc_load_acquire(&r->ctl->prod_wait.waiting);
		if (uipc_unlikely(how))
			uipc__ring_wake(r, how);
	}
}

/**
 * uipc_ring_recv() - copy the next message out and release it.
 * Return: its length, -EAGAIN (empty), -EMSGSIZE (@cap too small: the
 * message stays in the ring), -EBADMSG (corrupt).
 */
UIPC_INLINE ssize_t uipc_ring_recv(struct uipc_ring *r, void *buf, size_t cap)
{
	const void *p;
	size_t len;
	uint64_t pos = r->pos;
	int rc = uipc_ring_peek(r, &p, &len);

	if (rc)
		return rc;
	if (uipc_unlikely(len > cap)) {
		r->pos = pos; /* un-peek; a skipped PAD is walked again, harmlessly */
		return -EMSGSIZE;
	}
	memcpy(buf, p, len);
	uipc_ring_release(r);
	return (ssize_t)len;
}

/**
 * uipc_ring_peek_burst() - up to @n messages in place (iov_base/iov_len
 * set); release them all with one uipc_ring_release().
 * Return: count (0 if empty) or -EBADMSG if the first record is corrupt.
 */
UIPC_INLINE int uipc_ring_peek_burst(struct uipc_ring *r, struct iovec *msgs, unsigned n)
{
	unsigned i;
	int rc = 0;

	for (i = 0; i < n; i++) {
		const void *p;
		size_t len;

		rc = uipc_ring_peek(r, &p, &len);
		if (rc)
			break;
		msgs[i].iov_base = (void *)p;
		msgs[i].iov_len = len;
	}
	if (i == 0 && rc == -EBADMSG)
		return rc;
	return (int)i;
}

/**
 * uipc_ring_recv_burst() - copy out up to @n messages into msgs[i].iov_base
 * (capacity msgs[i].iov_len, replaced by the message length) and release
 * them with one store.  Stops before a message larger than its buffer.
 * Return: count (0 if empty), -EMSGSIZE (first message too large for
 * msgs[0]), -EBADMSG (first record corrupt).
 */
UIPC_INLINE int uipc_ring_recv_burst(struct uipc_ring *r, struct iovec *msgs, unsigned n)
{
	unsigned i;
	int rc = 0;

	for (i = 0; i < n; i++) {
		const void *p;
		size_t len;
		uint64_t pos = r->pos;

		rc = uipc_ring_peek(r, &p, &len);
		if (rc)
			break;
		if (uipc_unlikely(len > msgs[i].iov_len)) {
			r->pos = pos;
			rc = -EMSGSIZE;
			break;
		}
		memcpy(msgs[i].iov_base, p, len);
		msgs[i].iov_len = len;
	}
	uipc_ring_release(r);
	if (i == 0 && rc != -EAGAIN)
		return rc;
	return (int)i;
}

#ifdef __cplusplus
}
#endif

#endif /* UIPC_RING_H */
