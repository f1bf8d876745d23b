/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Cumulocity's basic authentication (reference ca-profiles §5): which
 * method c8y.auth_method picks, and the user and password of the
 * credentials file. The password is only ever read from that file: never
 * from argv or the environment, never in a message.
 */
#include <sys/stat.h>

#include <errno.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tedge.h"
#include "cfg.h"

int
cfg_c8y_basic(struct cfg *c, char **path)
{
	char *m = NULL, *p = NULL;
	struct stat st;
	int r = -1;

	if (cfg_get_str(c, "c8y.auth_method", &m) == 0 &&
	    cfg_get_str(c, "c8y.credentials_path", &p) == 0)
		r = !strcmp(m, "basic") || (!strcmp(m, "auto") && stat(p, &st) == 0);
	free(m);
	if (path && r >= 0)
		*path = p;
	else
		free(p);
	return r;
}

/* A user name or password a mosquitto line and an MQTT CONNECT can carry
 * as it is: not empty, text with no control character (check_text), no
 * blank at either end (mosquitto drops those of a configuration line). */
static int
cred_ok(const char *path, const char *field, const char *v)
{
	size_t n = strlen(v);

	if (!n || check_text(v) < 0 || strchr(" \t", v[0]) || strchr(" \t", v[n - 1])) {
		err_clear();
		return err_push("Error while parsing credentials file: '%s': the %s must be text, no control character, no blank at its ends.",
		    path, field);
	}
	return 0;
}

int
cred_read(const char *path, char **user, char **pass)
{
	struct toml *doc = NULL, *u, *pw;
	struct passwd *who;
	struct stat st;
	char msg[256], *text;
	size_t len;
	int e, r = -1;

	*user = *pass = NULL;
	/* Refused before it is read: a password others can read is no
	 * secret (thin-edge does not check; its docs say mode 600). */
	if (stat(path, &st) == 0 && (st.st_mode & 044)) {
		who = getpwuid(geteuid());
		return err_push("The credentials file %s can be read by %s. Run `chmod 600 %s` and `chown %s %s`.",
		    path, st.st_mode & 04 ? "others" : "its group", path, who ? who->pw_name : "root", path);
	}
	if (!(text = fs_read(path, 1 << 16, &len))) {
		e = errno;
		err_clear();
		return err_push("Failed to read the basic auth credentials file. file=%s: %s (os error %d)",
		    path, strerror(e), e);
	}
	if (toml_parse(text, len, &doc, msg, sizeof(msg)) < 0) {
		err_push("Error while parsing credentials file: '%s': %s.", path, msg);
	} else if (!(u = toml_path_get(doc, "c8y.username")) || u->type != TOML_STRING ||
	    !(pw = toml_path_get(doc, "c8y.password")) || pw->type != TOML_STRING) {
		err_push("Error while parsing credentials file: '%s': missing field `%s`.",
		    path, !toml_get(doc, "c8y") ? "c8y" :
		    !(u && u->type == TOML_STRING) ? "username" : "password");
	} else if (cred_ok(path, "username", u->s) == 0 && cred_ok(path, "password", pw->s) == 0) {
		*user = xstrdup(u->s);
		*pass = xstrdup(pw->s);
		r = 0;
	}
	if (doc && (pw = toml_path_get(doc, "c8y.password")) && pw->type == TOML_STRING && pw->s)
		explicit_bzero(pw->s, strlen(pw->s));
	explicit_bzero(text, len);
	free(text);
	toml_free(doc);
	return r;
}
