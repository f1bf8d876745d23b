/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tedge-svc's custom backend: the commands of the [init] table of
 * thin-edge's <config-dir>/system.toml, else thin-edge's systemctl defaults.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tedge.h"
#include "svc.h"

enum { C_IS_AVAILABLE, C_START, C_STOP, C_RESTART, C_ENABLE, C_DISABLE,
	C_IS_ACTIVE, C_N };

static const char *const ckeys[C_N] = {
	"is_available", "start", "stop", "restart", "enable", "disable",
	"is_active"
};

static struct {
	char *path;		/* <config-dir>/system.toml */
	char *name;		/* [init] name */
	char **cmd[C_N];	/* argv, NULL-terminated */
	int loaded;
} cu;

/* thin-edge's defaults, used when the file or its [init] is missing. */
static const char *const cu_defaults[C_N][4] = {
	{ "/bin/systemctl", "--version", NULL },
	{ "/bin/systemctl", "start", "{}", NULL },
	{ "/bin/systemctl", "stop", "{}", NULL },
	{ "/bin/systemctl", "restart", "{}", NULL },
	{ "/bin/systemctl", "enable", "{}", NULL },
	{ "/bin/systemctl", "disable", "{}", NULL },
	{ "/bin/systemctl", "is-active", "{}", NULL },
};

static char **
argv_dup(const char *const *v)
{
	size_t n, i;
	char **o;

	for (n = 0; v[n]; n++)
		;
	o = xcalloc(n + 1, sizeof(*o));
	for (i = 0; i < n; i++)
		o[i] = xstrdup(v[i]);
	return o;
}

/* thin-edge's words for a system.toml it cannot take: "what `key` rest",
 * the one prefix shared by every such message. */
static void
bad_toml(const char *what, const char *key, const char *rest)
{
	err_push("Toml syntax error in the system config file '%s': %s`%s`%s",
	    cu.path, what, key, rest);
}

/*
 * Loads <config-dir>/system.toml. Returns 1 when it has an [init] table
 * (cu filled in), 0 when the file or the table is missing, -1 with the
 * cause pushed when it cannot be read or is not valid.
 */
int
custom_load(void)
{
	struct toml *doc = NULL, *init, *kv;
	char perr[256], *buf;
	size_t len, i, j;
	int r = -1;

	if (cu.loaded)
		return cu.loaded > 0;
	cu.path = path_join(confdir, "system.toml");
	if (!(buf = fs_read(cu.path, 1 << 20, &len))) {
		if (errno == ENOENT) {
			err_clear();
			cu.loaded = -1;
			return 0;
		}
		return err_push("cannot read the system config file '%s'", cu.path);
	}
	if (toml_parse(buf, len, &doc, perr, sizeof(perr)) < 0) {
		free(buf);
		return err_push("Toml syntax error in the system config file '%s': %s",
		    cu.path, perr);
	}
	free(buf);
	if (!(init = toml_get(doc, "init"))) {
		toml_free(doc);
		cu.loaded = -1;
		return 0;
	}
	if (init->type != TOML_TABLE) {
		bad_toml("invalid type: expected a table for ", "init", "");
		goto out;
	}
	for (i = 0; i < init->nkid; i++) {
		kv = init->kid[i];
		if (!strcmp(kv->key, "name")) {
			if (kv->type != TOML_STRING) {
				bad_toml("invalid type: expected a string for ", "name", "");
				goto out;
			}
			free(cu.name);
			cu.name = xstrdup(kv->s);
			continue;
		}
		for (j = 0; j < C_N; j++)
			if (!strcmp(kv->key, ckeys[j]))
				break;
		if (j == C_N) {
			/* thin-edge rejects unknown fields too */
			bad_toml("unknown field ", kv->key, ", expected one of `name`, "
			    "`is_available`, `restart`, `stop`, `start`, `enable`, "
			    "`disable`, `is_active`");
			goto out;
		}
		if (kv->type != TOML_ARRAY) {
			bad_toml("invalid type: expected a sequence for ", kv->key, "");
			goto out;
		}
		if (kv->nkid == 0) {
			err_push("Syntax error in the system config file for '%s': "
			    "Requires 1 or more arguments.\nCheck '%s' file.",
			    kv->key, cu.path);
			goto out;
		}
		cu.cmd[j] = xcalloc(kv->nkid + 1, sizeof(char *));
		for (len = 0; len < kv->nkid; len++) {
			if (kv->kid[len]->type != TOML_STRING) {
				bad_toml("invalid type: expected a string in ", kv->key, "");
				goto out;
			}
			cu.cmd[j][len] = xstrdup(kv->kid[len]->s);
		}
	}
	if (!cu.name) {
		bad_toml("missing field ", "name", "");
		goto out;
	}
	for (j = 0; j < C_N; j++)
		if (!cu.cmd[j] && j != C_START) {
			bad_toml("missing field ", ckeys[j], "");
			goto out;
		}
	/* start is optional: files older than it restart instead. */
	if (!cu.cmd[C_START])
		cu.cmd[C_START] = argv_dup((const char *const *)cu.cmd[C_RESTART]);
	cu.loaded = 1;
	r = 1;
out:
	toml_free(doc);
	return r;
}

