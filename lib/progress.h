/* SPDX-License-Identifier: ISC */
/*
 * progress: the one-line progress report dbbackup and dbrestore keep
 * rewriting on stderr (with --progress, or when stderr is a terminal).
 */
#ifndef DBKIT_PROGRESS_H
#define DBKIT_PROGRESS_H

#include <stdbool.h>
#include <stdio.h>

/*
 * What a progress line shows.  A total is what the count will reach: 0
 * when unknown.  total_bytes is exact (dbrestore reads it from the
 * manifest); total_rows_estimate is the server's estimate (dbbackup).
 */
struct progress_counts {
	unsigned int chunks_done, chunks_total;
	unsigned long long rows, total_rows_estimate;
	unsigned long long bytes, total_bytes;
	double elapsed_ms;
	bool final;		/* the work is over: the totals, no estimates */
};

/*
 * Rewrites the line on f: "PROG: 3/14 chunks, 120000 of ~400000 rows,
 * 40.1 MB, 52.3 MB/s, ETA 5s" (with total_bytes: "40.1 of 323.6 MB"), or
 * for the final line "PROG: 14/14 chunks, 398511 rows, 133.0 MB, 51.9
 * MB/s in 2.6 s".
 */
void progress_show(FILE *f, const char *prog, const struct progress_counts *c);

#endif
