/* SPDX-License-Identifier: Apache-2.0 */
/* Where things are: the configuration directory and path arithmetic. */
#include <errno.h>
#include <limits.h>
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
