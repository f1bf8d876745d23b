/* SPDX-License-Identifier: Apache-2.0 */
/*
 * delay-proxy: a TCP proxy on 127.0.0.1 that delays each direction, so
 * that bench/connect-wan sees a WAN link on a kernel without netem.
 *
 *   delay-proxy [-d MS] [-r FILE] [-p] [-n] [-v] NAME=PORT:HOST:TPORT...
 *
 * Listens on 127.0.0.1:PORT (0: a free port) for each NAME and connects
 * every connection it accepts to HOST:TPORT. Once listening it prints
 * "NAME PORT" per listener, then "ready", on stdout.
 *
 * The link: every byte read from either side is written to the other MS
 * milliseconds later (default 50, one way), in order. The TCP handshake
 * is the proxy's own, local and at once, so it is modelled on the data:
 * what the device sends goes out no earlier than 3 * MS after the accept
 * (SYN, SYN-ACK, then the first byte one way), and an upstream that
 * refuses is told to the device (a reset) 2 * MS after the accept. The
 * device's connect() still returns at once: standin/delay-shim.so makes the
 * programs it is loaded into wait the round trip there, as they would.
 * An end of stream travels as data does (shutdown, MS later).
 *
 * Nagle (-n): the proxy ends the device's TCP connection on 127.0.0.1,
 * where every ACK is at once, so a device socket without TCP_NODELAY
 * would pay nothing for it here; on a WAN, a small segment waits while an
 * earlier small one is not acknowledged (Linux: Nagle with Minshall's
 * rule). With -n the proxy looks at the device's socket (pidfd_getfd, at
 * its first data) and, when it has no TCP_NODELAY, holds its small
 * writes (under 1448 bytes) as its kernel would: until a round trip
 * after the last small one left.
 *
 * Round trips, per connection: 1 for the handshake, plus 1 each time the
 * cloud sends after something of the device's reached it (the cloud
 * answers), in the cloud's own time, while the device has not ended its
 * stream. A device that sends twice before an answer, a last DISCONNECT
 * nobody answers, a close_notify answered after the device closed, add
 * nothing; a write Nagle held until an acknowledgment does: a round trip
 * is a wait of the device for the cloud.
 *
 * -r FILE  where the report goes (SIGUSR1, and at exit), else stderr:
 *          a line per connection and the total
 * -p       name the device's process of each connection (from /proc, at
 *          the accept)
 * -n       model Nagle on the device's sockets that have it (implies -p)
 * -v       every read on stderr: time, connection, direction, bytes
 *
 * Signals: USR1 writes the report; USR2 forgets the closed connections and
 * zeroes the counts of the open ones; HUP stalls the link (nothing is
 * delivered, everything is kept) or, a second time, lets it go again;
 * TERM and INT write the report and exit.
 *
 * Exit: 0 on TERM or INT; 1 when it cannot start; 2 usage.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAXLISTEN 8
#define MAXCONN 256
#define QUEUE_MAX (256 * 1024)	/* per direction: reading waits beyond it */
#define MSS 1448		/* a WAN's: Ethernet, TCP timestamps */

struct chunk {
	struct chunk *next;
	long long due;		/* CLOCK_MONOTONIC, us */
	size_t len, off;
	int eof;		/* the end of the stream, not data */
	char data[];
};

/* One direction: read from one socket, written to the other. */
struct way {
	struct chunk *head, *tail;
	size_t queued;
	int eof_read;		/* the source said end of stream */
	int eof_sent;		/* and it was passed on */
	long long bytes;
};

struct listener {
	char name[32];
	int fd, port;
	struct sockaddr_in to;
};

struct conn {
	int id;
	const struct listener *l;
	int dfd, cfd;		/* device side, cloud side; -1 once closed */
	int connecting;		/* upstream connect in progress */
	int refused;		/* upstream refused: reset the device at rst_at */
	long long t0, rst_at, t_end;
	struct way up, down;	/* up: device->cloud */
	long long delivered;	/* when the last of the device's reached the cloud */
	long long answered;	/* when the cloud last sent */
	int rts;
	pid_t pid;		/* the device's process, and its descriptor */
	int pfdnum;
	int nagle;		/* -1 not known yet, 0 TCP_NODELAY, 1 Nagle */
	long long sml_ack;	/* Nagle: when the last small segment is acknowledged */
	int done;		/* both sides closed */
	char who[64];		/* the device's process, -p */
};

