/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tedge-svc: running the managers' commands: argv with no shell, stdin from
 * /dev/null, the output captured for the error message, killed at the
 * deadline (--timeout); and the clock the waits are measured by.
 */
#include <sys/wait.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tedge.h"
#include "svc.h"

/* The last few hundred bytes of a command's output, made fit for one
 * cause: escapes and control characters gone, trailing space trimmed. */
static char *
tidy_output(const char *out)
{
	size_t n, i, o = 0, keep = 400;
	const char *s = out;
	char *t;

	n = strlen(s);
	if (n > keep) {
		s += n - keep;
		if (strchr(s, '\n'))
			s = strchr(s, '\n') + 1;
	}
	t = xmalloc(strlen(s) + 1);
	for (i = 0; s[i]; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == 0x1b) {	/* ESC [ ... final byte */
			if (s[i + 1] == '[')
				for (i += 2; s[i] && !(s[i] >= 0x40 && s[i] <= 0x7e); i++)
					;
			if (!s[i])
				break;
			continue;
		}
		if (c == '\r' || c == '\t')
			c = ' ';
		if (c < 0x20 && c != '\n')
			continue;
		if (c == 0x7f)
			continue;
		t[o++] = (char)c;
	}
	while (o > 0 && isspace((unsigned char)t[o - 1]))
		o--;
	t[o] = '\0';
	/* Leading blank lines say nothing either. */
	for (i = 0; t[i] == '\n' || t[i] == ' '; i++)
		;
	memmove(t, t + i, o - i + 1);
	return t;
}

/* argv joined with spaces; malloc'd. */
char *
joined(const char *const *argv)
{
	size_t n = 1, i;
	char *s;

	for (i = 0; argv[i]; i++)
		n += strlen(argv[i]) + 1;
	s = xmalloc(n);
	*s = '\0';
	for (i = 0; argv[i]; i++) {
		if (i)
			strcat(s, " ");
		strcat(s, argv[i]);
	}
	return s;
}

long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
nap_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/*
 * Where a command's output goes: an unlinked temporary file, not a pipe as
 * in spawn_capture. A service manager may leave a daemon holding the
 * descriptors it was given (OpenRC's supervise-daemon does): a pipe would
 * then stay open until the deadline, and once closed would kill the daemon
 * by SIGPIPE on its next write. A file costs nothing of the sort.
 */
static int
capture_fd(void)
{
	const char *dirs[] = { getenv("TMPDIR"), "/tmp", "/run", "/dev/shm" };
	size_t i;
	char *p;
	int fd;

	for (i = 0; i < LEN(dirs); i++) {
		if (!dirs[i] || !*dirs[i])
			continue;
		p = xasprintf("%s/tedge-svc.XXXXXX", dirs[i]);
		fd = mkstemp(p);
		if (fd >= 0)
			unlink(p);
		free(p);
		if (fd >= 0)
			return fd;
	}
	/* no writable place: run without capturing */
	return open("/dev/null", O_WRONLY);
}

