/* SPDX-License-Identifier: MIT */
/* SPSC ring: format, attach and validation.  The fast path is in ring.h. */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <uipc/ring.h>
#include <uipc/seg.h>

void uipc__ring_wait_detach(struct uipc_ring *r); /* src/ring_wait.c */

/* The data array starts on its own page: the control lines never share a
 * cache line (or a prefetch pair) with records. */
#define RING_DATA_OFFSET 4096u

static int is_pow2(uint64_t x)
{
	return x && !(x & (x - 1));
}

/* What a ring is formatted with, from its options. */
struct layout {
	uint32_t align; /* every record ends on this (8 in the line layout) */
	uint32_t flags; /* UIPC_RING_F_* */
	uint32_t max_msg;
};

/*
 * The line layout from 1 KiB: a small record starts where the consumer
 * polls and never straddles into a second line (packed records straddle
 * half the time at 32 bytes and cost a second line crossing per round
 * trip), while 64-byte messages still pack into 72 bytes.  Below 1 KiB a
 * ring holds too few lines to spend one per small record.
 */
static uint32_t default_align(uint64_t cap)
{
	return cap < 1024 ? 8 : UIPC_RING_ALIGN_LINE;
}

/*
 * A record of at most cap/2 - 8 bytes (header included, rounded up to the
 * alignment) always fits once the ring drains, even behind padding: if it
 * does not fit before the end, the end is more than cap/2 + 8 away, which
 * leaves the record plus the zeroed slot after it room at the start.  In
 * the line layout a small record takes at most 120 bytes (64 at offset 0),
 * which the 256-byte minimum keeps below cap/2 - 8.
 */
static uint32_t default_max_msg(uint64_t cap, uint32_t align)
{
	return (uint32_t)((cap / 2 - 8) / align * align - UIPC_REC_HDR);
}

static int check_opts(const struct uipc_ring_opts *o, struct layout *l)
{
	uint32_t a, m;

	if (!o || !is_pow2(o->capacity) || o->capacity < UIPC_RING_MIN_CAP ||
	    o->capacity > UIPC_RING_MAX_CAP)
		return -EINVAL;
	a = o->align ? o->align : default_align(o->capacity);
	l->flags = 0;
	if (a == UIPC_RING_ALIGN_LINE) {
		if (o->capacity < 256)
			return -EINVAL;
		a = 8;
		l->flags = UIPC_RING_F_LINE;
	} else if (!is_pow2(a) || a < 8 || a > 4096 || a > o->capacity / 4) {
		return -EINVAL;
	}
	m = o->max_msg ? o->max_msg : default_max_msg(o->capacity, a);
	if (m > default_max_msg(o->capacity, a))
		return -EINVAL;
	l->max_msg = m;
	l->align = a;
	return 0;
}

uint64_t uipc_ring_region_size(const struct uipc_ring_opts *opts)
{
	struct layout l;

	if (check_opts(opts, &l))
		return 0;
	return RING_DATA_OFFSET + opts->capacity;
}

int uipc_ring_format(struct uipc_seg *seg, unsigned index, const struct uipc_ring_opts *opts)
{
	struct uipc_ring_ctl *ctl;
	void *p;
	uint64_t size;
	struct layout l;
	uint32_t kind;
	int rc;

	if (!seg)
		return -EINVAL;
	rc = check_opts(opts, &l);
	if (rc)
		return rc;
	rc = uipc_seg_region(seg, index, &p, &size, &kind);
	if (rc)
		return rc;
	if (size < RING_DATA_OFFSET + opts->capacity)
		return -ENOSPC;
	ctl = p;
	memset(ctl, 0, sizeof(*ctl));
	ctl->magic = UIPC_RING_MAGIC;
	ctl->version = UIPC_RING_VERSION;
	ctl->capacity = opts->capacity;
	ctl->data_offset = RING_DATA_OFFSET;
	ctl->flags = l.flags;
	ctl->max_msg = l.max_msg;
	ctl->align = l.align;
	/* The data array is zero (a new memfd): every slot reads "empty".
	 * The segment's publish store orders all of this for attachers. */
	return 0;
}

int uipc_ring_create(const struct uipc_ring_opts *opts, const struct uipc_seg_opts *seg_opts,
		     struct uipc_seg **segp, struct uipc_seg_error *err)
{
	struct uipc_seg_opts so = UIPC_SEG_OPTS_INIT;
	struct uipc_region_req req = { .kind = UIPC_REGION_RING };
	struct uipc_seg *seg;
	int rc;

