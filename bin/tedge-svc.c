/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tedge-svc: one interface over systemd, OpenRC, runit, SysV init and a
 * custom system.toml.
 *
 *   tedge-svc [OPTIONS] start|stop|restart|enable|disable SERVICE
 *   tedge-svc [OPTIONS] is-active|is-enabled|exists SERVICE
 *   tedge-svc [OPTIONS] install SERVICE
 *   tedge-svc [OPTIONS] diagnose SERVICE
 *   tedge-svc [OPTIONS] detect
 *   tedge-svc [OPTIONS] is-available
 *
 * The manager is --manager, else the config key service.manager, else
 * (auto) the one that is running: <config-dir>/system.toml with an [init]
 * table is custom; else /run/systemd/system is a directory: systemd; else
 * /run/openrc/softlevel exists: openrc; else a runsvdir process supervises
 * $SVDIR (/etc/service, /var/service): runit; else /etc/init.d exists: sysv.
 * A binary on PATH proves nothing and is never looked at.
 *
 * Reads <config-dir>/tedge.toml (service.manager), <config-dir>/system.toml,
 * and the manager's files: /run/systemd/system, /run/openrc/softlevel,
 * /etc/init.d, /etc/runlevels, /etc/rc?.d, /etc/sv, $SVDIR, /proc.
 * Writes: install: /etc/systemd/system/NAME.service, /etc/init.d/NAME or
 * /etc/sv/NAME/ (never replacing one); enable and disable: OpenRC runlevel
 * links, runit scan-directory links and `down` files, SysV rc?.d links (by
 * update-rc.d where there is one). Every one of these paths is taken under
 * $TEDGE_SVC_ROOT when it is set, so tests can use a directory of their own;
 * the commands run (systemctl, sv, init scripts...) are the system's.
 * Templates for install: $TEDGE_SVC_INITDIR, else INITDIR.
 *
 * Every command runs with argv (no shell), stdin from /dev/null, its output
 * captured for the error message, and is killed at the deadline (--timeout).
 *
 * Exit: 0 success, or the predicate holds; 1 failure, or the predicate is
 * false; 2 usage; 4 no service manager available; 5 service not installed.
 */
#include <sys/stat.h>
#include <sys/wait.h>

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tedge.h"

#ifndef INITDIR
#define INITDIR "/usr/local/share/tedge/init"
#endif

static const char usage_text[] =
"usage: tedge-svc [OPTIONS] COMMAND [SERVICE]\n"
"\n"
"Start, stop and enable services with the service manager that is running.\n"
"\n"
"Commands:\n"
"  start SERVICE         Start the service now\n"
"  stop SERVICE          Stop the service now\n"
"  restart SERVICE       Stop (if running) and start the service\n"
"  enable SERVICE        Start the service on boot (does not start it now)\n"
"  disable SERVICE       Do not start the service on boot (does not stop it)\n"
"  is-active SERVICE     Exit 0 if the service is running, else 1\n"
"  is-enabled SERVICE    Exit 0 if the service starts on boot, else 1\n"
"  exists SERVICE        Exit 0 if the manager has a definition of the service, else 1\n"
"  install SERVICE       Put the toolkit's definition of the service in place,\n"
"                        unless the manager has one that can start it\n"
"  diagnose SERVICE      Print what keeps the manager's definition of the\n"
"                        service from starting it, if known; exit 0 if found, else 1\n"
"  detect                Print the name of the service manager in use\n"
"  is-available          Exit 0 if the service manager is available, else 1\n"
"\n"
"Options:\n"
"  -c, --config-dir DIR  configuration directory [env: TEDGE_CONFIG_DIR, default: /etc/tedge]\n"
"  -m, --manager M       auto, systemd, openrc, runit, sysv or custom\n"
"                        [default: the config key service.manager, else auto]\n"
"  -t, --timeout SECS    bound on each command run [default: 30]\n"
"  -h, --help            print this help\n"
"  -V, --version         print the version\n"
"\n"
"Environment: TEDGE_SVC_ROOT moves the files of every manager under a directory;\n"
"SVDIR is runit's scan directory; TEDGE_SVC_INITDIR holds the definitions install uses.\n"
"\n"
"Exit status: 0 success, or the predicate holds; 1 failure, or the predicate is false;\n"
"2 usage error; 4 no service manager is available; 5 the service is not installed.\n";

enum verb {
	V_START, V_STOP, V_RESTART, V_ENABLE, V_DISABLE,
	V_IS_ACTIVE, V_IS_ENABLED, V_EXISTS, V_INSTALL, V_DIAGNOSE,
	V_DETECT, V_IS_AVAILABLE
};

static const struct {
	const char *name;
	int takes_service;
} verbs[] = {
	[V_START] = { "start", 1 },
	[V_STOP] = { "stop", 1 },
	[V_RESTART] = { "restart", 1 },
	[V_ENABLE] = { "enable", 1 },
	[V_DISABLE] = { "disable", 1 },
	[V_IS_ACTIVE] = { "is-active", 1 },
	[V_IS_ENABLED] = { "is-enabled", 1 },
	[V_EXISTS] = { "exists", 1 },
	[V_INSTALL] = { "install", 1 },
	[V_DIAGNOSE] = { "diagnose", 1 },
	[V_DETECT] = { "detect", 0 },
	[V_IS_AVAILABLE] = { "is-available", 0 },
};

/* What a backend operation answers. */
enum {
	R_ERR = -1,	/* failed; causes pushed */
	R_YES = 0,	/* done, or the predicate holds */
	R_NO = 1,	/* the predicate is false */
	R_MISSING = 2,	/* the service is not installed */
	R_UNKNOWN = 3	/* the manager cannot tell (custom) */
};

struct backend {
	const char *id;
	const char *initsub;	/* its directory of definitions under INITDIR */
	int (*available)(void);
	int (*exists)(const char *svc);
	int (*action)(enum verb v, const char *svc);
	int (*is_active)(const char *svc);
	int (*is_enabled)(const char *svc);
	int (*install)(const char *svc, const char *tmpl);
	const char *(*tmpl)(const char *svc);	/* template path under initdir */
	const char *(*why_unavailable)(void);
	/* init.d managers: why a distribution's definition cannot start
	 * (NULL: nothing known), and the name of the toolkit's that stands
	 * in for it, if any (else svc itself) */
	const char *(*defect)(const char *svc);
	const char *(*resolve)(const char *svc);
};

static const char *confdir;
static const char *root = "";	/* $TEDGE_SVC_ROOT without trailing '/' */
static const char *initdir = INITDIR;
static int timeout_ms = 30000;

/* ---- small helpers ---------------------------------------------------- */

/* A path on the managed system: root + p (p absolute). malloc'd. */
static char *
rp(const char *p)
{
	return xasprintf("%s%s", root, p);
}

