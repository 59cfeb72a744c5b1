/* SPDX-License-Identifier: ISC */
/*
 * report: the results of dbpool-bench as a text table or one JSON
 * document, both from the same bench_result structs.
 */
#ifndef DBPOOL_REPORT_H
#define DBPOOL_REPORT_H

#include <stdio.h>

#include "bench.h"

/*
 * Writes the n results (one, or pool, connect and persistent for
 * MODE_ALL, with their ratios to persistent).  0, or -1 on a write or
 * memory error.
 */
int report_text(const struct bench_config *c, enum bench_mode mode,
    const struct bench_result *r, size_t n, FILE *f);
int report_json(const struct bench_config *c, enum bench_mode mode,
    const struct bench_result *r, size_t n, FILE *f);

#endif
