/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tedge-cert download c8y: a certificate from Cumulocity's certificate
 * authority (EST simpleenroll) for the device's key, with the one-time
 * password the device was registered with. The HTTPS requests and their
 * retry loop are tedge-cert-http's, which is given the password and the
 * request on stdin; the key, the request and the certificate file are
 * ours. reenroll() serves renew the same way.
 */
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "tedge.h"
#include "x509.h"
#include "cert.h"

#define OTP_MAX 256	/* Cumulocity's are 32 characters at most */

const char *opt_otp, *opt_url, *opt_retry, *opt_max_timeout, *opt_csr;

static char otp[OTP_MAX + 1];

/* The device id: --device-id, DEVICE_ID, device.id, else asked on stdin. */
static char *
download_id(void)
{
	char line[256], *id = NULL;
	const char *env = getenv("DEVICE_ID");
	int r;

	if (opt_id)
		return xstrdup(opt_id);
	if (env && *env)
		return xstrdup(env);
	if ((r = cfg_get_str(&cfg, DEV("id"), &id)) < 0)
		die("failed to read the configuration");
	if (r == 0)
		return id;
	fputs("Enter device id: ", stdout);
	fflush(stdout);
	if (fs_read_line(STDIN_FILENO, line, sizeof(line), "device id") < 0)
		die("failed to read the device id");
	if (!*line)
		die_usage("No device ID is provided. Use `--device-id <name>` option to specify the device ID.");
	return xstrdup(line);
}

/* The one-time password: -p, DEVICE_ONE_TIME_PASSWORD, else asked on the
 * terminal. The variable leaves our environment: no child sees it. */
static void
download_otp(void)
{
	const char *env = getenv("DEVICE_ONE_TIME_PASSWORD");
	int r;

	if (opt_otp || (env && *env)) {
		const char *v = opt_otp ? opt_otp : env;
		if (strlen(v) > OTP_MAX)
			die_usage("the one-time password is longer than %d characters", OTP_MAX);
		snprintf(otp, sizeof(otp), "%s", v);	/* it fits: snprintf, an import fewer than strcpy */
		unsetenv("DEVICE_ONE_TIME_PASSWORD");
		return;
	}
	r = fs_ask_tty("Enter one-time password: ", otp, sizeof(otp), "one-time password");
	if (r == -2)
		die_usage("the following required arguments were not provided:\n"
		    "  --one-time-password <ONE_TIME_PASSWORD>\n"
		    "(no terminal to ask for it on: %s; give it, or set DEVICE_ONE_TIME_PASSWORD)",
		    strerror(errno));
	if (r < 0)
		die("failed to read the one-time password");
	if (!*otp)
		die_usage("no one-time password was entered");
}

/*
 * The certificates tedge-cert-http printed, checked: PEM, the first one
 * for key and id. The text to write, or NULL with the cause pushed.
 */
static char *
issued(char *out, EVP_PKEY *key, const char *id)
{
	X509_NAME_ENTRY *e;
	ASN1_STRING *v;
	BIO *b;
	X509 *x;
	int ok, i;

	if (!out || !(b = BIO_new_mem_buf(out, -1)))
		return NULL;
	x = PEM_read_bio_X509(b, NULL, NULL, NULL);
	BIO_free(b);
	if (!x) {
		x509_ssl_err("the certificate authority sent no certificate");
		return NULL;
	}
	i = X509_NAME_get_index_by_NID(X509_get_subject_name(x), NID_commonName, -1);
	e = i >= 0 ? X509_NAME_get_entry(X509_get_subject_name(x), i) : NULL;
	v = e ? X509_NAME_ENTRY_get_data(e) : NULL;
	if (!(ok = x509_key_matches(x, key)))
		err_push("the certificate issued is not for the device's key");
	else if (!v || (size_t)ASN1_STRING_length(v) != strlen(id) ||
	    memcmp(ASN1_STRING_get0_data(v), id, strlen(id)))
		ok = 0, err_push("the certificate issued is not for the device %s", id);
	X509_free(x);
	return ok ? out : NULL;
}

/*
 * Runs tedge-cert-http SUBCOMMAND c8y ARGS with secret and the request on
 * stdin; its messages are ours. The chain it printed, checked, or NULL
 * with the cause pushed. When it failed, it has said why, in thin-edge's
 * words and under our TEDGE_ERROR_CONTEXT: that is the one error there
 * is, so the program ends here, with its exit status.
 */
char *
est_request(const char *const *args, const char *secret, const char *csr,
    EVP_PKEY *key, const char *id)
{
	struct spawn_io io = { NULL, 0, 1, 1, NULL };
	char *in, *out = NULL;
	int st;

	in = xasprintf("%s\n%s", secret, csr);
	io.in = in, io.inlen = strlen(in);
	st = run_tool("tedge-cert-http", args, &io, &out, 0);
	OPENSSL_cleanse(in, io.inlen);
	free(in);
	if (st >= 0 && !WIFEXITED(st))
		st = err_push("tedge-cert-http %s", spawn_status_text(st));
	if (st < 0 || WEXITSTATUS(st) != 0) {
		free(out);
		if (st < 0)
			return NULL;
		exit(WEXITSTATUS(st));
	}
	if (!issued(out, key, id)) {
		free(out);
		return NULL;
	}
	return out;
}

int
cmd_download(void)
{
	char *id, *cert_path, *key_path, *csr_path, *csr, *chain, *what;
	const char *args[12];
	size_t len, n = 0;
	EVP_PKEY *key;

	id = download_id();
	if (check_id(id) < 0)
		die("failed to Download a certificate for the device %s", id);
	what = xasprintf("failed to Download a certificate for the device %s", id);
	download_otp();
	cert_path = conf(DEV("cert_path"), what);
	key_path = conf(DEV("key_path"), what);
	if (lock_certs(key_path, cert_path, 1) < 0 || !(key = device_key(key_path)))
		die("%s", what);
	if (opt_csr) {
		/* sent as it is, as thin-edge does */
		if (!(csr = fs_read(opt_csr, 1 << 16, &len)))
			die("%s", what);
	} else {
		csr_path = conf(DEV("csr_path"), what);
		if (!(csr = make_csr(key, id, &len)) || fs_write_atomic(csr_path, csr, len, 0444) < 0)
			die("%s", what);
		free(csr_path);
	}
	args[n++] = "enroll", args[n++] = "c8y";
	args[n++] = "--device-id", args[n++] = id;
	if (opt_url)
		args[n++] = "--url", args[n++] = opt_url;
	if (opt_retry)
		args[n++] = "--retry-every", args[n++] = opt_retry;
	if (opt_max_timeout)
		args[n++] = "--max-timeout", args[n++] = opt_max_timeout;
	args[n] = NULL;
	chain = est_request(args, otp, csr, key, id);
	OPENSSL_cleanse(otp, sizeof(otp));
	if (!chain)
		die("%s", what);
	if (fs_write_atomic(cert_path, chain, strlen(chain), 0444) < 0)
		die("%s", what);
	sync_parent(cert_path);
	fputs("Certificate downloaded successfully\n"
	    "    => the device can now be connected\n\n", stderr);
	free(chain), free(csr), free(key_path), free(what), free(id);
	EVP_PKEY_free(key);
	opt_cert = cert_path;
	return cmd_show();
}
