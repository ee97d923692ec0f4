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
#include "tp_common.h"
#include "tp_pattern.h"
#include "transport.h"

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
	struct tp_affinity aff;
	struct bench_pp_timer tm;
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
	tp_fill_pattern(msg, cfg->size);
	pid = bench_spawn(cfg->cpu_pong, pong_main, &r);
	if (pid < 0) {
		*why = "fork failed";
		err = pid;
		goto out;
	}
	watch_peer(&old, pid, r.ba, (mqd_t)-1, NULL, 0);
	tp_pin_parent(cfg->cpu_ping, &aff);
	bench_pp_timer_init(&tm, cfg, sample, ctx);
	for (uint64_t i = 0; i < r.total; i++) {
		unsigned prio = 0;
		ssize_t n;

		tp_stamp(msg, cfg->size, i);
		bench_pp_start(&tm);
		err = qsend(r.ab, msg, cfg->size);
		n = err ? err : qrecv(r.ba, back, r.msgsize, &prio);
		bench_pp_stop(&tm);
		/* The alarm came first: a last reply may still be behind it. */
		if (n >= 0 && prio == 1 && i + 1 == r.total)
			n = mq_timedreceive(r.ba, (char *)back, r.msgsize, &prio, &already_past);
		if (n < 0 || prio == 1 || (peer_died && i + 1 < r.total)) {
			err = n < 0 ? (int)n : -EPIPE;
			*why = peer_died ? "peer process died" : "mq_send/mq_receive failed";
			break;
		}
		if ((size_t)n != cfg->size ||
		    !tp_echo_ok(back, msg, cfg->size, bench_pp_full_check(&tm))) {
			*why = "echoed message differs from the one sent";
			err = -EBADMSG;
			break;
		}
		bench_pp_sample(&tm, i >= cfg->warmup);
	}
	tp_unpin_parent(&aff);
	unwatch_peer(&old);
	if (err)
		tp_abort_peer(pid);
	else
		err = tp_reap_peer(pid, why);
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
	uint64_t warm = tp_stream_warmup(r->size), rest, t0 = 0;
	int ok = 1;

	if (!buf || !pat)
		return -ENOMEM;
	tp_fill_pattern(pat, r->size);
	/* The stamp replaces the pattern's first word: take that word out. */
	rest = tp_csum(pat, r->size) - tp_csum(pat, r->size < 8 ? r->size : 8);
	for (uint64_t i = 0; i < r->total; i++) {
		ssize_t n = qrecv(r->ab, buf, r->msgsize, NULL);

		if (n < 0)
			return (int)n;
		if ((size_t)n != r->size || tp_csum(buf, r->size) != rest + tp_word0(i, r->size))
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
	struct tp_affinity aff;
	mqd_t q[2] = { -1, -1 };
	int err = -ENOTSUP;
	pid_t pid;

	r.msgsize = cfg->size ? cfg->size : 1;
	r.total = tp_stream_warmup(cfg->size) + cfg->count;
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
	tp_fill_pattern(buf, cfg->size);
	pid = bench_spawn(cfg->cpu_rx, sink_main, &r);
	if (pid < 0) {
		*why = "fork failed";
		err = pid;
		goto out;
	}
	watch_peer(&old, pid, (mqd_t)-1, r.ab, scratch, r.msgsize);
	tp_pin_parent(cfg->cpu_tx, &aff);
	/* No batch call exists for message queues: one mq_send each. */
	for (uint64_t i = 0; i < r.total; i++) {
		tp_stamp(buf, cfg->size, i);
		err = qsend(r.ab, buf, cfg->size);
		if (err || peer_died) {
			err = err ? err : -EPIPE;
			*why = "receiver process died";
			break;
		}
	}
	tp_unpin_parent(&aff);
	unwatch_peer(&old);
	if (err)
		tp_abort_peer(pid);
	else
		err = tp_reap_peer(pid, why);
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
