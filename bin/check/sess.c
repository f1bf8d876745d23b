/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sess.c: an MQTT session over libmosquitto (open, one step of the event
 * loop, subscribe, close), bounded by the deadline; the direct session to
 * the cloud with the device certificate (register, token); and what goes
 * through the local broker: the connection to it, the wait for the bridge,
 * the round trip to the cloud.
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <mosquitto.h>

#include "cloud.h"
#include "tedge.h"
#include "check.h"

/* --- MQTT over libmosquitto ---------------------------------------------- */

static void
on_connect(struct mosquitto *m, void *obj, int rc)
{
	struct sess *s = obj;

	(void)m;
	s->connack = rc;
	s->state = rc == 0 ? S_UP : S_DOWN;
	debug(s->run, "CONNACK %d", rc);
}

static void
on_disconnect(struct mosquitto *m, void *obj, int rc)
{
	struct sess *s = obj;

	(void)m;
	(void)rc;
	s->state = S_DOWN;
}

static void
on_subscribe(struct mosquitto *m, void *obj, int mid, int n, const int *qos)
{
	struct sess *s = obj;

	(void)m;
	(void)mid;
	s->nsubacks++;
	if (n < 1 || qos[0] > 2)
		s->subfail = 1;
}

static void
on_publish(struct mosquitto *m, void *obj, int mid)
{
	struct sess *s = obj;

	(void)m;
	if (mid == s->pubmid)
		s->pubacked = 1;
}

/* Whether msg is the cloud's answer to the round trip's request. */
static int
answered(const struct sess *s, const struct mosquitto_message *msg)
{
	const struct cloud *cl = s->cl;

	if (s->run->dev.basic)	/* static template 123's answer */
		return msg->payloadlen >= 4 && !memcmp(msg->payload, "124,", 4);
	if (!strcmp(cl->name, "c8y"))
		return msg->payloadlen >= 3 && !memcmp(msg->payload, "71,", 3);
	if (!strcmp(cl->name, "az"))
		return !strncmp(msg->topic, "az/twin/res/200", 15);
	return 1;	/* aws: whatever comes on its topic */
}

static void
on_message(struct mosquitto *m, void *obj, const struct mosquitto_message *msg)
{
	struct sess *s = obj;
	const char *pl = msg->payload;
	int n = msg->payloadlen;

	(void)m;
	debug(s->run, "received %d bytes on %s", n, msg->topic);
	if (!strcmp(msg->topic, SYS_VERSION)) {
		snprintf(s->version, sizeof(s->version), "%.*s", n > 63 ? 63 : n, pl);
	} else if (s->cl && !strcmp(msg->topic, s->health_topic)) {
		s->health = n == 1 && pl[0] == '1' ? 1 : 0;
	} else if (s->on_msg) {
		s->on_msg(s, msg);
	} else if (s->cl) {
		if (answered(s, msg))
			s->answered = 1;
	} else if (!strcmp(msg->topic, "s/e") && n > 7 && !memcmp(pl, "41,100,", 7) &&
	    !(n == 30 && !memcmp(pl, "41,100,Device already existing", 30))) {
		/* Any other answer to our 100 is a refusal. */
		snprintf(s->error, sizeof(s->error), "%.*s", n > 200 ? 200 : n, pl);
	}
}

static void
on_log(struct mosquitto *m, void *obj, int level, const char *str)
{
	struct sess *s = obj;

	(void)m;
	if (level & (MOSQ_LOG_ERR | MOSQ_LOG_WARNING))
		snprintf(s->logerr, sizeof(s->logerr), "%s", str);
	debug(s->run, "libmosquitto: %s", str);
}

/* Pushes why libmosquitto said rc (errno is read first). Returns -1. */
int
sess_err(struct sess *s, int rc)
{
	int e = errno;

	if (rc == MOSQ_ERR_ERRNO) {
		s->unreachable = s->state == S_CONNECTING;
		return err_pushsys(e);
	}
	if (s->logerr[0])
		err_push("%s", s->logerr);
	if (rc == MOSQ_ERR_NO_CONN || rc == MOSQ_ERR_CONN_LOST)
		return err_push("the connection was closed");
	return err_push("%s", mosquitto_strerror(rc));
}

