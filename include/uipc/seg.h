/* SPDX-License-Identifier: MIT */
/*
 * Shared-memory segments: one sealed memfd, placed on a NUMA node before
 * first touch, backed by hugepages when it can be, with a versioned header
 * at offset 0 that peers validate before they use anything in it.
 *
 *   offset 0        struct uipc_seg_hdr (published last, see below)
 *   offset 4096...  regions, each UIPC_SEG_REGION_ALIGN aligned, described
 *                   by the header's region table (offsets, never pointers)
 *
 * Life cycle: uipc_seg_create() sizes, seals, places and faults the memory
 * and writes the header with version 0; the creator formats its regions
 * (e.g. uipc_ring_format()) and calls uipc_seg_publish(), which stores the
 * version word with release.  uipc_seg_attach() refuses an unpublished,
 * foreign, truncated or inconsistent segment with a distinct errno.
 */
#ifndef UIPC_SEG_H
#define UIPC_SEG_H

#include <stdint.h>
#include <sys/types.h>

#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

#define UIPC_SEG_MAGIC 0x3147455343504955ULL /* "UIPCSEG1" little-endian */
#define UIPC_LAYOUT_MAJOR 1u
#define UIPC_LAYOUT_MINOR 0u
#define UIPC_LAYOUT_VERSION ((UIPC_LAYOUT_MAJOR << 16) | UIPC_LAYOUT_MINOR)
#define UIPC_SEG_MAX_REGIONS 8
#define UIPC_SEG_HDR_SIZE 4096u
#define UIPC_SEG_REGION_ALIGN 4096u

#define UIPC_PAGE_4K (4096ull)
#define UIPC_PAGE_2M (2ull << 20)
#define UIPC_PAGE_1G (1ull << 30)

/* Hugepage policy of a segment. */
enum uipc_huge {
	UIPC_HUGE_PREFER = 0, /* walk the fallback chain, record what was had */
	UIPC_HUGE_REQUIRE = 1, /* hugetlb or fail with -ENOMEM and details */
	UIPC_HUGE_NEVER = 2, /* ordinary memfd, no THP advice */
};

/* What backs a segment, best first (the fallback chain). */
enum uipc_backing {
	UIPC_BACKING_NONE = 0,
	UIPC_BACKING_HUGETLB_MEMFD = 1, /* memfd_create(MFD_HUGETLB) */
	UIPC_BACKING_HUGETLBFS = 2, /* file on a hugetlbfs mount (libhugetlbfs) */
	UIPC_BACKING_MEMFD_THP = 3, /* ordinary memfd + MADV_HUGEPAGE */
	UIPC_BACKING_MEMFD = 4, /* ordinary memfd */
};

/* NUMA memory policy for the segment's pages. */
enum uipc_mpol {
	UIPC_MPOL_BIND = 0, /* only this node; a shortage is an error */
	UIPC_MPOL_PREFERRED = 1, /* this node, else any */
	UIPC_MPOL_INTERLEAVE = 2, /* round-robin over the nodes in node_mask */
};

/* What the segment holds (header kind). */
enum uipc_seg_kind {
	UIPC_KIND_RAW = 0,
	UIPC_KIND_RING = 1,
	UIPC_KIND_FANOUT = 2,
};

/* Region kinds (region table). */
enum uipc_region_kind {
	UIPC_REGION_USER = 0,
	UIPC_REGION_RING = 1, /* struct uipc_ring_ctl followed by the data array */
	UIPC_REGION_FANOUT = 2,
	UIPC_REGION_LVT = 3,
};

/* ---------------------------------------------------------------- shared */

struct uipc_seg_region {
	uint32_t kind; /* enum uipc_region_kind */
	uint32_t flags;
	uint64_t offset; /* from the segment start; UIPC_SEG_REGION_ALIGN aligned */
	uint64_t size;
	uint64_t reserved;
};

/*
 * The header as it lies in shared memory.  Written completely by the
 * creator, then `version` is stored with release (uipc_seg_publish());
 * attach loads `version` with acquire before reading anything else.
 */
