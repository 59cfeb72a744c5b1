/* SPDX-License-Identifier: ISC */
/*
 * report: latencies are kept in nanoseconds and shown in microseconds
 * (JSON) or milliseconds (text); rates are per second of the measured
 * part of the run.  With --mode all, each mode is also divided by the
 * persistent one, the upper bound: a throughput ratio below 1 and
 * latency ratios above 1 are what the pool or the connects cost.
 */
#include <stdio.h>
#include <string.h>
#include <jansson.h>

#include "jsonout.h"
#include "report.h"
#include "table.h"

static const double pcts[] = { 50, 90, 99, 99.9 };
static const char *const pct_keys[] = { "p50", "p90", "p99", "p99_9" };
#define NPCTS (sizeof(pcts) / sizeof(pcts[0]))

static double
rate_of(const struct bench_result *r)
{
	return r->elapsed_s > 0 ? (double)r->requests / r->elapsed_s : 0;
}

static const char *
query_text(const struct bench_config *c)
{
	if (c->workload == WL_QUERY)
		return c->query;
	if (c->workload == WL_POINT)
		return "SELECT id, k, c FROM " BENCH_TABLE " WHERE id = ?";
	return "SELECT 1";
}

/* a / b, or JSON null when b is 0. */
static json_t *
ratio(double a, double b)
{
	return b > 0 ? jsonout_number(a / b) : json_null();
}

static json_t *
pool_json(const struct pool_stats *st)
{
	return json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I,"
	    " s:I, s:I, s:I, s:I, s:I, s:o, s:o, s:o, s:o, s:o}",
	    "open", (json_int_t)st->open, "in_use", (json_int_t)st->in_use,
	    "idle", (json_int_t)st->idle, "waiting", (json_int_t)st->waiting,
	    "peak_open", (json_int_t)st->peak_open,
	    "created", (json_int_t)st->created,
	    "closed_idle", (json_int_t)st->closed_idle,
	    "closed_lifetime", (json_int_t)st->closed_lifetime,
	    "closed_broken", (json_int_t)st->closed_broken,
	    "acquisitions", (json_int_t)st->acquisitions,
	    "reuses", (json_int_t)st->reuses, "resets", (json_int_t)st->resets,
	    "waits", (json_int_t)st->waits,
	    "timeouts", (json_int_t)st->timeouts, "leaks", (json_int_t)st->leaks,
	    "efficiency", jsonout_number(st->efficiency),
	    "wait_p50_ms", jsonout_number(st->wait_p50_ms),
	    "wait_p99_ms", jsonout_number(st->wait_p99_ms),
	    "wait_max_ms", jsonout_number(st->wait_max_ms),
	    "last_error", st->last_error[0] ? jsonout_text(st->last_error) :
	    json_null());
}

/* The numbers of one run, in the object o. */
static void
run_fields(json_t *o, const struct bench_result *r)
{
	json_t *lat = json_object(), *kinds = json_array();
	size_t i;

	for (i = 0; i < NPCTS; i++)
		json_object_set_new(lat, pct_keys[i], jsonout_number(
		    hist_percentile(&r->latency, pcts[i]) / 1e3));
	json_object_set_new(lat, "max", jsonout_number(
	    (double)r->latency.max_ns / 1e3));
	json_object_set_new(lat, "mean", jsonout_number(
	    hist_mean(&r->latency) / 1e3));
	for (i = 0; i < r->n_kinds; i++)
		json_array_append_new(kinds, json_pack("{s:s, s:I, s:o}",
		    "kind", r->kinds[i].kind, "count",
		    (json_int_t)r->kinds[i].count, "message",
		    jsonout_text(r->kinds[i].message)));
	json_object_set_new(o, "mode", json_string(bench_mode_name(r->mode)));
	json_object_set_new(o, "requests", json_integer(r->requests));
	json_object_set_new(o, "errors", json_integer(r->errors));
	json_object_set_new(o, "unfinished", json_integer(r->unfinished));
	json_object_set_new(o, "elapsed_s", jsonout_number(r->elapsed_s));
	json_object_set_new(o, "requests_per_s", jsonout_number(rate_of(r)));
	json_object_set_new(o, "latency_us", lat);
	json_object_set_new(o, "errors_by_kind", kinds);
	json_object_set_new(o, "connections_opened",
	    json_integer(r->connections_opened));
	json_object_set_new(o, "pool", r->has_pool ? pool_json(&r->pool) :
	    json_null());
}

static void
config_fields(json_t *o, const struct bench_config *c)
{
	json_object_set_new(o, "workload", json_string(
	    bench_workload_name(c->workload)));
	json_object_set_new(o, "query", jsonout_text(query_text(c)));
	json_object_set_new(o, "clients", json_integer(c->clients));
	json_object_set_new(o, "duration_s", c->duration_ms > 0 ?
	    jsonout_number((double)c->duration_ms / 1000) : json_null());
	json_object_set_new(o, "requests_limit", c->requests > 0 ?
	    json_integer(c->requests) : json_null());
	json_object_set_new(o, "warmup_s", jsonout_number(
	    (double)c->warmup_ms / 1000));
	json_object_set_new(o, "think_ms", json_integer(c->think_ms));
	json_object_set_new(o, "rate", c->rate > 0 ? jsonout_number(c->rate) :
	    json_null());
}

