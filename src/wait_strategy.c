/* SPDX-License-Identifier: MIT */
/* Spin budgets: TSC and pause calibration, the measured wake cost, the
 * budget's sources (env, tuner file), and the time-bounded spin loop. */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wait_internal.h"

/* Check the deadline every this many pauses: a TSC read costs ~20 cycles,
 * a pause 40..150, so this keeps the check under 1% of the loop. */
#define SPIN_CHECK_EVERY 32

#define WAKE_COST_MIN_NS 1000ll
#define WAKE_COST_MAX_NS 200000ll
#define WAKE_COST_FALLBACK_NS 25000ll

static pthread_once_t calib_once = PTHREAD_ONCE_INIT;
static double tsc_per_ns; /* 0: no usable TSC, fall back to the clock */
static double pause_cost_ns;
static int64_t wake_cost_ns;
static int calib_err;

uint64_t wait_ticks(void)
{
#if defined(__x86_64__) || defined(__i386__)
	return __builtin_ia32_rdtsc();
#else
	return (uint64_t)wait_now_ns();
#endif
}

static void calib_tsc(void)
{
#if defined(__x86_64__) || defined(__i386__)
	int64_t t0 = wait_now_ns(), t1;
	uint64_t c0 = wait_ticks(), c1;

	/* 2 ms is enough for a ratio good to ~0.1%: budgets are ~10 us. */
	do {
		t1 = wait_now_ns();
	} while (t1 - t0 < 2000000);
	c1 = wait_ticks();
	if (c1 > c0)
		tsc_per_ns = (double)(c1 - c0) / (double)(t1 - t0);
#else
	tsc_per_ns = 1.0;
#endif
}

static void calib_pause(void)
{
	int64_t t0, t1;
	int i;

	t0 = wait_now_ns();
	for (i = 0; i < 20000; i++)
		uipc_cpu_relax();
	t1 = wait_now_ns();
	pause_cost_ns = (double)(t1 - t0) / 20000.0;
}

struct wake_probe {
	uint32_t word;
	uint32_t stop;
	int64_t woke_at;
};

static void *wake_probe_thread(void *arg)
{
	struct wake_probe *p = arg;

	for (;;) {
		uint32_t v = uipc_load_acquire(&p->word);

		if (uipc_load_acquire(&p->stop))
			break;
		if (v & 1) { /* odd: main asked us to sleep on it */
			wait_futex_wait(&p->word, v, 50 * 1000000ll);
			if (uipc_load_acquire(&p->word) != v) {
				/* Pairs with the load-acquire in calib_wake(). */
				uipc_store_release(&p->woke_at, wait_now_ns());
			}
		}
	}
	return NULL;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/* The one-way latency of a futex wake to a sleeping thread: the cost the
 * spin budget is meant to save (ski rental).  The median of a few rounds. */
static int64_t calib_wake(void)
{
	struct wake_probe p = { 0 };
	pthread_t th;
	int64_t s[15];
	int n = 0, i;

	if (pthread_create(&th, NULL, wake_probe_thread, &p))
		return WAKE_COST_FALLBACK_NS;
	for (i = 0; i < 15; i++) {
		int64_t t0, deadline;

		UIPC_WRITE_ONCE(p.woke_at, 0);
		uipc_store_release(&p.word, (uint32_t)(2 * i + 1));
		/* Give the thread time to fall asleep. */
		deadline = wait_now_ns() + 2000000;
		while (wait_now_ns() < deadline)
			uipc_cpu_relax();
		t0 = wait_now_ns();
		uipc_store_release(&p.word, (uint32_t)(2 * i + 2));
		wait_futex_wake(&p.word, INT_MAX);
		deadline = t0 + 50000000;
		/* Pairs with the store-release in wake_probe_thread(). */
		while (!uipc_load_acquire(&p.woke_at) && wait_now_ns() < deadline)
			uipc_cpu_relax();
		if (p.woke_at > t0)
			s[n++] = p.woke_at - t0;
	}
	uipc_store_release(&p.stop, 1u);
	uipc_store_release(&p.word, 0u);
	wait_futex_wake(&p.word, INT_MAX);
	pthread_join(th, NULL);
	if (n < 5)
		return WAKE_COST_FALLBACK_NS;
	qsort(s, (size_t)n, sizeof(s[0]), cmp_i64);
	if (s[n / 2] < WAKE_COST_MIN_NS)
		return WAKE_COST_MIN_NS;
	if (s[n / 2] > WAKE_COST_MAX_NS)
		return WAKE_COST_MAX_NS;
	return s[n / 2];
}

static void calibrate(void)
{
	calib_tsc();
	calib_pause();
	wake_cost_ns = calib_wake();
	calib_err = 0;
}

int uipc_wait_calibrate(double *pause_ns, int64_t *wake_ns)
{
	pthread_once(&calib_once, calibrate);
	if (pause_ns)
		*pause_ns = pause_cost_ns;
	if (wake_ns)
		*wake_ns = wake_cost_ns;
	return calib_err;
}

uint64_t wait_ns_to_ticks(int64_t ns)
{
	pthread_once(&calib_once, calibrate);
	if (ns <= 0 || tsc_per_ns <= 0)
		return 0;
	return (uint64_t)((double)ns * tsc_per_ns);
}

static int parse_ns(const char *s, int64_t *out)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || end == s || v < 0 || v > 10000000000ll)
		return -EINVAL;
	while (*end == ' ' || *end == '\t' || *end == '\n')
		end++;
	if (*end)
		return -EINVAL;
	*out = v;
	return 0;
}

