/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tedge-svc: one interface over systemd, OpenRC, runit, s6, supervisord,
 * SysV init and a custom system.toml.
 *
 *   tedge-svc [OPTIONS] start|stop|restart|enable|disable SERVICE
 *   tedge-svc [OPTIONS] is-active|is-enabled|exists SERVICE
 *   tedge-svc [OPTIONS] install SERVICE
 *   tedge-svc [OPTIONS] diagnose SERVICE
 *   tedge-svc [OPTIONS] detect
 *   tedge-svc [OPTIONS] is-available
 *
 * The manager is --manager, else the config key service.manager, else
 * (auto) the one that is running: <config-dir>/system.toml with an [init]
 * table is custom; else /run/systemd/system is a directory: systemd; else
 * /run/openrc/softlevel exists: openrc; else a runsvdir process supervises
 * $SVDIR (/etc/service, /var/service): runit; else an s6-svscan process
 * supervises $SVDIR (else its own, /run/service, /service): s6; else a
 * supervisord process runs with /etc/supervisor/supervisord.conf:
 * supervisord; else /etc/init.d exists: sysv. (Each of those two is a
 * supervisor that some init runs, or a container's PID 1: the boot's own
 * managers come first, and sysv, whose mark nearly every system has, last.)
 * A binary on PATH proves nothing and is never looked at.
 *
 * Reads <config-dir>/tedge.toml (service.manager), <config-dir>/system.toml,
 * and the manager's files: /run/systemd/system, /run/openrc/softlevel,
 * /etc/init.d, /etc/runlevels, /etc/rc?.d, /etc/sv, /etc/s6/sv, $SVDIR,
 * /etc/supervisor, /proc.
 * Writes: install: /etc/systemd/system/NAME.service, /etc/init.d/NAME,
 * /etc/sv/NAME/, /etc/s6/sv/NAME/ or /etc/supervisor/conf.d/NAME.conf
 * (never replacing one); enable and disable: OpenRC runlevel links, runit's
 * and s6's scan-directory links and `down` files, supervisord's autostart,
 * SysV rc?.d links (by update-rc.d where there is one). Every one of these paths is taken under
 * $TEDGE_SVC_ROOT when it is set, so tests can use a directory of their own;
 * the commands run (systemctl, sv, init scripts...) are the system's.
 * Templates for install: $TEDGE_SVC_INITDIR, else INITDIR.
 *
 * Every command runs with argv (no shell), stdin from /dev/null, its output
 * captured for the error message, and is killed at the deadline (--timeout).
 *
 * Exit: 0 success, or the predicate holds; 1 failure, or the predicate is
 * false; 2 usage; 4 no service manager available; 5 service not installed.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tedge.h"
#include "../builtin.h"
#include "svc.h"

#ifndef INITDIR
#define INITDIR "/usr/local/share/tedge/init"
#endif

static const char usage_text[] =
"usage: tedge-svc [OPTIONS] COMMAND [SERVICE]\n"
"\n"
"Start, stop and enable services with the service manager that is running.\n"
"\n"
"Commands:\n"
"  start SERVICE         Start the service now\n"
"  stop SERVICE          Stop the service now\n"
"  restart SERVICE       Stop (if running) and start the service\n"
"  enable SERVICE        Start the service on boot (does not start it now)\n"
"  disable SERVICE       Do not start the service on boot (does not stop it)\n"
"  is-active SERVICE     Exit 0 if the service is running, else 1\n"
"  is-enabled SERVICE    Exit 0 if the service starts on boot, else 1\n"
"  exists SERVICE        Exit 0 if the manager has a definition of the service, else 1\n"
"  install SERVICE       Put the toolkit's definition of the service in place,\n"
"                        unless the manager has one that can start it\n"
"  diagnose SERVICE      Print what keeps the manager's definition of the\n"
"                        service from starting it, if known; exit 0 if found, else 1\n"
"  detect                Print the name of the service manager in use\n"
"  is-available          Exit 0 if the service manager is available, else 1\n"
"\n"
"Options:\n"
"  -c, --config-dir DIR  configuration directory [env: TEDGE_CONFIG_DIR, default: /etc/tedge]\n"
"  -m, --manager M       auto, systemd, openrc, runit, s6, supervisord, sysv\n"
"                        or custom\n"
"                        [default: the config key service.manager, else auto]\n"
"  -t, --timeout SECS    bound on each command run [default: 30]\n"
"  -h, --help            print this help\n"
"  -V, --version         print the version\n"
"\n"
"Environment: TEDGE_SVC_ROOT moves the files of every manager under a directory;\n"
"SVDIR is runit's or s6's scan directory; TEDGE_SVC_INITDIR holds the definitions\n"
"install uses.\n"
"\n"
"Exit status: 0 success, or the predicate holds; 1 failure, or the predicate is false;\n"
"2 usage error; 4 no service manager is available; 5 the service is not installed.\n";

