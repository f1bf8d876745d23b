/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tedge: the dispatcher. `tedge [--config-dir DIR] CMD ARGS` runs
 * `tedge-CMD ARGS`: config, bridge-gen and svc in this process (they are
 * linked in, builtin.h), the others found in $TEDGE_EXEC_PATH, else next
 * to this binary, else in BINDIR; never through $PATH. --config-dir is
 * passed on as TEDGE_CONFIG_DIR. Started as tedge-config, tedge-bridge-gen
 * or tedge-svc (a link to this file), it is that program.
 *
 * Exit: that of the command; 2 usage (unknown command); 5 the command is
 * not installed.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tedge.h"
#include "builtin.h"

static const struct {
	const char *name, *what;
	int (*run)(int, char **);	/* linked in; else tedge-NAME is run */
} cmds[] = {
	{ "config", "Configure Thin Edge", main_config },
	{ "cert", "Create and manage the device certificate", NULL },
	{ "connect", "Connect to a cloud provider", NULL },
	{ "disconnect", "Remove the bridge to a cloud provider", NULL },
	{ "reconnect", "Reconnect to a cloud provider", NULL },
	{ "init", "Initialize Thin Edge", NULL },
	{ "renew", "Renew the device certificate when it is due, and reconnect", NULL },
	{ "bridge-gen", "Print or write the mosquitto bridge configuration", main_bridge_gen },
	{ "svc", "Start, stop and enable services on any init system", main_svc },
	{ "check", "Check the broker, the bridge and the cloud connection", NULL },
	{ "mqtt", "Publish a message on a topic and subscribe a topic", NULL },
	{ "completions", "Print the shell completion script (bash, zsh)", NULL },
};

static void
usage(FILE *f)
{
	size_t i;

	fputs("usage: tedge [--config-dir DIR] COMMAND [ARGS]\n"
	    "\n"
	    "tedge is the command line interface for thin-edge.io.\n"
	    "\n"
	    "Commands:\n", f);
	for (i = 0; i < LEN(cmds); i++)
		fprintf(f, "  %-12s %s\n", cmds[i].name, cmds[i].what);
	fputs("\n"
	    "Options:\n"
	    "  -c, --config-dir DIR  configuration directory [env: TEDGE_CONFIG_DIR, default: /etc/tedge]\n"
	    "  -h, --help            print this help\n"
	    "  -V, --version         print the version\n"
	    "\n"
	    "`tedge COMMAND --help` tells about each command.\n"
	    "Exit status: that of the command; 2 usage error; 5 the command is not installed.\n", f);
}

int
main(int argc, char *argv[])
{
	char prog[64];
	const char *cmd;
	const char *self = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
	size_t i;
	int a;

	for (i = 0; i < LEN(cmds); i++)
		if (cmds[i].run && !strncmp(self, "tedge-", 6) && !strcmp(self + 6, cmds[i].name))
			return cmds[i].run(argc, argv);
	err_setprog(argv[0]);
	for (a = 1; a < argc && argv[a][0] == '-'; a++) {
		const char *o = argv[a], *dir = NULL;
		if (!strcmp(o, "-h") || !strcmp(o, "--help")) {
			usage(stdout);
			fshut_stdout();
			return EXIT_OK;
		} else if (!strcmp(o, "-V") || !strcmp(o, "--version")) {
			printf("tedge %s\n", VERSION);
			fshut_stdout();
			return EXIT_OK;
		} else if (!strcmp(o, "-c") || !strcmp(o, "--config-dir")) {
			if (++a == argc) {
				fprintf(stderr, "error: %s needs a directory\n", o);
				return EXIT_USAGE;
			}
			dir = argv[a];
		} else if (!strncmp(o, "--config-dir=", 13)) {
			dir = o + 13;
		} else {
			fprintf(stderr, "error: unexpected argument '%s' found\n\n", o);
			usage(stderr);
			return EXIT_USAGE;
		}
		if (dir && (!*dir || setenv("TEDGE_CONFIG_DIR", dir, 1) < 0)) {
			fprintf(stderr, "error: --config-dir needs a non-empty directory\n");
			return EXIT_USAGE;
		}
	}
	if (a == argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	cmd = argv[a];
	for (i = 0; i < LEN(cmds); i++)
		if (!strcmp(cmd, cmds[i].name))
			break;
	if (i == LEN(cmds)) {
		fprintf(stderr, "error: unrecognized subcommand '%s'\n\n", cmd);
		usage(stderr);
		return EXIT_USAGE;
	}
	snprintf(prog, sizeof(prog), "tedge-%s", cmd);
	argv += a;
	argv[0] = prog;
	if (cmds[i].run)
		return cmds[i].run(argc - a, argv);
	exec_tool(prog, argv);
	diec(errno == ENOENT ? EXIT_NOT_INSTALLED : EXIT_FAIL, "failed to run `tedge %s`", cmd);
}
