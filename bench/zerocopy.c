/* SPDX-License-Identifier: MIT */
/*
 * `uipc-bench zerocopy`: what writing large messages in place saves.  For
 * each size, in one run and interleaved:
 *
 *   uipc-zc    the sender reserves and fills the message in the ring,
 *              commits; the peer checksums it in place, releases, acks
 *   uipc-copy  the sender fills a local buffer and uipc_ring_send()s it;
 *              the peer uipc_ring_recv()s into a local buffer, checksums, acks
 *   memcpy     one local memcpy of the same size (the cost of one copy)
 *
 * The ack (8 bytes, the checksum) closes the round trip; the sender checks
 * it.  Bandwidth is size / p50.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uipc/barrier.h>
#include <uipc/ring.h>

#include "args.h"
#include "clock.h"
#include "cmds.h"
#include "env.h"
#include "proc.h"
#include "report.h"
#include "stream_run.h"
#include "tp_uipc.h"

#define MAX_SIZES 16
#define NKINDS 3

static const char *const kind_names[NKINDS] = { "uipc-zc", "uipc-copy", "memcpy" };

static const char zc_usage[] =
	"usage: uipc-bench zerocopy [options]\n"
	"Large messages written in place (reserve/commit) versus copied\n"
	"(send/recv), and one plain memcpy, in the same run.\n"
	"  -s, --sizes LIST   bytes, multiples of 8 (default: 64k,256k,1M,4M)\n"
	"  -n, --count N      round trips per kind and size (default 2000)\n"
	"  -w, --warmup N     unmeasured round trips per round (default 100)\n"
	"  -r, --rounds R     rounds (default 4)\n"
	"  -c, --cpus A,B     sender CPU, peer CPU (default 0,1)\n"
	"  -j, --json FILE    write the JSON report\n"
	"  -q, --quiet        no progress on stderr\n"
	"  -h, --help         this text\n";

struct zc_run {
	size_t size;
	uint64_t count, warmup;
	int zc;
	int cpu_b;
	int fd; /* the segment, for the peer to attach */
};

/* Checksum of a message filled with byte @b (size a multiple of 8). */
static uint64_t fill_csum(size_t size, uint8_t b)
{
	return (uint64_t)(size / 8) * (b * 0x0101010101010101ull);
}

static int peer(void *p)
{
	const struct zc_run *z = p;
	struct uipc_seg *seg;
	struct uipc_ring rx, tx;
	uint8_t *buf = z->zc ? NULL : malloc(z->size);
	uint64_t i, total = z->count + z->warmup;
	int rc;

	if (!z->zc && !buf)
		return -ENOMEM;
	rc = uipc_seg_attach(z->fd, &seg);
	if (!rc)
		rc = uipc_ring_attach(seg, 0, UIPC_CONSUMER, &rx);
	if (!rc)
		rc = uipc_ring_attach(seg, 1, UIPC_PRODUCER, &tx);
	for (i = 0; !rc && i < total; i++) {
		uint64_t sum;

		if (z->zc) {
			const void *msg;
			size_t len;

			while ((rc = uipc_ring_peek(&rx, &msg, &len)) == -EAGAIN)
				uipc_cpu_relax();
			if (rc)
				break;
			sum = bench_csum(msg, len);
			uipc_ring_release(&rx);
		} else {
			ssize_t n;

			while ((n = uipc_ring_recv(&rx, buf, z->size)) == -EAGAIN)
				uipc_cpu_relax();
			if (n < 0) {
				rc = (int)n;
				break;
			}
			sum = bench_csum(buf, (size_t)n);
		}
		while ((rc = uipc_ring_send(&tx, &sum, sizeof(sum))) == -EAGAIN)
			uipc_cpu_relax();
	}
	free(buf);
	return rc;
}

