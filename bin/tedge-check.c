/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tedge-check: is the device connected, and if not, where does it break.
 *
 *   tedge-check broker [--wait SECS]
 *   tedge-check register c8y [--timeout SECS]
 *   tedge-check cloud c8y|az|aws [--timeout SECS]
 *   tedge-check cert
 *   tedge-check doctor c8y|az|aws [--timeout SECS]
 *
 * broker: the local broker (mqtt.client.host and .port, TLS when
 * mqtt.client.auth.ca_file or .ca_dir is set) accepts an MQTT connection;
 * with --wait it is tried again until it does, for at most SECS.
 * register: "Creating the device in Cumulocity cloud": a direct MQTT/TLS
 * connection to c8y.mqtt with the device certificate, 100,<id>,<type> on
 * s/us, done on its PUBACK. A failure is explained: the certificate and key
 * are checked with OpenSSL first, and a refused connection is replayed as
 * a plain OpenSSL handshake, which tells who refused whom and why.
 * cloud: a round trip through the local broker and the bridge, sent once
 * the bridge says it is up on its health topic.
 * cert: the device certificate and key: present, readable, paired, valid.
 * doctor: every layer in order, configuration, certificate, dns, tcp, tls
 * server, tls client, broker config, local broker, bridge, round trip; one
 * line per layer, then the first one that fails and what to do about it,
 * with what the distribution did to the broker (tedge-check-distro.c).
 *
 * --timeout bounds a whole command: every wait is a poll that ends at the
 * same deadline, never a fixed sleep.
 *
 * Reads tedge.toml (with TEDGE_* overrides), the device certificate and key,
 * the root certificates, and, for doctor,
 * <config-dir>/mosquitto-conf/<cloud>-bridge.conf, mosquitto's configuration
 * and, when the broker fails, the kernel's log; it may run `mosquitto -h` and
 * `tedge-svc diagnose mosquitto`. Writes nothing. Messages go to stderr;
 * stdout stays empty.
 *
 * Exit: 0 the check passed; 1 it failed (Error: says why); 2 usage.
 */
#include <sys/socket.h>
#include <sys/stat.h>

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <mosquitto.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "cloud.h"
#include "tedge.h"
#include "tedge-check.h"
#include "x509.h"

static const char usage_text[] =
"usage: tedge-check [--config-dir DIR] COMMAND [OPTIONS]\n"
"\n"
"Check the device's connection to the cloud, layer by layer.\n"
"\n"
"Commands:\n"
"  broker [--wait SECS]           The local MQTT broker accepts connections\n"
"  register c8y [--timeout SECS]  Create the device in Cumulocity (direct MQTT/TLS)\n"
"  cloud c8y|az|aws [--timeout SECS]\n"
"                                 A round trip through the local broker and the bridge\n"
"  cert                           The device certificate and key are usable\n"
"  doctor c8y|az|aws [--timeout SECS]\n"
"                                 Check every layer, name the first broken one\n"
"\n"
"Options:\n"
"  -c, --config-dir DIR   configuration directory [env: TEDGE_CONFIG_DIR, default: /etc/tedge]\n"
"  -t, --timeout SECS     bound of the whole command (default: broker 2, others 10)\n"
"  -w, --wait SECS        broker: try again until the broker accepts, for at most SECS\n"
"  -d, --debug            tell what is done, on stderr (also TEDGE_DEBUG=1)\n"
"  -h, --help             print this help\n"
"  -V, --version          print the version\n"
"\n"
"SECS may have a fraction (0.5). Nothing is printed on stdout; doctor prints\n"
"one line per layer on stderr.\n"
"\n"
"Exit status: 0 the check passed; 1 it failed; 2 usage error.\n";

/* Per cloud: names, keys, files and the round trip (reference connect
 * §1.11, SPEC §7). */
static struct cfg cfg;
const char *cfgdir;
const char *kernel_log;	/* $TEDGE_CHECK_KERNEL_LOG */
static int cfg_ok;		/* cfg_load succeeded */
static int debugging;
static double opt_timeout = -1, opt_wait = -1;
static double bound;		/* the seconds the deadline was set from */
static long long deadline;	/* CLOCK_MONOTONIC, ms: every wait ends here */
static unsigned conn_seq;	/* for unique client ids */

/*
 * What the first failing doctor layer found, in a few words, for its FAIL
 * line; the Caused by: chain carries the details and what to do.
 */
static char problem[512];

/* Every string made from the configuration: reachable until exit, so that
 * die() anywhere loses nothing, freed at the end of a normal run. */
static void **kept;
static size_t nkept, capkept;

void *
keep(void *p)
{
	if (nkept == capkept) {
		capkept = capkept ? capkept * 2 : 32;
		kept = xrealloc(kept, capkept * sizeof(*kept));
	}
	kept[nkept++] = p;
	return p;
}

static void
keep_free(void)
{
	while (nkept)
		free(kept[--nkept]);
	FREE(kept);
	capkept = 0;
}