static int
is_dir(const char *p)
{
	struct stat st;

	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static int
exists_path(const char *p)
{
	struct stat st;

	return lstat(p, &st) == 0;
}

static int
is_exec_file(const char *p)
{
	struct stat st;

	return stat(p, &st) == 0 && S_ISREG(st.st_mode) && access(p, X_OK) == 0;
}

/*
 * Service names end up in paths and in argv: one path component of
 * letters, digits and "_.:@+-", not starting with '.' or '-'.
 */
static int
valid_name(const char *s)
{
	const char *p;

	if (!*s || *s == '.' || *s == '-' || strlen(s) > 200)
		return 0;
	for (p = s; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr("_.:@+-", *p))
			return 0;
	return 1;
}

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
static char *
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

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
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
static int
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
static int
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
static int
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
static int
run_pred(const char *const *argv)
{
	int code = run(argv, NULL);

	return code < 0 ? R_ERR : code == 0 ? R_YES : R_NO;
}

/* Is cmd (no slash) a program on PATH? Only to choose between ways of
 * doing one thing, never to decide which manager runs. */
static int
on_path(const char *cmd)
{
	const char *path = getenv("PATH"), *p, *e;
	char buf[4096];
	int ok = 0;

	if (!path)
		path = "/usr/sbin:/usr/bin:/sbin:/bin";
	for (p = path; !ok; p = e + 1) {
		e = strchr(p, ':');
		if (!e)
			e = p + strlen(p);
		if (snprintf(buf, sizeof(buf), "%.*s/%s", (int)(e - p),
		    e > p ? p : ".", cmd) < (int)sizeof(buf))
			ok = is_exec_file(buf);
		if (!*e)
			break;
	}
	return ok;
}

/*
 * Creates path with buf, never replacing anything: a temporary file in the
 * same directory, written, chmod'ed, fsync'ed, then hard-linked to path
 * (which fails if path exists, however late it appeared). Returns 0, 1 when
 * path already exists, or -1 with the cause pushed.
 */
static int
write_new(const char *path, const char *buf, size_t len, unsigned mode)
{
	char *tmp, *dir, *slash;
	size_t off = 0;
	int fd, e;
	ssize_t w;

	slash = strrchr(path, '/');
	dir = slash ? xstrndup(path, (size_t)(slash - path)) : xstrdup(".");
	tmp = xasprintf("%s/.%s.XXXXXX", dir, slash ? slash + 1 : path);
	if ((fd = mkstemp(tmp)) < 0) {
		e = errno;
		err_pushsysf(e, "cannot create a file in %s", *dir ? dir : "/");
		free(tmp), free(dir);
		return -1;
	}
	while (off < len) {
		if ((w = write(fd, buf + off, len - off)) < 0) {
			if (errno == EINTR)
				continue;
			goto fail;
		}
		off += (size_t)w;
	}
	if (fchmod(fd, (mode_t)mode) < 0 || fsync(fd) < 0)
		goto fail;
	if (close(fd) < 0) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	if (link(tmp, path) < 0)
		goto fail;
	unlink(tmp);
	if ((fd = open(*dir ? dir : "/", O_RDONLY | O_DIRECTORY)) >= 0) {
		fsync(fd);
		close(fd);
	}
	free(tmp), free(dir);
	return 0;
fail:
	e = errno;
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	free(tmp), free(dir);
	if (e == EEXIST)
		return 1;
	return err_pushsysf(e, "cannot create %s", path);
}

/*
 * Reads the definition template at path with @NAME@ replaced by the name
 * it is installed as (a script that names itself: its LSB Provides, its
 * pid file), refusing one whose other @PLACEHOLDERS@ were never substituted
 * (install time does that). malloc'd; NULL with cause pushed.
 */
static char *
read_template(const char *path, const char *name, size_t *len, unsigned *mode)
{
	static const char ph[] = "@NAME@";
	struct stat st;
	const char *p, *q;
	char *buf, *out;
	size_t n, o;

	if (!(buf = fs_read(path, 1 << 20, len)))
		return NULL;
	if (stat(path, &st) == 0)
		*mode = (unsigned)st.st_mode & 0777;
	for (n = 0, p = buf; (p = strstr(p, ph)); p += sizeof(ph) - 1)
		n++;
	if (n) {
		out = xmalloc(*len + n * strlen(name) + 1);
		for (o = 0, p = buf; (q = strstr(p, ph)); p = q + sizeof(ph) - 1) {
			memcpy(out + o, p, (size_t)(q - p));
			o += (size_t)(q - p);
			memcpy(out + o, name, strlen(name));
			o += strlen(name);
		}
		n = strlen(p);
		memcpy(out + o, p, n + 1);
		*len = o + n;
		free(buf);
		buf = out;
	}
	for (p = strchr(buf, '@'); p; p = strchr(p + 1, '@')) {
		for (q = p + 1; (*q >= 'A' && *q <= 'Z') || *q == '_'; q++)
			;
		if (*q == '@' && q > p + 1) {
			err_push("%s still has the placeholder %.*s: install the "
			    "toolkit with `make install` to get it filled in",
			    path, (int)(q - p + 1), p);
			free(buf);
			return NULL;
		}
	}
	return buf;
}

/* ---- systemd ------------------------------------------------------------ */

static char unitbuf[256];

/* NAME -> NAME.service (name@inst -> name@inst.service). Static buffer. */
static const char *
unit(const char *svc)
{
	size_t n = strlen(svc);

	if (n > 8 && !strcmp(svc + n - 8, ".service"))
		snprintf(unitbuf, sizeof(unitbuf), "%s", svc);
	else
		snprintf(unitbuf, sizeof(unitbuf), "%s.service", svc);
	return unitbuf;
}

static int
sd_available(void)
{
	char *p = rp("/run/systemd/system");
	int r = is_dir(p);

	free(p);
	return r;
}

static char whybuf[4400];

static const char *
sd_why(void)
{
	snprintf(whybuf, sizeof(whybuf), "%s/run/systemd/system is not a "
	    "directory: systemd is not running", root);
	return whybuf;
}

/* Unit files where systemd looks, for a root it is not running on. */
static int
sd_unit_file_exists(const char *u)
{
	static const char *const dirs[] = {
		"/etc/systemd/system", "/run/systemd/system",
		"/run/systemd/generator", "/run/systemd/generator.late",
		"/usr/local/lib/systemd/system", "/usr/lib/systemd/system",
		"/lib/systemd/system",
	};
	const char *at = strchr(u, '@');
	char *tmpl = NULL, *p;
	size_t i;
	int found = 0;

	/* name@inst.service is defined by name@.service */
	if (at)
		tmpl = xasprintf("%.*s@.service", (int)(at - u), u);
	for (i = 0; i < LEN(dirs) && !found; i++) {
		p = xasprintf("%s%s/%s", root, dirs[i], u);
		found = exists_path(p);
		free(p);
		if (!found && tmpl) {
			p = xasprintf("%s%s/%s", root, dirs[i], tmpl);
			found = exists_path(p);
			free(p);
		}
	}
	free(tmpl);
	return found;
}

static int
sd_exists(const char *svc)
{
	const char *u = unit(svc);
	const char *argv[] = { "systemctl", "show", "--property=LoadState",
		"--value", u, NULL };
	char *out;
	int code, r;

	if (*root)
		return sd_unit_file_exists(u) ? R_YES : R_NO;
	/* The running systemd knows generated units (e.g. from init.d
	 * scripts) as well as files. */
	if ((code = run(argv, &out)) < 0)
		return R_ERR;
	if (code != 0)
		r = command_failed(argv, code, out);
	else
		r = !strcmp(out, "not-found") ? R_NO : R_YES;
	free(out);
	return r;
}

static int
sd_action(enum verb v, const char *svc)
{
	char rootopt[4200];
	const char *argv[6];
	char *out;
	int n = 0, code, r;

	argv[n++] = "systemctl";
	/* Offline operations follow the root; live ones go to the running
	 * systemd, whatever the root. */
	if (*root && (v == V_ENABLE || v == V_DISABLE)) {
		snprintf(rootopt, sizeof(rootopt), "--root=%s", root);
		argv[n++] = rootopt;
	}
	argv[n++] = verbs[v].name;
	argv[n++] = unit(svc);
	argv[n] = NULL;
	if ((code = run(argv, &out)) < 0)
		return R_ERR;
	/* LSB "program is not installed", systemctl's word for an unknown
	 * unit on start, stop and restart. */
	if (code == 5 && v != V_ENABLE && v != V_DISABLE)
		r = R_MISSING;
	else
		r = code == 0 ? R_YES : command_failed(argv, code, out);
	free(out);
	return r;
}

static int
sd_is_active(const char *svc)
{
	const char *argv[] = { "systemctl", "is-active", "--quiet", unit(svc),
		NULL };

	return run_pred(argv);
}

static int
sd_is_enabled(const char *svc)
{
	char rootopt[4200];
	const char *argv[6];
	int n = 0;

	argv[n++] = "systemctl";
	if (*root) {
		snprintf(rootopt, sizeof(rootopt), "--root=%s", root);
		argv[n++] = rootopt;
	}
	argv[n++] = "is-enabled";
	argv[n++] = "--quiet";
	argv[n++] = unit(svc);
	argv[n] = NULL;
	return run_pred(argv);
}

static char tmplbuf[4300];

static const char *
sd_tmpl(const char *svc)
{
	snprintf(tmplbuf, sizeof(tmplbuf), "%s/systemd/%s", initdir, unit(svc));
	return tmplbuf;
}

static int
install_file(const char *dst, const char *tmpl, unsigned mode, const char *name)
{
	unsigned tmode = mode;
	size_t len;
	char *buf, *dir, *slash;
	int r;

	if (!(buf = read_template(tmpl, name, &len, &tmode)))
		return R_ERR;
	dir = xstrdup(dst);
	if ((slash = strrchr(dir, '/')) && slash != dir) {
		*slash = '\0';
		if (fs_mkdirp(dir, 0755) < 0) {
			free(dir), free(buf);
			return R_ERR;
		}
	}
	free(dir);
	r = write_new(dst, buf, len, mode ? mode : tmode);
	free(buf);
	return r < 0 ? R_ERR : R_YES;
}

static int
sd_install(const char *svc, const char *tmpl)
{
	const char *argv[] = { "systemctl", "daemon-reload", NULL };
	char *dst = xasprintf("%s/etc/systemd/system/%s", root, unit(svc));
	int r = install_file(dst, tmpl, 0644, svc);

	free(dst);
	/* A running systemd learns of new unit files on reload. */
	if (r == R_YES && !*root && sd_available())
		r = run_ok(argv);
	return r;
}

/* ---- init.d scripts: SysV and OpenRC ------------------------------------ */

static char *
script(const char *svc)
{
	return xasprintf("%s/etc/init.d/%s", root, svc);
}

static int
initd_exists(const char *svc)
{
	char *s = script(svc);
	int r = is_exec_file(s);

	free(s);
	return r ? R_YES : R_NO;
}

static int
initd_action(enum verb v, const char *svc)
{
	char *s = script(svc);
	const char *argv[] = { s, verbs[v].name, NULL };
	int r = run_ok(argv);

	free(s);
	return r;
}

/* LSB status: 0 running; 3 stopped, 1 and 2 dead, 4 unknown. */
static int
initd_is_active(const char *svc)
{
	char *s = script(svc);
	const char *argv[] = { s, "status", NULL };
	int r = run_pred(argv);

	free(s);
	return r;
}

static int
initd_install(const char *svc, const char *tmpl)
{
	char *dst = script(svc);
	int r = install_file(dst, tmpl, 0755, svc);

	free(dst);
	return r;
}

/*
 * A distribution's script that cannot start its daemon here. Debian 12's
 * /etc/init.d/mosquitto is one, on SysV and on OpenRC alike: it puts the
 * pid file in /run/mosquitto, which only systemd makes after a boot (its
 * tmpfiles and ExecStartPre), and even when the directory is there it
 * makes that file itself, as root, where mosquitto must rewrite it as its
 * own user: the broker exits with "Unable to write pid file." while start
 * answers 0. So: a script that names a directory under /run (or /var/run)
 * and creates none is taken as one that leaves it to another init system.
 * The toolkit's own scripts carry TEDGE_MARK and make their directories.
 */
#define TEDGE_MARK "configured by tedge"

static char defectbuf[512];

/* Why the script of svc cannot start it, or NULL. Static buffer. */
static const char *
initd_defect(const char *svc)
{
	static const char *const makes[] = { "mkdir", "install -d",
	    "checkpath", "tmpfiles" };
	const char *p, *seg, *q;
	char *path = script(svc), *buf;
	size_t len, i;
	const char *why = NULL;

	buf = fs_read(path, 1 << 18, &len);
	free(path);
	if (!buf) {
		err_clear();	/* unreadable: exists() has its say */
		return NULL;
	}
	if (strstr(buf, TEDGE_MARK) || memchr(buf, '\0', len))
		goto out;
	for (i = 0; i < LEN(makes); i++)
		if (strstr(buf, makes[i]))
			goto out;
	for (p = strstr(buf, "/run/"); p && !why; p = strstr(p + 1, "/run/")) {
		seg = p + 5;
		for (q = seg; isalnum((unsigned char)*q) || *q == '_' ||
		    *q == '-' || *q == '.'; q++)
			;
		if (q > seg && *q == '/') {
			snprintf(defectbuf, sizeof(defectbuf), "it keeps its pid "
			    "file in /run/%.*s, which it leaves to systemd to "
			    "make after a boot", (int)(q - seg), seg);
			why = defectbuf;
		}
	}
out:
	free(buf);
	return why;
}

/* The toolkit's definition that stands in for a defective one of svc:
 * tedge-<svc>, once `install` has put it there. Static buffer. */
static const char *
initd_resolve(const char *svc)
{
	static char name[300];
	char *s, *buf;
	size_t len;
	int mine = 0;

	snprintf(name, sizeof(name), "tedge-%s", svc);
	s = script(name);
	if (is_exec_file(s) && (buf = fs_read(s, 1 << 18, &len))) {
		mine = strstr(buf, TEDGE_MARK) != NULL;
		free(buf);
	}
	err_clear();
	free(s);
	return mine ? name : svc;
}

/* ---- OpenRC --------------------------------------------------------------- */

static int
rc_available(void)
{
	char *p = rp("/run/openrc/softlevel");
	int r = exists_path(p);

	free(p);
	return r;
}

static const char *
rc_why(void)
{
	snprintf(whybuf, sizeof(whybuf), "%s/run/openrc/softlevel does not "
	    "exist: OpenRC did not boot this system", root);
	return whybuf;
}

static const char *
rc_tmpl(const char *svc)
{
	snprintf(tmplbuf, sizeof(tmplbuf), "%s/openrc/%s", initdir, svc);
	return tmplbuf;
}

/* The runlevels a service in which starts on boot. */
static const char *const rc_boot_levels[] = { "sysinit", "boot", "default" };

static int
rc_is_enabled(const char *svc)
{
	size_t i;
	char *p;
	int on = 0;

	for (i = 0; i < LEN(rc_boot_levels) && !on; i++) {
		p = xasprintf("%s/etc/runlevels/%s/%s", root, rc_boot_levels[i], svc);
		on = exists_path(p);
		free(p);
	}
	return on ? R_YES : R_NO;
}

/*
 * rc-update's links, made directly: enable always names the runlevel
 * (`rc-update add` without one takes the current runlevel, sysinit when
 * the softlevel file is empty), and both are idempotent, which
 * `rc-update del` is not.
 */
static int
rc_action(enum verb v, const char *svc)
{
	char *dir, *link, *target;
	struct dirent *de;
	DIR *d;
	int r = R_YES;

	if (v != V_ENABLE && v != V_DISABLE)
		return initd_action(v, svc);
	if (v == V_ENABLE) {
		if (rc_is_enabled(svc) == R_YES)
			return R_YES;
		dir = rp("/etc/runlevels/default");
		link = xasprintf("%s/%s", dir, svc);
		target = xasprintf("/etc/init.d/%s", svc);
		if (fs_mkdirp(dir, 0755) < 0)
			r = R_ERR;
		else if (symlink(target, link) < 0 && errno != EEXIST)
			r = err_pushsysf(errno, "cannot create %s", link);
		free(dir), free(link), free(target);
		return r;
	}
	dir = rp("/etc/runlevels");
	if (!(d = opendir(dir))) {
		if (errno != ENOENT)
			r = err_pushsysf(errno, "cannot read %s", dir);
		free(dir);
		return r;
	}
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		link = xasprintf("%s/%s/%s", dir, de->d_name, svc);
		if (unlink(link) < 0 && errno != ENOENT && errno != ENOTDIR)
			r = err_pushsysf(errno, "cannot remove %s", link);
		free(link);
	}
	closedir(d);
	free(dir);
	return r;
}

