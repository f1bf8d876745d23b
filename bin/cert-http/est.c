/* SPDX-License-Identifier: Apache-2.0 */
/*
 * est.c: enroll and reenroll, the device certificate from Cumulocity's
 * CA by EST (RFC 7030), as thin-edge's `tedge cert download c8y` and
 * `tedge cert renew c8y` ask it.
 *
 * stdin: a secret line (enroll: the one-time password of the device's
 * registration; reenroll: the device's JWT, what Cumulocity sent after
 * "71,"), then the CSR as PEM. The CSR goes as thin-edge sends it: the
 * PEM text without its BEGIN and END lines. A reply of 200 or 201 holds
 * PEM certificates, or base64 DER PKCS#7 certs-only (BER with indefinite
 * lengths too); every certificate goes to stdout as PEM. enroll retries
 * every --retry-every until --max-timeout has passed since the first
 * attempt, with thin-edge's lines on stderr; reenroll tries once.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>
#include <json-c/json.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/pkcs7.h>
#include <openssl/x509.h>

#include "cert-http.h"

#define TOKEN_MAX 8191		/* characters of the one-time password or JWT */
#define CSR_MAX (64 << 10)	/* bytes of the CSR's PEM */
#define SHOWN_MAX 300		/* bytes of a server's text in a message */

/* The secret: wiped before any exit. */
static char token[TOKEN_MAX + 1];

struct est {
	char *hp;	/* host:port, for thin-edge's messages */
	char *base;	/* https://host[:port], :443 left out as URLs do */
	char *url;	/* base + the EST path */
	char *csr;	/* the request's body */
	const char *id;	/* enroll: the device id, Basic id:token; else Bearer */
};

static char what[512];	/* the Error: line of any failure */

static void __attribute__((noreturn))
stop(void)
{
	OPENSSL_cleanse(token, sizeof(token));
	die("%s", what);
}

/* Pushes "fmt: <OpenSSL's reason>" and forgets OpenSSL's errors. */
static int
ssl_cause(const char *fmt)
{
	unsigned long e = ERR_get_error();
	const char *r = e ? ERR_reason_error_string(e) : NULL;

	ERR_clear_error();
	return err_push("%s: %s", fmt, r ? r : "unknown error");
}

/*
 * A server's text, fit for one line of a message: blanks trimmed, at most
 * SHOWN_MAX bytes, control characters and bytes that are not UTF-8
 * escaped, so that it can neither start a line nor drive a terminal.
 * malloc'd.
 */
static char *
shown(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + n, *q;
	char *out, *o;
	long c;

	while (p < end && *p && strchr(" \t\r\n", *p))
		p++;
	while (end > p && end[-1] && strchr(" \t\r\n", end[-1]))
		end--;
	out = o = xmalloc(SHOWN_MAX + 16);
	while (p < end && o - out < SHOWN_MAX) {
		q = p;
		c = utf8_next(&p);
		if (c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0) || p > end) {
			o += snprintf(o, 8, "\\x%02x", *q);	/* not UTF-8, or cut */
			p = q + 1;
		} else {
			memcpy(o, q, (size_t)(p - q));
			o += p - q;
		}
	}
	strcpy(o, p < end ? "..." : "");
	return out;
}

/* ": <message>" of Cumulocity's error JSON ({"error": ..., "message":
 * ...}, both strings), else "". malloc'd. */
static char *
c8y_message(const struct buf *b)
{
	struct json_object *j, *e, *m;
	char *msg, *r;

	j = b->p ? json_tokener_parse(b->p) : NULL;
	if (!j || !json_object_object_get_ex(j, "error", &e) ||
	    !json_object_is_type(e, json_type_string) ||
	    !json_object_object_get_ex(j, "message", &m) ||
	    !json_object_is_type(m, json_type_string)) {
		json_object_put(j);
		return xasprintf("%s", "");	/* tedge-cert-http imports no xstrdup */
	}
	msg = shown(json_object_get_string(m), strlen(json_object_get_string(m)));
	r = xasprintf(": %s", msg);
	free(msg);
	json_object_put(j);
	return r;
}

/* "401 Unauthorized", or the code alone when it has no phrase here. */
static const char *
status(long code)
{
	static char buf[64];
	const char *r = http_reason(code);

	snprintf(buf, sizeof(buf), "%ld%s%s", code, *r ? " " : "", r);
	return buf;
}

/*
 * The bytes of the base64 text s[0, n) (blanks and line ends anywhere)
 * in a malloc'd *der: their count; -1 when the text is base64 but not
 * whole (its length, its padding); -2 when it holds another character or
 * nothing.
 */
