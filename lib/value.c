/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A value of tedge.toml: parsed by its key's type into the canonical text
 * form, and checked, by its type and by the key's own rule. The one text
 * scanner (text_fault) and the checks of what reaches a mosquitto file.
 */
#include <sys/stat.h>

#include <arpa/inet.h>

#include <dirent.h>
#include <unistd.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "tedge.h"
#include "cfg.h"
#include "cloud.h"

char *
quote_debug(const char *s)
{
	char *out = xmalloc(strlen(s) * 6 + 3), *o = out;

	*o++ = '"';
	for (; *s; s++) {
		/* the escapes with a letter, and their letters */
		static const char esc[] = "\"\\\n\r\t", letter[] = "\"\\nrt";
		unsigned char c = (unsigned char)*s;
		const char *e = strchr(esc, c);	/* c is no NUL */
		if (e)
			*o++ = '\\', *o++ = letter[e - esc];
		else if (c < 0x20 || c == 0x7f)
			o += sprintf(o, "\\u{%x}", c);
		else
			*o++ = (char)c;
	}
	*o++ = '"';
	*o = '\0';
	return out;
}

int
cfg_check_device_id(const char *id)
{
	static const char ok[] = "'=(),-.?_*@!%";
	const char *p;
	char *q;

	if (!*id)
		return err_push("The empty string cannot be used as a name");
	q = quote_debug(id);
	if (strlen(id) > 64) {
		err_push("The string '%s' is more than 64 characters long and cannot be used as a name", q);
		free(q);
		return -1;
	}
	for (p = id; *p; p++)
		if (!(*p >= 'a' && *p <= 'z') && !(*p >= 'A' && *p <= 'Z') &&
		    !(*p >= '0' && *p <= '9') && !strchr(ok, *p)) {
			err_push("The string '%s' contains characters which cannot be used in a name [use only A-Z, a-z, 0-9, ' = ( ) , - . ? %% * _ ! @]", q);
			free(q);
			return -1;
		}
	free(q);
	return 0;
}

long
utf8_next(const unsigned char **p)
{
	const unsigned char *s = *p;
	unsigned long c;
	int n, i;

	if (*s < 0x80) {
		(*p)++;
		return *s;
	}
	if (*s >= 0xc2 && *s <= 0xdf)
		n = 1, c = *s & 0x1f;
	else if (*s >= 0xe0 && *s <= 0xef)
		n = 2, c = *s & 0x0f;
	else if (*s >= 0xf0 && *s <= 0xf4)
		n = 3, c = *s & 0x07;
	else
		return -1;
	for (i = 1; i <= n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return -1;
		c = c << 6 | (s[i] & 0x3f);
	}
	if ((n == 2 && (c < 0x800 || (c >= 0xd800 && c <= 0xdfff))) ||
	    (n == 3 && (c < 0x10000 || c > 0x10ffff)))
		return -1;
	*p = s + n + 1;
	return (long)c;
}

enum { TEXT_OK, TEXT_LONG, TEXT_CTRL, TEXT_UTF8, TEXT_C1, TEXT_NONCHAR };

static int nonchar(long c);

/*
 * The first fault of s as a value: longer than max bytes, a control
 * character (*what the byte), invalid UTF-8, a C1 control (*what the code
 * point), or, with nonchars, a noncharacter. The one scanner; callers say
 * it in their words.
 */
static int
text_fault(const char *s, size_t max, int nonchars, unsigned long *what)
{
	const unsigned char *p = (const unsigned char *)s;
	long c;

	if (strlen(s) > max)
		return TEXT_LONG;
	while (*p) {
		*what = *p;
		if (*p < 0x20 || *p == 0x7f)
			return TEXT_CTRL;
		if ((c = utf8_next(&p)) < 0)
			return TEXT_UTF8;
		*what = (unsigned long)c;
		if (c >= 0x80 && c < 0xa0)
			return TEXT_C1;
		if (nonchars && nonchar(c))
			return TEXT_NONCHAR;
	}
	return TEXT_OK;
}

