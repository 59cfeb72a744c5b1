/* SPDX-License-Identifier: ISC */
/*
 * progress: the one-line progress report dbbackup and dbrestore keep
 * rewriting on stderr (with --progress, or when stderr is a terminal).
 */
#ifndef DBKIT_PROGRESS_H
#define DBKIT_PROGRESS_H

#include <stdio.h>

/* What a progress line shows; total_bytes 0 when unknown (no ETA). */
struct progress_counts {
	unsigned int chunks_done, chunks_total;
	unsigned long long rows;
	unsigned long long bytes, total_bytes;
	double elapsed_ms;
};

/*
 * Rewrites the line on f: "PROG: 3/14 chunks, 120000 rows, 40.1 of 323.6
 * MB, 52.3 MB/s, ETA 5s".
 */
void progress_show(FILE *f, const char *prog, const struct progress_counts *c);

#endif
