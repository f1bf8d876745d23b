/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cloud.h: what a cloud is, written once. Every program that names a cloud
 * asks this table: its keys, its bridge file, its health topic, how its
 * endpoint is split. A profile (a second tenant) is meant to be a row made
 * from one of these and a name, not a new copy.
 */
#ifndef TEDGE_CLOUD_H
#define TEDGE_CLOUD_H

#include <stddef.h>

struct cloud {
	const char *name;	/* c8y, az, aws: the argument, the key prefix */
	const char *display;	/* thin-edge's display name: Cumulocity */
	const char *url_key;	/* the key a missing endpoint is reported as */
	const char *mqtt_key;	/* the endpoint's key (host[:port]): c8y.mqtt */
	const char *root_key;	/* root certificates: file or hashed directory */
	const char *keepalive_key;
	const char *bridge_file;	/* in <config-dir>/mosquitto-conf/ */
	const char *local_id;	/* the bridge's local_clientid */
	const char *cleansession;	/* the bridge's cleansession */
	const char *request;	/* the round trip: published locally, empty */
	const char *response;	/* the round trip: subscribed locally */
	const char *trust_hint;	/* how the cloud comes to trust the device */
};

#define CLOUD_PORT "8883"	/* every bridge dials this unless told */

extern const struct cloud clouds[];
extern const size_t nclouds;

/* The clouds' names as a choice, "c8y, az or aws"; malloc'd. */
char *cloud_list(void);
/* The cloud called name, or NULL. */
const struct cloud *cloud_find(const char *name);
/* The topic the bridge tells its state on ("1" up, "0" down); malloc'd. */
char *cloud_health_topic(const struct cloud *cl);
/*
 * Splits a canonical "host[:port]" ("[v6]:port" for IPv6) at its port,
 * which defaults to CLOUD_PORT: *hostlen bytes of hp are the host, as
 * written (brackets kept); *port points into hp or at the default.
 */
void cloud_split(const char *hp, size_t *hostlen, const char **port);

#endif
