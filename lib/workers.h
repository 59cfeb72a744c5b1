/* SPDX-License-Identifier: ISC */
/*
 * workers: N threads work through one batch of jobs, the shape of every
 * parallel step in dbkit (dbbackup's chunks, dbrestore's chunks,
 * dbhealth's targets).  The program says what a job is, which job comes
 * next and what each worker holds of its own (a connection); the pool
 * starts the threads, hands out the jobs, keeps the first error, lets no
 * worker take a job after it, joins the threads and reports.
 */
#ifndef DBKIT_WORKERS_H
#define DBKIT_WORKERS_H

#include <stdbool.h>
#include <stddef.h>

/* One run of the pool, as its callbacks see it. */
struct workers;

/*
 * What the program asks for.  Worker i is handed element i of states
 * (n_threads elements of state_size bytes, or NULL: no state), so what a
 * worker holds needs no lock.  ctx is the program's shared state, its
 * queue of jobs; the callbacks reach it through workers_ctx.
 */
struct workers_spec {
	size_t n_threads;	/* 1 runs in the calling thread, 0 runs nothing */
	void *ctx;
	void *states;
	size_t state_size;
	/*
	 * Optional: readies a worker before its first job, in its thread
	 * (opens its connection).  0, or -1 with err: the run fails.
	 */
	int (*start)(struct workers *w, void *state, char *err, size_t errlen);
	/*
	 * The next job, or NULL when none is left; done is the job this
	 * worker has just finished (NULL at first).  Called under the pool's
	 * lock, one call at a time, so the queue needs no lock of its own.
	 */
	void *(*next)(struct workers *w, void *done);
	/* Does one job.  0, or -1 with err: the run fails. */
	int (*run)(struct workers *w, void *state, void *job, char *err,
	    size_t errlen);
	/* Optional: after a started worker's last job (closes its connection). */
	void (*stop)(struct workers *w, void *state);
};

/*
 * Runs the jobs on up to n_threads threads (those that could be started)
 * and joins them.  Returns 0 when no job failed, or -1 with the first
 * error in err, or why no thread could be started (errno set).
 */
int workers_run(const struct workers_spec *spec, char *err, size_t errlen);

/*
 * The default number of workers of dbbackup and dbrestore: the CPUs
 * online, as their --threads documents; 2 when the system cannot say.
 */
int workers_default_threads(void);

/* The spec's ctx. */
void *workers_ctx(const struct workers *w);

/* Whether a job has failed: a long job checks it to give up early. */
bool workers_failed(const struct workers *w);

#endif