static long
unbase64(const char *s, size_t n, unsigned char **der)
{
	char *t, *o;
	size_t i, pad = 0;
	int len;

	o = t = xmalloc(n + 1);
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
			continue;
		if (!(c >= 'A' && c <= 'Z') && !(c >= 'a' && c <= 'z') &&
		    !(c >= '0' && c <= '9') && c != '+' && c != '/' && c != '=') {
			free(t);
			return -2;
		}
		*o++ = (char)c;
	}
	n = (size_t)(o - t);
	while (pad < n && t[n - 1 - pad] == '=')
		pad++;
	*der = xmalloc(n + 1);
	/* EVP_DecodeBlock counts the padding's bytes too */
	len = n && n % 4 == 0 && pad <= 2 ? EVP_DecodeBlock(*der, (unsigned char *)t, (int)n) : -1;
	free(t);
	if (!n || len < 0) {
		FREE(*der);
		return n ? -1 : -2;
	}
	return len - (long)pad;
}

/*
 * The next block of *p from its begin line to its end line: the text
 * between them in [*b, *e), and *p moved past it. 1; 0 when there is no
 * other; -1 when it has no end.
 */
static int
pem_block(const char **p, const char *begin, const char *end, const char **b,
    const char **e)
{
	const char *s, *t;

	if (!(s = strstr(*p, begin)))
		return 0;
	s += strlen(begin);
	s += *s == '\r';
	s += *s == '\n';
	if (!(t = strstr(s, end)))
		return -1;
	*b = s, *e = t;
	*p = t + strlen(end);
	return 1;
}

/*
 * The certificates of a 200/201 body: checked (print 0), then printed as
 * PEM on stdout (print 1). 0; 1 when the body is neither PEM nor base64
 * (an unreadable answer, worth another attempt); -1 with the cause pushed
 * when it is one of them but holds no certificate (an answer that will
 * not change).
 */
static int
certs_of(const struct buf *b, int print)
{
	const unsigned char *d;
	unsigned char *der;
	const char *p = b->p, *s, *t;
	PKCS7 *p7;
	X509 *x;
	long len;
	int i, r;

	if (!b->n || strlen(b->p) != b->n)
		return 1;
	if (strstr(b->p, "-----BEGIN CERTIFICATE-----")) {
		while ((r = pem_block(&p, "-----BEGIN CERTIFICATE-----",
		    "-----END CERTIFICATE-----", &s, &t)) != 0) {
			if (r < 0 || (len = unbase64(s, (size_t)(t - s), &der)) < 0)
				return err_push("Invalid PEM certificate: not base64");
			d = der;
			x = d2i_X509(NULL, &d, len);
			free(der);
			if (!x)
				return ssl_cause("Invalid PEM certificate");
			if (print)
				PEM_write_X509(stdout, x);
			X509_free(x);
		}
		return 0;
	}
	if ((len = unbase64(b->p, b->n, &der)) == -2)
		return 1;
	if (len < 0)
		return err_push("Invalid pkcs#7 certificate: not base64");
	d = der;
	p7 = d2i_PKCS7(NULL, &d, len);
	free(der);
	if (!p7)
		return ssl_cause("Invalid pkcs#7 certificate");
	r = 0;
	if (!PKCS7_type_is_signed(p7) || !p7->d.sign)
		r = err_push("Invalid pkcs#7 certificate: not SignedData");
	else if (sk_X509_num(p7->d.sign->cert) <= 0)
		r = err_push("No certificate found in pkcs#7 content");
	else if (print)
		for (i = 0; i < sk_X509_num(p7->d.sign->cert); i++)
			PEM_write_X509(stdout, sk_X509_value(p7->d.sign->cert, i));
	PKCS7_free(p7);
	return r;
}

/* One POST of the CSR. */
static CURLcode
post(const struct est *e, struct buf *resp, long *code, char *errbuf)
{
	struct curl_slist *hdr = NULL;
	CURLcode rc;
	CURL *c;

	free(resp->p);
	resp->p = NULL, resp->n = 0;
	*code = 0;
	if (!(c = http_new(e->url, resp, errbuf))) {
		snprintf(errbuf, CURL_ERROR_SIZE, "cannot initialise libcurl");
		return CURLE_FAILED_INIT;
	}
	if (!e->id) {	/* reenroll: the token is a JWT */
		curl_easy_setopt(c, CURLOPT_HTTPAUTH, (long)CURLAUTH_BEARER);
		curl_easy_setopt(c, CURLOPT_XOAUTH2_BEARER, token);
	} else {
		curl_easy_setopt(c, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
		curl_easy_setopt(c, CURLOPT_USERNAME, e->id);
		curl_easy_setopt(c, CURLOPT_PASSWORD, token);
	}
	hdr = curl_slist_append(hdr, "Content-Type: application/pkcs10");
	hdr = curl_slist_append(hdr, "Accept: application/pkcs7-mime;smime-type=certs-only, "
	    "application/vnd.com.nsn.cumulocity.error+json");
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdr);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, e->csr);
	rc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, code);
	curl_easy_cleanup(c);
	curl_slist_free_all(hdr);
	return rc;
}

