/* SPDX-License-Identifier: MIT */
/*
 * Baselines "iceoryx" and "iceoryx-waitset": Eclipse iceoryx 2.0 through its
 * C binding, zero-copy: the sender loans a chunk in shared memory, writes
 * the payload into it and publishes it; the receiver takes it, reads it in
 * place and releases it.  In "iceoryx" both sides busy-poll take(); in
 * "iceoryx-waitset" both sides sleep in an iceoryx WaitSet (a semaphore
 * post and wake per message).
 *
 * iceoryx needs its broker, iox-roudi.  If none runs we start our own with
 * a config whose mempool fits the message size, wait until it is ready and
 * stop it with SIGTERM afterwards (it then removes its /dev/shm segments and
 * /tmp sockets and locks itself).  A roudi that already runs is used as it
 * is: iceoryx aborts a process whose loan fits none of its mempools, so a
 * size too large for it shows as an end that died, and the reason says so.
 *
 * An iceoryx runtime is once per process and cannot outlive its roudi, so
 * the harness process never makes one: both ends run in forked children
 * and the measuring one hands its samples back through shared memory.
 */
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <pwd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "baselines_config.h"
#include "clock.h"
#include "proc.h"
#include "tp_pattern.h"
#include "transport.h"

#if BENCH_HAVE_ICEORYX
#include <iceoryx_binding_c/enums.h>
#include <iceoryx_binding_c/log.h>
#include <iceoryx_binding_c/publisher.h>
#include <iceoryx_binding_c/runtime.h>
#include <iceoryx_binding_c/subscriber.h>
#include <iceoryx_binding_c/wait_set.h>

/* --------------------------------------------------------------- roudi */

#define ROUDI_SOCKET "/tmp/roudi"
/* The roudi log line that says clients may connect. */
#define ROUDI_READY "RouDi is ready for clients"
/* Everything in shared memory together stays under this. */
#define IOX_POOL_BYTES (256u << 20)

struct roudi {
	pid_t pid; /* ours, or 0 when one was already running */
	char dir[64]; /* our config and log */
};

static char iox_why[200];

/* A roudi answers on its Unix socket. */
static int roudi_running(void)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX, .sun_path = ROUDI_SOCKET };
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0), ok;

	if (fd < 0)
		return 0;
	ok = connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0;
	close(fd);
	return ok;
}

static int in_path(const char *prog)
{
	const char *path = getenv("PATH");
	char buf[512];

	for (path = path ? path : "/usr/bin:/bin"; *path;) {
		size_t n = strcspn(path, ":");

		snprintf(buf, sizeof(buf), "%.*s/%s", (int)n, path, prog);
		if (access(buf, X_OK) == 0)
			return 1;
		path += n + (path[n] == ':');
	}
	return 0;
}

/* Payload plus iceoryx's chunk header, with room to spare. */
static size_t chunk_bytes(size_t size)
{
	return (size + 64 + 63) & ~(size_t)63;
}

static unsigned chunk_count(size_t size)
{
	size_t n = IOX_POOL_BYTES / chunk_bytes(size);

	return n > 512 ? 512 : n < 8 ? 8 : (unsigned)n;
}

static int write_config(const char *path, size_t size)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return -errno;
	fprintf(f, "[general]\nversion = 1\n\n[[segment]]\n\n"
		   "[[segment.mempool]]\nsize = %zu\ncount = %u\n",
		chunk_bytes(size), chunk_count(size));
	return fclose(f) ? -errno : 0;
}

static int log_says_ready(const char *log)
{
	char line[256];
	FILE *f = fopen(log, "r");
	int ready = 0;

	if (!f)
		return 0;
	while (!ready && fgets(line, sizeof(line), f))
		ready = strstr(line, ROUDI_READY) != NULL;
	fclose(f);
	return ready;
}

static void remove_dir(struct roudi *r)
{
	char p[128];

	snprintf(p, sizeof(p), "%s/roudi.toml", r->dir);
	unlink(p);
	snprintf(p, sizeof(p), "%s/roudi.log", r->dir);
	unlink(p);
	rmdir(r->dir);
}

/* A roudi that did not stop cleanly skipped its cleanup: do it for it
 * (the payload segment is named after the user). */
