/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The keys of tedge.toml: the table (type, default, doc, check of every
 * key), the spellings of older releases, and finding a key by any of them.
 */
#include <stdio.h>
#include <string.h>

#include "tedge.h"
#include "cfg.h"
#include "cloud.h"

#define TOPICS "te/+/+/+/+,te/+/+/+/+/twin/+,te/+/+/+/+/m/+,te/+/+/+/+/m/+/meta,te/+/+/+/+/e/+,te/+/+/+/+/a/+,te/+/+/+/+/status/health"
#define CLOUD_TOPICS "te/+/+/+/+/m/+,te/+/+/+/+/e/+,te/+/+/+/+/a/+,te/+/+/+/+/status/health"
#define TOPIC_EX "te/+/+/+/+/a/+,te/+/+/+/+/m/+,te/+/+/+/+/e/+"

/* az's and aws's own device, as thin-edge has them: one text for both. */
#define DEV_ID_DOC "Identifier of the device within the cloud: the CN of the cloud's device.cert_path."
#define DEV_ID_NOTE "The device id of a cloud profile (CLOUD.profiles.NAME.device.id); device.id unless set."
#define DEV_KEY_DOC "Path to the private key which is used to connect to the cloud; device.key_path unless set."
#define DEV_CERT_DOC "Path to the certificate which is used to connect to the cloud; device.cert_path unless set."
#define DEV_CSR_DOC "Path where the device's certificate signing request for the cloud is stored."

/* The fields in the order of the source, not of the struct (which packs its
 * bytes after the pointers). */
#define KEY(name, type, dkind, dflt, choices, doc, note, examples, rule) \
	{ name, dflt, choices, doc, note, examples, type, dkind, rule }

/* In `tedge config list` order: thin-edge 0.12's depth-first schema order,
 * with the later keys in their HEAD places. */
