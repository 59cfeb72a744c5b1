/* SPDX-License-Identifier: ISC */
/*
 * timeutil: clocks and RFC 3339 UTC times, the format every dbkit JSON
 * document uses.
 */
#ifndef DBKIT_TIMEUTIL_H
#define DBKIT_TIMEUTIL_H

#include <stddef.h>
#include <time.h>

#define RFC3339_LEN 21	/* "2026-11-27T10:00:00Z" and the NUL */

/* Milliseconds on the monotonic clock, for measuring durations. */
double time_monotonic_ms(void);

/* Writes t as "YYYY-MM-DDTHH:MM:SSZ" into buf (RFC3339_LEN bytes). */
void time_rfc3339(time_t t, char buf[RFC3339_LEN]);

/* Parses "YYYY-MM-DDTHH:MM:SS[.frac]Z".  Returns 0, or -1 when malformed. */
int time_parse_rfc3339(const char *s, time_t *out);

/*
 * Parses an RFC 3339 time with its zone, "Z" or "+HH:MM"/"-HH:MM":
 * "2026-12-01T14:02:00+01:00".  Without a zone it is -1: a time in the
 * wrong zone restores the wrong hour.
 */
int time_parse_zoned(const char *s, time_t *out);

#endif
