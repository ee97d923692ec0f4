/* SPDX-License-Identifier: MIT */
/*
 * What every kernel baseline (tp_pipe.c, tp_seqpacket.c, ...) does around
 * its forked peer: collect it, kill it after a failure, and pin the
 * measuring side for the run only.  The payload is in tp_pattern.h.
 */
#ifndef UIPC_BENCH_TP_COMMON_H
#define UIPC_BENCH_TP_COMMON_H

#include <sched.h>
#include <sys/types.h>

/* How long a peer may take to exit once our side is done (ms). */
#define TP_PEER_GRACE_MS 10000

/* Kill the peer after a failure on our side and collect it. */
void tp_abort_peer(pid_t pid);

/*
 * Collect a peer that should be finishing; one still running after
 * TP_PEER_GRACE_MS is killed (a message lost on the way would otherwise
 * keep it, and us, waiting forever).  Return: 0, or -errno with *@why set.
 */
int tp_reap_peer(pid_t pid, const char **why);

/* The measuring side's CPU mask, restored after the run. */
struct tp_affinity {
	cpu_set_t old;
	int saved;
};

/* Pin the calling thread to @cpu, saving its mask.  Return: 0 or -errno. */
int tp_pin_parent(int cpu, struct tp_affinity *a);
void tp_unpin_parent(struct tp_affinity *a);

#endif /* UIPC_BENCH_TP_COMMON_H */
