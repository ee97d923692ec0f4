// SPDX-License-Identifier: MIT
/*
 * NUMA topology from sysfs (libnuma for the availability check), an
 * injectable description for tests and tools, and CPU pinning.
 *
 * Every query answers from the injected topology when there is one, so
 * multi-node logic runs on a one-node host.  Injection is meant for tests
 * and tools set up before any other thread queries.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "uipc/numa.h"

#if HAVE_LIBNUMA
#include <numa.h>
#endif

#define NODE_DIR "/sys/devices/system/node"

static struct uipc_numa_topo injected;
static bool have_injected;

int uipc_numa_available(void)
{
#if HAVE_LIBNUMA
	return numa_available() >= 0;
#else
	return 0;
#endif
}

void uipc_numa_topo_inject(const struct uipc_numa_topo *topo)
{
	if (topo) {
		injected = *topo;
		injected.source = 1;
	}
	have_injected = topo != NULL;
}

static const struct uipc_numa_node *inj_node(int node)
{
	for (int i = 0; i < injected.nnodes && i < UIPC_NUMA_MAX_NODES; i++)
		if (injected.nodes[i].id == node)
			return &injected.nodes[i];
	return NULL;
}

/* Read one unsigned number from a sysfs file. */
static int read_u64(const char *path, uint64_t *v)
{
	unsigned long long x;
	FILE *f = fopen(path, "re");
	int rc = 0;

	if (!f)
		return -errno;
	if (fscanf(f, "%llu", &x) != 1)
		rc = -EIO;
	fclose(f);
	if (!rc)
		*v = x;
	return rc;
}

static int read_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "re");
	int rc = 0;

	if (!f)
		return -errno;
	if (!fgets(buf, (int)len, f))
		rc = -EIO;
	fclose(f);
	return rc;
}

/* Parse a kernel cpu/node list ("0-3,8,10-11") into a bitmap. */
static int parse_list(const char *s, uint64_t *bits, int maxbit, int *count)
{
	int n = 0;

	while (*s && *s != '\n' && !isspace((unsigned char)*s)) {
		char *end;
		long a = strtol(s, &end, 10), b;

		if (end == s || a < 0 || a >= maxbit)
			return -EINVAL;
		b = a;
		s = end;
		if (*s == '-') {
			b = strtol(s + 1, &end, 10);
			if (end == s + 1 || b < a || b >= maxbit)
				return -EINVAL;
			s = end;
		}
		for (long i = a; i <= b; i++) {
			if (!(bits[i / 64] >> (i % 64) & 1))
				n++;
			bits[i / 64] |= 1ull << (i % 64);
		}
		if (*s == ',')
			s++;
		else if (*s && *s != '\n' && !isspace((unsigned char)*s))
			return -EINVAL;
	}
	if (count)
		*count = n;
	return 0;
}

static const char *huge_dir(uint64_t page_size)
{
	if (page_size == 2ull << 20)
		return "hugepages-2048kB";
	if (page_size == 1ull << 30)
		return "hugepages-1048576kB";
	return NULL;
}

int uipc_numa_huge_sysfs(int node, uint64_t page_size, char *buf, size_t len)
{
	const char *d = huge_dir(page_size);
	int n;

	if (!d || !buf || node < UIPC_NODE_ANY)
		return -EINVAL;
	if (node == UIPC_NODE_ANY)
		n = snprintf(buf, len, "/sys/kernel/mm/hugepages/%s/nr_hugepages", d);
	else
		n = snprintf(buf, len, NODE_DIR "/node%d/hugepages/%s/nr_hugepages", node, d);
	if (n < 0 || (size_t)n >= len)
		return -ENOSPC;
	return n;
}

static long sysfs_huge(int node, uint64_t page_size, const char *file)
{
	const char *d = huge_dir(page_size);
	char path[192];
	uint64_t v = 0;
	int rc;

	if (!d)
		return -EINVAL;
	if (node == UIPC_NODE_ANY)
		snprintf(path, sizeof(path), "/sys/kernel/mm/hugepages/%s/%s", d, file);
	else
		snprintf(path, sizeof(path), NODE_DIR "/node%d/hugepages/%s/%s", node, d, file);
	rc = read_u64(path, &v);
	if (rc == -ENOENT && node == UIPC_NODE_ANY)
		return 0; /* that page size is not configured */
	if (rc == -ENOENT)
		return uipc_numa_node_exists(node) ? 0 : -ENODEV;
	return rc ? rc : (long)v;
}