/* The last n bytes (at most) that were written to fd; malloc'd. */
static char *
captured(int fd, size_t n)
{
	off_t end = lseek(fd, 0, SEEK_END), from;
	char *buf = xmalloc(n + 1);
	ssize_t r;
	size_t got = 0;

	from = end > (off_t)n ? end - (off_t)n : 0;
	while (end > 0 && got < n) {
		r = pread(fd, buf + got, n - got, from + (off_t)got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	buf[got] = '\0';
	return buf;
}

/*
 * Runs v (v[0] looked up in PATH) with stdin from /dev/null and stdout and
 * stderr captured, in a process group of its own that is killed at the
 * deadline. Stores the wait status in *st and the tidied end of the output
 * in *out (when out is not NULL). Returns 0, or -1 with the cause pushed and
 * errno set when it could not run (ENOENT: no such program) or was killed
 * at the deadline (ETIMEDOUT).
 */
static int
run_child(char *const v[], char **out, int *st)
{
	int fd, efd[2], err = 0, null;
	long long deadline;
	long nap = 1;
	char *o;
	pid_t pid, w;

	if ((fd = capture_fd()) < 0)
		return err_pushsysf(errno, "cannot run %s", v[0]);
	/* The child reports a failed exec through this close-on-exec pipe. */
	if (pipe(efd) < 0 || fcntl(efd[1], F_SETFD, FD_CLOEXEC) < 0) {
		err = errno;
		close(fd);
		return err_pushsysf(err, "cannot run %s", v[0]);
	}
	if ((pid = fork()) < 0) {
		err = errno;
		close(fd), close(efd[0]), close(efd[1]);
		return err_pushsysf(err, "cannot run %s", v[0]);
	}
	if (pid == 0) {
		setpgid(0, 0);
		if ((null = open("/dev/null", O_RDONLY)) >= 0)
			dup2(null, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		close(efd[0]);
		execvp(v[0], v);
		err = errno;
		if (write(efd[1], &err, sizeof(err)) < 0)
			_exit(127);
		_exit(127);
	}
	close(efd[1]);
	deadline = now_ms() + timeout_ms;
	for (;;) {
		w = waitpid(pid, st, WNOHANG);
		if (w == pid || (w < 0 && errno != EINTR))
			break;
		if (now_ms() >= deadline) {
			kill(-pid, SIGKILL);
			kill(pid, SIGKILL);
			while (waitpid(pid, st, 0) < 0 && errno == EINTR)
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
	if (!err && out) {
		o = captured(fd, 4096);
		*out = tidy_output(o);
		free(o);
	}
	close(fd);
	errno = err;
	if (err == ETIMEDOUT)
		return err_push("%s did not finish within %d ms and was killed",
		    v[0], timeout_ms);
	if (err)
		return err_pushsysf(err, "cannot run %s", v[0]);
	return 0;
}

/*
 * Runs argv as run_child does. Returns the exit code (128 + signal for a
 * signal) with the output in *out when out is not NULL (caller frees), or
 * -1 with the cause pushed and errno set.
 */
int
run(const char *const *argv, char **out)
{
	char **v;
	size_t n;
	int st = 0, r, e;

	if (out)
		*out = NULL;
	/* execvp wants char *const[]: a copy */
	for (n = 0; argv[n]; n++)
		;
	v = xcalloc(n + 1, sizeof(*v));
	while (n-- > 0)
		v[n] = xstrdup(argv[n]);
	r = run_child(v, out, &st);
	e = errno;
	for (n = 0; v[n]; n++)
		free(v[n]);
	free(v);
	errno = e;
	if (r < 0)
		return -1;
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	if (WIFSIGNALED(st))
		return 128 + WTERMSIG(st);
	return 255;
}

/* Pushes thin-edge's "Service command <"..."> failed" cause for a finished
 * command, the command's output beneath it. Returns R_ERR. */
int
command_failed(const char *const *argv, int code, const char *out)
{
	char *cmd = joined(argv), *q = quote_debug(cmd);

	if (out && *out)
		err_push("%s", out);
	if (code > 128)
		err_push("Service command <%s> terminated by a signal.", q);
	else
		err_push("Service command <%s> failed with code: %d.", q, code);
	free(q);
	free(cmd);
	return R_ERR;
}

/* Runs a command that must succeed: R_YES, or R_ERR with causes. */
int
run_ok(const char *const *argv)
{
	char *out;
	int code, r;

	if ((code = run(argv, &out)) < 0)
		return R_ERR;
	r = code == 0 ? R_YES : command_failed(argv, code, out);
	free(out);
	return r;
}

/* Runs a predicate command: exit 0 is R_YES, any other R_NO. */
int
run_pred(const char *const *argv)
{
	int code = run(argv, NULL);

	return code < 0 ? R_ERR : code == 0 ? R_YES : R_NO;
}
