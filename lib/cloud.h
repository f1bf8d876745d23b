/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cloud.h: what a cloud is, written once. Every program that names a cloud
 * asks this table: its keys, its bridge file, its health topic, how its
 * endpoint is split. A profile (a second tenant, reference profiles §4) is
 * a row made from one of these and a name (cloud_profile), not a copy.
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
	/* the device's id, certificate and key in this cloud: c8y.device.*
	 * (a profile's own, device.* unless set), device.* for az and aws */
	const char *id_key, *cert_key, *key_key;
	const char *bridge_file;	/* in <config-dir>/mosquitto-conf/ */
	const char *local_id;	/* the bridge's local_clientid */
	const char *cleansession;	/* the bridge's cleansession */
	const char *request;	/* the round trip: published locally, empty */
	const char *response;	/* the round trip: subscribed locally */
	const char *trust_hint;	/* how the cloud comes to trust the device */
	const char *profile;	/* NULL, or the profile this row is made for */
	const char *prefix;	/* the local topic prefix: name, or the
				 * value of NAME.bridge.topic_prefix */
};

#define CLOUD_PORT "8883"	/* every bridge dials this unless told */

extern const struct cloud clouds[];
extern const size_t nclouds;

/* The clouds' names as a choice, "c8y, az or aws"; malloc'd. */
char *cloud_list(void);
/* The cloud called name, or NULL. */
const struct cloud *cloud_find(const char *name);
/*
 * The row of cl for the profile p (NULL: none; lowercased here) and the
 * local topic prefix (NULL: the cloud's name): its keys spelled
 * c8y.profiles.P.url, bridge file c8y@P-bridge.conf, local client id
 * Cumulocity@P, topics under the prefix. cl itself when neither changes
 * anything; else malloc'd, for the program's life.
 */
const struct cloud *cloud_profile(const struct cloud *cl, const char *p,
    const char *prefix);
struct cfg;
/*
 * cl as the configuration c makes it, after cfg_load: the profile asked
 * for (opt_profile(), made c's by cfg_profile) and the topic prefix read;
 * NULL with the reason pushed.
 */
const struct cloud *cloud_open(struct cfg *c, const struct cloud *cl);
/* The topic the bridge tells its state on ("1" up, "0" down), from its
 * prefix: te/device/main/service/mosquitto-PREFIX-bridge/status/health;
 * malloc'd. */
char *cloud_health_topic(const struct cloud *cl);
/*
 * Splits a canonical "host[:port]" ("[v6]:port" for IPv6) at its port,
 * which defaults to CLOUD_PORT: *hostlen bytes of hp are the host, as
 * written (brackets kept); *port points into hp or at the default.
 */
void cloud_split(const char *hp, size_t *hostlen, const char **port);

#endif
