/* SPDX-License-Identifier: MIT */
/* The uipc transports' extras beyond struct bench_transport. */
#ifndef UIPC_BENCH_TP_UIPC_H
#define UIPC_BENCH_TP_UIPC_H

#include <stddef.h>
#include <stdint.h>

#include <uipc/ring.h>
#include <uipc/seg.h>

/* A segment holding two rings (0: ping->pong, 1: pong->ping) sized for
 * @size-byte messages with record alignment @align (0: the ring default),
 * published; its backing is noted in the environment.
 * Return: 0 or -errno. */
int tp_uipc_seg_pair(size_t size, uint32_t align, struct uipc_seg **seg);

/* The same with each ring at least @min_cap bytes. */
int tp_uipc_seg(size_t size, uint32_t align, uint64_t min_cap, struct uipc_seg **seg);

/* Stream mode of `uipc` (tp_uipc_stream.c). */
struct bench_stream_cfg;
struct bench_stream_result;
int tp_uipc_stream(const struct bench_stream_cfg *cfg, struct bench_stream_result *res,
		   const char **why);

/* Create and drop a segment exactly as a run would, to fill the
 * environment's backing before the first run. */
void tp_uipc_probe(void);

#endif /* UIPC_BENCH_TP_UIPC_H */
