/* SPDX-License-Identifier: Apache-2.0 */
/*
 * delay-shim.so: the TCP handshake's round trip, for bench/connect-wan.
 *
 *   LD_PRELOAD=standin/delay-shim.so DELAY_SHIM_PORTS=P1,P2 DELAY_SHIM_MS=100 CMD
 *
 * delay-proxy accepts at once (the kernel does), so a connect() to it
 * returns at once. On a WAN it returns a round trip later, and a program
 * that connects and closes without sending (a reachability probe) would
 * have waited that long for nothing. Loaded into such a program, this
 * connect() waits DELAY_SHIM_MS (default 100) after every connect to
 * 127.0.0.1 on one of DELAY_SHIM_PORTS, whatever its outcome: for a
 * non-blocking socket the program would have waited as long for the
 * socket to become writable, for a blocking one connect() itself would.
 * The proxy starts its delay from the accept, so the two add no more
 * than one round trip between them.
 */
#define _GNU_SOURCE
#include <sys/socket.h>

#include <netinet/in.h>

#include <dlfcn.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int
is_proxy(const struct sockaddr *sa, socklen_t len)
{
	const struct sockaddr_in *in = (const struct sockaddr_in *)(const void *)sa;
	const char *ports = getenv("DELAY_SHIM_PORTS"), *p;
	long port;
	char *end;

	if (!ports || !sa || len < sizeof(*in) || sa->sa_family != AF_INET ||
	    in->sin_addr.s_addr != htonl(INADDR_LOOPBACK))
		return 0;
	for (p = ports; *p; p = *end ? end + 1 : end) {
		port = strtol(p, &end, 10);
		if (end == p)
			return 0;
		if (port == ntohs(in->sin_port))
			return 1;
	}
	return 0;
}

int
connect(int fd, const struct sockaddr *sa, socklen_t len)
{
	static int (*real)(int, const struct sockaddr *, socklen_t);
	const char *ms = getenv("DELAY_SHIM_MS");
	struct timespec ts;
	long d = ms ? atol(ms) : 100;
	int r, e;

	if (!real) {
		*(void **)&real = dlsym(RTLD_NEXT, "connect");
		if (!real) {
			errno = ENOSYS;
			return -1;
		}
	}
	r = real(fd, sa, len);
	e = errno;
	if (is_proxy(sa, len) && d > 0) {
		ts.tv_sec = d / 1000;
		ts.tv_nsec = d % 1000 * 1000000;
		while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
			;
	}
	errno = e;
	return r;
}
