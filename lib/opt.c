/* SPDX-License-Identifier: Apache-2.0 */
/*
 * opt.c: getopt_long driven by a program's table of options, and the
 * subcommand picked from its table of subcommands. One place says every
 * usage mistake, so every program says it alike.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tedge.h"
#include "opt.h"

#define OPT_MAX 16

static const struct opt *tab;	/* the table opt_next last read */
static struct option longs[OPT_MAX + 3];
static char shorts[OPT_MAX * 2 + 4];
static unsigned given;		/* bit i: tab[i] was given */
static const char *config_dir, *profile;

static void
build(const struct opt *t)
{
	size_t i, n = 0, s = 0;

	shorts[s++] = ':';	/* a missing value is ':', not '?' */
	for (i = 0; t[i].name && i < OPT_MAX; i++) {
		longs[n++] = (struct option){ t[i].name,
		    t[i].value ? required_argument : no_argument, NULL, t[i].key };
		if (t[i].key > 0 && t[i].key < 128) {
			shorts[s++] = (char)t[i].key;
			if (t[i].value)
				shorts[s++] = ':';
		}
	}
	longs[n++] = (struct option){ "help", no_argument, NULL, 'h' };
	longs[n++] = (struct option){ "version", no_argument, NULL, 'V' };
	longs[n] = (struct option){ NULL, 0, NULL, 0 };
	memcpy(shorts + s, "hV", 3);
	tab = t;
	given = 0;
}

static const struct opt *
find(int key)
{
	const struct opt *o;

	for (o = tab; o && o->name; o++)
		if (o->key == key)
			return o;
	return NULL;
}

/* What the user typed for the option getopt refused. */
static void __attribute__((noreturn))
refuse(int ch, char **argv)
{
	const char *typed = argv[optind - 1];
	const struct opt *o = optopt ? find(optopt) : NULL;

	if (ch == ':' && o)
		die_usage("option '--%s' requires an argument", o->name);
	if (o && !o->value && !strncmp(typed, "--", 2) && strchr(typed, '='))
		die_usage("option '--%s' takes no value", o->name);
	if (optopt > 0 && optopt < 128 && strncmp(typed, "--", 2))
		die_usage("unrecognized option '-%c'", optopt);
	die_usage("unrecognized option '%s'", typed);
}

int
opt_next(int argc, char **argv, const struct opt *t, const char *usage)
{
	const struct opt *o;
	int ch;

	if (t != tab)
		build(t);
	opterr = 0;
	ch = getopt_long(argc, argv, shorts, longs, NULL);
	if (ch == -1)
		return -1;
	if (ch == 'h')
		exit_help(usage);
	if (ch == 'V')
		exit_version();
	if (ch == '?' || ch == ':' || !(o = find(ch)))
		refuse(ch, argv);
	given |= 1u << (o - tab);
	if (!strcmp(o->name, "config-dir")) {
		if (!*optarg)
			die_usage("--config-dir needs a non-empty directory");
		config_dir = optarg;
	}
	if (ch == OPT_KEY_PROFILE) {
		if (cfg_check_profile(optarg) < 0)
			diec(EXIT_USAGE, "invalid value '%s' for '--profile <PROFILE>'", optarg);
		profile = optarg;
		/* the programs it runs read the same profile */
		setenv("TEDGE_CLOUD_PROFILE", optarg, 1);
	}
	return ch;
}

int
opt_given(int key)
{
	const struct opt *o = find(key);

	return o && given & 1u << (o - tab);
}

const char *
opt_profile(void)
{
	const char *e = getenv("TEDGE_CLOUD_PROFILE");

	if (profile || !e || !*e)
		return profile;
	if (cfg_check_profile(e) < 0)
		diec(EXIT_USAGE, "invalid value '%s' for 'TEDGE_CLOUD_PROFILE'", e);
	return e;
}

const char *
opt_config_dir(void)
{
	return config_dir;
}

/* "a b c" as "a, b or c", into buf. */
static const char *
words(char *buf, size_t size, const char *list)
{
	size_t n = 0, len;
	const char *w, *last = strrchr(list, ' ');

	for (w = list; *w; w += len + (w[len] == ' ')) {
		len = strcspn(w, " ");
		if (n < size)
			n += (size_t)snprintf(buf + n, size - n, "%s%.*s",
			    w == list ? "" : w - 1 == last ? " or " : ", ", (int)len, w);
	}
	return buf;
}

/* Whether list ("a b") holds word. */
static int
holds(const char *list, const char *word)
{
	size_t len = strlen(word);
	const char *p;

	for (p = list; (p = strstr(p, word)); p += len)
		if ((p == list || p[-1] == ' ') && (p[len] == ' ' || !p[len]))
			return 1;
	return 0;
}

const struct cmd *
opt_cmd(int argc, char **argv, const struct cmd *cmds, size_t ncmds, const char *what)
{
	const struct cmd *c = NULL;
	const struct opt *o;
	char names[256], list[256];
	size_t i, n = 0;

	for (i = 0; i < ncmds && n < sizeof(names); i++)
		n += (size_t)snprintf(names + n, sizeof(names) - n, "%s%s",
		    i ? " " : "", cmds[i].name);
	if (argc < 1)
		die_usage("a %s is required: %s", what, words(list, sizeof(list), names));
	for (i = 0; i < ncmds && !c; i++)
		if (!strcmp(argv[0], cmds[i].name))
			c = &cmds[i];
	if (!c)
		die_usage("unrecognized %s '%s'", what, argv[0]);
	for (o = tab; o && o->name; o++)
		if (given & 1u << (o - tab) && o->cmds && !holds(o->cmds, c->name))
			die_usage("'--%s' does not go with '%s': only with %s", o->name,
			    c->name, words(list, sizeof(list), o->cmds));
	if (argc - 1 < c->min)
		die_usage("%s", c->need);
	if (c->max >= 0 && argc - 1 > c->max)
		die_usage("unexpected argument '%s' found", argv[c->max + 1]);
	return c;
}