#define SERVICE "the following required arguments were not provided:\n  <SERVICE>"
#define ON_SERVICE(v, name) [v] = { name, v, 1, 1, SERVICE }
const struct cmd verbs[] = {
	ON_SERVICE(V_START, "start"), ON_SERVICE(V_STOP, "stop"),
	ON_SERVICE(V_RESTART, "restart"), ON_SERVICE(V_ENABLE, "enable"),
	ON_SERVICE(V_DISABLE, "disable"), ON_SERVICE(V_IS_ACTIVE, "is-active"),
	ON_SERVICE(V_IS_ENABLED, "is-enabled"), ON_SERVICE(V_EXISTS, "exists"),
	ON_SERVICE(V_INSTALL, "install"), ON_SERVICE(V_DIAGNOSE, "diagnose"),
	[V_DETECT] = { "detect", V_DETECT, 0, 0, NULL },
	[V_IS_AVAILABLE] = { "is-available", V_IS_AVAILABLE, 0, 0, NULL },
};

const char *confdir;
const char *root = "";
const char *initdir = INITDIR;
int timeout_ms = 30000;

/*
 * Service names end up in paths and in argv: one path component of
 * letters, digits and "_.:@+-", not starting with '.' or '-'.
 */
static int
valid_name(const char *s)
{
	const char *p;

	if (!*s || *s == '.' || *s == '-' || strlen(s) > 200)
		return 0;
	for (p = s; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr("_.:@+-", *p))
			return 0;
	return 1;
}

/* ---- the table ------------------------------------------------------------ */

/* In the order auto looks for them; custom, chosen otherwise, last. */
enum { M_SYSTEMD, M_OPENRC, M_RUNIT, M_S6, M_SUPERVISORD, M_SYSV, M_CUSTOM, M_N };

static const struct backend *const backends[M_N] = {
	[M_SYSTEMD] = &svc_systemd,
	[M_OPENRC] = &svc_openrc,
	[M_RUNIT] = &svc_runit,
	[M_S6] = &svc_s6,
	[M_SUPERVISORD] = &svc_supervisord,
	[M_SYSV] = &svc_sysv,
	[M_CUSTOM] = &svc_custom,
};

/* backends[m], the family member of runit.c set for it. */
static const struct backend *
use(int m)
{
	if (backends[m]->scan)
		sc = backends[m]->scan;
	return backends[m];
}

/* The manager's name for people and for `detect`: custom ones name
 * themselves in system.toml. */
static const char *
mgr_name(int m)
{
	if (m == M_CUSTOM && custom_setup() == 0)
		return custom_name();
	return backends[m]->id;
}

static int
running(int m)
{
	const struct backend *b = use(m);

	return b->mark ? root_has(b->mark, b->mark_dir) : b->available();
}

