/* SPDX-License-Identifier: MIT */
/*
 * Baseline "mq": one POSIX message queue per direction (mq_send and a
 * blocking mq_receive).  The queues are unlinked as soon as they are open,
 * before the fork (the peer inherits the descriptors), so nothing is left
 * in /dev/mqueue whatever happens.
 *
 * Limits: a message is at most fs.mqueue.msgsize_max (root may exceed it
 * up to 16 MiB) and all queues of a user together at most RLIMIT_MSGQUEUE
 * bytes; a size beyond either is -ENOTSUP naming the limit.
 *
 * A queue has no end-of-file, so a dead peer would leave us blocked: a
 * SIGCHLD handler unblocks our side (a priority-1 empty message into the
 * queue we receive from, or one message taken out of the queue we are
 * blocked sending to), and the waiter then sees the peer gone.
 */
#include <errno.h>
#include <fcntl.h>
#include <mqueue.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "proc.h"
#include "transport.h"

/* ------------------------------------------------ payload and pinning */
/* (each baseline file stands alone; these few lines recur in each) */

/* Deterministic payload; byte values vary so a shifted copy is caught. */
static void fill_pattern(uint8_t *p, size_t n)
{
	uint32_t x = 0x9e3779b9u;

	for (size_t i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		p[i] = (uint8_t)x;
	}
}

/* The first min(8, n) bytes of every message carry its sequence number. */
static void stamp(uint8_t *p, size_t n, uint64_t seq)
{
	memcpy(p, &seq, n < 8 ? n : 8);
}

static uint64_t word0(uint64_t seq, size_t n)
{
	uint64_t w = 0;

	memcpy(&w, &seq, n < 8 ? n : 8);
	return w;
}

/* Sum of 64-bit words: reads every byte, and stamping seq changes it by
 * exactly word0(seq) - word0(old), so the expected value is cheap. */
static uint64_t csum(const uint8_t *p, size_t n)
{
	uint64_t s = 0, w;
	size_t i = 0;

	for (; i + 8 <= n; i += 8) {
		memcpy(&w, p + i, 8);
		s += w;
	}
	if (i < n) {
		w = 0;
		memcpy(&w, p + i, n - i);
		s += w;
	}
	return s;
}

static size_t stream_warmup(size_t size)
{
	size_t w = (16u << 20) / (size ? size : 1);

	return w < 1 ? 1 : w > 1000 ? 1000 : w;
}

/* Kill the peer after a failure on our side and collect it. */
static void abort_peer(pid_t pid)
{
	kill(pid, SIGKILL);
	bench_reap(pid);
}

static int reap_peer(pid_t pid, const char **why)
{
	int err = bench_reap(pid);

	if (err)
		*why = err == -ECHILD ? "peer process died of a signal" : "peer process failed";
	return err;
}

struct affinity {
	cpu_set_t old;
	int saved;
};

static int pin_parent(int cpu, struct affinity *a)
{
	a->saved = sched_getaffinity(0, sizeof(a->old), &a->old) == 0;
	return bench_pin(cpu);
}

static void unpin_parent(struct affinity *a)
{
	if (a->saved)
		sched_setaffinity(0, sizeof(a->old), &a->old);
}

/* ------------------------------------------------------------- queues */

static char mq_why[200];

static long read_proc_long(const char *path)
{
	long v = -1;
	FILE *f = fopen(path, "r");

	if (f) {
		if (fscanf(f, "%ld", &v) != 1)
			v = -1;
		fclose(f);
	}
	return v;
}

