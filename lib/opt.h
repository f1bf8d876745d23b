/* SPDX-License-Identifier: Apache-2.0 */
/*
 * opt.h: the command line of every C program, from two tables. Options
 * name the subcommands they go with; subcommands say how many arguments
 * follow them. --help and --version are every program's, and every
 * mistake is said the same way (die_usage: exit 2).
 */
#ifndef TEDGE_OPT_H
#define TEDGE_OPT_H

#include <stddef.h>

struct opt {
	const char *name;	/* --name */
	int key;		/* -key when a letter; what opt_next returns */
	const char *value;	/* NULL: a flag; else what it takes: "SECS" */
	const char *cmds;	/* the subcommands it goes with, "a b"; NULL: all */
};
#define OPT_END { NULL, 0, NULL, NULL }
/* Checked here: an empty directory would silently mean the default. */
#define OPT_CONFIG_DIR { "config-dir", 'c', "DIR", NULL }

/* thin-edge's --profile NAME (opt_profile); cmds as for any option. */
#define OPT_KEY_PROFILE 0x5000	/* past every program's own keys */
#define OPT_PROFILE(cmds) { "profile", OPT_KEY_PROFILE, "NAME", cmds }

struct cmd {
	const char *name;
	int id;			/* the program's own number for it */
	int min, max;		/* arguments after it; max -1: the command counts */
	const char *need;	/* said when fewer than min follow */
};

/*
 * The next option of argv by tab, like getopt_long (optarg, optind), or -1
 * after the last one. Exits for --help (printing usage), --version, and
 * an option that is unknown or lacks its value.
 */
int opt_next(int argc, char **argv, const struct opt *tab, const char *usage);
/* Whether the option with this key was given. */
int opt_given(int key);
/* The value of --config-dir, or NULL when not given. */
const char *opt_config_dir(void);
/*
 * The cloud profile asked for, read alike by every program and flow: the
 * value of --profile, else $TEDGE_CLOUD_PROFILE when not empty, else NULL
 * (the cloud's own keys). For cfg_profile(). --profile is put into
 * TEDGE_CLOUD_PROFILE, so the programs a program runs read it too.
 */
const char *opt_profile(void);
/*
 * The subcommand argv[0] names (argc, argv: what follows the options),
 * with its arguments and the options given checked; what: "subcommand".
 */
const struct cmd *opt_cmd(int argc, char **argv, const struct cmd *cmds,
    size_t ncmds, const char *what);

#endif
