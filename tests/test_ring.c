/* SPDX-License-Identifier: MIT */
/* SPSC ring: format/attach validation, every edge of the record format,
 * batches and bursts, corruption, and two-process streams. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <uipc/uipc.h>

#include "stream_pattern.h"
#include "testutil.h"

struct pair {
	struct uipc_seg *seg;
	struct uipc_ring p, c;
};

/* The byte-exact tests use packed records: their sizes are easy to count
 * and half of them straddle a line. */
#define PACKED 8u

static void pair_open(struct pair *t, uint64_t cap, uint32_t max_msg, uint32_t align)
{
	struct uipc_seg_opts so = UIPC_SEG_OPTS_INIT;
	struct uipc_ring_opts ro = { .capacity = cap, .max_msg = max_msg, .align = align };
	int rc;

	so.huge = UIPC_HUGE_NEVER;
	rc = uipc_ring_create(&ro, &so, &t->seg, NULL);
	cr_assert_eq(rc, 0, "uipc_ring_create: %s", strerror(-rc));
	cr_assert_eq(uipc_ring_attach(t->seg, 0, UIPC_PRODUCER, &t->p), 0);
	cr_assert_eq(uipc_ring_attach(t->seg, 0, UIPC_CONSUMER, &t->c), 0);
}

static void pair_close(struct pair *t)
{
	uipc_ring_detach(&t->p);
	uipc_ring_detach(&t->c);
	uipc_seg_close(t->seg);
}

static struct uipc_ring_ctl *ctl_of(struct pair *t)
{
	void *p;
	uint64_t size;
	uint32_t kind;

	cr_assert_eq(uipc_seg_region(t->seg, 0, &p, &size, &kind), 0);
	return p;
}

/* ------------------------------------------------------------ format/attach */

Test(ring_format, rejects_bad_options)
{
	struct uipc_ring_opts o = { .capacity = 1000 };

	cr_expect_eq(uipc_ring_region_size(&o), 0, "not a power of two");
	o.capacity = 32;
	cr_expect_eq(uipc_ring_region_size(&o), 0, "below the minimum");
	o.capacity = 4096;
	o.align = 24;
	cr_expect_eq(uipc_ring_region_size(&o), 0, "alignment not a power of two");
	o.align = 0;
	o.max_msg = 4096;
	cr_expect_eq(uipc_ring_region_size(&o), 0, "max_msg larger than half");
	o.max_msg = 0;
	cr_expect_gt(uipc_ring_region_size(&o), 4096);
	cr_expect_eq(uipc_ring_create(&o, NULL, NULL, NULL), -EINVAL);
}

Test(ring_format, packed_max_msg_is_half_minus_16)
{
	struct pair t;

	pair_open(&t, 4096, 0, PACKED);
	cr_expect_eq(uipc_ring_max_msg(&t.p), 4096 / 2 - 16);
	cr_expect_eq(uipc_ring_capacity(&t.c), 4096);
	pair_close(&t);
}

Test(ring_format, default_layout_is_line_except_in_tiny_rings)
{
	struct uipc_ring_opts o = { .capacity = 128, .align = UIPC_RING_ALIGN_LINE };
	struct pair t;

	pair_open(&t, 4096, 0, 0);
	cr_expect_eq(ctl_of(&t)->flags, UIPC_RING_F_LINE);
	cr_expect_eq(ctl_of(&t)->align, 8);
	cr_expect_eq(uipc_ring_max_msg(&t.p), 4096 / 2 - 16);
	pair_close(&t);
	pair_open(&t, 512, 0, 0);
	cr_expect_eq(ctl_of(&t)->flags, 0);
	cr_expect_eq(ctl_of(&t)->align, 8);
	cr_expect_eq(uipc_ring_max_msg(&t.p), 512 / 2 - 16);
	pair_close(&t);
	pair_open(&t, 4096, 0, 64);
	cr_expect_eq(ctl_of(&t)->flags, 0);
	cr_expect_eq(uipc_ring_max_msg(&t.p), 4096 / 2 - 72);
	pair_close(&t);
	cr_expect_eq(uipc_ring_region_size(&o), 0, "line layout below 256 bytes");
}

