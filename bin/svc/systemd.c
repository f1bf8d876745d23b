/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tedge-svc's systemd backend: systemctl for the running systemd, unit
 * files looked up directly under a root of its own.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tedge.h"
#include "svc.h"

#define SD_MARK "/run/systemd/system"	/* sd_booted(3) */

static char unitbuf[256];

/* Whether svc ends with suffix, after something. */
static int
ends(const char *svc, const char *suffix)
{
	size_t n = strlen(svc), k = strlen(suffix);

	return n > k && !strcmp(svc + n - k, suffix);
}

/*
 * NAME -> NAME.service (name@inst -> name@inst.service); a name that is
 * a unit already (.service, .timer: the renewal's timer) stays as it is.
 * Static buffer.
 */
static const char *
unit(const char *svc)
{
	snprintf(unitbuf, sizeof(unitbuf), "%s%s", svc,
	    ends(svc, ".service") || ends(svc, ".timer") ? "" : ".service");
	return unitbuf;
}

/* Unit files where systemd looks, for a root it is not running on. */
static int
sd_unit_file_exists(const char *u)
{
	static const char *const dirs[] = {
		"/etc/systemd/system", "/run/systemd/system",
		"/run/systemd/generator", "/run/systemd/generator.late",
		"/usr/local/lib/systemd/system", "/usr/lib/systemd/system",
		"/lib/systemd/system",
	};
	const char *at = strchr(u, '@');
	char *tmpl = NULL, *p;
	size_t i;
	int found = 0;

	/* name@inst.service is defined by name@.service (.timer alike) */
	if (at)
		tmpl = xasprintf("%.*s@%s", (int)(at - u), u, strrchr(at, '.'));
	for (i = 0; i < LEN(dirs) && !found; i++) {
		p = xasprintf("%s%s/%s", root, dirs[i], u);
		found = exists_path(p);
		free(p);
		if (!found && tmpl) {
			p = xasprintf("%s%s/%s", root, dirs[i], tmpl);
			found = exists_path(p);
			free(p);
		}
	}
	free(tmpl);
	return found;
}

static int
sd_exists(const char *svc)
{
	const char *u = unit(svc), *at;
	const char *argv[] = { "systemctl", "show", "--property=LoadState",
		"--value", u, NULL };
	char *out;
	int code, r;

	/* A template (name@.service, the renewer's) is no unit that the
	 * running systemd shows, only its instances are: its file is
	 * looked for. */
	if (*root || ((at = strchr(u, '@')) && at[1] == '.'))
		return sd_unit_file_exists(u) ? R_YES : R_NO;
	/* The running systemd knows generated units (e.g. from init.d
	 * scripts) as well as files. */
	if ((code = run(argv, &out)) < 0)
		return R_ERR;
	if (code != 0)
		r = command_failed(argv, code, out);
	else
		r = !strcmp(out, "not-found") ? R_NO : R_YES;
	free(out);
	return r;
}

static int
sd_action(enum verb v, const char *svc)
{
	char rootopt[4200];
	const char *argv[6];
	char *out;
	int n = 0, code, r;

	argv[n++] = "systemctl";
	/* Offline operations follow the root; live ones go to the running
	 * systemd, whatever the root. */
	if (*root && (v == V_ENABLE || v == V_DISABLE)) {
		snprintf(rootopt, sizeof(rootopt), "--root=%s", root);
		argv[n++] = rootopt;
	}
	argv[n++] = verbs[v].name;
	argv[n++] = unit(svc);
	argv[n] = NULL;
	if ((code = run(argv, &out)) < 0)
		return R_ERR;
	/* LSB "program is not installed", systemctl's word for an unknown
	 * unit on start, stop and restart. */
	if (code == 5 && v != V_ENABLE && v != V_DISABLE)
		r = R_MISSING;
	else
		r = code == 0 ? R_YES : command_failed(argv, code, out);
	free(out);
	return r;
}

static int
sd_is_active(const char *svc)
{
	const char *argv[] = { "systemctl", "is-active", "--quiet", unit(svc),
		NULL };

	return run_pred(argv);
}

static int
sd_is_enabled(const char *svc)
{
	char rootopt[4200];
	const char *argv[6];
	int n = 0;

	argv[n++] = "systemctl";
	if (*root) {
		snprintf(rootopt, sizeof(rootopt), "--root=%s", root);
		argv[n++] = rootopt;
	}
	argv[n++] = "is-enabled";
	argv[n++] = "--quiet";
	argv[n++] = unit(svc);
	argv[n] = NULL;
	return run_pred(argv);
}

static const char *
sd_tmpl(const char *svc)
{
	return template_path("systemd", unit(svc));
}

static int
sd_install(const char *svc, const char *tmpl)
{
	const char *argv[] = { "systemctl", "daemon-reload", NULL };
	char *dst = xasprintf("%s/etc/systemd/system/%s", root, unit(svc));
	int r = install_file(dst, tmpl, 0644, svc);

	free(dst);
	/* A running systemd learns of new unit files on reload. */
	if (r == R_YES && !*root && root_has(SD_MARK, 1))
		r = run_ok(argv);
	return r;
}

const struct backend svc_systemd = {
	.id = "systemd", .initsub = "systemd",
	.mark = SD_MARK, .mark_dir = 1,
	.absent = "is not a directory: systemd is not running",
	.exists = sd_exists, .action = sd_action, .is_active = sd_is_active,
	.is_enabled = sd_is_enabled, .install = sd_install, .tmpl = sd_tmpl,
};
