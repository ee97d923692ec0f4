/* SPDX-License-Identifier: MIT */
/*
 * `floor`: the physical limit of a shared-memory round trip.  No ring: the
 * ping side writes a sequence number into line A, the peer spins on A and
 * writes it into line B, the ping side spins on B.  Up to 56 bytes the
 * payload rides in the flag's own line; above that it is copied into a
 * shared buffer before the flag store and out after it (the peer copies
 * A's buffer straight into B's).  Same process layout and pinning as uipc.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <uipc/barrier.h>
#include <uipc/common.h>

#include "clock.h"
#include "proc.h"
#include "transport.h"

#define INLINE_MAX 56
#define BUF_OFF 4096u

struct line {
	uint64_t seq;
	uint8_t payload[INLINE_MAX];
} __attribute__((aligned(64)));

struct shm {
	struct line a; /* ping -> pong */
	uint8_t pad0[UIPC_LINE - sizeof(struct line)];
	struct line b; /* pong -> ping */
};

UIPC_STATIC_ASSERT(sizeof(struct line) == 64, "one cache line");
UIPC_STATIC_ASSERT(offsetof(struct shm, b) == UIPC_LINE, "lines a prefetch pair apart");

struct floor_map {
	struct shm *s;
	uint8_t *buf_a, *buf_b;
	size_t len;
};

static int map_shared(size_t size, struct floor_map *m)
{
	size_t buf = (size + 4095) & ~(size_t)4095;

	m->len = BUF_OFF + 2 * buf;
	/* Hugepages when there are some, like the uipc segment. */
	m->len = (m->len + (2u << 20) - 1) & ~(size_t)((2u << 20) - 1);
	m->s = mmap(NULL, m->len, PROT_READ | PROT_WRITE,
		    MAP_SHARED | MAP_ANONYMOUS | MAP_HUGETLB | MAP_POPULATE, -1, 0);
	if (m->s == MAP_FAILED)
		m->s = mmap(NULL, m->len, PROT_READ | PROT_WRITE,
			    MAP_SHARED | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (m->s == MAP_FAILED)
		return -errno;
	m->buf_a = (uint8_t *)m->s + BUF_OFF;
	m->buf_b = m->buf_a + buf;
	return 0;
}

struct pong_arg {
	struct floor_map m;
	size_t size;
	uint64_t total;
};

static int pong(void *p)
{
	const struct pong_arg *a = p;
	struct shm *s = a->m.s;
	int inl = a->size <= INLINE_MAX;
	uint64_t seq;

	for (seq = 1; seq <= a->total; seq++) {
		/* Pairs with the ping side's store-release of a.seq. */
		while (uipc_load_acquire(&s->a.seq) != seq)
			uipc_cpu_relax();
		if (inl)
			memcpy(s->b.payload, s->a.payload, a->size);
		else
			memcpy(a->m.buf_b, a->m.buf_a, a->size);
		/* Pairs with the ping side's load-acquire of b.seq. */
		uipc_store_release(&s->b.seq, seq);
	}
	return 0;
}

static int pp_floor(const struct bench_pp_cfg *cfg, bench_sample_fn sample, void *ctx,
		    const char **why)
{
	struct pong_arg pa = { .size = cfg->size, .total = cfg->warmup + cfg->count };
	int inl = cfg->size <= INLINE_MAX;
	struct bench_pp_timer tm;
	uint8_t *src, *dst;
	struct shm *s;
	uint64_t seq;
	pid_t pid;
	int rc = 0;

	rc = map_shared(cfg->size, &pa.m);
	if (rc) {
		*why = "mmap failed";
		return rc;
	}
	s = pa.m.s;
	src = malloc(cfg->size + 1);
	dst = malloc(cfg->size + 1);
	if (!src || !dst) {
		rc = -ENOMEM;
		*why = "out of memory";
		goto out;
	}
	memset(src, 0x5a, cfg->size);
	pid = bench_spawn(cfg->cpu_pong, pong, &pa);
	if (pid < 0) {
		rc = pid;
		*why = "fork failed";
		goto out;
	}
	bench_pp_timer_init(&tm, cfg, sample, ctx);
	for (seq = 1; seq <= pa.total; seq++) {
		uint64_t spins = 0, got;

		bench_pp_start(&tm);
		memcpy(inl ? s->a.payload : pa.m.buf_a, src, cfg->size);
		/* Pairs with the peer's load-acquire of a.seq. */
		uipc_store_release(&s->a.seq, seq);
		/* Pairs with the peer's store-release of b.seq. */
		while ((got = uipc_load_acquire(&s->b.seq)) != seq) {
			uipc_cpu_relax();
			if (!(++spins & 0xfffff) && bench_peer_gone(pid))
				break;
		}
		memcpy(dst, inl ? s->b.payload : pa.m.buf_b, cfg->size);
		bench_pp_stop(&tm);
		if (got != seq) {
			rc = -EPIPE;
			*why = "echo process died";
			bench_kill(pid);
			break;
		}
		bench_pp_sample(&tm, seq > cfg->warmup);
	}
	{
		int prc = bench_reap(pid);

		if (!rc && prc) {
			rc = prc;
			*why = "echo process failed";
		}
	}
out:
	free(src);
	free(dst);
	munmap(pa.m.s, pa.m.len);
	return rc;
}

const struct bench_transport bench_tp_floor = {
	.name = "floor",
	.desc = "raw cache-line ping-pong, no ring: the shared-memory limit",
	.pingpong = pp_floor,
};