/* ---- SysV ------------------------------------------------------------------ */

static int
sysv_available(void)
{
	char *p = rp("/etc/init.d");
	int r = is_dir(p);

	free(p);
	return r;
}

static const char *
sysv_why(void)
{
	snprintf(whybuf, sizeof(whybuf), "%s/etc/init.d is not a directory",
	    root);
	return whybuf;
}

static const char *
sysv_tmpl(const char *svc)
{
	snprintf(tmplbuf, sizeof(tmplbuf), "%s/sysvinit/%s", initdir, svc);
	return tmplbuf;
}

/* Is name "<S|K>NN<svc>"? */
static int
rc_link_name(const char *name, char kind, const char *svc)
{
	return name[0] == kind && isdigit((unsigned char)name[1]) &&
	    isdigit((unsigned char)name[2]) && !strcmp(name + 3, svc);
}

/* Finds "<kind>NN<svc>" in <root>/etc/rc<lvl>.d; its name in found. */
static int
rc_find(char lvl, char kind, const char *svc, char *found, size_t n)
{
	char *dir = xasprintf("%s/etc/rc%c.d", root, lvl);
	struct dirent *de;
	DIR *d;
	int hit = 0;

	if ((d = opendir(dir))) {
		while (!hit && (de = readdir(d)))
			if (rc_link_name(de->d_name, kind, svc)) {
				snprintf(found, n, "%s", de->d_name);
				hit = 1;
			}
		closedir(d);
	}
	free(dir);
	return hit;
}

