/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz-toml: libFuzzer target for lib/toml*.c. Whatever parses must dump,
 * the dump must parse back to an equal tree, and dumping that tree must
 * give the same bytes again.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "toml.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct toml *t, *u;
	char err[128], *d1, *d2;
	size_t n1, n2;

	if (toml_parse((const char *)data, size, &t, err, sizeof(err)) < 0) {
		if (strncmp(err, "line ", 5) != 0 &&
		    strcmp(err, "out of memory") != 0)
			abort();
		return 0;
	}
	if ((d1 = toml_dump(t, &n1)) == NULL)
		abort();
	if (toml_parse(d1, n1, &u, err, sizeof(err)) < 0)
		abort();
	if (!toml_equal(t, u) || !toml_equal(u, t))
		abort();
	if ((d2 = toml_dump(u, &n2)) == NULL)
		abort();
	if (n1 != n2 || memcmp(d1, d2, n1) != 0)
		abort();
	free(d1);
	free(d2);
	toml_free(t);
	toml_free(u);
	return 0;
}