static int round_trips(const struct zc_run *z, struct bench_hist *h, const char **why)
{
	struct uipc_seg *seg;
	struct uipc_ring tx, rx;
	struct zc_run zz;
	uint8_t *buf = malloc(z->size);
	uint64_t i, total = z->count + z->warmup, spins = 0;
	pid_t pid;
	int rc, prc;

	if (!buf)
		return -ENOMEM;
	rc = tp_uipc_seg(z->size, 8, 0, &seg);
	if (rc) {
		free(buf);
		*why = "uipc segment creation failed";
		return rc;
	}
	rc = uipc_ring_attach(seg, 0, UIPC_PRODUCER, &tx);
	if (!rc)
		rc = uipc_ring_attach(seg, 1, UIPC_CONSUMER, &rx);
	zz = *z;
	zz.fd = uipc_seg_fd(seg);
	pid = rc ? -EINVAL : bench_spawn(z->cpu_b, peer, &zz);
	if (pid < 0) {
		rc = pid;
		*why = "setup failed";
		goto out;
	}
	for (i = 0; i < total; i++) {
		uint8_t b = (uint8_t)(i | 1);
		uint64_t t0, t1, ack = 0;
		ssize_t n;
		void *out;

		t0 = bench_ticks_start();
		if (z->zc) {
			while ((rc = uipc_ring_reserve(&tx, z->size, &out)) == -EAGAIN)
				uipc_cpu_relax();
			if (!rc) {
				memset(out, b, z->size);
				uipc_ring_commit(&tx);
			}
		} else {
			memset(buf, b, z->size);
			while ((rc = uipc_ring_send(&tx, buf, z->size)) == -EAGAIN)
				uipc_cpu_relax();
		}
		if (rc) {
			*why = "send failed";
			break;
		}
		while ((n = uipc_ring_recv(&rx, &ack, sizeof(ack))) == -EAGAIN) {
			uipc_cpu_relax();
			if (!(++spins & 0xfffff) && bench_peer_gone(pid))
				break;
		}
		t1 = bench_ticks_end();
		if (n != sizeof(ack) || ack != fill_csum(z->size, b)) {
			rc = n < 0 && n != -EAGAIN ? (int)n : -EPROTO;
			*why = n == -EAGAIN ? "peer died" : "bad checksum in ack";
			break;
		}
		if (i >= z->warmup)
			bench_hist_record(h, bench_ticks_to_ns(t1 - t0));
	}
	if (rc)
		bench_kill(pid);
	prc = bench_reap(pid);
	if (!rc && prc) {
		rc = prc;
		*why = "peer failed";
	}
out:
	free(buf);
	uipc_seg_close(seg);
	return rc;
}

static int copies(const struct zc_run *z, struct bench_hist *h)
{
	uint8_t *src = malloc(z->size), *dst = malloc(z->size);
	uint64_t i;

	if (!src || !dst) {
		free(src);
		free(dst);
		return -ENOMEM;
	}
	memset(src, 0x77, z->size);
	memset(dst, 0, z->size);
	for (i = 0; i < z->count + z->warmup; i++) {
		uint64_t t0 = bench_ticks_start(), t1;

		memcpy(dst, src, z->size);
		uipc_barrier(); /* the copy is not dead: dst is read below */
		t1 = bench_ticks_end();
		if (dst[i % z->size] != 0x77)
			break;
		if (i >= z->warmup)
			bench_hist_record(h, bench_ticks_to_ns(t1 - t0));
	}
	free(src);
	free(dst);
	return 0;
}

