/* SPDX-License-Identifier: ISC */
/*
 * parse: strict value parsing.  strtoll and strtod do the digits; every
 * function then insists that nothing is left over and that the value is
 * in range, because "30O" silently read as 30 is how outages start.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "parse.h"

static int
fail(char *err, size_t errlen, const char *kind, const char *s)
{
	snprintf(err, errlen, "invalid %s: '%s'", kind, s);
	return -1;
}

/* Reads the leading digits of s; *end points past them.  Rejects signs. */
static int
leading_uint(const char *s, long long *out, const char **end)
{
	char *e;

	if (!isdigit((unsigned char)s[0]))
		return -1;
	errno = 0;
	*out = strtoll(s, &e, 10);
	if (errno == ERANGE)
		return -1;
	*end = e;
	return 0;
}

int
parse_integer(const char *s, long long min, long long max, long long *out,
    char *err, size_t errlen)
{
	long long v;
	const char *end;
	const char *digits = s[0] == '-' ? s + 1 : s;

	if (leading_uint(digits, &v, &end) == -1 || *end != '\0')
		return fail(err, errlen, "number", s);
	if (digits != s)
		v = -v;
	if (v < min || v > max) {
		snprintf(err, errlen, "out of range (%lld to %lld): '%s'",
		    min, max, s);
		return -1;
	}
	*out = v;
	return 0;
}

int
parse_number(const char *s, double *out, char *err, size_t errlen)
{
	char *end;
	double v;

	if (s[0] == '\0' || isspace((unsigned char)s[0]))
		return fail(err, errlen, "number", s);
	errno = 0;
	v = strtod(s, &end);
	if (errno == ERANGE || *end != '\0' || !isfinite(v) ||
	    strpbrk(s, "xXpP") != NULL)
		return fail(err, errlen, "number", s);
	*out = v;
	return 0;
}

/*
 * Reads ".DIGITS" at *p, if there, as the fraction num / den (0 / 1 when
 * there is none) and moves *p past it.  At most 9 digits, so that num
 * times any unit still fits in a long long; "5." is no fraction.
 */
static int
fraction(const char **p, long long *num, long long *den)
{
	const char *s = *p;

	*num = 0;
	*den = 1;
	if (*s != '.')
		return 0;
	if (!isdigit((unsigned char)*++s))
		return -1;
	for (; isdigit((unsigned char)*s); s++) {
		if (*den == 1000000000)
			return -1;
		*num = *num * 10 + (*s - '0');
		*den *= 10;
	}
	*p = s;
	return 0;
}

int
parse_duration_ms(const char *s, long long bare_unit_ms, long long *out_ms,
    char *err, size_t errlen)
{
	static const struct {
		const char *suffix;
		long long ms;
	} units[] = {
		{ "ms", 1 }, { "s", 1000 }, { "m", 60000 },
		{ "h", 3600000 }, { "d", 86400000 },
	};
	long long v, num, den, unit = -1;
	const char *end;
	size_t i;

	if (leading_uint(s, &v, &end) == -1 ||
	    fraction(&end, &num, &den) == -1)
		return fail(err, errlen, "duration", s);
	if (*end == '\0')
		unit = bare_unit_ms;
	for (i = 0; unit < 0 && i < sizeof(units) / sizeof(units[0]); i++)
		if (strcmp(end, units[i].suffix) == 0)
			unit = units[i].ms;
	/* A fraction must come to whole milliseconds: 1.5s, not 1.5ms. */
	if (unit < 0 || num * unit % den != 0)
		return fail(err, errlen, "duration", s);
	num = num * unit / den;
	if (v > (LLONG_MAX - num) / unit)
		return fail(err, errlen, "duration", s);
	*out_ms = v * unit + num;
	return 0;
}

int
parse_size(const char *s, long long *out_bytes, char *err, size_t errlen)
{
	static const char suffixes[] = "KMGT";
	long long v, mult = 1;
	const char *end, *p;

	if (leading_uint(s, &v, &end) == -1)
		return fail(err, errlen, "size", s);
	if (*end != '\0') {
		p = strchr(suffixes, toupper((unsigned char)*end));
		if (p == NULL || end[1] != '\0')
			return fail(err, errlen, "size", s);
		mult = 1LL << (10 * (p - suffixes + 1));
	}
	if (v > LLONG_MAX / mult)
		return fail(err, errlen, "size", s);
	*out_bytes = v * mult;
	return 0;
}

int
parse_bool(const char *s, bool *out, char *err, size_t errlen)
{
	static const char *const yes[] = { "1", "true", "yes", "on" };
	static const char *const no[] = { "0", "false", "no", "off" };
	size_t i;

	for (i = 0; i < 4; i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*out = true;
			return 0;
		}
		if (strcasecmp(s, no[i]) == 0) {
			*out = false;
			return 0;
		}
	}
	return fail(err, errlen, "boolean", s);
}
