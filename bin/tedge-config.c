/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tedge-config: read and write tedge.toml.
 *
 *   tedge-config [--config-dir DIR] get KEY
 *   tedge-config [--config-dir DIR] set KEY VALUE
 *   tedge-config [--config-dir DIR] unset KEY
 *   tedge-config [--config-dir DIR] add KEY VALUE[,VALUE...]
 *   tedge-config [--config-dir DIR] remove KEY VALUE[,VALUE...]
 *   tedge-config [--config-dir DIR] list [--all] [--doc | --json] [FILTER]
 *   tedge-config [--config-dir DIR] upgrade   (hidden, as in thin-edge)
 *
 * Reads <config-dir>/tedge.toml, and thin-edge 2.x's
 * <config-dir>/mappers/<cloud>/mapper.toml where a cloud's keys are there
 * (lib/config.c); reads take TEDGE_<KEY> environment overrides, writes
 * never do. upgrade moves the cloud tables of tedge.toml to mapper files,
 * after a copy to tedge.toml.bak. Writes replace the file atomically under a
 * lock on the configuration directory. Keys of the file (and TEDGE_*
 * variables) that are no keys of ours are kept, and named once on stderr
 * unless TEDGE_QUIET_UNKNOWN_KEYS is set and non-empty.
 *
 * Exit: 0 success; 1 failure, or get of a key without value; 2 usage.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tedge.h"
#include "builtin.h"
#include "opt.h"

static const char usage_text[] =
"usage: tedge-config [--config-dir DIR] COMMAND [ARGS]\n"
"\n"
"Configure Thin Edge.\n"
"\n"
"Commands:\n"
"  get KEY              Get the value of the provided configuration key\n"
"  set KEY VALUE        Set or update the provided configuration key with the given value\n"
"  unset KEY            Unset the provided configuration key\n"
"  add KEY VALUE        Append or set the provided configuration key with the given value\n"
"  remove KEY VALUE     Remove value from the provided configuration key\n"
"  list [FILTER]        Print the configuration keys and their values\n"
"\n"
"Options:\n"
"  -c, --config-dir DIR  configuration directory [env: TEDGE_CONFIG_DIR, default: /etc/tedge]\n"
"  -a, --all             list: print all the keys, even those without a configured value\n"
"  -d, --doc             list: print all keys and descriptions with example values\n"
"  -j, --json            list: one JSON object, key: value (--all: null without one)\n"
"      --profile NAME    c8y.url as c8y.profiles.NAME.url [env: TEDGE_CLOUD_PROFILE]\n"
"  -h, --help            print this help\n"
"  -V, --version         print the version\n"
"\n"
"KEY is a configuration key; run `tedge config list --doc` for the keys.\n"
"Lists (e.g. c8y.smartrest.templates) take comma-separated values.\n"
"Environment variables TEDGE_<KEY> (dots as underscores) override the file for reads.\n"
"\n"
"Exit status: 0 success; 1 failure, or the key has no value; 2 usage error.\n";

static const char *confdir;
static char *profile;	/* the key's profile (find_key) */

/*
 * The key name names, and its profile in profile: the one its name says
 * (c8y.profiles.P.url), else --profile's, else TEDGE_CLOUD_PROFILE's for a
 * key that has profiles, as thin-edge picks it (reference config §4).
 */
static const struct cfg_key *
find_key(const char *name)
{
	const char *opt = opt_given(OPT_KEY_PROFILE) ? opt_profile() : NULL;
	const struct cfg_key *k;
	int deprecated = 0;

	if (!(k = cfg_key_find_profile(name, &deprecated, &profile)))
		die_usage("invalid value '%s' for '<KEY>': Unknown tedge config key: '%s'",
		    name, name);
	if (profile && opt && strcmp(profile, opt))
		err_push("Multiple profiles selected from the arguments %s and --profile %s", name, opt);
	else if (opt && cfg_key_cloud(k) < 0)
		err_push("You've supplied a profile, but %s is not a profiled configuration", k->name);
	else if (!profile && cfg_key_cloud(k) >= 0 && opt_profile())
		profile = xstrdup(opt_profile());
	if (err_count())
		die("missing configuration parameter");
	if (deprecated && !profile)
		warn("The key '%s' is deprecated. Use '%s' instead.", name, k->name);
	return k;
}