static const char *
why_not(int m)
{
	static char buf[4400];
	const struct backend *b = use(m);

	if (!b->mark)
		return b->why_unavailable();
	snprintf(buf, sizeof(buf), "%s%s %s", root, b->mark, b->absent);
	return buf;
}

static char headbuf[4400];
static int wanted = -1;	/* the manager named (or custom), even if unavailable */

/*
 * The manager to use: index into backends, or -1 with causes pushed, *code
 * set (EXIT_NO_MANAGER, or EXIT_FAIL when a file is broken) and *headline
 * saying what is wrong. An explicit choice must be available too.
 */
static int
choose(const char *opt, int *code, const char **headline)
{
	const char *want = opt;
	char *cfgval = NULL, *envval = NULL;
	const struct cfg_key *k;
	struct cfg c;
	int m, r;

	*code = EXIT_FAIL;
	*headline = "failed to find the service manager";
	if (!want) {
		/* Only the one key matters: read it without the TEDGE_*
		 * override scan, which would warn about TEDGE_SVC_ROOT. */
		if (cfg_load(&c, confdir, 0) < 0)
			return err_push("failed to read the configuration in %s", confdir);
		warn_unknown_keys(&c, getenv("TEDGE_QUIET_UNKNOWN_KEYS"));
		r = cfg_get_str(&c, "service.manager", &cfgval);
		cfg_free(&c);
		if (r < 0)
			return -1;
		want = cfgval;
		if (getenv("TEDGE_SERVICE_MANAGER")) {
			k = cfg_key_find("service.manager", NULL);
			if (!*getenv("TEDGE_SERVICE_MANAGER")) {
				want = "auto";
			} else if (cfg_parse(k, getenv("TEDGE_SERVICE_MANAGER"),
			    &envval) < 0) {
				free(cfgval);
				return err_push("Failed to set value for service.manager "
				    "from environment variable TEDGE_SERVICE_MANAGER");
			} else {
				want = envval;
			}
		}
	}
	if (want && strcmp(want, "auto")) {
		for (m = 0; m < M_N; m++)
			if (!strcmp(want, backends[m]->id))
				break;
		if (m == M_N)
			die_usage("unknown service manager '%s': expected auto, "
			    "systemd, openrc, runit, s6, supervisord, sysv or "
			    "custom", want);
		free(cfgval), free(envval);
		if (m == M_CUSTOM && custom_setup() < 0)
			return -1;
	} else {
		free(cfgval), free(envval);
		if ((r = custom_load()) < 0)
			return -1;
		if (r > 0) {
			m = M_CUSTOM;
		} else {
			size_t n = (size_t)snprintf(headbuf, sizeof(headbuf),
			    "looked for an [init] table in %s, then", custom_path());

			for (m = 0; m < M_CUSTOM; m++) {
				const struct backend *b = use(m);
				if (running(m))
					return m;
				if (n < sizeof(headbuf))
					n += (size_t)snprintf(headbuf + n,
					    sizeof(headbuf) - n, "%s %s%s",
					    m ? "," : "", b->mark ? root : "",
					    b->mark ? b->mark : b->sought());
			}
			*code = EXIT_NO_MANAGER;
			err_push("%s", headbuf);
			*headline = "no service manager is running";
			return -1;
		}
	}
	wanted = m;
	if (!running(m)) {
		*code = EXIT_NO_MANAGER;
		snprintf(headbuf, sizeof(headbuf), "Service manager '%s' is not "
		    "available on the system or elevated permissions have not "
		    "been granted.", mgr_name(m));
		*headline = headbuf;
		return err_push("%s", why_not(m));
	}
	return m;
}

/* ---- main ------------------------------------------------------------------- */

