// SPDX-License-Identifier: MIT
/*
 * Segments: every backing of the chain, placement, seals, and attach
 * refusing every corrupted header field with its own errno (and never
 * crashing on any byte pattern).
 */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#include <linux/magic.h>

#include "config.h"
#include <uipc/numa.h>
#include <uipc/seg.h>

#include "testutil.h"

#if HAVE_LIBNUMA
#include <numaif.h>
#endif
#if HAVE_LIBHUGETLBFS
#include <hugetlbfs.h>
#endif

#define HUGE2M "/sys/kernel/mm/hugepages/hugepages-2048kB/"
#define HUGE1G "/sys/kernel/mm/hugepages/hugepages-1048576kB/"
#define NO_POOL "no free 2 MiB hugepages (echo 64 > /proc/sys/vm/nr_hugepages)"


static struct uipc_seg *make(enum uipc_huge huge, uint64_t size, int node)
{
	struct uipc_seg_opts o = UIPC_SEG_OPTS_INIT;
	struct uipc_seg_error err;
	struct uipc_seg *s = NULL;
	int rc;

	o.size = size;
	o.huge = huge;
	o.node = node;
	rc = uipc_seg_create(&o, &s, &err);
	cr_assert_eq(rc, 0, "create: %d (%s)", rc, err.msg);
	return s;
}

static struct uipc_seg_info info_of(const struct uipc_seg *s)
{
	struct uipc_seg_info i;

	cr_assert_eq(uipc_seg_info(s, &i), 0);
	return i;
}

/* Create, fill the region, publish, attach through the fd, compare. */
static void round_trip(struct uipc_seg *s)
{
	struct uipc_seg_info ci = info_of(s), ai;
	struct uipc_seg *a;
	uint8_t *p, *q;
	uint64_t size, asize;
	uint32_t kind;

	cr_assert_eq(uipc_seg_region(s, 0, (void **)&p, &size, &kind), 0);
	for (uint64_t i = 0; i < size; i += 512)
		p[i] = (uint8_t)(i >> 9);
	cr_assert_eq(uipc_seg_publish(s), 0);
	cr_assert_eq(uipc_seg_attach(uipc_seg_fd(s), &a), 0);
	ai = info_of(a);
	cr_expect_eq(ai.backing, ci.backing);
	cr_expect_eq(ai.page_size, ci.page_size);
	cr_expect_eq(ai.size, ci.size);
	cr_expect_eq(ai.generation, ci.generation);
	cr_expect_eq(ai.creator_pid, getpid());
	cr_expect_eq(ai.node, ci.node);
	cr_expect_eq(ai.sealed, ci.sealed);
	cr_assert_eq(uipc_seg_region(a, 0, (void **)&q, &asize, &kind), 0);
	cr_expect_eq(asize, size);
	cr_expect_neq(q, p, "a second mapping");
	for (uint64_t i = 0; i < size; i += 512)
		cr_assert_eq(q[i], (uint8_t)(i >> 9), "byte %llu", (unsigned long long)i);
	uipc_seg_close(a);
}

/* ------------------------------------------------------------- backings */

Test(seg, never_is_plain_memfd_sealed_0600, .timeout = 30)
{
	struct uipc_seg *s = make(UIPC_HUGE_NEVER, 10000, UIPC_NODE_ANY);
	struct uipc_seg_info i = info_of(s);
	struct stat st;
	int seals = fcntl(uipc_seg_fd(s), F_GET_SEALS);

	cr_expect_eq(i.backing, UIPC_BACKING_MEMFD);
	cr_expect_eq(i.page_size, 4096);
	cr_expect_eq(i.size, 4096 + 12288, "header page + 10000 rounded to 4 KiB");
	cr_expect_str_empty(i.fallback_reason, "NEVER asks for nothing better");
	cr_expect_eq(i.sealed, 1);
	cr_expect_eq(seals & (F_SEAL_GROW | F_SEAL_SHRINK | F_SEAL_SEAL),
		     F_SEAL_GROW | F_SEAL_SHRINK | F_SEAL_SEAL);
	cr_assert_eq(fstat(uipc_seg_fd(s), &st), 0);
	cr_expect_eq(st.st_mode & 07777, 0600);
	cr_expect_eq((uint64_t)st.st_size, i.size);
	round_trip(s);
	uipc_seg_close(s);
}

Test(seg, mode_applies, .timeout = 30)
{
	struct uipc_seg_opts o = UIPC_SEG_OPTS_INIT;
	struct uipc_seg *s;
	struct stat st;

	o.size = 4096;
	o.huge = UIPC_HUGE_NEVER;
	o.mode = 0640;
	cr_assert_eq(uipc_seg_create(&o, &s, NULL), 0);
	cr_assert_eq(fstat(uipc_seg_fd(s), &st), 0);
	cr_expect_eq(st.st_mode & 07777, 0640);
	uipc_seg_close(s);
}