static struct listener ls[MAXLISTEN];
static int nls;
static struct conn *conns[MAXCONN];
static int nconns, nextid;
static long long delay_us = 50000, start;
static const char *report_path;
static int opt_proc, opt_nagle, opt_verbose, stalled;

/* What a side waits for: reading into in while it has room, writing out
 * what is due on out. */
static short
way_events(const struct way *in, const struct way *out, long long t)
{
	short ev = 0;

	if (!in->eof_read && in->queued < QUEUE_MAX)
		ev |= POLLIN;
	if (out->head && out->head->due <= t && !stalled)
		ev |= POLLOUT;
	return ev;
}
static int sigpipe_[2];

static long long
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void
on_signal(int sig)
{
	unsigned char c = (unsigned char)sig;
	int e = errno;

	if (write(sigpipe_[1], &c, 1) < 0) {
		/* full: a signal already waits */
	}
	errno = e;
}

static void
nonblock(int fd)
{
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	fcntl(fd, F_SETFD, FD_CLOEXEC);
}

static void
nodelay(int fd)
{
	int one = 1;

	/* The proxy adds no wait of its own: what it writes goes at once. */
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

static int
parse_spec(const char *s, struct listener *l)
{
	char host[64];
	const char *eq = strchr(s, '=');
	int port, tport, n = 0;

	if (!eq || eq == s || (size_t)(eq - s) >= sizeof(l->name))
		return -1;
	memcpy(l->name, s, (size_t)(eq - s));
	l->name[eq - s] = '\0';
	if (sscanf(eq + 1, "%d:%63[^:]:%d%n", &port, host, &tport, &n) != 3 || eq[1 + n] ||
	    port < 0 || port > 65535 || tport <= 0 || tport > 65535)
		return -1;
	memset(&l->to, 0, sizeof(l->to));
	l->to.sin_family = AF_INET;
	l->to.sin_port = htons((unsigned short)tport);
	if (inet_pton(AF_INET, !strcmp(host, "localhost") ? "127.0.0.1" : host, &l->to.sin_addr) != 1)
		return -1;
	l->port = port;
	return 0;
}

static int
listen_on(struct listener *l)
{
	struct sockaddr_in a;
	socklen_t alen = sizeof(a);
	int one = 1;

	if ((l->fd = socket(AF_INET, SOCK_STREAM, 0)) < 0)
		return -1;
	setsockopt(l->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_port = htons((unsigned short)l->port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(l->fd, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(l->fd, 64) < 0 ||
	    getsockname(l->fd, (struct sockaddr *)&a, &alen) < 0)
		return -1;
	l->port = ntohs(a.sin_port);
	nonblock(l->fd);
	return 0;
}

/*
 * The process that holds the device's end of a connection: the socket
 * whose local port is the peer port we see and whose remote one is the
 * listener's, in /proc/net/tcp (not a dead one: inode 0), then the
 * process with that inode among its descriptors. "?" when not found.
 */
static void
find_process(int port, int lport_, char *out, size_t n, pid_t *pid, int *fdnum)
{
	char line[512], want[64], path[300], comm[64] = "?";
	unsigned long inode = 0;
	FILE *f;
	DIR *proc, *fds;
	struct dirent *p, *d;
	ssize_t k;
	int found = 0;

	snprintf(out, n, "?");
	if (!(f = fopen("/proc/net/tcp", "r")))
		return;
	while (fgets(line, sizeof(line), f)) {
		unsigned int lport, rport, st;
		unsigned long ino;

		if (sscanf(line, " %*d: %*x:%x %*x:%x %x %*s %*s %*s %*s %*s %lu",
		    &lport, &rport, &st, &ino) == 4 && (int)lport == port && (int)rport == lport_ &&
		    ino != 0) {
			inode = ino;
			break;
		}
	}
	fclose(f);
	if (!inode)
		return;
	snprintf(want, sizeof(want), "socket:[%lu]", inode);
	if (!(proc = opendir("/proc")))
		return;
	while (!found && (p = readdir(proc))) {
		if (p->d_name[0] < '0' || p->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%.16s/fd", p->d_name);
		if (!(fds = opendir(path)))
			continue;
		while (!found && (d = readdir(fds))) {
			char link[80];

			snprintf(path, sizeof(path), "/proc/%.16s/fd/%.16s", p->d_name, d->d_name);
			k = readlink(path, link, sizeof(link) - 1);
			if (k > 0 && (link[k] = '\0', !strcmp(link, want))) {
				found = 1;
				*pid = (pid_t)atol(p->d_name);
				*fdnum = atoi(d->d_name);
			}
		}
		closedir(fds);
		if (found) {
			snprintf(path, sizeof(path), "/proc/%.16s/comm", p->d_name);
			if ((f = fopen(path, "r"))) {
				if (fgets(comm, sizeof(comm), f))
					comm[strcspn(comm, "\n")] = '\0';
				fclose(f);
			}
			snprintf(out, n, "%.40s[%.16s]", comm, p->d_name);
		}
	}
	closedir(proc);
}

/* Whether the device's socket has Nagle on: 1, 0, or 0 when it cannot be
 * told (the process is gone, or the kernel has no pidfd_getfd). */
static int
device_nagle(const struct conn *c)
{
#if defined(SYS_pidfd_open) && defined(SYS_pidfd_getfd)
	int pidfd, fd, on = 1, r = 0;
	socklen_t len = sizeof(on);

	if (c->pid <= 0 || (pidfd = (int)syscall(SYS_pidfd_open, c->pid, 0)) < 0)
		return 0;
	if ((fd = (int)syscall(SYS_pidfd_getfd, pidfd, c->pfdnum, 0)) >= 0) {
		if (getsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, &len) == 0)
			r = !on;
		close(fd);
	}
	close(pidfd);
	return r;
#else
	(void)c;
	return 0;
#endif
}

static void
way_push(struct way *w, long long due, const char *buf, size_t len, int eof)
{
	struct chunk *c = malloc(sizeof(*c) + len);

	if (!c) {
		perror("delay-proxy");
		exit(1);
	}
	c->next = NULL;
	c->due = due;
	c->len = len;
	c->off = 0;
	c->eof = eof;
	memcpy(c->data, buf, len);
	if (w->tail)
		w->tail->next = c;
	else
		w->head = c;
	w->tail = c;
	w->queued += len;
}

static void
way_free(struct way *w)
{
	struct chunk *c, *next;

	for (c = w->head; c; c = next) {
		next = c->next;
		free(c);
	}
	w->head = w->tail = NULL;
	w->queued = 0;
}

static void
conn_close(struct conn *c, int reset)
{
	struct linger lg = { 1, 0 };

	if (c->dfd >= 0) {
		if (reset)
			setsockopt(c->dfd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
		close(c->dfd);
	}
	if (c->cfd >= 0)
		close(c->cfd);
	c->dfd = c->cfd = -1;
	way_free(&c->up);
	way_free(&c->down);
	c->done = 1;
	c->t_end = now_us();
}

static void
accept_on(struct listener *l)
{
	struct sockaddr_in peer;
	socklen_t plen = sizeof(peer);
	struct conn *c;
	int fd, r;

	if ((fd = accept(l->fd, (struct sockaddr *)&peer, &plen)) < 0)
		return;
	if (nconns == MAXCONN || !(c = calloc(1, sizeof(*c)))) {
		close(fd);
		return;
	}
	nonblock(fd);
	nodelay(fd);
	c->id = ++nextid;
	c->l = l;
	c->dfd = fd;
	c->t0 = now_us();
	c->rts = 1;
	c->nagle = opt_nagle ? -1 : 0;
	snprintf(c->who, sizeof(c->who), "-");
	if (opt_proc)
		find_process(ntohs(peer.sin_port), l->port, c->who, sizeof(c->who), &c->pid, &c->pfdnum);
	conns[nconns++] = c;
	if ((c->cfd = socket(AF_INET, SOCK_STREAM, 0)) < 0) {
		c->refused = 1;
	} else {
		nonblock(c->cfd);
		nodelay(c->cfd);
		r = connect(c->cfd, (const struct sockaddr *)&l->to, sizeof(l->to));
		if (r == 0)
			c->connecting = 0;
		else if (errno == EINPROGRESS)
			c->connecting = 1;
		else
			c->refused = 1;
	}
	if (c->refused)
		c->rst_at = c->t0 + 2 * delay_us;
	if (opt_verbose)
		fprintf(stderr, "%9.1f ms conn %d %s accepted (%s)\n",
		    (double)(c->t0 - start) / 1000, c->id, l->name, c->who);
}

/* Reads what one side sent into the other way's queue. */
static void
conn_read(struct conn *c, int up)
{
	char buf[16384];
	struct way *w = up ? &c->up : &c->down;
	int fd = up ? c->dfd : c->cfd;
	long long t = now_us(), dep = t, due;
	ssize_t n;

	if (w->eof_read)
		return;
	/* The device's bytes leave it once its connect() is done (a round
	 * trip after the accept), and after Nagle lets them. */
	if (up && dep < c->t0 + 2 * delay_us)
		dep = c->t0 + 2 * delay_us;
	n = read(fd, buf, sizeof(buf));
	if (up && n > 0 && c->nagle < 0)
		c->nagle = device_nagle(c);
	if (up && n > 0 && n < MSS && c->nagle > 0) {
		if (dep < c->sml_ack)
			dep = c->sml_ack;
		c->sml_ack = dep + 2 * delay_us;
	}
	due = dep + delay_us;
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		/* An end, or a reset: passed on as an end of stream. */
		way_push(w, due, buf, 0, 1);
		w->eof_read = 1;
		if (opt_verbose)
			fprintf(stderr, "%9.1f ms conn %d %s %s end\n", (double)(t - start) / 1000,
			    c->id, c->l->name, up ? "d>c" : "c>d");
		return;
	}
	/* An answer: the cloud sends after something of the device's reached
	 * it, while the device still talks (a close_notify that comes after
	 * its end of stream keeps nobody waiting). */
	if (!up) {
		if (c->delivered > c->answered && !c->up.eof_read)
			c->rts++;
		c->answered = t;
	}
	w->bytes += n;
	way_push(w, due, buf, (size_t)n, 0);
	if (opt_verbose)
		fprintf(stderr, "%9.1f ms conn %d %s %s %zd bytes%s\n", (double)(t - start) / 1000,
		    c->id, c->l->name, up ? "d>c" : "c>d", n,
		    up && dep > t && dep > c->t0 + 2 * delay_us ? " (held by Nagle)" : "");
}

/* Writes what is due of one way. */
static void
conn_write(struct conn *c, int up)
{
	struct way *w = up ? &c->up : &c->down;
	int fd = up ? c->cfd : c->dfd;
	long long t = now_us();
	struct chunk *k;
	ssize_t n;

	while ((k = w->head) && k->due <= t && !stalled) {
		if (k->eof) {
			shutdown(fd, SHUT_WR);
			w->eof_sent = 1;
		} else {
			n = write(fd, k->data + k->off, k->len - k->off);
			if (n < 0 && (errno == EAGAIN || errno == EINTR))
				return;
			if (n < 0) {
				conn_close(c, 0);
				return;
			}
			k->off += (size_t)n;
			w->queued -= (size_t)n;
			if (w == &c->up)
				c->delivered = t;
			if (k->off < k->len)
				return;
		}
		w->head = k->next;
		if (!w->head)
			w->tail = NULL;
		free(k);
	}
}

static void
report(FILE *f)
{
	long long t = now_us();
	int i, total = 0, open = 0;

	fprintf(f, "delay %lld ms each way%s\n", delay_us / 1000, stalled ? ", stalled" : "");
	for (i = 0; i < nconns; i++) {
		struct conn *c = conns[i];

		fprintf(f, "conn %d %s %s at %.0f ms, %s %.0f ms, d>c %lld bytes, c>d %lld bytes,%s round trips %d\n",
		    c->id, c->l->name, c->who, (double)(c->t0 - start) / 1000,
		    c->done ? "closed after" : "open for",
		    (double)((c->done ? c->t_end : t) - c->t0) / 1000,
		    c->up.bytes, c->down.bytes, c->nagle > 0 ? " nagle," : "", c->rts);
		total += c->rts;
		open += !c->done;
	}
	fprintf(f, "total %d connections (%d open), round trips %d\n", nconns, open, total);
	fflush(f);
}

static void
write_report(void)
{
	char tmp[4096];
	FILE *f;

	if (!report_path) {
		report(stderr);
		return;
	}
	snprintf(tmp, sizeof(tmp), "%s.tmp", report_path);
	if (!(f = fopen(tmp, "w"))) {
		perror(tmp);
		return;
	}
	report(f);
	if (fclose(f) == 0)
		rename(tmp, report_path);
}

/* USR2: a fresh count. */
static void
reset(void)
{
	int i, n = 0;

	for (i = 0; i < nconns; i++) {
		if (conns[i]->done) {
			free(conns[i]);
			continue;
		}
		conns[i]->rts = 0;
		conns[i]->up.bytes = conns[i]->down.bytes = 0;
		conns[n++] = conns[i];
	}
	nconns = n;
	start = now_us();
}

/* Drops the closed connections the report no longer needs, when full. */
static void
reap(void)
{
	int i, n = 0;

	if (nconns < MAXCONN)
		return;
	for (i = 0; i < nconns; i++) {
		if (conns[i]->done)
			free(conns[i]);
		else
			conns[n++] = conns[i];
	}
	nconns = n;
}

static void
usage(void)
{
	fputs("usage: delay-proxy [-d MS] [-r FILE] [-p] [-n] [-v] NAME=PORT:HOST:TPORT...\n", stderr);
	exit(2);
}

int
main(int argc, char *argv[])
{
	struct pollfd pfd[1 + MAXLISTEN + 2 * MAXCONN];
	struct conn *pc[1 + MAXLISTEN + 2 * MAXCONN];
	struct sigaction sa;
	int ch, i, n, r, e;
	long long t, next;

	while ((ch = getopt(argc, argv, "d:r:pnv")) != -1) {
		switch (ch) {
		case 'd':
			delay_us = atoll(optarg) * 1000;
			if (delay_us < 0)
				usage();
			break;
		case 'r': report_path = optarg; break;
		case 'p': opt_proc = 1; break;
		case 'n': opt_nagle = opt_proc = 1; break;
		case 'v': opt_verbose = 1; break;
		default: usage();
		}
	}
	if (optind == argc || argc - optind > MAXLISTEN)
		usage();
	for (i = optind; i < argc; i++)
		if (parse_spec(argv[i], &ls[nls++]) < 0)
			usage();
	for (i = 0; i < nls; i++) {
		if (listen_on(&ls[i]) < 0) {
			fprintf(stderr, "delay-proxy: cannot listen on 127.0.0.1:%d: %s\n",
			    ls[i].port, strerror(errno));
			return 1;
		}
	}
	if (pipe(sigpipe_) < 0)
		return 1;
	nonblock(sigpipe_[0]);
	nonblock(sigpipe_[1]);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGUSR2, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	for (i = 0; i < nls; i++)
		printf("%s %d\n", ls[i].name, ls[i].port);
	printf("ready\n");
	fflush(stdout);
	start = now_us();

	for (;;) {
		n = 0;
		pfd[n].fd = sigpipe_[0];
		pfd[n].events = POLLIN;
		pc[n++] = NULL;
		for (i = 0; i < nls; i++) {
			pfd[n].fd = nconns < MAXCONN ? ls[i].fd : -1;
			pfd[n].events = POLLIN;
			pc[n++] = NULL;
		}
		t = now_us();
		next = -1;
		for (i = 0; i < nconns; i++) {
			struct conn *c = conns[i];
			short ev;

			if (c->done)
				continue;
			if (c->refused) {
				if (t >= c->rst_at) {
					conn_close(c, 1);
					continue;
				}
				if (next < 0 || c->rst_at < next)
					next = c->rst_at;
			}
			/* the device's side, then the cloud's; a side at its end
			 * is left out unless written to: it would wake poll for
			 * nothing */
			ev = c->refused ? 0 : way_events(&c->up, &c->down, t);
			pfd[n].fd = ev || !c->up.eof_read ? c->dfd : -1;
			pfd[n].events = ev;
			pc[n++] = c;
			ev = c->connecting ? POLLOUT : c->cfd >= 0 ? way_events(&c->down, &c->up, t) : 0;
			pfd[n].fd = ev || !c->down.eof_read ? c->cfd : -1;
			pfd[n].events = ev;
			pc[n++] = c;
			if (!stalled && c->up.head && c->up.head->due > t && !c->connecting &&
			    (next < 0 || c->up.head->due < next))
				next = c->up.head->due;
			if (!stalled && c->down.head && c->down.head->due > t &&
			    (next < 0 || c->down.head->due < next))
				next = c->down.head->due;
		}
		r = poll(pfd, (nfds_t)n, next < 0 ? -1 : (int)((next - t + 999) / 1000));
		if (r < 0 && errno != EINTR) {
			perror("delay-proxy: poll");
			return 1;
		}
		if (r > 0 && (pfd[0].revents & POLLIN)) {
			unsigned char sig;

			while (read(sigpipe_[0], &sig, 1) == 1) {
				if (sig == SIGUSR1) {
					write_report();
				} else if (sig == SIGUSR2) {
					reset();
				} else if (sig == SIGHUP) {
					stalled = !stalled;
					if (opt_verbose)
						fprintf(stderr, "%9.1f ms link %s\n",
						    (double)(now_us() - start) / 1000,
						    stalled ? "stalled" : "going again");
				} else {
					write_report();
					return 0;
				}
			}
			/* the arrays may have changed: poll again */
			continue;
		}
		for (i = 1; r > 0 && i <= nls; i++)
			if (pfd[i].revents & POLLIN)
				accept_on(&ls[i - 1]);
		for (i = 1 + nls; r > 0 && i < n; i += 2) {
			struct conn *c = pc[i];
			short dev = pfd[i].revents, cl = pfd[i + 1].revents;

			if (c->done)
				continue;
			if (c->connecting && cl) {
				socklen_t elen = sizeof(e);

				e = 0;
				getsockopt(c->cfd, SOL_SOCKET, SO_ERROR, &e, &elen);
				c->connecting = 0;
				if (e) {
					close(c->cfd);
					c->cfd = -1;
					c->refused = 1;
					c->rst_at = c->t0 + 2 * delay_us;
					way_free(&c->up);
					continue;
				}
				cl = 0;
			}
			if (dev & (POLLIN | POLLHUP | POLLERR))
				conn_read(c, 1);
			if (!c->done && c->cfd >= 0 && (cl & (POLLIN | POLLHUP | POLLERR)))
				conn_read(c, 0);
			if (!c->done && c->cfd >= 0 && !c->connecting)
				conn_write(c, 1);
			if (!c->done)
				conn_write(c, 0);
			if (!c->done && c->up.eof_sent && c->down.eof_sent)
				conn_close(c, 0);
		}
		/* Writes that came due without any event. */
		t = now_us();
		for (i = 0; i < nconns; i++) {
			struct conn *c = conns[i];

			if (c->done || c->refused)
				continue;
			if (c->cfd >= 0 && !c->connecting)
				conn_write(c, 1);
			if (!c->done)
				conn_write(c, 0);
			if (!c->done && c->up.eof_sent && c->down.eof_sent)
				conn_close(c, 0);
		}
		reap();
	}
}
