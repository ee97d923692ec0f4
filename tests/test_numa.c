// SPDX-License-Identifier: MIT
/*
 * NUMA: the host's topology against the kernel's own files, the text
 * description and injection (multi-node logic on a one-node host),
 * pinning, placement of a range and verification of where pages are.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "config.h"
#include <uipc/numa.h>
#include <uipc/seg.h>

#include "testutil.h"

#if HAVE_LIBNUMA
#include <numa.h>
#include <numaif.h>
#endif

static const char two_nodes[] =
	"# an injected two-socket box\n"
	"node 0 cpus 0-3 mem 8G huge2m 10/16 huge1g 0/0\n"
	"node 1 cpus 4-7,9 mem 4096M huge2m 64/64 huge1g 1/2\n"
	"distance 10 20\n"
	"distance 21 10\n";


static void inject_two(void)
{
	struct uipc_numa_topo t;

	cr_assert_eq(uipc_numa_topo_parse(two_nodes, &t), 0);
	uipc_numa_topo_inject(&t);
}

/* ------------------------------------------------------------ the host */

Test(numa, host_topology_matches_sysfs, .timeout = 30)
{
	struct uipc_numa_topo t;
	int rc = uipc_numa_topology(&t), cpus = 0;

	cr_assert(rc == 0 || (rc == -ENOSYS && !uipc_numa_available()), "rc %d", rc);
	cr_expect_eq(t.source, 0);
	cr_assert_geq(t.nnodes, 1);
	cr_expect_eq(t.nodes[0].id, 0);
	cr_expect_eq(t.distance[0][0], 10);
	for (int i = 0; i < t.nnodes; i++) {
		char path[160];
		long v;

		cpus += t.nodes[i].ncpus;
		if (!uipc_numa_available())
			continue;
		snprintf(path, sizeof(path), "/sys/devices/system/node/node%d/hugepages/"
			 "hugepages-2048kB/nr_hugepages", t.nodes[i].id);
		v = read_long(path);
		if (v >= 0)
			cr_expect_eq(t.nodes[i].huge_total_2m, (uint64_t)v, "node %d", t.nodes[i].id);
		cr_expect_gt(t.nodes[i].mem_total, 0, "node %d has MemTotal", t.nodes[i].id);
	}
	cr_expect_eq(cpus, sysconf(_SC_NPROCESSORS_CONF), "every cpu on one node");
}

Test(numa, host_queries, .timeout = 30)
{
	cr_expect_eq(uipc_numa_node_exists(0), 1);
	cr_expect_eq(uipc_numa_node_exists(99), 0);
	cr_expect_eq(uipc_numa_node_exists(-1), 0);
	cr_expect_eq(uipc_numa_distance(0, 0), 10);
	cr_expect_eq(uipc_numa_distance(0, 99), -ENODEV);
	cr_expect_eq(uipc_numa_node_of_cpu(-1), -EINVAL);
	cr_expect_eq(uipc_numa_node_of_cpu(UIPC_NUMA_MAX_CPUS), -EINVAL);
	for (int c = 0; c < sysconf(_SC_NPROCESSORS_CONF); c++) {
		int n = uipc_numa_node_of_cpu(c);

#if HAVE_LIBNUMA
		if (uipc_numa_available()) {
			cr_expect_eq(n, numa_node_of_cpu(c), "cpu %d", c);
			continue;
		}
#endif
		cr_expect_eq(n, 0, "cpu %d", c);
	}
}

Test(numa, host_huge_free_matches_sysfs, .timeout = 30)
{
	long sys = read_long("/sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages");

	if (sys < 0)
		cr_skip_test("no 2 MiB hugepage support");
	/* Compared twice around the read: the pool is shared with other users. */
	cr_expect_eq(uipc_numa_huge_free(UIPC_NODE_ANY, UIPC_PAGE_2M), sys);
	if (uipc_numa_available())
		cr_expect_eq(uipc_numa_huge_free(0, UIPC_PAGE_2M),
			     read_long("/sys/devices/system/node/node0/hugepages/"
				       "hugepages-2048kB/free_hugepages"));
	cr_expect_eq(uipc_numa_huge_free(0, 3 << 20), -EINVAL, "no 3 MiB pages");
	cr_expect_eq(uipc_numa_huge_free(99, UIPC_PAGE_2M), -ENODEV);
}

