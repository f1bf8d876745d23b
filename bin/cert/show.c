/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tedge-cert show: what the certificate says, and how long it lasts.
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
cmd_show(void)
{
	char *path, *subject, *issuer, *minv, *dec, *hex, *h;
	char from[64], until[64], status[128], d[64];
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen, i;
	unsigned long long minsecs;
	long long left, start;
	BIGNUM *bn;
	X509 *x;

	if (opt_cert) {
		if (!(path = path_clean(opt_cert)))
			die("failed to show the device certificate");
	} else {
		path = conf("device.cert_path", "failed to show the device certificate");
	}
	if (access(path, F_OK) < 0) {
		err_pushsys(errno);
		err_push("reading certificate from %s", path);
		die("failed to show the device certificate");
	}
	if (!(x = x509_read_cert(path)))
		die("failed to show the device certificate");
	minv = conf("certificate.validity.minimum_duration", "failed to show the device certificate");
	if (cfg_duration_secs(minv, &minsecs) < 0)
		minsecs = 30 * 86400;
	free(minv);
	subject = x509_name_text(X509_get_subject_name(x));
	issuer = x509_name_text(X509_get_issuer_name(x));
	x509_time_text(X509_get0_notBefore(x), from, sizeof(from));
	x509_time_text(X509_get0_notAfter(x), until, sizeof(until));
	left = x509_secs_until(X509_get0_notAfter(x));
	start = x509_secs_until(X509_get0_notBefore(x));
	if (start > 0) {
		x509_duration_text(start, d, sizeof(d));
		snprintf(status, sizeof(status), "NOT VALID YET (will be in: %s)", d);
	} else if (left < 0) {
		x509_duration_text(-left, d, sizeof(d));
		snprintf(status, sizeof(status), "EXPIRED (since: %s)", d);
	} else {
		x509_duration_text(left, d, sizeof(d));
		snprintf(status, sizeof(status), "%s (expires in: %s)",
		    (unsigned long long)left > minsecs ? "VALID" : "EXPIRES SOON", d);
	}
	bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), NULL);
	dec = bn ? BN_bn2dec(bn) : NULL;
	hex = bn ? BN_bn2hex(bn) : NULL;
	if (!dec || !hex) {
		x509_ssl_err("cannot read the serial number");
		die("failed to show the device certificate");
	}
	for (h = hex; *h == '0' && h[1]; h++)
		;
	for (i = 0; h[i]; i++)
		h[i] = (char)(h[i] >= 'A' && h[i] <= 'F' ? h[i] + 32 : h[i]);
	if (!X509_digest(x, EVP_sha1(), md, &mdlen)) {
		x509_ssl_err("cannot compute the thumbprint");
		die("failed to show the device certificate");
	}
	printf("Certificate:   %s\n", path);
	printf("Subject:       %s\n", subject);
	printf("Issuer:        %s\n", issuer);
	printf("Status:        %s\n", status);
	printf("Valid from:    %s\n", from);
	printf("Valid until:   %s\n", until);
	printf("Serial number: %s (0x%s)\n", dec, h);
	printf("Thumbprint:    ");
	for (i = 0; i < mdlen; i++)
		printf("%02X", md[i]);
	putchar('\n');
	OPENSSL_free(dec);
	OPENSSL_free(hex);
	BN_free(bn);
	free(subject), free(issuer), free(path);
	X509_free(x);
	return EXIT_OK;
}
