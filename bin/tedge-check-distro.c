/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tedge-check-distro.c: what real distributions do to the broker, for
 * `tedge-check doctor` (part of the tedge-check program).
 *
 * - The broker's configuration file (mqtt.broker.config_path) must have
 *   `include_dir <config-dir>/mosquitto-conf`, else mosquitto never loads
 *   the toolkit's listener and bridges and the checks just time out
 *   (thin-edge #3218). mosquitto takes include_dir from its main file only:
 *   in an included file the line is ignored (2.0.11 loads nothing there),
 *   so the included files are read one level deep only to say so.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tedge.h"
#include "tedge-check.h"

/*
 * Nothing here pushes onto the error chain: it runs when a layer has failed
 * and its causes are there, to be kept when nothing is found. So files are
 * read with read(2), not fs_read.
 */

/* --- the broker's configuration ----------------------------------------- */

/* p resolved when it exists, else p without trailing slashes; kept. */
static const char *
resolved(const char *p)
{
	char buf[PATH_MAX];
	size_t n = strlen(p);

	if (realpath(p, buf))
		return keep(xstrdup(buf));
	while (n > 1 && p[n - 1] == '/')
		n--;
	return keep(xstrndup(p, n));
}

/* a is b, or a file or directory below b. */
static int
under(const char *a, const char *b)
{
	size_t n = strlen(b);

	while (n > 1 && b[n - 1] == '/')
		n--;
	return !strncmp(a, b, n) && (a[n] == '\0' || a[n] == '/');
}

/*
 * The value of the directive key on line (NUL-terminated, no newline):
 * a pointer into line with trailing blanks cut, or NULL. mosquitto splits
 * on spaces and takes lines starting with '#' as comments.
 */
static char *
directive(char *line, const char *key)
{
	size_t n = strlen(key), e;

	while (*line == ' ' || *line == '\t')
		line++;
	if (strncmp(line, key, n) || line[n] != ' ')
		return NULL;
	line += n;
	while (*line == ' ')
		line++;
	e = strlen(line);
	while (e > 0 && (line[e - 1] == ' ' || line[e - 1] == '\t' || line[e - 1] == '\r'))
		line[--e] = '\0';
	return *line ? line : NULL;
}

static int
cmpstr(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The *.conf files of dir, as mosquitto's include_dir takes them, sorted;
 * NULL-terminated, kept with each name. NULL when dir cannot be read. */
static char **
conf_files(const char *dir)
{
	struct dirent *de;
	size_t n = 0, cap = 8, l;
	char **v;
	DIR *d;

	if (!(d = opendir(dir)))
		return NULL;
	v = xmalloc(cap * sizeof(*v));
	while ((de = readdir(d))) {
		l = strlen(de->d_name);
		if (l < 6 || strcmp(de->d_name + l - 5, ".conf"))
			continue;
		if (n + 1 == cap)
			v = xrealloc(v, (cap *= 2) * sizeof(*v));
		v[n++] = keep(path_join(dir, de->d_name));
	}
	closedir(d);
	v[n] = NULL;
	qsort(v, n, sizeof(*v), cmpstr);
	return keep(v);
}

/* The first max bytes of the regular file path, NUL-terminated, kept;
 * NULL with errno set when it cannot be read. */
static char *
slurp(const char *path, size_t max, off_t from)
{
	struct stat st;
	size_t n = 0;
	ssize_t r;
	char *buf;
	int fd, e;

	if ((fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)) < 0)
		return NULL;
	errno = 0;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		e = errno ? errno : EINVAL;
		if (e == EINVAL && S_ISDIR(st.st_mode))
			e = EISDIR;
		close(fd);
		errno = e;
		return NULL;
	}
	if (from < 0)
		from = st.st_size > (off_t)max ? st.st_size - (off_t)max : 0;
	buf = keep(xmalloc(max + 1));
	while (n < max && (r = pread(fd, buf + n, max - n, from + (off_t)n)) > 0)
		n += (size_t)r;
	close(fd);
	buf[n] = '\0';
	return buf;
}

