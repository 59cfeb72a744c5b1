/* SPDX-License-Identifier: ISC */
/*
 * run: one thread per target, up to MAX_THREADS at once, each taking the
 * next unchecked target, so ten targets with three unreachable take about
 * one connect timeout, not three.  The backup catalogue, when asked for,
 * is one more target, checked by its own thread like a server.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "backups.h"
#include "checks.h"
#include "exitcode.h"
#include "run.h"
#include "timeutil.h"

#define MAX_THREADS 64

struct work {
	struct run *run;
	const struct limits *limits;
	atomic_size_t next;
};

static void *
worker(void *arg)
{
	struct work *w = arg;
	size_t i;

	while ((i = atomic_fetch_add(&w->next, 1)) < w->run->n_targets) {
		struct target *t = &w->run->targets[i];

		if (t->catalog != NULL)
			backups_run(t, w->limits, w->run->checked_at);
		else
			checks_run(t, w->limits);
	}
	return NULL;
}

static void
fold(struct run *r, const struct limits *l)
{
	size_t i, n_servers = 0;

	r->n_ok = r->n_warning = r->n_critical = r->n_unreachable = 0;
	for (i = 0; i < r->n_targets; i++) {
		const struct target *t = &r->targets[i];

		if (t->catalog == NULL)
			n_servers++;
		if (!t->reachable)
			r->n_unreachable++;
		else if (t->status == ST_CRITICAL)
			r->n_critical++;
		else if (t->status == ST_WARNING)
			r->n_warning++;
		else
			r->n_ok++;
	}
	/* The catalogue is always reachable: "every server" is the rule. */
	if (r->n_critical > 0 || r->n_unreachable == n_servers ||
	    r->n_unreachable >= (size_t)l->max_failed_targets)
		r->status = OVERALL_CRITICAL;
	else if (r->n_warning > 0 || r->n_unreachable > 0)
		r->status = OVERALL_DEGRADED;
	else
		r->status = OVERALL_OK;
}

int
run_checks(struct run *r, const struct limits *l)
{
	struct work w = { r, l, 0 };
	pthread_t threads[MAX_THREADS];
	size_t i, n = r->n_targets < MAX_THREADS ? r->n_targets : MAX_THREADS;
	size_t started = 0;
	double start = time_monotonic_ms();

	r->checked_at = time(NULL);
	/* One target needs no thread; it is the common case and the fast one. */
	if (n == 1)
		worker(&w);
	else
		for (i = 0; i < n; i++)
			if (pthread_create(&threads[started], NULL, worker, &w) == 0)
				started++;
	if (n > 1 && started == 0)
		return -1;
	for (i = 0; i < started; i++)
		pthread_join(threads[i], NULL);
	r->duration_ms = time_monotonic_ms() - start;
	fold(r, l);
	return 0;
}

void
run_reset(struct run *r)
{
	size_t i;

	for (i = 0; i < r->n_targets; i++) {
		struct target *t = &r->targets[i];

		t->n_checks = 0;
		t->reachable = false;
		t->error[0] = t->version[0] = t->hostname[0] = t->tls[0] = '\0';
		t->server_id = -1;
		t->status = ST_OK;
	}
}

int
run_exit_status(const struct run *r)
{
	switch (r->status) {
	case OVERALL_OK:
		return HEALTH_EXIT_OK;
	case OVERALL_DEGRADED:
		return HEALTH_EXIT_WARNING;
	case OVERALL_CRITICAL:
		return HEALTH_EXIT_CRITICAL;
	}
	return HEALTH_EXIT_UNKNOWN;
}