/* One turn of the event loop, bounded by the deadline. 0, or -1 with the
 * cause pushed (timedout set when the deadline passed). */
int
sess_step(struct sess *s)
{
	int t = left_ms(s->run), rc;

	if (t == 0) {
		s->timedout = 1;
		return err_push("timed out after %g s", s->run->bound);
	}
	rc = mosquitto_loop(s->m, t, 1);
	if (rc == MOSQ_ERR_SUCCESS)
		return 0;
	rc = sess_err(s, rc);
	s->state = S_DOWN;
	return rc;
}

/* Something accepts TCP connections on host:port: 0, or -1 with why. */
static int
tcp_reachable(struct run *run, const char *host, int port)
{
	struct endpoint ep;
	struct probe p;
	char ps[16];
	int r;

	snprintf(ps, sizeof(ps), "%d", port);
	ep.host = keep(run, xstrdup(host));
	ep.port = ps;
	ep.text = keep(run, xasprintf("%s:%d", host, port));
	ep.key = "";
	probe_init(&p, run, &ep, NULL);
	if ((r = probe_resolve(&p)) == PR_OK)
		r = probe_connect(&p);
	probe_free(&p);
	return r == PR_OK ? 0 : -1;
}

/*
 * Connects to host:port with client id id, until CONNACK or the deadline.
 * 0, or -1 with the causes pushed.
 */
int
sess_open(struct sess *s, struct run *run, const char *host, int port, const char *id,
    const struct tlsconf *t)
{
	int rc;

	memset(s, 0, sizeof(*s));
	s->run = run;
	s->connack = -1;
	s->health = -1;
	s->pubmid = -1;
	if (!(s->m = mosquitto_new(id, true, s)))
		return err_pushsys(errno);
	mosquitto_int_option(s->m, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V311);
	/* Small packets both ways: Nagle would add 40 ms to each turn. */
	mosquitto_int_option(s->m, MOSQ_OPT_TCP_NODELAY, 1);
	mosquitto_connect_callback_set(s->m, on_connect);
	mosquitto_disconnect_callback_set(s->m, on_disconnect);
	mosquitto_subscribe_callback_set(s->m, on_subscribe);
	mosquitto_publish_callback_set(s->m, on_publish);
	mosquitto_message_callback_set(s->m, on_message);
	mosquitto_log_callback_set(s->m, on_log);
	if (t && t->user)
		mosquitto_username_pw_set(s->m, t->user, t->pass);
	if (t && (t->cafile || t->capath)) {
		/*
		 * libmosquitto 2.0.11 never notices a refused TLS connection:
		 * it retries the ClientHello on the dead socket until our
		 * deadline. A TCP connection of our own first says at once.
		 * (One round trip; made beside libmosquitto's instead, it
		 * races a broker that is just starting: that one may accept
		 * while libmosquitto's was refused.)
		 */
		if (tcp_reachable(s->run, host, port) < 0) {
			s->state = S_DOWN;
			s->unreachable = 1;
			return -1;
		}
		errno = 0;
		rc = mosquitto_tls_set(s->m, t->cafile, t->capath, t->cert, t->key, NULL);
		if (rc != MOSQ_ERR_SUCCESS) {
			if (errno)
				err_pushsys(errno);
			return err_push("cannot use the TLS files %s%s%s%s%s",
			    t->cafile ? t->cafile : t->capath, t->cert ? ", " : "",
			    t->cert ? t->cert : "", t->key ? ", " : "", t->key ? t->key : "");
		}
	}
	debug(s->run, "MQTT connection to %s:%d as %s", host, port, id);
	errno = 0;
	if ((rc = mosquitto_connect_async(s->m, host, port, 60)) != MOSQ_ERR_SUCCESS) {
		rc = sess_err(s, rc);
		s->state = S_DOWN;
		return rc;
	}
	while (s->state == S_CONNECTING)
		if (sess_step(s) < 0)
			return -1;
	if (s->state != S_UP) {
		if (s->connack > 0)
			return err_push("the broker refused the connection: %s",
			    mosquitto_connack_string(s->connack));
		return err_push("the connection was closed");
	}
	return 0;
}

