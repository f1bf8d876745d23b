/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tedge-cert-http: the certificate's HTTPS requests to Cumulocity:
 * upload, EST enroll and reenroll; the only part of tedge-cert that loads
 * libcurl (and its dozens of libraries), so that creating or showing a
 * certificate does not. tedge-cert execs it.
 *
 *   tedge-cert-http [--config-dir DIR] upload c8y [--user USER] [--password-stdin]
 *   tedge-cert-http [--config-dir DIR] enroll c8y --device-id ID [--url HOST[:PORT]]
 *                   [--retry-every DURATION] [--max-timeout DURATION]
 *   tedge-cert-http [--config-dir DIR] reenroll c8y [--url HOST[:PORT]]
 *
 * upload: the device certificate to the tenant's trusted certificates
 * (upload.c). enroll: stdin is the one-time password (a line), then the
 * CSR (PEM), to POST /.well-known/est/simpleenroll until the device is
 * registered or --max-timeout; reenroll: stdin is the device's JWT (a
 * line), then the CSR, to POST /.well-known/est/simplereenroll, once
 * (est.c). Both print the certificates Cumulocity's CA returns, PEM, on
 * stdout. Reads tedge.toml (c8y.http, c8y.root_cert_path; upload also
 * device.cert_path and device.id); writes nothing. TLS peer verification
 * is always on; trust is the system store plus c8y.root_cert_path (a
 * file, or every certificate file of a directory), which must exist and
 * be readable. No secret is ever written anywhere, put in an argument
 * list or an environment, or given to a program: this one starts none.
 *
 * Exit: 0 success (upload: uploaded, or already there: 409); 1 failure;
 * 2 usage.
 */
#include <stdlib.h>
#include <unistd.h>

#include "cert-http.h"
#include "opt.h"

static const char usage_text[] =
"usage: tedge-cert-http [-c DIR] upload c8y [-u USER] [--password-stdin]\n"
"       tedge-cert-http [-c DIR] enroll c8y -i ID [--url HOST[:PORT]]\n"
"                       [--retry-every 30s] [--max-timeout 10m]\n"
"       tedge-cert-http [-c DIR] reenroll c8y [--url HOST[:PORT]]\n"
"\n"
"The HTTPS requests of `tedge cert`: the certificate's upload; one from\n"
"Cumulocity's CA (stdin: the one-time password or the JWT, a line, then\n"
"the CSR; stdout: PEM).\n"
"-c is --config-dir, -u --user (else C8Y_USER, else asked), -i --device-id.\n"
"The upload password: C8Y_PASSWORD, C8YPASS, stdin's first line with\n"
"--password-stdin, else asked without echo. See tedge-cert-http(1).\n"
"\n"
"Exit status: 0 success (upload: or already there); 1 failure; 2 usage error.\n";

struct cfg cfg;
const char *opt_user, *opt_id, *opt_url, *opt_retry, *opt_max;
int opt_password_stdin;

enum { RETRY = 256, MAX_TIMEOUT, URL };

/* Each takes the arguments after its name; upload says its own mistakes. */
static const struct cmd subcmds[] = {
	{ "upload", 0, 0, -1, NULL },
	{ "enroll", 1, 1, 1, "the following required arguments were not provided:\n  <CLOUD>" },
	{ "reenroll", 2, 1, 1, "the following required arguments were not provided:\n  <CLOUD>" },
};
static int (*const runs[])(int, char **) = { cmd_upload, cmd_enroll, cmd_reenroll };

int
main(int argc, char *argv[])
{
	static const struct opt opts[] = {
		OPT_CONFIG_DIR,
		{ "user", 'u', "USER", "upload" },
		{ "password-stdin", 'P', NULL, "upload" },
		{ "device-id", 'i', "ID", "enroll" },
		{ "url", URL, "HOST[:PORT]", "enroll reenroll" },
		{ "retry-every", RETRY, "DURATION", "enroll" },
		{ "max-timeout", MAX_TIMEOUT, "DURATION", "enroll" },
		OPT_END
	};
	const struct cmd *sc;
	int ch, r;

	err_setprog(argv[0]);
	while ((ch = opt_next(argc, argv, opts, usage_text)) != -1) {
		switch (ch) {
		case 'u': opt_user = optarg; break;
		case 'P': opt_password_stdin = 1; break;
		case 'i': opt_id = optarg; break;
		case URL: opt_url = optarg; break;
		case RETRY: opt_retry = optarg; break;
		case MAX_TIMEOUT: opt_max = optarg; break;
		}
	}
	argc -= optind;
	argv += optind;
	sc = opt_cmd(argc, argv, subcmds, LEN(subcmds), "subcommand");
	if (cfg_load(&cfg, paths_config_dir(opt_config_dir()), CFG_ENV) < 0)
		die("failed to read the configuration");
	warn_unknown_keys(&cfg, getenv("TEDGE_QUIET_UNKNOWN_KEYS"));
	/* tedge-cert's --profile, passed on as TEDGE_CLOUD_PROFILE */
	if (cfg_profile(&cfg, opt_profile()) < 0)
		die("failed to read the configuration");
	r = runs[sc->id](argc - 1, argv + 1);
	cfg_free(&cfg);
	return r;
}