Test(ring_attach, rejects_each_corrupted_field)
{
	struct pair t;
	struct uipc_ring r;
	struct uipc_ring_ctl *ctl, saved;

	pair_open(&t, 4096, 0, PACKED);
	ctl = ctl_of(&t);
	saved = *ctl;

	ctl->magic ^= 1;
	cr_expect_eq(uipc_ring_attach(t.seg, 0, UIPC_CONSUMER, &r), -ENOEXEC);
	*ctl = saved;
	ctl->version = 99;
	cr_expect_eq(uipc_ring_attach(t.seg, 0, UIPC_CONSUMER, &r), -EPROTONOSUPPORT);
	*ctl = saved;
	ctl->capacity = 4095;
	cr_expect_eq(uipc_ring_attach(t.seg, 0, UIPC_CONSUMER, &r), -EDOM);
	*ctl = saved;
	ctl->capacity = 1ull << 40;
	cr_expect_eq(uipc_ring_attach(t.seg, 0, UIPC_CONSUMER, &r), -EDOM);
	*ctl = saved;
	ctl->capacity = 1ull << 20; /* a power of two, but larger than the region */
	cr_expect_eq(uipc_ring_attach(t.seg, 0, UIPC_CONSUMER, &r), -ERANGE);
	*ctl = saved;
	ctl->data_offset = 1ull << 50;
	cr_expect_eq(uipc_ring_attach(t.seg, 0, UIPC_CONSUMER, &r), -ERANGE);
	*ctl = saved;
	ctl->data_offset = 8; /* inside the control block */
	cr_expect_eq(uipc_ring_attach(t.seg, 0, UIPC_CONSUMER, &r), -ERANGE);
	*ctl = saved;
	ctl->max_msg = 4096;
	cr_expect_eq(uipc_ring_attach(t.seg, 0, UIPC_CONSUMER, &r), -ERANGE);
	*ctl = saved;
	ctl->align = 3;
	cr_expect_eq(uipc_ring_attach(t.seg, 0, UIPC_CONSUMER, &r), -ERANGE);
	*ctl = saved;
	ctl->flags = 2; /* a layout this version does not know */
	cr_expect_eq(uipc_ring_attach(t.seg, 0, UIPC_CONSUMER, &r), -ERANGE);
	*ctl = saved;
	ctl->flags = UIPC_RING_F_LINE;
	ctl->align = 64; /* the line layout packs large records at 8 */
	cr_expect_eq(uipc_ring_attach(t.seg, 0, UIPC_CONSUMER, &r), -ERANGE);
	*ctl = saved;
	ctl->flags = UIPC_RING_F_LINE; /* valid: the same ring read as line layout */
	cr_expect_eq(uipc_ring_attach(t.seg, 0, UIPC_CONSUMER, &r), 0);
	uipc_ring_detach(&r);
	*ctl = saved;
	ctl->cons.pos = 5; /* not 8-aligned */
	cr_expect_eq(uipc_ring_attach(t.seg, 0, UIPC_CONSUMER, &r), -ERANGE);
	*ctl = saved;
	cr_expect_eq(uipc_ring_attach(t.seg, 0, (enum uipc_role)7, &r), -EINVAL);
	cr_expect_eq(uipc_ring_attach(t.seg, 3, UIPC_CONSUMER, &r), -ENOENT);
	cr_expect_eq(uipc_ring_attach(t.seg, 0, UIPC_CONSUMER, &r), 0);
	pair_close(&t);
}

Test(ring_attach, refuses_a_region_that_is_not_a_ring)
{
	struct uipc_seg_opts so = UIPC_SEG_OPTS_INIT;
	struct uipc_seg *seg;
	struct uipc_ring r;

	so.huge = UIPC_HUGE_NEVER;
	so.size = 8192;
	cr_assert_eq(uipc_seg_create(&so, &seg, NULL), 0);
	cr_expect_eq(uipc_ring_attach(seg, 0, UIPC_CONSUMER, &r), -EMEDIUMTYPE);
	uipc_seg_close(seg);
}

/* ------------------------------------------------------------ single process */