/* What was asked, for the Error: line: "restart mosquitto". Static. */
static const char *
asked(enum verb v, const char *svc)
{
	static char buf[512];
	/* the predicates: one format, the verb's word in it */
	const char *is = v == V_IS_ACTIVE ? "active" : v == V_IS_ENABLED ?
	    "enabled" : v == V_EXISTS ? "installed" : NULL;

	if (is)
		snprintf(buf, sizeof(buf), "check whether %s is %s", svc, is);
	else
		snprintf(buf, sizeof(buf), "%s %s", verbs[v].name, svc);
	return buf;
}

/* The Error: line of a verb that failed, its causes pushed. */
static void __attribute__((noreturn))
failed(enum verb v, const char *svc)
{
	die("failed to %s", asked(v, svc));
}

static void __attribute__((noreturn))
install_failed(const char *svc, const char *name)
{
	die("failed to install %s for %s", svc, name);
}

/* The toolkit's definition of svc for the manager b (name), under
 * initdir; the install fails without one. */
static const char *
template_of(const struct backend *b, const char *svc, const char *name)
{
	const char *tmpl = b->tmpl(svc);

	if (!exists_path(tmpl)) {
		err_push("no definition of %s for %s in %s/%s", svc, name,
		    initdir, b->initsub);
		install_failed(svc, name);
	}
	return tmpl;
}

/*
 * install, where the distribution's definition of svc cannot start it: the
 * toolkit's goes beside it as tedge-<svc>, which every verb then uses for
 * svc, and takes over its start on boot. The distribution's file is left
 * as it is (a package upgrade must find it unchanged).
 */
static int
install_standin(int m, const char *svc, const char *why)
{
	const struct backend *b = use(m);
	char *mine = xasprintf("tedge-%s", svc), *theirs = initd_script(svc);
	const char *name = mgr_name(m), *tmpl = template_of(b, svc, name);
	int on;

	on = b->is_enabled(svc) == R_YES;
	err_clear();
	if (b->install(mine, tmpl) != R_YES ||
	    b->action(V_DISABLE, svc) != R_YES ||
	    (on && b->action(V_ENABLE, mine) != R_YES))
		install_failed(svc, name);
	fprintf(stderr, "Note: %s cannot start %s on %s: %s. Installed the "
	    "toolkit's definition, %s/etc/init.d/%s, in its place; the "
	    "distribution's file is unchanged%s.\n", theirs, svc, name,
	    why, root, mine, on ? " and no longer started on boot" : "");
	free(mine), free(theirs);
	return EXIT_OK;
}

static int
do_verb(int m, enum verb v, const char *svc)
{
	const struct backend *b = use(m);
	const char *name = mgr_name(m), *tmpl, *why;
	char *path;
	int r;

	if (v == V_DIAGNOSE || v == V_INSTALL) {
		if ((r = b->exists(svc)) == R_ERR)
			failed(v, svc);
		why = r == R_YES && b->defect && b->resolve(svc) == svc ?
		    b->defect(svc) : NULL;
		if (v == V_DIAGNOSE) {
			if (r == R_NO)
				diec(EXIT_NOT_INSTALLED, "Service %s not found. "
				    "Install %s to use this command.", svc, svc);
			if (!why)
				return EXIT_FAIL;
			path = initd_script(svc);
			printf("%s cannot start %s on %s: %s. Run 'tedge init' to "
			    "install the toolkit's definition in its place.\n",
			    path, svc, name, why);
			free(path);
			return EXIT_OK;
		}
		if (why)
			return install_standin(m, svc, why);
	}
	if (b->resolve)
		svc = b->resolve(svc);
	if (v == V_EXISTS || v == V_IS_ACTIVE || v == V_IS_ENABLED) {
		r = b->exists(svc);
		/* a missing service is neither active nor enabled */
		if (v != V_EXISTS && r != R_NO && r != R_ERR)
			r = v == V_IS_ACTIVE ? b->is_active(svc) : b->is_enabled(svc);
		if (r == R_UNKNOWN) {
			err_push("the service manager '%s' (%s) has no command for it",
			    name, custom_path());
			failed(v, svc);
		}
		if (r == R_ERR)
			failed(v, svc);
		return r == R_YES ? EXIT_OK : EXIT_FAIL;
	}
	if (v == V_INSTALL) {
		if (!b->install)
			die("cannot install %s for the service manager '%s': "
			    "define it in that manager yourself", svc, name);
		if ((r = b->exists(svc)) == R_YES)
			return EXIT_OK;	/* never replace a definition */
		if (r == R_ERR)
			install_failed(svc, name);
		tmpl = template_of(b, svc, name);
		if (b->install(svc, tmpl) != R_YES)
			install_failed(svc, name);
		return EXIT_OK;
	}
	/* actions: a service the manager does not know is not installed */
	r = b->exists(svc);
	if (r == R_ERR)
		failed(v, svc);
	if (r != R_NO)
		r = b->action(v, svc);
	if (r == R_NO || r == R_MISSING)
		diec(EXIT_NOT_INSTALLED,
		    "Service %s not found. Install %s to use this command.", svc, svc);
	if (r != R_YES)
		failed(v, svc);
	return EXIT_OK;
}

