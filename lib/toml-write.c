/* SPDX-License-Identifier: Apache-2.0 */
/*
 * toml-write.c: the deterministic writer, toml_dump(): a tree as TOML text
 * that reads back into an equal tree.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "toml-int.h"

struct writer {
	struct buf b;
	const char *path[MAXTREE + 1];	/* keys of the open tables */
	size_t npath;
	int bad;			/* the tree cannot be written */
};

static void
wstr(struct writer *W, const char *s)
{
	static const char from[] = "\b\t\n\f\r", to[] = "btnfr";
	const unsigned char *p = (const unsigned char *)s, *e;
	const char *q;
	char u[8];
	size_t n;

	e = p + strlen(s);
	bputc(&W->b, '"');
	for (; p < e; p += n) {
		n = 1;
		if (*p == '"' || *p == '\\') {
			bputc(&W->b, '\\');
			bputc(&W->b, *p);
		} else if ((q = strchr(from, *p)) != NULL) {
			bputc(&W->b, '\\');
			bputc(&W->b, to[q - from]);
		} else if (*p < 0x20 || *p == 0x7f) {
			snprintf(u, sizeof(u), "\\u%04X", *p);
			bputs(&W->b, u);
		} else if ((n = u8len(p, e)) == 0) {
			W->bad = 1;
			return;
		} else
			bput(&W->b, (const char *)p, n);
	}
	bputc(&W->b, '"');
}

static void
wkey(struct writer *W, const char *k)
{
	const char *p;

	if (k == NULL) {
		W->bad = 1;
		return;
	}
	for (p = k; barechar((unsigned char)*p); p++)
		;
	if (*k != '\0' && *p == '\0')
		bputs(&W->b, k);
	else
		wstr(W, k);
}

/* The keys path[from..] joined by dots. */
static void
wpath(struct writer *W, size_t from)
{
	size_t i;

	for (i = from; i < W->npath; i++) {
		if (i > from)
			bputc(&W->b, '.');
		wkey(W, W->path[i]);
	}
}

static void wval(struct writer *, const struct toml *, int, int);

/* The entries of inline table t as dotted keys relative to path[from]. */
static void
winline(struct writer *W, const struct toml *t, size_t from, int d, int nest,
    int *first)
{
	const struct toml *k;
	size_t i;

	for (i = 0; i < t->nkid && !W->bad; i++) {
		k = t->kid[i];
		if (k->key == NULL || d + 1 > MAXTREE) {
			W->bad = 1;
			return;
		}
		W->path[W->npath++] = k->key;
		if (k->type == TOML_TABLE && k->nkid > 0) {
			winline(W, k, from, d + 1, nest, first);
		} else {
			bputs(&W->b, *first ? "" : ", ");
			*first = 0;
			wpath(W, from);
			bputs(&W->b, " = ");
			wval(W, k, d + 1, nest);
		}
		W->npath--;
	}
}

/* Value v, d levels below the root, inside nest arrays/inline tables. */
static void
wval(struct writer *W, const struct toml *v, int d, int nest)
{
	char num[32];
	size_t i;
	int first = 1;

	if (d > MAXTREE || W->bad) {
		W->bad = 1;
		return;
	}
	switch (v->type) {
	case TOML_STRING:
		wstr(W, v->s != NULL ? v->s : "");
		break;
	case TOML_INT:
		snprintf(num, sizeof(num), "%lld", v->i);
		bputs(&W->b, num);
		break;
	case TOML_BOOL:
		bputs(&W->b, v->i ? "true" : "false");
		break;
	case TOML_FLOAT:
	case TOML_DATETIME:
		if (v->s == NULL || (v->type == TOML_FLOAT ?
		    floatchk(v->s, strlen(v->s)) != 0 :
		    !datechk(v->s, strlen(v->s))))
			W->bad = 1;
		else
			bputs(&W->b, v->s);
		break;
	case TOML_ARRAY:
		if (nest + 1 > MAXNEST) {
			W->bad = 1;
			break;
		}
		bputc(&W->b, '[');
		for (i = 0; i < v->nkid; i++) {
			bputs(&W->b, !i ? "" : v->flags & F_COMPACT ? "," : ", ");
			wval(W, v->kid[i], d + 1, nest + 1);
		}
		bputc(&W->b, ']');
		break;
	case TOML_TABLE:
		if (nest + 1 > MAXNEST) {
			W->bad = 1;
			break;
		}
		if (v->nkid == 0) {
			bputs(&W->b, "{}");
			break;
		}
		bputs(&W->b, "{ ");
		winline(W, v, W->npath, d, nest + 1, &first);
		bputs(&W->b, " }");
		break;
	default:
		W->bad = 1;
	}
}

/* Table t, d levels below the root: its section, then its sub-tables. */
static void
wtable(struct writer *W, const struct toml *t, int d)
{
	const struct toml *k;
	size_t i, j;
	int plain = t->nkid == 0;

	for (i = 0; i < t->nkid; i++)
		if (t->kid[i]->type != TOML_TABLE)
			plain = 1;
	if (plain && d > 0) {
		bputs(&W->b, W->b.n > 0 ? "\n[" : "[");
		wpath(W, 0);
		bputs(&W->b, "]\n");
	}
	for (i = 0; i < t->nkid && !W->bad; i++) {
		if ((k = t->kid[i])->type == TOML_TABLE)
			continue;
		wkey(W, k->key);
		bputs(&W->b, " = ");
		if (k->type == TOML_ARRAY && k->nkid > 0 && !(k->flags & F_ONELINE)) {
			bputs(&W->b, "[\n");
			for (j = 0; j < k->nkid; j++) {
				bputs(&W->b, "    ");
				wval(W, k->kid[j], d + 2, 1);
				bputs(&W->b, ",\n");
			}
			bputc(&W->b, ']');
		} else
			wval(W, k, d + 1, 0);
		bputc(&W->b, '\n');
	}
	for (i = 0; i < t->nkid && !W->bad; i++) {
		if ((k = t->kid[i])->type != TOML_TABLE)
			continue;
		if (k->key == NULL || d + 1 > MAXTREE) {
			W->bad = 1;
			return;
		}
		W->path[W->npath++] = k->key;
		wtable(W, k, d + 1);
		W->npath--;
	}
}

char *
toml_dump(const struct toml *root, size_t *len)
{
	struct writer W;

	if (root == NULL || root->type != TOML_TABLE)
		return NULL;
	memset(&W, 0, sizeof(W));
	wtable(&W, root, 0);
	bputc(&W.b, '\0');
	if (W.bad || W.b.bad) {
		free(W.b.p);
		return NULL;
	}
	if (len != NULL)
		*len = W.b.n - 1;
	return W.b.p;
}
