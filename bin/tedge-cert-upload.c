/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tedge-cert-upload: `tedge cert upload c8y`, the only part of tedge-cert
 * that talks to the network. A program of its own so that creating or
 * showing a certificate does not load libcurl and its dozens of libraries;
 * tedge-cert execs it.
 *
 *   tedge-cert-upload [--config-dir DIR] [--user USER] [--password-stdin] c8y
 *
 * GET https://<c8y.http>/tenant/currentTenant, then POST the device
 * certificate to /tenant/tenants/<tenant>/trusted-certificates. TLS peer
 * verification is always on; trust is the system store plus
 * c8y.root_cert_path (a file, or every certificate file of a directory),
 * which must exist and be readable. The user is --user, else C8Y_USER,
 * else asked on /dev/tty ("Enter username: ", echo on). The password comes from C8Y_PASSWORD, else C8YPASS, else one line of stdin
 * (--password-stdin), else a prompt on /dev/tty without echo; it is never
 * written anywhere, never in an argument list, never given to a program.
 *
 * Exit: 0 uploaded or already there (409); 1 failure; 2 usage.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <curl/curl.h>
#include <json-c/json.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "tedge.h"
#include "opt.h"

static const char usage_text[] =
"usage: tedge-cert-upload [--config-dir DIR] [--user USER] [--password-stdin] c8y\n"
"\n"
"Upload the device certificate to the trusted certificates of the Cumulocity\n"
"tenant (what `tedge cert upload c8y` runs).\n"
"\n"
"Options:\n"
"  -c, --config-dir DIR   configuration directory [env: TEDGE_CONFIG_DIR, default: /etc/tedge]\n"
"  -u, --user USER        the Cumulocity user, [tenant/]user (else $C8Y_USER,\n"
"                         else asked on the terminal)\n"
"      --password-stdin   read the password from the first line of stdin\n"
"  -h, --help             print this help\n"
"  -V, --version          print the version\n"
"\n"
"The password is taken from C8Y_PASSWORD, else C8YPASS, else stdin with\n"
"--password-stdin, else asked on the terminal without echo. It is never stored.\n"
"\n"
"Exit status: 0 uploaded, or already there; 1 failure; 2 usage error.\n";

#define SYSTEM_CAPATH "/etc/ssl/certs"

static struct cfg cfg;
static const char *opt_user;
static int opt_password_stdin;

/* A configuration value the upload cannot do without. */
static char *
conf(const char *key)
{
	char *v;

	if (cfg_need(&cfg, key, &v) != 0)
		die("failed to upload root certificate");
	return v;
}

#define PASSWORD_MAX 1023	/* characters; a longer password is refused */
static char password[PASSWORD_MAX + 1], username[256];

/* A line from fd into buf (size bytes, so size - 1 characters at most),
 * without its newline or a CR before it. */
static int
read_line(int fd, char *buf, size_t size, const char *what)
{
	size_t n = 0;
	int cr = 0;
	char c;

	for (;;) {
		ssize_t r = read(fd, &c, 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0 || c == '\n')
			break;
		/* A CR right at the limit is fine when the line ends there. */
		if (c == '\r' && n == size - 1 && !cr) {
			cr = 1;
			continue;
		}
		if (n == size - 1 || cr) {
			buf[n] = '\0';
			return err_push("the %s is longer than %zu characters", what, size - 1);
		}
		buf[n++] = c;
	}
	if (n > 0 && buf[n - 1] == '\r')
		n--;
	buf[n] = '\0';
	return 0;
}

/*
 * The user when neither --user nor C8Y_USER gives it, as thin-edge asks:
 * "Enter username: " on the terminal, echo on, one line. Without a
 * terminal, a usage error that says how to give it.
 */
static const char *
ask_user(void)
{
	int fd, r;

	if ((fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC)) < 0)
		die_usage("the following required arguments were not provided:\n  --user <USER>\n"
		    "(no terminal to ask for it on: %s; give --user or set C8Y_USER)", strerror(errno));
	if (write(fd, "Enter username: ", 16) != 16) {
		err_pushsysf(errno, "cannot ask for the username on /dev/tty");
		die("failed to upload root certificate");
	}
	r = read_line(fd, username, sizeof(username), "username");
	close(fd);
	if (r < 0)
		die("failed to upload root certificate");
	return username;
}

/* The password from where SPEC §4 says, in its order; the variables are
 * then removed from our environment, so nothing we might start sees them. */
