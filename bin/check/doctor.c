/* SPDX-License-Identifier: Apache-2.0 */
/*
 * doctor.c: `tedge-check doctor`: every layer in order, one line each, and
 * the first one that fails with what to do about it (with what the
 * distribution did to the broker, from distro.c). The bridge file is
 * compared with what `tedge-bridge-gen CLOUD` makes of the configuration
 * (their address lines first: the more precise reason), not parsed.
 */
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cloud.h"
#include "tedge.h"
#include "check.h"
#include "x509.h"

/* --- doctor ----------------------------------------------------------------- */

/* With --json, a layer in the document's "layers": its name, "ok",
 * "warn" or "fail", and the words of its line. */
static void
layer_json(const char *layer, const char *status, const char *msg)
{
	json_out_open(NULL, 0);
	json_out_str("layer", layer);
	json_out_str("status", status);
	json_out_str("message", msg);
	json_out_close();
}

/* "ok   bridge: <what>", doctor's line for a layer. */
static void __attribute__((format(printf, 3, 4)))
layer_say(const char *tag, const char *layer, const char *fmt, ...)
{
	char msg[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "%-4s %s: %s\n", tag, layer, msg);
	layer_json(layer, *tag == 'o' ? "ok" : "warn", msg);
}

/* A layer that passed; one to fix that does not stop the layers after it
 * (doctor's exit stays what the layers say). */
#define layer_ok(...) layer_say("ok", __VA_ARGS__)
#define layer_warn(...) layer_say("WARN", __VA_ARGS__)

static void __attribute__((noreturn))
layer_fail(const struct run *run, const struct cloud *cl, const char *layer)
{
	const char *why = run->problem[0] ? run->problem : "failed";

	fprintf(stderr, "FAIL %s: %s\n\n", layer, why);
	layer_json(layer, "fail", why);
	json_out_close();
	json_out_bool("ok", 0);
	die("the connection to %s fails at the %s layer", cl->display, layer);
}

/*
 * The bridge file as the configuration makes it now: what `tedge-bridge-gen
 * CLOUD` prints, the program that writes it (doctor does not make it a
 * second time). Kept; NULL when it cannot tell, *why then saying so (kept).
 */
static char *
bridge_made(struct run *run, const struct cloud *cl, const char **why)
{
	char opt[] = "--config-dir", *argv[5], *out, *err, *l, *e;
	struct spawn_io io = { NULL, 0, 0, 0, NULL };
	int st, t = left_ms(run), errnum;

	*why = NULL;
	if (!(argv[0] = keep(run, tool_path("tedge-bridge-gen")))) {
		*why = "tedge-bridge-gen is not installed";
		return NULL;
	}
	argv[1] = opt;
	argv[2] = keep(run, xstrdup(run->cfgdir));
	argv[3] = keep(run, xstrdup(cl->name));
	argv[4] = NULL;
	io.err = &err;
	st = spawn_run(argv, &io, &out, t > 5000 ? 5000 : t > 0 ? t : 1);
	errnum = errno;
	keep(run, out), keep(run, err);
	if (st < 0) {
		*why = keep(run, xasprintf("`tedge-bridge-gen %s` did not run (%s)", cl->name,
		    errnum == ETIMEDOUT ? "out of time" : strerror(errnum)));
		err_clear();
		return NULL;
	}
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		return out;
	debug(run, "tedge-bridge-gen %s %s: %s", cl->name, spawn_status_text(st), err);
	/* The reason: its innermost cause, the last line it wrote, without
	 * the indent and number of the Caused by: list. */
	for (e = err + strlen(err); e > err && (e[-1] == '\n' || e[-1] == ' '); e--)
		;
	*e = '\0';
	l = strrchr(err, '\n');
	l = (l ? l + 1 : err) + strspn(l ? l + 1 : err, " ");
	if (l[strspn(l, "0123456789")] == ':' && l[0] != ':')
		l += strspn(l, "0123456789") + 1;
	l += strspn(l, " ");
	*why = keep(run, xasprintf("`tedge-bridge-gen %s` makes none (%s)", cl->name,
	    *l ? l : spawn_status_text(st)));
	return NULL;
}

/* The line that starts with "address " in text, without it; kept, or NULL. */
static const char *
address_line(struct run *run, const char *text)
{
	const char *p, *e;

	for (p = text; *p; p = *e ? e + 1 : e) {
		e = p + strcspn(p, "\n");
		if (!strncmp(p, "address ", 8))
			return keep(run, xstrndup(p + 8, (size_t)(e - p - 8)));
	}
	return NULL;
}

/*
 * The first line where a and b differ (1 for the first line), where it
 * starts in each in *pa and *pb; 0 when they are the same text.
 */
