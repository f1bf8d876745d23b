/* SPDX-License-Identifier: Apache-2.0 */
/* The error chain and thin-edge's "Error: / Caused by:" printing. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tedge.h"
#include "cloud.h"

const char *progname = "tedge";

/* Causes, innermost first. A fixed array: the chain is short by nature, and
 * pushing must work when memory is exhausted. */
static char causes[16][1024];	/* a cause may name several paths */
static size_t ncauses;

void
err_setprog(const char *argv0)
{
	const char *p;

	if (!argv0 || !*argv0)
		return;
	p = strrchr(argv0, '/');
	progname = p ? p + 1 : argv0;
}

static void __attribute__((format(printf, 1, 0)))
vpush(const char *fmt, va_list ap)
{
	if (ncauses == LEN(causes)) {
		/* Keep the outermost causes: they say what was being done. */
		memmove(causes[0], causes[1], sizeof(causes) - sizeof(causes[0]));
		ncauses--;
	}
	vsnprintf(causes[ncauses++], sizeof(causes[0]), fmt, ap);
}

int
err_push(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vpush(fmt, ap);
	va_end(ap);
	return -1;
}

int
err_pushsys(int e)
{
	return err_push("%s (os error %d)", strerror(e), e);
}

int
err_pushsysf(int e, const char *fmt, ...)
{
	char buf[384];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return err_push("%s: %s (os error %d)", buf, strerror(e), e);
}

void
err_clear(void)
{
	ncauses = 0;
}

void
warn_causes(void)
{
	while (ncauses > 0)
		warn("%s", causes[--ncauses]);
}

size_t
err_count(void)
{
	return ncauses;
}

const char *
err_cause(size_t i)
{
	return i < ncauses ? causes[ncauses - 1 - i] : NULL;
}

void (*err_die_hook)(const char *msg);

/* Writes s, indenting every line after the first by indent spaces. */
static void
put_indented(const char *s, int indent)
{
	for (; *s; s++) {
		fputc(*s, stderr);
		if (*s == '\n' && s[1])
			fprintf(stderr, "%*s", indent, "");
	}
	fputc('\n', stderr);
}

static void __attribute__((format(printf, 2, 0)))
vprint(int dying, const char *fmt, va_list ap)
{
	char msg[1024];
	const char *ctx;
	size_t i, n;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	ctx = getenv("TEDGE_ERROR_CONTEXT");
	if (ctx && *ctx) {
		/* The composing script names the user's request; ours becomes
		 * the outermost cause. */
		err_push("%s", msg);
		snprintf(msg, sizeof(msg), "%s", ctx);
	}
	if (dying && err_die_hook)
		err_die_hook(msg);
	fflush(stdout);
	fputs("Error: ", stderr);
	put_indented(msg, 0);
	n = ncauses;
	if (n) {
		fputs("\nCaused by:\n", stderr);
		for (i = 0; i < n; i++) {
			const char *c = causes[n - 1 - i];
			if (n == 1) {
				fputs("    ", stderr);
				put_indented(c, 4);
			} else {
				fprintf(stderr, "    %zu: ", i);
				put_indented(c, 7);
			}
		}
	}
	ncauses = 0;
}

void
err_print(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprint(0, fmt, ap);
	va_end(ap);
}

void
die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprint(1, fmt, ap);
	va_end(ap);
	exit(EXIT_FAIL);
}

void
diec(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprint(1, fmt, ap);
	va_end(ap);
	exit(code);
}

/* One message on stderr, after what stdout holds: head, text, tail. The
 * text formatted apart: libtedge imports no vfprintf for it. */
static void __attribute__((format(printf, 2, 0)))
vnote(const char *head, const char *fmt, va_list ap, const char *tail)
{
	char *text = xvasprintf(fmt, ap);

	fflush(stdout);
	fprintf(stderr, "%s%s%s", head, text, tail);
	free(text);
}

void
warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vnote("Warning: ", fmt, ap, "\n");
	va_end(ap);
}

void
warn_unknown_keys(const struct cfg *c, const char *quiet)
{
	static int done;
	size_t i;

	if (done || (quiet && *quiet))
		return;
	done = 1;
	for (i = 0; i < CFG_NMAP; i++)
		if (c->ignored & 1u << i)
			warn("%s configuration found in `tedge.toml`, but this will be ignored in favour of configuration in %s and %s/mappers/%s.*/mapper.toml",
			    clouds[i].name, c->mpath[i], c->dir, clouds[i].name);
	for (i = 0; i < c->nunknown; i++)
		if (c->unknown[i].var)
			warn("Unknown configuration field \"%s\" from environment variable %s",
			    c->unknown[i].key, c->unknown[i].var);
		else
			warn("Unknown configuration field \"%s\" from toml file %s",
			    c->unknown[i].key, c->unknown[i].file);
}

void
fshut_stdout(void)
{
	/* A full disk or a closed pipe must not pass as success. */
	if (fflush(stdout) == EOF || ferror(stdout)) {
		err_pushsys(errno ? errno : EIO);
		die("failed to write to standard output");
	}
}

void
die_usage(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vnote("error: ", fmt, ap, "\n\nFor more information, try '--help'.\n");
	va_end(ap);
	exit(EXIT_USAGE);
}

void
exit_help(const char *text)
{
	fputs(text, stdout);
	fshut_stdout();
	exit(EXIT_OK);
}

void
exit_version(void)
{
	printf("%s %s\n", progname, VERSION);
	fshut_stdout();
	exit(EXIT_OK);
}
