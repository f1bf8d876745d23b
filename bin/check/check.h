/* SPDX-License-Identifier: Apache-2.0 */
/*
 * check.h: what the sources of tedge-check share. main.c parses the
 * options and runs a command; struct run (below) is the state of that
 * run, which main passes to each command and which the prober and the
 * session carry; run.c keeps strings until exit, prints Debug: lines and
 * keeps the deadline; conf.c reads the configuration, the device and its
 * certificate; probe.c is the raw TLS/MQTT prober that tells who refused
 * whom; sess.c is the libmosquitto session, the direct session to the
 * cloud and what goes through the local broker; token.c gets Cumulocity's
 * JWT; doctor.c is the doctor's layers; distro.c what real distributions
 * do to the broker (libc only).
 */
#ifndef TEDGE_CHECK_H
#define TEDGE_CHECK_H

#include <stdarg.h>
#include <stddef.h>

#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "tedge.h"

struct addrinfo;
struct cloud;
struct mosquitto;
struct mosquitto_message;
struct run;

/* An endpoint: host without brackets, port, and both as the user wrote. */
struct endpoint {
	char *host;
	const char *port;
	char *text;
	const char *key;	/* the key it comes from, for messages */
};

struct device {
	char *id, *cert, *key, *root;
	int basic;		/* c8y.auth_method makes it basic (device_auth) */
	char *cred, *user, *pass;	/* its file, user and password (device_load) */
	const char *type;
	X509 *x;
	EVP_PKEY *k;
	char until[64];
	long long left;		/* seconds of validity left */
	int soon;		/* expires within certificate.validity.minimum_duration */
};

/* What the probe found, from the outside in. */
enum pr {
	PR_OK,
	PR_DNS,		/* the name does not resolve */
	PR_TCP,		/* no address accepts a TCP connection */
	PR_SERVER,	/* the device does not trust the server, or no TLS */
	PR_CLIENT,	/* the server refused the device certificate */
	PR_TIMEOUT,
	PR_LOCAL	/* something on this side: files, memory */
};

struct probe {
	struct run *run;
	const struct endpoint *ep;
	const struct cloud *cl;
	struct addrinfo *ai;
	int fd;
	char addr[80];		/* "ip:port" connected to */
	char resolved[256];	/* the addresses, for doctor */
	SSL_CTX *ctx;
	SSL *ssl;
	int alert;		/* the last alert the server sent, -1 none */
	int seen_cert;		/* the server's certificate arrived */
	int ticket;		/* a TLS 1.3 session ticket arrived */
	int listening;		/* ssl_drive ends at a ticket */
	long verr;		/* the first verification error */
	char vsubject[256];	/* of the certificate it is about */
	char server[256];	/* the server certificate's subject */
	X509 *leaf;		/* the server's certificates, when unverified */
	STACK_OF(X509) *chain;
	int connack;		/* MQTT CONNACK code, -1 none */
	int sysonly;		/* the system store would trust the server */
};

/* An MQTT session over libmosquitto (sess.c). */
enum { S_CONNECTING, S_UP, S_DOWN };

/* Where mosquitto says its version, retained, when $SYS is on (default). */
#define SYS_VERSION "$SYS/broker/version"

struct sess {
	struct run *run;
	struct mosquitto *m;
	int state;
	int connack;		/* CONNACK code, -1 until one came */
	int timedout;
	int unreachable;	/* no TCP connection: worth trying again */
	int nsubacks, subfail;
	int pubmid, pubacked;
	char logerr[256];	/* libmosquitto's last error line */
	/* cloud */
	const struct cloud *cl;
	const char *req, *resp;	/* the round trip's topics (bridge_wait) */
	char health_topic[128];
	int health;		/* -1 nothing heard, else the last payload */
	int answered;
	/* doctor: $SYS/broker/version, "" until it came */
	char version[64];
	/* register */
	char error[256];	/* a SmartREST error on s/e */
	/* token: every message that is none of the above goes here when set */
	void (*on_msg)(struct sess *s, const struct mosquitto_message *msg);
	void *data;		/* on_msg's */
};

struct tlsconf {
	const char *cafile, *capath, *cert, *key;
	const char *user, *pass;	/* basic authentication */
};

/* Where the local broker is (mqtt.client.*). */
struct local {
	char *host;
	int port;
	struct tlsconf tls;
};

/*
 * The state of one run: main fills it in and passes it to every command;
 * the prober and the session carry a pointer to it.
 */
