// SPDX-License-Identifier: MIT
/*
 * Shared layouts, checked at run time against the numbers a peer built
 * from another version of the headers relies on.  The headers also hold
 * static asserts; these tests name every field, so a reordering that keeps
 * the total size still fails here, with the field's name in the message.
 */
#include <criterion/criterion.h>
#include <stddef.h>

#include <uipc/handshake.h>
#include <uipc/ring.h>
#include <uipc/seg.h>

#define AT(type, field, off)                                                            \
	cr_expect_eq(offsetof(type, field), (size_t)(off), #type "." #field " at %zu, not %d", \
		     offsetof(type, field), (off))

Test(layout, seg_region)
{
	AT(struct uipc_seg_region, kind, 0);
	AT(struct uipc_seg_region, flags, 4);
	AT(struct uipc_seg_region, offset, 8);
	AT(struct uipc_seg_region, size, 16);
	AT(struct uipc_seg_region, reserved, 24);
	cr_expect_eq(sizeof(struct uipc_seg_region), 32);
}

Test(layout, seg_hdr)
{
	AT(struct uipc_seg_hdr, magic, 0);
	AT(struct uipc_seg_hdr, version, 8);
	AT(struct uipc_seg_hdr, kind, 12);
	AT(struct uipc_seg_hdr, total_size, 16);
	AT(struct uipc_seg_hdr, page_size, 24);
	AT(struct uipc_seg_hdr, backing, 32);
	AT(struct uipc_seg_hdr, node, 36);
	AT(struct uipc_seg_hdr, mpol, 40);
	AT(struct uipc_seg_hdr, creator_pid, 44);
	AT(struct uipc_seg_hdr, generation, 48);
	AT(struct uipc_seg_hdr, flags, 56);
	AT(struct uipc_seg_hdr, nregions, 64);
	AT(struct uipc_seg_hdr, hdr_size, 68);
	AT(struct uipc_seg_hdr, reserved, 72);
	AT(struct uipc_seg_hdr, regions, 128);
	AT(struct uipc_seg_hdr, regions[1], 160);
	AT(struct uipc_seg_hdr, regions[UIPC_SEG_MAX_REGIONS - 1], 352);
	cr_expect_eq(sizeof(struct uipc_seg_hdr), 384);
	cr_expect_leq(sizeof(struct uipc_seg_hdr), UIPC_SEG_HDR_SIZE,
		      "the header fits the page reserved for it");
}

Test(layout, seg_constants)
{
	/* "UIPCSEG1" read as a little-endian word: a hexdump shows the name. */
	const union {
		uint64_t w;
		char c[8];
	} m = { .w = UIPC_SEG_MAGIC };

	cr_expect_arr_eq(m.c, "UIPCSEG1", 8);
	cr_expect_eq(UIPC_LAYOUT_VERSION, 0x10000u);
	cr_expect_eq(UIPC_SEG_HDR_SIZE, 4096u);
	cr_expect_eq(UIPC_SEG_REGION_ALIGN, 4096u);
	cr_expect_eq(UIPC_SEG_MAX_REGIONS, 8);
}

Test(layout, ring_ctl)
{
	AT(struct uipc_ring_ctl, magic, 0);
	AT(struct uipc_ring_ctl, version, 8);
	AT(struct uipc_ring_ctl, flags, 12);
	AT(struct uipc_ring_ctl, capacity, 16);
	AT(struct uipc_ring_ctl, data_offset, 24);
	AT(struct uipc_ring_ctl, max_msg, 32);
	AT(struct uipc_ring_ctl, align, 36);
	AT(struct uipc_ring_ctl, prod.pos, 128);
	AT(struct uipc_ring_ctl, prod.commits, 136);
	AT(struct uipc_ring_ctl, prod.pid, 144);
	AT(struct uipc_ring_ctl, prod.closed, 148);
	AT(struct uipc_ring_ctl, prod_wait.futex, 256);
	AT(struct uipc_ring_ctl, prod_wait.waiting, 260);
	AT(struct uipc_ring_ctl, cons.pos, 384);
	AT(struct uipc_ring_ctl, cons.releases, 392);
	AT(struct uipc_ring_ctl, cons.pid, 400);
	AT(struct uipc_ring_ctl, cons.closed, 404);
	AT(struct uipc_ring_ctl, cons_wait.futex, 512);
	AT(struct uipc_ring_ctl, cons_wait.waiting, 516);
	cr_expect_eq(sizeof(struct uipc_ring_ctl), 640);
}

Test(layout, hello)
{
	AT(struct uipc_hello, magic, 0);
	AT(struct uipc_hello, version, 8);
	AT(struct uipc_hello, kind, 12);
	AT(struct uipc_hello, layout, 16);
	AT(struct uipc_hello, flags, 20);
	AT(struct uipc_hello, seg_size, 24);
	AT(struct uipc_hello, creator_pid, 32);
	AT(struct uipc_hello, reserved0, 36);
	AT(struct uipc_hello, user, 40);
	AT(struct uipc_hello, reserved, 48);
	cr_expect_eq(sizeof(struct uipc_hello), 72);
}
