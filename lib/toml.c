/* SPDX-License-Identifier: Apache-2.0 */
/*
 * toml.c: a strict TOML 1.0 reader and a deterministic writer.
 *
 * The input is checked for valid UTF-8 (and lone carriage returns) in one
 * pass, then parsed by a recursive descent parser whose recursion is bounded
 * by MAXNEST. Each table carries flags telling how it came to be, which is
 * all the spec's rules about redefinition need.
 *
 * Two limits keep the tree and the writer's output well behaved: arrays and
 * inline tables nest at most MAXNEST deep, counted as the writer will nest
 * them (an element of an array of tables counts two: the array and the
 * table), and no node lies more than MAXTREE levels below the root.
 */
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "toml.h"

#define MAXNEST		64	/* nested arrays and inline tables */
#define MAXTREE		256	/* levels below the root */

#define F_IMPLICIT	0x01	/* table made by a prefix of a [header] */
#define F_DEFINED	0x02	/* table defined by a [header] or [[header]] */
#define F_DOTTED	0x04	/* table made by a dotted key */
#define F_INLINE	0x08	/* inline table: closed for good */
#define F_AOT		0x10	/* array made by [[header]] */
#define F_ONELINE	0x20	/* array written on one line: written back so */
#define F_COMPACT	0x40	/* ... and without a blank: "[1,2]" */

#if defined(__GNUC__)
#define PRINTFLIKE(f, a) __attribute__((format(printf, f, a)))
#else
#define PRINTFLIKE(f, a)
#endif

struct buf {
	char *p;
	size_t n, cap;
	int bad;
};

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

/* Growable byte buffer; a failed allocation sticks in bad. */

static int
bgrow(struct buf *b, size_t need)
{
	size_t cap;
	char *p;

	if (b->bad)
		return -1;
	if (b->cap - b->n >= need)
		return 0;
	cap = b->cap ? b->cap : 64;
	while (cap - b->n < need) {
		if (cap > SIZE_MAX / 2) {
			b->bad = 1;
			return -1;
		}
		cap *= 2;
	}
	if ((p = realloc(b->p, cap)) == NULL) {
		b->bad = 1;
		return -1;
	}
	b->p = p;
	b->cap = cap;
	return 0;
}

static void
bput(struct buf *b, const char *s, size_t n)
{
	if (n == 0 || bgrow(b, n) < 0)
		return;
	memcpy(b->p + b->n, s, n);
	b->n += n;
}

static void
bputc(struct buf *b, int c)
{
	char ch = (char)c;

	bput(b, &ch, 1);
}

static void
bputs(struct buf *b, const char *s)
{
	bput(b, s, strlen(s));
}

/* Character classes. */

static int
isdig(int c)
{
	return c >= '0' && c <= '9';
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int
basedig(int c, int base)
{
	int v = hexval(c);

	return v >= 0 && v < base;
}

static int
barechar(int c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    isdig(c) || c == '_' || c == '-';
}

static int
ctlchar(int c)
{
	return (c < 0x20 && c != '\t') || c == 0x7f;
}

/* Length of the valid UTF-8 sequence at s (s < e), or 0. */
static size_t
u8len(const unsigned char *s, const unsigned char *e)
{
	unsigned long cp, min;
	size_t i, n;

	if (*s < 0x80)
		return 1;
	if (*s >= 0xc2 && *s <= 0xdf) {
		n = 1;
		cp = *s & 0x1f;
		min = 0x80;
	} else if ((*s & 0xf0) == 0xe0) {
		n = 2;
		cp = *s & 0x0f;
		min = 0x800;
	} else if (*s >= 0xf0 && *s <= 0xf4) {
		n = 3;
		cp = *s & 0x07;
		min = 0x10000;
	} else
		return 0;
	if ((size_t)(e - s) <= n)
		return 0;
	for (i = 1; i <= n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n + 1;
}

static void
putcp(struct buf *b, unsigned long cp)
{
	static const unsigned char lead[] = { 0, 0, 0xc0, 0xe0, 0xf0 };
	char u[4];
	int i, n;

	n = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
	for (i = n - 1; i > 0; i--, cp >>= 6)
		u[i] = (char)(0x80 | (cp & 0x3f));
	u[0] = (char)(lead[n] | cp);
	bput(b, u, (size_t)n);
}

/*
 * Consumes DIGIT *( DIGIT / "_" DIGIT ) in the given base at s[*ip].
 * Returns the number of digits, 0 if there is none.
 */
static size_t
digits(const char *s, size_t n, size_t *ip, int base)
{
	size_t i = *ip, nd = 0;

	while (i < n) {
		if (basedig((unsigned char)s[i], base))
			i++;
		else if (nd > 0 && s[i] == '_' && i + 1 < n &&
		    basedig((unsigned char)s[i + 1], base))
			i += 2;
		else
			break;
		nd++;
	}
	*ip = i;
	return nd;
}

/*
 * Validates a float: 0 if fine, 1 if invalid, 2 if the integer part has
 * a leading zero.
 */
static int
floatchk(const char *s, size_t n)
{
	size_t i = 0, st;

	if (n > 0 && (s[0] == '+' || s[0] == '-'))
		i++;
	if (n - i == 3 && (memcmp(s + i, "inf", 3) == 0 ||
	    memcmp(s + i, "nan", 3) == 0))
		return 0;
	st = i;
	if (digits(s, n, &i, 10) == 0)
		return 1;
	if (s[st] == '0' && i - st > 1)
		return 2;
	if (i == n)
		return 1;
	if (s[i] == '.') {
		i++;
		if (digits(s, n, &i, 10) == 0)
			return 1;
	}
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < n && (s[i] == '+' || s[i] == '-'))
			i++;
		if (digits(s, n, &i, 10) == 0)
			return 1;
	}
	return i != n;
}

