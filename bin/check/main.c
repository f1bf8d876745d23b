/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tedge-check: is the device connected, and if not, where does it break.
 *
 *   tedge-check broker [--wait SECS]
 *   tedge-check register c8y [--cert PATH] [--timeout SECS]
 *   tedge-check token c8y [--timeout SECS]
 *   tedge-check cloud c8y|az|aws [--timeout SECS]
 *   tedge-check cert
 *   tedge-check doctor c8y|az|aws [--timeout SECS] [--json]
 *
 * broker: the local broker (mqtt.client.host and .port, TLS when
 * mqtt.client.auth.ca_file or .ca_dir is set) accepts an MQTT connection;
 * with --wait it is tried again until it does, for at most SECS.
 * register: "Creating the device in Cumulocity cloud": a direct MQTT/TLS
 * connection to c8y.mqtt with the device certificate (with c8y.auth_method
 * basic: the username and password of c8y.credentials_path, read from that
 * file only), 100,<id>,<type> on s/us, done on its PUBACK. A failure is explained: the certificate and key
 * are checked with OpenSSL first, and a refused connection is replayed as
 * a plain OpenSSL handshake, which tells who refused whom and why. With
 * --cert PATH the session uses PATH instead of device.cert_path (same key,
 * same device id: PATH must have the same CN), which is how a renewed
 * <cert>.new is validated (tedge-cert runs it).
 * token: the JWT Cumulocity gives the device (71,<jwt> on s/dat for a
 * message on s/uat), on stdout: through the local broker when the bridge
 * is up, else by a direct session as register opens it (token.c).
 * cloud: a round trip through the local broker and the bridge, sent once
 * the bridge says it is up on its health topic (c8y: s/uat, answered 71 on
 * s/dat; with basic authentication 123 on s/us, answered 124 on s/ds).
 * cert: the device certificate and key: present, readable, paired, valid.
 * doctor: every layer in order, configuration, certificate, dns, tcp, tls
 * server, tls client, broker config, local broker, bridge, round trip; one
 * line per layer, then the first one that fails and what to do about it,
 * with what the distribution did to the broker (distro.c).
 *
 * --timeout bounds a whole command: every wait is a poll that ends at the
 * same deadline, never a fixed sleep.
 *
 * Reads tedge.toml (with TEDGE_* overrides), the device certificate and key,
 * the root certificates, and, for doctor,
 * <config-dir>/mosquitto-conf/<cloud>-bridge.conf, mosquitto's configuration
 * and, when the broker fails, the kernel's log; it may run `mosquitto -h` and
 * `tedge-svc diagnose mosquitto`, and doctor runs `tedge-bridge-gen CLOUD` to
 * compare the bridge file with what the configuration makes. Writes
 * nothing. Messages go to stderr; stdout stays empty, but for the token.
 *
 * Exit: 0 the check passed; 1 it failed (Error: says why); 2 usage.
 *
 * main.c: the options, the commands but doctor, and main; check.h says
 * what the other sources of bin/check/ hold.
 */
#include <sys/stat.h>

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <mosquitto.h>

#include "cloud.h"
#include "tedge.h"
#include "../builtin.h"
#include "check.h"
#include "opt.h"

static const char usage_text[] =
"usage: tedge-check [--config-dir DIR] COMMAND [OPTIONS]\n"
"\n"
"Check the device's connection to the cloud, layer by layer.\n"
"\n"
"Commands:\n"
"  broker [--wait SECS]           The local MQTT broker accepts connections\n"
"  register c8y [--cert PATH] [--timeout SECS]\n"
"                                 Create the device in Cumulocity (direct MQTT/TLS)\n"
"  token c8y [--timeout SECS]     Print the JWT Cumulocity gives the device\n"
"  cloud c8y|az|aws [--timeout SECS] [--json]\n"
"                                 A round trip through the local broker and the bridge\n"
"  cert [c8y|az|aws]             The device certificate and key (the cloud's) are usable\n"
"  doctor c8y|az|aws [--timeout SECS] [--json]\n"
"                                 Check every layer, name the first broken one\n"
"\n"
"Options:\n"
"  -c, --config-dir DIR   configuration directory [env: TEDGE_CONFIG_DIR, default: /etc/tedge]\n"
"  -t, --timeout SECS     bound of the whole command (default: broker 2, others 10)\n"
"  -w, --wait SECS        broker: try again until the broker accepts, for at most SECS\n"
"  -C, --cert PATH        register: use this certificate (same key and device id)\n"
"                         instead of device.cert_path\n"
"  -d, --debug            tell what is done, on stderr (also TEDGE_DEBUG=1)\n"
"  -j, --json             cloud, doctor: one JSON object on stdout (tedge-check(1))\n"
"  -h, --help             print this help\n"
"  -V, --version          print the version\n"
"\n"
"SECS may have a fraction (0.5). Nothing is printed on stdout but the token\n"
"and --json's object;\n"
"doctor prints one line per layer on stderr.\n"
"\n"
"Exit status: 0 the check passed; 1 it failed; 2 usage error.\n";

