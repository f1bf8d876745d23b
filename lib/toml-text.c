/* SPDX-License-Identifier: Apache-2.0 */
/*
 * toml-text.c: TOML at the level of its characters, what the reader and the
 * writer share: the buffer both build text in, UTF-8, and the forms of
 * digits, floats and date-times. The character classes are inline, in
 * toml-int.h.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "toml-int.h"

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

void
bput(struct buf *b, const char *s, size_t n)
{
	if (n == 0 || bgrow(b, n) < 0)
		return;
	memcpy(b->p + b->n, s, n);
	b->n += n;
}

void
bputc(struct buf *b, int c)
{
	char ch = (char)c;

	bput(b, &ch, 1);
}

void
bputs(struct buf *b, const char *s)
{
	bput(b, s, strlen(s));
}

/* A digit in base (2, 8, 10 or 16)? */
static int
basedig(int c, int base)
{
	int v = hexval(c);

	return v >= 0 && v < base;
}

/* Length of the valid UTF-8 sequence at s (s < e), or 0. */
size_t
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

void
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
size_t
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
int
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
int
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