Test(seg, regions_laid_out_after_header, .timeout = 30)
{
	const struct uipc_region_req req[] = {
		{ .kind = UIPC_REGION_RING, .size = 100 },
		{ .kind = UIPC_REGION_USER, .size = 5000, .flags = 7 },
		{ .kind = UIPC_REGION_LVT, .size = 4096 },
	};
	const uint64_t off[] = { 4096, 8192, 16384 }, sz[] = { 4096, 8192, 4096 };
	struct uipc_seg_opts o = UIPC_SEG_OPTS_INIT;
	struct uipc_seg *s;
	uint8_t *base, *p;
	uint64_t size;
	uint32_t kind;

	o.nregions = 3;
	o.regions = req;
	o.huge = UIPC_HUGE_NEVER;
	o.kind = UIPC_KIND_FANOUT;
	cr_assert_eq(uipc_seg_create(&o, &s, NULL), 0);
	base = uipc_seg_base(s);
	cr_expect_eq(uipc_seg_size(s), 20480);
	for (unsigned i = 0; i < 3; i++) {
		cr_assert_eq(uipc_seg_region(s, i, (void **)&p, &size, &kind), 0);
		cr_expect_eq((uint64_t)(p - base), off[i], "region %u offset", i);
		cr_expect_eq(size, sz[i], "region %u size", i);
		cr_expect_eq(kind, req[i].kind);
	}
	cr_expect_eq(uipc_seg_region(s, 3, (void **)&p, &size, &kind), -ENOENT);
	cr_expect_eq(info_of(s).kind, UIPC_KIND_FANOUT);
	cr_expect_eq(((struct uipc_seg_hdr *)base)->regions[1].flags, 7);
	round_trip(s);
	uipc_seg_close(s);
}

Test(seg, hugetlb_memfd_round_trip, .timeout = 30)
{
	struct uipc_seg *s;
	struct uipc_seg_info i;
	struct statfs sf;
	struct stat st;

	if (read_long(HUGE2M "free_hugepages") < 2)
		cr_skip_test(NO_POOL);
	s = make(UIPC_HUGE_REQUIRE, 3 << 20, 0);
	i = info_of(s);
	cr_expect_eq(i.backing, UIPC_BACKING_HUGETLB_MEMFD);
	cr_expect_eq(i.page_size, UIPC_PAGE_2M);
	cr_expect_eq(i.size, 4ull << 20, "4 KiB header + 3 MiB rounded to 2 MiB pages");
	cr_expect_eq(i.sealed, 1);
	cr_expect_str_empty(i.fallback_reason);
	/* The kernel's word, not ours: the fd is on hugetlbfs. */
	cr_assert_eq(fstatfs(uipc_seg_fd(s), &sf), 0);
	cr_expect_eq(sf.f_type, HUGETLBFS_MAGIC);
	cr_assert_eq(fstat(uipc_seg_fd(s), &st), 0);
	cr_expect_eq(st.st_blksize, UIPC_PAGE_2M);
	cr_expect_eq(i.pages, 2);
	cr_expect_eq(i.pages_on_node, 2);
	cr_expect_eq(ftruncate(uipc_seg_fd(s), 8 << 20), -1, "sealed against growth");
	round_trip(s);
	uipc_seg_close(s);
}

/* Ask for more 2 MiB pages than the pool holds. */
static uint64_t beyond_pool(long *free_)
{
	*free_ = read_long(HUGE2M "free_hugepages");
	if (*free_ < 0)
		cr_skip_test("no 2 MiB hugepage support");
	if (*free_ > 256)
		cr_skip_test("pool has %ld free pages: too many to exceed cheaply", *free_);
	return (uint64_t)(*free_ + 1) << 21;
}

Test(seg, prefer_falls_back_when_pool_short, .timeout = 60)
{
	struct uipc_seg_opts o = UIPC_SEG_OPTS_INIT;
	struct uipc_seg_error err;
	struct uipc_seg_info i;
	struct uipc_seg *s;
	long free_;

	o.size = beyond_pool(&free_);
	o.huge = UIPC_HUGE_PREFER;
	cr_assert_eq(uipc_seg_create(&o, &s, &err), 0, "%s", err.msg);
	i = info_of(s);
	cr_expect(i.backing == UIPC_BACKING_MEMFD || i.backing == UIPC_BACKING_MEMFD_THP,
		  "got %s", uipc_backing_name(i.backing));
	cr_expect_eq(i.page_size, 4096);
	cr_expect(strstr(i.fallback_reason, "pool short") != NULL, "reason: %s",
		  i.fallback_reason);
	cr_expect_str_empty(err.msg, "a fallback is not an error");
	cr_expect_eq(i.pages, i.size / 4096, "every page faulted and verified");
	uipc_seg_close(s);
}

static void expect_shortage(int node, const char *sysfs, long free_, uint64_t size)
{
	struct uipc_seg_opts o = UIPC_SEG_OPTS_INIT;
	struct uipc_seg_error err;
	struct uipc_seg *s = NULL;
	char num[32];

	o.size = size;
	o.huge = UIPC_HUGE_REQUIRE;
	o.node = node;
	cr_assert_eq(uipc_seg_create(&o, &s, &err), -ENOMEM);
	cr_expect_null(s);
	cr_expect_eq(err.pages_needed, (UIPC_SEG_HDR_SIZE + size + (2 << 20) - 1) >> 21);
	cr_expect_eq(err.pages_free, (uint64_t)free_);
	cr_expect_eq(err.page_size, UIPC_PAGE_2M);
	cr_expect_eq(err.node, node);
	cr_expect_str_eq(err.sysfs_path, sysfs);
	cr_expect(strstr(err.msg, sysfs) != NULL, "msg names the file: %s", err.msg);
	snprintf(num, sizeof(num), "%llu needed", (unsigned long long)err.pages_needed);
	cr_expect(strstr(err.msg, num) != NULL, "msg says %s: %s", num, err.msg);
}

