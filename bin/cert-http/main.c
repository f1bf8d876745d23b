/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tedge-cert-http: the certificate's HTTPS requests to Cumulocity; the
 * only part of tedge-cert that loads libcurl (and its dozens of
 * libraries), so that creating or showing a certificate does not.
 * tedge-cert execs it.
 *
 *   tedge-cert-http [--config-dir DIR] upload c8y [--user USER] [--password-stdin]
 *
 * upload: the device certificate to the tenant's trusted certificates
 * (upload.c). Reads tedge.toml (c8y.http, c8y.root_cert_path,
 * device.cert_path, device.id); writes nothing. TLS peer verification is
 * always on; trust is the system store plus c8y.root_cert_path (a file,
 * or every certificate file of a directory), which must exist and be
 * readable. No secret is ever written anywhere, put in an argument list
 * or an environment, or given to a program: this one starts none.
 *
 * Exit: 0 uploaded, or already there (409); 1 failure; 2 usage.
 */
#include <stdlib.h>
#include <unistd.h>

#include "cert-http.h"
#include "opt.h"

static const char usage_text[] =
"usage: tedge-cert-http [--config-dir DIR] COMMAND c8y [OPTIONS]\n"
"\n"
"The device certificate's HTTPS requests to Cumulocity, for `tedge cert`.\n"
"\n"
"  upload c8y [--user USER] [--password-stdin]\n"
"      the device certificate to the tenant's trusted certificates\n"
"\n"
"  -c, --config-dir DIR   [env: TEDGE_CONFIG_DIR, default: /etc/tedge]\n"
"  -u, --user USER        [tenant/]user (else $C8Y_USER, else asked)\n"
"      --password-stdin   the password is the first line of stdin (else\n"
"                         C8Y_PASSWORD, C8YPASS or asked without echo)\n"
"  -h, --help, -V, --version\n"
"\n"
"Exit status: 0 success (upload: or already there); 1 failure; 2 usage error.\n";

struct cfg cfg;
const char *opt_user;
int opt_password_stdin;

/* Each takes the arguments after its name; upload says its own mistakes. */
static const struct cmd subcmds[] = {
	{ "upload", 0, 0, -1, NULL },
};
static int (*const runs[])(int, char **) = { cmd_upload };

int
main(int argc, char *argv[])
{
	static const struct opt opts[] = {
		OPT_CONFIG_DIR,
		{ "user", 'u', "USER", "upload" },
		{ "password-stdin", 'P', NULL, "upload" },
		OPT_END
	};
	const struct cmd *sc;
	int ch, r;

	err_setprog(argv[0]);
	while ((ch = opt_next(argc, argv, opts, usage_text)) != -1) {
		switch (ch) {
		case 'u': opt_user = optarg; break;
		case 'P': opt_password_stdin = 1; break;
		}
	}
	argc -= optind;
	argv += optind;
	sc = opt_cmd(argc, argv, subcmds, LEN(subcmds), "subcommand");
	if (cfg_load(&cfg, paths_config_dir(opt_config_dir()), CFG_ENV) < 0)
		die("failed to read the configuration");
	warn_unknown_keys(&cfg, getenv("TEDGE_QUIET_UNKNOWN_KEYS"));
	r = runs[sc->id](argc - 1, argv + 1);
	cfg_free(&cfg);
	return r;
}
