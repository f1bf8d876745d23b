/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz-pem: libFuzzer target for what reads a certificate or key file:
 * lib/pem.c (the CN that device.id is, read with libc alone) and
 * lib/x509.c (OpenSSL's reading, and the texts `tedge cert show` and
 * `tedge-check` make of a certificate).
 *
 * An input that starts with 0x30 (a DER SEQUENCE) is DER: it is armoured
 * as one PEM certificate first, so that mutations reach the DER walk
 * instead of breaking the base64. Anything else is the file as it is.
 *
 * Where OpenSSL and pem.c both read the certificate, they must name the
 * same CN when it is plain ASCII in a string type pem.c takes: device.id
 * and the certificate's subject must not disagree. pem.c may refuse what
 * OpenSSL takes (it is stricter: OpenSSL reads some BER, e.g. a SET
 * tagged 0x11); that fails closed, `tedge config get device.id` says the
 * certificate cannot be parsed.
 */
#define _GNU_SOURCE
#include <sys/mman.h>

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/asn1.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "tedge.h"
#include "x509.h"

int LLVMFuzzerInitialize(int *, char ***);
int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static int fd = -1;
static char path[64];

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	/* A file in memory, reopened by name as the programs open theirs. */
	if ((fd = memfd_create("fuzz-pem", 0)) < 0)
		abort();
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	return 0;
}

static void
put(const void *buf, size_t n)
{
	if (ftruncate(fd, 0) < 0 || (n && pwrite(fd, buf, n, 0) != (ssize_t)n))
		abort();
}

static char *
armour(const uint8_t *der, size_t n, size_t *len)
{
	static const char hd[] = "-----BEGIN CERTIFICATE-----\n",
	    tl[] = "-----END CERTIFICATE-----\n";
	size_t b64 = (n + 2) / 3 * 4, cap = sizeof(hd) + b64 + b64 / 64 + 2 + sizeof(tl);
	char *s = xmalloc(cap + 1), *o = s;
	int m;

	o += sprintf(o, "%s", hd);
	while (n > 0) {
		unsigned char line[48];
		m = n > 48 ? 48 : (int)n;
		memcpy(line, der, (size_t)m);
		o += EVP_EncodeBlock((unsigned char *)o, line, m);
		*o++ = '\n';
		der += m, n -= (size_t)m;
	}
	o += sprintf(o, "%s", tl);
	*len = (size_t)(o - s);
	return s;
}

/* The first CN as OpenSSL reads it, when pem.c must agree: plain ASCII
 * in a UTF8, Printable, IA5, T61 or BMP string. "" when there is none;
 * NULL when pem.c need not agree. */
static char *
openssl_cn(X509 *x)
{
	const X509_NAME *n = X509_get_subject_name(x);
	const ASN1_STRING *d;
	unsigned char *u = NULL;
	char *s;
	int i, t, len;

	if ((i = X509_NAME_get_index_by_NID(n, NID_commonName, -1)) < 0)
		return xstrdup("");
	d = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(n, i));
	t = ASN1_STRING_type(d);
	if (t != V_ASN1_UTF8STRING && t != V_ASN1_PRINTABLESTRING &&
	    t != V_ASN1_IA5STRING && t != V_ASN1_T61STRING && t != V_ASN1_BMPSTRING)
		return NULL;
	if ((len = ASN1_STRING_to_UTF8(&u, d)) < 0) {
		ERR_clear_error();
		return NULL;
	}
	for (i = 0; i < len; i++)
		if (u[i] == 0 || u[i] >= 0x80)
			break;
	s = i == len ? xstrndup((char *)u, (size_t)len) : NULL;
	OPENSSL_free(u);
	return s;
}

static void
show(X509 *x)
{
	char buf[64], d[64], *s;
	long long secs;

	s = x509_name_text(X509_get_subject_name(x));
	free(s);
	s = x509_name_text(X509_get_issuer_name(x));
	free(s);
	x509_time_text(X509_get0_notBefore(x), buf, sizeof(buf));
	x509_time_text(X509_get0_notAfter(x), buf, sizeof(buf));
	x509_validity(x, &secs);
	x509_duration_text(secs, d, sizeof(d));
	x509_duration_text(x509_secs_until(X509_get0_notAfter(x)), d, sizeof(d));
	ERR_clear_error();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *cn, *ocn, *text = NULL;
	int der = size > 0 && data[0] == 0x30;
	EVP_PKEY *k = NULL;
	size_t len;
	X509 *x;

	if (der) {
		text = armour(data, size, &len);
		put(text, len);
	} else {
		put(data, size);
	}
	cn = pem_cert_cn(path);
	if (!cn && err_count() == 0)
		abort();
	err_clear();
	x = x509_read_cert(path);
	err_clear();
	if (x) {
		show(x);
		if (der && (ocn = openssl_cn(x))) {
			if (cn && strcmp(cn, ocn))
				abort();
			free(ocn);
		}
	}
	if (!der) {
		k = x509_read_key(path);
		err_clear();
		if (x && k)
			x509_key_matches(x, k);
	}
	EVP_PKEY_free(k);
	X509_free(x);
	free(cn);
	free(text);
	ERR_clear_error();
	return 0;
}