/* A configuration file, whole (at most 1 MiB), kept; NULL when unreadable. */
static char *
conf_read(const char *path)
{
	return slurp(path, 1 << 20, 0);
}

/* Calls fn(line, arg) for each line of buf, in place. Stops when fn
 * returns non-zero and returns that. */
static int
each_line(char *buf, int (*fn)(char *, void *), void *arg)
{
	char *p, *e;
	int r;

	for (p = buf; *p; p = e + 1) {
		e = p + strcspn(p, "\n");
		if (*e == '\0') {
			r = fn(p, arg);
			return r;
		}
		*e = '\0';
		r = fn(p, arg);
		*e = '\n';
		if (r)
			return r;
	}
	return 0;
}

struct scan {
	struct inc *in;
	const char *rdir;	/* <cfgdir>/mosquitto-conf, resolved */
	const char *file;	/* the included file being read */
	const char *ignored;	/* an included file with our include_dir */
};

/* A line of an included file: our include_dir there is ignored. */
static int
scan_included(char *line, void *arg)
{
	struct scan *sc = arg;
	char *v = directive(line, "include_dir");

	if (v && !strcmp(resolved(v), sc->rdir))
		sc->ignored = sc->file;
	return 0;
}

/* A line of the main file: include_dir of our directory, of a directory
 * that is ours through a link, or of one with files linked to ours. */
static int
scan_main(char *line, void *arg)
{
	struct scan *sc = arg;
	char *v = directive(line, "include_dir"), **f, *buf;
	const char *rv;

	if (!v)
		return 0;
	rv = resolved(v);
	if (!strcmp(rv, sc->rdir)) {
		sc->in->how = keep(xasprintf("%s includes %s", sc->in->conf, sc->in->dir));
		return 1;
	}
	if (!(f = conf_files(rv)))
		return 0;
	for (; *f; f++) {
		if (under(resolved(*f), sc->rdir)) {
			sc->in->how = keep(xasprintf("%s loads %s (a link to %s)", sc->in->conf,
			    *f, resolved(*f)));
			return 1;
		}
		sc->file = *f;
		if ((buf = conf_read(*f)))
			each_line(buf, scan_included, sc);
	}
	return 0;
}

void
broker_includes(const char *conf, struct inc *in)
{
	struct scan sc;
	char *buf;
	int e;

	in->conf = conf;
	in->dir = keep(path_join(cfgdir, "mosquitto-conf"));
	if (!(buf = conf_read(conf))) {
		e = errno;
		in->state = INC_UNKNOWN;
		in->how = keep(xasprintf("cannot read %s (mqtt.broker.config_path): %s, so doctor cannot tell whether mosquitto loads %s. Set mqtt.broker.config_path to the file mosquitto is started with.",
		    conf, strerror(e), in->dir));
		return;
	}
	memset(&sc, 0, sizeof(sc));
	sc.in = in;
	sc.rdir = resolved(in->dir);
	if (each_line(buf, scan_main, &sc)) {
		in->state = INC_YES;
		return;
	}
	in->state = INC_NO;
	if (sc.ignored)
		in->how = keep(xasprintf("%s has `include_dir %s` only in %s, where mosquitto ignores it (it takes include_dir from its main file only)",
		    conf, in->dir, sc.ignored));
	else
		in->how = keep(xasprintf("%s has no `include_dir %s`", conf, in->dir));
}

const char *
inc_advice(const struct inc *in)
{
	return keep(xasprintf("%s: mosquitto loads the toolkit's listener and bridges only from there. Run `tedge init`, which adds it, and restart mosquitto.",
	    in->how));
}

/* --- together ------------------------------------------------------------------ */

int
distro_explain(const struct inc *in, const char *statement)
{
	const char *why[1], *what[1];
	int n = 0, found;

	if (in && in->state == INC_NO) {
		why[n] = keep(xasprintf("mosquitto does not load %s", in->dir));
		what[n++] = inc_advice(in);
	}
	if (n == 0)
		return 0;
	err_clear();
	set_problem("%s", why[0]);
	for (found = n; n > 0; )
		err_push("%s", what[--n]);
	err_push("%s", statement);
	return found;
}
