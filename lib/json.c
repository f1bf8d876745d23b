/* SPDX-License-Identifier: Apache-2.0 */
/*
 * --json: the run's one document on stdout, written as the command goes
 * (libc only, so the static tedge has it too), and completed by die():
 * "error", the Error: line, and "causes", outermost first.
 */
#include <stdio.h>

#include "tedge.h"

static char open_[8];	/* '}' or ']' for each level still open */
static int depth = -1, items;	/* items: what the innermost level holds */

static void
put_str(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n, i;

	putchar('"');
	for (; *p; p += n) {
		/* a valid UTF-8 sequence as it is; any other byte U+FFFD */
		n = *p < 0x80 ? 1 : (*p & 0xe0) == 0xc0 && *p >= 0xc2 ? 2 :
		    (*p & 0xf0) == 0xe0 ? 3 : (*p & 0xf8) == 0xf0 && *p <= 0xf4 ? 4 : 0;
		for (i = 1; i < n; i++)
			if ((p[i] & 0xc0) != 0x80)
				n = 0;
		if (n == 3 && ((*p == 0xe0 && p[1] < 0xa0) || (*p == 0xed && p[1] >= 0xa0)))
			n = 0;
		if (n == 4 && ((*p == 0xf0 && p[1] < 0x90) || (*p == 0xf4 && p[1] >= 0x90)))
			n = 0;
		if (!n) {
			fputs("\\ufffd", stdout);
			n = 1;
		} else if (*p == '"' || *p == '\\') {
			printf("\\%c", *p);
		} else if (*p == '\n') {
			fputs("\\n", stdout);
		} else if (*p < 0x20 || *p == 0x7f) {
			printf("\\u%04x", *p);
		} else {
			fwrite(p, 1, n, stdout);
		}
	}
	putchar('"');
}

/* The separator, and the key when the level is an object's. */
static void
key(const char *k)
{
	if (items++)
		putchar(',');
	if (k && open_[depth] == '}') {
		put_str(k);
		putchar(':');
	}
}

int
json_out_active(void)
{
	return depth >= 0;
}

static void
open_level(int array)
{
	open_[++depth] = array ? ']' : '}';
	putchar(array ? '[' : '{');
	items = 0;
}

void
json_out_open(const char *k, int array)
{
	if (depth < 0 || depth + 1 >= (int)sizeof(open_))
		return;
	key(k);
	open_level(array);
}

void
json_out_close(void)
{
	if (depth < 0)
		return;
	putchar(open_[depth--]);
	items = 1;
	if (depth < 0) {
		putchar('\n');
		fflush(stdout);
	}
}

void
json_out_str(const char *k, const char *v)
{
	if (depth < 0)
		return;
	key(k);
	if (v)
		put_str(v);
	else
		fputs("null", stdout);
}

void
json_out_num(const char *k, long long v)
{
	if (depth < 0)
		return;
	key(k);
	printf("%lld", v);
}

void
json_out_bool(const char *k, int v)
{
	if (depth < 0)
		return;
	key(k);
	fputs(v ? "true" : "false", stdout);
}

/* die() with --json: what is open closed, the error in the document. */
static void
on_die(const char *msg)
{
	size_t i;

	while (depth > 0)
		json_out_close();
	if (depth < 0)
		return;
	json_out_str("error", msg);
	json_out_open("causes", 1);
	for (i = 0; err_cause(i); i++)
		json_out_str(NULL, err_cause(i));
	json_out_close();
	json_out_close();
}

void
json_out_on(void)
{
	open_level(0);
	err_die_hook = on_die;
}

void
json_out_end(void)
{
	while (depth >= 0)
		json_out_close();
}