Test(ring, empty_ring_says_eagain)
{
	struct pair t;
	const void *m;
	size_t len;
	char buf[8];

	pair_open(&t, 4096, 0, PACKED);
	cr_expect_eq(uipc_ring_peek(&t.c, &m, &len), -EAGAIN);
	cr_expect_eq(uipc_ring_recv(&t.c, buf, sizeof(buf)), -EAGAIN);
	uipc_ring_commit(&t.p); /* nothing reserved: a no-op */
	cr_expect_eq(uipc_ring_peek(&t.c, &m, &len), -EAGAIN);
	pair_close(&t);
}

Test(ring, send_recv_keeps_bytes_and_lengths)
{
	struct pair t;
	char buf[64];
	size_t len;

	pair_open(&t, 4096, 0, PACKED);
	for (len = 0; len <= 40; len++) {
		char msg[64];

		memset(msg, 'a' + (int)(len % 26), len);
		cr_assert_eq(uipc_ring_send(&t.p, msg, len), 0);
		cr_assert_eq(uipc_ring_recv(&t.c, buf, sizeof(buf)), (ssize_t)len);
		cr_assert_arr_eq(buf, msg, len);
	}
	pair_close(&t);
}

/* send copies the record's first line last: every split of a message
 * across that line's end, at both alignments, keeps every byte in place. */
Test(ring, send_split_at_the_first_line_keeps_every_byte)
{
	static const uint32_t aligns[] = { PACKED, 64 };
	unsigned a;

	for (a = 0; a < 2; a++) {
		struct pair t;
		size_t len;

		pair_open(&t, 4096, 0, aligns[a]);
		for (len = 1; len <= 300; len += 7) {
			unsigned char msg[300], buf[300];
			size_t i;

			for (i = 0; i < len; i++)
				msg[i] = (unsigned char)(i * 31 + len);
			cr_assert_eq(uipc_ring_send(&t.p, msg, len), 0);
			cr_assert_eq(uipc_ring_recv(&t.c, buf, sizeof(buf)), (ssize_t)len);
			cr_assert_arr_eq(buf, msg, len, "align %u, %zu bytes", aligns[a], len);
		}
		pair_close(&t);
	}
}

Test(ring, full_ring_holds_exactly_what_fits)
{
	struct pair t;
	char msg[24] = "x";
	int n = 0;

	/* 24-byte messages take 32-byte records; one 8-byte slot after the
	 * newest record stays free (it is zeroed as the end marker). */
	pair_open(&t, 1024, 0, PACKED);
	while (uipc_ring_send(&t.p, msg, sizeof(msg)) == 0)
		n++;
	cr_expect_eq(n, (1024 - 8) / 32);
	cr_expect_eq(uipc_ring_send(&t.p, msg, sizeof(msg)), -EAGAIN);
	cr_expect_eq(uipc_ring_recv(&t.c, msg, sizeof(msg)), 24);
	cr_expect_eq(uipc_ring_send(&t.p, msg, sizeof(msg)), 0, "space came back");
	cr_expect_eq(uipc_ring_send(&t.p, msg, sizeof(msg)), -EAGAIN);
	pair_close(&t);
}

Test(ring, oversize_is_emsgsize_and_max_fits_at_every_offset)
{
	struct pair t;
	static char big[2048], out[2048];
	unsigned shift;

	pair_open(&t, 4096, 0, PACKED);
	cr_expect_eq(uipc_ring_send(&t.p, big, 2048 - 16 + 1), -EMSGSIZE);
	/* The largest message must fit whatever the write offset, padding
	 * included, once the ring is drained. */
	for (shift = 0; shift < 4096; shift += 8) {
		uint64_t at = t.p.head & t.p.mask;
		size_t fill = (shift + 4096 - at) % 4096;

		while (fill >= 8) { /* move the offset with small messages */
			size_t l = fill >= 1024 ? 1016 : fill - 8;

			cr_assert_eq(uipc_ring_send(&t.p, big, l), 0);
			cr_assert_eq(uipc_ring_recv(&t.c, out, sizeof(out)), (ssize_t)l);
			fill -= 8 + ((l + 7) & ~7ul);
		}
		memset(big, (int)shift, sizeof(big));
		cr_assert_eq(uipc_ring_send(&t.p, big, 2048 - 16), 0, "max at offset %lu",
			     (unsigned long)(t.p.head & t.p.mask));
		cr_assert_eq(uipc_ring_recv(&t.c, out, sizeof(out)), 2048 - 16);
		cr_assert_arr_eq(out, big, 2048 - 16);
	}
	pair_close(&t);
}