/* cfg_load, then the key's profile made the active one. */
static int
load(struct cfg *c, int flags)
{
	return cfg_load(c, confdir, flags) < 0 || cfg_profile(c, profile) < 0 ? -1 : 0;
}

/* A value as it may be shown in a message: verbatim unless it holds
 * control characters, then quoted. malloc'd. */
static char *
shown(const char *v)
{
	const char *p;

	for (p = v; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return quote_debug(v);
	return xstrdup(v);
}

static int
cmd_get(int argc, char **argv)
{
	const struct cfg_key *k;
	struct cfg c;
	char *v, *out;
	int r;

	if (argc != 1)
		die_usage(argc ? "unexpected argument '%s'" :
		    "the following required arguments were not provided:\n  %s", argc ? argv[1] : "<KEY>");
	k = find_key(argv[0]);
	if (load(&c, CFG_ENV) < 0)
		die("failed to get the configuration value for key: '%s'", argv[0]);
	warn_unknown_keys(&c, getenv("TEDGE_QUIET_UNKNOWN_KEYS"));
	if ((r = cfg_get(&c, k, &v)) < 0)
		die("failed to get the configuration value for key: '%s'", argv[0]);
	if (r > 0) {
		/* one format, the two endings thin-edge has */
		fprintf(stderr, "The provided config key: '%s' is not %s\n", argv[0],
		    k->type == CFG_DEVICE_ID ? "configured: The device id is read from the device certificate.\n"
		    "To set 'device.id' to some <id>, you can use `tedge cert create --device-id <id>`." : "set");
		cfg_free(&c);
		return EXIT_FAIL;
	}
	out = cfg_render(k, v);
	puts(out);
	free(out);
	free(v);
	cfg_free(&c);
	return EXIT_OK;
}

/* Items of a '\n'-joined list, in a malloc'd array (strings point into s). */
static size_t
items(char *s, char ***out)
{
	size_t n = 0, cap = 8;
	char **v = xmalloc(cap * sizeof(*v)), *p, *e;

	for (p = s; *p; p = e ? e + 1 : p + strlen(p)) {
		e = strchr(p, '\n');
		if (e)
			*e = '\0';
		if (n == cap)
			v = xrealloc(v, (cap *= 2) * sizeof(*v));
		v[n++] = p;
		if (!e)
			break;
	}
	*out = v;
	return n;
}

/* add/remove on a list: the effective value merged with or stripped of
 * the given items; add sorts and removes duplicates, as thin-edge does. */
static char *
list_edit(const char *cur, const char *arg, int add)
{
	char *a = xstrdup(cur), *b = xstrdup(arg), **va, **vb, *out, *o;
	const char *last = NULL, *min;
	size_t na, nb, i, j, n;

	na = items(a, &va);
	nb = items(b, &vb);
	out = o = xmalloc(strlen(cur) + strlen(arg) + 2);
	*o = '\0';
	if (add) {
		va = xrealloc(va, (na + nb + 1) * sizeof(*va));
		memcpy(va + na, vb, nb * sizeof(*vb));
		n = na + nb;
		/* Sorted without duplicates: each time the least item after
		 * the last one written (a few items; tedge imports no qsort). */
		for (;;) {
			for (min = NULL, i = 0; i < n; i++)
				if ((!last || strcmp(va[i], last) > 0) &&
				    (!min || strcmp(va[i], min) < 0))
					min = va[i];
			if (!min)
				break;
			o += sprintf(o, "%s%s", o > out ? "\n" : "", min);
			last = min;
		}
	} else {
		for (i = 0; i < na; i++) {
			for (j = 0; j < nb; j++)
				if (!strcmp(va[i], vb[j]))
					break;
			if (j == nb)
				o += sprintf(o, "%s%s", o > out ? "\n" : "", va[i]);
		}
	}
	free(va), free(vb), free(a), free(b);
	return out;
}

enum op { OP_SET, OP_UNSET, OP_ADD, OP_REMOVE };

/* thin-edge's words for each failed write, wording (and capital R) kept. */
static void __attribute__((noreturn))
write_failed(enum op op, const char *key, const char *val)
{
	switch (op) {
	case OP_SET:
	case OP_ADD:
		die("failed to set the configuration key: '%s' with value: %s.", key, val);
	case OP_UNSET:
		die("failed to unset the configuration value for '%s'", key);
	case OP_REMOVE:
	default:
		die("failed to Remove or unset the configuration value for '%s'", key);
	}
}

static int
cmd_write(enum op op, int argc, char **argv)
{
	const struct cfg_key *k;
	char *val = NULL, *cur = NULL, *next, *sv;
	int want = op == OP_UNSET ? 1 : 2, r = 0, has_cert = 0;
	struct cfg c;

	if (argc < want)
		die_usage("the following required arguments were not provided:\n  %s",
		    argc == 0 ? "<KEY>" : "<VALUE>");
	if (argc > want)
		die_usage("unexpected argument '%s' found", argv[want]);
	k = find_key(argv[0]);
	sv = want == 2 ? shown(argv[1]) : NULL;
#define FAIL() write_failed(op, argv[0], sv)
	if (want == 2 && cfg_parse(k, argv[1], &val) < 0)
		FAIL();
	if (load(&c, CFG_WRITE) < 0)
		FAIL();
	warn_unknown_keys(&c, getenv("TEDGE_QUIET_UNKNOWN_KEYS"));
	switch (op) {
	case OP_SET:
		r = cfg_set(&c, k, val);
		break;
	case OP_UNSET:
		cfg_unset(&c, k);
		r = 0;
		break;
	case OP_ADD:
	case OP_REMOVE:
		if (k->type != CFG_LIST) {
			if (op == OP_ADD) {
				r = cfg_set(&c, k, val);
				break;
			}
			/* remove K V on a scalar: unset when V is its value */
			r = cfg_get(&c, k, &cur);
			if (r < 0)
				FAIL();
			if (r == 0 && !strcmp(cur, val))
				cfg_unset(&c, k);
			r = 0;
			break;
		}
		r = cfg_get(&c, k, &cur);
		if (r < 0)
			FAIL();
		next = list_edit(r == 0 ? cur : "", val, op == OP_ADD);
		r = cfg_set(&c, k, next);
		free(next);
		break;
	}
	/* What tedge-bridge-gen would refuse to make of the two listeners
	 * is refused now, while the file is unchanged. */
	if (r == 0 && (!strcmp(k->name, "mqtt.bind.port") || !strcmp(k->name, "mqtt.bind.address") ||
	    !strcmp(k->name, "mqtt.bind.enabled") || !strcmp(k->name, "mqtt.external.bind.port") ||
	    !strcmp(k->name, "mqtt.external.bind.address")) && cfg_check_listeners(&c) < 0)
		FAIL();
	if (r < 0 || cfg_save(&c) < 0)
		FAIL();
#undef FAIL
	if (op == OP_SET && k->type == CFG_DEVICE_ID) {
		/* device.id's certificate is device.cert_path, c8y.device.id's
		 * c8y.device.cert_path */
		char *cert = NULL, *ck = xasprintf("%.*scert_path", (int)strlen(k->name) - 2, k->name);
		if (cfg_get_str(&c, ck, &cert) == 0 && access(cert, F_OK) == 0)
			has_cert = 1;
		if (has_cert)
			warn("%s is read from the certificate %s; the value set is used only while there is no certificate.",
			    k->name, cert);
		free(cert), free(ck);
	}
	free(cur), free(val), free(sv);
	cfg_free(&c);
	return EXIT_OK;
}

static void
print_doc(const struct cfg_key *k, int width)
{
	const char *d = k->doc;
	size_t n = strlen(d);

	printf("%*s  %s%s \n", width, k->name, d, n && d[n - 1] == '.' ? "" : ".");
	if (k->note)
		printf("%*s  Note: %s\n", width, "", k->note);
	if (k->examples) {
		const char *p;
		int many = strchr(k->examples, ',') != NULL;
		printf("%*s  Example%s: ", width, "", many ? "s" : "");
		/* "a,b" as "a, b"; printf and puts: tedge imports no putchar */
		for (p = k->examples; *p; p++)
			printf("%.1s%s", p, *p == ',' ? " " : "");
		puts("");
	}
	if (!isatty(STDOUT_FILENO))
		puts("");
}

/* One line of list, key=value as get prints it, or with --json a member of
 * its object: a list key's items an array, a key without a value null. */
static void
put_kv(const char *name, const struct cfg_key *k, const char *raw)
{
	char *out = raw ? cfg_render(k, raw) : NULL, *items, *p, *e;

	if (!json_out_active()) {
		printf("%s=%s\n", name, out ? out : "");
	} else if (raw && k->type == CFG_LIST) {
		json_out_open(name, 1);
		for (p = items = xstrdup(raw); *p; p = e) {
			if ((e = strchr(p, '\n')))
				*e++ = '\0';
			else
				e = p + strlen(p);
			json_out_str(NULL, p);
		}
		free(items);
		json_out_close();
	} else {
		json_out_str(name, out);
	}
	free(out);
}

/* The keys from..to (cloud i's, all of them profiled) of each profile of
 * cloud i that have a value, as thin-edge lists them: c8y.profiles.P.url=. */
static void
list_profiles(struct cfg *c, size_t i, size_t from, size_t to, const char *filter)
{
	char **names, *n, *v;
	size_t j, np;

	names = cfg_profiles(c, i, &np);
	for (j = 0; j < np; j++) {
		if (cfg_profile(c, names[j]) < 0)
			err_clear();
		else
			for (i = from; i < to; i++) {
				n = cfg_key_name(c, &cfg_keys[i]);
				if ((!filter || strstr(n, filter)) && cfg_get(c, &cfg_keys[i], &v) == 0) {
					put_kv(n, &cfg_keys[i], v);
					free(v);
				}
				err_clear();
				free(n);
			}
		free(names[j]);
	}
	free(names);
	cfg_profile(c, NULL);
}

static int
cmd_list(int argc, char **argv, int all, int doc, int json)
{
	const char *filter = argc > 0 ? argv[0] : NULL;
	const struct cfg_key *k;
	char *v, *missing;
	size_t i, nmissing = 0, from = 0;
	int width = 0, cl;
	struct cfg c;

	if (argc > 1)
		die_usage("unexpected argument '%s' found", argv[1]);
	if (json && doc)
		die_usage("--json and --doc do not go together");
	if (json)
		json_out_on();
	if (cfg_load(&c, confdir, CFG_ENV) < 0)
		die("failed to list the configuration keys and values");
	warn_unknown_keys(&c, getenv("TEDGE_QUIET_UNKNOWN_KEYS"));
	missing = xcalloc(cfg_nkeys, 1);
	for (i = 0; i < cfg_nkeys; i++)
		if (!filter || strstr(cfg_keys[i].name, filter))
			if ((int)strlen(cfg_keys[i].name) > width)
				width = (int)strlen(cfg_keys[i].name);
	for (i = 0; i < cfg_nkeys; i++) {
		k = &cfg_keys[i];
		/* after a cloud's last key, its profiles' (the last key is
		 * no cloud's) */
		cl = i ? cfg_key_cloud(k - 1) : -1;
		if (cfg_key_cloud(k) != cl) {
			if (cl >= 0 && !doc)
				list_profiles(&c, (size_t)cl, from, i, filter);
			from = i;
		}
		if (filter && !strstr(k->name, filter))
			continue;
		if (doc) {
			print_doc(k, width);
			continue;
		}
		/* A key that cannot be read counts as one without value. */
		if (cfg_get(&c, k, &v) != 0) {
			err_clear();
			missing[i] = 1;
			nmissing++;
			continue;
		}
		put_kv(k->name, k, v);
		free(v);
	}
	if (all && nmissing) {
		if (!json)
			puts("");
		for (i = 0; i < cfg_nkeys; i++)
			if (missing[i])
				put_kv(cfg_keys[i].name, &cfg_keys[i], NULL);
	}
	json_out_end();
	free(missing);
	cfg_free(&c);
	return EXIT_OK;
}

/* thin-edge's hidden `tedge config upgrade`, its words on stderr. */
static int
cmd_upgrade(void)
{
	char *bak = NULL;
	struct cfg c;
	int r;

	if (cfg_load(&c, confdir, CFG_WRITE) < 0 || (r = cfg_upgrade(&c, &bak)) < 0)
		die("Failed to migrate mapper configurations. Fix the underlying issue and run 'tedge config upgrade' again to retry.");
	if (r)
		fputs("Configuration is already up to date, nothing was migrated.\n", stderr);
	else
		fprintf(stderr, "Configuration updates completed successfully.\n"
		    "Your original configuration has been backed up to: %s in case the old configuration must be restored.\n"
		    "You may delete it after validating that your upgraded configuration is working.\n", bak);
	free(bak);
	cfg_free(&c);
	return EXIT_OK;
}

/* The subcommands: a write (enum op), or get, list or upgrade. Only list
 * takes --all and --doc. */
enum { OP_GET = -1, OP_LIST = -2, OP_UPGRADE = -3 };
static const struct cmd subcmds[] = {
	{ "get", OP_GET, 0, -1, NULL }, { "set", OP_SET, 0, -1, NULL },
	{ "unset", OP_UNSET, 0, -1, NULL }, { "add", OP_ADD, 0, -1, NULL },
	{ "remove", OP_REMOVE, 0, -1, NULL }, { "list", OP_LIST, 0, -1, NULL },
	{ "upgrade", OP_UPGRADE, 0, 0, NULL },
};

int
main_config(int argc, char *argv[])
{
	static const struct opt opts[] = {
		OPT_CONFIG_DIR,
		OPT_PROFILE("get set unset add remove"),
		{ "all", 'a', NULL, "list" },
		{ "doc", 'd', NULL, "list" },
		{ "json", 'j', NULL, "list" },
		OPT_END
	};
	const struct cmd *sc;
	int r;

	err_setprog(argv[0]);
	while (opt_next(argc, argv, opts, usage_text) != -1)
		;
	argc -= optind;
	argv += optind;
	/* upgrade, last, is hidden: named by no usage message. */
	sc = opt_cmd(argc, argv, subcmds, LEN(subcmds) -
	    !(argc > 0 && !strcmp(argv[0], "upgrade")), "subcommand");
	confdir = paths_config_dir(opt_config_dir());
	argc--, argv++;
	if (sc->id == OP_GET)
		r = cmd_get(argc, argv);
	else if (sc->id == OP_UPGRADE)
		r = cmd_upgrade();
	else if (sc->id == OP_LIST)
		r = cmd_list(argc, argv, opt_given('a'), opt_given('d'), opt_given('j'));
	else
		r = cmd_write((enum op)sc->id, argc, argv);
	fshut_stdout();
	return r;
}
