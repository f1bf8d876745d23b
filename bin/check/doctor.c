/* SPDX-License-Identifier: Apache-2.0 */
/*
 * doctor.c: `tedge-check doctor`: every layer in order, one line each, and
 * the first one that fails with what to do about it (with what the
 * distribution did to the broker, from distro.c).
 */
#include <sys/stat.h>

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

static void __attribute__((format(printf, 3, 0)))
layer_line(const char *tag, const char *layer, const char *fmt, va_list ap)
{
	fprintf(stderr, "%-4s %s: ", tag, layer);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

static void __attribute__((format(printf, 2, 3)))
layer_ok(const char *layer, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	layer_line("ok", layer, fmt, ap);
	va_end(ap);
}

/* Something to fix that does not stop the layers after it: doctor's exit
 * stays what the layers say. */
static void __attribute__((format(printf, 2, 3)))
layer_warn(const char *layer, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	layer_line("WARN", layer, fmt, ap);
	va_end(ap);
}

static void __attribute__((noreturn))
layer_fail(const struct run *run, const struct cloud *cl, const char *layer)
{
	fprintf(stderr, "FAIL %s: %s\n\n", layer, run->problem[0] ? run->problem : "failed");
	die("the connection to %s fails at the %s layer", cl->display, layer);
}

/* The host and port of the address line of a bridge file, or NULL. */
static char *
bridge_address(struct run *run, const char *path)
{
	char *buf, *p, *e, *a = NULL;
	size_t len;

	if (!(buf = fs_read(path, 1 << 20, &len)))
		return NULL;
	for (p = buf; *p; p = *e ? e + 1 : e) {
		e = p + strcspn(p, "\n");
		if (!strncmp(p, "address ", 8)) {
			a = xstrndup(p + 8, (size_t)(e - p - 8));
			break;
		}
	}
	free(buf);
	return a ? keep(run, a) : NULL;
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
	char d[64], *path, *addr, *want, *bconf;
	const char *v, *hazard;
	int r;

	set_deadline(run, timeout_or(run, 10));

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

	/* certificate */
	if (device_load(run, cl) < 0)
		layer_fail(run, cl, "certificate");
	x509_duration_text(run->dev.left, d, sizeof(d));
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
	r = probe_handshake(&p, run->dev.root, run->dev.cert, run->dev.key);
	if (r != PR_OK && r != PR_CLIENT) {
		explain(&p, r);
		layer_fail(run, cl, "tls server");
	}
	layer_ok("tls server", "the certificate of %s (%s) is trusted by %s", ep.host, p.server,
	    cl->root_key);
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
	probe_free(&p);

	/*
	 * broker config: whether the broker's configuration file loads ours.
	 * Read before the broker is asked, as mosquitto reads it before it
	 * listens; a warning, not a failure: mosquitto may be started with
	 * another file, and the live layers after it tell. When one of them
	 * fails, this is the first reason given.
	 */
	if (conf(run, "mqtt.broker.config_path", &bconf) != 0)
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

	/* bridge: the file, the address in it, mosquitto's word */
	path = keep(run, xasprintf("%s/mosquitto-conf/%s", run->cfgdir, cl->bridge_file));
	if (stat(path, &st) < 0) {
		err_pushsysf(errno, "cannot read %s", path);
		set_problem(run, "there is no bridge file %s", path);
		err_push("There is no bridge to %s. Run `tedge connect %s`.", cl->display, cl->name);
		layer_fail(run, cl, "bridge");
	}
	addr = bridge_address(run, path);
	want = keep(run, xasprintf("%s:%s", ep.host, ep.port));
	err_clear();
	if (!addr || strcmp(addr, want)) {
		set_problem(run, "the bridge connects to %s, the configuration says %s",
		    addr ? addr : "nowhere", want);
		err_push("%s was made for another configuration. Run `tedge reconnect %s`.",
		    path, cl->name);
		layer_fail(run, cl, "bridge");
	}
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
	layer_ok("round trip", "%s answered on %s", cl->request, cl->response);
	sess_close(&s);
	fprintf(stderr, "The connection to %s works.\n", cl->display);
	return EXIT_OK;
}