Test(ring, recv_buffer_too_small_leaves_the_message)
{
	struct pair t;
	char buf[100];

	pair_open(&t, 4096, 0, PACKED);
	cr_assert_eq(uipc_ring_send(&t.p, "0123456789", 10), 0);
	cr_expect_eq(uipc_ring_recv(&t.c, buf, 4), -EMSGSIZE);
	cr_expect_eq(uipc_ring_recv(&t.c, buf, sizeof(buf)), 10);
	cr_expect_arr_eq(buf, "0123456789", 10);
	pair_close(&t);
}

Test(ring, wrap_with_padding_many_laps)
{
	struct pair t;
	static char msg[600], out[600];
	uint64_t seq;

	pair_open(&t, 1024, 0, PACKED);
	for (seq = 0; seq < 20000; seq++) {
		size_t len = sp_len(7, seq, 496);

		sp_fill(7, seq, msg, len);
		cr_assert_eq(uipc_ring_send(&t.p, msg, len), 0, "seq %lu", (unsigned long)seq);
		cr_assert_eq(uipc_ring_recv(&t.c, out, sizeof(out)), (ssize_t)len);
		cr_assert_eq(sp_check(7, seq, out, len, 496), 0, "seq %lu", (unsigned long)seq);
	}
	cr_expect_gt(t.p.head, 20 * 1024, "many laps were run");
	pair_close(&t);
}

Test(ring, batch_is_invisible_until_commit)
{
	struct pair t;
	void *p;
	const void *m;
	size_t len;
	int i;

	pair_open(&t, 4096, 0, PACKED);
	for (i = 0; i < 3; i++) {
		cr_assert_eq(uipc_ring_reserve(&t.p, 16, &p), 0);
		memset(p, '0' + i, 16);
		cr_expect_eq(uipc_ring_peek(&t.c, &m, &len), -EAGAIN, "uncommitted is invisible");
	}
	uipc_ring_commit(&t.p);
	for (i = 0; i < 3; i++) {
		cr_assert_eq(uipc_ring_peek(&t.c, &m, &len), 0);
		cr_expect_eq(len, 16);
		cr_expect_eq(((const char *)m)[0], '0' + i);
	}
	cr_expect_eq(uipc_ring_peek(&t.c, &m, &len), -EAGAIN);
	pair_close(&t);
}

Test(ring, batch_across_the_wrap_point)
{
	struct pair t;
	void *p;
	char out[200];
	int i;

	pair_open(&t, 1024, 0, PACKED);
	for (i = 0; i < 6; i++) { /* move the offset near the end: 6 * 136 = 816 */
		cr_assert_eq(uipc_ring_send(&t.p, out, 128), 0);
		cr_assert_eq(uipc_ring_recv(&t.c, out, sizeof(out)), 128);
	}
	for (i = 0; i < 4; i++) { /* the second record pads and wraps */
		cr_assert_eq(uipc_ring_reserve(&t.p, 120, &p), 0);
		memset(p, 'A' + i, 120);
	}
	uipc_ring_commit(&t.p);
	for (i = 0; i < 4; i++) {
		cr_assert_eq(uipc_ring_recv(&t.c, out, sizeof(out)), 120);
		cr_expect_eq(out[119], 'A' + i);
	}
	pair_close(&t);
}

Test(ring, peeked_space_is_freed_only_by_release)
{
	struct pair t;
	char msg[24] = { 0 };
	const void *m;
	size_t len;
	int n = 0;

	pair_open(&t, 1024, 0, PACKED);
	while (uipc_ring_send(&t.p, msg, sizeof(msg)) == 0)
		n++;
	cr_assert_eq(uipc_ring_peek(&t.c, &m, &len), 0);
	cr_assert_eq(uipc_ring_peek(&t.c, &m, &len), 0);
	cr_expect_eq(uipc_ring_send(&t.p, msg, sizeof(msg)), -EAGAIN, "peeked is still held");
	uipc_ring_release(&t.c);
	cr_expect_eq(uipc_ring_send(&t.p, msg, sizeof(msg)), 0);
	cr_expect_eq(uipc_ring_send(&t.p, msg, sizeof(msg)), 0);
	cr_expect_eq(uipc_ring_send(&t.p, msg, sizeof(msg)), -EAGAIN);
	pair_close(&t);
}

