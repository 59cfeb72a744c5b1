/* SPDX-License-Identifier: ISC */
/*
 * summary: the --report renderers.  JSON carries the figures rounded to
 * 3 decimals, as every dbkit document does; text shows those same
 * figures, rounded the same way first, in a header, one aligned row per
 * target and one line per incident.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "human.h"
#include "jsonout.h"
#include "summary.h"
#include "table.h"
#include "timeutil.h"

/* v as the JSON document carries it (jsonout_number rounds so). */
static double
as_reported(double v)
{
	return round(v * 1000.0) / 1000.0;
}

static json_t *
number_or_null(double v)
{
	return isnan(v) ? json_null() : jsonout_number(v);
}

static json_t *
summary_target_json(const struct summary_target *t)
{
	return json_pack(
	    "{s:s, s:I, s:o, s:{s:o, s:o, s:o}, s:{s:o, s:o, s:o}}",
	    "name", t->name, "runs", (json_int_t)t->runs,
	    "availability_pct", jsonout_number(t->availability_pct),
	    "response_ms", "p50", number_or_null(t->p50_ms),
	    "p95", number_or_null(t->p95_ms), "max", number_or_null(t->max_ms),
	    "seconds_in_status",
	    "ok", jsonout_number(t->seconds[BUCKET_OK]),
	    "warning", jsonout_number(t->seconds[BUCKET_WARNING]),
	    "critical", jsonout_number(t->seconds[BUCKET_CRITICAL]));
}

static json_t *
incident_json(const struct incident *inc)
{
	char at[RFC3339_LEN];

	time_rfc3339(inc->at, at);
	return json_pack("{s:s, s:o, s:s, s:s}", "at", at,
	    "target", jsonout_string_or_null(inc->target),
	    "from", inc->from, "to", inc->to);
}

static json_t *
summary_json(const struct summary *s)
{
	json_t *targets = json_array(), *incidents = json_array();
	char from[RFC3339_LEN], to[RFC3339_LEN];
	size_t i;

	for (i = 0; targets != NULL && i < s->n_targets; i++)
		json_array_append_new(targets,
		    summary_target_json(&s->targets[i]));
	for (i = 0; incidents != NULL && i < s->n_incidents; i++)
		json_array_append_new(incidents, incident_json(&s->incidents[i]));
	if (targets == NULL || incidents == NULL) {
		json_decref(targets);
		json_decref(incidents);
		return NULL;
	}
	time_rfc3339(s->from, from);
	time_rfc3339(s->to, to);
	return json_pack("{s:o, s:o, s:I, s:I, s:{s:{s:o, s:o, s:o}}, s:o, s:o}",
	    "from", s->runs ? json_string(from) : json_null(),
	    "to", s->runs ? json_string(to) : json_null(),
	    "runs", (json_int_t)s->runs, "skipped_lines", (json_int_t)s->skipped,
	    "overall", "seconds_in_status",
	    "ok", jsonout_number(s->seconds[BUCKET_OK]),
	    "degraded", jsonout_number(s->seconds[BUCKET_WARNING]),
	    "critical", jsonout_number(s->seconds[BUCKET_CRITICAL]),
	    "targets", targets, "incidents", incidents);
}

static void
format_ms(double ms, char *buf, size_t len)
{
	if (isnan(ms))
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%.1f", as_reported(ms));
}

static void
format_age(double seconds, char *buf, size_t len)
{
	human_age((long long)as_reported(seconds), buf, len);
}

static int
summary_text(const struct summary *s, FILE *f)
{
	static const char *const headers[] = { "TARGET", "RUNS", "AVAILABLE",
	    "P50 MS", "P95 MS", "MAX MS", "OK", "WARNING", "CRITICAL" };
	static const char *const overall[] = { "ok", "degraded", "critical" };
	struct table *tab = table_new(9, headers);
	char from[RFC3339_LEN], to[RFC3339_LEN], at[RFC3339_LEN];
	char cells[9][64];
	const char *row[9];
	size_t i;
	int k;

	if (tab == NULL)
		return -1;
	time_rfc3339(s->from, from);
	time_rfc3339(s->to, to);
	fprintf(f, "runs: %zu from %s to %s", s->runs, s->runs ? from : "-",
	    s->runs ? to : "-");
	if (s->skipped > 0)
		fprintf(f, " (%zu unreadable line%s skipped)", s->skipped,
		    s->skipped == 1 ? "" : "s");
	fputs("\noverall:", f);
	for (k = 0; k < BUCKET_COUNT; k++) {
		format_age(s->seconds[k], cells[0], sizeof(cells[0]));
		fprintf(f, " %s %s%s", overall[k], cells[0], k < 2 ? "," : "\n\n");
	}
	for (i = 0; i < s->n_targets; i++) {
		const struct summary_target *t = &s->targets[i];

		snprintf(cells[0], 64, "%s", t->name);
		snprintf(cells[1], 64, "%zu", t->runs);
		snprintf(cells[2], 64, "%.2f%%", as_reported(t->availability_pct));
		format_ms(t->p50_ms, cells[3], 64);
		format_ms(t->p95_ms, cells[4], 64);
		format_ms(t->max_ms, cells[5], 64);
		for (k = 0; k < BUCKET_COUNT; k++)
			format_age(t->seconds[k], cells[6 + k], 64);
		for (k = 0; k < 9; k++)
			row[k] = cells[k];
		if (table_add(tab, row) == -1) {
			table_free(tab);
			return -1;
		}
	}
	table_print(tab, f);
	table_free(tab);
	fprintf(f, "\nincidents: %zu\n", s->n_incidents);
	for (i = 0; i < s->n_incidents; i++) {
		const struct incident *inc = &s->incidents[i];

		time_rfc3339(inc->at, at);
		fprintf(f, "%s  %s  %s -> %s\n", at,
		    inc->target ? inc->target : "(overall)", inc->from, inc->to);
	}
	return 0;
}

int
summary_write(const struct summary *s, bool json, FILE *f)
{
	json_t *doc;
	int rc;

	if (!json)
		return summary_text(s, f);
	if ((doc = summary_json(s)) == NULL)
		return -1;
	rc = jsonout_write(doc, f, false);
	json_decref(doc);
	return rc;
}

void
summary_free(struct summary *s)
{
	size_t i;

	for (i = 0; i < s->n_targets; i++) {
		free(s->targets[i].name);
		free(s->targets[i].response_ms);
	}
	free(s->targets);
	for (i = 0; i < s->n_incidents; i++) {
		free(s->incidents[i].target);
		free(s->incidents[i].from);
		free(s->incidents[i].to);
	}
	free(s->incidents);
	memset(s, 0, sizeof(*s));
}
