/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tedge-svc's runit backend: definitions in /etc/sv, linked into the scan
 * directory a runsvdir watches; sv, and runsv's control and status files.
 * What is not runit's own serves s6 too (s6.c), through struct scan: the
 * same scan directory of service directories, a supervisor for each.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tedge.h"
#include "svc.h"

struct scan *sc;	/* the family member in use: main.c sets it */
static struct scan scan_runit;

/*
 * The scan directory: $SVDIR (runit's, as for sv; s6 takes it too), else
 * where the running scanner is (s6 only, on the real root), else the
 * first default that exists, else the first.
 */
void
scan_init(void)
{
	const char *env = getenv("SVDIR");
	size_t i;

	if (sc->dir)
		return;
	if (env && *env) {
		sc->dir = xstrdup(env);
		return;
	}
	if (sc->find && !*root && proc_match(sc->comm, NULL, NULL, NULL, &sc->dir))
		return;
	for (i = 0; i < LEN(sc->dirs) && !sc->dir; i++) {
		char *p = root_path(sc->dirs[i]);
		if (is_dir(p))
			sc->dir = p;
		else
			free(p);
	}
	if (!sc->dir)
		sc->dir = root_path(sc->dirs[0]);
}

/* Is the scanner running on the scan directory? (runsvdir [-P] DIR, and
 * it does not stay there; s6-svscan works in it, whatever its argument.) */
int
scan_available(void)
{
	scan_init();
	return proc_match(sc->comm, sc->find ? NULL : "", NULL, sc->dir, NULL);
}

static char whybuf[4400];

const char *
scan_why(void)
{
	scan_init();
	snprintf(whybuf, sizeof(whybuf), "no %s process supervises %s",
	    sc->comm, sc->dir);
	return whybuf;
}

const char *
scan_sought(void)
{
	scan_init();
	snprintf(whybuf, sizeof(whybuf), "a%s %s supervising %s",
	    *sc->comm == 's' ? "n" : "", sc->comm, sc->dir);
	return whybuf;
}

const char *
scan_tmpl(const char *svc)
{
	return template_path(sc->id, svc);
}

/* The service's directory in the scan directory, and its definition. */
char *
scan_link(const char *svc)
{
	scan_init();
	return xasprintf("%s/%s", sc->dir, svc);
}

static char *
sv_def(const char *svc)
{
	return xasprintf("%s%s/%s", root, sc->defs, svc);
}

int
scan_exists(const char *svc)
{
	char *a = scan_link(svc), *b = sv_def(svc), *pa, *pb;
	int r;

	pa = xasprintf("%s/run", a);
	pb = xasprintf("%s/run", b);
	r = exists_path(pa) || exists_path(pb);
	free(pa), free(pb), free(a), free(b);
	return r ? R_YES : R_NO;
}

/* Is a supervisor (runsv, s6-supervise) running for dir? (sv's and
 * s6-svok's test: its control FIFO has a reader.) */
static int
supervised(const char *dir)
{
	char *ok = xasprintf("%s/supervise/%s", dir, sc->ok);
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
 * its supervisor starts it stopped and it does not come up on boot. Then
 * waits for the scanner to notice: s6-svscan is told to look now, runsvdir
 * looks every 5 seconds.
 */
static int
sv_supervise(const char *svc, int down)
{
	char *link = scan_link(svc), *def = sv_def(svc), *df;
	/* runsvdir: a scan every 5 s, a shorter wait would be meaningless */
	int wait = timeout_ms > 7000 || sc->rescan ? timeout_ms : 7000;
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
	if (r == R_YES && sc->rescan && !supervised(link)) {
		const char *argv[] = { sc->rescan, "-a", sc->dir, NULL };
		r = run_ok(argv);
	}
	while (r == R_YES && !supervised(link)) {
		if (clock_ms() >= deadline) {
			r = err_push("%s did not start supervising %s "
			    "within %d s", sc->comm, link, wait / 1000);
			break;
		}
		nap_ms(50);
	}
	free(link), free(def);
	return r;
}

/* 1, or 0 to run `busybox sv` where BusyBox has the applet but no link
 * (a board whose inittab says `busybox runsvdir`). */
static int
sv_skip(void)
{
	return sc != &scan_runit || on_path("sv") || !on_path("busybox");
}

static int
sv_cmd(const char *what, const char *svc)
{
	char wait[16], *link = scan_link(svc);
	const char *argv[] = { "busybox", "sv", "-w", wait, "-v", what, link, NULL };
	int r, t = timeout_ms;

	/* sv waits at most -w seconds itself; our deadline comes later. */
	snprintf(wait, sizeof(wait), "%d", t / 1000 > 1 ? t / 1000 : 1);
	timeout_ms = t + 5000;
	r = run_ok(argv + sv_skip());
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
	char *path = xasprintf("%s/supervise/%s", link, "status");
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
	char *link = scan_link(svc), *ctl = xasprintf("%s/supervise/%s", link, "control");
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

int
scan_is_enabled(const char *svc)
{
	char *link = scan_link(svc), *down = xasprintf("%s/down", link);
	int r = exists_path(link) && !exists_path(down);

	free(down), free(link);
	return r ? R_YES : R_NO;
}

int
scan_action(enum verb v, const char *svc)
{
	char *link = scan_link(svc), *down = xasprintf("%s/down", link);
	int linked = exists_path(link), r = R_YES;

	switch (v) {
	case V_START:
	case V_RESTART:
		/* Not supervised yet: supervise it stopped, not enabled. */
		if ((r = sv_supervise(svc, 1)) == R_YES)
			r = sc->ctl(v, svc);
		break;
	case V_STOP:
		/* Not in the scan directory: nothing runs it. */
		if (linked && (r = sv_supervise(svc, 0)) == R_YES)
			r = sc->ctl(v, svc);
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
		/* The down file keeps the supervisor from starting it on boot; what
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

/* `sv status` exits 0 whether the service is up or down, and s6-svstat
 * too: read their word. */
int
scan_is_active(const char *svc)
{
	char *link = scan_link(svc), *out = NULL;
	const char *argv[] = { "busybox", sc->stat[0], sc->stat[1], link, NULL };
	int code, r = R_NO;

	if (exists_path(link)) {
		code = run(argv + sv_skip(), &out);
		if (code < 0)
			r = R_ERR;
		else if (code == 0 && !strncmp(out, sc->up, strlen(sc->up)))
			r = R_YES;
	}
	free(out);
	free(link);
	return r;
}

/* The definition directory: every regular file of the template's. */
int
scan_install(const char *svc, const char *tmpl)
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

/*
 * Not `sv restart`: its -v check can pass on the status from before the
 * restart (seconds are its clock), and an `sv stop` right after it then
 * left runsv wanting the service up. The restart waits for a new pid.
 */
static int
runit_ctl(enum verb v, const char *svc)
{
	return v == V_RESTART ? sv_restart(svc) :
	    sv_cmd(v == V_START ? "start" : "stop", svc);
}

static const char *const sv_status_argv[] = { "sv", "status" };

static struct scan scan_runit = {
	.id = "runit", .comm = "runsvdir", .defs = "/etc/sv", .ok = "ok",
	.dirs = { "/etc/service", "/var/service" },
	.stat = sv_status_argv, .up = "run: ", .ctl = runit_ctl,
};

const struct backend svc_runit = {
	.id = "runit", .initsub = "runit", .scan = &scan_runit,
	SCAN_BACKEND,
};
