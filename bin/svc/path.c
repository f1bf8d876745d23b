/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tedge-svc: paths on the managed system (under $TEDGE_SVC_ROOT) and the
 * small questions asked of them: is it there, a directory, a program.
 */
#include <sys/stat.h>

#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
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

/* /proc/<pid>/<file> into buf (size 4096), NUL-terminated: its length,
 * or -1. */
static ssize_t
proc_read(const char *pid, const char *file, char *buf)
{
	char path[300];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%s/%s", pid, file);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -1;
	n = read(fd, buf, 4095);
	close(fd);
	if (n >= 0)
		buf[n] = '\0';
	return n;
}

/*
 * Is a process named comm (its /proc comm) running on the file want? The
 * file is the argument after opt in its command line, or with opt "" its
 * first that is no option (relative ones against its working directory),
 * else dflt (BusyBox's -s SCRIPT skipped, and `busybox COMM` taken for
 * COMM); or with no opt its working directory (s6-svscan chdirs to its
 * scan directory); compared by device and inode, so links do not matter.
 * With want NULL, the first such process's file, malloc'd, goes to *found.
 */
int
proc_match(const char *comm, const char *opt, const char *dflt,
    const char *want, char **found)
{
	struct stat w, st;
	struct dirent *de;
	char buf[4096], *a, *file;
	const char *f;
	int ok = 0, bb;
	ssize_t n;
	DIR *d;

	if ((want && stat(want, &w) < 0) || !(d = opendir("/proc")))
		return 0;
	while (!ok && (de = readdir(d))) {
		if (!isdigit((unsigned char)de->d_name[0]) ||
		    proc_read(de->d_name, "comm", buf) <= 0)
			continue;
		/* `busybox runsvdir DIR`: comm busybox, the applet argv[1] */
		bb = opt && !strcmp(buf, "busybox\n");
		if (!bb && (strcspn(buf, "\n") != strlen(comm) ||
		    strncmp(buf, comm, strlen(comm))))
			continue;
		f = NULL;
		if (opt) {
			if ((n = proc_read(de->d_name, "cmdline", buf)) <= 0)
				continue;
			a = buf + strlen(buf) + 1;
			if (bb && (a >= buf + n || strcmp(a, comm)))
				continue;
			for (a += bb ? strlen(a) + 1 : 0; a < buf + n && !f;
			    a += strlen(a) + 1)
				if (!*opt && !strcmp(a, "-s") && a + strlen(a) + 1 < buf + n)
					a += strlen(a) + 1;	/* BusyBox's -s SCRIPT */
				else if (!*opt && *a != '-')
					f = a;
				else if (*opt && !strcmp(a, opt) &&
				    a + strlen(a) + 1 < buf + n)
					f = a + strlen(a) + 1;
			if (!f && !(f = dflt))
				continue;
		}
		/* a copy: f may lie in buf, where readlink writes */
		if (f && *f == '/')
			file = xstrdup(f);
		else
			file = xasprintf("/proc/%s/cwd%s%s", de->d_name,
			    f ? "/" : "", f ? f : "");
		if (want) {
			ok = stat(file, &st) == 0 && st.st_dev == w.st_dev &&
			    st.st_ino == w.st_ino;
		} else if ((n = readlink(file, buf, sizeof(buf) - 1)) > 0) {
			buf[n] = '\0';
			*found = xstrdup(buf);
			ok = 1;
		}
		free(file);
	}
	closedir(d);
	return ok;
}