static int
sysv_is_enabled(const char *svc)
{
	const char *l;
	char name[256];

	for (l = "2345"; *l; l++)
		if (rc_find(*l, 'S', svc, name, sizeof(name)))
			return R_YES;
	return R_NO;
}

/* Default-Start or Default-Stop of the script's LSB header, as runlevel
 * characters; def when the header has none. */
static void
lsb_levels(const char *svc, const char *field, const char *def, char *out,
    size_t n)
{
	char *s = script(svc), *buf, *line, *save = NULL;
	size_t len, o = 0, flen = strlen(field);
	int in = 0, seen = 0;

	snprintf(out, n, "%s", def);
	if (!(buf = fs_read(s, 1 << 20, &len))) {
		err_clear();
		free(s);
		return;
	}
	for (line = strtok_r(buf, "\n", &save); line;
	    line = strtok_r(NULL, "\n", &save)) {
		if (!strncmp(line, "### BEGIN INIT INFO", 19))
			in = 1;
		else if (!strncmp(line, "### END INIT INFO", 17))
			break;
		else if (in && !strncmp(line, "# ", 2) &&
		    !strncmp(line + 2, field, flen) && line[2 + flen] == ':') {
			const char *p;
			seen = 1;
			for (p = line + 3 + flen; *p && o + 1 < n; p++)
				if (strchr("0123456S", *p))
					out[o++] = *p;
		}
	}
	if (seen)
		out[o] = '\0';
	free(buf);
	free(s);
}

/*
 * update-rc.d's links, made directly, for systems without update-rc.d and
 * for a root of their own: enable turns K links of the start levels into S
 * links (creating S01 where there is none) and adds K01 to stop levels with
 * no link; disable turns every S link into a K link, as Debian's
 * `update-rc.d disable` does.
 */
static int
sysv_links(enum verb v, const char *svc)
{
	char start[16], stop[16], name[256], *from, *to, *dir;
	const char *l;
	int r = R_YES;

	if (v == V_DISABLE) {
		for (l = "0123456S"; *l; l++) {
			if (!rc_find(*l, 'S', svc, name, sizeof(name)))
				continue;
			from = xasprintf("%s/etc/rc%c.d/%s", root, *l, name);
			to = xasprintf("%s/etc/rc%c.d/K%s", root, *l, name + 1);
			if (rename(from, to) < 0)
				r = err_pushsysf(errno, "cannot rename %s", from);
			free(from), free(to);
		}
		return r;
	}
	lsb_levels(svc, "Default-Start", "2345", start, sizeof(start));
	lsb_levels(svc, "Default-Stop", "016", stop, sizeof(stop));
	for (l = start; *l && r == R_YES; l++) {
		dir = xasprintf("%s/etc/rc%c.d", root, *l);
		if (rc_find(*l, 'S', svc, name, sizeof(name))) {
			free(dir);
			continue;
		}
		if (rc_find(*l, 'K', svc, name, sizeof(name))) {
			from = xasprintf("%s/%s", dir, name);
			to = xasprintf("%s/S%s", dir, name + 1);
			if (rename(from, to) < 0)
				r = err_pushsysf(errno, "cannot rename %s", from);
		} else {
			from = xasprintf("../init.d/%s", svc);
			to = xasprintf("%s/S01%s", dir, svc);
			if (fs_mkdirp(dir, 0755) < 0)
				r = R_ERR;
			else if (symlink(from, to) < 0)
				r = err_pushsysf(errno, "cannot create %s", to);
		}
		free(from), free(to), free(dir);
	}
	for (l = stop; *l && r == R_YES; l++) {
		if (rc_find(*l, 'S', svc, name, sizeof(name)) ||
		    rc_find(*l, 'K', svc, name, sizeof(name)))
			continue;
		dir = xasprintf("%s/etc/rc%c.d", root, *l);
		from = xasprintf("../init.d/%s", svc);
		to = xasprintf("%s/K01%s", dir, svc);
		if (fs_mkdirp(dir, 0755) < 0)
			r = R_ERR;
		else if (symlink(from, to) < 0)
			r = err_pushsysf(errno, "cannot create %s", to);
		free(from), free(to), free(dir);
	}
	return r;
}

static int
sysv_action(enum verb v, const char *svc)
{
	const char *defaults[] = { "update-rc.d", svc, "defaults", NULL };
	const char *enable[] = { "update-rc.d", svc, "enable", NULL };
	const char *disable[] = { "update-rc.d", svc, "disable", NULL };
	const char *remove[] = { "update-rc.d", "-f", svc, "remove", NULL };
	int want = v == V_ENABLE ? R_YES : R_NO;

	if (v != V_ENABLE && v != V_DISABLE)
		return initd_action(v, svc);
	if (sysv_is_enabled(svc) == want)
		return R_YES;
	/* The distribution's tool knows its ordering (insserv) and its other
	 * managers; it has no notion of another root. */
	if (*root || !on_path("update-rc.d"))
		return sysv_links(v, svc);
	if (v == V_ENABLE) {
		/* defaults makes links only where there are none; enable turns
		 * K into S (Yocto's update-rc.d has no enable: defaults is
		 * all it needs). */
		if (run_ok(defaults) != R_YES)
			return R_ERR;
		if (sysv_is_enabled(svc) == R_YES)
			return R_YES;
		if (run_ok(enable) != R_YES)
			return R_ERR;
	} else {
		/* Yocto's update-rc.d has no disable: remove the links. */
		if (run_ok(disable) != R_YES) {
			err_clear();
			if (run_ok(remove) != R_YES)
				return R_ERR;
		}
	}
	if (sysv_is_enabled(svc) != want)
		return err_push("update-rc.d left %s %s", svc,
		    want == R_YES ? "without a start link in runlevels 2-5" :
		    "with a start link in runlevels 2-5");
	return R_YES;
}

/* ---- runit ---------------------------------------------------------------- */

static char *svdir;	/* the scan directory runsvdir watches */

static void
runit_init(void)
{
	const char *env = getenv("SVDIR");
	char *p;

	if (svdir)
		return;
	if (env && *env) {
		svdir = xstrdup(env);
		return;
	}
	p = rp("/etc/service");
	if (!is_dir(p)) {
		char *q = rp("/var/service");
		if (is_dir(q)) {
			free(p);
			p = q;
		} else {
			free(q);
		}
	}
	svdir = p;
}

/*
 * Is a runsvdir process supervising svdir? Each runsvdir's directory
 * argument (relative ones against its working directory) is compared with
 * svdir by device and inode, so symbolic links do not matter.
 */
