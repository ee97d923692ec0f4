/* SPDX-License-Identifier: MIT */
/* Recursive-descent JSON reader; depth-limited, never reads past the end. */
#include <stdlib.h>
#include <string.h>

#include "json.h"

#define MAX_DEPTH 32

struct parser {
	const char *s, *p;
	int depth;
};

static void skip_ws(struct parser *ps)
{
	while (*ps->p == ' ' || *ps->p == '\n' || *ps->p == '\r' || *ps->p == '\t')
		ps->p++;
}

static char *parse_string(struct parser *ps)
{
	size_t cap = 16, n = 0;
	char *out = malloc(cap);

	if (!out || *ps->p != '"')
		goto fail;
	ps->p++;
	while (*ps->p && *ps->p != '"') {
		char c = *ps->p++;

		if (c == '\\') {
			c = *ps->p++;
			switch (c) {
			case 'n':
				c = '\n';
				break;
			case 't':
				c = '\t';
				break;
			case 'r':
				c = '\r';
				break;
			case 'b':
				c = '\b';
				break;
			case 'f':
				c = '\f';
				break;
			case 'u': {
				unsigned v = 0;
				int i;

				for (i = 0; i < 4; i++) {
					char h = *ps->p;

					if (!h)
						goto fail;
					ps->p++;
					v = v * 16 + (unsigned)(h <= '9' ? h - '0' : (h | 32) - 'a' + 10);
				}
				c = v < 0x80 ? (char)v : '?';
				break;
			}
			case '\0':
				goto fail;
			default:
				break; /* \" \\ \/ */
			}
		}
		if (n + 2 > cap) {
			char *t = realloc(out, cap *= 2);

			if (!t)
				goto fail;
			out = t;
		}
		out[n++] = c;
	}
	if (*ps->p != '"')
		goto fail;
	ps->p++;
	out[n] = '\0';
	return out;
fail:
	free(out);
	return NULL;
}

static struct json *parse_value(struct parser *ps);

static int parse_members(struct parser *ps, struct json *j, int obj)
{
	struct json **tail = &j->child;
	char close = obj ? '}' : ']';

	ps->p++;
	skip_ws(ps);
	if (*ps->p == close) {
		ps->p++;
		return 0;
	}
	for (;;) {
		char *key = NULL;
		struct json *v;

		skip_ws(ps);
		if (obj) {
			key = parse_string(ps);
			if (!key)
				return -1;
			skip_ws(ps);
			if (*ps->p != ':') {
				free(key);
				return -1;
			}
			ps->p++;
		}
		v = parse_value(ps);
		if (!v) {
			free(key);
			return -1;
		}
		v->key = key;
		*tail = v;
		tail = &v->next;
		skip_ws(ps);
		if (*ps->p == ',') {
			ps->p++;
			continue;
		}
		if (*ps->p == close) {
			ps->p++;
			return 0;
		}
		return -1;
	}
}

static struct json *parse_value(struct parser *ps)
{
	struct json *j;

	if (++ps->depth > MAX_DEPTH)
		return NULL;
	skip_ws(ps);
	j = calloc(1, sizeof(*j));
	if (!j)
		return NULL;
	if (*ps->p == '{' || *ps->p == '[') {
		j->type = *ps->p == '{' ? JSON_OBJ : JSON_ARR;
		if (parse_members(ps, j, j->type == JSON_OBJ))
			goto fail;
	} else if (*ps->p == '"') {
		j->type = JSON_STR;
		j->str = parse_string(ps);
		if (!j->str)
			goto fail;
	} else if (!strncmp(ps->p, "true", 4) || !strncmp(ps->p, "false", 5)) {
		j->type = JSON_BOOL;
		j->boolean = *ps->p == 't';
		ps->p += j->boolean ? 4 : 5;
	} else if (!strncmp(ps->p, "null", 4)) {
		ps->p += 4;
	} else {
		char *end;
		const char *start = ps->p;

		j->type = JSON_NUM;
		j->num = strtod(start, &end);
		if (end == start)
			goto fail;
		if (*start != '-' && strspn(start, "0123456789") == (size_t)(end - start))
			j->u64 = strtoull(start, NULL, 10);
		else
			j->u64 = j->num > 0 ? (uint64_t)j->num : 0;
		ps->p = end;
	}
	ps->depth--;
	return j;
fail:
	json_free(j);
	return NULL;
}

struct json *json_parse(const char *text, size_t *err)
{
	struct parser ps = { .s = text, .p = text };
	struct json *j = parse_value(&ps);

	if (j) {
		skip_ws(&ps);
		if (!*ps.p)
			return j;
		json_free(j);
	}
	if (err)
		*err = (size_t)(ps.p - ps.s);
	return NULL;
}

void json_free(struct json *j)
{
	while (j) {
		struct json *next = j->next;

		json_free(j->child);
		free(j->key);
		free(j->str);
		free(j);
		j = next;
	}
}

const struct json *json_get(const struct json *o, const char *key)
{
	const struct json *c;

	if (!o || o->type != JSON_OBJ)
		return NULL;
	for (c = o->child; c; c = c->next)
		if (c->key && !strcmp(c->key, key))
			return c;
	return NULL;
}

const char *json_str(const struct json *o, const char *key, const char *def)
{
	const struct json *v = json_get(o, key);

	return v && v->type == JSON_STR ? v->str : def;
}

uint64_t json_u64(const struct json *o, const char *key, uint64_t def)
{
	const struct json *v = json_get(o, key);

	return v && v->type == JSON_NUM ? v->u64 : def;
}

double json_num(const struct json *o, const char *key, double def)
{
	const struct json *v = json_get(o, key);

	return v && v->type == JSON_NUM ? v->num : def;
}

static void write_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

void json_write(FILE *f, const struct json *j)
{
	const struct json *c;

	switch (j->type) {
	case JSON_NULL:
		fputs("null", f);
		break;
	case JSON_BOOL:
		fputs(j->boolean ? "true" : "false", f);
		break;
	case JSON_NUM:
		if (j->num >= 0 && (double)j->u64 == j->num)
			fprintf(f, "%llu", (unsigned long long)j->u64);
		else
			fprintf(f, "%.17g", j->num);
		break;
	case JSON_STR:
		write_str(f, j->str ? j->str : "");
		break;
	case JSON_ARR:
	case JSON_OBJ:
		fputc(j->type == JSON_OBJ ? '{' : '[', f);
		for (c = j->child; c; c = c->next) {
			if (j->type == JSON_OBJ) {
				write_str(f, c->key ? c->key : "");
				fputs(": ", f);
			}
			json_write(f, c);
			if (c->next)
				fputs(", ", f);
		}
		fputc(j->type == JSON_OBJ ? '}' : ']', f);
		break;
	}
}
