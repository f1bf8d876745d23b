/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tedge-cert: keys, certificates and requests built with OpenSSL, and
 * their PEM text.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "tedge.h"
#include "x509.h"
#include "cert.h"

char *
pem_key(EVP_PKEY *key, size_t *len)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *p, *out = NULL;
	long n;

	if (b && PEM_write_bio_PrivateKey(b, key, NULL, NULL, 0, NULL, NULL)) {
		n = BIO_get_mem_data(b, &p);
		out = xmalloc((size_t)n + 1);
		memcpy(out, p, (size_t)n);
		out[n] = '\0';
		*len = (size_t)n;
		OPENSSL_cleanse(p, (size_t)n);
	}
	BIO_free(b);
	return out;
}

char *
pem_of(int (*wr)(BIO *, void *), void *obj, size_t *len)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *p, *out = NULL;
	long n;

	if (b && wr(b, obj)) {
		n = BIO_get_mem_data(b, &p);
		out = xstrndup(p, (size_t)n);
		*len = (size_t)n;
	}
	BIO_free(b);
	return out;
}

int
wr_x509(BIO *b, void *x)
{
	return PEM_write_bio_X509(b, x);
}

int
wr_req(BIO *b, void *x)
{
	return PEM_write_bio_X509_REQ(b, x);
}

int
set_subject(X509_NAME *n, const char *id)
{
	char *org = conf("certificate.organization", "failed to read the configuration");
	char *unit = conf("certificate.organization_unit", "failed to read the configuration");
	int ok;

	ok = X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_UTF8, (const unsigned char *)id, -1, -1, 0) &&
	    (!*org || X509_NAME_add_entry_by_txt(n, "O", MBSTRING_UTF8, (const unsigned char *)org, -1, -1, 0)) &&
	    (!*unit || X509_NAME_add_entry_by_txt(n, "OU", MBSTRING_UTF8, (const unsigned char *)unit, -1, -1, 0));
	free(org), free(unit);
	return ok ? 0 : x509_ssl_err("cannot build the subject name");
}

static long
validity_days(void)
{
	char *v = conf("certificate.validity.requested_duration", "failed to read the configuration");
	long days;

	/* The key's check when it was read, and again now: time went by. */
	if (cfg_validity_days(v, &days) < 0) {
		err_push("invalid value for 'certificate.validity.requested_duration': %s", v);
		die("failed to read the configuration");
	}
	free(v);
	return days;
}

/*
 * A self-signed v3 certificate for key with the given subject: notBefore one
 * day back (clock skew), SKI and a critical CA:TRUE only, because Cumulocity
 * refuses trusted certificates that are not CAs or carry other extensions.
 */
X509 *
make_cert(EVP_PKEY *key, X509_NAME *subject)
{
	X509V3_CTX ctx;
	X509_EXTENSION *ext;
	unsigned char serial[16];
	BIGNUM *bn = NULL;
	X509 *x = X509_new();
	long days = validity_days();

	if (!x || !X509_set_version(x, 2))
		goto fail;
	/* A random positive serial: renewals must not repeat one. */
	if (RAND_bytes(serial, sizeof(serial)) != 1)
		goto fail;
	serial[0] &= 0x7f;
	serial[0] |= 0x40;
	if (!(bn = BN_bin2bn(serial, sizeof(serial), NULL)) ||
	    !BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)))
		goto fail;
	if (!X509_set_subject_name(x, subject) || !X509_set_issuer_name(x, subject) ||
	    !X509_gmtime_adj(X509_getm_notBefore(x), -86400) ||
	    /* in days: (days - 1) * 86400 overflows a 32-bit long */
	    !X509_time_adj_ex(X509_getm_notAfter(x), (int)(days - 1), 0, NULL) ||
	    !X509_set_pubkey(x, key))
		goto fail;
	X509V3_set_ctx(&ctx, x, x, NULL, NULL, 0);
	if (!(ext = X509V3_EXT_conf_nid(NULL, &ctx, NID_subject_key_identifier, "hash")) ||
	    !X509_add_ext(x, ext, -1))
		goto fail;
	X509_EXTENSION_free(ext);
	if (!(ext = X509V3_EXT_conf_nid(NULL, &ctx, NID_basic_constraints, "critical,CA:TRUE")) ||
	    !X509_add_ext(x, ext, -1))
		goto fail;
	X509_EXTENSION_free(ext);
	if (!X509_sign(x, key, EVP_sha256()))
		goto fail;
	BN_free(bn);
	return x;
fail:
	x509_ssl_err("cannot build the certificate");
	BN_free(bn);
	X509_free(x);
	return NULL;
}

/*
 * A PKCS#10 request for key with id's subject, as PEM (*len bytes): no
 * attributes, so no extension request: Cumulocity's CA refuses one that
 * asks for CA:TRUE. The digest follows the key's size. NULL, cause pushed.
 */
char *
make_csr(EVP_PKEY *key, const char *id, size_t *len)
{
	const EVP_MD *md = EVP_sha256();
	X509_REQ *req;
	char *pem = NULL;

	if (EVP_PKEY_is_a(key, "EC") && EVP_PKEY_get_bits(key) > 256)
		md = EVP_PKEY_get_bits(key) > 384 ? EVP_sha512() : EVP_sha384();
	if (!(req = X509_REQ_new()) || !X509_REQ_set_version(req, 0) ||
	    set_subject(X509_REQ_get_subject_name(req), id) < 0 ||
	    !X509_REQ_set_pubkey(req, key) || !X509_REQ_sign(req, key, md) ||
	    !(pem = pem_of(wr_req, req, len)))
		x509_ssl_err("cannot build the request");
	X509_REQ_free(req);
	return pem;
}

int
check_id(const char *id)
{
	if (cfg_check_device_id(id) < 0)
		return err_push("DeviceID Error");
	return 0;
}
