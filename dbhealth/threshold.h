/* SPDX-License-Identifier: ISC */
/*
 * threshold: the warning and critical level in force for each check
 * (the defaults of CHECK_TABLE, overridden by the settings, the
 * environment and -w/-c), and how a value is judged against them.
 */
#ifndef DBHEALTH_THRESHOLD_H
#define DBHEALTH_THRESHOLD_H

#include <stdbool.h>
#include <stddef.h>

#include "health.h"
#include "settings.h"

/* The warning and critical level in force for each check (NAN: none). */
struct limits {
	double warning[CHECK_COUNT];
	double critical[CHECK_COUNT];
	long long max_failed_targets;
};

/* Fills l with the defaults, the settings' seeds and DB_MONITOR_* levels. */
int threshold_init(struct limits *l, const struct settings *s, char *err,
    size_t errlen);

/* Applies "CHECK=VALUE" to the warning or critical level.  0 or -1. */
int threshold_set(struct limits *l, const char *spec, bool critical,
    char *err, size_t errlen);

/* Judges value against the levels in force for check id. */
enum status threshold_judge(const struct limits *l, enum check_id id,
    double v);

#endif