/* Turn an mq_open failure into a reason a person can act on. */
static const char *explain(int err, size_t msgsize, long maxmsg)
{
	struct rlimit rl = { 0 };

	getrlimit(RLIMIT_MSGQUEUE, &rl);
	if (err == -ENOSYS)
		return "POSIX message queues are not in this kernel (CONFIG_POSIX_MQUEUE)";
	if (err == -EINVAL)
		snprintf(mq_why, sizeof(mq_why),
			 "%zu B is above fs.mqueue.msgsize_max (%ld): sysctl -w fs.mqueue.msgsize_max=%zu",
			 msgsize, read_proc_long("/proc/sys/fs/mqueue/msgsize_max"), msgsize);
	else if (err == -EMFILE)
		snprintf(mq_why, sizeof(mq_why),
			 "%ld x %zu B exceeds RLIMIT_MSGQUEUE (%lu B; raise with ulimit -q)", maxmsg,
			 msgsize, (unsigned long)rl.rlim_cur);
	else
		snprintf(mq_why, sizeof(mq_why), "mq_open(%ld x %zu B) failed: %s", maxmsg, msgsize,
			 strerror(-err));
	return mq_why;
}

/* A private, already unlinked queue.  Return: descriptor or -errno. */
static int open_queue(size_t msgsize, long maxmsg)
{
	static unsigned serial;
	struct mq_attr a = { .mq_maxmsg = maxmsg, .mq_msgsize = (long)msgsize };
	char name[64];
	mqd_t q;

	snprintf(name, sizeof(name), "/uipc-bench-%d-%u", (int)getpid(), serial++);
	q = mq_open(name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600, &a);
	if (q == (mqd_t)-1)
		return -errno;
	mq_unlink(name);
	return (int)q;
}

/* A pair of queues, or -ENOTSUP with the limit that stopped it. */
static int open_pair(mqd_t q[2], size_t msgsize, long maxmsg_ab, long maxmsg_ba,
		     const char **why)
{
	int a = open_queue(msgsize, maxmsg_ab), b = a < 0 ? a : open_queue(msgsize, maxmsg_ba);

	if (a < 0 || b < 0) {
		if (a >= 0)
			mq_close(a);
		*why = explain(b, msgsize, a < 0 ? maxmsg_ab : maxmsg_ba);
		return b == -ENOMEM ? b : -ENOTSUP;
	}
	q[0] = a;
	q[1] = b;
	return 0;
}

static int qsend(mqd_t q, const void *buf, size_t n)
{
	while (mq_send(q, buf, n, 0))
		if (errno != EINTR)
			return -errno;
	return 0;
}

/* Blocking receive; returns the length and sets *prio. */
static ssize_t qrecv(mqd_t q, void *buf, size_t cap, unsigned *prio)
{
	for (;;) {
		ssize_t r = mq_receive(q, buf, cap, prio);

		if (r >= 0 || errno != EINTR)
			return r < 0 ? -errno : r;
	}
}

/* ---------------------------------------------------- peer death alarm */

static const struct timespec already_past = { 0, 0 };
static volatile sig_atomic_t peer_died;
static pid_t watch_pid;
static mqd_t watch_rx = -1, watch_tx = -1; /* the queue we block on */
static void *watch_scratch;
static size_t watch_cap;

static void on_sigchld(int sig)
{
	int saved = errno;

	if (watch_pid > 0 && bench_peer_gone(watch_pid)) {
		peer_died = 1;
		/* Never block in here: an expired timeout makes both calls try once. */
		if (watch_rx != (mqd_t)-1)
			mq_timedsend(watch_rx, "", 0, 1, &already_past);
		if (watch_tx != (mqd_t)-1)
			mq_timedreceive(watch_tx, watch_scratch, watch_cap, NULL, &already_past);
	}
	errno = saved;
}

static void watch_peer(struct sigaction *old, pid_t pid, mqd_t rx, mqd_t tx, void *scratch,
		       size_t cap)
{
	struct sigaction sa = { .sa_handler = on_sigchld, .sa_flags = SA_RESTART | SA_NOCLDSTOP };

	peer_died = 0;
	watch_rx = rx;
	watch_tx = tx;
	watch_scratch = scratch;
	watch_cap = cap;
	watch_pid = pid;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGCHLD, &sa, old);
	/* It may have died before the handler was in place. */
	on_sigchld(SIGCHLD);
}

