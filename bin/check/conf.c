/* SPDX-License-Identifier: Apache-2.0 */
/*
 * conf.c: what tedge-check reads before any network: the keys of
 * tedge.toml, the cloud's endpoint, the device's certificate and key (and
 * whether they are usable), and where the local broker is.
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/x509.h>

#include "cloud.h"
#include "tedge.h"
#include "check.h"
#include "x509.h"

/* --- configuration ---------------------------------------------------- */

/* The value of key in *v (kept): 0, 1 when it has none, -1 on error. */
int
run_conf(struct run *run, const char *key, char **v)
{
	int r = cfg_get_str(&run->cfg, key, v);

	if (r == 0)
		keep(run, *v);
	else
		*v = NULL;
	return r;
}

static void
split_hostport(struct run *run, const char *hp, struct endpoint *ep)
{
	const char *port;
	size_t n;

	cloud_split(hp, &n, &port);
	ep->port = keep(run, xstrdup(port));
	ep->text = keep(run, xasprintf("%.*s:%s", (int)n, hp, ep->port));
	/* [v6] is for people and URLs; resolvers and TLS want it bare. */
	if (hp[0] == '[' && n > 2)
		ep->host = keep(run, xstrndup(hp + 1, n - 2));
	else
		ep->host = keep(run, xstrndup(hp, n));
}

/*
 * The cloud's MQTT endpoint: c8y.mqtt (its port defaults to 8883, its host
 * to c8y.url's); az.url and aws.url with port 8883, as in the bridge file.
 * 0, or -1 with the seed's message when no URL is set.
 */
int
cloud_endpoint(struct run *run, const struct cloud *cl, struct endpoint *ep)
{
	char *v, *r;
	int rc;

	if ((rc = run_conf(run, cl->mqtt_key, &v)) < 0)
		return -1;
	ep->key = cl->mqtt_key;
	if (rc > 0)
		return err_push("%s", (char *)keep(run, cfg_missing(cl->url_key)));
	r = keep(run, cfg_render(cfg_key_find(cl->mqtt_key, NULL), v));
	split_hostport(run, r, ep);
	return 0;
}

/* --- the device certificate --------------------------------------------- */

void
device_free(struct run *run)
{
	if (run->dev.pass)
		/* OpenSSL's wipe, as token.c's: tedge-cert imports no
		 * explicit_bzero */
		OPENSSL_cleanse(run->dev.pass, strlen(run->dev.pass));
	X509_free(run->dev.x);
	EVP_PKEY_free(run->dev.k);
	run->dev.x = NULL;
	run->dev.k = NULL;
}

/* The paths of the device's files; -1 (causes pushed) when unreadable. */
int
device_paths(struct run *run, const struct cloud *cl)
{
	if (run_conf(run, cl ? cl->cert_key : "device.cert_path", &run->dev.cert) != 0 ||
	    run_conf(run, cl ? cl->key_key : "device.key_path", &run->dev.key) != 0)
		return err_push("cannot read the paths of the device certificate and key");
	if (cl && run_conf(run, cl->root_key, &run->dev.root) != 0)
		return err_push("'%s' has no value", cl->root_key);
	return 0;
}

/*
 * The certificate and key are there, readable, a pair, and valid now; the
 * root certificate path (when cl) exists. On failure the last cause pushed
 * says what is wrong and what to do, and problem says it in a few words.
 */
int
device_check(struct run *run, const struct cloud *cl)
{
	const char *trust = cl ? cl->trust_hint : "Make the cloud trust the new one";
	char d[64], *min;
	unsigned long long minsecs = 30 * 86400;
	struct stat st;
	int v;

	if (access(run->dev.cert, F_OK) < 0) {
		set_problem(run, "there is no device certificate");
		err_pushsysf(errno, "cannot read %s", run->dev.cert);
		return err_push("No certificate has been attached to that device. Create one with `tedge cert create --device-id <id>`, or set 'device.cert_path'.");
	}
	if (!(run->dev.x = x509_read_cert(run->dev.cert))) {
		set_problem(run, "the device certificate cannot be read");
		return err_push("The device certificate %s cannot be read. Check 'device.cert_path'.",
		    run->dev.cert);
	}
	if (!(run->dev.k = x509_read_key(run->dev.key))) {
		set_problem(run, "the private key cannot be read");
		return err_push("The private key %s cannot be read. Check 'device.key_path' and the permissions of the file.",
		    run->dev.key);
	}
	if (!x509_key_matches(run->dev.x, run->dev.k)) {
		set_problem(run, "the private key is not the key of the device certificate");
		err_push("%s is not the private key of the certificate %s", run->dev.key, run->dev.cert);
		return err_push("The private key is not paired with the certificate. Check your 'device.key_path'.");
	}
	v = x509_validity(run->dev.x, &run->dev.left);
	x509_time_text(X509_get0_notAfter(run->dev.x), run->dev.until, sizeof(run->dev.until));
	x509_duration_text(run->dev.left, d, sizeof(d));
	if (v > 0) {
		set_problem(run, "the device certificate has expired");
		err_push("%s expired on %s (%s ago)", run->dev.cert, run->dev.until, d);
		return err_push("The device certificate has expired. Renew it (`tedge cert renew` renews a self-signed one). %s.",
		    trust);
	}
	if (v < 0) {
		char from[64];

		x509_time_text(X509_get0_notBefore(run->dev.x), from, sizeof(from));
		set_problem(run, "the device certificate is not valid yet");
		err_push("%s is valid from %s (in %s)", run->dev.cert, from, d);
		return err_push("The device certificate is not valid yet. Check the clock of the device.");
	}
	if (run_conf(run, "certificate.validity.minimum_duration", &min) == 0 &&
	    cfg_duration_secs(min, &minsecs) < 0) {
		err_clear();
		minsecs = 30 * 86400;
	}
	run->dev.soon = (unsigned long long)run->dev.left <= minsecs;
	if (cl && stat(run->dev.root, &st) < 0) {
		set_problem(run, "the root certificate path %s does not exist", run->dev.root);
		err_pushsysf(errno, "cannot read %s", run->dev.root);
		return err_push("The root certificates of '%s' are missing. Check your '%s'.",
		    cl->root_key, cl->root_key);
	}
	/* As mosquitto's bridge_capath reads it, said before any network. */
	if (cl && S_ISDIR(st.st_mode) && cfg_check_capath(cl->root_key, run->dev.root) < 0) {
		set_problem(run, "the root certificate directory %s has no OpenSSL hash links", run->dev.root);
		return -1;
	}
	return 0;
}