void
debug(const char *fmt, ...)
{
	va_list ap;

	if (!debugging)
		return;
	fputs("Debug: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void
set_problem(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(problem, sizeof(problem), fmt, ap);
	va_end(ap);
}

/* --- time ------------------------------------------------------------- */

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
set_deadline(double secs)
{
	bound = secs;
	deadline = now_ms() + (long long)(secs * 1000 + 0.5);
}

/* Milliseconds until the deadline, 0 when it has passed. */
int
left_ms(void)
{
	long long l = deadline - now_ms();

	return l <= 0 ? 0 : l > INT_MAX ? INT_MAX : (int)l;
}

/* Polls fd for ev until the deadline: > 0 ready, 0 timed out, -1 error. */
static int
wait_fd(int fd, short ev)
{
	struct pollfd pfd;
	int r;

	pfd.fd = fd;
	pfd.events = ev;
	pfd.revents = 0;
	do
		r = poll(&pfd, 1, left_ms());
	while (r < 0 && errno == EINTR);
	return r;
}

/* --- configuration ---------------------------------------------------- */

/* The value of key in *v (kept): 0, 1 when it has none, -1 on error. */
static int
conf(const char *key, char **v)
{
	int r = cfg_get_str(&cfg, key, v);

	if (r == 0)
		keep(*v);
	else
		*v = NULL;
	return r;
}

/* An endpoint: host without brackets, port, and both as the user wrote. */
struct endpoint {
	char *host;
	const char *port;
	char *text;
	const char *key;	/* the key it comes from, for messages */
};

static void
split_hostport(const char *hp, struct endpoint *ep)
{
	const char *port;
	size_t n;

	cloud_split(hp, &n, &port);
	ep->port = keep(xstrdup(port));
	ep->text = keep(xasprintf("%.*s:%s", (int)n, hp, ep->port));
	/* [v6] is for people and URLs; resolvers and TLS want it bare. */
	if (hp[0] == '[' && n > 2)
		ep->host = keep(xstrndup(hp + 1, n - 2));
	else
		ep->host = keep(xstrndup(hp, n));
}

/*
 * The cloud's MQTT endpoint: c8y.mqtt (its port defaults to 8883, its host
 * to c8y.url's); az.url and aws.url with port 8883, as in the bridge file.
 * 0, or -1 with the seed's message when no URL is set.
 */
static int
cloud_endpoint(const struct cloud *cl, struct endpoint *ep)
{
	char *v, *r;
	int rc;

	if ((rc = conf(cl->mqtt_key, &v)) < 0)
		return -1;
	ep->key = cl->mqtt_key;
	if (rc > 0)
		return err_push("%s", (char *)keep(cfg_missing(cl->url_key)));
	r = keep(cfg_render(cfg_key_find(cl->mqtt_key, NULL), v));
	split_hostport(r, ep);
	return 0;
}

/* --- the device certificate --------------------------------------------- */

struct device {
	char *id, *cert, *key, *root;
	const char *type;
	X509 *x;
	EVP_PKEY *k;
	char until[64];
	long long left;		/* seconds of validity left */
	int soon;		/* expires within certificate.validity.minimum_duration */
};

static struct device dev;

static void
device_free(void)
{
	X509_free(dev.x);
	EVP_PKEY_free(dev.k);
	dev.x = NULL;
	dev.k = NULL;
}

/* The paths of the device's files; -1 (causes pushed) when unreadable. */
static int
device_paths(const struct cloud *cl)
{
	if (conf("device.cert_path", &dev.cert) != 0 ||
	    conf("device.key_path", &dev.key) != 0)
		return err_push("cannot read the paths of the device certificate and key");
	if (cl && conf(cl->root_key, &dev.root) != 0)
		return err_push("'%s' has no value", cl->root_key);
	return 0;
}

/*
 * The certificate and key are there, readable, a pair, and valid now; the
 * root certificate path (when cl) exists. On failure the last cause pushed
 * says what is wrong and what to do, and problem says it in a few words.
 */
static int
device_check(const struct cloud *cl)
{
	const char *trust = cl ? cl->trust_hint : "Make the cloud trust the new one";
	char d[64], *min;
	unsigned long long minsecs = 30 * 86400;
	struct stat st;
	int v;

	if (access(dev.cert, F_OK) < 0) {
		set_problem("there is no device certificate");
		err_pushsysf(errno, "cannot read %s", dev.cert);
		return err_push("No certificate has been attached to that device. Create one with `tedge cert create --device-id <id>`, or set 'device.cert_path'.");
	}
	if (!(dev.x = x509_read_cert(dev.cert))) {
		set_problem("the device certificate cannot be read");
		return err_push("The device certificate %s cannot be read. Check 'device.cert_path'.",
		    dev.cert);
	}
	if (!(dev.k = x509_read_key(dev.key))) {
		set_problem("the private key cannot be read");
		return err_push("The private key %s cannot be read. Check 'device.key_path' and the permissions of the file.",
		    dev.key);
	}
	if (!x509_key_matches(dev.x, dev.k)) {
		set_problem("the private key is not the key of the device certificate");
		err_push("%s is not the private key of the certificate %s", dev.key, dev.cert);
		return err_push("The private key is not paired with the certificate. Check your 'device.key_path'.");
	}
	v = x509_validity(dev.x, &dev.left);
	x509_time_text(X509_get0_notAfter(dev.x), dev.until, sizeof(dev.until));
	x509_duration_text(dev.left, d, sizeof(d));
	if (v > 0) {
		set_problem("the device certificate has expired");
		err_push("%s expired on %s (%s ago)", dev.cert, dev.until, d);
		return err_push("The device certificate has expired. Renew it (`tedge cert renew` renews a self-signed one). %s.",
		    trust);
	}
	if (v < 0) {
		char from[64];

		x509_time_text(X509_get0_notBefore(dev.x), from, sizeof(from));
		set_problem("the device certificate is not valid yet");
		err_push("%s is valid from %s (in %s)", dev.cert, from, d);
		return err_push("The device certificate is not valid yet. Check the clock of the device.");
	}
	if (conf("certificate.validity.minimum_duration", &min) == 0 &&
	    cfg_duration_secs(min, &minsecs) < 0) {
		err_clear();
		minsecs = 30 * 86400;
	}
	dev.soon = (unsigned long long)dev.left <= minsecs;
	if (cl && stat(dev.root, &st) < 0) {
		set_problem("the root certificate path %s does not exist", dev.root);
		err_pushsysf(errno, "cannot read %s", dev.root);
		return err_push("The root certificates of '%s' are missing. Check your '%s'.",
		    cl->root_key, cl->root_key);
	}
	/* As mosquitto's bridge_capath reads it, said before any network. */
	if (cl && S_ISDIR(st.st_mode) && cfg_check_capath(cl->root_key, dev.root) < 0) {
		set_problem("the root certificate directory %s has no OpenSSL hash links", dev.root);
		return -1;
	}
	return 0;
}

/* "Warning: ..." when the certificate expires soon. */
static void
device_warn_soon(void)
{
	char d[64];

	if (!dev.soon)
		return;
	x509_duration_text(dev.left, d, sizeof(d));
	warn("the device certificate %s expires in %s, on %s: renew it (`tedge cert renew` for a self-signed one)",
	    dev.cert, d, dev.until);
}

/*
 * The CN is the device id, the MQTT client id of every connection: judged
 * by the rules the bridge file is made by (those of tedge cert create).
 * 0, or -1 with the causes pushed and problem set. (No CN at all is
 * device_load's to say.)
 */
static int
cn_check(void)
{
	char *cn, *q;

	if (!(cn = pem_cert_cn(dev.cert))) {
		err_clear();	/* read already: device_load says more */
		return 0;
	}
	if (!*cn || cfg_check_device_id(cn) == 0) {
		free(cn);
		return 0;
	}
	q = quote_debug(cn);
	set_problem("the common name %s of the device certificate is no valid device id", q);
	err_push("The device id is the common name (CN) of the device certificate %s, and %s cannot be one. Create a certificate with a valid device id (`tedge cert create --device-id <id>`), or set 'device.cert_path'.",
	    dev.cert, q);
	free(q);
	free(cn);
	return -1;
}

static int
device_load(const struct cloud *cl)
{
	char *id;
	int r;

	/* Before any network could take the blame. */
	if (device_check(cl) < 0 || cn_check() < 0)
		return -1;
	if ((r = cfg_get_str(&cfg, "device.id", &id)) != 0 || !*id) {
		if (r == 0)
			free(id);
		if (r >= 0)
			err_push("the device certificate %s has no common name", dev.cert);
		set_problem("the device id cannot be read");
		return err_push("Cannot read the device id from the device certificate.");
	}
	dev.id = keep(id);
	dev.type = conf("device.type", &id) == 0 ? id : "thin-edge.io";
	return 0;
}

/* --- a TLS handshake with OpenSSL, to tell what went wrong ----------------- */

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

static void
probe_init(struct probe *p, const struct endpoint *ep, const struct cloud *cl)
{
	memset(p, 0, sizeof(*p));
	p->ep = ep;
	p->cl = cl;
	p->fd = -1;
	p->alert = -1;
	p->connack = -1;
	p->verr = X509_V_OK;
}

static void
probe_free(struct probe *p)
{
	SSL_free(p->ssl);
	SSL_CTX_free(p->ctx);
	X509_free(p->leaf);
	sk_X509_pop_free(p->chain, X509_free);
	if (p->ai)
		freeaddrinfo(p->ai);
	if (p->fd >= 0)
		close(p->fd);
	p->ssl = NULL;
	p->ctx = NULL;
	p->leaf = NULL;
	p->chain = NULL;
	p->ai = NULL;
	p->fd = -1;
}

static void
addr_text(const struct sockaddr *sa, socklen_t len, char *buf, size_t n)
{
	char h[INET6_ADDRSTRLEN], s[8];

	if (getnameinfo(sa, len, h, sizeof(h), s, sizeof(s), NI_NUMERICHOST | NI_NUMERICSERV))
		snprintf(buf, n, "?");
	else if (sa->sa_family == AF_INET6)
		snprintf(buf, n, "[%s]:%s", h, s);
	else
		snprintf(buf, n, "%s:%s", h, s);
}

static int
probe_resolve(struct probe *p)
{
	struct addrinfo hints, *a;
	size_t len = 0;
	int r;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	debug("resolving %s", p->ep->host);
	r = getaddrinfo(p->ep->host, p->ep->port, &hints, &p->ai);
	if (r == EAI_SYSTEM)
		err_pushsys(errno);
	if (r) {
		p->ai = NULL;
		err_push("cannot resolve %s: %s", p->ep->host, gai_strerror(r));
		return PR_DNS;
	}
	for (a = p->ai; a && len + 2 < sizeof(p->resolved); a = a->ai_next) {
		char h[INET6_ADDRSTRLEN];

		if (getnameinfo(a->ai_addr, a->ai_addrlen, h, sizeof(h), NULL, 0, NI_NUMERICHOST))
			continue;
		if (strstr(p->resolved, h))
			continue;
		len += (size_t)snprintf(p->resolved + len, sizeof(p->resolved) - len, "%s%s",
		    len ? ", " : "", h);
		if (len >= sizeof(p->resolved))
			len = sizeof(p->resolved) - 1;
	}
	return PR_OK;
}

/* Connects to the first address that accepts, until the deadline. */
static int
probe_connect(struct probe *p)
{
	struct addrinfo *a;
	int e = 0, fd, r;
	socklen_t elen;
	char last[sizeof(p->addr)] = "";

	for (a = p->ai; a; a = a->ai_next) {
		addr_text(a->ai_addr, a->ai_addrlen, last, sizeof(last));
		debug("connecting to %s", last);
		if ((fd = socket(a->ai_family, a->ai_socktype, a->ai_protocol)) < 0) {
			e = errno;
			continue;
		}
		fcntl(fd, F_SETFD, FD_CLOEXEC);
		fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
		if (connect(fd, a->ai_addr, a->ai_addrlen) == 0) {
			e = 0;
		} else if (errno != EINPROGRESS) {
			e = errno;
		} else if ((r = wait_fd(fd, POLLOUT)) <= 0) {
			close(fd);
			if (r == 0) {
				err_push("no answer from %s within %g s", last, bound);
				return PR_TIMEOUT;
			}
			e = errno;
			continue;
		} else {
			elen = sizeof(e);
			if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &elen) < 0)
				e = errno;
		}
		if (e) {
			close(fd);
			continue;
		}
		p->fd = fd;
		snprintf(p->addr, sizeof(p->addr), "%s", last);
		return PR_OK;
	}
	err_pushsys(e ? e : ECONNREFUSED);
	err_push("cannot connect to %s", *last ? last : p->ep->text);
	return PR_TCP;
}

