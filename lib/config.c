/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tedge.toml: reading it (file, migrations, TEDGE_* overrides), getting,
 * setting and writing it back. The keys are in keys.c, the values' parsing
 * and checking in value.c. thin-edge 2.x keeps a cloud's keys in
 * mappers/<cloud>/mapper.toml instead (reference profiles §6): read and
 * written here too, by its rules.
 *
 * Values travel in one canonical text form: what `get` prints, except that
 * list items are joined by '\n' (no value may hold a control character, so
 * the separator cannot clash).
 */
#include <sys/stat.h>

#include <dirent.h>
#include <unistd.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tedge.h"
#include "cfg.h"
#include "cloud.h"

/* The canonical text of a TOML value for key k, by the type's rules. */
static int
toml_text(const struct cfg_key *k, const struct toml *t, char **out)
{
	char *joined, *p;
	size_t i, len;
	int r;

	switch (t->type) {
	case TOML_STRING:
		if (k->type == CFG_LIST) {
			if (check_text(t->s) < 0)
				return -1;
			*out = split_list(t->s, 1);
			return 0;
		}
		if (k->type == CFG_ENUM && !strcmp(k->name, "c8y.bridge.include.local_cleansession")) {
			/* thin-edge writes this one capitalised */
			char *low = xstrdup(t->s);
			for (p = low; *p; p++)
				*p = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
			r = parse_type(k, low, out);
			free(low);
			return r;
		}
		return parse_type(k, t->s, out);
	case TOML_INT: {
		char buf[32];
		if (k->type != CFG_PORT && k->type != CFG_PORT_NZ && k->type != CFG_U32 &&
		    k->type != CFG_DURATION)
			break;
		if (t->i < 0)
			return err_push("invalid digit found in string");
		snprintf(buf, sizeof(buf), "%lld", t->i);
		return parse_type(k, buf, out);
	}
	case TOML_BOOL:
		if (k->type != CFG_BOOL)
			break;
		*out = xstrdup(t->i ? "true" : "false");
		return 0;
	case TOML_ARRAY:
		if (k->type != CFG_LIST)
			break;
		for (len = 1, i = 0; i < t->nkid; i++) {
			if (t->kid[i]->type != TOML_STRING)
				return err_push("expected an array of strings");
			if (check_text(t->kid[i]->s) < 0)
				return -1;
			len += strlen(t->kid[i]->s) + 1;
		}
		joined = p = xmalloc(len);
		*p = '\0';
		for (i = 0; i < t->nkid; i++) {
			if (!*t->kid[i]->s)
				continue;
			p += sprintf(p, "%s%s", p > joined ? "\n" : "", t->kid[i]->s);
		}
		*out = joined;
		return 0;
	default:
		break;
	}
	return err_push("unexpected TOML type for this key");
}

/* The text of a TOML value for key k, judged as a value set would be. */
static int
from_toml(const struct cfg_key *k, const struct toml *t, char **out)
{
	if (toml_text(k, t, out) < 0)
		return -1;
	return check_or_free(k, out);
}

static struct toml *
to_toml(const struct cfg_key *k, const char *val)
{
	struct toml *t;
	const char *p, *e;
	long long n = 0;
	char *item;

	switch (k->type) {
	case CFG_PORT:
	case CFG_PORT_NZ:
	case CFG_U32:
		/* cfg_parse's form, decimal digits: read without strtoll, which
		 * libtedge imports for nothing else */
		for (p = val; *p >= '0' && *p <= '9'; p++)
			n = n * 10 + (*p - '0');
		return toml_new_int(n);
	case CFG_BOOL:
		return toml_new_bool(!strcmp(val, "true"));
	case CFG_LIST:
		if (!(t = toml_new(TOML_ARRAY)))
			return NULL;
		for (p = val; *p; p = *e ? e + 1 : e) {
			e = strchr(p, '\n');
			if (!e)
				e = p + strlen(p);
			item = xstrndup(p, (size_t)(e - p));
			if (toml_push(t, toml_new_string(item)) < 0) {
				free(item);
				toml_free(t);
				return NULL;
			}
			free(item);
		}
		return t;
	case CFG_ENUM:
		if (!strcmp(k->name, "c8y.bridge.include.local_cleansession")) {
			/* As thin-edge serialises it, so thin-edge can read it. */
			char cap[8];
			snprintf(cap, sizeof(cap), "%c%s", val[0] - 32, val + 1);
			return toml_new_string(cap);
		}
		return toml_new_string(val);
	default:
		return toml_new_string(val);
	}
}

