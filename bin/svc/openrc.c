/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tedge-svc's OpenRC backend: init.d scripts (initd.c), enabled by the
 * runlevel links of /etc/runlevels, made directly.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "tedge.h"
#include "svc.h"

static const char *
rc_tmpl(const char *svc)
{
	return template_path("openrc", svc);
}

/* The runlevels a service in which starts on boot. */
static const char *const rc_boot_levels[] = { "sysinit", "boot", "default" };

static int
rc_is_enabled(const char *svc)
{
	size_t i;
	char *p;
	int on = 0;

	for (i = 0; i < LEN(rc_boot_levels) && !on; i++) {
		p = xasprintf("%s/etc/runlevels/%s/%s", root, rc_boot_levels[i], svc);
		on = exists_path(p);
		free(p);
	}
	return on ? R_YES : R_NO;
}

/*
 * rc-update's links, made directly: enable always names the runlevel
 * (`rc-update add` without one takes the current runlevel, sysinit when
 * the softlevel file is empty), and both are idempotent, which
 * `rc-update del` is not.
 */
static int
rc_action(enum verb v, const char *svc)
{
	char *dir, *link, *target;
	struct dirent *de;
	DIR *d;
	int r = R_YES;

	if (v != V_ENABLE && v != V_DISABLE)
		return initd_action(v, svc);
	if (v == V_ENABLE) {
		if (rc_is_enabled(svc) == R_YES)
			return R_YES;
		dir = root_path("/etc/runlevels/default");
		link = xasprintf("%s/%s", dir, svc);
		target = xasprintf("/etc/init.d/%s", svc);
		if (fs_mkdirp(dir, 0755) < 0)
			r = R_ERR;
		else if (symlink(target, link) < 0 && errno != EEXIST)
			r = err_pushsysf(errno, "cannot create %s", link);
		free(dir), free(link), free(target);
		return r;
	}
	dir = root_path("/etc/runlevels");
	if (!(d = opendir(dir))) {
		if (errno != ENOENT)
			r = err_pushsysf(errno, "cannot read %s", dir);
		free(dir);
		return r;
	}
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		link = xasprintf("%s/%s/%s", dir, de->d_name, svc);
		if (unlink(link) < 0 && errno != ENOENT && errno != ENOTDIR)
			r = err_pushsysf(errno, "cannot remove %s", link);
		free(link);
	}
	closedir(d);
	free(dir);
	return r;
}

const struct backend svc_openrc = {
	.id = "openrc", .initsub = "openrc",
	.mark = "/run/openrc/softlevel",
	.absent = "does not exist: OpenRC did not boot this system",
	.exists = initd_exists, .action = rc_action, .is_active = initd_is_active,
	.is_enabled = rc_is_enabled, .install = initd_install, .tmpl = rc_tmpl,
	.defect = initd_defect, .resolve = initd_resolve,
};
