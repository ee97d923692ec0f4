/* SPDX-License-Identifier: MIT */
/*
 * `floor-stream`: the throughput limit of this ring design.  The simplest
 * ring with the publish marker in the record: fixed-size slots (8-byte
 * marker + payload), a power-of-two slot count, marker = sequence + 1 (so a
 * stale slot from the previous lap never matches), no API, no bounds
 * checks, no variable lengths, no padding.  The receiver publishes its
 * position every batch and whenever it runs dry, like uipc.
 */
#include <errno.h>
#include <sys/mman.h>

#include <uipc/barrier.h>
#include <uipc/common.h>

#include "stream_run.h"
#include "transport.h"

#define DATA_OFF 4096u

struct ctx {
	uint8_t *map;
	size_t len;
	uint64_t slot, nslots;
};

static uint64_t *cons_line(struct ctx *c)
{
	return (uint64_t *)(void *)c->map;
}

static uint64_t *slot_at(struct ctx *c, uint64_t i)
{
	return (uint64_t *)(void *)(c->map + DATA_OFF + (i & (c->nslots - 1)) * c->slot);
}

static int tx(void *p, const struct bench_stream_cfg *cfg, uint64_t total, uint8_t *src)
{
	struct ctx *c = p;
	uint64_t i, cons = 0, spins = 0;

	for (i = 0; i < total; i++) {
		uint64_t *s = slot_at(c, i);

		while (i - cons >= c->nslots) {
			/* Pairs with the receiver's store-release of its position. */
			cons = uipc_load_acquire(cons_line(c));
			uipc_cpu_relax();
			if (!(++spins & 0xfffff) && bench_stream_peer_gone())
				return -EPIPE;
		}
		bench_stream_stamp(src, i);
		memcpy(s + 1, src, cfg->size);
		/* Pairs with the receiver's load-acquire of the marker. */
		uipc_store_release(s, i + 1);
	}
	return 0;
}

static int rx(void *p, const struct bench_stream_cfg *cfg, uint64_t total, uint64_t warm,
	      struct bench_stream_rx *out)
{
	struct ctx *c = p;
	uint64_t i, published = 0, spins = 0;

	for (i = 0; i < total; i++) {
		uint64_t *s = slot_at(c, i);

		/* Pairs with the sender's store-release of the marker. */
		while (uipc_load_acquire(s) != i + 1) {
			if (published != i) {
				/* Pairs with the sender's load-acquire (dry: publish). */
				uipc_store_release(cons_line(c), i);
				published = i;
			}
			uipc_cpu_relax();
			if (!(++spins & 0xfffff) && bench_stream_stopped())
				return -ECANCELED;
		}
		bench_stream_rx_msg(out, s + 1, cfg->size, i, warm);
		if ((i + 1) % cfg->batch == 0) {
			/* Pairs with the sender's load-acquire of our position. */
			uipc_store_release(cons_line(c), i + 1);
			published = i + 1;
		}
	}
	return 0;
}

static int stream(const struct bench_stream_cfg *cfg, struct bench_stream_result *res,
		  const char **why)
{
	struct ctx c = { .slot = (8 + cfg->size + 7) & ~(size_t)7, .nslots = 1 };
	struct bench_stream_ops ops = { .tx = tx, .rx = rx, .ctx = &c };
	int rc;

	/* The same room as the uipc ring: at least 1 MiB, 4 batches. */
	while (c.nslots * c.slot < (1u << 20) || c.nslots < 4ull * cfg->batch)
		c.nslots <<= 1;
	c.len = (DATA_OFF + c.nslots * c.slot + (2u << 20) - 1) & ~(size_t)((2u << 20) - 1);
	c.map = mmap(NULL, c.len, PROT_READ | PROT_WRITE,
		     MAP_SHARED | MAP_ANONYMOUS | MAP_HUGETLB | MAP_POPULATE, -1, 0);
	if (c.map == MAP_FAILED)
		c.map = mmap(NULL, c.len, PROT_READ | PROT_WRITE,
			     MAP_SHARED | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (c.map == MAP_FAILED) {
		*why = "mmap failed";
		return -errno;
	}
	rc = bench_stream_run(cfg, &ops, res, why);
	munmap(c.map, c.len);
	return rc;
}

const struct bench_transport bench_tp_floor_stream = {
	.name = "floor-stream",
	.desc = "simplest marker-in-record ring, no API or checks: this design's limit",
	.stream = stream,
};