static const char *
type_name(enum toml_type t)
{
	switch (t) {
	case TOML_TABLE: return "a table";
	case TOML_ARRAY: return "an array";
	case TOML_STRING: return "a string";
	case TOML_INT: return "an integer";
	case TOML_BOOL: return "a boolean";
	case TOML_FLOAT: return "a float";
	case TOML_DATETIME: return "a date-time";
	}
	return "a value";
}

/*
 * What keeps a value from being stored at the dotted path: pushes "'<step>'
 * in <file> is <type>, where a table is expected" for the first step of the
 * path that holds something else than a table, and returns -1; 0 when
 * nothing is in the way.
 */
static int
in_the_way(const struct toml *doc, const char *path, const char *file)
{
	const struct toml *t = doc;
	const char *p = path, *dot;
	char *k;

	while ((dot = strchr(p, '.'))) {
		k = xstrndup(p, (size_t)(dot - p));
		t = toml_get(t, k);
		free(k);
		if (!t)
			return 0;
		if (t->type != TOML_TABLE) {
			err_push("'%.*s' in %s is %s, where a table is expected",
			    (int)(dot - path), path, file, type_name(t->type));
			return -1;
		}
		p = dot + 1;
	}
	return 0;
}

/* Takes v out of the table tab, without freeing it. */
static void
detach(struct toml *tab, struct toml *v)
{
	size_t j;

	for (j = 0; j < tab->nkid && tab->kid[j] != v; j++)
		;
	if (j == tab->nkid)
		return;
	memmove(tab->kid + j, tab->kid + j + 1, (tab->nkid - j - 1) * sizeof(*tab->kid));
	tab->nkid--;
	FREE(v->key);
}

/* Moves the keys of a 0.10/0.11 file where 0.12+ expects them. */
static int
migrate(struct toml *doc, const char *file)
{
	struct toml *ver, *v;
	size_t i;

	/* The one table of ours that is no key's: config.version lives
	 * there, and every write stores it. */
	if ((v = toml_get(doc, "config")) && v->type != TOML_TABLE)
		return err_push("'config' in %s is %s, where a table is expected (it holds version = \"2\")",
		    file, type_name(v->type));
	ver = toml_path_get(doc, "config.version");
	if (ver && ver->type == TOML_STRING && !strcmp(ver->s, "2"))
		return 0;
	if (ver && !(ver->type == TOML_STRING && !strcmp(ver->s, "1")))
		return err_push("Unknown tedge.toml version: %s",
		    ver->type == TOML_STRING ? ver->s : "(not a string)");
	for (i = 0; i < cfg_nmigrations; i++) {
		if (!(v = toml_path_get(doc, cfg_migrations[i].from)))
			continue;
		if (toml_path_get(doc, cfg_migrations[i].to))
			return err_push("Cannot migrate '%s' to '%s': target key already exists. Please manually remove one of them from tedge.toml.",
			    cfg_migrations[i].from, cfg_migrations[i].to);
		if (in_the_way(doc, cfg_migrations[i].to, file) < 0)
			return err_push("Cannot migrate '%s' to '%s'",
			    cfg_migrations[i].from, cfg_migrations[i].to);
		/* Detach v from its table, then attach it at the new path. */
		{
			char *parent = xstrdup(cfg_migrations[i].from), *dot;
			struct toml *tab;
			dot = strrchr(parent, '.');
			*dot = '\0';
			tab = toml_path_get(doc, parent);
			detach(tab, v);
			if (tab->nkid == 0)
				toml_path_unset(doc, parent);
			free(parent);
			if (toml_path_set(doc, cfg_migrations[i].to, v) < 0)
				return err_push("out of memory");
		}
	}
	return 0;
}

/* Records an unknown key (and the variable it came from; NULL: the file).
 * Takes both strings. */
static void
add_unknown(struct cfg *c, char *key, char *var, const char *file)
{
	c->unknown = xrealloc(c->unknown, (c->nunknown + 1) * sizeof(*c->unknown));
	c->unknown[c->nunknown].key = key;
	c->unknown[c->nunknown].var = var;
	c->unknown[c->nunknown].file = file;
	c->nunknown++;
}

/* 1 when the dotted path names a key, 2 when it is a table on the way to
 * one, else 0. */
static int
known_path(const char *path)
{
	size_t i, n;
	const char *q;
	char buf[256];
	int r = 0;

	/* c8y.profiles.P.x is c8y.x */
	for (i = 0; i < CFG_NMAP; i++) {
		n = strlen(clouds[i].name);
		if (strncmp(path, clouds[i].name, n) || strncmp(path + n, ".profiles", 9))
			continue;
		q = path + n + 9;
		if (!*q)
			return 2;
		if (*q == '.') {
			q = strchr(q + 1, '.');
			snprintf(buf, sizeof(buf), "%s%s", clouds[i].name, q ? q : "");
			path = buf;
		}
	}
	n = strlen(path);
	if (!strcmp(path, "config.version"))
		return 1;
	if (!strcmp(path, "config"))
		return 2;
	for (i = 0; i < cfg_nkeys; i++)
		if (!strncmp(cfg_keys[i].name, path, n)) {
			if (!cfg_keys[i].name[n])
				return 1;
			if (cfg_keys[i].name[n] == '.')
				r = 2;
		}
	return r;
}

