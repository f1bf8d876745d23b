/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tedge-bridge-gen: the mosquitto configuration made from tedge.toml.
 *
 *   tedge-bridge-gen [--config-dir DIR] [--check] [--write | --output FILE] CLOUD
 *   tedge-bridge-gen [--config-dir DIR] --path | --remove CLOUD
 *   tedge-bridge-gen [--config-dir DIR] --describe CLOUD
 *   tedge-bridge-gen [--config-dir DIR] --include
 *
 * CLOUD c8y, az or aws makes the bridge file of that cloud (c8y-bridge.conf,
 * az-bridge.conf, aws-bridge.conf); local makes tedge-mosquitto.conf, the
 * local listener and the optional external one, and nothing when
 * mqtt.bind.enabled is false. The layout, line order and topics are
 * thin-edge's (reference connect §1.8, §2). The file goes to stdout;
 * --write replaces <config-dir>/mosquitto-conf/<file>, --output FILE
 * replaces FILE, atomically and with mode 0644 (a non-root mosquitto reads
 * it); with c8y.auth_method basic, which puts the password of the
 * credentials file in it, mode 0640, owned by root and the broker's group
 * when root (remote_username and remote_password replace the certificate
 * lines, and there are no s/uat, s/dat topics). The files in mosquitto-conf/ are this program's: --path prints where
 * one is (for the flows, which must not work it out again), --remove removes
 * it and syncs the directory (nothing to remove is no error). --describe
 * prints what the flows say of a cloud: its display name (Cumulocity), then
 * the path --path prints; an unknown cloud is a usage error in the words
 * the flows show as theirs. --include
 * adds `include_dir <config-dir>/mosquitto-conf` to the broker's own
 * configuration (tedge init), once. --write of a cloud's bridge gives the
 * certificate and key to the broker's user (root only), on descriptors of
 * the files themselves. No link is followed where others could have put it
 * (lib/fs.c).
 *
 * Reads <config-dir>/tedge.toml with TEDGE_<KEY> overrides, the device
 * certificate (its CN is device.id), the root certificate path (stat: a
 * directory gives bridge_capath, a file bridge_cafile), and, when
 * c8y.bridge.include.local_cleansession is auto, the output of
 * `mosquitto -h` (found in PATH, else in the usual sbin directories).
 *
 * Every value is checked before anything is written, even one put into
 * tedge.toml by hand or into TEDGE_*: by the same check of the key table
 * (lib/config.c) that `tedge config set` applies, so set refuses what this
 * would. No control character, newline or carriage return, valid UTF-8 as
 * mosquitto wants it, hosts, ports, interface names and SmartREST template
 * ids well formed, paths absolute and without blanks at the ends. A
 * refused value names its key, and no file is changed.
 *
 * Exit: 0 success; 1 failure; 2 usage.
 */
#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cloud.h"
#include "tedge.h"
#include "builtin.h"
#include "opt.h"

static const char usage_text[] =
"usage: tedge-bridge-gen [--config-dir DIR] [--check] [--write | --output FILE] CLOUD\n"
"       tedge-bridge-gen [--config-dir DIR] --check --json CLOUD\n"
"       tedge-bridge-gen [--config-dir DIR] --path | --remove CLOUD\n"
"       tedge-bridge-gen [--config-dir DIR] --describe CLOUD\n"
"       tedge-bridge-gen [--config-dir DIR] --give-back UID:GID CLOUD\n"
"       tedge-bridge-gen [--config-dir DIR] --include\n"
"\n"
"Print or write the mosquitto configuration made from tedge.toml.\n"
"\n"
"Clouds:\n"
"  c8y      the Cumulocity bridge, c8y-bridge.conf\n"
"  az       the Azure IoT Hub bridge, az-bridge.conf\n"
"  aws      the AWS IoT bridge, aws-bridge.conf\n"
"  local    the local listeners, tedge-mosquitto.conf (nothing when\n"
"           mqtt.bind.enabled is false)\n"
"\n"
"Options:\n"
"  -c, --config-dir DIR  configuration directory [env: TEDGE_CONFIG_DIR, default: /etc/tedge]\n"
"  -w, --write           replace the file in DIR/mosquitto-conf/ instead of printing it\n"
"  -o, --output FILE     replace FILE instead of printing it\n"
"  -p, --path            print the path of the file in DIR/mosquitto-conf/\n"
"  -r, --remove          remove the file from DIR/mosquitto-conf/, if it is there\n"
"  -d, --describe        print the cloud's display name, then --path's line\n"
"  -i, --include         make mqtt.broker.config_path include DIR/mosquitto-conf, once\n"
"  -g, --give-back UID:GID\n"
"                        give the cloud's certificate and key to that owner again\n"
"                        (what --write gave the broker's user; connect's rollback)\n"
"  -k, --check           refuse profiles sharing a topic prefix (c8y: proxy.bind.port), as connect\n"
"  -j, --json            with --check: no file, one JSON object: cloud, profile, ok, and\n"
"                        error and causes when refused (tedge-bridge-gen(1))\n"
"  -h, --help            print this help\n"
"  -V, --version         print the version\n"
"\n"
"Files are replaced atomically, with mode 0644 (0640 holding a password).\n"
"Every value is checked first;\n"
"a value that mosquitto would misread is refused and no file is changed.\n"
"TEDGE_DEBUG=1 tells on stderr how local_cleansession was decided.\n"
"\n"
"Exit status: 0 success; 1 failure; 2 usage error.\n";

