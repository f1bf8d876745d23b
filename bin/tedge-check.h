/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tedge-check.h: what tedge-check.c and tedge-check-distro.c share. One
 * program, two sources: the second holds what real distributions do to the
 * broker (its configuration file, AppArmor, the service definition, the
 * mosquitto version), and needs libc only.
 */
#ifndef TEDGE_CHECK_H
#define TEDGE_CHECK_H

#include <stddef.h>

/* tedge-check.c */
extern const char *cfgdir;
/* $TEDGE_CHECK_KERNEL_LOG, taken out of the environment by main. */
extern const char *kernel_log;
void debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Keeps p until the end of the run (freed there); returns p. */
void *keep(void *p);
/* The few words of the FAIL line of the failing doctor layer. */
void set_problem(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Milliseconds left until the command's deadline, 0 when it has passed. */
int left_ms(void);

/* tedge-check-distro.c */

/* Does the broker's configuration file load <cfgdir>/mosquitto-conf? */
enum { INC_YES, INC_NO, INC_UNKNOWN };
struct inc {
	int state;
	const char *conf;	/* mqtt.broker.config_path */
	const char *dir;	/* <cfgdir>/mosquitto-conf */
	const char *how;	/* INC_YES: how; else what is missing, or why unknown */
};
void broker_includes(const char *conf, struct inc *in);
/* What to do about in (state INC_NO): one sentence and the remedy. */
const char *inc_advice(const struct inc *in);

/*
 * The WARN text for a mosquitto version (text as mosquitto gives it:
 * "mosquitto version 2.0.15") under the broker's configuration conf, or
 * NULL when that version has no known hazard for it.
 */
const char *version_hazard(const char *version, const char *conf);
/* The first line of `mosquitto -h` (kept), or NULL. */
const char *version_from_cmd(int timeout_ms);

/*
 * What the distribution did to the broker, when the local broker or the
 * bridge fails: pushes the reasons (each with what to do) below the layer's
 * statement, sets the FAIL line, returns how many were found (0: the chain
 * is left as it was). svc: also ask `tedge-svc diagnose mosquitto`.
 */
int distro_explain(const struct inc *in, int svc, const char *statement);

#endif