/*
 * Records what the file holds that is no key of ours, as thin-edge names
 * it: the first step of a path that leads to no key ("apt.name" under a
 * known table, "flows" for a whole unknown table). It is kept all the
 * same; the programs tell the user.
 */
static void
find_unknown(struct cfg *c, const struct toml *t, const char *path, const char *file)
{
	char *p;
	size_t i;
	int r;

	for (i = 0; i < t->nkid; i++) {
		/* a mapper file's own key (path: its cloud) */
		if (file != c->path && !strchr(path, '.') && !strcmp(t->kid[i]->key, "cloud_type"))
			continue;
		p = *path ? xasprintf("%s.%s", path, t->kid[i]->key) : xstrdup(t->kid[i]->key);
		r = known_path(p);
		if (r == 2 && t->kid[i]->type == TOML_TABLE)
			find_unknown(c, t->kid[i], p, file);
		if (r == 0 || (r == 2 && t->kid[i]->type != TOML_TABLE))
			add_unknown(c, p, NULL, file);
		else
			free(p);
	}
}

/* What the entry name of mappers/ is to cloud i: 0 nothing, 1 its own
 * directory, 2 one of its profiles'. */
static int
of_cloud(const char *name, size_t i)
{
	size_t n = strlen(clouds[i].name);

	if (strncmp(name, clouds[i].name, n) || (name[n] && name[n] != '.'))
		return 0;
	return name[n] ? 2 : 1;
}

/* A new mapper file of cloud i: cloud_type first (profiles §6). */
static struct toml *
new_mapper(size_t i)
{
	struct toml *doc = toml_new(TOML_TABLE);

	if (doc && toml_path_set(doc, "cloud_type", toml_new_string(clouds[i].name)) < 0)
		FREE(doc);
	return doc;
}

/* The mapper file m read into c->map[m]: 1, 0 when there is none, -1. */
static int
read_mapper(struct cfg *c, size_t m)
{
	char *buf, errbuf[256];
	size_t len;

	if (!(buf = fs_read(c->mpath[m], FILE_MAX, &len))) {
		if (errno != ENOENT)
			return -1;
		err_clear();
		return 0;
	}
	if (toml_parse(buf, len, &c->map[m], errbuf, sizeof(errbuf)) < 0) {
		free(buf);
		err_push("%s", errbuf);
		return err_push("TOML parse error in %s", c->mpath[m]);
	}
	free(buf);
	return 1;
}

/*
 * thin-edge 2.x's mappers/<cloud>[.<profile>]/mapper.toml: a cloud with
 * any such file keeps its keys in mappers/<cloud>/mapper.toml (read here),
 * tedge.toml's table of it ignored; else a table in tedge.toml keeps them
 * there; else (a 2.x layout, mappers/ there) a set makes the mapper file.
 * Profile files count here; cfg_profile reads one. No mappers/: the 1.x
 * layout, all in tedge.toml.
 */
static int
load_mappers(struct cfg *c)
{
	char *mdir = path_join(c->dir, "mappers"), *p;
	struct dirent *d;
	size_t i;
	unsigned bit;
	DIR *dp;
	int r = 0, w;

	if (!(dp = opendir(mdir))) {
		free(mdir);
		return 0;
	}
	for (i = 0; i < CFG_NMAP; i++)
		c->mpath[i] = xasprintf("%s/%s/mapper.toml", mdir, clouds[i].name);
	while (r == 0 && (d = readdir(dp)))
		for (i = 0; i < CFG_NMAP; i++) {
			if (!(w = of_cloud(d->d_name, i)))
				continue;
			if (w == 2) {
				p = xasprintf("%s/%s/mapper.toml", mdir, d->d_name);
				if (access(p, F_OK) == 0)
					c->mapped |= 1u << i;
				free(p);
			} else if ((r = read_mapper(c, i)) > 0) {
				c->mapped |= 1u << i;
				find_unknown(c, c->map[i], clouds[i].name, c->mpath[i]);
				r = 0;
			}
		}
	closedir(dp);
	free(mdir);
	for (i = 0; i < CFG_NMAP; i++) {
		bit = 1u << i;
		if (!toml_get(c->doc, clouds[i].name))
			c->mapped |= bit;
		else if (c->mapped & bit)
			c->ignored |= bit;
	}
	return r;
}

