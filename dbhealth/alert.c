/* SPDX-License-Identifier: ISC */
/*
 * alert: fork, pipe the JSON in, wait.  dbhealth waits for the command so
 * a --watch loop never piles up alert processes, and ignores SIGPIPE
 * while writing so a command that does not read its input cannot kill us.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "alert.h"

int
alert_due(const char *previous, const char *now)
{
	if (previous[0] == '\0')
		return strcmp(now, "ok") != 0;
	return strcmp(previous, now) != 0;
}

int
alert_run(const char *command, const char *json, const char *previous,
    const char *now, char *err, size_t errlen)
{
	struct sigaction ignore = { .sa_handler = SIG_IGN }, old;
	size_t len = strlen(json), off = 0;
	int fds[2], status;
	pid_t pid;

	if (pipe2(fds, O_CLOEXEC) == -1) {
		snprintf(err, errlen, "alert command: %s", strerror(errno));
		return -1;
	}
	fflush(stderr);
	if ((pid = fork()) == -1) {
		snprintf(err, errlen, "alert command: %s", strerror(errno));
		close(fds[0]);
		close(fds[1]);
		return -1;
	}
	if (pid == 0) {
		if (dup2(fds[0], STDIN_FILENO) == -1 ||
		    dup2(STDERR_FILENO, STDOUT_FILENO) == -1)
			_exit(127);
		setenv("DBHEALTH_STATUS", now, 1);
		setenv("DBHEALTH_PREVIOUS_STATUS", previous, 1);
		execl("/bin/sh", "sh", "-c", command, (char *)NULL);
		_exit(127);
	}
	close(fds[0]);
	sigaction(SIGPIPE, &ignore, &old);
	while (off < len) {
		ssize_t n = write(fds[1], json + off, len - off);

		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;	/* the command closed its input: its choice */
		off += (size_t)n;
	}
	if (off == len)
		(void)!write(fds[1], "\n", 1);
	close(fds[1]);
	sigaction(SIGPIPE, &old, NULL);
	while (waitpid(pid, &status, 0) == -1)
		if (errno != EINTR) {
			snprintf(err, errlen, "alert command: %s", strerror(errno));
			return -1;
		}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (WIFEXITED(status))
		snprintf(err, errlen, "alert command exited with status %d",
		    WEXITSTATUS(status));
	else
		snprintf(err, errlen, "alert command killed by signal %d",
		    WTERMSIG(status));
	return -1;
}
