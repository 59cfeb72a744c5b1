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

/* The length of the valid UTF-8 sequence at s, or 0 if it is not one. */
static size_t
utf8_sequence(const unsigned char *s)
{
	size_t n, i;
	unsigned int cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xC2 && s[0] <= 0xDF)
		n = 2, cp = s[0] & 0x1F;
	else if (s[0] >= 0xE0 && s[0] <= 0xEF)
		n = 3, cp = s[0] & 0x0F;
	else if (s[0] >= 0xF0 && s[0] <= 0xF4)
		n = 4, cp = s[0] & 0x07;
	else
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3F);
	}
	/* Overlong forms, surrogates and code points past U+10FFFF. */
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
		return 0;
	return n;
}

json_t *
jsonout_text(const char *s)
{
	const unsigned char *in = (const unsigned char *)s;
	json_t *v = json_string(s);
	char *copy, *out;
	size_t n;

	if (v != NULL)
		return v;
	if ((copy = malloc(strlen(s) * 3 + 1)) == NULL)
		return NULL;
	for (out = copy; *in != '\0'; in += n ? n : 1) {
		n = utf8_sequence(in);
		if (n > 0) {
			memcpy(out, in, n);
			out += n;
		} else {
			memcpy(out, "\xEF\xBF\xBD", 3);
			out += 3;
		}
	}
	*out = '\0';
	v = json_string(copy);
	free(copy);
	return v;
}

json_t *
jsonout_string_or_null(const char *s)
{
	return s != NULL ? jsonout_text(s) : json_null();
}