/* Where k lives: its document (NULL: a mapper file not made yet) and its
 * path there; returns the cloud of that mapper file, or -1: tedge.toml. */
static int
key_home(struct cfg *c, const struct cfg_key *k, struct toml **doc,
    const char **path)
{
	int i = cfg_key_cloud(k), m = i + (c->profile ? CFG_NMAP : 0);

	*doc = c->doc;
	*path = k->name;
	if (i < 0)
		return -1;
	if (c->mapped & 1u << i) {
		*doc = c->map[m];
		*path = k->name + strlen(clouds[i].name) + 1;
		return m;
	}
	if (c->profile) {
		snprintf(c->kpath, sizeof(c->kpath), "%s.profiles.%s%s", clouds[i].name,
		    c->profile, k->name + strlen(clouds[i].name));
		*path = c->kpath;
	}
	return -1;
}

/* Slot i of the environment's values: c->env[i], or past cfg_nkeys a
 * profile's (c->penv). */
static char **
env_slot(struct cfg *c, size_t i)
{
	return i < cfg_nkeys ? &c->env[i] : &c->penv[i - cfg_nkeys].val;
}

static void
env_put(struct cfg *c, size_t i, char *v)
{
	free(*env_slot(c, i));
	*env_slot(c, i) = v;
}

static int
env_overrides(struct cfg *c)
{
	extern char **environ;
	char **e, name[128], *canon, *prof;
	const struct cfg_key *k;
	const char *eq;
	size_t i, n;

	for (e = environ; *e; e++) {
		if (strncmp(*e, "TEDGE_", 6) || !(eq = strchr(*e, '=')))
			continue;
		/* The toolkit's own variables are no keys (env.c). */
		n = (size_t)(eq - *e) - 6;
		if (toolkit_env_has(*e, n + 6) || n >= sizeof(name))
			continue;
		for (i = 0; i < n; i++) {
			char ch = (*e)[6 + i];
			name[i] = ch >= 'A' && ch <= 'Z' ? (char)(ch + 32) : ch;
		}
		name[n] = '\0';
		if (!(k = cfg_key_find_profile(name, NULL, &prof))) {
			add_unknown(c, xstrdup(name), xstrndup(*e, n + 6), NULL);
			continue;
		}
		if (!c->env)
			c->env = xcalloc(cfg_nkeys, sizeof(*c->env));
		i = (size_t)(k - cfg_keys);
		if (prof) {
			/* TEDGE_C8Y_PROFILES_P_URL: c->env's place is the profile's */
			c->penv = xrealloc(c->penv, (c->npenv + 1) * sizeof(*c->penv));
			c->penv[c->npenv] = (struct cfg_penv){ prof, k, NULL };
			i = cfg_nkeys + c->npenv++;
		}
		if (!eq[1]) {
			env_put(c, i, xstrdup(""));	/* empty: back to the default */
			continue;
		}
		canon = NULL;
		/* A TOML value, as thin-edge takes one: "..." is a string for
		 * any key, [...] an array for a list key. For every other key
		 * '[' is text like any other (an IPv6 "[::1]:8883" works here as
		 * in the file): string keys take strings. */
		if (eq[1] == '"' || (eq[1] == '[' && k->type == CFG_LIST)) {
			char errbuf[160], *doc = xasprintf("v = %s", eq + 1);
			struct toml *t = NULL;
			if (toml_parse(doc, strlen(doc), &t, errbuf, sizeof(errbuf)) < 0)
				err_push("not a TOML %s: %s", eq[1] == '"' ?
				    "string" : "array of strings",
				    strncmp(errbuf, "line 1: ", 8) ? errbuf : errbuf + 8);
			else
				from_toml(k, toml_get(t, "v"), &canon);
			toml_free(t);
			free(doc);
		} else if (cfg_parse(k, eq + 1, &canon) == 0) {
			err_clear();
		}
		if (!canon) {
			char *q = quote_debug(eq + 1);
			err_push("Failed to set value for %s to %s from environment variable %.*s",
			    k->name, q, (int)(n + 6), *e);
			free(q);
			return -1;
		}
		env_put(c, i, canon);
	}
	return 0;
}

