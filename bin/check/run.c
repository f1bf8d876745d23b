/* SPDX-License-Identifier: Apache-2.0 */
/*
 * run.c: the state of one run of tedge-check: the configuration, the
 * options, the deadline every wait ends at, the few words of a doctor
 * FAIL line, and the strings kept until exit.
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

/* Per cloud: names, keys, files and the round trip (reference connect
 * §1.11, SPEC §7). */
struct cfg cfg;
const char *cfgdir;
const char *kernel_log;	/* $TEDGE_CHECK_KERNEL_LOG */
int cfg_ok;		/* cfg_load succeeded */
int debugging;
double opt_timeout = -1, opt_wait = -1;
double bound;		/* the seconds the deadline was set from */
long long deadline;	/* CLOCK_MONOTONIC, ms: every wait ends here */

/*
 * What the first failing doctor layer found, in a few words, for its FAIL
 * line; the Caused by: chain carries the details and what to do.
 */
char problem[512];

/* Every string made from the configuration: reachable until exit, so that
 * die() anywhere loses nothing, freed at the end of a normal run. */
static void **kept;
static size_t nkept, capkept;

void *
keep(void *p)
{
	if (nkept == capkept) {
		capkept = capkept ? capkept * 2 : 32;
		kept = xrealloc(kept, capkept * sizeof(*kept));
	}
	kept[nkept++] = p;
	return p;
}

void
keep_free(void)
{
	while (nkept)
		free(kept[--nkept]);
	FREE(kept);
	capkept = 0;
}

void
debug(const char *fmt, ...)
{
	va_list ap;

	if (!debugging)
		return;
	fputs("Debug: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void
set_problem(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(problem, sizeof(problem), fmt, ap);
	va_end(ap);
}

/* --- time ------------------------------------------------------------- */

long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
set_deadline(double secs)
{
	bound = secs;
	deadline = now_ms() + (long long)(secs * 1000 + 0.5);
}

/* Milliseconds until the deadline, 0 when it has passed. */
int
left_ms(void)
{
	long long l = deadline - now_ms();

	return l <= 0 ? 0 : l > INT_MAX ? INT_MAX : (int)l;
}

/* Polls fd for ev until the deadline: > 0 ready, 0 timed out, -1 error. */
int
wait_fd(int fd, short ev)
{
	struct pollfd pfd;
	int r;

	pfd.fd = fd;
	pfd.events = ev;
	pfd.revents = 0;
	do
		r = poll(&pfd, 1, left_ms());
	while (r < 0 && errno == EINTR);
	return r;
}

double
timeout_or(double dflt)
{
	return opt_timeout > 0 ? opt_timeout : dflt;
}
