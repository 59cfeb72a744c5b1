/* SPDX-License-Identifier: ISC */
/*
 * notify: decide, write the message once (a subject, what changed, the
 * text report), then try every channel in turn, each bounded by
 * --alert-timeout.  Channels are named "command", "email" and
 * "webhook#N" (the Nth URL); a retry goes only to those that failed, so
 * a webhook that is down does not bring the same mail every run.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alert.h"
#include "cli.h"
#include "human.h"
#include "jsonout.h"
#include "mail.h"
#include "notify.h"
#include "report.h"
#include "timeutil.h"
#include "webhook.h"

/* Subjects name at most this many targets, then "and N more". */
#define SUBJECT_TARGETS 5

/*
 * Splits list on white space, and on commas too when commas, into a new
 * array of copies (a URL may hold a comma, an address may not).
 */
static int
split(const char *list, bool commas, char ***out, size_t *n)
{
	const char *sep = commas ? " ,\t\r\n" : " \t\r\n";
	char *copy, *word, *save = NULL;

	*out = NULL;
	*n = 0;
	if (list == NULL)
		return 0;
	if ((copy = strdup(list)) == NULL)
		return -1;
	for (word = strtok_r(copy, sep, &save); word != NULL;
	    word = strtok_r(NULL, sep, &save)) {
		char **grown = realloc(*out, (*n + 1) * sizeof(char *));

		if (grown == NULL || (grown[*n] = strdup(word)) == NULL) {
			if (grown != NULL)
				*out = grown;
			free(copy);
			return -1;
		}
		*out = grown;
		(*n)++;
	}
	free(copy);
	return 0;
}

int
notify_configure(struct notify *n, const struct settings *s,
    const char *command, char *err, size_t errlen)
{
	size_t i;

	memset(n, 0, sizeof(*n));
	n->command = command;
	n->sendmail = s->sendmail;
	n->webhook_form = s->alert_webhook_format;
	n->ca_file = s->alert_ca_file;
	n->timeout_ms = s->alert_timeout_ms;
	n->repeat_ms = s->alert_repeat_ms;
	if ((s->email_alerts && split(s->alert_email, true, &n->emails,
	    &n->n_emails) == -1) || split(s->alert_webhook, false,
	    &n->webhooks, &n->n_webhooks) == -1) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (s->email_alerts && n->n_emails == 0) {
		snprintf(err, errlen, "DB_MONITOR_ENABLE_EMAIL_ALERTS: mail alerts "
		    "need an address (DB_MONITOR_ALERT_EMAIL or --alert-email)");
		return -1;
	}
	for (i = 0; i < n->n_emails; i++)
		if (!mail_address_ok(n->emails[i])) {
			snprintf(err, errlen, "DB_MONITOR_ALERT_EMAIL: not a plain "
			    "address (name@domain): '%s'", n->emails[i]);
			return -1;
		}
	for (i = 0; i < n->n_webhooks; i++)
		if (strncmp(n->webhooks[i], "https://", 8) != 0 &&
		    strncmp(n->webhooks[i], "http://", 7) != 0) {
			char shown[512];

			webhook_redact(n->webhooks[i], shown, sizeof(shown));
			snprintf(err, errlen, "DB_MONITOR_ALERT_WEBHOOK: not an "
			    "http or https URL: '%s'", shown);
			return -1;
		}
	if (n->timeout_ms <= 0) {
		snprintf(err, errlen, "DB_MONITOR_ALERT_TIMEOUT: must be more "
		    "than 0");
		return -1;
	}
	return 0;
}

void
notify_free(struct notify *n)
{
	size_t i;

	for (i = 0; i < n->n_emails; i++)
		free(n->emails[i]);
	for (i = 0; i < n->n_webhooks; i++)
		free(n->webhooks[i]);
	free(n->emails);
	free(n->webhooks);
	memset(n, 0, sizeof(*n));
}

bool
notify_enabled(const struct notify *n)
{
	return n->command != NULL || n->n_emails > 0 || n->n_webhooks > 0;
}