int
cfg_load(struct cfg *c, const char *dir, int flags)
{
	char errbuf[256], *buf;
	size_t len;

	memset(c, 0, sizeof(*c));
	c->lockfd = -1;
	/* Absolute, so that the paths derived from it are too. */
	if (!(c->dir = path_clean(dir)))
		return -1;
	c->path = path_join(c->dir, "tedge.toml");
	dir = c->dir;
	/* As thin-edge, a first write creates the directory. */
	if ((flags & CFG_WRITE) &&
	    (fs_mkdirp(dir, 0755) < 0 || (c->lockfd = fs_lock_dir(dir)) < 0))
		return -1;
	buf = fs_read(c->path, FILE_MAX, &len);
	if (!buf && errno != ENOENT)
		return -1;
	if (!buf) {
		err_clear();
		if (!(c->doc = toml_new(TOML_TABLE)))
			return err_push("out of memory");
	} else {
		int r = toml_parse(buf, len, &c->doc, errbuf, sizeof(errbuf));
		free(buf);
		if (r < 0) {
			err_push("%s", errbuf);
			return err_push("TOML parse error in %s", c->path);
		}
		if (migrate(c->doc, c->path) < 0)
			return err_push("TOML parse error in %s", c->path);
		find_unknown(c, c->doc, "", c->path);
	}
	if (load_mappers(c) < 0)
		return -1;
	/* The environment comes last, over either file. */
	if ((flags & CFG_ENV) && env_overrides(c) < 0)
		return -1;
	return 0;
}

void
cfg_free(struct cfg *c)
{
	size_t i;

	if (c->env)
		for (i = 0; i < cfg_nkeys; i++)
			free(c->env[i]);
	FREE(c->env);
	for (i = 0; i < c->npenv; i++) {
		free(c->penv[i].profile);
		free(c->penv[i].val);
	}
	FREE(c->penv);
	cfg_profile(c, NULL);
	for (i = 0; i < c->nunknown; i++) {
		free(c->unknown[i].key);
		free(c->unknown[i].var);
	}
	FREE(c->unknown);
	c->nunknown = 0;
	for (i = 0; i < CFG_NMAP; i++) {
		toml_free(c->map[i]);
		c->map[i] = NULL;
		FREE(c->mpath[i]);
	}
	toml_free(c->doc);
	c->doc = NULL;
	fs_unlock(c->lockfd);
	c->lockfd = -1;
	FREE(c->dir);
	FREE(c->path);
}

static const struct cfg_key *
key_by_name(const char *name)
{
	size_t i;

	for (i = 0; i < cfg_nkeys; i++)
		if (!strcmp(cfg_keys[i].name, name))
			return &cfg_keys[i];
	return NULL;
}

/* The explicit value (environment, then file), without defaults. */
static int
explicit_value(struct cfg *c, const struct cfg_key *k, char **out)
{
	struct toml *t, *doc;
	size_t i = (size_t)(k - cfg_keys);
	const char *path, *v = c->env ? c->env[i] : NULL;
	int m, cl = cfg_key_cloud(k);

	if (c->profile && cl >= 0) {
		for (v = NULL, i = c->npenv; i-- > 0;)
			if (c->penv[i].k == k && !strcmp(c->penv[i].profile, c->profile)) {
				v = c->penv[i].val;
				break;
			}
		/* reads of a profile that is nowhere fail; a write makes it */
		if (!(c->pfound & 1u << cl) && c->lockfd < 0)
			return err_push("Unknown profile `%s` for the multi-profile property %s",
			    c->profile, clouds[cl].name);
	}
	if (v) {
		if (!*v)
			return 1;
		*out = xstrdup(v);
		return 0;
	}
	m = key_home(c, k, &doc, &path);
	if (!doc || !(t = toml_path_get(doc, path)))
		return 1;
	if (from_toml(k, t, out) < 0)
		return err_push("invalid value for '%s' in %s", m < 0 ? path : k->name,
		    m < 0 ? c->path : c->mpath[m]);
	return 0;
}

int
cfg_get(struct cfg *c, const struct cfg_key *k, char **out)
{
	char *url, *cn, *cert;
	int r, e = 0;

	if (k->type == CFG_DEVICE_ID) {
		/* The certificate is the truth (device.id's the CN of
		 * device.cert_path, c8y.device.id's of c8y.device.cert_path);
		 * a stored id only stands in while there is none, and
		 * c8y.device.id's is then device.id. */
		cert = xasprintf("%.*scert_path", (int)(strlen(k->name) - 2), k->name);
		r = cfg_get_str(c, cert, &url);
		free(cert);
		if (r < 0)
			return -1;
		cn = NULL;
		if (r == 0) {
			cn = pem_cert_cn(url);
			e = errno;
			free(url);
		}
		if (cn) {
			*out = cn;
			return 0;
		}
		if (r == 0 && e != ENOENT)
			return err_push("Derivation for `%s` failed", k->name);
		err_clear();
		if ((r = explicit_value(c, k, out)) <= 0 || k->dkind != CFG_KEY)
			return r;
		return cfg_get(c, key_by_name(k->dflt), out);
	}
	r = explicit_value(c, k, out);
	if (r <= 0)
		return r;
	switch (k->dkind) {
	case CFG_NONE:
		return 1;
	case CFG_CONST:
		*out = k->type == CFG_LIST ? split_list(k->dflt, 0) : xstrdup(k->dflt);
		return 0;
	case CFG_KEY:
		return cfg_get(c, key_by_name(k->dflt), out);
	case CFG_IN_DIR:
		*out = path_join(c->dir, k->dflt);
		return 0;
	case CFG_URL_HOST:
		if ((r = cfg_get(c, key_by_name(k->dflt), &url)) != 0)
			return r;
		*out = url;
		return 0;
	}
	return 1;
}

