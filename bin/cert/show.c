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

/*
 * The certificate this run is about: --cert-path, else device.cert_path;
 * with --new, that name with ".new" appended. malloc'd; dies with what.
 */
char *
cert_file(const char *what)
{
	char *path, *p;

	if (opt_cert) {
		if (!(path = path_clean(opt_cert)))
			die("%s", what);
	} else {
		path = conf(DEV("cert_path"), what);
	}
	if (!opt_new)
		return path;
	p = xasprintf("%s.new", path);
	free(path);
	return p;
}

/*
 * x's status as thin-edge words it ("VALID (expires in: 1y 2d)"), and
 * whether it is due for renewal: expired, or no more than
 * certificate.validity.minimum_duration left.
 */
int
cert_status(const X509 *x, char *status, size_t size)
{
	char *minv = conf("certificate.validity.minimum_duration", "failed to read the configuration");
	unsigned long long minsecs;
	long long left, start;
	char d[64];

	if (cfg_duration_secs(minv, &minsecs) < 0)
		minsecs = 30 * 86400;
	free(minv);
	left = x509_secs_until(X509_get0_notAfter(x));
	start = x509_secs_until(X509_get0_notBefore(x));
	if (start > 0) {
		x509_duration_text(start, d, sizeof(d));
		snprintf(status, size, "NOT VALID YET (will be in: %s)", d);
		return 0;
	}
	if (left < 0) {
		x509_duration_text(-left, d, sizeof(d));
		snprintf(status, size, "EXPIRED (since: %s)", d);
		return 1;
	}
	x509_duration_text(left, d, sizeof(d));
	snprintf(status, size, "%s (expires in: %s)",
	    (unsigned long long)left > minsecs ? "VALID" : "EXPIRES SOON", d);
	return (unsigned long long)left <= minsecs;
}

/* needs-renewal: 0 due, 1 not, 2 the certificate cannot be read. */
int
cmd_needs_renewal(void)
{
	char status[128], *path = cert_file("Cannot check the certificate");
	X509 *x;
	int due;

	if (!(x = x509_read_cert(path)))
		diec(2, "Cannot check the certificate");
	due = cert_status(x, status, sizeof(status));
	fprintf(stderr, "Status:        %s\n", status);
	X509_free(x);
	free(path);
	return due ? EXIT_OK : EXIT_FAIL;
}

/* --json's time: RFC 3339, UTC. */
static void
json_time(const char *k, const ASN1_TIME *t)
{
	char buf[32];
	struct tm tm;

	json_out_str(k, ASN1_TIME_to_tm(t, &tm) &&
	    strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm) ? buf : NULL);
}

/* show --json: one object, the lines' facts in it as a program wants them. */
static void
show_json(const X509 *x, const char *path, const char *subject, const char *issuer,
    const char *status, int due, const char *dec, const char *hex, const char *thumb)
{
	long long secs;
	int state = x509_validity(x, &secs);

	json_out_str("certificate", path);
	json_out_str("subject", subject);
	json_out_str("issuer", issuer);
	json_out_str("status", status);
	json_time("valid_from", X509_get0_notBefore(x));
	json_time("valid_until", X509_get0_notAfter(x));
	/* negative once expired, as the time since */
	json_out_num("seconds_left", state < 0 ? x509_secs_until(X509_get0_notAfter(x)) :
	    state ? -secs : secs);
	json_out_bool("needs_renewal", due);
	json_out_str("serial_number", dec);
	json_out_str("serial_hex", hex);
	json_out_str("thumbprint", thumb);
	json_out_end();
}

int
cmd_show(void)
{
	char *path, *subject, *issuer, *dec, *hex, *h;
	char from[64], until[64], status[128], thumb[2 * EVP_MAX_MD_SIZE + 1];
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen, i;
	BIGNUM *bn;
	X509 *x;
	int due;

	if (opt_json)
		json_out_on();
	path = cert_file("failed to show the device certificate");
	if (access(path, F_OK) < 0) {
		err_pushsys(errno);
		err_push("reading certificate from %s", path);
		die("failed to show the device certificate");
	}
	if (!(x = x509_read_cert(path)))
		die("failed to show the device certificate");
	subject = x509_name_text(X509_get_subject_name(x));
	issuer = x509_name_text(X509_get_issuer_name(x));
	x509_time_text(X509_get0_notBefore(x), from, sizeof(from));
	x509_time_text(X509_get0_notAfter(x), until, sizeof(until));
	due = cert_status(x, status, sizeof(status));
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
	for (i = 0; i < mdlen; i++)
		snprintf(thumb + 2 * i, 3, "%02X", md[i]);
	if (opt_json) {
		*strstr(status, " (") = '\0';
		show_json(x, path, subject, issuer, status, due, dec, h, thumb);
	} else {
		printf("Certificate:   %s\n"
		    "Subject:       %s\n"
		    "Issuer:        %s\n"
		    "Status:        %s\n"
		    "Valid from:    %s\n"
		    "Valid until:   %s\n"
		    "Serial number: %s (0x%s)\n"
		    "Thumbprint:    %s\n",
		    path, subject, issuer, status, from, until, dec, h, thumb);
	}
	OPENSSL_free(dec);
	OPENSSL_free(hex);
	BN_free(bn);
	free(subject), free(issuer), free(path);
	X509_free(x);
	return EXIT_OK;
}
