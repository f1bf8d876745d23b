/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tedge-cert use-new CLOUD [--offline]: what connect and reconnect run
 * before they connect, as thin-edge does it: a renewed <cert>.new becomes
 * the certificate once the cloud has accepted it (Cumulocity: a direct
 * MQTT/TLS session with it, `tedge-check register c8y --cert`, up to five
 * attempts two seconds apart); else the current one stays, untouched, and
 * the exit is 3. No .new: nothing to do, exit 0.
 */
#include <sys/wait.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tedge.h"
#include "x509.h"
#include "cert.h"

#define ATTEMPTS 5

int opt_offline;

/* One try of new_path with Cumulocity: 0, or -1 with its words in *why. */
static int
accepted(const char *new_path, char **why)
{
	const char *args[] = { "register", "c8y", "--cert", new_path, NULL };
	char *out, *nl;
	size_t n;
	int st;

	*why = NULL;
	st = run_tool("tedge-check", args, NULL, &out, 30000);
	if (st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0) {
		free(out);
		return 0;
	}
	/* Its last cause says most: "Caused by:\n    <cause>" ends the text. */
	if (out) {
		while ((n = strlen(out)) && (out[n - 1] == '\n' || out[n - 1] == ' '))
			out[n - 1] = '\0';
		nl = strrchr(out, '\n');
		*why = xstrdup(nl ? nl + 1 + strspn(nl + 1, " ") : out);
	} else {
		*why = xstrdup(st < 0 ? "tedge-check cannot run" : spawn_status_text(st));
		err_clear();
	}
	free(out);
	return -1;
}

int
cmd_use_new(void)
{
	static const char what[] = "failed to use the new certificate";
	char *cert_path = conf(DEV("cert_path"), what);
	char *key_path = conf(DEV("key_path"), what);
	char *new_path = xasprintf("%s.new", cert_path), *why = NULL;
	int i, ok = 0, rc = EXIT_OK;

	if (access(new_path, F_OK) < 0)
		goto out;
	if (opt_offline) {
		printf("Offline mode. Skipping new device certificate validation\n"
		    "  => use current certificate %s\n"
		    "  => ignoring new certificate %s\n", cert_path, new_path);
		goto out;
	}
	if (lock_certs(key_path, cert_path, 0) < 0)
		die("%s", what);
	/* az and aws are not asked: as thin-edge, their new one is taken. */
	for (i = 1; !strcmp(opt_cloud, "c8y") && !ok && i <= ATTEMPTS; i++) {
		if (i > 1)
			nap_ms(2000);
		free(why);
		if (i == 1)
			printf("Validating new certificate: %s\n", new_path);
		else
			printf("Validating new certificate: %s attempt %d of %d\n", new_path, i, ATTEMPTS);
		fflush(stdout);
		ok = accepted(new_path, &why) == 0;
	}
	if (strcmp(opt_cloud, "c8y"))
		ok = 1;
	if (ok && rename(new_path, cert_path) < 0) {
		err_pushsysf(errno, "cannot rename %s", new_path);
		err_print("Error replacing the device certificate by the new one");
		ok = 0;
	} else if (!ok) {
		fprintf(stderr, "Error validating the new certificate: %s\n", why ? why : "");
	}
	if (!ok) {
		printf("  => keep using the current certificate unchanged %s\n", cert_path);
		rc = EXIT_UNVERIFIED;
	} else {
		sync_parent(cert_path);
		printf("The new certificate is now the active certificate %s\n", cert_path);
	}
out:
	free(why), free(new_path), free(cert_path), free(key_path);
	return rc;
}
