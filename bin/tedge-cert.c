/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tedge-cert: the device certificate, from creation to upload.
 *
 *   tedge-cert create [--device-id ID]
 *   tedge-cert create-csr [--device-id ID] [--output-path PATH]
 *   tedge-cert show [--cert-path PATH]
 *   tedge-cert remove
 *   tedge-cert renew
 *   tedge-cert upload c8y [--user USER] [--password-stdin]
 *
 * Reads tedge.toml (device.cert_path, device.key_path, device.csr_path,
 * certificate.*, c8y.http, c8y.root_cert_path). create writes the key
 * (PKCS#8, 0400) and the self-signed certificate (0444), owned by the
 * broker's user, never over an existing file, and leaves no temporary
 * file when interrupted (one SIGKILL leaves is removed by the next run,
 * under an flock on the directory); renew replaces the
 * certificate atomically; create-csr writes the CSR (0444).
 * upload is done by tedge-cert-upload, which this program execs, so that
 * only the upload loads libcurl.
 *
 * Exit: 0 success; 1 failure; 2 usage.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "tedge.h"
#include "opt.h"
#include "x509.h"

static const char usage_text[] =
"usage: tedge-cert [--config-dir DIR] COMMAND [OPTIONS]\n"
"\n"
"Create and manage the device certificate.\n"
"\n"
"Commands:\n"
"  create [--device-id ID]       Create a self-signed device certificate\n"
"  create-csr [--device-id ID] [--output-path PATH]\n"
"                                Create a certificate signing request\n"
"  show [--cert-path PATH]       Show the device certificate, if any\n"
"  remove                        Remove the device certificate\n"
"  renew                         Renew the self-signed device certificate\n"
"  upload c8y [--user USER] [--password-stdin]\n"
"                                Upload the certificate to Cumulocity's trusted certificates\n"
"\n"
"Options:\n"
"  -c, --config-dir DIR   configuration directory [env: TEDGE_CONFIG_DIR, default: /etc/tedge]\n"
"  -i, --device-id ID     the device id, the certificate's common name\n"
"                         (create, create-csr: default device.id when set)\n"
"  -o, --output-path P    create-csr: where to write the CSR (default device.csr_path)\n"
"  -p, --cert-path P      show: the certificate to show (default device.cert_path)\n"
"  -u, --user USER        upload: the Cumulocity user ([tenant/]user); else\n"
"                         C8Y_USER, else asked on the terminal\n"
"      --password-stdin   upload: read the password from the first line of stdin\n"
"  -h, --help             print this help\n"
"  -V, --version          print the version\n"
"\n"
"The upload password is taken from C8Y_PASSWORD, else C8YPASS, else stdin with\n"
"--password-stdin, else asked on the terminal without echo. It is never stored.\n"
"\n"
"Exit status: 0 success; 1 failure; 2 usage error.\n";

static struct cfg cfg;
static const char *opt_id, *opt_output, *opt_cert, *opt_user;
static int opt_password_stdin;

/* A configuration value the program cannot do without; dies otherwise. */
static char *
conf(const char *key, const char *what)
{
	char *v;

	if (cfg_need(&cfg, key, &v) != 0)
		die("%s", what);
	return v;
}

/* --- files ---------------------------------------------------------- */
static int
same_dir(const char *a, const char *b)
{
	const char *sa = strrchr(a, '/'), *sb = strrchr(b, '/');

	return sa && sb && sa - a == sb - b && !strncmp(a, b, (size_t)(sa - a));
}

/* Makes the names created in path's directory durable. */
static void
sync_parent(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *dir = slash && slash != path ? xstrndup(path, (size_t)(slash - path)) : xstrdup("/");
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
	free(dir);
}

static char *
dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash && slash != path ? xstrndup(path, (size_t)(slash - path)) : xstrdup("/");
}

/*
 * While temporary files that hold a key exist, TERM, INT, HUP and QUIT wait:
 * one that arrives then is delivered by crit_leave, once they are gone, and
 * ends the program as it would have. Nothing else changes the mask.
 */
static sigset_t crit_saved;

static void
crit_enter(void)
{
	sigset_t s;

	sigemptyset(&s);
	sigaddset(&s, SIGTERM);
	sigaddset(&s, SIGINT);
	sigaddset(&s, SIGHUP);
	sigaddset(&s, SIGQUIT);
	sigprocmask(SIG_BLOCK, &s, &crit_saved);
}

