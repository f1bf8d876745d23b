/* SPDX-License-Identifier: Apache-2.0 */
/* Where things are: the configuration directory and path arithmetic. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tedge.h"

const char *
paths_config_dir(const char *opt)
{
	const char *env;

	if (opt)
		return opt;
	env = getenv("TEDGE_CONFIG_DIR");
	if (env && *env)
		return env;
	return SYSCONFDIR "/tedge";
}

/* dir/prog when we may execute it; malloc'd, or NULL. */
static char *
in_dir(const char *dir, const char *prog)
{
	char *p;

	if (!dir || !*dir)
		return NULL;
	p = path_join(dir, prog);
	if (access(p, X_OK) == 0)
		return p;
	free(p);
	return NULL;
}

char *
tool_path(const char *prog)
{
	char self[PATH_MAX], *slash, *p;
	ssize_t n;

	if ((p = in_dir(getenv("TEDGE_EXEC_PATH"), prog)))
		return p;
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n > 0) {
		self[n] = '\0';
		if ((slash = strrchr(self, '/'))) {
			*slash = '\0';
			if ((p = in_dir(self, prog)))
				return p;
		}
	}
	return in_dir(BINDIR, prog);
}

int
exec_tool(const char *prog, char **argv)
{
	char *p = tool_path(prog);
	int e = ENOENT;

	if (!p) {
		err_push("%s is not installed (looked next to %s and in %s)", prog,
		    progname, BINDIR);
	} else {
		execv(p, argv);
		e = errno;
		err_pushsysf(e, "cannot run %s", p);
		free(p);
	}
	errno = e;	/* after the push, which may change it */
	return -1;
}

char *
path_join(const char *dir, const char *name)
{
	size_t n = strlen(dir);

	while (n > 1 && dir[n - 1] == '/')
		n--;
	while (*name == '/')
		name++;
	return xasprintf("%.*s/%s", (int)n, dir, name);
}

char *
path_clean(const char *p)
{
	char cwd[PATH_MAX], *in, *out, *seg;
	size_t n, len;

	if (*p == '/') {
		in = xstrdup(p);
	} else {
		if (!getcwd(cwd, sizeof(cwd))) {
			err_pushsysf(errno, "cannot read the working directory");
			return NULL;
		}
		in = path_join(cwd, p);
	}
	out = xmalloc(strlen(in) + 2);
	n = 0;
	/* each segment between slashes, len bytes at seg */
	for (seg = in; *seg; seg += len) {
		if ((len = strcspn(seg, "/")) == 0) {
			len = 1;
			continue;
		}
		if (len == 1 && seg[0] == '.')
			continue;
		if (len == 2 && seg[0] == '.' && seg[1] == '.') {
			while (n > 0 && out[n - 1] != '/')
				n--;
			if (n > 0)
				n--;
			continue;
		}
		out[n++] = '/';
		memcpy(out + n, seg, len);
		n += len;
	}
	if (n == 0)
		out[n++] = '/';
	out[n] = '\0';
	free(in);
	return out;
}