static void
info_cb(const SSL *ssl, int where, int ret)
{
	struct probe *p = SSL_get_app_data(ssl);

	/* close_notify (0) is a goodbye, not a reason */
	if ((where & SSL_CB_ALERT) && (where & SSL_CB_READ) && (ret & 0xff) != 0) {
		p->alert = ret & 0xff;
		debug("TLS alert from the server: %s", SSL_alert_desc_string_long(ret));
	}
}

static int
verify_cb(int ok, X509_STORE_CTX *ctx)
{
	SSL *ssl = X509_STORE_CTX_get_ex_data(ctx, SSL_get_ex_data_X509_STORE_CTX_idx());
	struct probe *p = SSL_get_app_data(ssl);
	X509 *cur = X509_STORE_CTX_get_current_cert(ctx);
	char *s;

	p->seen_cert = 1;
	if (X509_STORE_CTX_get_error_depth(ctx) == 0 && cur && !p->server[0]) {
		s = x509_name_text(X509_get_subject_name(cur));
		snprintf(p->server, sizeof(p->server), "%s", s);
		free(s);
	}
	if (!ok && p->verr == X509_V_OK) {
		p->verr = X509_STORE_CTX_get_error(ctx);
		if (cur) {
			s = x509_name_text(X509_get_subject_name(cur));
			snprintf(p->vsubject, sizeof(p->vsubject), "%s", s);
			free(s);
		}
		/* Kept to ask the system store afterwards. */
		if (!p->leaf && X509_STORE_CTX_get0_cert(ctx)) {
			p->leaf = X509_STORE_CTX_get0_cert(ctx);
			X509_up_ref(p->leaf);
			if (X509_STORE_CTX_get0_untrusted(ctx))
				p->chain = X509_chain_up_ref(X509_STORE_CTX_get0_untrusted(ctx));
		}
	}
	return ok;
}

/* TLS 1.3: servers send tickets once they have accepted the client. */
static int
ticket_cb(SSL *ssl, SSL_SESSION *sess)
{
	struct probe *p = SSL_get_app_data(ssl);

	(void)sess;
	p->ticket = 1;
	return 0;
}

/* Would the system's trust store have trusted the server? */
static int
system_trusts(struct probe *p)
{
	X509_STORE *st = X509_STORE_new();
	X509_STORE_CTX *c = X509_STORE_CTX_new();
	int ok = 0;

	if (p->leaf && st && c && X509_STORE_set_default_paths(st) &&
	    X509_STORE_CTX_init(c, st, p->leaf, p->chain))
		ok = X509_verify_cert(c) == 1;
	X509_STORE_CTX_free(c);
	X509_STORE_free(st);
	ERR_clear_error();
	return ok;
}

/* The last OpenSSL error reason, for details. */
static const char *
ssl_reason(void)
{
	static char buf[256];
	unsigned long e = ERR_peek_last_error();

	if (!e)
		return "";
	ERR_error_string_n(e, buf, sizeof(buf));
	ERR_clear_error();
	return buf;
}

/* Runs op (SSL_connect, or an SSL_read/SSL_write wrapper) until it
 * completes: > 0 done, 0 the deadline passed, < 0 failed (SSL error code
 * negated). */
static int
ssl_drive(struct probe *p, int (*op)(SSL *, void *, int), void *buf, int n)
{
	int r, e;

	for (;;) {
		ERR_clear_error();
		if ((r = op(p->ssl, buf, n)) > 0)
			return r;
		e = SSL_get_error(p->ssl, r);
		if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
			if (p->listening && p->ticket)
				return 0;
			r = wait_fd(p->fd, e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT);
			if (r == 0)
				return 0;
			if (r < 0)
				return -SSL_ERROR_SYSCALL;
			continue;
		}
		return -e;
	}
}

static int
op_connect(SSL *ssl, void *buf, int n)
{
	(void)buf;
	(void)n;
	return SSL_connect(ssl);
}

static int
op_read(SSL *ssl, void *buf, int n)
{
	return SSL_read(ssl, buf, n);
}

static int
op_write(SSL *ssl, void *buf, int n)
{
	return SSL_write(ssl, buf, n);
}

/* The category of the alert a server sent about the client. */
static int
alert_category(int alert)
{
	switch (alert) {
	case SSL3_AD_HANDSHAKE_FAILURE:
	case TLS1_AD_DECRYPT_ERROR:
		return 'k';	/* the key does not match: no proof of the key */
	case SSL3_AD_CERTIFICATE_EXPIRED:
		return 'e';
	case SSL3_AD_CERTIFICATE_REVOKED:
		return 'r';
	case SSL3_AD_BAD_CERTIFICATE:
	case SSL3_AD_UNSUPPORTED_CERTIFICATE:
	case SSL3_AD_CERTIFICATE_UNKNOWN:
	case TLS1_AD_UNKNOWN_CA:
	case TLS1_AD_ACCESS_DENIED:
	case TLS13_AD_CERTIFICATE_REQUIRED:
		return 'u';	/* not trusted */
	default:
		return 0;
	}
}

/* The server's end of a failed exchange, once the server's certificate
 * was trusted: its alert, or its silence. */
static int
client_refused(struct probe *p, const char *when)
{
	if (p->alert > 0)
		err_push("%s refused the device certificate %s: TLS alert \"%s\"", p->addr, when,
		    SSL_alert_desc_string_long(p->alert));
	else
		err_push("%s closed the connection %s, without a reason", p->addr, when);
	return PR_CLIENT;
}

/*
 * The TLS handshake with the device certificate when there is one. A
 * server that is not trusted, a server that is not TLS, and a server that
 * refuses the client are told apart by where the handshake stopped:
 * before the server's certificate, at its verification here, or after it.
 */
