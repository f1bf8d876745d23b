/* SPDX-License-Identifier: Apache-2.0 */
/*
 * c8y-responder: the answering side of the Cumulocity stand-in.
 *
 *   c8y-responder -p PORT -d DIR [-i ISS]
 *
 * Connects to the stand-in broker's plain listener on 127.0.0.1:PORT (the
 * cloud's own side) and answers there as the clouds do:
 *
 *   s/uat (any payload)       s/dat: 71,<JWT>, HS256, claims iss (ISS,
 *                             default localhost), sub, tenant, iat, exp;
 *                             sub is t12345/device_<ID> when the device
 *                             is known (a fleet's, below), else
 *                             t12345/device
 *   s/us 100,<id>,<type>      creates the device: a line "<id>,<type>" in
 *                             DIR/devices; for a device already there,
 *                             s/e: 41,100,Device already existing
 *   s/us 123                  s/ds: 124,<ID> (the device's internal id, as
 *                             Cumulocity's static template 123 answers;
 *                             a fleet's ID, else 0)
 *   $iothub/twin/GET/?$rid=N  $iothub/twin/res/200/?$rid=N with a small twin
 *
 * AWS's test-connection needs nothing here: the bridge's out and in topics
 * are the same remote topic, so the broker itself echoes the message back.
 * The stand-in's topics are shared by all devices (Cumulocity's are per
 * connection), so every connected device sees every answer; but a fleet's
 * endpoints (c8y-standin, C8Y_STANDIN_FLEET) bring each device's topics
 * here as up/<ID>/<topic>: those are answered on down/<ID>/<topic>, which
 * reaches that device only. Only there does the responder know who asks
 * (MQTT tells a subscriber nothing of the publisher), so only there does
 * its JWT name the device, as Cumulocity's names its device user; the
 * stand-in's EST re-enrollment (c8y-http.py) reads it.
 *
 * The JWT key is random, made at each start, and written in hex to
 * DIR/jwt.key (0600) so that tests can check signatures. DIR/responder.ready
 * (its PID) appears once the subscriptions are in place. It runs until killed and
 * reconnects if the broker goes away.
 *
 * Exit: 1 when it cannot start; 2 usage.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <mosquitto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#define TENANT "t12345"

static const char *dir, *iss = "localhost";
static unsigned char key[32];
static int ready;
static unsigned long njwt;

static void
fail(const char *what)
{
	fprintf(stderr, "c8y-responder: %s: %s\n", what, strerror(errno));
	exit(1);
}

static char *
path(const char *name)
{
	static char buf[4096];

	if (snprintf(buf, sizeof(buf), "%s/%s", dir, name) >= (int)sizeof(buf)) {
		errno = ENAMETOOLONG;
		fail(dir);
	}
	return buf;
}

/* base64url without padding, as JWTs want it; out holds 4 * n / 3 + 4. */
static size_t
b64url(const unsigned char *in, size_t n, char *out)
{
	static const char a[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	size_t i, o = 0;
	unsigned long v;

	for (i = 0; i + 2 < n; i += 3) {
		v = (unsigned long)in[i] << 16 | (unsigned long)in[i + 1] << 8 | in[i + 2];
		out[o++] = a[v >> 18 & 63];
		out[o++] = a[v >> 12 & 63];
		out[o++] = a[v >> 6 & 63];
		out[o++] = a[v & 63];
	}
	if (n - i == 1) {
		v = (unsigned long)in[i] << 16;
		out[o++] = a[v >> 18 & 63];
		out[o++] = a[v >> 12 & 63];
	} else if (n - i == 2) {
		v = (unsigned long)in[i] << 16 | (unsigned long)in[i + 1] << 8;
		out[o++] = a[v >> 18 & 63];
		out[o++] = a[v >> 12 & 63];
		out[o++] = a[v >> 6 & 63];
	}
	out[o] = '\0';
	return o;
}

/* "71,<header>.<payload>.<signature>" into out, for device (NULL: unknown). */
static void
jwt(char *out, size_t n, const char *device)
{
	static const char header[] = "{\"alg\":\"HS256\",\"typ\":\"JWT\"}";
	char claims[512], signing[1024], sig[64];
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned int maclen = 0;
	long long now = (long long)time(NULL);
	size_t len;

	/* a fleet's ids are [A-Za-z0-9_.-]: anything else would need escaping */
	if (device && (!*device || strspn(device, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789_.-") != strlen(device)))
		device = NULL;
	snprintf(claims, sizeof(claims),
	    "{\"iss\":\"%s\",\"sub\":\"%s/device%s%s\",\"tenant\":\"%s\",\"iat\":%lld,\"exp\":%lld,\"jti\":\"%lu\"}",
	    iss, TENANT, device ? "_" : "", device ? device : "", TENANT, now, now + 3600, ++njwt);
	len = b64url((const unsigned char *)header, strlen(header), signing);
	signing[len++] = '.';
	len += b64url((const unsigned char *)claims, strlen(claims), signing + len);
	HMAC(EVP_sha256(), key, sizeof(key), (unsigned char *)signing, len, mac, &maclen);
	b64url(mac, maclen, sig);
	snprintf(out, n, "71,%s.%s", signing, sig);
}

/* 1 when DIR/devices has a line for id. */
static int
known(const char *id)
{
	char line[1024];
	size_t n = strlen(id);
	FILE *f = fopen(path("devices"), "r");
	int found = 0;

	if (!f)
		return 0;
	while (!found && fgets(line, sizeof(line), f))
		found = !strncmp(line, id, n) && line[n] == ',';
	fclose(f);
	return found;
}

static void
create(const char *id, const char *type)
{
	char line[1024];
	int fd, len;

	len = snprintf(line, sizeof(line), "%s,%s\n", id, type);
	if (len >= (int)sizeof(line))
		return;
	if ((fd = open(path("devices"), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644)) < 0)
		fail(path("devices"));
	if (write(fd, line, (size_t)len) != len || fsync(fd) < 0)
		fail(path("devices"));
	close(fd);
}

/* Publishes an answer on topic, under down/<scope>/ for a fleet's device. */
static void
answer(struct mosquitto *m, const char *scope, const char *topic, const char *pl)
{
	char t[1024];

	if (scope)
		snprintf(t, sizeof(t), "down/%s/%s", scope, topic);
	else
		snprintf(t, sizeof(t), "%s", topic);
	mosquitto_publish(m, NULL, t, (int)strlen(pl), pl, 0, false);
}

/* s/us: 100,<id>,<type> (the type may be left out, as Cumulocity allows). */
static void
on_us(struct mosquitto *m, const char *scope, const char *pl)
{
	static const char exists[] = "41,100,Device already existing";
	char id[512], type[512];
	const char *c;
	size_t n;

	if (!strcmp(pl, "123")) {
		snprintf(id, sizeof(id), "124,%s", scope ? scope : "0");
		answer(m, scope, "s/ds", id);
		return;
	}
	if (strncmp(pl, "100,", 4))
		return;
	pl += 4;
	c = strchr(pl, ',');
	n = c ? (size_t)(c - pl) : strlen(pl);
	if (n == 0 || n >= sizeof(id))
		return;
	memcpy(id, pl, n);
	id[n] = '\0';
	snprintf(type, sizeof(type), "%s", c ? c + 1 : "c8y_MQTTDevice");
	if (strpbrk(id, "\n\r") || strpbrk(type, "\n\r"))
		return;
	if (known(id))
		answer(m, scope, "s/e", exists);
	else
		create(id, type);
}

static void
on_message(struct mosquitto *m, void *obj, const struct mosquitto_message *msg)
{
	static const char twin[] =
	    "{\"desired\":{\"$version\":1},\"reported\":{\"$version\":1}}";
	char pl[1024], buf[2048], scope[256];
	const char *topic = msg->topic, *sc = NULL, *e;
	int n = msg->payloadlen < (int)sizeof(pl) - 1 ? msg->payloadlen : (int)sizeof(pl) - 1;

	(void)obj;
	memcpy(pl, msg->payload ? msg->payload : "", (size_t)n);
	pl[n] = '\0';
	/* up/<ID>/<topic>: a fleet's device */
	if (!strncmp(topic, "up/", 3) && (e = strchr(topic + 3, '/')) &&
	    e - topic - 3 > 0 && e - topic - 3 < (int)sizeof(scope)) {
		memcpy(scope, topic + 3, (size_t)(e - topic - 3));
		scope[e - topic - 3] = '\0';
		sc = scope;
		topic = e + 1;
	}
	if (!strcmp(topic, "s/uat")) {
		jwt(buf, sizeof(buf), sc);
		answer(m, sc, "s/dat", buf);
	} else if (!strcmp(topic, "s/us")) {
		on_us(m, sc, pl);
	} else if (sc) {
		/* nothing else is answered for a fleet's device */
	} else if (!strncmp(msg->topic, "$iothub/twin/GET/", 17)) {
		const char *rid = strstr(msg->topic, "$rid=");

		snprintf(buf, sizeof(buf), "$iothub/twin/res/200/?$rid=%s", rid ? rid + 5 : "");
		mosquitto_publish(m, NULL, buf, (int)strlen(twin), twin, 0, false);
	}
}

static void
on_connect(struct mosquitto *m, void *obj, int rc)
{
	static const char *const subs[] = { "s/uat", "s/us", "$iothub/twin/GET/#",
	    "up/+/s/uat", "up/+/s/us" };
	size_t i;

	(void)obj;
	for (i = 0; rc == 0 && i < sizeof(subs) / sizeof(subs[0]); i++)
		mosquitto_subscribe(m, NULL, subs[i], 1);
}

static void
on_subscribe(struct mosquitto *m, void *obj, int mid, int n, const int *qos)
{
	int fd;

	(void)m, (void)obj, (void)mid, (void)n, (void)qos;
	/* the last SUBACK of the first connection */
	if (++ready != 5)
		return;
	if ((fd = open(path("responder.ready"), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) < 0 ||
	    dprintf(fd, "%ld\n", (long)getpid()) < 0)
		fail(path("responder.ready"));
	close(fd);
}

int
main(int argc, char *argv[])
{
	struct mosquitto *m;
	char hex[2 * sizeof(key) + 2];
	int ch, port = 0, fd, rc;
	size_t i;

	while ((ch = getopt(argc, argv, "p:d:i:")) != -1) {
		switch (ch) {
		case 'p': port = atoi(optarg); break;
		case 'd': dir = optarg; break;
		case 'i': iss = optarg; break;
		default: goto usage;
		}
	}
	if (!port || !dir || optind != argc)
		goto usage;
	if (RAND_bytes(key, sizeof(key)) != 1) {
		errno = EIO;
		fail("cannot make a key");
	}
	for (i = 0; i < sizeof(key); i++)
		snprintf(hex + 2 * i, 3, "%02x", key[i]);
	hex[2 * sizeof(key)] = '\n';
	unlink(path("jwt.key"));
	if ((fd = open(path("jwt.key"), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600)) < 0 ||
	    write(fd, hex, 2 * sizeof(key) + 1) != 2 * (ssize_t)sizeof(key) + 1)
		fail(path("jwt.key"));
	close(fd);

	mosquitto_lib_init();
	if (!(m = mosquitto_new("c8y-standin-responder", true, NULL)))
		fail("mosquitto_new");
	mosquitto_connect_callback_set(m, on_connect);
	mosquitto_subscribe_callback_set(m, on_subscribe);
	mosquitto_message_callback_set(m, on_message);
	if ((rc = mosquitto_connect(m, "127.0.0.1", port, 60)) != MOSQ_ERR_SUCCESS) {
		fprintf(stderr, "c8y-responder: cannot connect to 127.0.0.1:%d: %s\n", port,
		    rc == MOSQ_ERR_ERRNO ? strerror(errno) : mosquitto_strerror(rc));
		return 1;
	}
	/* Reconnects by itself when the broker comes back. */
	mosquitto_reconnect_delay_set(m, 1, 1, false);
	rc = mosquitto_loop_forever(m, -1, 1);
	fprintf(stderr, "c8y-responder: %s\n", mosquitto_strerror(rc));
	mosquitto_destroy(m);
	mosquitto_lib_cleanup();
	return 1;
usage:
	fputs("usage: c8y-responder -p PORT -d DIR [-i ISS]\n", stderr);
	return 2;
}
