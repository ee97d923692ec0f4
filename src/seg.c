// SPDX-License-Identifier: MIT
/*
 * Segments: one sealed memfd with a versioned header at offset 0.
 *
 * Creation order matters: size, seal, mmap without populate, place on the
 * node (mbind on the range), then fault every page in, so that a hugepage
 * shortage is an error code here and never a SIGBUS in some later store.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "uipc/barrier.h"
#include "uipc/numa.h"
#include "uipc/seg.h"

struct uipc_seg {
	int fd;
	bool created;
	uint8_t *base;
	uint64_t size;
	uint32_t nregions;
	/* Validated copies: bounds are never re-read from shared memory. */
	struct uipc_seg_region regions[UIPC_SEG_MAX_REGIONS];
	struct uipc_seg_info info;
};

static uint64_t round_up(uint64_t v, uint64_t align)
{
	return (v + align - 1) & ~(align - 1);
}

const char *uipc_backing_name(enum uipc_backing b)
{
	switch (b) {
	case UIPC_BACKING_HUGETLB_MEMFD:
		return "hugetlb-memfd";
	case UIPC_BACKING_HUGETLBFS:
		return "hugetlbfs";
	case UIPC_BACKING_MEMFD_THP:
		return "memfd+thp";
	case UIPC_BACKING_MEMFD:
		return "memfd";
	default:
		return "none";
	}
}

static uint64_t next_generation(void)
{
	static uint64_t counter;
	struct timespec ts;
	uint64_t c, now;

	/* The counter keeps two segments of one process apart even within a
	 * clock tick; the time keeps two runs of one pid apart. */
	c = __atomic_add_fetch(&counter, 1, __ATOMIC_RELAXED);
	clock_gettime(CLOCK_REALTIME, &ts);
	now = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
	return (now & ~0xffffull) | (c & 0xffff);
}

static int check_opts(const struct uipc_seg_opts *o)
{
	if (!o)
		return -EINVAL;
	if (o->nregions > UIPC_SEG_MAX_REGIONS || (o->nregions && !o->regions))
		return -EINVAL;
	if (!o->nregions && !o->size)
		return -EINVAL;
	if ((unsigned)o->huge > UIPC_HUGE_NEVER || (unsigned)o->mpol > UIPC_MPOL_INTERLEAVE)
		return -EINVAL;
	if (o->kind > UIPC_KIND_FANOUT)
		return -EINVAL;
	if (o->page_size && o->page_size != UIPC_PAGE_2M && o->page_size != UIPC_PAGE_1G)
		return -EINVAL;
	if (o->node < UIPC_NODE_ANY)
		return -EINVAL;
	if (o->mode & ~(mode_t)0777)
		return -EINVAL;
	for (uint32_t i = 0; i < o->nregions; i++) {
		if (!o->regions[i].size || o->regions[i].size > (1ull << 46))
			return -EINVAL;
		if (o->regions[i].kind > UIPC_REGION_LVT)
			return -EINVAL;
	}
	if (!o->nregions && o->size > (1ull << 46))
		return -EINVAL;
	return 0;
}

/* Lay the regions out after the header; returns the end of the last one. */
static uint64_t layout(const struct uipc_seg_opts *o, struct uipc_seg_region *r, uint32_t *n)
{
	uint64_t off = UIPC_SEG_HDR_SIZE;

	if (!o->nregions) {
		r[0] = (struct uipc_seg_region){ .kind = UIPC_REGION_USER, .offset = off,
						 .size = round_up(o->size, UIPC_SEG_REGION_ALIGN) };
		*n = 1;
		return off + r[0].size;
	}
	for (uint32_t i = 0; i < o->nregions; i++) {
		r[i] = (struct uipc_seg_region){ .kind = o->regions[i].kind,
						 .flags = o->regions[i].flags, .offset = off,
						 .size = round_up(o->regions[i].size,
								  UIPC_SEG_REGION_ALIGN) };
		off += r[i].size;
	}
	*n = o->nregions;
	return off;
}

static int plain_memfd(const char *name, uint64_t size, mode_t mode, int *fdp)
{
	int fd, rc;

	fd = memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0)
		return errno == EINVAL ? -ENOSYS : -errno;
	if (fchmod(fd, mode) || ftruncate(fd, (off_t)size))
		goto fail;
	/* Sealed after sizing so no peer can shrink the file under another
	 * (the SIGBUS attach cannot defend against). */
	if (fcntl(fd, F_ADD_SEALS, F_SEAL_GROW | F_SEAL_SHRINK | F_SEAL_SEAL))
		goto fail;
	*fdp = fd;
	return 0;
fail:
	rc = -errno;
	close(fd);
	return rc;
}

