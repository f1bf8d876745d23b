/* SPDX-License-Identifier: Apache-2.0 */
/*
 * distro.c: what real distributions do to the broker, for
 * `tedge-check doctor` (part of the tedge-check program).
 *
 * - The broker's configuration file (mqtt.broker.config_path) must have
 *   `include_dir <config-dir>/mosquitto-conf`, else mosquitto never loads
 *   the toolkit's listener and bridges and the checks just time out
 *   (thin-edge #3218). mosquitto takes include_dir from its main file only:
 *   in an included file the line is ignored (2.0.11 loads nothing there),
 *   so the included files are read one level deep only to say so.
 * - AppArmor may deny mosquitto the read of that directory (Ubuntu 26.04's
 *   profile, thin-edge #4184): the kernel logs the denial, which is looked
 *   for in the tail of the usual log files and in the kernel ring buffer.
 * - The running init system may be unable to start the distribution's own
 *   service definition: `tedge-svc diagnose mosquitto` says so.
 * - mosquitto 2.0.12 to 2.0.22 with `per_listener_settings true` (which the
 *   toolkit's tedge-mosquitto.conf sets) drops the messages queued for
 *   persistent sessions (thin-edge #3185, mosquitto #2618; the fix is in
 *   mosquitto 2.0.23's ChangeLog, "Fix handling of disconnected sessions
 *   for per_listener_settings true").
 */
#include <sys/stat.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tedge.h"
#include "check.h"

#define TAIL (1 << 20)		/* bytes read at the end of each log */

/*
 * Nothing here pushes onto the error chain: it runs when a layer has failed
 * and its causes are there, to be kept when nothing is found. So files are
 * read with read(2), not fs_read, and programs are spawned only once found.
 */

/* --- the broker's configuration ----------------------------------------- */

/* p resolved when it exists, else p without trailing slashes; kept. */
static const char *
resolved(struct run *run, const char *p)
{
	char buf[PATH_MAX];
	size_t n = strlen(p);

	if (realpath(p, buf))
		return keep(run, xstrdup(buf));
	while (n > 1 && p[n - 1] == '/')
		n--;
	return keep(run, xstrndup(p, n));
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

/* The *.conf files of dir, as mosquitto's include_dir takes them, sorted;
 * NULL-terminated, kept with each name. NULL when dir cannot be read. */
static char **
conf_files(struct run *run, const char *dir)
{
	struct dirent *de;
	size_t n = 0, cap = 8, l, i;
	char **v, *t;
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
		v[n++] = keep(run, path_join(dir, de->d_name));
	}
	closedir(d);
	v[n] = NULL;
	/* sorted by insertion (a few names; tedge-cert imports no qsort) */
	for (l = 1; l < n; l++)
		for (i = l; i > 0 && strcmp(v[i - 1], v[i]) > 0; i--)
			t = v[i], v[i] = v[i - 1], v[i - 1] = t;
	return keep(run, v);
}

/* The first max bytes of the regular file path, NUL-terminated, kept;
 * NULL with errno set when it cannot be read. */
static char *
slurp(struct run *run, const char *path, size_t max, off_t from)
{
	struct stat st;
	size_t n = 0;
	ssize_t r;
	char *buf;
	int fd, e;

	if ((fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)) < 0)
		return NULL;
	errno = 0;
	/* stat of the file just opened (tedge-cert imports no fstat) */
	if (stat(path, &st) < 0 || !S_ISREG(st.st_mode)) {
		e = errno ? errno : EINVAL;
		if (e == EINVAL && S_ISDIR(st.st_mode))
			e = EISDIR;
		close(fd);
		errno = e;
		return NULL;
	}
	if (from < 0)
		from = st.st_size > (off_t)max ? st.st_size - (off_t)max : 0;
	buf = keep(run, xmalloc(max + 1));
	while (n < max && (r = pread(fd, buf + n, max - n, from + (off_t)n)) > 0)
		n += (size_t)r;
	close(fd);
	buf[n] = '\0';
	return buf;
}