struct uipc_seg_hdr {
	uint64_t magic; /* UIPC_SEG_MAGIC */
	uint32_t version; /* 0 until published, then UIPC_LAYOUT_VERSION */
	uint32_t kind; /* enum uipc_seg_kind */
	uint64_t total_size; /* must equal fstat(fd).st_size */
	uint64_t page_size; /* page size of the backing */
	uint32_t backing; /* enum uipc_backing */
	int32_t node; /* node every page was verified on; -1 if mixed/unknown */
	uint32_t mpol; /* enum uipc_mpol */
	int32_t creator_pid;
	uint64_t generation; /* distinguishes segments of one creator */
	uint64_t flags;
	uint32_t nregions;
	uint32_t hdr_size; /* UIPC_SEG_HDR_SIZE */
	uint64_t reserved[7];
	struct uipc_seg_region regions[UIPC_SEG_MAX_REGIONS];
};

UIPC_STATIC_ASSERT(sizeof(struct uipc_seg_region) == 32, "region descriptor layout");
UIPC_STATIC_ASSERT(offsetof(struct uipc_seg_hdr, version) == 8, "header layout");
UIPC_STATIC_ASSERT(offsetof(struct uipc_seg_hdr, regions) == 128, "header layout");
UIPC_STATIC_ASSERT(sizeof(struct uipc_seg_hdr) == 384, "header layout");

/* ---------------------------------------------------------------- local */

/* One region the creator asks for. */
struct uipc_region_req {
	uint32_t kind; /* enum uipc_region_kind */
	uint32_t flags;
	uint64_t size; /* bytes; rounded up to UIPC_SEG_REGION_ALIGN */
};

/* Creation options.  Start from UIPC_SEG_OPTS_INIT: PREFER hugepages of
 * 2 MiB, any node, mode 0600, one USER region of `size` bytes when no
 * regions are given. */
struct uipc_seg_opts {
	const char *name; /* memfd name shown in /proc/PID/fd; "uipc" if NULL */
	uint64_t size; /* used when nregions == 0: one USER region */
	uint32_t nregions;
	const struct uipc_region_req *regions;
	uint32_t kind; /* enum uipc_seg_kind */
	enum uipc_huge huge;
	uint64_t page_size; /* UIPC_PAGE_2M (default when 0) or UIPC_PAGE_1G */
	int node; /* UIPC_NODE_ANY or a node id */
	enum uipc_mpol mpol;
	uint64_t node_mask; /* INTERLEAVE: nodes to use (bit n = node n) */
	mode_t mode; /* permissions of the memfd/file; 0600 when 0 */
	uint32_t flags; /* UIPC_SEG_* creation flags below */
};

/* Creation flag: start the hugepage chain at the hugetlbfs file (skip the
 * hugetlb memfd), e.g. to use a mount's own size limit.  Such a file cannot
 * be sealed (only memfds can): info.sealed says so. */
#define UIPC_SEG_SKIP_HUGETLB_MEMFD 0x1u

/* Header flag: the file was sealed against grow/shrink by its creator. */
#define UIPC_SEG_HDR_SEALED 0x1ull

#define UIPC_SEG_OPTS_INIT { .node = UIPC_NODE_ANY }

/*
 * Why a create failed, for a person: filled on -ENOMEM (hugepage shortage
 * under REQUIRE or BIND) and on -ENODEV (no such node).  The library never
 * prints: the caller shows `msg`.
 */
struct uipc_seg_error {
	uint64_t pages_needed;
	uint64_t pages_free; /* on that node (or system-wide for NODE_ANY) */
	uint64_t page_size;
	int node;
	char sysfs_path[160]; /* the file to raise, e.g. .../nr_hugepages */
	char msg[320]; /* one readable sentence with all of the above */
};

/* What a segment turned out to be. */
struct uipc_seg_info {
	uint64_t size; /* total bytes, header included */
	uint64_t page_size;
	enum uipc_backing backing;
	int node_requested; /* UIPC_NODE_ANY if none */
	int node; /* where every page was found; -1 mixed or unknown */
	enum uipc_mpol mpol;
	uint32_t kind;
	pid_t creator_pid;
	uint64_t generation;
	uint64_t pages; /* pages verified */
	uint64_t pages_on_node; /* of those, on `node_requested` */
	char fallback_reason[160]; /* why a better backing was not had; "" if none */
	int sealed; /* 1 if the fd carries F_SEAL_GROW|F_SEAL_SHRINK (checked on the fd) */
};

