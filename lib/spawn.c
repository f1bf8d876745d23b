/* SPDX-License-Identifier: Apache-2.0 */
/* Running other programs: argv, no shell, output captured, time bounded;
 * and finding them on PATH. */
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tedge.h"

#define KEEP SPAWN_KEEP	/* output kept; the rest is drained */

long long
clock_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Where a child's output goes (and its input comes from): a file in memory
 * (memfd), else an unlinked temporary file; never a pipe. A service manager
 * may leave a daemon holding the descriptors it was given (OpenRC's
 * supervise-daemon does): a pipe would then stay open until the deadline,
 * and once closed would kill the daemon by SIGPIPE on its next write. A
 * file costs nothing of the sort, and one in memory keeps a secret that
 * passes through it off the disk.
 */
static int
capture_fd(void)
{
	const char *dirs[] = { getenv("TMPDIR"), "/tmp", "/run", "/dev/shm" };
	size_t i;
	char *p;
	int fd;

#ifdef SYS_memfd_create
	if ((fd = (int)syscall(SYS_memfd_create, "tedge-run", 1U /* MFD_CLOEXEC */)) >= 0)
		return fd;
#endif
	for (i = 0; i < LEN(dirs); i++) {
		if (!dirs[i] || !*dirs[i])
			continue;
		p = xasprintf("%s/tedge-run.XXXXXX", dirs[i]);
		fd = mkstemp(p);
		if (fd >= 0)
			unlinkat(AT_FDCWD, p, 0);
		free(p);
		if (fd >= 0)
			return fd;
	}
	/* no writable place: run without capturing */
	return open("/dev/null", O_WRONLY | O_CLOEXEC);
}

/* A descriptor to read in from, at its start; -1 with the cause pushed. */
static int
input_fd(const void *in, size_t len)
{
	int fd = capture_fd();
	size_t done = 0;
	ssize_t r;

	while (fd >= 0 && done < len) {
		r = write(fd, (const char *)in + done, len - done);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			close(fd);
			fd = -1;
			errno = r < 0 ? errno : ENOSPC;
			break;
		}
		done += (size_t)r;
	}
	if (fd >= 0 && lseek(fd, 0, SEEK_SET) < 0) {
		close(fd);
		fd = -1;
	}
	if (fd < 0)
		err_pushsysf(errno, "cannot hold the input of a program");
	return fd;
}

