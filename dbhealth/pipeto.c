/* SPDX-License-Identifier: ISC */
/*
 * pipeto: fork, then write and wait against one deadline on the
 * monotonic clock.  The pipe is non-blocking and polled, so a program
 * that neither reads nor exits cannot hold a --watch loop or a cron run
 * beyond the deadline; SIGPIPE is ignored while writing, so one that
 * closes its input early cannot kill us (what it did not read is its
 * choice; its exit status decides).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "pipeto.h"
#include "timeutil.h"

/* Writes data to fd until done, the reader leaves, or the deadline. */
static int
feed(int fd, const char *data, size_t len, double deadline)
{
	struct pollfd p = { .fd = fd, .events = POLLOUT };
	size_t off = 0;
	ssize_t n;
	double left;

	while (off < len) {
		if ((left = deadline - time_monotonic_ms()) <= 0)
			return -1;
		if (poll(&p, 1, (int)left + 1) == -1 && errno != EINTR)
			return -1;
		n = write(fd, data + off, len - off);
		if (n == -1 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0)
			return 0;	/* it closed its input */
		off += (size_t)n;
	}
	return 0;
}

/* Waits for pid until the deadline; then kills it.  Its status, or -1. */
static int
reap(pid_t pid, double deadline, int *status)
{
	struct timespec tick = { 0, 10 * 1000 * 1000 };
	pid_t got;

	for (;;) {
		got = waitpid(pid, status, WNOHANG);
		if (got == pid)
			return 0;
		if (got == -1 && errno != EINTR)
			return -1;
		if (time_monotonic_ms() >= deadline) {
			(void)kill(pid, SIGKILL);
			while (waitpid(pid, status, 0) == -1 && errno == EINTR)
				;
			return 1;
		}
		nanosleep(&tick, NULL);
	}
}

int
pipe_to(const char *path, char *const argv[], char *const env[],
    const char *data, size_t len, long long timeout_ms, const char *what,
    char *err, size_t errlen)
{
	struct sigaction ignore = { .sa_handler = SIG_IGN }, old;
	double deadline = time_monotonic_ms() + (double)timeout_ms;
	int fds[2], status, waited;
	pid_t pid;

	if (pipe2(fds, O_CLOEXEC) == -1) {
		snprintf(err, errlen, "%s: %s", what, strerror(errno));
		return -1;
	}
	fflush(stderr);
	if ((pid = fork()) == -1) {
		snprintf(err, errlen, "%s: %s", what, strerror(errno));
		close(fds[0]);
		close(fds[1]);
		return -1;
	}
	if (pid == 0) {
		if (dup2(fds[0], STDIN_FILENO) == -1 ||
		    dup2(STDERR_FILENO, STDOUT_FILENO) == -1)
			_exit(127);
		for (size_t i = 0; env != NULL && env[i] != NULL; i++)
			putenv(env[i]);
		execv(path, argv);
		fprintf(stderr, "dbhealth: %s: %s: %s\n", what, path,
		    strerror(errno));
		_exit(127);
	}
	close(fds[0]);
	(void)fcntl(fds[1], F_SETFL, O_NONBLOCK);
	sigaction(SIGPIPE, &ignore, &old);
	(void)feed(fds[1], data, len, deadline);
	close(fds[1]);
	sigaction(SIGPIPE, &old, NULL);
	if ((waited = reap(pid, deadline, &status)) == -1) {
		snprintf(err, errlen, "%s: %s", what, strerror(errno));
		return -1;
	}
	if (waited == 1) {
		snprintf(err, errlen, "%s: no answer after %lld ms: killed", what,
		    timeout_ms);
		return -1;
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (WIFEXITED(status))
		snprintf(err, errlen, "%s: exited with status %d", what,
		    WEXITSTATUS(status));
	else
		snprintf(err, errlen, "%s: killed by signal %d", what,
		    WTERMSIG(status));
	return -1;
}
