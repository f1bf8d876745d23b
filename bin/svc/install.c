/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tedge-svc install: a definition template of INITDIR filled in and put in
 * place as a new file, never replacing one.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tedge.h"
#include "svc.h"

/*
 * INITDIR/sub/name, where install takes a definition from; for an
 * instance, NAME@I, that has none of its own, NAME@'s, as systemd has its
 * templates (the profile's renewer: tedge-cert-renewer-c8y@P, which reads
 * its I from its name). Static buffer.
 */
const char *
template_path(const char *sub, const char *name)
{
	static char buf[4300];
	const char *at = strchr(name, '@');
	int n = snprintf(buf, sizeof(buf), "%s/%s/%s", initdir, sub, name);

	if (at && at[1] && !strchr(at, '.') && (size_t)n < sizeof(buf) &&
	    access(buf, F_OK) != 0)
		buf[(size_t)n - strlen(at + 1)] = '\0';
	return buf;
}

/*
 * Reads the definition template at path with @NAME@ replaced by the name
 * it is installed as (a script that names itself: its LSB Provides, its
 * pid file), refusing one whose other @PLACEHOLDERS@ were never substituted
 * (install time does that). malloc'd; NULL with cause pushed.
 */
static char *
read_template(const char *path, const char *name, size_t *len, unsigned *mode)
{
	static const char ph[] = "@NAME@";
	struct stat st;
	const char *p, *q;
	char *buf, *out;
	size_t n, o;

	if (!(buf = fs_read(path, 1 << 20, len)))
		return NULL;
	if (stat(path, &st) == 0)
		*mode = (unsigned)st.st_mode & 0777;
	for (n = 0, p = buf; (p = strstr(p, ph)); p += sizeof(ph) - 1)
		n++;
	if (n) {
		out = xmalloc(*len + n * strlen(name) + 1);
		for (o = 0, p = buf; (q = strstr(p, ph)); p = q + sizeof(ph) - 1) {
			memcpy(out + o, p, (size_t)(q - p));
			o += (size_t)(q - p);
			memcpy(out + o, name, strlen(name));
			o += strlen(name);
		}
		n = strlen(p);
		memcpy(out + o, p, n + 1);
		*len = o + n;
		free(buf);
		buf = out;
	}
	for (p = strchr(buf, '@'); p; p = strchr(p + 1, '@')) {
		for (q = p + 1; (*q >= 'A' && *q <= 'Z') || *q == '_'; q++)
			;
		if (*q == '@' && q > p + 1) {
			err_push("%s still has the placeholder %.*s: install the "
			    "toolkit with `make install` to get it filled in",
			    path, (int)(q - p + 1), p);
			free(buf);
			return NULL;
		}
	}
	return buf;
}

int
install_file(const char *dst, const char *tmpl, unsigned mode, const char *name)
{
	unsigned tmode = mode;
	size_t len;
	char *buf, *dir, *slash;
	int r;

	if (!(buf = read_template(tmpl, name, &len, &tmode)))
		return R_ERR;
	dir = xstrdup(dst);
	if ((slash = strrchr(dir, '/')) && slash != dir) {
		*slash = '\0';
		if (fs_mkdirp(dir, 0755) < 0) {
			free(dir), free(buf);
			return R_ERR;
		}
	}
	free(dir);
	r = fs_create_new(dst, buf, len, mode ? mode : tmode, (uid_t)-1, (gid_t)-1);
	free(buf);
	return r < 0 ? R_ERR : R_YES;
}