/* A configuration file, whole (at most 1 MiB), kept; NULL when unreadable. */
static char *
conf_read(struct run *run, const char *path)
{
	return slurp(run, path, 1 << 20, 0);
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
	struct run *run;
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

	if (v && !strcmp(resolved(sc->run, v), sc->rdir))
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
	rv = resolved(sc->run, v);
	if (!strcmp(rv, sc->rdir)) {
		sc->in->how = keep(sc->run, xasprintf("%s includes %s", sc->in->conf, sc->in->dir));
		return 1;
	}
	if (!(f = conf_files(sc->run, rv)))
		return 0;
	for (; *f; f++) {
		if (under(resolved(sc->run, *f), sc->rdir)) {
			sc->in->how = keep(sc->run, xasprintf("%s loads %s (a link to %s)", sc->in->conf,
			    *f, resolved(sc->run, *f)));
			return 1;
		}
		sc->file = *f;
		if ((buf = conf_read(sc->run, *f)))
			each_line(buf, scan_included, sc);
	}
	return 0;
}

void
broker_includes(struct run *run, const char *conf, struct inc *in)
{
	struct scan sc;
	char *buf;
	int e;

	in->conf = conf;
	in->dir = keep(run, path_join(run->cfgdir, "mosquitto-conf"));
	if (!(buf = conf_read(run, conf))) {
		e = errno;
		in->state = INC_UNKNOWN;
		in->how = keep(run, xasprintf("cannot read %s (mqtt.broker.config_path): %s, so doctor cannot tell whether mosquitto loads %s. Set mqtt.broker.config_path to the file mosquitto is started with.",
		    conf, strerror(e), in->dir));
		return;
	}
	memset(&sc, 0, sizeof(sc));
	sc.run = run;
	sc.in = in;
	sc.rdir = resolved(run, in->dir);
	if (each_line(buf, scan_main, &sc)) {
		in->state = INC_YES;
		return;
	}
	in->state = INC_NO;
	if (sc.ignored)
		in->how = keep(run, xasprintf("%s has `include_dir %s` only in %s, where mosquitto ignores it (it takes include_dir from its main file only)",
		    conf, in->dir, sc.ignored));
	else
		in->how = keep(run, xasprintf("%s has no `include_dir %s`", conf, in->dir));
}

const char *
inc_advice(struct run *run, const struct inc *in)
{
	return keep(run, xasprintf("%s: mosquitto loads the toolkit's listener and bridges only from there. Run `tedge init`, which adds it, and restart mosquitto.",
	    in->how));
}

/* --- the mosquitto version ------------------------------------------------ */

struct pls {
	int on;			/* the last per_listener_settings seen */
	int main;		/* reading the main file: follow include_dir */
	struct run *run;
};

static int
scan_pls(char *line, void *arg)
{
	struct pls *p = arg;
	char *v, **f, *buf;
	struct pls sub;

	if ((v = directive(line, "per_listener_settings"))) {
		p->on = !strcmp(v, "true");
	} else if (p->main && (v = directive(line, "include_dir")) && (f = conf_files(p->run, v))) {
		sub.main = 0;
		sub.run = p->run;
		for (; *f; f++) {
			sub.on = p->on;
			if ((buf = conf_read(p->run, *f))) {
				each_line(buf, scan_pls, &sub);
				p->on = sub.on;
			}
		}
	}
	return 0;
}

/* per_listener_settings true in what mosquitto reads from conf; when conf
 * cannot be read, in the toolkit's own files, which set it. */
static int
per_listener(struct run *run, const char *conf)
{
	struct pls p = { 0, 1, run };
	char *buf, *inc;

	if ((buf = conf_read(run, conf))) {
		each_line(buf, scan_pls, &p);
		return p.on;
	}
	inc = keep(run, xasprintf("include_dir %s/mosquitto-conf", run->cfgdir));
	scan_pls(inc, &p);
	return p.on;
}