/* Every certificate of the reply, PEM, on stdout, and the end. */
static int
print(struct est *e, struct buf *resp)
{
	OPENSSL_cleanse(token, sizeof(token));
	certs_of(resp, 1);
	free(e->hp), free(e->base), free(e->url), free(e->csr), free(resp->p);
	fshut_stdout();
	curl_global_cleanup();
	return EXIT_OK;
}

/* A duration option's value in milliseconds (dflt when not given). */
static long long
duration_ms(const char *opt, const char *val, const char *dflt)
{
	unsigned long long s;

	if (!val)
		val = dflt;
	if (cfg_duration_secs(val, &s) < 0) {
		err_clear();
		die_usage("invalid value '%s' for '--%s <DURATION>': a duration, e.g. 30s, 10m, 1h",
		    val, opt);
	}
	return (long long)s * 1000;
}

/*
 * The endpoint (--url, else c8y.http) and its EST path into e; the
 * configured trust (c8y.root_cert_path).
 */
static void
endpoint(struct est *e, const char *path)
{
	const struct cfg_key *k = cfg_key_find("c8y.http", NULL);
	const char *colon, *p;
	char *v, *root;
	unsigned long port = 443;
	size_t hl;

	if (opt_url) {
		if (cfg_parse(k, opt_url, &v) < 0) {
			err_clear();
			die_usage("invalid value '%s' for '--url <HOST[:PORT]>': expected HOST or HOST:PORT",
			    opt_url);
		}
	} else if (cfg_need(&cfg, "c8y.http", &v) != 0) {
		stop();
	}
	if (v[0] == '[')
		colon = (colon = strstr(v, "]:")) ? colon + 1 : NULL;
	else	/* one colon at most: the value was checked */
		colon = strchr(v, ':');
	hl = colon ? (size_t)(colon - v) : strlen(v);
	if (colon)	/* checked: digits, at most 65535 */
		for (port = 0, p = colon + 1; *p; p++)
			port = port * 10 + (unsigned long)(*p - '0');
	e->hp = xasprintf("%.*s:%lu", (int)hl, v, port);
	e->base = xasprintf("https://%.*s", port == 443 ? (int)hl : (int)strlen(e->hp), e->hp);
	e->url = xasprintf("%s%s", e->base, path);
	free(v);
	if (cfg_need(&cfg, "c8y.root_cert_path", &root) != 0 || http_trust(root) < 0)
		stop();
}

/*
 * stdin: the secret line (what: "one-time password", "token"), then the
 * CSR, which becomes e->csr: the text between its BEGIN and END lines, as
 * thin-edge sends it. Any fault stops the program.
 */
static void
read_input(struct est *e, const char *secret)
{
	char *pem = NULL, *o;
	const char *p, *b, *t;
	unsigned char *der;
	int ok = 0;
	size_t n = 0;
	ssize_t r;
	long len;

	if (fs_read_line(STDIN_FILENO, token, sizeof(token), secret) < 0)
		stop();
	if (!*token) {
		err_push("the %s (the first line of stdin) is empty", secret);
		stop();
	}
	for (;;) {
		pem = xrealloc(pem, n + 4096 + 1);
		r = read(STDIN_FILENO, pem + n, 4096);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			err_pushsysf(errno, "cannot read the CSR from stdin");
			stop();
		}
		if (r == 0)
			break;
		if ((n += (size_t)r) > CSR_MAX) {
			err_push("the CSR on stdin is longer than %d bytes", CSR_MAX);
			stop();
		}
	}
	pem[n] = '\0';
	p = pem;
	if (strlen(pem) == n && pem_block(&p, "-----BEGIN CERTIFICATE REQUEST-----",
	    "-----END CERTIFICATE REQUEST-----", &b, &t) > 0 &&
	    (len = unbase64(b, (size_t)(t - b), &der)) >= 0) {
		/* DER: a SEQUENCE; the CA judges the rest */
		ok = len > 2 && der[0] == 0x30;
		free(der);
	}
	if (!ok) {
		err_push("the CSR on stdin (after the first line) is not a PEM certificate request");
		stop();
	}
	/* its lines, LF-terminated */
	e->csr = o = xmalloc((size_t)(t - b) + 2);
	for (; b < t; b++)
		if (*b != '\r')
			*o++ = *b;
	if (o > e->csr && o[-1] != '\n')
		*o++ = '\n';
	*o = '\0';
	free(pem);
}

