/* SPDX-License-Identifier: ISC */
/*
 * history: the --history file (one compact JSON report per line, as
 * --json prints it) and the --report summary read back from it.
 */
#ifndef DBHEALTH_HISTORY_H
#define DBHEALTH_HISTORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* Appends line and a newline to path in one locked write.  0 or -1 + err. */
int history_append(const char *path, const char *line, char *err,
    size_t errlen);

/*
 * Copies the overall status of the last complete line of path into
 * status ("" when the file is missing or has no readable line).
 * Returns 0, or -1 with err when the file cannot be read.
 */
int history_last_status(const char *path, char *status, size_t len,
    char *err, size_t errlen);

/*
 * Summarises the history file at path to f, as text or JSON: per target
 * availability, response time p50/p95/max, time in each status, and the
 * status changes.  Returns 0, or -1 with err when path cannot be read.
 */
int history_report(const char *path, bool json, FILE *f, char *err,
    size_t errlen);

#endif
