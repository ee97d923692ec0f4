/* SPDX-License-Identifier: MIT */
/*
 * uipc round trips: one segment with two rings, the echoing peer a forked
 * process that attaches from the segment's fd (the real attach path), both
 * sides busy-polling.  The ping side copies in with uipc_ring_send() and
 * out with uipc_ring_recv(); the peer echoes with one copy, ring to ring
 * (peek, uipc_ring_send() straight from the peeked bytes, release), which
 * is the least a ring peer can do.
 *
 * Two variants differ only in record layout: `uipc` (the default: a record
 * of up to 64 bytes on a line of its own, larger ones packed) and `uipc-a8`
 * (every record packed at 8 bytes, so a small one may straddle two lines).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <uipc/barrier.h>
#include <uipc/ring.h>
#include <uipc/seg.h>

#include "clock.h"
#include "env.h"
#include "proc.h"
#include "tp_uipc.h"
#include "transport.h"

#define MIN_CAP (64u << 10)

/* @align 0 is the library's default layout, whose large records pack at 8. */
static uint64_t ring_cap(size_t size, uint32_t align)
{
	uint64_t a = align >= 8 ? align : 8, cap = MIN_CAP;
	uint64_t rec = (UIPC_REC_HDR + size + a - 1) & ~(a - 1);

	/* The ring's own bound (ring.h): a record of at most cap/2 - 8 bytes
	 * and a message of at most cap/2 - 16; that is room for two. */
	while (rec > cap / 2 - 8 || size > cap / 2 - 16)
		cap <<= 1;
	return cap;
}

int tp_uipc_seg_pair(size_t size, uint32_t align, struct uipc_seg **segp)
{
	return tp_uipc_seg(size, align, 0, segp);
}

int tp_uipc_seg(size_t size, uint32_t align, uint64_t min_cap, struct uipc_seg **segp)
{
	struct uipc_ring_opts ro = { .capacity = ring_cap(size, align), .align = align };
	struct uipc_region_req req[2];
	struct uipc_seg_opts so = UIPC_SEG_OPTS_INIT;
	struct uipc_seg_info info;
	struct uipc_seg *seg;
	int rc, i;

	while (ro.capacity < min_cap)
		ro.capacity <<= 1;
	if (ro.capacity > UIPC_RING_MAX_CAP)
		return -EMSGSIZE;
	for (i = 0; i < 2; i++) {
		req[i] = (struct uipc_region_req){ .kind = UIPC_REGION_RING };
		req[i].size = uipc_ring_region_size(&ro);
		if (!req[i].size)
			return -EINVAL;
	}
	so.name = "uipc-bench";
	so.kind = UIPC_KIND_RING;
	so.nregions = 2;
	so.regions = req;
	so.huge = UIPC_HUGE_PREFER;
	so.page_size = UIPC_PAGE_2M;
	rc = uipc_seg_create(&so, &seg, NULL);
	if (rc)
		return rc;
	for (i = 0; i < 2 && !rc; i++)
		rc = uipc_ring_format(seg, (unsigned)i, &ro);
	if (!rc)
		rc = uipc_seg_publish(seg);
	if (!rc)
		rc = uipc_seg_info(seg, &info);
	if (rc) {
		uipc_seg_close(seg);
		return rc;
	}
	bench_env_note_seg(uipc_backing_name(info.backing), info.page_size, info.node,
			   info.fallback_reason);
	*segp = seg;
	return 0;
}

void tp_uipc_probe(void)
{
	struct uipc_seg *seg;

	if (!tp_uipc_seg_pair(64, 8, &seg))
		uipc_seg_close(seg);
}

struct pong_arg {
	int fd;
	size_t size;
	uint64_t total;
};

static int pong(void *p)
{
	const struct pong_arg *a = p;
	struct uipc_ring rx, tx;
	struct uipc_seg *seg;
	uint64_t i;
	int rc;

	rc = uipc_seg_attach(a->fd, &seg);
	if (!rc)
		rc = uipc_ring_attach(seg, 0, UIPC_CONSUMER, &rx);
	if (!rc)
		rc = uipc_ring_attach(seg, 1, UIPC_PRODUCER, &tx);
	if (rc)
		return rc;
	for (i = 0; i < a->total; i++) {
		const void *msg;
		size_t len;

		while ((rc = uipc_ring_peek(&rx, &msg, &len)) == -EAGAIN)
			uipc_cpu_relax();
		if (rc)
			return rc;
		if (len != a->size)
			return -EPROTO;
		while ((rc = uipc_ring_send(&tx, msg, len)) == -EAGAIN)
			uipc_cpu_relax();
		if (rc)
			return rc;
		uipc_ring_release(&rx);
	}
	return 0;
}