int
notify_state_init(struct notify_state *st, const json_t *doc)
{
	json_t *t, *alert;
	const char *s;
	size_t i;

	memset(st, 0, sizeof(*st));
	if ((st->targets = json_object()) == NULL)
		return -1;
	/*
	 * A run that had no alerting set up told nobody: what it found is
	 * news to the first run that can tell.
	 */
	if (doc == NULL || !json_is_object(json_object_get(doc, "alert")))
		return 0;
	if ((s = json_string_value(json_object_get(doc, "status"))) != NULL)
		snprintf(st->status, sizeof(st->status), "%s", s);
	json_array_foreach(json_object_get(doc, "targets"), i, t)
		if (json_is_string(json_object_get(t, "name")) &&
		    json_is_string(json_object_get(t, "status")))
			json_object_set(st->targets, json_string_value(
			    json_object_get(t, "name")), json_object_get(t,
			    "status"));
	alert = json_object_get(doc, "alert");
	s = json_string_value(json_object_get(alert, "notified_at"));
	if (s == NULL || time_parse_rfc3339(s, &st->notified_at) == -1)
		st->notified_at = 0;
	s = json_string_value(json_object_get(alert, "since"));
	if (s == NULL || time_parse_rfc3339(s, &st->since) == -1)
		st->since = 0;
	if (json_array_size(json_object_get(alert, "retry")) > 0)
		st->retry = json_incref(json_object_get(alert, "retry"));
	return 0;
}

void
notify_state_free(struct notify_state *st)
{
	json_decref(st->targets);
	json_decref(st->retry);
	memset(st, 0, sizeof(*st));
}

/* [{target, from, to}] of the targets whose status differs from st's. */
static json_t *
changes(const struct notify_state *st, const struct run *r)
{
	json_t *list = json_array();
	size_t i;

	for (i = 0; list != NULL && i < r->n_targets; i++) {
		const char *to = status_name(r->targets[i].status);
		const char *from = json_string_value(json_object_get(
		    st->targets, r->targets[i].name));

		/* The same, or a new target that is ok: no news. */
		if (from != NULL ? strcmp(from, to) == 0 : strcmp(to, "ok") ==
		    0)
			continue;
		json_array_append_new(list, json_pack("{s:s, s:o, s:s}",
		    "target", r->targets[i].name, "from", from != NULL ?
		    json_string(from) : json_null(), "to", to));
	}
	return list;
}

/* Why r alerts after st, or NULL when it does not. */
static const char *
reason(const struct notify *n, const struct notify_state *st,
    const struct run *r, const json_t *changed, time_t now)
{
	const char *status = overall_name(r->status);
	bool ok = r->status == OVERALL_OK;

	if (st->status[0] == '\0')
		return ok ? NULL : "problem";
	if (strcmp(st->status, status) != 0)
		return ok ? "recovery" : "change";
	if (json_array_size(changed) > 0)
		return "change";
	if (!ok && n->repeat_ms > 0 && st->notified_at > 0 &&
	    (long long)(now - st->notified_at) * 1000 >= n->repeat_ms)
		return "reminder";
	if (st->retry != NULL)
		return "retry";
	return NULL;
}

static void
upper(char *s)
{
	for (; *s != '\0'; s++)
		if (*s >= 'a' && *s <= 'z')
			*s = (char)(*s - 'a' + 'A');
}

/*
 * "dbhealth: CRITICAL: db1 critical, db2 warning (was OK)": the status,
 * the targets that changed (or, for a reminder or a retry, the ones not
 * ok), the status before.
 */
static char *
subject(const struct notify_state *st, const struct run *r,
    const json_t *changed, const char *why, time_t now)
{
	char status[16], was[16], *s = NULL, lasted[64];
	size_t len = 0, i, named = 0, more = 0;
	bool listed_changes = strcmp(why, "reminder") != 0 &&
	    strcmp(why, "retry") != 0 && json_array_size(changed) > 0;
	FILE *f = open_memstream(&s, &len);

	if (f == NULL)
		return NULL;
	snprintf(status, sizeof(status), "%s", overall_name(r->status));
	upper(status);
	fprintf(f, "dbhealth: %s%s", strcmp(why, "reminder") == 0 ?
	    "reminder: " : "", status);
	if (strcmp(why, "reminder") == 0 && st->since > 0) {
		human_age((long long)(now - st->since), lasted, sizeof(lasted));
		fprintf(f, " for %s", lasted);
	}
	for (i = 0; i < r->n_targets; i++) {
		const struct target *t = &r->targets[i];
		bool show = false;
		size_t j;
		json_t *c;

		if (listed_changes) {
			json_array_foreach(changed, j, c)
				if (strcmp(json_string_value(json_object_get(c,
				    "target")), t->name) == 0)
					show = true;
		} else
			show = t->status != ST_OK;
		if (!show)
			continue;
		if (named == SUBJECT_TARGETS) {
			more++;
			continue;
		}
		fprintf(f, "%s %s %s", named == 0 ? ":" : ",", t->name,
		    status_name(t->status));
		named++;
	}
	if (more > 0)
		fprintf(f, " and %zu more", more);
	if (st->status[0] != '\0' && strcmp(st->status,
	    overall_name(r->status)) != 0) {
		snprintf(was, sizeof(was), "%s", st->status);
		upper(was);
		fprintf(f, " (was %s)", was);
	}
	if (strcmp(why, "retry") == 0)
		fputs(" (sent again)", f);
	if (fclose(f) == EOF) {
		free(s);
		return NULL;
	}
	return s;
}

