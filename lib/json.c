/* SPDX-License-Identifier: Apache-2.0 */
/*
 * --json: the run's one document, built with json-c and printed on stdout
 * when it closes, or by die(), which completes it with "error", the Error:
 * line, and "causes", outermost first. The static musl build has no json-c
 * (Debian's libjson-c.a is glibc's): there --json is refused.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tedge.h"

#ifdef TEDGE_NO_JSON_C

void
json_out_on(void)
{
	die("--json is not in this build: it needs json-c, which the static tedge leaves out");
}

int json_out_active(void) { return 0; }
void json_out_open(const char *k, int array) { (void)k, (void)array; }
void json_out_close(void) {}
void json_out_str(const char *k, const char *v) { (void)k, (void)v; }
void json_out_num(const char *k, long long v) { (void)k, (void)v; }
void json_out_bool(const char *k, int v) { (void)k, (void)v; }
void json_out_end(void) {}

#else

#include <json-c/json.h>

static struct json_object *open_[8];	/* the root, then each level open in it */
static int depth = -1;

/* s as valid UTF-8, for json-c writes bytes as they are: any byte that
 * begins no valid sequence becomes U+FFFD. */
static struct json_object *
new_string(const char *s)
{
	const unsigned char *p = (const unsigned char *)s, *q;
	struct json_object *o;
	size_t n, len = 0;
	char *u = xmalloc(3 * strlen(s) + 1);

	while (*p) {
		q = p;
		if (utf8_next(&p) < 0)	/* the byte becomes U+FFFD */
			q = (const unsigned char *)"\xef\xbf\xbd", n = 3, p++;
		else
			n = (size_t)(p - q);
		memcpy(u + len, q, n);
		len += n;
	}
	o = json_object_new_string_len(u, (int)len);
	free(u);
	if (!o)
		die("out of memory");
	return o;
}

/* v into the innermost level: as member k of an object, or (k NULL in an
 * array) as its next element. */
static void
add(const char *k, struct json_object *v)
{
	struct json_object *in = open_[depth];

	if (json_object_is_type(in, json_type_array) ? json_object_array_add(in, v) :
	    json_object_object_add(in, k, v))
		die("out of memory");
}

int
json_out_active(void)
{
	return depth >= 0;
}

void
json_out_open(const char *k, int array)
{
	struct json_object *o;

	if (depth < 0 || depth + 1 >= (int)(sizeof(open_) / sizeof(*open_)))
		return;
	if (!(o = array ? json_object_new_array() : json_object_new_object()))
		die("out of memory");
	add(k, o);
	open_[++depth] = o;
}

void
json_out_close(void)
{
	if (depth < 0)
		return;
	if (depth-- > 0)
		return;
	/* printf, not puts: lib imports printf anyway */
	printf("%s\n", json_object_to_json_string_ext(open_[0],
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	fflush(stdout);
	json_object_put(open_[0]);
}

void
json_out_str(const char *k, const char *v)
{
	if (depth >= 0)
		add(k, v ? new_string(v) : NULL);
}

void
json_out_num(const char *k, long long v)
{
	if (depth >= 0)
		add(k, json_object_new_int64(v));
}

void
json_out_bool(const char *k, int v)
{
	if (depth >= 0)
		add(k, json_object_new_boolean(v));
}

/* die() with --json: what is open closed, the error in the document. */
static void
on_die(const char *msg)
{
	size_t i;

	err_die_hook = NULL;	/* running out of memory in here: just die */
	if (depth < 0)
		return;
	depth = 0;
	json_out_str("error", msg);
	json_out_open("causes", 1);
	for (i = 0; err_cause(i); i++)
		json_out_str(NULL, err_cause(i));
	json_out_end();
}

void
json_out_on(void)
{
	if (!(open_[0] = json_object_new_object()))
		die("out of memory");
	depth = 0;
	err_die_hook = on_die;
}

void
json_out_end(void)
{
	while (depth >= 0)
		json_out_close();
}

#endif
