/* SPDX-License-Identifier: Apache-2.0 */
/* Files: whole reads, atomic replacement, directories, locks. */
#include <sys/file.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tedge.h"

/*
 * The directory p is in: "." when p has no '/', "/" when its one '/'
 * leads, else all before the last '/'; malloc'd. With base, *base is p's
 * last part (a pointer into p).
 */
static char *
path_dir(const char *p, const char **base)
{
	const char *slash = strrchr(p, '/');

	if (base)
		*base = slash ? slash + 1 : p;
	if (!slash)
		return xstrdup(".");
	if (slash == p)
		return xstrdup("/");
	return xstrndup(p, (size_t)(slash - p));
}

/*
 * Whether a symbolic link may be followed when writing as root: only one
 * that nobody else could have put there. The link must be ours (or root's)
 * and sit in a directory that is ours (or root's) and that no one else may
 * write, or that is sticky (others cannot replace a link of ours there).
 * A link in mosquitto-conf/ owned by the broker's user is refused: that
 * user could point it at any file of root's.
 */
static int
link_trusted(const char *link, const struct stat *lst)
{
	char *dir;
	struct stat st;
	uid_t me = geteuid();
	int ok;

	if (lst->st_uid != me && lst->st_uid != 0)
		return 0;
	dir = path_dir(link, NULL);
	ok = stat(dir, &st) == 0 && (st.st_uid == me || st.st_uid == 0) &&
	    (!(st.st_mode & (S_IWGRP | S_IWOTH)) || (st.st_mode & S_ISVTX));
	free(dir);
	return ok;
}

