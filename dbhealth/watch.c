/* SPDX-License-Identifier: ISC */
/*
 * watch: runs start one interval apart on the monotonic clock, so a slow
 * run is followed at once by the next instead of drifting.  SIGINT and
 * SIGTERM end the loop after the run in progress, which is printed and
 * recorded whole.  What an alert compares with is the last run, or at
 * the start the last line of the history file, so a cron job alerts on
 * changes as a --watch loop does.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "health.h"
#include "history.h"
#include "jsonout.h"
#include "rates.h"
#include "run.h"
#include "timeutil.h"
#include "watch.h"

static volatile sig_atomic_t stop_requested;

static void
on_stop(int sig)
{
	(void)sig;
	stop_requested = 1;
}

/* Sleeps until deadline_ms on the monotonic clock, or until a signal. */
static void
sleep_until(double deadline_ms)
{
	double left = deadline_ms - time_monotonic_ms();
	struct timespec ts;

	if (left <= 0 || stop_requested)
		return;
	ts.tv_sec = (time_t)(left / 1000);
	ts.tv_nsec = (long)((left - (double)ts.tv_sec * 1000) * 1e6);
	nanosleep(&ts, NULL);
}

/*
 * Appends the run's report to the history file, and keeps its samples
 * for the next run's rates in *samples.  0, or -1 to stop.
 */
static int
record(const struct watch *w, const struct run *r, json_t **samples)
{
	char err[768], *line = NULL;
	json_t *doc;
	int rc = 0;

	if ((doc = report_json(r)) == NULL || (w->history != NULL &&
	    (line = jsonout_line(doc)) == NULL)) {
		cli_warn("out of memory");
		json_decref(doc);
		return -1;
	}
	json_decref(*samples);
	*samples = rates_samples(doc);
	json_decref(doc);
	if (w->history != NULL && history_append(w->history, line, err,
	    sizeof(err)) == -1) {
		cli_warn("history: %s", err);
		rc = -1;
	}
	free(line);
	return rc;
}

int
watch_run(const struct watch *w, const struct limits *l, struct run *r)
{
	struct sigaction sa = { .sa_handler = on_stop };
	struct notify_state st = { .targets = NULL };
	bool alerting = notify_enabled(w->notify);
	json_t *last = NULL, *samples;
	char err[768];
	double started;
	long long n;
	int rc = 0;

	if (w->interval_ms > 0) {
		sigaction(SIGINT, &sa, NULL);
		sigaction(SIGTERM, &sa, NULL);
	}
	/*
	 * A cron job compares with the history's last run, as --watch does
	 * with its last: alerts and rates.
	 */
	if (w->history != NULL && history_last_report(w->history, &last, err,
	    sizeof(err)) == -1)
		cli_warn("history: %s", err);
	if (notify_state_init(&st, last) == -1) {
		json_decref(last);
		cli_warn("out of memory");
		return -1;
	}
	samples = last != NULL ? rates_samples(last) : NULL;
	json_decref(last);
	for (n = 0;; n++) {
		started = time_monotonic_ms();
		run_reset(r);
		r->before = samples;
		if (run_checks(r, l) == -1) {
			cli_warn("cannot start threads: %s", strerror(errno));
			rc = -1;
			break;
		}
		if (alerting && (r->alert = notify_run(w->notify, &st, r,
		    time(NULL))) == NULL)
			cli_warn("alert: out of memory");
		if (n > 0 && w->format == FORMAT_TEXT)
			putchar('\n');
		if (report_write(r, w->format, w->interval_ms > 0, stdout) == -1 ||
		    fflush(stdout) == EOF || record(w, r, &samples) == -1) {
			rc = -1;
			break;
		}
		if (w->interval_ms == 0 || stop_requested ||
		    (w->count > 0 && n + 1 >= w->count))
			break;
		sleep_until(started + (double)w->interval_ms);
		if (stop_requested)
			break;
	}
	notify_state_free(&st);
	json_decref(samples);
	r->before = NULL;
	json_decref(r->alert);
	r->alert = NULL;
	return rc == 0 ? run_exit_status(r) : -1;
}