static int
probe_handshake(struct probe *p, const char *root, const char *cert, const char *key)
{
	struct stat st;
	int r, ip;
	unsigned char tmp[16];

	ERR_clear_error();
	if (!(p->ctx = SSL_CTX_new(TLS_client_method()))) {
		x509_ssl_err("cannot set up TLS");
		return PR_LOCAL;
	}
	SSL_CTX_set_min_proto_version(p->ctx, TLS1_2_VERSION);
	/* As mosquitto's bridge: root_cert_path alone, a file or a directory */
	if (stat(root, &st) < 0) {
		err_pushsysf(errno, "cannot read %s", root);
		return PR_LOCAL;
	}
	if (!SSL_CTX_load_verify_locations(p->ctx, S_ISDIR(st.st_mode) ? NULL : root,
	    S_ISDIR(st.st_mode) ? root : NULL)) {
		x509_ssl_err("no certificate in it");
		err_push("cannot load the root certificates %s", root);
		return PR_LOCAL;
	}
	if (cert && (SSL_CTX_use_certificate_chain_file(p->ctx, cert) != 1 ||
	    SSL_CTX_use_PrivateKey_file(p->ctx, key, SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_check_private_key(p->ctx) != 1)) {
		x509_ssl_err("cannot use them");
		err_push("cannot load %s and %s", cert, key);
		return PR_LOCAL;
	}
	SSL_CTX_set_verify(p->ctx, SSL_VERIFY_PEER, verify_cb);
	SSL_CTX_set_info_callback(p->ctx, info_cb);
	SSL_CTX_set_session_cache_mode(p->ctx, SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
	SSL_CTX_sess_set_new_cb(p->ctx, ticket_cb);
	if (!(p->ssl = SSL_new(p->ctx)) || !SSL_set_fd(p->ssl, p->fd)) {
		x509_ssl_err("cannot set up TLS");
		return PR_LOCAL;
	}
	SSL_set_app_data(p->ssl, p);
	ip = inet_pton(AF_INET, p->ep->host, tmp) == 1 || inet_pton(AF_INET6, p->ep->host, tmp) == 1;
	if (ip) {
		X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(p->ssl), p->ep->host);
	} else {
		SSL_set1_host(p->ssl, p->ep->host);
		SSL_set_tlsext_host_name(p->ssl, p->ep->host);
	}
	debug("TLS handshake with %s", p->addr);
	r = ssl_drive(p, op_connect, NULL, 0);
	if (r > 0) {
		debug("TLS handshake done: %s", SSL_get_version(p->ssl));
		return PR_OK;
	}
	if (r == 0) {
		err_push("the TLS handshake with %s did not end within %g s", p->addr, bound);
		return PR_TIMEOUT;
	}
	if (p->verr != X509_V_OK) {
		p->sysonly = system_trusts(p);
		err_push("%s presented a certificate the device does not trust: %s (%s)", p->addr,
		    X509_verify_cert_error_string(p->verr), p->vsubject);
		return PR_SERVER;
	}
	if (!p->seen_cert) {
		if (p->alert > 0)
			err_push("%s refused the TLS handshake: TLS alert \"%s\"", p->addr,
			    SSL_alert_desc_string_long(p->alert));
		else {
			/* ssl_reason() empties OpenSSL's queue: one call. */
			const char *why = ssl_reason();
			err_push("%s did not answer as a TLS server: %s", p->addr,
			    *why ? why : "the connection was closed");
		}
		return PR_SERVER;
	}
	return client_refused(p, "during the TLS handshake");
}

/*
 * After a TLS 1.3 handshake the server may still refuse the client
 * certificate: it says so in an alert after the handshake. An MQTT CONNECT
 * (with a client id of our own, so that the bridge's session is left
 * alone) gets either that alert or a CONNACK; any CONNACK, even a refusal,
 * means the TLS layer accepted the certificate.
 */
static int
probe_mqtt(struct probe *p)
{
	unsigned char pkt[64], in[4];
	char id[32];
	size_t idlen, got = 0;
	long long saved = deadline;
	int r;

	if (SSL_version(p->ssl) == TLS1_3_VERSION) {
		/*
		 * Listen first. The server judges the certificate now and
		 * says so: an alert, or session tickets. A CONNECT written to
		 * a server that has just closed gets a reset, which loses the
		 * alert. A server that sends neither gets 1 s (a bound: it
		 * ends at the first word), then the CONNECT.
		 */
		if (deadline > now_ms() + 1000)
			deadline = now_ms() + 1000;
		p->listening = 1;
		r = ssl_drive(p, op_read, in, sizeof(in));
		p->listening = 0;
		deadline = saved;
		if (r > 0) {
			err_push("%s sent data before the MQTT CONNECT", p->addr);
			return PR_CLIENT;
		}
		if (r < 0)
			return client_refused(p, "after the TLS handshake");
		debug("after the handshake: %s", p->ticket ? "session tickets" : "silence");
	}
	snprintf(id, sizeof(id), "tedge-check-%ld", (long)getpid());
	idlen = strlen(id);
	pkt[0] = 0x10;			/* CONNECT */
	pkt[1] = (unsigned char)(12 + idlen);
	memcpy(pkt + 2, "\0\4MQTT\4\2\0\x3c", 10);	/* 3.1.1, clean, 60 s */
	pkt[12] = 0;
	pkt[13] = (unsigned char)idlen;
	memcpy(pkt + 14, id, idlen);
	r = ssl_drive(p, op_write, pkt, (int)(14 + idlen));
	/* Even when the write failed: what the server said is in the way. */
	if (r < 0)
		r = 1;
	while (r > 0 && got < sizeof(in)) {
		r = ssl_drive(p, op_read, in + got, (int)(sizeof(in) - got));
		if (r > 0)
			got += (size_t)r;
	}
	if (got == sizeof(in) && in[0] == 0x20) {
		p->connack = in[3];
		debug("CONNACK %d", p->connack);
		pkt[0] = 0xe0;		/* DISCONNECT */
		pkt[1] = 0;
		ssl_drive(p, op_write, pkt, 2);
		return PR_OK;
	}
	if (r == 0) {
		/* A ticket came: the server accepted the client. */
		if (p->ticket)
			return PR_OK;
		err_push("no MQTT answer from %s within %g s", p->addr, bound);
		return PR_TIMEOUT;
	}
	if (got > 0) {
		err_push("%s answered the MQTT CONNECT with something else", p->addr);
		return PR_CLIENT;
	}
	return client_refused(p, "after the TLS handshake");
}

/*
 * The whole way to the cloud's MQTT endpoint, as far as upto (PR_CLIENT:
 * up to the MQTT CONNACK). Returns PR_OK or the layer that failed, its
 * details pushed.
 */
static int
probe_run(struct probe *p, const char *root, const char *cert, const char *key)
{
	int r;

	if ((r = probe_resolve(p)) != PR_OK || (r = probe_connect(p)) != PR_OK ||
	    (r = probe_handshake(p, root, cert, key)) != PR_OK)
		return r;
	return probe_mqtt(p);
}

/*
 * Pushes what a failed probe means and what to do (the outermost cause),
 * and the few words of problem.
 */
static void
explain(struct probe *p, int r)
{
	const struct cloud *cl = p->cl;
	const struct endpoint *ep = p->ep;

	switch (r) {
	case PR_DNS:
		set_problem("the name %s does not resolve", ep->host);
		err_push("The name %s does not resolve. Check '%s' (and the DNS settings of the device).",
		    ep->host, !strcmp(ep->key, "c8y.mqtt") ? "c8y.url' or 'c8y.mqtt" : ep->key);
		break;
	case PR_TCP:
		set_problem("nothing accepts connections on %s", ep->text);
		err_push("%s does not accept TCP connections. Check the port in '%s', and that the network lets the device reach it.",
		    ep->text, ep->key);
		break;
	case PR_SERVER:
		if (p->verr == X509_V_ERR_HOSTNAME_MISMATCH || p->verr == X509_V_ERR_IP_ADDRESS_MISMATCH) {
			set_problem("the server certificate is not for %s", ep->host);
			err_push("The certificate of %s is made for another name. Check '%s'.",
			    ep->text, ep->key);
		} else if (p->verr != X509_V_OK && p->sysonly) {
			set_problem("the server certificate is trusted by the system, not by %s",
			    cl->root_key);
			err_push("%s certificate is not trusted by the device. Check your '%s': its CA is in the system's trust store, but not in %s, which the bridge uses.",
			    cl->display, cl->root_key, dev.root);
		} else if (p->verr != X509_V_OK) {
			set_problem("the server certificate is not trusted by the device");
			err_push("%s certificate is not trusted by the device. Check your '%s'.",
			    cl->display, cl->root_key);
		} else {
			set_problem("%s does not speak TLS", ep->text);
			err_push("%s is not the TLS endpoint of %s. Check the port in '%s'.",
			    ep->text, cl->display, ep->key);
		}
		break;
	case PR_CLIENT:
		switch (alert_category(p->alert)) {
		case 'k':
			set_problem("the server could not check the device's key");
			err_push("The private key is not paired with the certificate. Check your 'device.key_path'.");
			break;
		case 'e':
			set_problem("%s says the device certificate has expired", cl->display);
			err_push("%s says the device certificate has expired. Renew it, then: %s.",
			    cl->display, cl->trust_hint);
			break;
		case 'r':
			set_problem("%s says the device certificate is revoked", cl->display);
			err_push("The device certificate has been revoked. The device needs a new one.");
			break;
		default:
			set_problem("the device certificate is not trusted by %s", cl->display);
			err_push("The device certificate is not trusted by %s. %s.", cl->display,
			    cl->trust_hint);
			break;
		}
		break;
	case PR_TIMEOUT:
		set_problem("%s does not answer", ep->text);
		err_push("%s does not answer. Check the network between the device and %s.",
		    ep->text, cl->display);
		break;
	default:
		set_problem("the device's TLS setup cannot be made");
		err_push("The device's certificate, key or root certificates cannot be used.");
		break;
	}
}

/* --- MQTT over libmosquitto ---------------------------------------------- */

enum { S_CONNECTING, S_UP, S_DOWN };

/* Where mosquitto says its version, retained, when $SYS is on (default). */
#define SYS_VERSION "$SYS/broker/version"

struct sess {
	struct mosquitto *m;
	int state;
	int connack;		/* CONNACK code, -1 until one came */
	int timedout;
	int unreachable;	/* no TCP connection: worth trying again */
	int step_ms;		/* when > 0, the longest wait of one step */
	int nsubacks, subfail;
	int pubmid, pubacked;
	char logerr[256];	/* libmosquitto's last error line */
	/* cloud */
	const struct cloud *cl;
	char health_topic[128];
	int health;		/* -1 nothing heard, else the last payload */
	int answered;
	/* doctor: $SYS/broker/version, "" until it came */
	char version[64];
	/* register */
	char error[256];	/* a SmartREST error on s/e */
};

static void
on_connect(struct mosquitto *m, void *obj, int rc)
{
	struct sess *s = obj;

	(void)m;
	s->connack = rc;
	s->state = rc == 0 ? S_UP : S_DOWN;
	debug("CONNACK %d", rc);
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
answered(const struct cloud *cl, const struct mosquitto_message *msg)
{
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
	debug("received %d bytes on %s", n, msg->topic);
	if (!strcmp(msg->topic, SYS_VERSION)) {
		snprintf(s->version, sizeof(s->version), "%.*s", n > 63 ? 63 : n, pl);
	} else if (s->cl && !strcmp(msg->topic, s->health_topic)) {
		s->health = n == 1 && pl[0] == '1' ? 1 : 0;
	} else if (s->cl) {
		if (answered(s->cl, msg))
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
	debug("libmosquitto: %s", str);
}

/* Pushes why libmosquitto said rc (errno is read first). Returns -1. */
static int
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
static int
sess_step(struct sess *s)
{
	int t = left_ms(), rc;

	if (t == 0) {
		s->timedout = 1;
		return err_push("timed out after %g s", bound);
	}
	if (s->step_ms && t > s->step_ms)
		t = s->step_ms;
	rc = mosquitto_loop(s->m, t, 1);
	if (rc == MOSQ_ERR_SUCCESS)
		return 0;
	rc = sess_err(s, rc);
	s->state = S_DOWN;
	return rc;
}

struct tlsconf {
	const char *cafile, *capath, *cert, *key;
};

/* Something accepts TCP connections on host:port: 0, or -1 with why. */
static int
tcp_reachable(const char *host, int port)
{
	struct endpoint ep;
	struct probe p;
	char ps[16];
	int r;

	snprintf(ps, sizeof(ps), "%d", port);
	ep.host = keep(xstrdup(host));
	ep.port = ps;
	ep.text = keep(xasprintf("%s:%d", host, port));
	ep.key = "";
	probe_init(&p, &ep, NULL);
	if ((r = probe_resolve(&p)) == PR_OK)
		r = probe_connect(&p);
	probe_free(&p);
	return r == PR_OK ? 0 : -1;
}

/*
 * A TCP connection of our own, started beside libmosquitto's and never
 * waited for: it costs no round trip. The descriptor, or -1.
 */
static int
tcp_probe_start(const char *host, int port)
{
	struct addrinfo hints, *ai;
	char ps[16];
	int fd;

	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	snprintf(ps, sizeof(ps), "%d", port);
	if (getaddrinfo(host, ps, &hints, &ai) != 0)
		return -1;
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd >= 0 && connect(fd, ai->ai_addr, ai->ai_addrlen) < 0 && errno != EINPROGRESS) {
		close(fd);
		fd = -1;
	}
	freeaddrinfo(ai);
	return fd;
}

/* The probe's verdict: 1 still connecting, 0 connected, -1 refused or
 * failed (errno set). */
static int
tcp_probe_done(int fd)
{
	struct pollfd q = { fd, POLLOUT, 0 };
	socklen_t l = sizeof(int);
	int e = 0;

	if (poll(&q, 1, 0) <= 0)
		return 1;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &l) < 0)
		e = errno;
	errno = e;
	return e ? -1 : 0;
}

