/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tedge.h: the one header the programs include.
 *
 * lib/ reports, bin/ decides: library functions return -1 or NULL and push
 * the reason onto the error chain (err_push*); only programs print and exit,
 * through die() and friends. The x-prefixed allocators are the only library
 * functions that exit (on out-of-memory).
 */
#ifndef TEDGE_H
#define TEDGE_H

#include <sys/types.h>

#include <stdarg.h>
#include <stddef.h>

#include "toml.h"

#define LEN(a) (sizeof(a) / sizeof((a)[0]))
#define FREE(p) do { free(p); (p) = NULL; } while (0)

/* Exit codes shared by every program (SPEC §2). */
enum {
	EXIT_OK = 0,
	EXIT_FAIL = 1,
	EXIT_USAGE = 2,
	EXIT_UNVERIFIED = 3,
	EXIT_NO_MANAGER = 4,
	EXIT_NOT_INSTALLED = 5
};

/* err.c: the chain of causes, innermost first, and its printing. */

/* Sets the program name used in usage messages (argv[0]'s basename). */
void err_setprog(const char *argv0);
extern const char *progname;
/* Pushes a cause; always returns -1 so lib code can `return err_push(...)`. */
int err_push(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Pushes "<strerror(e)> (os error <e>)". Returns -1. */
int err_pushsys(int e);
/* Pushes "<fmt...>: <strerror(e)> (os error <e>)". Returns -1. */
int err_pushsysf(int e, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Forgets every cause pushed so far. */
void err_clear(void);
/* Prints the causes pushed so far as warnings, outermost first, and
 * forgets them. */
void warn_causes(void);
/* Number of causes pushed so far. */
size_t err_count(void);
/* Cause i, outermost first (as printed), or NULL past the last. */
const char *err_cause(size_t i);
/* Called by die() and diec() with the Error: line, the chain still there:
 * --json (lib/json.c) puts both in its document. */
extern void (*err_die_hook)(const char *msg);
/*
 * Prints "Error: <msg>" and the chain in thin-edge's layout on stderr, then
 * clears the chain. With TEDGE_ERROR_CONTEXT set, that text is the Error:
 * line and msg becomes the outermost cause.
 */
void err_print(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* err_print(), then exit(1). */
void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
/* err_print(), then exit(code). */
void diec(int code, const char *fmt, ...)
    __attribute__((format(printf, 2, 3), noreturn));
/* "Warning: <msg>" on stderr. */
void warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
struct cfg;
/*
 * For programs, after cfg_load: one warning per key of c->unknown, and one
 * per table of tedge.toml a mapper file overrides (c->ignored), thin-edge's
 * words, once per run. quiet is $TEDGE_QUIET_UNKNOWN_KEYS: set and non-empty
 * (a composing script has shown them already), nothing is printed.
 */
void warn_unknown_keys(const struct cfg *c, const char *quiet);
/* A usage error as clap shows one: "error: <msg>", an empty line, "For
 * more information, try '--help'."; exit 2. */
void die_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
/* -h/--help and -V/--version: text (or "<progname> <VERSION>") on stdout,
 * exit 0, or 1 when stdout could not be written. */
void exit_help(const char *text) __attribute__((noreturn));
void exit_version(void) __attribute__((noreturn));
/* Flushes stdout and exits 1 with an error if writing it failed. */
void fshut_stdout(void);

/* xalloc.c: allocation that exits on OOM. */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t m);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* A malloc'd formatted string; caller frees. */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *xvasprintf(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));

/* paths.c */

/*
 * The configuration directory: opt (from --config-dir) when non-NULL, else
 * $TEDGE_CONFIG_DIR when set and non-empty, else SYSCONFDIR "/tedge".
 * Returns a pointer to static or argument storage; do not free.
 */
const char *paths_config_dir(const char *opt);
/*
 * Where the toolkit program prog (e.g. "tedge-config") is: in
 * $TEDGE_EXEC_PATH, else next to the running binary, else in BINDIR, never
 * on $PATH. malloc'd (caller frees), or NULL when it is in none of them.
 */
char *tool_path(const char *prog);
/*
 * Replaces the process with the toolkit program prog, found by tool_path.
 * Returns only on failure: -1 with the cause pushed (errno ENOENT when prog
 * is in none of the places).
 */
int exec_tool(const char *prog, char **argv);
/* "<dir>/<name>" with one slash between; malloc'd, caller frees. */
char *path_join(const char *dir, const char *name);
/*
 * Makes p absolute against the working directory and removes ".", ".." and
 * repeated slashes lexically. malloc'd, caller frees; NULL (cause pushed)
 * when the working directory cannot be read.
 */
char *path_clean(const char *p);

/* fs.c */

/*
 * Replaces path with len bytes of buf, atomically: a temporary file in the
 * same directory, written, chmod'ed to mode, fsync'ed and renamed over path;
 * then the directory is fsync'ed. A symbolic link at path is followed only
 * when fs_resolve_trusted allows it; the temporary file is created with
 * O_EXCL|O_NOFOLLOW and renamed over the name itself. Returns 0, or -1 with
 * the cause pushed (path unchanged).
 */
int fs_write_atomic(const char *path, const void *buf, size_t len,
    unsigned mode);
/*
 * Creates path with len bytes of buf, never replacing anything: a
 * temporary file beside it (".<name>.XXXXXX", O_EXCL|O_NOFOLLOW), written,
 * given mode (and uid:gid unless uid is -1), synced, then linked to path,
 * which fails on any name there, however late it appeared. No reader sees
 * a partial file. 0 created, 1 path exists (nothing pushed), -1 with the
 * cause pushed.
 */
int fs_create_new(const char *path, const void *buf, size_t len, unsigned mode,
    uid_t uid, gid_t gid);
/*
 * Reads a whole file of at most max bytes into a malloc'd NUL-terminated
 * buffer (caller frees), length in *len. Returns NULL with errno set and a
 * cause pushed on failure (ENOENT included, so callers can test errno). What
 * is not a regular file (a FIFO, a device) is refused, errno EINVAL, without
 * blocking on it.
 */
char *fs_read(const char *path, size_t max, size_t *len);
/*
 * mkdir -p; each created directory gets mode whatever the umask. 0, or -1
 * (cause pushed).
 */
int fs_mkdirp(const char *path, unsigned mode);
/*
 * path with its symbolic links resolved, each one followed only if nobody
 * but us or root could have made or changed it (the link and its directory
 * ours or root's, the directory not writable by others unless sticky).
 * malloc'd; NULL with the cause pushed (EPERM: a link refused).
 */
char *fs_resolve_trusted(const char *path);
/*
 * Gives the regular file at path to uid:gid, by fchown on a descriptor
 * opened with O_NOFOLLOW (links resolved by fs_resolve_trusted): a file
 * swapped for a link or a hard link to another file is refused, never
 * given away. 0, or -1 (cause pushed).
 */
int fs_give(const char *path, uid_t uid, gid_t gid);
/* The broker's user and group when root and it exists, else -1 both. */
void fs_broker_owner(uid_t *uid, gid_t *gid);
/*
 * Takes an exclusive lock on directory dir (flock on the directory itself,
 * so no lock file is left behind), waiting for other holders. Returns a
 * descriptor to pass to fs_unlock, or -1 (cause pushed).
 */
int fs_lock_dir(const char *dir);
/*
 * One line from fd into buf (at most size - 1 characters), read a byte at a
 * time so nothing after it is consumed; the newline and a CR before it are
 * dropped; end of file ends it. 0, or -1 with the cause pushed ("the <what>
 * is longer than N characters").
 */
int fs_read_line(int fd, char *buf, size_t size, const char *what);
/*
 * prompt written on /dev/tty, then one line read from it as fs_read_line
 * does (echo as the terminal has it). 0; -1 with the cause pushed; -2 when
 * there is no terminal (errno tells why, nothing pushed: the caller says
 * how else to give the value).
 */
int fs_ask_tty(const char *prompt, char *buf, size_t size, const char *what);
void fs_unlock(int fd);

/* pem.c: the one bit of X.509 that libc-only programs need. */

/*
 * The first subject CN of the first certificate in the PEM file at path.
 * Returns a malloc'd string (caller frees; "" when there is no CN), or NULL
 * with errno set (ENOENT when the file is missing) and a cause pushed.
 */
char *pem_cert_cn(const char *path);


/* config.c: tedge.toml and its typed keys. */

enum cfg_type {
	CFG_STR, CFG_PATH, CFG_DOMAIN, CFG_HOSTPORT, CFG_PORT, CFG_PORT_NZ,
	CFG_U32, CFG_BOOL, CFG_IP, CFG_LIST, CFG_DURATION, CFG_ENUM,
	CFG_DEVICE_ID, CFG_TOPIC_ID
};

enum cfg_default {
	CFG_NONE,	/* no default */
	CFG_CONST,	/* dflt is the value */
	CFG_KEY,	/* dflt names the key whose value is used */
	CFG_IN_DIR,	/* dflt is a path relative to the config dir */
	CFG_URL_HOST	/* dflt names a *.url key; the host of its value */
};

/* The key's own rules beyond its type's (struct cfg_key.rule). */
enum cfg_rule {
	RULE_NONE, RULE_DEVICE_ID, RULE_MOSQ_PATH, RULE_MOSQ_HOST,
	RULE_MOSQ_HOSTPORT, RULE_MOSQ_PORT, RULE_IFACE, RULE_TEMPLATES,
	RULE_KEEPALIVE, RULE_X509_NAME, RULE_VALIDITY, RULE_TOPIC_PREFIX
};

/* The pointers first, then three bytes: 56 bytes a key, not 64. */
struct cfg_key {
	const char *name;
	const char *dflt;
	const char *choices;	/* CFG_ENUM: "a,b,c"; CFG_HOSTPORT: default port */
	const char *doc;
	const char *note;
	const char *examples;	/* comma-separated */
	unsigned char type;	/* enum cfg_type */
	unsigned char dkind;	/* enum cfg_default */
	/*
	 * enum cfg_rule: the key's own rules beyond its type's, on the
	 * canonical value, as cfg_check applies them. Whatever judges a value
	 * (set, the file, TEDGE_*, cfg_check) uses this one.
	 */
	unsigned char rule;
};

extern const struct cfg_key cfg_keys[];
extern const size_t cfg_nkeys;

/* Load flags */
#define CFG_ENV		1	/* apply TEDGE_* overrides (reads only) */
#define CFG_WRITE	2	/* take the writers' lock; for cfg_save */

/* A key that is none of ours: kept, and reported by the program. */
struct cfg_unknown {
	char *key;	/* as thin-edge names it: "c8y.future", "c8y_unknown" */
	char *var;	/* the TEDGE_* variable it came from; NULL: the file */
	const char *file;	/* that file (c->path or c->mpath[i]) */
};

/* thin-edge 2.x's mapper files, one per cloud of clouds[] (cloud.h): c8y,
 * az, aws. */
#define CFG_NMAP 3

struct cfg {
	char *dir;		/* configuration directory */
	char *path;		/* <dir>/tedge.toml */
	struct toml *doc;	/* the file, an empty table when missing */
	char **env;		/* per key: override value, "" = back to default */
	int lockfd;
	struct cfg_unknown *unknown;	/* in the file, then in TEDGE_* */
	size_t nunknown;
	/*
	 * thin-edge 2.x (reference profiles §6), per cloud i: bit i of mapped
	 * when its keys live in <dir>/mappers/<cloud>/mapper.toml, map[i]
	 * (NULL: not made yet), mpath[i] (set when <dir>/mappers exists);
	 * bit i of ignored when tedge.toml's table of that cloud is ignored
	 * for it, which the program tells (warn_unknown_keys).
	 */
	struct toml *map[2 * CFG_NMAP];	/* [CFG_NMAP + i]: the profile's */
	char *mpath[2 * CFG_NMAP];
	unsigned mapped, ignored, mdirty;
	/* cfg_profile: the active profile (NULL: none), the clouds it is
	 * found in (bit i), a key's path in tedge.toml, TEDGE_*_PROFILES_*. */
	char *profile;
	unsigned pfound;
	char kpath[160];
	struct cfg_penv { char *profile; const struct cfg_key *k; char *val; } *penv;
	size_t npenv;
};

/*
 * Loads <dir>/tedge.toml (a missing file is an empty one). With CFG_WRITE the
 * writers' lock is held until cfg_free. Returns 0, or -1 with causes pushed
 * (malformed TOML, unreadable file, bad TEDGE_* value). cfg_free is always
 * safe to call afterwards.
 */
int cfg_load(struct cfg *c, const char *dir, int flags);
void cfg_free(struct cfg *c);
/*
 * The key a user's spelling names (aliases, '_' for '.', azure for az), or
 * NULL. *deprecated is set when the spelling is not the canonical one.
 */
const struct cfg_key *cfg_key_find(const char *name, int *deprecated);
/* cfg_key_find, which takes a profile's spelling too (c8y.profiles.P.url,
 * c8y_profiles_P_url: reference config §4); *profile is then P as
 * written (malloc'd, not checked), else NULL. */
const struct cfg_key *cfg_key_find_profile(const char *name, int *deprecated,
    char **profile);
/* The cloud (index in clouds[], cloud.h) whose key k is, so one a profile
 * has too; -1 for a global key. */
int cfg_key_cloud(const struct cfg_key *k);
/* thin-edge's rules for a profile name: 0, or -1 with its message pushed. */
int cfg_check_profile(const char *name);
/*
 * Makes the keys of every cloud those of the profile name (NULL: the
 * clouds' own), as thin-edge's --profile: c8y.url then reads and writes
 * c8y.profiles.NAME.url, in tedge.toml or mappers/c8y.NAME/mapper.toml.
 * An unset profile key takes the key's default (reference profiles §4),
 * not the cloud's own value. name is checked and lowercased; 0, or -1
 * with the reason pushed. Reading a key of a profile that is nowhere
 * (file, environment) fails, writing one makes it.
 */
int cfg_profile(struct cfg *c, const char *name);
/* The names of cloud i's profiles (file and environment), sorted, in a
 * malloc'd array of malloc'd strings; *n of them. */
char **cfg_profiles(struct cfg *c, size_t i, size_t *n);
/* k's name as the active profile spells it (c8y.profiles.P.url); malloc'd. */
char *cfg_key_name(const struct cfg *c, const struct cfg_key *k);
/*
 * The effective value of k (environment, then file, then default) in its
 * canonical form (lists: items joined by '\n'). Returns 0 and a malloc'd
 * value in *out; 1 when the key has no value; -1 on error (causes pushed).
 */
int cfg_get(struct cfg *c, const struct cfg_key *k, char **out);
/* Shortcut: cfg_get by canonical name, for programs reading their keys. */
int cfg_get_str(struct cfg *c, const char *name, char **out);
/*
 * cfg_get_str for a value the caller cannot do without: 0 and *out, or -1
 * with the seed's "Required configuration item is not provided" pushed
 * when the key has no value.
 */
int cfg_need(struct cfg *c, const char *name, char **out);
/* thin-edge's "Required configuration item is not provided 'KEY', run ..."
 * for key; malloc'd. The one place that sentence is written. */
char *cfg_missing(const char *key);
/*
 * Checks a user's text for k and canonicalises it into *out (malloc'd).
 * Returns 0, or -1 with the cause chain "Failed to parse input" + reason.
 */
int cfg_parse(const struct cfg_key *k, const char *in, char **out);
/*
 * Judges a canonical value of k (one read from anywhere, a default
 * included) by the key's own rules, as cfg_parse does: 0, or -1 with the
 * reason pushed.
 */
int cfg_check(const struct cfg_key *k, const char *val);
/* A path a mosquitto directive can hold as it is: absolute, one line, valid
 * UTF-8, no blank at the end. 0, or -1 with the reason pushed. */
int cfg_check_mosq_path(const char *s);
/* The value as get and list print it (lists as ["a", "b"]); malloc'd. */
char *cfg_render(const struct cfg_key *k, const char *val);
/* Stores a canonical value in the document / removes it (no I/O). */
int cfg_set(struct cfg *c, const struct cfg_key *k, const char *val);
void cfg_unset(struct cfg *c, const struct cfg_key *k);
/* Writes back atomically what changed: tedge.toml, or the mapper files
 * that cfg_set/cfg_unset changed (one left with only cloud_type is
 * removed). Requires CFG_WRITE. */
int cfg_save(struct cfg *c);
/*
 * `tedge config upgrade`, under CFG_WRITE: tedge.toml copied to *bak
 * (malloc'd), then each cloud table moved to its mapper files (the
 * cloud's old ones removed first; profiles to <cloud>.<name>/). 0 done,
 * 1 no cloud table to move, -1 (causes pushed).
 */
int cfg_upgrade(struct cfg *c, char **bak);
/* Seconds in a duration value ("60", "90s", "1h 30m", "365d"). 0, or -1
 * with the reason pushed. */
int cfg_duration_secs(const char *val, unsigned long long *secs);
/* The whole days (at least 1) of a certificate valid for the duration val
 * made now, in *days; -1 with the reason pushed when its end would be past
 * what X.509 can encode (9999-12-31T23:59:59Z). */
int cfg_validity_days(const char *val, long *days);
/* The code point at *p, with *p moved past it; -1 for a malformed,
 * overlong or surrogate UTF-8 sequence (*p then unchanged). */
long utf8_next(const unsigned char **p);
/* Rust's Debug form of s ("a\"b", control characters escaped), as thin-edge
 * shows values in messages; malloc'd. */
char *quote_debug(const char *s);
/* Device id rules of `tedge cert create` (reference cert §0.5). 0, or -1
 * with the reference's message pushed. */
int cfg_check_device_id(const char *id);
/*
 * Judges the directory dir, the value of key, as OpenSSL (so mosquitto's
 * capath and bridge_capath) reads a CA directory: by hash links only.
 * -1, with a cause naming key and dir and saying to run `openssl rehash`,
 * when dir holds PEM certificates but no HHHHHHHH.N name at all; else 0
 * (a directory that cannot be read or holds no certificate included).
 */
int cfg_check_capath(const char *key, const char *dir);
/*
 * The two listeners of tedge-mosquitto.conf (mqtt.bind.*, and the external
 * one when mqtt.external.bind.port is set) on one port, where mosquitto
 * could not open both (the same address, or a wildcard one; no external
 * address is every address): -1 with a cause naming both keys; else 0.
 */
int cfg_check_listeners(struct cfg *c);

/* cred.c: Cumulocity's basic authentication. */

/*
 * 1 when c8y.auth_method makes it basic (basic; auto and the file
 * c8y.credentials_path exists), 0 certificate, -1 (cause pushed). *path
 * (when path): c8y.credentials_path, malloc'd, caller frees.
 */
int cfg_c8y_basic(struct cfg *c, char **path);
/*
 * The username and password of the [c8y] table of the credentials file at
 * path, malloc'd (caller wipes the password and frees both). Refused when
 * its group or others may read it, and for a value a mosquitto line could
 * not hold. 0, or -1 with thin-edge's message pushed (never the password).
 */
int cred_read(const char *path, char **user, char **pass);

/* spawn.c: running other programs (argv, never a shell), and the clock
 * their deadlines are kept by. */

/* Milliseconds of CLOCK_MONOTONIC: the one clock of every deadline. */
long long clock_ms(void);
/* Sleeps ms milliseconds, signals or not. */
void nap_ms(long ms);

/*
 * Runs argv (argv[0] looked up in PATH when it has no slash) with stdin from
 * /dev/null and stdout+stderr captured together; the first 64 KiB are kept
 * in *out (malloc'd, NUL-terminated; caller frees) when out is not NULL.
 * With timeout_ms > 0 the child is killed at the deadline. Returns the wait
 * status (>= 0), or -1 with a cause pushed when it could not run (errno
 * ENOENT: no such program; ETIMEDOUT: killed at the deadline).
 */
int spawn_capture(char *const argv[], char **out, int timeout_ms);
/* The bytes of output spawn_capture keeps (more are written, not kept). */
#define SPAWN_KEEP (64 << 10)
/*
 * What else a child may be given: bytes for its stdin (in a file in memory,
 * never argv or the environment: a secret may pass); its stderr captured
 * apart into *err (malloc'd, its first SPAWN_KEEP bytes), or left as ours
 * (errout) so that only stdout is captured; and our process group (fg), so
 * that a ^C on the terminal ends it with us.
 */
struct spawn_io {
	const void *in;
	size_t inlen;
	int errout;
	int fg;
	char **err;
};
/* spawn_capture, with io (NULL: as spawn_capture). */
int spawn_run(char *const argv[], const struct spawn_io *io, char **out,
    int timeout_ms);
/* "exited with 3", "killed by signal 9": a static buffer. */
const char *spawn_status_text(int status);
/*
 * The program prog (a name, no slash) where execvp would find it on $PATH
 * (an empty entry is the working directory; no PATH at all is
 * /usr/sbin:/usr/bin:/sbin:/bin), else in dir when dir is not NULL: the
 * path of a regular file we may execute, malloc'd (caller frees); NULL
 * when there is none. Only to choose between ways of doing one thing.
 */
char *find_program(const char *prog, const char *dir);

/*
 * --json (json.c): one document on stdout, written as the command runs.
 * json_out_on() opens it and makes die() complete it with "error" and "causes";
 * json_out_open() an object or (array) an array, json_out_close() the innermost;
 * json_out_str (a NULL value is null), json_out_num, json_out_bool add a member (k
 * NULL in an array); json_out_end() closes what is open. Without json_out_on()
 * they write nothing.
 */
void json_out_on(void);
int json_out_active(void);
void json_out_open(const char *k, int array);
void json_out_close(void);
void json_out_str(const char *k, const char *v);
void json_out_num(const char *k, long long v);
void json_out_bool(const char *k, int v);
void json_out_end(void);

#endif