static void
crit_leave(void)
{
	sigprocmask(SIG_SETMASK, &crit_saved, NULL);
}

/*
 * Writes data to a new temporary file beside path, named ".<name>.XXXXXX"
 * (what sweep() knows for ours), synced, with its owner and mode. Returns
 * its malloc'd name, or NULL with the cause pushed and nothing left.
 */
static char *
make_temp(const char *path, const void *data, size_t len, mode_t mode)
{
	char *tmp, *dir = dir_of(path);
	const char *slash = strrchr(path, '/');
	uid_t uid;
	gid_t gid;
	int fd, e;

	if (fs_mkdirp(dir, 0755) < 0) {
		free(dir);
		return NULL;
	}
	tmp = xasprintf("%s/.%s.XXXXXX", dir, slash ? slash + 1 : path);
	/* mkstemp: O_EXCL, mode 0600 from the start, whatever the umask */
	if ((fd = mkstemp(tmp)) < 0) {
		e = errno;
		err_pushsysf(e, "cannot create a file in %s", dir);
		free(tmp), free(dir);
		errno = e;
		return NULL;
	}
	fs_broker_owner(&uid, &gid);
	errno = 0;
	if (write(fd, data, len) != (ssize_t)len || fdatasync(fd) < 0 ||
	    (uid != (uid_t)-1 && fchown(fd, uid, gid) < 0) || fchmod(fd, mode) < 0) {
		e = errno ? errno : EIO;
		err_pushsysf(e, "cannot write %s", tmp);
		close(fd);
		unlink(tmp);
		free(tmp), free(dir);
		errno = e;
		return NULL;
	}
	close(fd);
	free(dir);
	return tmp;
}

/*
 * Creates path with data, never replacing anything (fs_create_new), owned
 * by the broker's user, signals held meanwhile. Returns 0, or -1 with errno
 * EEXIST when path exists (nothing pushed then), other errors pushed.
 */
static int
create_file(const char *path, const void *data, size_t len, mode_t mode)
{
	char *dir = dir_of(path);
	uid_t uid;
	gid_t gid;
	int r;

	r = fs_mkdirp(dir, 0755);
	free(dir);
	if (r < 0)
		return -1;
	fs_broker_owner(&uid, &gid);
	crit_enter();
	r = fs_create_new(path, data, len, mode, uid, gid);
	crit_leave();
	if (r == 1)
		errno = EEXIST;
	return r ? -1 : 0;
}

/* 1 when name is ".<base>.XXXXXX", mkstemp's six letters or digits. */
static int
temp_name(const char *name, const char *base)
{
	size_t n = strlen(base), i;

	if (name[0] != '.' || strncmp(name + 1, base, n) || name[n + 1] != '.' ||
	    strlen(name + n + 2) != 6)
		return 0;
	for (i = n + 2; name[i]; i++)
		if (!((name[i] >= 'a' && name[i] <= 'z') || (name[i] >= 'A' && name[i] <= 'Z') ||
		    (name[i] >= '0' && name[i] <= '9')))
			return 0;
	return 1;
}

/*
 * The temporary files a run of ours left beside path when it was killed
 * (SIGKILL): named as make_temp and fs_write_atomic name
 * them, regular files, owned by us or the broker's user. With rm they
 * are removed. Returns 1 when one of them is a second name of path itself,
 * which only a run killed between linking the key and linking the
 * certificate leaves; else 0. Call it with the directory locked.
 */
static int
sweep(const char *path, int rm)
{
	char *dir = dir_of(path), *p;
	const char *base = strrchr(path, '/') + 1;
	struct stat st, pst;
	struct dirent *d;
	int have = lstat(path, &pst) == 0 && S_ISREG(pst.st_mode), linked = 0;
	uid_t uid;
	gid_t gid;
	DIR *dp;

	fs_broker_owner(&uid, &gid);
	if (!(dp = opendir(dir))) {
		free(dir);
		return 0;
	}
	while ((d = readdir(dp))) {
		if (!temp_name(d->d_name, base))
			continue;
		p = path_join(dir, d->d_name);
		if (lstat(p, &st) == 0 && S_ISREG(st.st_mode) &&
		    (st.st_uid == geteuid() || (uid != (uid_t)-1 && st.st_uid == uid))) {
			if (have && st.st_dev == pst.st_dev && st.st_ino == pst.st_ino)
				linked = 1;
			if (rm)
				unlink(p);
		}
		free(p);
	}
	closedir(dp);
	free(dir);
	return linked;
}

