/* SPDX-License-Identifier: ISC */
/*
 * health: the catalogue of checks, check_defs, made from CHECK_TABLE in
 * health.h, and the names and number formats every output format shares.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "health.h"

#define NONE NAN
#define CHECK_DEF(id, name, unit, bad, warning, critical, counter) \
	[CHECK_##id] = { name, unit, bad, warning, critical, counter },

const struct check_def check_defs[CHECK_COUNT] = { CHECK_TABLE(CHECK_DEF) };

const char *
status_name(enum status st)
{
	static const char *const names[] = { "ok", "warning", "critical",
	    "unknown" };

	return names[st];
}

const char *
overall_name(enum overall st)
{
	static const char *const names[] = { "ok", "degraded", "critical" };

	return names[st];
}

int
check_find(const char *name)
{
	int i;

	for (i = 0; i < CHECK_COUNT; i++)
		if (strcmp(check_defs[i].name, name) == 0)
			return i;
	return -1;
}

void
format_number(double v, char *buf, size_t len)
{
	char *p;

	snprintf(buf, len, "%.3f", v);
	if (strchr(buf, '.') == NULL)
		return;
	for (p = buf + strlen(buf) - 1; *p == '0'; p--)
		*p = '\0';
	if (*p == '.')
		*p = '\0';
}

void
format_quantity(enum check_id id, double v, char *buf, size_t len)
{
	const char *unit = check_defs[id].unit;
	char n[64];

	format_number(v, n, sizeof(n));
	if (strcmp(unit, "ms") == 0 || strcmp(unit, "s") == 0)
		snprintf(buf, len, "%s %s", n, unit);
	else if (strcmp(unit, "%") == 0)
		snprintf(buf, len, "%s%%", n);
	else
		snprintf(buf, len, "%s", n);
}