static int
runit_available(void)
{
	struct stat want, st;
	struct dirent *de;
	char path[sizeof(de->d_name) + 16], comm[64], cmd[4096], *arg, *dir;
	size_t len;
	int found = 0, fd;
	ssize_t n;
	DIR *d;

	runit_init();
	if (stat(svdir, &want) < 0 || !(d = opendir("/proc")))
		return 0;
	while (!found && (de = readdir(d))) {
		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		snprintf(path, sizeof(path), "/proc/%s/comm", de->d_name);
		if ((fd = open(path, O_RDONLY)) < 0)
			continue;
		n = read(fd, comm, sizeof(comm) - 1);
		close(fd);
		if (n <= 0 || (comm[n] = '\0', strcmp(comm, "runsvdir\n")))
			continue;
		snprintf(path, sizeof(path), "/proc/%s/cmdline", de->d_name);
		if ((fd = open(path, O_RDONLY)) < 0)
			continue;
		n = read(fd, cmd, sizeof(cmd) - 1);
		close(fd);
		if (n <= 0)
			continue;
		cmd[n] = '\0';
		/* runsvdir [-P] dir [log] */
		for (arg = cmd + strlen(cmd) + 1; arg < cmd + n && *arg == '-';
		    arg += strlen(arg) + 1)
			;
		if (arg >= cmd + n)
			continue;
		len = strlen(arg);
		dir = *arg == '/' ? xstrdup(arg) :
		    xasprintf("/proc/%s/cwd/%.*s", de->d_name, (int)len, arg);
		found = stat(dir, &st) == 0 && st.st_dev == want.st_dev &&
		    st.st_ino == want.st_ino;
		free(dir);
	}
	closedir(d);
	return found;
}

static const char *
runit_why(void)
{
	runit_init();
	snprintf(whybuf, sizeof(whybuf),
	    "no runsvdir process supervises %s", svdir);
	return whybuf;
}

static const char *
runit_tmpl(const char *svc)
{
	snprintf(tmplbuf, sizeof(tmplbuf), "%s/runit/%s", initdir, svc);
	return tmplbuf;
}

/* The service's directory in the scan directory, and its definition. */
static char *
sv_link(const char *svc)
{
	runit_init();
	return xasprintf("%s/%s", svdir, svc);
}

static char *
sv_def(const char *svc)
{
	return xasprintf("%s/etc/sv/%s", root, svc);
}

static int
runit_exists(const char *svc)
{
	char *a = sv_link(svc), *b = sv_def(svc), *pa, *pb;
	int r;

	pa = xasprintf("%s/run", a);
	pb = xasprintf("%s/run", b);
	r = exists_path(pa) || exists_path(pb);
	free(pa), free(pb), free(a), free(b);
	return r ? R_YES : R_NO;
}

/* Is a runsv running for dir? (sv's own test: its control FIFO has a
 * reader.) */
static int
supervised(const char *dir)
{
	char *ok = xasprintf("%s/supervise/ok", dir);
	int fd = open(ok, O_WRONLY | O_NONBLOCK);

	free(ok);
	if (fd < 0)
		return 0;
	close(fd);
	return 1;
}

/*
 * Puts the service under supervision when it is not: its definition linked
 * into the scan directory, with a `down` file first when down is set, so
 * runsv starts it stopped and it does not come up on boot. Then waits for
 * runsvdir to notice (it looks every 5 seconds).
 */
static int
sv_supervise(const char *svc, int down)
{
	char *link = sv_link(svc), *def = sv_def(svc), *df;
	/* a scan every 5 s: a shorter wait would be meaningless */
	int wait = timeout_ms > 7000 ? timeout_ms : 7000;
	long long deadline = now_ms() + wait;
	int r = R_YES;

	if (!exists_path(link)) {
		if (down) {
			df = xasprintf("%s/down", def);
			if (write_new(df, "", 0, 0644) < 0)
				r = R_ERR;
			free(df);
		}
		if (r == R_YES && symlink(def, link) < 0 && errno != EEXIST)
			r = err_pushsysf(errno, "cannot create %s", link);
	}
	while (r == R_YES && !supervised(link)) {
		if (now_ms() >= deadline) {
			r = err_push("runsvdir did not start supervising %s "
			    "within %d s", link, wait / 1000);
			break;
		}
		nap_ms(50);
	}
	free(link), free(def);
	return r;
}

static int
sv_cmd(const char *what, const char *svc)
{
	char wait[16], *link = sv_link(svc);
	const char *argv[] = { "sv", "-w", wait, "-v", what, link, NULL };
	int r, t = timeout_ms;

	/* sv waits at most -w seconds itself; our deadline comes later. */
	snprintf(wait, sizeof(wait), "%d", t / 1000 > 1 ? t / 1000 : 1);
	timeout_ms = t + 5000;
	r = run_ok(argv);
	timeout_ms = t;
	free(link);
	return r;
}

/*
 * runsv's view of a service, from supervise/status (runit 2.x: bytes 12-15
 * the pid, little-endian; byte 19 the state, 1 = running). 0, or -1 when
 * the file cannot be read.
 */
static int
sv_status(const char *link, unsigned long *pid, int *running)
{
	char *path = xasprintf("%s/supervise/status", link);
	unsigned char b[20];
	int fd = open(path, O_RDONLY | O_CLOEXEC), n = -1;

	free(path);
	if (fd >= 0) {
		n = (int)read(fd, b, sizeof(b));
		close(fd);
	}
	if (n != (int)sizeof(b))
		return -1;
	*pid = (unsigned long)b[12] | (unsigned long)b[13] << 8 |
	    (unsigned long)b[14] << 16 | (unsigned long)b[15] << 24;
	*running = b[19] == 1;
	return 0;
}

/*
 * Restarts a supervised service by talking to runsv directly, as sv does
 * ("tcu": TERM, CONT, want up), then polls its status every 10 ms until a
 * new process runs. sv itself checks every 420 ms and so made each restart
 * cost up to a second; `tedge connect` restarts mosquitto on its hot path.
 */
static int
sv_restart(const char *svc)
{
	char *link = sv_link(svc), *ctl = xasprintf("%s/supervise/control", link);
	unsigned long old = 0, pid;
	long long deadline = now_ms() + timeout_ms;
	int fd, running = 0, r = R_YES;

	if (sv_status(link, &old, &running) < 0 || !running)
		old = 0;
	fd = open(ctl, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0 || write(fd, old ? "tcu" : "u", old ? 3 : 1) < 0)
		r = err_pushsysf(errno, "cannot control %s", link);
	if (fd >= 0)
		close(fd);
	while (r == R_YES) {
		if (sv_status(link, &pid, &running) == 0 && running && pid && pid != old)
			break;
		if (now_ms() >= deadline) {
			r = err_push("%s did not come up again within %d ms", svc, timeout_ms);
			break;
		}
		nap_ms(10);
	}
	free(ctl), free(link);
	return r;
}

static int
runit_is_enabled(const char *svc)
{
	char *link = sv_link(svc), *down = xasprintf("%s/down", link);
	int r = exists_path(link) && !exists_path(down);

	free(down), free(link);
	return r ? R_YES : R_NO;
}

static int
runit_action(enum verb v, const char *svc)
{
	char *link = sv_link(svc), *down = xasprintf("%s/down", link);
	int linked = exists_path(link), r = R_YES;

	switch (v) {
	case V_START:
	case V_RESTART:
		/* Not supervised yet: supervise it stopped, not enabled. */
		if ((r = sv_supervise(svc, 1)) != R_YES)
			break;
		/*
		 * Not `sv restart`: its -v check can pass on the status from
		 * before the restart (seconds are its clock), and an `sv stop`
		 * right after it then left runsv wanting the service up. The
		 * restart waits for a new pid instead.
		 */
		r = v == V_RESTART ? sv_restart(svc) : sv_cmd("start", svc);
		break;
	case V_STOP:
		/* Not in the scan directory: nothing runs it. */
		if (linked && (r = sv_supervise(svc, 0)) == R_YES)
			r = sv_cmd("stop", svc);
		break;
	case V_ENABLE:
		/* Supervised with a down file first, so enabling does not
		 * start it, as with every other manager. */
		if (!linked)
			r = sv_supervise(svc, 1);
		if (r == R_YES && unlink(down) < 0 && errno != ENOENT)
			r = err_pushsysf(errno, "cannot remove %s", down);
		break;
	case V_DISABLE:
		/* The down file keeps runsv from starting it on boot; what
		 * runs now keeps running, as with systemctl disable. */
		if (linked) {
			int w = write_new(down, "", 0, 0644);
			if (w < 0)
				r = R_ERR;
		}
		break;
	default:
		r = err_push("%s is not an action", verbs[v].name);
	}
	free(down), free(link);
	return r;
}

