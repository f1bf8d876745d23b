/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tedge-svc's s6 backend: runit's (runit.c) with s6's tools. Definitions in
 * /etc/s6/sv, linked into the scan directory an s6-svscan watches:
 * $SVDIR, else the running s6-svscan's (its working directory), else
 * /run/service (s6-overlay's) or /service; s6-svscanctl -a has it look at
 * once. s6-svc acts and waits, s6-svstat -u tells.
 */
#include <stdio.h>
#include <stdlib.h>

#include "tedge.h"
#include "svc.h"

/*
 * s6-svc waits (-w) for the event, up to -T ms; our deadline comes later.
 * A restart is down then up: after `s6-svc -r`, s6-supervise waits a
 * second before it starts the service again, after -d then -u it does not.
 */
static int
s6_ctl(enum verb v, const char *svc)
{
	char ms[16], *link = scan_link(svc);
	const char *argv[] = { "s6-svc", "-wd", "-T", ms, "-d", link, NULL };
	int r = R_YES, t = timeout_ms;

	snprintf(ms, sizeof(ms), "%d", t);
	timeout_ms = t + 5000;
	if (v != V_START)
		r = run_ok(argv);
	argv[1] = "-wu", argv[4] = "-u";
	if (r == R_YES && v != V_STOP)
		r = run_ok(argv);
	timeout_ms = t;
	free(link);
	return r;
}

static const char *const s6_stat_argv[] = { "s6-svstat", "-u" };

static struct scan scan_s6 = {
	.id = "s6", .comm = "s6-svscan", .defs = "/etc/s6/sv", .ok = "control",
	.dirs = { "/run/service", "/service" }, .find = 1,
	.stat = s6_stat_argv, .up = "true", .rescan = "s6-svscanctl", .ctl = s6_ctl,
};

const struct backend svc_s6 = {
	.id = "s6", .initsub = "s6", .scan = &scan_s6,
	SCAN_BACKEND,
};