const char *
version_hazard(struct run *run, const char *version, const char *conf)
{
	const char *v = strstr(version, "version ");
	int n[3], a, b, c, i;
	char *e;

	if (!v)
		return NULL;
	/* "%d.%d.%d" read as sscanf would (tedge-cert imports no sscanf) */
	for (v += 8, i = 0; i < 3; i++, v = e + 1) {
		n[i] = (int)strtoll(v, &e, 10);
		if (e == v || (i < 2 && *e != '.'))
			return NULL;
	}
	a = n[0], b = n[1], c = n[2];
	debug(run, "mosquitto %d.%d.%d", a, b, c);
	if (a != 2 || b != 0 || c < 12 || c > 22 || !per_listener(run, conf))
		return NULL;
	return keep(run, xasprintf("mosquitto %d.%d.%d with per_listener_settings true (set by the toolkit's tedge-mosquitto.conf) drops the messages queued for persistent sessions: what is published while a mapper is away is lost. Upgrade mosquitto to 2.0.23 or newer.",
	    a, b, c));
}

const char *
version_from_cmd(struct run *run, int timeout_ms)
{
	char opt[] = "-h", *argv[3], *out = NULL;
	int st;

	if (!(argv[0] = keep(run, find_program("mosquitto", "/usr/sbin"))) || timeout_ms <= 0)
		return NULL;
	argv[1] = opt, argv[2] = NULL;
	st = spawn_capture(argv, &out, timeout_ms > 2000 ? 2000 : timeout_ms);
	if (st < 0 || !out) {
		err_clear();	/* between layers: nothing else is on the chain */
		free(out);
		return NULL;
	}
	out[strcspn(out, "\n")] = '\0';
	debug(run, "%s -h: %s", argv[0], out);
	return keep(run, out);
}

/* --- AppArmor in the kernel's log ------------------------------------------- */

struct denial {
	char profile[256], name[PATH_MAX], mask[16];
	const char *source;
	long long when;		/* audit(SECONDS.ms:serial), -1 unknown */
};

/* The value of key=... in line, unquoted (hex-encoded values decoded, as
 * the kernel writes names with spaces): 0, or -1 when absent. */
static int
field(const char *line, const char *key, char *out, size_t n)
{
	size_t kl = strlen(key), i = 0, l;
	const char *p = line, *e;

	for (;;) {
		if (!(p = strstr(p, key)))
			return -1;
		if ((p == line || p[-1] == ' ') && p[kl] == '=')
			break;
		p += kl;
	}
	p += kl + 1;
	if (*p == '"') {
		e = strchr(++p, '"');
		l = e ? (size_t)(e - p) : strlen(p);
		if (l >= n)
			return -1;
		memcpy(out, p, l);
		out[l] = '\0';
		return 0;
	}
	l = strcspn(p, " \n");
	if (l % 2 || l / 2 >= n)
		return -1;
	for (i = 0; i < l / 2; i++) {
		/* two digits as sscanf's %2x: strtoll on a copy of them */
		char hex[3] = { p[2 * i], p[2 * i + 1], '\0' }, *end;
		out[i] = (char)strtoll(hex, &end, 16);
		if (end == hex)
			return -1;
	}
	out[i] = '\0';
	return 0;
}

struct hunt {
	const char *rcfg;	/* the config dir, resolved */
	const char *cfg;	/* as configured */
	struct denial *d;
	int found;
};

/* A log line: a denial naming mosquitto and a path under the config dir.
 * The last one wins. */