static void remove_roudi_leftovers(void)
{
	struct passwd *pw = getpwuid(geteuid());
	char p[128];

	unlink("/dev/shm/iceoryx_mgmt");
	if (pw && pw->pw_name[0] && !strchr(pw->pw_name, '/')) {
		snprintf(p, sizeof(p), "/dev/shm/%s", pw->pw_name);
		unlink(p);
	}
	unlink(ROUDI_SOCKET);
	unlink("/tmp/roudi.lock");
	unlink("/tmp/iox-unique-roudi.lock");
}

static void roudi_stop(struct roudi *r)
{
	int st;

	if (!r->pid)
		return;
	kill(r->pid, SIGTERM);
	for (int i = 0; i < 500; i++) {
		if (waitpid(r->pid, &st, WNOHANG) == r->pid) {
			r->pid = 0;
			break;
		}
		usleep(10000);
	}
	if (r->pid) {
		kill(r->pid, SIGKILL);
		waitpid(r->pid, &st, 0);
		r->pid = 0;
	}
	/* It aborts at shutdown if a client died without unregistering. */
	if (!WIFEXITED(st) || WEXITSTATUS(st))
		remove_roudi_leftovers();
	remove_dir(r);
}

static int roudi_start(struct roudi *r, size_t size, const char **why)
{
	char cfg[128], log[128];
	int err, st;

	r->pid = 0;
	r->dir[0] = 0;
	if (roudi_running())
		return 0;
	snprintf(r->dir, sizeof(r->dir), "/tmp/uipc-bench-iox-XXXXXX");
	if (!mkdtemp(r->dir)) {
		*why = "mkdtemp in /tmp failed";
		return -errno;
	}
	snprintf(cfg, sizeof(cfg), "%s/roudi.toml", r->dir);
	snprintf(log, sizeof(log), "%s/roudi.log", r->dir);
	err = write_config(cfg, size);
	if (err) {
		*why = "cannot write the roudi config";
		remove_dir(r);
		return err;
	}
	fflush(NULL);
	r->pid = fork();
	if (r->pid < 0) {
		err = -errno;
		r->pid = 0;
		*why = "fork failed";
		remove_dir(r);
		return err;
	}
	if (r->pid == 0) {
		/* SIGTERM, not SIGKILL: a roudi outliving us still cleans up. */
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (!freopen(log, "w", stdout) || dup2(STDOUT_FILENO, STDERR_FILENO) < 0)
			_exit(127);
		execlp("iox-roudi", "iox-roudi", "-c", cfg, (char *)NULL);
		_exit(127);
	}
	for (int i = 0; i < 1000; i++) {
		if (log_says_ready(log))
			return 0;
		if (waitpid(r->pid, &st, WNOHANG) == r->pid) {
			r->pid = 0;
			snprintf(iox_why, sizeof(iox_why),
				 "iox-roudi exited at start-up (another roudi half-alive? "
				 "see /tmp/roudi*, /dev/shm/iceoryx_mgmt)");
			*why = iox_why;
			remove_dir(r);
			return -ECHILD;
		}
		usleep(10000);
	}
	roudi_stop(r);
	*why = "iox-roudi did not become ready within 10 s";
	return -ETIMEDOUT;
}

/* ------------------------------------------------------------ the ends */

enum iox_fail {
	IOXF_NONE,
	IOXF_CONNECT, /* publisher and subscriber never matched */
	IOXF_NO_POOL, /* the roudi has no mempool for this size */
	IOXF_LOAN, /* any other loan failure */
	IOXF_TAKE, /* take failed other than "nothing there" */
	IOXF_MISMATCH, /* echoed payload differs */
};

/* Written by the children, read by the parent after they exit. */
struct iox_shared {
	volatile int fail; /* enum iox_fail, first one wins */
	struct bench_stream_result res;
	uint64_t nsamples; /* filled in samples[] */
	uint64_t samples[];
};

struct iox_run {
	char instance[48];
	size_t size;
	uint64_t total, warmup, block;
	unsigned queue;
	int waitset;
	struct iox_shared *sh;
};

struct iox_end {
	iox_pub_storage_t pub_st;
	iox_sub_storage_t sub_st;
	iox_ws_storage_t ws_st;
	iox_pub_t pub;
	iox_sub_t sub;
	iox_ws_t ws;
};