long uipc_numa_huge_free(int node, uint64_t page_size)
{
	if (!huge_dir(page_size) || node < UIPC_NODE_ANY)
		return -EINVAL;
	if (have_injected) {
		long sum = 0;

		for (int i = 0; i < injected.nnodes; i++) {
			const struct uipc_numa_node *n = &injected.nodes[i];

			if (node != UIPC_NODE_ANY && n->id != node)
				continue;
			sum += (long)(page_size == UIPC_PAGE_2M ? n->huge_free_2m : n->huge_free_1g);
			if (node != UIPC_NODE_ANY)
				return sum;
		}
		return node == UIPC_NODE_ANY ? sum : -ENODEV;
	}
	if (node != UIPC_NODE_ANY && !uipc_numa_node_exists(node))
		return -ENODEV;
	if (node != UIPC_NODE_ANY && !uipc_numa_available())
		node = UIPC_NODE_ANY; /* no per-node view: the one node is the system */
	return sysfs_huge(node, page_size, "free_hugepages");
}

int uipc_numa_node_exists(int node)
{
	char path[64];

	if (node < 0 || node >= UIPC_NUMA_MAX_NODES)
		return 0;
	if (have_injected)
		return inj_node(node) != NULL;
	if (!uipc_numa_available())
		return node == 0;
	snprintf(path, sizeof(path), NODE_DIR "/node%d", node);
	return access(path, F_OK) == 0;
}

int uipc_numa_node_of_cpu(int cpu)
{
	char path[96];
	DIR *d;
	struct dirent *e;
	int node = -EINVAL;

	if (cpu < 0 || cpu >= UIPC_NUMA_MAX_CPUS)
		return -EINVAL;
	if (have_injected) {
		for (int i = 0; i < injected.nnodes; i++)
			if (injected.nodes[i].cpus[cpu / 64] >> (cpu % 64) & 1)
				return injected.nodes[i].id;
		return -EINVAL;
	}
	snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%d", cpu);
	d = opendir(path);
	if (!d)
		return -EINVAL;
	/* The cpu directory links its node as "nodeN". */
	while ((e = readdir(d))) {
		if (!strncmp(e->d_name, "node", 4) && isdigit((unsigned char)e->d_name[4])) {
			node = atoi(e->d_name + 4);
			break;
		}
	}
	closedir(d);
	if (node < 0 && cpu < sysconf(_SC_NPROCESSORS_CONF))
		node = 0; /* kernel without NUMA: every cpu is on node 0 */
	return node;
}

/* Fill node @id of @t (slot @slot) from sysfs. */
static void read_node(struct uipc_numa_topo *t, int slot, int id)
{
	struct uipc_numa_node *n = &t->nodes[slot];
	char path[192], buf[4096];
	long v;

	n->id = id;
	snprintf(path, sizeof(path), NODE_DIR "/node%d/cpulist", id);
	if (!read_line(path, buf, sizeof(buf)))
		parse_list(buf, n->cpus, UIPC_NUMA_MAX_CPUS, &n->ncpus);
	snprintf(path, sizeof(path), NODE_DIR "/node%d/meminfo", id);
	{
		FILE *f = fopen(path, "re");
		unsigned long long kb;

		while (f && fgets(buf, sizeof(buf), f)) {
			char *p = strstr(buf, "MemTotal:");

			if (p && sscanf(p + 9, "%llu", &kb) == 1)
				n->mem_total = kb * 1024;
		}
		if (f)
			fclose(f);
	}
	v = sysfs_huge(id, UIPC_PAGE_2M, "free_hugepages");
	n->huge_free_2m = v > 0 ? (uint64_t)v : 0;
	v = sysfs_huge(id, UIPC_PAGE_2M, "nr_hugepages");
	n->huge_total_2m = v > 0 ? (uint64_t)v : 0;
	v = sysfs_huge(id, UIPC_PAGE_1G, "free_hugepages");
	n->huge_free_1g = v > 0 ? (uint64_t)v : 0;
	v = sysfs_huge(id, UIPC_PAGE_1G, "nr_hugepages");
	n->huge_total_1g = v > 0 ? (uint64_t)v : 0;
}

