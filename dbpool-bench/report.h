/* SPDX-License-Identifier: ISC */
/*
 * report: the results of dbpool-bench as a text table or one JSON
 * document, both from the same struct bench_report.
 */
#ifndef DBPOOL_REPORT_H
#define DBPOOL_REPORT_H

#include <stdio.h>

#include "bench.h"

/*
 * Writes the report's runs (for MODE_ALL with their ratios to
 * persistent) to f.  0, or -1 on a write or memory error.
 */
int report_text(const struct bench_report *r, FILE *f);
int report_json(const struct bench_report *r, FILE *f);

#endif
