/* SPDX-License-Identifier: ISC */
/*
 * threadtest: drives lib/workers and lib/progress, the library's two
 * thread modules, for tests/lib_threads.bats.  No server: the jobs are
 * numbers, and what the pool did with them is counted and printed as one
 * line of key=value, or "error: ..." and exit 1 when the run failed.
 *
 *	threadtest run THREADS JOBS [fail-job=N] [fail-start=I] [fail-all]
 *	threadtest giveup	a long job stops when another fails
 *	threadtest progress	the final line of a progress run on stderr
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "parse.h"
#include "progress.h"
#include "timeutil.h"
#include "workers.h"

struct job {
	int id;
	atomic_int runs;	/* times run: must end 0 or 1 */
	bool handed_back;	/* came back to next() as done */
};

struct queue {
	struct job *jobs;
	size_t n, next;
	long long fail_job, fail_start;	/* -1: none */
	bool fail_all;
	pthread_t caller;
	atomic_int starts, stops, ran, off_caller;
	int asked_after_failure, handed_back, wrong_done;
};

struct state {
	long long index;
	bool started;
	int jobs_run;
};

static int
start(struct workers *w, void *state, char *err, size_t errlen)
{
	struct queue *q = workers_ctx(w);
	struct state *s = state;

	atomic_fetch_add(&q->starts, 1);
	if (s->index == q->fail_start) {
		snprintf(err, errlen, "worker %lld: cannot start", s->index);
		return -1;
	}
	s->started = true;
	return 0;
}

/* In order; checks what the pool promises about done and failures. */
static void *
next(struct workers *w, void *done)
{
	struct queue *q = workers_ctx(w);
	struct job *d = done;

	if (workers_failed(w))
		q->asked_after_failure++;
	if (d != NULL) {
		if (d->handed_back || atomic_load(&d->runs) != 1)
			q->wrong_done++;
		d->handed_back = true;
		q->handed_back++;
	}
	return q->next < q->n ? &q->jobs[q->next++] : NULL;
}

static int
run(struct workers *w, void *state, void *job, char *err, size_t errlen)
{
	struct queue *q = workers_ctx(w);
	struct state *s = state;
	struct job *j = job;

	atomic_fetch_add(&j->runs, 1);
	atomic_fetch_add(&q->ran, 1);
	s->jobs_run++;
	if (!pthread_equal(pthread_self(), q->caller))
		atomic_fetch_add(&q->off_caller, 1);
	usleep(100);	/* long enough for the threads to share the jobs */
	if (q->fail_all || j->id == q->fail_job) {
		snprintf(err, errlen, "job %d: failed", j->id);
		return -1;
	}
	return 0;
}

static void
stop(struct workers *w, void *state)
{
	struct queue *q = workers_ctx(w);
	struct state *s = state;

	if (!s->started)
		q->wrong_done++;	/* stopped without a start */
	atomic_fetch_add(&q->stops, 1);
}

