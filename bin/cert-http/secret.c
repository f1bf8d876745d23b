/* SPDX-License-Identifier: Apache-2.0 */
/*
 * secret.c: a secret line (the upload's password or user, enroll's
 * one-time password, reenroll's token) from a terminal or stdin.
 */
#include <errno.h>
#include <unistd.h>

#include "cert-http.h"

int
read_line(int fd, char *buf, size_t size, const char *what)
{
	size_t n = 0;
	int cr = 0;
	char c;

	for (;;) {
		ssize_t r = read(fd, &c, 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0 || c == '\n')
			break;
		/* A CR right at the limit is fine when the line ends there. */
		if (c == '\r' && n == size - 1 && !cr) {
			cr = 1;
			continue;
		}
		if (n == size - 1 || cr) {
			buf[n] = '\0';
			return err_push("the %s is longer than %zu characters", what, size - 1);
		}
		buf[n++] = c;
	}
	if (n > 0 && buf[n - 1] == '\r')
		n--;
	buf[n] = '\0';
	return 0;
}