static int
get_password(void)
{
	struct termios old, quiet;
	const char *env;
	int fd, r;

	if ((env = getenv("C8Y_PASSWORD")) || (env = getenv("C8YPASS"))) {
		const char *var = getenv("C8Y_PASSWORD") ? "C8Y_PASSWORD" : "C8YPASS";
		if (!getenv("C8Y_PASSWORD"))
			warn("Detected use of a deprecated env variable, C8YPASS. Please use C8Y_PASSWORD instead");
		if (strlen(env) > PASSWORD_MAX)
			return err_push("the password in %s is longer than %d characters",
			    var, PASSWORD_MAX);
		if (!*env)
			return err_push("%s is set but empty: there is no password to send (unset it to be asked for one)",
			    var);
		strcpy(password, env);
		unsetenv("C8Y_PASSWORD");
		unsetenv("C8YPASS");
		return 0;
	}
	if (opt_password_stdin) {
		if (read_line(STDIN_FILENO, password, sizeof(password), "password") < 0)
			return -1;
		return *password ? 0 :
		    err_push("--password-stdin: the first line of stdin is empty: there is no password to send");
	}
	if ((fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC)) < 0)
		return err_pushsysf(errno, "cannot ask for the password on /dev/tty (set C8Y_PASSWORD or use --password-stdin)");
	if (tcgetattr(fd, &old) < 0) {
		close(fd);
		return err_pushsysf(errno, "cannot ask for the password on /dev/tty");
	}
	quiet = old;
	quiet.c_lflag &= ~(tcflag_t)ECHO;
	quiet.c_lflag |= ECHONL;
	if (write(fd, "Enter password: ", 16) != 16 || tcsetattr(fd, TCSAFLUSH, &quiet) < 0) {
		close(fd);
		return err_pushsysf(errno, "cannot ask for the password on /dev/tty");
	}
	r = read_line(fd, password, sizeof(password), "password");
	tcsetattr(fd, TCSAFLUSH, &old);
	close(fd);
	if (r == 0 && !*password)
		r = err_push("no password was entered");
	return r;
}

static const char *
reason(long code)
{
	switch (code) {
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 422: return "Unprocessable Entity";
	case 429: return "Too Many Requests";
	case 500: return "Internal Server Error";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	case 504: return "Gateway Timeout";
	default: return "";
	}
}

struct buf {
	char *p;
	size_t n;
};

static size_t
collect(char *data, size_t size, size_t nmemb, void *arg)
{
	struct buf *b = arg;
	size_t n = size * nmemb;

	if (b->n + n > (1 << 20))
		return 0;	/* a tenant answer is small; refuse a flood */
	b->p = xrealloc(b->p, b->n + n + 1);
	memcpy(b->p + b->n, data, n);
	b->n += n;
	b->p[b->n] = '\0';
	return n;
}

static const char *root_cert_path;

/* Adds root_cert_path (a file, or every certificate file of a directory)
 * to the store curl verifies the server with, next to the system's. */
static CURLcode
add_roots(CURL *curl, void *sslctx, void *arg)
{
	X509_STORE *store = SSL_CTX_get_cert_store(sslctx);
	struct stat st;

	(void)curl, (void)arg;
	if (!root_cert_path || stat(root_cert_path, &st) < 0)
		return CURLE_OK;
	if (S_ISDIR(st.st_mode)) {
		DIR *d = opendir(root_cert_path);
		struct dirent *e;
		while (d && (e = readdir(d))) {
			char *p = path_join(root_cert_path, e->d_name);
			if (e->d_name[0] != '.' && stat(p, &st) == 0 && S_ISREG(st.st_mode))
				X509_STORE_load_file(store, p);	/* non-PEM files are skipped */
			free(p);
		}
		if (d)
			closedir(d);
	} else {
		X509_STORE_load_file(store, root_cert_path);
	}
	ERR_clear_error();
	return CURLE_OK;
}

static CURL *
new_request(const char *url, const char *user, struct buf *body, char *errbuf)
{
	CURL *c = curl_easy_init();

	if (!c)
		return NULL;
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "https");
	curl_easy_setopt(c, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
	curl_easy_setopt(c, CURLOPT_USERNAME, user);
	curl_easy_setopt(c, CURLOPT_PASSWORD, password);
	/* Verification is on by default; say so, and never turn it off. */
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
	/* The system store as a hashed directory, looked up per handshake,
	 * rather than the whole bundle parsed up front: several MB less. */
	if (access(SYSTEM_CAPATH, R_OK | X_OK) == 0) {
		curl_easy_setopt(c, CURLOPT_CAINFO, NULL);
		curl_easy_setopt(c, CURLOPT_CAPATH, SYSTEM_CAPATH);
	}
	curl_easy_setopt(c, CURLOPT_SSL_CTX_FUNCTION, add_roots);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 30L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "tedge-c/" VERSION);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, body);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	return c;
}

