/* SPDX-License-Identifier: MIT */
/* The baselines' peer handling and pinning (tp_common.h). */
#include <errno.h>
#include <signal.h>
#include <time.h>

#include "proc.h"
#include "tp_common.h"

void tp_abort_peer(pid_t pid)
{
	kill(pid, SIGKILL);
	bench_reap(pid);
}

int tp_reap_peer(pid_t pid, const char **why)
{
	struct timespec ms = { 0, 1000000 };
	unsigned waited = 0;
	int err;

	while (!bench_peer_gone(pid)) {
		if (waited++ >= TP_PEER_GRACE_MS) {
			tp_abort_peer(pid);
			*why = "peer process did not finish (message lost?)";
			return -ETIMEDOUT;
		}
		nanosleep(&ms, NULL);
	}
	err = bench_reap(pid);
	if (err)
		*why = err == -ECHILD ? "peer process died of a signal" : "peer process failed";
	return err;
}

int tp_pin_parent(int cpu, struct tp_affinity *a)
{
	a->saved = sched_getaffinity(0, sizeof(a->old), &a->old) == 0;
	return bench_pin(cpu);
}

void tp_unpin_parent(struct tp_affinity *a)
{
	if (a->saved)
		sched_setaffinity(0, sizeof(a->old), &a->old);
}
