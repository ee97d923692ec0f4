/* SPDX-License-Identifier: MIT */
/*
 * `uipc-bench zerocopy`: what building and reading large messages in place
 * saves.  For each size, in one run and interleaved round by round:
 *
 *   uipc-inplace-handoff  the ring's own cost of passing a large message:
 *                         the sender reserves the full size, writes its
 *                         first line (an application header: the sequence
 *                         number), commits; the peer peeks, checks that line
 *                         in place, releases, acks.  What the payload costs
 *                         to produce and read is the application's, with any
 *                         transport, so it is left out here
 *   uipc-inplace-touch    the handoff plus one 8-byte word per 64 KiB on
 *                         both sides: every 64 KiB of the message is really
 *                         touched (cold lines crossing cores, no copy)
 *   uipc-inplace-fill     the sender writes every byte in the ring; the
 *                         peer checksums every byte in place, acks the sum
 *   uipc-copy             the touch's words stamped into a local buffer,
 *                         uipc_ring_send() (copy in), the peer
 *                         uipc_ring_recv()s into a local buffer (copy out)
 *                         and checks the words there, acks
 *   memcpy                one local memcpy of the same size
 *
 * The ack (8 bytes) closes the round trip and the sender checks it.  A
 * 32-byte size always runs too: the handoff's round trip is held against
 * it, and the copy path's bandwidth against memcpy (zc_summary.c).
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
#include "zc_summary.h"

#define MAX_SIZES 16

enum zc_kind { K_HANDOFF, K_TOUCH, K_FILL, K_COPY, K_MEMCPY, NKINDS };

static const char *const kind_names[NKINDS] = { ZC_HANDOFF, ZC_TOUCH, ZC_FILL, ZC_COPY,
						ZC_MEMCPY };

static const char zc_usage[] =
	"usage: uipc-bench zerocopy [options]\n"
	"Large messages between two processes, same run, interleaved:\n"
	"  uipc-inplace-handoff  reserve the full size, write its first line (a header),\n"
	"                        commit; the peer peeks, checks that line in place,\n"
	"                        releases: the ring's own cost of a large message\n"
	"  uipc-inplace-touch    the handoff plus one 8-byte word per 64 KiB written and\n"
	"                        checked (every 64 KiB touched, no byte copied)\n"
	"  uipc-inplace-fill     reserve, write every byte in place, commit; the peer\n"
	"                        checksums every byte in place\n"
	"  uipc-copy             the touch's words in a local buffer, send (copy in),\n"
	"                        the peer recv()s (copy out) and checks them\n"
	"  memcpy                one plain memcpy of the same size, same process\n"
	"Prints the handoff's round trip over the 32 B one and the copy path's\n"
	"bandwidth per copy, 2 x size / (copy - touch), against memcpy.\n"
	"  -s, --sizes LIST   bytes, multiples of 8 (default: 64k,256k,1M,4M; 32 is\n"
	"                     always added as the reference)\n"
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
	enum zc_kind kind;
	int cpu_b;
	int fd; /* the segment, for the peer to attach */
};

/* Checksum of a message filled with byte @b (size a multiple of 8). */
static uint64_t fill_csum(size_t size, uint8_t b)
{
	return (uint64_t)(size / 8) * (b * 0x0101010101010101ull);
}

/* Every word of the first line, then (@stride) one word per 64 KiB:
 * offsets 0, 8, .. 56, 64K, 128K, .. below @size. */
#define MARK_STRIDE (64u << 10)

static size_t mark_next(size_t off, size_t size, int stride)
{
	if (off + 8 < 64)
		off += 8;
	else if (stride)
		off = (off / MARK_STRIDE + 1) * MARK_STRIDE;
	else
		return SIZE_MAX;
	return off + 8 <= size ? off : SIZE_MAX;
}

static uint64_t mark_val(uint64_t seq, size_t off)
{
	return off ? (seq * 0x9e3779b97f4a7c15ull) ^ off : seq;
}

static void mark_write(uint8_t *p, size_t size, uint64_t seq, int stride)
{
	size_t off;

	for (off = 0; off != SIZE_MAX; off = mark_next(off, size, stride)) {
		uint64_t v = mark_val(seq, off);

		memcpy(p + off, &v, 8);
	}
}

static int mark_check(const uint8_t *p, size_t size, uint64_t seq, int stride)
{
	size_t off;

	for (off = 0; off != SIZE_MAX; off = mark_next(off, size, stride)) {
		uint64_t v;

		memcpy(&v, p + off, 8);
		if (v != mark_val(seq, off))
			return -EBADMSG;
	}
	return 0;
}