/* "Warning: ..." when the certificate expires soon. */
void
device_warn_soon(const struct run *run)
{
	char d[64];

	if (!run->dev.soon)
		return;
	x509_duration_text(run->dev.left, d, sizeof(d));
	warn("the device certificate %s expires in %s, on %s: renew it (`tedge renew CLOUD`)",
	    run->dev.cert, d, run->dev.until);
}

/*
 * The CN is the device id, the MQTT client id of every connection: judged
 * by the rules the bridge file is made by (those of tedge cert create).
 * 0, or -1 with the causes pushed and problem set. (No CN at all is
 * device_load's to say.)
 */
int
cn_check(struct run *run)
{
	char *cn, *q;

	if (!(cn = pem_cert_cn(run->dev.cert))) {
		err_clear();	/* read already: device_load says more */
		return 0;
	}
	if (!*cn || cfg_check_device_id(cn) == 0) {
		free(cn);
		return 0;
	}
	q = quote_debug(cn);
	set_problem(run, "the common name %s of the device certificate is no valid device id", q);
	err_push("The device id is the common name (CN) of the device certificate %s, and %s cannot be one. Create a certificate with a valid device id (`tedge cert create --device-id <id>`), or set 'device.cert_path'.",
	    run->dev.cert, q);
	free(q);
	free(cn);
	return -1;
}

int
device_auth(struct run *run, const struct cloud *cl)
{
	int r = cl && !strcmp(cl->name, "c8y") ? cfg_c8y_basic(&run->cfg, &run->dev.cred) : 0;

	keep(run, run->dev.cred);
	run->dev.basic = r > 0;
	return r;
}

int
device_load(struct run *run, const struct cloud *cl)
{
	char *id;
	int r;

	/* Before any network could take the blame. Basic authentication:
	 * the credentials file instead of a certificate. */
	if (device_auth(run, cl) < 0)
		return -1;
	if (run->dev.basic) {
		if (cred_read(run->dev.cred, &run->dev.user, &run->dev.pass) < 0) {
			set_problem(run, "the credentials file is not usable");
			return -1;
		}
		keep(run, run->dev.user), keep(run, run->dev.pass);
	} else if (device_check(run, cl) < 0 || cn_check(run) < 0) {
		return -1;
	}
	if ((r = cfg_get_str(&run->cfg, cl->id_key, &id)) != 0 || !*id) {
		if (r == 0)
			free(id);
		if (run->dev.basic)
			return err_push("%s", (char *)keep(run, cfg_missing(cl->id_key)));
		if (r >= 0)
			err_push("the device certificate %s has no common name", run->dev.cert);
		set_problem(run, "the device id cannot be read");
		return err_push("Cannot read the device id from the device certificate.");
	}
	run->dev.id = keep(run, id);
	run->dev.type = run_conf(run, "device.type", &id) == 0 ? id : "thin-edge.io";
	return 0;
}

/* mqtt.client.*: where the local broker is and how to talk to it. */
int
local_conf(struct run *run)
{
	char *port, *ca, *cadir, *cert, *key;

	if (run_conf(run, "mqtt.client.host", &run->loc.host) != 0 || run_conf(run, "mqtt.client.port", &port) != 0)
		return err_push("cannot read mqtt.client.host and mqtt.client.port");
	run->loc.port = (int)strtoll(port, NULL, 10);	/* atoi, without its import */
	if (run_conf(run, "mqtt.client.auth.ca_file", &ca) < 0 ||
	    run_conf(run, "mqtt.client.auth.ca_dir", &cadir) < 0 ||
	    run_conf(run, "mqtt.client.auth.cert_file", &cert) < 0 ||
	    run_conf(run, "mqtt.client.auth.key_file", &key) < 0)
		return err_push("cannot read mqtt.client.auth.*");
	run->loc.tls.cafile = ca;
	run->loc.tls.capath = cadir;
	run->loc.tls.cert = cert;
	run->loc.tls.key = key;
	return 0;
}