/* --- commands --------------------------------------------------------------- */

static void
need_config(const struct run *run)
{
	if (!run->cfg_ok)
		die("failed to read the configuration");
}

static int
cmd_broker(struct run *run)
{
	struct sess s;
	long long pause = 20;

	need_config(run);
	if (local_conf(run) < 0)
		die("failed to read the configuration");
	set_deadline(run, run->opt_wait > 0 ? run->opt_wait : timeout_or(run, 2));
	for (;;) {
		if (sess_open(&s, run, run->loc.host, run->loc.port, client_id(run), &run->loc.tls) == 0) {
			sess_close(&s);
			return EXIT_OK;
		}
		sess_close(&s);
		/* Only a broker that is not listening yet is worth waiting
		 * for; a refusal or a TLS mismatch will not go away. */
		if (run->opt_wait <= 0 || left_ms(run) == 0 || !s.unreachable)
			break;
		/* Not listening yet: try again shortly, as long as the bound
		 * allows. A poll, not a sleep: it ends at the deadline. */
		err_clear();
		if (pause > left_ms(run))
			pause = left_ms(run);
		poll(NULL, 0, (int)pause);
		if (pause < 200)
			pause *= 2;
	}
	if (run->opt_wait > 0)
		err_push("waited %g s", run->opt_wait);
	die("the local MQTT broker at %s:%d does not accept connections", run->loc.host, run->loc.port);
}

static int
cmd_cert(struct run *run, const struct cloud *cl)
{
	struct stat st;
	char *root, *url;
	size_t i;

	need_config(run);
	if (device_paths(run, cl) < 0 || device_check(run, NULL) < 0)
		die("the device certificate is not usable");
	device_warn_soon(run);
	/* What the bridge (tedge-bridge-gen) will refuse, said now. */
	if (cn_check(run) < 0)
		warn_causes();
	/* The bridges' side of "the bridge certificates": a root directory
	 * mosquitto cannot use, for each cloud that is configured. */
	for (i = 0; i < nclouds; i++) {
		if (run_conf(run, clouds[i].url_key, &url) != 0 || run_conf(run, clouds[i].root_key, &root) != 0) {
			err_clear();
			continue;
		}
		if (stat(root, &st) == 0 && S_ISDIR(st.st_mode) &&
		    cfg_check_capath(clouds[i].root_key, root) < 0)
			warn_causes();
	}
	return EXIT_OK;
}

/*
 * register --cert PATH: PATH stands in for the device certificate, with the
 * device's key (what validates a renewed <cert>.new). The device id stays
 * the configured certificate's, so PATH must have the same CN.
 */
static int
use_cert(struct run *run)
{
	const char *path = run->opt_cert;
	char *id, *cn, *qid, *qcn;
	int r;

	/* register is c8y's only */
	if ((r = cfg_get_str(&run->cfg, "c8y.device.id", &id)) != 0 || !*id) {
		if (r == 0)
			free(id);
		if (r >= 0)
			err_push("the device certificate %s has no common name", run->dev.cert);
		return err_push("Cannot read the device id from the device certificate.");
	}
	keep(run, id);
	if (!(cn = pem_cert_cn(path)))
		return err_push("The certificate %s given by --cert cannot be read.", path);
	keep(run, cn);
	if (!*cn)
		return err_push("The certificate %s has no common name: a new certificate must keep the device id, %s.",
		    path, id);
	if (strcmp(cn, id)) {
		qcn = keep(run, quote_debug(cn));
		qid = keep(run, quote_debug(id));
		return err_push("The certificate %s is for the device %s (its common name), not for %s, the device id of %s: a new certificate must keep the device id.",
		    path, qcn, qid, run->dev.cert);
	}
	run->dev.cert = keep(run, xstrdup(path));
	return 0;
}

