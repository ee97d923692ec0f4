/* SPDX-License-Identifier: MIT */
/* Batched wakes: a producer serving many rings, or a fanout with many
 * sleeping readers, collects FUTEX_WAKE SQEs and submits them at once. */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>

#include "wait_internal.h"

#define BATCH_MAX 4096

struct uipc_wake_batch {
	struct wait_uring *u; /* NULL: futex(2) one by one */
	unsigned max, n;
	char why[128];
	uint32_t *words[];
};

int uipc_wake_batch_create(unsigned max, struct uipc_wake_batch **out, const char **why)
{
	struct uipc_wake_batch *b;

	if (!out || max == 0 || max > BATCH_MAX)
		return -EINVAL;
	b = calloc(1, sizeof(*b) + max * sizeof(b->words[0]));
	if (!b)
		return -ENOMEM;
	b->max = max;
	/* SQ as large as the batch, so a flush is one io_uring_enter(). */
	if (wait_uring_open(&b->u, max < 8 ? 8 : max, b->why, sizeof(b->why)))
		b->u = NULL;
	if (why)
		*why = b->why;
	*out = b;
	return 0;
}

void uipc_wake_batch_destroy(struct uipc_wake_batch *b)
{
	if (!b)
		return;
	wait_uring_close(b->u);
	free(b);
}

int uipc_wake_batch_uring(const struct uipc_wake_batch *b)
{
	return b && b->u;
}

int uipc_wake_batch_flush(struct uipc_wake_batch *b)
{
	unsigned i, n;
	int rc = 0;

	if (!b)
		return -EINVAL;
	n = b->n;
	b->n = 0;
	if (!n)
		return 0;
	if (b->u)
		return wait_uring_wake(b->u, b->words, n);
	for (i = 0; i < n; i++) {
		int r = wait_futex_wake(b->words[i], INT_MAX);

		if (r < 0)
			rc = r;
	}
	return rc < 0 ? rc : (int)n;
}

int uipc_wake_batch_add(struct uipc_wake_batch *b, struct uipc_wait_word *w)
{
	int rc;

	if (!b || !w)
		return -EINVAL;
	if (!uipc_wake_needed(w))
		return 0;
	if (b->n == b->max) {
		rc = uipc_wake_batch_flush(b);
		if (rc < 0)
			return rc;
	}
	/* As uipc_wake(): bump (release), then the wake itself. */
	wait_bump(w);
	b->words[b->n++] = &w->futex;
	return 1;
}