static int
cmd_run(int argc, char **argv)
{
	struct queue q = { .fail_job = -1, .fail_start = -1 };
	struct workers_spec spec = { .ctx = &q, .start = start, .next = next,
	    .run = run, .stop = stop };
	struct state *states;
	long long threads, jobs;
	char err[2048];
	int rc, twice = 0, workers_used = 0;
	size_t i;

	if (argc < 4 || parse_integer(argv[2], 0, 64, &threads, err,
	    sizeof(err)) == -1 || parse_integer(argv[3], 0, 100000, &jobs, err,
	    sizeof(err)) == -1)
		return 2;
	for (int a = 4; a < argc; a++)
		if (strncmp(argv[a], "fail-job=", 9) == 0) {
			if (parse_integer(argv[a] + 9, 0, 100000, &q.fail_job,
			    err, sizeof(err)) == -1)
				return 2;
		} else if (strncmp(argv[a], "fail-start=", 11) == 0) {
			if (parse_integer(argv[a] + 11, 0, 64, &q.fail_start,
			    err, sizeof(err)) == -1)
				return 2;
		} else if (strcmp(argv[a], "fail-all") == 0)
			q.fail_all = true;
		else
			return 2;
	q.n = (size_t)jobs;
	q.caller = pthread_self();
	q.jobs = calloc(q.n + 1, sizeof(*q.jobs));
	states = calloc((size_t)threads + 1, sizeof(*states));
	if (q.jobs == NULL || states == NULL)
		return 2;
	for (i = 0; i < q.n; i++)
		q.jobs[i].id = (int)i;
	for (i = 0; i < (size_t)threads; i++)
		states[i].index = (long long)i;
	spec.n_threads = (size_t)threads;
	spec.states = states;
	spec.state_size = sizeof(*states);
	rc = workers_run(&spec, err, sizeof(err));
	for (i = 0; i < q.n; i++)
		twice += atomic_load(&q.jobs[i].runs) > 1;
	for (i = 0; i < (size_t)threads; i++)
		workers_used += states[i].jobs_run > 0;
	printf("ran=%d twice=%d starts=%d stops=%d handed_back=%d "
	    "wrong_done=%d asked_after_failure=%d in_caller=%s workers_used=%s\n",
	    atomic_load(&q.ran), twice, atomic_load(&q.starts),
	    atomic_load(&q.stops), q.handed_back, q.wrong_done,
	    q.asked_after_failure, atomic_load(&q.ran) > 0 &&
	    atomic_load(&q.off_caller) == 0 ? "yes" : "no",
	    workers_used > 1 ? "many" : workers_used == 1 ? "one" : "none");
	if (rc == -1)
		printf("error: %s\n", err);
	free(q.jobs);
	free(states);
	return rc == -1 ? 1 : 0;
}

/* Job 0 runs until the pool says another failed; job 1 fails. */
static int
giveup_run(struct workers *w, void *state, void *job, char *err,
    size_t errlen)
{
	struct job *j = job;
	double deadline = time_monotonic_ms() + 10000;

	(void)state;
	if (j->id == 1) {
		snprintf(err, errlen, "job 1: failed");
		return -1;
	}
	while (!workers_failed(w) && time_monotonic_ms() < deadline)
		usleep(1000);
	j->handed_back = workers_failed(w);	/* here: it saw the failure */
	return 0;
}

static int
cmd_giveup(void)
{
	struct job jobs[3] = { { .id = 0 }, { .id = 1 }, { .id = 2 } };
	struct queue q = { .jobs = jobs, .n = 3 };
	struct workers_spec spec = { .n_threads = 2, .ctx = &q, .next = next,
	    .run = giveup_run };
	char err[2048];
	int rc;

	rc = workers_run(&spec, err, sizeof(err));
	printf("rc=%d saw_failure=%s job2_taken=%s error=%s\n", rc,
	    jobs[0].handed_back ? "yes" : "no", q.next > 2 ? "yes" : "no",
	    rc == -1 ? err : "");
	return 0;
}

/*
 * Totals said in two parts add up; counts added from threads arrive;
 * the last line is the final one.  Stopping a progress never started
 * prints nothing.
 */
static void *
add_rows(void *arg)
{
	struct progress *p = arg;

	for (int i = 0; i < 1000; i++)
		progress_add(p, 1, 1000);
	progress_chunk_done(p);
	return NULL;
}

static int
cmd_progress(void)
{
	struct progress idle = { 0 }, p = { 0 };
	pthread_t t[2];

	progress_stop(&idle);
	progress_expect(&p, 1, 5000, 0);
	progress_expect(&p, 2, 10000, 0);
	progress_start(&p, stderr, "threadtest", time_monotonic_ms());
	for (int i = 0; i < 2; i++)
		if (pthread_create(&t[i], NULL, add_rows, &p) != 0)
			return 2;
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	usleep(300000);		/* one line while running */
	progress_stop(&p);
	return 0;
}

int
main(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "run") == 0)
		return cmd_run(argc, argv);
	if (argc == 2 && strcmp(argv[1], "giveup") == 0)
		return cmd_giveup();
	if (argc == 2 && strcmp(argv[1], "progress") == 0)
		return cmd_progress();
	fprintf(stderr, "usage: threadtest run|giveup|progress ...\n");
	return 2;
}
