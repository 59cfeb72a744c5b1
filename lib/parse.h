/* SPDX-License-Identifier: ISC */
/*
 * parse: strict parsing of the values users type into flags, environment
 * variables and option files.  The whole string must be used, ranges are
 * checked, and on failure a "invalid KIND: 'VALUE'" message is written to
 * the caller's buffer so the caller only prefixes the variable's name.
 */
#ifndef DBKIT_PARSE_H
#define DBKIT_PARSE_H

#include <stdbool.h>
#include <stddef.h>

/* A decimal integer in [min, max]. */
int parse_integer(const char *s, long long min, long long max, long long *out,
    char *err, size_t errlen);

/* A finite decimal number such as 80, 99.5 or 0.25. */
int parse_number(const char *s, double *out, char *err, size_t errlen);

/*
 * A duration: 500ms 30s 5m 2h 7d 1.5h, or a bare number counted in
 * bare_unit_ms milliseconds.  The result is in whole milliseconds: a
 * fraction that is not (1.5ms) is refused.
 */
int parse_duration_ms(const char *s, long long bare_unit_ms, long long *out_ms,
    char *err, size_t errlen);

/* A size: 512, 64K, 16M, 2G, 1T (powers of 1024). */
int parse_size(const char *s, long long *out_bytes, char *err, size_t errlen);

/* A boolean: 1 0 true false yes no on off, any case. */
int parse_bool(const char *s, bool *out, char *err, size_t errlen);

#endif
