/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tedge-cert create, create-csr and remove: the key and the certificate
 * come and go together.
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

static void __attribute__((noreturn))
already_exists(const char *id, const char *what, const char *path, const char *then)
{
	err_push("A %s already exists and would be overwritten.\n"
	    "        Existing file: \"%s\"\n"
	    "        Run `tedge cert remove` first to generate a new %s.", what, path, then);
	die("failed to create a test certificate for the device %s.", id);
}

int
cmd_create(void)
{
	/* static: still reachable (not leaked) when a die() below ends
	 * the program */
	static char *cert_path, *key_path, *id, *kpem, *cpem, *ktmp, *ctmp;
	static EVP_PKEY *key;
	static X509_NAME *name;
	static X509 *x;
	/* the two names made, in the order they are linked */
	struct { const char *path, *what, *then; } made[2];
	size_t klen, clen, i;
	int r, e;

	/* As thin-edge 1.5: without --device-id, the device.id set in
	 * tedge.toml (or TEDGE_DEVICE_ID). */
	if (opt_id) {
		id = xstrdup(opt_id);
	} else if ((r = cfg_get_str(&cfg, DEV("id"), &id)) < 0) {
		die("failed to read the configuration");
	} else if (r > 0) {
		die_usage("No device ID is provided. Use `--device-id <name>` option to specify the device ID.");
	}
	if (check_id(id) < 0)
		die("failed to create a test certificate for the device %s.", id);
	cert_path = conf(DEV("cert_path"), "failed to read the configuration");
	key_path = conf(DEV("key_path"), "failed to read the configuration");
	made[0].path = key_path, made[0].what = "private key";
	made[0].then = "certificate and private key";
	made[1].path = cert_path, made[1].what = made[1].then = "certificate";
	if (lock_certs(key_path, cert_path, 1) < 0)
		die("failed to create a test certificate for the device %s.", id);
	/* A key with no certificate that is still a second name of one of
	 * our temporary files is the half of a pair a killed run made (see
	 * below): ours, so it goes, before the temporary files that tell. */
	if (access(cert_path, F_OK) < 0 && errno == ENOENT && sweep(key_path, 0)) {
		warn("removing %s, left without its certificate by an interrupted `tedge cert create`",
		    key_path);
		if (unlink(key_path) < 0 && errno != ENOENT) {
			err_pushsysf(errno, "cannot remove %s", key_path);
			die("failed to create a test certificate for the device %s.", id);
		}
	}
	sweep(key_path, 1);
	sweep(cert_path, 1);
	/* Refuse before anything is made, so that no file is touched. */
	for (i = LEN(made); i-- > 0;)
		if (access(made[i].path, F_OK) == 0)
			already_exists(id, made[i].what, made[i].path, made[i].then);

	if (!(key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256"))) {
		x509_ssl_err("cannot generate a P-256 key");
		die("failed to create a test certificate for the device %s.", id);
	}
	if (!(name = X509_NAME_new()) || set_subject(name, id) < 0 ||
	    !(x = make_cert(key, name)))
		die("failed to create a test certificate for the device %s.", id);
	if (!(kpem = pem_key(key, &klen)) || !(cpem = pem_of(wr_x509, x, &clen))) {
		x509_ssl_err("cannot encode the certificate");
		die("failed to create a test certificate for the device %s.", id);
	}
	/*
	 * Both files are written in full before either name appears; then
	 * the key is linked, then the certificate, then the temporary names
	 * go. Killed at any point, a run leaves either both files, or
	 * temporary files only, or a key that is still a second name of its
	 * temporary file, which the next run knows for its own (above).
	 */
	crit_enter();
	ktmp = make_temp(key_path, kpem, klen, 0400);
	ctmp = ktmp ? make_temp(cert_path, cpem, clen, 0444) : NULL;
	OPENSSL_cleanse(kpem, klen);
	if (!ctmp) {
		if (ktmp)
			unlink(ktmp);
		crit_leave();
		die("failed to create a test certificate for the device %s.", id);
	}
	for (i = 0; i < LEN(made); i++) {
		if (link(i ? ctmp : ktmp, made[i].path) == 0)
			continue;
		e = errno;
		if (i)
			unlink(key_path);
		unlink(ktmp), unlink(ctmp);
		crit_leave();
		if (e == EEXIST)
			already_exists(id, made[i].what, made[i].path, made[i].then);
		err_pushsysf(e, "cannot create %s", made[i].path);
		die("failed to create a test certificate for the device %s.", id);
	}
	unlink(ktmp), unlink(ctmp);
	sync_parent(key_path);
	if (!same_dir(key_path, cert_path))
		sync_parent(cert_path);
	crit_leave();
	free(kpem), free(cpem), free(cert_path), free(key_path), free(id);
	free(ktmp), free(ctmp);
	X509_free(x);
	X509_NAME_free(name);
	EVP_PKEY_free(key);
	fputs("Certificate was successfully created\n", stderr);
	return EXIT_OK;
}

/*
 * The device's key at key_path for a request: the one there, whatever its
 * kind, else a new P-256 key made 0400 for the broker's user, never over a
 * file that appears meanwhile. Call it with its directory locked
 * (lock_certs). NULL with the cause pushed.
 */
EVP_PKEY *
device_key(const char *key_path)
{
	EVP_PKEY *key;
	size_t klen;
	char *kpem;

	sweep(key_path, 1);
	if (access(key_path, F_OK) == 0)
		return x509_read_key(key_path);
	if (!(key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256")) ||
	    !(kpem = pem_key(key, &klen))) {
		x509_ssl_err("cannot generate a P-256 key");
		EVP_PKEY_free(key);
		return NULL;
	}
	if (create_file(key_path, kpem, klen, 0400) < 0) {
		if (errno == EEXIST)
			err_push("%s appeared while the key was made", key_path);
		EVP_PKEY_free(key);
		key = NULL;
	}
	OPENSSL_cleanse(kpem, klen);
	free(kpem);
	return key;
}

int
cmd_create_csr(void)
{
	char *id = NULL, *key_path, *out_path, *rpem;
	EVP_PKEY *key;
	size_t rlen;
	int r;

	if (opt_id) {
		id = xstrdup(opt_id);
	} else if ((r = cfg_get_str(&cfg, DEV("id"), &id)) != 0) {
		if (r > 0)
			err_push("No device ID is provided. Use `--device-id <name>` option to specify the device ID.");
		die("failed to Generate a Certificate Signing Request.");
	}
	if (check_id(id) < 0)
		die("failed to Generate a Certificate Signing Request.");
	key_path = conf(DEV("key_path"), "failed to read the configuration");
	if (opt_output) {
		if (!(out_path = path_clean(opt_output)))
			die("failed to Generate a Certificate Signing Request.");
	} else {
		out_path = conf(DEV("csr_path"), "failed to read the configuration");
	}
	if (lock_certs(key_path, key_path, 1) < 0 || !(key = device_key(key_path)) ||
	    !(rpem = make_csr(key, id, &rlen)))
		die("failed to Generate a Certificate Signing Request.");
	if (fs_write_atomic(out_path, rpem, rlen, 0444) < 0)
		die("failed to Generate a Certificate Signing Request.");
	free(rpem), free(out_path), free(key_path), free(id);
	EVP_PKEY_free(key);
	fputs("Certificate Signing Request was successfully created.\n", stderr);
	return EXIT_OK;
}

int
cmd_remove(void)
{
	char *cert = conf(DEV("cert_path"), "failed to remove the device certificate");
	char *key = conf(DEV("key_path"), "failed to remove the device certificate");
	char *new = xasprintf("%s.new", cert);
	int ec, ek;

	if (lock_certs(key, cert, 0) < 0)
		die("failed to remove the device certificate");
	if (opt_new) {
		/* what a renewal left that connect did not take */
		ec = unlink(new) < 0 ? errno : 0;
		if (ec && ec != ENOENT) {
			err_pushsysf(ec, "cannot remove %s", new);
			die("failed to remove the new device certificate");
		}
		fputs(ec ? "There is no new certificate to remove\n" :
		    "The new certificate was removed\n", stderr);
		free(new), free(cert), free(key);
		return EXIT_OK;
	}
	/* as thin-edge 1.5: a pending new certificate goes too */
	unlink(new);
	free(new);
	sweep(key, 1);
	sweep(cert, 1);
	ec = unlink(cert) < 0 ? errno : 0;
	ek = unlink(key) < 0 ? errno : 0;
	if ((ec && ec != ENOENT) || (ek && ek != ENOENT)) {
		err_pushsysf(ec && ec != ENOENT ? ec : ek, "cannot remove %s",
		    ec && ec != ENOENT ? cert : key);
		die("failed to remove the device certificate");
	}
	fputs(ec ? "There is no certificate to remove\n" :
	    "Certificate was successfully removed\n", stderr);
	free(cert), free(key);
	return EXIT_OK;
}