int bench_cmd_zerocopy(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "sizes", required_argument, NULL, 's' }, { "count", required_argument, NULL, 'n' },
		{ "warmup", required_argument, NULL, 'w' }, { "rounds", required_argument, NULL, 'r' },
		{ "cpus", required_argument, NULL, 'c' },  { "json", required_argument, NULL, 'j' },
		{ "quiet", no_argument, NULL, 'q' },	   { "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *sizes_s = "64k,256k,1M,4M", *json = NULL;
	uint64_t sizes[MAX_SIZES], count = 2000, warmup = 100, rounds = 4, r;
	int nsizes, cpu_a = 0, cpu_b = 1, quiet = 0, c, s, k, rc;
	struct bench_result *res;

	optind = 1;
	while ((c = getopt_long(argc, argv, "s:n:w:r:c:j:qh", lo, NULL)) != -1) {
		switch (c) {
		case 's':
			sizes_s = optarg;
			break;
		case 'n':
			if (bench_parse_u64(optarg, &count) || !count)
				return bench_bad_arg("zerocopy", "--count", optarg), 2;
			break;
		case 'w':
			if (bench_parse_u64(optarg, &warmup))
				return bench_bad_arg("zerocopy", "--warmup", optarg), 2;
			break;
		case 'r':
			if (bench_parse_u64(optarg, &rounds) || !rounds || rounds > count)
				return bench_bad_arg("zerocopy", "--rounds", optarg), 2;
			break;
		case 'c':
			if (bench_parse_cpus(optarg, &cpu_a, &cpu_b))
				return bench_bad_arg("zerocopy", "--cpus", optarg), 2;
			break;
		case 'j':
			json = optarg;
			break;
		case 'q':
			quiet = 1;
			break;
		case 'h':
			fputs(zc_usage, stdout);
			return 0;
		default:
			fputs(zc_usage, stderr);
			return 2;
		}
	}
	nsizes = bench_parse_list(sizes_s, sizes, MAX_SIZES);
	if (nsizes < 0)
		return bench_bad_arg("zerocopy", "--sizes", sizes_s), 2;
	for (s = 0; s < nsizes; s++)
		if (sizes[s] % 8 || !sizes[s] || sizes[s] > (256u << 20))
			return bench_bad_arg("zerocopy", "--sizes (multiples of 8)", sizes_s), 2;

	bench_clock_init();
	rc = bench_pin(cpu_a);
	if (rc) {
		fprintf(stderr, "uipc-bench: cannot pin to cpu %d: %s\n", cpu_a, strerror(-rc));
		return 1;
	}
	bench_env_capture(cpu_a, cpu_b);
	bench_env_print(stdout);
	fflush(stdout);
	res = calloc((size_t)nsizes * NKINDS, sizeof(*res));
	if (!res)
		return 1;
	for (s = 0; s < nsizes; s++) {
		for (k = 0; k < NKINDS; k++) {
			struct bench_result *x = &res[s * NKINDS + k];

			x->bench = "zerocopy";
			x->transport = kind_names[k];
			x->size = sizes[s];
			x->hist = malloc(sizeof(*x->hist));
			if (!x->hist)
				return 1;
			bench_hist_init(x->hist);
		}
		for (r = 0; r < rounds; r++) {
			for (k = 0; k < NKINDS; k++) {
				struct bench_result *x = &res[s * NKINDS + k];
				struct zc_run z = { .size = sizes[s], .count = count / rounds,
						    .warmup = warmup, .zc = k == 0, .cpu_b = cpu_b };
				const char *why = NULL;

				if (x->skipped)
					continue;
				if (!quiet)
					fprintf(stderr, "zerocopy size %zu round %llu/%llu %-10s\r",
						x->size, (unsigned long long)r + 1,
						(unsigned long long)rounds, x->transport);
				rc = k == 2 ? copies(&z, x->hist) : round_trips(&z, x->hist, &why);
				if (rc)
					x->skipped = why ? why : "failed";
			}
		}
		for (k = 0; k < NKINDS; k++) {
			struct bench_result *x = &res[s * NKINDS + k];
			uint64_t p50 = bench_hist_pct(x->hist, 50);

			if (p50)
				x->gib_per_s = (double)x->size / (double)p50 * 1e9 / (1ull << 30);
		}
	}
	if (!quiet)
		fprintf(stderr, "%-60s\r", "");
	putchar('\n');
	bench_env_print_seg(stdout);
	bench_report_latency_table(stdout, res, (size_t)nsizes * NKINDS);
	printf("\n%-10s %8s %12s %12s %12s\n", "GiB/s@p50", "size", kind_names[0], kind_names[1],
	       kind_names[2]);
	for (s = 0; s < nsizes; s++)
		printf("%-10s %8llu %12.2f %12.2f %12.2f\n", "", (unsigned long long)sizes[s],
		       res[s * NKINDS].gib_per_s, res[s * NKINDS + 1].gib_per_s,
		       res[s * NKINDS + 2].gib_per_s);
	rc = 0;
	if (json) {
		rc = bench_report_json(json, res, (size_t)nsizes * NKINDS);
		if (rc)
			fprintf(stderr, "uipc-bench: writing %s: %s\n", json, strerror(-rc));
	}
	for (s = 0; s < nsizes * NKINDS; s++)
		free(res[s].hist);
	free(res);
	return rc ? 1 : 0;
}
