/* SPDX-License-Identifier: Apache-2.0 */
/*
 * svc.h: what the sources of tedge-svc share. main.c chooses a backend and
 * runs the verb through it; each service manager is one backend in a file
 * of its own; the rest are the helpers they share.
 */
#ifndef TEDGE_SVC_H
#define TEDGE_SVC_H

#include <stddef.h>

#include "opt.h"

enum verb {
	V_START, V_STOP, V_RESTART, V_ENABLE, V_DISABLE,
	V_IS_ACTIVE, V_IS_ENABLED, V_EXISTS, V_INSTALL, V_DIAGNOSE,
	V_DETECT, V_IS_AVAILABLE
};

/* Each verb's word on the command line, and whether it takes a SERVICE. */
extern const struct cmd verbs[];

/* What a backend operation answers. */
enum {
	R_ERR = -1,	/* failed; causes pushed */
	R_YES = 0,	/* done, or the predicate holds */
	R_NO = 1,	/* the predicate is false */
	R_MISSING = 2,	/* the service is not installed */
	R_UNKNOWN = 3	/* the manager cannot tell (custom) */
};

struct scan;

struct backend {
	const char *id;
	const char *initsub;	/* its directory of definitions under INITDIR */
	/* Running: the mark the manager leaves (under root; a directory
	 * when mark_dir) and what its absence says; or, with no mark, asked. */
	const char *mark;
	int mark_dir;
	const char *absent;
	int (*available)(void);
	int (*exists)(const char *svc);
	int (*action)(enum verb v, const char *svc);
	int (*is_active)(const char *svc);
	int (*is_enabled)(const char *svc);
	int (*install)(const char *svc, const char *tmpl);
	const char *(*tmpl)(const char *svc);	/* template path under initdir */
	const char *(*why_unavailable)(void);
	const char *(*sought)(void);	/* what auto looks for, when no mark */
	struct scan *scan;	/* runit and s6: the family member (runit.c) */
	/* init.d managers: why a distribution's definition cannot start
	 * (NULL: nothing known), and the name of the toolkit's that stands
	 * in for it, if any (else svc itself) */
	const char *(*defect)(const char *svc);
	const char *(*resolve)(const char *svc);
};

/* systemd.c, openrc.c, runit.c, s6.c, supervisord.c, sysv.c, custom.c;
 * main.c has the table */
extern const struct backend svc_systemd, svc_openrc, svc_runit, svc_s6,
    svc_supervisord, svc_sysv, svc_custom;

/* main.c: set from the options and the environment before any backend runs */
extern const char *confdir;
extern const char *root;	/* $TEDGE_SVC_ROOT without trailing '/' */
extern const char *initdir;
extern int timeout_ms;

/* path.c */
char *root_path(const char *p);	/* root + p (p absolute); malloc'd */
int root_has(const char *p, int want_dir);	/* a manager's mark there? */
int is_dir(const char *p);
int exists_path(const char *p);	/* lstat: a dangling link exists */
int is_exec_file(const char *p);
int on_path(const char *cmd);	/* a program on PATH? (choosing a tool only) */
int proc_match(const char *comm, const char *opt, const char *dflt,
    const char *want, char **found);	/* a process on that file? */

/* run.c: commands bounded by timeout_ms; -1 and R_ERR with causes pushed */
char *joined(const char *const *argv);	/* with spaces; malloc'd */
int run(const char *const *argv, char **out);	/* exit code, *out tidied */
int command_failed(const char *const *argv, int code, const char *out);
int run_ok(const char *const *argv);	/* R_YES or R_ERR */
int run_pred(const char *const *argv);	/* R_YES, R_NO or R_ERR */

/* install.c */
const char *template_path(const char *sub, const char *name);
int install_file(const char *dst, const char *tmpl, unsigned mode,
    const char *name);

/* initd.c: the /etc/init.d scripts of SysV and OpenRC */
char *initd_script(const char *svc);	/* root/etc/init.d/svc; malloc'd */
int initd_exists(const char *svc);
int initd_action(enum verb v, const char *svc);
int initd_is_active(const char *svc);
int initd_install(const char *svc, const char *tmpl);
const char *initd_defect(const char *svc);
const char *initd_resolve(const char *svc);

/*
 * runit.c: the daemontools family, runit and s6: definitions linked into a
 * scan directory, which a scanner watches, starting a supervisor for each.
 */
struct scan {
	const char *id;		/* and its directory of templates */
	const char *comm;	/* the scanner's process: runsvdir, s6-svscan */
	const char *defs;	/* where definitions live, under root */
	const char *ok;		/* in supervise/: a FIFO read while supervised */
	const char *dirs[2];	/* the default scan directories, under root */
	const char *const *stat;	/* prints the state, DIR appended */
	const char *up;		/* ...starting with this when it runs */
	const char *rescan;	/* has the scanner look now (-a DIR), or NULL */
	int (*ctl)(enum verb v, const char *svc);	/* start, stop, restart */
	int find;	/* on the real root without SVDIR: the scanner's own */
	char *dir;	/* the scan directory, once scan_init has run */
};
extern struct scan *sc;	/* the one in use; main.c sets it */
void scan_init(void);
char *scan_link(const char *svc);	/* sc->dir/svc; malloc'd */
int scan_available(void);
const char *scan_why(void);
const char *scan_sought(void);
const char *scan_tmpl(const char *svc);
int scan_exists(const char *svc);
int scan_action(enum verb v, const char *svc);
int scan_is_active(const char *svc);
int scan_is_enabled(const char *svc);
int scan_install(const char *svc, const char *tmpl);
#define SCAN_BACKEND \
	.available = scan_available, .why_unavailable = scan_why, \
	.sought = scan_sought, .exists = scan_exists, .action = scan_action, \
	.is_active = scan_is_active, .is_enabled = scan_is_enabled, \
	.install = scan_install, .tmpl = scan_tmpl

/* custom.c: system.toml [init] */
int custom_load(void);	/* 1: has [init]; 0: none; -1: cause pushed */
int custom_setup(void);	/* [init], else thin-edge's defaults: 0, or -1 */
const char *custom_name(void);	/* after custom_setup */
const char *custom_path(void);	/* after custom_load */

#endif
