/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz-config: libFuzzer target for the value checks of lib/config.c, the
 * ones `tedge config set` and the TEDGE_* overrides apply, through the
 * public API. An input "KEY=VALUE" whose KEY is one that `tedge config`
 * takes is that (so seeds read as what they test, whatever the table's
 * order); any other input's first byte picks a key of the table and the
 * rest is the value. The value ends at a NUL, as an argument would.
 *
 * Whatever is accepted must be accepted again in its canonical form and
 * give the same form (get's output can be set back), must render, must be
 * stored in a document that dumps and reads back to the same value, and
 * TEDGE_<KEY> must agree with `config set` about it. The value is also
 * read as the TOML of tedge.toml ("KEY = VALUE"): what get takes from
 * there must be a value the file can hold.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tedge.h"

int LLVMFuzzerInitialize(int *, char ***);
int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* Not a directory: a missing tedge.toml is an empty one, and the device
 * certificate, looked for there, is missing too. */
#define DIR "/nonexistent/fuzz-config"

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	extern char **environ;
	char **e, name[256];
	size_t n;

	(void)argc, (void)argv;
	/* Only the variable set below may reach cfg_load. */
again:
	for (e = environ; *e; e++)
		if (!strncmp(*e, "TEDGE_", 6) && (n = strcspn(*e, "=")) < sizeof(name)) {
			memcpy(name, *e, n);
			name[n] = '\0';
			unsetenv(name);
			goto again;
		}
	return 0;
}

/* The canonical value as a user would type it: list items joined by ','. */
static char *
typed(const struct cfg_key *k, const char *canon)
{
	char *s = xstrdup(canon), *p;

	if (k->type == CFG_LIST)
		for (p = s; *p; p++)
			if (*p == '\n')
				*p = ',';
	return s;
}

/* Set: the value stored in a document, dumped, read back, got. */
static void
set_get(const struct cfg_key *k, const char *val)
{
	struct toml *doc;
	struct cfg c;
	char *text, err[160], *got = NULL;
	size_t len;

	memset(&c, 0, sizeof(c));
	c.lockfd = -1;
	c.dir = xstrdup(DIR);
	c.path = xstrdup(DIR "/tedge.toml");
	if (!(c.doc = toml_new(TOML_TABLE)))
		abort();
	if (cfg_set(&c, k, val) < 0)
		abort();
	if (!(text = toml_dump(c.doc, &len)))
		abort();
	if (toml_parse(text, len, &doc, err, sizeof(err)) < 0)
		abort();
	free(text);
	toml_free(c.doc);
	c.doc = doc;
	if (cfg_get(&c, k, &got) != 0 || strcmp(got, val))
		abort();
	free(got);
	cfg_free(&c);
}

/* TEDGE_<KEY>: accepted iff set accepts (for a value that is no TOML
 * text), to the same canonical value; a TOML text's value is one set
 * would take. */
static void
env_get(const struct cfg_key *k, const char *in, const char *set_val)
{
	char var[160], *p;
	struct cfg c;
	size_t i;
	int r;

	snprintf(var, sizeof(var), "TEDGE_%s", k->name);
	for (p = var + 6; *p; p++)
		*p = *p == '.' ? '_' : *p >= 'a' && *p <= 'z' ? (char)(*p - 32) : *p;
	if (setenv(var, in, 1) < 0)
		abort();
	r = cfg_load(&c, DIR, CFG_ENV);
	unsetenv(var);
	i = (size_t)(k - cfg_keys);
	if (r < 0) {
		if (err_count() == 0)
			abort();
		if (!*in || (set_val && in[0] != '"' && in[0] != '['))
			abort();
	} else {
		if (!c.env || !c.env[i])
			abort();
		if (!*in) {
			if (*c.env[i])
				abort();
		} else if (in[0] != '"' && in[0] != '[') {
			if (!set_val || strcmp(c.env[i], set_val))
				abort();
		} else {
			/* A list's items may hold ',' here, so it need not be
			 * one set takes; it must be one the file can hold. ""
			 * is the variable's "back to the default". */
			if (cfg_check(k, c.env[i]) < 0)
				abort();
			if (*c.env[i])
				set_get(k, c.env[i]);
		}
	}
	err_clear();
	cfg_free(&c);
}

/* 1 when doc holds the one value at path and nothing else. */
static int
only(const struct toml *doc, const char *path)
{
	const char *p = path, *dot;
	size_t n;

	for (;;) {
		if (doc->type != TOML_TABLE || doc->nkid != 1)
			return 0;
		doc = doc->kid[0];
		dot = strchr(p, '.');
		n = dot ? (size_t)(dot - p) : strlen(p);
		if (strlen(doc->key) != n || strncmp(doc->key, p, n))
			return 0;
		if (!dot)
			return 1;
		p = dot + 1;
	}
}

/* The value as tedge.toml would hold it. */
static void
file_get(const struct cfg_key *k, const char *in)
{
	char *text = xasprintf("%s = %s", k->name, in), err[160], *got = NULL;
	struct cfg c;
	int r;

	memset(&c, 0, sizeof(c));
	c.lockfd = -1;
	c.dir = xstrdup(DIR);
	c.path = xstrdup(DIR "/tedge.toml");
	/* Nothing else, that device.id's certificate stays where it is not. */
	if (toml_parse(text, strlen(text), &c.doc, err, sizeof(err)) == 0 &&
	    only(c.doc, k->name)) {
		r = cfg_get(&c, k, &got);
		if (r < 0 && err_count() == 0)
			abort();
		if (r == 0) {
			if (cfg_check(k, got) < 0)
				abort();
			set_get(k, got);
			free(got);
		}
	}
	err_clear();
	free(text);
	cfg_free(&c);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct cfg_key *k = NULL;
	char *in, *out = NULL, *again = NULL, *p, *r;
	const uint8_t *eq;
	size_t n;

	if (size < 1)
		return 0;
	if ((eq = memchr(data, '=', size))) {
		p = xstrndup((const char *)data, (size_t)(eq - data));
		k = cfg_key_find(p, NULL);
		free(p);
	}
	if (k) {
		in = xstrndup((const char *)eq + 1, size - (size_t)(eq - data) - 1);
	} else {
		k = &cfg_keys[data[0] % cfg_nkeys];
		in = xstrndup((const char *)data + 1, size - 1);
	}
	n = err_count();
	if (cfg_parse(k, in, &out) < 0) {
		if (err_count() < n + 2)	/* the reason, then "Failed to..." */
			abort();
		err_clear();
		out = NULL;
	} else {
		if (!out || err_count() != n || cfg_check(k, out) < 0)
			abort();
		if (!(r = cfg_render(k, out)))
			abort();
		free(r);
		/* What get prints, set takes back unchanged. */
		if (*out || k->type != CFG_LIST) {
			p = typed(k, out);
			if (cfg_parse(k, p, &again) < 0 || strcmp(again, out))
				abort();
			free(again);
			free(p);
		}
		set_get(k, out);
	}
	env_get(k, in, out);
	file_get(k, in);
	free(out);
	free(in);
	err_clear();
	return 0;
}
