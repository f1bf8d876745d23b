/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tedge-svc: paths on the managed system (under $TEDGE_SVC_ROOT) and the
 * small questions asked of them: is it there, a directory, a program.
 */
#include <sys/stat.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tedge.h"
#include "svc.h"

/* A path on the managed system: root + p (p absolute). malloc'd. */
char *
root_path(const char *p)
{
	return xasprintf("%s%s", root, p);
}

/* Whether the mark a running manager leaves (p under root) is there. */
int
root_has(const char *p, int want_dir)
{
	char *rp = root_path(p);
	int r = want_dir ? is_dir(rp) : exists_path(rp);

	free(rp);
	return r;
}

int
is_dir(const char *p)
{
	struct stat st;

	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

int
exists_path(const char *p)
{
	struct stat st;

	return lstat(p, &st) == 0;
}

int
is_exec_file(const char *p)
{
	struct stat st;

	return stat(p, &st) == 0 && S_ISREG(st.st_mode) && access(p, X_OK) == 0;
}

/* Is cmd (no slash) a program on PATH? Only to choose between ways of
 * doing one thing, never to decide which manager runs. */
int
on_path(const char *cmd)
{
	char *p = find_program(cmd, NULL);
	int ok = p != NULL;

	free(p);
	return ok;
}
