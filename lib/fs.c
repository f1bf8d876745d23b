/* SPDX-License-Identifier: Apache-2.0 */
/* Files: whole reads, atomic replacement, directories, locks. */
#include <sys/file.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tedge.h"

/* Resolves symbolic links at path (at most 16), so that the link's target is
 * what gets replaced. Returns a malloc'd path. */
static char *
resolve_links(const char *path)
{
	char *cur = xstrdup(path), buf[PATH_MAX], *slash, *next;
	ssize_t n;
	int i;

	for (i = 0; i < 16; i++) {
		n = readlink(cur, buf, sizeof(buf) - 1);
		if (n < 0)
			break;
		buf[n] = '\0';
		if (buf[0] == '/' || !(slash = strrchr(cur, '/')))
			next = xstrdup(buf);
		else
			next = xasprintf("%.*s/%s", (int)(slash - cur), cur, buf);
		free(cur);
		cur = next;
	}
	return cur;
}

static int
write_all(int fd, const char *p, size_t len)
{
	ssize_t n;

	while (len > 0) {
		n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int
fsync_dir(const char *dir)
{
	int fd, r;

	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	r = fsync(fd);
	/* Some file systems cannot fsync a directory; the rename stands. */
	if (r < 0 && (errno == EINVAL || errno == EBADF))
		r = 0;
	close(fd);
	return r;
}

int
fs_write_atomic(const char *path, const void *buf, size_t len, unsigned mode)
{
	char *target, *dir, *tmp, *slash;
	struct stat st;
	int fd, e, have_old;

	target = resolve_links(path);
	slash = strrchr(target, '/');
	if (!slash)
		dir = xstrdup(".");
	else if (slash == target)
		dir = xstrdup("/");
	else
		dir = xstrndup(target, (size_t)(slash - target));
	tmp = xasprintf("%s/.%s.XXXXXX", dir, slash ? slash + 1 : target);
	have_old = stat(target, &st) == 0;

	fd = mkstemp(tmp);
	if (fd < 0) {
		e = errno;
		err_pushsys(e);
		err_push("failed to persist temporary file: %s (os error %d)",
		    strerror(e), e);
		goto fail;
	}
	if (write_all(fd, buf, len) < 0 || fchmod(fd, mode) < 0) {
		e = errno;
		err_pushsysf(e, "cannot write %s", tmp);
		goto fail_tmp;
	}
	/* Keep the owner of the file we replace (root editing a file that
	 * belongs to the service user must not take it away from it). */
	if (have_old && (st.st_uid != geteuid() || st.st_gid != getegid()))
		if (fchown(fd, st.st_uid, st.st_gid) < 0 && geteuid() == 0) {
			e = errno;
			err_pushsysf(e, "cannot change the owner of %s", tmp);
			goto fail_tmp;
		}
	if (fsync(fd) < 0) {
		e = errno;
		err_pushsysf(e, "cannot sync %s", tmp);
		goto fail_tmp;
	}
	if (close(fd) < 0) {
		fd = -1;
		e = errno;
		err_pushsysf(e, "cannot write %s", tmp);
		goto fail_tmp;
	}
	fd = -1;
	if (rename(tmp, target) < 0) {
		e = errno;
		err_pushsys(e);
		err_push("failed to persist temporary file: %s (os error %d)",
		    strerror(e), e);
		goto fail_tmp;
	}
	if (fsync_dir(dir) < 0) {
		/* The new content is in place; only its durability is in
		 * doubt. Say so instead of pretending nothing happened. */
		e = errno;
		err_pushsysf(e, "cannot sync directory %s", dir);
		free(target), free(dir), free(tmp);
		return -1;
	}
	free(target), free(dir), free(tmp);
	return 0;

fail_tmp:
	if (fd >= 0)
		close(fd);
	unlink(tmp);
fail:
	free(target), free(dir), free(tmp);
	errno = e;
	return -1;
}

char *
fs_read(const char *path, size_t max, size_t *len)
{
	struct stat st;
	char *buf = NULL;
	size_t n = 0, cap;
	ssize_t r;
	int fd, e;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		e = errno;
		err_pushsysf(e, "cannot read %s", path);
		errno = e;
		return NULL;
	}
	if (fstat(fd, &st) < 0) {
		e = errno;
		goto fail;
	}
	if (S_ISDIR(st.st_mode)) {
		e = EISDIR;
		goto fail;
	}
	cap = S_ISREG(st.st_mode) && (size_t)st.st_size < max ?
	    (size_t)st.st_size + 1 : 4096;
	buf = xmalloc(cap);
	for (;;) {
		if (n + 1 >= cap) {
			if (cap > max) {
				e = EFBIG;
				goto fail;
			}
			cap *= 2;
			buf = xrealloc(buf, cap);
		}
		r = read(fd, buf + n, cap - n - 1);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			e = errno;
			goto fail;
		}
		if (r == 0)
			break;
		n += (size_t)r;
		if (n > max) {
			e = EFBIG;
			goto fail;
		}
	}
	close(fd);
	buf[n] = '\0';
	if (len)
		*len = n;
	return buf;
fail:
	close(fd);
	free(buf);
	err_pushsysf(e, "cannot read %s", path);
	errno = e;
	return NULL;
}

int
fs_mkdirp(const char *path, unsigned mode)
{
	char *p = xstrdup(path), *s;
	struct stat st;

	for (s = p + 1; ; s++) {
		if (*s != '/' && *s != '\0')
			continue;
		char c = *s;
		*s = '\0';
		if (mkdir(p, mode) < 0 && errno != EEXIST) {
			err_pushsysf(errno, "cannot create directory %s", p);
			free(p);
			return -1;
		}
		*s = c;
		if (!c)
			break;
	}
	if (stat(p, &st) < 0 || !S_ISDIR(st.st_mode)) {
		err_pushsysf(ENOTDIR, "cannot create directory %s", p);
		free(p);
		return -1;
	}
	free(p);
	return 0;
}

int
fs_lock_dir(const char *dir)
{
	int fd;

	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return err_pushsysf(errno, "cannot open %s", dir);
	while (flock(fd, LOCK_EX) < 0) {
		if (errno == EINTR)
			continue;
		err_pushsysf(errno, "cannot lock %s", dir);
		close(fd);
		return -1;
	}
	return fd;
}

void
fs_unlock(int fd)
{
	if (fd >= 0)
		close(fd);
}
