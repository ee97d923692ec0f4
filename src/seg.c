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
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#include <linux/magic.h>

#include "config.h"
#include "uipc/barrier.h"
#include "uipc/numa.h"
#include "uipc/seg.h"

#if HAVE_LIBHUGETLBFS
#include <hugetlbfs.h>
#endif

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

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif
#ifndef MFD_HUGE_2MB
#define MFD_HUGE_2MB (21u << 26)
#define MFD_HUGE_1GB (30u << 26)
#endif

#define SHMEM_THP "/sys/kernel/mm/transparent_hugepage/shmem_enabled"

/* What one step of the backing chain reports besides an errno. */
enum step {
	STEP_OK = 0,
	STEP_NEXT = 1, /* not had: reason appended, try the next backing */
};

struct build {
	struct uipc_seg *s;
	const struct uipc_seg_opts *o;
	uint64_t end; /* bytes the header and regions need */
	struct uipc_seg_error *err; /* never NULL here */
	char *why; /* = s->info.fallback_reason */
	bool short_huge; /* a hugetlb step failed for want of pages */
};

static void add_reason(struct build *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void add_reason(struct build *b, const char *fmt, ...)
{
	size_t len = strlen(b->why), cap = sizeof(b->s->info.fallback_reason);
	va_list ap;

	if (len + 3 >= cap)
		return;
	if (len) {
		strcpy(b->why + len, "; ");
		len += 2;
	}
	va_start(ap, fmt);
	vsnprintf(b->why + len, cap - len, fmt, ap);
	va_end(ap);
}

static const char *page_name(uint64_t ps)
{
	return ps == UIPC_PAGE_1G ? "1 GiB" : ps == UIPC_PAGE_2M ? "2 MiB" : "4 KiB";
}

/* The node whose own pool must hold the pages: only BIND is strict. */
static int pool_node(const struct uipc_seg_opts *o)
{
	return o->mpol == UIPC_MPOL_BIND ? o->node : UIPC_NODE_ANY;
}

/* The pool size now, so the message can say what to write; 0 if unknown. */
static uint64_t read_count(const char *path)
{
	FILE *f = path[0] ? fopen(path, "re") : NULL;
	unsigned long long v = 0;

	if (f) {
		if (fscanf(f, "%llu", &v) != 1)
			v = 0;
		fclose(f);
	}
	return v;
}

/* Fill @err for a person: how many pages, how many free, which file. */
static void huge_shortage(struct build *b, uint64_t ps, uint64_t needed)
{
	struct uipc_seg_error *e = b->err;
	int node = pool_node(b->o);
	long free_ = uipc_numa_huge_free(node, ps);
	uint64_t nr;
	char where[32];

	b->short_huge = true;
	e->pages_needed = needed;
	e->pages_free = free_ > 0 ? (uint64_t)free_ : 0;
	e->page_size = ps;
	e->node = node;
	if (uipc_numa_huge_sysfs(node, ps, e->sysfs_path, sizeof(e->sysfs_path)) < 0)
		e->sysfs_path[0] = '\0';
	if (node == UIPC_NODE_ANY)
		snprintf(where, sizeof(where), "system-wide");
	else
		snprintf(where, sizeof(where), "on node %d", node);
	nr = read_count(e->sysfs_path);
	snprintf(e->msg, sizeof(e->msg),
		 "not enough %s hugepages: %llu needed, %llu free %s; reserve more by "
		 "writing %llu (or more) to %s",
		 page_name(ps), (unsigned long long)needed, (unsigned long long)e->pages_free,
		 where, (unsigned long long)(nr + needed - (e->pages_free < needed ?
							     e->pages_free : needed)),
		 e->sysfs_path[0] ? e->sysfs_path : "nr_hugepages");
	add_reason(b, "%s pool short (%llu needed, %llu free %s)", page_name(ps),
		   (unsigned long long)needed, (unsigned long long)e->pages_free, where);
}

static int huge_enough(struct build *b, uint64_t ps)
{
	uint64_t needed = b->s->size / ps;
	long free_ = uipc_numa_huge_free(pool_node(b->o), ps);

	if (free_ >= 0 && (uint64_t)free_ >= needed)
		return 1;
	huge_shortage(b, ps, needed);
	return 0;
}

/* Size, then seal: no peer may then shrink the file into a SIGBUS. */
static int size_and_seal(struct uipc_seg *s, mode_t mode, bool seal)
{
	if (fchmod(s->fd, mode) || ftruncate(s->fd, (off_t)s->size))
		return -errno;
	if (seal && fcntl(s->fd, F_ADD_SEALS, F_SEAL_GROW | F_SEAL_SHRINK | F_SEAL_SEAL))
		return -errno;
	s->info.sealed = seal;
	return 0;
}

static void unmap_close(struct uipc_seg *s)
{
	if (s->base)
		munmap(s->base, s->size);
	s->base = NULL;
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
	s->info.sealed = 0;
}

/*
 * mmap without populate, place the range, then fault it all in.  For
 * hugetlb, a failed reservation (mmap) or fault (POPULATE_WRITE: EFAULT
 * where a touch would have raised SIGBUS) is a shortage: STEP_NEXT.
 */
static int map_place_fault(struct build *b, bool huge)
{
	struct uipc_seg *s = b->s;
	const struct uipc_seg_opts *o = b->o;
	void *p;
	int rc;

	p = mmap(NULL, s->size, PROT_READ | PROT_WRITE, MAP_SHARED, s->fd, 0);
	if (p == MAP_FAILED) {
		rc = -errno;
		if (huge && rc == -ENOMEM) {
			huge_shortage(b, s->info.page_size, s->size / s->info.page_size);
			return STEP_NEXT;
		}
		return rc;
	}
	s->base = p;
	if (o->node != UIPC_NODE_ANY || (o->mpol == UIPC_MPOL_INTERLEAVE && o->node_mask)) {
		rc = uipc_numa_place(p, s->size, o->node, o->mpol, o->node_mask);
		if (rc)
			return rc;
	}
	if (s->info.backing == UIPC_BACKING_MEMFD_THP && madvise(p, s->size, MADV_HUGEPAGE)) {
		add_reason(b, "MADV_HUGEPAGE: %s", strerror(errno));
		s->info.backing = UIPC_BACKING_MEMFD;
	}
	if (!madvise(p, s->size, MADV_POPULATE_WRITE))
		return STEP_OK;
	rc = -errno;
	if (huge && (rc == -EFAULT || rc == -ENOMEM)) {
		huge_shortage(b, s->info.page_size, s->size / s->info.page_size);
		return STEP_NEXT;
	}
	if (rc != -EINVAL)
		return rc;
	/*
	 * Kernel before 5.14.  A touch loop on hugetlb could SIGBUS on a node
	 * short of pages, so hugetlb relies on the pool check and the mmap
	 * reservation and stays lazily faulted; ordinary pages cannot run
	 * short that way.
	 */
	if (!huge)
		for (uint64_t off = 0; off < s->size; off += UIPC_PAGE_4K)
			((volatile uint8_t *)p)[off] = 0;
	return STEP_OK;
}

static int try_hugetlb_memfd(struct build *b, uint64_t ps)
{
	struct uipc_seg *s = b->s;
	unsigned int flags = MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_HUGETLB;
	int rc;

	s->info.backing = UIPC_BACKING_HUGETLB_MEMFD;
	s->info.page_size = ps;
	s->size = round_up(b->end, ps);
	if (!huge_enough(b, ps))
		return STEP_NEXT;
	flags |= ps == UIPC_PAGE_1G ? MFD_HUGE_1GB : MFD_HUGE_2MB;
	s->fd = memfd_create(b->o->name ? b->o->name : "uipc", flags);
	if (s->fd < 0) {
		add_reason(b, "hugetlb memfd: %s", strerror(errno));
		return STEP_NEXT;
	}
	rc = size_and_seal(s, b->o->mode ? b->o->mode : 0600, true);
	if (rc == -ENOMEM || rc == -EINVAL) {
		add_reason(b, "hugetlb memfd sizing: %s", strerror(-rc));
		return STEP_NEXT;
	}
	return rc ? rc : map_place_fault(b, true);
}

static int try_hugetlbfs(struct build *b, uint64_t ps)
{
#if HAVE_LIBHUGETLBFS
	struct uipc_seg *s = b->s;
	const char *dir;
	char path[PATH_MAX];
	int rc;

	s->info.backing = UIPC_BACKING_HUGETLBFS;
	s->info.page_size = ps;
	s->size = round_up(b->end, ps);
	dir = hugetlbfs_find_path_for_size((long)ps);
	if (!dir) {
		add_reason(b, "no hugetlbfs mount for %s pages", page_name(ps));
		return STEP_NEXT;
	}
	if (!huge_enough(b, ps))
		return STEP_NEXT;
	if (snprintf(path, sizeof(path), "%s/uipc-XXXXXX", dir) >= (int)sizeof(path)) {
		add_reason(b, "hugetlbfs path too long");
		return STEP_NEXT;
	}
	s->fd = mkostemp(path, O_CLOEXEC);
	if (s->fd < 0) {
		add_reason(b, "hugetlbfs file in %s: %s", dir, strerror(errno));
		return STEP_NEXT;
	}
	/* Unlinked at once: nothing is left behind, the fd keeps it alive. */
	unlink(path);
	/* Only memfds take seals: this file cannot be sealed. */
	rc = size_and_seal(s, b->o->mode ? b->o->mode : 0600, false);
	if (rc == -ENOMEM || rc == -EINVAL) {
		add_reason(b, "hugetlbfs sizing: %s", strerror(-rc));
		return STEP_NEXT;
	}
	return rc ? rc : map_place_fault(b, true);
#else
	add_reason(b, "built without libhugetlbfs");
	return STEP_NEXT;
#endif
}

/* Shared-memory THP is governed by shmem_enabled, not by the anon knob. */
static bool shmem_thp_allowed(char *mode, size_t len)
{
	char buf[128], *l, *r;
	FILE *f = fopen(SHMEM_THP, "re");

	snprintf(mode, len, "unknown");
	if (!f)
		return false;
	l = fgets(buf, sizeof(buf), f);
	fclose(f);
	if (!l || !(l = strchr(buf, '[')) || !(r = strchr(l, ']')))
		return false;
	*r = '\0';
	snprintf(mode, len, "%s", l + 1);
	return strcmp(mode, "never") && strcmp(mode, "deny");
}

static int try_memfd(struct build *b, bool thp)
{
	struct uipc_seg *s = b->s;
	char mode[32];
	int rc;

	if (thp && !shmem_thp_allowed(mode, sizeof(mode))) {
		add_reason(b, "shmem THP off (%s)", mode);
		return STEP_NEXT;
	}
	s->info.backing = thp ? UIPC_BACKING_MEMFD_THP : UIPC_BACKING_MEMFD;
	s->info.page_size = UIPC_PAGE_4K;
	/* THP needs whole 2 MiB extents to use a huge page for the tail. */
	s->size = round_up(b->end, thp ? UIPC_PAGE_2M : UIPC_PAGE_4K);
	s->fd = memfd_create(b->o->name ? b->o->name : "uipc", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (s->fd < 0)
		return errno == EINVAL ? -ENOSYS : -errno;
	rc = size_and_seal(s, b->o->mode ? b->o->mode : 0600, true);
	return rc ? rc : map_place_fault(b, false);
}

/* Walk the chain; returns 0 with @b->s mapped and faulted, or -errno. */
static int obtain_backing(struct build *b)
{
	const struct uipc_seg_opts *o = b->o;
	uint64_t ps = o->page_size ? o->page_size : UIPC_PAGE_2M;
	int rc = STEP_NEXT;

	if (o->huge == UIPC_HUGE_NEVER)
		return try_memfd(b, false);
	if (!(o->flags & UIPC_SEG_SKIP_HUGETLB_MEMFD)) {
		rc = try_hugetlb_memfd(b, ps);
		if (rc == STEP_NEXT)
			unmap_close(b->s);
	}
	if (rc == STEP_NEXT) {
		rc = try_hugetlbfs(b, ps);
		if (rc == STEP_NEXT)
			unmap_close(b->s);
	}
	if (rc != STEP_NEXT)
		return rc;
	if (o->huge == UIPC_HUGE_REQUIRE) {
		if (!b->short_huge)
			snprintf(b->err->msg, sizeof(b->err->msg),
				 "no hugetlb backing for %s pages: %s", page_name(ps), b->why);
		return -ENOMEM;
	}
	rc = try_memfd(b, true);
	if (rc == STEP_NEXT) {
		unmap_close(b->s);
		rc = try_memfd(b, false);
	}
	return rc;
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
	h->flags = s->info.sealed ? UIPC_SEG_HDR_SEALED : 0;
	h->nregions = s->nregions;
	h->hdr_size = UIPC_SEG_HDR_SIZE;
	memcpy(h->regions, s->regions, sizeof(h->regions));
}

static int no_node(struct uipc_seg_error *err, int node, uint64_t mask)
{
	err->node = node;
	if (node != UIPC_NODE_ANY)
		snprintf(err->msg, sizeof(err->msg),
			 "NUMA node %d does not exist on this host (see "
			 "/sys/devices/system/node/)", node);
	else
		snprintf(err->msg, sizeof(err->msg),
			 "a NUMA node in the interleave mask 0x%llx does not exist on this host",
			 (unsigned long long)mask);
	return -ENODEV;
}

int uipc_seg_create(const struct uipc_seg_opts *opts, struct uipc_seg **out,
		    struct uipc_seg_error *err)
{
	struct uipc_seg_error scratch;
	struct build b = { .o = opts, .err = err ? err : &scratch };
	struct uipc_seg *s;
	int rc, node;

	memset(b.err, 0, sizeof(*b.err));
	b.err->node = UIPC_NODE_ANY;
	if (!out)
		return -EINVAL;
	rc = check_opts(opts);
	if (rc)
		return rc;
	if (opts->node != UIPC_NODE_ANY && !uipc_numa_node_exists(opts->node))
		return no_node(b.err, opts->node, 0);
	if (opts->mpol == UIPC_MPOL_INTERLEAVE)
		for (int n = 0; n < 64; n++)
			if ((opts->node_mask >> n & 1) && !uipc_numa_node_exists(n))
				return no_node(b.err, UIPC_NODE_ANY, opts->node_mask);
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->fd = -1;
	s->created = true;
	b.s = s;
	b.why = s->info.fallback_reason;
	b.end = layout(opts, s->regions, &s->nregions);
	s->info.node_requested = opts->node;
	s->info.mpol = opts->mpol;
	s->info.kind = opts->kind;
	s->info.creator_pid = getpid();
	s->info.generation = next_generation();
	rc = obtain_backing(&b);
	if (rc == -ENODEV)
		no_node(b.err, opts->node, opts->node_mask);
	if (rc)
		goto fail;
	/* A shortage we fell back from is history (in fallback_reason). */
	memset(b.err, 0, sizeof(*b.err));
	b.err->node = UIPC_NODE_ANY;
	s->info.size = s->size;
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

/* What the kernel says about the fd: the header's claims are checked
 * against these, not believed. */
struct fd_facts {
	bool sealed; /* F_SEAL_GROW and F_SEAL_SHRINK */
	bool hugetlb; /* on hugetlbfs (a hugetlb memfd or a hugetlbfs file) */
	uint64_t blksize; /* the huge page size on hugetlbfs */
};

/*
 * A memfd must be sealed against shrinking before we map it: otherwise the
 * peer could truncate it and turn our next access into a SIGBUS.  An
 * unlinked hugetlbfs file cannot carry seals at all; it is let through
 * unsealed, and the header must then say that is what it is (see attach).
 */
static int fd_facts(int fd, const struct stat *st, struct fd_facts *f)
{
	struct statfs sf;
	int seals = fcntl(fd, F_GET_SEALS);

	f->sealed = seals >= 0 &&
		    (seals & (F_SEAL_SHRINK | F_SEAL_GROW)) == (F_SEAL_SHRINK | F_SEAL_GROW);
	f->hugetlb = !fstatfs(fd, &sf) && sf.f_type == HUGETLBFS_MAGIC;
	f->blksize = (uint64_t)st->st_blksize;
	return f->sealed || f->hugetlb ? 0 : -EPERM;
}

/* The header's backing and page size must match the file they describe. */
static int check_backing(const struct uipc_seg_hdr *h, const struct fd_facts *f)
{
	bool huge = h->backing == UIPC_BACKING_HUGETLB_MEMFD ||
		    h->backing == UIPC_BACKING_HUGETLBFS;

	if (huge != f->hugetlb)
		return -EILSEQ;
	if (huge ? h->page_size != f->blksize : h->page_size != UIPC_PAGE_4K)
		return -EILSEQ;
	/* Only a hugetlbfs file has an excuse for carrying no seals. */
	if (!f->sealed && h->backing != UIPC_BACKING_HUGETLBFS)
		return -EPERM;
	return 0;
}

int uipc_seg_attach(int fd, struct uipc_seg **out)
{
	struct fd_facts facts;
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
	rc = fd_facts(s->fd, &st, &facts);
	if (rc)
		goto fail;
	s->info.sealed = facts.sealed;
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
	if (!rc)
		rc = check_backing(&h, &facts);
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