static int
cmd_register(struct run *run, const struct cloud *cl)
{
	const char *what = "failed to create the device in Cumulocity";
	struct endpoint ep;
	struct sess s;
	char *msg;
	int r, suback;

	need_config(run);
	set_deadline(run, timeout_or(run, 10));
	if (run->opt_cert)
		what = keep(run, xasprintf("%s with the certificate %s", what, run->opt_cert));
	if (cloud_endpoint(run, cl, &ep) < 0 || device_paths(run, cl) < 0 ||
	    (run->opt_cert && use_cert(run) < 0) || device_load(run, cl) < 0)
		die("%s", what);
	/* No expiry warning: connect's `tedge-check cert` has said it. */
	if (direct_open(&s, run, cl, &ep) < 0) {
		if (s.timedout) {
			err_clear();
			err_push("Timed-out attempting to create device in Cumulocity: no answer from %s within %g s.",
			    ep.text, run->bound);
		}
		die("%s", what);
	}
	/* The subscription to s/e and the 100 go out together: MQTT keeps a
	 * connection's packets in order, so the subscription is in place
	 * before the answer to the 100 is sent. One round trip saved. */
	suback = s.nsubacks + 1;
	if ((r = mosquitto_subscribe(s.m, NULL, "s/e", 1)) != MOSQ_ERR_SUCCESS) {
		sess_err(&s, r);
		die("%s", what);
	}
	msg = keep(run, xasprintf("100,%s,%s", run->dev.id, run->dev.type));
	debug(run, "publishing %s on s/us", msg);
	if ((r = mosquitto_publish(s.m, &s.pubmid, "s/us", (int)strlen(msg), msg, 1, false)) != MOSQ_ERR_SUCCESS) {
		sess_err(&s, r);
		die("%s", what);
	}
	while ((!s.pubacked || s.nsubacks < suback) && !s.error[0] && !s.subfail) {
		if (sess_step(&s) < 0) {
			if (s.timedout) {
				err_clear();
				err_push("Timed-out waiting for device creation acknowledgment from Cumulocity (%g s).",
				    run->bound);
			} else {
				err_push("Cumulocity closed the connection");
			}
			die("%s", what);
		}
	}
	if (s.subfail) {
		err_push("Cumulocity refused the subscription to s/e");
		die("%s", what);
	}
	/* An answer already on its way is read before the verdict. */
	if (!s.error[0])
		mosquitto_loop(s.m, 0, 1);
	if (s.error[0]) {
		err_push("Cumulocity answered %s", s.error);
		die("%s", what);
	}
	sess_close(&s);
	return EXIT_OK;
}

static int
cmd_cloud(struct run *run, const struct cloud *cl)
{
	struct sess s;
	const char *bridge;

	need_config(run);
	/* No bridge: not connected, in thin-edge's words (connect --test) */
	bridge = keep(run, xasprintf("%s/mosquitto-conf/%s", run->cfgdir, cl->bridge_file));
	if (access(bridge, F_OK) < 0 && errno == ENOENT) {
		err_push("Device is not connected to %s cloud", cl->display);
		json_out_bool("ok", 0);
		die("failed to test connection to %s cloud.", cl->display);
	}
	set_deadline(run, timeout_or(run, 10));
	if (local_conf(run) < 0 || device_auth(run, cl) < 0)
		die("failed to read the configuration");
	if (local_open(&s, run) < 0 || bridge_wait(&s, cl) < 0 || roundtrip(&s, cl) < 0) {
		json_out_bool("ok", 0);
		die("failed to check the connection to %s cloud", cl->display);
	}
	sess_close(&s);
	json_out_bool("ok", 1);
	json_out_end();
	return EXIT_OK;
}

/* --- main ------------------------------------------------------------------- */

static double
secs_arg(const char *opt, const char *s)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !(v > 0) || v > 86400)
		die_usage("invalid value '%s' for '%s': seconds, more than 0 and at most 86400",
		    s, opt);
	return v;
}