/*
 * Connects to host:port with client id id, until CONNACK or the deadline.
 * 0, or -1 with the causes pushed.
 */
static int
sess_open(struct sess *s, const char *host, int port, const char *id, const struct tlsconf *t)
{
	int rc, r, tls = 0, pfd;

	memset(s, 0, sizeof(*s));
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
	if (t && (t->cafile || t->capath)) {
		/*
		 * libmosquitto 2.0.11 never notices a refused TLS connection:
		 * it retries the ClientHello on the dead socket until our
		 * deadline. A TCP connection of our own beside it says at
		 * once (below).
		 */
		tls = 1;
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
	debug("MQTT connection to %s:%d as %s", host, port, id);
	errno = 0;
	if ((rc = mosquitto_connect_async(s->m, host, port, 60)) != MOSQ_ERR_SUCCESS) {
		rc = sess_err(s, rc);
		s->state = S_DOWN;
		return rc;
	}
	pfd = tls ? tcp_probe_start(host, port) : -1;
	while (s->state == S_CONNECTING) {
		if (pfd >= 0 && (r = tcp_probe_done(pfd)) <= 0) {
			close(pfd);
			pfd = -1;
			/* Refused: the blocking probe says why, at once. */
			if (r < 0 && tcp_reachable(host, port) < 0) {
				s->state = S_DOWN;
				s->unreachable = 1;
				return -1;
			}
		}
		s->step_ms = pfd >= 0 ? 5 : 0;
		if (sess_step(s) < 0) {
			if (pfd >= 0)
				close(pfd);
			s->step_ms = 0;
			return -1;
		}
	}
	s->step_ms = 0;
	if (pfd >= 0)
		close(pfd);
	if (s->state != S_UP) {
		if (s->connack > 0)
			return err_push("the broker refused the connection: %s",
			    mosquitto_connack_string(s->connack));
		return err_push("the connection was closed");
	}
	return 0;
}

static void
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
static int
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

/* --- the local broker, the bridge, the round trip --------------------------- */

struct local {
	char *host;
	int port;
	struct tlsconf tls;
};

static struct local loc;

/* mqtt.client.*: where the local broker is and how to talk to it. */
static int
local_conf(void)
{
	char *port, *ca, *cadir, *cert, *key;

	if (conf("mqtt.client.host", &loc.host) != 0 || conf("mqtt.client.port", &port) != 0)
		return err_push("cannot read mqtt.client.host and mqtt.client.port");
	loc.port = atoi(port);
	if (conf("mqtt.client.auth.ca_file", &ca) < 0 ||
	    conf("mqtt.client.auth.ca_dir", &cadir) < 0 ||
	    conf("mqtt.client.auth.cert_file", &cert) < 0 ||
	    conf("mqtt.client.auth.key_file", &key) < 0)
		return err_push("cannot read mqtt.client.auth.*");
	loc.tls.cafile = ca;
	loc.tls.capath = cadir;
	loc.tls.cert = cert;
	loc.tls.key = key;
	return 0;
}

/* A client id no other check uses at the same time. */
static char *
client_id(void)
{
	return keep(xasprintf("tedge-check-%ld-%u", (long)getpid(), ++conn_seq));
}

/* Connects to the local broker; the last cause says what to do. */
static int
local_open(struct sess *s)
{
	if (sess_open(s, loc.host, loc.port, client_id(), &loc.tls) == 0)
		return 0;
	if (s->connack > 0) {
		set_problem("the local MQTT broker at %s:%d refuses the connection", loc.host, loc.port);
		return err_push("The local MQTT broker at %s:%d refuses tedge's connection. Check the mqtt.client.auth.* settings.",
		    loc.host, loc.port);
	}
	set_problem("the local MQTT broker at %s:%d does not accept connections", loc.host, loc.port);
	return err_push("The local MQTT broker at %s:%d does not accept connections. Make sure mosquitto is running%s.",
	    loc.host, loc.port, loc.tls.cafile || loc.tls.capath ?
	    " and that the mqtt.client.auth.* settings match its listener" : "");
}

/*
 * Subscribes to the bridge's health topic and to the cloud's answer, then
 * waits for the bridge to say it is up (payload 1, retained by mosquitto).
 */
static int
bridge_wait(struct sess *s, const struct cloud *cl)
{
	s->cl = cl;
	snprintf(s->health_topic, sizeof(s->health_topic), "%s", (char *)keep(cloud_health_topic(cl)));
	if (sess_subscribe(s, cl->response, 1) < 0 || sess_subscribe(s, s->health_topic, 1) < 0) {
		set_problem("the local broker does not take subscriptions");
		return err_push("The local MQTT broker refused a subscription.");
	}
	while (s->health != 1) {
		if (sess_step(s) < 0) {
			if (!s->timedout) {
				set_problem("the local broker closed the connection");
				return err_push("The local MQTT broker closed the connection.");
			}
			if (s->health == 0) {
				set_problem("the bridge to %s is down", cl->display);
				return err_push("mosquitto's bridge to %s is not connected (%s says 0). Run `tedge-check doctor %s` to find out why, and see mosquitto's log.",
				    cl->display, s->health_topic, cl->name);
			}
			set_problem("mosquitto runs no bridge to %s", cl->display);
			return err_push("mosquitto runs no bridge to %s: nothing on %s. Check that %s/mosquitto-conf/%s exists (`tedge connect %s`), that mosquitto loads that directory (`tedge init`), and restart mosquitto.",
			    cl->display, s->health_topic, cfgdir, cl->bridge_file, cl->name);
		}
	}
	debug("the bridge to %s is up", cl->display);
	return 0;
}

/* The request through the bridge, and its answer. */
static int
roundtrip(struct sess *s, const struct cloud *cl)
{
	int rc, was;

	s->answered = 0;
	if ((rc = mosquitto_publish(s->m, &s->pubmid, cl->request, 0, NULL, 1, false)) != MOSQ_ERR_SUCCESS) {
		sess_err(s, rc);
		set_problem("cannot publish to the local broker");
		return err_push("Cannot publish %s to the local MQTT broker.", cl->request);
	}
	debug("published %s", cl->request);
	while (!s->answered) {
		was = s->health;
		if (sess_step(s) < 0) {
			if (!s->timedout) {
				set_problem("the local broker closed the connection");
				return err_push("The local MQTT broker closed the connection.");
			}
			err_clear();
			if (s->health != 1) {
				set_problem("the bridge to %s went down", cl->display);
				return err_push("mosquitto's bridge to %s went down during the check (%s says 0), and did not come back within %g s. See mosquitto's log; `tedge-check doctor %s` tells more.",
				    cl->display, s->health_topic, bound, cl->name);
			}
			set_problem("no answer from %s", cl->display);
			return err_push("No answer from %s within %g s: %s was published through the bridge, which is up, and nothing came back on %s. %s may be unreachable from the device's network or not available; see mosquitto's log.",
			    cl->display, bound, cl->request, cl->response, cl->display);
		}
		/* The bridge came back: what it lost is asked again. */
		if (was == 0 && s->health == 1 &&
		    mosquitto_publish(s->m, &s->pubmid, cl->request, 0, NULL, 1, false) == MOSQ_ERR_SUCCESS)
			debug("the bridge is back: published %s again", cl->request);
	}
	return 0;
}

/* --- commands --------------------------------------------------------------- */

static double
timeout_or(double dflt)
{
	return opt_timeout > 0 ? opt_timeout : dflt;
}

static void
need_config(void)
{
	if (!cfg_ok)
		die("failed to read the configuration");
}

static int
cmd_broker(void)
{
	struct sess s;
	long long pause = 20;

	need_config();
	if (local_conf() < 0)
		die("failed to read the configuration");
	set_deadline(opt_wait > 0 ? opt_wait : timeout_or(2));
	for (;;) {
		if (sess_open(&s, loc.host, loc.port, client_id(), &loc.tls) == 0) {
			sess_close(&s);
			return EXIT_OK;
		}
		sess_close(&s);
		/* Only a broker that is not listening yet is worth waiting
		 * for; a refusal or a TLS mismatch will not go away. */
		if (opt_wait <= 0 || left_ms() == 0 || !s.unreachable)
			break;
		/* Not listening yet: try again shortly, as long as the bound
		 * allows. A poll, not a sleep: it ends at the deadline. */
		err_clear();
		if (pause > left_ms())
			pause = left_ms();
		poll(NULL, 0, (int)pause);
		if (pause < 200)
			pause *= 2;
	}
	if (opt_wait > 0)
		err_push("waited %g s", opt_wait);
	die("the local MQTT broker at %s:%d does not accept connections", loc.host, loc.port);
}

static int
cmd_cert(void)
{
	struct stat st;
	char *root, *url;
	size_t i;

	need_config();
	if (device_paths(NULL) < 0 || device_check(NULL) < 0)
		die("the device certificate is not usable");
	device_warn_soon();
	/* What the bridge (tedge-bridge-gen) will refuse, said now. */
	if (cn_check() < 0)
		warn_causes();
	/* The bridges' side of "the bridge certificates": a root directory
	 * mosquitto cannot use, for each cloud that is configured. */
	for (i = 0; i < nclouds; i++) {
		if (conf(clouds[i].url_key, &url) != 0 || conf(clouds[i].root_key, &root) != 0) {
			err_clear();
			continue;
		}
		if (stat(root, &st) == 0 && S_ISDIR(st.st_mode) &&
		    cfg_check_capath(clouds[i].root_key, root) < 0)
			warn_causes();
	}
	return EXIT_OK;
}

static int
cmd_register(const struct cloud *cl)
{
	static const char what[] = "failed to create the device in Cumulocity";
	struct endpoint ep;
	struct tlsconf t;
	struct probe p;
	struct stat st;
	struct sess s;
	char *msg;
	int r, suback;

	need_config();
	set_deadline(timeout_or(10));
	if (cloud_endpoint(cl, &ep) < 0 || device_paths(cl) < 0 || device_load(cl) < 0)
		die(what);
	device_warn_soon();
	memset(&t, 0, sizeof(t));
	if (stat(dev.root, &st) == 0 && S_ISDIR(st.st_mode))
		t.capath = dev.root;
	else
		t.cafile = dev.root;
	t.cert = dev.cert;
	t.key = dev.key;
	if (sess_open(&s, ep.host, atoi(ep.port), dev.id, &t) < 0) {
		if (s.timedout) {
			sess_close(&s);
			err_clear();
			err_push("Timed-out attempting to create device in Cumulocity: no answer from %s within %g s.",
			    ep.text, bound);
			die(what);
		}
		if (s.connack > 0) {
			sess_close(&s);
			die(what);
		}
		/* libmosquitto says little about TLS: ask OpenSSL who refused
		 * whom, with the time that is left. */
		sess_close(&s);
		err_clear();
		probe_init(&p, &ep, cl);
		r = probe_run(&p, dev.root, dev.cert, dev.key);
		probe_free(&p);
		if (r == PR_OK)
			err_push("%s accepted the connection on a second try: try again", ep.text);
		else
			explain(&p, r);
		die(what);
	}
	/* The subscription to s/e and the 100 go out together: MQTT keeps a
	 * connection's packets in order, so the subscription is in place
	 * before the answer to the 100 is sent. One round trip saved. */
	suback = s.nsubacks + 1;
	if ((r = mosquitto_subscribe(s.m, NULL, "s/e", 1)) != MOSQ_ERR_SUCCESS) {
		sess_err(&s, r);
		die(what);
	}
	msg = keep(xasprintf("100,%s,%s", dev.id, dev.type));
	debug("publishing %s on s/us", msg);
	if ((r = mosquitto_publish(s.m, &s.pubmid, "s/us", (int)strlen(msg), msg, 1, false)) != MOSQ_ERR_SUCCESS) {
		sess_err(&s, r);
		die(what);
	}
	while ((!s.pubacked || s.nsubacks < suback) && !s.error[0] && !s.subfail) {
		if (sess_step(&s) < 0) {
			if (s.timedout) {
				err_clear();
				err_push("Timed-out waiting for device creation acknowledgment from Cumulocity (%g s).",
				    bound);
			} else {
				err_push("Cumulocity closed the connection");
			}
			die(what);
		}
	}
	if (s.subfail) {
		err_push("Cumulocity refused the subscription to s/e");
		die(what);
	}
	/* An answer already on its way is read before the verdict. */
	if (!s.error[0])
		mosquitto_loop(s.m, 0, 1);
	if (s.error[0]) {
		err_push("Cumulocity answered %s", s.error);
		die(what);
	}
	sess_close(&s);
	return EXIT_OK;
}

static int
cmd_cloud(const struct cloud *cl)
{
	struct sess s;

	need_config();
	set_deadline(timeout_or(10));
	if (local_conf() < 0)
		die("failed to read the configuration");
	if (local_open(&s) < 0 || bridge_wait(&s, cl) < 0 || roundtrip(&s, cl) < 0)
		die("failed to check the connection to %s cloud", cl->display);
	sess_close(&s);
	return EXIT_OK;
}

/* --- doctor ----------------------------------------------------------------- */

static const struct cloud *doc_cloud;

static void __attribute__((format(printf, 3, 0)))
layer_line(const char *tag, const char *layer, const char *fmt, va_list ap)
{
	fprintf(stderr, "%-4s %s: ", tag, layer);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

static void __attribute__((format(printf, 2, 3)))
layer_ok(const char *layer, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	layer_line("ok", layer, fmt, ap);
	va_end(ap);
}

/* Something to fix that does not stop the layers after it: doctor's exit
 * stays what the layers say. */
static void __attribute__((format(printf, 2, 3)))
layer_warn(const char *layer, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	layer_line("WARN", layer, fmt, ap);
	va_end(ap);
}

static void __attribute__((noreturn))
layer_fail(const char *layer)
{
	fprintf(stderr, "FAIL %s: %s\n\n", layer, problem[0] ? problem : "failed");
	die("the connection to %s fails at the %s layer", doc_cloud->display, layer);
}

/* The host and port of the address line of a bridge file, or NULL. */
static char *
bridge_address(const char *path)
{
	char *buf, *p, *e, *a = NULL;
	size_t len;

	if (!(buf = fs_read(path, 1 << 20, &len)))
		return NULL;
	for (p = buf; *p; p = *e ? e + 1 : e) {
		e = p + strcspn(p, "\n");
		if (!strncmp(p, "address ", 8)) {
			a = xstrndup(p + 8, (size_t)(e - p - 8));
			break;
		}
	}
	free(buf);
	return a ? keep(a) : NULL;
}

/*
 * The version of the broker that runs: retained on $SYS/broker/version,
 * so it comes right behind the SUBACK; the SUBACK of a second subscription
 * comes after it, which ends the wait without guessing one. With $SYS off,
 * the first line of `mosquitto -h`. NULL when neither tells.
 */
static const char *
broker_version(struct sess *s)
{
	if (sess_subscribe(s, SYS_VERSION, 0) == 0 &&
	    sess_subscribe(s, "tedge-check/version-fence", 0) == 0 && s->version[0]) {
		debug("%s: %s", SYS_VERSION, s->version);
		return s->version;
	}
	err_clear();
	return version_from_cmd(left_ms());
}

static int
cmd_doctor(const struct cloud *cl)
{
	struct endpoint ep;
	struct probe p;
	struct stat st;
	struct sess s;
	struct inc inc;
	char d[64], *path, *addr, *want, *bconf;
	const char *v, *hazard;
	int r;

	doc_cloud = cl;
	set_deadline(timeout_or(10));

	/* configuration */
	if (!cfg_ok) {
		set_problem("tedge.toml cannot be read");
		layer_fail("configuration");
	}
	if (cloud_endpoint(cl, &ep) < 0) {
		set_problem("'%s' is not set", cl->url_key);
		layer_fail("configuration");
	}
	if (device_paths(cl) < 0 || local_conf() < 0) {
		set_problem("the configuration cannot be read");
		layer_fail("configuration");
	}
	layer_ok("configuration", "%s %s, %s %s", ep.key, ep.text, cl->root_key, dev.root);

	/* certificate */
	if (device_load(cl) < 0)
		layer_fail("certificate");
	x509_duration_text(dev.left, d, sizeof(d));
	layer_ok("certificate", "%s for %s, valid until %s (%s left)%s", dev.cert, dev.id,
	    dev.until, d, dev.soon ? ", renew it soon" : "");

	probe_init(&p, &ep, cl);
	/* dns */
	if ((r = probe_resolve(&p)) != PR_OK) {
		explain(&p, r);
		layer_fail("dns");
	}
	layer_ok("dns", "%s is %s", ep.host, p.resolved);
	/* tcp */
	if ((r = probe_connect(&p)) != PR_OK) {
		explain(&p, r);
		layer_fail("tcp");
	}
	layer_ok("tcp", "%s accepts connections", p.addr);
	/* tls server, tls client */
	r = probe_handshake(&p, dev.root, dev.cert, dev.key);
	if (r != PR_OK && r != PR_CLIENT) {
		explain(&p, r);
		layer_fail("tls server");
	}
	layer_ok("tls server", "the certificate of %s (%s) is trusted by %s", ep.host, p.server,
	    cl->root_key);
	if (r == PR_OK)
		r = probe_mqtt(&p);
	if (r != PR_OK) {
		explain(&p, r);
		layer_fail("tls client");
	}
	if (p.connack >= 0)
		layer_ok("tls client", "%s accepts the device certificate (MQTT CONNACK %d)", ep.text,
		    p.connack);
	else
		layer_ok("tls client", "%s accepts the device certificate", ep.text);
	probe_free(&p);

	/*
	 * broker config: whether the broker's configuration file loads ours.
	 * Read before the broker is asked, as mosquitto reads it before it
	 * listens; a warning, not a failure: mosquitto may be started with
	 * another file, and the live layers after it tell. When one of them
	 * fails, this is the first reason given.
	 */
	if (conf("mqtt.broker.config_path", &bconf) != 0)
		bconf = keep(xstrdup("/etc/mosquitto/mosquitto.conf"));
	broker_includes(bconf, &inc);
	if (inc.state == INC_YES)
		layer_ok("broker config", "%s", inc.how);
	else
		layer_warn("broker config", "%s", inc.state == INC_NO ? inc_advice(&inc) : inc.how);

	/* local broker */
	if (local_open(&s) < 0) {
		if (s.connack <= 0)
			distro_explain(&inc, 1, keep(xasprintf("The local MQTT broker at %s:%d does not accept connections.",
			    loc.host, loc.port)));
		layer_fail("local broker");
	}
	layer_ok("local broker", "%s:%d accepts MQTT connections", loc.host, loc.port);
	if ((v = broker_version(&s)) && (hazard = version_hazard(v, bconf)))
		layer_warn("local broker", "%s", hazard);

	/* bridge: the file, the address in it, mosquitto's word */
	path = keep(xasprintf("%s/mosquitto-conf/%s", cfgdir, cl->bridge_file));
	if (stat(path, &st) < 0) {
		err_pushsysf(errno, "cannot read %s", path);
		set_problem("there is no bridge file %s", path);
		err_push("There is no bridge to %s. Run `tedge connect %s`.", cl->display, cl->name);
		layer_fail("bridge");
	}
	addr = bridge_address(path);
	want = keep(xasprintf("%s:%s", ep.host, ep.port));
	err_clear();
	if (!addr || strcmp(addr, want)) {
		set_problem("the bridge connects to %s, the configuration says %s",
		    addr ? addr : "nowhere", want);
		err_push("%s was made for another configuration. Run `tedge reconnect %s`.",
		    path, cl->name);
		layer_fail("bridge");
	}
	if (bridge_wait(&s, cl) < 0) {
		if (s.timedout && s.health < 0)
			distro_explain(&inc, 0, keep(xasprintf("mosquitto runs no bridge to %s: nothing on %s.",
			    cl->display, s.health_topic)));
		else if (s.timedout)
			distro_explain(NULL, 0, keep(xasprintf("mosquitto's bridge to %s is not connected (%s says 0).",
			    cl->display, s.health_topic)));
		layer_fail("bridge");
	}
	layer_ok("bridge", "mosquitto's bridge to %s is up", ep.text);

	/* round trip */
	if (roundtrip(&s, cl) < 0)
		layer_fail("round trip");
	layer_ok("round trip", "%s answered on %s", cl->request, cl->response);
	sess_close(&s);
	fprintf(stderr, "The connection to %s works.\n", cl->display);
	return EXIT_OK;
}

/* --- main ------------------------------------------------------------------- */

static double
secs_arg(const char *opt, const char *s)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !(v > 0) || v > 86400)
		die_usage("invalid value '%s' for '%s': seconds, more than 0 and at most 86400",
		    s, opt);
	return v;
}