/* What changed, one line each, and (full) the text report. */
static char *
message(const struct run *r, const json_t *changed, const char *head,
    bool full)
{
	char *s = NULL, at[RFC3339_LEN];
	size_t len = 0, i;
	json_t *c;
	FILE *f = open_memstream(&s, &len);

	if (f == NULL)
		return NULL;
	time_rfc3339(r->checked_at, at);
	fprintf(f, "%s\nChecked at %s.\n", head, at);
	if (json_array_size(changed) > 0) {
		fputs("\nWhat changed:\n", f);
		json_array_foreach(changed, i, c)
			fprintf(f, "  %s: %s -> %s\n", json_string_value(
			    json_object_get(c, "target")), json_is_string(
			    json_object_get(c, "from")) ? json_string_value(
			    json_object_get(c, "from")) : "(new)",
			    json_string_value(json_object_get(c, "to")));
	}
	if (full) {
		fputc('\n', f);
		(void)report_write(r, FORMAT_TEXT, false, f);
	}
	if (fclose(f) == EOF) {
		free(s);
		return NULL;
	}
	return s;
}

/* Whether channel is to be tried: all of them, or a retry's. */
static bool
wanted(const json_t *only, const char *channel)
{
	size_t i;
	json_t *c;

	if (only == NULL)
		return true;
	json_array_foreach(only, i, c)
		if (json_is_string(c) && strcmp(json_string_value(c), channel) ==
		    0)
			return true;
	return false;
}

/* Records one delivery; a failure also goes to stderr and the retries. */
static void
delivered(json_t *alert, const char *channel, const char *to, int rc,
    const char *err)
{
	json_t *d = json_pack("{s:s, s:s, s:b}", "channel", channel, "to", to,
	    "ok", rc == 0);

	if (d == NULL)
		return;
	if (rc != 0) {
		cli_warn("%s", err);
		json_object_set_new(d, "error", json_string(err));
		json_array_append_new(json_object_get(alert, "retry"),
		    json_string(channel));
	}
	json_array_append_new(json_object_get(alert, "deliveries"), d);
}

/*
 * A webhook's message m: {"text": m} for Slack and Mattermost, or for a
 * Teams Workflows webhook a message holding an Adaptive Card, the one
 * kind of body those accept.
 */
static json_t *
text_body(enum alert_webhook_format form, const char *m)
{
	if (form == ALERT_WEBHOOK_TEXT)
		return json_pack("{s:s}", "text", m);
	return json_pack("{s:s, s:[{s:s, s:n, s:{s:s, s:s, s:s, "
	    "s:[{s:s, s:s, s:b}]}}]}", "type", "message", "attachments",
	    "contentType", "application/vnd.microsoft.card.adaptive",
	    "contentUrl", "content", "$schema",
	    "http://adaptivecards.io/schemas/adaptive-card.json", "type",
	    "AdaptiveCard", "version", "1.2", "body", "type", "TextBlock",
	    "text", m, "wrap", 1);
}

/* "a@b, c@d". */
static char *
join(char *const *list, size_t n)
{
	char *s = NULL;
	size_t len = 0, i;
	FILE *f = open_memstream(&s, &len);

	if (f == NULL)
		return NULL;
	for (i = 0; i < n; i++)
		fprintf(f, "%s%s", i > 0 ? ", " : "", list[i]);
	if (fclose(f) == EOF) {
		free(s);
		return NULL;
	}
	return s;
}

