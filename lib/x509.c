/* SPDX-License-Identifier: Apache-2.0 */
/* X.509 with OpenSSL: reading certificates and keys, and showing them as
 * thin-edge does. Linked only by the programs that use OpenSSL. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "tedge.h"
#include "x509.h"

/* Pushes what OpenSSL says about its last error. Returns -1. */
int
x509_ssl_err(const char *what)
{
	unsigned long e = ERR_get_error();
	char buf[256];

	if (!e)
		return err_push("%s", what);
	ERR_error_string_n(e, buf, sizeof(buf));
	ERR_clear_error();
	return err_push("%s: %s", what, buf);
}

/*
 * The pass phrase callback: none is given. Without one OpenSSL asks on
 * /dev/tty (else stdin) for an encrypted PEM block, and a program would
 * wait there. *u says that one was wanted.
 */
static int
no_pass(char *buf, int size, int rwflag, void *u)
{
	(void)buf, (void)size, (void)rwflag;
	*(int *)u = 1;
	return -1;
}

/*
 * The first certificate, or the private key (key), of a PEM file; NULL with
 * causes pushed. The file's bytes are wiped from memory after use.
 */
static void *
read_pem(const char *path, int key)
{
	char *buf;
	size_t len;
	int asked = 0;
	void *x = NULL;
	BIO *b;

	if (!(buf = fs_read(path, 1 << 20, &len)))
		return NULL;
	if ((b = BIO_new_mem_buf(buf, (int)len)))
		x = key ? (void *)PEM_read_bio_PrivateKey(b, NULL, no_pass, &asked) :
		    (void *)PEM_read_bio_X509(b, NULL, no_pass, &asked);
	BIO_free(b);
	OPENSSL_cleanse(buf, len);
	free(buf);
	if (!x) {
		if (asked) {
			ERR_clear_error();
			err_push(key ? "the private key is encrypted: a pass phrase cannot be given, the key must be unencrypted" :
			    "the certificate is encrypted");
		} else {
			x509_ssl_err(key ? "not a PEM private key" : "not a PEM certificate");
		}
		err_push("decoding %s from %s", key ? "the private key" : "certificate", path);
	}
	return x;
}

X509 *
x509_read_cert(const char *path)
{
	return read_pem(path, 0);
}

EVP_PKEY *
x509_read_key(const char *path)
{
	return read_pem(path, 1);
}

/* "CN=x, O=y": RDNs in order, multi-valued ones joined by " + ", values
 * verbatim (no RFC 2253 escaping), as thin-edge shows them. */
char *
x509_name_text(const X509_NAME *n)
{
	size_t cap = 256, len = 0;
	char *out = xmalloc(cap);
	int i, prev = -1;

	out[0] = '\0';
	for (i = 0; i < X509_NAME_entry_count(n); i++) {
		const X509_NAME_ENTRY *e = X509_NAME_get_entry(n, i);
		const ASN1_OBJECT *o = X509_NAME_ENTRY_get_object(e);
		int nid = OBJ_obj2nid(o), set = X509_NAME_ENTRY_set(e);
		unsigned char *u = NULL;
		char abbr[80];
		size_t need;
		int ulen;

		if (nid == NID_pkcs9_emailAddress)
			snprintf(abbr, sizeof(abbr), "Email");
		else if (nid != NID_undef && OBJ_nid2sn(nid))
			snprintf(abbr, sizeof(abbr), "%s", OBJ_nid2sn(nid));
		else
			OBJ_obj2txt(abbr, sizeof(abbr), o, 1);
		ulen = ASN1_STRING_to_UTF8(&u, X509_NAME_ENTRY_get_data(e));
		need = len + strlen(abbr) + (ulen > 0 ? (size_t)ulen : 0) + 8;
		if (need > cap)
			out = xrealloc(out, cap = need * 2);
		/* snprintf: tedge-cert imports no sprintf but for this */
		len += (size_t)snprintf(out + len, cap - len, "%s%s=%.*s",
		    i == 0 ? "" : set == prev ? " + " : ", ", abbr,
		    ulen > 0 ? ulen : 0, ulen > 0 ? (char *)u : "");
		OPENSSL_free(u);
		prev = set;
	}
	return out;
}

void
x509_time_text(const ASN1_TIME *t, char *buf, size_t n)
{
	struct tm tm;

	if (!ASN1_TIME_to_tm(t, &tm) || !strftime(buf, n, "%a, %d %b %Y %H:%M:%S +0000", &tm))
		snprintf(buf, n, "(invalid time)");
}

/* 5y 219d 2h 59m: zero units left out, "0s" for nothing. */
void
x509_duration_text(long long s, char *buf, size_t n)
{
	static const struct { long long secs; const char *u; } units[] = {
		{ 365LL * 86400, "y" }, { 86400, "d" }, { 3600, "h" }, { 60, "m" }, { 1, "s" },
	};
	size_t i, len = 0;

	buf[0] = '\0';
	for (i = 0; i < LEN(units); i++) {
		long long q = s / units[i].secs;
		s %= units[i].secs;
		if (q > 0 && len < n)
			len += (size_t)snprintf(buf + len, n - len, "%s%lld%s",
			    len ? " " : "", q, units[i].u);
	}
	if (!len)
		snprintf(buf, n, "0s");
}

long long
x509_secs_until(const ASN1_TIME *t)
{
	int days, secs;

	if (!ASN1_TIME_diff(&days, &secs, NULL, t))
		return 0;
	return (long long)days * 86400 + secs;
}

/* Where now stands in x's validity window. */
int
x509_validity(const X509 *x, long long *secs)
{
	long long start = x509_secs_until(X509_get0_notBefore(x));
	long long end = x509_secs_until(X509_get0_notAfter(x));

	if (start > 0) {
		*secs = start;
		return -1;
	}
	if (end < 0) {
		*secs = -end;
		return 1;
	}
	*secs = end;
	return 0;
}

int
x509_key_matches(X509 *x, EVP_PKEY *k)
{
	int r = X509_check_private_key(x, k) == 1;

	/* A mismatch is an answer, not an error to report later. */
	ERR_clear_error();
	return r;
}