void
sess_close(struct sess *s)
{
	if (!s->m)
		return;
	if (s->state == S_UP)
		mosquitto_disconnect(s->m);
	mosquitto_destroy(s->m);
	s->m = NULL;
}

/* Subscribes to topic and waits for the SUBACK. */
int
sess_subscribe(struct sess *s, const char *topic, int qos)
{
	int want = s->nsubacks + 1, rc;

	if ((rc = mosquitto_subscribe(s->m, NULL, topic, qos)) != MOSQ_ERR_SUCCESS)
		return sess_err(s, rc);
	while (s->nsubacks < want && s->state == S_UP)
		if (sess_step(s) < 0)
			return -1;
	if (s->state != S_UP)
		return err_push("the connection was closed");
	if (s->subfail)
		return err_push("the broker refused the subscription to %s", topic);
	return 0;
}

/* --- the direct session to the cloud ---------------------------------------- */

int
direct_open(struct sess *s, struct run *run, const struct cloud *cl, const struct endpoint *ep)
{
	struct tlsconf t;
	struct probe p;
	struct stat st;
	int r;

	memset(&t, 0, sizeof(t));
	if (stat(run->dev.root, &st) == 0 && S_ISDIR(st.st_mode))
		t.capath = run->dev.root;
	else
		t.cafile = run->dev.root;
	if (run->dev.basic) {
		t.user = run->dev.user;
		t.pass = run->dev.pass;
		debug(run, "direct session as %s", t.user);
	} else {
		t.cert = run->dev.cert;
		t.key = run->dev.key;
		debug(run, "direct session with the certificate %s and the key %s", t.cert, t.key);
	}
	if (sess_open(s, run, ep->host, (int)strtoll(ep->port, NULL, 10), run->dev.id, &t) == 0)
		return 0;
	sess_close(s);
	if (run->dev.basic && (s->connack == 4 || s->connack == 5)) {
		set_problem(run, "the user %s is refused", t.user);
		return err_push("Cumulocity refused the username and password of %s (user: <tenant>/device_<id>).",
		    run->dev.cred);
	}
	if (s->timedout || s->connack > 0)
		return -1;
	/* libmosquitto says little about TLS: ask OpenSSL who refused whom,
	 * with the time that is left. */
	err_clear();
	probe_init(&p, run, ep, cl);
	r = probe_run(&p, run->dev.root, run->dev.cert, run->dev.key);
	probe_free(&p);
	if (r == PR_OK)
		return err_push("%s accepted the connection on a second try: try again", ep->text);
	explain(&p, r);
	return -1;
}

/* --- the local broker, the bridge, the round trip --------------------------- */

/* A client id no other check uses at the same time. */
char *
client_id(struct run *run)
{
	return keep(run, xasprintf("tedge-check-%ld-%u", (long)getpid(), ++run->conn_seq));
}

/* Connects to the local broker; the last cause says what to do. */
int
local_open(struct sess *s, struct run *run)
{
	if (sess_open(s, run, run->loc.host, run->loc.port, client_id(run), &run->loc.tls) == 0)
		return 0;
	if (s->connack > 0) {
		set_problem(run, "the local MQTT broker at %s:%d refuses the connection", run->loc.host, run->loc.port);
		return err_push("The local MQTT broker at %s:%d refuses tedge's connection. Check the mqtt.client.auth.* settings.",
		    run->loc.host, run->loc.port);
	}
	set_problem(run, "the local MQTT broker at %s:%d does not accept connections", run->loc.host, run->loc.port);
	return err_push("The local MQTT broker at %s:%d does not accept connections. Make sure mosquitto is running%s.",
	    run->loc.host, run->loc.port, run->loc.tls.cafile || run->loc.tls.capath ?
	    " and that the mqtt.client.auth.* settings match its listener" : "");
}

