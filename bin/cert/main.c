/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tedge-cert: the device certificate, from creation to upload.
 *
 *   tedge-cert create [--device-id ID]
 *   tedge-cert create-csr [--device-id ID] [--output-path PATH]
 *   tedge-cert show [--cert-path PATH] [--new] [--json]
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
#include "../builtin.h"
#include "opt.h"
#include "x509.h"
#include "cert.h"
#include "cloud.h"

static const char usage_text[] =
"usage: tedge-cert [--config-dir DIR] COMMAND [OPTIONS]\n"
"\n"
"Create and manage the device certificate.\n"
"\n"
"Commands:\n"
"  create [CLOUD] [--device-id ID]\n"
"                                Create a self-signed device certificate\n"
"  create-csr [CLOUD] [--device-id ID] [--output-path PATH]\n"
"                                Create a certificate signing request\n"
"  show [CLOUD] [--cert-path PATH] [--new] [--json]\n"
"                                Show the device certificate, if any\n"
"  needs-renewal [CLOUD] [--cert-path PATH] [--new]\n"
"                                Exit 0 when the certificate is due for renewal, 1 when\n"
"                                not, 2 when it cannot be read\n"
"  remove [CLOUD] [--new]        Remove the device certificate (--new: only <cert>.new)\n"
"  renew                         Renew the self-signed device certificate, in place\n"
"  renew CLOUD [--ca c8y|self-signed] [--csr-path PATH]\n"
"                                Renew it into <cert>.new, which connect then takes\n"
"  download c8y [--device-id ID] [--one-time-password OTP] [--url HOST[:PORT]]\n"
"        [--retry-every DURATION] [--max-timeout DURATION] [--csr-path PATH]\n"
"                                Get a certificate from Cumulocity's CA\n"
"  upload c8y [--user USER] [--password-stdin]\n"
"                                Upload the certificate to Cumulocity's trusted certificates\n"
"  use-new CLOUD [--offline]     Take <cert>.new once the cloud accepts it (what connect runs)\n"
"\n"
"CLOUD: the cloud's own keys, c8y.device.cert_path (az.device.*, aws.device.*)\n"
"and the others, those of --profile, which are device.* unless set.\n"
"\n"
"Options:\n"
"  -c, --config-dir DIR   configuration directory [env: TEDGE_CONFIG_DIR, default: /etc/tedge]\n"
"  -i, --device-id ID     the device id, the certificate's common name (create,\n"
"                         create-csr: default device.id; download: else $DEVICE_ID,\n"
"                         else device.id, else asked)\n"
"  -o, --output-path P    create-csr: where to write the CSR (default device.csr_path)\n"
"      --cert-path P      show, needs-renewal: the certificate (default device.cert_path)\n"
"      --new              show, needs-renewal, remove: <cert>.new instead\n"
"  -j, --json             show: one JSON object (tedge-cert(1))\n"
"  -p, --one-time-password OTP\n"
"                         download: the password the device was registered with; else\n"
"                         $DEVICE_ONE_TIME_PASSWORD, else asked on the terminal\n"
"      --url HOST[:PORT]  download: the Cumulocity HTTP endpoint (default c8y.http)\n"
"      --retry-every D    download: between attempts (default 30s)\n"
"      --max-timeout D    download: give up after (default 10m; 0s: one attempt)\n"
"      --csr-path PATH    download, renew: send this request instead of making one\n"
"      --ca c8y|self-signed\n"
"                         renew: who signs (default: who signed the current one)\n"
"      --offline          use-new: keep the current certificate, say so\n"
"  -u, --user USER        upload: the Cumulocity user ([tenant/]user); else\n"
"                         C8Y_USER, else asked on the terminal\n"
"      --password-stdin   upload: read the password from the first line of stdin\n"
"  -h, --help             print this help\n"
"  -V, --version          print the version\n"
"\n"
"The upload password is taken from C8Y_PASSWORD, else C8YPASS, else stdin with\n"
"--password-stdin, else asked on the terminal without echo. It is never stored.\n"
"Secrets reach tedge-cert-http and tedge-check on stdin, never in their arguments.\n"
"\n"
"Exit status: 0 success; 1 failure; 2 usage error; 3 use-new kept the current\n"
"certificate (the cloud did not accept the new one).\n";

struct cfg cfg;
const char *opt_id, *opt_output, *opt_cert, *opt_user, *opt_cloud;

const char *
dev_key(const char *w)
{
	static char buf[64];

	snprintf(buf, sizeof(buf), "%s%sdevice.%s", opt_cloud ? opt_cloud : "",
	    opt_cloud ? "." : "", w);
	return buf;
}
int opt_password_stdin, opt_new, opt_json;

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

/*
 * Runs the toolkit's prog with --config-dir (when given) and args, as
 * spawn_run does: its wait status, or -1 with the cause pushed.
 */
int
run_tool(const char *prog, const char *const *args, const struct spawn_io *io,
    char **out, int timeout_ms)
{
	const char *dir = opt_config_dir();
	char *argv[20];
	size_t n = 0, i;
	int st;

	if (out)
		*out = NULL;
	if (!(argv[n++] = tool_path(prog))) {
		errno = ENOENT;
		return err_push("%s is not installed (looked next to %s and in %s)",
		    prog, progname, BINDIR);
	}
	if (dir) {
		argv[n++] = xstrdup("--config-dir");
		argv[n++] = xstrdup(dir);
	}
	for (i = 0; args[i] && n < LEN(argv) - 1; i++)
		argv[n++] = xstrdup(args[i]);
	argv[n] = NULL;
	st = spawn_run(argv, io, out, timeout_ms);
	while (n > 0)
		free(argv[--n]);
	return st;
}