/* Valid UTF-8 with no control character: what every value must be. */
int
check_text(const char *s)
{
	unsigned long w;

	switch (text_fault(s, VALUE_MAX, 0, &w)) {
	case TEXT_LONG:
		return err_push("the value is longer than %d bytes", VALUE_MAX);
	case TEXT_CTRL:
		return err_push("the value contains a control character (byte 0x%02lx); newlines, tabs and other control characters are not allowed",
		    w);
	case TEXT_UTF8:
		return err_push("the value is not valid UTF-8");
	case TEXT_C1:
		return err_push("the value contains a control character (U+%04lX)", w);
	}
	return 0;
}

/* Rust's u16/u32 parsing and its messages. */
static int
parse_uint(const char *s, unsigned long max, int nonzero, unsigned long *out)
{
	unsigned long v = 0;
	const char *p = s;

	if (*p == '+')
		p++;
	if (!*p)
		return err_push(*s ? "invalid digit found in string" :
		    "cannot parse integer from empty string");
	for (; *p; p++) {
		if (*p < '0' || *p > '9')
			return err_push("invalid digit found in string");
		v = v * 10 + (unsigned long)(*p - '0');
		if (v > max)
			return err_push("number too large to fit in target type");
	}
	if (nonzero && v == 0)
		return err_push("number would be zero for non-zero type");
	*out = v;
	return 0;
}

static int
bad_domain(const char *in)
{
	return err_push("Could not parse provided URL: '%s' as a valid domain name.\n"
	    "         Provided URL should contain only domain, eg: 'subdomain.cumulocity.com'.", in);
}

/*
 * A host name or IP literal, as the WHATWG URL parser takes a host, but
 * narrower: ASCII letters, digits, '-', '_' and '.'; a last label of digits
 * means the whole must be a dotted-quad IPv4 address; [v6] is accepted.
 */
static int
check_host(const char *h, size_t n)
{
	char buf[256], tmp[16];
	const char *last;
	size_t i;
	int digits;

	if (n == 0 || n >= sizeof(buf))
		return -1;
	memcpy(buf, h, n);
	buf[n] = '\0';
	if (buf[0] == '[')
		return buf[n - 1] == ']' && n > 2 &&
		    (buf[n - 1] = '\0', inet_pton(AF_INET6, buf + 1, tmp) == 1) ? 0 : -1;
	for (i = 0; i < n; i++)
		if (!((buf[i] >= 'a' && buf[i] <= 'z') || (buf[i] >= 'A' && buf[i] <= 'Z') ||
		    (buf[i] >= '0' && buf[i] <= '9') || buf[i] == '-' || buf[i] == '_' ||
		    buf[i] == '.'))
			return -1;
	if (buf[0] == '.' || strstr(buf, ".."))
		return -1;
	last = strrchr(buf, '.');
	last = last && last[1] ? last + 1 : buf;
	if (last == buf + n - 1 && *last == '.')
		return -1;
	for (digits = 1, i = 0; last[i] && last[i] != '.'; i++)
		if (last[i] < '0' || last[i] > '9')
			digits = 0;
	if (digits && inet_pton(AF_INET, buf, tmp) != 1)
		return -1;
	return 0;
}

