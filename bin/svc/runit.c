/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tedge-svc's runit backend: definitions in /etc/sv, linked into the scan
 * directory a runsvdir watches; sv, and runsv's control and status files.
 */
#include <sys/stat.h>

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tedge.h"
#include "svc.h"

char *svdir;	/* the scan directory runsvdir watches */

void
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
	p = root_path("/etc/service");
	if (!is_dir(p)) {
		char *q = root_path("/var/service");
		if (is_dir(q)) {
			free(p);
			p = q;
		} else {
			free(q);
		}
	}
	svdir = p;
}

/* /proc/<pid>/<file> into buf, NUL-terminated: its length, or -1. */
static ssize_t
proc_read(const char *pid, const char *file, char *buf, size_t size)
{
	char path[300];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%s/%s", pid, file);
	if ((fd = open(path, O_RDONLY)) < 0)
		return -1;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n >= 0)
		buf[n] = '\0';
	return n;
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
	char comm[64], cmd[4096], *arg, *dir;
	size_t len;
	int found = 0;
	ssize_t n;
	DIR *d;

	runit_init();
	if (stat(svdir, &want) < 0 || !(d = opendir("/proc")))
		return 0;
	while (!found && (de = readdir(d))) {
		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		if (proc_read(de->d_name, "comm", comm, sizeof(comm)) <= 0 ||
		    strcmp(comm, "runsvdir\n") ||
		    (n = proc_read(de->d_name, "cmdline", cmd, sizeof(cmd))) <= 0)
			continue;
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

static char whybuf[4400];

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
	return template_path("runit", svc);
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
	long long deadline = clock_ms() + wait;
	int r = R_YES;

	if (!exists_path(link)) {
		if (down) {
			df = xasprintf("%s/down", def);
			if (fs_create_new(df, "", 0, 0644, (uid_t)-1, (gid_t)-1) < 0)
				r = R_ERR;
			free(df);
		}
		if (r == R_YES && symlink(def, link) < 0 && errno != EEXIST)
			r = err_pushsysf(errno, "cannot create %s", link);
	}
	while (r == R_YES && !supervised(link)) {
		if (clock_ms() >= deadline) {
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
	long long deadline = clock_ms() + timeout_ms;
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
		if (clock_ms() >= deadline) {
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
			int w = fs_create_new(down, "", 0, 0644, (uid_t)-1, (gid_t)-1);
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

const struct backend svc_runit = {
	.id = "runit", .initsub = "runit",
	.available = runit_available, .why_unavailable = runit_why,
	.exists = runit_exists, .action = runit_action, .is_active = runit_is_active,
	.is_enabled = runit_is_enabled, .install = runit_install, .tmpl = runit_tmpl,
};