struct uipc_seg; /* opaque, process-local */

/**
 * uipc_seg_create() - create, size, seal, place and fault a segment.
 * @opts: options (start from UIPC_SEG_OPTS_INIT)
 * @out:  the new segment, header written but not published
 * @err:  optional details for a person on -ENOMEM / -ENODEV
 *
 * Regions follow the 4096-byte header, each UIPC_SEG_REGION_ALIGN aligned;
 * the total is rounded up to the backing's page size.  Placement (mbind of
 * the range only) happens before every page is faulted in with
 * MADV_POPULATE_WRITE, so a shortage is reported here, never as a SIGBUS
 * later.  The caller's own memory policy is never changed.
 *
 * Return: 0, or -EINVAL (bad options), -ENODEV (node does not exist; @err
 * says which), -ENOMEM (hugepages short under REQUIRE, with @err filled:
 * pages needed and free, page size, the sysfs file to raise; or memory
 * short), -ENOSYS (memfd unsupported), or another -errno from the kernel.
 */
UIPC_API int uipc_seg_create(const struct uipc_seg_opts *opts, struct uipc_seg **out,
			     struct uipc_seg_error *err);

/**
 * uipc_seg_publish() - make the header visible to attachers (release store of
 * the version word).  Call after formatting every region.
 * Return: 0, or -EINVAL if @seg was attached rather than created.
 */
UIPC_API int uipc_seg_publish(struct uipc_seg *seg);

/**
 * uipc_seg_attach() - map and validate a segment received as an fd.
 * @fd: the memfd (duplicated internally; the caller keeps its own)
 *
 * Return: 0, or a distinct errno per defect: -EINVAL (@fd < 0 or @out NULL),
 * -EBADF (not a regular file, e.g. a pipe or socket), -EPERM (a memfd not
 * sealed against shrinking: a peer could truncate it into a SIGBUS; only an
 * unlinked hugetlbfs file, which cannot be sealed, is accepted unsealed),
 * -EMSGSIZE (file smaller than the header, or total_size != the file's real size),
 * -EAGAIN (header not yet published), -ENOEXEC (bad magic),
 * -EPROTONOSUPPORT (other layout major version), -ERANGE (a region out of
 * bounds, overlapping the header or another region, or too many regions),
 * -EILSEQ (page size, backing, kind, mpol, node or hdr_size out of range),
 * -ENOMEM, or -errno from dup/fstat/mmap.
 */
UIPC_API int uipc_seg_attach(int fd, struct uipc_seg **out);

/** uipc_seg_close() - unmap and close; the memory goes when the last peer closes. */
UIPC_API void uipc_seg_close(struct uipc_seg *seg);

/** uipc_seg_fd() - the memfd, to send to a peer.  Owned by @seg. */
UIPC_API int uipc_seg_fd(const struct uipc_seg *seg);

/** uipc_seg_base() - the local mapping of offset 0. */
UIPC_API void *uipc_seg_base(const struct uipc_seg *seg);

/** uipc_seg_size() - total size in bytes. */
UIPC_API uint64_t uipc_seg_size(const struct uipc_seg *seg);

/**
 * uipc_seg_region() - find region @index (validated at attach).
 * Return: 0 with *@ptr, *@size and *@kind set, or -ENOENT.
 */
UIPC_API int uipc_seg_region(const struct uipc_seg *seg, unsigned index, void **ptr,
			     uint64_t *size, uint32_t *kind);

/** uipc_seg_info() - what was obtained (backing, page size, nodes). */
UIPC_API int uipc_seg_info(const struct uipc_seg *seg, struct uipc_seg_info *info);

/** uipc_backing_name() - "hugetlb-memfd", "hugetlbfs", "memfd+thp", "memfd". */
UIPC_API const char *uipc_backing_name(enum uipc_backing b);

#ifdef __cplusplus
}
#endif

#endif /* UIPC_SEG_H */
