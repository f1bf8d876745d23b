/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tedge-test: what the shell tests and benches cannot do by themselves.
 *
 *   tedge-test crash KILLS FILE -- CMD [ARGS]
 *	Times three whole runs of CMD (median D), then until CMD has been
 *	killed KILLS times (at most 10 * KILLS runs): starts CMD, SIGKILLs it
 *	after a random delay in [0, 1.5 D), and checks that FILE is complete
 *	TOML. Delays scale with D, so the kills land all over the run however
 *	slow the build (sanitizers, valgrind) is, and some runs finish.
 *	Prints "runs=R killed=K finished=F torn=T"; exit 1 when T > 0 or
 *	fewer than KILLS kills happened.
 *   tedge-test bench RUNS CMD [ARGS]
 *	Runs CMD RUNS times (stdout and stderr to /dev/null) and prints
 *	"median_ns=N max_rss_kb=M"; exit 1 if a run failed.
 *   tedge-test spawn-io TIMEOUT_MS CMD [ARGS] <INPUT
 *	the same with INPUT as CMD's stdin and CMD's stderr left as ours.
 *   tedge-test spawn TIMEOUT_MS CMD [ARGS]
 *	lib/spawn.c: prints what CMD wrote, then "status: <text>"; a failure
 *	to run prints the error chain and exits 1.
 *   tedge-test free-port
 *	Prints a TCP port on 127.0.0.1 that is free right now.
 */
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tedge.h"

static long long
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static pid_t
start(char **argv)
{
	pid_t pid = fork();
	int fd;

	if (pid == 0) {
		fd = open("/dev/null", O_RDWR);
		dup2(fd, 0), dup2(fd, 1), dup2(fd, 2);
		execvp(argv[0], argv);
		_exit(127);
	}
	return pid;
}

/* 1 when path holds a complete, non-empty TOML document. */
static int
file_ok(const char *path)
{
	char err[256], *buf;
	struct toml *t = NULL;
	size_t len;
	int ok;

	if (!(buf = fs_read(path, 64 << 20, &len))) {
		err_clear();
		return 0;
	}
	ok = len > 0 && toml_parse(buf, len, &t, err, sizeof(err)) == 0;
	if (!ok)
		fprintf(stderr, "torn %s: %s\n", path, len ? err : "empty");
	toml_free(t);
	free(buf);
	return ok;
}

static int
cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return x < y ? -1 : x > y;
}

static long long
run_ns(char **argv)
{
	long long t0 = now_ns();
	int status;
	pid_t pid = start(argv);

	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return now_ns() - t0;
}

static int
crash(int argc, char **argv)
{
	long want, runs, i, killed = 0, finished = 0, torn = 0;
	long long t[3], maxus;
	struct timespec d;
	const char *file;
	int status;
	pid_t pid;

	if (argc < 4 || strcmp(argv[2], "--"))
		return EXIT_USAGE;
	want = atol(argv[0]);
	file = argv[1];
	argv += 3;
	for (i = 0; i < 3; i++)
		t[i] = run_ns(argv);
	qsort(t, 3, sizeof(t[0]), cmp_ll);
	maxus = t[1] * 3 / 2000 + 1;
	srand((unsigned)(getpid() ^ now_ns()));
	for (runs = 0; killed < want && runs < 10 * want; runs++) {
		long us = (long)(((unsigned long long)rand() << 16 ^ (unsigned)rand()) % (unsigned long long)maxus);
		pid = start(argv);
		d.tv_sec = us / 1000000;
		d.tv_nsec = us % 1000000 * 1000;
		nanosleep(&d, NULL);
		kill(pid, SIGKILL);
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
		if (WIFSIGNALED(status))
			killed++;
		else
			finished++;
		if (!file_ok(file))
			torn++;
	}
	printf("runs=%ld killed=%ld finished=%ld torn=%ld max_delay_us=%lld\n",
	    runs, killed, finished, torn, maxus);
	return torn || killed < want ? EXIT_FAIL : EXIT_OK;
}

static int
bench(int argc, char **argv)
{
	long long *t, t0;
	struct rusage ru;
	long runs, i, maxrss = 0;
	int status, failed = 0;
	pid_t pid;

	if (argc < 2 || (runs = atol(argv[0])) < 1)
		return EXIT_USAGE;
	t = xcalloc((size_t)runs, sizeof(*t));
	for (i = 0; i < runs; i++) {
		t0 = now_ns();
		pid = start(argv + 1);
		while (wait4(pid, &status, 0, &ru) < 0 && errno == EINTR)
			;
		t[i] = now_ns() - t0;
		if (ru.ru_maxrss > maxrss)
			maxrss = ru.ru_maxrss;
		if (!WIFEXITED(status) || WEXITSTATUS(status))
			failed = 1;
	}
	qsort(t, (size_t)runs, sizeof(*t), cmp_ll);
	printf("median_ns=%lld max_rss_kb=%ld\n", t[runs / 2], maxrss);
	free(t);
	return failed ? EXIT_FAIL : EXIT_OK;
}

static int
free_port(void)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);
	int fd;

	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) < 0 ||
	    bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    getsockname(fd, (struct sockaddr *)&a, &len) < 0) {
		perror("tedge-test free-port");
		return EXIT_FAIL;
	}
	printf("%u\n", ntohs(a.sin_port));
	close(fd);
	return EXIT_OK;
}

static int
spawn(int argc, char **argv)
{
	char *out;
	int st;

	if (argc < 2)
		return EXIT_USAGE;
	if ((st = spawn_capture(argv + 1, &out, atoi(argv[0]))) < 0)
		die("spawn failed");
	printf("%sstatus: %s\n", out, spawn_status_text(st));
	free(out);
	return EXIT_OK;
}

/* spawn_run with our stdin as the child's input and its stderr ours. */
static int
spawn_io(int argc, char **argv)
{
	struct spawn_io io = { NULL, 0, 1 };
	char *out, in[65536];
	int st;

	if (argc < 2)
		return EXIT_USAGE;
	io.inlen = fread(in, 1, sizeof(in), stdin);
	io.in = in;
	if ((st = spawn_run(argv + 1, &io, &out, atoi(argv[0]))) < 0)
		die("spawn failed");
	printf("%sstatus: %s\n", out, spawn_status_text(st));
	free(out);
	return EXIT_OK;
}

int
main(int argc, char *argv[])
{
	int r = EXIT_USAGE;

	err_setprog(argv[0]);
	if (argc >= 2 && !strcmp(argv[1], "crash"))
		r = crash(argc - 2, argv + 2);
	else if (argc >= 2 && !strcmp(argv[1], "bench"))
		r = bench(argc - 2, argv + 2);
	else if (argc >= 2 && !strcmp(argv[1], "spawn"))
		r = spawn(argc - 2, argv + 2);
	else if (argc >= 2 && !strcmp(argv[1], "spawn-io"))
		r = spawn_io(argc - 2, argv + 2);
	else if (argc == 2 && !strcmp(argv[1], "free-port"))
		r = free_port();
	if (r == EXIT_USAGE)
		fputs("usage: tedge-test crash KILLS FILE -- CMD...\n"
		    "       tedge-test bench RUNS CMD...\n"
		    "       tedge-test spawn TIMEOUT_MS CMD...\n"
		    "       tedge-test spawn-io TIMEOUT_MS CMD... <INPUT\n"
		    "       tedge-test free-port\n", stderr);
	return r;
}