Test(ring, burst_send_and_recv_move_what_fits)
{
	struct pair t;
	struct iovec in[100], out[100];
	static char src[100][24], dst[100][24];
	int i, n;

	pair_open(&t, 1024, 0, PACKED);
	for (i = 0; i < 100; i++) {
		snprintf(src[i], sizeof(src[i]), "message %d", i);
		in[i] = (struct iovec){ src[i], sizeof(src[i]) };
		out[i] = (struct iovec){ dst[i], sizeof(dst[i]) };
	}
	n = uipc_ring_send_burst(&t.p, in, 100);
	cr_expect_eq(n, (1024 - 8) / 32, "as many as fit");
	cr_expect_eq(uipc_ring_recv_burst(&t.c, out, 100), n);
	for (i = 0; i < n; i++) {
		cr_expect_eq(out[i].iov_len, 24);
		cr_expect_str_eq(dst[i], src[i]);
	}
	cr_expect_eq(uipc_ring_recv_burst(&t.c, out, 100), 0, "empty");
	cr_expect_eq(uipc_ring_send_burst(&t.p, in + n, 100 - n), n, "all space is back");
	cr_expect_eq(uipc_ring_peek_burst(&t.c, out, 5), 5);
	cr_expect_eq(out[0].iov_len, 24);
	cr_expect_str_eq((const char *)out[0].iov_base, src[n]);
	pair_close(&t);
}

Test(ring, burst_oversize_first_message)
{
	struct pair t;
	static char big[4096];
	struct iovec in[2] = { { big, 3000 }, { big, 10 } };

	pair_open(&t, 4096, 0, PACKED);
	cr_expect_eq(uipc_ring_send_burst(&t.p, in, 2), -EMSGSIZE);
	pair_close(&t);
}

Test(ring, aligned_records_stay_on_their_lines)
{
	struct pair t;
	void *p;
	int i;

	pair_open(&t, 4096, 0, 64);
	for (i = 0; i < 40; i++) {
		cr_assert_eq(uipc_ring_reserve(&t.p, 1 + (size_t)(i * 3), &p), 0);
		cr_expect_eq(((uintptr_t)p - UIPC_REC_HDR) % 64, 0);
		uipc_ring_commit(&t.p);
		cr_assert_eq(uipc_ring_recv(&t.c, (char[128]){ 0 }, 128), 1 + i * 3);
	}
	pair_close(&t);
}

/* The default line layout: a record of up to 64 bytes ends on a line (the
 * next header starts one), a larger one on 8 bytes; so small records after
 * a small one never straddle, and 64-byte messages pack into 72 bytes. */
Test(ring, line_layout_places_small_records_on_lines_and_packs_large_ones)
{
	static const struct {
		size_t len;
		unsigned at; /* expected header offset within its line */
	} seq[] = {
		{ 1, 0 },  { 56, 0 }, { 32, 0 },  /* small: each on a fresh line */
		{ 64, 0 }, { 64, 8 }, { 64, 16 }, /* 72-byte records pack */
		{ 40, 24 }, /* small after a large one: may start mid-line... */
		{ 8, 0 },   { 57, 0 }, { 100, 8 }, { 8, 56 }, { 8, 0 },
	};
	struct pair t;
	unsigned lap, i;

	pair_open(&t, 1024, 0, 0);
	for (lap = 0; lap < 40; lap++) { /* across the wrap, many times */
		for (i = 0; i < sizeof(seq) / sizeof(seq[0]); i++) {
			unsigned char msg[128], buf[128];
			uint64_t pos = t.p.head;
			void *p;

			memset(msg, (int)(i + lap), seq[i].len);
			cr_assert_eq(uipc_ring_reserve(&t.p, seq[i].len, &p), 0);
			if (lap == 0)
				cr_expect_eq(((uintptr_t)p - UIPC_REC_HDR) % 64, seq[i].at,
					     "message %u (%zu bytes) at %llu", i, seq[i].len,
					     (unsigned long long)pos);
			memcpy(p, msg, seq[i].len);
			uipc_ring_commit(&t.p);
			cr_assert_eq(uipc_ring_recv(&t.c, buf, sizeof(buf)), (ssize_t)seq[i].len);
			cr_assert_arr_eq(buf, msg, seq[i].len);
		}
	}
	pair_close(&t);
}

