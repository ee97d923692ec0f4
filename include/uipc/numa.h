/* SPDX-License-Identifier: MIT */
/*
 * NUMA topology, CPU pinning, and placement of a memory range before first
 * touch.  Built on libnuma when present; without it every query answers
 * for one node holding every CPU, and placement on node 0 succeeds as a
 * no-op while any other node is -ENODEV.
 *
 * Multi-node logic is testable on a one-node host: a topology can be
 * parsed from a text description (uipc_numa_topo_parse()) and injected
 * (uipc_numa_topo_inject()), after which every query and validation in
 * this module answers from it.
 */
#ifndef UIPC_NUMA_H
#define UIPC_NUMA_H

#include <stddef.h>
#include <stdint.h>

#include "common.h"
#include "seg.h"

#ifdef __cplusplus
extern "C" {
#endif

#define UIPC_NUMA_MAX_NODES 64
#define UIPC_NUMA_MAX_CPUS 1024

struct uipc_numa_node {
	int id;
	int ncpus;
	uint64_t cpus[UIPC_NUMA_MAX_CPUS / 64]; /* bitmap */
	uint64_t mem_total; /* bytes, 0 if unknown */
	uint64_t huge_free_2m; /* free 2 MiB hugepages on this node */
	uint64_t huge_total_2m;
	uint64_t huge_free_1g;
	uint64_t huge_total_1g;
};

struct uipc_numa_topo {
	int nnodes; /* nodes with memory or CPUs */
	int max_node; /* highest node id */
	int source; /* 0 = kernel/libnuma, 1 = injected */
	struct uipc_numa_node nodes[UIPC_NUMA_MAX_NODES]; /* indexed 0..nnodes-1 */
	uint8_t distance[UIPC_NUMA_MAX_NODES][UIPC_NUMA_MAX_NODES]; /* by node id */
};

/** uipc_numa_available() - 1 if the kernel and libnuma support NUMA policy. */
UIPC_API int uipc_numa_available(void);

/** uipc_numa_topology() - read (or return the injected) topology.
 * Return: 0, -ENOSYS without NUMA support (a one-node topology is still
 * filled), or -errno reading sysfs. */
UIPC_API int uipc_numa_topology(struct uipc_numa_topo *topo);

/**
 * uipc_numa_topo_parse() - build a topology from text, for tests and tools:
 * "node 0 cpus 0-3 mem 8G huge2m 64/128\nnode 1 cpus 4-7 ...\ndistance 10 20\ndistance 20 10"
 *
 * One statement per line; '#' starts a comment line.
 *   node ID [cpus LIST] [mem N[K|M|G]] [huge2m FREE/TOTAL] [huge1g FREE/TOTAL]
 *   distance D...   one row per node, in the order the nodes were declared;
 *                   row i column j is the distance from node i to node j
 * Return: 0 or -EINVAL (unknown word, bad number or list, duplicate node,
 * free > total, a distance row of the wrong length, no node) with a
 * partial topology; -ENOMEM.
 */
UIPC_API int uipc_numa_topo_parse(const char *text, struct uipc_numa_topo *topo);

/** uipc_numa_topo_inject() - answer every query from @topo (copied; NULL:
 * back to the kernel).  For tests and tools: call it before other threads
 * query.  Placement (mbind) still goes to the kernel, which refuses nodes
 * it does not have. */
UIPC_API void uipc_numa_topo_inject(const struct uipc_numa_topo *topo);

/** uipc_numa_node_exists() - 1 if @node is a node of the (possibly injected) topology. */
UIPC_API int uipc_numa_node_exists(int node);

/** uipc_numa_node_of_cpu() - node of @cpu, or -EINVAL (no such cpu, or on no node). */
UIPC_API int uipc_numa_node_of_cpu(int cpu);

/** uipc_numa_distance() - SLIT distance from @a to @b (10 = local), or
 * -ENODEV (either node missing), -ENOMEM. */
UIPC_API int uipc_numa_distance(int a, int b);

/** uipc_numa_huge_free() - free hugepages of @page_size (2 MiB or 1 GiB) on
 * @node (UIPC_NODE_ANY: system-wide), from sysfs free_hugepages or the
 * injected topology.  Without NUMA support every node-0 query is
 * system-wide.  Return: count (0 if that size is not configured), or
 * -ENODEV (no such node), -EINVAL (other page size), -errno reading sysfs. */
UIPC_API long uipc_numa_huge_free(int node, uint64_t page_size);

/** uipc_numa_huge_sysfs() - the file a person writes to reserve pages of
 * @page_size on @node (UIPC_NODE_ANY: the system-wide file), into @buf.
 * Return: length, -ENOSPC (@buf too small), -EINVAL (other page size). */
UIPC_API int uipc_numa_huge_sysfs(int node, uint64_t page_size, char *buf, size_t len);

/** uipc_pin_cpu() - pin the calling thread to @cpu.
 * Return: 0, -EINVAL (bad cpu), or -errno from pthread_setaffinity_np. */
UIPC_API int uipc_pin_cpu(int cpu);

/** uipc_pin_node() - pin the calling thread to the CPUs of @node.
 * Return: 0, -ENODEV (no such node), -EINVAL (node without CPUs), -ENOMEM,
 * or -errno from pthread_setaffinity_np. */
UIPC_API int uipc_pin_node(int node);

/**
 * uipc_numa_place() - set the policy of an mmap'ed, not yet touched range
 * (mbind), leaving the process policy untouched.  @node_mask is used for
 * INTERLEAVE (0: just @node); @node UIPC_NODE_ANY with BIND/PREFERRED is a
 * no-op.  Return: 0, -EINVAL (@addr not page aligned, @len 0, bad @mpol),
 * -ENODEV (no such node), -ENOSYS (no NUMA support and a node other than 0
 * that an injected topology claims), -errno from mbind.
 */
UIPC_API int uipc_numa_place(void *addr, size_t len, int node, enum uipc_mpol mpol,
			     uint64_t node_mask);

/**
 * uipc_numa_verify() - find the node of every page in [addr, addr+len),
 * stepping by @page_size (pages must already be faulted in).
 * @want:    the node to count pages on (UIPC_NODE_ANY: count none)
 * @node:    out: the node all pages share, -1 if they are mixed
 * @pages:   out: pages examined
 * @on_want: out: pages found on @want
 * Pages not present count towards @pages but on no node (@node is then -1).
 * Without NUMA support every page is reported on node 0 without asking.
 * Return: 0, -EINVAL (bad arguments, @page_size not a power of two), or
 * -errno from move_pages.
 */
UIPC_API int uipc_numa_verify(void *addr, size_t len, size_t page_size, int want,
			      int *node, uint64_t *pages, uint64_t *on_want);

#ifdef __cplusplus
}
#endif

#endif /* UIPC_NUMA_H */
