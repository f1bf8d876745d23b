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

#include <openssl/x509.h>

#include "cloud.h"
#include "tedge.h"
#include "check.h"
#include "x509.h"

/* --- configuration ---------------------------------------------------- */

/* The value of key in *v (kept): 0, 1 when it has none, -1 on error. */
int
conf(const char *key, char **v)
{
	int r = cfg_get_str(&cfg, key, v);

	if (r == 0)
		keep(*v);
	else
		*v = NULL;
	return r;
}

static void
split_hostport(const char *hp, struct endpoint *ep)
{
	const char *port;
	size_t n;

	cloud_split(hp, &n, &port);
	ep->port = keep(xstrdup(port));
	ep->text = keep(xasprintf("%.*s:%s", (int)n, hp, ep->port));
	/* [v6] is for people and URLs; resolvers and TLS want it bare. */
	if (hp[0] == '[' && n > 2)
		ep->host = keep(xstrndup(hp + 1, n - 2));
	else
		ep->host = keep(xstrndup(hp, n));
}

/*
 * The cloud's MQTT endpoint: c8y.mqtt (its port defaults to 8883, its host
 * to c8y.url's); az.url and aws.url with port 8883, as in the bridge file.
 * 0, or -1 with the seed's message when no URL is set.
 */
int
cloud_endpoint(const struct cloud *cl, struct endpoint *ep)
{
	char *v, *r;
	int rc;

	if ((rc = conf(cl->mqtt_key, &v)) < 0)
		return -1;
	ep->key = cl->mqtt_key;
	if (rc > 0)
		return err_push("%s", (char *)keep(cfg_missing(cl->url_key)));
	r = keep(cfg_render(cfg_key_find(cl->mqtt_key, NULL), v));
	split_hostport(r, ep);
	return 0;
}

/* --- the device certificate --------------------------------------------- */

struct device dev;

void
device_free(void)
{
	X509_free(dev.x);
	EVP_PKEY_free(dev.k);
	dev.x = NULL;
	dev.k = NULL;
}

/* The paths of the device's files; -1 (causes pushed) when unreadable. */
int
device_paths(const struct cloud *cl)
{
	if (conf("device.cert_path", &dev.cert) != 0 ||
	    conf("device.key_path", &dev.key) != 0)
		return err_push("cannot read the paths of the device certificate and key");
	if (cl && conf(cl->root_key, &dev.root) != 0)
		return err_push("'%s' has no value", cl->root_key);
	return 0;
}

/*
 * The certificate and key are there, readable, a pair, and valid now; the
 * root certificate path (when cl) exists. On failure the last cause pushed
 * says what is wrong and what to do, and problem says it in a few words.
 */
int
device_check(const struct cloud *cl)
{
	const char *trust = cl ? cl->trust_hint : "Make the cloud trust the new one";
	char d[64], *min;
	unsigned long long minsecs = 30 * 86400;
	struct stat st;
	int v;

	if (access(dev.cert, F_OK) < 0) {
		set_problem("there is no device certificate");
		err_pushsysf(errno, "cannot read %s", dev.cert);
		return err_push("No certificate has been attached to that device. Create one with `tedge cert create --device-id <id>`, or set 'device.cert_path'.");
	}
	if (!(dev.x = x509_read_cert(dev.cert))) {
		set_problem("the device certificate cannot be read");
		return err_push("The device certificate %s cannot be read. Check 'device.cert_path'.",
		    dev.cert);
	}
	if (!(dev.k = x509_read_key(dev.key))) {
		set_problem("the private key cannot be read");
		return err_push("The private key %s cannot be read. Check 'device.key_path' and the permissions of the file.",
		    dev.key);
	}
	if (!x509_key_matches(dev.x, dev.k)) {
		set_problem("the private key is not the key of the device certificate");
		err_push("%s is not the private key of the certificate %s", dev.key, dev.cert);
		return err_push("The private key is not paired with the certificate. Check your 'device.key_path'.");
	}
	v = x509_validity(dev.x, &dev.left);
	x509_time_text(X509_get0_notAfter(dev.x), dev.until, sizeof(dev.until));
	x509_duration_text(dev.left, d, sizeof(d));
	if (v > 0) {
		set_problem("the device certificate has expired");
		err_push("%s expired on %s (%s ago)", dev.cert, dev.until, d);
		return err_push("The device certificate has expired. Renew it (`tedge cert renew` renews a self-signed one). %s.",
		    trust);
	}
	if (v < 0) {
		char from[64];

		x509_time_text(X509_get0_notBefore(dev.x), from, sizeof(from));
		set_problem("the device certificate is not valid yet");
		err_push("%s is valid from %s (in %s)", dev.cert, from, d);
		return err_push("The device certificate is not valid yet. Check the clock of the device.");
	}
	if (conf("certificate.validity.minimum_duration", &min) == 0 &&
	    cfg_duration_secs(min, &minsecs) < 0) {
		err_clear();
		minsecs = 30 * 86400;
	}
	dev.soon = (unsigned long long)dev.left <= minsecs;
	if (cl && stat(dev.root, &st) < 0) {
		set_problem("the root certificate path %s does not exist", dev.root);
		err_pushsysf(errno, "cannot read %s", dev.root);
		return err_push("The root certificates of '%s' are missing. Check your '%s'.",
		    cl->root_key, cl->root_key);
	}
	/* As mosquitto's bridge_capath reads it, said before any network. */
	if (cl && S_ISDIR(st.st_mode) && cfg_check_capath(cl->root_key, dev.root) < 0) {
		set_problem("the root certificate directory %s has no OpenSSL hash links", dev.root);
		return -1;
	}
	return 0;
}