int
cfg_get_str(struct cfg *c, const char *name, char **out)
{
	const struct cfg_key *k = strstr(name, ".profiles.") ? cfg_key_find(name, NULL) :
	    key_by_name(name);

	if (!k)
		return err_push("no such configuration key: %s", name);
	return cfg_get(c, k, out);
}

int
cfg_need(struct cfg *c, const char *name, char **out)
{
	const struct cfg_key *k = cfg_key_find(name, NULL);
	int r = cfg_get_str(c, name, out);
	char *m, *n;

	if (r <= 0)
		return r;
	/* c8y.http and c8y.mqtt come from c8y.url: name the key to set. */
	if (k->dkind == CFG_URL_HOST)
		k = key_by_name(k->dflt);
	m = cfg_missing(n = cfg_key_name(c, k));
	err_push("%s", m);
	free(m);
	free(n);
	return -1;
}

char *
cfg_missing(const char *key)
{
	return xasprintf("Required configuration item is not provided '%s', run 'tedge config set %s <value>' to add it to config.",
	    key, key);
}

char *
cfg_render(const struct cfg_key *k, const char *val)
{
	const char *p, *e;
	char *out, *o;
	size_t n;

	if (k->type == CFG_HOSTPORT) {
		p = val[0] == '[' ? strstr(val, "]:") : strchr(val, ':');
		if (!p)
			return xasprintf("%s:%s", val, k->choices);
		return xstrdup(val);
	}
	if (k->type != CFG_LIST)
		return xstrdup(val);
	/* ["a", "b"]: each item quoted and escaped as Rust's Debug does */
	n = 3;
	for (p = val; *p; p++)
		n += *p == '\n' ? 4 : *p == '"' || *p == '\\' ? 2 : 1;
	out = o = xmalloc(n + 4);
	*o++ = '[';
	for (p = val; *p; p = *e ? e + 1 : e) {
		e = strchr(p, '\n');
		if (!e)
			e = p + strlen(p);
		if (p > val)
			*o++ = ',', *o++ = ' ';
		*o++ = '"';
		for (; p < e; p++) {
			if (*p == '"' || *p == '\\')
				*o++ = '\\';
			*o++ = *p;
		}
		*o++ = '"';
	}
	*o++ = ']';
	*o = '\0';
	return out;
}

int
cfg_set(struct cfg *c, const struct cfg_key *k, const char *val)
{
	struct toml *t = to_toml(k, val), *doc;
	const char *path, *file;
	int m = key_home(c, k, &doc, &path);

	file = m < 0 ? c->path : c->mpath[m];
	if (m >= 0) {
		c->mdirty |= 1u << m;
		if (!doc && !(doc = c->map[m] = new_mapper((size_t)m % CFG_NMAP))) {
			toml_free(t);
			return err_push("out of memory");
		}
	}
	if (t && in_the_way(doc, path, file) < 0) {
		toml_free(t);
		return err_push("cannot store %s", k->name);
	}
	if (!t || toml_path_set(doc, path, t) < 0)
		return err_push("cannot store %s: a value in %s is in the way",
		    k->name, file);
	return 0;
}

void
cfg_unset(struct cfg *c, const struct cfg_key *k)
{
	struct toml *doc;
	const char *path;
	int m = key_home(c, k, &doc, &path);

	if (m >= 0)
		c->mdirty |= 1u << m;
	if (doc)
		toml_path_unset(doc, path);
}

/* Temporary files of writers that were killed before their rename. Under
 * the writers' lock no one else can be using them. */
static void
remove_stale_temps(const char *dir)
{
	struct dirent *d;
	DIR *dp;
	char *p;

	if (!(dp = opendir(dir)))
		return;
	while ((d = readdir(dp)))
		if (!strncmp(d->d_name, ".tedge.toml.", 12) && strlen(d->d_name) == 18) {
			p = path_join(dir, d->d_name);
			unlinkat(AT_FDCWD, p, 0);
			free(p);
		}
	closedir(dp);
}

