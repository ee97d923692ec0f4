/* SPDX-License-Identifier: MIT */
/*
 * For tests that run the built uipc-bench: where it is (the test skips
 * when the bench was not built), a scratch directory per test, and its
 * JSON output read back.  Criterion tests only.
 */
#ifndef UIPC_TESTS_BENCHUTIL_H
#define UIPC_TESTS_BENCHUTIL_H

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "json.h"

/* Set by bench_tool_setup(): the uipc-bench binary and a fresh directory. */
static char bench[512], dir[64];

/* Suite .init: find uipc-bench, make the scratch directory. */
static inline void bench_tool_setup(void)
{
	const char *b = getenv("UIPC_TEST_BUILDDIR");

	cr_assert_not_null(b, "UIPC_TEST_BUILDDIR is set by meson");
	snprintf(bench, sizeof(bench), "%s/../bench/uipc-bench", b);
	if (access(bench, X_OK))
		cr_skip_test("uipc-bench not built (meson option bench=false)");
	snprintf(dir, sizeof(dir), "/tmp/uipc-bench-test-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
}

/* Suite .fini: remove the scratch directory. */
static inline void bench_tool_teardown(void)
{
	char cmd[128];

	if (dir[0]) {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		cr_expect_eq(system(cmd), 0);
	}
}

/* The JSON document in @path (asserts it is there and parses). */
static inline struct json *bench_read_json(const char *path)
{
	static char text[1 << 20];
	FILE *f = fopen(path, "r");
	size_t len, err = 0;
	struct json *j;

	cr_assert_not_null(f, "%s was written", path);
	len = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	text[len] = '\0';
	j = json_parse(text, &err);
	cr_assert_not_null(j, "%s is JSON (error at %zu)", path, err);
	return j;
}

#endif /* UIPC_TESTS_BENCHUTIL_H */