static size_t
first_difference(const char *a, const char *b, const char **pa, const char **pb)
{
	size_t line, na, nb;

	for (line = 1; *a || *b; line++) {
		na = strcspn(a, "\n");
		nb = strcspn(b, "\n");
		if (na != nb || strncmp(a, b, na) || (a[na] == '\n') != (b[nb] == '\n')) {
			*pa = a, *pb = b;
			return line;
		}
		a += na + (a[na] == '\n');
		b += nb + (b[nb] == '\n');
	}
	return 0;
}

/* The line at p for a message: quoted, cut after 80 bytes; kept. */
static const char *
shown_line(struct run *run, const char *p)
{
	size_t n = strcspn(p, "\n"), cut = n > 80 ? 80 : n;
	char *l, *q;

	if (!*p)
		return "the end of the file";
	while (cut < n && cut > 0 && ((unsigned char)p[cut] & 0xc0) == 0x80)
		cut--;
	l = xstrndup(p, cut);
	q = quote_debug(l);
	free(l);
	keep(run, q);
	if (cut < n)
		return keep(run, xasprintf("%s...", q));
	if (!p[n])
		return keep(run, xasprintf("%s, without a newline", q));
	return q;
}

/*
 * The bridge file at path against what the configuration makes: another
 * address fails the layer (the bridge goes elsewhere); any other difference
 * is a warning, as is a configuration that makes none, and the layers go
 * on: mosquitto runs what the file says, which may still work.
 */
static void
bridge_compare(struct run *run, const struct cloud *cl, const char *path)
{
	const char *why, *want, *addr, *pa, *pb;
	char *made, *disk;
	size_t len, line;

	if (!(made = bridge_made(run, cl, &why))) {
		layer_warn("bridge", "doctor cannot tell whether %s is what the configuration gives: %s.",
		    path, why);
		return;
	}
	if (!(disk = fs_read(path, 1 << 20, &len)))
		disk = xstrdup("");
	keep(run, disk);
	err_clear();
	want = address_line(run, made);
	addr = address_line(run, disk);
	if (!addr || !want || strcmp(addr, want)) {
		set_problem(run, "the bridge connects to %s, the configuration says %s",
		    addr ? addr : "nowhere", want ? want : "nothing");
		err_push("%s was made for another configuration. Run `tedge reconnect %s`.",
		    path, cl->name);
		layer_fail(run, cl, "bridge");
	}
	/* What was kept of a larger text is compared as far as it goes. */
	if (strlen(made) >= SPAWN_KEEP)
		disk[strlen(disk) > strlen(made) ? strlen(made) : strlen(disk)] = '\0';
	if ((line = first_difference(disk, made, &pa, &pb)) == 0)
		return;
	layer_warn("bridge", "%s differs from what the configuration gives, from line %zu on (%s, where the configuration gives %s): mosquitto runs what the file says. Run `tedge reconnect %s`, which makes it again.",
	    path, line, shown_line(run, pa), shown_line(run, pb), cl->name);
}

/*
 * The version of the broker that runs: retained on $SYS/broker/version,
 * so it comes right behind the SUBACK; the SUBACK of a second subscription
 * comes after it, which ends the wait without guessing one. With $SYS off,
 * the first line of `mosquitto -h`. NULL when neither tells.
 */
static const char *
broker_version(struct sess *s)
{
	if (sess_subscribe(s, SYS_VERSION, 0) == 0 &&
	    sess_subscribe(s, "tedge-check/version-fence", 0) == 0 && s->version[0]) {
		debug(s->run, "%s: %s", SYS_VERSION, s->version);
		return s->version;
	}
	err_clear();
	return version_from_cmd(s->run, left_ms(s->run));
}

