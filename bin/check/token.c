/* SPDX-License-Identifier: Apache-2.0 */
/*
 * token.c: `tedge-check token c8y`, the JWT Cumulocity gives the device, on
 * stdout: what a toolkit without a mapper sends as "Authorization: Bearer"
 * (EST re-enrollment: tedge-cert renew).
 *
 * Asked as thin-edge's mapper asks it (reference ca-profiles §2): subscribe
 * to s/dat; once the subscription is acknowledged, publish an empty message
 * with QoS 0 on s/uat; take the first message whose first CSV field is 71.
 * Three tries, which share the time limit. Through the local broker
 * (c8y/s/uat, c8y/s/dat) when the bridge is up as `cloud c8y` judges it
 * (its health topic says 1); else by a direct MQTT/TLS session as register
 * opens it. Never directly while the bridge is up: a second session with
 * the device's client id would kick the bridge off.
 *
 * The token is a secret: it goes to stdout alone, never into a message or a
 * Debug: line (its length only), never into anyone's argv, and its buffer
 * is wiped.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <mosquitto.h>
#include <openssl/crypto.h>

#include "cloud.h"
#include "tedge.h"
#include "check.h"

#define TRIES 3
/* Cumulocity's are about 1 KiB; anything past this is not one. */
#define TOKEN_MAX 16384

enum { T_NONE, T_OK, T_BAD };

struct tok {
	const char *topic;	/* where the answer comes */
	int state;
	const char *why;	/* T_BAD: what is wrong with it */
	size_t len;
	char buf[TOKEN_MAX + 2];	/* the token, then room for its newline */
};

/* Three base64url parts, none empty, joined by dots. */
static int
jwt_shape(const char *t, size_t n)
{
	size_t i, len = 0;
	int dots = 0;
	char c;

	for (i = 0; i < n; i++) {
		c = t[i];
		if (c == '.') {
			if (!len || ++dots > 2)
				return 0;
			len = 0;
		} else if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '_') {
			len++;
		} else {
			return 0;
		}
	}
	return dots == 2 && len > 0;
}

/* sess.c's on_message hands over what comes on the answer's topic. */
static void
on_token(struct sess *s, const struct mosquitto_message *msg)
{
	struct tok *t = s->data;
	const char *pl = msg->payload;
	size_t n = msg->payloadlen > 0 ? (size_t)msg->payloadlen : 0;

	if (t->state != T_NONE || strcmp(msg->topic, t->topic))
		return;
	/* The first CSV field is 71; the token is the rest. */
	if (n < 2 || memcmp(pl, "71", 2) || (n > 2 && pl[2] != ',')) {
		debug(s->run, "not an answer to s/uat: its first field is not 71");
		return;
	}
	pl += n > 2 ? 3 : 2;
	n -= n > 2 ? 3 : 2;
	while (n && (pl[n - 1] == '\n' || pl[n - 1] == '\r'))
		n--;
	t->state = T_BAD;
	if (!n)
		t->why = "It is empty.";
	else if (n > TOKEN_MAX)
		t->why = "It is longer than 16384 bytes.";
	else if (!jwt_shape(pl, n))
		t->why = "JWT token format must be <header>.<payload>.<signature>.";
	else
		t->state = T_OK;
	debug(s->run, "71 on %s: a token of %zu bytes%s", msg->topic, n,
	    t->state == T_OK ? "" : ", not usable");
	if (t->state != T_OK)
		return;
	memcpy(t->buf, pl, n);
	t->len = n;
}

/*
 * Asks for the token on s, which is subscribed to t->topic: an empty
 * message on request, up to TRIES times, each try waiting its share of what
 * is left until the deadline. 0 with the token in t; -1 with the causes
 * pushed.
 */
static int
ask(struct sess *s, const char *request, struct tok *t)
{
	struct run *run = s->run;
	long long end = run->deadline, now;
	int i, rc, sent = 0;

	for (i = 0; i < TRIES && t->state == T_NONE; i++) {
		if ((now = clock_ms()) >= end)
			break;
		run->deadline = now + (end - now) / (TRIES - i);
		if ((rc = mosquitto_publish(s->m, NULL, request, 0, NULL, 0, false)) != MOSQ_ERR_SUCCESS) {
			run->deadline = end;
			sess_err(s, rc);
			return err_push("cannot publish on %s", request);
		}
		sent++;
		debug(run, "published an empty message on %s (try %d of %d)", request, i + 1, TRIES);
		while (t->state == T_NONE) {
			if (sess_step(s) == 0)
				continue;
			if (!s->timedout) {
				run->deadline = end;
				return err_push("the connection was closed while waiting for the token");
			}
			/* This try's share is over: the next one. */
			s->timedout = 0;
			err_clear();
			break;
		}
	}
	run->deadline = end;
	if (t->state == T_OK)
		return 0;
	if (t->state == T_BAD) {
		err_push("%s", t->why);
		return err_push("The JWT token received from Cumulocity is invalid.");
	}
	return err_push("no token within %g s: %d empty message%s on %s, no 71 on %s",
	    run->bound, sent, sent == 1 ? "" : "s", request, t->topic);
}

/*
 * Through the local broker, when the bridge is up. 0 with the token; -1
 * with the causes pushed (the bridge was up, or its state cannot be told:
 * no direct session then); 1 when the bridge is not up, why in why.
 */