static int map_place_fault(struct uipc_seg *s, const struct uipc_seg_opts *o)
{
	void *p;
	int rc;

	p = mmap(NULL, s->size, PROT_READ | PROT_WRITE, MAP_SHARED, s->fd, 0);
	if (p == MAP_FAILED)
		return -errno;
	s->base = p;
	if (o->node != UIPC_NODE_ANY) {
		rc = uipc_numa_place(p, s->size, o->node, o->mpol, o->node_mask);
		if (rc)
			return rc;
	}
	if (madvise(p, s->size, MADV_POPULATE_WRITE)) {
		if (errno != EINVAL)
			return -errno;
		/* Kernel before 5.14: ordinary pages cannot run short here. */
		for (uint64_t off = 0; off < s->size; off += s->info.page_size)
			((volatile uint8_t *)p)[off] = 0;
	}
	return 0;
}

static void write_header(struct uipc_seg *s)
{
	struct uipc_seg_hdr *h = (struct uipc_seg_hdr *)s->base;

	h->magic = UIPC_SEG_MAGIC;
	h->version = 0;
	h->kind = s->info.kind;
	h->total_size = s->size;
	h->page_size = s->info.page_size;
	h->backing = s->info.backing;
	h->node = s->info.node;
	h->mpol = s->info.mpol;
	h->creator_pid = s->info.creator_pid;
	h->generation = s->info.generation;
	h->flags = 0;
	h->nregions = s->nregions;
	h->hdr_size = UIPC_SEG_HDR_SIZE;
	memcpy(h->regions, s->regions, sizeof(h->regions));
}

int uipc_seg_create(const struct uipc_seg_opts *opts, struct uipc_seg **out,
		    struct uipc_seg_error *err)
{
	struct uipc_seg *s;
	uint64_t end;
	int rc, node;

	if (err)
		memset(err, 0, sizeof(*err));
	if (!out)
		return -EINVAL;
	rc = check_opts(opts);
	if (rc)
		return rc;
	if (opts->node != UIPC_NODE_ANY && !uipc_numa_node_exists(opts->node)) {
		if (err) {
			err->node = opts->node;
			snprintf(err->msg, sizeof(err->msg),
				 "NUMA node %d does not exist on this host", opts->node);
		}
		return -ENODEV;
	}
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->fd = -1;
	s->created = true;
	end = layout(opts, s->regions, &s->nregions);
	s->info.page_size = UIPC_PAGE_4K;
	s->info.backing = UIPC_BACKING_MEMFD;
	s->size = round_up(end, s->info.page_size);
	s->info.size = s->size;
	s->info.node_requested = opts->node;
	s->info.mpol = opts->mpol;
	s->info.kind = opts->kind;
	s->info.creator_pid = getpid();
	s->info.generation = next_generation();
	rc = plain_memfd(opts->name ? opts->name : "uipc", s->size, opts->mode ? opts->mode : 0600,
			 &s->fd);
	if (rc)
		goto fail;
	rc = map_place_fault(s, opts);
	if (rc)
		goto fail;
	rc = uipc_numa_verify(s->base, s->size, s->info.page_size, opts->node, &node,
			      &s->info.pages, &s->info.pages_on_node);
	s->info.node = rc ? -1 : node;
	write_header(s);
	*out = s;
	return 0;
fail:
	uipc_seg_close(s);
	return rc;
}

int uipc_seg_publish(struct uipc_seg *seg)
{
	struct uipc_seg_hdr *h;

	if (!seg || !seg->created)
		return -EINVAL;
	h = (struct uipc_seg_hdr *)seg->base;
	/* Pairs with the load-acquire of version in uipc_seg_attach(): the
	 * header and every formatted region are visible before the version. */
	uipc_store_release(&h->version, UIPC_LAYOUT_VERSION);
	return 0;
}

/* One untorn read of every header word into @h: the rest of attach looks
 * only at this copy, so a peer rewriting the header cannot race a check. */
static void snapshot(const struct uipc_seg_hdr *shared, struct uipc_seg_hdr *h)
{
	const uint64_t *src = (const uint64_t *)shared;
	uint64_t words[sizeof(*h) / sizeof(uint64_t)];

	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		words[i] = UIPC_READ_ONCE(src[i]);
	memcpy(h, words, sizeof(*h));
}

static int check_regions(const struct uipc_seg_hdr *h)
{
	for (uint32_t i = 0; i < h->nregions; i++) {
		const struct uipc_seg_region *r = &h->regions[i];

		if (r->kind > UIPC_REGION_LVT)
			return -EILSEQ;
		if (r->offset % UIPC_SEG_REGION_ALIGN || r->offset < UIPC_SEG_HDR_SIZE)
			return -ERANGE;
		if (r->offset > h->total_size || r->size > h->total_size - r->offset)
			return -ERANGE;
		for (uint32_t j = 0; j < i; j++) {
			const struct uipc_seg_region *q = &h->regions[j];

			if (r->offset < q->offset + q->size && q->offset < r->offset + r->size)
				return -ERANGE;
		}
	}
	return 0;
}

