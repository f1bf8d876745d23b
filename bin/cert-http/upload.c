/* SPDX-License-Identifier: Apache-2.0 */
/*
 * upload.c: `tedge cert upload c8y`. GET https://<c8y.http>/tenant/
 * currentTenant, then POST the device certificate to /tenant/tenants/
 * <tenant>/trusted-certificates. The user is --user, else C8Y_USER, else
 * asked on /dev/tty ("Enter username: ", echo on). The password comes from
 * C8Y_PASSWORD, else C8YPASS, else one line of stdin (--password-stdin),
 * else a prompt on /dev/tty without echo; it is never written anywhere,
 * never in an argument list, never given to a program.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <curl/curl.h>
#include <json-c/json.h>
#include <openssl/crypto.h>

#include "cert-http.h"

#define PASSWORD_MAX 1023	/* characters; a longer password is refused */
static char password[PASSWORD_MAX + 1], username[256];

/* The upload's one error, the password (if any yet) wiped first. */
static void __attribute__((noreturn))
fail(void)
{
	OPENSSL_cleanse(password, sizeof(password));
	die("failed to upload root certificate");
}

/* A configuration value the upload cannot do without. */
static char *
conf(const char *key)
{
	char *v;

	if (cfg_need(&cfg, key, &v) != 0)
		fail();
	return v;
}

/*
 * The user when neither --user nor C8Y_USER gives it, as thin-edge asks:
 * "Enter username: " on the terminal, echo on, one line. Without a
 * terminal, a usage error that says how to give it.
 */
static const char *
ask_user(void)
{
	int r = fs_ask_tty("Enter username: ", username, sizeof(username), "username");

	if (r == -2)
		die_usage("the following required arguments were not provided:\n  --user <USER>\n"
		    "(no terminal to ask for it on: %s; give --user or set C8Y_USER)", strerror(errno));
	if (r < 0)
		fail();
	return username;
}

/* The password from where SPEC §4 says, in its order; the variables are
 * then removed from our environment, so nothing we might start sees them. */
static int
get_password(void)
{
	struct termios old, quiet;
	const char *var = "C8Y_PASSWORD", *env;
	int fd, r;

	if (!(env = getenv(var)) && (env = getenv(var = "C8YPASS")))
		warn("Detected use of a deprecated env variable, C8YPASS. Please use C8Y_PASSWORD instead");
	if (env) {
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
		if (fs_read_line(STDIN_FILENO, password, sizeof(password), "password") < 0)
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
	r = fs_read_line(fd, password, sizeof(password), "password");
	tcsetattr(fd, TCSAFLUSH, &old);
	close(fd);
	if (r == 0 && !*password)
		r = err_push("no password was entered");
	return r;
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
	const char *tenant, *c;

	*j = body ? json_tokener_parse(body) : NULL;
	if (!*j || !json_object_object_get_ex(*j, "name", &name) ||
	    !json_object_is_type(name, json_type_string)) {
		err_push("error decoding response body: missing field `name`");
		return NULL;
	}
	tenant = json_object_get_string(name);
	/* every character one of these (strchr: tedge-cert-http imports no
	 * strspn) */
	for (c = tenant; *c && strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.", *c); c++)
		;
	if (!*tenant || *c) {
		err_push("unexpected tenant name in the response: %s", tenant);
		return NULL;
	}
	return tenant;
}

/*
 * A request of the upload: basic authentication, as the user typed it;
 * with post, that JSON POSTed. Its body in *resp, its HTTP status
 * returned; a failed transfer fails the upload.
 */
static long
request(const char *url, const char *user, const char *post, struct buf *resp)
{
	char errbuf[CURL_ERROR_SIZE] = "";
	struct curl_slist *hdr = NULL;
	long code = 0;
	CURLcode rc;
	CURL *c = http_new(url, resp, errbuf);

	if (!c) {
		err_push("cannot initialise libcurl");
		fail();
	}
	curl_easy_setopt(c, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
	curl_easy_setopt(c, CURLOPT_USERNAME, user);
	curl_easy_setopt(c, CURLOPT_PASSWORD, password);
	if (post) {
		hdr = curl_slist_append(hdr, "Content-Type: application/json");
		hdr = curl_slist_append(hdr, "Accept: application/json");
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdr);
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, post);
	}
	rc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	curl_easy_cleanup(c);
	curl_slist_free_all(hdr);
	if (rc != CURLE_OK) {
		http_push_transport(rc, errbuf, url);
		fail();
	}
	return code;
}

int
cmd_upload(int argc, char **argv)
{
	char *http, *cert_path, *id, *pem, *url, *root_cert_path;
	const char *tenant, *user = opt_user;
	struct json_object *j, *body;
	struct buf resp = { NULL, 0 };
	size_t pemlen;
	long code;

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
	cert_path = conf("c8y.device.cert_path");
	root_cert_path = conf("c8y.root_cert_path");
	if (http_trust(root_cert_path) < 0)
		fail();
	if (!(pem = fs_read(cert_path, 1 << 20, &pemlen))) {
		if (errno == ENOENT) {
			err_clear();
			err_push("No certificate has been attached to that device.\n"
			    "        Missing file: \"%s\"\n"
			    "        Run `tedge cert create` to generate a new certificate.", cert_path);
		}
		fail();
	}
	if (cfg_get_str(&cfg, "c8y.device.id", &id) != 0)
		fail();
	if (!user && (!*(user = ask_user()) || strchr(user, ':')))
		die_usage("invalid user '%s'", user);
	if (get_password() < 0)
		fail();
	if (http_init() < 0)
		fail();

	/* 1. Which tenant: the user as typed, as thin-edge sends it. */
	url = xasprintf("https://%s/tenant/currentTenant", http);
	code = request(url, user, NULL, &resp);
	if (code < 200 || code > 299) {
		if (code == 401)
			err_push("Hint: check the user and password; the user is sent as typed, e.g. 'john' or 't12345/john'.");
		err_push("HTTP status %s error (%ld %s) for url (%s)", code < 500 ? "client" : "server",
		    code, http_reason(code), url);
		fail();
	}
	free(url);
	if (!(tenant = tenant_name(resp.p, &j)))
		fail();

	/* 2. The certificate, as a trusted certificate of that tenant. */
	body = json_object_new_object();
	json_object_object_add(body, "name", json_object_new_string(id));
	json_object_object_add(body, "certInPemFormat", json_object_new_string_len(pem, (int)pemlen));
	json_object_object_add(body, "autoRegistrationEnabled", json_object_new_boolean(1));
	json_object_object_add(body, "status", json_object_new_string("ENABLED"));
	url = xasprintf("https://%s/tenant/tenants/%s/trusted-certificates", http, tenant);
	free(resp.p);
	resp.p = NULL, resp.n = 0;
	code = request(url, user, json_object_to_json_string_ext(body,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE), &resp);
	OPENSSL_cleanse(password, sizeof(password));
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
		err_push("Request returned with code: %ld %s", code, http_reason(code));
		fail();
	}
	json_object_put(body);
	json_object_put(j);
	free(resp.p), free(url), free(pem), free(id), free(http), free(cert_path);
	free(root_cert_path);
	curl_global_cleanup();
	return EXIT_OK;
}