static void unwatch_peer(struct sigaction *old)
{
	sigaction(SIGCHLD, old, NULL);
	watch_pid = 0;
	watch_rx = watch_tx = (mqd_t)-1;
}

/* ------------------------------------------------------------ ping-pong */

struct mq_run {
	mqd_t ab, ba;
	size_t size, msgsize;
	uint64_t total;
	struct bench_stream_result *res;
};

static int pong_main(void *arg)
{
	struct mq_run *r = arg;
	uint8_t *buf = malloc(r->msgsize);
	int err = 0;

	if (!buf)
		return -ENOMEM;
	for (uint64_t i = 0; i < r->total && !err; i++) {
		ssize_t n = qrecv(r->ab, buf, r->msgsize, NULL);

		if (n < 0)
			return (int)n;
		err = qsend(r->ba, buf, (size_t)n);
	}
	free(buf);
	return err;
}

static int mq_pingpong(const struct bench_pp_cfg *cfg, bench_sample_fn sample, void *ctx,
		       const char **why)
{
	struct mq_run r = { .size = cfg->size, .total = cfg->warmup + cfg->count };
	uint8_t *msg = NULL, *back = NULL;
	struct affinity aff;
	struct sigaction old;
	mqd_t q[2];
	int err;
	pid_t pid;

	/* mq_msgsize must be positive; empty messages are still allowed. */
	r.msgsize = cfg->size ? cfg->size : 1;
	/* Our receive queue has room for the reply and the death alarm. */
	err = open_pair(q, r.msgsize, 1, 2, why);
	if (err)
		return err;
	r.ab = q[0];
	r.ba = q[1];
	msg = malloc(r.msgsize);
	back = malloc(r.msgsize);
	if (!msg || !back) {
		*why = "out of memory";
		err = -ENOMEM;
		goto out;
	}
	fill_pattern(msg, cfg->size);
	pid = bench_spawn(cfg->cpu_pong, pong_main, &r);
	if (pid < 0) {
		*why = "fork failed";
		err = pid;
		goto out;
	}
	watch_peer(&old, pid, r.ba, (mqd_t)-1, NULL, 0);
	pin_parent(cfg->cpu_ping, &aff);
	for (uint64_t i = 0; i < r.total; i++) {
		unsigned prio = 0;
		uint64_t t0, t1;
		ssize_t n;

		stamp(msg, cfg->size, i);
		t0 = bench_ticks_start();
		err = qsend(r.ab, msg, cfg->size);
		n = err ? err : qrecv(r.ba, back, r.msgsize, &prio);
		t1 = bench_ticks_end();
		/* The alarm came first: a last reply may still be behind it. */
		if (n >= 0 && prio == 1 && i + 1 == r.total)
			n = mq_timedreceive(r.ba, (char *)back, r.msgsize, &prio, &already_past);
		if (n < 0 || prio == 1 || (peer_died && i + 1 < r.total)) {
			err = n < 0 ? (int)n : -EPIPE;
			*why = peer_died ? "peer process died" : "mq_send/mq_receive failed";
			break;
		}
		if ((size_t)n != cfg->size || csum(back, cfg->size) != csum(msg, cfg->size)) {
			*why = "echoed message differs from the one sent";
			err = -EBADMSG;
			break;
		}
		if (i >= cfg->warmup)
			sample(ctx, bench_ticks_to_ns(t1 - t0));
	}
	unpin_parent(&aff);
	unwatch_peer(&old);
	if (err)
		abort_peer(pid);
	else
		err = reap_peer(pid, why);
out:
	mq_close(q[0]);
	mq_close(q[1]);
	free(msg);
	free(back);
	return err;
}

/* --------------------------------------------------------------- stream */

