/* SPDX-License-Identifier: ISC */
/*
 * notify: who hears of a run, and when.  An alert is due when the
 * overall status changed (a recovery when it became ok), on a first run
 * that is not ok, as a reminder every --alert-repeat while it stays
 * warning or critical, and as a retry of the deliveries that failed last
 * time.  It goes to the --alert-command, by mail (mail.c) and to the
 * webhooks (webhook.c).  The state (the last statuses, when the last
 * alert went out, what failed) is the run's report itself, under
 * "alert": kept in the --history file from cron, in memory in --watch.
 */
#ifndef DBHEALTH_NOTIFY_H
#define DBHEALTH_NOTIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include <jansson.h>

#include "health.h"
#include "settings.h"

struct notify {
	const char *command;		/* --alert-command, or NULL */
	char **emails;			/* checked addresses */
	size_t n_emails;
	const char *sendmail;
	char **webhooks;
	size_t n_webhooks;
	enum alert_webhook_format webhook_form;
	const char *ca_file;		/* for https webhooks, or NULL */
	long long timeout_ms;		/* each delivery's longest wait */
	long long repeat_ms;		/* 0: no reminders */
};

/* What the last recorded run said, for the next decision. */
struct notify_state {
	char status[16];		/* "" when there is none */
	json_t *targets;		/* name -> status of the last run */
	time_t notified_at;		/* the last alert of this status, or 0 */
	time_t since;			/* when this status began, or 0 */
	json_t *retry;			/* the channels that failed, or NULL */
};

/*
 * Fills n from the settings (addresses and URLs split on spaces and
 * commas, each checked) and the --alert-command.  Returns 0, or -1 with
 * err naming the bad value; notify_free(n) in either case.
 */
int notify_configure(struct notify *n, const struct settings *s,
    const char *command, char *err, size_t errlen);

void notify_free(struct notify *n);

/* Whether any channel is set up. */
bool notify_enabled(const struct notify *n);

/*
 * The state after the run whose report is doc (a history line), or an
 * empty one (doc NULL).  0, or -1 out of memory.
 */
int notify_state_init(struct notify_state *st, const json_t *doc);

void notify_state_free(struct notify_state *st);

/*
 * Decides whether r, checked at now, alerts, and delivers it.  Returns
 * the report's "alert" object (and moves st on to r), or NULL when out of
 * memory.  Deliveries that fail are said on stderr and recorded; they
 * never change the exit status.
 */
json_t *notify_run(const struct notify *n, struct notify_state *st,
    const struct run *r, time_t now);

#endif
