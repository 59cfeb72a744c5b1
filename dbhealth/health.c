/* SPDX-License-Identifier: ISC */
/*
 * health: the catalogue of checks, check_defs, made from CHECK_TABLE in
 * health.h; check_append, which every check uses to add its result to a
 * target; and the names and number formats every output format shares.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
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

struct check *
check_append(struct target *t, enum check_id id, enum status st,
    const char *fmt, ...)
{
	struct check *c;
	va_list ap;

	if (t->n_checks == t->cap_checks) {
		size_t cap = t->cap_checks ? t->cap_checks * 2 : 32;
		struct check *grown = realloc(t->checks, cap * sizeof(*grown));

		if (grown == NULL)
			return NULL;
		t->checks = grown;
		t->cap_checks = cap;
	}
	c = &t->checks[t->n_checks++];
	memset(c, 0, sizeof(*c));
	c->id = id;
	c->status = st;
	c->warning = c->critical = NAN;
	va_start(ap, fmt);
	vsnprintf(c->message, sizeof(c->message), fmt, ap);
	va_end(ap);
	return c;
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