/* Peer: receive one message as @z->kind says; *ack is what to send back. */
static int peer_one(const struct zc_run *z, struct uipc_ring *rx, uint8_t *buf, uint64_t seq,
		    uint64_t *ack)
{
	const void *msg;
	size_t len;
	ssize_t n;
	int rc;

	if (z->kind == K_COPY) {
		while ((n = uipc_ring_recv(rx, buf, z->size)) == -EAGAIN)
			uipc_cpu_relax();
		if (n < 0)
			return (int)n;
		*ack = seq;
		return n == (ssize_t)z->size ? mark_check(buf, z->size, seq, 1) : -EPROTO;
	}
	while ((rc = uipc_ring_peek(rx, &msg, &len)) == -EAGAIN)
		uipc_cpu_relax();
	if (rc)
		return rc;
	if (len != z->size)
		return -EPROTO;
	if (z->kind == K_FILL) {
		*ack = bench_csum(msg, len);
	} else {
		*ack = seq;
		rc = mark_check(msg, len, seq, z->kind == K_TOUCH);
	}
	uipc_ring_release(rx);
	return rc;
}

/* The peer dies with us (bench_spawn), so its waits need no bound. */
static int peer(void *p)
{
	const struct zc_run *z = p;
	struct uipc_seg *seg;
	struct uipc_ring rx, tx;
	uint8_t *buf = z->kind == K_COPY ? malloc(z->size) : NULL;
	uint64_t i, total = z->count + z->warmup;
	int rc;

	if (z->kind == K_COPY && !buf)
		return -ENOMEM;
	rc = uipc_seg_attach(z->fd, &seg);
	if (!rc)
		rc = uipc_ring_attach(seg, 0, UIPC_CONSUMER, &rx);
	if (!rc)
		rc = uipc_ring_attach(seg, 1, UIPC_PRODUCER, &tx);
	for (i = 0; !rc && i < total; i++) {
		uint64_t ack = 0;

		rc = peer_one(z, &rx, buf, i, &ack);
		if (rc)
			break;
		while ((rc = uipc_ring_send(&tx, &ack, sizeof(ack))) == -EAGAIN)
			uipc_cpu_relax();
	}
	free(buf);
	return rc;
}

/* Sender: one message as @z->kind says; *want is the ack to expect.  A
 * full ring is waited on only while the peer lives. */
