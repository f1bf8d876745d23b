/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cert.h: what the files of tedge-cert share. main.c reads the command
 * line into the opt_ variables and the configuration into cfg; each
 * subcommand is a file of its own.
 */
#ifndef TEDGE_CERT_H
#define TEDGE_CERT_H

#include <sys/types.h>

#include <stddef.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "tedge.h"

/* main.c */
extern struct cfg cfg;
extern const char *opt_id, *opt_output, *opt_cert, *opt_user, *opt_cloud;
extern int opt_password_stdin, opt_new, opt_json;
/* The device's key "device." w, or for `tedge cert ... CLOUD` the cloud's
 * own "CLOUD.device." w: the profile's (--profile), device.* unless set
 * (reference §4). A static buffer, as good as the next call. */
const char *dev_key(const char *w);
#define DEV(w) dev_key(w)
/* download.c, renew.c, promote.c: their options */
extern const char *opt_otp, *opt_url, *opt_retry, *opt_max_timeout, *opt_csr;
extern const char *opt_ca;
extern int opt_offline;
/* A configuration value the program cannot do without; dies with what. */
char *conf(const char *key, const char *what);
/* prog [--config-dir DIR] args... through spawn_run: its wait status */
int run_tool(const char *prog, const char *const *args,
    const struct spawn_io *io, char **out, int timeout_ms);

/* The subcommands: create.c, show.c, renew.c, download.c, promote.c */
int cmd_create(void);
int cmd_create_csr(void);
int cmd_remove(void);
int cmd_show(void);
int cmd_needs_renewal(void);
int cmd_renew(void);
int cmd_download(void);
int cmd_use_new(void);

/* show.c: the certificate of --cert-path/--new, and its status words;
 * 1 when it is due for renewal */
char *cert_file(const char *what);
int cert_status(const X509 *x, char *status, size_t size);

/* download.c: tedge-cert-http ARGS given secret and the CSR on stdin; the
 * chain it got, checked to be for key and id, or NULL with the cause
 * pushed. When tedge-cert-http fails it has said why: the program ends
 * with its exit status, so there is one error, not two. */
char *est_request(const char *const *args, const char *secret, const char *csr,
    EVP_PKEY *key, const char *id);

/* create.c */
EVP_PKEY *device_key(const char *key_path);	/* reused, else made */

/* files.c */
int same_dir(const char *a, const char *b);
void sync_parent(const char *path);	/* the names made in its dir, durable */
char *dir_of(const char *path);	/* malloc'd */
void crit_enter(void);	/* TERM, INT, HUP, QUIT wait... */
void crit_leave(void);	/* ...until here */
char *make_temp(const char *path, const void *data, size_t len, mode_t mode);
int create_file(const char *path, const void *data, size_t len, mode_t mode);
int sweep(const char *path, int rm);
int lock_certs(const char *key_path, const char *cert_path, int make);

/* make.c */
char *pem_key(EVP_PKEY *key, size_t *len);
char *pem_of(int (*wr)(BIO *, void *), void *obj, size_t *len);
int wr_x509(BIO *b, void *x);
int wr_req(BIO *b, void *x);
int set_subject(X509_NAME *n, const char *id);
X509 *make_cert(EVP_PKEY *key, X509_NAME *subject);
char *make_csr(EVP_PKEY *key, const char *id, size_t *len);
int check_id(const char *id);

#endif