int
main_svc(int argc, char *argv[])
{
	static const struct opt opts[] = {
		OPT_CONFIG_DIR,
		{ "manager", 'm', "MANAGER", NULL },
		{ "timeout", 't', "SECS", NULL },
		OPT_END
	};
	const char *mgr = NULL, *svc = NULL, *env, *head;
	char *end, *clean;
	int ch, m, code;
	size_t v;
	long t;

	err_setprog(argv[0]);
	while ((ch = opt_next(argc, argv, opts, usage_text)) != -1) {
		if (ch == 'm') {
			mgr = optarg;
		} else if (ch == 't') {
			errno = 0;
			t = strtol(optarg, &end, 10);
			if (errno || *end || end == optarg || t < 1 || t > 3600)
				die_usage("invalid value '%s' for '--timeout <SECS>': "
				    "expected whole seconds from 1 to 3600", optarg);
			timeout_ms = (int)t * 1000;
		}
	}
	argc -= optind;
	argv += optind;
	v = (size_t)opt_cmd(argc, argv, verbs, LEN(verbs), "subcommand")->id;
	if (verbs[v].min) {
		svc = argv[1];
		if (!valid_name(svc))
			die_usage("invalid service name '%s': letters, digits and "
			    "\"_.:@+-\", not starting with '.' or '-'", svc);
	}
	if (mgr && !*mgr)
		die_usage("%s", "--manager needs a value");
	confdir = paths_config_dir(opt_config_dir());
	if ((env = getenv("TEDGE_SVC_ROOT")) && *env) {
		if (!(clean = path_clean(env)))
			die("failed to use TEDGE_SVC_ROOT");
		if (strcmp(clean, "/"))
			root = clean;
		else
			free(clean);
	}
	if ((env = getenv("TEDGE_SVC_INITDIR")) && *env)
		initdir = env;

	m = choose(mgr, &code, &head);
	if (v == V_IS_AVAILABLE) {
		if (m < 0 && code != EXIT_NO_MANAGER)
			diec(code, "%s", head);
		err_clear();
		return m < 0 ? EXIT_FAIL : EXIT_OK;
	}
	if (m < 0) {
		if (v == V_DETECT) {
			/* the manager that is not there, for the flows' words */
			if (code == EXIT_NO_MANAGER && wanted >= 0) {
				puts(mgr_name(wanted));
				fflush(stdout);
			}
			diec(code, "%s", head);
		}
		/* a broken file speaks for itself */
		if (code == EXIT_NO_MANAGER)
			err_push("%s", head);
		diec(code, "failed to %s", asked((enum verb)v, svc));
	}
	if (v == V_DETECT) {
		puts(mgr_name(m));
		fshut_stdout();
		return EXIT_OK;
	}
	code = do_verb(m, (enum verb)v, svc);
	fshut_stdout();
	return code;
}
