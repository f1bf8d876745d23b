/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Programs that load the same libraries are linked into one ELF, as
 * BusyBox links its applets: each keeps its own source, options, man page
 * and exit codes, and runs when started by its own name (a link to the
 * ELF). One ELF instead of several saves the loader's work and the
 * headers and dynamic symbols each would repeat (SPEC §10: 24 KB and
 * 10 KB).
 *
 * bin/tedge (libc only): tedge, and tedge-config, tedge-bridge-gen and
 * tedge-svc, also run as `tedge CMD` in the same process.
 */
int main_config(int argc, char *argv[]);
int main_bridge_gen(int argc, char *argv[]);
int main_svc(int argc, char *argv[]);

/*
 * bin/tedge-cert (OpenSSL, libmosquitto): tedge-cert, and tedge-check.
 * tedge-cert-http, which alone loads libcurl, stays apart.
 */
int main_cert(int argc, char *argv[]);
int main_check(int argc, char *argv[]);
