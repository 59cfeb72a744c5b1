/* SPDX-License-Identifier: ISC */
/*
 * timeutil: monotonic time for measurements (wall-clock steps must not
 * turn into negative response times) and UTC timestamps for reports.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "timeutil.h"

double
time_monotonic_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

void
time_rfc3339(time_t t, char buf[RFC3339_LEN])
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, RFC3339_LEN, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/*
 * The date and time of s (a fraction of a second is dropped) into tm;
 * the rest, where the zone is, in *end.
 */
static int
parse_local(const char *s, struct tm *tm, const char **end)
{
	memset(tm, 0, sizeof(*tm));
	*end = strptime(s, "%Y-%m-%dT%H:%M:%S", tm);
	if (*end == NULL)
		return -1;
	if (**end == '.') {
		(*end)++;
		if (!isdigit((unsigned char)**end))
			return -1;
		while (isdigit((unsigned char)**end))
			(*end)++;
	}
	return 0;
}

int
time_parse_zoned(const char *s, time_t *out)
{
	struct tm tm;
	const char *end;
	int h, m, n = 0;

	if (parse_local(s, &tm, &end) == -1)
		return -1;
	if (strcmp(end, "Z") == 0 || strcmp(end, "z") == 0) {
		*out = timegm(&tm);
		return 0;
	}
	if ((end[0] != '+' && end[0] != '-') || sscanf(end + 1, "%2d:%2d%n", &h,
	    &m, &n) != 2 || end[1 + n] != '\0' || n != 5 || h > 23 || m > 59)
		return -1;
	*out = timegm(&tm) - (end[0] == '+' ? 1 : -1) * (h * 3600 + m * 60);
	return 0;
}

int
time_parse_rfc3339(const char *s, time_t *out)
{
	struct tm tm;
	const char *end;

	if (parse_local(s, &tm, &end) == -1 || strcmp(end, "Z") != 0)
		return -1;
	*out = timegm(&tm);
	return 0;
}