static int fail(struct iox_run *r, enum iox_fail f, int err)
{
	__sync_bool_compare_and_swap(&r->sh->fail, IOXF_NONE, (int)f);
	return err;
}

/*
 * Runtime, a publisher on @out and/or a subscriber on @in, blocking flow
 * control (a full queue makes the publisher wait, nothing is dropped), and
 * wait until each is matched with its peer.
 */
static int end_open(struct iox_end *e, struct iox_run *r, const char *role, const char *out,
		    const char *in)
{
	char name[96];
	iox_pub_options_t po;
	iox_sub_options_t so;

	iox_set_loglevel(Iceoryx_LogLevel_Error);
	snprintf(name, sizeof(name), "uipc-bench-%s-%s", r->instance, role);
	iox_runtime_init(name);
	e->pub = NULL;
	e->sub = NULL;
	e->ws = NULL;
	if (out) {
		iox_pub_options_init(&po);
		po.subscriberTooSlowPolicy = ConsumerTooSlowPolicy_WAIT_FOR_CONSUMER;
		e->pub = iox_pub_init(&e->pub_st, "uipc-bench", r->instance, out, &po);
	}
	if (in) {
		iox_sub_options_init(&so);
		so.queueCapacity = r->queue;
		so.queueFullPolicy = QueueFullPolicy_BLOCK_PRODUCER;
		e->sub = iox_sub_init(&e->sub_st, "uipc-bench", r->instance, in, &so);
		if (r->waitset) {
			e->ws = iox_ws_init(&e->ws_st);
			iox_ws_attach_subscriber_state(e->ws, e->sub, SubscriberState_HAS_DATA, 0, NULL);
		}
	}
	/* Discovery goes through roudi and takes a few of its cycles. */
	for (int i = 0; i < 2000; i++) {
		int pub_ok = !e->pub || iox_pub_has_subscribers(e->pub);
		int sub_ok = !e->sub || iox_sub_get_subscription_state(e->sub) == SubscribeState_SUBSCRIBED;

		if (pub_ok && sub_ok)
			return 0;
		usleep(5000);
	}
	return fail(r, IOXF_CONNECT, -ETIMEDOUT);
}

/*
 * Leave through exit(), not the _exit() after a spawned function returns:
 * the runtime's static destructor is what unregisters from roudi and
 * removes this process's socket and lock in /tmp (a roudi that still lists
 * us at its own shutdown fails to stop us, aborts and leaves its shared
 * memory behind).  The parent flushed stdio before forking.
 */
static __attribute__((noreturn)) void end_exit(struct iox_end *e, int err)
{
	if (e->ws)
		iox_ws_deinit(e->ws);
	if (e->sub)
		iox_sub_deinit(e->sub);
	if (e->pub)
		iox_pub_deinit(e->pub);
	exit(err < 0 ? -err : err);
}

static int end_loan(struct iox_end *e, struct iox_run *r, void **p)
{
	for (;;) {
		enum iox_AllocationResult a = iox_pub_loan_chunk(e->pub, p, (uint32_t)r->size);

		if (a == AllocationResult_SUCCESS)
			return 0;
		if (a == AllocationResult_NO_MEMPOOLS_AVAILABLE)
			return fail(r, IOXF_NO_POOL, -ENOTSUP);
		/* Chunks come back as the peer releases them. */
		if (a != AllocationResult_RUNNING_OUT_OF_CHUNKS)
			return fail(r, IOXF_LOAN, -ENOMEM);
		sched_yield();
	}
}

/* The next chunk: spin on take(), or sleep in the WaitSet until it is there. */
static int end_take(struct iox_end *e, struct iox_run *r, const void **p)
{
	for (;;) {
		enum iox_ChunkReceiveResult t = iox_sub_take_chunk(e->sub, p);

		if (t == ChunkReceiveResult_SUCCESS)
			return 0;
		if (t != ChunkReceiveResult_NO_CHUNK_AVAILABLE)
			return fail(r, IOXF_TAKE, -EIO);
		if (e->ws) {
			iox_notification_info_t info[1];
			uint64_t missed;

			iox_ws_wait(e->ws, info, 1, &missed);
		} else {
			__builtin_ia32_pause();
		}
	}
}

/* ------------------------------------------------------------ ping-pong */

