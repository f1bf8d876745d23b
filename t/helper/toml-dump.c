/* SPDX-License-Identifier: Apache-2.0 */
/*
 * toml-dump: test driver for the TOML module (lib/toml.h, lib/toml*.c).
 *
 *	toml-dump json <FILE		toml-test JSON form of the document
 *	toml-dump toml <FILE		the document as toml_dump() writes it
 *	toml-dump set PATH VALUE <FILE	store the string VALUE, then dump
 *	toml-dump unset PATH <FILE	remove PATH, then dump
 *
 * A parse error prints "error: line N: reason" on stderr and exits 1, and
 * so does a failing set.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "toml.h"

static void
usage(void)
{
	fputs("usage: toml-dump json|toml|set PATH VALUE|unset PATH <FILE\n",
	    stderr);
	exit(2);
}

static char *
slurp(size_t *len)
{
	char *buf = NULL, *p;
	size_t cap = 0, n = 0, r;

	for (;;) {
		if (n == cap) {
			cap = cap ? cap * 2 : 4096;
			if ((p = realloc(buf, cap)) == NULL) {
				fputs("toml-dump: out of memory\n", stderr);
				exit(2);
			}
			buf = p;
		}
		if ((r = fread(buf + n, 1, cap - n, stdin)) == 0)
			break;
		n += r;
	}
	if (ferror(stdin)) {
		perror("toml-dump: stdin");
		exit(2);
	}
	*len = n;
	return buf;
}

static void
jstr(const char *s)
{
	static const char from[] = "\"\\\b\f\n\r\t", to[] = "\"\\bfnrt";
	const unsigned char *p;
	const char *q;

	putchar('"');
	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		if ((q = strchr(from, *p)) != NULL)
			printf("\\%c", to[q - from]);
		else if (*p < 0x20)
			printf("\\u%04x", *p);
		else
			putchar(*p);
	}
	putchar('"');
}

/* The toml-test type of a date-time text. */
static const char *
datetype(const char *s)
{
	size_t n = strlen(s);

	if (n > 2 && s[2] == ':')
		return "time-local";
	if (n == 10)
		return "date-local";
	if (s[n - 1] == 'Z' || s[n - 1] == 'z' || s[n - 6] == '+' ||
	    s[n - 6] == '-')
		return "datetime";
	return "datetime-local";
}

static void
typed(const char *type, const char *val)
{
	printf("{\"type\": \"%s\", \"value\": ", type);
	jstr(val);
	putchar('}');
}

static int
bykey(const void *a, const void *b)
{
	const struct toml *const *x = a, *const *y = b;

	return strcmp((*x)->key, (*y)->key);
}

static void
json(const struct toml *t)
{
	const struct toml **v;
	char num[32], *s, *p;
	size_t i;

	switch (t->type) {
	case TOML_TABLE:
		if ((v = malloc((t->nkid + 1) * sizeof(*v))) == NULL) {
			fputs("toml-dump: out of memory\n", stderr);
			exit(2);
		}
		for (i = 0; i < t->nkid; i++)
			v[i] = t->kid[i];
		qsort(v, t->nkid, sizeof(*v), bykey);
		putchar('{');
		for (i = 0; i < t->nkid; i++) {
			fputs(i ? ", " : "", stdout);
			jstr(v[i]->key);
			fputs(": ", stdout);
			json(v[i]);
		}
		putchar('}');
		free(v);
		break;
	case TOML_ARRAY:
		putchar('[');
		for (i = 0; i < t->nkid; i++) {
			fputs(i ? ", " : "", stdout);
			json(t->kid[i]);
		}
		putchar(']');
		break;
	case TOML_STRING:
		typed("string", t->s);
		break;
	case TOML_INT:
		snprintf(num, sizeof(num), "%lld", t->i);
		typed("integer", num);
		break;
	case TOML_BOOL:
		typed("bool", t->i ? "true" : "false");
		break;
	case TOML_FLOAT:
	case TOML_DATETIME:
		if ((s = strdup(t->s)) == NULL) {
			fputs("toml-dump: out of memory\n", stderr);
			exit(2);
		}
		if (t->type == TOML_FLOAT) {
			for (p = s, i = 0; s[i] != '\0'; i++)
				if (s[i] != '_')
					*p++ = s[i];
			*p = '\0';
			typed("float", s);
		} else {
			if (strlen(s) > 10 && s[2] != ':')
				s[10] = 'T';
			if ((p = strchr(s, 'z')) != NULL)
				*p = 'Z';
			typed(datetype(s), s);
		}
		free(s);
		break;
	}
}

int
main(int argc, char *argv[])
{
	struct toml *root, *val;
	char err[256], *buf, *out;
	size_t len;

	if (argc < 2)
		usage();
	if (strcmp(argv[1], "json") == 0 || strcmp(argv[1], "toml") == 0) {
		if (argc != 2)
			usage();
	} else if (strcmp(argv[1], "set") == 0) {
		if (argc != 4)
			usage();
	} else if (strcmp(argv[1], "unset") == 0) {
		if (argc != 3)
			usage();
	} else
		usage();
	buf = slurp(&len);
	if (toml_parse(buf, len, &root, err, sizeof(err)) < 0) {
		fprintf(stderr, "error: %s\n", err);
		free(buf);
		return 1;
	}
	free(buf);
	if (strcmp(argv[1], "json") == 0) {
		json(root);
		putchar('\n');
		toml_free(root);
		return 0;
	}
	if (strcmp(argv[1], "set") == 0) {
		if ((val = toml_new_string(argv[3])) == NULL ||
		    toml_path_set(root, argv[2], val) < 0) {
			fprintf(stderr, "error: cannot set %s\n", argv[2]);
			toml_free(root);
			return 1;
		}
	} else if (strcmp(argv[1], "unset") == 0 &&
	    toml_path_unset(root, argv[2]) == 0) {
		fprintf(stderr, "toml-dump: %s not set\n", argv[2]);
	}
	if ((out = toml_dump(root, &len)) == NULL) {
		fputs("error: cannot write the document\n", stderr);
		toml_free(root);
		return 1;
	}
	fwrite(out, 1, len, stdout);
	free(out);
	toml_free(root);
	return 0;
}
