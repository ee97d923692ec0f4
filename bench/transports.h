/* SPDX-License-Identifier: MIT */
/* The registry of benchmarked transports (transports.c). */
#ifndef UIPC_BENCH_TRANSPORTS_H
#define UIPC_BENCH_TRANSPORTS_H

#include <stddef.h>

#include "transport.h"

extern const struct bench_transport *const bench_transports[];
extern const size_t bench_ntransports;

/* By --transport name; NULL if unknown. */
const struct bench_transport *bench_transport_find(const char *name);

#endif /* UIPC_BENCH_TRANSPORTS_H */