/* The first KEEP bytes written to fd; malloc'd, NUL-terminated. */
static char *
captured(int fd)
{
	char *buf = xmalloc(KEEP + 1);
	size_t got = 0;
	ssize_t r;

	/* From the start, with lseek and read: libtedge imports no pread.
	 * (Were lseek to fail, read would find nothing at the end.) */
	(void)lseek(fd, 0, SEEK_SET);
	while (got < KEEP) {
		r = read(fd, buf + got, KEEP - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	buf[got] = '\0';
	return buf;
}

void
nap_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/*
 * Runs argv with stdin from in (-1: /dev/null), stdout on fd, stderr on
 * errfd (-1: ours), in a process group of its own unless fg: the contract
 * of spawn_run, the output left to the caller.
 */
static int
run_to(char *const argv[], int in, int fd, int errfd, int fg, int timeout_ms)
{
	int efd[2], status = 0, err = 0;
	long long deadline;
	long nap = 1;
	pid_t pid, w;

	/* The child reports a failed exec through this close-on-exec pipe. */
	if (pipe(efd) < 0 || fcntl(efd[1], F_SETFD, FD_CLOEXEC) < 0) {
		err = errno;
		return err_pushsysf(err, "cannot run %s", argv[0]);
	}
	if ((pid = fork()) < 0) {
		err = errno;
		close(efd[0]), close(efd[1]);
		return err_pushsysf(err, "cannot run %s", argv[0]);
	}
	if (pid == 0) {
		/* Its own process group, so a deadline kills its children
		 * too; unless it is to share our terminal's signals. */
		if (!fg)
			setpgid(0, 0);
		if (in < 0)
			in = open("/dev/null", O_RDONLY);
		if (in >= 0)
			dup2(in, 0);
		dup2(fd, 1);
		if (errfd >= 0)
			dup2(errfd, 2);
		close(efd[0]);
		execvp(argv[0], argv);
		err = errno;
		if (write(efd[1], &err, sizeof(err)) < 0)
			_exit(127);
		_exit(127);
	}
	close(efd[1]);
	deadline = timeout_ms > 0 ? clock_ms() + timeout_ms : 0;
	/* Polled, not waited for: the deadline holds without signals. */
	for (;;) {
		w = waitpid(pid, &status, WNOHANG);
		if (w == pid || (w < 0 && errno != EINTR))
			break;
		if (deadline && clock_ms() >= deadline) {
			if (!fg)
				kill(-pid, SIGKILL);
			kill(pid, SIGKILL);
			while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
				;
			err = ETIMEDOUT;
			break;
		}
		nap_ms(nap);
		if (nap < 20)
			nap *= 2;
	}
	if (err != ETIMEDOUT &&
	    read(efd[0], &err, sizeof(err)) != (ssize_t)sizeof(err))
		err = 0;
	close(efd[0]);
	if (err == ETIMEDOUT)
		err_push("%s did not finish within %d ms and was killed",
		    argv[0], timeout_ms);
	else if (err)
		err_pushsysf(err, "cannot run %s", argv[0]);
	errno = err;	/* after the push, which may change it */
	return err ? -1 : status;
}

int
spawn_run(char *const argv[], const struct spawn_io *io, char **out, int timeout_ms)
{
	static const struct spawn_io none;
	int in = -1, fd = -1, efd = -1, st = -1, e;

	if (!io)
		io = &none;
	if (out)
		*out = NULL;
	if (io->err)
		*io->err = NULL;
	if (io->in && (in = input_fd(io->in, io->inlen)) < 0)
		return -1;
	if ((fd = capture_fd()) < 0 || (io->err && (efd = capture_fd()) < 0)) {
		e = errno;
		err_pushsysf(e, "cannot run %s", argv[0]);
		goto out;
	}
	st = run_to(argv, in, fd, io->err ? efd : io->errout ? -1 : fd, io->fg, timeout_ms);
	if (st >= 0 && out)
		*out = captured(fd);
	if (st >= 0 && io->err)
		*io->err = captured(efd);
out:
	e = errno;
	if (in >= 0)
		close(in);
	if (fd >= 0)
		close(fd);
	if (efd >= 0)
		close(efd);
	errno = e;
	return st;
}

int
spawn_capture(char *const argv[], char **out, int timeout_ms)
{
	return spawn_run(argv, NULL, out, timeout_ms);
}

const char *
spawn_status_text(int status)
{
	static char buf[64];

	if (WIFEXITED(status))
		snprintf(buf, sizeof(buf), "exited with %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(buf, sizeof(buf), "killed by signal %d", WTERMSIG(status));
	else
		snprintf(buf, sizeof(buf), "ended with status %d", status);
	return buf;
}

/* A regular file we may execute. */
static int
is_program(const char *p)
{
	struct stat st;

	return stat(p, &st) == 0 && S_ISREG(st.st_mode) && access(p, X_OK) == 0;
}

char *
find_program(const char *prog, const char *dir)
{
	const char *path = getenv("PATH"), *p, *e;
	char *d, *f;

	if (!path)
		path = "/usr/sbin:/usr/bin:/sbin:/bin";
	for (p = path;; p = e + 1) {
		e = p + strcspn(p, ":");
		d = e > p ? xstrndup(p, (size_t)(e - p)) : xstrdup(".");
		f = path_join(d, prog);
		free(d);
		if (is_program(f))
			return f;
		free(f);
		if (!*e)
			break;
	}
	if (!dir)
		return NULL;
	f = path_join(dir, prog);
	if (is_program(f))
		return f;
	free(f);
	return NULL;
}
