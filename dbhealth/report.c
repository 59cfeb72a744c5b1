/* SPDX-License-Identifier: ISC */
/*
 * report: four renderers over struct run.  Text is for people (overall
 * status first, then one aligned row per check), JSON for jq and the
 * history file, Prometheus for node_exporter's textfile collector, and
 * Nagios for check_* plugin runners.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "health.h"
#include "jsonout.h"
#include "rates.h"
#include "report.h"
#include "table.h"
#include "timeutil.h"

static void
format_value(const struct check *c, char *buf, size_t len)
{
	if (c->has_number)
		format_quantity(c->id, c->number, buf, len);
	else
		snprintf(buf, len, "%s", c->text);
}

/* A level for the text table: ">1000" or "<600", "" when none. */
static void
format_level(const struct check *c, double level, char *buf, size_t len)
{
	char n[64];

	buf[0] = '\0';
	if (isnan(level) || check_defs[c->id].bad == BAD_NONE)
		return;
	format_number(level, n, sizeof(n));
	snprintf(buf, len, "%s%s", check_defs[c->id].bad == BAD_ABOVE ? ">" :
	    "<", n);
}

static void
check_label(const struct check *c, char *buf, size_t len)
{
	if (c->has_source && c->source[0] != '\0')
		snprintf(buf, len, "%s[%s]", check_defs[c->id].name, c->source);
	else
		snprintf(buf, len, "%s", check_defs[c->id].name);
}

static int
write_text(const struct run *r, FILE *f)
{
	static const char *const headers[] = { "TARGET", "CHECK", "STATUS",
	    "VALUE", "WARN", "CRIT", "MESSAGE" };
	struct table *t = table_new(7, headers);
	char label[128], value[160], warn[80], crit[80];
	size_t i, j;

	if (t == NULL)
		return -1;
	fprintf(f, "status: %s (%zu target%s: %zu ok, %zu warning, "
	    "%zu critical, %zu unreachable)\n\n", overall_name(r->status),
	    r->n_targets, r->n_targets == 1 ? "" : "s", r->n_ok, r->n_warning,
	    r->n_critical, r->n_unreachable);
	for (i = 0; i < r->n_targets; i++) {
		const struct target *tg = &r->targets[i];

		for (j = 0; j < tg->n_checks; j++) {
			const struct check *c = &tg->checks[j];
			const char *row[7] = { tg->name, label,
			    status_name(c->status), value, warn, crit,
			    c->message };

			check_label(c, label, sizeof(label));
			format_value(c, value, sizeof(value));
			format_level(c, c->warning, warn, sizeof(warn));
			format_level(c, c->critical, crit, sizeof(crit));
			if (table_add(t, row) == -1) {
				table_free(t);
				return -1;
			}
		}
	}
	table_print(t, f);
	table_free(t);
	return 0;
}

static json_t *
level_json(double level)
{
	return isnan(level) ? json_null() : jsonout_number(level);
}

static json_t *
check_json(const struct check *c)
{
	json_t *value, *doc;

	if (c->has_number)
		value = jsonout_number(c->number);
	else if (c->text[0] == '\0')
		value = json_null();
	else
		value = jsonout_text(c->text);
	doc = json_pack("{s:s, s:o, s:s, s:o, s:o, s:o, s:o, s:o}",
	    "name", check_defs[c->id].name,
	    "source", c->has_source ? jsonout_text(c->source) : json_null(),
	    "status", status_name(c->status),
	    "value", value ? value : json_null(),
	    "unit", check_defs[c->id].unit[0] ? json_string(check_defs[c->id].unit) :
	    json_null(),
	    "warning", level_json(c->warning),
	    "critical", level_json(c->critical),
	    "message", jsonout_text(c->message));
	/* A total's rate, which its levels judge, or null before there is one. */
	if (doc != NULL && rates_is_rate(c->id) && json_object_set_new(doc,
	    "rate_per_min", c->has_rate ? jsonout_number(c->rate) :
	    json_null()) == -1) {
		json_decref(doc);
		return NULL;
	}
	return doc;
}