/* Explains a transport failure; the TLS ones are what users meet. */
static void
push_transport(CURLcode rc, const char *errbuf, const char *url)
{
	const char *hint = NULL;

	switch (rc) {
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_CONNECT_ERROR:
		hint = "Hint: the server certificate is not trusted. Cumulocity's CA must be in the system store or in c8y.root_cert_path.";
		break;
	case CURLE_COULDNT_RESOLVE_HOST:
		hint = "Hint: the host name does not resolve; check c8y.url (or c8y.http) and DNS.";
		break;
	case CURLE_COULDNT_CONNECT:
		hint = "Hint: nothing accepts connections there; check c8y.http and the network.";
		break;
	case CURLE_OPERATION_TIMEDOUT:
		hint = "Hint: the server did not answer in time.";
		break;
	default:
		break;
	}
	err_push("HTTP Connection Problem: %s (%s)%s%s", *errbuf ? errbuf : curl_easy_strerror(rc),
	    url, hint ? " \n" : "", hint ? hint : "");
}

/*
 * The tenant's name in the body of GET /tenant/currentTenant (NULL: no
 * body): a JSON object whose "name" is a non-empty string of
 * [A-Za-z0-9_.-]. It lives in *j, which the caller puts. NULL with the
 * reason pushed. A function of its own so that t/fuzz/fuzz-json.c, which
 * includes this file, can reach it.
 */