const struct cfg_key cfg_keys[] = {
	KEY("device.id", CFG_DEVICE_ID, CFG_NONE, NULL, NULL,
	  "Identifier of the device within the fleet. It must be globally unique and is derived from the device certificate.",
	  "The common name (CN) of the device certificate wins; the value set here is used while there is no certificate.",
	  "Raspberrypi-4d18303a-6d3a-11eb-b1a6-175f6bb72665", RULE_DEVICE_ID),
	KEY("device.key_path", CFG_PATH, CFG_IN_DIR, "device-certs/tedge-private-key.pem", NULL,
	  "Path to the private key which is used by the agent to connect to cloud.", NULL,
	  "/etc/tedge/device-certs/tedge-private-key.pem", RULE_MOSQ_PATH),
	KEY("device.cert_path", CFG_PATH, CFG_IN_DIR, "device-certs/tedge-certificate.pem", NULL,
	  "Path to the certificate which is used by the agent to connect to cloud.", NULL,
	  "/etc/tedge/device-certs/tedge-certificate.pem", RULE_MOSQ_PATH),
	KEY("device.csr_path", CFG_PATH, CFG_IN_DIR, "device-certs/tedge.csr", NULL,
	  "Path where the device's certificate signing request is stored.", NULL,
	  "/etc/tedge/device-certs/tedge.csr", RULE_NONE),
	KEY("device.type", CFG_STR, CFG_CONST, "thin-edge.io", NULL,
	  "The default device type.", NULL, "thin-edge.io", RULE_NONE),
	KEY("certificate.validity.requested_duration", CFG_DURATION, CFG_CONST, "365d", NULL,
	  "Requested validity duration for a new certificate.", NULL, "365d", RULE_VALIDITY),
	KEY("certificate.validity.minimum_duration", CFG_DURATION, CFG_CONST, "30d", NULL,
	  "The minimum validity duration of a certificate: a certificate closer to its expiry needs renewal.",
	  NULL, "30d", RULE_NONE),
	KEY("certificate.organization", CFG_STR, CFG_CONST, "Thin Edge", NULL,
	  "The organization name used when creating a new certificate.", NULL, "Thin Edge", RULE_X509_NAME),
	KEY("certificate.organization_unit", CFG_STR, CFG_CONST, "Device", NULL,
	  "The organization unit used when creating a new certificate.", NULL, "Device", RULE_X509_NAME),
	KEY("c8y.url", CFG_DOMAIN, CFG_NONE, NULL, NULL,
	  "Endpoint URL of Cumulocity tenant.", NULL, "your-tenant.cumulocity.com", RULE_MOSQ_HOST),
	KEY("c8y.root_cert_path", CFG_PATH, CFG_CONST, "/etc/ssl/certs", NULL,
	  "The path where Cumulocity root certificate(s) are stored.", NULL,
	  "/etc/tedge/c8y-trusted-root-certificates.pem", RULE_MOSQ_PATH),
	KEY("c8y.auth_method", CFG_ENUM, CFG_CONST, "certificate", "certificate,basic,auto",
	  "The authentication method used to connect Cumulocity.", NULL,
	  "certificate,basic,auto", RULE_NONE),
	KEY("c8y.credentials_path", CFG_PATH, CFG_IN_DIR, "credentials.toml", NULL,
	  "The path where Cumulocity username/password are stored.", NULL,
	  "/etc/tedge/credentials.toml", RULE_NONE),
	KEY("c8y.device.id", CFG_DEVICE_ID, CFG_KEY, "device.id", NULL,
	  "Identifier of the device within Cumulocity: the CN of c8y.device.cert_path.",
	  "The device id of a cloud profile (c8y.profiles.NAME.device.id); device.id unless set.",
	  "Raspberrypi-4d18303a-6d3a-11eb-b1a6-175f6bb72665", RULE_DEVICE_ID),
	KEY("c8y.device.key_path", CFG_PATH, CFG_KEY, "device.key_path", NULL,
	  "Path to the private key which is used by the agent to connect to Cumulocity.", NULL,
	  "/etc/tedge/device-certs/tedge-private-key.pem", RULE_MOSQ_PATH),
	KEY("c8y.device.cert_path", CFG_PATH, CFG_KEY, "device.cert_path", NULL,
	  "Path to the certificate which is used by the agent to connect to Cumulocity.", NULL,
	  "/etc/tedge/device-certs/tedge-certificate.pem", RULE_MOSQ_PATH),
	KEY("c8y.device.csr_path", CFG_PATH, CFG_KEY, "device.csr_path", NULL,
	  "Path where the device's certificate signing request for Cumulocity is stored.", NULL,
	  "/etc/tedge/device-certs/tedge.csr", RULE_NONE),
	KEY("c8y.smartrest.templates", CFG_LIST, CFG_CONST, "", NULL,
	  "Set of SmartREST template IDs the device should subscribe to.", NULL,
	  "templateId1,templateId2", RULE_TEMPLATES),
	KEY("c8y.http", CFG_HOSTPORT, CFG_URL_HOST, "c8y.url", "443",
	  "HTTP Endpoint for the Cumulocity tenant, with optional port.", NULL,
	  "http.your-tenant.cumulocity.com:1234", RULE_NONE),
	KEY("c8y.mqtt", CFG_HOSTPORT, CFG_URL_HOST, "c8y.url", "8883",
	  "MQTT Endpoint for the Cumulocity tenant, with optional port.", NULL,
	  "mqtt.your-tenant.cumulocity.com:1234", RULE_MOSQ_HOSTPORT),
	KEY("c8y.topics", CFG_LIST, CFG_CONST, TOPICS, NULL,
	  "Set of MQTT topics the Cumulocity mapper should subscribe to.", NULL, TOPIC_EX, RULE_NONE),
	KEY("c8y.proxy.bind.address", CFG_IP, CFG_CONST, "127.0.0.1", NULL,
	  "The IP address local Cumulocity HTTP proxy binds to.", NULL, "127.0.0.1", RULE_NONE),
	KEY("c8y.proxy.bind.port", CFG_PORT, CFG_CONST, "8001", NULL,
	  "The port local Cumulocity HTTP proxy binds to.", NULL, "8001", RULE_NONE),
	KEY("c8y.proxy.client.host", CFG_STR, CFG_CONST, "127.0.0.1", NULL,
	  "The address of the host on which the local Cumulocity HTTP Proxy is running, used by the Cumulocity mapper.",
	  NULL, "127.0.0.1,192.168.1.2,tedge-hostname", RULE_NONE),
	KEY("c8y.proxy.client.port", CFG_PORT, CFG_KEY, "c8y.proxy.bind.port", NULL,
	  "The port number on the remote host on which the local Cumulocity HTTP Proxy is running, used by the Cumulocity mapper.",
	  NULL, "8001", RULE_NONE),
	KEY("c8y.bridge.include.local_cleansession", CFG_ENUM, CFG_CONST, "auto", "true,false,auto",
	  "Set the bridge local clean session flag (this requires mosquitto >= 2.0.0).", NULL,
	  "true,false,auto", RULE_NONE),
	KEY("c8y.bridge.topic_prefix", CFG_STR, CFG_CONST, "c8y", NULL,
	  "The topic prefix that will be used for the mosquitto bridge.", "Each profile needs its own.", "c8y", RULE_TOPIC_PREFIX),
	KEY("c8y.bridge.keepalive_interval", CFG_DURATION, CFG_CONST, "60s", NULL,
	  "The amount of time after which the bridge should send a ping if no other traffic has occurred.",
	  NULL, "60s", RULE_KEEPALIVE),
	KEY("c8y.software_management.api", CFG_ENUM, CFG_CONST, "legacy", "legacy,advanced",
	  "Switch legacy or advanced software management API to use. Value: legacy or advanced.", NULL,
	  "advanced", RULE_NONE),
	KEY("c8y.software_management.with_types", CFG_BOOL, CFG_CONST, "false", NULL,
	  "Enable publishing c8y_SupportedSoftwareTypes fragment to the c8y inventory API.", NULL,
	  "true", RULE_NONE),
	KEY("az.url", CFG_DOMAIN, CFG_NONE, NULL, NULL,
	  "Endpoint URL of Azure IoT tenant.", NULL, "myazure.azure-devices.net", RULE_MOSQ_HOST),
	KEY("az.root_cert_path", CFG_PATH, CFG_CONST, "/etc/ssl/certs", NULL,
	  "The path where Azure IoT root certificate(s) are stored.", NULL,
	  "/etc/tedge/az-trusted-root-certificates.pem", RULE_MOSQ_PATH),
	KEY("az.device.id", CFG_DEVICE_ID, CFG_KEY, "device.id", NULL,
	  DEV_ID_DOC, DEV_ID_NOTE, "Raspberrypi-4d18303a-6d3a-11eb-b1a6-175f6bb72665", RULE_DEVICE_ID),
	KEY("az.device.key_path", CFG_PATH, CFG_KEY, "device.key_path", NULL,
	  DEV_KEY_DOC, NULL, "/etc/tedge/device-certs/tedge-private-key.pem", RULE_MOSQ_PATH),
	KEY("az.device.cert_path", CFG_PATH, CFG_KEY, "device.cert_path", NULL,
	  DEV_CERT_DOC, NULL, "/etc/tedge/device-certs/tedge-certificate.pem", RULE_MOSQ_PATH),
	KEY("az.device.csr_path", CFG_PATH, CFG_KEY, "device.csr_path", NULL,
	  DEV_CSR_DOC, NULL, "/etc/tedge/device-certs/tedge.csr", RULE_NONE),
	KEY("az.mapper.timestamp", CFG_BOOL, CFG_CONST, "true", NULL,
	  "Whether the Azure IoT mapper should add a timestamp or not.", NULL, "true", RULE_NONE),
	KEY("az.topics", CFG_LIST, CFG_CONST, CLOUD_TOPICS, NULL,
	  "Set of MQTT topics the Azure IoT mapper should subscribe to.", NULL, TOPIC_EX, RULE_NONE),
	KEY("az.bridge.topic_prefix", CFG_STR, CFG_CONST, "az", NULL,
	  "The topic prefix that will be used for the mosquitto bridge.", "Each profile needs its own.", "az", RULE_TOPIC_PREFIX),
	KEY("az.bridge.keepalive_interval", CFG_DURATION, CFG_CONST, "60s", NULL,
	  "The amount of time after which the bridge should send a ping if no other traffic has occurred.",
	  NULL, "60s", RULE_KEEPALIVE),
	KEY("aws.url", CFG_DOMAIN, CFG_NONE, NULL, NULL,
	  "Endpoint URL of AWS IoT tenant.", NULL, "your-endpoint.amazonaws.com", RULE_MOSQ_HOST),
	KEY("aws.root_cert_path", CFG_PATH, CFG_CONST, "/etc/ssl/certs", NULL,
	  "The path where AWS IoT root certificate(s) are stored.", NULL,
	  "/etc/tedge/aws-trusted-root-certificates.pem", RULE_MOSQ_PATH),
	KEY("aws.device.id", CFG_DEVICE_ID, CFG_KEY, "device.id", NULL,
	  DEV_ID_DOC, DEV_ID_NOTE, "Raspberrypi-4d18303a-6d3a-11eb-b1a6-175f6bb72665", RULE_DEVICE_ID),
	KEY("aws.device.key_path", CFG_PATH, CFG_KEY, "device.key_path", NULL,
	  DEV_KEY_DOC, NULL, "/etc/tedge/device-certs/tedge-private-key.pem", RULE_MOSQ_PATH),
	KEY("aws.device.cert_path", CFG_PATH, CFG_KEY, "device.cert_path", NULL,
	  DEV_CERT_DOC, NULL, "/etc/tedge/device-certs/tedge-certificate.pem", RULE_MOSQ_PATH),
	KEY("aws.device.csr_path", CFG_PATH, CFG_KEY, "device.csr_path", NULL,
	  DEV_CSR_DOC, NULL, "/etc/tedge/device-certs/tedge.csr", RULE_NONE),
	KEY("aws.mapper.timestamp", CFG_BOOL, CFG_CONST, "true", NULL,
	  "Whether the AWS IoT mapper should add a timestamp or not.", NULL, "true", RULE_NONE),
	KEY("aws.topics", CFG_LIST, CFG_CONST, CLOUD_TOPICS, NULL,
	  "Set of MQTT topics the AWS IoT mapper should subscribe to.", NULL, TOPIC_EX, RULE_NONE),
	KEY("aws.bridge.topic_prefix", CFG_STR, CFG_CONST, "aws", NULL,
	  "The topic prefix that will be used for the mosquitto bridge.", "Each profile needs its own.", "aws", RULE_TOPIC_PREFIX),
	KEY("aws.bridge.keepalive_interval", CFG_DURATION, CFG_CONST, "60s", NULL,
	  "The amount of time after which the bridge should send a ping if no other traffic has occurred.",
	  NULL, "60s", RULE_KEEPALIVE),
	KEY("mqtt.topic_root", CFG_STR, CFG_CONST, "te", NULL,
	  "MQTT topic root.", NULL, "te", RULE_NONE),
	KEY("mqtt.device_topic_id", CFG_TOPIC_ID, CFG_CONST, "device/main//", NULL,
	  "The device MQTT topic identifier.", NULL, "device/main//,device/child_001//", RULE_NONE),
	KEY("mqtt.bind.enabled", CFG_BOOL, CFG_CONST, "true", NULL,
	  "Whether the local listener of the MQTT broker is configured by tedge (tedge-mosquitto.conf).",
	  NULL, "true", RULE_NONE),
	KEY("mqtt.bind.address", CFG_IP, CFG_CONST, "127.0.0.1", NULL,
	  "The address mosquitto binds to for internal use.", NULL, "127.0.0.1", RULE_NONE),
	KEY("mqtt.bind.port", CFG_PORT_NZ, CFG_CONST, "1883", NULL,
	  "The port mosquitto binds to for internal use.", NULL, "1883", RULE_MOSQ_PORT),
	KEY("mqtt.client.host", CFG_STR, CFG_CONST, "127.0.0.1", NULL,
	  "The host that the thin-edge MQTT client should connect to.", NULL, "127.0.0.1", RULE_NONE),
	KEY("mqtt.client.port", CFG_PORT_NZ, CFG_KEY, "mqtt.bind.port", NULL,
	  "The port that the thin-edge MQTT client should connect to.", NULL, "1883", RULE_NONE),
	KEY("mqtt.client.auth.ca_file", CFG_PATH, CFG_NONE, NULL, NULL,
	  "Path to the CA certificate used by MQTT clients to use when authenticating the MQTT broker.",
	  NULL, "/etc/mosquitto/ca_certificates/ca.crt", RULE_NONE),
	KEY("mqtt.client.auth.ca_dir", CFG_PATH, CFG_NONE, NULL, NULL,
	  "Path to the directory containing the CA certificates used by MQTT clients when authenticating the MQTT broker.",
	  NULL, "/etc/mosquitto/ca_certificates", RULE_NONE),
	KEY("mqtt.client.auth.cert_file", CFG_PATH, CFG_NONE, NULL, NULL,
	  "Path to the client certificate.", NULL, "/etc/mosquitto/auth_certificates/cert.pem", RULE_NONE),
	KEY("mqtt.client.auth.key_file", CFG_PATH, CFG_NONE, NULL, NULL,
	  "Path to the client private key.", NULL, "/etc/mosquitto/auth_certificates/key.pem", RULE_NONE),
	KEY("mqtt.external.bind.port", CFG_PORT, CFG_NONE, NULL, NULL,
	  "Mosquitto listener port for external connections.", NULL, "8883", RULE_MOSQ_PORT),
	KEY("mqtt.external.bind.address", CFG_IP, CFG_NONE, NULL, NULL,
	  "IP address which the mqtt broker limits incoming connections on.", NULL, "0.0.0.0", RULE_NONE),
	KEY("mqtt.external.bind.interface", CFG_STR, CFG_NONE, NULL, NULL,
	  "Name of network interface, which the mqtt broker limits incoming connections on.",
	  NULL, "wlan0", RULE_IFACE),
	KEY("mqtt.external.ca_path", CFG_PATH, CFG_NONE, NULL, NULL,
	  "Path to a file containing the PEM encoded CA certificates that are trusted when checking incoming client certificates.",
	  NULL, "/etc/ssl/certs", RULE_MOSQ_PATH),
	KEY("mqtt.external.cert_file", CFG_PATH, CFG_NONE, NULL, NULL,
	  "Path to the certificate file, which is used by the external MQTT listener.",
	  "This setting shall be used together with `mqtt.external.key_file` for external connections.",
	  "/etc/tedge/device-certs/tedge-certificate.pem", RULE_MOSQ_PATH),
	KEY("mqtt.external.key_file", CFG_PATH, CFG_NONE, NULL, NULL,
	  "Path to the private key file, which is used by the external MQTT listener.",
	  "This setting shall be used together with `mqtt.external.cert_file` for external connections.",
	  "/etc/tedge/device-certs/tedge-private-key.pem", RULE_MOSQ_PATH),
	KEY("mqtt.bridge.built_in", CFG_BOOL, CFG_CONST, "true", NULL,
	  "Enable the built-in bridge of a thin-edge 2.x tedge-mapper.",
	  "tedge connect sets false: the bridge is mosquitto's.", "false", RULE_NONE),
	KEY("mqtt.broker.config_path", CFG_PATH, CFG_CONST, "/etc/mosquitto/mosquitto.conf", NULL,
	  "The main mosquitto configuration file, which `tedge init` makes include the tedge configuration.",
	  NULL, "/etc/mosquitto/mosquitto.conf", RULE_NONE),
	KEY("http.bind.port", CFG_PORT, CFG_CONST, "8000", NULL,
	  "HTTP server port used by the File Transfer Service.", NULL, "8000", RULE_NONE),
	KEY("http.bind.address", CFG_IP, CFG_KEY, "mqtt.bind.address", NULL,
	  "The address the HTTP server binds to for internal use.", NULL, "127.0.0.1", RULE_NONE),
	KEY("http.client.port", CFG_PORT, CFG_CONST, "8000", NULL,
	  "The port number on the remote host on which the File Transfer Service HTTP server is running.",
	  NULL, "8000", RULE_NONE),
	KEY("http.client.host", CFG_STR, CFG_CONST, "127.0.0.1", NULL,
	  "The address of the host on which the File Transfer Service HTTP server is running.",
	  NULL, "127.0.0.1,192.168.1.2,tedge-hostname", RULE_NONE),
	KEY("software.plugin.default", CFG_STR, CFG_NONE, NULL, NULL,
	  "The default software plugin to be used for software management on the device.",
	  NULL, "apt", RULE_NONE),
	KEY("software.plugin.max_packages", CFG_U32, CFG_CONST, "1000", NULL,
	  "The maximum number of software packages reported for each type of software package.",
	  NULL, "1000", RULE_NONE),
	KEY("run.path", CFG_PATH, CFG_CONST, "/run", NULL,
	  "The directory used to store runtime information, such as file locks.", NULL, "/run", RULE_NONE),
	KEY("run.lock_files", CFG_BOOL, CFG_CONST, "true", NULL,
	  "Whether to create a lock file or not.", NULL, "true", RULE_NONE),
	KEY("logs.path", CFG_PATH, CFG_CONST, "/var/log/tedge", NULL,
	  "The directory used to store logs.", NULL, "/var/log/tedge", RULE_NONE),
	KEY("tmp.path", CFG_PATH, CFG_CONST, "/tmp", NULL,
	  "The temporary directory used to download files to the device.", NULL, "/tmp", RULE_NONE),
	KEY("data.path", CFG_PATH, CFG_CONST, "/var/tedge", NULL,
	  "The directory used to store data like cached files, runtime metadata, etc.", NULL,
	  "/var/tedge", RULE_NONE),
	KEY("firmware.child.update.timeout", CFG_DURATION, CFG_CONST, "1h", NULL,
	  "The timeout limit in seconds for firmware update operations on child devices.", NULL,
	  "1h,3600", RULE_NONE),
	KEY("service.type", CFG_STR, CFG_CONST, "service", NULL,
	  "The thin-edge.io service's service type.", NULL, "service", RULE_NONE),
	KEY("service.manager", CFG_ENUM, CFG_CONST, "auto", "auto,systemd,openrc,runit,s6,supervisord,sysv,custom",
	  "The service manager tedge-svc drives; auto looks for the one that is running.", NULL,
	  "auto,systemd,openrc,runit,s6,supervisord,sysv,custom", RULE_NONE),
	KEY("apt.name", CFG_STR, CFG_NONE, NULL, NULL,
	  "The filtering criterion that is used to filter packages list output by name.", NULL,
	  "tedge.*", RULE_NONE),
	KEY("apt.maintainer", CFG_STR, CFG_NONE, NULL, NULL,
	  "The filtering criterion that is used to filter packages list output by maintainer.", NULL,
	  "thin-edge.io team.*", RULE_NONE),
};
const size_t cfg_nkeys = LEN(cfg_keys);

