/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The subject CN of a PEM certificate, read with libc alone.
 *
 * device.id is the certificate's CN, and `tedge config get` and the bridge
 * generator need it; linking OpenSSL into them for this would make every
 * `tedge config get` pay OpenSSL's start-up. The DER walk below reads only
 * the path Certificate > tbsCertificate > subject, checking every length.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tedge.h"

struct der {
	const unsigned char *p, *end;
};

/* Reads one TLV; on success d->p is past it and *v and *vlen hold the value. */
static int
der_next(struct der *d, unsigned *tag, const unsigned char **v, size_t *vlen)
{
	size_t len, i, nb;

	if (d->end - d->p < 2)
		return -1;
	*tag = *d->p++;
	if ((*tag & 0x1f) == 0x1f)	/* multi-byte tag: never in a Name */
		return -1;
	len = *d->p++;
	if (len & 0x80) {
		nb = len & 0x7f;
		if (nb == 0 || nb > 4 || (size_t)(d->end - d->p) < nb)
			return -1;
		for (len = 0, i = 0; i < nb; i++)
			len = len << 8 | *d->p++;
	}
	if ((size_t)(d->end - d->p) < len)
		return -1;
	*v = d->p;
	*vlen = len;
	d->p += len;
	return 0;
}

static int
der_enter(struct der *d, unsigned want, struct der *in)
{
	const unsigned char *v;
	unsigned tag;
	size_t len;

	if (der_next(d, &tag, &v, &len) < 0 || tag != want)
		return -1;
	in->p = v;
	in->end = v + len;
	return 0;
}

static void
put_utf8(char **o, unsigned long c)
{
	unsigned char *u = (unsigned char *)*o;

	if (c < 0x80) {
		*u++ = (unsigned char)c;
	} else if (c < 0x800) {
		*u++ = (unsigned char)(0xc0 | c >> 6);
		*u++ = (unsigned char)(0x80 | (c & 0x3f));
	} else {
		*u++ = (unsigned char)(0xe0 | c >> 12);
		*u++ = (unsigned char)(0x80 | (c >> 6 & 0x3f));
		*u++ = (unsigned char)(0x80 | (c & 0x3f));
	}
	*o = (char *)u;
}

/* A directory string as a C string in UTF-8, or NULL if it cannot be one. */
static char *
der_string(unsigned tag, const unsigned char *v, size_t len)
{
	char *s, *o;
	size_t i;

	switch (tag) {
	case 0x0c: case 0x13: case 0x16: case 0x14:	/* UTF8, Printable, IA5, T61 */
		if (memchr(v, '\0', len))
			return NULL;
		return xstrndup((const char *)v, len);
	case 0x1e:					/* BMPString: UCS-2 BE */
		if (len % 2)
			return NULL;
		s = o = xmalloc(len / 2 * 3 + 1);
		for (i = 0; i < len; i += 2) {
			unsigned c = (unsigned)v[i] << 8 | v[i + 1];
			if (c == 0) {
				free(s);
				return NULL;
			}
			put_utf8(&o, c);
		}
		*o = '\0';
		return s;
	default:
		return NULL;
	}
}

/* The first CN in a DER certificate, "" when the subject has none. */
static char *
der_cert_cn(const unsigned char *der, size_t len)
{
	static const unsigned char cn_oid[] = { 0x55, 0x04, 0x03 };
	struct der d = { der, der + len }, cert, tbs, name, rdn, atv;
	const unsigned char *v;
	unsigned tag;
	size_t vlen;
	int i;

	if (der_enter(&d, 0x30, &cert) < 0 || der_enter(&cert, 0x30, &tbs) < 0)
		return NULL;
	/* [0] version (optional), serial, signature, issuer, validity */
	if (tbs.p < tbs.end && *tbs.p == 0xa0 && der_next(&tbs, &tag, &v, &vlen) < 0)
		return NULL;
	for (i = 0; i < 4; i++)
		if (der_next(&tbs, &tag, &v, &vlen) < 0)
			return NULL;
	if (der_enter(&tbs, 0x30, &name) < 0)
		return NULL;
	while (name.p < name.end) {
		if (der_enter(&name, 0x31, &rdn) < 0)
			return NULL;
		while (rdn.p < rdn.end) {
			if (der_enter(&rdn, 0x30, &atv) < 0 ||
			    der_next(&atv, &tag, &v, &vlen) < 0 || tag != 0x06)
				return NULL;
			if (vlen != sizeof(cn_oid) || memcmp(v, cn_oid, vlen))
				continue;
			if (der_next(&atv, &tag, &v, &vlen) < 0)
				return NULL;
			return der_string(tag, v, vlen);
		}
	}
	return xstrdup("");
}

static int
b64val(int c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/* Decodes base64 in [p, end), skipping white space, into out (which must hold
 * (end - p) * 3 / 4 bytes). Returns the decoded length, or -1. */
static long
b64decode(const char *p, const char *end, unsigned char *out)
{
	unsigned long acc = 0;
	long n = 0;
	int bits = 0, pad = 0, v;

	for (; p < end; p++) {
		if (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
			continue;
		if (*p == '=') {
			pad++;
			continue;
		}
		if (pad || (v = b64val((unsigned char)*p)) < 0)
			return -1;
		acc = (acc << 6 | (unsigned long)v) & 0xffffff;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[n++] = (unsigned char)(acc >> bits);
		}
	}
	return pad > 2 ? -1 : n;
}

char *
pem_cert_cn(const char *path)
{
	static const char begin[] = "-----BEGIN CERTIFICATE-----";
	static const char end[] = "-----END CERTIFICATE-----";
	char *buf, *b, *e, *cn;
	unsigned char *der;
	size_t len;
	long n;

	if (!(buf = fs_read(path, 1 << 20, &len)))
		return NULL;
	b = strstr(buf, begin);
	/* The end line after the begin line: the two can share dashes. */
	e = b ? strstr(b + sizeof(begin) - 1, end) : NULL;
	if (!b || !e) {
		free(buf);
		err_push("%s: no PEM certificate found", path);
		errno = EINVAL;
		return NULL;
	}
	b += sizeof(begin) - 1;
	der = xmalloc((size_t)(e - b) * 3 / 4 + 3);
	n = b64decode(b, e, der);
	cn = n < 0 ? NULL : der_cert_cn(der, (size_t)n);
	free(der);
	free(buf);
	if (!cn) {
		err_push("%s: the certificate cannot be parsed", path);
		errno = EINVAL;
	}
	return cn;
}