/* Two decimal digits at s as a number, or -1. */
static int
num2(const char *s)
{
	if (!isdig((unsigned char)s[0]) || !isdig((unsigned char)s[1]))
		return -1;
	return (s[0] - '0') * 10 + (s[1] - '0');
}

/* HH:MM:SS[.frac] at s[*ip]; 1 if valid. */
static int
timechk(const char *s, size_t n, size_t *ip)
{
	size_t i = *ip;
	int h, m, sec;

	if (n - i < 8 || s[i + 2] != ':' || s[i + 5] != ':')
		return 0;
	h = num2(s + i);
	m = num2(s + i + 3);
	sec = num2(s + i + 6);
	if (h < 0 || h > 23 || m < 0 || m > 59 || sec < 0 || sec > 60)
		return 0;
	i += 8;
	if (i < n && s[i] == '.') {
		if (++i == n || !isdig((unsigned char)s[i]))
			return 0;
		while (i < n && isdig((unsigned char)s[i]))
			i++;
	}
	*ip = i;
	return 1;
}

/* 1 if s is a valid date-time, local date-time, local date or local time. */
static int
datechk(const char *s, size_t n)
{
	static const int mdays[] = {
		31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31
	};
	size_t i = 0;
	int y, m, d, h, leap;

	if (n >= 3 && s[2] == ':')
		return timechk(s, n, &i) && i == n;
	if (n < 10 || s[4] != '-' || s[7] != '-' || num2(s) < 0 ||
	    num2(s + 2) < 0)
		return 0;
	y = num2(s) * 100 + num2(s + 2);
	m = num2(s + 5);
	d = num2(s + 8);
	if (m < 1 || m > 12 || d < 1 || d > mdays[m - 1])
		return 0;
	leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	if (m == 2 && d == 29 && !leap)
		return 0;
	if (n == 10)
		return 1;
	if (s[10] != 'T' && s[10] != 't' && s[10] != ' ')
		return 0;
	i = 11;
	if (!timechk(s, n, &i))
		return 0;
	if (i == n)
		return 1;
	if (s[i] == 'Z' || s[i] == 'z')
		return i + 1 == n;
	if ((s[i] != '+' && s[i] != '-') || n - i != 6 || s[i + 3] != ':')
		return 0;
	h = num2(s + i + 1);
	m = num2(s + i + 4);
	return h >= 0 && h <= 23 && m >= 0 && m <= 59;
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
	if ((t->s = strdup(s)) == NULL) {
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

static int
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
static struct toml *
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

/* Parser. */

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

/* Writer. */

struct writer {
	struct buf b;
	const char *path[MAXTREE + 1];	/* keys of the open tables */
	size_t npath;
	int bad;			/* the tree cannot be written */
};

static void
wstr(struct writer *W, const char *s)
{
	static const char from[] = "\b\t\n\f\r", to[] = "btnfr";
	const unsigned char *p = (const unsigned char *)s, *e;
	const char *q;
	char u[8];
	size_t n;

	e = p + strlen(s);
	bputc(&W->b, '"');
	for (; p < e; p += n) {
		n = 1;
		if (*p == '"' || *p == '\\') {
			bputc(&W->b, '\\');
			bputc(&W->b, *p);
		} else if ((q = strchr(from, *p)) != NULL) {
			bputc(&W->b, '\\');
			bputc(&W->b, to[q - from]);
		} else if (*p < 0x20 || *p == 0x7f) {
			snprintf(u, sizeof(u), "\\u%04X", *p);
			bputs(&W->b, u);
		} else if ((n = u8len(p, e)) == 0) {
			W->bad = 1;
			return;
		} else
			bput(&W->b, (const char *)p, n);
	}
	bputc(&W->b, '"');
}

static void
wkey(struct writer *W, const char *k)
{
	const char *p;

	if (k == NULL) {
		W->bad = 1;
		return;
	}
	for (p = k; barechar((unsigned char)*p); p++)
		;
	if (*k != '\0' && *p == '\0')
		bputs(&W->b, k);
	else
		wstr(W, k);
}

/* The keys path[from..] joined by dots. */
static void
wpath(struct writer *W, size_t from)
{
	size_t i;

	for (i = from; i < W->npath; i++) {
		if (i > from)
			bputc(&W->b, '.');
		wkey(W, W->path[i]);
	}
}

static void wval(struct writer *, const struct toml *, int, int);

/* The entries of inline table t as dotted keys relative to path[from]. */
static void
winline(struct writer *W, const struct toml *t, size_t from, int d, int nest,
    int *first)
{
	const struct toml *k;
	size_t i;

	for (i = 0; i < t->nkid && !W->bad; i++) {
		k = t->kid[i];
		if (k->key == NULL || d + 1 > MAXTREE) {
			W->bad = 1;
			return;
		}
		W->path[W->npath++] = k->key;
		if (k->type == TOML_TABLE && k->nkid > 0) {
			winline(W, k, from, d + 1, nest, first);
		} else {
			bputs(&W->b, *first ? "" : ", ");
			*first = 0;
			wpath(W, from);
			bputs(&W->b, " = ");
			wval(W, k, d + 1, nest);
		}
		W->npath--;
	}
}

/* Value v, d levels below the root, inside nest arrays/inline tables. */
static void
wval(struct writer *W, const struct toml *v, int d, int nest)
{
	char num[32];
	size_t i;
	int first = 1;

	if (d > MAXTREE || W->bad) {
		W->bad = 1;
		return;
	}
	switch (v->type) {
	case TOML_STRING:
		wstr(W, v->s != NULL ? v->s : "");
		break;
	case TOML_INT:
		snprintf(num, sizeof(num), "%lld", v->i);
		bputs(&W->b, num);
		break;
	case TOML_BOOL:
		bputs(&W->b, v->i ? "true" : "false");
		break;
	case TOML_FLOAT:
	case TOML_DATETIME:
		if (v->s == NULL || (v->type == TOML_FLOAT ?
		    floatchk(v->s, strlen(v->s)) != 0 :
		    !datechk(v->s, strlen(v->s))))
			W->bad = 1;
		else
			bputs(&W->b, v->s);
		break;
	case TOML_ARRAY:
		if (nest + 1 > MAXNEST) {
			W->bad = 1;
			break;
		}
		bputc(&W->b, '[');
		for (i = 0; i < v->nkid; i++) {
			bputs(&W->b, !i ? "" : v->flags & F_COMPACT ? "," : ", ");
			wval(W, v->kid[i], d + 1, nest + 1);
		}
		bputc(&W->b, ']');
		break;
	case TOML_TABLE:
		if (nest + 1 > MAXNEST) {
			W->bad = 1;
			break;
		}
		if (v->nkid == 0) {
			bputs(&W->b, "{}");
			break;
		}
		bputs(&W->b, "{ ");
		winline(W, v, W->npath, d, nest + 1, &first);
		bputs(&W->b, " }");
		break;
	default:
		W->bad = 1;
	}
}

/* Table t, d levels below the root: its section, then its sub-tables. */
static void
wtable(struct writer *W, const struct toml *t, int d)
{
	const struct toml *k;
	size_t i, j;
	int plain = t->nkid == 0;

	for (i = 0; i < t->nkid; i++)
		if (t->kid[i]->type != TOML_TABLE)
			plain = 1;
	if (plain && d > 0) {
		bputs(&W->b, W->b.n > 0 ? "\n[" : "[");
		wpath(W, 0);
		bputs(&W->b, "]\n");
	}
	for (i = 0; i < t->nkid && !W->bad; i++) {
		if ((k = t->kid[i])->type == TOML_TABLE)
			continue;
		wkey(W, k->key);
		bputs(&W->b, " = ");
		if (k->type == TOML_ARRAY && k->nkid > 0 && !(k->flags & F_ONELINE)) {
			bputs(&W->b, "[\n");
			for (j = 0; j < k->nkid; j++) {
				bputs(&W->b, "    ");
				wval(W, k->kid[j], d + 2, 1);
				bputs(&W->b, ",\n");
			}
			bputc(&W->b, ']');
		} else
			wval(W, k, d + 1, 0);
		bputc(&W->b, '\n');
	}
	for (i = 0; i < t->nkid && !W->bad; i++) {
		if ((k = t->kid[i])->type != TOML_TABLE)
			continue;
		if (k->key == NULL || d + 1 > MAXTREE) {
			W->bad = 1;
			return;
		}
		W->path[W->npath++] = k->key;
		wtable(W, k, d + 1);
		W->npath--;
	}
}

char *
toml_dump(const struct toml *root, size_t *len)
{
	struct writer W;

	if (root == NULL || root->type != TOML_TABLE)
		return NULL;
	memset(&W, 0, sizeof(W));
	wtable(&W, root, 0);
	bputc(&W.b, '\0');
	if (W.bad || W.b.bad) {
		free(W.b.p);
		return NULL;
	}
	if (len != NULL)
		*len = W.b.n - 1;
	return W.b.p;
}

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
		if ((k = strndup(path, n)) == NULL)
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