/* Seconds in a humantime duration ("60", "60s", "1h 30m", "365d"). */
static int
parse_duration(const char *s, unsigned long long *out)
{
	static const struct { const char *u; unsigned long long mul; } units[] = {
		{ "s", 1 }, { "sec", 1 }, { "secs", 1 }, { "second", 1 }, { "seconds", 1 },
		{ "m", 60 }, { "min", 60 }, { "mins", 60 }, { "minute", 60 }, { "minutes", 60 },
		{ "h", 3600 }, { "hr", 3600 }, { "hrs", 3600 }, { "hour", 3600 }, { "hours", 3600 },
		{ "d", 86400 }, { "day", 86400 }, { "days", 86400 },
		{ "w", 604800 }, { "week", 604800 }, { "weeks", 604800 },
		{ "M", 2630016 }, { "month", 2630016 }, { "months", 2630016 },
		{ "y", 31557600 }, { "year", 31557600 }, { "years", 31557600 },
	};
	unsigned long long total = 0, v;
	const char *p = s, *u;
	size_t i, ulen;
	int any = 0;

	for (v = 0; *p >= '0' && *p <= '9'; p++)
		if ((v = v * 10 + (unsigned long long)(*p - '0')) > 1ULL << 53)
			return err_push("number is too large");
	if (!*p && p > s) {	/* a plain integer is seconds */
		*out = v;
		return 0;
	}
	for (p = s; *p; ) {
		while (*p == ' ')
			p++;
		if (!*p)
			break;
		if (*p < '0' || *p > '9')
			return err_push("expected number at %d", (int)(p - s));
		for (v = 0; *p >= '0' && *p <= '9'; p++)
			if ((v = v * 10 + (unsigned long long)(*p - '0')) > 1ULL << 53)
				return err_push("number is too large");
		while (*p == ' ')
			p++;
		for (u = p; (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z'); p++)
			;
		ulen = (size_t)(p - u);
		if (ulen == 0)
			return err_push("time unit needed, for example %llusec or %llums", v, v);
		for (i = 0; i < LEN(units); i++)
			if (strlen(units[i].u) == ulen && !strncmp(units[i].u, u, ulen))
				break;
		if (i == LEN(units))
			return err_push("unknown time unit \"%.*s\", supported units: sec, min, hours, days, weeks, months, years (and few variations)",
			    (int)ulen, u);
		if (v > (1ULL << 53) / units[i].mul || total + v * units[i].mul > 1ULL << 53)
			return err_push("number is too large");
		total += v * units[i].mul;
		any = 1;
	}
	if (!any)
		return err_push("value was empty");
	*out = total;
	return 0;
}

int
cfg_duration_secs(const char *val, unsigned long long *secs)
{
	return parse_duration(val, secs);
}

/*
 * The checks of the keys whose values end up in a mosquitto file
 * (tedge-bridge-gen): what mosquitto would misread. They run after the
 * type's own check, on the canonical value, so that `tedge config set`
 * refuses what tedge-bridge-gen would, with the same words, and
 * tedge-bridge-gen runs them again on what it reads (defaults included).
 */

/* U+FDD0..U+FDEF and U+xxFFFE/U+xxFFFF, which mosquitto refuses. */
static int
nonchar(long c)
{
	return (c >= 0xfdd0 && c <= 0xfdef) || (c & 0xfffe) == 0xfffe;
}

/* Text mosquitto reads back as it was written: one line, valid UTF-8
 * without control characters or noncharacters, at most max bytes. */
static int
check_mosq_text(const char *s, size_t max)
{
	unsigned long w;

	switch (text_fault(s, max, 1, &w)) {
	case TEXT_LONG:
		return err_push("the value is longer than %zu bytes", max);
	case TEXT_CTRL:
		return err_push("the value holds a control character (byte 0x%02lx): mosquitto reads one setting per line",
		    w);
	case TEXT_UTF8:
		return err_push("the value is not valid UTF-8");
	case TEXT_C1:
		return err_push("the value holds a control character (U+%04lX)", w);
	case TEXT_NONCHAR:
		return err_push("the value holds the noncharacter U+%04lX, which mosquitto refuses", w);
	}
	return 0;
}

static int
check_mosq_path(const char *s)
{
	size_t n = strlen(s);

	if (check_mosq_text(s, PATH_MAX - 1) < 0)
		return -1;
	if (s[0] != '/')
		return err_push("the path must be absolute: mosquitto resolves relative paths against its own working directory");
	/* mosquitto strips blanks around a string option (2.0.11 only the
	 * leading ones, later releases both): the path would change. */
	if (n && strchr(" \t\n\v\f\r", s[n - 1]))
		return err_push("the path ends with a blank, which mosquitto would strip");
	return 0;
}

int
cfg_check_mosq_path(const char *s)
{
	return check_mosq_path(s);
}

/* A host name, an IPv4 address or an IPv6 address in brackets: what the
 * address line can carry (mosquitto splits it at blanks and at the last
 * colon, and a '#' there starts a comment). n bytes of s. */
static int
check_mosq_hostn(const char *s, size_t n)
{
	char buf[256], tmp[16];
	const char *last;
	size_t i;
	int digits = 1;

	if (n == 0)
		return err_push("the host is empty");
	if (n > 253)
		return err_push("the host is longer than 253 characters");
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (buf[0] == '[') {
		if (n < 3 || buf[n - 1] != ']')
			return err_push("not an IPv6 address in brackets");
		buf[n - 1] = '\0';
		if (inet_pton(AF_INET6, buf + 1, tmp) != 1)
			return err_push("not an IPv6 address in brackets");
		return 0;
	}
	for (i = 0; i < n; i++)
		if (!((buf[i] >= 'a' && buf[i] <= 'z') || (buf[i] >= 'A' && buf[i] <= 'Z') ||
		    (buf[i] >= '0' && buf[i] <= '9') || buf[i] == '-' || buf[i] == '_' ||
		    buf[i] == '.'))
			return err_push("a host name holds only letters, digits, '-', '_' and '.'");
	if (buf[0] == '.' || buf[0] == '-' || strstr(buf, ".."))
		return err_push("a host name cannot start with '.' or '-', nor hold an empty label");
	/* A last label of digits makes it an IPv4 address, which must be
	 * whole (WHATWG URL rules, as thin-edge). */
	last = strrchr(buf, '.');
	last = last && last[1] ? last + 1 : buf;
	for (i = 0; last[i] && last[i] != '.'; i++)
		if (last[i] < '0' || last[i] > '9')
			digits = 0;
	if (digits && inet_pton(AF_INET, buf, tmp) != 1)
		return err_push("not a valid IPv4 address");
	return 0;
}

static int
check_mosq_host(const char *s)
{
	return check_mosq_hostn(s, strlen(s));
}

static int
check_mosq_port(const char *s)
{
	unsigned long v = 0;
	const char *p;

	if (!*s)
		return err_push("the port is empty");
	for (p = s; *p; p++)
		if (*p < '0' || *p > '9' || (v = v * 10 + (unsigned long)(*p - '0')) > 65535)
			return err_push("the port must be a number from 1 to 65535");
	/* Port 0 makes mosquitto's listener a Unix socket, and a bridge
	 * address with port 0 is refused. */
	if (v == 0)
		return err_push("the port must be a number from 1 to 65535");
	return 0;
}

/* host[:port], [v6][:port]: split where mosquitto's address line is,
 * which is where the bridge splits it (cloud_split). */
static int
check_mosq_hostport(const char *s)
{
	const char *port;
	size_t n;

	cloud_split(s, &n, &port);
	if (check_mosq_hostn(s, n) < 0)
		return -1;
	return s[n] ? check_mosq_port(port) : 0;
}

/* A network interface name as Linux accepts one (dev_valid_name), in the
 * printable ASCII mosquitto's one-token options can hold. */
static int
check_iface(const char *s)
{
	const char *p;

	if (check_mosq_text(s, VALUE_MAX) < 0)
		return -1;
	if (!*s || strlen(s) > 15 || !strcmp(s, ".") || !strcmp(s, ".."))
		return err_push("an interface name has 1 to 15 characters");
	for (p = s; *p; p++)
		if (*p <= ' ' || *p > '~' || *p == '/' || *p == ':' || *p == '#')
			return err_push("an interface name holds no blank, '/', ':' or '#'");
	return 0;
}

/* A SmartREST template id becomes one level of a bridge topic pattern:
 * mosquitto splits the topic line at blanks, reads "" as empty, and takes
 * '+' and '#' as wildcards. */
static int
check_template(const char *s)
{
	const char *p;

	if (check_mosq_text(s, VALUE_MAX) < 0)
		return -1;
	if (!*s)
		return err_push("a template id cannot be empty");
	for (p = s; *p; p++)
		if (*p == ' ' || *p == '/' || *p == '+' || *p == '#' || *p == '"')
			return err_push("a template id holds no blank, '/', '+', '#' or '\"': it is one level of an MQTT topic");
	return 0;
}

/* A list value: its items, one a line. */
static int
check_templates(const char *s)
{
	char item[VALUE_MAX + 1];
	const char *p, *e;
	size_t n;

	for (p = s; *p; p = *e ? e + 1 : e) {
		e = p + strcspn(p, "\n");
		n = (size_t)(e - p);
		if (n > VALUE_MAX)
			return err_push("the value is longer than %d bytes", VALUE_MAX);
		memcpy(item, p, n);
		item[n] = '\0';
		if (check_template(item) < 0)
			return -1;
	}
	return 0;
}

static int
check_keepalive(const char *s)
{
	unsigned long long secs;

	if (parse_duration(s, &secs) < 0)
		return -1;
	if (secs > 65535)
		return err_push("mosquitto takes a keepalive_interval of at most 65535 seconds, not %llu", secs);
	return 0;
}

/* thin-edge's topic prefix rules (reference config §8); '/' is ours:
 * the prefix is one level, so a bridge's topics and its health topic are
 * what the prefix says. */
static int
check_topic_prefix(const char *s)
{
	size_t bad = strcspn(s, "#+/");

	if (!*s)
		return err_push("Topic prefix must not be empty");
	if (s[bad])
		return err_push("Topic prefix cannot contain '%c'", s[bad]);
	if (!strcmp(s, "c8y-internal"))
		return err_push("Topic prefix cannot be c8y-internal");
	return 0;
}

/* O and OU of a certificate subject: X.509's upper bound (RFC 5280,
 * ub-organization-name, ub-organizational-unit-name), in characters, as
 * OpenSSL counts them. Empty leaves the attribute out. */
static int
check_x509_name(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = 0;

	while (*p && utf8_next(&p) >= 0)
		n++;
	if (n > 64)
		return err_push("a certificate subject takes at most 64 characters here (X.509), not %zu",
		    n);
	return 0;
}

/* The last time X.509 can encode (GeneralizedTime has four digits for
 * the year): 9999-12-31T23:59:59Z. */
#define X509_TIME_MAX 253402300799LL

int
cfg_validity_days(const char *val, long *days)
{
	unsigned long long secs, d;
	struct timespec now;	/* clock_gettime: lib imports no time() */
	long long end;

	if (parse_duration(val, &secs) < 0)
		return -1;
	clock_gettime(CLOCK_REALTIME, &now);
	/* Whole days, at least one: what `tedge cert create` asks for. The
	 * certificate runs from a day back to days - 1 days from now. */
	d = secs / 86400 ? secs / 86400 : 1;
	end = (long long)now.tv_sec + 86400LL * (long long)(d > 3000000 ? 3000000 : d - 1);
	if (d > 3000000 || end > X509_TIME_MAX)
		return err_push("a certificate made now for %llu days would end after 9999-12-31T23:59:59Z, the last time X.509 can encode: at most %lld days",
		    d, (X509_TIME_MAX - (long long)now.tv_sec) / 86400 + 1);
	*days = (long)d;
	return 0;
}

static int
check_validity(const char *s)
{
	long days;

	return cfg_validity_days(s, &days);
}

/* An entity topic id: at most 4 segments, padded with '/' to 4, a valid
 * MQTT topic name (no wildcard). Canonical form in *out. */
static int
parse_topic_id(const char *in, char **out)
{
	const char *p;
	size_t slashes = 0;

	for (p = in; *p; p++) {
		if (*p == '/')
			slashes++;
		else if (*p == '+' || *p == '#')
			return err_push("An entity topic identifier must be a valid MQTT topic");
	}
	if (slashes > 3)
		return err_push("An entity topic identifier has at most 4 segments");
	*out = xasprintf("%s%.*s", in, (int)(3 - slashes), "///");
	return 0;
}

/* "HHHHHHHH.N": the name OpenSSL looks a certificate up by in a CA
 * directory (c_rehash, `openssl rehash`). */
static int
hash_link_name(const char *n)
{
	size_t i;

	for (i = 0; i < 8; i++)
		if (!((n[i] >= '0' && n[i] <= '9') || (n[i] >= 'a' && n[i] <= 'f')))
			return 0;
	if (n[8] != '.' || !n[9])
		return 0;
	for (i = 9; n[i]; i++)
		if (n[i] < '0' || n[i] > '9')
			return 0;
	return 1;
}

/* 1 when path is a regular file with a PEM certificate in its first
 * 64 KiB. Never blocks on a FIFO, pushes nothing. */
static int
holds_cert(const char *path)
{
	char buf[65537];
	struct stat st;
	ssize_t r;
	size_t n = 0;
	int fd;

	if ((fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC)) < 0)
		return 0;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return 0;
	}
	while (n < sizeof(buf) - 1 && (r = read(fd, buf + n, sizeof(buf) - 1 - n)) != 0) {
		if (r < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		n += (size_t)r;
	}
	close(fd);
	buf[n] = '\0';
	return strstr(buf, "-----BEGIN CERTIFICATE-----") ||
	    strstr(buf, "-----BEGIN TRUSTED CERTIFICATE-----");
}

int
cfg_check_capath(const char *key, const char *dir)
{
	struct dirent *d;
	int links = 0, certs = 0;
	DIR *dp;
	char *p;

	if (!(dp = opendir(dir)))
		return 0;
	/* One pass, the certificates looked for on the way to a link (what
	 * they say counts only without one): libtedge imports no rewinddir. */
	while (!links && (d = readdir(dp))) {
		links = hash_link_name(d->d_name);
		if (!links && !certs && d->d_name[0] != '.') {
			p = path_join(dir, d->d_name);
			certs = holds_cert(p);
			free(p);
		}
	}
	closedir(dp);
	if (links || !certs)
		return 0;
	return err_push("'%s' is the directory %s: it holds certificates but no hash links (HHHHHHHH.0), by which mosquitto, as OpenSSL, finds them. Run `openssl rehash %s`, or set '%s' to a file.",
	    key, dir, dir, key);
}

static int
wildcard(const char *ip)
{
	return !strcmp(ip, "0.0.0.0") || !strcmp(ip, "::");
}

int
cfg_check_listeners(struct cfg *c)
{
	char *on = NULL, *port = NULL, *addr = NULL, *xport = NULL, *xaddr = NULL;
	int r = 0, rx;

	if (cfg_get_str(c, "mqtt.bind.enabled", &on) < 0 ||
	    cfg_get_str(c, "mqtt.bind.port", &port) < 0 ||
	    cfg_get_str(c, "mqtt.bind.address", &addr) < 0 ||
	    (rx = cfg_get_str(c, "mqtt.external.bind.port", &xport)) < 0 ||
	    cfg_get_str(c, "mqtt.external.bind.address", &xaddr) < 0) {
		r = -1;
		goto out;
	}
	/* Without an address the external listener takes them all. */
	if (rx == 0 && on && strcmp(on, "false") && port && addr && !strcmp(port, xport) &&
	    (!xaddr || wildcard(xaddr) || wildcard(addr) || !strcmp(addr, xaddr)))
		r = err_push("'mqtt.external.bind.port' is %s, as 'mqtt.bind.port': mosquitto cannot open both listeners on one port, and would not start. Give one of them another port (or the two listeners different addresses, 'mqtt.bind.address' and 'mqtt.external.bind.address').",
		    xport);
out:
	free(on), free(port), free(addr), free(xport), free(xaddr);
	return r;
}

/* struct cfg_key.rule's functions: a byte a key, not a pointer. */
static int (*const rules[])(const char *) = {
	[RULE_DEVICE_ID] = cfg_check_device_id,
	[RULE_MOSQ_PATH] = check_mosq_path,
	[RULE_MOSQ_HOST] = check_mosq_host,
	[RULE_MOSQ_HOSTPORT] = check_mosq_hostport,
	[RULE_MOSQ_PORT] = check_mosq_port,
	[RULE_IFACE] = check_iface,
	[RULE_TEMPLATES] = check_templates,
	[RULE_KEEPALIVE] = check_keepalive,
	[RULE_X509_NAME] = check_x509_name,
	[RULE_VALIDITY] = check_validity,
	[RULE_TOPIC_PREFIX] = check_topic_prefix,
};

int
cfg_check(const struct cfg_key *k, const char *val)
{
	return k->rule ? rules[k->rule](val) : 0;
}

/* Splits "a,b,,c" into "a\nb\nc" (empty items dropped); trim as asked. */
char *
split_list(const char *in, int trim)
{
	char *out = xmalloc(strlen(in) + 1), *o = out;
	const char *p = in, *e, *b;

	while (*p) {
		e = strchr(p, ',');
		if (!e)
			e = p + strlen(p);
		b = p;
		p = *e ? e + 1 : e;
		if (trim) {
			while (b < e && *b == ' ')
				b++;
			while (e > b && e[-1] == ' ')
				e--;
		}
		if (e == b)
			continue;
		if (o > out)
			*o++ = '\n';
		memcpy(o, b, (size_t)(e - b));
		o += e - b;
	}
	*o = '\0';
	return out;
}

/* The type's own check and canonical form. */
int
parse_type(const struct cfg_key *k, const char *in, char **out)
{
	char buf[INET6_ADDRSTRLEN], bin[16];
	unsigned long long d;
	unsigned long u;
	const char *colon;

	if (check_text(in) < 0)
		return -1;
	switch (k->type) {
	case CFG_STR:
	case CFG_DEVICE_ID:	/* its rules are the key's check */
		break;
	case CFG_TOPIC_ID:
		return parse_topic_id(in, out);
	case CFG_PATH:
		if (!*in)
			return err_push("the path cannot be empty");
		return (*out = path_clean(in)) ? 0 : -1;
	case CFG_DOMAIN:
		if (check_host(in, strlen(in)) < 0)
			return bad_domain(in);
		break;
	case CFG_HOSTPORT:
		colon = in[0] == '[' ? strstr(in, "]:") : strchr(in, ':');
		if (colon && in[0] == '[')
			colon++;
		if (check_host(in, colon ? (size_t)(colon - in) : strlen(in)) < 0)
			return err_push("Could not parse hostname");
		if (colon && (parse_uint(colon + 1, 65535, 0, &u) < 0 ||
		    !colon[1] || colon[1] == '+')) {
			err_clear();
			return err_push("Could not parse port");
		}
		break;
	case CFG_PORT:
	case CFG_PORT_NZ:
		if (parse_uint(in, 65535, k->type == CFG_PORT_NZ, &u) < 0)
			return -1;
		*out = xasprintf("%lu", u);
		return 0;
	case CFG_U32:
		if (parse_uint(in, 4294967295UL, 0, &u) < 0)
			return -1;
		*out = xasprintf("%lu", u);
		return 0;
	case CFG_BOOL:
		if (strcmp(in, "true") && strcmp(in, "false"))
			return err_push("provided string was not `true` or `false`");
		break;
	case CFG_IP:
		if (inet_pton(AF_INET, in, bin) == 1)
			inet_ntop(AF_INET, bin, buf, sizeof(buf));
		else if (inet_pton(AF_INET6, in, bin) == 1)
			inet_ntop(AF_INET6, bin, buf, sizeof(buf));
		else
			return err_push("invalid IP address syntax");
		*out = xstrdup(buf);
		return 0;
	case CFG_LIST:
		*out = split_list(in, 0);
		return 0;
	case CFG_DURATION:
		if (parse_duration(in, &d) < 0)
			return -1;
		break;
	case CFG_ENUM: {
		size_t n = strlen(in);
		const char *c = k->choices, *e;
		for (; *c; c = *e ? e + 1 : e) {
			e = strchr(c, ',');
			if (!e)
				e = c + strlen(c);
			if ((size_t)(e - c) == n && !strncmp(c, in, n))
				break;
		}
		if (!*c && !strcmp(k->name, "c8y.auth_method"))
			return err_push("Failed to parse flag: %s. Supported values are: 'certificate', 'basic' or 'auto'", in);
		if (!*c) {
			/* "a,b,c" reads "a, b, c" in the message */
			char *list = xmalloc(strlen(k->choices) * 2 + 1), *o = list;
			for (c = k->choices; *c; c++) {
				*o++ = *c;
				if (*c == ',')
					*o++ = ' ';
			}
			*o = '\0';
			err_push("Failed to parse flag: %s. Supported values are: %s", in, list);
			free(list);
			return -1;
		}
		break;
	}
	}
	*out = xstrdup(in);
	return 0;
}

int
check_or_free(const struct cfg_key *k, char **out)
{
	if (cfg_check(k, *out) < 0) {
		FREE(*out);
		return -1;
	}
	return 0;
}

/* The one judgement of a value for k: its type, then the key's check. */
int
cfg_parse(const struct cfg_key *k, const char *in, char **out)
{
	size_t n = err_count();

	if (parse_type(k, in, out) == 0 && check_or_free(k, out) == 0)
		return 0;
	if (err_count() == n)
		err_push("invalid value");
	return err_push("Failed to parse input");
}