Test(seg, require_shortage_is_enomem_with_details, .timeout = 30)
{
	long free_;
	uint64_t size = beyond_pool(&free_);

	expect_shortage(UIPC_NODE_ANY, HUGE2M "nr_hugepages", free_, size);
}

Test(seg, require_shortage_on_node_names_node_file, .timeout = 30)
{
	char path[160];
	long free_;
	uint64_t size = beyond_pool(&free_);

	if (!uipc_numa_available())
		cr_skip_test("no NUMA support: no per-node pools (system-wide case tested)");
	snprintf(path, sizeof(path), "/sys/devices/system/node/node0/hugepages/"
		 "hugepages-2048kB/free_hugepages");
	free_ = read_long(path);
	cr_assert_geq(free_, 0);
	if ((uint64_t)free_ << 21 >= size)
		size = (uint64_t)(free_ + 1) << 21;
	expect_shortage(0, "/sys/devices/system/node/node0/hugepages/hugepages-2048kB/"
			   "nr_hugepages", free_, size);
}

/*
 * The pool check is told (injected topology) that plenty is free, so only
 * the kernel can notice the shortage: at the mmap reservation or at
 * MADV_POPULATE_WRITE.  Either way an error code, not a SIGBUS.
 */
Test(seg, require_shortage_past_pool_check_no_sigbus, .timeout = 30)
{
	struct uipc_numa_topo t;
	struct uipc_seg_opts o = UIPC_SEG_OPTS_INIT;
	struct uipc_seg_error err;
	struct uipc_seg *s = NULL;
	long free_;
	int rc;

	o.size = beyond_pool(&free_);
	o.huge = UIPC_HUGE_REQUIRE;
	cr_assert_eq(uipc_numa_topo_parse("node 0 cpus 0 huge2m 100000/100000\n"
					  "distance 10\n", &t), 0);
	uipc_numa_topo_inject(&t);
	rc = uipc_seg_create(&o, &s, &err);
	uipc_numa_topo_inject(NULL);
	cr_assert_eq(rc, -ENOMEM, "%d %s", rc, err.msg);
	cr_expect_null(s);
	cr_expect_eq(err.pages_needed, (o.size >> 21) + 1);
	cr_expect_eq(err.page_size, UIPC_PAGE_2M);
	cr_expect_str_eq(err.sysfs_path, HUGE2M "nr_hugepages");
	o.huge = UIPC_HUGE_PREFER;
	uipc_numa_topo_inject(&t);
	rc = uipc_seg_create(&o, &s, &err);
	uipc_numa_topo_inject(NULL);
	cr_assert_eq(rc, 0, "PREFER falls back past the kernel's refusal");
	cr_expect_neq(info_of(s).backing, UIPC_BACKING_HUGETLB_MEMFD);
	cr_expect(strstr(info_of(s).fallback_reason, "pool short") != NULL, "%s",
		  info_of(s).fallback_reason);
	uipc_seg_close(s);
}

Test(seg, require_1g_shortage, .timeout = 30)
{
	struct uipc_seg_opts o = UIPC_SEG_OPTS_INIT;
	struct uipc_seg_error err;
	struct uipc_seg *s;
	long free_ = read_long(HUGE1G "free_hugepages");

	if (free_ != 0)
		cr_skip_test("1 GiB pool %s", free_ < 0 ? "unsupported" : "not empty");
	o.size = 4096;
	o.huge = UIPC_HUGE_REQUIRE;
	o.page_size = UIPC_PAGE_1G;
	cr_assert_eq(uipc_seg_create(&o, &s, &err), -ENOMEM);
	cr_expect_eq(err.page_size, UIPC_PAGE_1G);
	cr_expect_eq(err.pages_needed, 1);
	cr_expect_str_eq(err.sysfs_path, HUGE1G "nr_hugepages");
}

/* Cheap way down the chain: no 1 GiB pages and no 1 GiB mount. */
Test(seg, thp_step_follows_shmem_knob, .timeout = 30)
{
	struct uipc_seg_opts o = UIPC_SEG_OPTS_INIT;
	struct uipc_seg *s;
	struct uipc_seg_info i;
	char knob[128] = "";
	FILE *f;
	int thp;

	if (read_long(HUGE1G "free_hugepages") > 0)
		cr_skip_test("1 GiB pages are free: the chain would stop there");
	f = fopen("/sys/kernel/mm/transparent_hugepage/shmem_enabled", "re");
	if (!f)
		cr_skip_test("no shmem THP knob");
	cr_assert_not_null(fgets(knob, sizeof(knob), f));
	fclose(f);
	thp = !strstr(knob, "[never]") && !strstr(knob, "[deny]");
	o.size = 4096;
	o.page_size = UIPC_PAGE_1G;
	cr_assert_eq(uipc_seg_create(&o, &s, NULL), 0);
	i = info_of(s);
	cr_expect_eq(i.backing, thp ? UIPC_BACKING_MEMFD_THP : UIPC_BACKING_MEMFD,
		     "knob %s gave %s", knob, uipc_backing_name(i.backing));
	cr_expect(strstr(i.fallback_reason, "1 GiB pool short") != NULL, "%s",
		  i.fallback_reason);
	if (!thp)
		cr_expect(strstr(i.fallback_reason, "shmem THP off") != NULL, "%s",
			  i.fallback_reason);
	else
		cr_expect_eq(i.size % UIPC_PAGE_2M, 0, "THP segments are whole 2 MiB extents");
	round_trip(s);
	uipc_seg_close(s);
}