/* The subcommands; upload is run by tedge-cert-http. */
#define CLOUD "the following required arguments were not provided:\n  <CLOUD>"
enum { C_CREATE, C_CSR, C_SHOW, C_REMOVE, C_RENEW, C_UPLOAD, C_NEEDS, C_DOWNLOAD, C_USE_NEW };
static const struct cmd subcmds[] = {
	{ "create", C_CREATE, 0, 1, NULL }, { "create-csr", C_CSR, 0, 1, NULL },
	{ "show", C_SHOW, 0, 1, NULL }, { "remove", C_REMOVE, 0, 1, NULL },
	{ "renew", C_RENEW, 0, 1, NULL }, { "upload", C_UPLOAD, 0, -1, NULL },
	{ "needs-renewal", C_NEEDS, 0, 1, NULL }, { "download", C_DOWNLOAD, 1, 1, CLOUD },
	{ "use-new", C_USE_NEW, 1, 1, CLOUD },
};
static int (*const runs[])(void) = {
	cmd_create, cmd_create_csr, cmd_show, cmd_remove, cmd_renew, NULL,
	cmd_needs_renewal, cmd_download, cmd_use_new,
};

/* A secret given in our arguments: copied, and blanked there, so that
 * /proc/<pid>/cmdline shows it for as short a time as it can. */
static const char *
secret_arg(char *arg)
{
	char *copy = xstrdup(arg);

	memset(arg, 'x', strlen(arg));
	return copy;
}

enum { O_CERT = 256, O_NEW, O_URL, O_RETRY, O_MAX_TIMEOUT, O_CSR, O_CA, O_OFFLINE };

int
main_cert(int argc, char *argv[])
{
	static const struct opt opts[] = {
		OPT_CONFIG_DIR,
		{ "device-id", 'i', "ID", "create create-csr download" },
		{ "output-path", 'o', "PATH", "create-csr" },
		{ "cert-path", O_CERT, "PATH", "show needs-renewal" },
		{ "new", O_NEW, NULL, "show needs-renewal remove" },
		{ "json", 'j', NULL, "show" },
		{ "user", 'u', "USER", "upload" },
		{ "password-stdin", 'P', NULL, "upload" },
		{ "one-time-password", 'p', "OTP", "download" },
		{ "url", O_URL, "HOST[:PORT]", "download" },
		{ "retry-every", O_RETRY, "DURATION", "download" },
		{ "max-timeout", O_MAX_TIMEOUT, "DURATION", "download" },
		{ "csr-path", O_CSR, "PATH", "download renew" },
		{ "ca", O_CA, "c8y|self-signed", "renew" },
		{ "offline", O_OFFLINE, NULL, "use-new" },
		OPT_PROFILE(NULL),
		OPT_END
	};
	const struct cmd *sc;
	int ch, r;

	err_setprog(argv[0]);
	while ((ch = opt_next(argc, argv, opts, usage_text)) != -1) {
		switch (ch) {
		case 'i': opt_id = optarg; break;
		case 'o': opt_output = optarg; break;
		case O_CERT: opt_cert = optarg; break;
		case O_NEW: opt_new = 1; break;
		case 'j': opt_json = 1; break;
		case 'u': opt_user = optarg; break;
		case 'P': opt_password_stdin = 1; break;
		case 'p': opt_otp = secret_arg(optarg); break;
		case O_URL: opt_url = optarg; break;
		case O_RETRY: opt_retry = optarg; break;
		case O_MAX_TIMEOUT: opt_max_timeout = optarg; break;
		case O_CSR: opt_csr = optarg; break;
		case O_CA: opt_ca = optarg; break;
		case O_OFFLINE: opt_offline = 1; break;
		}
	}
	if (opt_ca && strcmp(opt_ca, "c8y") && strcmp(opt_ca, "self-signed"))
		die_usage("invalid value '%s' for '--ca <CA>': c8y or self-signed", opt_ca);
	argc -= optind;
	argv += optind;
	sc = opt_cmd(argc, argv, subcmds, LEN(subcmds), "subcommand");
	if (sc->id != C_UPLOAD && argc > 1) {
		opt_cloud = argv[1];
		if (!cloud_find(opt_cloud) || (sc->id == C_DOWNLOAD && strcmp(opt_cloud, "c8y")))
			die_usage("invalid value '%s' for '<CLOUD>': %s", opt_cloud,
			    sc->id == C_DOWNLOAD ? "download is for c8y (Cumulocity) only" : "c8y, az or aws");
	}
	if (!runs[sc->id])
		return exec_upload(opt_config_dir(), argc - 1, argv + 1);
	if (cfg_load(&cfg, paths_config_dir(opt_config_dir()), CFG_ENV) < 0)
		die("failed to read the configuration");
	warn_unknown_keys(&cfg, getenv("TEDGE_QUIET_UNKNOWN_KEYS"));
	/* the cloud's profile: its url, http and certificate keys */
	if (opt_cloud && cfg_profile(&cfg, opt_profile()) < 0)
		die("failed to read the configuration");
	r = runs[sc->id]();
	cfg_free(&cfg);
	fshut_stdout();
	return r;
}
