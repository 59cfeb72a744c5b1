/* SPDX-License-Identifier: ISC */
/*
 * run: one thread per target, up to MAX_THREADS at once (lib/workers),
 * each taking the next unchecked target, so ten targets with three
 * unreachable take about one connect timeout, not three.  The backup
 * catalogue, when asked for, is one more target, checked by its own
 * thread like a server.
 */
#include <time.h>

#include "backups.h"
#include "checks.h"
#include "exitcode.h"
#include "rates.h"
#include "run.h"
#include "timeutil.h"
#include "workers.h"

#define MAX_THREADS 64

struct work {
	struct run *run;
	const struct limits *limits;
	size_t next;
};

static void *
next_target(struct workers *pool, void *done)
{
	struct work *w = workers_ctx(pool);

	(void)done;
	return w->next < w->run->n_targets ? &w->run->targets[w->next++] :
	    NULL;
}

/* A job of the workers: checks one target; its failures are its report. */
static int
check_target(struct workers *pool, void *state, void *job, char *err,
    size_t errlen)
{
	struct work *w = workers_ctx(pool);
	struct target *t = job;

	(void)state;
	(void)err;
	(void)errlen;
	if (t->catalog != NULL)
		backups_run(t, w->limits, w->run->checked_at);
	else
		checks_run(t, w->limits);
	return 0;
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
	struct workers_spec spec = { .n_threads = r->n_targets < MAX_THREADS ?
	    r->n_targets : MAX_THREADS, .ctx = &w, .next = next_target,
	    .run = check_target };
	char err[256];
	double start = time_monotonic_ms();

	r->checked_at = time(NULL);
	if (workers_run(&spec, err, sizeof(err)) == -1)
		return -1;
	r->duration_ms = time_monotonic_ms() - start;
	rates_apply(r, l, r->before);
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
	json_decref(r->alert);
	r->alert = NULL;
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