/* -------------------------------------------------------------- hugetlbfs */

static const char *helper(void)
{
	static char path[PATH_MAX];
	const char *dir = getenv("UIPC_TEST_BUILDDIR");

	snprintf(path, sizeof(path), "%s/peer_seg", dir ? dir : ".");
	return access(path, X_OK) ? NULL : path;
}

Test(seg, hugetlbfs_file_backing, .timeout = 60)
{
	char dir[] = "/tmp/uipc-hugetlbfs-XXXXXX", cmd[PATH_MAX + 64], line[512] = "";
	char backing[32], abacking[32];
	int rc, sealed, entries, arc, same, n;
	unsigned long long page;
	const char *h = helper();
	FILE *p;

	if (!HAVE_LIBHUGETLBFS)
		cr_skip_test("built without libhugetlbfs");
	if (geteuid() != 0)
		cr_skip_test("mounting hugetlbfs needs root");
	if (read_long(HUGE2M "free_hugepages") < 1)
		cr_skip_test(NO_POOL);
	cr_assert_not_null(h, "helper peer_seg not built");
	cr_assert_not_null(mkdtemp(dir));
	if (mount("none", dir, "hugetlbfs", 0, "pagesize=2M")) {
		rmdir(dir);
		cr_skip_test("cannot mount hugetlbfs: %s", strerror(errno));
	}
	/* A fresh process: libhugetlbfs reads the mount table when loaded. */
	snprintf(cmd, sizeof(cmd), "%s %s", h, dir);
	p = popen(cmd, "re");
	if (p) {
		if (!fgets(line, sizeof(line), p))
			line[0] = '\0';
		pclose(p);
	}
	n = sscanf(line, "rc=%d backing=%31s page=%llu sealed=%d entries=%d attach=%d "
			 "abacking=%31s same=%d",
		   &rc, backing, &page, &sealed, &entries, &arc, abacking, &same);
	/* Nothing may be left in the filesystem: the file was unlinked at once. */
	{
		char ls[PATH_MAX + 16];
		int left;

		snprintf(ls, sizeof(ls), "ls -A %s | wc -l", dir);
		p = popen(ls, "re");
		left = p && fscanf(p, "%d", &left) == 1 ? left : -1;
		if (p)
			pclose(p);
		cr_expect_eq(left, 0, "files left on the mount");
	}
	umount(dir);
	rmdir(dir);
	cr_assert_eq(n, 8, "helper said: %s", line);
	cr_expect_eq(rc, 0, "%s", line);
	cr_expect_str_eq(backing, "hugetlbfs");
	cr_expect_eq(page, UIPC_PAGE_2M);
	cr_expect_eq(sealed, 0, "a hugetlbfs file cannot carry seals");
	cr_expect_eq(entries, 0, "unlinked while the segment is alive");
	cr_expect_eq(arc, 0, "attach accepts the unsealed hugetlbfs file");
	cr_expect_str_eq(abacking, "hugetlbfs");
	cr_expect_eq(same, 1, "the attacher sees the creator's bytes");
}

Test(seg, hugetlbfs_without_mount_falls_back, .timeout = 30)
{
	struct uipc_seg_opts o = UIPC_SEG_OPTS_INIT;
	struct uipc_seg_error err;
	struct uipc_seg *s;

#if HAVE_LIBHUGETLBFS
	if (hugetlbfs_find_path_for_size(UIPC_PAGE_2M))
		cr_skip_test("a hugetlbfs mount exists (the mount case is tested)");
#endif
	o.size = 4096;
	o.flags = UIPC_SEG_SKIP_HUGETLB_MEMFD;
	o.huge = UIPC_HUGE_REQUIRE;
	cr_assert_eq(uipc_seg_create(&o, &s, &err), -ENOMEM);
	cr_expect(strstr(err.msg, "hugetlbfs") != NULL, "%s", err.msg);
	o.huge = UIPC_HUGE_PREFER;
	cr_assert_eq(uipc_seg_create(&o, &s, &err), 0);
	cr_expect(info_of(s).backing == UIPC_BACKING_MEMFD ||
		  info_of(s).backing == UIPC_BACKING_MEMFD_THP);
	cr_expect(strstr(info_of(s).fallback_reason, "hugetlbfs") != NULL, "%s",
		  info_of(s).fallback_reason);
	uipc_seg_close(s);
}

/* -------------------------------------------------------------- placement */

#if HAVE_LIBNUMA
/* Independent of uipc_numa_verify(): ask the kernel page by page. */
static void expect_pages_on(void *base, uint64_t size, uint64_t step, int node)
{
	for (uint64_t off = 0; off < size; off += step) {
		int n = -1;

		cr_assert_eq(get_mempolicy(&n, NULL, 0, (char *)base + off,
					   MPOL_F_NODE | MPOL_F_ADDR), 0);
		cr_assert_eq(n, node, "page at %llu on node %d", (unsigned long long)off, n);
	}
}
#endif

