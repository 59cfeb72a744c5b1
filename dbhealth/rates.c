/* SPDX-License-Identifier: ISC */
/*
 * rates: the interval is the server's own, the difference of its uptimes,
 * so a slow or late run, or a clock that moved, does not skew a rate.
 * The message gives the interval, since a rate over a few seconds of a
 * fast --watch is a coarse one.  A total that went down (FLUSH STATUS)
 * starts a new base, as a restart does.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "rates.h"

/* A rate needs at least this much time between its samples. */
#define MIN_INTERVAL_S 1.0

bool
rates_is_rate(enum check_id id)
{
	return id == CHECK_ABORTED_CONNECTS || id == CHECK_SLOW_QUERIES ||
	    id == CHECK_DEADLOCKS;
}

json_t *
rates_samples(const json_t *report)
{
	json_t *samples = json_object(), *t, *c, *s;
	size_t i, j;

	if (samples == NULL)
		return NULL;
	json_array_foreach(json_object_get(report, "targets"), i, t) {
		if (!json_is_string(json_object_get(t, "name")) ||
		    (s = json_object()) == NULL)
			continue;
		json_array_foreach(json_object_get(t, "checks"), j, c) {
			const char *name = json_string_value(json_object_get(c,
			    "name"));
			int id = name != NULL ? check_find(name) : -1;

			if ((id == CHECK_UPTIME || (id >= 0 &&
			    rates_is_rate((enum check_id)id))) &&
			    json_is_number(json_object_get(c, "value")))
				json_object_set(s, name, json_object_get(c,
				    "value"));
		}
		json_object_set_new(samples, json_string_value(json_object_get(t,
		    "name")), s);
	}
	return samples;
}

static double
sample(const json_t *s, const char *name)
{
	const json_t *v = json_object_get(s, name);

	return json_is_number(v) ? json_number_value(v) : NAN;
}

/* The number of check id of t, or NAN. */
static double
value_of(const struct target *t, enum check_id id)
{
	size_t i;

	for (i = 0; i < t->n_checks; i++)
		if (t->checks[i].id == id && t->checks[i].has_number)
			return t->checks[i].number;
	return NAN;
}

/* Judges c, a total, as a rate against the sample before. */
static void
judge(struct check *c, const struct limits *l, double uptime,
    const json_t *before)
{
	const char *name = check_defs[c->id].name;
	double total = c->number, was = sample(before, name);
	double up_was = sample(before, "uptime"), minutes, rate;
	char q[64], level[64];

	c->has_rate = false;
	if (before == NULL || isnan(was) || isnan(up_was) || isnan(uptime)) {
		snprintf(c->message, sizeof(c->message), "%.0f since the server "
		    "started; a rate needs a previous run (--history or --watch)",
		    total);
		return;
	}
	if (uptime < up_was || total < was) {
		snprintf(c->message, sizeof(c->message), "%.0f since the server "
		    "started, which restarted (or its counters were flushed) "
		    "since the last run: a rate from the next run", total);
		return;
	}
	if (uptime - up_was < MIN_INTERVAL_S) {
		snprintf(c->message, sizeof(c->message), "%.0f since the server "
		    "started; under a second since the last run", total);
		return;
	}
	minutes = (uptime - up_was) / 60.0;
	rate = round((total - was) / minutes * 100.0) / 100.0;
	c->has_rate = true;
	c->rate = rate;
	c->status = threshold_judge(l, c->id, rate);
	format_number(rate, q, sizeof(q));
	if (c->status == ST_OK)
		snprintf(c->message, sizeof(c->message), "%s/min over the last "
		    "%.0f s (%.0f since the server started)", q,
		    uptime - up_was, total);
	else {
		format_number(c->status == ST_CRITICAL ? c->critical :
		    c->warning, level, sizeof(level));
		snprintf(c->message, sizeof(c->message), "%s/min above %s level "
		    "%s/min over the last %.0f s (%.0f since the server "
		    "started)", q, status_name(c->status), level,
		    uptime - up_was, total);
	}
}

void
rates_apply(struct run *r, const struct limits *l, const json_t *before)
{
	size_t i, j;

	for (i = 0; i < r->n_targets; i++) {
		struct target *t = &r->targets[i];
		const json_t *b = json_object_get(before, t->name);
		double uptime = value_of(t, CHECK_UPTIME);

		for (j = 0; j < t->n_checks; j++) {
			struct check *c = &t->checks[j];

			if (!rates_is_rate(c->id) || !c->has_number)
				continue;
			judge(c, l, uptime, b);
			if (c->status > t->status)
				t->status = c->status;
		}
	}
}
