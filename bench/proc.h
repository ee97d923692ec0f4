/* SPDX-License-Identifier: MIT */
/*
 * Process plumbing shared by the transports: pinning, and the echoing peer
 * as a forked child that reports failure through its exit status.
 */
#ifndef UIPC_BENCH_PROC_H
#define UIPC_BENCH_PROC_H

#include <sys/types.h>

/* Pin the calling thread to @cpu (-1: leave it).  Return: 0 or -errno. */
int bench_pin(int cpu);

/*
 * Fork a child pinned to @cpu that runs @fn(@arg) and exits with its
 * return value (0 = success, else a positive errno).  The child also dies
 * with the parent (PR_SET_PDEATHSIG), so a crashed harness leaves no
 * spinning peer behind.  Return: pid, or -errno.
 */
pid_t bench_spawn(int cpu, int (*fn)(void *arg), void *arg);

/* 1 if @pid has exited (it stays reapable), else 0.  For spin loops that
 * would otherwise wait forever on a peer that died. */
int bench_peer_gone(pid_t pid);

/* SIGKILL @pid (a peer that must not outlive a failed run). */
void bench_kill(pid_t pid);

/* Reap @pid.  Return: 0 if it exited 0, -(its status) if it exited with
 * an errno, -ECHILD if it died of a signal. */
int bench_reap(pid_t pid);

#endif /* UIPC_BENCH_PROC_H */
