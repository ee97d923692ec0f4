/* SPDX-License-Identifier: MIT */
/*
 * The bench's stream runner (bench/stream_run.c) with toy transports: it
 * checks what it is given, and no failed or overdue peer makes it wait
 * forever, in a thread (which cannot be killed, only told) or a process.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>

#include "clock.h"
#include "stream_run.h"

/* A toy channel between two threads: slot i holds message i's first word,
 * `pub` counts published slots.  Nothing but the runner is under test. */
#define NMSG 4096

struct toy {
	uint64_t slot[NMSG];
	uint64_t pub;
	int corrupt; /* tx: flip one word (the checksum must catch it) */
	int tx_fail_at; /* tx: fail before this message (-1: never) */
	int rx_fail; /* rx: fail at once */
	int rx_skip; /* rx: wait for one message more than there are */
	int rx_rc; /* what rx returned */
};

static int toy_tx(void *p, const struct bench_stream_cfg *cfg, uint64_t total, uint8_t *src)
{
	struct toy *t = p;
	uint64_t i, spins = 0;

	(void)cfg;
	(void)src;
	for (i = 0; i < total; i++) {
		if ((int64_t)i == t->tx_fail_at)
			return -EIO;
		t->slot[i] = i + (t->corrupt && i == total / 2);
		__atomic_store_n(&t->pub, i + 1, __ATOMIC_RELEASE);
	}
	/* A sender that waits for its receiver, as a full ring makes it do. */
	while (t->rx_fail && !bench_stream_peer_gone())
		if (++spins > (1ull << 40))
			return -EDEADLK;
	return t->rx_fail ? -EPIPE : 0;
}

static int toy_rx(void *p, const struct bench_stream_cfg *cfg, uint64_t total, uint64_t warm,
		  struct bench_stream_rx *out)
{
	struct toy *t = p;
	uint64_t i;

	(void)cfg;
	if (t->rx_fail)
		return t->rx_rc = -EPROTO;
	for (i = 0; i < total + (uint64_t)t->rx_skip; i++) {
		while (__atomic_load_n(&t->pub, __ATOMIC_ACQUIRE) <= i)
			if (bench_stream_stopped())
				return t->rx_rc = -ECANCELED;
		bench_stream_rx_msg(out, &t->slot[i], 8, i, warm);
	}
	return t->rx_rc = 0;
}

static struct toy toy;
static const struct bench_stream_ops ops = { .tx = toy_tx, .rx = toy_rx, .ctx = &toy,
					     .threads = 1 };
static const struct bench_stream_cfg cfg = { .size = 8, .batch = 1, .count = 1000,
					     .cpu_tx = -1, .cpu_rx = -1 };

static void setup(void)
{
	memset(&toy, 0, sizeof(toy));
	toy.tx_fail_at = -1;
	bench_clock_init();
	bench_stream_rx_grace_ms = 300;
}

TestSuite(stream_run, .init = setup, .timeout = 20);

Test(stream_run, counts_and_verifies_a_clean_run)
{
	struct bench_stream_result res = { 0 };
	const char *why = NULL;

	cr_assert_eq(bench_stream_run(&cfg, &ops, &res, &why), 0, "%s", why ? why : "");
	cr_assert_eq(res.msgs, cfg.count);
	cr_assert_eq(res.verified, 1);
}

Test(stream_run, a_changed_word_fails_verification)
{
	struct bench_stream_result res = { 0 };
	const char *why = NULL;

	toy.corrupt = 1;
	cr_assert_eq(bench_stream_run(&cfg, &ops, &res, &why), 0, "%s", why ? why : "");
	cr_assert_eq(res.verified, 0);
}

/* The receiver thread waits for messages that will never come. */
Test(stream_run, a_failed_sender_stops_a_waiting_receiver_thread)
{
	struct bench_stream_result res = { 0 };
	const char *why = NULL;

	toy.tx_fail_at = 10;
	cr_assert_eq(bench_stream_run(&cfg, &ops, &res, &why), -EIO);
	cr_assert_eq(toy.rx_rc, -ECANCELED);
	cr_assert_not_null(why);
}

/* The sender waits for room the receiver will never make. */
Test(stream_run, a_failed_receiver_thread_releases_a_waiting_sender)
{
	struct bench_stream_result res = { 0 };
	const char *why = NULL;

	toy.rx_fail = 1;
	cr_assert_eq(bench_stream_run(&cfg, &ops, &res, &why), -EPROTO, "the receiver's error");
	cr_assert_str_eq(why, "receiver failed");
}

Test(stream_run, a_failed_receiver_process_releases_a_waiting_sender)
{
	struct bench_stream_ops fork_ops = ops;
	struct bench_stream_result res = { 0 };
	const char *why = NULL;

	fork_ops.threads = 0;
	toy.rx_fail = 1;
	/* The child's -EPROTO comes back through its exit status. */
	cr_assert_eq(bench_stream_run(&cfg, &fork_ops, &res, &why), -EPROTO);
}

/* A message lost on the way: the sender is done, the receiver never is. */
Test(stream_run, an_overdue_receiver_thread_is_stopped_after_the_grace)
{
	struct bench_stream_result res = { 0 };
	const char *why = NULL;

	toy.rx_skip = 1;
	cr_assert_eq(bench_stream_run(&cfg, &ops, &res, &why), -ETIMEDOUT);
	cr_assert_eq(toy.rx_rc, -ECANCELED);
}