static int sink_main(void *arg)
{
	struct mq_run *r = arg;
	uint8_t *buf = malloc(r->msgsize), *pat = malloc(r->msgsize);
	uint64_t warm = stream_warmup(r->size), rest, t0 = 0;
	int ok = 1;

	if (!buf || !pat)
		return -ENOMEM;
	fill_pattern(pat, r->size);
	/* The stamp replaces the pattern's first word: take that word out. */
	rest = csum(pat, r->size) - csum(pat, r->size < 8 ? r->size : 8);
	for (uint64_t i = 0; i < r->total; i++) {
		ssize_t n = qrecv(r->ab, buf, r->msgsize, NULL);

		if (n < 0)
			return (int)n;
		if ((size_t)n != r->size || csum(buf, r->size) != rest + word0(i, r->size))
			ok = 0;
		if (i + 1 == warm)
			t0 = bench_mono_ns();
	}
	r->res->ns = bench_mono_ns() - t0;
	r->res->msgs = r->total - warm;
	r->res->verified = ok;
	return 0;
}

static int mq_stream(const struct bench_stream_cfg *cfg, struct bench_stream_result *res,
		     const char **why)
{
	struct mq_run r = { .size = cfg->size };
	long depth = read_proc_long("/proc/sys/fs/mqueue/msg_max");
	uint8_t *buf = NULL, *scratch = NULL;
	struct sigaction old;
	struct affinity aff;
	mqd_t q[2] = { -1, -1 };
	int err = -ENOTSUP;
	pid_t pid;

	r.msgsize = cfg->size ? cfg->size : 1;
	r.total = stream_warmup(cfg->size) + cfg->count;
	/* As deep as fs.mqueue.msg_max and RLIMIT_MSGQUEUE allow. */
	for (depth = depth < 1 ? 10 : depth; depth >= 1 && err; depth /= 2) {
		err = open_pair(q, r.msgsize, depth, 1, why);
		if (err != -ENOTSUP)
			break;
	}
	if (err)
		return err;
	r.ab = q[0];
	r.ba = q[1];
	r.res = mmap(NULL, sizeof(*res), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	buf = malloc(r.msgsize);
	scratch = malloc(r.msgsize);
	if (r.res == MAP_FAILED || !buf || !scratch) {
		*why = "out of memory";
		err = -ENOMEM;
		goto out;
	}
	memset(r.res, 0, sizeof(*r.res));
	fill_pattern(buf, cfg->size);
	pid = bench_spawn(cfg->cpu_rx, sink_main, &r);
	if (pid < 0) {
		*why = "fork failed";
		err = pid;
		goto out;
	}
	watch_peer(&old, pid, (mqd_t)-1, r.ab, scratch, r.msgsize);
	pin_parent(cfg->cpu_tx, &aff);
	/* No batch call exists for message queues: one mq_send each. */
	for (uint64_t i = 0; i < r.total; i++) {
		stamp(buf, cfg->size, i);
		err = qsend(r.ab, buf, cfg->size);
		if (err || peer_died) {
			err = err ? err : -EPIPE;
			*why = "receiver process died";
			break;
		}
	}
	unpin_parent(&aff);
	unwatch_peer(&old);
	if (err)
		abort_peer(pid);
	else
		err = reap_peer(pid, why);
	if (!err)
		*res = *r.res;
out:
	mq_close(q[0]);
	mq_close(q[1]);
	if (r.res != MAP_FAILED)
		munmap(r.res, sizeof(*res));
	free(buf);
	free(scratch);
	return err;
}

/* Tries the queues a ping-pong would open, so a limit shows up front. */
static const char *mq_unavailable(size_t size)
{
	size_t msgsize = size ? size : 1;
	int a = open_queue(msgsize, 1), b = a < 0 ? a : open_queue(msgsize, 2);

	if (a >= 0)
		mq_close(a);
	if (b >= 0)
		mq_close(b);
	return b < 0 ? explain(b, msgsize, a < 0 ? 1 : 2) : NULL;
}

const struct bench_transport bench_tp_mq = {
	.name = "mq",
	.desc = "POSIX message queue per direction, mq_send + blocking mq_receive",
	.unavailable = mq_unavailable,
	.pingpong = mq_pingpong,
	.stream = mq_stream,
};
