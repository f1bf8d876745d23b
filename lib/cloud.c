/* SPDX-License-Identifier: Apache-2.0 */
/* The clouds: one table (cloud.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cloud.h"
#include "tedge.h"
#include "opt.h"

const struct cloud clouds[] = {
	{ "c8y", "Cumulocity", "c8y.url", "c8y.mqtt", "c8y.root_cert_path",
	  "c8y.bridge.keepalive_interval", "c8y.device.id", "c8y.device.cert_path",
	  "c8y.device.key_path", "c8y-bridge.conf", "Cumulocity", "true",
	  "c8y/s/uat", "c8y/s/dat",
	  "Upload the certificate using `tedge cert upload c8y`", NULL, "c8y" },
	{ "az", "Azure", "az.url", "az.url", "az.root_cert_path",
	  "az.bridge.keepalive_interval", "az.device.id", "az.device.cert_path", "az.device.key_path",
	  "az-bridge.conf", "Azure", "false",
	  "az/twin/GET/?$rid=1", "az/twin/res/#",
	  "Register the certificate (or the CA that signed it) with the IoT Hub", NULL, "az" },
	{ "aws", "Aws", "aws.url", "aws.url", "aws.root_cert_path",
	  "aws.bridge.keepalive_interval", "aws.device.id", "aws.device.cert_path", "aws.device.key_path",
	  "aws-bridge.conf", "Aws", "false",
	  "aws/test-connection", "aws/connection-success",
	  "Register the certificate with AWS IoT and attach a policy to it", NULL, "aws" },
};
const size_t nclouds = LEN(clouds);

char *
cloud_list(void)
{
	size_t i, n = 1;
	char *s, *o;

	for (i = 0; i < nclouds; i++)
		n += strlen(clouds[i].name) + 4;
	s = o = xmalloc(n);
	*s = '\0';
	for (i = 0; i < nclouds; i++)
		o += sprintf(o, "%s%s", !i ? "" : i + 1 < nclouds ? ", " : " or ", clouds[i].name);
	return s;
}

const struct cloud *
cloud_find(const char *name)
{
	size_t i;

	for (i = 0; i < nclouds; i++)
		if (!strcmp(name, clouds[i].name))
			return &clouds[i];
	return NULL;
}

char *
cloud_health_topic(const struct cloud *cl)
{
	return xasprintf("te/device/main/service/mosquitto-%s-bridge/status/health", cl->prefix);
}

/* The key k of cl (c8y.url) as the profile p spells it; one that is no
 * cloud's (device.id) as it is. */
static const char *
pkey(const struct cloud *cl, const char *k, const char *p)
{
	size_t n = strlen(cl->name);

	if (strncmp(k, cl->name, n) || k[n] != '.')
		return k;
	return xasprintf("%s.profiles.%s%s", cl->name, p, k + n);
}

/* A topic of cl (c8y/s/uat) under the prefix p. */
static const char *
ptopic(const struct cloud *cl, const char *t, const char *p)
{
	return xasprintf("%s%s", p, t + strlen(cl->name));
}

static struct cloud **derived;
static size_t nderived;

const struct cloud *
cloud_profile(const struct cloud *cl, const char *p, const char *prefix)
{
	struct cloud *n;
	char *q;

	if (!p && (!prefix || !strcmp(prefix, cl->prefix)))
		return cl;
	/* A row lives as long as the process: kept where it can be found. */
	derived = xrealloc(derived, (nderived + 1) * sizeof(*derived));
	derived[nderived++] = n = xmalloc(sizeof(*n));
	*n = *cl;
	if (p) {
		n->profile = q = xstrdup(p);
		for (; *q; q++)
			*q = (char)(*q >= 'A' && *q <= 'Z' ? *q + 32 : *q);
		p = n->profile;
		n->url_key = pkey(cl, cl->url_key, p);
		n->mqtt_key = pkey(cl, cl->mqtt_key, p);
		n->root_key = pkey(cl, cl->root_key, p);
		n->keepalive_key = pkey(cl, cl->keepalive_key, p);
		n->id_key = pkey(cl, cl->id_key, p);
		n->cert_key = pkey(cl, cl->cert_key, p);
		n->key_key = pkey(cl, cl->key_key, p);
		n->bridge_file = xasprintf("%s@%s-bridge.conf", cl->name, p);
		n->local_id = xasprintf("%s@%s", cl->local_id, p);
	}
	if (prefix) {
		n->prefix = xstrdup(prefix);
		n->request = ptopic(cl, cl->request, prefix);
		n->response = ptopic(cl, cl->response, prefix);
	}
	return n;
}

void
cloud_split(const char *hp, size_t *hostlen, const char **port)
{
	const char *colon;

	if (hp[0] == '[') {
		colon = strstr(hp, "]:");
		colon = colon ? colon + 1 : NULL;
	} else {
		colon = strrchr(hp, ':');
	}
	*hostlen = colon ? (size_t)(colon - hp) : strlen(hp);
	*port = colon ? colon + 1 : CLOUD_PORT;
}

const struct cloud *
cloud_open(struct cfg *c, const struct cloud *cl)
{
	char *key = xasprintf("%s.bridge.topic_prefix", cl->name), *pfx = NULL;
	int r = cfg_profile(c, opt_profile()) < 0 ? -1 : cfg_get_str(c, key, &pfx);
	const struct cloud *n = r < 0 ? NULL : cloud_profile(cl, c->profile, pfx);

	free(key), free(pfx);
	return n;
}