Test(numa, huge_sysfs_paths, .timeout = 10)
{
	char buf[160];

	cr_expect_gt(uipc_numa_huge_sysfs(UIPC_NODE_ANY, UIPC_PAGE_2M, buf, sizeof(buf)), 0);
	cr_expect_str_eq(buf, "/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages");
	cr_expect_gt(uipc_numa_huge_sysfs(3, UIPC_PAGE_1G, buf, sizeof(buf)), 0);
	cr_expect_str_eq(buf, "/sys/devices/system/node/node3/hugepages/"
			      "hugepages-1048576kB/nr_hugepages");
	cr_expect_eq(uipc_numa_huge_sysfs(0, UIPC_PAGE_2M, buf, 10), -ENOSPC);
	cr_expect_eq(uipc_numa_huge_sysfs(0, 4096, buf, sizeof(buf)), -EINVAL);
}

/* --------------------------------------------------- parse and inject */

Test(numa, parse_two_nodes, .timeout = 10)
{
	struct uipc_numa_topo t;

	cr_assert_eq(uipc_numa_topo_parse(two_nodes, &t), 0);
	cr_expect_eq(t.nnodes, 2);
	cr_expect_eq(t.max_node, 1);
	cr_expect_eq(t.source, 1);
	cr_expect_eq(t.nodes[0].ncpus, 4);
	cr_expect_eq(t.nodes[1].ncpus, 5);
	cr_expect_eq(t.nodes[1].cpus[0], 0x2f0ull, "cpus 4-7,9");
	cr_expect_eq(t.nodes[0].mem_total, 8ull << 30);
	cr_expect_eq(t.nodes[1].mem_total, 4096ull << 20);
	cr_expect_eq(t.nodes[0].huge_free_2m, 10);
	cr_expect_eq(t.nodes[0].huge_total_2m, 16);
	cr_expect_eq(t.nodes[1].huge_free_1g, 1);
	cr_expect_eq(t.nodes[1].huge_total_1g, 2);
	cr_expect_eq(t.distance[0][1], 20);
	cr_expect_eq(t.distance[1][0], 21, "rows are the 'from' node");
	cr_expect_eq(t.distance[1][1], 10);
}

Test(numa, parse_refuses_nonsense, .timeout = 10)
{
	static const char *const bad[] = {
		"",
		"socket 0\n",
		"node\n",
		"node x\n",
		"node 64\n",
		"node 0\nnode 0\n",
		"node 0 cpus 5-2\n",
		"node 0 cpus 0-4096\n",
		"node 0 huge2m 9/4\n",
		"node 0 huge2m 9\n",
		"node 0 mem 8T\n",
		"node 0 cpus\n",
		"node 0 colour blue\n",
		"node 0\ndistance 10 20\n",
		"node 0\nnode 1\ndistance 10\n",
		"node 0\ndistance 10\ndistance 10\n",
		"node 0\ndistance 0\n",
	};
	struct uipc_numa_topo t;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_expect_eq(uipc_numa_topo_parse(bad[i], &t), -EINVAL, "accepted: \"%s\"", bad[i]);
	cr_expect_eq(uipc_numa_topo_parse(NULL, &t), -EINVAL);
}

