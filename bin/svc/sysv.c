/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tedge-svc's SysV init backend: init.d scripts (initd.c), enabled by the
 * links of /etc/rc?.d, through update-rc.d where there is one.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tedge.h"
#include "svc.h"

static const char *
sysv_tmpl(const char *svc)
{
	return template_path("sysvinit", svc);
}

/* Is name "<S|K>NN<svc>"? */
static int
rc_link_name(const char *name, char kind, const char *svc)
{
	return name[0] == kind && isdigit((unsigned char)name[1]) &&
	    isdigit((unsigned char)name[2]) && !strcmp(name + 3, svc);
}

/* rc<l>.d/<name> renamed to <kind><name + 1>: S20x to K20x and back. */
static int
rc_flip(int l, const char *name, int kind)
{
	char *from = xasprintf("%s/etc/rc%c.d/%s", root, l, name);
	char *to = xasprintf("%s/etc/rc%c.d/%c%s", root, l, kind, name + 1);
	int r = R_YES;

	if (rename(from, to) < 0)
		r = err_pushsysf(errno, "cannot rename %s", from);
	free(from), free(to);
	return r;
}

/*
 * Is there a "<kind>NN<svc>" in <root>/etc/rc<lvl>.d? R_YES or R_NO; with
 * flip, the link found is renamed to <flip>NN<svc> as it is found (R_YES,
 * or R_ERR when it cannot be): its name needs no copy.
 */
static int
rc_find(char lvl, char kind, const char *svc, int flip)
{
	char *dir = xasprintf("%s/etc/rc%c.d", root, lvl);
	struct dirent *de;
	DIR *d;
	int r = R_NO;

	if ((d = opendir(dir))) {
		while (r == R_NO && (de = readdir(d)))
			if (rc_link_name(de->d_name, kind, svc))
				r = flip ? rc_flip(lvl, de->d_name, flip) : R_YES;
		closedir(d);
	}
	free(dir);
	return r;
}

static int
sysv_is_enabled(const char *svc)
{
	const char *l;

	for (l = "2345"; *l; l++)
		if (rc_find(*l, 'S', svc, 0) == R_YES)
			return R_YES;
	return R_NO;
}

/* Default-Start or Default-Stop of the script's LSB header, as runlevel
 * characters in out; def when the header has none. */
static const char *
lsb_levels(const char *svc, const char *field, const char *def, char *out,
    size_t n)
{
	char *s = initd_script(svc), *buf, *line, *next;
	size_t len, o = 0, flen = strlen(field);
	int in = 0, seen = 0;

	if (!(buf = fs_read(s, 1 << 20, &len))) {
		err_clear();
		free(s);
		return def;
	}
	/* Line by line (strchr: tedge imports no strtok_r); an empty line
	 * matches nothing below. */
	for (line = buf; line; line = next) {
		if ((next = strchr(line, '\n')))
			*next++ = '\0';
		if (!strncmp(line, "### BEGIN INIT INFO", 19))
			in = 1;
		else if (!strncmp(line, "### END INIT INFO", 17))
			break;
		else if (in && !strncmp(line, "# ", 2) &&
		    !strncmp(line + 2, field, flen) && line[2 + flen] == ':') {
			const char *p;
			seen = 1;
			for (p = line + 3 + flen; *p && o + 1 < n; p++)
				if (strchr("0123456S", *p))
					out[o++] = *p;
		}
	}
	out[o] = '\0';
	free(buf);
	free(s);
	return seen ? out : def;
}

/* A new link rc<l>.d/<kind>01<svc> to the script. */
static int
rc_link(int l, int kind, const char *svc)
{
	char *dir = xasprintf("%s/etc/rc%c.d", root, l);
	char *from = xasprintf("../init.d/%s", svc);
	char *to = xasprintf("%s/%c01%s", dir, kind, svc);
	int r = R_YES;

	if (fs_mkdirp(dir, 0755) < 0)
		r = R_ERR;
	else if (symlink(from, to) < 0)
		r = err_pushsysf(errno, "cannot create %s", to);
	free(from), free(to), free(dir);
	return r;
}

/*
 * update-rc.d's links, made directly, for systems without update-rc.d and
 * for a root of their own: enable turns K links of the start levels into S
 * links (creating S01 where there is none) and adds K01 to stop levels with
 * no link; disable turns every S link into a K link, as Debian's
 * `update-rc.d disable` does.
 */
static int
sysv_links(enum verb v, const char *svc)
{
	char startbuf[16], stopbuf[16];
	const char *l, *start, *stop;
	int r = R_YES;

	if (v == V_DISABLE) {
		for (l = "0123456S"; *l; l++)
			if (rc_find(*l, 'S', svc, 'K') == R_ERR)
				r = R_ERR;
		return r;
	}
	start = lsb_levels(svc, "Default-Start", "2345", startbuf, sizeof(startbuf));
	stop = lsb_levels(svc, "Default-Stop", "016", stopbuf, sizeof(stopbuf));
	for (l = start; *l && r == R_YES; l++)
		if (rc_find(*l, 'S', svc, 0) == R_NO &&
		    (r = rc_find(*l, 'K', svc, 'S')) == R_NO)
			r = rc_link(*l, 'S', svc);
	for (l = stop; *l && r == R_YES; l++)
		if (rc_find(*l, 'S', svc, 0) == R_NO &&
		    rc_find(*l, 'K', svc, 0) == R_NO)
			r = rc_link(*l, 'K', svc);
	return r;
}

static int
sysv_action(enum verb v, const char *svc)
{
	const char *defaults[] = { "update-rc.d", svc, "defaults", NULL };
	const char *enable[] = { "update-rc.d", svc, "enable", NULL };
	const char *disable[] = { "update-rc.d", svc, "disable", NULL };
	const char *remove[] = { "update-rc.d", "-f", svc, "remove", NULL };
	int want = v == V_ENABLE ? R_YES : R_NO;

	if (v != V_ENABLE && v != V_DISABLE)
		return initd_action(v, svc);
	if (sysv_is_enabled(svc) == want)
		return R_YES;
	/* The distribution's tool knows its ordering (insserv) and its other
	 * managers; it has no notion of another root. */
	if (*root || !on_path("update-rc.d"))
		return sysv_links(v, svc);
	if (v == V_ENABLE) {
		/* defaults makes links only where there are none; enable turns
		 * K into S (Yocto's update-rc.d has no enable: defaults is
		 * all it needs). */
		if (run_ok(defaults) != R_YES)
			return R_ERR;
		if (sysv_is_enabled(svc) == R_YES)
			return R_YES;
		if (run_ok(enable) != R_YES)
			return R_ERR;
	} else {
		/* Yocto's update-rc.d has no disable: remove the links. */
		if (run_ok(disable) != R_YES) {
			err_clear();
			if (run_ok(remove) != R_YES)
				return R_ERR;
		}
	}
	if (sysv_is_enabled(svc) != want)
		return err_push("update-rc.d left %s %s", svc,
		    want == R_YES ? "without a start link in runlevels 2-5" :
		    "with a start link in runlevels 2-5");
	return R_YES;
}

const struct backend svc_sysv = {
	.id = "sysv", .initsub = "sysvinit",
	.mark = "/etc/init.d", .mark_dir = 1, .absent = "is not a directory",
	.exists = initd_exists, .action = sysv_action, .is_active = initd_is_active,
	.is_enabled = sysv_is_enabled, .install = initd_install, .tmpl = sysv_tmpl,
	.defect = initd_defect, .resolve = initd_resolve,
};