/* ------------------------------------------------------------ corruption */

static uint64_t tag_word(uint64_t pos, uint32_t len)
{
	return ((uint64_t)uipc__rec_tag(pos) << 32) | len;
}

Test(ring_corrupt, each_bad_header_is_ebadmsg_and_sticky)
{
	struct {
		const char *what;
		uint64_t word;
	} cases[] = {
		{ "wrong tag", tag_word(8, 16) },
		{ "length above max_msg", tag_word(0, 3000) },
		{ "padding not ending at the end", tag_word(0, UIPC_REC_PAD | 64) },
		{ "random word", 0xdeadbeefcafef00dull },
	};
	unsigned i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct pair t;
		const void *m;
		size_t len;

		pair_open(&t, 4096, 0, PACKED);
		*(uint64_t *)(void *)t.c.data = cases[i].word;
		cr_expect_eq(uipc_ring_peek(&t.c, &m, &len), -EBADMSG, "%s", cases[i].what);
		cr_expect_eq(uipc_ring_peek(&t.c, &m, &len), -EBADMSG, "%s: sticky", cases[i].what);
		cr_expect_eq(uipc_ring_recv(&t.c, (char[8]){ 0 }, 8), -EBADMSG);
		pair_close(&t);
	}
}

Test(ring_corrupt, length_past_the_end_is_refused)
{
	struct pair t;
	const void *m;
	size_t len;
	char out[64];
	int i;

	pair_open(&t, 4096, 0, PACKED);
	for (i = 0; i < 125; i++) { /* 125 * 32 = 4000: near the end */
		cr_assert_eq(uipc_ring_send(&t.p, out, 24), 0);
		cr_assert_eq(uipc_ring_recv(&t.c, out, sizeof(out)), 24);
	}
	/* A length under max_msg whose record would run past the end. */
	*(uint64_t *)(void *)(t.c.data + 4000) = tag_word(4000, 1000);
	cr_expect_eq(uipc_ring_peek(&t.c, &m, &len), -EBADMSG);
	pair_close(&t);
}

/* ------------------------------------------------------------ two processes */

static pid_t spawn_peer(int fd, const char *const *args)
{
	const char *dir = getenv("UIPC_TEST_BUILDDIR");
	char exe[4096], fdbuf[16];
	const char *argv[16];
	pid_t pid;
	int i, n = 0;

	cr_assert_not_null(dir, "UIPC_TEST_BUILDDIR is set by meson");
	snprintf(exe, sizeof(exe), "%s/peer_ring", dir);
	snprintf(fdbuf, sizeof(fdbuf), "%d", fd);
	argv[n++] = exe;
	argv[n++] = args[0];
	argv[n++] = fdbuf;
	for (i = 1; args[i]; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	pid = fork_peer(); /* never a producer spinning on a full ring forever */
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		/* the memfd is close-on-exec; the peer gets an inheritable copy */
		int keep = dup(fd);

		if (keep < 0 || dup2(keep, fd) < 0)
			_exit(126);
		execv(exe, (char *const *)argv);
		_exit(127);
	}
	return pid;
}