int
main(int argc, char *argv[])
{
	static const struct option opts[] = {
		{ "config-dir", required_argument, NULL, 'c' },
		{ "timeout", required_argument, NULL, 't' },
		{ "wait", required_argument, NULL, 'w' },
		{ "debug", no_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	const struct cloud *cl = NULL;
	const char *dir = NULL, *cmd, *dbg;
	int ch, r;

	err_setprog(argv[0]);
	dbg = getenv("TEDGE_DEBUG");
	debugging = dbg && *dbg && strcmp(dbg, "0");
	while ((ch = getopt_long(argc, argv, "c:t:w:dhV", opts, NULL)) != -1) {
		switch (ch) {
		case 'c': dir = optarg; break;
		case 't': opt_timeout = secs_arg("--timeout", optarg); break;
		case 'w': opt_wait = secs_arg("--wait", optarg); break;
		case 'd': debugging = 1; break;
		case 'h':
			exit_help(usage_text);
		case 'V':
			exit_version();
		default:
			fputs("\nFor more information, try '--help'.\n", stderr);
			return EXIT_USAGE;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1)
		die_usage("a subcommand is required: broker, register, cloud, cert or doctor");
	cmd = argv[0];
	if (!strcmp(cmd, "broker") || !strcmp(cmd, "cert")) {
		if (argc > 1)
			die_usage("unexpected argument '%s' found", argv[1]);
	} else if (!strcmp(cmd, "register") || !strcmp(cmd, "cloud") || !strcmp(cmd, "doctor")) {
		if (argc < 2)
			die_usage("'%s' needs a cloud: %s", cmd,
			    !strcmp(cmd, "register") ? "c8y" : "c8y, az or aws");
		if (argc > 2)
			die_usage("unexpected argument '%s' found", argv[2]);
		if (!(cl = cloud_find(argv[1])) || (!strcmp(cmd, "register") && strcmp(cl->name, "c8y")))
			die_usage("invalid cloud '%s' for '%s': %s", argv[1], cmd,
			    !strcmp(cmd, "register") ? "only c8y has a device registration" : "c8y, az or aws");
	} else {
		die_usage("unrecognized subcommand '%s'", cmd);
	}
	if (opt_wait > 0 && strcmp(cmd, "broker"))
		die_usage("--wait goes with broker only");
	if (opt_timeout > 0 && !strcmp(cmd, "cert"))
		die_usage("--timeout does not go with cert");
	if (dir && !*dir)
		die_usage("--config-dir needs a non-empty directory");

	/* A server that hangs up must give an error, not kill us. */
	signal(SIGPIPE, SIG_IGN);
	/* Ours, not a key of tedge.toml: taken out before cfg_load warns
	 * about an unknown field. */
	if ((kernel_log = getenv("TEDGE_CHECK_KERNEL_LOG"))) {
		kernel_log = keep(xstrdup(kernel_log));
		unsetenv("TEDGE_CHECK_KERNEL_LOG");
	}
	cfgdir = paths_config_dir(dir);
	cfg_ok = cfg_load(&cfg, cfgdir, CFG_ENV) == 0;
	if (cfg_ok)
		warn_unknown_keys(&cfg, getenv("TEDGE_QUIET_UNKNOWN_KEYS"));
	if (!cfg_ok && strcmp(cmd, "doctor"))
		die("failed to read the configuration");
	mosquitto_lib_init();
	if (!strcmp(cmd, "broker"))
		r = cmd_broker();
	else if (!strcmp(cmd, "cert"))
		r = cmd_cert();
	else if (!strcmp(cmd, "register"))
		r = cmd_register(cl);
	else if (!strcmp(cmd, "cloud"))
		r = cmd_cloud(cl);
	else
		r = cmd_doctor(cl);
	mosquitto_lib_cleanup();
	device_free();
	cfg_free(&cfg);
	keep_free();
	fshut_stdout();
	return r;
}