static int validate(const struct uipc_seg_hdr *h, uint32_t version, uint64_t file_size)
{
	if (h->magic != UIPC_SEG_MAGIC)
		return -ENOEXEC;
	if (version == 0)
		return -EAGAIN;
	if (version >> 16 != UIPC_LAYOUT_MAJOR)
		return -EPROTONOSUPPORT;
	if (h->total_size != file_size)
		return -EMSGSIZE;
	if (h->hdr_size != UIPC_SEG_HDR_SIZE)
		return -EILSEQ;
	if (h->page_size != UIPC_PAGE_4K && h->page_size != UIPC_PAGE_2M &&
	    h->page_size != UIPC_PAGE_1G)
		return -EILSEQ;
	if (h->total_size % h->page_size)
		return -EILSEQ;
	if (h->backing < UIPC_BACKING_HUGETLB_MEMFD || h->backing > UIPC_BACKING_MEMFD)
		return -EILSEQ;
	if (h->kind > UIPC_KIND_FANOUT || h->mpol > UIPC_MPOL_INTERLEAVE)
		return -EILSEQ;
	if (h->node < -1 || h->node >= UIPC_NUMA_MAX_NODES)
		return -EILSEQ;
	if (h->nregions > UIPC_SEG_MAX_REGIONS)
		return -ERANGE;
	return check_regions(h);
}

int uipc_seg_attach(int fd, struct uipc_seg **out)
{
	struct uipc_seg_hdr h;
	struct uipc_seg *s;
	struct stat st;
	uint32_t version;
	void *p;
	int rc;

	if (!out || fd < 0)
		return -EINVAL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->fd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	if (s->fd < 0) {
		rc = -errno;
		goto fail;
	}
	if (fstat(s->fd, &st)) {
		rc = -errno;
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		rc = -EBADF;
		goto fail;
	}
	if (st.st_size < (off_t)UIPC_SEG_HDR_SIZE || (uint64_t)st.st_size > SIZE_MAX / 2) {
		rc = -EMSGSIZE;
		goto fail;
	}
	p = mmap(NULL, (size_t)st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED, s->fd, 0);
	if (p == MAP_FAILED) {
		rc = -errno;
		goto fail;
	}
	s->base = p;
	s->size = (uint64_t)st.st_size;
	/* Pairs with the store-release in uipc_seg_publish(): everything the
	 * creator wrote before publishing is visible after this load. */
	version = uipc_load_acquire(&((struct uipc_seg_hdr *)p)->version);
	snapshot(p, &h);
	rc = validate(&h, version, s->size);
	if (rc)
		goto fail;
	s->nregions = h.nregions;
	memcpy(s->regions, h.regions, sizeof(s->regions));
	s->info.size = s->size;
	s->info.page_size = h.page_size;
	s->info.backing = (enum uipc_backing)h.backing;
	s->info.node_requested = UIPC_NODE_ANY;
	s->info.node = h.node;
	s->info.mpol = (enum uipc_mpol)h.mpol;
	s->info.kind = h.kind;
	s->info.creator_pid = h.creator_pid;
	s->info.generation = h.generation;
	*out = s;
	return 0;
fail:
	uipc_seg_close(s);
	return rc;
}

void uipc_seg_close(struct uipc_seg *seg)
{
	if (!seg)
		return;
	if (seg->base)
		munmap(seg->base, seg->size);
	if (seg->fd >= 0)
		close(seg->fd);
	free(seg);
}

int uipc_seg_fd(const struct uipc_seg *seg)
{
	return seg ? seg->fd : -EINVAL;
}

void *uipc_seg_base(const struct uipc_seg *seg)
{
	return seg ? seg->base : NULL;
}

uint64_t uipc_seg_size(const struct uipc_seg *seg)
{
	return seg ? seg->size : 0;
}

int uipc_seg_region(const struct uipc_seg *seg, unsigned index, void **ptr, uint64_t *size,
		    uint32_t *kind)
{
	const struct uipc_seg_region *r;

	if (!seg || index >= seg->nregions)
		return -ENOENT;
	r = &seg->regions[index];
	if (ptr)
		*ptr = seg->base + r->offset;
	if (size)
		*size = r->size;
	if (kind)
		*kind = r->kind;
	return 0;
}

int uipc_seg_info(const struct uipc_seg *seg, struct uipc_seg_info *info)
{
	if (!seg || !info)
		return -EINVAL;
	*info = seg->info;
	return 0;
}