static int send_one(const struct zc_run *z, struct uipc_ring *tx, uint8_t *buf, uint64_t seq,
		    pid_t pid, uint64_t *want)
{
	uint64_t spins = 0;
	void *out = NULL;
	int rc;

	if (z->kind == K_COPY)
		mark_write(buf, z->size, seq, 1);
	for (;;) {
		rc = z->kind == K_COPY ? uipc_ring_send(tx, buf, z->size) :
					 uipc_ring_reserve(tx, z->size, &out);
		if (rc != -EAGAIN)
			break;
		uipc_cpu_relax();
		if (!(++spins & 0xfffff) && bench_peer_gone(pid))
			return -EPIPE;
	}
	if (rc)
		return rc;
	if (z->kind == K_FILL) {
		uint8_t b = (uint8_t)(seq | 1);

		memset(out, b, z->size);
		*want = fill_csum(z->size, b);
	} else {
		if (z->kind != K_COPY) /* the copy's words went in with send */
			mark_write(out, z->size, seq, z->kind == K_TOUCH);
		*want = seq;
	}
	if (z->kind != K_COPY)
		uipc_ring_commit(tx);
	return 0;
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
	/* The copy path's source exists before the message is sent. */
	memset(buf, 0x5a, z->size);
	rc = tp_uipc_seg(z->size, 0, 0, &seg);
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
		uint64_t t0, t1, ack = 0, want = 0;
		ssize_t n = -EAGAIN;

		t0 = bench_ticks_start();
		rc = send_one(z, &tx, buf, i, pid, &want);
		if (rc) {
			*why = rc == -EPIPE ? "peer died" : "send failed";
			break;
		}
		while ((n = uipc_ring_recv(&rx, &ack, sizeof(ack))) == -EAGAIN) {
			uipc_cpu_relax();
			if (!(++spins & 0xfffff) && bench_peer_gone(pid))
				break;
		}
		t1 = bench_ticks_end();
		if (n != sizeof(ack) || ack != want) {
			rc = n < 0 && n != -EAGAIN ? (int)n : -EPROTO;
			*why = n == -EAGAIN ? "peer died" : "bad ack";
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
		*why = "peer failed (bad message?)";
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

/* The 32 B reference first, unless the list has it. */
static int add_ref_size(uint64_t *sizes, int n)
{
	int s;

	for (s = 0; s < n; s++)
		if (sizes[s] == ZC_REF_SIZE)
			return n;
	if (n == MAX_SIZES)
		return -E2BIG;
	memmove(sizes + 1, sizes, (size_t)n * sizeof(*sizes));
	sizes[0] = ZC_REF_SIZE;
	return n + 1;
}

int bench_zerocopy_main(int argc, char **argv, struct bench_collect *col)
{
	static const struct option lo[] = {
		{ "sizes", required_argument, NULL, 's' }, { "count", required_argument, NULL, 'n' },
		{ "warmup", required_argument, NULL, 'w' }, { "rounds", required_argument, NULL, 'r' },
		{ "cpus", required_argument, NULL, 'c' },  { "json", required_argument, NULL, 'j' },
		{ "quiet", no_argument, NULL, 'q' },	   { "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct bench_run_opts run = { .count = 2000, .cpu_a = 0, .cpu_b = 1 };
	const char *sizes_s = "64k,256k,1M,4M";
	uint64_t sizes[MAX_SIZES], warmup = 100, rounds = 4, r;
	int nsizes, c, s, k, rc;
	size_t nres;
	struct bench_result *res;

	optind = 1;
	while ((c = getopt_long(argc, argv, "s:n:w:r:c:j:qh", lo, NULL)) != -1) {
		switch (c) {
		case 's':
			sizes_s = optarg;
			break;
		case 'w':
			if (bench_parse_u64(optarg, &warmup))
				return bench_bad_arg("zerocopy", "--warmup", optarg), 2;
			break;
		case 'r':
			if (bench_parse_u64(optarg, &rounds) || !rounds || rounds > run.count)
				return bench_bad_arg("zerocopy", "--rounds", optarg), 2;
			break;
		case 'h':
			fputs(zc_usage, stdout);
			return 0;
		default:
			rc = bench_run_opt("zerocopy", c, optarg, &run);
			if (rc < 0)
				return 2;
			if (!rc) {
				fputs(zc_usage, stderr);
				return 2;
			}
		}
	}
	if (optind < argc)
		return bench_bad_arg("zerocopy", "argument", argv[optind]), 2;
	nsizes = bench_parse_list(sizes_s, sizes, MAX_SIZES);
	if (nsizes > 0)
		nsizes = add_ref_size(sizes, nsizes);
	if (nsizes < 0)
		return bench_bad_arg("zerocopy", "--sizes", sizes_s), 2;
	for (s = 0; s < nsizes; s++)
		if (sizes[s] % 8 || !sizes[s] || sizes[s] > (256u << 20))
			return bench_bad_arg("zerocopy", "--sizes (multiples of 8)", sizes_s), 2;

	if (bench_begin(run.cpu_a, run.cpu_b))
		return 1;
	nres = (size_t)nsizes * NKINDS;
	res = calloc(nres, sizeof(*res));
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
	}
	/* Rounds outermost: every size and kind of a round sees the same
	 * machine, so the ratios to the 32 B handoff compare like with like
	 * (this host's round trips move by 2-3x as it moves the vCPUs). */
	for (r = 0; r < rounds; r++) {
		for (s = 0; s < nsizes; s++) {
			for (k = 0; k < NKINDS; k++) {
				/* rotate, so no kind always runs first after a size change */
				int ki = (int)((k + r) % NKINDS);
				struct bench_result *x = &res[s * NKINDS + ki];
				struct zc_run z = { .size = sizes[s], .count = run.count / rounds,
						    .warmup = warmup, .kind = (enum zc_kind)ki,
						    .cpu_b = run.cpu_b };
				const char *why = NULL;

				if (x->skipped)
					continue;
				if (!run.quiet)
					fprintf(stderr, "zerocopy round %llu/%llu size %zu %-22s\r",
						(unsigned long long)r + 1, (unsigned long long)rounds,
						x->size, x->transport);
				rc = ki == K_MEMCPY ? copies(&z, x->hist) :
						      round_trips(&z, x->hist, &why);
				if (rc)
					x->skipped = why ? why : "failed";
			}
		}
	}
	for (s = 0; s < nsizes * NKINDS; s++) {
		struct bench_result *x = &res[s];
		uint64_t p50 = bench_hist_pct(x->hist, 50);
		int k = s % NKINDS;

		/* the handoff moves no bytes: size / time is no bandwidth */
		if (p50 && k != K_HANDOFF && k != K_TOUCH)
			x->gib_per_s = (double)x->size / (double)p50 * 1e9 / (1ull << 30);
	}
	if (!run.quiet)
		fprintf(stderr, "%-70s\r", "");
	putchar('\n');
	bench_env_print_seg(stdout);
	bench_report_latency_table(stdout, res, nres);
	printf("\n%-9s %22s %22s %22s\n", "GiB/s@p50", kind_names[K_FILL], kind_names[K_COPY],
	       kind_names[K_MEMCPY]);
	for (s = 0; s < nsizes; s++) {
		printf("%-9llu", (unsigned long long)sizes[s]);
		for (k = K_FILL; k < NKINDS; k++)
			if (res[s * NKINDS + k].gib_per_s > 0)
				printf(" %22.2f", res[s * NKINDS + k].gib_per_s);
			else
				printf(" %22s", "-");
		putchar('\n');
	}
	putchar('\n');
	bench_zc_summary(stdout, res, nres, 0);
	rc = 0;
	if (run.json)
		rc = bench_report_json_or_say(run.json, res, nres);
	if (col) {
		if (!bench_collect_add(col, res, nres)) {
			free(res); /* the rows, histograms included, are the collector's now */
			return rc ? 1 : 0;
		}
		rc = -ENOMEM;
	}
	for (s = 0; s < (int)nres; s++)
		free(res[s].hist);
	free(res);
	return rc ? 1 : 0;
}

int bench_cmd_zerocopy(int argc, char **argv)
{
	return bench_zerocopy_main(argc, argv, NULL);
}