/*
 * What enroll and reenroll start with: the cloud (argv[0]), the endpoint
 * and its path, stdin (the secret, then the CSR), curl.
 */
static void
start(struct est *e, const char *cmd, const char *cloud, const char *path, const char *secret)
{
	if (strcmp(cloud, "c8y"))
		die_usage("invalid value '%s' for '<CLOUD>': %s is for c8y (Cumulocity) only", cloud, cmd);
	endpoint(e, path);
	if (e->id)
		snprintf(what, sizeof(what), "failed to Download a certificate from %s for the device %s",
		    e->hp, e->id);
	else
		snprintf(what, sizeof(what), "failed to renew the device certificate via %s", e->base);
	read_input(e, secret);
	if (http_init() < 0)
		stop();
}

int
cmd_enroll(int argc, char **argv)
{
	struct est e = { 0 };
	struct buf resp = { NULL, 0 };
	char errbuf[CURL_ERROR_SIZE], *msg;
	long long retry, max, started, left, wait;
	long code;
	CURLcode rc;

	(void)argc;
	if (!opt_id)
		die_usage("the following required arguments were not provided:\n  --device-id <ID>");
	retry = duration_ms("retry-every", opt_retry, "30s");
	max = duration_ms("max-timeout", opt_max, "10m");
	/* The id is the user of Basic authentication (no ':' may be in it),
	 * and in every message (its cause shows it quoted). */
	snprintf(what, sizeof(what), "failed to Download a certificate");
	if (cfg_check_device_id(opt_id) < 0)
		stop();
	e.id = opt_id;
	snprintf(what, sizeof(what), "failed to Download a certificate for the device %s", e.id);
	start(&e, "enroll", argv[0], "/.well-known/est/simpleenroll", "one-time password");

	started = clock_ms();
	for (;;) {
		rc = post(&e, &resp, &code, errbuf);
		if (rc != CURLE_OK) {
			fprintf(stderr, "error: Fail to connect to %s: %s\n", e.hp, http_failure(rc, errbuf));
		} else if (code == 200 || code == 201) {
			switch (certs_of(&resp, 0)) {
			case 0:
				return print(&e, &resp);
			case -1:
				stop();
			}
			fprintf(stderr, "error: Fail to extract a certificate from the response returned by %s\n",
			    e.hp);
		} else {
			msg = c8y_message(&resp);
			fprintf(stderr, "error: The device %s is not registered yet on %s: %s%s\n",
			    e.id, e.hp, status(code), msg);
			free(msg);
		}
		/* ">=": a 0s timeout is one attempt, however fast the clock */
		if ((left = max - (clock_ms() - started)) <= 0) {
			err_push("Maximum timeout elapsed. No certificate has been downloaded");
			stop();
		}
		/* The last wait ends at the deadline, for one last attempt:
		 * the whole is bounded by --max-timeout and that attempt. */
		wait = retry < left ? retry : left;
		fprintf(stderr, "warning: Will retry in %lld seconds\n", (wait + 999) / 1000);
		while (wait > 0) {	/* an hour at a time: nap_ms takes a long */
			nap_ms(wait > 3600000 ? 3600000 : (long)wait);
			wait -= 3600000;
		}
	}
}

int
cmd_reenroll(int argc, char **argv)
{
	struct est e = { 0 };
	struct buf resp = { NULL, 0 };
	char errbuf[CURL_ERROR_SIZE], *body;
	const char *p;
	long code;
	CURLcode rc;
	int r;

	(void)argc;
	snprintf(what, sizeof(what), "failed to renew the device certificate");
	start(&e, "reenroll", argv[0], "/.well-known/est/simplereenroll", "token");
	/* It goes into a header line as it is. */
	for (p = token; *p; p++)
		if (*p <= ' ' || *p == 0x7f) {
			err_push("the token (the first line of stdin) holds a character a JWT cannot hold");
			stop();
		}
	rc = post(&e, &resp, &code, errbuf);
	if (rc != CURLE_OK) {
		err_push("Fail to connect to %s: %s", e.url, http_failure(rc, errbuf));
		stop();
	}
	if (code == 200 || code == 201) {
		if ((r = certs_of(&resp, 0)) == 0)
			return print(&e, &resp);
		if (r > 0)
			err_push("Fail to extract a certificate from the response returned by %s", e.url);
		stop();
	}
	body = shown(resp.p ? resp.p : "", resp.n);
	err_push("The request failed with %s:\n\t%s", status(code), body);
	free(body);
	stop();
}
