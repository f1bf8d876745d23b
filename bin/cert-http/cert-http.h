/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cert-http.h: what the files of tedge-cert-http share. main.c reads the
 * command line into the opt_ variables and the configuration into cfg;
 * http.c is the one curl request (trust, limits, the words for what went
 * wrong); upload.c and est.c are the subcommands.
 */
#ifndef TEDGE_CERT_HTTP_H
#define TEDGE_CERT_HTTP_H

#include <stddef.h>

#include <curl/curl.h>

#include "tedge.h"

/* main.c */
extern struct cfg cfg;
extern const char *opt_user, *opt_id, *opt_url, *opt_retry, *opt_max;
extern int opt_password_stdin;

/* The subcommands, given what follows their name: upload.c, est.c */
int cmd_upload(int argc, char **argv);
int cmd_enroll(int argc, char **argv);
int cmd_reenroll(int argc, char **argv);

/* http.c */
struct buf {
	char *p;	/* NUL-terminated; malloc'd */
	size_t n;
};
/* curl's write callback: appends to the struct buf arg, refusing a body
 * past 1 MiB. */
size_t http_collect(char *data, size_t size, size_t nmemb, void *arg);
/*
 * Takes path (c8y.root_cert_path) as the trust beside the system store:
 * 0, or -1 with "c8y.root_cert_path: <path>: <strerror>" pushed when it
 * cannot be read. A directory without hash links is warned about.
 */
int http_trust(const char *path);
/* curl_global_init: 0, or -1 with the cause pushed. */
int http_init(void);
/*
 * A request to url, verifying the server by the system store and the
 * trust given to http_trust, its body collected in *body, curl's words
 * for a failure in errbuf (CURL_ERROR_SIZE). NULL: curl could not start.
 */
CURL *http_new(const char *url, struct buf *body, char *errbuf);
/* "Unauthorized" for 401; "" for a code without a phrase here. */
const char *http_reason(long code);
/* What curl said of a failed transfer: errbuf, else its code's text. */
const char *http_failure(CURLcode rc, const char *errbuf);
/* Pushes upload's "HTTP Connection Problem: <failure> (<url>)" and a
 * hint for the failures users meet. */
void http_push_transport(CURLcode rc, const char *errbuf, const char *url);

#endif
