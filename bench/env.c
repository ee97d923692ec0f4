/* SPDX-License-Identifier: MIT */
/* Environment capture: /proc, /sys and uname, read once. */
#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>

#include <uipc/numa.h>

#include "config.h"
#include "clock.h"
#include "env.h"
#include "proc.h"
#include "tp_uipc.h"

struct bench_env bench_env;
static int seg_noted;
static char run_argv[1024];

/* First line of @path without its newline into @buf; 0 or -1. */
static int read_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	char *nl;

	if (!f)
		return -1;
	if (!fgets(buf, (int)len, f)) {
		fclose(f);
		return -1;
	}
	fclose(f);
	nl = strchr(buf, '\n');
	if (nl)
		*nl = '\0';
	return 0;
}

static void cpu_model(char *buf, size_t len)
{
	char line[512];
	FILE *f = fopen("/proc/cpuinfo", "r");

	snprintf(buf, len, "unknown");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char *c;

		if (strncmp(line, "model name", 10))
			continue;
		c = strchr(line, ':');
		if (c) {
			c += 1 + (c[1] == ' ');
			c[strcspn(c, "\n")] = '\0';
			snprintf(buf, len, "%s", c);
		}
		break;
	}
	fclose(f);
}

/* "mitigated: a,b; vulnerable: c; not affected: 12" */
static void vuln_summary(char *buf, size_t len)
{
	char mit[512] = "", vul[256] = "", other[128] = "";
	DIR *d = opendir("/sys/devices/system/cpu/vulnerabilities");
	struct dirent *e;
	int unaffected = 0;

	if (!d) {
		snprintf(buf, len, "unknown");
		return;
	}
	while ((e = readdir(d))) {
		char path[320], v[256];
		char *dst;
		size_t dl;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/sys/devices/system/cpu/vulnerabilities/%s",
			 e->d_name);
		if (read_line(path, v, sizeof(v)))
			continue;
		if (!strncmp(v, "Not affected", 12)) {
			unaffected++;
			continue;
		}
		if (!strncmp(v, "Mitigation", 10)) {
			dst = mit;
			dl = sizeof(mit);
		} else if (!strncmp(v, "Vulnerable", 10)) {
			dst = vul;
			dl = sizeof(vul);
		} else {
			dst = other;
			dl = sizeof(other);
		}
		if (strlen(dst) + strlen(e->d_name) + 2 < dl) {
			if (*dst)
				strcat(dst, ",");
			strcat(dst, e->d_name);
		}
	}
	closedir(d);
	snprintf(buf, len, "mitigated: %s; vulnerable: %s; other: %s; not affected: %d",
		 *mit ? mit : "-", *vul ? vul : "-", *other ? other : "-", unaffected);
}

void bench_env_capture(int cpu_a, int cpu_b)
{
	struct bench_env *e = &bench_env;
	struct utsname u;
	char path[128];
	static struct uipc_numa_topo topo;
	int na = cpu_a < 0 ? -1 : uipc_numa_node_of_cpu(cpu_a);
	int nb = cpu_b < 0 ? -1 : uipc_numa_node_of_cpu(cpu_b);

	memset(e, 0, sizeof(*e));
	snprintf(e->version, sizeof(e->version), "%s", UIPC_VERSION);
	cpu_model(e->cpu, sizeof(e->cpu));
	if (!uname(&u))
		snprintf(e->kernel, sizeof(e->kernel), "%s %s %s %s", u.sysname, u.release,
			 u.version, u.machine);
	e->cpu_a = cpu_a;
	e->cpu_b = cpu_b;
	/* -ENOSYS still fills a one-node topology */
	uipc_numa_topology(&topo);
	e->nnodes = topo.nnodes > 0 ? topo.nnodes : 1;
	e->distance = na < 0 || nb < 0 ? -1 : uipc_numa_distance(na, nb);
	if (cpu_a < 0 || cpu_b < 0)
		snprintf(e->cpus, sizeof(e->cpus), "unpinned");
	else
		snprintf(e->cpus, sizeof(e->cpus),
			 "%d,%d (node %d <-> node %d, distance %d%s)", cpu_a, cpu_b, na, nb,
			 e->distance, e->nnodes == 1 ? "; one-node host" : "");
	snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%d/cpufreq/scaling_governor",
		 cpu_a < 0 ? 0 : cpu_a);
	if (read_line(path, e->governor, sizeof(e->governor)))
		snprintf(e->governor, sizeof(e->governor), "n/a (no cpufreq)");
	vuln_summary(e->vulnerabilities, sizeof(e->vulnerabilities));
	snprintf(e->wait, sizeof(e->wait), "busy-poll");
	snprintf(e->cpu_dma_latency, sizeof(e->cpu_dma_latency), "no");
	snprintf(e->clock, sizeof(e->clock), "%s", bench_clock.desc);
	snprintf(e->backing, sizeof(e->backing), "unknown");
	e->node = -1;
	tp_uipc_probe();
	/* The probe is what a run would get; runs note theirs again. */
	seg_noted = 0;
}