static void placed_on_node0(enum uipc_mpol mpol, enum uipc_huge huge, uint64_t size)
{
	struct uipc_seg_opts o = UIPC_SEG_OPTS_INIT;
	struct uipc_seg_error err;
	struct uipc_seg_info i;
	struct uipc_seg *s;

	/* Without NUMA support this is the fallback: node 0 is a no-op. */
	o.size = size;
	o.node = 0;
	o.mpol = mpol;
	o.node_mask = mpol == UIPC_MPOL_INTERLEAVE ? 1 : 0;
	o.huge = huge;
	cr_assert_eq(uipc_seg_create(&o, &s, &err), 0, "%s", err.msg);
	i = info_of(s);
	cr_expect_eq(i.node_requested, 0);
	cr_expect_eq(i.node, 0);
	cr_expect_eq(i.pages, i.size / i.page_size);
	cr_expect_eq(i.pages_on_node, i.pages);
	cr_expect_eq(((struct uipc_seg_hdr *)uipc_seg_base(s))->node, 0);
#if HAVE_LIBNUMA
	expect_pages_on(uipc_seg_base(s), i.size, i.page_size, 0);
#endif
	round_trip(s);
	uipc_seg_close(s);
}

Test(seg, node0_bind_verified_per_page, .timeout = 30)
{
	placed_on_node0(UIPC_MPOL_BIND, UIPC_HUGE_NEVER, 256 << 10);
}

Test(seg, node0_preferred_verified_per_page, .timeout = 30)
{
	placed_on_node0(UIPC_MPOL_PREFERRED, UIPC_HUGE_NEVER, 256 << 10);
}

Test(seg, node0_interleave_verified_per_page, .timeout = 30)
{
	placed_on_node0(UIPC_MPOL_INTERLEAVE, UIPC_HUGE_NEVER, 256 << 10);
}

Test(seg, node0_hugetlb_verified_per_page, .timeout = 30)
{
	if (read_long(HUGE2M "free_hugepages") < 2)
		cr_skip_test(NO_POOL);
	placed_on_node0(UIPC_MPOL_BIND, UIPC_HUGE_REQUIRE, 2 << 20);
}

Test(seg, node99_is_enodev, .timeout = 30)
{
	struct uipc_seg_opts o = UIPC_SEG_OPTS_INIT;
	struct uipc_seg_error err;
	struct uipc_seg *s = NULL;

	o.size = 4096;
	o.node = 99;
	cr_assert_eq(uipc_seg_create(&o, &s, &err), -ENODEV);
	cr_expect_null(s);
	cr_expect_eq(err.node, 99);
	cr_expect(strstr(err.msg, "node 99") != NULL, "%s", err.msg);

	o.node = UIPC_NODE_ANY;
	o.mpol = UIPC_MPOL_INTERLEAVE;
	o.node_mask = 1ull << 40;
	cr_expect_eq(uipc_seg_create(&o, &s, &err), -ENODEV, "interleave over a missing node");
	cr_expect(strstr(err.msg, "interleave") != NULL, "%s", err.msg);
}

#if HAVE_LIBNUMA
struct policy {
	int mode;
	unsigned long mask[16];
};

static struct policy get_policy(void)
{
	struct policy p = { 0 };

	cr_assert_eq(get_mempolicy(&p.mode, p.mask, sizeof(p.mask) * 8, NULL, 0), 0);
	return p;
}
#endif

Test(seg, process_policy_unchanged, .timeout = 60)
{
#if HAVE_LIBNUMA
	unsigned long one = 1;
	struct policy before, after;
	struct uipc_seg_opts o = UIPC_SEG_OPTS_INIT;
	struct uipc_seg *s;
	long free_;

	if (!uipc_numa_available())
		cr_skip_test("no NUMA support");
	/* A distinctive policy of our own, so "unchanged" is not just "default". */
	cr_assert_eq(set_mempolicy(MPOL_PREFERRED, &one, 2), 0);
	before = get_policy();
	o.size = 64 << 10;
	o.node = 0;
	o.huge = UIPC_HUGE_NEVER;
	cr_assert_eq(uipc_seg_create(&o, &s, NULL), 0);
	uipc_seg_close(s);
	o.mpol = UIPC_MPOL_INTERLEAVE;
	o.node_mask = 1;
	cr_assert_eq(uipc_seg_create(&o, &s, NULL), 0);
	uipc_seg_close(s);
	o.node = 99; /* failure paths too */
	cr_assert_eq(uipc_seg_create(&o, &s, NULL), -ENODEV);
	o.node = 0;
	o.mpol = UIPC_MPOL_BIND;
	o.huge = UIPC_HUGE_REQUIRE;
	free_ = read_long(HUGE2M "free_hugepages");
	if (free_ >= 0 && free_ <= 256) {
		o.size = (uint64_t)(free_ + 1) << 21;
		cr_assert_eq(uipc_seg_create(&o, &s, NULL), -ENOMEM);
	}
	after = get_policy();
	cr_expect_eq(after.mode, before.mode);
	cr_expect_arr_eq(after.mask, before.mask, sizeof(before.mask));
	cr_expect_eq(after.mode, MPOL_PREFERRED);
	set_mempolicy(MPOL_DEFAULT, NULL, 0);
#else
	cr_skip_test("built without libnuma");
#endif
}

/* ------------------------------------------------------------------ seals */