	if (!segp)
		return -EINVAL;
	req.size = uipc_ring_region_size(opts);
	if (!req.size)
		return -EINVAL;
	if (seg_opts)
		so = *seg_opts;
	so.kind = UIPC_KIND_RING;
	so.nregions = 1;
	so.regions = &req;
	if (!so.name)
		so.name = "uipc-ring";
	rc = uipc_seg_create(&so, &seg, err);
	if (rc)
		return rc;
	rc = uipc_ring_format(seg, 0, opts);
	if (!rc)
		rc = uipc_seg_publish(seg);
	if (rc) {
		uipc_seg_close(seg);
		return rc;
	}
	*segp = seg;
	return 0;
}

int uipc_ring_attach(struct uipc_seg *seg, unsigned index, enum uipc_role role,
		     struct uipc_ring *r)
{
	const struct uipc_ring_ctl *ctl;
	struct uipc_ring_opts o;
	struct layout l;
	uint64_t size, cap, data_off;
	uint32_t kind, max_msg, align, flags;
	void *p;
	int rc;

	if (!seg || !r || (role != UIPC_PRODUCER && role != UIPC_CONSUMER))
		return -EINVAL;
	rc = uipc_seg_region(seg, index, &p, &size, &kind);
	if (rc)
		return rc;
	if (kind != UIPC_REGION_RING || size < sizeof(*ctl))
		return -EMEDIUMTYPE;
	ctl = p;
	/* Read each field once into a local; only locals are checked and used
	 * (another process may be changing the shared copy right now). */
	if (UIPC_READ_ONCE(ctl->magic) != UIPC_RING_MAGIC)
		return -ENOEXEC;
	if (UIPC_READ_ONCE(ctl->version) != UIPC_RING_VERSION)
		return -EPROTONOSUPPORT;
	cap = UIPC_READ_ONCE(ctl->capacity);
	data_off = UIPC_READ_ONCE(ctl->data_offset);
	max_msg = UIPC_READ_ONCE(ctl->max_msg);
	align = UIPC_READ_ONCE(ctl->align);
	flags = UIPC_READ_ONCE(ctl->flags);
	if (!is_pow2(cap) || cap < UIPC_RING_MIN_CAP || cap > UIPC_RING_MAX_CAP)
		return -EDOM;
	if (data_off < sizeof(*ctl) || data_off % 64 || data_off > size || cap > size - data_off)
		return -ERANGE;
	if ((flags & ~UIPC_RING_F_LINE) || ((flags & UIPC_RING_F_LINE) && align != 8))
		return -ERANGE;
	o = (struct uipc_ring_opts){ .capacity = cap, .max_msg = max_msg, .align = align };
	if (flags & UIPC_RING_F_LINE)
		o.align = UIPC_RING_ALIGN_LINE;
	if (!max_msg || check_opts(&o, &l))
		return -ERANGE;

	memset(r, 0, sizeof(*r));
	r->ctl = p;
	r->data = (uint8_t *)p + data_off;
	r->cap = cap;
	r->mask = cap - 1;
	r->align_mask = l.align - 1;
	r->line_small = l.flags & UIPC_RING_F_LINE ? UIPC_CACHE_LINE : 0;
	r->max_msg = l.max_msg;
	r->role = role;
	if (role == UIPC_PRODUCER) {
		/* Resume where the committed stream ends: the consumer's released
		 * position is a lower bound, the producer's hint the answer when
		 * it is sane.  A fresh ring starts at 0. */
		uint64_t cons = uipc_load_acquire(&r->ctl->cons.pos);
		uint64_t prod = UIPC_READ_ONCE(r->ctl->prod.pos);

		if (prod < cons || prod - cons > cap || (prod & 7))
			prod = cons;
		r->head = prod;
		r->limit = cons + cap;
		UIPC_WRITE_ONCE(r->ctl->prod.pid, (int32_t)getpid());
		UIPC_WRITE_ONCE(r->ctl->prod.closed, 0u);
	} else {
		/* Pairs with the store-release of cons.pos by an earlier consumer. */
		uint64_t cons = uipc_load_acquire(&r->ctl->cons.pos);

		if (cons & 7)
			return -ERANGE;
		r->pos = r->released = cons;
		UIPC_WRITE_ONCE(r->ctl->cons.pid, (int32_t)getpid());
		UIPC_WRITE_ONCE(r->ctl->cons.closed, 0u);
	}
	return 0;
}

void uipc_ring_detach(struct uipc_ring *r)
{
	if (!r || !r->ctl)
		return;
	if (r->role == UIPC_PRODUCER) {
		uipc_ring_commit(r);
		uipc_store_release(&r->ctl->prod.closed, 1u);
	} else if (r->role == UIPC_CONSUMER) {
		uipc_ring_release(r);
		uipc_store_release(&r->ctl->cons.closed, 1u);
	}
	/* A peer asleep on the ring must wake up to see the closed flag. */
	uipc__ring_wait_detach(r);
	r->ctl = NULL;
	r->data = NULL;
}
