/* SPDX-License-Identifier: MIT */
/*
 * uipc one-way throughput: the sender reserves a batch of messages, writes
 * each in place and publishes the batch with one commit; the receiver peeks
 * up to a batch, checksums each payload in place and releases them with
 * one store (and whenever it runs dry).  `uipc` runs the receiver in a
 * forked process attached from the fd; `uipc-threads` runs the same code
 * in a thread of this process.  Each side's wait for the other is bounded:
 * the sender asks whether the receiver is gone, the receiver whether the
 * runner has stopped the run (stream_run.h).
 */
#include <errno.h>

#include <uipc/barrier.h>
#include <uipc/ring.h>
#include <uipc/seg.h>

#include "stream_run.h"
#include "tp_uipc.h"
#include "transport.h"

struct ctx {
	struct uipc_seg *seg;
	int threads;
};

static int tx(void *p, const struct bench_stream_cfg *cfg, uint64_t total, uint8_t *src)
{
	struct ctx *c = p;
	struct uipc_ring r;
	uint64_t i = 0, spins = 0;
	int rc = uipc_ring_attach(c->seg, 0, UIPC_PRODUCER, &r);

	while (!rc && i < total) {
		unsigned k;

		for (k = 0; k < cfg->batch && i < total; k++, i++) {
			void *out;

			while ((rc = uipc_ring_reserve(&r, cfg->size, &out)) == -EAGAIN) {
				/* Full: what is reserved must be visible, or the
				 * receiver can never make room for the rest. */
				uipc_ring_commit(&r);
				uipc_cpu_relax();
				if (!(++spins & 0xfffff) && bench_stream_peer_gone())
					return -EPIPE;
			}
			if (rc)
				break;
			bench_stream_stamp(src, i);
			memcpy(out, src, cfg->size);
		}
		uipc_ring_commit(&r);
	}
	uipc_ring_detach(&r);
	return rc;
}

static int rx(void *p, const struct bench_stream_cfg *cfg, uint64_t total, uint64_t warm,
	      struct bench_stream_rx *out)
{
	struct ctx *c = p;
	struct uipc_seg *seg = c->seg;
	struct uipc_ring r;
	uint64_t seen = 0, spins = 0;
	int rc = 0;

	if (!c->threads)
		rc = uipc_seg_attach(uipc_seg_fd(c->seg), &seg);
	if (!rc)
		rc = uipc_ring_attach(seg, 0, UIPC_CONSUMER, &r);
	while (!rc && seen < total) {
		unsigned k = 0;

		while (k < cfg->batch && seen < total) {
			const void *msg;
			size_t len;

			rc = uipc_ring_peek(&r, &msg, &len);
			if (rc == -EAGAIN) {
				rc = 0;
				if (k)
					break; /* dry: release what we have */
				uipc_cpu_relax();
				if (!(++spins & 0xfffff) && bench_stream_stopped())
					return -ECANCELED;
				continue;
			}
			if (rc)
				return rc;
			if (len != cfg->size)
				return -EPROTO;
			bench_stream_rx_msg(out, msg, len, seen, warm);
			seen++;
			k++;
		}
		uipc_ring_release(&r);
	}
	return rc;
}

static int run(const struct bench_stream_cfg *cfg, struct bench_stream_result *res,
	       const char **why, int threads)
{
	/* the default layout: a record of up to 64 bytes takes a line */
	uint64_t rec = UIPC_REC_HDR + cfg->size <= 64 ? 64 : (UIPC_REC_HDR + cfg->size + 7) & ~7ull,
		 min_cap = 1u << 20;
	struct ctx c = { .threads = threads };
	struct bench_stream_ops ops = { .tx = tx, .rx = rx, .ctx = &c, .threads = threads };
	int rc;

	/* Room for a few batches in flight. */
	while (min_cap < 4 * rec * cfg->batch)
		min_cap <<= 1;
	rc = tp_uipc_seg(cfg->size, 0, min_cap, &c.seg);
	if (rc) {
		*why = "uipc segment creation failed";
		return rc;
	}
	rc = bench_stream_run(cfg, &ops, res, why);
	uipc_seg_close(c.seg);
	return rc;
}

int tp_uipc_stream(const struct bench_stream_cfg *cfg, struct bench_stream_result *res,
		   const char **why)
{
	return run(cfg, res, why, 0);
}

static int stream_threads(const struct bench_stream_cfg *cfg, struct bench_stream_result *res,
			  const char **why)
{
	return run(cfg, res, why, 1);
}

const struct bench_transport bench_tp_uipc_threads = {
	.name = "uipc-threads",
	.desc = "uipc SPSC ring between two threads of one process, busy-poll",
	.stream = stream_threads,
};