char *
fs_resolve_trusted(const char *path)
{
	char *cur = xstrdup(path), buf[PATH_MAX], *slash, *next;
	struct stat lst;
	ssize_t n;
	int i;

	for (i = 0; i < 16; i++) {
		/* fstatat, not lstat: an import fewer, as fs.c has fstatat */
		if (fstatat(AT_FDCWD, cur, &lst, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISLNK(lst.st_mode))
			return cur;
		if (!link_trusted(cur, &lst)) {
			err_pushsysf(EPERM, "refusing to follow the symbolic link %s: "
			    "other users can change it or its directory", cur);
			free(cur);
			errno = EPERM;
			return NULL;
		}
		n = readlink(cur, buf, sizeof(buf) - 1);
		if (n < 0)
			return cur;
		buf[n] = '\0';
		if (buf[0] == '/' || !(slash = strrchr(cur, '/')))
			next = xstrdup(buf);
		else
			next = xasprintf("%.*s/%s", (int)(slash - cur), cur, buf);
		free(cur);
		cur = next;
	}
	err_pushsysf(ELOOP, "cannot resolve %s", path);
	free(cur);
	errno = ELOOP;
	return NULL;
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

/*
 * Creates a new file for a temporary name in the directory dfd, never
 * through a link: O_EXCL|O_NOFOLLOW, mode 0600 whatever the umask. The name
 * (".<base>.XXXXXX") goes to tmp (at least len bytes).
 */
static int
create_temp(int dfd, const char *base, char *tmp, size_t len)
{
	static const char set[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
	static unsigned long seq;
	unsigned long x;
	struct timespec ts;
	int i, j, fd;

	for (i = 0; i < 100; i++) {
		clock_gettime(CLOCK_REALTIME, &ts);
		x = (unsigned long)ts.tv_nsec ^ ((unsigned long)getpid() << 16) ^
		    (++seq * 2654435761UL);
		snprintf(tmp, len, ".%.200s.XXXXXX", base);
		for (j = (int)strlen(tmp) - 6; tmp[j]; j++, x /= 62)
			tmp[j] = set[x % 62];
		fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
		    O_CLOEXEC, 0600);
		if (fd >= 0 || errno != EEXIST)
			return fd;
	}
	return -1;
}

int
fs_write_atomic(const char *path, const void *buf, size_t len, unsigned mode)
{
	char *target, *dir, tmp[256];
	const char *base;
	struct stat st;
	int dfd = -1, fd = -1, e, have_old;

	if (!(target = fs_resolve_trusted(path)))
		return -1;
	dir = path_dir(target, &base);
	/* Everything from here is relative to this one directory: the name is
	 * replaced by rename, never written through. */
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0 || (fd = create_temp(dfd, base, tmp, sizeof(tmp))) < 0) {
		e = errno;
		err_pushsys(e);
		err_push("failed to persist temporary file: %s (os error %d)",
		    strerror(e), e);
		goto fail;
	}
	have_old = fstatat(dfd, base, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    S_ISREG(st.st_mode);
	if (write_all(fd, buf, len) < 0 || fchmod(fd, mode) < 0) {
		e = errno;
		err_pushsysf(e, "cannot write %s/%s", dir, tmp);
		goto fail_tmp;
	}
	/* Keep the owner of the file we replace (root editing a file that
	 * belongs to the service user must not take it away from it). */
	if (have_old && (st.st_uid != geteuid() || st.st_gid != getegid()))
		if (fchown(fd, st.st_uid, st.st_gid) < 0 && geteuid() == 0) {
			e = errno;
			err_pushsysf(e, "cannot change the owner of %s/%s", dir, tmp);
			goto fail_tmp;
		}
	if (fsync(fd) < 0) {
		e = errno;
		err_pushsysf(e, "cannot sync %s/%s", dir, tmp);
		goto fail_tmp;
	}
	if (close(fd) < 0) {
		fd = -1;
		e = errno;
		err_pushsysf(e, "cannot write %s/%s", dir, tmp);
		goto fail_tmp;
	}
	fd = -1;
	if (renameat(dfd, tmp, dfd, base) < 0) {
		e = errno;
		err_pushsys(e);
		err_push("failed to persist temporary file: %s (os error %d)",
		    strerror(e), e);
		goto fail_tmp;
	}
	if (fsync(dfd) < 0 && errno != EINVAL && errno != EBADF) {
		/* The new content is in place; only its durability is in
		 * doubt. Say so instead of pretending nothing happened. */
		e = errno;
		err_pushsysf(e, "cannot sync directory %s", dir);
		close(dfd);
		free(target), free(dir);
		return -1;
	}
	close(dfd);
	free(target), free(dir);
	return 0;

fail_tmp:
	if (fd >= 0)
		close(fd);
	unlinkat(dfd, tmp, 0);
fail:
	if (dfd >= 0)
		close(dfd);
	free(target), free(dir);
	errno = e;
	return -1;
}

int
fs_create_new(const char *path, const void *buf, size_t len, unsigned mode,
    uid_t uid, gid_t gid)
{
	char *dir, tmp[256];
	const char *base;
	int dfd, fd = -1, e = 0;

	dir = path_dir(path, &base);
	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0 ||
	    (fd = create_temp(dfd, base, tmp, sizeof(tmp))) < 0) {
		e = errno;
		err_pushsysf(e, "cannot create a file in %s", dir);
		if (dfd >= 0)
			close(dfd);
		free(dir);
		errno = e;
		return -1;
	}
	if (write_all(fd, buf, len) < 0 || fchmod(fd, mode) < 0 ||
	    (uid != (uid_t)-1 && fchown(fd, uid, gid) < 0) || fsync(fd) < 0)
		e = errno;
	if (close(fd) < 0 && !e)
		e = errno;
	/* link, unlike rename, fails on any name there, a link included. */
	if (!e && linkat(dfd, tmp, dfd, base, 0) < 0)
		e = errno;
	unlinkat(dfd, tmp, 0);
	if (!e && fsync(dfd) < 0 && errno != EINVAL && errno != EBADF)
		e = errno;
	close(dfd);
	free(dir);
	if (e == EEXIST) {
		errno = e;
		return 1;
	}
	if (e) {
		err_pushsysf(e, "cannot create %s", path);
		errno = e;
		return -1;
	}
	return 0;
}

char *
fs_read(const char *path, size_t max, size_t *len)
{
	struct stat st;
	char *buf = NULL;
	size_t n = 0, cap;
	ssize_t r;
	int fd, e;

	/* O_NONBLOCK: a FIFO without writer (or a device) must not hang
	 * the open; what is not a regular file is then refused. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
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
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		err_push("cannot read %s: it is %s, not a regular file", path,
		    S_ISFIFO(st.st_mode) ? "a FIFO" : S_ISCHR(st.st_mode) ?
		    "a character device" : S_ISBLK(st.st_mode) ?
		    "a block device" : S_ISSOCK(st.st_mode) ? "a socket" :
		    "something else");
		errno = EINVAL;
		return NULL;
	}
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) < 0) {
		e = errno;
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
		if (mkdir(p, mode) == 0) {
			/* The mode asked for, whatever the umask: a 0700
			 * device-certs/ hides the certificate from mosquitto. */
			if (chmod(p, mode) < 0) {
				err_pushsysf(errno, "cannot change the mode of %s", p);
				free(p);
				return -1;
			}
		} else if (errno != EEXIST) {
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
fs_give(const char *path, uid_t uid, gid_t gid)
{
	struct stat st;
	char *target;
	int fd, e = 0;

	if (!(target = fs_resolve_trusted(path)))
		return -1;
	/* The descriptor is the file that was checked; no name is looked up
	 * again between the check and the chown. */
	fd = open(target, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		e = errno == ELOOP ? EPERM : errno;
	else if (fstat(fd, &st) < 0)
		e = errno;
	else if (!S_ISREG(st.st_mode))
		e = EINVAL;
	else if (st.st_nlink != 1)
		e = EMLINK;	/* another name for it, maybe someone else's */
	else if ((st.st_uid != uid || st.st_gid != gid) && fchown(fd, uid, gid) < 0)
		e = errno;
	if (fd >= 0)
		close(fd);
	if (e == EINVAL)
		err_push("cannot give %s to the broker's user: not a regular file", target);
	else if (e == EMLINK)
		err_push("cannot give %s to the broker's user: it has %lu names (hard links)",
		    target, (unsigned long)st.st_nlink);
	else if (e)
		err_pushsysf(e, "cannot give %s to the broker's user", target);
	free(target);
	errno = e;
	return e ? -1 : 0;
}

void
fs_broker_owner(uid_t *uid, gid_t *gid)
{
	struct passwd *pw = geteuid() == 0 ? getpwnam("mosquitto") : NULL;

	*uid = pw ? pw->pw_uid : (uid_t)-1;
	*gid = pw ? pw->pw_gid : (gid_t)-1;
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

int
fs_read_line(int fd, char *buf, size_t size, const char *what)
{
	size_t n = 0;
	int cr = 0;
	char c;

	for (;;) {
		ssize_t r = read(fd, &c, 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return err_pushsysf(errno, "cannot read the %s", what);
		if (r == 0 || c == '\n')
			break;
		/* A CR right at the limit is fine when the line ends there. */
		if (c == '\r' && n == size - 1 && !cr) {
			cr = 1;
			continue;
		}
		if (n == size - 1 || cr) {
			buf[n] = '\0';
			return err_push("the %s is longer than %zu characters", what, size - 1);
		}
		buf[n++] = c;
	}
	if (n > 0 && buf[n - 1] == '\r')
		n--;
	buf[n] = '\0';
	return 0;
}

int
fs_ask_tty(const char *prompt, char *buf, size_t size, const char *what)
{
	size_t len = strlen(prompt);
	int fd, r;

	if ((fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC)) < 0)
		return -2;
	if (write(fd, prompt, len) != (ssize_t)len)
		r = err_pushsysf(errno, "cannot ask for the %s on /dev/tty", what);
	else
		r = fs_read_line(fd, buf, size, what);
	close(fd);
	return r;
}
