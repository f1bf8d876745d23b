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
		/* Leading blank lines say nothing either. */
		if (o == 0 && (c == '\n' || c == ' '))
			continue;
		t[o++] = (char)c;
	}
	while (o > 0 && isspace((unsigned char)t[o - 1]))
		o--;
	t[o] = '\0';
	return t;
}

/* argv joined with spaces; malloc'd. */
char *
joined(const char *const *argv)
{
	size_t n = 1, i, k;
	char *s, *o;

	for (i = 0; argv[i]; i++)
		n += strlen(argv[i]) + 1;
	s = o = xmalloc(n);
	/* at the end of what is there, no strcat */
	for (i = 0; argv[i]; i++) {
		if (i)
			*o++ = ' ';
		k = strlen(argv[i]);
		memcpy(o, argv[i], k);
		o += k;
	}
	*o = '\0';
	return s;
}

/*
 * Runs v (v[0] looked up in PATH) through spawn_capture (stdin /dev/null,
 * output to a file a daemon may keep, a process group killed at the
 * deadline). Stores the wait status in *st and the tidied end of the
 * output in *out (when out is not NULL). Returns 0, or -1 with the cause
 * pushed and errno set (ENOENT: no such program; ETIMEDOUT: killed).
 */
static int
run_child(char *const v[], char **out, int *st)
{
	char *o = NULL;
	size_t n;
	int r;

	if ((r = spawn_capture(v, out ? &o : NULL, timeout_ms)) < 0)
		return -1;
	*st = r;
	if (out) {
		n = strlen(o);
		*out = tidy_output(n > 4096 ? o + n - 4096 : o);
		free(o);
	}
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
