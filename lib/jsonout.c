/* SPDX-License-Identifier: ISC */
/*
 * jsonout: jansson builds the tree and escapes it; this file only fixes
 * the flags in one place.  Reals are rounded before they are stored, so
 * 0.1 prints as 0.1 and not 0.10000000000000001.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "jsonout.h"

#define FLAGS(compact) \
	((compact) ? JSON_COMPACT : JSON_INDENT(2)) | JSON_REAL_PRECISION(15)

int
jsonout_write(const json_t *v, FILE *f, bool compact)
{
	if (json_dumpf(v, f, FLAGS(compact)) == -1)
		return -1;
	return fputc('\n', f) == EOF ? -1 : 0;
}

char *
jsonout_line(const json_t *v)
{
	return json_dumps(v, FLAGS(true));
}

json_t *
jsonout_number(double v)
{
	double r = round(v * 1000.0) / 1000.0;

	if (r == floor(r) && fabs(r) < 9e15)
		return json_integer((json_int_t)r);
	return json_real(r);
}

json_t *
jsonout_string_or_null(const char *s)
{
	return s != NULL ? json_string(s) : json_null();
}