static int run(const struct bench_pp_cfg *cfg, uint32_t align, bench_sample_fn sample,
	       void *ctx, const char **why)
{
	struct pong_arg pa = { .size = cfg->size, .total = cfg->warmup + cfg->count };
	struct bench_pp_timer tm;
	struct uipc_ring tx, rx;
	struct uipc_seg *seg;
	uint8_t *src, *dst;
	uint64_t i;
	pid_t pid;
	int rc, prc;

	rc = tp_uipc_seg_pair(cfg->size, align, &seg);
	if (rc) {
		*why = "uipc segment creation failed";
		return rc;
	}
	src = calloc(1, cfg->size + 8);
	dst = calloc(1, cfg->size + 8);
	rc = !src || !dst ? -ENOMEM : 0;
	if (!rc)
		rc = uipc_ring_attach(seg, 0, UIPC_PRODUCER, &tx);
	if (!rc)
		rc = uipc_ring_attach(seg, 1, UIPC_CONSUMER, &rx);
	if (rc) {
		*why = "uipc ring attach failed";
		goto out;
	}
	memset(src, 0xa5, cfg->size);
	pa.fd = uipc_seg_fd(seg);
	pid = bench_spawn(cfg->cpu_pong, pong, &pa);
	if (pid < 0) {
		rc = pid;
		*why = "fork failed";
		goto out;
	}
	bench_pp_timer_init(&tm, cfg, sample, ctx);
	for (i = 0; i < pa.total; i++) {
		uint64_t spins = 0;
		ssize_t n;

		if (cfg->size >= 8)
			memcpy(src, &i, 8);
		bench_pp_start(&tm);
		/* Full only until the peer's release of the last message. */
		while ((rc = uipc_ring_send(&tx, src, cfg->size)) == -EAGAIN) {
			uipc_cpu_relax();
			if (!(++spins & 0xfffff) && bench_peer_gone(pid)) {
				rc = -EPIPE;
				break;
			}
		}
		if (rc) {
			*why = rc == -EPIPE ? "echo process died" : "uipc_ring_send failed";
			break;
		}
		while ((n = uipc_ring_recv(&rx, dst, cfg->size)) == -EAGAIN) {
			uipc_cpu_relax();
			if (!(++spins & 0xfffff) && bench_peer_gone(pid))
				break;
		}
		bench_pp_stop(&tm);
		if (n != (ssize_t)cfg->size || (cfg->size >= 8 && memcmp(dst, &i, 8))) {
			rc = n < 0 && n != -EAGAIN ? (int)n : -EPROTO;
			*why = n == -EAGAIN ? "echo process died" : "bad echo";
			break;
		}
		bench_pp_sample(&tm, i >= cfg->warmup);
	}
	if (rc)
		bench_kill(pid);
	prc = bench_reap(pid);
	if (!rc && prc) {
		rc = prc;
		*why = "echo process failed";
	}
out:
	free(src);
	free(dst);
	uipc_seg_close(seg);
	return rc;
}

static int pp_default(const struct bench_pp_cfg *cfg, bench_sample_fn sample, void *ctx,
		      const char **why)
{
	return run(cfg, 0, sample, ctx, why);
}

static int pp_a8(const struct bench_pp_cfg *cfg, bench_sample_fn sample, void *ctx,
		 const char **why)
{
	return run(cfg, 8, sample, ctx, why);
}

const struct bench_transport bench_tp_uipc = {
	.name = "uipc",
	.desc = "uipc SPSC ring pair, separate process, busy-poll, default record layout",
	.pingpong = pp_default,
	.stream = tp_uipc_stream,
};

const struct bench_transport bench_tp_uipc_a8 = {
	.name = "uipc-a8",
	.desc = "uipc SPSC ring pair, separate process, busy-poll, packed 8-byte records",
	.pingpong = pp_a8,
};
