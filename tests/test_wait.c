/* SPDX-License-Identifier: MIT */
/* The wait layer: handshake, strategies, every park/wake backend, the
 * io_uring fallback, timeouts, the blocking ring API, batched wakes, the
 * doorbell, the waitset, peer death, the lost-wakeup stress, the model. */
#include "config.h"

#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <linux/futex.h>
#include <time.h>
#include <unistd.h>

#include <uipc/uipc.h>

#include "testutil.h"

#ifndef WAIT_HANDOFFS
#define WAIT_HANDOFFS 1000000ull
#endif

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000ll + ts.tv_nsec;
}

static void *shared_mem(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	cr_assert(p != MAP_FAILED);
	memset(p, 0, len);
	return p;
}

/* A wait word and the data it guards, shared by a forked pair. */
struct shm_pair {
	struct uipc_wait_word w;
	uint32_t data;
	uint32_t pad;
};

static int data_check(void *arg)
{
	struct shm_pair *s = arg;

	/* Pairs with the store-release of data by the waker. */
	return uipc_load_acquire(&s->data) ? 1 : 0;
}

static int never_check(void *arg)
{
	return 0;
}

static int wait_child(pid_t pid)
{
	int st;

	cr_assert_eq(waitpid(pid, &st, 0), pid);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* ------------------------------------------------------------ handshake */

Test(wait, no_wake_when_nobody_sleeps)
{
	struct shm_pair s = { 0 };
	struct uipc_wait_ep *ep;
	struct uipc_wait_info info;

	cr_assert_eq(uipc_wait_ep_create(NULL, &ep), 0);
	uipc_store_release(&s.data, 1u);
	cr_assert_eq(uipc_wake_if_needed(ep, &s.w), 0);
	cr_assert_eq(uipc_wait_ep_info(ep, &info), 0);
	cr_assert_eq(info.wakes, 0);
	cr_assert_eq(info.wakes_skipped, 1);
	/* A set flag means a wake, and the futex word moves. */
	UIPC_WRITE_ONCE(s.w.waiting, UIPC_WAITING_FUTEX);
	cr_assert_eq(uipc_wake_if_needed(ep, &s.w), 1);
	cr_assert_eq(s.w.futex, 1);
	cr_assert_eq(uipc_wait_ep_info(ep, &info), 0);
	cr_assert_eq(info.wakes, 1);
	uipc_wait_ep_destroy(ep);
}

Test(wait, ready_before_sleep_returns_at_once)
{
	struct shm_pair s = { .data = 1 };
	struct uipc_wait_ep *ep;
	struct uipc_wait_info info;

	cr_assert_eq(uipc_wait_ep_create(NULL, &ep), 0);
	cr_assert_eq(uipc_wait_until(ep, &s.w, data_check, &s, -1), 1);
	cr_assert_eq(uipc_wait_ep_info(ep, &info), 0);
	cr_assert_eq(info.parks, 0);
	cr_assert_eq(s.w.waiting, 0);
	uipc_wait_ep_destroy(ep);
}

Test(wait, calibration_is_sane)
{
	double pause_ns;
	int64_t wake_ns;
	const char *src;

	cr_assert_eq(uipc_wait_calibrate(&pause_ns, &wake_ns), 0);
	cr_assert(pause_ns > 0 && pause_ns < 10000, "pause %f ns", pause_ns);
	cr_assert(wake_ns >= 1000 && wake_ns <= 200000, "wake %lld ns", (long long)wake_ns);
	unsetenv("UIPC_SPIN_NS");
	setenv("UIPC_TUNE_FILE", "/nonexistent/uipc-tune.conf", 1);
	cr_assert_eq(uipc_wait_default_spin_ns(&src), wake_ns);
	cr_assert_str_eq(src, "calibrated");
}

Test(wait, budget_from_env_and_tune_file)
{
	char path[] = "/tmp/uipc-tune-XXXXXX";
	const char *src;
	int fd = mkstemp(path);

	cr_assert(fd >= 0);
	dprintf(fd, "# written by uipc-tune\nstrategy = park\nspin_ns = 4321\n");
	close(fd);
	setenv("UIPC_TUNE_FILE", path, 1);
	setenv("UIPC_SPIN_NS", "1234", 1);
	cr_assert_eq(uipc_wait_default_spin_ns(&src), 1234);
	cr_assert_str_eq(src, "env");
	setenv("UIPC_SPIN_NS", "garbage", 1);
	cr_assert_eq(uipc_wait_default_spin_ns(&src), 4321);
	cr_assert_str_eq(src, "file");
	unsetenv("UIPC_SPIN_NS");
	unsetenv("UIPC_TUNE_FILE");
	unlink(path);
}

Test(wait, bad_options_rejected)
{
	struct uipc_wait_opts o = UIPC_WAIT_OPTS_INIT;
	struct uipc_wait_ep *ep;

	o.strategy = (enum uipc_wait_strategy)7;
	cr_assert_eq(uipc_wait_ep_create(&o, &ep), -EINVAL);
	o = (struct uipc_wait_opts)UIPC_WAIT_OPTS_INIT;
	o.backend = UIPC_BACKEND__COUNT;
	cr_assert_eq(uipc_wait_ep_create(&o, &ep), -EINVAL);
	cr_assert_eq(uipc_wait_ep_create(NULL, NULL), -EINVAL);
	cr_assert_eq(uipc_peer_dead(-1), -EBADF);
}

/* ------------------------------------------------------------- timeouts */

ParameterizedTestParameters(wait, timeout_each_strategy)
{
	static int s[] = { UIPC_WAIT_PARK, UIPC_WAIT_SPIN, UIPC_WAIT_YIELD };

	return cr_make_param_array(int, s, sizeof(s) / sizeof(s[0]));
}

ParameterizedTest(int *strategy, wait, timeout_each_strategy, .timeout = 20)
{
	struct uipc_wait_opts o = UIPC_WAIT_OPTS_INIT;
	struct uipc_wait_ep *ep;
	struct uipc_wait_info info;
	struct uipc_wait_word w = { 0 };
	int64_t t0;

	o.strategy = (enum uipc_wait_strategy)*strategy;
	o.spin_ns = 20000;
	cr_assert_eq(uipc_wait_ep_create(&o, &ep), 0);
	t0 = now_ns();
	cr_assert_eq(uipc_wait_until(ep, &w, never_check, NULL, 30000000), -ETIMEDOUT);
	/* Never early (a lower bound, not a speed check). */
	cr_assert_geq(now_ns() - t0, 30000000);
	cr_assert_eq(uipc_wait_until(ep, &w, never_check, NULL, 0), -ETIMEDOUT);
	cr_assert_eq(uipc_wait_ep_info(ep, &info), 0);
	cr_assert_eq(info.timeouts, 1);
	if (*strategy == UIPC_WAIT_PARK)
		cr_assert_gt(info.parks, 0);
	else
		cr_assert_eq(info.parks, 0, "spin/yield never sleep");
	cr_assert_eq(w.waiting, 0, "no flag left behind");
	uipc_wait_ep_destroy(ep);
}

/* ------------------------------------------------- every backend, forked */

struct backend_case {
	enum uipc_wait_backend backend;
	int wake_uring; /* waker uses the io_uring wake (URING endpoint) */
};

ParameterizedTestParameters(wait, backend_wakes_across_processes)
{
	static struct backend_case c[] = {
		{ UIPC_BACKEND_FUTEX, 0 },	 { UIPC_BACKEND_WAITV, 0 },
		{ UIPC_BACKEND_URING, 0 },	 { UIPC_BACKEND_URING_WAITV, 0 },
		{ UIPC_BACKEND_FUTEX, 1 },	 { UIPC_BACKEND_EVENTFD, 0 },
	};

	return cr_make_param_array(struct backend_case, c, sizeof(c) / sizeof(c[0]));
}

ParameterizedTest(struct backend_case *c, wait, backend_wakes_across_processes, .timeout = 30)
{
	struct shm_pair *s = shared_mem(4096);
	struct uipc_wait_opts o = UIPC_WAIT_OPTS_INIT;
	struct uipc_wait_ep *ep;
	struct uipc_wait_info info;
	const char *why;
	int efd = -1, round;
	pid_t pid;

	if ((c->backend == UIPC_BACKEND_URING || c->backend == UIPC_BACKEND_URING_WAITV ||
	     c->wake_uring) &&
	    !uipc_wait_uring_probe(&why))
		cr_skip_test("io_uring futex ops unavailable: %s", why);
	if (c->backend == UIPC_BACKEND_EVENTFD) {
		struct uipc_wait_ep *tmp;

		o.backend = UIPC_BACKEND_EVENTFD;
		cr_assert_eq(uipc_wait_ep_create(&o, &tmp), 0);
		efd = dup(uipc_wait_ep_eventfd(tmp));
		uipc_wait_ep_destroy(tmp);
	}
	for (round = 0; round < 20; round++) {
		UIPC_WRITE_ONCE(s->data, 0u);
		pid = fork_peer();
		cr_assert(pid >= 0);
		if (pid == 0) {
			struct uipc_wait_opts so = UIPC_WAIT_OPTS_INIT;
			int rc;

			so.backend = c->backend;
			so.spin_ns = 0; /* park at once: the point is the backend */
			so.eventfd = efd;
			if (uipc_wait_ep_create(&so, &ep))
				_exit(10);
			uipc_wait_ep_info(ep, &info);
			if (info.backend != c->backend)
				_exit(11);
			rc = uipc_wait_until(ep, &s->w, data_check, s, 5000000000ll);
			uipc_wait_ep_info(ep, &info);
			_exit(rc == 1 ? (info.parks ? 0 : 12) : 13);
		}
		/* Wait until the child has announced itself, then publish. */
		while (!UIPC_READ_ONCE(s->w.waiting))
			usleep(100);
		o = (struct uipc_wait_opts)UIPC_WAIT_OPTS_INIT;
		o.backend = c->wake_uring ? UIPC_BACKEND_URING : UIPC_BACKEND_FUTEX;
		o.peer_eventfd = efd;
		cr_assert_eq(uipc_wait_ep_create(&o, &ep), 0);
		uipc_store_release(&s->data, 1u);
		cr_assert_eq(uipc_wake_if_needed(ep, &s->w), 1);
		uipc_wait_ep_destroy(ep);
		cr_assert_eq(wait_child(pid), 0, "round %d backend %s", round,
			     uipc_wait_backend_name(c->backend));
	}
	if (efd >= 0)
		close(efd);
	munmap(s, 4096);
}

Test(wait, uring_probe_forced_off_falls_back_to_futex, .timeout = 30)
{
	struct shm_pair *s = shared_mem(4096);
	struct uipc_wait_opts o = UIPC_WAIT_OPTS_INIT;
	struct uipc_wait_ep *ep;
	struct uipc_wait_info info;
	struct uipc_wake_batch *b;
	const char *why;
	pid_t pid;

	setenv("UIPC_WAIT_NO_URING", "1", 1);
	cr_assert_eq(uipc_wait_uring_probe(&why), 0);
	cr_assert(strstr(why, "UIPC_WAIT_NO_URING"), "reason: %s", why);
	o.backend = UIPC_BACKEND_URING_WAITV;
	o.spin_ns = 0;
	cr_assert_eq(uipc_wait_ep_create(&o, &ep), 0);
	cr_assert_eq(uipc_wait_ep_info(ep, &info), 0);
	cr_assert_eq(info.backend, UIPC_BACKEND_FUTEX);
	cr_assert_eq(info.requested, UIPC_BACKEND_URING_WAITV);
	cr_assert(strstr(info.fallback_reason, "UIPC_WAIT_NO_URING"), "%s", info.fallback_reason);
	cr_assert_eq(uipc_wake_batch_create(4, &b, &why), 0);
	cr_assert_eq(uipc_wake_batch_uring(b), 0);
	/* The fallback still sleeps and wakes. */
	pid = fork_peer();
	if (pid == 0)
		_exit(uipc_wait_until(ep, &s->w, data_check, s, 5000000000ll) == 1 ? 0 : 1);
	while (!UIPC_READ_ONCE(s->w.waiting))
		usleep(100);
	uipc_store_release(&s->data, 1u);
	cr_assert_eq(uipc_wake_batch_add(b, &s->w), 1);
	cr_assert_eq(uipc_wake_batch_flush(b), 1);
	cr_assert_eq(wait_child(pid), 0);
	uipc_wake_batch_destroy(b);
	uipc_wait_ep_destroy(ep);
	unsetenv("UIPC_WAIT_NO_URING");
	munmap(s, 4096);
}

/* --------------------------------------------- batched wakes and doorbell */

ParameterizedTestParameters(wait, batch_and_doorbell_wake_all)
{
	static int mode[] = { 0, 1, 2 }; /* uring batch, futex batch, doorbell */

	return cr_make_param_array(int, mode, 3);
}

ParameterizedTest(int *mode, wait, batch_and_doorbell_wake_all, .timeout = 30)
{
	enum { N = 8 };
	struct shm_pair *s = shared_mem(4096);
	struct uipc_wake_batch *b = NULL;
	const char *why;
	pid_t pid[N];
	int i;

	if (*mode == 0 && !uipc_wait_uring_probe(&why))
		cr_skip_test("io_uring futex ops unavailable: %s", why);
	if (*mode == 1)
		setenv("UIPC_WAIT_NO_URING", "1", 1);
	for (i = 0; i < N; i++) {
		pid[i] = fork_peer();
		if (pid[i] == 0) {
			struct uipc_wait_opts o = UIPC_WAIT_OPTS_INIT;
			struct uipc_wait_ep *ep;
			/* doorbell: all on word 0; batch: one word each */
			struct shm_pair *p = *mode == 2 ? s : s + i;

			o.spin_ns = 0;
			if (uipc_wait_ep_create(&o, &ep))
				_exit(10);
			_exit(uipc_wait_until(ep, &p->w, data_check, p, 5000000000ll) == 1 ? 0 : 1);
		}
	}
	/* Everyone announced (the doorbell counts its sleepers). */
	for (i = 0; i < N; i++) {
		struct shm_pair *p = *mode == 2 ? s : s + i;
		uint32_t want = *mode == 2 ? N : 1;

		while (UIPC_READ_ONCE(p->w.waiting) < want)
			usleep(100);
	}
	if (*mode == 2) {
		uipc_store_release(&s->data, 1u);
		cr_assert_eq(uipc_doorbell_ring(&s->w), 1);
	} else {
		cr_assert_eq(uipc_wake_batch_create(N, &b, &why), 0);
		cr_assert_eq(uipc_wake_batch_uring(b), *mode == 0, "%s", why);
		for (i = 0; i < N; i++) {
			uipc_store_release(&s[i].data, 1u);
			cr_assert_eq(uipc_wake_batch_add(b, &s[i].w), 1);
		}
		cr_assert_eq(uipc_wake_batch_flush(b), N);
		uipc_wake_batch_destroy(b);
	}
	for (i = 0; i < N; i++)
		cr_assert_eq(wait_child(pid[i]), 0, "sleeper %d", i);
	unsetenv("UIPC_WAIT_NO_URING");
	munmap(s, 4096);
}

/* ------------------------------------------------------ the ring API */

struct ring_pair {
	struct uipc_seg *seg;
	struct uipc_ring r;
};

static void ring_make(struct uipc_seg **seg, uint64_t cap)
{
	struct uipc_ring_opts ro = { .capacity = cap };
	struct uipc_seg_opts so = UIPC_SEG_OPTS_INIT;

	so.huge = UIPC_HUGE_NEVER;
	cr_assert_eq(uipc_ring_create(&ro, &so, seg, NULL), 0);
}

static int pidfd_of(pid_t pid)
{
	return (int)syscall(SYS_pidfd_open, pid, 0);
}

Test(wait, ring_recv_wait_times_out_when_empty, .timeout = 20)
{
	struct uipc_seg *seg;
	struct uipc_ring c;
	char buf[64];

	ring_make(&seg, 4096);
	cr_assert_eq(uipc_ring_attach(seg, 0, UIPC_CONSUMER, &c), 0);
	cr_assert_eq(uipc_ring_recv_wait(&c, buf, sizeof(buf), 1000000), -EINVAL, "not enabled");
	cr_assert_eq(uipc_ring_wait_enable(&c, NULL), 0);
	cr_assert_eq(uipc_ring_wait_enable(&c, NULL), -EALREADY);
	cr_assert_eq(uipc_ring_recv_wait(&c, buf, sizeof(buf), 0), -ETIMEDOUT);
	cr_assert_eq(uipc_ring_recv_wait(&c, buf, sizeof(buf), 20000000), -ETIMEDOUT);
	uipc_ring_detach(&c);
	uipc_seg_close(seg);
}

/* Producer and consumer in two processes; the producer pauses at random so
 * the consumer sleeps; a tiny ring makes the producer block on full too. */
Test(wait, ring_blocking_send_recv_across_processes, .timeout = 60)
{
	enum { MSGS = 20000 };
	struct uipc_seg *seg;
	struct uipc_ring r;
	uint64_t i;
	pid_t pid;

	ring_make(&seg, 256);
	pid = fork_peer();
	cr_assert(pid >= 0);
	if (pid == 0) {
		struct uipc_wait_opts o = UIPC_WAIT_OPTS_INIT;
		uint64_t v;

		o.spin_ns = 2000;
		if (uipc_ring_attach(seg, 0, UIPC_CONSUMER, &r) || uipc_ring_wait_enable(&r, &o))
			_exit(10);
		for (i = 0; i < MSGS; i++) {
			if (uipc_ring_recv_wait(&r, &v, sizeof(v), 10000000000ll) != sizeof(v))
				_exit(11);
			if (v != i)
				_exit(12);
			if (i % 97 == 0)
				usleep(50); /* let the producer fill up and block */
		}
		_exit(uipc_ring_recv_wait(&r, &v, sizeof(v), 10000000000ll) == -EPIPE ? 0 : 13);
	}
	cr_assert_eq(uipc_ring_attach(seg, 0, UIPC_PRODUCER, &r), 0);
	cr_assert_eq(uipc_ring_wait_enable(&r, NULL), 0);
	srand(7);
	for (i = 0; i < MSGS; i++) {
		cr_assert_eq(uipc_ring_send_wait(&r, &i, sizeof(i), 10000000000ll), 0);
		if (rand() % 64 == 0)
			usleep((useconds_t)(rand() % 100));
	}
	uipc_ring_detach(&r); /* closed: the consumer drains, then -EPIPE */
	cr_assert_eq(wait_child(pid), 0);
	uipc_seg_close(seg);
}

Test(wait, reserve_wait_times_out_when_full, .timeout = 20)
{
	struct uipc_seg *seg;
	struct uipc_ring p, c;
	uint64_t v = 0;
	void *out;
	int n = 0;

	ring_make(&seg, 256);
	cr_assert_eq(uipc_ring_attach(seg, 0, UIPC_PRODUCER, &p), 0);
	cr_assert_eq(uipc_ring_attach(seg, 0, UIPC_CONSUMER, &c), 0);
	cr_assert_eq(uipc_ring_wait_enable(&p, NULL), 0);
	while (uipc_ring_send(&p, &v, sizeof(v)) == 0)
		n++;
	cr_assert_gt(n, 0);
	cr_assert_eq(uipc_ring_reserve_wait(&p, 8, &out, 10000000), -ETIMEDOUT);
	uipc_ring_detach(&c); /* consumer gone: a blocked producer gets -EPIPE */
	cr_assert_eq(uipc_ring_reserve_wait(&p, 8, &out, 1000000000), -EPIPE);
	uipc_ring_detach(&p);
	uipc_seg_close(seg);
}

/* The producer commits messages, then is SIGKILLed (no goodbye).  The
 * consumer, asleep with the producer's pidfd as liveness fd, drains every
 * committed message and then gets -EPIPE. */
ParameterizedTestParameters(wait, ring_peer_killed_drain_then_epipe)
{
	static int b[] = { UIPC_BACKEND_FUTEX, UIPC_BACKEND_URING, UIPC_BACKEND_EVENTFD };

	return cr_make_param_array(int, b, 3);
}

ParameterizedTest(int *backend, wait, ring_peer_killed_drain_then_epipe, .timeout = 30)
{
	struct uipc_wait_opts o = UIPC_WAIT_OPTS_INIT;
	struct uipc_seg *seg;
	struct uipc_ring c;
	uint32_t *go = shared_mem(4096);
	const char *why;
	uint64_t v, i;
	int64_t t0;
	pid_t pid;

	if (*backend == UIPC_BACKEND_URING && !uipc_wait_uring_probe(&why))
		cr_skip_test("io_uring futex ops unavailable: %s", why);
	ring_make(&seg, 4096);
	pid = fork_peer();
	if (pid == 0) {
		struct uipc_ring p;

		if (uipc_ring_attach(seg, 0, UIPC_PRODUCER, &p) || uipc_ring_wait_enable(&p, NULL))
			_exit(10);
		for (i = 0; i < 5; i++)
			uipc_ring_send(&p, &i, sizeof(i));
		uipc_store_release(go, 1u);
		pause(); /* killed here, without detaching */
		_exit(11);
	}
	o.backend = (enum uipc_wait_backend)*backend;
	o.peer_fd = pidfd_of(pid);
	cr_assert(o.peer_fd >= 0);
	cr_assert_eq(uipc_ring_attach(seg, 0, UIPC_CONSUMER, &c), 0);
	cr_assert_eq(uipc_ring_wait_enable(&c, &o), 0);
	while (!uipc_load_acquire(go))
		usleep(100);
	kill(pid, SIGKILL);
	for (i = 0; i < 5; i++) {
		cr_assert_eq(uipc_ring_recv_wait(&c, &v, sizeof(v), 5000000000ll), sizeof(v));
		cr_assert_eq(v, i);
	}
	t0 = now_ns();
	cr_assert_eq(uipc_ring_recv_wait(&c, &v, sizeof(v), 5000000000ll), -EPIPE);
	cr_assert_lt(now_ns() - t0, 4000000000ll, "noticed, not timed out");
	cr_assert_eq(wait_child(pid), 128 + SIGKILL);
	close(o.peer_fd);
	uipc_ring_detach(&c);
	uipc_seg_close(seg);
	munmap(go, 4096);
}

/* ------------------------------------------------------------- waitset */

ParameterizedTestParameters(wait, waitset_channels_and_killed_peer)
{
	static int b[] = { UIPC_BACKEND_URING_WAITV, UIPC_BACKEND_WAITV };

	return cr_make_param_array(int, b, 2);
}

ParameterizedTest(int *backend, wait, waitset_channels_and_killed_peer, .timeout = 60)
{
	enum { NCH = 4 };
	struct uipc_wait_opts o = UIPC_WAIT_OPTS_INIT;
	struct uipc_seg *seg[NCH];
	struct uipc_ring c[NCH];
	struct uipc_waitset *ws;
	/* cmd[k]: messages requested on ring k (only the test writes it);
	 * cmd[NCH + k]: messages the producer has committed (only it writes).
	 * Counts, not a flag: a flag's reset by the producer could land after
	 * the test's next request and swallow it. */
	uint32_t *cmd = shared_mem(4096), req[NCH] = { 0 };
	int pidfd[NCH], dead, k, idx, seen[NCH] = { 0 };
	const char *why;
	pid_t pid[NCH];
	uint64_t v;

	if (*backend == UIPC_BACKEND_URING_WAITV && !uipc_wait_uring_probe(&why))
		cr_skip_test("io_uring futex ops unavailable: %s", why);
	o.backend = (enum uipc_wait_backend)*backend;
	o.spin_ns = 0;
	cr_assert_eq(uipc_waitset_create(NCH, &o, &ws), 0);
	cr_assert_eq(uipc_waitset_backend(ws, &why), *backend, "%s", why);
	for (k = 0; k < NCH; k++) {
		ring_make(&seg[k], 4096);
		pid[k] = fork_peer();
		if (pid[k] == 0) {
			struct uipc_ring p;
			uint64_t n = 0;

			if (uipc_ring_attach(seg[k], 0, UIPC_PRODUCER, &p) ||
			    uipc_ring_wait_enable(&p, NULL))
				_exit(10);
			for (;;) {
				/* Pairs with the store-release of cmd[k] by the test. */
				while (n < uipc_load_acquire(&cmd[k])) {
					uipc_ring_send(&p, &n, sizeof(n));
					n++;
					/* Pairs with the test's load-acquire: committed. */
					uipc_store_release(&cmd[NCH + k], (uint32_t)n);
				}
				usleep(200);
			}
		}
		pidfd[k] = pidfd_of(pid[k]);
		cr_assert(pidfd[k] >= 0);
		cr_assert_eq(uipc_ring_attach(seg[k], 0, UIPC_CONSUMER, &c[k]), 0);
		cr_assert_eq(uipc_ring_wait_enable(&c[k], NULL), 0);
		cr_assert_eq(uipc_waitset_add(ws, uipc_ring_wait_word(&c[k], UIPC_CONSUMER),
					      uipc_ring_ready_check, &c[k], pidfd[k]),
			     k);
	}
	cr_assert_eq(uipc_waitset_wait(ws, 20000000, &dead), -ETIMEDOUT);
	/* Each channel in turn, in a scrambled order. */
	for (k = 0; k < NCH; k++) {
		int want = (k * 3 + 1) % NCH;

		uipc_store_release(&cmd[want], ++req[want]);
		idx = uipc_waitset_wait(ws, 5000000000ll, &dead);
		cr_assert_eq(idx, want);
		cr_assert_eq(dead, 0);
		cr_assert_eq(uipc_ring_recv(&c[idx], &v, sizeof(v)), sizeof(v));
		cr_assert_eq(v, (uint64_t)seen[idx]++);
	}
	/* One producer commits, then dies: its message first, then death. */
	uipc_store_release(&cmd[2], ++req[2]);
	while (uipc_load_acquire(&cmd[NCH + 2]) < req[2])
		usleep(100);
	kill(pid[2], SIGKILL);
	cr_assert_eq(wait_child(pid[2]), 128 + SIGKILL);
	idx = uipc_waitset_wait(ws, 5000000000ll, &dead);
	cr_assert_eq(idx, 2);
	cr_assert_eq(dead, 0, "the committed message comes before the death");
	cr_assert_eq(uipc_ring_recv(&c[2], &v, sizeof(v)), sizeof(v));
	idx = uipc_waitset_wait(ws, 5000000000ll, &dead);
	cr_assert_eq(idx, 2);
	cr_assert_eq(dead, 1);
	for (k = 0; k < NCH; k++) {
		if (k != 2) {
			kill(pid[k], SIGKILL);
			wait_child(pid[k]);
		}
		close(pidfd[k]);
		uipc_ring_detach(&c[k]);
		uipc_seg_close(seg[k]);
	}
	uipc_waitset_destroy(ws);
	munmap(cmd, 4096);
}

static int flag_ready(void *arg)
{
	return __atomic_load_n((int *)arg, __ATOMIC_ACQUIRE);
}

ParameterizedTestParameters(wait, waitset_remove_keeps_indices_and_reuses_the_slot)
{
	static int b[] = { UIPC_BACKEND_URING_WAITV, UIPC_BACKEND_WAITV };

	return cr_make_param_array(int, b, 2);
}

/* Removal keeps the other channels' indices, ignores the removed one even
 * when it is ready, and add() refills the hole. */
ParameterizedTest(int *backend, wait, waitset_remove_keeps_indices_and_reuses_the_slot,
		  .timeout = 30)
{
	struct uipc_wait_opts o = UIPC_WAIT_OPTS_INIT;
	struct uipc_wait_word w[4] = { { 0 } };
	int ready[4] = { 0 }, dead = 0, k;
	struct uipc_waitset *ws;
	const char *why;

	if (*backend == UIPC_BACKEND_URING_WAITV && !uipc_wait_uring_probe(&why))
		cr_skip_test("io_uring futex ops unavailable: %s", why);
	o.backend = (enum uipc_wait_backend)*backend;
	o.spin_ns = 0;
	cr_assert_eq(uipc_waitset_create(3, &o, &ws), 0);
	for (k = 0; k < 3; k++)
		cr_assert_eq(uipc_waitset_add(ws, &w[k], flag_ready, &ready[k], -1), k);
	cr_assert_eq(uipc_waitset_add(ws, &w[3], flag_ready, &ready[3], -1), -ENOSPC);
	ready[1] = 1;
	cr_assert_eq(uipc_waitset_wait(ws, 0, &dead), 1);
	cr_assert_eq(uipc_waitset_remove(ws, 1), 0);
	cr_assert_eq(uipc_waitset_remove(ws, 1), -ENOENT);
	cr_assert_eq(uipc_waitset_remove(ws, 3), -EINVAL);
	cr_assert_eq(uipc_waitset_remove(ws, -1), -EINVAL);
	cr_assert_eq(uipc_waitset_wait(ws, 1000000, &dead), -ETIMEDOUT,
		     "a removed channel is not watched, ready or not");
	ready[2] = 1;
	cr_assert_eq(uipc_waitset_wait(ws, 0, &dead), 2, "channel 2 keeps its index");
	ready[2] = 0;
	cr_assert_eq(uipc_waitset_add(ws, &w[3], flag_ready, &ready[3], -1), 1, "the hole refilled");
	ready[3] = 1;
	cr_assert_eq(uipc_waitset_wait(ws, 0, &dead), 1);
	cr_assert_eq(dead, 0);
	for (k = 0; k < 3; k++)
		cr_assert_eq(uipc_waitset_remove(ws, k), 0);
	cr_assert_eq(uipc_waitset_wait(ws, 0, &dead), -EINVAL, "nothing left to wait on");
	cr_assert_eq(uipc_waitset_add(ws, &w[0], flag_ready, &ready[0], -1), 0);
	uipc_waitset_destroy(ws);
}

/* ------------------------------------------------------------- stress */

static uint64_t stress_handoffs(void)
{
	const char *e = getenv("UIPC_WAIT_HANDOFFS");

	return e ? strtoull(e, NULL, 10) : WAIT_HANDOFFS;
}

/*
 * Zero lost wakeups: two processes, >= 10^6 handoffs (10^7 in the stress
 * suite), gaps drawn around the spin budget so some handoffs are caught
 * spinning and many go through a real sleep and wake.  A lost wakeup
 * shows as a recv that times out while the producer has published: the
 * gaps are microseconds, the watchdog 2 s, so any timeout is a failure.
 */
Test(wait, stress_no_lost_wakeup, .timeout = 600)
{
	const int64_t budget = 3000;
	uint64_t n = stress_handoffs(), i;
	struct uipc_seg *seg;
	struct uipc_ring r;
	struct {
		uint64_t parks, spins, lost;
	} *res = shared_mem(4096);
	pid_t pid;

	ring_make(&seg, 512);
	pid = fork_peer();
	cr_assert(pid >= 0);
	if (pid == 0) {
		struct uipc_wait_opts o = UIPC_WAIT_OPTS_INIT;
		struct uipc_wait_info info;
		uint64_t v;
		ssize_t rc;

		o.spin_ns = budget;
		if (uipc_ring_attach(seg, 0, UIPC_CONSUMER, &r) || uipc_ring_wait_enable(&r, &o))
			_exit(10);
		for (i = 0; i < n; i++) {
			rc = uipc_ring_recv_wait(&r, &v, sizeof(v), 2000000000ll);
			if (rc == -ETIMEDOUT) {
				res->lost = i + 1;
				_exit(11);
			}
			if (rc != sizeof(v) || v != i)
				_exit(12);
		}
		uipc_wait_ep_info(uipc_ring_wait_ep(&r), &info);
		res->parks = info.parks;
		res->spins = info.spins_won;
		_exit(0);
	}
	cr_assert_eq(uipc_ring_attach(seg, 0, UIPC_PRODUCER, &r), 0);
	{
		struct uipc_wait_opts o = UIPC_WAIT_OPTS_INIT;

		o.spin_ns = budget;
		cr_assert_eq(uipc_ring_wait_enable(&r, &o), 0);
	}
	srand(12345);
	for (i = 0; i < n; i++) {
		int x = rand();

		cr_assert_eq(uipc_ring_send_wait(&r, &i, sizeof(i), 2000000000ll), 0,
			     "producer blocked at %llu", (unsigned long long)i);
		/* A busy gap of 0..2x the budget after every message: about
		 * half the waits are caught spinning, half sleep; now and then
		 * a burst fills the ring and the producer blocks instead. */
		if (x % 64) {
			int64_t until = now_ns() + (x >> 6) % (2 * budget);

			while (now_ns() < until)
				uipc_cpu_relax();
		}
	}
	cr_assert_eq(wait_child(pid), 0, "consumer failed; lost wakeup at message %llu",
		     (unsigned long long)res->lost);
	cr_log_info("%llu handoffs: %llu sleeps, %llu caught spinning",
		    (unsigned long long)n, (unsigned long long)res->parks,
		    (unsigned long long)res->spins);
	cr_assert_gt(res->parks, 0, "the sleep path was never taken");
	cr_assert_gt(res->spins, 0, "the spin path was never taken");
	uipc_ring_detach(&r);
	uipc_seg_close(seg);
	munmap(res, 4096);
}

/* ------------------------------------------------------------- the model */

static int run_spin(const char *model, char *out, size_t outlen)
{
	const char *src = getenv("UIPC_TEST_SRCDIR");
	char dir[] = "/tmp/uipc-spin-XXXXXX", cmd[1024];
	FILE *f;
	size_t n;

	cr_assert(src, "UIPC_TEST_SRCDIR not set");
	cr_assert(mkdtemp(dir));
	snprintf(cmd, sizeof(cmd),
		 "cd %s && cp %s/model/*.pml . && spin -a %s >/dev/null 2>&1 && "
		 "gcc -O2 -DSAFETY -o pan pan.c 2>&1 && ./pan -m100000 2>&1; rm -rf %s",
		 dir, src, model, dir);
	f = popen(cmd, "r");
	cr_assert(f);
	n = fread(out, 1, outlen - 1, f);
	out[n] = 0;
	return pclose(f);
}

static int have_spin(void)
{
	return system("command -v spin >/dev/null 2>&1") == 0 &&
	       system("command -v gcc >/dev/null 2>&1") == 0;
}

Test(wait, model_handshake_never_loses_a_wakeup, .timeout = 120)
{
	static char out[16384];

	if (!have_spin())
		cr_skip_test("spin not in PATH (tools/dev installs it: apt-get install spin)");
	run_spin("wait.pml", out, sizeof(out));
	cr_assert(strstr(out, "errors: 0"), "spin found a lost wakeup:\n%s", out);
	cr_assert(strstr(out, "states, stored"), "%s", out);
}

ParameterizedTestParameters(wait, model_without_a_fence_loses_a_wakeup)
{
	/* An index, not a string: the test runs in another process image. */
	static int m[] = { 1, 2 };

	return cr_make_param_array(int, m, 2);
}

ParameterizedTest(int *fence, wait, model_without_a_fence_loses_a_wakeup, .timeout = 120)
{
	static char out[16384];
	const char *model = *fence == 1 ? "wait_no_f1.pml" : "wait_no_f2.pml";

	if (!have_spin())
		cr_skip_test("spin not in PATH (tools/dev installs it: apt-get install spin)");
	run_spin(model, out, sizeof(out));
	cr_assert(strstr(out, "invalid end state"), "%s: no lost wakeup found:\n%s", model, out);
	cr_assert_null(strstr(out, "errors: 0"), "%s", out);
}

Test(wait, model_tagged_handshake_one_wake_per_sleep, .timeout = 120)
{
	static char out[16384];

	if (!have_spin())
		cr_skip_test("spin not in PATH (tools/dev installs it: apt-get install spin)");
	run_spin("wait_tag.pml", out, sizeof(out));
	cr_assert(strstr(out, "errors: 0"), "spin found a lost wakeup or a second wake:\n%s", out);
	cr_assert(strstr(out, "states, stored"), "%s", out);
	/* Two tag values: sleeps collide all the time, still nothing lost. */
	run_spin("wait_tag_wrap.pml", out, sizeof(out));
	cr_assert(strstr(out, "errors: 0"), "wrapped tags lose a wakeup:\n%s", out);
	cr_assert(strstr(out, "states, stored"), "%s", out);
}

ParameterizedTestParameters(wait, model_tagged_broken_variant_loses_a_wakeup)
{
	/* An index, not a string: the test runs in another process image. */
	static int m[] = { 0, 1, 2, 3 };

	return cr_make_param_array(int, m, 4);
}

ParameterizedTest(int *variant, wait, model_tagged_broken_variant_loses_a_wakeup, .timeout = 120)
{
	static const char *const models[] = { "wait_tag_untagged.pml", "wait_tag_before_seq.pml",
					      "wait_tag_no_f1.pml", "wait_tag_no_f2.pml" };
	static char out[16384];
	const char *model = models[*variant];

	if (!have_spin())
		cr_skip_test("spin not in PATH (tools/dev installs it: apt-get install spin)");
	run_spin(model, out, sizeof(out));
	cr_assert(strstr(out, "invalid end state"), "%s: no lost wakeup found:\n%s", model, out);
	cr_assert_null(strstr(out, "errors: 0"), "%s", out);
}

/* ------------------------------------------------------ one wake per sleep */

static long futex_wait_raw(uint32_t *word, uint32_t val, long ns)
{
	struct timespec ts = { 0, ns };

	return syscall(SYS_futex, word, FUTEX_WAIT, val, &ts, NULL, 0) ? -errno : 0;
}

/*
 * A sole sleeper's tag: the first publish that sees it wakes, every later
 * one finds the futex moved past the tag's value and makes no syscall; the
 * sleep it tags cannot block any more; the next sleep is woken again.
 */
Test(wait, tagged_sleep_is_woken_once, .timeout = 20)
{
	struct uipc_wait_word w = { 0 };
	struct uipc_wait_ep *ep;
	struct uipc_wait_info info;
	uint32_t seq, seq2;
	int i, woken = 0;

	cr_assert_eq(uipc_wait_ep_create(NULL, &ep), 0);
	w.futex = 41;
	seq = uipc_wait_prepare(&w, UIPC_WAITING_FUTEX);
	cr_assert_eq(seq, 41);
	cr_assert_eq(uipc_wait_how(w.waiting), UIPC_WAITING_FUTEX);
	for (i = 0; i < 1000; i++)
		woken += uipc_wake_if_needed(ep, &w);
	cr_assert_eq(woken, 1);
	cr_assert_eq(uipc_wait_ep_info(ep, &info), 0);
	cr_assert_eq(info.wakes, 1);
	cr_assert_eq(info.wakes_saved, 999);
	cr_assert_eq(info.syscalls, 1, "one wake syscall for 1000 publishes");
	/* The sleep that was skipped would not block: futex != seq. */
	cr_assert_eq(futex_wait_raw(&w.futex, seq, 1000000), -EAGAIN);
	uipc_wait_cancel(&w);
	cr_assert_eq(uipc_wake_if_needed(ep, &w), 0);
	cr_assert_eq(uipc_wait_ep_info(ep, &info), 0);
	cr_assert_eq(info.wakes_skipped, 1, "a cleared flag is nobody asleep");
	/* The next sleep reads the moved futex: its tag is woken. */
	seq2 = uipc_wait_prepare(&w, UIPC_WAITING_FUTEX);
	cr_assert_eq(seq2, seq + 1);
	cr_assert_eq(uipc_wake_if_needed(ep, &w), 1);
	cr_assert_eq(uipc_wake_if_needed(ep, &w), 0);
	uipc_wait_cancel(&w);
	/* A count (a doorbell, or an old peer) has no tag: always woken. */
	UIPC_WRITE_ONCE(w.waiting, UIPC_WAITING_FUTEX);
	cr_assert_eq(uipc_wake_if_needed(ep, &w), 1);
	cr_assert_eq(uipc_wake_if_needed(ep, &w), 1);
	cr_assert_eq(uipc_wait_ep_info(ep, &info), 0);
	cr_assert_eq(info.wakes, 4);
	uipc_wait_ep_destroy(ep);
}

/* Wrap-around: the futex word wraps, a tag keeps its kind, and a tag that
 * collides 2^30 bumps later costs a wake, never a skip. */
Test(wait, tag_wraps_and_keeps_its_kind, .timeout = 20)
{
	struct uipc_wait_word w = { 0 };
	uint32_t seq;

	w.futex = 0xffffffffu;
	seq = uipc_wait_prepare(&w, UIPC_WAITING_EVENTFD);
	cr_assert_eq(uipc_wait_how(w.waiting), UIPC_WAITING_EVENTFD);
	cr_assert_eq(uipc_wake_needed(&w), UIPC_WAITING_EVENTFD);
	cr_assert_eq(uipc_wake(NULL, &w, w.waiting), 0);
	cr_assert_eq(w.futex, 0, "wrapped");
	cr_assert_eq(uipc_wake_needed(&w), 0, "already woken across the wrap");
	cr_assert_eq(futex_wait_raw(&w.futex, seq, 1000000), -EAGAIN);
	w.futex = seq + (UIPC_WAITING_TAG_SEQ + 1u);
	cr_assert_eq(uipc_wake_needed(&w), UIPC_WAITING_EVENTFD, "a collision wakes");
	uipc_wait_cancel(&w);
	seq = uipc_wait_prepare(&w, UIPC_WAITING_FUTEX);
	cr_assert_eq(uipc_wake_needed(&w), UIPC_WAITING_FUTEX);
	uipc_wait_cancel(&w);
}

/*
 * A consumer parks; the producer stops it there (so its flag stays set for
 * as long as we like: no timing involved) and publishes a burst.  Before
 * the tags every publish of the burst made a wake syscall; now the first
 * one wakes and the rest see the tag already woken.  Counted, not timed.
 */
Test(wait, burst_to_a_parked_consumer_wakes_once_per_sleep, .timeout = 60)
{
	enum { BURST = 1000 };
	struct shm_stats {
		uint64_t parks, waits;
	} *st = shared_mem(sizeof(*st));
	struct uipc_wait_opts o = UIPC_WAIT_OPTS_INIT;
	struct uipc_wait_word *cw;
	struct uipc_wait_info info;
	struct uipc_seg *seg;
	struct uipc_ring r;
	uint64_t i;
	pid_t pid;
	int wst;

	o.backend = UIPC_BACKEND_FUTEX;
	o.spin_ns = 0; /* park at once */
	ring_make(&seg, 65536);
	pid = fork_peer();
	cr_assert(pid >= 0);
	if (pid == 0) {
		uint64_t v;

		if (uipc_ring_attach(seg, 0, UIPC_CONSUMER, &r) || uipc_ring_wait_enable(&r, &o))
			_exit(10);
		for (i = 0; i < BURST; i++)
			if (uipc_ring_recv_wait(&r, &v, sizeof(v), 20000000000ll) != sizeof(v) ||
			    v != i)
				_exit(11);
		uipc_wait_ep_info(uipc_ring_wait_ep(&r), &info);
		*st = (struct shm_stats){ info.parks, info.waits };
		uipc_ring_detach(&r);
		_exit(0);
	}
	cr_assert_eq(uipc_ring_attach(seg, 0, UIPC_PRODUCER, &r), 0);
	cr_assert_eq(uipc_ring_wait_enable(&r, &o), 0);
	cw = uipc_ring_wait_word(&r, UIPC_CONSUMER);
	while (!(uipc_load_acquire(&cw->waiting) & UIPC_WAITING_TAG))
		usleep(100);
	cr_assert_eq(kill(pid, SIGSTOP), 0);
	cr_assert_eq(waitpid(pid, &wst, WUNTRACED), pid);
	cr_assert(WIFSTOPPED(wst));
	for (i = 0; i < BURST; i++)
		cr_assert_eq(uipc_ring_send(&r, &i, sizeof(i)), 0);
	cr_assert_eq(uipc_wait_ep_info(uipc_ring_wait_ep(&r), &info), 0);
	cr_assert_eq(kill(pid, SIGCONT), 0);
	cr_assert_eq(wait_child(pid), 0, "consumer lost or misread a message");
	cr_log_info("burst of %d: %llu wakes, %llu saved; consumer parked %llu times",
		    BURST, (unsigned long long)info.wakes, (unsigned long long)info.wakes_saved,
		    (unsigned long long)st->parks);
	cr_assert_geq(st->parks, 1, "the consumer parked");
	cr_assert_geq(info.wakes, 1, "the parked consumer needed a wake");
	cr_assert_leq(info.wakes, 2 * st->parks, "%llu wakes for %llu parks",
		      (unsigned long long)info.wakes, (unsigned long long)st->parks);
	/* Stopped with its flag set: every publish after the first saw it. */
	cr_assert_eq(info.wakes + info.wakes_saved, BURST);
	uipc_ring_detach(&r);
	uipc_seg_close(seg);
	munmap(st, sizeof(*st));
}

/* ------------------------------------------------- syscall counter, PM QoS */

/* The counter is not trivially zero: a park and a wake each count. */
Test(wait, syscalls_counted_on_the_slow_path, .timeout = 20)
{
	struct uipc_wait_opts o = UIPC_WAIT_OPTS_INIT;
	struct shm_pair s = { 0 };
	struct uipc_wait_ep *ep;
	struct uipc_wait_info info;

	o.backend = UIPC_BACKEND_FUTEX;
	o.spin_ns = 0;
	cr_assert_eq(uipc_wait_ep_create(&o, &ep), 0);
	cr_assert_eq(uipc_wait_until(ep, &s.w, data_check, &s, 1000000), -ETIMEDOUT);
	cr_assert_eq(uipc_wait_ep_info(ep, &info), 0);
	cr_assert_geq(info.parks, 1);
	cr_assert_eq(info.syscalls, info.parks, "one futex wait per park");
	UIPC_WRITE_ONCE(s.w.waiting, UIPC_WAITING_FUTEX);
	cr_assert_eq(uipc_wake_if_needed(ep, &s.w), 1);
	cr_assert_eq(uipc_wait_ep_info(ep, &info), 0);
	cr_assert_eq(info.syscalls, info.parks + 1, "and one futex wake");
	uipc_wait_ep_destroy(ep);
}

/*
 * Both sides of a ring with waiting enabled, the consumer's budget far
 * longer than any gap the producer leaves (it pauses now and then so the
 * consumer runs dry and spins): over many messages neither endpoint makes
 * a single syscall.  Counted, not timed.
 */
Test(wait, spinning_consumer_makes_no_syscalls, .timeout = 120)
{
	enum { MSGS = 200000, PAUSE_EVERY = 2000 };
	struct shm_stats {
		uint64_t syscalls, parks, waits, spins_won;
	} *st = shared_mem(sizeof(*st));
	struct uipc_wait_opts o = UIPC_WAIT_OPTS_INIT;
	struct uipc_wait_info info;
	struct uipc_seg *seg;
	struct uipc_ring r;
	uint64_t i;
	pid_t pid;

	o.strategy = UIPC_WAIT_PARK;
	o.backend = UIPC_BACKEND_FUTEX;
	o.spin_ns = 30000000000ll; /* 30 s: a preempted peer still looks fast */
	ring_make(&seg, 65536);
	pid = fork_peer();
	cr_assert(pid >= 0);
	if (pid == 0) {
		uint64_t v;

		if (uipc_ring_attach(seg, 0, UIPC_CONSUMER, &r) || uipc_ring_wait_enable(&r, &o))
			_exit(10);
		for (i = 0; i < MSGS; i++)
			if (uipc_ring_recv_wait(&r, &v, sizeof(v), -1) != sizeof(v) || v != i)
				_exit(11);
		uipc_wait_ep_info(uipc_ring_wait_ep(&r), &info);
		*st = (struct shm_stats){ info.syscalls, info.parks, info.waits, info.spins_won };
		uipc_ring_detach(&r);
		_exit(0);
	}
	cr_assert_eq(uipc_ring_attach(seg, 0, UIPC_PRODUCER, &r), 0);
	cr_assert_eq(uipc_ring_wait_enable(&r, &o), 0);
	for (i = 0; i < MSGS; i++) {
		cr_assert_eq(uipc_ring_send_wait(&r, &i, sizeof(i), -1), 0);
		if (i % PAUSE_EVERY == 0)
			usleep(100);
	}
	cr_assert_eq(uipc_wait_ep_info(uipc_ring_wait_ep(&r), &info), 0);
	cr_assert_eq(wait_child(pid), 0);
	cr_assert_gt(st->waits, 0, "the consumer ran dry and spun");
	cr_assert_eq(st->spins_won, st->waits, "every wait won by spinning");
	cr_assert_eq(st->parks, 0);
	cr_assert_eq(st->syscalls, 0, "consumer made %llu syscalls",
		     (unsigned long long)st->syscalls);
	cr_assert_eq(info.wakes, 0);
	cr_assert_eq(info.syscalls, 0, "producer made %llu syscalls",
		     (unsigned long long)info.syscalls);
	uipc_ring_detach(&r);
	uipc_seg_close(seg);
	munmap(st, sizeof(*st));
}

static int32_t read_dma_latency(void)
{
	int32_t v = -1;
	int fd = open("/dev/cpu_dma_latency", O_RDONLY | O_CLOEXEC);

	if (fd >= 0) {
		if (read(fd, &v, sizeof(v)) != (ssize_t)sizeof(v))
			v = -1;
		close(fd);
	}
	return v;
}

Test(wait, cpu_dma_latency_held_while_endpoint_lives, .timeout = 20)
{
	struct uipc_wait_opts o = UIPC_WAIT_OPTS_INIT;
	struct uipc_wait_ep *ep;
	struct uipc_wait_info info;

	if (access("/dev/cpu_dma_latency", R_OK | W_OK))
		cr_skip_test("/dev/cpu_dma_latency not writable here (needs root)");
	cr_assert_eq(uipc_wait_ep_create(NULL, &ep), 0);
	cr_assert_eq(uipc_wait_ep_info(ep, &info), 0);
	cr_assert_eq(info.cpu_dma_latency, 0, "not asked, not held");
	uipc_wait_ep_destroy(ep);
	o.hold_cpu_dma_latency = 1;
	cr_assert_eq(uipc_wait_ep_create(&o, &ep), 0);
	cr_assert_eq(uipc_wait_ep_info(ep, &info), 0);
	cr_assert_eq(info.cpu_dma_latency, 1);
	/* The device reads back the value in force: the smallest request. */
	cr_assert_eq(read_dma_latency(), 0);
	uipc_wait_ep_destroy(ep);
}

/* The fallback: not permitted is reported, and the endpoint works. */
Test(wait, cpu_dma_latency_refused_is_reported_not_fatal, .timeout = 20)
{
	pid_t pid = fork_peer();

	cr_assert(pid >= 0);
	if (pid == 0) {
		struct uipc_wait_opts o = UIPC_WAIT_OPTS_INIT;
		struct shm_pair s = { .data = 1 };
		struct uipc_wait_ep *ep;
		struct uipc_wait_info info;

		/* As nobody, the root-only device refuses us. */
		if (geteuid() == 0 && (setgid(65534) || setuid(65534)))
			_exit(10);
		o.hold_cpu_dma_latency = 1;
		if (uipc_wait_ep_create(&o, &ep))
			_exit(11);
		if (uipc_wait_ep_info(ep, &info))
			_exit(12);
		if (info.cpu_dma_latency != -EACCES && info.cpu_dma_latency != -EPERM &&
		    info.cpu_dma_latency != -ENOENT)
			_exit(13);
		if (uipc_wait_until(ep, &s.w, data_check, &s, -1) != 1)
			_exit(14);
		uipc_wait_ep_destroy(ep);
		_exit(0);
	}
	cr_assert_eq(wait_child(pid), 0);
}