static int
via_bridge(struct run *run, const struct cloud *cl, struct tok *t, char *why, size_t n)
{
	long long end = run->deadline, judge;
	struct sess s;
	int r;

	if (local_conf(run) < 0) {
		err_clear();
		snprintf(why, n, "the settings of the local MQTT broker cannot be read");
		return 1;
	}
	/* A local broker answers at once: telling whether the bridge is up
	 * takes at most a quarter of the time, the direct session may need
	 * the rest. */
	judge = clock_ms() + (long long)(run->bound * 250);
	if (judge < end)
		run->deadline = judge;
	if (local_open(&s, run) < 0) {
		run->deadline = end;
		sess_close(&s);
		err_clear();
		snprintf(why, n, "the local MQTT broker at %s:%d %s", run->loc.host, run->loc.port,
		    s.connack > 0 ? "refuses the connection" : s.timedout ? "does not answer" :
		    "does not accept connections");
		return 1;
	}
	s.cl = cl;
	snprintf(s.health_topic, sizeof(s.health_topic), "%s", (char *)keep(run, cloud_health_topic(cl)));
	t->topic = cl->response;
	s.on_msg = on_token;
	s.data = t;
	/* The health topic first: mosquitto sends a retained message before
	 * it acknowledges the next subscription, so with the second SUBACK
	 * in, what the health topic holds has come, if anything. */
	if (sess_subscribe(&s, s.health_topic, 1) < 0 || sess_subscribe(&s, cl->response, 0) < 0) {
		run->deadline = end;
		sess_close(&s);
		return err_push("The local MQTT broker at %s:%d did not take the subscriptions to %s and %s, so whether the bridge to %s is up cannot be told.",
		    run->loc.host, run->loc.port, s.health_topic, cl->response, cl->display);
	}
	run->deadline = end;
	if (s.health != 1) {
		if (s.health == 0)
			snprintf(why, n, "mosquitto's bridge to %s is not connected: %s says 0",
			    cl->display, s.health_topic);
		else
			snprintf(why, n, "mosquitto runs no bridge to %s: nothing on %s",
			    cl->display, s.health_topic);
		sess_close(&s);
		return 1;
	}
	debug(run, "the bridge to %s is up: asking through it", cl->display);
	r = ask(&s, cl->request, t);
	sess_close(&s);
	if (r < 0 && t->state == T_BAD)
		err_push("asked through the bridge to %s, which is up", cl->display);
	else if (r < 0)
		err_push("the bridge to %s is up, and the token did not come through it", cl->display);
	return r;
}

/* By a direct session as register opens it. 0 with the token, or -1 with
 * the causes pushed; ep->text is set once the endpoint is known. */
static int
direct(struct run *run, const struct cloud *cl, struct endpoint *ep, struct tok *t)
{
	struct sess s;
	int r;

	if (cloud_endpoint(run, cl, ep) < 0 || device_paths(run, cl) < 0 || device_load(run, cl) < 0)
		return -1;
	device_warn_soon(run);
	if (direct_open(&s, run, cl, ep) < 0) {
		if (s.timedout) {
			err_clear();
			err_push("no answer from %s within %g s", ep->text, run->bound);
		}
		return -1;
	}
	t->topic = "s/dat";
	s.on_msg = on_token;
	s.data = t;
	if (sess_subscribe(&s, "s/dat", 0) < 0) {
		sess_close(&s);
		return err_push("Cumulocity did not take the subscription to s/dat");
	}
	r = ask(&s, "s/uat", t);
	sess_close(&s);
	return r;
}

int
cmd_token(struct run *run, const struct cloud *cl)
{
	/* Static: 16 KiB, and wiped on every way out. */
	static struct tok t;
	struct endpoint ep;
	char why[512];
	size_t off;
	ssize_t w;
	int r;

	set_deadline(run, timeout_or(run, 10));
	memset(&ep, 0, sizeof(ep));
	if ((r = via_bridge(run, cl, &t, why, sizeof(why))) > 0) {
		debug(run, "%s: asking by a direct session", why);
		if ((r = direct(run, cl, &ep, &t)) < 0 && t.state == T_BAD)
			err_push("the bridge to %s is not up (%s): asked by a direct session to %s",
			    cl->display, why, ep.text);
		else if (r < 0)
			err_push("the bridge to %s is not up (%s) and the direct session%s%s failed",
			    cl->display, why, ep.text ? " to " : "", ep.text ? ep.text : "");
	}
	if (r < 0) {
		OPENSSL_cleanse(&t, sizeof(t));
		die("failed to get a JWT from %s", cl->display);
	}
	/* Written by hand: no copy left in stdio's buffer. */
	t.buf[t.len] = '\n';
	for (off = 0; off < t.len + 1; off += (size_t)w) {
		if ((w = write(STDOUT_FILENO, t.buf + off, t.len + 1 - off)) < 0) {
			if (errno == EINTR) {
				w = 0;
				continue;
			}
			err_pushsysf(errno, "cannot write to stdout");
			OPENSSL_cleanse(&t, sizeof(t));
			die("failed to print the JWT");
		}
	}
	OPENSSL_cleanse(&t, sizeof(t));
	return EXIT_OK;
}