/*
 * Serialises the writers of the key and the certificate, so that sweep()
 * takes no temporary file of a run still going: an flock on each one's
 * directory, held until exit. With make, the directories are created first;
 * otherwise a missing one is not locked. 0, or -1 with the cause pushed.
 */
static int
lock_certs(const char *key_path, const char *cert_path, int make)
{
	char *a = dir_of(key_path), *b = dir_of(cert_path), *t;
	int r = 0, i;

	if (strcmp(a, b) > 0)	/* one order for every run */
		t = a, a = b, b = t;
	for (i = 0; i < 2 && r == 0; i++) {
		const char *d = i ? b : a;
		if (i && !strcmp(a, b))
			break;
		if (make && fs_mkdirp(d, 0755) < 0)
			r = -1;
		else if (!make && access(d, F_OK) < 0)
			continue;
		else if (fs_lock_dir(d) < 0)
			r = -1;
	}
	free(a), free(b);
	return r;
}

static char *
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

static char *
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

static int
wr_x509(BIO *b, void *x)
{
	return PEM_write_bio_X509(b, x);
}

static int
wr_req(BIO *b, void *x)
{
	return PEM_write_bio_X509_REQ(b, x);
}

/* --- certificates ---------------------------------------------------- */

static int
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
static X509 *
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

static int
check_id(const char *id)
{
	if (cfg_check_device_id(id) < 0)
		return err_push("DeviceID Error");
	return 0;
}

static void __attribute__((noreturn))
already_exists(const char *id, const char *what, const char *path, const char *then)
{
	err_push("A %s already exists and would be overwritten.\n"
	    "        Existing file: \"%s\"\n"
	    "        Run `tedge cert remove` first to generate a new %s.", what, path, then);
	die("failed to create a test certificate for the device %s.", id);
}

static int
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
	} else if ((r = cfg_get_str(&cfg, "device.id", &id)) < 0) {
		die("failed to read the configuration");
	} else if (r > 0) {
		die_usage("No device ID is provided. Use `--device-id <name>` option to specify the device ID.");
	}
	if (check_id(id) < 0)
		die("failed to create a test certificate for the device %s.", id);
	cert_path = conf("device.cert_path", "failed to read the configuration");
	key_path = conf("device.key_path", "failed to read the configuration");
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