/* `sv status` exits 0 whether the service is up or down: read its word. */
static int
runit_is_active(const char *svc)
{
	char *link = sv_link(svc), *out = NULL;
	const char *argv[] = { "sv", "status", link, NULL };
	int code, r = R_NO;

	if (exists_path(link)) {
		code = run(argv, &out);
		if (code < 0)
			r = R_ERR;
		else if (code == 0 && !strncmp(out, "run: ", 5))
			r = R_YES;
	}
	free(out);
	free(link);
	return r;
}

/* The definition directory: every regular file of the template's. */
static int
runit_install(const char *svc, const char *tmpl)
{
	char *def = sv_def(svc), *src, *dst;
	struct dirent *de;
	struct stat st;
	int r = R_YES, n = 0;
	DIR *d;

	if (!(d = opendir(tmpl))) {
		r = err_pushsysf(errno, "cannot read %s", tmpl);
		free(def);
		return r;
	}
	if (fs_mkdirp(def, 0755) < 0) {
		closedir(d);
		free(def);
		return R_ERR;
	}
	while (r == R_YES && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		src = xasprintf("%s/%s", tmpl, de->d_name);
		dst = xasprintf("%s/%s", def, de->d_name);
		if (stat(src, &st) == 0 && S_ISREG(st.st_mode)) {
			r = install_file(dst, src, 0, svc);
			n++;
		}
		free(src), free(dst);
	}
	closedir(d);
	if (r == R_YES && n == 0)
		r = err_push("%s holds no files", tmpl);
	free(def);
	return r;
}

/* ---- custom: thin-edge's system.toml [init] --------------------------------- */

enum { C_IS_AVAILABLE, C_START, C_STOP, C_RESTART, C_ENABLE, C_DISABLE,
	C_IS_ACTIVE, C_N };

static const char *const ckeys[C_N] = {
	"is_available", "start", "stop", "restart", "enable", "disable",
	"is_active"
};

static struct {
	char *path;		/* <config-dir>/system.toml */
	char *name;		/* [init] name */
	char **cmd[C_N];	/* argv, NULL-terminated */
	int loaded;
} cu;

/* thin-edge's defaults, used when the file or its [init] is missing. */
static const char *const cu_defaults[C_N][4] = {
	{ "/bin/systemctl", "--version", NULL },
	{ "/bin/systemctl", "start", "{}", NULL },
	{ "/bin/systemctl", "stop", "{}", NULL },
	{ "/bin/systemctl", "restart", "{}", NULL },
	{ "/bin/systemctl", "enable", "{}", NULL },
	{ "/bin/systemctl", "disable", "{}", NULL },
	{ "/bin/systemctl", "is-active", "{}", NULL },
};

static char **
argv_dup(const char *const *v)
{
	size_t n, i;
	char **o;

	for (n = 0; v[n]; n++)
		;
	o = xcalloc(n + 1, sizeof(*o));
	for (i = 0; i < n; i++)
		o[i] = xstrdup(v[i]);
	return o;
}

/*
 * Loads <config-dir>/system.toml. Returns 1 when it has an [init] table
 * (cu filled in), 0 when the file or the table is missing, -1 with the
 * cause pushed when it cannot be read or is not valid.
 */
static int
cu_load(void)
{
	struct toml *doc = NULL, *init, *kv;
	char perr[256], *buf;
	size_t len, i, j;
	int r = -1;

	if (cu.loaded)
		return cu.loaded > 0;
	cu.path = path_join(confdir, "system.toml");
	if (!(buf = fs_read(cu.path, 1 << 20, &len))) {
		if (errno == ENOENT) {
			err_clear();
			cu.loaded = -1;
			return 0;
		}
		return err_push("cannot read the system config file '%s'", cu.path);
	}
	if (toml_parse(buf, len, &doc, perr, sizeof(perr)) < 0) {
		free(buf);
		return err_push("Toml syntax error in the system config file '%s': %s",
		    cu.path, perr);
	}
	free(buf);
	if (!(init = toml_get(doc, "init"))) {
		toml_free(doc);
		cu.loaded = -1;
		return 0;
	}
	if (init->type != TOML_TABLE) {
		err_push("Toml syntax error in the system config file '%s': "
		    "invalid type: expected a table for `init`", cu.path);
		goto out;
	}
	for (i = 0; i < init->nkid; i++) {
		kv = init->kid[i];
		if (!strcmp(kv->key, "name")) {
			if (kv->type != TOML_STRING) {
				err_push("Toml syntax error in the system config file '%s': "
				    "invalid type: expected a string for `name`", cu.path);
				goto out;
			}
			free(cu.name);
			cu.name = xstrdup(kv->s);
			continue;
		}
		for (j = 0; j < C_N; j++)
			if (!strcmp(kv->key, ckeys[j]))
				break;
		if (j == C_N) {
			/* thin-edge rejects unknown fields too */
			err_push("Toml syntax error in the system config file '%s': "
			    "unknown field `%s`, expected one of `name`, `is_available`, "
			    "`restart`, `stop`, `start`, `enable`, `disable`, `is_active`",
			    cu.path, kv->key);
			goto out;
		}
		if (kv->type != TOML_ARRAY) {
			err_push("Toml syntax error in the system config file '%s': "
			    "invalid type: expected a sequence for `%s`", cu.path, kv->key);
			goto out;
		}
		if (kv->nkid == 0) {
			err_push("Syntax error in the system config file for '%s': "
			    "Requires 1 or more arguments.\nCheck '%s' file.",
			    kv->key, cu.path);
			goto out;
		}
		cu.cmd[j] = xcalloc(kv->nkid + 1, sizeof(char *));
		for (len = 0; len < kv->nkid; len++) {
			if (kv->kid[len]->type != TOML_STRING) {
				err_push("Toml syntax error in the system config file '%s': "
				    "invalid type: expected a string in `%s`", cu.path, kv->key);
				goto out;
			}
			cu.cmd[j][len] = xstrdup(kv->kid[len]->s);
		}
	}
	if (!cu.name) {
		err_push("Toml syntax error in the system config file '%s': "
		    "missing field `name`", cu.path);
		goto out;
	}
	for (j = 0; j < C_N; j++)
		if (!cu.cmd[j] && j != C_START) {
			err_push("Toml syntax error in the system config file '%s': "
			    "missing field `%s`", cu.path, ckeys[j]);
			goto out;
		}
	/* start is optional: files older than it restart instead. */
	if (!cu.cmd[C_START])
		cu.cmd[C_START] = argv_dup((const char *const *)cu.cmd[C_RESTART]);
	cu.loaded = 1;
	r = 1;
out:
	toml_free(doc);
	return r;
}

/* [init] from the file, else thin-edge's systemd defaults. */
static int
cu_setup(void)
{
	size_t j;
	int r;

	if ((r = cu_load()) < 0)
		return -1;
	if (r == 0) {
		free(cu.name);
		cu.name = xstrdup("systemd");
		for (j = 0; j < C_N; j++)
			cu.cmd[j] = argv_dup(cu_defaults[j]);
		cu.loaded = 1;
	}
	return 0;
}

/* Every "{}" of every element replaced by svc; malloc'd vector. NULL with
 * thin-edge's message pushed when need is set and there is no "{}". */
static char **
cu_argv(int which, const char *svc, int need)
{
	char **src = cu.cmd[which], **o, *s;
	const char *p, *q;
	size_t n, i, k, count = 0;

	for (n = 0; src[n]; n++)
		;
	o = xcalloc(n + 1, sizeof(*o));
	for (i = 0; i < n; i++) {
		for (k = 0, p = src[i]; (q = strstr(p, "{}")); p = q + 2)
			k++;
		count += k;
		s = xmalloc(strlen(src[i]) + k * strlen(svc) + 1);
		*s = '\0';
		for (p = src[i]; (q = strstr(p, "{}")); p = q + 2) {
			strncat(s, p, (size_t)(q - p));
			strcat(s, svc);
		}
		strcat(s, p);
		o[i] = s;
	}
	if (need && count == 0) {
		for (i = 0; i < n; i++)
			free(o[i]);
		free(o);
		err_push("Syntax error in the system config file for '%s': "
		    "A placeholder '{}' is missing.\nCheck '%s' file.",
		    ckeys[which], cu.path);
		return NULL;
	}
	return o;
}