static int
hunt_line(char *line, void *arg)
{
	struct hunt *h = arg;
	char profile[256], comm[64], name[PATH_MAX], mask[16];
	const char *a;

	if (!strstr(line, "apparmor=\"DENIED\"") ||
	    field(line, "name", name, sizeof(name)) < 0 ||
	    (!under(name, h->rcfg) && !under(name, h->cfg)))
		return 0;
	if (field(line, "profile", profile, sizeof(profile)) < 0)
		profile[0] = '\0';
	if (field(line, "comm", comm, sizeof(comm)) < 0)
		comm[0] = '\0';
	if (!strstr(profile, "mosquitto") && strcmp(comm, "mosquitto"))
		return 0;
	if (field(line, "requested_mask", mask, sizeof(mask)) < 0 || !*mask)
		snprintf(mask, sizeof(mask), "r");
	snprintf(h->d->profile, sizeof(h->d->profile), "%s", *profile ? profile : "mosquitto");
	snprintf(h->d->name, sizeof(h->d->name), "%s", name);
	snprintf(h->d->mask, sizeof(h->d->mask), "%s", mask);
	h->d->when = (a = strstr(line, "audit(")) ? strtoll(a + 6, NULL, 10) : -1;
	h->found = 1;
	return 0;
}

/* The last TAIL bytes of path, from a line start; kept, or NULL. */
static char *
tail(struct run *run, const char *path)
{
	char *buf = slurp(run, path, TAIL, -1), *p;

	/* a cut first line is dropped; a whole one stays */
	if (buf && strlen(buf) == TAIL && (p = strchr(buf, '\n')))
		return p + 1;
	return buf;
}

/* The kernel's ring buffer, /dev/kmsg read without blocking: one record
 * per read, at most TAIL bytes. Unreadable (dmesg_restrict) is no error. */
static char *
kmsg(struct run *run)
{
	char rec[8192], *buf, *msg;
	size_t n = 0, m;
	ssize_t r;
	int fd;

	if ((fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC)) < 0)
		return NULL;
	buf = keep(run, xmalloc(TAIL + 1));
	while (n + 8192 < TAIL) {
		r = read(fd, rec, sizeof(rec) - 1);
		if (r < 0 && errno == EPIPE)	/* records overwritten meanwhile */
			continue;
		if (r <= 0)
			break;
		rec[r] = '\0';
		/* "PRIO,SEQ,TIME,FLAGS;message\n": keep the message. The kernel
		 * escapes a record's NULs, so strchr finds the ';' (no memchr,
		 * and a copy out of rec: no memmove, to import). */
		msg = (msg = strchr(rec, ';')) ? msg + 1 : rec;
		m = (size_t)r - (size_t)(msg - rec);
		memcpy(buf + n, msg, m);
		n += m;
		if (n && buf[n - 1] != '\n')
			buf[n++] = '\n';
	}
	close(fd);
	buf[n] = '\0';
	return buf;
}

/*
 * The last AppArmor denial of mosquitto under the config dir, in
 * $TEDGE_CHECK_KERNEL_LOG (files separated by ':', for tests and unusual
 * systems), else in auditd's log, kern.log, syslog, messages and the ring
 * buffer. 1 found, 0 not.
 */
static int
apparmor_denial(struct run *run, struct denial *d)
{
	static const char *const logs[] = {
		"/var/log/audit/audit.log", "/var/log/kern.log", "/var/log/syslog",
		"/var/log/messages",
	};
	const char *env = run->kernel_log;
	struct hunt h;
	char *list, *f, *next, *buf;
	size_t i;

	memset(d, 0, sizeof(*d));
	h.d = d;
	h.cfg = run->cfgdir;
	h.rcfg = resolved(run, run->cfgdir);
	h.found = 0;
	if (env && *env) {
		list = keep(run, xstrdup(env));
		/* the non-empty items between colons */
		for (f = list; f && !h.found; f = next) {
			if ((next = strchr(f, ':')))
				*next++ = '\0';
			if (*f && (buf = tail(run, f)) && (each_line(buf, hunt_line, &h), h.found))
				d->source = f;
		}
		return h.found;
	}
	for (i = 0; i < LEN(logs) && !h.found; i++)
		if ((buf = tail(run, logs[i])) && (each_line(buf, hunt_line, &h), h.found))
			d->source = logs[i];
	if (!h.found && (buf = kmsg(run)) && (each_line(buf, hunt_line, &h), h.found))
		d->source = "the kernel ring buffer (dmesg)";
	return h.found;
}