/* Spellings of older releases that '.'/'_' folding does not cover. */
static const struct { const char *from, *to; } aliases[] = {
	{ "mqtt.port", "mqtt.bind.port" },
	{ "mqtt.external.port", "mqtt.external.bind.port" },
	{ "mqtt.external.capath", "mqtt.external.ca_path" },
	{ "mqtt.external.certfile", "mqtt.external.cert_file" },
	{ "mqtt.external.keyfile", "mqtt.external.key_file" },
	{ "mqtt.external_capath", "mqtt.external.ca_path" },
	{ "mqtt.external_certfile", "mqtt.external.cert_file" },
	{ "mqtt.external_keyfile", "mqtt.external.key_file" },
	{ "mqtt.client.auth.cafile", "mqtt.client.auth.ca_file" },
	{ "mqtt.client.auth.cadir", "mqtt.client.auth.ca_dir" },
	{ "mqtt.client.auth.certfile", "mqtt.client.auth.cert_file" },
	{ "mqtt.client.auth.keyfile", "mqtt.client.auth.key_file" },
	{ "mqtt.client_ca_file", "mqtt.client.auth.ca_file" },
	{ "mqtt.client_ca_path", "mqtt.client.auth.ca_dir" },
	{ "http.port", "http.bind.port" },
	{ "http.address", "http.bind.address" },
	{ "software.default_plugin_type", "software.plugin.default" },
};

