/* SPDX-License-Identifier: Apache-2.0 */
/*
 * toml-int.h: what the files of the TOML module share and no caller sees:
 * toml.c (the tree), toml-text.c (characters), toml-parse.c (the reader)
 * and toml-write.c (the writer). The symbols are hidden: libtedge.so
 * exports none of them.
 *
 * Two limits keep the tree and the writer's output well behaved: arrays and
 * inline tables nest at most MAXNEST deep, counted as the writer will nest
 * them (an element of an array of tables counts two: the array and the
 * table), and no node lies more than MAXTREE levels below the root.
 */
#ifndef TEDGE_TOML_INT_H
#define TEDGE_TOML_INT_H

#include <stddef.h>

#include "toml.h"

#define MAXNEST		64	/* nested arrays and inline tables */
#define MAXTREE		256	/* levels below the root */

/* struct toml.flags, set by the parser: how a table came to be, and how
 * an array was laid out (for the writer). */
#define F_IMPLICIT	0x01	/* table made by a prefix of a [header] */
#define F_DEFINED	0x02	/* table defined by a [header] or [[header]] */
#define F_DOTTED	0x04	/* table made by a dotted key */
#define F_INLINE	0x08	/* inline table: closed for good */
#define F_AOT		0x10	/* array made by [[header]] */
#define F_ONELINE	0x20	/* array written on one line: written back so */
#define F_COMPACT	0x40	/* ... and without a blank: "[1,2]" */

#if defined(__GNUC__)
#define HIDDEN __attribute__((visibility("hidden")))
#else
#define HIDDEN
#endif

/* toml-text.c: a growable byte buffer; a failed allocation sticks in bad. */
struct buf {
	char *p;
	size_t n, cap;
	int bad;
};

HIDDEN void bput(struct buf *b, const char *s, size_t n);
HIDDEN void bputc(struct buf *b, int c);
HIDDEN void bputs(struct buf *b, const char *s);
/* The code point cp (a Unicode scalar value) as UTF-8. */
HIDDEN void putcp(struct buf *b, unsigned long cp);

/* Character classes, inline where they are asked (the parser asks them of
 * every byte); hexval is a hex digit's value, or -1. */
static inline int
isdig(int c)
{
	return c >= '0' && c <= '9';
}

static inline int
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

static inline int
barechar(int c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    isdig(c) || c == '_' || c == '-';
}

static inline int
ctlchar(int c)
{
	return (c < 0x20 && c != '\t') || c == 0x7f;
}

/* Two decimal digits at s as a number, or -1. */
static inline int
num2(const char *s)
{
	if (!isdig((unsigned char)s[0]) || !isdig((unsigned char)s[1]))
		return -1;
	return (s[0] - '0') * 10 + (s[1] - '0');
}

/* Length of the valid UTF-8 sequence at s (s < e), or 0. */
HIDDEN size_t u8len(const unsigned char *s, const unsigned char *e);

/*
 * Consumes DIGIT *( DIGIT / "_" DIGIT ) in the given base at s[*ip].
 * Returns the number of digits, 0 if there is none.
 */
HIDDEN size_t digits(const char *s, size_t n, size_t *ip, int base);
/* A float's text: 0 if fine, 1 if invalid, 2 if the integer part has a
 * leading zero. */
HIDDEN int floatchk(const char *s, size_t n);
/* 1 if s is a valid date-time, local date-time, local date or local time. */
HIDDEN int datechk(const char *s, size_t n);

/* toml.c: k added to t's entries (or items); 0, or -1 on OOM. */
HIDDEN int addkid(struct toml *t, struct toml *k);
/* A new node of the given type added to t under key, which it takes;
 * NULL on OOM. */
HIDDEN struct toml *adopt(struct toml *t, enum toml_type type, char **key);

#endif
