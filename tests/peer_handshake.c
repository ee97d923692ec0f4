/* SPDX-License-Identifier: MIT */
/*
 * The joining process of the handshake tests, started with fork+exec so the
 * memfd really crosses into another program through the socket.
 *
 *   peer_handshake ADDR TIMEOUT_MS SEED exit|hold [any]
 *       join ADDR, check hello.user == SEED and the pattern test_handshake.c
 *       wrote into region 0, then store the pattern's checksum in the last
 *       8 bytes of the region (the answer the parent checks).
 *       exit: exit at once.  hold: block until the creator closes the
 *       connection, then check that uipc_peer_alive() reports it.
 *       any: accept a creator of any uid (default: same uid or root).
 *
 * Exit status: 0 success; the errno of a failed join (e.g. EACCES = 13);
 * 100 pattern mismatch; 101 usage; 102 hello.user mismatch; 103 the
 * creator's close was not seen as a death.  A message goes to stderr.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <uipc/uipc.h>

#include "testutil.h"


int main(int argc, char **argv)
{
	struct uipc_hs_opts opts = { 0 };
	struct uipc_peer peer;
	struct uipc_seg *seg;
	uint64_t seed, size, i, answer;
	uint32_t kind;
	uint8_t *p;
	int rc, hold;

	if (argc < 5 || (strcmp(argv[4], "exit") && strcmp(argv[4], "hold"))) {
		fprintf(stderr, "usage: %s ADDR TIMEOUT_MS SEED exit|hold [any]\n", argv[0]);
		return 101;
	}
	opts.timeout_ms = atoi(argv[2]);
	seed = strtoull(argv[3], NULL, 0);
	hold = !strcmp(argv[4], "hold");
	if (argc > 5 && !strcmp(argv[5], "any"))
		opts.allow_uid = UIPC_UID_ANY;

	rc = uipc_hs_join(argv[1], &opts, &seg, &peer);
	if (rc) {
		fprintf(stderr, "peer_handshake: join %s: %s\n", argv[1], strerror(-rc));
		return -rc < 100 ? -rc : 99;
	}
	if (peer.hello.user != seed) {
		fprintf(stderr, "peer_handshake: hello.user %llu, want %llu\n",
			(unsigned long long)peer.hello.user, (unsigned long long)seed);
		return 102;
	}
	rc = uipc_seg_region(seg, 0, (void **)&p, &size, &kind);
	if (rc || size < 16) {
		fprintf(stderr, "peer_handshake: region 0: %s\n", strerror(rc ? -rc : EINVAL));
		return 100;
	}
	for (i = 0; i < size - 8; i++) {
		if (p[i] != hs_byte(seed, i)) {
			fprintf(stderr, "peer_handshake: byte %llu differs\n",
				(unsigned long long)i);
			return 100;
		}
	}
	answer = hs_fnv(p, size - 8);
	memcpy(p + size - 8, &answer, sizeof(answer));

	if (hold) {
		struct pollfd pfd = { .fd = peer.sock, .events = POLLRDHUP };

		/* Block (the test's timeout bounds it) until the creator closes. */
		while (poll(&pfd, 1, -1) < 0 && errno == EINTR)
			;
		rc = uipc_peer_alive(&peer);
		if (rc != 0) {
			fprintf(stderr, "peer_handshake: alive %d after the creator closed\n", rc);
			return 103;
		}
	}
	uipc_peer_close(&peer);
	uipc_seg_close(seg);
	return 0;
}