/* Where 0.10/0.11 files kept what is now elsewhere (reference config §3.2). */
const struct cfg_rename cfg_migrations[] = {
	{ "mqtt.port", "mqtt.bind.port" },
	{ "mqtt.bind_address", "mqtt.bind.address" },
	{ "mqtt.client_host", "mqtt.client.host" },
	{ "mqtt.client_port", "mqtt.client.port" },
	{ "mqtt.client_ca_file", "mqtt.client.auth.ca_file" },
	{ "mqtt.client_ca_path", "mqtt.client.auth.ca_dir" },
	{ "mqtt.client_auth.cert_file", "mqtt.client.auth.cert_file" },
	{ "mqtt.client_auth.key_file", "mqtt.client.auth.key_file" },
	{ "mqtt.external_port", "mqtt.external.bind.port" },
	{ "mqtt.external_bind_address", "mqtt.external.bind.address" },
	{ "mqtt.external_bind_interface", "mqtt.external.bind.interface" },
	{ "mqtt.external_capath", "mqtt.external.ca_path" },
	{ "mqtt.external_certfile", "mqtt.external.cert_file" },
	{ "mqtt.external_keyfile", "mqtt.external.key_file" },
	{ "az.mapper_timestamp", "az.mapper.timestamp" },
	{ "aws.mapper_timestamp", "aws.mapper.timestamp" },
	{ "http.port", "http.bind.port" },
	{ "http.bind_address", "http.bind.address" },
	{ "software.default_plugin_type", "software.plugin.default" },
	{ "firmware.child_update_timeout", "firmware.child.update.timeout" },
	{ "c8y.smartrest_templates", "c8y.smartrest.templates" },
};
const size_t cfg_nmigrations = LEN(cfg_migrations);