/* [init] from the file, else thin-edge's systemd defaults. */
int
custom_setup(void)
{
	size_t j;
	int r;

	if ((r = custom_load()) < 0)
		return -1;
	if (r == 0) {
		free(cu.name);
		cu.name = xstrdup("systemd");
		for (j = 0; j < C_N; j++)
			cu.cmd[j] = argv_dup(cu_defaults[j]);
		cu.loaded = 1;
	}
	return 0;
}

const char *
custom_name(void)
{
	return cu.name;
}

const char *
custom_path(void)
{
	return cu.path;
}

/* Every "{}" of every element replaced by svc; malloc'd vector. NULL with
 * thin-edge's message pushed when need is set and there is no "{}". */
static char **
cu_argv(int which, const char *svc, int need)
{
	char **src = cu.cmd[which], **o, *s, *d;
	const char *p, *q;
	size_t n, i, k, count = 0, len = strlen(svc);

	for (n = 0; src[n]; n++)
		;
	o = xcalloc(n + 1, sizeof(*o));
	for (i = 0; i < n; i++) {
		for (k = 0, p = src[i]; (q = strstr(p, "{}")); p = q + 2)
			k++;
		count += k;
		s = d = xmalloc(strlen(src[i]) + k * len + 1);
		/* copied at the end of what is there, no strcat: each
		 * part once */
		for (p = src[i]; (q = strstr(p, "{}")); p = q + 2) {
			memcpy(d, p, (size_t)(q - p));
			d += q - p;
			memcpy(d, svc, len);
			d += len;
		}
		memcpy(d, p, strlen(p) + 1);
		o[i] = s;
	}
	if (need && count == 0) {
		for (i = 0; i < n; i++)
			free(o[i]);
		free(o);
		err_push("Syntax error in the system config file for '%s': "
		    "A placeholder '{}' is missing.\nCheck '%s' file.",
		    ckeys[which], cu.path);
		return NULL;
	}
	return o;
}

static void
argv_free(char **v)
{
	size_t i;

	if (!v)
		return;
	for (i = 0; v[i]; i++)
		free(v[i]);
	free(v);
}

/* Runs a custom command; its exit code, or -1 with thin-edge's "not
 * found" message when it could not run. */
static int
cu_run(char **argv, char **out)
{
	char *cmd, *q;
	int code;

	code = run((const char *const *)argv, out);
	if (code < 0 && errno != ETIMEDOUT) {
		err_clear();
		cmd = joined((const char *const *)argv);
		q = quote_debug(cmd);
		err_push("Service command <%s> not found.\nCheck '%s' file.",
		    q, cu.path);
		free(q), free(cmd);
	}
	return code;
}

static int
cu_available(void)
{
	char **argv, *out = NULL;
	int code;

	if (custom_setup() < 0)
		return 0;
	argv = cu_argv(C_IS_AVAILABLE, "", 0);
	code = run((const char *const *)argv, &out);
	argv_free(argv);
	free(out);
	err_clear();
	return code == 0;
}

static char cuwhy[1200];

static const char *
cu_why(void)
{
	char *cmd;

	if (custom_setup() < 0)
		return "the system config file is not valid";
	cmd = joined((const char *const *)cu.cmd[C_IS_AVAILABLE]);
	snprintf(cuwhy, sizeof(cuwhy), "'%s' failed", cmd);
	free(cmd);
	return cuwhy;
}

static int
cu_action(enum verb v, const char *svc)
{
	int which, code, r;
	char **argv, *out = NULL;

	switch (v) {
	case V_START: which = C_START; break;
	case V_STOP: which = C_STOP; break;
	case V_RESTART: which = C_RESTART; break;
	case V_ENABLE: which = C_ENABLE; break;
	case V_DISABLE: which = C_DISABLE; break;
	default: return err_push("%s is not an action", verbs[v].name);
	}
	if (!(argv = cu_argv(which, svc, 1)))
		return R_ERR;
	if ((code = cu_run(argv, &out)) < 0)
		r = R_ERR;
	else if (code == 5)
		r = R_MISSING;	/* LSB "not installed", as systemctl says it */
	else if (code == 0)
		r = R_YES;
	else
		r = command_failed((const char *const *)argv, code, out);
	free(out);
	argv_free(argv);
	return r;
}

static int
cu_is_active(const char *svc)
{
	char **argv;
	int code;

	if (!(argv = cu_argv(C_IS_ACTIVE, svc, 1)))
		return R_ERR;
	code = cu_run(argv, NULL);
	argv_free(argv);
	return code < 0 ? R_ERR : code == 0 ? R_YES : R_NO;
}

static int
cu_unknown(const char *svc)
{
	(void)svc;
	return R_UNKNOWN;
}

const struct backend svc_custom = {
	.id = "custom",
	.available = cu_available, .why_unavailable = cu_why,
	.exists = cu_unknown, .action = cu_action, .is_active = cu_is_active,
	.is_enabled = cu_unknown,
};