Test(numa, injected_two_nodes_drive_queries, .timeout = 30)
{
	struct uipc_numa_topo t;

	inject_two();
	cr_expect_eq(uipc_numa_node_exists(0), 1);
	cr_expect_eq(uipc_numa_node_exists(1), 1);
	cr_expect_eq(uipc_numa_node_exists(2), 0);
	cr_expect_eq(uipc_numa_distance(0, 1), 20);
	cr_expect_eq(uipc_numa_distance(1, 0), 21);
	cr_expect_eq(uipc_numa_distance(1, 2), -ENODEV);
	cr_expect_eq(uipc_numa_huge_free(0, UIPC_PAGE_2M), 10);
	cr_expect_eq(uipc_numa_huge_free(1, UIPC_PAGE_2M), 64);
	cr_expect_eq(uipc_numa_huge_free(1, UIPC_PAGE_1G), 1);
	cr_expect_eq(uipc_numa_huge_free(UIPC_NODE_ANY, UIPC_PAGE_2M), 74);
	cr_expect_eq(uipc_numa_huge_free(2, UIPC_PAGE_2M), -ENODEV);
	cr_expect_eq(uipc_numa_node_of_cpu(3), 0);
	cr_expect_eq(uipc_numa_node_of_cpu(9), 1);
	cr_expect_eq(uipc_numa_node_of_cpu(8), -EINVAL, "cpu 8 is on no node");
	cr_assert_eq(uipc_numa_topology(&t), 0);
	cr_expect_eq(t.source, 1);
	cr_expect_eq(t.nnodes, 2);
	uipc_numa_topo_inject(NULL);
	cr_assert_eq(uipc_numa_topology(&t), uipc_numa_available() ? 0 : -ENOSYS);
	cr_expect_eq(t.source, 0, "back to the kernel's view");
}

Test(numa, injected_node2_refused_by_create, .timeout = 30)
{
	struct uipc_seg_opts o = UIPC_SEG_OPTS_INIT;
	struct uipc_seg_error err;
	struct uipc_seg *s;

	inject_two();
	o.size = 4096;
	o.node = 2;
	cr_expect_eq(uipc_seg_create(&o, &s, &err), -ENODEV);
	cr_expect_eq(err.node, 2);
	o.node = UIPC_NODE_ANY;
	o.mpol = UIPC_MPOL_INTERLEAVE;
	o.node_mask = 0x5; /* nodes 0 and 2 */
	cr_expect_eq(uipc_seg_create(&o, &s, &err), -ENODEV);
	uipc_numa_topo_inject(NULL);
}

/* The pool check reads the injected per-node counts: node 0 has 10. */
Test(numa, injected_pool_drives_shortage_report, .timeout = 30)
{
	struct uipc_seg_opts o = UIPC_SEG_OPTS_INIT;
	struct uipc_seg_error err;
	struct uipc_seg *s;

	inject_two();
	o.size = 40 << 20;
	o.node = 0;
	o.huge = UIPC_HUGE_REQUIRE;
	cr_expect_eq(uipc_seg_create(&o, &s, &err), -ENOMEM);
	cr_expect_eq(err.pages_free, 10);
	cr_expect_eq(err.pages_needed, 21);
	cr_expect_str_eq(err.sysfs_path, "/sys/devices/system/node/node0/hugepages/"
					 "hugepages-2048kB/nr_hugepages");
	uipc_numa_topo_inject(NULL);
}

/* ------------------------------------------------------------- pinning */

Test(numa, pin_cpu_and_node, .timeout = 30)
{
	cpu_set_t set;
	struct uipc_numa_topo t;
	int ncpu = 0;

	cr_assert_eq(uipc_pin_cpu(0), 0);
	cr_assert_eq(sched_getaffinity(0, sizeof(set), &set), 0);
	cr_expect_eq(CPU_COUNT(&set), 1);
	cr_expect(CPU_ISSET(0, &set));
	cr_expect_eq(uipc_pin_cpu(-1), -EINVAL);
	cr_expect_eq(uipc_pin_node(99), -ENODEV);

	uipc_numa_topology(&t);
	for (int c = 0; c < UIPC_NUMA_MAX_CPUS; c++)
		ncpu += (int)(t.nodes[0].cpus[c / 64] >> (c % 64) & 1);
	cr_assert_eq(uipc_pin_node(0), 0);
	cr_assert_eq(sched_getaffinity(0, sizeof(set), &set), 0);
	cr_expect_eq(CPU_COUNT(&set), ncpu, "pinned to node 0's cpus");
}

