/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The programs that need only libc are linked into one ELF, bin/tedge, as
 * BusyBox links its applets: each keeps its own source, options, man page
 * and exit codes, and runs when started by its own name (tedge-config and
 * the others are links to tedge) or as `tedge CMD`, in the same process.
 * One ELF instead of four saves the loader's work and about 20 KB of
 * headers and dynamic symbols (SPEC §10).
 */
int main_config(int argc, char *argv[]);
int main_bridge_gen(int argc, char *argv[]);
int main_svc(int argc, char *argv[]);
