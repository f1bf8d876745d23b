/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tedge-cert renew: the self-signed certificate again, same key and subject,
 * new dates.
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

int
cmd_renew(void)
{
	char *cert_path = conf("device.cert_path", "failed to Renew the self-signed certificate of the device.");
	char *key_path = conf("device.key_path", "failed to Renew the self-signed certificate of the device.");
	EVP_PKEY *key;
	X509 *old, *x;
	char *pem;
	size_t len;

	if (access(cert_path, F_OK) < 0) {
		err_push("No certificate has been attached to that device.\n"
		    "        Missing file: \"%s\"\n"
		    "        Run `tedge cert create` to generate a new certificate.", cert_path);
		die("failed to Renew the self-signed certificate of the device.");
	}
	if (lock_certs(key_path, cert_path, 0) < 0)
		die("failed to Renew the self-signed certificate of the device.");
	sweep(key_path, 1);
	sweep(cert_path, 1);
	if (!(old = x509_read_cert(cert_path)))
		die("failed to Renew the self-signed certificate of the device.");
	if (X509_NAME_cmp(X509_get_subject_name(old), X509_get_issuer_name(old))) {
		err_push("This certificate %s is not a self-signed certificate", cert_path);
		die("failed to Renew the self-signed certificate of the device.");
	}
	if (!(key = x509_read_key(key_path)))
		die("failed to Renew the self-signed certificate of the device.");
	if (X509_check_private_key(old, key) != 1) {
		ERR_clear_error();
		err_push("the private key %s does not match the certificate %s", key_path, cert_path);
		die("failed to Renew the self-signed certificate of the device.");
	}
	/* Same subject (so the same CN), same key: only the dates change. */
	if (!(x = make_cert(key, X509_get_subject_name(old))) ||
	    !(pem = pem_of(wr_x509, x, &len)))
		die("failed to Renew the self-signed certificate of the device.");
	if (fs_write_atomic(cert_path, pem, len, 0444) < 0)
		die("failed to Renew the self-signed certificate of the device.");
	free(pem), free(cert_path), free(key_path);
	X509_free(x);
	X509_free(old);
	EVP_PKEY_free(key);
	fputs("Certificate was successfully renewed, for un-interrupted service, the certificate has to be uploaded to the cloud\n",
	    stderr);
	return EXIT_OK;
}
