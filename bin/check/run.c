/* SPDX-License-Identifier: Apache-2.0 */
/*
 * run.c: what goes with the state of one run of tedge-check (struct run,
 * check.h): the strings kept until exit, the Debug: lines, the few words
 * of a doctor FAIL line, and the deadline every wait ends at.
 */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "tedge.h"
#include "check.h"

void *
keep(struct run *run, void *p)
{
	if (run->nkept == run->capkept) {
		run->capkept = run->capkept ? run->capkept * 2 : 32;
		run->kept = xrealloc(run->kept, run->capkept * sizeof(*run->kept));
	}
	run->kept[run->nkept++] = p;
	return p;
}

void
keep_free(struct run *run)
{
	while (run->nkept)
		free(run->kept[--run->nkept]);
	FREE(run->kept);
	run->capkept = 0;
}

void
debug(const struct run *run, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	if (!run->debugging)
		return;
	/* Formatted apart, then one fprintf: no vfprintf and fputc to
	 * import for this one line. */
	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	fprintf(stderr, "Debug: %s\n", msg);
	free(msg);
}

void
set_problem(struct run *run, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(run->problem, sizeof(run->problem), fmt, ap);
	va_end(ap);
}

/* --- time ------------------------------------------------------------- */

void
set_deadline(struct run *run, double secs)
{
	run->bound = secs;
	run->deadline = clock_ms() + (long long)(secs * 1000 + 0.5);
}

/* Milliseconds until the deadline, 0 when it has passed. */
int
left_ms(const struct run *run)
{
	long long l = run->deadline - clock_ms();

	return l <= 0 ? 0 : l > INT_MAX ? INT_MAX : (int)l;
}

/* Polls fd for ev until the deadline: > 0 ready, 0 timed out, -1 error. */
int
wait_fd(const struct run *run, int fd, short ev)
{
	struct pollfd pfd;
	int r;

	pfd.fd = fd;
	pfd.events = ev;
	pfd.revents = 0;
	do
		r = poll(&pfd, 1, left_ms(run));
	while (r < 0 && errno == EINTR);
	return r;
}

double
timeout_or(const struct run *run, double dflt)
{
	return run->opt_timeout > 0 ? run->opt_timeout : dflt;
}