static void
argv_free(char **v)
{
	size_t i;

	if (!v)
		return;
	for (i = 0; v[i]; i++)
		free(v[i]);
	free(v);
}

/* Runs a custom command; its exit code, or -1 with thin-edge's "not
 * found" message when it could not run. */
static int
cu_run(char **argv, char **out)
{
	char *cmd, *q;
	int code;

	code = run((const char *const *)argv, out);
	if (code < 0 && errno != ETIMEDOUT) {
		err_clear();
		cmd = joined((const char *const *)argv);
		q = quote_debug(cmd);
		err_push("Service command <%s> not found.\nCheck '%s' file.",
		    q, cu.path);
		free(q), free(cmd);
	}
	return code;
}

static int
cu_available(void)
{
	char **argv, *out = NULL;
	int code;

	if (cu_setup() < 0)
		return 0;
	argv = cu_argv(C_IS_AVAILABLE, "", 0);
	code = run((const char *const *)argv, &out);
	argv_free(argv);
	free(out);
	err_clear();
	return code == 0;
}

static char cuwhy[1200];

static const char *
cu_why(void)
{
	char *cmd;

	if (cu_setup() < 0)
		return "the system config file is not valid";
	cmd = joined((const char *const *)cu.cmd[C_IS_AVAILABLE]);
	snprintf(cuwhy, sizeof(cuwhy), "'%s' failed", cmd);
	free(cmd);
	return cuwhy;
}

static int
cu_action(enum verb v, const char *svc)
{
	int which, code, r;
	char **argv, *out = NULL;

	switch (v) {
	case V_START: which = C_START; break;
	case V_STOP: which = C_STOP; break;
	case V_RESTART: which = C_RESTART; break;
	case V_ENABLE: which = C_ENABLE; break;
	case V_DISABLE: which = C_DISABLE; break;
	default: return err_push("%s is not an action", verbs[v].name);
	}
	if (!(argv = cu_argv(which, svc, 1)))
		return R_ERR;
	if ((code = cu_run(argv, &out)) < 0)
		r = R_ERR;
	else if (code == 5)
		r = R_MISSING;	/* LSB "not installed", as systemctl says it */
	else if (code == 0)
		r = R_YES;
	else
		r = command_failed((const char *const *)argv, code, out);
	free(out);
	argv_free(argv);
	return r;
}

static int
cu_is_active(const char *svc)
{
	char **argv;
	int code;

	if (!(argv = cu_argv(C_IS_ACTIVE, svc, 1)))
		return R_ERR;
	code = cu_run(argv, NULL);
	argv_free(argv);
	return code < 0 ? R_ERR : code == 0 ? R_YES : R_NO;
}

static int
cu_unknown(const char *svc)
{
	(void)svc;
	return R_UNKNOWN;
}

/* ---- the table ------------------------------------------------------------ */

enum { M_SYSTEMD, M_OPENRC, M_RUNIT, M_SYSV, M_CUSTOM, M_N };

static const struct backend backends[M_N] = {
	[M_SYSTEMD] = { "systemd", "systemd", sd_available, sd_exists,
		sd_action, sd_is_active, sd_is_enabled, sd_install, sd_tmpl,
		sd_why, NULL, NULL },
	[M_OPENRC] = { "openrc", "openrc", rc_available, initd_exists,
		rc_action, initd_is_active, rc_is_enabled, initd_install,
		rc_tmpl, rc_why, initd_defect, initd_resolve },
	[M_RUNIT] = { "runit", "runit", runit_available, runit_exists,
		runit_action, runit_is_active, runit_is_enabled, runit_install,
		runit_tmpl, runit_why, NULL, NULL },
	[M_SYSV] = { "sysv", "sysvinit", sysv_available, initd_exists,
		sysv_action, initd_is_active, sysv_is_enabled, initd_install,
		sysv_tmpl, sysv_why, initd_defect, initd_resolve },
	[M_CUSTOM] = { "custom", NULL, cu_available, cu_unknown, cu_action,
		cu_is_active, cu_unknown, NULL, NULL, cu_why, NULL, NULL },
};

/* The manager's name for people and for `detect`: custom ones name
 * themselves in system.toml. */
static const char *
mgr_name(int m)
{
	if (m == M_CUSTOM && cu_setup() == 0)
		return cu.name;
	return backends[m].id;
}

static char headbuf[512];
static int wanted = -1;	/* the manager named (or custom), even if unavailable */

/*
 * The manager to use: index into backends, or -1 with causes pushed, *code
 * set (EXIT_NO_MANAGER, or EXIT_FAIL when a file is broken) and *headline
 * saying what is wrong. An explicit choice must be available too.
 */
static int
choose(const char *opt, int *code, const char **headline)
{
	const char *want = opt;
	char *cfgval = NULL, *envval = NULL;
	const struct cfg_key *k;
	struct cfg c;
	int m, r;

	*code = EXIT_FAIL;
	*headline = "failed to find the service manager";
	if (!want) {
		/* Only the one key matters: read it without the TEDGE_*
		 * override scan, which would warn about TEDGE_SVC_ROOT. */
		if (cfg_load(&c, confdir, 0) < 0)
			return err_push("failed to read the configuration in %s", confdir);
		warn_unknown_keys(&c, getenv("TEDGE_QUIET_UNKNOWN_KEYS"));
		r = cfg_get_str(&c, "service.manager", &cfgval);
		cfg_free(&c);
		if (r < 0)
			return -1;
		want = cfgval;
		if (getenv("TEDGE_SERVICE_MANAGER")) {
			k = cfg_key_find("service.manager", NULL);
			if (!*getenv("TEDGE_SERVICE_MANAGER")) {
				want = "auto";
			} else if (cfg_parse(k, getenv("TEDGE_SERVICE_MANAGER"),
			    &envval) < 0) {
				free(cfgval);
				return err_push("Failed to set value for service.manager "
				    "from environment variable TEDGE_SERVICE_MANAGER");
			} else {
				want = envval;
			}
		}
	}
	if (want && strcmp(want, "auto")) {
		for (m = 0; m < M_N; m++)
			if (!strcmp(want, backends[m].id))
				break;
		if (m == M_N)
			die_usage("unknown service manager '%s': expected auto, "
			    "systemd, openrc, runit, sysv or custom", want);
		free(cfgval), free(envval);
		if (m == M_CUSTOM && cu_setup() < 0)
			return -1;
	} else {
		free(cfgval), free(envval);
		if ((r = cu_load()) < 0)
			return -1;
		if (r > 0) {
			m = M_CUSTOM;
		} else {
			for (m = 0; m < M_N; m++)
				if (m != M_CUSTOM && backends[m].available())
					return m;
			*code = EXIT_NO_MANAGER;
			runit_init();
			err_push("looked for an [init] table in %s, then "
			    "%s/run/systemd/system, %s/run/openrc/softlevel, "
			    "a runsvdir supervising %s, %s/etc/init.d",
			    cu.path, root, root, svdir, root);
			*headline = "no service manager is running";
			return -1;
		}
	}
	wanted = m;
	if (!backends[m].available()) {
		*code = EXIT_NO_MANAGER;
		snprintf(headbuf, sizeof(headbuf), "Service manager '%s' is not "
		    "available on the system or elevated permissions have not "
		    "been granted.", mgr_name(m));
		*headline = headbuf;
		return err_push("%s", backends[m].why_unavailable());
	}
	return m;
}

/* ---- main ------------------------------------------------------------------- */

/* What was asked, for the Error: line: "restart mosquitto". Static. */
static const char *
asked(enum verb v, const char *svc)
{
	static char buf[512];

	switch (v) {
	case V_IS_ACTIVE:
		snprintf(buf, sizeof(buf), "check whether %s is active", svc);
		break;
	case V_IS_ENABLED:
		snprintf(buf, sizeof(buf), "check whether %s is enabled", svc);
		break;
	case V_EXISTS:
		snprintf(buf, sizeof(buf), "check whether %s is installed", svc);
		break;
	default:
		snprintf(buf, sizeof(buf), "%s %s", verbs[v].name, svc);
	}
	return buf;
}