/*
 * Subscribes to the bridge's health topic and to the cloud's answer, then
 * waits for the bridge to say it is up (payload 1, retained by mosquitto).
 */
int
bridge_wait(struct sess *s, const struct cloud *cl)
{
	s->cl = cl;
	/* Basic authentication has no JWT: the static template 123 on s/us,
	 * answered by 124 on s/ds, as thin-edge 1.7. */
	s->req = s->run->dev.basic ? keep(s->run, xasprintf("%s/s/us", cl->prefix)) : cl->request;
	s->resp = s->run->dev.basic ? keep(s->run, xasprintf("%s/s/ds", cl->prefix)) : cl->response;
	snprintf(s->health_topic, sizeof(s->health_topic), "%s", (char *)keep(s->run, cloud_health_topic(cl)));
	if (sess_subscribe(s, s->resp, 1) < 0 || sess_subscribe(s, s->health_topic, 1) < 0) {
		set_problem(s->run, "the local broker does not take subscriptions");
		return err_push("The local MQTT broker refused a subscription.");
	}
	while (s->health != 1) {
		if (sess_step(s) < 0) {
			if (!s->timedout) {
				set_problem(s->run, "the local broker closed the connection");
				return err_push("The local MQTT broker closed the connection.");
			}
			if (s->health == 0) {
				set_problem(s->run, "the bridge to %s is down", cl->display);
				return err_push("mosquitto's bridge to %s is not connected (%s says 0). Run `tedge-check doctor %s` to find out why, and see mosquitto's log.",
				    cl->display, s->health_topic, cl->name);
			}
			set_problem(s->run, "mosquitto runs no bridge to %s", cl->display);
			return err_push("mosquitto runs no bridge to %s: nothing on %s. Check that %s/mosquitto-conf/%s exists (`tedge connect %s`), that mosquitto loads that directory (`tedge init`), and restart mosquitto.",
			    cl->display, s->health_topic, s->run->cfgdir, cl->bridge_file, cl->name);
		}
	}
	debug(s->run, "the bridge to %s is up", cl->display);
	return 0;
}

/* The request through the bridge, and its answer. */
int
roundtrip(struct sess *s, const struct cloud *cl)
{
	const char *pl = s->run->dev.basic ? "123" : NULL;
	int rc, was, n = pl ? 3 : 0;

	s->answered = 0;
	if ((rc = mosquitto_publish(s->m, &s->pubmid, s->req, n, pl, 1, false)) != MOSQ_ERR_SUCCESS) {
		sess_err(s, rc);
		set_problem(s->run, "cannot publish to the local broker");
		return err_push("Cannot publish %s to the local MQTT broker.", s->req);
	}
	debug(s->run, "published %s", s->req);
	while (!s->answered) {
		was = s->health;
		if (sess_step(s) < 0) {
			if (!s->timedout) {
				set_problem(s->run, "the local broker closed the connection");
				return err_push("The local MQTT broker closed the connection.");
			}
			err_clear();
			if (s->health != 1) {
				set_problem(s->run, "the bridge to %s went down", cl->display);
				return err_push("mosquitto's bridge to %s went down during the check (%s says 0), and did not come back within %g s. See mosquitto's log; `tedge-check doctor %s` tells more.",
				    cl->display, s->health_topic, s->run->bound, cl->name);
			}
			set_problem(s->run, "no answer from %s", cl->display);
			return err_push("No answer from %s within %g s: %s was published through the bridge, which is up, and nothing came back on %s. %s may be unreachable from the device's network or not available; see mosquitto's log.",
			    cl->display, s->run->bound, s->req, s->resp, cl->display);
		}
		/* The bridge came back: what it lost is asked again. */
		if (was == 0 && s->health == 1 &&
		    mosquitto_publish(s->m, &s->pubmid, s->req, n, pl, 1, false) == MOSQ_ERR_SUCCESS)
			debug(s->run, "the bridge is back: published %s again", s->req);
	}
	return 0;
}