/* Echo: a reply chunk gets a copy of the request (two publishers, two
 * pools of chunks: a chunk cannot be forwarded as it is). */
static int pong_main(void *arg)
{
	struct iox_run *r = arg;
	struct iox_end e;
	int err = end_open(&e, r, "pong", "pong", "ping");

	for (uint64_t i = 0; i < r->total && !err; i++) {
		const void *in;
		void *out;

		err = end_take(&e, r, &in);
		if (err)
			break;
		err = end_loan(&e, r, &out);
		if (!err) {
			memcpy(out, in, r->size);
			iox_pub_publish_chunk(e.pub, out);
		}
		iox_sub_release_chunk(e.sub, in);
	}
	end_exit(&e, err);
}

/* The ping side's samples go to the parent through shared memory. */
static void keep_sample(void *ctx, uint64_t ns)
{
	struct iox_shared *sh = ctx;

	sh->samples[sh->nsamples++] = ns;
}

static int ping_main(void *arg)
{
	struct iox_run *r = arg;
	uint8_t *msg = malloc(r->size + 1), *back = malloc(r->size + 1);
	struct bench_pp_cfg cfg = { .block = r->block };
	struct bench_pp_timer tm;
	struct iox_end e;
	int err;

	if (!msg || !back) {
		free(msg);
		free(back);
		return -ENOMEM;
	}
	tp_fill_pattern(msg, r->size);
	err = end_open(&e, r, "ping", "ping", "pong");
	bench_pp_timer_init(&tm, &cfg, keep_sample, r->sh);
	for (uint64_t i = 0; i < r->total && !err; i++) {
		const void *in;
		void *out;

		tp_stamp(msg, r->size, i);
		bench_pp_start(&tm);
		err = end_loan(&e, r, &out);
		if (err)
			break;
		memcpy(out, msg, r->size);
		iox_pub_publish_chunk(e.pub, out);
		err = end_take(&e, r, &in);
		if (err)
			break;
		/* Copy the reply out inside the timed region, as every other
		 * transport's ping side does (uipc_ring_recv, read()). */
		memcpy(back, in, r->size);
		bench_pp_stop(&tm);
		if (!tp_echo_ok(back, msg, r->size, bench_pp_full_check(&tm)))
			err = fail(r, IOXF_MISMATCH, -EBADMSG);
		iox_sub_release_chunk(e.sub, in);
		bench_pp_sample(&tm, i >= r->warmup);
	}
	free(msg);
	free(back);
	end_exit(&e, err);
}

static const char *fail_why(int f)
{
	switch (f) {
	case IOXF_CONNECT:
		return "iceoryx publisher and subscriber did not connect within 10 s";
	case IOXF_NO_POOL:
		return "the running iox-roudi has no mempool for chunks this large "
		       "(stop it so the bench starts its own, or add a [[segment.mempool]])";
	case IOXF_LOAN:
		return "iceoryx loan failed";
	case IOXF_TAKE:
		return "iceoryx take failed";
	case IOXF_MISMATCH:
		return "echoed payload differs from the one sent";
	}
	return "iceoryx peer process failed";
}

/* A killed end never ran its runtime's destructor: remove its socket and lock. */
static void remove_end_leftovers(const struct iox_run *r)
{
	static const char *const roles[] = { "ping", "pong", "rx", "tx" };
	char p[128];

	for (unsigned i = 0; i < 4; i++) {
		snprintf(p, sizeof(p), "/tmp/uipc-bench-%s-%s", r->instance, roles[i]);
		unlink(p);
		snprintf(p, sizeof(p), "/tmp/uipc-bench-%s-%s.lock", r->instance, roles[i]);
		unlink(p);
	}
}

/*
 * Both ends are children: wait for both, and if one fails first stop the
 * other (a spinning take() never learns that its peer died).
 */
