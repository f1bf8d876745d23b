/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tedge-cert: the device certificate, from creation to upload.
 *
 *   tedge-cert create [--device-id ID]
 *   tedge-cert create-csr [--device-id ID] [--output-path PATH]
 *   tedge-cert show [--cert-path PATH]
 *   tedge-cert remove
 *   tedge-cert renew
 *   tedge-cert upload c8y [--user USER] [--password-stdin]
 *
 * Reads tedge.toml (device.cert_path, device.key_path, device.csr_path,
 * certificate.*, c8y.http, c8y.root_cert_path). create writes the key
 * (PKCS#8, 0400) and the self-signed certificate (0444), owned by the
 * broker's user, never over an existing file, and leaves no temporary
 * file when interrupted (one SIGKILL leaves is removed by the next run,
 * under an flock on the directory); renew replaces the
 * certificate atomically; create-csr writes the CSR (0444).
 * upload is done by tedge-cert-http, which this program execs, so that
 * only the upload loads libcurl.
 *
 * Exit: 0 success; 1 failure; 2 usage.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "tedge.h"
#include "opt.h"
#include "x509.h"
#include "cert.h"

static const char usage_text[] =
"usage: tedge-cert [--config-dir DIR] COMMAND [OPTIONS]\n"
"\n"
"Create and manage the device certificate.\n"
"\n"
"Commands:\n"
"  create [--device-id ID]       Create a self-signed device certificate\n"
"  create-csr [--device-id ID] [--output-path PATH]\n"
"                                Create a certificate signing request\n"
"  show [--cert-path PATH]       Show the device certificate, if any\n"
"  remove                        Remove the device certificate\n"
"  renew                         Renew the self-signed device certificate\n"
"  upload c8y [--user USER] [--password-stdin]\n"
"                                Upload the certificate to Cumulocity's trusted certificates\n"
"\n"
"Options:\n"
"  -c, --config-dir DIR   configuration directory [env: TEDGE_CONFIG_DIR, default: /etc/tedge]\n"
"  -i, --device-id ID     the device id, the certificate's common name\n"
"                         (create, create-csr: default device.id when set)\n"
"  -o, --output-path P    create-csr: where to write the CSR (default device.csr_path)\n"
"  -p, --cert-path P      show: the certificate to show (default device.cert_path)\n"
"  -u, --user USER        upload: the Cumulocity user ([tenant/]user); else\n"
"                         C8Y_USER, else asked on the terminal\n"
"      --password-stdin   upload: read the password from the first line of stdin\n"
"  -h, --help             print this help\n"
"  -V, --version          print the version\n"
"\n"
"The upload password is taken from C8Y_PASSWORD, else C8YPASS, else stdin with\n"
"--password-stdin, else asked on the terminal without echo. It is never stored.\n"
"\n"
"Exit status: 0 success; 1 failure; 2 usage error.\n";

struct cfg cfg;
const char *opt_id, *opt_output, *opt_cert, *opt_user;
int opt_password_stdin;

/* A configuration value the program cannot do without; dies otherwise. */
char *
conf(const char *key, const char *what)
{
	char *v;

	if (cfg_need(&cfg, key, &v) != 0)
		die("%s", what);
	return v;
}

/* upload is tedge-cert-http's job (it alone links libcurl): hand over. */
static int
exec_upload(const char *dir, int argc, char **argv)
{
	char *av[11];
	int n = 0, i;

	av[n++] = xstrdup("tedge-cert-http");
	if (dir) {
		av[n++] = xstrdup("--config-dir");
		av[n++] = xstrdup(dir);
	}
	if (opt_user) {
		av[n++] = xstrdup("--user");
		av[n++] = xstrdup(opt_user);
	}
	if (opt_password_stdin)
		av[n++] = xstrdup("--password-stdin");
	av[n++] = xstrdup("--");
	av[n++] = xstrdup("upload");
	for (i = 0; i < argc && n < 10; i++)
		av[n++] = argv[i];
	if (i < argc)
		die_usage("unexpected argument '%s' found", argv[i]);
	av[n] = NULL;
	exec_tool("tedge-cert-http", av);
	die("failed to upload root certificate");
}

/* The subcommands; upload is run by tedge-cert-http. */
static const struct cmd subcmds[] = {
	{ "create", 0, 0, 0, NULL }, { "create-csr", 1, 0, 0, NULL },
	{ "show", 2, 0, 0, NULL }, { "remove", 3, 0, 0, NULL },
	{ "renew", 4, 0, 0, NULL }, { "upload", 5, 0, -1, NULL },
};
static int (*const runs[])(void) = {
	cmd_create, cmd_create_csr, cmd_show, cmd_remove, cmd_renew, NULL
};

int
main(int argc, char *argv[])
{
	static const struct opt opts[] = {
		OPT_CONFIG_DIR,
		{ "device-id", 'i', "ID", "create create-csr" },
		{ "output-path", 'o', "PATH", "create-csr" },
		{ "cert-path", 'p', "PATH", "show" },
		{ "user", 'u', "USER", "upload" },
		{ "password-stdin", 'P', NULL, "upload" },
		OPT_END
	};
	const struct cmd *sc;
	int ch, r;

	err_setprog(argv[0]);
	while ((ch = opt_next(argc, argv, opts, usage_text)) != -1) {
		switch (ch) {
		case 'i': opt_id = optarg; break;
		case 'o': opt_output = optarg; break;
		case 'p': opt_cert = optarg; break;
		case 'u': opt_user = optarg; break;
		case 'P': opt_password_stdin = 1; break;
		}
	}
	argc -= optind;
	argv += optind;
	sc = opt_cmd(argc, argv, subcmds, LEN(subcmds), "subcommand");
	if (!runs[sc->id])
		return exec_upload(opt_config_dir(), argc - 1, argv + 1);
	if (cfg_load(&cfg, paths_config_dir(opt_config_dir()), CFG_ENV) < 0)
		die("failed to read the configuration");
	warn_unknown_keys(&cfg, getenv("TEDGE_QUIET_UNKNOWN_KEYS"));
	r = runs[sc->id]();
	cfg_free(&cfg);
	fshut_stdout();
	return r;
}