/* The tuner's file: "key = value" lines, '#' comments; we read spin_ns. */
static int read_tune_file(const char *path, int64_t *out)
{
	char line[256];
	FILE *f = fopen(path, "re");
	int rc = -ENOENT;

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		char *p = line, *eq;

		while (*p == ' ' || *p == '\t')
			p++;
		if (strncmp(p, "spin_ns", 7))
			continue;
		eq = strchr(p + 7, '=');
		if (!eq)
			continue;
		eq++;
		while (*eq == ' ' || *eq == '\t')
			eq++;
		if (!parse_ns(eq, out)) {
			rc = 0;
			break;
		}
	}
	fclose(f);
	return rc;
}

int64_t uipc_wait_default_spin_ns(const char **source)
{
	const char *e = getenv("UIPC_SPIN_NS");
	int64_t v;

	if (e && !parse_ns(e, &v)) {
		if (source)
			*source = "env";
		return v;
	}
	e = getenv("UIPC_TUNE_FILE");
	if (!read_tune_file(e ? e : "/etc/uipc/tune.conf", &v)) {
		if (source)
			*source = "file";
		return v;
	}
	uipc_wait_calibrate(NULL, &v);
	if (source)
		*source = "calibrated";
	return v;
}

int wait_spin(uipc_wait_check_fn check, void *arg, uint64_t budget_ticks, int64_t budget_ns)
{
	uint64_t end_ticks;
	int64_t end_ns;
	unsigned i;
	int rc;

	if (budget_ns <= 0)
		return 0;
	if (budget_ticks) {
		end_ticks = wait_ticks() + budget_ticks;
		for (;;) {
			for (i = 0; i < SPIN_CHECK_EVERY; i++) {
				rc = check(arg);
				if (rc)
					return rc;
				uipc_cpu_relax();
			}
			if ((int64_t)(wait_ticks() - end_ticks) >= 0)
				return 0;
		}
	}
	end_ns = wait_now_ns() + budget_ns;
	for (;;) {
		for (i = 0; i < SPIN_CHECK_EVERY; i++) {
			rc = check(arg);
			if (rc)
				return rc;
			uipc_cpu_relax();
		}
		if (wait_now_ns() >= end_ns)
			return 0;
	}
}
