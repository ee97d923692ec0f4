/* SPDX-License-Identifier: MIT */
/*
 * uipc: shared-memory IPC for Linux.  Umbrella header.
 *
 * Every function returns 0 (or a count) on success and a negative errno on
 * failure; nothing prints or aborts.  See seg.h (segments), handshake.h
 * (sharing them), ring.h (SPSC ring), numa.h (placement).
 */
#ifndef UIPC_UIPC_H
#define UIPC_UIPC_H

#include "common.h"
#include "barrier.h"
#include "seg.h"
#include "handshake.h"
#include "numa.h"
#include "ring.h"
#include "wait.h"

#endif /* UIPC_UIPC_H */