static int
cmd_create_csr(void)
{
	char *id = NULL, *key_path, *out_path, *kpem, *rpem;
	size_t klen, rlen;
	const EVP_MD *md = EVP_sha256();
	EVP_PKEY *key;
	X509_REQ *req;
	int r;

	if (opt_id) {
		id = xstrdup(opt_id);
	} else if ((r = cfg_get_str(&cfg, "device.id", &id)) != 0) {
		if (r > 0)
			err_push("No device ID is provided. Use `--device-id <name>` option to specify the device ID.");
		die("failed to Generate a Certificate Signing Request.");
	}
	if (check_id(id) < 0)
		die("failed to Generate a Certificate Signing Request.");
	key_path = conf("device.key_path", "failed to read the configuration");
	if (opt_output) {
		if (!(out_path = path_clean(opt_output)))
			die("failed to Generate a Certificate Signing Request.");
	} else {
		out_path = conf("device.csr_path", "failed to read the configuration");
	}
	if (lock_certs(key_path, key_path, 1) < 0)
		die("failed to Generate a Certificate Signing Request.");
	sweep(key_path, 1);
	if (access(key_path, F_OK) == 0) {
		/* Reuse the key, whatever its kind: the CSR is for it. */
		if (!(key = x509_read_key(key_path)))
			die("failed to Generate a Certificate Signing Request.");
	} else {
		if (!(key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256")) ||
		    !(kpem = pem_key(key, &klen))) {
			x509_ssl_err("cannot generate a P-256 key");
			die("failed to Generate a Certificate Signing Request.");
		}
		if (create_file(key_path, kpem, klen, 0400) < 0) {
			if (errno == EEXIST)
				err_push("%s appeared while the key was made", key_path);
			die("failed to Generate a Certificate Signing Request.");
		}
		OPENSSL_cleanse(kpem, klen);
		free(kpem);
	}
	if (EVP_PKEY_is_a(key, "EC") && EVP_PKEY_get_bits(key) > 256)
		md = EVP_PKEY_get_bits(key) > 384 ? EVP_sha512() : EVP_sha384();
	if (!(req = X509_REQ_new()) || !X509_REQ_set_version(req, 0) ||
	    set_subject(X509_REQ_get_subject_name(req), id) < 0 ||
	    !X509_REQ_set_pubkey(req, key) || !X509_REQ_sign(req, key, md) ||
	    !(rpem = pem_of(wr_req, req, &rlen))) {
		x509_ssl_err("cannot build the request");
		die("failed to Generate a Certificate Signing Request.");
	}
	if (fs_write_atomic(out_path, rpem, rlen, 0444) < 0)
		die("failed to Generate a Certificate Signing Request.");
	free(rpem), free(out_path), free(key_path), free(id);
	X509_REQ_free(req);
	EVP_PKEY_free(key);
	fputs("Certificate Signing Request was successfully created.\n", stderr);
	return EXIT_OK;
}

/* --- show --------------------------------------------------------------- */

static int
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

/* --- remove, renew --------------------------------------------------------- */

static int
cmd_remove(void)
{
	char *cert = conf("device.cert_path", "failed to remove the device certificate");
	char *key = conf("device.key_path", "failed to remove the device certificate");
	int ec, ek;

	if (lock_certs(key, cert, 0) < 0)
		die("failed to remove the device certificate");
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

static int
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

/* upload is tedge-cert-upload's job (it alone links libcurl): hand over. */
static int
exec_upload(const char *dir, int argc, char **argv)
{
	char *av[10];
	int n = 0, i;

	av[n++] = xstrdup("tedge-cert-upload");
	if (dir) {
		av[n++] = xstrdup("--config-dir");
		av[n++] = xstrdup(dir);
	}
	if (opt_user) {
		av[n++] = xstrdup("--user");
		av[n++] = xstrdup(opt_user);
	}
	if (opt_password_stdin)
		av[n++] = xstrdup("--password-stdin");
	av[n++] = xstrdup("--");
	for (i = 0; i < argc && n < 9; i++)
		av[n++] = argv[i];
	if (i < argc)
		die_usage("unexpected argument '%s' found", argv[i]);
	av[n] = NULL;
	exec_tool("tedge-cert-upload", av);
	die("failed to upload root certificate");
}

/* The subcommands; upload is run by tedge-cert-upload. */
static const struct cmd subcmds[] = {
	{ "create", 0, 0, 0, NULL }, { "create-csr", 1, 0, 0, NULL },
	{ "show", 2, 0, 0, NULL }, { "remove", 3, 0, 0, NULL },
	{ "renew", 4, 0, 0, NULL }, { "upload", 5, 0, -1, NULL },
};
static int (*const runs[])(void) = {
	cmd_create, cmd_create_csr, cmd_show, cmd_remove, cmd_renew, NULL
};

int
main(int argc, char *argv[])
{
	static const struct opt opts[] = {
		OPT_CONFIG_DIR,
		{ "device-id", 'i', "ID", "create create-csr" },
		{ "output-path", 'o', "PATH", "create-csr" },
		{ "cert-path", 'p', "PATH", "show" },
		{ "user", 'u', "USER", "upload" },
		{ "password-stdin", 'P', NULL, "upload" },
		OPT_END
	};
	const struct cmd *sc;
	int ch, r;

	err_setprog(argv[0]);
	while ((ch = opt_next(argc, argv, opts, usage_text)) != -1) {
		switch (ch) {
		case 'i': opt_id = optarg; break;
		case 'o': opt_output = optarg; break;
		case 'p': opt_cert = optarg; break;
		case 'u': opt_user = optarg; break;
		case 'P': opt_password_stdin = 1; break;
		}
	}
	argc -= optind;
	argv += optind;
	sc = opt_cmd(argc, argv, subcmds, LEN(subcmds), "subcommand");
	if (!runs[sc->id])
		return exec_upload(opt_config_dir(), argc - 1, argv + 1);
	if (cfg_load(&cfg, paths_config_dir(opt_config_dir()), CFG_ENV) < 0)
		die("failed to read the configuration");
	warn_unknown_keys(&cfg, getenv("TEDGE_QUIET_UNKNOWN_KEYS"));
	r = runs[sc->id]();
	cfg_free(&cfg);
	fshut_stdout();
	return r;
}
