/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tedge-cert renew: a new certificate for the same key and subject.
 *
 *   renew              the self-signed certificate again, in place (1.x)
 *   renew CLOUD [--ca c8y|self-signed] [--csr-path F]
 *                      into <cert>.new, which connect and reconnect promote
 *                      once the cloud accepts it: self-signed, or from
 *                      Cumulocity's CA (EST simplereenroll, authorised by a
 *                      token tedge-check gets over MQTT). --ca defaults to
 *                      what the certificate is, so a self-signed device
 *                      stays one where the CA feature is off.
 */
#include <sys/stat.h>
#include <sys/wait.h>

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

const char *opt_ca;

/* The current certificate and key, read and matched; dies with what. */
static void
current(const char *cert_path, const char *key_path, X509 **x, EVP_PKEY **key,
    const char *what)
{
	if (access(cert_path, F_OK) < 0) {
		err_push("No certificate has been attached to that device.\n"
		    "        Missing file: \"%s\"\n"
		    "        Run `tedge cert create` to generate a new certificate.", cert_path);
		die("%s", what);
	}
	if (lock_certs(key_path, cert_path, 0) < 0)
		die("%s", what);
	sweep(key_path, 1);
	sweep(cert_path, 1);
	if (!(*x = x509_read_cert(cert_path)) || !(*key = x509_read_key(key_path)))
		die("%s", what);
	if (X509_check_private_key(*x, *key) != 1) {
		ERR_clear_error();
		err_push("the private key %s does not match the certificate %s", key_path, cert_path);
		die("%s", what);
	}
}

static int
self_signed(X509 *x)
{
	return !X509_NAME_cmp(X509_get_subject_name(x), X509_get_issuer_name(x));
}

/*
 * old again, self-signed: same subject (so the same CN) and key, new
 * dates; as PEM (*len bytes). Dies with what, and notself as its cause
 * when old is not self-signed.
 */
static char *
self_again(X509 *old, EVP_PKEY *key, const char *notself, const char *what, size_t *len)
{
	char *pem;
	X509 *x;

	if (!self_signed(old)) {
		err_push("%s", notself);
		die("%s", what);
	}
	if (!(x = make_cert(key, X509_get_subject_name(old))) ||
	    !(pem = pem_of(wr_x509, x, len)))
		die("%s", what);
	X509_free(x);
	return pem;
}

/* The token Cumulocity gives the device (tedge-check token c8y), or NULL:
 * tedge-check said why. */
static char *
token(void)
{
	static const char *const args[] = { "token", "c8y", NULL };
	struct spawn_io io = { NULL, 0, 1, 1, NULL };
	char *out;
	int st;

	st = run_tool("tedge-check", args, &io, &out, 0);
	if (st < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0 || !out || !*out) {
		if (st >= 0)
			err_clear();
		free(out);
		return NULL;
	}
	out[strcspn(out, "\n")] = '\0';
	return out;
}

/* The CN of x, for the request; malloc'd, or NULL with the cause pushed. */
static char *
common_name(X509 *x)
{
	int i = X509_NAME_get_index_by_NID(X509_get_subject_name(x), NID_commonName, -1);
	X509_NAME_ENTRY *e = i >= 0 ? X509_NAME_get_entry(X509_get_subject_name(x), i) : NULL;
	ASN1_STRING *v = e ? X509_NAME_ENTRY_get_data(e) : NULL;

	if (!v) {
		err_push("the certificate has no common name");
		return NULL;
	}
	return xstrndup((const char *)ASN1_STRING_get0_data(v), (size_t)ASN1_STRING_length(v));
}

/* renew CLOUD: into <cert>.new. */
static int
renew_new(const char *cloud)
{
	static const char what[] = "failed to renew the device certificate";
	char *cert_path = conf(DEV("cert_path"), what);
	char *key_path = conf(DEV("key_path"), what);
	char *new_path = xasprintf("%s.new", cert_path), *pem = NULL, *csr, *jwt, *id;
	static const char *const args[] = { "reenroll", "c8y", NULL };
	const char *ca = opt_ca;
	char notself[4200];
	EVP_PKEY *key;
	size_t len;
	X509 *old;

	current(cert_path, key_path, &old, &key, what);
	if (!ca)
		ca = self_signed(old) ? "self-signed" : "c8y";
	if (!strcmp(ca, "self-signed")) {
		snprintf(notself, sizeof(notself),
		    "Cannot renew certificate with self-signed ca: %s is not self-signed", cert_path);
		pem = self_again(old, key, notself, what, &len);
	} else {
		if (strcmp(cloud, "c8y")) {
			err_push("Certificate renewal is not supported for %s", cloud);
			die("%s", what);
		}
		if (!(id = common_name(old)))
			die("%s", what);
		if (opt_csr ? !(csr = fs_read(opt_csr, 1 << 16, &len)) :
		    !(csr = make_csr(key, id, &len)))
			die("%s", what);
		if (!(jwt = token()))
			die("%s", what);
		pem = est_request(args, jwt, csr, key, id);
		OPENSSL_cleanse(jwt, strlen(jwt));
		free(jwt), free(csr), free(id);
		if (!pem)
			die("%s", what);
		len = strlen(pem);
	}
	if (fs_write_atomic(new_path, pem, len, 0444) < 0)
		die("%s", what);
	fprintf(stderr, "Certificate renewed successfully\n"
	    "    For an un-interrupted service:\n%s\n",
	    !strcmp(ca, "self-signed") ?
	    "    => the new certificate has to be uploaded to the cloud\n"
	    "    => then the device reconnected\n" :
	    "    => the device has to be reconnected to the cloud\n");
	free(pem), free(key_path), free(new_path);
	X509_free(old);
	EVP_PKEY_free(key);
	opt_cert = cert_path;
	opt_new = 1;
	return cmd_show();
}

int
cmd_renew(void)
{
	static const char what[] = "failed to Renew the self-signed certificate of the device.";
	char *cert_path, *key_path, *pem, notself[4200];
	EVP_PKEY *key;
	size_t len;
	X509 *old;

	if (opt_cloud || opt_ca)
		return renew_new(opt_cloud ? opt_cloud : "c8y");
	cert_path = conf(DEV("cert_path"), what);
	key_path = conf(DEV("key_path"), what);
	current(cert_path, key_path, &old, &key, what);
	snprintf(notself, sizeof(notself),
	    "This certificate %s is not a self-signed certificate", cert_path);
	pem = self_again(old, key, notself, what, &len);
	if (fs_write_atomic(cert_path, pem, len, 0444) < 0)
		die("%s", what);
	free(pem), free(cert_path), free(key_path);
	X509_free(old);
	EVP_PKEY_free(key);
	fputs("Certificate was successfully renewed, for un-interrupted service, the certificate has to be uploaded to the cloud\n",
	    stderr);
	return EXIT_OK;
}