/* Sends the alert through every channel wanted; records each. */
static void
deliver(const struct notify *n, const struct run *r, json_t *alert,
    const json_t *only, const char *subj, const char *previous,
    const char *why)
{
	char err[1024], channel[32], shown[512], *line, *body, *to;
	json_t *doc = report_json(r), *text;
	size_t i;
	int rc;

	if (doc == NULL || json_object_set(doc, "alert", alert) == -1 ||
	    (line = jsonout_line(doc)) == NULL) {
		json_decref(doc);
		cli_warn("alert: out of memory");
		return;
	}
	if (n->command != NULL && wanted(only, "command")) {
		rc = alert_run(n->command, line, previous,
		    overall_name(r->status), why, n->timeout_ms, err,
		    sizeof(err));
		delivered(alert, "command", n->command, rc, err);
	}
	if (n->n_emails > 0 && wanted(only, "email")) {
		body = message(r, json_object_get(alert, "changed"), subj, true);
		rc = body == NULL ? -1 : mail_send(n->sendmail, n->emails,
		    n->n_emails, subj, body, n->timeout_ms, err, sizeof(err));
		if (body == NULL)
			snprintf(err, sizeof(err), "mail: out of memory");
		to = join(n->emails, n->n_emails);
		delivered(alert, "email", to != NULL ? to : n->emails[0], rc,
		    err);
		free(to);
		free(body);
	}
	body = NULL;
	for (i = 0; i < n->n_webhooks; i++) {
		snprintf(channel, sizeof(channel), "webhook#%zu", i + 1);
		if (!wanted(only, channel))
			continue;
		if (body == NULL && n->webhook_form != ALERT_WEBHOOK_REPORT) {
			char *m = message(r, json_object_get(alert, "changed"),
			    subj, false);

			text = text_body(n->webhook_form, m != NULL ? m : subj);
			body = text != NULL ? json_dumps(text, JSON_COMPACT) :
			    NULL;
			json_decref(text);
			free(m);
		} else if (body == NULL)
			body = strdup(line);
		webhook_redact(n->webhooks[i], shown, sizeof(shown));
		rc = body == NULL ? -1 : webhook_post(n->webhooks[i], body,
		    n->ca_file, n->timeout_ms, err, sizeof(err));
		if (body == NULL)
			snprintf(err, sizeof(err), "webhook: out of memory");
		delivered(alert, channel, shown, rc, err);
	}
	free(body);
	free(line);
	json_decref(doc);
}

json_t *
notify_run(const struct notify *n, struct notify_state *st,
    const struct run *r, time_t now)
{
	const char *why, *status = overall_name(r->status);
	char at[RFC3339_LEN], *subj = NULL;
	json_t *changed, *alert, *only = NULL;
	size_t i;

	if ((changed = changes(st, r)) == NULL)
		return NULL;
	/* A first run has nothing to compare its targets with. */
	if (st->status[0] == '\0')
		json_array_clear(changed);
	why = reason(n, st, r, changed, now);
	alert = json_pack("{s:b, s:o, s:s, s:o, s:o, s:[], s:[]}", "due",
	    why != NULL, "reason", why != NULL ? json_string(why) : json_null(),
	    "status", status, "previous", st->status[0] != '\0' ?
	    json_string(st->status) : json_null(), "changed", changed,
	    "deliveries", "retry");
	if (alert == NULL)
		return NULL;
	/* What the channels get is the alert as it is before they run. */
	if (st->since == 0 || strcmp(st->status, status) != 0)
		st->since = now;
	if (why != NULL && strcmp(why, "retry") != 0)
		st->notified_at = now;
	time_rfc3339(st->since, at);
	json_object_set_new(alert, "since", json_string(at));
	if (st->notified_at > 0 && r->status != OVERALL_OK) {
		time_rfc3339(st->notified_at, at);
		json_object_set_new(alert, "notified_at", json_string(at));
	} else
		json_object_set_new(alert, "notified_at", json_null());
	if (why != NULL && strcmp(why, "retry") == 0)
		only = st->retry;
	if (why != NULL && (subj = subject(st, r, changed, why, now)) != NULL)
		deliver(n, r, alert, only, subj, st->status, why);
	free(subj);
	/* The state moves on to this run. */
	snprintf(st->status, sizeof(st->status), "%s", status);
	json_object_clear(st->targets);
	for (i = 0; i < r->n_targets; i++)
		json_object_set_new(st->targets, r->targets[i].name,
		    json_string(status_name(r->targets[i].status)));
	json_decref(st->retry);
	st->retry = json_array_size(json_object_get(alert, "retry")) > 0 ?
	    json_incref(json_object_get(alert, "retry")) : NULL;
	if (r->status == OVERALL_OK)
		st->notified_at = 0;
	return alert;
}