Test(seg, seals_hold, .timeout = 30)
{
	struct uipc_seg *s = make(UIPC_HUGE_NEVER, 8192, UIPC_NODE_ANY);
	int fd = uipc_seg_fd(s);
	off_t size = (off_t)uipc_seg_size(s);
	struct stat st;

	errno = 0;
	cr_expect_eq(ftruncate(fd, size * 2), -1);
	cr_expect_eq(errno, EPERM, "grow: %s", strerror(errno));
	errno = 0;
	cr_expect_eq(ftruncate(fd, size / 2), -1);
	cr_expect_eq(errno, EPERM, "shrink: %s", strerror(errno));
	errno = 0;
	cr_expect_eq(fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE), -1);
	cr_expect_eq(errno, EPERM, "F_SEAL_SEAL holds: %s", strerror(errno));
	cr_assert_eq(fstat(fd, &st), 0);
	cr_expect_eq(st.st_size, size);
	uipc_seg_close(s);
}

/* ------------------------------------------------------------------ attach */

Test(seg, attach_refuses_unpublished, .timeout = 30)
{
	struct uipc_seg *s = make(UIPC_HUGE_NEVER, 4096, UIPC_NODE_ANY), *a;

	cr_expect_eq(uipc_seg_attach(uipc_seg_fd(s), &a), -EAGAIN);
	cr_expect_eq(uipc_seg_publish(s), 0);
	cr_assert_eq(uipc_seg_attach(uipc_seg_fd(s), &a), 0);
	cr_expect_eq(uipc_seg_publish(a), -EINVAL, "only the creator publishes");
	uipc_seg_close(a);
	uipc_seg_close(s);
}

Test(seg, attach_keeps_its_own_fd_and_values, .timeout = 30)
{
	struct uipc_seg *s = make(UIPC_HUGE_NEVER, 8192, UIPC_NODE_ANY), *a;
	struct uipc_seg_hdr *h = uipc_seg_base(s);
	int fd = fcntl(uipc_seg_fd(s), F_DUPFD_CLOEXEC, 0);
	uint64_t size;
	void *p;

	uipc_seg_publish(s);
	cr_assert_eq(uipc_seg_attach(fd, &a), 0);
	cr_expect_neq(uipc_seg_fd(a), fd);
	close(fd);
	/* A hostile peer rewrites the table after attach: our copy stands. */
	h->regions[0].size = 1ull << 40;
	h->nregions = 8;
	cr_assert_eq(uipc_seg_region(a, 0, &p, &size, NULL), 0);
	cr_expect_eq(size, 8192);
	cr_expect_eq(uipc_seg_region(a, 1, &p, &size, NULL), -ENOENT);
	memset(p, 1, size); /* still mapped through the attacher's own fd */
	uipc_seg_close(a);
	uipc_seg_close(s);
}

/* One header field overwritten after publishing, and the errno it earns. */
enum how { SET, ADD };
struct corrupt {
	char name[40];
	uint32_t off;
	uint32_t width;
	enum how how;
	uint64_t value;
	int expect;
};

#define R0 offsetof(struct uipc_seg_hdr, regions)
#define R1 (R0 + sizeof(struct uipc_seg_region))
#define ROFF offsetof(struct uipc_seg_region, offset)
#define RSIZE offsetof(struct uipc_seg_region, size)
#define F(f) offsetof(struct uipc_seg_hdr, f)

ParameterizedTestParameters(seg, corrupt_field)
{
	static struct corrupt c[] = {
		{ "magic", F(magic), 8, ADD, 1, -ENOEXEC },
		{ "magic zero", F(magic), 8, SET, 0, -ENOEXEC },
		{ "major version 2", F(version), 4, SET, 2u << 16, -EPROTONOSUPPORT },
		{ "major version 0", F(version), 4, SET, 7, -EPROTONOSUPPORT },
		{ "minor version only", F(version), 4, SET, (1u << 16) | 9, 0 },
		{ "unpublished", F(version), 4, SET, 0, -EAGAIN },
		{ "total_size larger", F(total_size), 8, ADD, 4096, -EMSGSIZE },
		{ "total_size smaller", F(total_size), 8, ADD, (uint64_t)-4096, -EMSGSIZE },
		{ "page_size odd", F(page_size), 8, SET, 12345, -EILSEQ },
		{ "page_size 2M (size not a multiple)", F(page_size), 8, SET, 2 << 20, -EILSEQ },
		{ "backing 0", F(backing), 4, SET, 0, -EILSEQ },
		{ "backing 9", F(backing), 4, SET, 9, -EILSEQ },
		{ "backing says hugetlb", F(backing), 4, SET, UIPC_BACKING_HUGETLB_MEMFD, -EILSEQ },
		{ "backing says hugetlbfs", F(backing), 4, SET, UIPC_BACKING_HUGETLBFS, -EILSEQ },
		{ "backing says thp", F(backing), 4, SET, UIPC_BACKING_MEMFD_THP, 0 },
		{ "page_size 1G on a memfd", F(page_size), 8, SET, 1 << 30, -EILSEQ },
		{ "kind", F(kind), 4, SET, 77, -EILSEQ },
		{ "mpol", F(mpol), 4, SET, 5, -EILSEQ },
		{ "node", F(node), 4, SET, (uint32_t)-5, -EILSEQ },
		{ "hdr_size", F(hdr_size), 4, SET, 64, -EILSEQ },
		{ "nregions 9", F(nregions), 4, SET, 9, -ERANGE },
		{ "nregions huge", F(nregions), 4, SET, 0xffffffffu, -ERANGE },
		{ "region offset past end", R0 + ROFF, 8, SET, 1ull << 40, -ERANGE },
		{ "region offset unaligned", R0 + ROFF, 8, ADD, 8, -ERANGE },
		{ "region over header", R0 + ROFF, 8, SET, 0, -ERANGE },
		{ "region size past end", R0 + RSIZE, 8, ADD, 4096, -ERANGE },
		{ "region size wraps", R0 + RSIZE, 8, SET, (uint64_t)-4096, -ERANGE },
		{ "region kind", R0, 4, SET, 99, -EILSEQ },
		{ "regions overlap", R1 + ROFF, 8, SET, 4096, -ERANGE },
		{ "second region past end", R1 + RSIZE, 8, ADD, 4096, -ERANGE },
	};

	return cr_make_param_array(struct corrupt, c, sizeof(c) / sizeof(c[0]));
}

