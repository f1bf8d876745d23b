/* SPDX-License-Identifier: Apache-2.0 */
/*
 * toml.c: the tree of a TOML document: its nodes, finding and changing an
 * entry by key or dotted path, and comparing two trees. toml-parse.c reads
 * text into a tree, toml-write.c writes a tree as text.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "toml-int.h"

/* The n bytes at s, NUL-terminated, malloc'd; NULL when out of memory.
 * strndup's work, here: nothing else in libtedge imports strndup. */
static char *
dupn(const char *s, size_t n)
{
	char *p;

	if ((p = malloc(n + 1)) != NULL) {
		memcpy(p, s, n);
		p[n] = '\0';
	}
	return p;
}

/* Nodes. */

struct toml *
toml_new(enum toml_type type)
{
	struct toml *t;

	if ((t = calloc(1, sizeof(*t))) == NULL)
		return NULL;
	t->type = type;
	return t;
}

struct toml *
toml_new_string(const char *s)
{
	struct toml *t;

	if ((t = toml_new(TOML_STRING)) == NULL)
		return NULL;
	if ((t->s = dupn(s, strlen(s))) == NULL) {
		free(t);
		return NULL;
	}
	return t;
}

struct toml *
toml_new_int(long long i)
{
	struct toml *t;

	if ((t = toml_new(TOML_INT)) != NULL)
		t->i = i;
	return t;
}

struct toml *
toml_new_bool(int b)
{
	struct toml *t;

	if ((t = toml_new(TOML_BOOL)) != NULL)
		t->i = b != 0;
	return t;
}

void
toml_free(struct toml *t)
{
	size_t i;

	if (t == NULL)
		return;
	for (i = 0; i < t->nkid; i++)
		toml_free(t->kid[i]);
	free(t->kid);
	free(t->key);
	free(t->s);
	free(t);
}

int
addkid(struct toml *t, struct toml *k)
{
	struct toml **v;
	size_t cap;

	if (t->nkid == t->capkid) {
		cap = t->capkid ? t->capkid * 2 : 4;
		if (cap > SIZE_MAX / sizeof(*v) ||
		    (v = realloc(t->kid, cap * sizeof(*v))) == NULL)
			return -1;
		t->kid = v;
		t->capkid = cap;
	}
	t->kid[t->nkid++] = k;
	return 0;
}

int
toml_push(struct toml *array, struct toml *item)
{
	if (item == NULL)
		return -1;
	if (array == NULL || array->type != TOML_ARRAY ||
	    addkid(array, item) < 0) {
		toml_free(item);
		return -1;
	}
	return 0;
}

/* Index of the entry named by the n bytes at key, or -1. */
static long
findkey(const struct toml *t, const char *key, size_t n)
{
	size_t i;

	if (t == NULL || t->type != TOML_TABLE)
		return -1;
	for (i = 0; i < t->nkid; i++)
		if (t->kid[i]->key != NULL &&
		    strncmp(t->kid[i]->key, key, n) == 0 &&
		    t->kid[i]->key[n] == '\0')
			return (long)i;
	return -1;
}

struct toml *
toml_get(const struct toml *table, const char *key)
{
	long i;

	if (key == NULL || (i = findkey(table, key, strlen(key))) < 0)
		return NULL;
	return table->kid[i];
}

/* A new node of the given type added to t under key, which it takes. */
struct toml *
adopt(struct toml *t, enum toml_type type, char **key)
{
	struct toml *k;

	if ((k = toml_new(type)) == NULL)
		return NULL;
	k->key = *key;
	*key = NULL;
	if (addkid(t, k) < 0) {
		toml_free(k);
		return NULL;
	}
	return k;
}

/* Comparison. */

int
toml_equal(const struct toml *a, const struct toml *b)
{
	size_t i;

	if (a == NULL || b == NULL)
		return a == b;
	if (a->type != b->type || a->nkid != b->nkid)
		return 0;
	switch (a->type) {
	case TOML_TABLE:
		for (i = 0; i < a->nkid; i++)
			if (!toml_equal(a->kid[i], toml_get(b, a->kid[i]->key)))
				return 0;
		return 1;
	case TOML_ARRAY:
		for (i = 0; i < a->nkid; i++)
			if (!toml_equal(a->kid[i], b->kid[i]))
				return 0;
		return 1;
	case TOML_STRING:
		return strcmp(a->s != NULL ? a->s : "",
		    b->s != NULL ? b->s : "") == 0;
	case TOML_INT:
		return a->i == b->i;
	case TOML_BOOL:
		return !a->i == !b->i;
	default:
		if (a->s == NULL || b->s == NULL)
			return a->s == b->s;
		return strcmp(a->s, b->s) == 0;
	}
}

/* Paths. */

/* The length of the first part of path. */
static size_t
partlen(const char *path)
{
	const char *dot = strchr(path, '.');

	return dot != NULL ? (size_t)(dot - path) : strlen(path);
}

struct toml *
toml_path_get(const struct toml *root, const char *path)
{
	struct toml *t;
	size_t n;
	long i;

	for (;;) {
		n = partlen(path);
		if ((i = findkey(root, path, n)) < 0)
			return NULL;
		t = root->kid[i];
		if (path[n] == '\0')
			return t;
		root = t;
		path += n + 1;
	}
}

int
toml_path_set(struct toml *root, const char *path, struct toml *val)
{
	struct toml *t = root;
	char *k = NULL;
	size_t n;
	long i;

	if (val == NULL)
		return -1;
	if (t == NULL || t->type != TOML_TABLE)
		goto fail;
	for (;;) {
		n = partlen(path);
		i = findkey(t, path, n);
		if ((k = dupn(path, n)) == NULL)
			goto fail;
		if (path[n] == '\0')
			break;
		if (i >= 0) {
			t = t->kid[i];
			free(k);
			if (t->type != TOML_TABLE)
				goto fail;
		} else if ((t = adopt(t, TOML_TABLE, &k)) == NULL) {
			free(k);
			goto fail;
		}
		path += n + 1;
	}
	free(val->key);
	val->key = k;
	if (i >= 0) {
		toml_free(t->kid[i]);
		t->kid[i] = val;
	} else if (addkid(t, val) < 0)
		goto fail;
	return 0;
fail:
	toml_free(val);
	return -1;
}

int
toml_path_unset(struct toml *root, const char *path)
{
	struct toml *t, *e;
	const char *p;
	size_t nparts = 1, j, k, n;
	long i;

	for (p = path; *p != '\0'; p++)
		if (*p == '.')
			nparts++;
	for (k = nparts; k > 0; k--) {
		t = root;
		p = path;
		for (j = 0;; j++) {
			n = partlen(p);
			if ((i = findkey(t, p, n)) < 0)
				return 0;
			if (j + 1 == k)
				break;
			t = t->kid[i];
			p += n + 1;
		}
		e = t->kid[i];
		if (k < nparts && (e->type != TOML_TABLE || e->nkid > 0))
			break;
		toml_free(e);
		t->nkid--;
		memmove(&t->kid[i], &t->kid[i + 1],
		    (t->nkid - (size_t)i) * sizeof(*t->kid));
	}
	return 1;
}
