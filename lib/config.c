/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tedge.toml: the key table (type, default, doc of every key), value
 * checking, and reading and writing the file.
 *
 * Values travel in one canonical text form: what `get` prints, except that
 * list items are joined by '\n' (no value may hold a control character, so
 * the separator cannot clash).
 */
#include <sys/stat.h>

#include <arpa/inet.h>

#include <dirent.h>
#include <unistd.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "tedge.h"

#define VALUE_MAX 4096		/* longer values are refused */
#define FILE_MAX (1 << 20)	/* a larger tedge.toml is refused */

#define TOPICS "te/+/+/+/+,te/+/+/+/+/twin/+,te/+/+/+/+/m/+,te/+/+/+/+/m/+/meta,te/+/+/+/+/e/+,te/+/+/+/+/a/+,te/+/+/+/+/status/health"
#define CLOUD_TOPICS "te/+/+/+/+/m/+,te/+/+/+/+/e/+,te/+/+/+/+/a/+,te/+/+/+/+/status/health"
#define TOPIC_EX "te/+/+/+/+/a/+,te/+/+/+/+/m/+,te/+/+/+/+/e/+"

static int check_mosq_path(const char *), check_mosq_host(const char *),
    check_mosq_hostport(const char *), check_mosq_port(const char *),
    check_iface(const char *), check_templates(const char *),
    check_keepalive(const char *), check_x509_name(const char *),
    check_validity(const char *);

/* In `tedge config list` order: thin-edge 0.12's depth-first schema order,
 * with the later keys in their HEAD places. */