static int run_pair(struct iox_run *r, int cpu_a, int (*fa)(void *), int cpu_b,
		    int (*fb)(void *), int foreign_roudi, const char **why)
{
	pid_t pid[2];
	int err = 0, left = 2;

	fflush(NULL);
	pid[0] = bench_spawn(cpu_a, fa, r);
	if (pid[0] < 0) {
		*why = "fork failed";
		return pid[0];
	}
	pid[1] = bench_spawn(cpu_b, fb, r);
	if (pid[1] < 0) {
		bench_kill(pid[0]);
		bench_reap(pid[0]);
		*why = "fork failed";
		return pid[1];
	}
	while (left) {
		for (int k = 0; k < 2; k++) {
			int e;

			if (!pid[k] || !bench_peer_gone(pid[k]))
				continue;
			e = bench_reap(pid[k]);
			pid[k] = 0;
			left--;
			if (e && !err) {
				err = e;
				if (pid[!k])
					bench_kill(pid[!k]);
			}
		}
		if (left)
			usleep(2000);
	}
	if (err) {
		remove_end_leftovers(r);
		*why = r->sh->fail ? fail_why(r->sh->fail) :
		       err != -ECHILD ? "iceoryx peer process failed" :
		       /* iceoryx aborts the process when no mempool fits a loan */
		       foreign_roudi ? "iceoryx end aborted: the iox-roudi already running may have "
				       "no mempool for this size (stop it so the bench starts its own)" :
				       "iceoryx end died of a signal";
		if (r->sh->fail == IOXF_NO_POOL)
			err = -ENOTSUP;
	}
	return err;
}

static struct iox_shared *shared_alloc(size_t nsamples, size_t *len)
{
	void *p;

	*len = sizeof(struct iox_shared) + nsamples * sizeof(uint64_t);
	p = mmap(NULL, *len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS | MAP_NORESERVE,
		 -1, 0);
	return p == MAP_FAILED ? NULL : p;
}

static void instance_name(struct iox_run *r)
{
	static unsigned serial;

	snprintf(r->instance, sizeof(r->instance), "%d-%u", (int)getpid(), serial++);
}

static int iox_pp_common(const struct bench_pp_cfg *cfg, bench_sample_fn sample, void *ctx,
			 const char **why, int waitset)
{
	struct iox_run r = { .size = cfg->size, .total = cfg->warmup + cfg->count,
			     .warmup = cfg->warmup, .block = cfg->block, .queue = 4,
			     .waitset = waitset };
	struct roudi rd;
	size_t len;
	int err;

	if (cfg->size > UINT32_MAX - 4096) {
		*why = "iceoryx chunks hold at most 4 GiB";
		return -ENOTSUP;
	}
	r.sh = shared_alloc(cfg->count, &len);
	if (!r.sh) {
		*why = "no memory for the samples";
		return -ENOMEM;
	}
	instance_name(&r);
	err = roudi_start(&rd, cfg->size, why);
	if (!err) {
		err = run_pair(&r, cfg->cpu_pong, pong_main, cfg->cpu_ping, ping_main, !rd.pid, why);
		roudi_stop(&rd);
	}
	if (!err)
		for (uint64_t i = 0; i < r.sh->nsamples && i < cfg->count; i++)
			sample(ctx, r.sh->samples[i]);
	munmap(r.sh, len);
	return err;
}

/* --------------------------------------------------------------- stream */

static int sink_main(void *arg)
{
	struct iox_run *r = arg;
	uint8_t *pat = malloc(r->size + 1);
	uint64_t warm = tp_stream_warmup(r->size), rest, t0 = 0;
	struct iox_end e;
	int ok = 1, err;

	if (!pat)
		return -ENOMEM;
	tp_fill_pattern(pat, r->size);
	/* The stamp replaces the pattern's first word: take that word out. */
	rest = tp_csum(pat, r->size) - tp_csum(pat, r->size < 8 ? r->size : 8);
	err = end_open(&e, r, "rx", NULL, "stream");
	for (uint64_t i = 0; i < r->total && !err; i++) {
		const void *in;

		err = end_take(&e, r, &in);
		if (err)
			break;
		if (tp_csum(in, r->size) != rest + tp_word0(i, r->size))
			ok = 0;
		iox_sub_release_chunk(e.sub, in);
		if (i + 1 == warm)
			t0 = bench_mono_ns();
	}
	r->sh->res.ns = bench_mono_ns() - t0;
	r->sh->res.msgs = r->total - warm;
	r->sh->res.verified = ok;
	free(pat);
	end_exit(&e, err);
}