/*
 * install, where the distribution's definition of svc cannot start it: the
 * toolkit's goes beside it as tedge-<svc>, which every verb then uses for
 * svc, and takes over its start on boot. The distribution's file is left
 * as it is (a package upgrade must find it unchanged).
 */
static int
install_standin(int m, const char *svc, const char *why)
{
	const struct backend *b = &backends[m];
	char *mine = xasprintf("tedge-%s", svc), *theirs = script(svc);
	const char *tmpl = b->tmpl(svc);
	int on;

	if (!exists_path(tmpl)) {
		err_push("no definition of %s for %s in %s/%s", svc, mgr_name(m),
		    initdir, b->initsub);
		die("failed to install %s for %s", svc, mgr_name(m));
	}
	on = b->is_enabled(svc) == R_YES;
	err_clear();
	if (b->install(mine, tmpl) != R_YES ||
	    b->action(V_DISABLE, svc) != R_YES ||
	    (on && b->action(V_ENABLE, mine) != R_YES))
		die("failed to install %s for %s", svc, mgr_name(m));
	fprintf(stderr, "Note: %s cannot start %s on %s: %s. Installed the "
	    "toolkit's definition, %s/etc/init.d/%s, in its place; the "
	    "distribution's file is unchanged%s.\n", theirs, svc, mgr_name(m),
	    why, root, mine, on ? " and no longer started on boot" : "");
	free(mine), free(theirs);
	return EXIT_OK;
}

static int
do_verb(int m, enum verb v, const char *svc)
{
	const struct backend *b = &backends[m];
	const char *name = mgr_name(m), *tmpl, *why;
	char *path;
	int r;

	if (v == V_DIAGNOSE || v == V_INSTALL) {
		if ((r = b->exists(svc)) == R_ERR)
			die("failed to %s", asked(v, svc));
		why = r == R_YES && b->defect && b->resolve(svc) == svc ?
		    b->defect(svc) : NULL;
		if (v == V_DIAGNOSE) {
			if (r == R_NO)
				diec(EXIT_NOT_INSTALLED, "Service %s not found. "
				    "Install %s to use this command.", svc, svc);
			if (!why)
				return EXIT_FAIL;
			path = script(svc);
			printf("%s cannot start %s on %s: %s. Run 'tedge init' to "
			    "install the toolkit's definition in its place.\n",
			    path, svc, name, why);
			free(path);
			return EXIT_OK;
		}
		if (why)
			return install_standin(m, svc, why);
	}
	if (b->resolve)
		svc = b->resolve(svc);
	if (v == V_EXISTS || v == V_IS_ACTIVE || v == V_IS_ENABLED) {
		r = b->exists(svc);
		/* a missing service is neither active nor enabled */
		if (v != V_EXISTS && r != R_NO && r != R_ERR)
			r = v == V_IS_ACTIVE ? b->is_active(svc) : b->is_enabled(svc);
		if (r == R_UNKNOWN) {
			err_push("the service manager '%s' (%s) has no command for it",
			    name, cu.path);
			die("failed to %s", asked(v, svc));
		}
		if (r == R_ERR)
			die("failed to %s", asked(v, svc));
		return r == R_YES ? EXIT_OK : EXIT_FAIL;
	}
	if (v == V_INSTALL) {
		if (!b->install)
			die("cannot install %s for the service manager '%s': "
			    "define it in that manager yourself", svc, name);
		if ((r = b->exists(svc)) == R_YES)
			return EXIT_OK;	/* never replace a definition */
		if (r == R_ERR)
			die("failed to install %s for %s", svc, name);
		tmpl = b->tmpl(svc);
		if (!exists_path(tmpl)) {
			err_push("no definition of %s for %s in %s/%s", svc, name,
			    initdir, b->initsub);
			die("failed to install %s for %s", svc, name);
		}
		if (b->install(svc, tmpl) != R_YES)
			die("failed to install %s for %s", svc, name);
		return EXIT_OK;
	}
	/* actions: a service the manager does not know is not installed */
	r = b->exists(svc);
	if (r == R_ERR)
		die("failed to %s", asked(v, svc));
	if (r != R_NO)
		r = b->action(v, svc);
	if (r == R_NO || r == R_MISSING)
		diec(EXIT_NOT_INSTALLED,
		    "Service %s not found. Install %s to use this command.", svc, svc);
	if (r != R_YES)
		die("failed to %s", asked(v, svc));
	return EXIT_OK;
}

int
main(int argc, char *argv[])
{
	static const struct option opts[] = {
		{ "config-dir", required_argument, NULL, 'c' },
		{ "manager", required_argument, NULL, 'm' },
		{ "timeout", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	const char *dir = NULL, *mgr = NULL, *svc = NULL, *env, *head;
	char *end, *clean;
	int ch, m, code;
	size_t v;
	long t;

	err_setprog(argv[0]);
	while ((ch = getopt_long(argc, argv, "c:m:t:hV", opts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			dir = optarg;
			break;
		case 'm':
			mgr = optarg;
			break;
		case 't':
			errno = 0;
			t = strtol(optarg, &end, 10);
			if (errno || *end || end == optarg || t < 1 || t > 3600)
				die_usage("invalid value '%s' for '--timeout <SECS>': "
				    "expected whole seconds from 1 to 3600", optarg);
			timeout_ms = (int)t * 1000;
			break;
		case 'h':
			exit_help(usage_text);
		case 'V':
			exit_version();
		default:
			fputs("\nFor more information, try '--help'.\n", stderr);
			return EXIT_USAGE;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1)
		die_usage("%s", "a command is required: start, stop, restart, "
		    "enable, disable, is-active, is-enabled, exists, install, "
		    "diagnose, detect or is-available");
	for (v = 0; v < LEN(verbs); v++)
		if (!strcmp(argv[0], verbs[v].name))
			break;
	if (v == LEN(verbs))
		die_usage("unrecognized subcommand '%s'", argv[0]);
	if (verbs[v].takes_service) {
		if (argc < 2)
			die_usage("the following required arguments were not "
			    "provided:\n  <SERVICE>");
		svc = argv[1];
		if (!valid_name(svc))
			die_usage("invalid service name '%s': letters, digits and "
			    "\"_.:@+-\", not starting with '.' or '-'", svc);
	}
	if (argc > (verbs[v].takes_service ? 2 : 1))
		die_usage("unexpected argument '%s' found",
		    argv[verbs[v].takes_service ? 2 : 1]);
	if (dir && !*dir)
		die_usage("%s", "--config-dir needs a non-empty directory");
	if (mgr && !*mgr)
		die_usage("%s", "--manager needs a value");
	confdir = paths_config_dir(dir);
	if ((env = getenv("TEDGE_SVC_ROOT")) && *env) {
		if (!(clean = path_clean(env)))
			die("failed to use TEDGE_SVC_ROOT");
		if (strcmp(clean, "/"))
			root = clean;
		else
			free(clean);
	}
	if ((env = getenv("TEDGE_SVC_INITDIR")) && *env)
		initdir = env;

	m = choose(mgr, &code, &head);
	if (v == V_IS_AVAILABLE) {
		if (m < 0 && code != EXIT_NO_MANAGER)
			diec(code, "%s", head);
		err_clear();
		return m < 0 ? EXIT_FAIL : EXIT_OK;
	}
	if (m < 0) {
		if (v == V_DETECT) {
			/* the manager that is not there, for the flows' words */
			if (code == EXIT_NO_MANAGER && wanted >= 0) {
				puts(mgr_name(wanted));
				fflush(stdout);
			}
			diec(code, "%s", head);
		}
		/* a broken file speaks for itself */
		if (code == EXIT_NO_MANAGER)
			err_push("%s", head);
		diec(code, "failed to %s", asked((enum verb)v, svc));
	}
	if (v == V_DETECT) {
		puts(mgr_name(m));
		fshut_stdout();
		return EXIT_OK;
	}
	code = do_verb(m, (enum verb)v, svc);
	fshut_stdout();
	return code;
}