/* c8y topics: "<topic> <direction> <qos>", local prefix c8y/, remote "".
 * thin-edge HEAD's order (reference connect §2, SPEC §5). */
static const char *const c8y_topics[] = {
	"s/dt in 1", "s/ut/# out 1",
	"s/us/# out 1", "t/us/# out 1", "q/us/# out 1", "c/us/# out 1",
	"s/ds in 1",
	"s/e in 0",
	"s/uc/# out 1", "t/uc/# out 1", "q/uc/# out 1", "c/uc/# out 1",
	"s/dc/# in 1",
	"inventory/managedObjects/update/# out 1",
	"measurement/measurements/create out 1",
	"measurement/measurements/createBulk out 1",
	"event/events/create out 1", "event/events/createBulk out 1",
	"alarm/alarms/create out 1", "alarm/alarms/createBulk out 1",
	"devicecontrol/notifications in 1",
	"error in 1",
	"s/uat out 0", "s/dat in 0",
};

static char *what;	/* "the bridge configuration for c8y"; malloc'd */
static int debugging;
static int basic;	/* c8y with c8y.auth_method basic (lib/cred.c) */
static char *secret;	/* its password, wiped at the end */

/*
 * Every string read or made from the configuration, freed at the end of a
 * run. die() may end the program at any point: kept here, nothing is lost
 * to LeakSanitizer, and no path needs its own list of frees.
 */
static char **kept;
static size_t nkept;

static char *
keep(char *v)
{
	if (v) {
		kept = xrealloc(kept, (nkept + 1) * sizeof(*kept));
		kept[nkept++] = v;
	}
	return v;
}

static void
free_kept(void)
{
	while (nkept > 0)
		free(kept[--nkept]);
	FREE(kept);
}

struct buf {
	char *p;
	size_t len, cap;
};

static void __attribute__((format(printf, 2, 3)))
bput(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	char *s;
	size_t n;

	va_start(ap, fmt);
	s = xvasprintf(fmt, ap);
	va_end(ap);
	n = strlen(s);
	/* Grown by hand, not realloc: the file may hold remote_password,
	 * and no copy of ours is left in freed memory (vasprintf's own
	 * scratch is libc's). */
	if (b->len + n + 1 > b->cap) {
		char *p = xmalloc(b->cap = (b->len + n + 1) * 2);

		if (b->p) {
			memcpy(p, b->p, b->len);
			explicit_bzero(b->p, b->len);
			free(b->p);
		}
		b->p = p;
	}
	memcpy(b->p + b->len, s, n + 1);
	b->len += n;
	explicit_bzero(s, n);
	free(s);
}

/* The line "name val" when val is set. */
static void
bput_set(struct buf *b, const char *name, const char *val)
{
	if (val)
		bput(b, "%s %s\n", name, val);
}

static void __attribute__((format(printf, 1, 2)))
debug(const char *fmt, ...)
{
	va_list ap;
	char *s;

	if (!debugging)
		return;
	fflush(stdout);
	va_start(ap, fmt);
	s = xvasprintf(fmt, ap);
	va_end(ap);
	/* one fprintf: vfprintf and fputc are not imported for this alone */
	fprintf(stderr, "Debug: %s\n", s);
	free(s);
}

static int
utf8_valid(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*p)
		if (utf8_next(&p) < 0)
			return 0;
	return 1;
}

static int
invisible(long c)
{
	return (c >= 0x80 && c <= 0x9f) || (c >= 0xfdd0 && c <= 0xfdef) ||
	    (c & 0xfffe) == 0xfffe;
}

/* A value for a message: quoted, control characters, noncharacters (and
 * every byte of text that is not UTF-8) escaped, cut after 64 bytes.
 * malloc'd. */
static char *
shown(const char *v)
{
	size_t n = strlen(v), lim = n > 64 ? 64 : n, i;
	int utf8 = utf8_valid(v);
	char *out = xmalloc(lim * 5 + 48), *o = out;
	const unsigned char *p;
	long c;
	/* the characters escaped by a letter, the letters below */
	static const char esc[] = "\"\\\n\r\t";

	/* Do not cut a UTF-8 sequence in two. */
	while (utf8 && lim < n && lim > 0 && ((unsigned char)v[lim] & 0xc0) == 0x80)
		lim--;
	*o++ = '"';
	for (i = 0; i < lim; i++) {
		unsigned char ch = (unsigned char)v[i];
		const char *e = memchr(esc, ch, sizeof(esc) - 1);
		if (e) {
			*o++ = '\\';
			*o++ = "\"\\nrt"[e - esc];
		} else if (ch < 0x20 || ch == 0x7f || (ch >= 0x80 && !utf8)) {
			o += sprintf(o, "\\x%02x", ch);
		} else if (ch >= 0x80) {
			p = (const unsigned char *)v + i;
			c = utf8_next(&p);
			if (invisible(c))
				o += sprintf(o, "\\u{%lx}", (unsigned long)c);
			else
				for (; v + i < (const char *)p; i++)
					*o++ = v[i];
			i = (size_t)((const char *)p - v) - 1;
		} else {
			*o++ = (char)ch;
		}
	}
	*o++ = '"';
	if (lim < n)
		o += sprintf(o, "... (%zu bytes)", n);
	*o = '\0';
	return out;
}