static int source_main(void *arg)
{
	struct iox_run *r = arg;
	uint8_t *pat = malloc(r->size + 1);
	struct iox_end e;
	int err;

	if (!pat)
		return -ENOMEM;
	tp_fill_pattern(pat, r->size);
	err = end_open(&e, r, "tx", "stream", NULL);
	for (uint64_t i = 0; i < r->total && !err; i++) {
		void *out;

		err = end_loan(&e, r, &out);
		if (err)
			break;
		memcpy(out, pat, r->size);
		tp_stamp(out, r->size, i);
		/* Blocks while the subscriber's queue is full. */
		iox_pub_publish_chunk(e.pub, out);
	}
	free(pat);
	end_exit(&e, err);
}

static int iox_stream_common(const struct bench_stream_cfg *cfg,
			     struct bench_stream_result *res, const char **why, int waitset)
{
	struct iox_run r = { .size = cfg->size, .waitset = waitset };
	struct roudi rd;
	unsigned chunks = chunk_count(cfg->size);
	size_t len;
	int err;

	if (cfg->size > UINT32_MAX - 4096) {
		*why = "iceoryx chunks hold at most 4 GiB";
		return -ENOTSUP;
	}
	/* Queued chunks plus the few each side holds must fit the pool. */
	r.queue = chunks - 4 < 64 ? chunks - 4 : 64;
	r.total = tp_stream_warmup(cfg->size) + cfg->count;
	r.sh = shared_alloc(0, &len);
	if (!r.sh) {
		*why = "out of memory";
		return -ENOMEM;
	}
	instance_name(&r);
	err = roudi_start(&rd, cfg->size, why);
	if (!err) {
		err = run_pair(&r, cfg->cpu_rx, sink_main, cfg->cpu_tx, source_main, !rd.pid, why);
		roudi_stop(&rd);
	}
	if (!err)
		*res = r.sh->res;
	munmap(r.sh, len);
	return err;
}

static const char *iox_unavailable(size_t size)
{
	if (!roudi_running() && !in_path("iox-roudi"))
		return "iox-roudi not found and no roudi running: apt-get install iceoryx";
	return NULL;
}

static int iox_pingpong(const struct bench_pp_cfg *cfg, bench_sample_fn sample, void *ctx,
			const char **why)
{
	return iox_pp_common(cfg, sample, ctx, why, 0);
}

static int iox_ws_pingpong(const struct bench_pp_cfg *cfg, bench_sample_fn sample, void *ctx,
			   const char **why)
{
	return iox_pp_common(cfg, sample, ctx, why, 1);
}

static int iox_stream(const struct bench_stream_cfg *cfg, struct bench_stream_result *res,
		      const char **why)
{
	return iox_stream_common(cfg, res, why, 0);
}

static int iox_ws_stream(const struct bench_stream_cfg *cfg, struct bench_stream_result *res,
			 const char **why)
{
	return iox_stream_common(cfg, res, why, 1);
}

const struct bench_transport bench_tp_iceoryx = {
	.name = "iceoryx",
	.desc = "iceoryx 2 C binding, zero-copy loan/publish, both sides busy-poll take()",
	.unavailable = iox_unavailable,
	.pingpong = iox_pingpong,
	.stream = iox_stream,
};

const struct bench_transport bench_tp_iceoryx_waitset = {
	.name = "iceoryx-waitset",
	.desc = "iceoryx 2 C binding, zero-copy loan/publish, both sides sleep in a WaitSet",
	.unavailable = iox_unavailable,
	.pingpong = iox_ws_pingpong,
	.stream = iox_ws_stream,
};

#else /* !BENCH_HAVE_ICEORYX */

static const char *iox_unavailable(size_t size)
{
	return "the iceoryx C binding was not found when uipc-bench was configured: "
	       "apt-get install iceoryx libiceoryx-binding-c-dev cmake, then meson setup --reconfigure";
}

const struct bench_transport bench_tp_iceoryx = {
	.name = "iceoryx",
	.desc = "iceoryx zero-copy, busy-polled take() (not built: iceoryx C binding missing)",
	.unavailable = iox_unavailable,
};

const struct bench_transport bench_tp_iceoryx_waitset = {
	.name = "iceoryx-waitset",
	.desc = "iceoryx zero-copy, WaitSet (not built: iceoryx C binding missing)",
	.unavailable = iox_unavailable,
};

#endif /* BENCH_HAVE_ICEORYX */