/* Compares a spelling with a canonical name, '.' and '_' being one. */
static int
same_key(const char *a, size_t alen, const char *canon)
{
	size_t i;

	for (i = 0; i < alen; i++, canon++) {
		char x = a[i] == '.' ? '_' : a[i], y = *canon == '.' ? '_' : *canon;
		if (x != y || !*canon)
			return 0;
	}
	return *canon == '\0';
}

/* The canonical key of a spelling without profile. */
static const struct cfg_key *
find_plain(const char *name, int *deprecated)
{
	char buf[128];
	const char *n = name;
	size_t i, len;

	/* "azure" is the 0.x group name of "az". */
	if (!strncmp(name, "azure", 5) && (name[5] == '.' || name[5] == '_')) {
		snprintf(buf, sizeof(buf), "az%s", name + 5);
		n = buf;
	}
	len = strlen(n);
	for (i = 0; i < LEN(aliases); i++)
		if (same_key(n, len, aliases[i].from)) {
			n = aliases[i].to;
			len = strlen(n);
			break;
		}
	for (i = 0; i < cfg_nkeys; i++)
		if (same_key(n, len, cfg_keys[i].name)) {
			if (deprecated)
				*deprecated = strcmp(name, cfg_keys[i].name) != 0;
			return &cfg_keys[i];
		}
	return NULL;
}