static void __attribute__((noreturn))
fail(void)
{
	die("failed to generate %s", what);
}

/* Refuses val for key, the reason being the newest cause. */
static void __attribute__((noreturn))
refuse(const char *key, const char *val)
{
	char *s = shown(val);

	err_push("invalid value for '%s': %s", key, s);
	free(s);
	fail();
}

/* stat of the path p, the value of key, failed: errno says why. */
static void __attribute__((noreturn))
unreadable(const char *kind, const char *p, const char *key)
{
	char *s = shown(p);

	err_pushsys(errno);
	err_push("cannot read the %s path %s of '%s'", kind, s, key);
	free(s);
	fail();
}

/*
 * The value of key (kept: not to be freed); NULL when it has none. A
 * value that cannot be read (a device id from a certificate that is none:
 * `tedge config get`'s words), or that the key's check in the key table
 * refuses, ends the program. Values read from tedge.toml or TEDGE_* were
 * judged by that check when read; it runs again here for the ones that
 * were not: defaults (a path under an odd configuration directory) and
 * derived values (the certificate's CN).
 */
static char *
value(struct cfg *c, const char *key)
{
	const struct cfg_key *k = cfg_key_find(key, NULL);
	char *v = NULL;
	int r;

	if (!k)
		fail();
	if ((r = cfg_get(c, k, &v)) < 0)
		die("failed to get the configuration value for key: '%s'", key);
	if (r > 0)
		return NULL;
	keep(v);
	if (cfg_check(k, v) < 0) {
		/* c8y.mqtt defaults to the host of c8y.url: name the key the
		 * user set. */
		if (k->dkind == CFG_URL_HOST) {
			char *u = NULL;
			if (cfg_get_str(c, k->dflt, &u) == 0 && !strcmp(u, v))
				key = k->dflt;
			free(u);
		}
		refuse(key, v);
	}
	return v;
}

static int
is_true(const char *v)
{
	return v && !strcmp(v, "true");
}

/*
 * 1 when the installed mosquitto is 2.0 or newer, which local_cleansession
 * needs; 0 when it is older or unknown: an older mosquitto refuses the
 * option and does not start, while a missing line only costs the default.
 */
static int
mosquitto_v2(void)
{
	/* static: not copied onto the stack at each call */
	static char progs[][26] = { "mosquitto", "/usr/sbin/mosquitto",
	    "/usr/local/sbin/mosquitto", "/sbin/mosquitto" }, opt[] = "-h";
	char *argv[3], *out;
	const char *ver;
	size_t i;
	long major;
	int st;

	for (i = 0; i < LEN(progs); i++) {
		argv[0] = progs[i], argv[1] = opt, argv[2] = NULL;
		st = spawn_capture(argv, &out, 5000);
		if (st < 0 && errno == ENOENT) {
			err_clear();
			continue;
		}
		if (st < 0) {
			debug("cannot run %s: %s", progs[i], strerror(errno));
			err_clear();
			break;
		}
		/* "mosquitto version 2.0.11" opens the help text. */
		ver = "mosquitto version ";
		if (strncmp(out, ver, strlen(ver)) ||
		    !isdigit((unsigned char)out[strlen(ver)])) {
			debug("%s -h does not start with \"%s\"", progs[i], ver);
			free(out);
			break;
		}
		major = strtol(out + strlen(ver), NULL, 10);
		debug("%s is %.*s", progs[i], (int)strcspn(out, "\r\n"), out);
		free(out);
		return major >= 2;
	}
	debug("Failed to detect mosquitto version: assuming mosquitto version < 2.0.0");
	return 0;
}

/* Splits a canonical "host[:port]" ("[v6]:port" for IPv6) into its parts;
 * the port defaults to 8883 (lib/cloud.c). Kept. */
static void
split_hostport(const char *hp, char **host, const char **port)
{
	size_t n;

	cloud_split(hp, &n, port);
	*host = keep(xstrndup(hp, n));
	*port = keep(xstrdup(*port));
}

/* The host as mosquitto's address line wants it: it splits at the last
 * colon itself, and would try to resolve the brackets. Kept. */
static char *
address_host(const char *host)
{
	size_t n = strlen(host);

	if (host[0] == '[' && n > 2)
		return keep(xstrndup(host + 1, n - 2));
	return keep(xstrdup(host));
}

