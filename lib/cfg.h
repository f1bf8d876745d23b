/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cfg.h: what keys.c, value.c, env.c and config.c share and no program sees
 * (the symbols are hidden: libtedge.so exports none of them).
 */
#ifndef TEDGE_CFG_H
#define TEDGE_CFG_H

#define VALUE_MAX 4096		/* longer values are refused */
#define FILE_MAX (1 << 20)	/* a larger tedge.toml is refused */

#define HIDDEN __attribute__((visibility("hidden")))

/* keys.c: the renames of older tedge.toml layouts, old path to new. */
struct cfg_rename { const char *from, *to; };
HIDDEN extern const struct cfg_rename cfg_migrations[];
HIDDEN extern const size_t cfg_nmigrations;

/* env.c: 1 if the n bytes at name (which need not end there) are one of
 * the toolkit's own TEDGE_* variables, the ones that are no key. */
HIDDEN int toolkit_env_has(const char *name, size_t n);

/* Valid UTF-8 with no control character, at most VALUE_MAX bytes. */
HIDDEN int check_text(const char *s);
/* "a,b,,c" as "a\nb\nc" (empty items dropped, trimmed when trim);
 * malloc'd. */
HIDDEN char *split_list(const char *in, int trim);
/* in parsed by k's type into the canonical form (*out, malloc'd); 0, or
 * -1 with the reason pushed. */
HIDDEN int parse_type(const struct cfg_key *k, const char *in, char **out);
/* *out, a canonical value of k just made, judged by k's check: kept (0),
 * or freed and -1 with the reason pushed. */
HIDDEN int check_or_free(const struct cfg_key *k, char **out);

#endif
