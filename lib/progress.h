/* SPDX-License-Identifier: ISC */
/*
 * progress: the one-line progress report dbbackup and dbrestore keep
 * rewriting on stderr (with --progress, or when stderr is a terminal).
 * The program embeds a struct progress (zeroed), says what the counts
 * will reach (progress_expect), and its workers add to the counts as they
 * go; progress_start and progress_stop run the thread that shows them.
 */
#ifndef DBKIT_PROGRESS_H
#define DBKIT_PROGRESS_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>

/*
 * The counts, their totals (0: unknown) and the thread.  The fields are
 * the module's: use the functions.
 */
struct progress {
	atomic_uint chunks_done, chunks_total;
	atomic_ullong rows, bytes;
	atomic_ullong total_rows_estimate;	/* the server's estimate (dbbackup) */
	atomic_ullong total_bytes;	/* exact (dbrestore, from the manifest) */
	FILE *out;
	const char *prog;
	double started_ms;
	pthread_t thread;
	bool running;
	bool files;			/* chunks are files, no rows */
	atomic_bool done;
};

/* Adds to what the counts will reach: chunks, estimated rows, bytes. */
void progress_expect(struct progress *p, unsigned int chunks,
    unsigned long long rows_estimate, unsigned long long bytes);

/*
 * Counts files instead of chunks, and no rows: "PROG: 1/3 files, 40.1 of
 * 323.6 MB, ..." (a copy of files).  Before progress_start.
 */
void progress_files(struct progress *p);

/* Adds rows and bytes done; any thread may. */
void progress_add(struct progress *p, unsigned long long rows,
    unsigned long long bytes);

/* Counts one more chunk done; any thread may. */
void progress_chunk_done(struct progress *p);

/*
 * Starts the thread that rewrites the line on out every 250 ms:
 * "PROG: 3/14 chunks, 120000 of ~400000 rows, 40.1 MB, 52.3 MB/s, ETA
 * 5s" (with a bytes total: "40.1 of 323.6 MB"), the time counted from
 * started_ms (time_monotonic_ms).  When no thread can be started there
 * is no line: it is a courtesy, never a reason to fail the work.
 */
void progress_start(struct progress *p, FILE *out, const char *prog,
    double started_ms);

/*
 * Stops the thread after one last line, the totals of what was done:
 * "PROG: 14/14 chunks, 398511 rows, 133.0 MB, 51.9 MB/s in 2.6 s", and
 * a newline.  Nothing when it was not started.
 */
void progress_stop(struct progress *p);

#endif