ParameterizedTest(struct corrupt *c, seg, corrupt_field, .timeout = 30)
{
	const struct uipc_region_req req[] = { { .size = 8192 }, { .size = 4096 } };
	struct uipc_seg_opts o = UIPC_SEG_OPTS_INIT;
	struct uipc_seg *s, *a = NULL;
	uint8_t *field;
	uint64_t v = 0;
	int rc;

	o.nregions = 2;
	o.regions = req;
	o.huge = UIPC_HUGE_NEVER;
	cr_assert_eq(uipc_seg_create(&o, &s, NULL), 0);
	cr_assert_eq(uipc_seg_publish(s), 0);
	field = (uint8_t *)uipc_seg_base(s) + c->off;
	memcpy(&v, field, c->width);
	v = c->how == SET ? c->value : v + c->value;
	memcpy(field, &v, c->width);
	rc = uipc_seg_attach(uipc_seg_fd(s), &a);
	cr_expect_eq(rc, c->expect, "%s: got %d (%s), want %d", c->name, rc, strerror(-rc),
		     c->expect);
	if (!rc)
		uipc_seg_close(a);
	uipc_seg_close(s);
}

static int sealed_memfd(uint64_t size, int seals)
{
	int fd = memfd_create("t", MFD_CLOEXEC | MFD_ALLOW_SEALING);

	cr_assert_geq(fd, 0);
	cr_assert_eq(ftruncate(fd, (off_t)size), 0);
	if (seals)
		cr_assert_eq(fcntl(fd, F_ADD_SEALS, seals), 0);
	return fd;
}

Test(seg, attach_refuses_small_files, .timeout = 30)
{
	struct uipc_seg *a;
	int fd;

	fd = sealed_memfd(0, F_SEAL_GROW | F_SEAL_SHRINK);
	cr_expect_eq(uipc_seg_attach(fd, &a), -EMSGSIZE, "empty file");
	close(fd);
	fd = sealed_memfd(UIPC_SEG_HDR_SIZE - 1, F_SEAL_GROW | F_SEAL_SHRINK);
	cr_expect_eq(uipc_seg_attach(fd, &a), -EMSGSIZE, "one byte short of the header");
	close(fd);
}

Test(seg, attach_refuses_non_files, .timeout = 30)
{
	struct uipc_seg *a;
	int p[2], sv[2], null;

	cr_assert_eq(pipe(p), 0);
	cr_expect_eq(uipc_seg_attach(p[0], &a), -EBADF, "pipe");
	close(p[0]);
	close(p[1]);
	cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	cr_expect_eq(uipc_seg_attach(sv[0], &a), -EBADF, "socket");
	close(sv[0]);
	close(sv[1]);
	null = open("/dev/null", O_RDWR | O_CLOEXEC);
	cr_expect_eq(uipc_seg_attach(null, &a), -EBADF, "character device");
	close(null);
	cr_expect_eq(uipc_seg_attach(-1, &a), -EINVAL);
	cr_expect_eq(uipc_seg_attach(999999, &a), -EBADF, "closed fd");
}

Test(seg, attach_refuses_unsealed_memfd, .timeout = 30)
{
	struct uipc_seg *s = make(UIPC_HUGE_NEVER, 4096, UIPC_NODE_ANY), *a;
	uint64_t size = uipc_seg_size(s);
	int fd = sealed_memfd(size, 0);
	void *p;

	/* A perfect copy of a published header, in a file anyone could shrink. */
	uipc_seg_publish(s);
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	cr_assert_neq(p, MAP_FAILED);
	memcpy(p, uipc_seg_base(s), UIPC_SEG_HDR_SIZE);
	munmap(p, size);
	cr_expect_eq(uipc_seg_attach(fd, &a), -EPERM);
	cr_assert_eq(fcntl(fd, F_ADD_SEALS, F_SEAL_GROW | F_SEAL_SHRINK), 0);
	cr_expect_eq(uipc_seg_attach(fd, &a), 0, "the same file, sealed");
	uipc_seg_close(a);
	close(fd);
	uipc_seg_close(s);
}

