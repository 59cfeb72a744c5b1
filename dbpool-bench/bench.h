/* SPDX-License-Identifier: ISC */
/*
 * bench: one benchmark run of dbpool-bench: what to run (struct
 * bench_config), what came out of each mode (struct bench_result) and of
 * the whole run (struct bench_report, which report.c renders), and the
 * run itself (bench.c).
 */
#ifndef DBPOOL_BENCH_H
#define DBPOOL_BENCH_H

#include <stdbool.h>
#include <stddef.h>

#include "hist.h"
#include "pool.h"
#include "settings.h"

enum bench_mode { MODE_POOL, MODE_CONNECT, MODE_PERSISTENT, MODE_ALL };
enum bench_workload { WL_SELECT1, WL_POINT, WL_QUERY };

#define BENCH_DB "dbkit_bench"
#define BENCH_TABLE "dbkit_bench.pool_t"

struct bench_config {
	const struct settings *s;
	struct pool_config pool;
	enum bench_workload workload;
	const char *query;		/* WL_QUERY: the user's statement */
	long long rows;			/* WL_POINT: ids 1..rows */
	long long clients;
	long long duration_ms;		/* 0: run until requests are done */
	long long requests;		/* 0: run for duration_ms */
	long long warmup_ms;
	long long think_ms;
	double rate;			/* total requests/s; 0: closed loop */
	long long interval_ms;		/* 0: no progress lines */
};

#define BENCH_MAX_KINDS 16

/* Failed requests of one kind: a server error code, "connect", ... */
struct bench_error {
	char kind[24];
	long long count;
	char message[512];		/* the first one seen */
};

struct bench_result {
	enum bench_mode mode;
	long long requests;		/* counted: after the warmup */
	long long errors;		/* of those, how many failed */
	long long unfinished;		/* not ended by the deadline: not counted */
	double elapsed_s;		/* from the end of the warmup */
	struct hist latency;		/* of every counted request */
	struct bench_error kinds[BENCH_MAX_KINDS];
	size_t n_kinds;
	long long connections_opened;	/* the whole run, warmup included */
	bool has_pool;
	struct pool_stats pool;
};

/*
 * What dbpool-bench reports: the configuration and one result per mode
 * run, in the order shown: the one mode, or for MODE_ALL pool, connect
 * and persistent (the base of the ratios) last.
 */
struct bench_report {
	const struct bench_config *c;
	enum bench_mode mode;
	struct bench_result runs[3];
	size_t n_runs;
};

/* "pool", "connect", "persistent" or "all". */
const char *bench_mode_name(enum bench_mode m);

/* "select1", "point" or "query". */
const char *bench_workload_name(enum bench_workload w);

/*
 * Runs the workload in mode m (not MODE_ALL) with c->clients threads and
 * fills r.  Returns 0 when the run completed, even if requests failed,
 * or -1 with "what: why" in err when it could not run at all.
 */
int bench_run(const struct bench_config *c, enum bench_mode m,
    struct bench_result *r, char *err, size_t errlen);

/*
 * Runs r->mode with r->c, or each mode for MODE_ALL, into r->runs and
 * r->n_runs.  0 when every run completed, or -1 with "MODE mode: why" in
 * err.
 */
int bench_run_modes(struct bench_report *r, char *err, size_t errlen);

#endif