static int peer_exit(pid_t pid)
{
	int st;

	cr_assert_eq(waitpid(pid, &st, 0), pid);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static void consume_stream(struct uipc_ring *c, uint64_t count, uint64_t seed, size_t maxlen,
			   int burst)
{
	static uint8_t bufs[16][65536];
	struct iovec iov[16];
	uint64_t seq = 0;
	unsigned spins = 0, i;

	while (seq < count) {
		if (burst) {
			int n;

			for (i = 0; i < 16; i++)
				iov[i] = (struct iovec){ bufs[i], sizeof(bufs[i]) };
			n = uipc_ring_recv_burst(c, iov, 16);
			cr_assert_geq(n, 0, "recv_burst: %s", strerror(-n));
			for (i = 0; i < (unsigned)n; i++, seq++)
				cr_assert_eq(sp_check(seed, seq, bufs[i], iov[i].iov_len, maxlen), 0,
					     "message %lu lost, reordered or corrupt",
					     (unsigned long)seq);
			if (n)
				continue;
		} else {
			const void *m;
			size_t len;
			int rc = uipc_ring_peek(c, &m, &len);

			if (rc == 0) {
				cr_assert_eq(sp_check(seed, seq, m, len, maxlen), 0,
					     "message %lu lost, reordered or corrupt",
					     (unsigned long)seq);
				seq++;
				/* release in small batches, and whenever we run dry */
				if (seq % 4 == 0)
					uipc_ring_release(c);
				continue;
			}
			cr_assert_eq(rc, -EAGAIN, "peek: %s", strerror(-rc));
			uipc_ring_release(c);
		}
		if (++spins % 64 == 0)
			sched_yield();
		else
			uipc_cpu_relax();
	}
	uipc_ring_release(c);
}

struct stream_case {
	uint64_t cap;
	uint32_t align;
	size_t maxlen;
	uint64_t count;
	const char *batchmax;
	int burst;
};

static void run_stream(const struct stream_case *sc)
{
	struct uipc_seg_opts so = UIPC_SEG_OPTS_INIT;
	struct uipc_ring_opts ro = { .capacity = sc->cap, .align = sc->align };
	struct uipc_seg *seg;
	struct uipc_ring c;
	char count[32], maxlen[32];
	const void *m;
	size_t len;
	pid_t pid;

	so.huge = UIPC_HUGE_PREFER;
	cr_assert_eq(uipc_ring_create(&ro, &so, &seg, NULL), 0);
	cr_assert_eq(uipc_ring_attach(seg, 0, UIPC_CONSUMER, &c), 0);
	cr_assert_leq(sc->maxlen, uipc_ring_max_msg(&c));
	snprintf(count, sizeof(count), "%lu", (unsigned long)sc->count);
	snprintf(maxlen, sizeof(maxlen), "%zu", sc->maxlen);
	pid = spawn_peer(uipc_seg_fd(seg),
			 (const char *const[]){ "produce", count, "12345", maxlen, sc->batchmax,
						sc->burst ? "burst" : "copy", NULL });
	consume_stream(&c, sc->count, 12345, sc->maxlen, sc->burst);
	cr_expect_eq(peer_exit(pid), 0, "producer exit status");
	cr_expect_eq(uipc_ring_peek(&c, &m, &len), -EAGAIN, "nothing beyond the stream");
	uipc_ring_detach(&c);
	uipc_seg_close(seg);
}

#ifndef UIPC_TEST_SHORT /* the ASan build leaves the long streams out */
/* Invariant 1: 10^7 messages of random sizes 1 B .. max, random batches,
 * a separately exec'd producer: nothing lost, duplicated, reordered or
 * corrupted. */
Test(ring_stream, ten_million_random_sizes_two_processes, .timeout = 400)
{
	const struct stream_case sc = { .cap = 8192, .align = PACKED, .maxlen = 4096 - 16,
					.count = 10000000, .batchmax = "16" };

	run_stream(&sc);
}

Test(ring_stream, burst_api_two_processes, .timeout = 120)
{
	const struct stream_case sc = { .cap = 65536, .maxlen = 2000, .count = 1000000,
					.batchmax = "16", .burst = 1 };

	run_stream(&sc);
}

Test(ring_stream, default_line_aligned_records, .timeout = 120)
{
	const struct stream_case sc = { .cap = 4096, .maxlen = 1000,
					.count = 1000000, .batchmax = "8" };

	run_stream(&sc);
}

#endif

/* A ring that holds one or two messages still streams: the consumer
 * publishes its position whenever it runs dry. */
Test(ring_stream, tiny_ring_never_stalls, .timeout = 120)
{
	const struct stream_case sc = { .cap = 64, .maxlen = 16, .count = 200000,
					.batchmax = "3" };

	run_stream(&sc);
}

/* Invariant 4: a hostile producer scribbling over headers, payloads and
 * indices gets the consumer -EBADMSG (or plausible messages), never a crash
 * or an out-of-bounds read.  tests/meson.build also runs this under ASan. */
Test(ring_corrupt, hostile_producer_never_crashes_the_consumer, .timeout = 120)
{
	struct uipc_seg_opts so = UIPC_SEG_OPTS_INIT;
	struct uipc_ring_opts ro = { .capacity = 4096 };
	struct uipc_seg *seg;
	struct uipc_ring c;
	static char out[4096];
	uint64_t got = 0, bad = 0;
	pid_t pid;
	int rc, alive = 1, st = 0;

	so.huge = UIPC_HUGE_NEVER;
	cr_assert_eq(uipc_ring_create(&ro, &so, &seg, NULL), 0);
	cr_assert_eq(uipc_ring_attach(seg, 0, UIPC_CONSUMER, &c), 0);
	pid = spawn_peer(uipc_seg_fd(seg),
			 (const char *const[]){ "scribble", "3000000", "99", NULL });
	while (alive) {
		alive = waitpid(pid, &st, WNOHANG) == 0;
		rc = (int)uipc_ring_recv(&c, out, sizeof(out));
		if (rc >= 0) {
			cr_assert_leq(rc, (int)uipc_ring_max_msg(&c));
			got++;
		} else if (rc == -EBADMSG) {
			bad++;
			/* Start over as a fresh consumer.  The scribbler keeps writing
			 * garbage into cons.pos, which attach must refuse (-ERANGE)
			 * until a reset sticks long enough. */
			for (int tries = 0;; tries++) {
				void *p;
				uint64_t size;
				uint32_t kind;

				rc = uipc_ring_attach(seg, 0, UIPC_CONSUMER, &c);
				if (rc == 0)
					break;
				cr_assert_eq(rc, -ERANGE, "attach: %s", strerror(-rc));
				cr_assert_lt(tries, 100000);
				cr_assert_eq(uipc_seg_region(seg, 0, &p, &size, &kind), 0);
				((struct uipc_ring_ctl *)p)->cons.pos = 0;
			}
		} else {
			cr_assert_eq(rc, -EAGAIN, "recv: %s", strerror(-rc));
		}
	}
	cr_expect_eq(WIFEXITED(st) ? WEXITSTATUS(st) : -1, 0, "scribbler ran to the end");
	cr_expect_gt(bad, 0, "corruption was seen (%lu good, %lu bad)", (unsigned long)got,
		     (unsigned long)bad);
	uipc_seg_close(seg);
}

/* The producer is safe against a hostile consumer too: garbage in cons.pos
 * makes it overwrite unread data at worst, never write out of bounds. */
Test(ring_corrupt, hostile_consumer_index_never_crashes_the_producer)
{
	struct pair t;
	struct uipc_ring_ctl *ctl;
	static char msg[2032];
	uint64_t i, r = 1;

	pair_open(&t, 4096, 0, PACKED);
	ctl = ctl_of(&t);
	for (i = 0; i < 200000; i++) {
		r = sp_mix(r);
		if (i % 7 == 0)
			ctl->cons.pos = r;
		(void)uipc_ring_send(&t.p, msg, (size_t)(r % sizeof(msg)));
	}
	pair_close(&t);
}

#ifndef UIPC_TEST_SHORT
/* The long run of invariant 1, in the `stress` suite (tools/dev stress). */
Test(ring_stress, hundred_million_random_sizes_two_processes, .timeout = 7200)
{
	const struct stream_case sc = { .cap = 8192, .maxlen = 4096 - 16, .count = 100000000,
					.batchmax = "16" };

#ifndef UIPC_STRESS_BUILD /* the stress suite's binary always runs it */
	if (!getenv("UIPC_STRESS"))
		cr_skip_test("long run: tools/dev stress runs it (or set UIPC_STRESS=1)");
#endif
	run_stream(&sc);
}
#endif
