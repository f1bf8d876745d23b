/* SPDX-License-Identifier: Apache-2.0 */
/*
 * toml.h: a strict TOML 1.0 reader and a deterministic writer.
 *
 * The parser builds a tree of struct toml nodes. Every table keeps its
 * entries in document order, and values the toolkit does not interpret
 * (floats, date-times) keep their source text, so a document can be read,
 * changed and written back without losing what we do not understand.
 *
 * This module is self-contained: it uses malloc and never prints, never
 * exits. Failures are returned as -1/NULL; parse errors are described in
 * a caller-supplied buffer as "line N: reason".
 */
#ifndef TEDGE_TOML_H
#define TEDGE_TOML_H

#include <stddef.h>

enum toml_type {
	TOML_TABLE = 1,
	TOML_ARRAY,
	TOML_STRING,
	TOML_INT,
	TOML_BOOL,
	TOML_FLOAT,	/* s holds the source text, e.g. "6.02e23", "inf" */
	TOML_DATETIME	/* s holds the source text, e.g. "1979-05-27T07:32:00Z" */
};

struct toml {
	enum toml_type type;
	unsigned flags;		/* parser bookkeeping: how a table was defined */
	char *key;		/* key in the parent table; NULL for root and array items */
	char *s;		/* STRING (never contains NUL), FLOAT, DATETIME */
	long long i;		/* INT value; BOOL: 0 or 1 */
	struct toml **kid;	/* TABLE entries (each has key) or ARRAY items */
	size_t nkid, capkid;
};

/*
 * Parses len bytes of buf (need not be NUL-terminated). On success stores a
 * new root table in *out (caller frees with toml_free) and returns 0. On
 * failure returns -1 and writes "line N: reason" into err (NUL-terminated,
 * truncated to errlen; "out of memory" has no line). Input must be valid
 * UTF-8. Arrays and inline tables nest at most 64 deep, tables 256.
 */
int toml_parse(const char *buf, size_t len, struct toml **out, char *err,
    size_t errlen);

/* Frees t and everything below it; NULL is fine. */
void toml_free(struct toml *t);

/* A new empty node of the given type, or NULL on OOM. A STRING made this
 * way has s NULL, which the writer and toml_equal take for "". */
struct toml *toml_new(enum toml_type type);
/* A new STRING node holding a copy of s, or NULL on OOM. */
struct toml *toml_new_string(const char *s);
struct toml *toml_new_int(long long i);
struct toml *toml_new_bool(int b);

/* The direct entry `key` of a table, or NULL. */
struct toml *toml_get(const struct toml *table, const char *key);

/*
 * Follows a dotted path of bare keys ("c8y.smartrest.templates") from a
 * table. Returns NULL when any step is missing or is not a table.
 */
struct toml *toml_path_get(const struct toml *root, const char *path);

/*
 * Stores val at the dotted path, creating the intermediate tables and
 * replacing whatever was there. Takes ownership of val (freed on failure).
 * Returns 0, or -1 when an intermediate step exists but is not a table, or
 * on OOM.
 */
int toml_path_set(struct toml *root, const char *path, struct toml *val);

/*
 * Removes the value at the dotted path, then removes each table on the way
 * that this left empty. Returns 1 if something was removed, 0 if nothing was
 * there.
 */
int toml_path_unset(struct toml *root, const char *path);

/* Appends item to an array (takes ownership). 0, or -1 on OOM (item freed). */
int toml_push(struct toml *array, struct toml *item);

/*
 * Serialises a root table as TOML text: the root's plain keys first, then
 * each table as a [header] section in document order, plain keys before
 * sub-tables; non-empty arrays one item per line, but for those the parser
 * read on one line, which are written back on one line (with no blank
 * when they had none), so that the text does not grow. Returns a malloc'd
 * NUL-terminated string (caller frees) and its length in *len, or NULL on
 * OOM, or when the tree cannot be written so that it reads back (invalid
 * UTF-8 in a string or key, FLOAT/DATETIME text that is not TOML, nesting
 * past the parser's limits, a table entry without key). Otherwise
 * toml_parse(toml_dump(t)) always yields a tree equal to t.
 */
char *toml_dump(const struct toml *root, size_t *len);

/* 1 if two trees hold the same data (types, keys, values, order ignored for
 * tables), else 0. */
int toml_equal(const struct toml *a, const struct toml *b);

#endif
