/* SPDX-License-Identifier: MIT */
/*
 * What Debian 12's liburing 2.3 and 6.1 uapi headers lack: the io_uring
 * futex opcodes (kernel 6.7+), FUTEX2_* flags, struct futex_waitv and the
 * futex_waitv syscall number (5.16+).  SQEs are filled by hand the way
 * newer liburing's io_uring_prep_futex_*() do (see the kernel's
 * io_uring/futex.c: fd = futex2 flags, addr = word, addr2 = value or wake
 * count, addr3 = mask, len = 0 or nr, futex_flags (rw_flags) = 0); when
 * meson finds the real helpers we use them.  Private, never installed.
 */
#ifndef UIPC_URING_COMPAT_H
#define UIPC_URING_COMPAT_H

#include "config.h"

#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>

#define UIPC_FUTEX2_SIZE_U32 0x02u /* FUTEX2_SIZE_U32 == FUTEX_32 */
#define UIPC_FUTEX_BITSET_ANY 0xffffffffull
#define UIPC_WAITV_MAX 128 /* FUTEX_WAITV_MAX */

#ifdef SYS_futex_waitv
#define UIPC_NR_futex_waitv SYS_futex_waitv
#else
#define UIPC_NR_futex_waitv 449 /* same on every architecture */
#endif

/* Same layout as the kernel's struct futex_waitv. */
struct uipc_futex_waitv {
	uint64_t val;
	uint64_t uaddr;
	uint32_t flags;
	uint32_t __reserved;
};

#if HAVE_LIBURING
#include <liburing.h>

#define UIPC_IORING_OP_FUTEX_WAIT 51
#define UIPC_IORING_OP_FUTEX_WAKE 52
#define UIPC_IORING_OP_FUTEX_WAITV 53

#if HAVE_IORING_OP_FUTEX_WAIT
_Static_assert(IORING_OP_FUTEX_WAIT == UIPC_IORING_OP_FUTEX_WAIT, "uapi opcode");
_Static_assert(IORING_OP_FUTEX_WAITV == UIPC_IORING_OP_FUTEX_WAITV, "uapi opcode");
#endif

static inline void uipc_prep_futex_common(struct io_uring_sqe *sqe, int op, uint32_t *word,
					  uint64_t val, uint32_t nr)
{
	memset(sqe, 0, sizeof(*sqe));
	sqe->opcode = (uint8_t)op;
	sqe->fd = op == UIPC_IORING_OP_FUTEX_WAITV ? 0 : (int)UIPC_FUTEX2_SIZE_U32;
	sqe->addr = (uint64_t)(uintptr_t)word;
	sqe->off = val; /* addr2 */
	sqe->len = nr;
	if (op != UIPC_IORING_OP_FUTEX_WAITV)
		sqe->addr3 = UIPC_FUTEX_BITSET_ANY;
}

#if HAVE_IO_URING_PREP_FUTEX_WAIT
static inline void uipc_prep_futex_wait(struct io_uring_sqe *sqe, uint32_t *word, uint32_t val)
{
	io_uring_prep_futex_wait(sqe, word, val, UIPC_FUTEX_BITSET_ANY, UIPC_FUTEX2_SIZE_U32, 0);
}

static inline void uipc_prep_futex_wake(struct io_uring_sqe *sqe, uint32_t *word, int nr)
{
	io_uring_prep_futex_wake(sqe, word, (uint64_t)nr, UIPC_FUTEX_BITSET_ANY,
				 UIPC_FUTEX2_SIZE_U32, 0);
}

static inline void uipc_prep_futex_waitv(struct io_uring_sqe *sqe, struct uipc_futex_waitv *v,
					 unsigned n)
{
	io_uring_prep_futex_waitv(sqe, (struct futex_waitv *)(void *)v, n, 0);
}
#else
static inline void uipc_prep_futex_wait(struct io_uring_sqe *sqe, uint32_t *word, uint32_t val)
{
	uipc_prep_futex_common(sqe, UIPC_IORING_OP_FUTEX_WAIT, word, val, 0);
}

static inline void uipc_prep_futex_wake(struct io_uring_sqe *sqe, uint32_t *word, int nr)
{
	uipc_prep_futex_common(sqe, UIPC_IORING_OP_FUTEX_WAKE, word, (uint64_t)nr, 0);
}

static inline void uipc_prep_futex_waitv(struct io_uring_sqe *sqe, struct uipc_futex_waitv *v,
					 unsigned n)
{
	uipc_prep_futex_common(sqe, UIPC_IORING_OP_FUTEX_WAITV, (uint32_t *)(void *)v, 0, n);
}
#endif /* HAVE_IO_URING_PREP_FUTEX_WAIT */
#endif /* HAVE_LIBURING */

#endif /* UIPC_URING_COMPAT_H */
