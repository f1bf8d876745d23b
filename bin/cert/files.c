/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tedge-cert: the files of the key and the certificate: temporary names,
 * creation that never replaces, the directory lock, what a killed run left,
 * and signals held while a key is only in a temporary file.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "tedge.h"
#include "x509.h"
#include "cert.h"

int
same_dir(const char *a, const char *b)
{
	const char *sa = strrchr(a, '/'), *sb = strrchr(b, '/');

	return sa && sb && sa - a == sb - b && !strncmp(a, b, (size_t)(sa - a));
}

/* Makes the names created in path's directory durable. */
void
sync_parent(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *dir = slash && slash != path ? xstrndup(path, (size_t)(slash - path)) : xstrdup("/");
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
	free(dir);
}

char *
dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash && slash != path ? xstrndup(path, (size_t)(slash - path)) : xstrdup("/");
}

/*
 * While temporary files that hold a key exist, TERM, INT, HUP and QUIT wait:
 * one that arrives then is delivered by crit_leave, once they are gone, and
 * ends the program as it would have. Nothing else changes the mask.
 */
static sigset_t crit_saved;

void
crit_enter(void)
{
	sigset_t s;

	sigemptyset(&s);
	sigaddset(&s, SIGTERM);
	sigaddset(&s, SIGINT);
	sigaddset(&s, SIGHUP);
	sigaddset(&s, SIGQUIT);
	sigprocmask(SIG_BLOCK, &s, &crit_saved);
}

void
crit_leave(void)
{
	sigprocmask(SIG_SETMASK, &crit_saved, NULL);
}

/*
 * Writes data to a new temporary file beside path, named ".<name>.XXXXXX"
 * (what sweep() knows for ours), synced, with its owner and mode. Returns
 * its malloc'd name, or NULL with the cause pushed and nothing left.
 */
char *
make_temp(const char *path, const void *data, size_t len, mode_t mode)
{
	char *tmp, *dir = dir_of(path);
	const char *slash = strrchr(path, '/');
	uid_t uid;
	gid_t gid;
	int fd, e;

	if (fs_mkdirp(dir, 0755) < 0) {
		free(dir);
		return NULL;
	}
	tmp = xasprintf("%s/.%s.XXXXXX", dir, slash ? slash + 1 : path);
	/* mkstemp: O_EXCL, mode 0600 from the start, whatever the umask */
	if ((fd = mkstemp(tmp)) < 0) {
		e = errno;
		err_pushsysf(e, "cannot create a file in %s", dir);
		free(tmp), free(dir);
		errno = e;
		return NULL;
	}
	fs_broker_owner(&uid, &gid);
	errno = 0;
	if (write(fd, data, len) != (ssize_t)len || fdatasync(fd) < 0 ||
	    (uid != (uid_t)-1 && fchown(fd, uid, gid) < 0) || fchmod(fd, mode) < 0) {
		e = errno ? errno : EIO;
		err_pushsysf(e, "cannot write %s", tmp);
		close(fd);
		unlink(tmp);
		free(tmp), free(dir);
		errno = e;
		return NULL;
	}
	close(fd);
	free(dir);
	return tmp;
}

/*
 * Creates path with data, never replacing anything (fs_create_new), owned
 * by the broker's user, signals held meanwhile. Returns 0, or -1 with errno
 * EEXIST when path exists (nothing pushed then), other errors pushed.
 */
int
create_file(const char *path, const void *data, size_t len, mode_t mode)
{
	char *dir = dir_of(path);
	uid_t uid;
	gid_t gid;
	int r;

	r = fs_mkdirp(dir, 0755);
	free(dir);
	if (r < 0)
		return -1;
	fs_broker_owner(&uid, &gid);
	crit_enter();
	r = fs_create_new(path, data, len, mode, uid, gid);
	crit_leave();
	if (r == 1)
		errno = EEXIST;
	return r ? -1 : 0;
}

/* 1 when name is ".<base>.XXXXXX", mkstemp's six letters or digits. */
static int
temp_name(const char *name, const char *base)
{
	size_t n = strlen(base), i;

	if (name[0] != '.' || strncmp(name + 1, base, n) || name[n + 1] != '.' ||
	    strlen(name + n + 2) != 6)
		return 0;
	for (i = n + 2; name[i]; i++)
		if (!((name[i] >= 'a' && name[i] <= 'z') || (name[i] >= 'A' && name[i] <= 'Z') ||
		    (name[i] >= '0' && name[i] <= '9')))
			return 0;
	return 1;
}

/*
 * The temporary files a run of ours left beside path when it was killed
 * (SIGKILL): named as make_temp and fs_write_atomic name
 * them, regular files, owned by us or the broker's user. With rm they
 * are removed. Returns 1 when one of them is a second name of path itself,
 * which only a run killed between linking the key and linking the
 * certificate leaves; else 0. Call it with the directory locked.
 */
int
sweep(const char *path, int rm)
{
	char *dir = dir_of(path), *p;
	const char *base = strrchr(path, '/') + 1;
	struct stat st, pst;
	struct dirent *d;
	int have = lstat(path, &pst) == 0 && S_ISREG(pst.st_mode), linked = 0;
	uid_t uid;
	gid_t gid;
	DIR *dp;

	fs_broker_owner(&uid, &gid);
	if (!(dp = opendir(dir))) {
		free(dir);
		return 0;
	}
	while ((d = readdir(dp))) {
		if (!temp_name(d->d_name, base))
			continue;
		p = path_join(dir, d->d_name);
		if (lstat(p, &st) == 0 && S_ISREG(st.st_mode) &&
		    (st.st_uid == geteuid() || (uid != (uid_t)-1 && st.st_uid == uid))) {
			if (have && st.st_dev == pst.st_dev && st.st_ino == pst.st_ino)
				linked = 1;
			if (rm)
				unlink(p);
		}
		free(p);
	}
	closedir(dp);
	free(dir);
	return linked;
}

/*
 * Serialises the writers of the key and the certificate, so that sweep()
 * takes no temporary file of a run still going: an flock on each one's
 * directory, held until exit. With make, the directories are created first;
 * otherwise a missing one is not locked. 0, or -1 with the cause pushed.
 */
int
lock_certs(const char *key_path, const char *cert_path, int make)
{
	char *a = dir_of(key_path), *b = dir_of(cert_path), *t;
	int r = 0, i;

	if (strcmp(a, b) > 0)	/* one order for every run */
		t = a, a = b, b = t;
	for (i = 0; i < 2 && r == 0; i++) {
		const char *d = i ? b : a;
		if (i && !strcmp(a, b))
			break;
		if (make && fs_mkdirp(d, 0755) < 0)
			r = -1;
		else if (!make && access(d, F_OK) < 0)
			continue;
		else if (fs_lock_dir(d) < 0)
			r = -1;
	}
	free(a), free(b);
	return r;
}
