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

/* dir/prog when it is an executable there; malloc'd, or NULL. */
static char *
tool_in(const char *dir, const char *prog)
{
	char *path;

	if (!dir || !*dir)
		return NULL;
	path = path_join(dir, prog);
	if (access(path, X_OK) == 0)
		return path;
	free(path);
	return NULL;
}

char *
tool_path(const char *prog)
{
	char self[PATH_MAX], *slash, *path;
	ssize_t n;

	if ((path = tool_in(getenv("TEDGE_EXEC_PATH"), prog)))
		return path;
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n > 0) {
		self[n] = '\0';
		if ((slash = strrchr(self, '/'))) {
			*slash = '\0';
			if ((path = tool_in(self, prog)))
				return path;
		}
	}
	if ((path = tool_in(BINDIR, prog)))
		return path;
	errno = ENOENT;
	err_push("%s is not installed (looked next to %s and in %s)", prog,
	    progname, BINDIR);
	return NULL;
}

int
exec_tool(const char *prog, char **argv)
{
	char *path = tool_path(prog);
	int e;

	if (!path)
		return -1;
	execv(path, argv);
	e = errno;
	err_pushsysf(e, "cannot run %s", path);
	free(path);
	errno = e;
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
	char cwd[PATH_MAX], *in, *out, *seg, *save;
	size_t n;

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
	for (seg = strtok_r(in, "/", &save); seg; seg = strtok_r(NULL, "/", &save)) {
		if (!strcmp(seg, "."))
			continue;
		if (!strcmp(seg, "..")) {
			while (n > 0 && out[n - 1] != '/')
				n--;
			if (n > 0)
				n--;
			continue;
		}
		out[n++] = '/';
		memcpy(out + n, seg, strlen(seg));
		n += strlen(seg);
	}
	if (n == 0)
		out[n++] = '/';
	out[n] = '\0';
	free(in);
	return out;
}
