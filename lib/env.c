/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The toolkit's environment: every TEDGE_* variable that a program or a
 * flow reads and that is not a key of tedge.toml. config.c takes any other
 * TEDGE_<KEY> for a key, set for the run, and warns of one that names no
 * key; so a program or flow that comes to read a TEDGE_* variable of its
 * own lists it here, and in ARCHITECTURE.md. The comment of each says who
 * reads it.
 */
#include <string.h>

#include "tedge.h"
#include "cfg.h"

static const char *const toolkit_env[] = {
	"TEDGE_CONFIG_DIR",		/* every program and flow: the configuration directory */
	"TEDGE_EXEC_PATH",		/* tedge, the flows, tedge-check: where the programs are */
	"TEDGE_ERROR_CONTEXT",		/* set by the flows: the Error: line of a failing step */
	"TEDGE_QUIET_UNKNOWN_KEYS",	/* set by the flows: the programs warn of no unknown key */
	"TEDGE_DEBUG",			/* tedge-connect, tedge-bridge-gen, tedge-check: say more */
	"TEDGE_SVC_ROOT",		/* tedge-svc: the managed system's root directory */
	"TEDGE_SVC_INITDIR",		/* tedge-svc install: where the service definitions are */
	"TEDGE_CHECK_KERNEL_LOG",	/* tedge-check doctor: the kernel's log files */
	"TEDGE_CLOUD_PROFILE",		/* thin-edge's --profile: read by none of ours yet */
};

int
toolkit_env_has(const char *name, size_t n)
{
	size_t i;

	for (i = 0; i < LEN(toolkit_env); i++)
		if (!strncmp(toolkit_env[i], name, n) && !toolkit_env[i][n])
			return 1;
	return 0;
}
