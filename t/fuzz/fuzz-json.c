/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz-json: libFuzzer target for the JSON that tedge-cert-http's upload
 * (bin/cert-http/upload.c) reads from Cumulocity: the body of GET
 * /tenant/currentTenant, collected as curl hands it over (http_collect())
 * and decoded by tenant_name(). upload.c is compiled in, so that its
 * static functions are the ones tested; the program's other files are
 * linked beside it, its main renamed (the Makefile's -Dmain=...).
 *
 * A name that comes out goes into the next request's URL: it must be
 * non-empty [A-Za-z0-9_.-] and a field "name" of the object.
 *
 * The system's json-c is not instrumented, so coverage counts our code
 * only. To guide the fuzzer through json-c's parser too, build json-c
 * (the same version) with CFLAGS='-fsanitize=fuzzer-no-link,address,
 * undefined' and: rm t/fuzz/out/fuzz-json; make fuzz FUZZ_TARGETS=json
 * JSON_LIBS=/path/to/libjson-c.a
 */
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#include "../../bin/cert-http/upload.c"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf resp = { NULL, 0 };
	struct json_object *j, *name;
	const char *tenant, *p;
	size_t half = size / 2;

	/* In two pieces, as curl may deliver a body. */
	if (size > 0 && (http_collect((char *)data, 1, half, &resp) != half ||
	    http_collect((char *)data + half, 1, size - half, &resp) != size - half))
		abort();
	if (size > 0 && (resp.n != size || resp.p[size] != '\0'))
		abort();
	tenant = tenant_name(resp.p, &j);
	if (tenant) {
		if (!*tenant || !json_object_object_get_ex(j, "name", &name) ||
		    json_object_get_string(name) != tenant)
			abort();
		for (p = tenant; *p; p++)
			if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.", *p))
				abort();
	} else if (err_count() == 0) {
		abort();
	}
	json_object_put(j);
	free(resp.p);
	err_clear();
	return 0;
}
