/* SPDX-License-Identifier: ISC */
/*
 * workload: the point workload's table, dbkit_bench.pool_t: --prepare
 * fills it, --cleanup drops it, and a run first checks that it is there.
 */
#ifndef DBPOOL_WORKLOAD_H
#define DBPOOL_WORKLOAD_H

#include "bench.h"

/* Creates database dbkit_bench and fills table pool_t with rows rows,
 * replacing an old one.  0, or -1 with the reason. */
int workload_prepare(const struct settings *s, long long rows, char *err,
    size_t errlen);

/* Drops table pool_t (and the database when it is left empty). */
int workload_cleanup(const struct settings *s, char *err, size_t errlen);

/* 0 when the server can be reached and the workload's table exists. */
int workload_check(const struct bench_config *c, char *err, size_t errlen);

#endif
