/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tedge-svc: what SysV init and OpenRC share, the scripts of /etc/init.d:
 * running them, installing them, and telling a distribution's script that
 * cannot start its daemon here from the toolkit's that stands in for it.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tedge.h"
#include "svc.h"

char *
initd_script(const char *svc)
{
	return xasprintf("%s/etc/init.d/%s", root, svc);
}

int
initd_exists(const char *svc)
{
	char *s = initd_script(svc);
	int r = is_exec_file(s);

	free(s);
	return r ? R_YES : R_NO;
}

int
initd_action(enum verb v, const char *svc)
{
	char *s = initd_script(svc);
	const char *argv[] = { s, verbs[v].name, NULL };
	int r = run_ok(argv);

	free(s);
	return r;
}

/* LSB status: 0 running; 3 stopped, 1 and 2 dead, 4 unknown. */
int
initd_is_active(const char *svc)
{
	char *s = initd_script(svc);
	const char *argv[] = { s, "status", NULL };
	int r = run_pred(argv);

	free(s);
	return r;
}

int
initd_install(const char *svc, const char *tmpl)
{
	char *dst = initd_script(svc);
	int r = install_file(dst, tmpl, 0755, svc);

	free(dst);
	return r;
}

/*
 * A distribution's script that cannot start its daemon here. Debian 12's
 * /etc/init.d/mosquitto is one, on SysV and on OpenRC alike: it puts the
 * pid file in /run/mosquitto, which only systemd makes after a boot (its
 * tmpfiles and ExecStartPre), and even when the directory is there it
 * makes that file itself, as root, where mosquitto must rewrite it as its
 * own user: the broker exits with "Unable to write pid file." while start
 * answers 0. So: a script that names a directory under /run (or /var/run)
 * and creates none is taken as one that leaves it to another init system.
 * The toolkit's own scripts carry TEDGE_MARK and make their directories.
 */
#define TEDGE_MARK "configured by tedge"

static char defectbuf[512];

/* Why the script of svc cannot start it, or NULL. Static buffer. */
const char *
initd_defect(const char *svc)
{
	static const char *const makes[] = { "mkdir", "install -d",
	    "checkpath", "tmpfiles" };
	const char *p, *seg, *q;
	char *path = initd_script(svc), *buf;
	size_t len, i;
	const char *why = NULL;

	buf = fs_read(path, 1 << 18, &len);
	free(path);
	if (!buf) {
		err_clear();	/* unreadable: exists() has its say */
		return NULL;
	}
	if (strstr(buf, TEDGE_MARK) || memchr(buf, '\0', len))
		goto out;
	for (i = 0; i < LEN(makes); i++)
		if (strstr(buf, makes[i]))
			goto out;
	for (p = strstr(buf, "/run/"); p && !why; p = strstr(p + 1, "/run/")) {
		seg = p + 5;
		for (q = seg; isalnum((unsigned char)*q) || *q == '_' ||
		    *q == '-' || *q == '.'; q++)
			;
		if (q > seg && *q == '/') {
			snprintf(defectbuf, sizeof(defectbuf), "it keeps its pid "
			    "file in /run/%.*s, which it leaves to systemd to "
			    "make after a boot", (int)(q - seg), seg);
			why = defectbuf;
		}
	}
out:
	free(buf);
	return why;
}

/* The toolkit's definition that stands in for a defective one of svc:
 * tedge-<svc>, once `install` has put it there. Static buffer. */
const char *
initd_resolve(const char *svc)
{
	static char name[300];
	char *s, *buf;
	size_t len;
	int mine = 0;

	snprintf(name, sizeof(name), "tedge-%s", svc);
	s = initd_script(name);
	if (is_exec_file(s) && (buf = fs_read(s, 1 << 18, &len))) {
		mine = strstr(buf, TEDGE_MARK) != NULL;
		free(buf);
	}
	err_clear();
	free(s);
	return mine ? name : svc;
}
