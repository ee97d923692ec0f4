// SPDX-License-Identifier: MIT
/*
 * Placement of a range before first touch, and verification of where its
 * pages landed.  Only the range's policy is set (mbind); the process
 * policy is never touched, so there is nothing to restore on any path.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "config.h"
#include "uipc/numa.h"

#if HAVE_LIBNUMA
#include <numa.h>
#include <numaif.h>
#endif

#define VERIFY_BATCH 512

#if HAVE_LIBNUMA
static int to_kernel_mode(enum uipc_mpol m)
{
	switch (m) {
	case UIPC_MPOL_BIND:
		return MPOL_BIND;
	case UIPC_MPOL_PREFERRED:
		return MPOL_PREFERRED;
	case UIPC_MPOL_INTERLEAVE:
		return MPOL_INTERLEAVE;
	}
	return -1;
}

int uipc_numa_place(void *addr, size_t len, int node, enum uipc_mpol mpol, uint64_t node_mask)
{
	unsigned long mask[UIPC_NUMA_MAX_NODES / (8 * sizeof(unsigned long))] = { 0 };
	int mode = to_kernel_mode(mpol);

	if (!addr || !len || ((uintptr_t)addr & 4095) || mode < 0)
		return -EINVAL;
	if (mpol == UIPC_MPOL_INTERLEAVE && !node_mask && node >= 0 &&
	    node < UIPC_NUMA_MAX_NODES)
		node_mask = 1ull << node;
	if (mpol == UIPC_MPOL_INTERLEAVE) {
		if (!node_mask)
			return node == UIPC_NODE_ANY ? 0 : -EINVAL;
		for (int n = 0; n < UIPC_NUMA_MAX_NODES; n++)
			if ((node_mask >> n & 1) && !uipc_numa_node_exists(n))
				return -ENODEV;
	} else {
		if (node == UIPC_NODE_ANY)
			return 0;
		if (node < 0 || node >= UIPC_NUMA_MAX_NODES || !uipc_numa_node_exists(node))
			return -ENODEV;
		node_mask = 1ull << node;
	}
	if (!uipc_numa_available())
		return node_mask == 1 ? 0 : -ENOSYS;
	for (int n = 0; n < UIPC_NUMA_MAX_NODES; n++)
		if (node_mask >> n & 1)
			mask[n / (8 * sizeof(unsigned long))] |= 1ul << (n % (8 * sizeof(unsigned long)));
	/* The range only: the caller's own policy stays as it was. */
	if (mbind(addr, len, mode, mask, UIPC_NUMA_MAX_NODES + 1, 0))
		return -errno;
	return 0;
}

int uipc_numa_verify(void *addr, size_t len, size_t page_size, int want, int *node,
		     uint64_t *pages, uint64_t *on_want)
{
	void *ptrs[VERIFY_BATCH];
	int status[VERIFY_BATCH];
	uint64_t n = 0, on = 0;
	int common = -2;

	if (!addr || !len || !page_size || (page_size & (page_size - 1)) || !node || !pages ||
	    !on_want)
		return -EINVAL;
	if (!uipc_numa_available()) {
		*node = 0;
		*pages = (len + page_size - 1) / page_size;
		*on_want = want == 0 ? *pages : 0;
		return 0;
	}
	for (size_t off = 0; off < len;) {
		unsigned long cnt = 0;

		for (; cnt < VERIFY_BATCH && off < len; cnt++, off += page_size)
			ptrs[cnt] = (char *)addr + off;
		/* NULL nodes: query only, nothing moves. */
		if (move_pages(0, cnt, ptrs, NULL, status, 0))
			return -errno;
		for (unsigned long i = 0; i < cnt; i++) {
			int st = status[i];

			if (st < 0) {
				common = -1; /* not present or not queryable */
				continue;
			}
			if (common == -2)
				common = st;
			else if (common != st)
				common = -1;
			if (st == want)
				on++;
		}
		n += cnt;
	}
	*node = common < 0 ? -1 : common;
	*pages = n;
	*on_want = on;
	return 0;
}

#else /* !HAVE_LIBNUMA: one node, node 0 placement is a no-op */

int uipc_numa_place(void *addr, size_t len, int node, enum uipc_mpol mpol, uint64_t node_mask)
{
	if (!addr || !len || ((uintptr_t)addr & 4095) || (unsigned)mpol > UIPC_MPOL_INTERLEAVE)
		return -EINVAL;
	if (mpol == UIPC_MPOL_INTERLEAVE && node_mask)
		return node_mask == 1 ? 0 : (uipc_numa_node_exists(1) ? -ENOSYS : -ENODEV);
	if (node == UIPC_NODE_ANY || node == 0)
		return 0;
	return uipc_numa_node_exists(node) ? -ENOSYS : -ENODEV;
}

int uipc_numa_verify(void *addr, size_t len, size_t page_size, int want, int *node,
		     uint64_t *pages, uint64_t *on_want)
{
	if (!addr || !len || !page_size || (page_size & (page_size - 1)) || !node || !pages ||
	    !on_want)
		return -EINVAL;
	*node = 0;
	*pages = (len + page_size - 1) / page_size;
	*on_want = want == 0 ? *pages : 0;
	return 0;
}

#endif