static json_t *
target_json(const struct target *t)
{
	json_t *checks = json_array(), *server;
	size_t i;

	for (i = 0; checks != NULL && i < t->n_checks; i++)
		json_array_append_new(checks, check_json(&t->checks[i]));
	if (t->reachable && t->catalog == NULL)
		server = json_pack("{s:o, s:o, s:I, s:o}",
		    "version", jsonout_text(t->version),
		    "hostname", jsonout_text(t->hostname),
		    "server_id", (json_int_t)t->server_id,
		    "tls", t->tls[0] ? json_string(t->tls) : json_null());
	else
		server = json_null();
	return json_pack("{s:o, s:o, s:s, s:b, s:o, s:o, s:o}",
	    "name", jsonout_text(t->name), "address", jsonout_text(t->address),
	    "status", status_name(t->status), "reachable", t->reachable,
	    "error", t->reachable ? json_null() : jsonout_text(t->error),
	    "server", server ? server : json_null(),
	    "checks", checks ? checks : json_array());
}

json_t *
report_json(const struct run *r)
{
	json_t *targets = json_array(), *doc;
	char at[RFC3339_LEN];
	size_t i;

	if (targets == NULL)
		return NULL;
	for (i = 0; i < r->n_targets; i++)
		json_array_append_new(targets, target_json(&r->targets[i]));
	time_rfc3339(r->checked_at, at);
	doc = json_pack("{s:s, s:s, s:o, s:{s:I, s:I, s:I, s:I, s:I}, s:o}",
	    "status", overall_name(r->status), "checked_at", at,
	    "duration_ms", jsonout_number(r->duration_ms),
	    "summary",
	    "targets", (json_int_t)r->n_targets, "ok", (json_int_t)r->n_ok,
	    "warning", (json_int_t)r->n_warning,
	    "critical", (json_int_t)r->n_critical,
	    "unreachable", (json_int_t)r->n_unreachable,
	    "targets", targets);
	if (doc != NULL && r->alert != NULL &&
	    json_object_set(doc, "alert", r->alert) == -1) {
		json_decref(doc);
		return NULL;
	}
	return doc;
}

/* Writes s as a Prometheus label value: \, " and newline escaped. */
static void
prom_label(FILE *f, const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s == '\\' || *s == '"')
			fputc('\\', f);
		if (*s == '\n')
			fputs("\\n", f);
		else
			fputc(*s, f);
	}
}

static void
prom_labels(FILE *f, const struct target *t, const struct check *c,
    bool with_unit)
{
	fputs("{target=\"", f);
	prom_label(f, t->name);
	if (c != NULL) {
		fprintf(f, "\",check=\"%s", check_defs[c->id].name);
		if (c->has_source) {
			fputs("\",source=\"", f);
			prom_label(f, c->source);
		}
		if (with_unit)
			fprintf(f, "\",unit=\"%s", check_defs[c->id].unit);
	}
	fputs("\"}", f);
}