const struct cfg_key cfg_keys[] = {
	{ "device.id", CFG_DEVICE_ID, CFG_NONE, NULL, NULL,
	  "Identifier of the device within the fleet. It must be globally unique and is derived from the device certificate.",
	  "The common name (CN) of the device certificate wins; the value set here is used while there is no certificate.",
	  "Raspberrypi-4d18303a-6d3a-11eb-b1a6-175f6bb72665", cfg_check_device_id },
	{ "device.key_path", CFG_PATH, CFG_IN_DIR, "device-certs/tedge-private-key.pem", NULL,
	  "Path to the private key which is used by the agent to connect to cloud.", NULL,
	  "/etc/tedge/device-certs/tedge-private-key.pem", check_mosq_path },
	{ "device.cert_path", CFG_PATH, CFG_IN_DIR, "device-certs/tedge-certificate.pem", NULL,
	  "Path to the certificate which is used by the agent to connect to cloud.", NULL,
	  "/etc/tedge/device-certs/tedge-certificate.pem", check_mosq_path },
	{ "device.csr_path", CFG_PATH, CFG_IN_DIR, "device-certs/tedge.csr", NULL,
	  "Path where the device's certificate signing request is stored.", NULL,
	  "/etc/tedge/device-certs/tedge.csr", NULL },
	{ "device.type", CFG_STR, CFG_CONST, "thin-edge.io", NULL,
	  "The default device type.", NULL, "thin-edge.io", NULL },
	{ "certificate.validity.requested_duration", CFG_DURATION, CFG_CONST, "365d", NULL,
	  "Requested validity duration for a new certificate.", NULL, "365d", check_validity },
	{ "certificate.validity.minimum_duration", CFG_DURATION, CFG_CONST, "30d", NULL,
	  "The minimum validity duration of a certificate: a certificate closer to its expiry needs renewal.",
	  NULL, "30d", NULL },
	{ "certificate.organization", CFG_STR, CFG_CONST, "Thin Edge", NULL,
	  "The organization name used when creating a new certificate.", NULL, "Thin Edge", check_x509_name },
	{ "certificate.organization_unit", CFG_STR, CFG_CONST, "Device", NULL,
	  "The organization unit used when creating a new certificate.", NULL, "Device", check_x509_name },
	{ "c8y.url", CFG_DOMAIN, CFG_NONE, NULL, NULL,
	  "Endpoint URL of Cumulocity tenant.", NULL, "your-tenant.cumulocity.com", check_mosq_host },
	{ "c8y.root_cert_path", CFG_PATH, CFG_CONST, "/etc/ssl/certs", NULL,
	  "The path where Cumulocity root certificate(s) are stored.", NULL,
	  "/etc/tedge/c8y-trusted-root-certificates.pem", check_mosq_path },
	{ "c8y.smartrest.templates", CFG_LIST, CFG_CONST, "", NULL,
	  "Set of SmartREST template IDs the device should subscribe to.", NULL,
	  "templateId1,templateId2", check_templates },
	{ "c8y.http", CFG_HOSTPORT, CFG_URL_HOST, "c8y.url", "443",
	  "HTTP Endpoint for the Cumulocity tenant, with optional port.", NULL,
	  "http.your-tenant.cumulocity.com:1234", NULL },
	{ "c8y.mqtt", CFG_HOSTPORT, CFG_URL_HOST, "c8y.url", "8883",
	  "MQTT Endpoint for the Cumulocity tenant, with optional port.", NULL,
	  "mqtt.your-tenant.cumulocity.com:1234", check_mosq_hostport },
	{ "c8y.topics", CFG_LIST, CFG_CONST, TOPICS, NULL,
	  "Set of MQTT topics the Cumulocity mapper should subscribe to.", NULL, TOPIC_EX, NULL },
	{ "c8y.proxy.bind.address", CFG_IP, CFG_CONST, "127.0.0.1", NULL,
	  "The IP address local Cumulocity HTTP proxy binds to.", NULL, "127.0.0.1", NULL },
	{ "c8y.proxy.bind.port", CFG_PORT, CFG_CONST, "8001", NULL,
	  "The port local Cumulocity HTTP proxy binds to.", NULL, "8001", NULL },
	{ "c8y.proxy.client.host", CFG_STR, CFG_CONST, "127.0.0.1", NULL,
	  "The address of the host on which the local Cumulocity HTTP Proxy is running, used by the Cumulocity mapper.",
	  NULL, "127.0.0.1,192.168.1.2,tedge-hostname", NULL },
	{ "c8y.proxy.client.port", CFG_PORT, CFG_KEY, "c8y.proxy.bind.port", NULL,
	  "The port number on the remote host on which the local Cumulocity HTTP Proxy is running, used by the Cumulocity mapper.",
	  NULL, "8001", NULL },
	{ "c8y.bridge.include.local_cleansession", CFG_ENUM, CFG_CONST, "auto", "true,false,auto",
	  "Set the bridge local clean session flag (this requires mosquitto >= 2.0.0).", NULL,
	  "true,false,auto", NULL },
	{ "c8y.bridge.keepalive_interval", CFG_DURATION, CFG_CONST, "60s", NULL,
	  "The amount of time after which the bridge should send a ping if no other traffic has occurred.",
	  NULL, "60s", check_keepalive },
	{ "c8y.software_management.api", CFG_ENUM, CFG_CONST, "legacy", "legacy,advanced",
	  "Switch legacy or advanced software management API to use. Value: legacy or advanced.", NULL,
	  "advanced", NULL },
	{ "c8y.software_management.with_types", CFG_BOOL, CFG_CONST, "false", NULL,
	  "Enable publishing c8y_SupportedSoftwareTypes fragment to the c8y inventory API.", NULL,
	  "true", NULL },
	{ "az.url", CFG_DOMAIN, CFG_NONE, NULL, NULL,
	  "Endpoint URL of Azure IoT tenant.", NULL, "myazure.azure-devices.net", check_mosq_host },
	{ "az.root_cert_path", CFG_PATH, CFG_CONST, "/etc/ssl/certs", NULL,
	  "The path where Azure IoT root certificate(s) are stored.", NULL,
	  "/etc/tedge/az-trusted-root-certificates.pem", check_mosq_path },
	{ "az.mapper.timestamp", CFG_BOOL, CFG_CONST, "true", NULL,
	  "Whether the Azure IoT mapper should add a timestamp or not.", NULL, "true", NULL },
	{ "az.topics", CFG_LIST, CFG_CONST, CLOUD_TOPICS, NULL,
	  "Set of MQTT topics the Azure IoT mapper should subscribe to.", NULL, TOPIC_EX, NULL },
	{ "az.bridge.keepalive_interval", CFG_DURATION, CFG_CONST, "60s", NULL,
	  "The amount of time after which the bridge should send a ping if no other traffic has occurred.",
	  NULL, "60s", check_keepalive },
	{ "aws.url", CFG_DOMAIN, CFG_NONE, NULL, NULL,
	  "Endpoint URL of AWS IoT tenant.", NULL, "your-endpoint.amazonaws.com", check_mosq_host },
	{ "aws.root_cert_path", CFG_PATH, CFG_CONST, "/etc/ssl/certs", NULL,
	  "The path where AWS IoT root certificate(s) are stored.", NULL,
	  "/etc/tedge/aws-trusted-root-certificates.pem", check_mosq_path },
	{ "aws.mapper.timestamp", CFG_BOOL, CFG_CONST, "true", NULL,
	  "Whether the AWS IoT mapper should add a timestamp or not.", NULL, "true", NULL },
	{ "aws.topics", CFG_LIST, CFG_CONST, CLOUD_TOPICS, NULL,
	  "Set of MQTT topics the AWS IoT mapper should subscribe to.", NULL, TOPIC_EX, NULL },
	{ "aws.bridge.keepalive_interval", CFG_DURATION, CFG_CONST, "60s", NULL,
	  "The amount of time after which the bridge should send a ping if no other traffic has occurred.",
	  NULL, "60s", check_keepalive },
	{ "mqtt.topic_root", CFG_STR, CFG_CONST, "te", NULL,
	  "MQTT topic root.", NULL, "te", NULL },
	{ "mqtt.device_topic_id", CFG_TOPIC_ID, CFG_CONST, "device/main//", NULL,
	  "The device MQTT topic identifier.", NULL, "device/main//,device/child_001//", NULL },
	{ "mqtt.bind.enabled", CFG_BOOL, CFG_CONST, "true", NULL,
	  "Whether the local listener of the MQTT broker is configured by tedge (tedge-mosquitto.conf).",
	  NULL, "true", NULL },
	{ "mqtt.bind.address", CFG_IP, CFG_CONST, "127.0.0.1", NULL,
	  "The address mosquitto binds to for internal use.", NULL, "127.0.0.1", NULL },
	{ "mqtt.bind.port", CFG_PORT_NZ, CFG_CONST, "1883", NULL,
	  "The port mosquitto binds to for internal use.", NULL, "1883", check_mosq_port },
	{ "mqtt.client.host", CFG_STR, CFG_CONST, "127.0.0.1", NULL,
	  "The host that the thin-edge MQTT client should connect to.", NULL, "127.0.0.1", NULL },
	{ "mqtt.client.port", CFG_PORT_NZ, CFG_KEY, "mqtt.bind.port", NULL,
	  "The port that the thin-edge MQTT client should connect to.", NULL, "1883", NULL },
	{ "mqtt.client.auth.ca_file", CFG_PATH, CFG_NONE, NULL, NULL,
	  "Path to the CA certificate used by MQTT clients to use when authenticating the MQTT broker.",
	  NULL, "/etc/mosquitto/ca_certificates/ca.crt", NULL },
	{ "mqtt.client.auth.ca_dir", CFG_PATH, CFG_NONE, NULL, NULL,
	  "Path to the directory containing the CA certificates used by MQTT clients when authenticating the MQTT broker.",
	  NULL, "/etc/mosquitto/ca_certificates", NULL },
	{ "mqtt.client.auth.cert_file", CFG_PATH, CFG_NONE, NULL, NULL,
	  "Path to the client certificate.", NULL, "/etc/mosquitto/auth_certificates/cert.pem", NULL },
	{ "mqtt.client.auth.key_file", CFG_PATH, CFG_NONE, NULL, NULL,
	  "Path to the client private key.", NULL, "/etc/mosquitto/auth_certificates/key.pem", NULL },
	{ "mqtt.external.bind.port", CFG_PORT, CFG_NONE, NULL, NULL,
	  "Mosquitto listener port for external connections.", NULL, "8883", check_mosq_port },
	{ "mqtt.external.bind.address", CFG_IP, CFG_NONE, NULL, NULL,
	  "IP address which the mqtt broker limits incoming connections on.", NULL, "0.0.0.0", NULL },
	{ "mqtt.external.bind.interface", CFG_STR, CFG_NONE, NULL, NULL,
	  "Name of network interface, which the mqtt broker limits incoming connections on.",
	  NULL, "wlan0", check_iface },
	{ "mqtt.external.ca_path", CFG_PATH, CFG_NONE, NULL, NULL,
	  "Path to a file containing the PEM encoded CA certificates that are trusted when checking incoming client certificates.",
	  NULL, "/etc/ssl/certs", check_mosq_path },
	{ "mqtt.external.cert_file", CFG_PATH, CFG_NONE, NULL, NULL,
	  "Path to the certificate file, which is used by the external MQTT listener.",
	  "This setting shall be used together with `mqtt.external.key_file` for external connections.",
	  "/etc/tedge/device-certs/tedge-certificate.pem", check_mosq_path },
	{ "mqtt.external.key_file", CFG_PATH, CFG_NONE, NULL, NULL,
	  "Path to the private key file, which is used by the external MQTT listener.",
	  "This setting shall be used together with `mqtt.external.cert_file` for external connections.",
	  "/etc/tedge/device-certs/tedge-private-key.pem", check_mosq_path },
	{ "mqtt.broker.config_path", CFG_PATH, CFG_CONST, "/etc/mosquitto/mosquitto.conf", NULL,
	  "The main mosquitto configuration file, which `tedge init` makes include the tedge configuration.",
	  NULL, "/etc/mosquitto/mosquitto.conf", NULL },
	{ "http.bind.port", CFG_PORT, CFG_CONST, "8000", NULL,
	  "HTTP server port used by the File Transfer Service.", NULL, "8000", NULL },
	{ "http.bind.address", CFG_IP, CFG_KEY, "mqtt.bind.address", NULL,
	  "The address the HTTP server binds to for internal use.", NULL, "127.0.0.1", NULL },
	{ "http.client.port", CFG_PORT, CFG_CONST, "8000", NULL,
	  "The port number on the remote host on which the File Transfer Service HTTP server is running.",
	  NULL, "8000", NULL },
	{ "http.client.host", CFG_STR, CFG_CONST, "127.0.0.1", NULL,
	  "The address of the host on which the File Transfer Service HTTP server is running.",
	  NULL, "127.0.0.1,192.168.1.2,tedge-hostname", NULL },
	{ "software.plugin.default", CFG_STR, CFG_NONE, NULL, NULL,
	  "The default software plugin to be used for software management on the device.",
	  NULL, "apt", NULL },
	{ "software.plugin.max_packages", CFG_U32, CFG_CONST, "1000", NULL,
	  "The maximum number of software packages reported for each type of software package.",
	  NULL, "1000", NULL },
	{ "run.path", CFG_PATH, CFG_CONST, "/run", NULL,
	  "The directory used to store runtime information, such as file locks.", NULL, "/run", NULL },
	{ "run.lock_files", CFG_BOOL, CFG_CONST, "true", NULL,
	  "Whether to create a lock file or not.", NULL, "true", NULL },
	{ "logs.path", CFG_PATH, CFG_CONST, "/var/log/tedge", NULL,
	  "The directory used to store logs.", NULL, "/var/log/tedge", NULL },
	{ "tmp.path", CFG_PATH, CFG_CONST, "/tmp", NULL,
	  "The temporary directory used to download files to the device.", NULL, "/tmp", NULL },
	{ "data.path", CFG_PATH, CFG_CONST, "/var/tedge", NULL,
	  "The directory used to store data like cached files, runtime metadata, etc.", NULL,
	  "/var/tedge", NULL },
	{ "firmware.child.update.timeout", CFG_DURATION, CFG_CONST, "1h", NULL,
	  "The timeout limit in seconds for firmware update operations on child devices.", NULL,
	  "1h,3600", NULL },
	{ "service.type", CFG_STR, CFG_CONST, "service", NULL,
	  "The thin-edge.io service's service type.", NULL, "service", NULL },
	{ "service.manager", CFG_ENUM, CFG_CONST, "auto", "auto,systemd,openrc,runit,sysv,custom",
	  "The service manager tedge-svc drives; auto looks for the one that is running.", NULL,
	  "auto,systemd,openrc,runit,sysv,custom", NULL },
	{ "apt.name", CFG_STR, CFG_NONE, NULL, NULL,
	  "The filtering criterion that is used to filter packages list output by name.", NULL,
	  "tedge.*", NULL },
	{ "apt.maintainer", CFG_STR, CFG_NONE, NULL, NULL,
	  "The filtering criterion that is used to filter packages list output by maintainer.", NULL,
	  "thin-edge.io team.*", NULL },
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
static const struct { const char *from, *to; } migrations[] = {
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

/* Toolkit variables that share the TEDGE_ prefix but are not keys. */
static const char *const not_keys[] = {
	"CONFIG_DIR", "CLOUD_PROFILE", "ERROR_CONTEXT", "EXEC_PATH", "DEBUG",
	"SVC_ROOT", "SVC_INITDIR", "QUIET_UNKNOWN_KEYS", "CHECK_KERNEL_LOG",
};

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

const struct cfg_key *
cfg_key_find(const char *name, int *deprecated)
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

char *
quote_debug(const char *s)
{
	char *out = xmalloc(strlen(s) * 6 + 3), *o = out;

	*o++ = '"';
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			o += sprintf(o, "\\%c", c);
		else if (c == '\n')
			o += sprintf(o, "\\n");
		else if (c == '\r')
			o += sprintf(o, "\\r");
		else if (c == '\t')
			o += sprintf(o, "\\t");
		else if (c < 0x20 || c == 0x7f)
			o += sprintf(o, "\\u{%x}", c);
		else
			*o++ = (char)c;
	}
	*o++ = '"';
	*o = '\0';
	return out;
}

int
cfg_check_device_id(const char *id)
{
	static const char ok[] = "'=(),-.?_*@!%";
	const char *p;
	char *q;

	if (!*id)
		return err_push("The empty string cannot be used as a name");
	q = quote_debug(id);
	if (strlen(id) > 64) {
		err_push("The string '%s' is more than 64 characters long and cannot be used as a name", q);
		free(q);
		return -1;
	}
	for (p = id; *p; p++)
		if (!(*p >= 'a' && *p <= 'z') && !(*p >= 'A' && *p <= 'Z') &&
		    !(*p >= '0' && *p <= '9') && !strchr(ok, *p)) {
			err_push("The string '%s' contains characters which cannot be used in a name [use only A-Z, a-z, 0-9, ' = ( ) , - . ? %% * _ ! @]", q);
			free(q);
			return -1;
		}
	free(q);
	return 0;
}

long
utf8_next(const unsigned char **p)
{
	const unsigned char *s = *p;
	unsigned long c;
	int n, i;

	if (*s < 0x80) {
		(*p)++;
		return *s;
	}
	if (*s >= 0xc2 && *s <= 0xdf)
		n = 1, c = *s & 0x1f;
	else if (*s >= 0xe0 && *s <= 0xef)
		n = 2, c = *s & 0x0f;
	else if (*s >= 0xf0 && *s <= 0xf4)
		n = 3, c = *s & 0x07;
	else
		return -1;
	for (i = 1; i <= n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return -1;
		c = c << 6 | (s[i] & 0x3f);
	}
	if ((n == 2 && (c < 0x800 || (c >= 0xd800 && c <= 0xdfff))) ||
	    (n == 3 && (c < 0x10000 || c > 0x10ffff)))
		return -1;
	*p = s + n + 1;
	return (long)c;
}

enum { TEXT_OK, TEXT_LONG, TEXT_CTRL, TEXT_UTF8, TEXT_C1, TEXT_NONCHAR };

static int nonchar(long c);

/*
 * The first fault of s as a value: longer than max bytes, a control
 * character (*what the byte), invalid UTF-8, a C1 control (*what the code
 * point), or, with nonchars, a noncharacter. The one scanner; callers say
 * it in their words.
 */
static int
text_fault(const char *s, size_t max, int nonchars, unsigned long *what)
{
	const unsigned char *p = (const unsigned char *)s;
	long c;

	if (strlen(s) > max)
		return TEXT_LONG;
	while (*p) {
		*what = *p;
		if (*p < 0x20 || *p == 0x7f)
			return TEXT_CTRL;
		if ((c = utf8_next(&p)) < 0)
			return TEXT_UTF8;
		*what = (unsigned long)c;
		if (c >= 0x80 && c < 0xa0)
			return TEXT_C1;
		if (nonchars && nonchar(c))
			return TEXT_NONCHAR;
	}
	return TEXT_OK;
}

/* Valid UTF-8 with no control character: what every value must be. */
static int
check_text(const char *s)
{
	unsigned long w;

	switch (text_fault(s, VALUE_MAX, 0, &w)) {
	case TEXT_LONG:
		return err_push("the value is longer than %d bytes", VALUE_MAX);
	case TEXT_CTRL:
		return err_push("the value contains a control character (byte 0x%02lx); newlines, tabs and other control characters are not allowed",
		    w);
	case TEXT_UTF8:
		return err_push("the value is not valid UTF-8");
	case TEXT_C1:
		return err_push("the value contains a control character (U+%04lX)", w);
	}
	return 0;
}

/* Rust's u16/u32 parsing and its messages. */
static int
parse_uint(const char *s, unsigned long max, int nonzero, unsigned long *out)
{
	unsigned long v = 0;
	const char *p = s;

	if (*p == '+')
		p++;
	if (!*p)
		return err_push(*s ? "invalid digit found in string" :
		    "cannot parse integer from empty string");
	for (; *p; p++) {
		if (*p < '0' || *p > '9')
			return err_push("invalid digit found in string");
		v = v * 10 + (unsigned long)(*p - '0');
		if (v > max)
			return err_push("number too large to fit in target type");
	}
	if (nonzero && v == 0)
		return err_push("number would be zero for non-zero type");
	*out = v;
	return 0;
}

static int
bad_domain(const char *in)
{
	return err_push("Could not parse provided URL: '%s' as a valid domain name.\n"
	    "         Provided URL should contain only domain, eg: 'subdomain.cumulocity.com'.", in);
}

/*
 * A host name or IP literal, as the WHATWG URL parser takes a host, but
 * narrower: ASCII letters, digits, '-', '_' and '.'; a last label of digits
 * means the whole must be a dotted-quad IPv4 address; [v6] is accepted.
 */
static int
check_host(const char *h, size_t n)
{
	char buf[256], tmp[16];
	const char *last;
	size_t i;
	int digits;

	if (n == 0 || n >= sizeof(buf))
		return -1;
	memcpy(buf, h, n);
	buf[n] = '\0';
	if (buf[0] == '[')
		return buf[n - 1] == ']' && n > 2 &&
		    (buf[n - 1] = '\0', inet_pton(AF_INET6, buf + 1, tmp) == 1) ? 0 : -1;
	for (i = 0; i < n; i++)
		if (!((buf[i] >= 'a' && buf[i] <= 'z') || (buf[i] >= 'A' && buf[i] <= 'Z') ||
		    (buf[i] >= '0' && buf[i] <= '9') || buf[i] == '-' || buf[i] == '_' ||
		    buf[i] == '.'))
			return -1;
	if (buf[0] == '.' || strstr(buf, ".."))
		return -1;
	last = strrchr(buf, '.');
	last = last && last[1] ? last + 1 : buf;
	if (last == buf + n - 1 && *last == '.')
		return -1;
	for (digits = 1, i = 0; last[i] && last[i] != '.'; i++)
		if (last[i] < '0' || last[i] > '9')
			digits = 0;
	if (digits && inet_pton(AF_INET, buf, tmp) != 1)
		return -1;
	return 0;
}

/* Seconds in a humantime duration ("60", "60s", "1h 30m", "365d"). */
static int
parse_duration(const char *s, unsigned long long *out)
{
	static const struct { const char *u; unsigned long long mul; } units[] = {
		{ "s", 1 }, { "sec", 1 }, { "secs", 1 }, { "second", 1 }, { "seconds", 1 },
		{ "m", 60 }, { "min", 60 }, { "mins", 60 }, { "minute", 60 }, { "minutes", 60 },
		{ "h", 3600 }, { "hr", 3600 }, { "hrs", 3600 }, { "hour", 3600 }, { "hours", 3600 },
		{ "d", 86400 }, { "day", 86400 }, { "days", 86400 },
		{ "w", 604800 }, { "week", 604800 }, { "weeks", 604800 },
		{ "M", 2630016 }, { "month", 2630016 }, { "months", 2630016 },
		{ "y", 31557600 }, { "year", 31557600 }, { "years", 31557600 },
	};
	unsigned long long total = 0, v;
	const char *p = s, *u;
	size_t i, ulen;
	int any = 0;

	for (v = 0; *p >= '0' && *p <= '9'; p++)
		if ((v = v * 10 + (unsigned long long)(*p - '0')) > 1ULL << 53)
			return err_push("number is too large");
	if (!*p && p > s) {	/* a plain integer is seconds */
		*out = v;
		return 0;
	}
	for (p = s; *p; ) {
		while (*p == ' ')
			p++;
		if (!*p)
			break;
		if (*p < '0' || *p > '9')
			return err_push("expected number at %d", (int)(p - s));
		for (v = 0; *p >= '0' && *p <= '9'; p++)
			if ((v = v * 10 + (unsigned long long)(*p - '0')) > 1ULL << 53)
				return err_push("number is too large");
		while (*p == ' ')
			p++;
		for (u = p; (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z'); p++)
			;
		ulen = (size_t)(p - u);
		if (ulen == 0)
			return err_push("time unit needed, for example %llusec or %llums", v, v);
		for (i = 0; i < LEN(units); i++)
			if (strlen(units[i].u) == ulen && !strncmp(units[i].u, u, ulen))
				break;
		if (i == LEN(units))
			return err_push("unknown time unit \"%.*s\", supported units: sec, min, hours, days, weeks, months, years (and few variations)",
			    (int)ulen, u);
		if (v > (1ULL << 53) / units[i].mul || total + v * units[i].mul > 1ULL << 53)
			return err_push("number is too large");
		total += v * units[i].mul;
		any = 1;
	}
	if (!any)
		return err_push("value was empty");
	*out = total;
	return 0;
}

int
cfg_duration_secs(const char *val, unsigned long long *secs)
{
	return parse_duration(val, secs);
}

/*
 * The checks of the keys whose values end up in a mosquitto file
 * (tedge-bridge-gen): what mosquitto would misread. They run after the
 * type's own check, on the canonical value, so that `tedge config set`
 * refuses what tedge-bridge-gen would, with the same words, and
 * tedge-bridge-gen runs them again on what it reads (defaults included).
 */

/* U+FDD0..U+FDEF and U+xxFFFE/U+xxFFFF, which mosquitto refuses. */
static int
nonchar(long c)
{
	return (c >= 0xfdd0 && c <= 0xfdef) || (c & 0xfffe) == 0xfffe;
}

/* Text mosquitto reads back as it was written: one line, valid UTF-8
 * without control characters or noncharacters, at most max bytes. */
static int
check_mosq_text(const char *s, size_t max)
{
	unsigned long w;

	switch (text_fault(s, max, 1, &w)) {
	case TEXT_LONG:
		return err_push("the value is longer than %zu bytes", max);
	case TEXT_CTRL:
		return err_push("the value holds a control character (byte 0x%02lx): mosquitto reads one setting per line",
		    w);
	case TEXT_UTF8:
		return err_push("the value is not valid UTF-8");
	case TEXT_C1:
		return err_push("the value holds a control character (U+%04lX)", w);
	case TEXT_NONCHAR:
		return err_push("the value holds the noncharacter U+%04lX, which mosquitto refuses", w);
	}
	return 0;
}

static int
check_mosq_path(const char *s)
{
	size_t n = strlen(s);

	if (check_mosq_text(s, PATH_MAX - 1) < 0)
		return -1;
	if (s[0] != '/')
		return err_push("the path must be absolute: mosquitto resolves relative paths against its own working directory");
	/* mosquitto strips blanks around a string option (2.0.11 only the
	 * leading ones, later releases both): the path would change. */
	if (n && strchr(" \t\n\v\f\r", s[n - 1]))
		return err_push("the path ends with a blank, which mosquitto would strip");
	return 0;
}

int
cfg_check_mosq_path(const char *s)
{
	return check_mosq_path(s);
}

/* A host name, an IPv4 address or an IPv6 address in brackets: what the
 * address line can carry (mosquitto splits it at blanks and at the last
 * colon, and a '#' there starts a comment). n bytes of s. */
static int
check_mosq_hostn(const char *s, size_t n)
{
	char buf[256], tmp[16];
	const char *last;
	size_t i;
	int digits = 1;

	if (n == 0)
		return err_push("the host is empty");
	if (n > 253)
		return err_push("the host is longer than 253 characters");
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (buf[0] == '[') {
		if (n < 3 || buf[n - 1] != ']')
			return err_push("not an IPv6 address in brackets");
		buf[n - 1] = '\0';
		if (inet_pton(AF_INET6, buf + 1, tmp) != 1)
			return err_push("not an IPv6 address in brackets");
		return 0;
	}
	for (i = 0; i < n; i++)
		if (!((buf[i] >= 'a' && buf[i] <= 'z') || (buf[i] >= 'A' && buf[i] <= 'Z') ||
		    (buf[i] >= '0' && buf[i] <= '9') || buf[i] == '-' || buf[i] == '_' ||
		    buf[i] == '.'))
			return err_push("a host name holds only letters, digits, '-', '_' and '.'");
	if (buf[0] == '.' || buf[0] == '-' || strstr(buf, ".."))
		return err_push("a host name cannot start with '.' or '-', nor hold an empty label");
	/* A last label of digits makes it an IPv4 address, which must be
	 * whole (WHATWG URL rules, as thin-edge). */
	last = strrchr(buf, '.');
	last = last && last[1] ? last + 1 : buf;
	for (i = 0; last[i] && last[i] != '.'; i++)
		if (last[i] < '0' || last[i] > '9')
			digits = 0;
	if (digits && inet_pton(AF_INET, buf, tmp) != 1)
		return err_push("not a valid IPv4 address");
	return 0;
}

static int
check_mosq_host(const char *s)
{
	return check_mosq_hostn(s, strlen(s));
}

static int
check_mosq_port(const char *s)
{
	unsigned long v = 0;
	const char *p;

	if (!*s)
		return err_push("the port is empty");
	for (p = s; *p; p++)
		if (*p < '0' || *p > '9' || (v = v * 10 + (unsigned long)(*p - '0')) > 65535)
			return err_push("the port must be a number from 1 to 65535");
	/* Port 0 makes mosquitto's listener a Unix socket, and a bridge
	 * address with port 0 is refused. */
	if (v == 0)
		return err_push("the port must be a number from 1 to 65535");
	return 0;
}

/* host[:port], [v6][:port]: split where mosquitto's address line is. */
static int
check_mosq_hostport(const char *s)
{
	const char *colon;

	if (s[0] == '[') {
		colon = strstr(s, "]:");
		colon = colon ? colon + 1 : NULL;
	} else {
		colon = strrchr(s, ':');
	}
	if (check_mosq_hostn(s, colon ? (size_t)(colon - s) : strlen(s)) < 0)
		return -1;
	return colon ? check_mosq_port(colon + 1) : 0;
}

/* A network interface name as Linux accepts one (dev_valid_name), in the
 * printable ASCII mosquitto's one-token options can hold. */
static int
check_iface(const char *s)
{
	const char *p;

	if (check_mosq_text(s, VALUE_MAX) < 0)
		return -1;
	if (!*s || strlen(s) > 15 || !strcmp(s, ".") || !strcmp(s, ".."))
		return err_push("an interface name has 1 to 15 characters");
	for (p = s; *p; p++)
		if (*p <= ' ' || *p > '~' || *p == '/' || *p == ':' || *p == '#')
			return err_push("an interface name holds no blank, '/', ':' or '#'");
	return 0;
}

/* A SmartREST template id becomes one level of a bridge topic pattern:
 * mosquitto splits the topic line at blanks, reads "" as empty, and takes
 * '+' and '#' as wildcards. */
static int
check_template(const char *s)
{
	const char *p;

	if (check_mosq_text(s, VALUE_MAX) < 0)
		return -1;
	if (!*s)
		return err_push("a template id cannot be empty");
	for (p = s; *p; p++)
		if (*p == ' ' || *p == '/' || *p == '+' || *p == '#' || *p == '"')
			return err_push("a template id holds no blank, '/', '+', '#' or '\"': it is one level of an MQTT topic");
	return 0;
}

/* A list value: its items, one a line. */
static int
check_templates(const char *s)
{
	char item[VALUE_MAX + 1];
	const char *p, *e;
	size_t n;

	for (p = s; *p; p = *e ? e + 1 : e) {
		e = p + strcspn(p, "\n");
		n = (size_t)(e - p);
		if (n > VALUE_MAX)
			return err_push("the value is longer than %d bytes", VALUE_MAX);
		memcpy(item, p, n);
		item[n] = '\0';
		if (check_template(item) < 0)
			return -1;
	}
	return 0;
}

static int
check_keepalive(const char *s)
{
	unsigned long long secs;

	if (parse_duration(s, &secs) < 0)
		return -1;
	if (secs > 65535)
		return err_push("mosquitto takes a keepalive_interval of at most 65535 seconds, not %llu", secs);
	return 0;
}

/* O and OU of a certificate subject: X.509's upper bound (RFC 5280,
 * ub-organization-name, ub-organizational-unit-name), in characters, as
 * OpenSSL counts them. Empty leaves the attribute out. */
static int
check_x509_name(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = 0;

	while (*p && utf8_next(&p) >= 0)
		n++;
	if (n > 64)
		return err_push("a certificate subject takes at most 64 characters here (X.509), not %zu",
		    n);
	return 0;
}

/* The last time X.509 can encode (GeneralizedTime has four digits for
 * the year): 9999-12-31T23:59:59Z. */
#define X509_TIME_MAX 253402300799LL

int
cfg_validity_days(const char *val, long *days)
{
	unsigned long long secs, d;
	long long end;

	if (parse_duration(val, &secs) < 0)
		return -1;
	/* Whole days, at least one: what `tedge cert create` asks for. The
	 * certificate runs from a day back to days - 1 days from now. */
	d = secs / 86400 ? secs / 86400 : 1;
	end = (long long)time(NULL) + 86400LL * (long long)(d > 3000000 ? 3000000 : d - 1);
	if (d > 3000000 || end > X509_TIME_MAX)
		return err_push("a certificate made now for %llu days would end after 9999-12-31T23:59:59Z, the last time X.509 can encode: at most %lld days",
		    d, (X509_TIME_MAX - (long long)time(NULL)) / 86400 + 1);
	*days = (long)d;
	return 0;
}

static int
check_validity(const char *s)
{
	long days;

	return cfg_validity_days(s, &days);
}

/* An entity topic id: at most 4 segments, padded with '/' to 4, a valid
 * MQTT topic name (no wildcard). Canonical form in *out. */
static int
parse_topic_id(const char *in, char **out)
{
	const char *p;
	size_t slashes = 0;

	for (p = in; *p; p++) {
		if (*p == '/')
			slashes++;
		else if (*p == '+' || *p == '#')
			return err_push("An entity topic identifier must be a valid MQTT topic");
	}
	if (slashes > 3)
		return err_push("An entity topic identifier has at most 4 segments");
	*out = xasprintf("%s%.*s", in, (int)(3 - slashes), "///");
	return 0;
}

/* "HHHHHHHH.N": the name OpenSSL looks a certificate up by in a CA
 * directory (c_rehash, `openssl rehash`). */
static int
hash_link_name(const char *n)
{
	size_t i;

	for (i = 0; i < 8; i++)
		if (!((n[i] >= '0' && n[i] <= '9') || (n[i] >= 'a' && n[i] <= 'f')))
			return 0;
	if (n[8] != '.' || !n[9])
		return 0;
	for (i = 9; n[i]; i++)
		if (n[i] < '0' || n[i] > '9')
			return 0;
	return 1;
}

/* 1 when path is a regular file with a PEM certificate in its first
 * 64 KiB. Never blocks on a FIFO, pushes nothing. */
static int
holds_cert(const char *path)
{
	char buf[65537];
	struct stat st;
	ssize_t r;
	size_t n = 0;
	int fd;

	if ((fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC)) < 0)
		return 0;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return 0;
	}
	while (n < sizeof(buf) - 1 && (r = read(fd, buf + n, sizeof(buf) - 1 - n)) != 0) {
		if (r < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		n += (size_t)r;
	}
	close(fd);
	buf[n] = '\0';
	return strstr(buf, "-----BEGIN CERTIFICATE-----") ||
	    strstr(buf, "-----BEGIN TRUSTED CERTIFICATE-----");
}

int
cfg_check_capath(const char *key, const char *dir)
{
	struct dirent *d;
	int links = 0, certs = 0;
	DIR *dp;
	char *p;

	if (!(dp = opendir(dir)))
		return 0;
	while (!links && (d = readdir(dp)))
		links = hash_link_name(d->d_name);
	if (!links) {
		rewinddir(dp);
		while (!certs && (d = readdir(dp))) {
			if (d->d_name[0] == '.')
				continue;
			p = path_join(dir, d->d_name);
			certs = holds_cert(p);
			free(p);
		}
	}
	closedir(dp);
	if (links || !certs)
		return 0;
	return err_push("'%s' is the directory %s: it holds certificates but no hash links (HHHHHHHH.0), by which mosquitto, as OpenSSL, finds them. Run `openssl rehash %s`, or set '%s' to a file.",
	    key, dir, dir, key);
}

static int
wildcard(const char *ip)
{
	return !strcmp(ip, "0.0.0.0") || !strcmp(ip, "::");
}

int
cfg_check_listeners(struct cfg *c)
{
	char *on = NULL, *port = NULL, *addr = NULL, *xport = NULL, *xaddr = NULL;
	int r = 0, rx;

	if (cfg_get_str(c, "mqtt.bind.enabled", &on) < 0 ||
	    cfg_get_str(c, "mqtt.bind.port", &port) < 0 ||
	    cfg_get_str(c, "mqtt.bind.address", &addr) < 0 ||
	    (rx = cfg_get_str(c, "mqtt.external.bind.port", &xport)) < 0 ||
	    cfg_get_str(c, "mqtt.external.bind.address", &xaddr) < 0) {
		r = -1;
		goto out;
	}
	/* Without an address the external listener takes them all. */
	if (rx == 0 && on && strcmp(on, "false") && port && addr && !strcmp(port, xport) &&
	    (!xaddr || wildcard(xaddr) || wildcard(addr) || !strcmp(addr, xaddr)))
		r = err_push("'mqtt.external.bind.port' is %s, as 'mqtt.bind.port': mosquitto cannot open both listeners on one port, and would not start. Give one of them another port (or the two listeners different addresses, 'mqtt.bind.address' and 'mqtt.external.bind.address').",
		    xport);
out:
	free(on), free(port), free(addr), free(xport), free(xaddr);
	return r;
}

int
cfg_check(const struct cfg_key *k, const char *val)
{
	return k->check ? k->check(val) : 0;
}

/* Splits "a,b,,c" into "a\nb\nc" (empty items dropped); trim as asked. */
static char *
split_list(const char *in, int trim)
{
	char *out = xmalloc(strlen(in) + 1), *o = out;
	const char *p = in, *e, *b;

	while (*p) {
		e = strchr(p, ',');
		if (!e)
			e = p + strlen(p);
		b = p;
		p = *e ? e + 1 : e;
		if (trim) {
			while (b < e && *b == ' ')
				b++;
			while (e > b && e[-1] == ' ')
				e--;
		}
		if (e == b)
			continue;
		if (o > out)
			*o++ = '\n';
		memcpy(o, b, (size_t)(e - b));
		o += e - b;
	}
	*o = '\0';
	return out;
}

/* The type's own check and canonical form. */
static int
parse_type(const struct cfg_key *k, const char *in, char **out)
{
	char buf[INET6_ADDRSTRLEN], bin[16];
	unsigned long long d;
	unsigned long u;
	const char *colon;

	if (check_text(in) < 0)
		return -1;
	switch (k->type) {
	case CFG_STR:
	case CFG_DEVICE_ID:	/* its rules are the key's check */
		break;
	case CFG_TOPIC_ID:
		return parse_topic_id(in, out);
	case CFG_PATH:
		if (!*in)
			return err_push("the path cannot be empty");
		return (*out = path_clean(in)) ? 0 : -1;
	case CFG_DOMAIN:
		if (check_host(in, strlen(in)) < 0)
			return bad_domain(in);
		break;
	case CFG_HOSTPORT:
		colon = in[0] == '[' ? strstr(in, "]:") : strchr(in, ':');
		if (colon && in[0] == '[')
			colon++;
		if (check_host(in, colon ? (size_t)(colon - in) : strlen(in)) < 0)
			return err_push("Could not parse hostname");
		if (colon && (parse_uint(colon + 1, 65535, 0, &u) < 0 ||
		    !colon[1] || colon[1] == '+')) {
			err_clear();
			return err_push("Could not parse port");
		}
		break;
	case CFG_PORT:
	case CFG_PORT_NZ:
		if (parse_uint(in, 65535, k->type == CFG_PORT_NZ, &u) < 0)
			return -1;
		*out = xasprintf("%lu", u);
		return 0;
	case CFG_U32:
		if (parse_uint(in, 4294967295UL, 0, &u) < 0)
			return -1;
		*out = xasprintf("%lu", u);
		return 0;
	case CFG_BOOL:
		if (strcmp(in, "true") && strcmp(in, "false"))
			return err_push("provided string was not `true` or `false`");
		break;
	case CFG_IP:
		if (inet_pton(AF_INET, in, bin) == 1)
			inet_ntop(AF_INET, bin, buf, sizeof(buf));
		else if (inet_pton(AF_INET6, in, bin) == 1)
			inet_ntop(AF_INET6, bin, buf, sizeof(buf));
		else
			return err_push("invalid IP address syntax");
		*out = xstrdup(buf);
		return 0;
	case CFG_LIST:
		*out = split_list(in, 0);
		return 0;
	case CFG_DURATION:
		if (parse_duration(in, &d) < 0)
			return -1;
		break;
	case CFG_ENUM: {
		size_t n = strlen(in);
		const char *c = k->choices, *e;
		for (; *c; c = *e ? e + 1 : e) {
			e = strchr(c, ',');
			if (!e)
				e = c + strlen(c);
			if ((size_t)(e - c) == n && !strncmp(c, in, n))
				break;
		}
		if (!*c) {
			/* "a,b,c" reads "a, b, c" in the message */
			char *list = xmalloc(strlen(k->choices) * 2 + 1), *o = list;
			for (c = k->choices; *c; c++) {
				*o++ = *c;
				if (*c == ',')
					*o++ = ' ';
			}
			*o = '\0';
			err_push("Failed to parse flag: %s. Supported values are: %s", in, list);
			free(list);
			return -1;
		}
		break;
	}
	}
	*out = xstrdup(in);
	return 0;
}

/* The one judgement of a value for k: its type, then the key's check. */
static int
parse_value(const struct cfg_key *k, const char *in, char **out)
{
	if (parse_type(k, in, out) < 0)
		return -1;
	if (cfg_check(k, *out) < 0) {
		FREE(*out);
		return -1;
	}
	return 0;
}

int
cfg_parse(const struct cfg_key *k, const char *in, char **out)
{
	size_t n = err_count();

	if (parse_value(k, in, out) == 0)
		return 0;
	if (err_count() == n)
		err_push("invalid value");
	return err_push("Failed to parse input");
}

/* The canonical text of a TOML value for key k, by the type's rules. */
static int
toml_text(const struct cfg_key *k, const struct toml *t, char **out)
{
	char *joined, *p;
	size_t i, len;
	int r;

	switch (t->type) {
	case TOML_STRING:
		if (k->type == CFG_LIST) {
			if (check_text(t->s) < 0)
				return -1;
			*out = split_list(t->s, 1);
			return 0;
		}
		if (k->type == CFG_ENUM && !strcmp(k->name, "c8y.bridge.include.local_cleansession")) {
			/* thin-edge writes this one capitalised */
			char *low = xstrdup(t->s);
			for (p = low; *p; p++)
				*p = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
			r = parse_type(k, low, out);
			free(low);
			return r;
		}
		return parse_type(k, t->s, out);
	case TOML_INT: {
		char buf[32];
		if (k->type != CFG_PORT && k->type != CFG_PORT_NZ && k->type != CFG_U32 &&
		    k->type != CFG_DURATION)
			break;
		if (t->i < 0)
			return err_push("invalid digit found in string");
		snprintf(buf, sizeof(buf), "%lld", t->i);
		return parse_type(k, buf, out);
	}
	case TOML_BOOL:
		if (k->type != CFG_BOOL)
			break;
		*out = xstrdup(t->i ? "true" : "false");
		return 0;
	case TOML_ARRAY:
		if (k->type != CFG_LIST)
			break;
		for (len = 1, i = 0; i < t->nkid; i++) {
			if (t->kid[i]->type != TOML_STRING)
				return err_push("expected an array of strings");
			if (check_text(t->kid[i]->s) < 0)
				return -1;
			len += strlen(t->kid[i]->s) + 1;
		}
		joined = p = xmalloc(len);
		*p = '\0';
		for (i = 0; i < t->nkid; i++) {
			if (!*t->kid[i]->s)
				continue;
			p += sprintf(p, "%s%s", p > joined ? "\n" : "", t->kid[i]->s);
		}
		*out = joined;
		return 0;
	default:
		break;
	}
	return err_push("unexpected TOML type for this key");
}

/* The text of a TOML value for key k, judged as a value set would be. */
static int
from_toml(const struct cfg_key *k, const struct toml *t, char **out)
{
	if (toml_text(k, t, out) < 0)
		return -1;
	if (cfg_check(k, *out) < 0) {
		FREE(*out);
		return -1;
	}
	return 0;
}

static struct toml *
to_toml(const struct cfg_key *k, const char *val)
{
	struct toml *t;
	const char *p, *e;
	char *item;

	switch (k->type) {
	case CFG_PORT:
	case CFG_PORT_NZ:
	case CFG_U32:
		return toml_new_int(strtoll(val, NULL, 10));
	case CFG_BOOL:
		return toml_new_bool(!strcmp(val, "true"));
	case CFG_LIST:
		if (!(t = toml_new(TOML_ARRAY)))
			return NULL;
		for (p = val; *p; p = *e ? e + 1 : e) {
			e = strchr(p, '\n');
			if (!e)
				e = p + strlen(p);
			item = xstrndup(p, (size_t)(e - p));
			if (toml_push(t, toml_new_string(item)) < 0) {
				free(item);
				toml_free(t);
				return NULL;
			}
			free(item);
		}
		return t;
	case CFG_ENUM:
		if (!strcmp(k->name, "c8y.bridge.include.local_cleansession")) {
			/* As thin-edge serialises it, so thin-edge can read it. */
			char cap[8];
			snprintf(cap, sizeof(cap), "%c%s", val[0] - 32, val + 1);
			return toml_new_string(cap);
		}
		return toml_new_string(val);
	default:
		return toml_new_string(val);
	}
}

static const char *
type_name(enum toml_type t)
{
	switch (t) {
	case TOML_TABLE: return "a table";
	case TOML_ARRAY: return "an array";
	case TOML_STRING: return "a string";
	case TOML_INT: return "an integer";
	case TOML_BOOL: return "a boolean";
	case TOML_FLOAT: return "a float";
	case TOML_DATETIME: return "a date-time";
	}
	return "a value";
}

/*
 * What keeps a value from being stored at the dotted path: pushes "'<step>'
 * in <file> is <type>, where a table is expected" for the first step of the
 * path that holds something else than a table, and returns -1; 0 when
 * nothing is in the way.
 */
static int
in_the_way(const struct toml *doc, const char *path, const char *file)
{
	const struct toml *t = doc;
	const char *p = path, *dot;
	char *k;

	while ((dot = strchr(p, '.'))) {
		k = xstrndup(p, (size_t)(dot - p));
		t = toml_get(t, k);
		free(k);
		if (!t)
			return 0;
		if (t->type != TOML_TABLE) {
			err_push("'%.*s' in %s is %s, where a table is expected",
			    (int)(dot - path), path, file, type_name(t->type));
			return -1;
		}
		p = dot + 1;
	}
	return 0;
}

/* Moves the keys of a 0.10/0.11 file where 0.12+ expects them. */
static int
migrate(struct toml *doc, const char *file)
{
	struct toml *ver, *v;
	size_t i;

	/* The one table of ours that is no key's: config.version lives
	 * there, and every write stores it. */
	if ((v = toml_get(doc, "config")) && v->type != TOML_TABLE)
		return err_push("'config' in %s is %s, where a table is expected (it holds version = \"2\")",
		    file, type_name(v->type));
	ver = toml_path_get(doc, "config.version");
	if (ver && ver->type == TOML_STRING && !strcmp(ver->s, "2"))
		return 0;
	if (ver && !(ver->type == TOML_STRING && !strcmp(ver->s, "1")))
		return err_push("Unknown tedge.toml version: %s",
		    ver->type == TOML_STRING ? ver->s : "(not a string)");
	for (i = 0; i < LEN(migrations); i++) {
		if (!(v = toml_path_get(doc, migrations[i].from)))
			continue;
		if (toml_path_get(doc, migrations[i].to))
			return err_push("Cannot migrate '%s' to '%s': target key already exists. Please manually remove one of them from tedge.toml.",
			    migrations[i].from, migrations[i].to);
		if (in_the_way(doc, migrations[i].to, file) < 0)
			return err_push("Cannot migrate '%s' to '%s'",
			    migrations[i].from, migrations[i].to);
		/* Detach v from its table, then attach it at the new path. */
		{
			char *parent = xstrdup(migrations[i].from), *dot;
			struct toml *tab;
			size_t j;
			dot = strrchr(parent, '.');
			*dot = '\0';
			tab = toml_path_get(doc, parent);
			for (j = 0; j < tab->nkid; j++)
				if (tab->kid[j] == v)
					break;
			memmove(tab->kid + j, tab->kid + j + 1,
			    (tab->nkid - j - 1) * sizeof(*tab->kid));
			tab->nkid--;
			free(v->key);
			v->key = NULL;
			if (tab->nkid == 0)
				toml_path_unset(doc, parent);
			free(parent);
			if (toml_path_set(doc, migrations[i].to, v) < 0)
				return err_push("out of memory");
		}
	}
	return 0;
}

/* Records an unknown key (and the variable it came from; NULL: the file).
 * Takes both strings. */
static void
add_unknown(struct cfg *c, char *key, char *var)
{
	c->unknown = xrealloc(c->unknown, (c->nunknown + 1) * sizeof(*c->unknown));
	c->unknown[c->nunknown].key = key;
	c->unknown[c->nunknown].var = var;
	c->nunknown++;
}

/* 1 when the dotted path names a key, 2 when it is a table on the way to
 * one, else 0. */
static int
known_path(const char *path)
{
	size_t i, n = strlen(path);
	int r = 0;

	if (!strcmp(path, "config.version"))
		return 1;
	if (!strcmp(path, "config"))
		return 2;
	for (i = 0; i < cfg_nkeys; i++)
		if (!strncmp(cfg_keys[i].name, path, n)) {
			if (!cfg_keys[i].name[n])
				return 1;
			if (cfg_keys[i].name[n] == '.')
				r = 2;
		}
	return r;
}

/*
 * Records what the file holds that is no key of ours, as thin-edge names
 * it: the first step of a path that leads to no key ("apt.name" under a
 * known table, "flows" for a whole unknown table). It is kept all the
 * same; the programs tell the user.
 */
static void
find_unknown(struct cfg *c, const struct toml *t, const char *path)
{
	char *p;
	size_t i;
	int r;

	for (i = 0; i < t->nkid; i++) {
		p = *path ? xasprintf("%s.%s", path, t->kid[i]->key) : xstrdup(t->kid[i]->key);
		r = known_path(p);
		if (r == 2 && t->kid[i]->type == TOML_TABLE)
			find_unknown(c, t->kid[i], p);
		if (r == 0 || (r == 2 && t->kid[i]->type != TOML_TABLE))
			add_unknown(c, p, NULL);
		else
			free(p);
	}
}

static int
env_overrides(struct cfg *c)
{
	extern char **environ;
	char **e, name[128], *canon;
	const struct cfg_key *k;
	const char *eq;
	size_t i, n;

	for (e = environ; *e; e++) {
		if (strncmp(*e, "TEDGE_", 6) || !(eq = strchr(*e, '=')))
			continue;
		n = (size_t)(eq - *e) - 6;
		for (i = 0; i < LEN(not_keys); i++)
			if (strlen(not_keys[i]) == n && !strncmp(*e + 6, not_keys[i], n))
				break;
		if (i < LEN(not_keys) || n >= sizeof(name))
			continue;
		for (i = 0; i < n; i++) {
			char ch = (*e)[6 + i];
			name[i] = ch >= 'A' && ch <= 'Z' ? (char)(ch + 32) : ch;
		}
		name[n] = '\0';
		if (!(k = cfg_key_find(name, NULL))) {
			add_unknown(c, xstrdup(name), xstrndup(*e, n + 6));
			continue;
		}
		if (!c->env)
			c->env = xcalloc(cfg_nkeys, sizeof(*c->env));
		i = (size_t)(k - cfg_keys);
		FREE(c->env[i]);
		if (!eq[1]) {
			c->env[i] = xstrdup("");	/* empty: back to the default */
			continue;
		}
		canon = NULL;
		/* A TOML value, as thin-edge takes one: "..." is a string for
		 * any key, [...] an array for a list key. For every other key
		 * '[' is text like any other (an IPv6 "[::1]:8883" works here as
		 * in the file): string keys take strings. */
		if (eq[1] == '"' || (eq[1] == '[' && k->type == CFG_LIST)) {
			char errbuf[160], *doc = xasprintf("v = %s", eq + 1);
			struct toml *t = NULL;
			if (toml_parse(doc, strlen(doc), &t, errbuf, sizeof(errbuf)) < 0)
				err_push("not a TOML %s: %s", eq[1] == '"' ?
				    "string" : "array of strings",
				    strncmp(errbuf, "line 1: ", 8) ? errbuf : errbuf + 8);
			else
				from_toml(k, toml_get(t, "v"), &canon);
			toml_free(t);
			free(doc);
		} else if (cfg_parse(k, eq + 1, &canon) == 0) {
			err_clear();
		}
		if (!canon) {
			char *q = quote_debug(eq + 1);
			err_push("Failed to set value for %s to %s from environment variable %.*s",
			    k->name, q, (int)(n + 6), *e);
			free(q);
			return -1;
		}
		c->env[i] = canon;
	}
	return 0;
}

int
cfg_load(struct cfg *c, const char *dir, int flags)
{
	char errbuf[256], *buf;
	size_t len;

	memset(c, 0, sizeof(*c));
	c->lockfd = -1;
	/* Absolute, so that the paths derived from it are too. */
	if (!(c->dir = path_clean(dir)))
		return -1;
	c->path = path_join(c->dir, "tedge.toml");
	dir = c->dir;
	/* As thin-edge, a first write creates the directory. */
	if ((flags & CFG_WRITE) &&
	    (fs_mkdirp(dir, 0755) < 0 || (c->lockfd = fs_lock_dir(dir)) < 0))
		return -1;
	buf = fs_read(c->path, FILE_MAX, &len);
	if (!buf && errno != ENOENT)
		return -1;
	if (!buf) {
		err_clear();
		if (!(c->doc = toml_new(TOML_TABLE)))
			return err_push("out of memory");
	} else {
		int r = toml_parse(buf, len, &c->doc, errbuf, sizeof(errbuf));
		free(buf);
		if (r < 0) {
			err_push("%s", errbuf);
			return err_push("TOML parse error in %s", c->path);
		}
		if (migrate(c->doc, c->path) < 0)
			return err_push("TOML parse error in %s", c->path);
		find_unknown(c, c->doc, "");
	}
	if ((flags & CFG_ENV) && env_overrides(c) < 0)
		return -1;
	return 0;
}

void
cfg_free(struct cfg *c)
{
	size_t i;

	if (c->env)
		for (i = 0; i < cfg_nkeys; i++)
			free(c->env[i]);
	FREE(c->env);
	for (i = 0; i < c->nunknown; i++) {
		free(c->unknown[i].key);
		free(c->unknown[i].var);
	}
	FREE(c->unknown);
	c->nunknown = 0;
	toml_free(c->doc);
	c->doc = NULL;
	fs_unlock(c->lockfd);
	c->lockfd = -1;
	FREE(c->dir);
	FREE(c->path);
}

static const struct cfg_key *
key_by_name(const char *name)
{
	size_t i;

	for (i = 0; i < cfg_nkeys; i++)
		if (!strcmp(cfg_keys[i].name, name))
			return &cfg_keys[i];
	return NULL;
}

/* The explicit value (environment, then file), without defaults. */
static int
explicit_value(struct cfg *c, const struct cfg_key *k, char **out)
{
	struct toml *t;
	size_t i = (size_t)(k - cfg_keys);

	if (c->env && c->env[i]) {
		if (!*c->env[i])
			return 1;
		*out = xstrdup(c->env[i]);
		return 0;
	}
	if (!(t = toml_path_get(c->doc, k->name)))
		return 1;
	if (from_toml(k, t, out) < 0)
		return err_push("invalid value for '%s' in %s", k->name, c->path);
	return 0;
}

int
cfg_get(struct cfg *c, const struct cfg_key *k, char **out)
{
	char *url, *cn, *cert;
	int r;

	if (k->type == CFG_DEVICE_ID) {
		/* The certificate is the truth; a stored id only stands in
		 * while there is none. */
		if ((r = cfg_get_str(c, "device.cert_path", &cert)) < 0)
			return -1;
		cn = r == 0 ? pem_cert_cn(cert) : NULL;
		free(cert);
		if (cn) {
			*out = cn;
			return 0;
		}
		if (r == 0 && errno != ENOENT)
			return err_push("Derivation for `device.id` failed");
		err_clear();
		return explicit_value(c, k, out);
	}
	r = explicit_value(c, k, out);
	if (r <= 0)
		return r;
	switch (k->dkind) {
	case CFG_NONE:
		return 1;
	case CFG_CONST:
		*out = k->type == CFG_LIST ? split_list(k->dflt, 0) : xstrdup(k->dflt);
		return 0;
	case CFG_KEY:
		return cfg_get(c, key_by_name(k->dflt), out);
	case CFG_IN_DIR:
		*out = path_join(c->dir, k->dflt);
		return 0;
	case CFG_URL_HOST:
		if ((r = cfg_get(c, key_by_name(k->dflt), &url)) != 0)
			return r;
		*out = url;
		return 0;
	}
	return 1;
}

int
cfg_get_str(struct cfg *c, const char *name, char **out)
{
	const struct cfg_key *k = key_by_name(name);

	if (!k)
		return err_push("no such configuration key: %s", name);
	return cfg_get(c, k, out);
}

int
cfg_need(struct cfg *c, const char *name, char **out)
{
	const struct cfg_key *k = key_by_name(name);
	int r = cfg_get_str(c, name, out);
	char *m;

	if (r <= 0)
		return r;
	/* c8y.http and c8y.mqtt come from c8y.url: name the key to set. */
	if (k && k->dkind == CFG_URL_HOST)
		name = k->dflt;
	m = cfg_missing(name);
	err_push("%s", m);
	free(m);
	return -1;
}

char *
cfg_missing(const char *key)
{
	return xasprintf("Required configuration item is not provided '%s', run 'tedge config set %s <value>' to add it to config.",
	    key, key);
}

char *
cfg_render(const struct cfg_key *k, const char *val)
{
	const char *p, *e;
	char *out, *o;
	size_t n;

	if (k->type == CFG_HOSTPORT) {
		p = val[0] == '[' ? strstr(val, "]:") : strchr(val, ':');
		if (!p)
			return xasprintf("%s:%s", val, k->choices);
		return xstrdup(val);
	}
	if (k->type != CFG_LIST)
		return xstrdup(val);
	/* ["a", "b"]: each item quoted and escaped as Rust's Debug does */
	n = 3;
	for (p = val; *p; p++)
		n += *p == '\n' ? 4 : *p == '"' || *p == '\\' ? 2 : 1;
	out = o = xmalloc(n + 4);
	*o++ = '[';
	for (p = val; *p; p = *e ? e + 1 : e) {
		e = strchr(p, '\n');
		if (!e)
			e = p + strlen(p);
		if (p > val)
			*o++ = ',', *o++ = ' ';
		*o++ = '"';
		for (; p < e; p++) {
			if (*p == '"' || *p == '\\')
				*o++ = '\\';
			*o++ = *p;
		}
		*o++ = '"';
	}
	*o++ = ']';
	*o = '\0';
	return out;
}

int
cfg_set(struct cfg *c, const struct cfg_key *k, const char *val)
{
	struct toml *t = to_toml(k, val);

	if (t && in_the_way(c->doc, k->name, c->path) < 0) {
		toml_free(t);
		return err_push("cannot store %s", k->name);
	}
	if (!t || toml_path_set(c->doc, k->name, t) < 0)
		return err_push("cannot store %s: a value in %s is in the way",
		    k->name, c->path);
	return 0;
}

void
cfg_unset(struct cfg *c, const struct cfg_key *k)
{
	toml_path_unset(c->doc, k->name);
}

/* Temporary files of writers that were killed before their rename. Under
 * the writers' lock no one else can be using them. */
static void
remove_stale_temps(const char *dir)
{
	struct dirent *d;
	DIR *dp;
	char *p;

	if (!(dp = opendir(dir)))
		return;
	while ((d = readdir(dp)))
		if (!strncmp(d->d_name, ".tedge.toml.", 12) && strlen(d->d_name) == 18) {
			p = path_join(dir, d->d_name);
			unlink(p);
			free(p);
		}
	closedir(dp);
}

int
cfg_save(struct cfg *c)
{
	struct toml *ver;
	char *text;
	size_t len;
	int r;

	if (c->lockfd < 0)
		return err_push("internal error: %s saved without its lock", c->path);
	if (!(ver = toml_new_string("2")) || toml_path_set(c->doc, "config.version", ver) < 0)
		return err_push("out of memory");
	if (!(text = toml_dump(c->doc, &len)))
		return err_push("out of memory");
	/* What cfg_load would refuse to read back is not written. */
	if (len > FILE_MAX) {
		free(text);
		return err_push("the new %s would be %zu bytes, and tedge.toml can be at most %d bytes to be read: it is left as it was",
		    c->path, len, FILE_MAX);
	}
	remove_stale_temps(c->dir);
	r = fs_write_atomic(c->path, text, len, 0644);
	free(text);
	return r;
}
