/* SPDX-License-Identifier: ISC */
/*
 * report: renders one run as text, JSON, Prometheus exposition format or
 * a Nagios status line.  Every renderer reads the same struct run.
 */
#ifndef DBHEALTH_REPORT_H
#define DBHEALTH_REPORT_H

#include <stdio.h>
#include <jansson.h>

#include "health.h"

enum format { FORMAT_TEXT, FORMAT_JSON, FORMAT_PROMETHEUS, FORMAT_NAGIOS };

/* The JSON document for r (the shape dbhealth(1) promises), or NULL. */
json_t *report_json(const struct run *r);

/* Writes r to f in format; JSON one line per run when compact.  0 or -1. */
int report_write(const struct run *r, enum format format, bool compact,
    FILE *f);

#endif