static int
write_prometheus(const struct run *r, FILE *f)
{
	char n[64];
	size_t i, j;

	fputs("# HELP dbkit_up Whether the target could be reached (1) or not "
	    "(0).\n# TYPE dbkit_up gauge\n", f);
	for (i = 0; i < r->n_targets; i++) {
		fputs("dbkit_up", f);
		prom_labels(f, &r->targets[i], NULL, false);
		fprintf(f, " %d\n", r->targets[i].reachable);
	}
	fputs("# HELP dbkit_check_status Check status: 0 ok, 1 warning, "
	    "2 critical, 3 unknown.\n# TYPE dbkit_check_status gauge\n", f);
	for (i = 0; i < r->n_targets; i++)
		for (j = 0; j < r->targets[i].n_checks; j++) {
			fputs("dbkit_check_status", f);
			prom_labels(f, &r->targets[i], &r->targets[i].checks[j],
			    false);
			fprintf(f, " %d\n", (int)r->targets[i].checks[j].status);
		}
	fputs("# HELP dbkit_check_value Check value, in the unit of the unit "
	    "label.\n# TYPE dbkit_check_value gauge\n", f);
	for (i = 0; i < r->n_targets; i++)
		for (j = 0; j < r->targets[i].n_checks; j++) {
			const struct check *c = &r->targets[i].checks[j];

			if (!c->has_number)
				continue;
			format_number(c->number, n, sizeof(n));
			fputs("dbkit_check_value", f);
			prom_labels(f, &r->targets[i], c, true);
			fprintf(f, " %s\n", n);
		}
	fprintf(f, "# HELP dbkit_status Overall status: 0 ok, 1 degraded, "
	    "2 critical.\n# TYPE dbkit_status gauge\ndbkit_status %d\n",
	    (int)r->status);
	return 0;
}

/* A perfdata threshold: "N" alerts above N, "N:" alerts below N. */
static void
nagios_level(FILE *f, const struct check *c, double level)
{
	char n[64];

	if (isnan(level))
		return;
	format_number(level, n, sizeof(n));
	fprintf(f, "%s%s", n, check_defs[c->id].bad == BAD_BELOW ? ":" : "");
}

/* Lists the checks of status st as "target: check status (message)". */
static size_t
nagios_problems(const struct run *r, enum status st, const char **sep, FILE *f)
{
	char label[128];
	size_t i, j, shown = 0;

	for (i = 0; i < r->n_targets; i++)
		for (j = 0; j < r->targets[i].n_checks; j++) {
			const struct check *c = &r->targets[i].checks[j];

			if (c->status != st)
				continue;
			check_label(c, label, sizeof(label));
			fprintf(f, "%s%s: %s %s (%s)", *sep, r->targets[i].name,
			    label, status_name(c->status), c->message);
			*sep = "; ";
			shown++;
		}
	return shown;
}

static int
write_nagios(const struct run *r, FILE *f)
{
	static const char *const words[] = { "OK", "WARNING", "CRITICAL" };
	const char *sep = " - ";
	char label[128], n[64];
	size_t i, j, shown;

	fprintf(f, "DBHEALTH %s", words[r->status]);
	/* Worst first: the start of the line is what a pager shows. */
	shown = nagios_problems(r, ST_CRITICAL, &sep, f);
	shown += nagios_problems(r, ST_WARNING, &sep, f);
	if (shown == 0)
		fprintf(f, " - %zu of %zu target%s ok", r->n_ok, r->n_targets,
		    r->n_targets == 1 ? "" : "s");
	fputs(" |", f);
	for (i = 0; i < r->n_targets; i++)
		for (j = 0; j < r->targets[i].n_checks; j++) {
			const struct check *c = &r->targets[i].checks[j];
			const char *unit = check_defs[c->id].unit;

			if (!c->has_number)
				continue;
			check_label(c, label, sizeof(label));
			format_number(c->number, n, sizeof(n));
			fprintf(f, " '%s_%s'=%s%s;", r->targets[i].name, label, n,
			    strcmp(unit, "count") == 0 ? "" : unit);
			nagios_level(f, c, c->warning);
			fputc(';', f);
			nagios_level(f, c, c->critical);
		}
	fputc('\n', f);
	return 0;
}

int
report_write(const struct run *r, enum format format, bool compact, FILE *f)
{
	json_t *doc;
	int rc;

	switch (format) {
	case FORMAT_TEXT:
		return write_text(r, f);
	case FORMAT_PROMETHEUS:
		return write_prometheus(r, f);
	case FORMAT_NAGIOS:
		return write_nagios(r, f);
	case FORMAT_JSON:
		break;
	}
	if ((doc = report_json(r)) == NULL)
		return -1;
	rc = jsonout_write(doc, f, compact);
	json_decref(doc);
	return rc;
}
