/* SPDX-License-Identifier: ISC */
/*
 * result: a finished backup as the manifest (what dbrestore trusts) and
 * as the report on stdout (what the user or cron sees).
 */
#ifndef DBBACKUP_RESULT_H
#define DBBACKUP_RESULT_H

#include <stdio.h>
#include <jansson.h>

#include "backup.h"

/* The manifest of b (dbkit-backup(5)), or NULL when out of memory. */
json_t *result_manifest(const struct backup *b, const char *tool_version,
    time_t finished_at);

/* The report: JSON with json, else a few lines of text.  0 or -1. */
int result_report(const struct backup *b, bool json, FILE *f);

#endif
