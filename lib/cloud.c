/* SPDX-License-Identifier: Apache-2.0 */
/* The clouds: one table (cloud.h). */
#include <string.h>

#include "cloud.h"
#include "tedge.h"

const struct cloud clouds[] = {
	{ "c8y", "Cumulocity", "c8y.url", "c8y.mqtt", "c8y.root_cert_path",
	  "c8y.bridge.keepalive_interval", "c8y-bridge.conf", "Cumulocity", "true",
	  "c8y/s/uat", "c8y/s/dat",
	  "Upload the certificate using `tedge cert upload c8y`" },
	{ "az", "Azure", "az.url", "az.url", "az.root_cert_path",
	  "az.bridge.keepalive_interval", "az-bridge.conf", "Azure", "false",
	  "az/twin/GET/?$rid=1", "az/twin/res/#",
	  "Register the certificate (or the CA that signed it) with the IoT Hub" },
	{ "aws", "Aws", "aws.url", "aws.url", "aws.root_cert_path",
	  "aws.bridge.keepalive_interval", "aws-bridge.conf", "Aws", "false",
	  "aws/test-connection", "aws/connection-success",
	  "Register the certificate with AWS IoT and attach a policy to it" },
};
const size_t nclouds = LEN(clouds);

char *
cloud_list(void)
{
	size_t i, n = 1;
	char *s;

	for (i = 0; i < nclouds; i++)
		n += strlen(clouds[i].name) + 4;
	s = xmalloc(n);
	*s = '\0';
	for (i = 0; i < nclouds; i++) {
		if (i > 0)
			strcat(s, i + 1 < nclouds ? ", " : " or ");
		strcat(s, clouds[i].name);
	}
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
	return xasprintf("te/device/main/service/mosquitto-%s-bridge/status/health", cl->name);
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