int
cmd_doctor(struct run *run, const struct cloud *cl)
{
	struct endpoint ep;
	struct probe p;
	struct stat st;
	struct sess s;
	struct inc inc;
	char d[64], *path, *bconf;
	const char *v, *hazard;
	int r;

	set_deadline(run, timeout_or(run, 10));
	json_out_open("layers", 1);

	/* configuration */
	if (!run->cfg_ok) {
		set_problem(run, "tedge.toml cannot be read");
		layer_fail(run, cl, "configuration");
	}
	if (cloud_endpoint(run, cl, &ep) < 0) {
		set_problem(run, "'%s' is not set", cl->url_key);
		layer_fail(run, cl, "configuration");
	}
	if (device_paths(run, cl) < 0 || local_conf(run) < 0) {
		set_problem(run, "the configuration cannot be read");
		layer_fail(run, cl, "configuration");
	}
	layer_ok("configuration", "%s %s, %s %s", ep.key, ep.text, cl->root_key, run->dev.root);

	/* certificate, or the credentials of basic authentication (no
	 * certificate needed; the file's mode is checked) */
	if (device_load(run, cl) < 0)
		layer_fail(run, cl, run->dev.basic ? "credentials" : "certificate");
	x509_duration_text(run->dev.left, d, sizeof(d));
	if (run->dev.basic)
		layer_ok("credentials", "%s: the user %s, for %s", run->dev.cred, run->dev.user, run->dev.id);
	else
		layer_ok("certificate", "%s for %s, valid until %s (%s left)%s", run->dev.cert, run->dev.id,
		    run->dev.until, d, run->dev.soon ? ", renew it soon" : "");

	probe_init(&p, run, &ep, cl);
	/* dns */
	if ((r = probe_resolve(&p)) != PR_OK) {
		explain(&p, r);
		layer_fail(run, cl, "dns");
	}
	layer_ok("dns", "%s is %s", ep.host, p.resolved);
	/* tcp */
	if ((r = probe_connect(&p)) != PR_OK) {
		explain(&p, r);
		layer_fail(run, cl, "tcp");
	}
	layer_ok("tcp", "%s accepts connections", p.addr);
	/* tls server, tls client */
	r = probe_handshake(&p, run->dev.root, run->dev.basic ? NULL : run->dev.cert, run->dev.key);
	if (r != PR_OK && r != PR_CLIENT) {
		explain(&p, r);
		layer_fail(run, cl, "tls server");
	}
	layer_ok("tls server", "the certificate of %s (%s) is trusted by %s", ep.host, p.server,
	    cl->root_key);
	if (r == PR_OK && run->dev.basic) {
		/* the login: a session as register opens it */
		if (direct_open(&s, run, cl, &ep) < 0)
			layer_fail(run, cl, "login");
		sess_close(&s);
		layer_ok("login", "%s accepts the user %s", ep.text, run->dev.user);
	} else {
		if (r == PR_OK)
			r = probe_mqtt(&p);
		if (r != PR_OK) {
			explain(&p, r);
			layer_fail(run, cl, "tls client");
		}
		if (p.connack >= 0)
			layer_ok("tls client", "%s accepts the device certificate (MQTT CONNACK %d)", ep.text,
			    p.connack);
		else
			layer_ok("tls client", "%s accepts the device certificate", ep.text);
	}
	probe_free(&p);

	/*
	 * broker config: whether the broker's configuration file loads ours.
	 * Read before the broker is asked, as mosquitto reads it before it
	 * listens; a warning, not a failure: mosquitto may be started with
	 * another file, and the live layers after it tell. When one of them
	 * fails, this is the first reason given.
	 */
	if (run_conf(run, "mqtt.broker.config_path", &bconf) != 0)
		bconf = keep(run, xstrdup("/etc/mosquitto/mosquitto.conf"));
	broker_includes(run, bconf, &inc);
	if (inc.state == INC_YES)
		layer_ok("broker config", "%s", inc.how);
	else
		layer_warn("broker config", "%s", inc.state == INC_NO ? inc_advice(run, &inc) : inc.how);

	/* local broker */
	if (local_open(&s, run) < 0) {
		if (s.connack <= 0)
			distro_explain(run, &inc, 1, keep(run, xasprintf("The local MQTT broker at %s:%d does not accept connections.",
			    run->loc.host, run->loc.port)));
		layer_fail(run, cl, "local broker");
	}
	layer_ok("local broker", "%s:%d accepts MQTT connections", run->loc.host, run->loc.port);
	if ((v = broker_version(&s)) && (hazard = version_hazard(run, v, bconf)))
		layer_warn("local broker", "%s", hazard);

	/* bridge: the file, as the configuration makes it; mosquitto's word */
	path = keep(run, xasprintf("%s/mosquitto-conf/%s", run->cfgdir, cl->bridge_file));
	if (stat(path, &st) < 0) {
		err_pushsysf(errno, "cannot read %s", path);
		set_problem(run, "there is no bridge file %s", path);
		err_push("There is no bridge to %s. Run `tedge connect %s`.", cl->display, cl->name);
		layer_fail(run, cl, "bridge");
	}
	bridge_compare(run, cl, path);
	if (bridge_wait(&s, cl) < 0) {
		if (s.timedout && s.health < 0)
			distro_explain(run, &inc, 0, keep(run, xasprintf("mosquitto runs no bridge to %s: nothing on %s.",
			    cl->display, s.health_topic)));
		else if (s.timedout)
			distro_explain(run, NULL, 0, keep(run, xasprintf("mosquitto's bridge to %s is not connected (%s says 0).",
			    cl->display, s.health_topic)));
		layer_fail(run, cl, "bridge");
	}
	layer_ok("bridge", "mosquitto's bridge to %s is up", ep.text);

	/* round trip */
	if (roundtrip(&s, cl) < 0)
		layer_fail(run, cl, "round trip");
	layer_ok("round trip", "%s answered on %s", s.req, s.resp);
	sess_close(&s);
	fprintf(stderr, "The connection to %s works.\n", cl->display);
	json_out_close();
	json_out_bool("ok", 1);
	json_out_end();
	return EXIT_OK;
}