/* "Warning: ..." when the certificate expires soon. */
void
device_warn_soon(void)
{
	char d[64];

	if (!dev.soon)
		return;
	x509_duration_text(dev.left, d, sizeof(d));
	warn("the device certificate %s expires in %s, on %s: renew it (`tedge cert renew` for a self-signed one)",
	    dev.cert, d, dev.until);
}

/*
 * The CN is the device id, the MQTT client id of every connection: judged
 * by the rules the bridge file is made by (those of tedge cert create).
 * 0, or -1 with the causes pushed and problem set. (No CN at all is
 * device_load's to say.)
 */
int
cn_check(void)
{
	char *cn, *q;

	if (!(cn = pem_cert_cn(dev.cert))) {
		err_clear();	/* read already: device_load says more */
		return 0;
	}
	if (!*cn || cfg_check_device_id(cn) == 0) {
		free(cn);
		return 0;
	}
	q = quote_debug(cn);
	set_problem("the common name %s of the device certificate is no valid device id", q);
	err_push("The device id is the common name (CN) of the device certificate %s, and %s cannot be one. Create a certificate with a valid device id (`tedge cert create --device-id <id>`), or set 'device.cert_path'.",
	    dev.cert, q);
	free(q);
	free(cn);
	return -1;
}

int
device_load(const struct cloud *cl)
{
	char *id;
	int r;

	/* Before any network could take the blame. */
	if (device_check(cl) < 0 || cn_check() < 0)
		return -1;
	if ((r = cfg_get_str(&cfg, "device.id", &id)) != 0 || !*id) {
		if (r == 0)
			free(id);
		if (r >= 0)
			err_push("the device certificate %s has no common name", dev.cert);
		set_problem("the device id cannot be read");
		return err_push("Cannot read the device id from the device certificate.");
	}
	dev.id = keep(id);
	dev.type = conf("device.type", &id) == 0 ? id : "thin-edge.io";
	return 0;
}

struct local loc;

/* mqtt.client.*: where the local broker is and how to talk to it. */
int
local_conf(void)
{
	char *port, *ca, *cadir, *cert, *key;

	if (conf("mqtt.client.host", &loc.host) != 0 || conf("mqtt.client.port", &port) != 0)
		return err_push("cannot read mqtt.client.host and mqtt.client.port");
	loc.port = atoi(port);
	if (conf("mqtt.client.auth.ca_file", &ca) < 0 ||
	    conf("mqtt.client.auth.ca_dir", &cadir) < 0 ||
	    conf("mqtt.client.auth.cert_file", &cert) < 0 ||
	    conf("mqtt.client.auth.key_file", &key) < 0)
		return err_push("cannot read mqtt.client.auth.*");
	loc.tls.cafile = ca;
	loc.tls.capath = cadir;
	loc.tls.cert = cert;
	loc.tls.key = key;
	return 0;
}
