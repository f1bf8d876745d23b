/* SPDX-License-Identifier: Apache-2.0 */
/*
 * x509.h: certificates and keys through OpenSSL, for the programs that link
 * it (tedge-cert, tedge-check). A separate header, so that the libc-only
 * programs never see OpenSSL's.
 */
#ifndef TEDGE_X509_H
#define TEDGE_X509_H

#include <openssl/evp.h>
#include <openssl/x509.h>

/* Pushes "what: <OpenSSL's reason>" (or just what) and clears OpenSSL's
 * error queue. Returns -1. */
int x509_ssl_err(const char *what);
/* The first certificate of a PEM file, or NULL with the causes pushed
 * ("decoding certificate from <path>"; errno from reading it). */
X509 *x509_read_cert(const char *path);
/* The private key of a PEM file (PKCS#8, SEC1 or PKCS#1), or NULL with the
 * causes pushed; an encrypted one is refused, no pass phrase asked for. The
 * file's bytes are wiped from memory after use. */
EVP_PKEY *x509_read_key(const char *path);
/* "CN=x, O=y": RDNs in order, multi-valued ones joined by " + ", values as
 * they are, as thin-edge shows names. malloc'd. */
char *x509_name_text(const X509_NAME *n);
/* "Tue, 25 Feb 2025 14:45:42 +0000" */
void x509_time_text(const ASN1_TIME *t, char *buf, size_t n);
/* "5y 219d 2h 59m": zero units left out, "0s" for none. */
void x509_duration_text(long long secs, char *buf, size_t n);
/* Seconds from now until t (negative when t is past). */
long long x509_secs_until(const ASN1_TIME *t);

/* Where now stands in x's validity window: 0 valid (*secs: seconds left),
 * 1 expired (*secs: seconds since notAfter), -1 not valid yet (*secs:
 * seconds until notBefore). */
int x509_validity(const X509 *x, long long *secs);
/* 1 when k is the private key of x's public key, else 0 (OpenSSL's error
 * queue cleared). */
int x509_key_matches(X509 *x, EVP_PKEY *k);

#endif