int
report_json(const struct bench_report *rep, FILE *f)
{
	json_t *doc = json_object(), *runs, *ratios, *one;
	const struct bench_result *r = rep->runs, *base = &r[rep->n_runs - 1];
	size_t i, n = rep->n_runs;
	int rc;

	config_fields(doc, rep->c);
	if (rep->mode != MODE_ALL)
		run_fields(doc, &r[0]);
	else {
		runs = json_object();
		ratios = json_object();
		for (i = 0; i < n; i++) {
			one = json_object();
			run_fields(one, &r[i]);
			json_object_set_new(runs, bench_mode_name(r[i].mode), one);
			if (r[i].mode == MODE_PERSISTENT)
				continue;
			json_object_set_new(ratios, bench_mode_name(r[i].mode),
			    json_pack("{s:o, s:o, s:o}",
			    "requests_per_s", ratio(rate_of(&r[i]), rate_of(base)),
			    "p50", ratio(hist_percentile(&r[i].latency, 50),
			    hist_percentile(&base->latency, 50)),
			    "p99", ratio(hist_percentile(&r[i].latency, 99),
			    hist_percentile(&base->latency, 99))));
		}
		json_object_set_new(doc, "runs", runs);
		json_object_set_new(doc, "ratios_to_persistent", ratios);
	}
	rc = jsonout_write(doc, f, false);
	json_decref(doc);
	return rc;
}

static void
ms(char *buf, size_t len, double ns)
{
	snprintf(buf, len, "%.3f", ns / 1e6);
}

static void
pool_text(const struct pool_stats *st, FILE *f)
{
	fprintf(f, "pool: created %lld, peak open %lld, open %lld at the end;"
	    " %lld acquisition%s, %.1f%% reused, %lld reset; %lld waited (p50"
	    " %.3f ms, p99 %.3f ms, max %.3f ms), %lld timed out; closed: %lld"
	    " idle, %lld lifetime, %lld broken; %lld leak%s\n", st->created,
	    st->peak_open, st->open, st->acquisitions,
	    st->acquisitions == 1 ? "" : "s", st->efficiency * 100,
	    st->resets, st->waits, st->wait_p50_ms, st->wait_p99_ms,
	    st->wait_max_ms, st->timeouts, st->closed_idle, st->closed_lifetime,
	    st->closed_broken, st->leaks, st->leaks == 1 ? "" : "s");
	if (st->last_error[0])
		fprintf(f, "pool: last connection error: %s\n", st->last_error);
}

int
report_text(const struct bench_report *rep, FILE *f)
{
	static const char *const headers[] = { "MODE", "REQUESTS", "REQ/S",
	    "P50 MS", "P90 MS", "P99 MS", "P99.9 MS", "MAX MS", "ERRORS",
	    "CONNS", "VS PERSISTENT" };
	const struct bench_config *c = rep->c;
	const struct bench_result *r = rep->runs, *base = &r[rep->n_runs - 1];
	size_t ncols = rep->mode == MODE_ALL ? 11 : 10, n = rep->n_runs, i, j;
	char cells[11][64];
	const char *row[11];
	struct table *t = table_new(ncols, headers);

	if (t == NULL)
		return -1;
	fprintf(f, "workload %s: %s; %lld client%s", bench_workload_name(
	    c->workload), query_text(c), c->clients, c->clients == 1 ? "" : "s");
	if (c->requests > 0)
		fprintf(f, ", %lld request%s", c->requests,
		    c->requests == 1 ? "" : "s");
	else
		fprintf(f, ", %.3g s", (double)c->duration_ms / 1000);
	fprintf(f, " after a %.3g s warmup", (double)c->warmup_ms / 1000);
	if (c->rate > 0)
		fprintf(f, ", %.6g requests/s scheduled", c->rate);
	if (c->think_ms > 0)
		fprintf(f, ", %lld ms think time", c->think_ms);
	fputc('\n', f);
	for (i = 0; i < n; i++) {
		snprintf(cells[0], 64, "%s", bench_mode_name(r[i].mode));
		snprintf(cells[1], 64, "%lld", r[i].requests);
		snprintf(cells[2], 64, "%.1f", rate_of(&r[i]));
		for (j = 0; j < NPCTS; j++)
			ms(cells[3 + j], 64, hist_percentile(&r[i].latency,
			    pcts[j]));
		ms(cells[7], 64, (double)r[i].latency.max_ns);
		snprintf(cells[8], 64, "%lld", r[i].errors);
		snprintf(cells[9], 64, "%lld", r[i].connections_opened);
		if (rate_of(base) > 0)
			snprintf(cells[10], 64, "%.2fx", rate_of(&r[i]) /
			    rate_of(base));
		else
			snprintf(cells[10], 64, "-");
		for (j = 0; j < 11; j++)
			row[j] = cells[j];
		if (table_add(t, row) == -1) {
			table_free(t);
			return -1;
		}
	}
	table_print(t, f);
	table_free(t);
	for (i = 0; i < n; i++) {
		for (j = 0; j < r[i].n_kinds; j++)
			fprintf(f, "%s: error %s: %lld (%s)\n",
			    bench_mode_name(r[i].mode), r[i].kinds[j].kind,
			    r[i].kinds[j].count, r[i].kinds[j].message);
		if (r[i].unfinished > 0)
			fprintf(f, "%s: %lld request%s still running at the end "
			    "of the run, ended and not counted\n",
			    bench_mode_name(r[i].mode), r[i].unfinished,
			    r[i].unfinished == 1 ? "" : "s");
		if (r[i].has_pool)
			pool_text(&r[i].pool, f);
	}
	return ferror(f) ? -1 : 0;
}