static void one_node(struct uipc_numa_topo *t)
{
	long ncpu = sysconf(_SC_NPROCESSORS_CONF);
	long v;

	t->nnodes = 1;
	t->max_node = 0;
	t->nodes[0].id = 0;
	for (long c = 0; c < ncpu && c < UIPC_NUMA_MAX_CPUS; c++)
		t->nodes[0].cpus[c / 64] |= 1ull << (c % 64);
	t->nodes[0].ncpus = (int)(ncpu < UIPC_NUMA_MAX_CPUS ? ncpu : UIPC_NUMA_MAX_CPUS);
	v = sysfs_huge(UIPC_NODE_ANY, UIPC_PAGE_2M, "free_hugepages");
	t->nodes[0].huge_free_2m = v > 0 ? (uint64_t)v : 0;
	v = sysfs_huge(UIPC_NODE_ANY, UIPC_PAGE_2M, "nr_hugepages");
	t->nodes[0].huge_total_2m = v > 0 ? (uint64_t)v : 0;
	v = sysfs_huge(UIPC_NODE_ANY, UIPC_PAGE_1G, "free_hugepages");
	t->nodes[0].huge_free_1g = v > 0 ? (uint64_t)v : 0;
	v = sysfs_huge(UIPC_NODE_ANY, UIPC_PAGE_1G, "nr_hugepages");
	t->nodes[0].huge_total_1g = v > 0 ? (uint64_t)v : 0;
	t->distance[0][0] = 10;
}

int uipc_numa_topology(struct uipc_numa_topo *topo)
{
	uint64_t online[UIPC_NUMA_MAX_NODES / 64] = { 0 };
	char buf[4096], path[96];
	int rc;

	if (!topo)
		return -EINVAL;
	if (have_injected) {
		*topo = injected;
		return 0;
	}
	memset(topo, 0, sizeof(*topo));
	if (!uipc_numa_available()) {
		one_node(topo);
		return -ENOSYS;
	}
	rc = read_line(NODE_DIR "/online", buf, sizeof(buf));
	if (!rc)
		rc = parse_list(buf, online, UIPC_NUMA_MAX_NODES, NULL);
	if (rc) {
		one_node(topo);
		return rc;
	}
	for (int id = 0; id < UIPC_NUMA_MAX_NODES; id++) {
		if (!(online[id / 64] >> (id % 64) & 1))
			continue;
		read_node(topo, topo->nnodes++, id);
		topo->max_node = id;
	}
	/* Row i of the distance file lists the distances to the online nodes
	 * in order. */
	for (int i = 0; i < topo->nnodes; i++) {
		int a = topo->nodes[i].id, j = 0;
		char *p = buf, *end;

		snprintf(path, sizeof(path), NODE_DIR "/node%d/distance", a);
		if (read_line(path, buf, sizeof(buf)))
			continue;
		for (; j < topo->nnodes; j++, p = end) {
			long d = strtol(p, &end, 10);

			if (end == p || d < 0 || d > 255)
				break;
			topo->distance[a][topo->nodes[j].id] = (uint8_t)d;
		}
	}
	return 0;
}

int uipc_numa_distance(int a, int b)
{
	struct uipc_numa_topo *t;
	int d;

	if (!uipc_numa_node_exists(a) || !uipc_numa_node_exists(b))
		return -ENODEV;
	if (have_injected)
		return injected.distance[a][b];
	if (!uipc_numa_available())
		return 10;
	t = malloc(sizeof(*t));
	if (!t)
		return -ENOMEM;
	uipc_numa_topology(t);
	d = t->distance[a][b];
	free(t);
	return d ? d : (a == b ? 10 : 20);
}

/*
 * Text format, one statement per line:
 *   node ID [cpus LIST] [mem SIZE[K|M|G]] [huge2m FREE/TOTAL] [huge1g FREE/TOTAL]
 *   distance D0 D1 ...     (row for the next node, in "node" order)
 */
static int parse_size(const char *s, uint64_t *v)
{
	char *end;
	unsigned long long x = strtoull(s, &end, 10);

	if (end == s)
		return -EINVAL;
	switch (*end) {
	case 'K': case 'k': x <<= 10; end++; break;
	case 'M': case 'm': x <<= 20; end++; break;
	case 'G': case 'g': x <<= 30; end++; break;
	}
	if (*end)
		return -EINVAL;
	*v = x;
	return 0;
}

static int parse_pair(const char *s, uint64_t *free_, uint64_t *total)
{
	unsigned long long f, t;
	int n = 0;

	if (sscanf(s, "%llu/%llu%n", &f, &t, &n) != 2 || s[n] || f > t)
		return -EINVAL;
	*free_ = f;
	*total = t;
	return 0;
}

