/* SPDX-License-Identifier: MIT */
/*
 * Every transport the bench knows, in report order (`all` runs them all).
 * Adding one: write bench/tp_<name>.c exporting
 * `const struct bench_transport bench_tp_<name>`, add one X(<name>) line
 * below and the file to bench_sources in bench/meson.build.  A transport
 * whose library is missing still compiles and says so in ->unavailable().
 */
#include <string.h>

#include "transports.h"

#define BENCH_TRANSPORTS(X) \
	X(uipc)             \
	X(uipc_a8)          \
	X(uipc_threads)     \
	X(floor)            \
	X(floor_stream)     \
	X(uds)              \
	X(uds_poll)         \
	X(uds_seqpacket)    \
	X(pipe)             \
	X(pipe_poll)        \
	X(eventfd)          \
	X(tcp)              \
	X(mq)               \
	X(zmq)              \
	X(iceoryx)          \
	X(iceoryx_waitset)

#define DECLARE(n) extern const struct bench_transport bench_tp_##n;
#define ENTRY(n) &bench_tp_##n,

BENCH_TRANSPORTS(DECLARE)

const struct bench_transport *const bench_transports[] = { BENCH_TRANSPORTS(ENTRY) };
const size_t bench_ntransports = sizeof(bench_transports) / sizeof(bench_transports[0]);

const struct bench_transport *bench_transport_find(const char *name)
{
	size_t i;

	for (i = 0; i < bench_ntransports; i++)
		if (!strcmp(bench_transports[i]->name, name))
			return bench_transports[i];
	return NULL;
}