static void
gen_bridge(struct cfg *c, const struct cloud *cl, struct buf *b)
{
	char *endpoint, *host, *id, *root, *cert, *key, *ka, *user = NULL;
	char *tmpl = NULL, *lcs = NULL, *p, *e, *ahost, *cred;
	const char *port;
	unsigned long long secs;
	struct stat st;
	size_t i;
	int c8y = !strcmp(cl->name, "c8y"), local_cs = 0;
	const char *pf = cl->prefix;

	/* thin-edge's order: the endpoint, then the device id, so the first
	 * missing one is the one reported. */
	if (!(endpoint = value(c, cl->mqtt_key)))
		die("%s", keep(cfg_missing(cl->url_key)));
	p = keep(cfg_render(cfg_key_find(cl->mqtt_key, NULL), endpoint));
	split_hostport(p, &host, &port);
	if (c8y && (basic = cfg_c8y_basic(c, &cred)) < 0)
		fail();
	if (c8y)
		keep(cred);
	/* The certificate path first: a bad one would read as a missing
	 * device id. Basic authentication has no certificate: the id is
	 * the one set. */
	cert = basic ? NULL : value(c, cl->cert_key);
	key = basic ? NULL : value(c, cl->key_key);
	/* thin-edge's rules for a device id (reference cert §0.5), the key's
	 * check, leave nothing mosquitto could misread in a topic or a
	 * client id. Missing, it is what `tedge connect` says first: the
	 * message, not a cause under ours, as for the endpoint. */
	if (!(id = value(c, cl->id_key)))
		die("%s", basic ? keep(cfg_missing(cl->id_key)) :
		    "No certificate has been attached to that device, so it has no device id.\n"
		    "    Run `tedge cert create --device-id <id>` to make one.");
	/* The user and password from the file only (never argv or the
	 * environment); cred_read refuses what would add a line. */
	if (basic && cred_read(cred, &user, &secret) < 0)
		fail();
	keep(user);
	root = value(c, cl->root_key);
	if (!root || (!basic && (!cert || !key))) {
		err_push("'%s' has no value", !root ? cl->root_key :
		    !cert ? cl->cert_key : cl->key_key);
		fail();
	}
	/* Decided when the file is made, as thin-edge does: the path may be
	 * either, and mosquitto needs to be told which. */
	if (stat(root, &st) < 0)
		unreadable("root certificate", root, cl->root_key);
	/* bridge_capath finds certificates by their hash links only. */
	if (S_ISDIR(st.st_mode) && cfg_check_capath(cl->root_key, root) < 0)
		fail();
	/* The key's check keeps it within mosquitto's 0 to 65535 seconds. */
	ka = value(c, cl->keepalive_key);
	if (!ka || cfg_duration_secs(ka, &secs) < 0)
		refuse(cl->keepalive_key, ka ? ka : "");
	if (c8y) {
		/* Each template id is one level of a topic: the key's check. */
		tmpl = value(c, "c8y.smartrest.templates");
		lcs = value(c, "c8y.bridge.include.local_cleansession");
		if (lcs && !strcmp(lcs, "true"))
			local_cs = 1;
		else if (!lcs || !strcmp(lcs, "auto"))
			local_cs = mosquitto_v2();
		debug("c8y.bridge.include.local_cleansession is %s: %s",
		    lcs ? lcs : "auto", local_cs ? "local_cleansession false is written" :
		    "no local_cleansession line");
	}
	if (!strcmp(cl->name, "az"))
		user = keep(xasprintf("%s/%s/?api-version=2018-06-30", host, id));
	else if (!strcmp(cl->name, "aws"))
		user = id;
	/* The user name is made of checked parts only: an ASCII host name
	 * and a device id. */

	ahost = address_host(host);
	/* Runs of lines in one format each: fewer calls, a smaller program. */
	bput(b, "### Bridge\n"
	    "connection edge_to_%s%s%s\n"
	    "address %s:%s\n"
	    "%s %s\n"
	    "remote_clientid %s\n"
	    "local_clientid %s\n",
	    cl->name, cl->profile ? "@" : "", cl->profile ? cl->profile : "",
	    ahost, port, S_ISDIR(st.st_mode) ? "bridge_capath" : "bridge_cafile", root,
	    id, cl->local_id);
	bput_set(b, "remote_username", user);
	if (basic)
		bput(b, "remote_password %s\n", secret);
	else
		bput(b, "bridge_certfile %s\n"
		    "bridge_keyfile %s\n", cert, key);
	bput(b, "try_private false\n"
	    "start_type automatic\n"
	    "cleansession %s\n"
	    "%s"
	    "notifications true\n"
	    "notifications_local_only true\n"
	    "notification_topic %s\n"
	    "bridge_attempt_unsubscribe false\n"
	    "keepalive_interval %llu\n"
	    "\n### Topics\n",
	    cl->cleansession, local_cs ? "local_cleansession false\n" : "",
	    keep(cloud_health_topic(cl)), secs);
	if (c8y) {
		/* no JWT (s/uat, s/dat, the last two) without a certificate */
		for (i = 0; i < LEN(c8y_topics) - (basic ? 2 : 0); i++)
			bput(b, "topic %s %s/ \"\"\n", c8y_topics[i], pf);
		for (p = tmpl; p && *p; p = *e ? e + 1 : e) {
			e = p + strcspn(p, "\n");
			bput(b, "topic s/uc/%.*s out 1 %s/ \"\"\n", (int)(e - p), p, pf);
			bput(b, "topic s/dc/%.*s in 1 %s/ \"\"\n", (int)(e - p), p, pf);
		}
	} else if (!strcmp(cl->name, "az")) {
		bput(b, "topic messages/events/# out 1 %1$s/ devices/%2$s/\n"
		    "topic messages/devicebound/# in 1 %1$s/ devices/%2$s/\n"
		    "topic methods/POST/# in 1 %1$s/ $iothub/\n"
		    "topic methods/res/# out 1 %1$s/ $iothub/\n"
		    "topic twin/res/# in 1 %1$s/ $iothub/\n"
		    "topic twin/GET/# out 1 %1$s/ $iothub/\n"
		    "topic twin/PATCH/# out 1 %1$s/ $iothub/\n", pf, id);
	} else {
		bput(b, "topic td/# out 1 %1$s/ thinedge/%2$s/\n"
		    "topic cmd/# in 1 %1$s/ thinedge/%2$s/\n"
		    "topic shadow/# both 1 %1$s/ $aws/things/%2$s/\n"
		    "topic \"\" out 1 %3$s thinedge/devices/%2$s/test-connection\n"
		    "topic \"\" in 1 %4$s thinedge/devices/%2$s/test-connection\n",
		    pf, id, cl->request, cl->response);
	}
}

