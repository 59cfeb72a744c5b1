/* SPDX-License-Identifier: ISC */
/*
 * summary: what --report makes of a history file, overall and per
 * target: the time in each status, the runs, the availability, the
 * response times, and every change of status.  history.c builds it from
 * the history lines and summary.c renders the same struct as text or
 * JSON, so the two cannot disagree.
 */
#ifndef DBHEALTH_SUMMARY_H
#define DBHEALTH_SUMMARY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <time.h>

/* Statuses are counted in three buckets: ok, warning or degraded, critical. */
enum bucket { BUCKET_OK, BUCKET_WARNING, BUCKET_CRITICAL, BUCKET_COUNT };

struct summary_target {
	char *name;
	size_t runs;
	double availability_pct;	/* of the runs, those it was reachable in */
	double p50_ms, p95_ms, max_ms;	/* response_time; NAN: never measured */
	double seconds[BUCKET_COUNT];	/* time in each status */

	/* While the history is read: */
	size_t reachable;
	double *response_ms;
	size_t n_response, cap_response;
	char last[16];			/* the status in the run at last_at */
	time_t last_at;
};

/* A change of status, of one target or (target NULL) the overall one. */
struct incident {
	time_t at;
	char *target;
	char *from, *to;
};

struct summary {
	time_t from, to;		/* the first and the last run */
	size_t runs, skipped;		/* runs read, lines that were not */
	double seconds[BUCKET_COUNT];	/* overall time in each status */
	struct summary_target *targets;	/* in order of first appearance */
	size_t n_targets;
	struct incident *incidents;	/* in the order of the file */
	size_t n_incidents, cap_incidents;

	/* While the history is read: */
	char last[16];			/* the overall status of the last run */
};

/* Writes s to f as text or as one JSON document.  0, or -1. */
int summary_write(const struct summary *s, bool json, FILE *f);

/* Frees what s holds. */
void summary_free(struct summary *s);

#endif
