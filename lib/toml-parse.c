/* SPDX-License-Identifier: Apache-2.0 */
/*
 * toml-parse.c: the strict TOML 1.0 reader, toml_parse().
 *
 * The input is checked for valid UTF-8 (and lone carriage returns) in one
 * pass, then parsed by a recursive descent parser whose recursion is bounded
 * by MAXNEST. Each table carries flags telling how it came to be, which is
 * all the spec's rules about redefinition need.
 */
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "toml-int.h"

#if defined(__GNUC__)
#define PRINTFLIKE(f, a) __attribute__((format(printf, f, a)))
#else
#define PRINTFLIKE(f, a)
#endif

struct keys {
	char **v;
	size_t n, cap;
};

struct parser {
	const unsigned char *s, *end;
	size_t line;
	char *err;
	size_t errlen;
	struct toml *root, *cur;
	int base;		/* nesting of cur's entries once written */
	int depth;		/* tree depth of cur */
};

static int perr(struct parser *, const char *, ...) PRINTFLIKE(2, 3);
static int value(struct parser *, int, int, struct toml **);

static int
perr(struct parser *P, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (P->err == NULL || P->errlen == 0)
		return -1;
	n = snprintf(P->err, P->errlen, "line %zu: ", P->line);
	if (n > 0 && (size_t)n < P->errlen) {
		va_start(ap, fmt);
		vsnprintf(P->err + n, P->errlen - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return -1;
}

static int
nomem(struct parser *P)
{
	if (P->err != NULL && P->errlen > 0)
		snprintf(P->err, P->errlen, "out of memory");
	return -1;
}

static int
peek(const struct parser *P, size_t i)
{
	return (size_t)(P->end - P->s) > i ? P->s[i] : -1;
}

static void
keysfree(struct keys *k)
{
	size_t i;

	for (i = 0; i < k->n; i++)
		free(k->v[i]);
	free(k->v);
}

/* The first n parts of k joined by dots, for messages. */
static const char *
keyname(const struct keys *k, size_t n, char *buf, size_t sz)
{
	size_t i, o = 0;
	int r;

	buf[0] = '\0';
	for (i = 0; i < n && o < sz; i++) {
		r = snprintf(buf + o, sz - o, "%s%s", i ? "." : "", k->v[i]);
		if (r < 0)
			break;
		o += (size_t)r;
	}
	return buf;
}

/* The whole input is valid UTF-8 and has no carriage return alone. */
static int
checktext(struct parser *P)
{
	const unsigned char *s = P->s;
	size_t n;

	while (s < P->end) {
		if (*s == '\n')
			P->line++;
		if (*s == '\r' && (s + 1 == P->end || s[1] != '\n'))
			return perr(P, "lone carriage return");
		if ((n = u8len(s, P->end)) == 0)
			return perr(P, "invalid UTF-8");
		s += n;
	}
	P->line = 1;
	return 0;
}

static void
skipws(struct parser *P)
{
	while (P->s < P->end && (*P->s == ' ' || *P->s == '\t'))
		P->s++;
}

/* Consumes a newline if there is one. */
static int
newline(struct parser *P)
{
	if (peek(P, 0) == '\n') {
		P->s++;
	} else if (peek(P, 0) == '\r' && peek(P, 1) == '\n') {
		P->s += 2;
	} else
		return 0;
	P->line++;
	return 1;
}

/* Skips a comment, if any, up to the newline. */
static int
comment(struct parser *P)
{
	if (peek(P, 0) != '#')
		return 0;
	for (P->s++; P->s < P->end; P->s++) {
		if (*P->s == '\n' || (*P->s == '\r' && peek(P, 1) == '\n'))
			break;
		if (ctlchar(*P->s))
			return perr(P, "control character in comment");
	}
	return 0;
}

/* Skips whitespace, comments and newlines, as allowed inside arrays. */
static int
skipall(struct parser *P)
{
	do {
		skipws(P);
		if (comment(P) < 0)
			return -1;
	} while (newline(P));
	return 0;
}

/* The end of a line holding a key/value pair or a header. */
static int
endline(struct parser *P, const char *what)
{
	skipws(P);
	if (comment(P) < 0)
		return -1;
	if (P->s == P->end || newline(P))
		return 0;
	return perr(P, "unexpected text after %s", what);
}

static int
strdone(struct parser *P, struct buf *b, char **out)
{
	bputc(b, '\0');
	if (b->bad) {
		free(b->p);
		return nomem(P);
	}
	*out = b->p;
	return 0;
}

static int
strfail(struct parser *P, struct buf *b, const char *why)
{
	free(b->p);
	if (why != NULL)
		return perr(P, "%s", why);
	return -1;
}

/* An escape sequence at the backslash under the cursor. */
static int
escape(struct parser *P, struct buf *b)
{
	static const char from[] = "btnfr\"\\", to[] = "\b\t\n\f\r\"\\";
	const char *p;
	unsigned long cp = 0;
	int c = peek(P, 1), h, i, n;

	if (c > 0 && (p = strchr(from, c)) != NULL) {
		bputc(b, to[p - from]);
		P->s += 2;
		return 0;
	}
	if (c != 'u' && c != 'U') {
		if (c > 0x20 && c < 0x7f)
			return perr(P, "invalid escape sequence '\\%c'", c);
		return perr(P, "invalid escape sequence");
	}
	n = c == 'u' ? 4 : 8;
	for (i = 0; i < n; i++) {
		if ((h = hexval(peek(P, 2 + (size_t)i))) < 0)
			return perr(P, "invalid escape sequence '\\%c'", c);
		cp = cp << 4 | (unsigned long)h;
	}
	if (cp == 0)
		return perr(P, "\\u0000 is not allowed in strings");
	if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return perr(P, "escape is not a Unicode scalar value");
	putcp(b, cp);
	P->s += 2 + n;
	return 0;
}

/* A one-line string, basic (") or literal ('), at its opening quote. */
static int
linestr(struct parser *P, char **out)
{
	struct buf b = { 0 };
	int q = *P->s, c;

	for (P->s++;;) {
		c = peek(P, 0);
		if (c < 0 || c == '\n' || c == '\r')
			return strfail(P, &b, "unterminated string");
		if (c == q)
			break;
		if (c == '\\' && q == '"') {
			if (escape(P, &b) < 0)
				return strfail(P, &b, NULL);
			continue;
		}
		if (ctlchar(c))
			return strfail(P, &b, "control character in string");
		bputc(&b, c);
		P->s++;
	}
	P->s++;
	return strdone(P, &b, out);
}

/* A multi-line string, basic or literal, at its opening quotes. */
static int
mlstr(struct parser *P, char **out)
{
	struct buf b = { 0 };
	size_t start = P->line, i, n;
	int q = *P->s, c;

	P->s += 3;
	newline(P);
	for (;;) {
		if ((c = peek(P, 0)) < 0) {
			P->line = start;
			return strfail(P, &b, "unterminated string");
		}
		if (c == q) {
			for (n = 1; n < 5 && peek(P, n) == q; n++)
				;
			P->s += n;
			if (n >= 3) {
				bput(&b, q == '"' ? "\"\"" : "''", n - 3);
				break;
			}
			bput(&b, q == '"' ? "\"\"" : "''", n);
		} else if (newline(P)) {
			bputc(&b, '\n');
		} else if (c == '\\' && q == '"') {
			for (i = 1; (c = peek(P, i)) == ' ' || c == '\t'; i++)
				;
			if (c != '\n' && c != '\r') {
				if (escape(P, &b) < 0)
					return strfail(P, &b, NULL);
				continue;
			}
			P->s += i;	/* a line ending backslash */
			do
				skipws(P);
			while (newline(P));
		} else if (ctlchar(c)) {
			return strfail(P, &b, "control character in string");
		} else {
			bputc(&b, c);
			P->s++;
		}
	}
	return strdone(P, &b, out);
}

static int
string(struct parser *P, char **out)
{
	if (peek(P, 1) == *P->s && peek(P, 2) == *P->s)
		return mlstr(P, out);
	return linestr(P, out);
}

/* One part of a key. */
static int
simplekey(struct parser *P, char **out)
{
	const unsigned char *st = P->s;
	size_t n;

	if (peek(P, 0) == '"' || peek(P, 0) == '\'') {
		if (peek(P, 1) == *P->s && peek(P, 2) == *P->s)
			return perr(P, "multi-line string used as key");
		return linestr(P, out);
	}
	while (P->s < P->end && barechar(*P->s))
		P->s++;
	if ((n = (size_t)(P->s - st)) == 0)
		return perr(P, "expected key");
	if ((*out = malloc(n + 1)) == NULL)
		return nomem(P);
	memcpy(*out, st, n);
	(*out)[n] = '\0';
	return 0;
}

/* A dotted key, and the whitespace after it. */
static int
dottedkey(struct parser *P, struct keys *k)
{
	char **v, *s;
	size_t cap;

	for (;;) {
		skipws(P);
		if (simplekey(P, &s) < 0)
			return -1;
		if (k->n == k->cap) {
			cap = k->cap ? k->cap * 2 : 4;
			if ((v = realloc(k->v, cap * sizeof(*v))) == NULL) {
				free(s);
				return nomem(P);
			}
			k->v = v;
			k->cap = cap;
		}
		k->v[k->n++] = s;
		skipws(P);
		if (peek(P, 0) != '.')
			return 0;
		P->s++;
	}
}

/* 0 and *v for an integer, 1 if s is no integer, -1 on error. */
static int
integer(struct parser *P, const char *s, size_t n, long long *v)
{
	unsigned long long acc = 0, lim = LLONG_MAX;
	size_t i = 0, st;
	int base = 10, neg = 0;

	if (n > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'o' ||
	    s[1] == 'b')) {
		base = s[1] == 'x' ? 16 : s[1] == 'o' ? 8 : 2;
		i = 2;
		if (digits(s, n, &i, base) == 0 || i != n)
			return perr(P, "invalid number");
		i = 2;
	} else {
		if (n > 0 && (s[0] == '+' || s[0] == '-')) {
			neg = s[0] == '-';
			i++;
		}
		st = i;
		if (digits(s, n, &i, 10) == 0 || i != n)
			return 1;
		if (s[st] == '0' && n - st > 1)
			return perr(P, "leading zeros are not allowed");
		if (neg)
			lim++;
		i = st;
	}
	for (; i < n; i++) {
		if (s[i] == '_')
			continue;
		if (acc > (lim - (unsigned)hexval(s[i])) / (unsigned)base)
			return perr(P, "integer out of range");
		acc = acc * (unsigned)base + (unsigned)hexval(s[i]);
	}
	if (neg)
		*v = acc == lim ? LLONG_MIN : -(long long)acc;
	else
		*v = (long long)acc;
	return 0;
}

/* 1 if the token s starts like a date (YYYY-) or a time (HH:). */
static int
datelike(const char *s, size_t n)
{
	if (n >= 3 && num2(s) >= 0 && s[2] == ':')
		return 1;
	return n >= 5 && num2(s) >= 0 && num2(s + 2) >= 0 && s[4] == '-';
}

static int
tokchar(int c)
{
	return barechar(c) || c == '.' || c == ':' || c == '+';
}

/* A number, boolean or date-time. */
static int
scalar(struct parser *P, struct toml **out)
{
	const char *st = (const char *)P->s;
	struct toml *t;
	long long iv = 0;
	size_t n;
	int r;

	while (P->s < P->end && tokchar(*P->s))
		P->s++;
	n = (size_t)((const char *)P->s - st);
	if (n == 10 && datelike(st, n) && peek(P, 0) == ' ' &&
	    isdig(peek(P, 1)) && isdig(peek(P, 2)) && peek(P, 3) == ':') {
		for (P->s++; P->s < P->end && tokchar(*P->s); P->s++)
			;
		n = (size_t)((const char *)P->s - st);
	}
	if (n == 0)
		return perr(P, "expected value");
	if ((n == 4 && memcmp(st, "true", 4) == 0) ||
	    (n == 5 && memcmp(st, "false", 5) == 0)) {
		if ((*out = toml_new_bool(n == 4)) == NULL)
			return nomem(P);
		return 0;
	}
	if (datelike(st, n)) {
		if (!datechk(st, n))
			return perr(P, "invalid date-time");
		r = TOML_DATETIME;
	} else if ((r = integer(P, st, n, &iv)) < 0) {
		return -1;
	} else if (r == 0) {
		if ((*out = toml_new_int(iv)) == NULL)
			return nomem(P);
		return 0;
	} else if ((r = floatchk(st, n)) != 0) {
		if (r == 2)
			return perr(P, "leading zeros are not allowed");
		if (isdig((unsigned char)st[0]) || st[0] == '+' ||
		    st[0] == '-' || st[0] == '.')
			return perr(P, "invalid number");
		return perr(P, "invalid value");
	} else
		r = TOML_FLOAT;
	if ((t = toml_new((enum toml_type)r)) == NULL ||
	    (t->s = malloc(n + 1)) == NULL) {
		free(t);
		return nomem(P);
	}
	memcpy(t->s, st, n);
	t->s[n] = '\0';
	*out = t;
	return 0;
}

/*
 * key = value into table t, which lies d levels below the root; nest is
 * the nesting of arrays and inline tables around t.
 */
static int
keyval(struct parser *P, struct toml *t, int d, int nest)
{
	struct keys k = { 0 };
	struct toml *e, *v;
	size_t i;
	char name[128];

	if (dottedkey(P, &k) < 0)
		goto fail;
	if (peek(P, 0) != '=') {
		perr(P, "expected '=' after key");
		goto fail;
	}
	P->s++;
	skipws(P);
	if (k.n > (size_t)(MAXTREE - d)) {
		perr(P, "nesting too deep");
		goto fail;
	}
	for (i = 0; i + 1 < k.n; i++) {
		if ((e = toml_get(t, k.v[i])) == NULL) {
			if ((e = adopt(t, TOML_TABLE, &k.v[i])) == NULL) {
				nomem(P);
				goto fail;
			}
		} else if (e->type != TOML_TABLE) {
			perr(P, "key '%s' is not a table",
			    keyname(&k, i + 1, name, sizeof(name)));
			goto fail;
		} else if (e->flags & F_INLINE) {
			perr(P, "cannot extend inline table '%s'",
			    keyname(&k, i + 1, name, sizeof(name)));
			goto fail;
		} else if (e->flags & F_DEFINED) {
			perr(P, "cannot extend table '%s'",
			    keyname(&k, i + 1, name, sizeof(name)));
			goto fail;
		}
		e->flags = F_DOTTED;
		t = e;
	}
	if (toml_get(t, k.v[i]) != NULL) {
		perr(P, "duplicate key '%s'", keyname(&k, k.n, name,
		    sizeof(name)));
		goto fail;
	}
	if (value(P, d + (int)k.n, nest, &v) < 0)
		goto fail;
	v->key = k.v[i];
	k.v[i] = NULL;
	if (addkid(t, v) < 0) {
		toml_free(v);
		nomem(P);
		goto fail;
	}
	keysfree(&k);
	return 0;
fail:
	keysfree(&k);
	return -1;
}

static int
array(struct parser *P, int d, int nest, struct toml **out)
{
	struct toml *a, *v;
	const unsigned char *at;
	size_t line = P->line;
	int blank = 0;

	if (nest > MAXNEST)
		return perr(P, "nesting too deep");
	if ((a = toml_new(TOML_ARRAY)) == NULL)
		return nomem(P);
	for (P->s++;;) {
		at = P->s;
		if (skipall(P) < 0)
			goto fail;
		blank |= P->s != at;
		if (P->s == P->end) {
			perr(P, "unterminated array");
			goto fail;
		}
		if (*P->s == ']')
			break;
		if (value(P, d + 1, nest, &v) < 0)
			goto fail;
		if (addkid(a, v) < 0) {
			toml_free(v);
			nomem(P);
			goto fail;
		}
		at = P->s;
		if (skipall(P) < 0)
			goto fail;
		blank |= P->s != at;
		if (peek(P, 0) == ']')
			break;
		if (peek(P, 0) != ',') {
			perr(P, P->s == P->end ? "unterminated array" :
			    "expected ',' or ']' in array");
			goto fail;
		}
		P->s++;
	}
	P->s++;
	/* Its layout, for the writer: a long array written compactly must
	 * not grow by a line per item. */
	if (P->line == line)
		a->flags |= blank ? F_ONELINE : F_ONELINE | F_COMPACT;
	*out = a;
	return 0;
fail:
	toml_free(a);
	return -1;
}

static int
inltable(struct parser *P, int d, int nest, struct toml **out)
{
	struct toml *t;
	int c;

	if (nest > MAXNEST)
		return perr(P, "nesting too deep");
	if ((t = toml_new(TOML_TABLE)) == NULL)
		return nomem(P);
	t->flags = F_INLINE;
	P->s++;
	skipws(P);
	if (peek(P, 0) == '}')
		goto done;
	for (;;) {
		if ((c = peek(P, 0)) < 0 || c == '\n' || c == '\r')
			break;
		if (keyval(P, t, d, nest) < 0)
			goto fail;
		skipws(P);
		if ((c = peek(P, 0)) == '}')
			goto done;
		if (c != ',')
			break;
		P->s++;
		skipws(P);
		if (peek(P, 0) == '}') {
			perr(P, "trailing comma in inline table");
			goto fail;
		}
	}
	perr(P, c < 0 ? "unterminated inline table" :
	    c == '\n' || c == '\r' ? "newline in inline table" :
	    "expected ',' or '}' in inline table");
fail:
	toml_free(t);
	return -1;
done:
	P->s++;
	*out = t;
	return 0;
}

/* A value lying d levels below the root inside nest arrays/tables. */
static int
value(struct parser *P, int d, int nest, struct toml **out)
{
	struct toml *t;
	char *s;

	if (d > MAXTREE)
		return perr(P, "nesting too deep");
	switch (peek(P, 0)) {
	case '"':
	case '\'':
		if (string(P, &s) < 0)
			return -1;
		if ((t = toml_new(TOML_STRING)) == NULL) {
			free(s);
			return nomem(P);
		}
		t->s = s;
		*out = t;
		return 0;
	case '[':
		return array(P, d, nest + 1, out);
	case '{':
		return inltable(P, d, nest + 1, out);
	default:
		return scalar(P, out);
	}
}

/* A [table] or [[array of tables]] header. */
static int
header(struct parser *P)
{
	struct keys k = { 0 };
	struct toml *t = P->root, *e = NULL;
	size_t i;
	int aot, base = 0, d = 0;
	char name[128];

	P->s++;
	if ((aot = peek(P, 0) == '['))
		P->s++;
	if (dottedkey(P, &k) < 0)
		goto fail;
	if (peek(P, 0) != ']' || (aot && peek(P, 1) != ']')) {
		perr(P, aot ? "expected ']]' after table header" :
		    "expected ']' after table header");
		goto fail;
	}
	P->s += aot ? 2 : 1;
	for (i = 0; i < k.n; i++) {
		keyname(&k, i + 1, name, sizeof(name));
		if (++d > MAXTREE)
			goto deep;
		e = toml_get(t, k.v[i]);
		if (i + 1 == k.n)
			break;
		if (e == NULL) {
			if ((e = adopt(t, TOML_TABLE, &k.v[i])) == NULL)
				goto oom;
			e->flags = F_IMPLICIT;
		} else if (e->type == TOML_ARRAY && e->flags & F_AOT) {
			e = e->kid[e->nkid - 1];
			base += 2;
			d++;
		} else if (e->type != TOML_TABLE) {
			perr(P, "key '%s' is not a table", name);
			goto fail;
		} else if (e->flags & F_INLINE) {
			perr(P, "cannot extend inline table '%s'", name);
			goto fail;
		}
		t = e;
	}
	if (aot) {
		if (e == NULL) {
			if ((e = adopt(t, TOML_ARRAY, &k.v[i])) == NULL)
				goto oom;
			e->flags = F_AOT;
		} else if (e->type == TOML_ARRAY && !(e->flags & F_AOT)) {
			perr(P, "cannot append to static array '%s'", name);
			goto fail;
		} else if (e->type != TOML_ARRAY) {
			perr(P, "key '%s' is not an array of tables", name);
			goto fail;
		}
		if ((base += 2) > MAXNEST || ++d > MAXTREE)
			goto deep;
		if ((t = toml_new(TOML_TABLE)) == NULL)
			goto oom;
		t->flags = F_DEFINED;
		if (toml_push(e, t) < 0)
			goto oom;
		e = t;
	} else if (e == NULL) {
		if ((e = adopt(t, TOML_TABLE, &k.v[i])) == NULL)
			goto oom;
		e->flags = F_DEFINED;
	} else if (e->type == TOML_TABLE && e->flags == F_IMPLICIT) {
		e->flags = F_DEFINED;
	} else if (e->type == TOML_TABLE) {
		perr(P, "table '%s' defined twice", name);
		goto fail;
	} else if (e->type == TOML_ARRAY && e->flags & F_AOT) {
		perr(P, "table '%s' is an array of tables", name);
		goto fail;
	} else {
		perr(P, "duplicate key '%s'", name);
		goto fail;
	}
	P->cur = e;
	P->base = base;
	P->depth = d;
	keysfree(&k);
	return 0;
deep:
	perr(P, "nesting too deep");
	goto fail;
oom:
	nomem(P);
fail:
	keysfree(&k);
	return -1;
}

int
toml_parse(const char *buf, size_t len, struct toml **out, char *err,
    size_t errlen)
{
	struct parser P;

	*out = NULL;
	memset(&P, 0, sizeof(P));
	P.s = (const unsigned char *)buf;
	P.end = P.s + len;
	P.line = 1;
	P.err = err;
	P.errlen = errlen;
	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (len >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0)
		P.s += 3;
	if (checktext(&P) < 0)
		return -1;
	if ((P.root = toml_new(TOML_TABLE)) == NULL)
		return nomem(&P);
	P.cur = P.root;
	for (;;) {
		skipws(&P);
		if (P.s == P.end)
			break;
		if (*P.s == '[') {
			if (header(&P) < 0 || endline(&P, "table header") < 0)
				goto fail;
		} else if (*P.s == '#' || *P.s == '\n' || *P.s == '\r') {
			if (endline(&P, "comment") < 0)
				goto fail;
		} else if (keyval(&P, P.cur, P.depth, P.base) < 0 ||
		    endline(&P, "value") < 0)
			goto fail;
	}
	*out = P.root;
	return 0;
fail:
	toml_free(P.root);
	return -1;
}