/* The reason, with the profile's local include and the rule to add. */
static const char *
apparmor_advice(struct run *run, const struct denial *d)
{
	char file[256], when[64] = "";
	const char *p = d->profile;
	struct tm tm;
	time_t t;
	size_t i;

	/* AppArmor names a profile's file after its path, '/' as '.'
	 * (/usr/sbin/mosquitto: usr.sbin.mosquitto); Ubuntu 26.04's
	 * profile is "mosquitto" in /etc/apparmor.d/mosquitto. */
	snprintf(file, sizeof(file), "%s", *p == '/' ? p + 1 : p);
	for (i = 0; file[i]; i++)
		if (file[i] == '/' || file[i] == ' ')
			file[i] = '.';
	if (d->when > 0) {
		t = (time_t)d->when;
		if (gmtime_r(&t, &tm))
			strftime(when, sizeof(when), " at %Y-%m-%d %H:%M:%S UTC", &tm);
	}
	return keep(run, xasprintf("AppArmor denied mosquitto (profile %s) '%s' access to %s: the kernel logged it in %s%s. Add '%s/** r,' to /etc/apparmor.d/local/%s, run 'apparmor_parser -r /etc/apparmor.d/%s' and restart mosquitto.",
	    d->profile, d->mask, d->name, d->source, when, resolved(run, run->cfgdir), file, file));
}

/* --- the service definition --------------------------------------------------- */

/* `tedge-svc diagnose mosquitto`: its line when it exits 0 with one; any
 * other answer (1 nothing wrong, 2 no such verb, 4, 5...) adds nothing. */
static const char *
svc_diagnose(struct run *run)
{
	char verb[] = "diagnose", svc[] = "mosquitto", *argv[4], *out = NULL, *l;
	int st, t = left_ms(run);

	argv[1] = verb, argv[2] = svc, argv[3] = NULL;
	if (!(argv[0] = keep(run, tool_path("tedge-svc"))) || t == 0)
		return NULL;
	st = spawn_capture(argv, &out, t > 5000 ? 5000 : t);
	if (st < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0 || !out) {
		debug(run, "tedge-svc diagnose mosquitto: %s", st < 0 ? "did not run" : spawn_status_text(st));
		free(out);
		return NULL;
	}
	keep(run, out);
	for (l = out; *l == '\n' || *l == ' '; l++)
		;
	l[strcspn(l, "\n")] = '\0';
	return *l ? l : NULL;
}

/* --- together ------------------------------------------------------------------ */

int
distro_explain(struct run *run, const struct inc *in, int svc, const char *statement)
{
	const char *why[3], *what[3];
	struct denial d;
	size_t causes;
	int n = 0, found;

	if (in && in->state == INC_NO) {
		why[n] = keep(run, xasprintf("mosquitto does not load %s", in->dir));
		what[n++] = inc_advice(run, in);
	}
	if (apparmor_denial(run, &d)) {
		why[n] = keep(run, xasprintf("AppArmor denies mosquitto access to %s", d.name));
		what[n++] = apparmor_advice(run, &d);
	}
	causes = err_count();
	if (svc && (what[n] = svc_diagnose(run)))
		why[n++] = "the service manager cannot start mosquitto's definition";
	if (n == 0) {
		/* tedge-svc could not run (killed at the deadline): its cause
		 * would stand above the layer's, which then are replaced by
		 * the statement alone */
		if (err_count() != causes) {
			err_clear();
			err_push("%s", statement);
		}
		return 0;
	}
	err_clear();
	set_problem(run, "%s", why[0]);
	for (found = n; n > 0; )
		err_push("%s", what[--n]);
	err_push("%s", statement);
	return found;
}