/* doc dumped to path atomically (its directory made), as one a reader
 * takes: refused past FILE_MAX. */
static int
write_doc(const struct toml *doc, const char *path)
{
	char *text, *dir;
	size_t len;
	int r;

	if (!(text = toml_dump(doc, &len)))
		return err_push("out of memory");
	/* What cfg_load would refuse to read back is not written. */
	if (len > FILE_MAX) {
		free(text);
		return err_push("the new %s would be %zu bytes, and tedge.toml can be at most %d bytes to be read: it is left as it was",
		    path, len, FILE_MAX);
	}
	dir = xstrndup(path, (size_t)(strrchr(path, '/') - path));
	r = fs_mkdirp(dir, 0755);
	free(dir);
	if (r == 0)
		r = fs_write_atomic(path, text, len, 0644);
	free(text);
	return r;
}

/* A mapper file written, or removed when it holds nothing but its
 * cloud_type (profiles §6). */
static int
write_mapper_doc(const struct toml *doc, const char *path)
{
	if (doc->nkid > 1 || (doc->nkid == 1 && strcmp(doc->kid[0]->key, "cloud_type")))
		return write_doc(doc, path);
	if (unlinkat(AT_FDCWD, path, 0) < 0 && errno != ENOENT)
		return err_pushsysf(errno, "cannot remove %s", path);
	return 0;
}

int
cfg_save(struct cfg *c)
{
	struct toml *ver;
	size_t i;

	if (c->lockfd < 0)
		return err_push("internal error: %s saved without its lock", c->path);
	/* A write to a cloud's mapper file leaves tedge.toml alone; one
	 * left with only cloud_type goes (profiles §6). */
	if (c->mdirty) {
		for (i = 0; i < 2 * CFG_NMAP; i++)
			if ((c->mdirty & 1u << i) && c->map[i] &&
			    write_mapper_doc(c->map[i], c->mpath[i]) < 0)
				return -1;
		return 0;
	}
	if (!(ver = toml_new_string("2")) || toml_path_set(c->doc, "config.version", ver) < 0)
		return err_push("out of memory");
	remove_stale_temps(c->dir);
	return write_doc(c->doc, c->path);
}

/* Removes every mapper file of cloud i (its profiles' too). */
static int
remove_mappers(struct cfg *c, size_t i)
{
	char *mdir = path_join(c->dir, "mappers"), *p;
	struct dirent *d;
	DIR *dp;
	int r = 0;

	if ((dp = opendir(mdir))) {
		while (r == 0 && (d = readdir(dp))) {
			if (!of_cloud(d->d_name, i))
				continue;
			p = xasprintf("%s/%s/mapper.toml", mdir, d->d_name);
			if (unlinkat(AT_FDCWD, p, 0) < 0 && errno != ENOENT)
				r = err_pushsysf(errno, "cannot remove %s", p);
			free(p);
		}
		closedir(dp);
	}
	free(mdir);
	return r;
}

/* The table t, detached from its parent, written as the mapper file
 * mappers/<dir>/mapper.toml of cloud i, cloud_type first; t is freed. */
static int
write_mapper(struct cfg *c, size_t i, const char *dir, struct toml *t)
{
	struct toml *doc = new_mapper(i);
	char *path = xasprintf("%s/mappers/%s/mapper.toml", c->dir, dir);
	int r = -1;

	if (doc) {
		doc->kid = xrealloc(doc->kid, (1 + t->nkid) * sizeof(*doc->kid));
		if (t->nkid)	/* an empty table has no kid array */
			memcpy(doc->kid + 1, t->kid, t->nkid * sizeof(*t->kid));
		doc->nkid = doc->capkid = 1 + t->nkid;
		t->nkid = 0;
		r = write_mapper_doc(doc, path);
	} else {
		err_push("out of memory");
	}
	toml_free(doc);
	toml_free(t);
	free(path);
	return r;
}