/* tedge-mosquitto.conf (reference connect §1.8). Returns 0 when
 * mqtt.bind.enabled is false: then there is no file to make. */
static int
gen_local(struct cfg *c, struct buf *b)
{
	char *enabled, *port, *addr, *xport, *xaddr, *xif, *xca, *xcert, *xkey;
	struct stat st;

	enabled = value(c, "mqtt.bind.enabled");
	if (enabled && !is_true(enabled)) {
		debug("mqtt.bind.enabled is %s: tedge-mosquitto.conf is not made", enabled);
		return 0;
	}
	/* Ports, addresses, the interface name and paths: each key's check
	 * (lib/config.c) is what mosquitto can take. */
	port = value(c, "mqtt.bind.port");
	addr = value(c, "mqtt.bind.address");
	xport = value(c, "mqtt.external.bind.port");
	xaddr = value(c, "mqtt.external.bind.address");
	xif = value(c, "mqtt.external.bind.interface");
	xca = value(c, "mqtt.external.ca_path");
	xcert = value(c, "mqtt.external.cert_file");
	xkey = value(c, "mqtt.external.key_file");
	if (!port || !addr) {
		err_push("'%s' has no value", !port ? "mqtt.bind.port" : "mqtt.bind.address");
		fail();
	}
	/* With only one of the two, mosquitto 2.0 quietly serves plain MQTT
	 * where TLS was asked for. */
	if (xport && (!xcert) != (!xkey)) {
		err_push("'mqtt.external.cert_file' and 'mqtt.external.key_file' go together: set both or neither");
		fail();
	}
	if (xport && xca && stat(xca, &st) < 0)
		unreadable("CA", xca, "mqtt.external.ca_path");
	if (xport && xca && S_ISDIR(st.st_mode) &&
	    cfg_check_capath("mqtt.external.ca_path", xca) < 0)
		fail();
	if (xport && cfg_check_listeners(c) < 0)
		fail();

	/* One format for the run of constant lines: fewer calls. */
	bput(b, "per_listener_settings true\n"
	    "connection_messages true\n"
	    "log_type error\n"
	    "log_type warning\n"
	    "log_type notice\n"
	    "log_type information\n"
	    "log_type subscribe\n"
	    "log_type unsubscribe\n"
	    "message_size_limit 268435455\n"
	    "listener %s %s\n"
	    "allow_anonymous true\n"
	    "require_certificate false\n", port, addr);
	if (xport) {
		/* thin-edge writes "listener PORT " with a trailing blank when
		 * there is no address; mosquitto ignores it, we leave it out. */
		bput(b, "listener %s%s%s\n"
		    "allow_anonymous %s\n"
		    "require_certificate %s\n",
		    xport, xaddr ? " " : "", xaddr ? xaddr : "",
		    xca ? "false" : "true", xca ? "true" : "false");
		/*
		 * Without it mosquitto takes a client with a certificate but no
		 * user name as anonymous, and refuses it: thin-edge's bug
		 * #2740, fixed upstream the same way, as is the CA file case.
		 */
		if (xca)
			bput(b, "use_identity_as_username true\n");
		bput_set(b, "bind_interface", xif);
		/* st is xca's only when it is set */
		bput_set(b, xca && S_ISDIR(st.st_mode) ? "capath" : "cafile", xca);
		bput_set(b, "certfile", xcert);
		bput_set(b, "keyfile", xkey);
	}
	return 1;
}

/*
 * mosquitto drops root and reads the certificate and key the bridge names,
 * whoever made them. Each is given to it on a descriptor of the file itself
 * (fs_give): a key swapped for a link to /etc/shadow is refused, not handed
 * over.
 */
static void
give_to_broker(struct cfg *c, const struct cloud *cl)
{
	const char *const keys[] = { cl->cert_key, cl->key_key };
	struct stat st;
	const char *p;
	uid_t uid;
	gid_t gid;
	size_t i;

	fs_broker_owner(&uid, &gid);
	if (uid == (uid_t)-1)
		return;
	/* A file that is not there is left to the certificate check that
	 * the flows run first, as before. */
	for (i = 0; i < LEN(keys); i++)
		if ((p = value(c, keys[i])) && (lstat(p, &st) == 0 || errno != ENOENT) &&
		    fs_give(p, uid, gid) < 0)
			die("mosquitto could not read '%s' (%s).", keys[i], p);
}

/*
 * --give-back UID:GID: the certificate and key given to that owner, with
 * the checks of the giving (fs_give): connect's rollback on a thin-edge
 * 2.x device, whose mapper's user had them. Dies on a failure.
 */
