/* SPDX-License-Identifier: ISC */
/*
 * pipeto: runs a program with some bytes on its standard input and waits
 * for it, for a bounded time: how alerts reach the --alert-command and
 * sendmail.  Its standard output and error are ours on stderr, because
 * our stdout carries the report.
 */
#ifndef DBHEALTH_PIPETO_H
#define DBHEALTH_PIPETO_H

#include <stddef.h>

/*
 * Runs path with argv (and the NAME=VALUE strings of env, NULL-ended,
 * added to its environment), writes the len bytes at data to its
 * standard input, and waits for it to exit, at most timeout_ms in all;
 * then it is killed.  what names it in messages.  Returns 0 when it
 * exited 0, or -1 with "what: why" in err.
 */
int pipe_to(const char *path, char *const argv[], char *const env[],
    const char *data, size_t len, long long timeout_ms, const char *what,
    char *err, size_t errlen);

#endif