/* Bounds the attacher believes must lie inside the file. */
static void expect_sane(struct uipc_seg *a)
{
	uint64_t total = uipc_seg_size(a), size;
	uint8_t *base = uipc_seg_base(a), *p;

	for (unsigned i = 0; uipc_seg_region(a, i, (void **)&p, &size, NULL) == 0; i++) {
		cr_assert_leq((uint64_t)(p - base) + size, total);
		cr_assert_geq((uint64_t)(p - base), UIPC_SEG_HDR_SIZE);
		if (size)
			p[size - 1] ^= 0; /* touch the last byte: must not fault */
	}
}

Test(seg, fuzz_header_never_crashes, .timeout = 120)
{
	const struct uipc_region_req req[] = { { .size = 4096 }, { .size = 8192 } };
	struct uipc_seg_opts o = UIPC_SEG_OPTS_INIT;
	struct uipc_seg_hdr good;
	struct uipc_seg *s, *a;
	unsigned seed = (unsigned)time(NULL) ^ (unsigned)getpid();
	uint8_t *h;
	int accepted = 0;

	o.nregions = 2;
	o.regions = req;
	o.huge = UIPC_HUGE_NEVER;
	cr_assert_eq(uipc_seg_create(&o, &s, NULL), 0);
	uipc_seg_publish(s);
	h = uipc_seg_base(s);
	memcpy(&good, h, sizeof(good));
	cr_log_info("fuzz seed %u", seed);
	srand(seed);
	for (int iter = 0; iter < 4000; iter++) {
		int rc;

		if (iter % 4 == 0) {
			/* Pure noise over the whole header page. */
			for (unsigned i = 0; i < UIPC_SEG_HDR_SIZE; i++)
				h[i] = (uint8_t)rand();
		} else {
			/* A valid header with a few bytes changed reaches the deeper checks. */
			memcpy(h, &good, sizeof(good));
			for (int k = 1 + rand() % 6; k > 0; k--)
				h[rand() % sizeof(good)] = (uint8_t)rand();
		}
		rc = uipc_seg_attach(uipc_seg_fd(s), &a);
		cr_assert_leq(rc, 0, "seed %u iter %d", seed, iter);
		if (rc == 0) {
			expect_sane(a);
			uipc_seg_close(a);
			accepted++;
		}
	}
	cr_log_info("%d of 4000 mutated headers were still valid", accepted);
	memcpy(h, &good, sizeof(good));
	cr_assert_eq(uipc_seg_attach(uipc_seg_fd(s), &a), 0, "the good header again");
	uipc_seg_close(a);
	uipc_seg_close(s);
}

/* ------------------------------------------------------------------- misc */

Test(seg, bad_options, .timeout = 30)
{
	const struct uipc_region_req zero = { .size = 0 };
	struct uipc_seg_opts o = UIPC_SEG_OPTS_INIT;
	struct uipc_seg *s;

	cr_expect_eq(uipc_seg_create(NULL, &s, NULL), -EINVAL);
	cr_expect_eq(uipc_seg_create(&o, &s, NULL), -EINVAL, "no size, no regions");
	o.size = 4096;
	cr_expect_eq(uipc_seg_create(&o, NULL, NULL), -EINVAL);
	o.page_size = 3 << 20;
	cr_expect_eq(uipc_seg_create(&o, &s, NULL), -EINVAL, "3 MiB pages");
	o.page_size = 0;
	o.mode = 04600;
	cr_expect_eq(uipc_seg_create(&o, &s, NULL), -EINVAL, "setuid mode");
	o.mode = 0;
	o.huge = (enum uipc_huge)7;
	cr_expect_eq(uipc_seg_create(&o, &s, NULL), -EINVAL);
	o.huge = UIPC_HUGE_NEVER;
	o.nregions = UIPC_SEG_MAX_REGIONS + 1;
	o.regions = &zero;
	cr_expect_eq(uipc_seg_create(&o, &s, NULL), -EINVAL, "too many regions");
	o.nregions = 1;
	cr_expect_eq(uipc_seg_create(&o, &s, NULL), -EINVAL, "empty region");
	o.regions = NULL;
	cr_expect_eq(uipc_seg_create(&o, &s, NULL), -EINVAL, "regions missing");
}

Test(seg, generations_differ, .timeout = 30)
{
	struct uipc_seg *a = make(UIPC_HUGE_NEVER, 4096, UIPC_NODE_ANY);
	struct uipc_seg *b = make(UIPC_HUGE_NEVER, 4096, UIPC_NODE_ANY);

	cr_expect_neq(info_of(a).generation, info_of(b).generation);
	cr_expect_eq(info_of(a).creator_pid, getpid());
	cr_expect_eq(((struct uipc_seg_hdr *)uipc_seg_base(a))->creator_pid, getpid());
	uipc_seg_close(a);
	uipc_seg_close(b);
}

Test(seg, backing_names, .timeout = 10)
{
	cr_expect_str_eq(uipc_backing_name(UIPC_BACKING_HUGETLB_MEMFD), "hugetlb-memfd");
	cr_expect_str_eq(uipc_backing_name(UIPC_BACKING_HUGETLBFS), "hugetlbfs");
	cr_expect_str_eq(uipc_backing_name(UIPC_BACKING_MEMFD_THP), "memfd+thp");
	cr_expect_str_eq(uipc_backing_name(UIPC_BACKING_MEMFD), "memfd");
	cr_expect_str_eq(uipc_backing_name((enum uipc_backing)42), "none");
}