/* ----------------------------------------------------- place and verify */

static void *anon(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	cr_assert_neq(p, MAP_FAILED);
	return p;
}

Test(numa, place_then_verify_node0, .timeout = 30)
{
	size_t len = 32 * 4096;
	uint64_t pages, on;
	uint8_t *p = anon(len);
	int node;

	cr_assert_eq(uipc_numa_place(p, len, 0, UIPC_MPOL_BIND, 0), 0);
#if HAVE_LIBNUMA
	if (uipc_numa_available()) {
		int mode = -1;

		/* The range carries the policy; the process does not. */
		cr_assert_eq(get_mempolicy(&mode, NULL, 0, p, MPOL_F_ADDR), 0);
		cr_expect_eq(mode, MPOL_BIND);
		cr_assert_eq(get_mempolicy(&mode, NULL, 0, NULL, 0), 0);
		cr_expect_eq(mode, MPOL_DEFAULT);
	}
#endif
	memset(p, 1, len);
	cr_assert_eq(uipc_numa_verify(p, len, 4096, 0, &node, &pages, &on), 0);
	cr_expect_eq(node, 0);
	cr_expect_eq(pages, 32);
	cr_expect_eq(on, 32);
	cr_assert_eq(uipc_numa_verify(p, len, 4096, 1, &node, &pages, &on), 0);
	cr_expect_eq(on, 0, "nothing on node 1");
	munmap(p, len);
}

Test(numa, verify_sees_untouched_pages, .timeout = 30)
{
	size_t len = 8 * 4096;
	uint64_t pages, on;
	uint8_t *p = anon(len);
	int node;

	if (!uipc_numa_available())
		cr_skip_test("no NUMA support: verify answers node 0 without asking");
	p[0] = 1; /* one page present, seven not */
	cr_assert_eq(uipc_numa_verify(p, len, 4096, 0, &node, &pages, &on), 0);
	cr_expect_eq(pages, 8);
	cr_expect_eq(on, 1);
	cr_expect_eq(node, -1, "absent pages are not 'on node 0'");
	munmap(p, len);
}

Test(numa, place_and_verify_refuse_bad_input, .timeout = 30)
{
	size_t len = 4 * 4096;
	uint8_t *p = anon(len);
	uint64_t pages, on;
	int node;

	cr_expect_eq(uipc_numa_place(p, len, 99, UIPC_MPOL_BIND, 0), -ENODEV);
	cr_expect_eq(uipc_numa_place(p + 1, len - 4096, 0, UIPC_MPOL_BIND, 0), -EINVAL);
	cr_expect_eq(uipc_numa_place(NULL, len, 0, UIPC_MPOL_BIND, 0), -EINVAL);
	cr_expect_eq(uipc_numa_place(p, len, 0, (enum uipc_mpol)9, 0), -EINVAL);
	cr_expect_eq(uipc_numa_place(p, len, UIPC_NODE_ANY, UIPC_MPOL_INTERLEAVE, 1ull << 50),
		     -ENODEV);
	cr_expect_eq(uipc_numa_verify(p, len, 3000, 0, &node, &pages, &on), -EINVAL);
	cr_expect_eq(uipc_numa_verify(p, len, 4096, 0, NULL, &pages, &on), -EINVAL);
	munmap(p, len);
}

/* An injected node the kernel does not have: an error, never a crash. */
Test(numa, place_on_injected_only_node_fails_cleanly, .timeout = 30)
{
	struct uipc_numa_topo real;
	size_t len = 4 * 4096;
	uint8_t *p = anon(len);
	int rc;

	uipc_numa_topology(&real);
	if (real.max_node >= 1)
		cr_skip_test("host really has node 1");
	inject_two();
	rc = uipc_numa_place(p, len, 1, UIPC_MPOL_BIND, 0);
	uipc_numa_topo_inject(NULL);
	cr_expect_lt(rc, 0, "the kernel refuses node 1: %d", rc);
	munmap(p, len);
}