int
cfg_upgrade(struct cfg *c, char **bak)
{
	struct toml *t, *pr;
	size_t i, len;
	char *buf, *dir;
	int any = 0, r;

	for (i = 0; i < CFG_NMAP; i++)
		if ((t = toml_get(c->doc, clouds[i].name))) {
			if (in_the_way(c->doc, clouds[i].url_key, c->path) < 0)
				return -1;
			any = 1;
		}
	if (!any)
		return 1;
	if (!(buf = fs_read(c->path, FILE_MAX, &len)))
		return -1;
	*bak = xasprintf("%s.bak", c->path);
	r = fs_write_atomic(*bak, buf, len, 0644);	/* as cfg_save writes */
	free(buf);
	for (i = 0; r == 0 && i < CFG_NMAP; i++) {
		if (!(t = toml_get(c->doc, clouds[i].name)))
			continue;
		if ((r = remove_mappers(c, i)) < 0)
			break;
		detach(c->doc, t);
		/* [c8y.profiles.P] to mappers/c8y.P/ */
		if ((pr = toml_get(t, "profiles")) && pr->type == TOML_TABLE) {
			detach(t, pr);
			while (r == 0 && pr->nkid) {
				struct toml *p1 = pr->kid[0];
				dir = xasprintf("%s.%s", clouds[i].name, p1->key);
				detach(pr, p1);
				r = p1->type == TOML_TABLE ? write_mapper(c, i, dir, p1) :
				    (toml_free(p1), 0);
				free(dir);
			}
			toml_free(pr);
		}
		if (r == 0)
			r = write_mapper(c, i, clouds[i].name, t);
		else
			toml_free(t);
	}
	return r < 0 ? -1 : cfg_save(c);
}

int
cfg_profile(struct cfg *c, const char *name)
{
	size_t i, m;
	char *p;

	FREE(c->profile);
	c->pfound = 0;
	for (m = CFG_NMAP; m < 2 * CFG_NMAP; m++) {
		toml_free(c->map[m]);
		c->map[m] = NULL;
		FREE(c->mpath[m]);
	}
	if (!name)
		return 0;
	if (cfg_check_profile(name) < 0)
		return -1;
	c->profile = p = xstrdup(name);
	for (; *p; p++)
		*p = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
	for (i = 0; i < CFG_NMAP; i++) {
		m = CFG_NMAP + i;
		if (c->mapped & 1u << i) {
			c->mpath[m] = xasprintf("%s/mappers/%s.%s/mapper.toml", c->dir,
			    clouds[i].name, c->profile);
			if (read_mapper(c, m) < 0)
				return -1;
		} else {
			snprintf(c->kpath, sizeof(c->kpath), "%s.profiles.%s", clouds[i].name, c->profile);
			c->map[m] = toml_path_get(c->doc, c->kpath) ? toml_new(TOML_TABLE) : NULL;
		}
		if (c->map[m])
			c->pfound |= 1u << i;
	}
	for (i = 0; i < c->npenv; i++)
		if (!strcmp(c->penv[i].profile, c->profile))
			c->pfound |= 1u << cfg_key_cloud(c->penv[i].k);
	return 0;
}

static int
cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

char **
cfg_profiles(struct cfg *c, size_t i, size_t *n)
{
	char *mdir = path_join(c->dir, "mappers"), **v = NULL, *name;
	const struct toml *t;
	struct dirent *d;
	size_t j, k = 0, cl = strlen(clouds[i].name);
	DIR *dp;

	*n = 0;
#define ADD(s) (v = xrealloc(v, (*n + 1) * sizeof(*v)), v[(*n)++] = (s))
	if (!(c->mapped & 1u << i)) {
		snprintf(c->kpath, sizeof(c->kpath), "%s.profiles", clouds[i].name);
		if ((t = toml_path_get(c->doc, c->kpath)) && t->type == TOML_TABLE)
			for (j = 0; j < t->nkid; j++)
				if (t->kid[j]->type == TOML_TABLE)
					ADD(xstrdup(t->kid[j]->key));
	} else if ((dp = opendir(mdir))) {
		while ((d = readdir(dp)))
			if (of_cloud(d->d_name, i) == 2) {
				name = xasprintf("%s/%s/mapper.toml", mdir, d->d_name);
				if (access(name, F_OK) == 0)
					ADD(xstrdup(d->d_name + cl + 1));
				free(name);
			}
		closedir(dp);
	}
	free(mdir);
	for (j = 0; j < c->npenv; j++)
		if (cfg_key_cloud(c->penv[j].k) == (int)i)
			ADD(xstrdup(c->penv[j].profile));
#undef ADD
	if (*n)
		qsort(v, *n, sizeof(*v), cmp_name);
	/* the same name from the file and the environment, once */
	for (j = 0; j < *n; j++)
		if (k == 0 || strcmp(v[j], v[k - 1]))
			v[k++] = v[j];
		else
			free(v[j]);
	*n = k;
	return v;
}

char *
cfg_key_name(const struct cfg *c, const struct cfg_key *k)
{
	int i = cfg_key_cloud(k);

	if (!c->profile || i < 0)
		return xstrdup(k->name);
	return xasprintf("%s.profiles.%s%s", clouds[i].name, c->profile,
	    k->name + strlen(clouds[i].name));
}
