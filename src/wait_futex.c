/* SPDX-License-Identifier: MIT */
/* futex(2) and futex_waitv(2): the raw syscalls, errno converted once. */
#include "config.h"

#include <errno.h>
#include <linux/futex.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "uring_compat.h"
#include "wait_internal.h"

int wait_futex_wait(uint32_t *uaddr, uint32_t val, int64_t timeout_ns)
{
	struct timespec ts, *tp = NULL;
	long rc;

	if (timeout_ns >= 0) {
		ts.tv_sec = timeout_ns / 1000000000ll;
		ts.tv_nsec = timeout_ns % 1000000000ll;
		tp = &ts;
	}
	/* Shared (no FUTEX_PRIVATE_FLAG): the waker is another process. */
	rc = syscall(SYS_futex, uaddr, FUTEX_WAIT, val, tp, NULL, 0);
	return rc < 0 ? -errno : 0;
}

int wait_futex_wake(uint32_t *uaddr, int n)
{
	long rc = syscall(SYS_futex, uaddr, FUTEX_WAKE, n, NULL, NULL, 0);

	return rc < 0 ? -errno : (int)rc;
}

int wait_futex_waitv(uint32_t **words, const uint32_t *vals, unsigned n, int64_t deadline_ns)
{
	struct uipc_futex_waitv v[UIPC_WAITV_MAX];
	struct timespec ts, *tp = NULL;
	unsigned i;
	long rc;

	if (n == 0 || n > UIPC_WAITV_MAX)
		return -EINVAL;
	for (i = 0; i < n; i++) {
		v[i].val = vals[i];
		v[i].uaddr = (uint64_t)(uintptr_t)words[i];
		v[i].flags = UIPC_FUTEX2_SIZE_U32; /* shared: no FUTEX2_PRIVATE */
		v[i].__reserved = 0;
	}
	if (deadline_ns >= 0) {
		ts.tv_sec = deadline_ns / 1000000000ll;
		ts.tv_nsec = deadline_ns % 1000000000ll;
		tp = &ts;
	}
	rc = syscall(UIPC_NR_futex_waitv, v, n, 0, tp, CLOCK_MONOTONIC);
	return rc < 0 ? -errno : 0;
}