const struct cfg_key *
cfg_key_find_profile(const char *name, int *deprecated, char **profile)
{
	const struct cfg_key *k = find_plain(name, deprecated);
	const char *s, *e;
	char buf[128];
	size_t i, n;

	if (profile)
		*profile = NULL;
	/* thin-edge's ^CLOUD[._]profiles[._]([^.]+)[._]REST$, the profile as
	 * long as it can be: "c8y_profiles_a_b_url" is profile a_b. */
	for (i = 0; !k && i < nclouds; i++) {
		n = strlen(clouds[i].name);
		if (strncmp(name, clouds[i].name, n) || !same_key(name + n, 10, ".profiles."))
			continue;
		s = name + n + 10;
		for (e = s + strlen(s); !k && --e > s;)
			if ((*e == '.' || *e == '_') && !memchr(s, '.', (size_t)(e - s))) {
				snprintf(buf, sizeof(buf), "%s.%s", clouds[i].name, e + 1);
				if ((k = find_plain(buf, deprecated)) && cfg_key_cloud(k) == (int)i) {
					if (profile)
						*profile = xstrndup(s, (size_t)(e - s));
				} else {
					k = NULL;
				}
			}
	}
	return k;
}

const struct cfg_key *
cfg_key_find(const char *name, int *deprecated)
{
	return cfg_key_find_profile(name, deprecated, NULL);
}

int
cfg_key_cloud(const struct cfg_key *k)
{
	size_t i, n;

	for (i = 0; i < nclouds; i++) {
		n = strlen(clouds[i].name);
		if (!strncmp(k->name, clouds[i].name, n) && k->name[n] == '.')
			return (int)i;
	}
	return -1;
}

int
cfg_check_profile(const char *p)
{
	const char *q;
	int alnum = 0;

	if (!*p)
		return err_push("Profile names cannot be empty");
	for (q = p; *q; q++) {
		if ((*q | 32) >= 'a' && (*q | 32) <= 'z' ? 1 : *q >= '0' && *q <= '9')
			alnum = 1;
		else if (*q != '-' && *q != '_')
			return err_push("Profile names can only contain letters, numbers, `-` or `_`");
	}
	if (!alnum)
		return err_push("Profile names must contain at least one letter or number");
	if (q - p > 64)
		return err_push("Profile names can have at most 64 characters");
	return 0;
}
