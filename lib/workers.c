/* SPDX-License-Identifier: ISC */
/*
 * workers: each thread readies its state, then asks for a job under the
 * pool's one lock, runs it outside the lock, and asks again, until the
 * program has none left or a job failed.  A failure is recorded under the
 * same lock, and a worker asks for a job only while none has failed, so
 * no job is handed out after the first failure; that one's message is
 * kept.  A job that is running when another fails finishes (or gives up
 * early by checking workers_failed).  One thread runs in the caller's:
 * dbhealth's single target, the common case, starts none.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "workers.h"

struct workers {
	const struct workers_spec *spec;
	pthread_mutex_t lock;	/* around spec->next and a failure */
	atomic_bool failed;	/* read without the lock by workers_failed */
	char err[2048];		/* the first failure's, once failed */
};

struct worker {
	struct workers *pool;
	void *state;
	pthread_t thread;
	bool running;		/* thread started: to be joined */
};

static void
fail(struct workers *w, const char *err)
{
	pthread_mutex_lock(&w->lock);
	if (!atomic_exchange(&w->failed, true))
		snprintf(w->err, sizeof(w->err), "%s", err);
	pthread_mutex_unlock(&w->lock);
}

static void *
work(void *arg)
{
	struct worker *me = arg;
	struct workers *w = me->pool;
	const struct workers_spec *s = w->spec;
	void *job = NULL;
	char err[2048];

	if (s->start != NULL && s->start(w, me->state, err, sizeof(err)) == -1) {
		fail(w, err);
		return NULL;
	}
	for (;;) {
		pthread_mutex_lock(&w->lock);
		job = atomic_load(&w->failed) ? NULL : s->next(w, job);
		pthread_mutex_unlock(&w->lock);
		if (job == NULL)
			break;
		if (s->run(w, me->state, job, err, sizeof(err)) == -1) {
			fail(w, err);
			break;
		}
	}
	if (s->stop != NULL)
		s->stop(w, me->state);
	return NULL;
}

int
workers_run(const struct workers_spec *spec, char *err, size_t errlen)
{
	struct workers w = { .spec = spec };
	struct worker *workers;
	size_t i, n = spec->n_threads, started = 0;
	int create_error = 0;

	if (n == 0)
		return 0;
	if ((workers = calloc(n, sizeof(*workers))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	pthread_mutex_init(&w.lock, NULL);
	for (i = 0; i < n; i++) {
		workers[i].pool = &w;
		if (spec->states != NULL)
			workers[i].state = (char *)spec->states +
			    i * spec->state_size;
	}
	if (n == 1) {
		work(&workers[0]);
		started = 1;
	} else
		for (i = 0; i < n; i++) {
			create_error = pthread_create(&workers[i].thread, NULL,
			    work, &workers[i]);
			workers[i].running = create_error == 0;
			started += workers[i].running;
		}
	for (i = 0; i < n; i++)
		if (workers[i].running)
			pthread_join(workers[i].thread, NULL);
	free(workers);
	pthread_mutex_destroy(&w.lock);
	if (started == 0) {
		snprintf(err, errlen, "cannot start worker threads");
		errno = create_error;
		return -1;
	}
	if (atomic_load(&w.failed)) {
		snprintf(err, errlen, "%s", w.err);
		return -1;
	}
	return 0;
}

void *
workers_ctx(const struct workers *w)
{
	return w->spec->ctx;
}

bool
workers_failed(const struct workers *w)
{
	return atomic_load(&w->failed);
}

int
workers_default_threads(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n > 0 ? (int)n : 2;
}
