/* SPDX-License-Identifier: MIT */
/* Small helpers shared by the test programs and their exec'd peers. */
#ifndef UIPC_TESTS_TESTUTIL_H
#define UIPC_TESTS_TESTUTIL_H

#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <unistd.h>

/* A number from a sysfs/procfs file, -1 if absent or unreadable. */
static inline long read_long(const char *path)
{
	FILE *f = fopen(path, "re");
	long v = -1;

	if (f) {
		if (fscanf(f, "%ld", &v) != 1)
			v = -1;
		fclose(f);
	}
	return v;
}

/* Byte i of a seeded pattern: the creator writes it, the peer checks it. */
static inline uint8_t hs_byte(uint64_t seed, uint64_t i)
{
	return (uint8_t)((seed * 0x9E3779B97F4A7C15ull + i * 0xBF58476D1CE4E5B9ull) >> 56);
}

/* FNV-1a over n bytes: the peer's answer about what it read. */
static inline uint64_t hs_fnv(const uint8_t *p, uint64_t n)
{
	uint64_t h = 0xcbf29ce484222325ull, i;

	for (i = 0; i < n; i++)
		h = (h ^ p[i]) * 0x100000001b3ull;
	return h;
}

/*
 * fork() for a test's peer process: the child is killed when the test
 * process ends, so a failed assertion never leaves a peer looping forever
 * (holding the test's output pipe open until meson's timeout).
 */
static inline pid_t fork_peer(void)
{
	pid_t parent = getpid(), pid = fork();

	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent) /* the test died before prctl */
			_exit(127);
	}
	return pid;
}

#endif /* UIPC_TESTS_TESTUTIL_H */
