/* SPDX-License-Identifier: Apache-2.0 */
/*
 * http.c: the one way tedge-cert-http talks to Cumulocity: an HTTPS
 * request that verifies the server (always) by the system store plus
 * c8y.root_cert_path, with bounded time and body, and the words for what
 * went wrong.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "cert-http.h"

#define SYSTEM_CAPATH "/etc/ssl/certs"

static const char *root_cert_path;

/* "<code><phrase>\0" each */
static const char reasons[] =
	"200OK\0" "201Created\0" "400Bad Request\0" "401Unauthorized\0"
	"403Forbidden\0" "404Not Found\0" "405Method Not Allowed\0"
	"406Not Acceptable\0" "409Conflict\0" "415Unsupported Media Type\0"
	"422Unprocessable Entity\0" "429Too Many Requests\0"
	"500Internal Server Error\0" "501Not Implemented\0" "502Bad Gateway\0"
	"503Service Unavailable\0" "504Gateway Timeout\0";

const char *
http_reason(long code)
{
	const char *p;

	for (p = reasons; p < reasons + sizeof(reasons) - 1; p += strlen(p) + 1)
		if ((p[0] - '0') * 100 + (p[1] - '0') * 10 + p[2] - '0' == code)
			return p + 3;
	return "";
}

size_t
http_collect(char *data, size_t size, size_t nmemb, void *arg)
{
	struct buf *b = arg;
	size_t n = size * nmemb;

	if (b->n + n > (1 << 20))
		return 0;	/* Cumulocity's answers are small; refuse a flood */
	b->p = xrealloc(b->p, b->n + n + 1);
	memcpy(b->p + b->n, data, n);
	b->n += n;
	b->p[b->n] = '\0';
	return n;
}

int
http_trust(const char *path)
{
	struct stat st;

	/* Said now, by name: left to the handshake, a missing root would
	 * only read as an untrusted server. */
	if (stat(path, &st) < 0 ||
	    access(path, S_ISDIR(st.st_mode) ? R_OK | X_OK : R_OK) < 0)
		return err_pushsysf(errno, "c8y.root_cert_path: %s", path);
	/* We read every file of a directory, mosquitto's bridge its hash
	 * links only: say now what `tedge connect` would meet. */
	if (S_ISDIR(st.st_mode) && cfg_check_capath("c8y.root_cert_path", path) < 0)
		warn_causes();
	root_cert_path = path;
	return 0;
}

int
http_init(void)
{
	return curl_global_init(CURL_GLOBAL_DEFAULT) ? err_push("cannot initialise libcurl") : 0;
}

/* Adds root_cert_path (a file, or every certificate file of a directory)
 * to the store curl verifies the server with, next to the system's. */
static CURLcode
add_roots(CURL *curl, void *sslctx, void *arg)
{
	X509_STORE *store = SSL_CTX_get_cert_store(sslctx);
	struct stat st;

	(void)curl, (void)arg;
	if (!root_cert_path || stat(root_cert_path, &st) < 0)
		return CURLE_OK;
	if (S_ISDIR(st.st_mode)) {
		DIR *d = opendir(root_cert_path);
		struct dirent *e;
		while (d && (e = readdir(d))) {
			char *p = path_join(root_cert_path, e->d_name);
			if (e->d_name[0] != '.' && stat(p, &st) == 0 && S_ISREG(st.st_mode))
				X509_STORE_load_file(store, p);	/* non-PEM files are skipped */
			free(p);
		}
		if (d)
			closedir(d);
	} else {
		X509_STORE_load_file(store, root_cert_path);
	}
	ERR_clear_error();
	return CURLE_OK;
}

CURL *
http_new(const char *url, struct buf *body, char *errbuf)
{
	CURL *c = curl_easy_init();

	if (!c)
		return NULL;
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "https");
	/* Verification is on by default; say so, and never turn it off. */
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
	/* The system store as a hashed directory, looked up per handshake,
	 * rather than the whole bundle parsed up front: several MB less. */
	if (access(SYSTEM_CAPATH, R_OK | X_OK) == 0) {
		curl_easy_setopt(c, CURLOPT_CAINFO, NULL);
		curl_easy_setopt(c, CURLOPT_CAPATH, SYSTEM_CAPATH);
	}
	curl_easy_setopt(c, CURLOPT_SSL_CTX_FUNCTION, add_roots);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 30L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "tedge-c/" VERSION);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, http_collect);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, body);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	*errbuf = '\0';
	return c;
}

const char *
http_failure(CURLcode rc, const char *errbuf)
{
	return *errbuf ? errbuf : curl_easy_strerror(rc);
}

/* Explains a transport failure; the TLS ones are what users meet. */
void
http_push_transport(CURLcode rc, const char *errbuf, const char *url)
{
	const char *hint = NULL;

	switch (rc) {
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_CONNECT_ERROR:
		hint = "Hint: the server certificate is not trusted. Cumulocity's CA must be in the system store or in c8y.root_cert_path.";
		break;
	case CURLE_COULDNT_RESOLVE_HOST:
		hint = "Hint: the host name does not resolve; check c8y.url (or c8y.http) and DNS.";
		break;
	case CURLE_COULDNT_CONNECT:
		hint = "Hint: nothing accepts connections there; check c8y.http and the network.";
		break;
	case CURLE_OPERATION_TIMEDOUT:
		hint = "Hint: the server did not answer in time.";
		break;
	default:
		break;
	}
	err_push("HTTP Connection Problem: %s (%s)%s%s", http_failure(rc, errbuf),
	    url, hint ? " \n" : "", hint ? hint : "");
}