static void
give_back(struct cfg *c, const struct cloud *cl, const char *owner)
{
	const char *const keys[] = { cl->cert_key, cl->key_key };
	unsigned long id[2] = { 0, 0 };
	const char *p = owner, *v;
	size_t i, n;

	for (i = 0; i < 2; i++, p++) {
		for (n = 0; *p >= '0' && *p <= '9' && n < 10; p++, n++)
			id[i] = id[i] * 10 + (unsigned long)(*p - '0');
		if (!n || *p != (i ? '\0' : ':') || id[i] > 0xfffffffeUL)
			die_usage("invalid value '%s' for '--give-back <UID:GID>'", owner);
	}
	for (i = 0; i < LEN(keys); i++)
		if ((v = value(c, keys[i])) && fs_give(v, (uid_t)id[0], (gid_t)id[1]) < 0)
			die("'%s' (%s) could not be given back.", keys[i], v);
}

/* Whether line (n bytes) is the directive name, then a blank or its end. */
static int
is_directive(const char *line, size_t n, const char *name)
{
	size_t k = strlen(name);

	while (n && (*line == ' ' || *line == '\t'))
		line++, n--;
	return n >= k && !strncmp(line, name, k) &&
	    (n == k || line[k] == ' ' || line[k] == '\t');
}

/* Whether line is "include_dir <dir>", blanks around the words allowed. */
static int
is_include_of(const char *line, size_t n, const char *dir)
{
	size_t k = strlen(dir);

	if (!is_directive(line, n, "include_dir"))
		return 0;
	while (*line == ' ' || *line == '\t')
		line++, n--;
	line += 11, n -= 11;
	while (n && (*line == ' ' || *line == '\t'))
		line++, n--;
	while (n && (line[n - 1] == ' ' || line[n - 1] == '\t' || line[n - 1] == '\r'))
		n--;
	return n == k && !strncmp(line, dir, k);
}

/*
 * --include: makes the broker's configuration (mqtt.broker.config_path)
 * load <config-dir>/mosquitto-conf. The line goes before the first
 * listener, security or include line, since mosquitto wants the
 * per_listener_settings that the included file sets before those; at the
 * end when there is none. Once: a file that has it is left alone. The file
 * is replaced atomically, with its mode and owner. A directory a directive
 * could not hold (a newline in it would add lines of its own) is refused.
 */
static int
add_include(struct cfg *c)
{
	static const char *const before[] = { "listener", "port",
		"per_listener_settings", "allow_anonymous", "password_file",
		"acl_file", "include_dir", "bind_address", "require_certificate",
		"psk_file", "plugin", "auth_plugin" };
	const char *conf, *p, *end, *at = NULL;
	char *dir, *text, *out;
	struct stat st;
	size_t len, i, n;

	conf = value(c, "mqtt.broker.config_path");
	dir = keep(path_join(c->dir, "mosquitto-conf"));
	if (cfg_check_mosq_path(dir) < 0)
		die("the configuration directory %s cannot be named in %s", keep(shown(c->dir)), conf);
	if (fs_mkdirp(dir, 0755) < 0)
		die("Directory Error. Check permissions for %s.", dir);
	if (stat(conf, &st) < 0 && errno == ENOENT) {
		fprintf(stderr, "Warning: %s does not exist; mosquitto will not load %s until it includes it.\n",
		    conf, dir);
		return EXIT_OK;
	}
	if (!(text = fs_read(conf, 1 << 20, &len)))
		die("File Error. Check permissions for %s.", conf);
	keep(text);
	if (strlen(text) != len)
		die("%s holds a NUL byte: not a mosquitto configuration", conf);
	for (p = text; p < text + len; p = end + 1) {
		if (!(end = memchr(p, '\n', (size_t)(text + len - p))))
			end = text + len;
		n = (size_t)(end - p);
		if (is_include_of(p, n, dir))
			return EXIT_OK;
		for (i = 0; !at && i < LEN(before); i++)
			if (is_directive(p, n, before[i]))
				at = p;
	}
	if (!at)
		out = xasprintf("%s%sinclude_dir %s\n", text,
		    len && text[len - 1] != '\n' ? "\n" : "", dir);
	else
		out = xasprintf("%.*sinclude_dir %s\n%s", (int)(at - text), text, dir, at);
	keep(out);
	if (fs_write_atomic(conf, out, strlen(out), st.st_mode & 07777) < 0)
		die("File Error. Check permissions for %s.", conf);
	return EXIT_OK;
}

/* --path and --remove: where the file is, without reading tedge.toml. */
static int
file_op(const char *dir, const char *file, int remove)
{
	char *cdir, *mdir, *path;
	int fd;

	if (!(cdir = path_clean(dir)))
		die("failed to use the configuration directory %s", dir);
	mdir = path_join(cdir, "mosquitto-conf");
	path = path_join(mdir, file);
	if (!remove) {
		puts(path);
		fshut_stdout();
	} else if (unlink(path) < 0 && errno != ENOENT) {
		err_pushsys(errno);
		die("File operation error. Check permissions for %s.", path);
	} else if ((fd = open(mdir, O_RDONLY | O_DIRECTORY)) >= 0) {
		/* the removal must survive a power cut like a write does */
		fsync(fd);
		close(fd);
	}
	free(cdir), free(mdir), free(path);
	return EXIT_OK;
}

/*
 * --describe: what the flows need of a cloud, from the table (lib/cloud.c)
 * and without reading tedge.toml: its display name, then the path of its
 * bridge file (last, since a path may hold any byte but NUL). An unknown
 * cloud, local too, is the usage error the flows show with their usage.
 */
