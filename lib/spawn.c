/* SPDX-License-Identifier: Apache-2.0 */
/* Running other programs: argv, no shell, output captured, time bounded. */
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tedge.h"

#define KEEP (64 << 10)	/* output kept for messages; the rest is drained */

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int
spawn_capture(char *const argv[], char **out, int timeout_ms)
{
	int pfd[2], efd[2], status, err = 0, timed_out = 0;
	size_t n = 0, cap = 1024;
	long long deadline;
	char *buf, tmp[4096];
	ssize_t r;
	pid_t pid;

	if (out)
		*out = NULL;
	if (pipe(pfd) < 0)
		return err_pushsysf(errno, "cannot run %s", argv[0]);
	/* The child reports a failed exec through this close-on-exec pipe. */
	if (pipe(efd) < 0 || fcntl(efd[1], F_SETFD, FD_CLOEXEC) < 0) {
		close(pfd[0]), close(pfd[1]);
		return err_pushsysf(errno, "cannot run %s", argv[0]);
	}
	if ((pid = fork()) < 0) {
		err = errno;
		close(pfd[0]), close(pfd[1]), close(efd[0]), close(efd[1]);
		return err_pushsysf(err, "cannot run %s", argv[0]);
	}
	if (pid == 0) {
		int null = open("/dev/null", O_RDONLY);
		/* Its own process group, so a deadline kills its children too. */
		setpgid(0, 0);
		if (null >= 0)
			dup2(null, 0);
		dup2(pfd[1], 1);
		dup2(pfd[1], 2);
		close(pfd[0]), close(efd[0]);
		execvp(argv[0], argv);
		err = errno;
		if (write(efd[1], &err, sizeof(err)) < 0)
			_exit(127);
		_exit(127);
	}
	close(pfd[1]), close(efd[1]);
	buf = xmalloc(cap);
	deadline = timeout_ms > 0 ? now_ms() + timeout_ms : 0;
	for (;;) {
		struct pollfd p = { pfd[0], POLLIN, 0 };
		int wait = deadline ? (int)(deadline - now_ms()) : -1;
		if (deadline && wait <= 0) {
			timed_out = 1;
			kill(-pid, SIGKILL);
			kill(pid, SIGKILL);
			break;
		}
		if (poll(&p, 1, wait) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (!p.revents)
			continue;
		r = read(pfd[0], tmp, sizeof(tmp));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		if (n + (size_t)r + 1 > cap && cap < KEEP + 1) {
			cap = n + (size_t)r + 1 > KEEP + 1 ? KEEP + 1 : (n + (size_t)r + 1) * 2;
			if (cap > KEEP + 1)
				cap = KEEP + 1;
			buf = xrealloc(buf, cap);
		}
		if (n < cap - 1) {
			size_t k = (size_t)r < cap - 1 - n ? (size_t)r : cap - 1 - n;
			memcpy(buf + n, tmp, k);
			n += k;
		}
	}
	close(pfd[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	buf[n] = '\0';
	if (read(efd[0], &err, sizeof(err)) == (ssize_t)sizeof(err)) {
		close(efd[0]);
		free(buf);
		errno = err;
		return err_pushsysf(err, "cannot run %s", argv[0]);
	}
	close(efd[0]);
	if (timed_out) {
		free(buf);
		errno = ETIMEDOUT;
		return err_push("%s did not finish within %d ms and was killed",
		    argv[0], timeout_ms);
	}
	if (out)
		*out = buf;
	else
		free(buf);
	return status;
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
