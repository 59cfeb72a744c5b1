/* SPDX-License-Identifier: ISC */
/*
 * names: identifiers as file names and as SQL.  The file-name encoding
 * keeps [A-Za-z0-9_-] and writes every other byte as %XX in upper-case
 * hex, so the result is safe on any file system and in any shell, and
 * '.' never appears (no "..", no hidden files, no clash with the
 * extensions the backup adds).  The decoder accepts only what the encoder
 * produces: one spelling per name, so two files can never decode to the
 * same table.
 */
#include <string.h>

#include "names.h"

static int
passes(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || c == '_' || c == '-';
}

/* The value of an upper-case hex digit, or -1. */
static int
hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int
name_encode(const char *name, char *out, size_t outlen)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p;
	size_t used = 0;

	for (p = (const unsigned char *)name; *p != '\0'; p++) {
		if (passes(*p)) {
			if (outlen - used < 2)
				return -1;
			out[used++] = (char)*p;
			continue;
		}
		if (outlen - used < 4)
			return -1;
		out[used++] = '%';
		out[used++] = hex[*p >> 4];
		out[used++] = hex[*p & 0xf];
	}
	if (outlen - used < 1)
		return -1;
	out[used] = '\0';
	return 0;
}

int
name_decode(const char *encoded, char *out, size_t outlen)
{
	const char *p;
	size_t used = 0;
	int hi, lo, c;

	for (p = encoded; *p != '\0'; p++) {
		if (outlen - used < 2)
			return -1;
		if (passes((unsigned char)*p)) {
			out[used++] = *p;
			continue;
		}
		if (*p != '%' || (hi = hex_value(p[1])) == -1 ||
		    (lo = hex_value(p[2])) == -1)
			return -1;
		c = hi << 4 | lo;
		/* A NUL ends a C string; a passing byte is never encoded. */
		if (c == 0 || passes((unsigned char)c))
			return -1;
		out[used++] = (char)c;
		p += 2;
	}
	if (outlen - used < 1)
		return -1;
	out[used] = '\0';
	return 0;
}

int
name_quote(const char *name, char *out, size_t outlen)
{
	const char *p;
	size_t used = 0;

	if (outlen < 1)
		return -1;
	out[used++] = '`';
	for (p = name; *p != '\0'; p++) {
		if (outlen - used < (*p == '`' ? 3u : 2u))
			return -1;
		if (*p == '`')
			out[used++] = '`';
		out[used++] = *p;
	}
	if (outlen - used < 2)
		return -1;
	out[used++] = '`';
	out[used] = '\0';
	return 0;
}