static const char *
tenant_name(const char *body, struct json_object **j)
{
	struct json_object *name;
	const char *tenant;

	*j = body ? json_tokener_parse(body) : NULL;
	if (!*j || !json_object_object_get_ex(*j, "name", &name) ||
	    !json_object_is_type(name, json_type_string)) {
		err_push("error decoding response body: missing field `name`");
		return NULL;
	}
	tenant = json_object_get_string(name);
	if (!*tenant || strspn(tenant, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.") != strlen(tenant)) {
		err_push("unexpected tenant name in the response: %s", tenant);
		return NULL;
	}
	return tenant;
}

static int
cmd_upload(int argc, char **argv)
{
	char *http, *cert_path, *id, *pem, *url, errbuf[CURL_ERROR_SIZE] = "";
	const char *tenant, *user = opt_user;
	struct json_object *j, *body;
	struct curl_slist *hdr = NULL;
	struct buf resp = { NULL, 0 };
	size_t pemlen;
	struct stat st;
	long code = 0;
	CURLcode rc;
	CURL *c;
	int r;

	if (argc < 1)
		die_usage("the following required arguments were not provided:\n  <CLOUD>");
	if (strcmp(argv[0], "c8y"))
		die_usage("invalid value '%s' for '<CLOUD>': upload is for c8y (Cumulocity) only", argv[0]);
	if (argc > 1)
		die_usage("unexpected argument '%s' found", argv[1]);
	if (!user)
		user = getenv("C8Y_USER");
	if (user && (!*user || strchr(user, ':')))
		die_usage("invalid user '%s'", user);

	http = conf("c8y.http");
	cert_path = conf("device.cert_path");
	root_cert_path = conf("c8y.root_cert_path");
	/* Said now, by name: left to the handshake, a missing root would
	 * only read as an untrusted server. */
	if (stat(root_cert_path, &st) < 0 ||
	    access(root_cert_path, S_ISDIR(st.st_mode) ? R_OK | X_OK : R_OK) < 0) {
		err_pushsysf(errno, "c8y.root_cert_path: %s", root_cert_path);
		die("failed to upload root certificate");
	}
	/* The upload reads every file of a directory, mosquitto's bridge
	 * its hash links only: say now what `tedge connect` would meet. */
	if (S_ISDIR(st.st_mode) && cfg_check_capath("c8y.root_cert_path", root_cert_path) < 0)
		warn_causes();
	if (!(pem = fs_read(cert_path, 1 << 20, &pemlen))) {
		if (errno == ENOENT) {
			err_clear();
			err_push("No certificate has been attached to that device.\n"
			    "        Missing file: \"%s\"\n"
			    "        Run `tedge cert create` to generate a new certificate.", cert_path);
		}
		die("failed to upload root certificate");
	}
	if ((r = cfg_get_str(&cfg, "device.id", &id)) != 0)
		die("failed to upload root certificate");
	if (!user && (!*(user = ask_user()) || strchr(user, ':')))
		die_usage("invalid user '%s'", user);
	if (get_password() < 0) {
		OPENSSL_cleanse(password, sizeof(password));
		die("failed to upload root certificate");
	}
	if (curl_global_init(CURL_GLOBAL_DEFAULT)) {
		err_push("cannot initialise libcurl");
		die("failed to upload root certificate");
	}

	/* 1. Which tenant: the user as typed, as thin-edge sends it. */
	url = xasprintf("https://%s/tenant/currentTenant", http);
	if (!(c = new_request(url, user, &resp, errbuf))) {
		err_push("cannot initialise libcurl");
		die("failed to upload root certificate");
	}
	rc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	curl_easy_cleanup(c);
	if (rc != CURLE_OK) {
		push_transport(rc, errbuf, url);
		OPENSSL_cleanse(password, sizeof(password));
		die("failed to upload root certificate");
	}
	if (code < 200 || code > 299) {
		OPENSSL_cleanse(password, sizeof(password));
		if (code == 401)
			err_push("Hint: check the user and password; the user is sent as typed, e.g. 'john' or 't12345/john'.");
		err_push("HTTP status %s error (%ld %s) for url (%s)", code < 500 ? "client" : "server",
		    code, reason(code), url);
		die("failed to upload root certificate");
	}
	free(url);
	if (!(tenant = tenant_name(resp.p, &j))) {
		OPENSSL_cleanse(password, sizeof(password));
		die("failed to upload root certificate");
	}

	/* 2. The certificate, as a trusted certificate of that tenant. */
	body = json_object_new_object();
	json_object_object_add(body, "name", json_object_new_string(id));
	json_object_object_add(body, "certInPemFormat", json_object_new_string_len(pem, (int)pemlen));
	json_object_object_add(body, "autoRegistrationEnabled", json_object_new_boolean(1));
	json_object_object_add(body, "status", json_object_new_string("ENABLED"));
	url = xasprintf("https://%s/tenant/tenants/%s/trusted-certificates", http, tenant);
	free(resp.p);
	resp.p = NULL, resp.n = 0;
	if (!(c = new_request(url, user, &resp, errbuf))) {
		err_push("cannot initialise libcurl");
		die("failed to upload root certificate");
	}
	hdr = curl_slist_append(hdr, "Content-Type: application/json");
	hdr = curl_slist_append(hdr, "Accept: application/json");
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdr);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS,
	    json_object_to_json_string_ext(body, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	rc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	curl_easy_cleanup(c);
	curl_slist_free_all(hdr);
	OPENSSL_cleanse(password, sizeof(password));
	if (rc != CURLE_OK) {
		push_transport(rc, errbuf, url);
		die("failed to upload root certificate");
	}
	if (code == 200 || code == 201) {
		fputs("Certificate uploaded successfully.\n", stderr);
	} else if (code == 409) {
		fputs("Certificate already exists in the cloud.\n", stderr);
	} else {
		if (code == 403)
			err_push("Hint: the user needs the role to manage trusted certificates (tenant management admin).");
		else if (code == 422)
			err_push("Hint: Cumulocity refused the certificate itself (it must be a CA certificate, e.g. made by `tedge cert create`).");
		else if (code == 401)
			err_push("Hint: check the user and password.");
		err_push("Request returned with code: %ld %s", code, reason(code));
		die("failed to upload root certificate");
	}
	json_object_put(body);
	json_object_put(j);
	free(resp.p), free(url), free(pem), free(id), free(http), free(cert_path);
	curl_global_cleanup();
	return EXIT_OK;
}

int
main(int argc, char *argv[])
{
	static const struct opt opts[] = {
		OPT_CONFIG_DIR,
		{ "user", 'u', "USER", NULL },
		{ "password-stdin", 'P', NULL, NULL },
		OPT_END
	};
	int ch, r;

	err_setprog(argv[0]);
	while ((ch = opt_next(argc, argv, opts, usage_text)) != -1) {
		if (ch == 'u')
			opt_user = optarg;
		else if (ch == 'P')
			opt_password_stdin = 1;
	}
	if (cfg_load(&cfg, paths_config_dir(opt_config_dir()), CFG_ENV) < 0)
		die("failed to read the configuration");
	warn_unknown_keys(&cfg, getenv("TEDGE_QUIET_UNKNOWN_KEYS"));
	r = cmd_upload(argc - optind, argv + optind);
	cfg_free(&cfg);
	return r;
}
