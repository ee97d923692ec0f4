/* SPDX-License-Identifier: MIT */
/*
 * A small JSON reader (and re-writer) for our own reports (uipc-bench
 * report): a tree of values, no dependency.  Numbers are doubles plus the
 * exact unsigned integer when they are one; strings keep their escapes
 * decoded for ASCII.
 */
#ifndef UIPC_BENCH_JSON_H
#define UIPC_BENCH_JSON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum json_type { JSON_NULL, JSON_BOOL, JSON_NUM, JSON_STR, JSON_ARR, JSON_OBJ };

struct json {
	enum json_type type;
	char *key; /* member name inside an object */
	char *str;
	double num;
	uint64_t u64; /* exact when the number is a non-negative integer */
	int boolean;
	struct json *child, *next; /* arrays and objects: first member, siblings */
};

/* Parse @text.  Return: the root or NULL (*@err: offset of the error). */
struct json *json_parse(const char *text, size_t *err);
void json_free(struct json *j);

/* Member @key of object @o, or NULL. */
const struct json *json_get(const struct json *o, const char *key);
/* Its string, or @def. */
const char *json_str(const struct json *o, const char *key, const char *def);
/* Its number as uint64 (exact for integers), or @def. */
uint64_t json_u64(const struct json *o, const char *key, uint64_t def);
double json_num(const struct json *o, const char *key, double def);

/* Write @j back as JSON on one line (what json_parse() read, re-encoded). */
void json_write(FILE *f, const struct json *j);

#endif /* UIPC_BENCH_JSON_H */