struct run {
	struct cfg cfg;
	const char *cfgdir;
	const char *kernel_log;	/* $TEDGE_CHECK_KERNEL_LOG */
	int cfg_ok;		/* cfg_load succeeded */
	int debugging;
	double opt_timeout, opt_wait;	/* -1 when not given */
	const char *opt_cert;	/* register --cert, NULL when not given */
	double bound;		/* the seconds the deadline was set from */
	long long deadline;	/* CLOCK_MONOTONIC, ms: every wait ends here */
	unsigned conn_seq;	/* for unique client ids */
	/*
	 * What the first failing doctor layer found, in a few words, for its
	 * FAIL line; the Caused by: chain carries the details and what to do.
	 */
	char problem[512];
	/* Every string made from the configuration: reachable until exit, so
	 * that die() anywhere loses nothing, freed at the end of a normal run. */
	void **kept;
	size_t nkept, capkept;
	struct device dev;
	struct local loc;
};

/* run.c */
void debug(const struct run *run, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Keeps p until the end of the run (freed there); returns p. */
void *keep(struct run *run, void *p);
void keep_free(struct run *run);
/* The few words of the FAIL line of the failing doctor layer. */
void set_problem(struct run *run, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void set_deadline(struct run *run, double secs);
/* Milliseconds left until the command's deadline, 0 when it has passed. */
int left_ms(const struct run *run);
/* Polls fd for ev until the deadline: > 0 ready, 0 timed out, -1 error. */
int wait_fd(const struct run *run, int fd, short ev);
double timeout_or(const struct run *run, double dflt);

/* conf.c */
int run_conf(struct run *run, const char *key, char **v);
int cloud_endpoint(struct run *run, const struct cloud *cl, struct endpoint *ep);
void device_free(struct run *run);
int device_paths(struct run *run, const struct cloud *cl);
int device_check(struct run *run, const struct cloud *cl);
void device_warn_soon(const struct run *run);
int cn_check(struct run *run);
int device_load(struct run *run, const struct cloud *cl);
/* Sets run->dev.basic for cl (c8y only); 0, or -1 (cause pushed). */
int device_auth(struct run *run, const struct cloud *cl);
int local_conf(struct run *run);

/* probe.c */
void probe_init(struct probe *p, struct run *run, const struct endpoint *ep, const struct cloud *cl);
void probe_free(struct probe *p);
int probe_resolve(struct probe *p);
int probe_connect(struct probe *p);
int probe_handshake(struct probe *p, const char *root, const char *cert, const char *key);
int probe_mqtt(struct probe *p);
int probe_run(struct probe *p, const char *root, const char *cert, const char *key);
void explain(struct probe *p, int r);

/* sess.c */
int sess_err(struct sess *s, int rc);
int sess_step(struct sess *s);
int sess_open(struct sess *s, struct run *run, const char *host, int port, const char *id,
    const struct tlsconf *t);
void sess_close(struct sess *s);
int sess_subscribe(struct sess *s, const char *topic, int qos);
char *client_id(struct run *run);
int local_open(struct sess *s, struct run *run);
int bridge_wait(struct sess *s, const struct cloud *cl);
int roundtrip(struct sess *s, const struct cloud *cl);
/*
 * The direct MQTT/TLS session to the cloud's endpoint ep as register opens
 * it: client id run->dev.id, certificate run->dev.cert and key run->dev.key
 * (device_load's), trusting run->dev.root. 0; or -1 with the session
 * closed and the causes pushed: a refused connection is replayed by the
 * prober and explained; s->timedout when nothing answered within the
 * deadline (the caller says what it was waiting for).
 */
int direct_open(struct sess *s, struct run *run, const struct cloud *cl, const struct endpoint *ep);

/* token.c */
int cmd_token(struct run *run, const struct cloud *cl);

/* doctor.c */
int cmd_doctor(struct run *run, const struct cloud *cl);

/* distro.c */

/* Does the broker's configuration file load <cfgdir>/mosquitto-conf? */
enum { INC_YES, INC_NO, INC_UNKNOWN };
struct inc {
	int state;
	const char *conf;	/* mqtt.broker.config_path */
	const char *dir;	/* <cfgdir>/mosquitto-conf */
	const char *how;	/* INC_YES: how; else what is missing, or why unknown */
};
void broker_includes(struct run *run, const char *conf, struct inc *in);
/* What to do about in (state INC_NO): one sentence and the remedy. */
const char *inc_advice(struct run *run, const struct inc *in);

/*
 * The WARN text for a mosquitto version (text as mosquitto gives it:
 * "mosquitto version 2.0.15") under the broker's configuration conf, or
 * NULL when that version has no known hazard for it.
 */
const char *version_hazard(struct run *run, const char *version, const char *conf);
/* The first line of `mosquitto -h` (kept), or NULL. */
const char *version_from_cmd(struct run *run, int timeout_ms);

/*
 * What the distribution did to the broker, when the local broker or the
 * bridge fails: pushes the reasons (each with what to do) below the layer's
 * statement, sets the FAIL line, returns how many were found (0: the chain
 * is left as it was). svc: also ask `tedge-svc diagnose mosquitto`.
 */
int distro_explain(struct run *run, const struct inc *in, int svc, const char *statement);

#endif