void bench_env_note_seg(const char *backing, uint64_t page_size, int node,
			const char *fallback_reason)
{
	struct bench_env *e = &bench_env;

	if (seg_noted && (strcmp(e->backing, backing) || e->page_size != page_size)) {
		snprintf(e->seg_note, sizeof(e->seg_note),
			 "runs got different backings: %.31s/%llu then %.31s/%llu", e->backing,
			 (unsigned long long)e->page_size, backing,
			 (unsigned long long)page_size);
	} else if (fallback_reason && *fallback_reason && !*e->seg_note) {
		snprintf(e->seg_note, sizeof(e->seg_note), "%s", fallback_reason);
	}
	snprintf(e->backing, sizeof(e->backing), "%s", backing);
	e->page_size = page_size;
	e->node = node;
	seg_noted = 1;
}

static void print_seg(FILE *f, const char *label)
{
	const struct bench_env *e = &bench_env;

	fprintf(f, "# %-17s%s, page %llu, node %d%s%s\n", label, e->backing,
		(unsigned long long)e->page_size, e->node, *e->seg_note ? " -- " : "",
		e->seg_note);
}

void bench_env_print_seg(FILE *f)
{
	print_seg(f, "segment used:");
}

void bench_env_print(FILE *f)
{
	const struct bench_env *e = &bench_env;

	fprintf(f, "# uipc-bench %s\n", e->version);
	fprintf(f, "# cpu:             %s\n", e->cpu);
	fprintf(f, "# kernel:          %s\n", e->kernel);
	fprintf(f, "# cpus:            %s\n", e->cpus);
	fprintf(f, "# governor:        %s\n", e->governor);
	fprintf(f, "# vulnerabilities: %s\n", e->vulnerabilities);
	print_seg(f, "uipc segment:");
	fprintf(f, "# wait:            %s\n", e->wait);
	fprintf(f, "# cpu_dma_latency: %s\n", e->cpu_dma_latency);
	fprintf(f, "# clock:           %s\n", e->clock);
}

void bench_env_set_argv(int argc, char **argv)
{
	size_t used = 0;
	int i;

	run_argv[0] = '\0';
	for (i = 0; i < argc && used + 1 < sizeof(run_argv); i++) {
		/* a word with a space is quoted, so the line can be pasted back */
		int q = strpbrk(argv[i], " \t'") != NULL;
		int n = snprintf(run_argv + used, sizeof(run_argv) - used, "%s%s%s%s",
				 i ? " " : "", q ? "'" : "", i ? argv[i] : "uipc-bench", q ? "'" : "");

		if (n < 0)
			break;
		used += (size_t)n;
	}
	if (used >= sizeof(run_argv))
		run_argv[sizeof(run_argv) - 1] = '\0';
}

const char *bench_env_argv(void)
{
	return run_argv;
}

int bench_begin(int cpu_a, int cpu_b)
{
	int rc;

	bench_clock_init();
	rc = bench_pin(cpu_a);
	if (rc) {
		fprintf(stderr, "uipc-bench: cannot pin to cpu %d: %s\n", cpu_a, strerror(-rc));
		return rc;
	}
	bench_env_capture(cpu_a, cpu_b);
	bench_env_print(stdout);
	fflush(stdout);
	return 0;
}