static int
describe(const char *dir, const char *name, int others)
{
	const struct cloud *cl = cloud_find(name);

	if (others)
		die_usage("%s", "--describe goes alone");
	if (!cl)
		die_usage("invalid value '%s' for '<CLOUD>': %s", name, keep(cloud_list()));
	cl = cloud_profile(cl, opt_profile(), NULL);
	printf("%s\n", cl->display);
	return file_op(dir, cl->bridge_file, 0);
}

/* Two values of the same key in two profiles are the same: unset too. */
static int
same(const char *a, const char *b)
{
	return a ? b && !strcmp(a, b) : !b;
}

/* The value of key in the profile p (NULL: the cloud's own), kept; NULL
 * when unset or unreadable. */
static char *
profile_value(struct cfg *c, const char *p, const char *key)
{
	char *v = NULL;

	if (cfg_profile(c, p) < 0 || cfg_get_str(c, key, &v) != 0)
		v = NULL;
	err_clear();
	return keep(v);
}

/*
 * thin-edge's first check across profiles: two of them with the same URL
 * (unset counts) and the same device id are one device twice. names:
 * the n profiles; the cloud's own is 0 in the arrays of n + 1.
 */
static void
check_devices(struct cfg *c, const struct cloud *cl, char **names, size_t n)
{
	char **url = xcalloc(n + 1, sizeof(*url)), **id = xcalloc(n + 1, sizeof(*id));
	size_t a, b, j;
	struct buf uk = { NULL, 0, 0 }, ik = { NULL, 0, 0 };
	const struct cloud *pc;

	for (j = 0; j <= n; j++) {
		url[j] = profile_value(c, j ? names[j - 1] : NULL, cl->url_key);
		id[j] = profile_value(c, j ? names[j - 1] : NULL, cl->id_key);
	}
	for (a = 0; a <= n; a++)
		for (b = a + 1; b <= n; b++) {
			if (!same(url[a], url[b]) || !same(id[a], id[b]))
				continue;
			for (j = a; j <= n; j++) {
				if (j != a && (!same(url[a], url[j]) || !same(id[a], id[j])))
					continue;
				pc = j ? cloud_profile(cl, names[j - 1], NULL) : cl;
				bput(&uk, "%s%s", uk.len ? ", " : "", pc->url_key);
				bput(&ik, "%s%s", ik.len ? ", " : "", pc->id_key);
			}
			err_push("You have matching URLs and device IDs for different profiles.\n\n"
			    "%s are set to the same value, but so are %s.\n\n"
			    "Each cloud profile requires either a unique URL or unique device ID, "
			    "so it corresponds to a unique device in the associated cloud.", uk.p, ik.p);
			unsetenv("TEDGE_ERROR_CONTEXT");
			die("failed to connect to %s cloud.", cl->display);
		}
	free(url), free(id);
}

/*
 * --check, before connect: thin-edge's checks across the cloud's profiles
 * (reference profiles §4), in its order: no two (the cloud's own included)
 * are the same device (URL and device id), share a topic prefix, nor, for
 * c8y, a proxy.bind.port.
 */
static void
check_profiles(struct cfg *c, const struct cloud *cl)
{
	static const char *const sfx[] = { "bridge.topic_prefix", "proxy.bind.port" };
	size_t i = (size_t)(cl - clouds), n, j, a, b, s, ns = strcmp(cl->name, "c8y") ? 1 : 2;
	char **names = cfg_profiles(c, i, &n), **v, *key;

	check_devices(c, cl, names, n);
	v = xcalloc((n + 1) * 2, sizeof(*v));
	for (j = 0; j <= n; j++)
		for (s = 0; s < ns; s++) {
			key = keep(xasprintf("%s.%s", cl->name, sfx[s]));
			v[2 * j + s] = profile_value(c, j ? names[j - 1] : NULL, key);
		}
	for (s = 0; s < ns; s++)
		for (a = 0; a <= n; a++)
			for (b = a + 1; b <= n; b++)
				if (v[2 * a + s] && v[2 * b + s] && !strcmp(v[2 * a + s], v[2 * b + s])) {
					err_push("The configurations: %s.%s%s%s%s, %s.profiles.%s.%s should be set to different values before connecting, but are currently set to the same value",
					    cl->name, a ? "profiles." : "", a ? names[a - 1] : "", a ? "." : "", sfx[s],
					    cl->name, names[b - 1], sfx[s]);
					unsetenv("TEDGE_ERROR_CONTEXT");
					die("failed to connect to %s cloud.", cl->display);
				}
	for (j = 0; j < n; j++)
		free(names[j]);
	free(names);
	free(v);
	cfg_profile(c, opt_profile());
}

