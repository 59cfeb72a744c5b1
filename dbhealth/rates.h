/* SPDX-License-Identifier: ISC */
/*
 * rates: aborted_connects, slow_queries and deadlocks are totals since
 * the server started, which no level can judge.  With a previous sample
 * of the same target (the history file's last line, or the last run of
 * --watch) they become rates per minute, and their levels apply to the
 * rate.  A server that restarted (its uptime went down) starts a new base
 * instead of giving a negative rate.
 */
#ifndef DBHEALTH_RATES_H
#define DBHEALTH_RATES_H

#include <stdbool.h>

#include <jansson.h>

#include "health.h"
#include "threshold.h"

/* Whether check id is judged as a rate. */
bool rates_is_rate(enum check_id id);

/*
 * The samples of a report (as report_json writes it, or a history line):
 * {target: {"uptime": s, CHECK: total, ...}}.  NULL when out of memory.
 */
json_t *rates_samples(const json_t *report);

/*
 * Judges r's rate checks against the samples before (NULL: none) and
 * worsens their targets' statuses to match; run.c folds them after.
 */
void rates_apply(struct run *r, const struct limits *l, const json_t *before);

#endif