static int parse_node_line(char *save, struct uipc_numa_topo *t)
{
	struct uipc_numa_node *n;
	char *tok, *val, *end;
	long id;

	tok = strtok_r(NULL, " \t", &save);
	if (!tok)
		return -EINVAL;
	id = strtol(tok, &end, 10);
	if (*end || id < 0 || id >= UIPC_NUMA_MAX_NODES || t->nnodes >= UIPC_NUMA_MAX_NODES)
		return -EINVAL;
	for (int i = 0; i < t->nnodes; i++)
		if (t->nodes[i].id == id)
			return -EINVAL;
	n = &t->nodes[t->nnodes++];
	n->id = (int)id;
	if (id > t->max_node)
		t->max_node = (int)id;
	t->distance[id][id] = 10;
	while ((tok = strtok_r(NULL, " \t", &save))) {
		val = strtok_r(NULL, " \t", &save);
		if (!val)
			return -EINVAL;
		if (!strcmp(tok, "cpus")) {
			if (parse_list(val, n->cpus, UIPC_NUMA_MAX_CPUS, &n->ncpus))
				return -EINVAL;
		} else if (!strcmp(tok, "mem")) {
			if (parse_size(val, &n->mem_total))
				return -EINVAL;
		} else if (!strcmp(tok, "huge2m")) {
			if (parse_pair(val, &n->huge_free_2m, &n->huge_total_2m))
				return -EINVAL;
		} else if (!strcmp(tok, "huge1g")) {
			if (parse_pair(val, &n->huge_free_1g, &n->huge_total_1g))
				return -EINVAL;
		} else {
			return -EINVAL;
		}
	}
	return 0;
}

int uipc_numa_topo_parse(const char *text, struct uipc_numa_topo *topo)
{
	char *copy, *line, *lsave = NULL;
	int row = 0, rc = 0;

	if (!text || !topo)
		return -EINVAL;
	memset(topo, 0, sizeof(*topo));
	topo->source = 1;
	copy = strdup(text);
	if (!copy)
		return -ENOMEM;
	for (line = strtok_r(copy, "\n", &lsave); line && !rc;
	     line = strtok_r(NULL, "\n", &lsave)) {
		char *save = NULL, *tok = strtok_r(line, " \t", &save);

		if (!tok || tok[0] == '#')
			continue;
		if (!strcmp(tok, "node")) {
			rc = parse_node_line(save, topo);
		} else if (!strcmp(tok, "distance")) {
			int col = 0;

			/* Rows follow the order the nodes were declared in. */
			if (row >= topo->nnodes) {
				rc = -EINVAL;
				break;
			}
			while ((tok = strtok_r(NULL, " \t", &save))) {
				char *end;
				long d = strtol(tok, &end, 10);

				if (*end || d < 1 || d > 255 || col >= topo->nnodes) {
					rc = -EINVAL;
					break;
				}
				topo->distance[topo->nodes[row].id][topo->nodes[col++].id] =
					(uint8_t)d;
			}
			if (!rc && col != topo->nnodes)
				rc = -EINVAL;
			row++;
		} else {
			rc = -EINVAL;
		}
	}
	free(copy);
	if (!rc && !topo->nnodes)
		rc = -EINVAL;
	return rc;
}

static int pin_set(const cpu_set_t *set)
{
	int rc = pthread_setaffinity_np(pthread_self(), sizeof(*set), set);

	return -rc;
}

int uipc_pin_cpu(int cpu)
{
	cpu_set_t set;

	if (cpu < 0 || cpu >= CPU_SETSIZE)
		return -EINVAL;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return pin_set(&set);
}

int uipc_pin_node(int node)
{
	struct uipc_numa_topo *t;
	cpu_set_t set;
	int rc = -ENODEV;

	if (!uipc_numa_node_exists(node))
		return -ENODEV;
	t = malloc(sizeof(*t));
	if (!t)
		return -ENOMEM;
	uipc_numa_topology(t);
	CPU_ZERO(&set);
	for (int i = 0; i < t->nnodes; i++) {
		if (t->nodes[i].id != node)
			continue;
		for (int c = 0; c < UIPC_NUMA_MAX_CPUS && c < CPU_SETSIZE; c++)
			if (t->nodes[i].cpus[c / 64] >> (c % 64) & 1)
				CPU_SET(c, &set);
		rc = CPU_COUNT(&set) ? pin_set(&set) : -EINVAL;
	}
	free(t);
	return rc;
}
