/* SPDX-License-Identifier: ISC */
/*
 * threshold: the levels in force, from the defaults of CHECK_TABLE and
 * the rules that override them.  Four settings of dbkit(7)
 * (DB_MONITOR_MAX_RESPONSE_TIME and friends) are critical levels;
 * DB_MONITOR_WARN_<CHECK> and DB_MONITOR_CRIT_<CHECK> set any check's
 * levels, and -w/-c on the command line win over both.
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "health.h"
#include "parse.h"
#include "threshold.h"

#define NONE NAN

/*
 * A level: "none", a number in the check's unit, or for time checks a
 * duration such as 2s or 500ms.
 */
static int
parse_level(enum check_id id, const char *text, double *out, char *err,
    size_t errlen)
{
	const char *unit = check_defs[id].unit;
	long long ms;

	if (strcmp(text, "none") == 0) {
		*out = NONE;
		return 0;
	}
	if (parse_number(text, out, err, errlen) == 0) {
		if (*out < 0) {
			snprintf(err, errlen, "negative level: '%s'", text);
			return -1;
		}
		return 0;
	}
	if (strcmp(unit, "ms") == 0 || strcmp(unit, "s") == 0) {
		long long unit_ms = unit[0] == 'm' ? 1 : 1000;

		if (parse_duration_ms(text, unit_ms, &ms, err, errlen) == -1)
			return -1;
		*out = (double)ms / (double)unit_ms;
		return 0;
	}
	snprintf(err, errlen, "invalid level: '%s'", text);
	return -1;
}

static int
env_level(struct limits *l, enum check_id id, const char *kind, char *err,
    size_t errlen)
{
	char var[96], msg[160], *p;
	const char *value;
	double *level = kind[0] == 'W' ? &l->warning[id] : &l->critical[id];

	snprintf(var, sizeof(var), "DB_MONITOR_%s_%s", kind, check_defs[id].name);
	for (p = var; *p != '\0'; p++)
		*p = (char)toupper((unsigned char)*p);
	if ((value = getenv(var)) == NULL)
		return 0;
	if (check_defs[id].bad == BAD_NONE) {
		snprintf(err, errlen, "%s: check %s has no levels", var,
		    check_defs[id].name);
		return -1;
	}
	if (parse_level(id, value, level, msg, sizeof(msg)) == -1) {
		snprintf(err, errlen, "%s: %s", var, msg);
		return -1;
	}
	return 0;
}

int
threshold_init(struct limits *l, const struct settings *s, char *err,
    size_t errlen)
{
	int i;

	for (i = 0; i < CHECK_COUNT; i++) {
		l->warning[i] = check_defs[i].warning;
		l->critical[i] = check_defs[i].critical;
	}
	l->critical[CHECK_RESPONSE_TIME] = (double)s->max_response_time_ms;
	l->critical[CHECK_CONNECTION_USAGE] = (double)s->max_pool_util_pct;
	l->critical[CHECK_AVAILABLE_CONNECTIONS] =
	    (double)s->min_available_connections;
	l->critical[CHECK_LONGEST_QUERY] = (double)s->max_query_time_ms;
	l->max_failed_targets = s->max_failed_connections;
	for (i = 0; i < CHECK_COUNT; i++)
		if (env_level(l, i, "WARN", err, errlen) == -1 ||
		    env_level(l, i, "CRIT", err, errlen) == -1)
			return -1;
	return 0;
}

int
threshold_set(struct limits *l, const char *spec, bool critical, char *err,
    size_t errlen)
{
	const char *flag = critical ? "--critical" : "--warning";
	const char *eq = strchr(spec, '=');
	char name[64], msg[160];
	int id;

	if (eq == NULL || (size_t)(eq - spec) >= sizeof(name)) {
		snprintf(err, errlen, "%s: expected CHECK=VALUE: '%s'", flag, spec);
		return -1;
	}
	memcpy(name, spec, (size_t)(eq - spec));
	name[eq - spec] = '\0';
	if ((id = check_find(name)) == -1) {
		snprintf(err, errlen, "%s: unknown check: '%s'", flag, name);
		return -1;
	}
	if (check_defs[id].bad == BAD_NONE) {
		snprintf(err, errlen, "%s: check %s has no levels", flag, name);
		return -1;
	}
	if (parse_level(id, eq + 1, critical ? &l->critical[id] :
	    &l->warning[id], msg, sizeof(msg)) == -1) {
		snprintf(err, errlen, "%s: %s: %s", flag, name, msg);
		return -1;
	}
	return 0;
}

enum status
threshold_judge(const struct limits *l, enum check_id id, double v)
{
	double crit = l->critical[id], warn = l->warning[id];

	switch (check_defs[id].bad) {
	case BAD_ABOVE:
		if (!isnan(crit) && v > crit)
			return ST_CRITICAL;
		if (!isnan(warn) && v > warn)
			return ST_WARNING;
		break;
	case BAD_BELOW:
		if (!isnan(crit) && v < crit)
			return ST_CRITICAL;
		if (!isnan(warn) && v < warn)
			return ST_WARNING;
		break;
	case BAD_NONE:
		break;
	}
	return ST_OK;
}
