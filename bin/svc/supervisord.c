/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tedge-svc's supervisord backend: supervisorctl -c
 * /etc/supervisor/supervisord.conf against the supervisord running with
 * that file; a program's definition (what install writes) in
 * /etc/supervisor/conf.d/NAME.conf, the file tedge-svc owns, whose
 * autostart enable and disable set.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "tedge.h"
#include "svc.h"

#define SD_CONF "/etc/supervisor/supervisord.conf"

static char *conf;

static const char *
sd_conf(void)
{
	if (!conf)
		conf = root_path(SD_CONF);
	return conf;
}

static char *
sd_file(const char *svc)
{
	return xasprintf("%s/etc/supervisor/conf.d/%s.conf", root, svc);
}

/* supervisorctl -c CONF a [b]: static */
static const char *const *
sd_argv(const char *a, const char *b)
{
	static const char *argv[6] = { "supervisorctl", "-c" };

	argv[2] = sd_conf(), argv[3] = a, argv[4] = b;
	return argv;
}

/* Without -c, supervisord finds /etc/supervisor/supervisord.conf last. */
static int
sd_available(void)
{
	return proc_match("supervisord", "-c", *root ? NULL : SD_CONF,
	    sd_conf(), NULL);
}

static char whybuf[4400];

static const char *
sd_why(void)
{
	snprintf(whybuf, sizeof(whybuf), "no supervisord process runs with %s",
	    sd_conf());
	return whybuf;
}

static const char *
sd_sought(void)
{
	snprintf(whybuf, sizeof(whybuf), "a supervisord with %s", sd_conf());
	return whybuf;
}

static const char *
sd_tmpl(const char *svc)
{
	char name[256];

	snprintf(name, sizeof(name), "%s.conf", svc);
	return template_path("supervisord", name);
}

/* Its file, else the daemon knows it (status: 0 running, 3 not, 4 none). */
static int
sd_exists(const char *svc)
{
	char *f = sd_file(svc);
	int r = exists_path(f), code;

	free(f);
	if (r)
		return R_YES;
	code = run(sd_argv("status", svc), NULL);
	return code < 0 ? R_ERR : code == 0 || code == 3 ? R_YES : R_NO;
}

static int
sd_is_active(const char *svc)
{
	int code = run(sd_argv("status", svc), NULL);

	return code < 0 ? R_ERR : code == 0 ? R_YES : R_NO;
}

/* The first autostart line of buf, or NULL. */
static char *
autostart(char *buf)
{
	char *p, *q;

	for (p = buf; p; p = strchr(p, '\n'), p = p ? p + 1 : p) {
		for (q = p; *q == ' ' || *q == '\t'; q++)
			;
		if (strncmp(q, "autostart", 9))
			continue;
		for (q += 9; *q == ' ' || *q == '\t'; q++)
			;
		if (*q == '=')
			return p;
	}
	return NULL;
}

/* supervisord's own default is autostart=true. */
static int
sd_is_enabled(const char *svc)
{
	char *f = sd_file(svc), *buf, *v;
	size_t len;
	int r = R_YES;

	if ((buf = fs_read(f, 1 << 20, &len)) && (v = autostart(buf))) {
		v = strchr(v, '=') + 1;
		while (*v == ' ' || *v == '\t')
			v++;
		/* false, no, off, 0 */
		if (strchr("fFnN0", *v) || (v[1] | 32) == 'f')
			r = R_NO;
	}
	err_clear();
	free(buf), free(f);
	return r;
}

/*
 * autostart=true|false in the program's file: its line replaced, else one
 * appended (the file holds that one program). Then reread, so the daemon
 * knows; not update, which would restart the program (and not start it
 * again when false).
 */
static int
sd_autostart(const char *svc, int on)
{
	char *f = sd_file(svc), *buf, *out, *p, *e;
	size_t len;
	struct stat st;
	int r = R_ERR;

	if (!(buf = fs_read(f, 1 << 20, &len))) {
		err_push("%s is not defined in %s, the file tedge-svc owns", svc, f);
		free(f);
		return R_ERR;
	}
	if (!(p = autostart(buf)))
		p = buf + len;
	e = strchr(p, '\n');
	out = xasprintf("%.*s%sautostart=%s\n%s", (int)(p - buf), buf,
	    p > buf && p[-1] != '\n' ? "\n" : "", on ? "true" : "false",
	    e ? e + 1 : "");
	if (fs_write_atomic(f, out, strlen(out),
	    stat(f, &st) == 0 ? (unsigned)st.st_mode & 0777 : 0644) == 0)
		r = run_ok(sd_argv("reread", NULL));
	free(out), free(buf), free(f);
	return r;
}

/*
 * start, stop, restart: supervisorctl's (0 when already in that state). A
 * program the daemon does not know yet, in its file, is added first
 * (reread, update NAME) and asked again.
 */
static int
sd_action(enum verb v, const char *svc)
{
	char *out = NULL, *f;
	int code, known;

	if (v == V_ENABLE || v == V_DISABLE)
		return sd_autostart(svc, v == V_ENABLE);
	code = run(sd_argv(verbs[v].name, svc), &out);
	if (code > 0 && strstr(out, "no such process")) {
		f = sd_file(svc);
		known = exists_path(f);
		free(f);
		free(out);
		out = NULL;
		if (!known)
			return R_NO;
		if (run_ok(sd_argv("reread", NULL)) != R_YES ||
		    run_ok(sd_argv("update", svc)) != R_YES)
			return R_ERR;
		code = run(sd_argv(verbs[v].name, svc), &out);
	}
	if (code > 0)
		command_failed(sd_argv(verbs[v].name, svc), code, out);
	free(out);
	return code == 0 ? R_YES : R_ERR;
}

/* The program's file, then the daemon told: reread, update NAME (its
 * autostart=false: added, not started). */
static int
sd_install(const char *svc, const char *tmpl)
{
	char *f = sd_file(svc);
	int r = install_file(f, tmpl, 0644, svc);

	free(f);
	if (r == R_YES && (r = run_ok(sd_argv("reread", NULL))) == R_YES)
		r = run_ok(sd_argv("update", svc));
	return r;
}

const struct backend svc_supervisord = {
	.id = "supervisord", .initsub = "supervisord",
	.available = sd_available, .why_unavailable = sd_why, .sought = sd_sought,
	.exists = sd_exists, .action = sd_action, .is_active = sd_is_active,
	.is_enabled = sd_is_enabled, .install = sd_install, .tmpl = sd_tmpl,
};
