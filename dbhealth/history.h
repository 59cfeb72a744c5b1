/* SPDX-License-Identifier: ISC */
/*
 * history: the --history file (one compact JSON report per line, as
 * --json prints it), and the --report summary read back from it.
 */
#ifndef DBHEALTH_HISTORY_H
#define DBHEALTH_HISTORY_H

#include <stddef.h>

#include <jansson.h>

#include "summary.h"

/* Appends line and a newline to path in one locked write.  0 or -1 + err. */
int history_append(const char *path, const char *line, char *err,
    size_t errlen);

/*
 * The last complete line of path as a JSON document in *doc (NULL when
 * the file is missing or has no line that parses).  Returns 0, or -1
 * with err when the file cannot be read.
 */
int history_last_report(const char *path, json_t **doc, char *err,
    size_t errlen);

/*
 * Reads the history file at path into s, for --report: each line is
 * one run; a line that is not a dbhealth report is counted in
 * s->skipped.  Returns 0, or -1 with err (and nothing to free) when path
 * cannot be read.
 */
int history_summarise(const char *path, struct summary *s, char *err,
    size_t errlen);

#endif
