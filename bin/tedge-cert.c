/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The ELF of tedge-cert and tedge-check (bin/builtin.h): started as
 * tedge-check (a link to this file) it is tedge-check, else tedge-cert.
 */
#include <string.h>

#include "tedge.h"
#include "builtin.h"

int
main(int argc, char *argv[])
{
	const char *self = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];

	if (!strcmp(self, "tedge-check"))
		return main_check(argc, argv);
	return main_cert(argc, argv);
}
