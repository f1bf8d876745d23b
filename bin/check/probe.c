/* SPDX-License-Identifier: Apache-2.0 */
/*
 * probe.c: the raw prober: a DNS lookup, a TCP connection, an OpenSSL
 * handshake and an MQTT CONNECT of its own, which tell who refused whom
 * where libmosquitto says little, and explain(), which turns what it found
 * into what to do.
 */
#include <sys/socket.h>
#include <sys/stat.h>

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "cloud.h"
#include "tedge.h"
#include "check.h"
#include "x509.h"

/* --- a TLS handshake with OpenSSL, to tell what went wrong ----------------- */

void
probe_init(struct probe *p, struct run *run, const struct endpoint *ep, const struct cloud *cl)
{
	memset(p, 0, sizeof(*p));
	p->run = run;
	p->ep = ep;
	p->cl = cl;
	p->fd = -1;
	p->alert = -1;
	p->connack = -1;
	p->verr = X509_V_OK;
}

void
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

int
probe_resolve(struct probe *p)
{
	struct addrinfo hints, *a;
	size_t len = 0;
	int r;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	debug(p->run, "resolving %s", p->ep->host);
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
int
probe_connect(struct probe *p)
{
	struct addrinfo *a;
	int e = 0, fd, r;
	socklen_t elen;
	char last[sizeof(p->addr)] = "";

	for (a = p->ai; a; a = a->ai_next) {
		addr_text(a->ai_addr, a->ai_addrlen, last, sizeof(last));
		debug(p->run, "connecting to %s", last);
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
		} else if ((r = wait_fd(p->run, fd, POLLOUT)) <= 0) {
			close(fd);
			if (r == 0) {
				err_push("no answer from %s within %g s", last, p->run->bound);
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
		debug(p->run, "TLS alert from the server: %s", SSL_alert_desc_string_long(ret));
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
			r = wait_fd(p->run, p->fd, e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT);
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
int
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
	debug(p->run, "TLS handshake with %s", p->addr);
	r = ssl_drive(p, op_connect, NULL, 0);
	if (r > 0) {
		debug(p->run, "TLS handshake done: %s", SSL_get_version(p->ssl));
		return PR_OK;
	}
	if (r == 0) {
		err_push("the TLS handshake with %s did not end within %g s", p->addr, p->run->bound);
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
int
probe_mqtt(struct probe *p)
{
	unsigned char pkt[64], in[4];
	char id[32];
	size_t idlen, got = 0;
	long long saved = p->run->deadline;
	int r;

	if (SSL_version(p->ssl) == TLS1_3_VERSION) {
		/*
		 * Listen first. The server judges the certificate now and
		 * says so: an alert, or session tickets. A CONNECT written to
		 * a server that has just closed gets a reset, which loses the
		 * alert. A server that sends neither gets 1 s (a bound: it
		 * ends at the first word), then the CONNECT.
		 */
		if (p->run->deadline > clock_ms() + 1000)
			p->run->deadline = clock_ms() + 1000;
		p->listening = 1;
		r = ssl_drive(p, op_read, in, sizeof(in));
		p->listening = 0;
		p->run->deadline = saved;
		if (r > 0) {
			err_push("%s sent data before the MQTT CONNECT", p->addr);
			return PR_CLIENT;
		}
		if (r < 0)
			return client_refused(p, "after the TLS handshake");
		debug(p->run, "after the handshake: %s", p->ticket ? "session tickets" : "silence");
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
		debug(p->run, "CONNACK %d", p->connack);
		pkt[0] = 0xe0;		/* DISCONNECT */
		pkt[1] = 0;
		ssl_drive(p, op_write, pkt, 2);
		return PR_OK;
	}
	if (r == 0) {
		/* A ticket came: the server accepted the client. */
		if (p->ticket)
			return PR_OK;
		err_push("no MQTT answer from %s within %g s", p->addr, p->run->bound);
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
int
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
void
explain(struct probe *p, int r)
{
	const struct cloud *cl = p->cl;
	const struct endpoint *ep = p->ep;

	switch (r) {
	case PR_DNS:
		set_problem(p->run, "the name %s does not resolve", ep->host);
		err_push("The name %s does not resolve. Check '%s' (and the DNS settings of the device).",
		    ep->host, !strcmp(ep->key, "c8y.mqtt") ? "c8y.url' or 'c8y.mqtt" : ep->key);
		break;
	case PR_TCP:
		set_problem(p->run, "nothing accepts connections on %s", ep->text);
		err_push("%s does not accept TCP connections. Check the port in '%s', and that the network lets the device reach it.",
		    ep->text, ep->key);
		break;
	case PR_SERVER:
		if (p->verr == X509_V_ERR_HOSTNAME_MISMATCH || p->verr == X509_V_ERR_IP_ADDRESS_MISMATCH) {
			set_problem(p->run, "the server certificate is not for %s", ep->host);
			err_push("The certificate of %s is made for another name. Check '%s'.",
			    ep->text, ep->key);
		} else if (p->verr != X509_V_OK && p->sysonly) {
			set_problem(p->run, "the server certificate is trusted by the system, not by %s",
			    cl->root_key);
			err_push("%s certificate is not trusted by the device. Check your '%s': its CA is in the system's trust store, but not in %s, which the bridge uses.",
			    cl->display, cl->root_key, p->run->dev.root);
		} else if (p->verr != X509_V_OK) {
			set_problem(p->run, "the server certificate is not trusted by the device");
			err_push("%s certificate is not trusted by the device. Check your '%s'.",
			    cl->display, cl->root_key);
		} else {
			set_problem(p->run, "%s does not speak TLS", ep->text);
			err_push("%s is not the TLS endpoint of %s. Check the port in '%s'.",
			    ep->text, cl->display, ep->key);
		}
		break;
	case PR_CLIENT:
		switch (alert_category(p->alert)) {
		case 'k':
			set_problem(p->run, "the server could not check the device's key");
			err_push("The private key is not paired with the certificate. Check your 'device.key_path'.");
			break;
		case 'e':
			set_problem(p->run, "%s says the device certificate has expired", cl->display);
			err_push("%s says the device certificate has expired. Renew it, then: %s.",
			    cl->display, cl->trust_hint);
			break;
		case 'r':
			set_problem(p->run, "%s says the device certificate is revoked", cl->display);
			err_push("The device certificate has been revoked. The device needs a new one.");
			break;
		default:
			set_problem(p->run, "the device certificate is not trusted by %s", cl->display);
			err_push("The device certificate is not trusted by %s. %s.", cl->display,
			    cl->trust_hint);
			break;
		}
		break;
	case PR_TIMEOUT:
		set_problem(p->run, "%s does not answer", ep->text);
		err_push("%s does not answer. Check the network between the device and %s.",
		    ep->text, cl->display);
		break;
	default:
		set_problem(p->run, "the device's TLS setup cannot be made");
		err_push("The device's certificate, key or root certificates cannot be used.");
		break;
	}
}