int
main_bridge_gen(int argc, char *argv[])
{
	static const struct opt opts[] = {
		OPT_CONFIG_DIR,
		{ "write", 'w', NULL, NULL },
		{ "output", 'o', "FILE", NULL },
		{ "path", 'p', NULL, NULL },
		{ "remove", 'r', NULL, NULL },
		{ "describe", 'd', NULL, NULL },
		{ "include", 'i', NULL, NULL },
		{ "give-back", 'g', "UID:GID", NULL },
		{ "check", 'k', NULL, NULL },
		{ "json", 'j', NULL, NULL },
		OPT_PROFILE(NULL),
		OPT_END
	};
	const struct cloud *cl = NULL;
	const char *dir, *output = NULL, *owner = NULL, *name, *file, *dbg;
	struct buf b = { NULL, 0, 0 };
	char *mdir = NULL, *path = NULL;
	struct cfg c;
	int ch, wflag, pflag, rflag, iflag, dflag, jflag, kflag, made;

	err_setprog(argv[0]);
	while ((ch = opt_next(argc, argv, opts, usage_text)) != -1)
		if (ch == 'o')
			output = optarg;
		else if (ch == 'g')
			owner = optarg;
	dir = paths_config_dir(opt_config_dir());
	wflag = opt_given('w'), pflag = opt_given('p');
	rflag = opt_given('r'), iflag = opt_given('i'), dflag = opt_given('d');
	jflag = opt_given('j'), kflag = opt_given('k');
	argc -= optind;
	argv += optind;
	if (iflag) {
		if (wflag + !!output + pflag + rflag + dflag)
			die_usage("%s", "--include goes alone");
		if (argc > 0)
			die_usage("unexpected argument '%s' found", argv[0]);
		what = xstrdup("the include of the configuration directory");
		if (cfg_load(&c, dir, CFG_ENV) < 0)
			fail();
		warn_unknown_keys(&c, getenv("TEDGE_QUIET_UNKNOWN_KEYS"));
		ch = add_include(&c);
		free_kept();
		free(what);
		cfg_free(&c);
		return ch;
	}
	if (argc < 1)
		die_usage("%s", "a cloud is required: c8y, az, aws or local");
	if (argc > 1)
		die_usage("unexpected argument '%s' found", argv[1]);
	if (wflag + !!output + pflag + rflag > 1)
		die_usage("%s", "--write, --output, --path and --remove cannot be used together");
	if (output && !*output)
		die_usage("%s", "--output needs a non-empty file name");
	if (jflag && (!kflag || wflag + !!output + pflag + rflag + dflag))
		die_usage("%s", "--json goes with --check alone");
	if (dflag)
		return describe(dir, argv[0], wflag + !!output + pflag + rflag);
	name = argv[0];
	cl = cloud_find(name);
	if (!cl && strcmp(name, "local"))
		die_usage("invalid value '%s' for '<CLOUD>': expected c8y, az, aws or local", name);
	dbg = getenv("TEDGE_DEBUG");
	debugging = dbg && *dbg && strcmp(dbg, "0");

	what = cl ? xasprintf("the bridge configuration for %s", cl->name) :
	    xstrdup("the local broker configuration");
	/* --check --json: what connect --test --json says of a refusal */
	if (jflag) {
		json_out_on();
		json_out_str("cloud", name);
		json_out_str("profile", opt_profile());
		json_out_bool("ok", 0);
	}
	if (pflag || rflag)
		return file_op(dir, cl ? cloud_profile(cl,
		    opt_profile(), NULL)->bridge_file : "tedge-mosquitto.conf", rflag);
	if (cfg_load(&c, dir, CFG_ENV) < 0)
		fail();
	warn_unknown_keys(&c, getenv("TEDGE_QUIET_UNKNOWN_KEYS"));
	file = "tedge-mosquitto.conf";
	if (cl && !(cl = cloud_open(&c, cl)))
		fail();
	if (owner) {
		if (!cl || wflag + !!output + kflag)
			die_usage("%s", "--give-back goes alone, with a cloud");
		give_back(&c, cl, owner);
		free_kept();
		free(what);
		cfg_free(&c);
		return EXIT_OK;
	}
	if (cl) {
		file = cl->bridge_file;
		gen_bridge(&c, cl, &b);
		if (kflag)
			check_profiles(&c, cloud_find(cl->name));
		made = 1;
	} else {
		made = gen_local(&c, &b);
	}

	if (made && wflag) {
		mdir = keep(path_join(c.dir, "mosquitto-conf"));
		/* A directory we make must let a non-root mosquitto in,
		 * whatever the umask (fs_mkdirp); one that exists is the
		 * admin's. */
		if (fs_mkdirp(mdir, 0755) < 0)
			die("Directory Error. Check permissions for %s.", mdir);
		path = keep(path_join(mdir, file));
		if (cl && !basic)
			give_to_broker(&c, cl);
	} else if (made && output) {
		path = keep(xstrdup(output));
	}
	/*
	 * thin-edge's own words for a failed write are the message, not a
	 * cause under ours: a composing script's TEDGE_ERROR_CONTEXT then
	 * gives exactly the seed's three-cause chain.
	 */
	if (path && fs_write_atomic(path, b.p, b.len, basic ? 0640 : 0644) < 0)
		die("File Error. Check permissions for %s.", path);
	/* A password: root's, readable by the broker's group only. */
	if (path && basic) {
		uid_t uid;
		gid_t gid;

		fs_broker_owner(&uid, &gid);
		if (uid != (uid_t)-1 && fs_give(path, 0, gid) < 0)
			die("File Error. Check permissions for %s.", path);
	}
	/* b.p is text, b.len its strlen: fputs, as everywhere else (no
	 * fwrite to import for this alone) */
	if (jflag) {
		json_out_bool("ok", 1);
		json_out_end();
	} else if (made && !path && b.len && fputs(b.p, stdout) == EOF) {
		err_pushsys(errno ? errno : EIO);
		die("failed to write to standard output");
	}
	fshut_stdout();
	if (secret) {
		explicit_bzero(secret, strlen(secret));
		explicit_bzero(b.p, b.len);
		free(secret);
	}
	free(b.p), free(what);
	free_kept();
	cfg_free(&c);
	return EXIT_OK;
}