enum { C_BROKER, C_REGISTER, C_CLOUD, C_CERT, C_DOCTOR, C_TOKEN };
static const struct cmd cmds[] = {
	{ "broker", C_BROKER, 0, 0, NULL },
	{ "register", C_REGISTER, 1, 1, "'register' needs a cloud: c8y" },
	{ "cloud", C_CLOUD, 1, 1, "'cloud' needs a cloud: c8y, az or aws" },
	{ "cert", C_CERT, 0, 1, NULL },
	{ "doctor", C_DOCTOR, 1, 1, "'doctor' needs a cloud: c8y, az or aws" },
	{ "token", C_TOKEN, 1, 1, "'token' needs a cloud: c8y" },
};

int
main_check(int argc, char *argv[])
{
	static const struct opt opts[] = {
		OPT_CONFIG_DIR,
		{ "timeout", 't', "SECS", "broker register cloud doctor token" },
		{ "wait", 'w', "SECS", "broker" },
		{ "cert", 'C', "PATH", "register" },
		{ "debug", 'd', NULL, NULL },
		{ "json", 'j', NULL, "cloud doctor" },
		OPT_PROFILE(NULL),
		OPT_END
	};
	/* Static: what it holds stays reachable when die() exits. */
	static struct run state;
	struct run *run = &state;
	const struct cloud *cl = NULL;
	const struct cmd *c;
	const char *dbg;
	int ch, r;

	run->opt_timeout = run->opt_wait = -1;
	err_setprog(argv[0]);
	dbg = getenv("TEDGE_DEBUG");
	run->debugging = dbg && *dbg && strcmp(dbg, "0");
	while ((ch = opt_next(argc, argv, opts, usage_text)) != -1) {
		switch (ch) {
		case 't': run->opt_timeout = secs_arg("--timeout", optarg); break;
		case 'w': run->opt_wait = secs_arg("--wait", optarg); break;
		case 'C':
			if (!*optarg)
				die_usage("--cert needs a non-empty path");
			run->opt_cert = optarg;
			break;
		case 'd': run->debugging = 1; break;
		}
	}
	argc -= optind;
	argv += optind;
	c = opt_cmd(argc, argv, cmds, LEN(cmds), "subcommand");
	/* cert's cloud is optional: its own certificate (a profile's) */
	if ((c->min || argc > 1) && (!(cl = cloud_find(argv[1])) ||
	    ((c->id == C_REGISTER || c->id == C_TOKEN) && strcmp(cl->name, "c8y"))))
		die_usage("invalid cloud '%s' for '%s': %s", argv[1], c->name,
		    c->id == C_REGISTER ? "only c8y has a device registration" :
		    c->id == C_TOKEN ? "only c8y gives a token" : "c8y, az or aws");

	/* --json: the document names what it is about first */
	if (opt_given('j')) {
		json_out_on();
		json_out_str("cloud", cl->name);
		json_out_str("profile", opt_profile());
	}
	/* A server that hangs up must give an error, not kill us. */
	signal(SIGPIPE, SIG_IGN);
	/* Ours, not a key of tedge.toml: taken out before cfg_load warns
	 * about an unknown field. */
	if ((run->kernel_log = getenv("TEDGE_CHECK_KERNEL_LOG"))) {
		run->kernel_log = keep(run, xstrdup(run->kernel_log));
		unsetenv("TEDGE_CHECK_KERNEL_LOG");
	}
	run->cfgdir = paths_config_dir(opt_config_dir());
	run->cfg_ok = cfg_load(&run->cfg, run->cfgdir, CFG_ENV) == 0;
	if (run->cfg_ok)
		warn_unknown_keys(&run->cfg, getenv("TEDGE_QUIET_UNKNOWN_KEYS"));
	if (!run->cfg_ok && c->id != C_DOCTOR)
		die("failed to read the configuration");
	if (run->cfg_ok && cl && !(cl = cloud_open(&run->cfg, cl)))
		die("failed to read the configuration");
	mosquitto_lib_init();
	switch (c->id) {
	case C_BROKER: r = cmd_broker(run); break;
	case C_REGISTER: r = cmd_register(run, cl); break;
	case C_CLOUD: r = cmd_cloud(run, cl); break;
	case C_CERT: r = cmd_cert(run, cl); break;
	case C_TOKEN: r = cmd_token(run, cl); break;
	default: r = cmd_doctor(run, cl); break;
	}
	mosquitto_lib_cleanup();
	device_free(run);
	cfg_free(&run->cfg);
	keep_free(run);
	fshut_stdout();
	return r;
}
