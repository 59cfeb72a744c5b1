/* SPDX-License-Identifier: ISC */
/*
 * name: identifiers as file names and as SQL.  The file-name encoding
 * keeps [A-Za-z0-9_-] and writes every other byte as %XX in upper-case
 * hex, so the result is safe on any file system and in any shell, and
 * '.' never appears (no "..", no hidden files, no clash with the
 * extensions the backup adds).  The decoder accepts only what the encoder
 * produces: one spelling per name, so two files can never decode to the
 * same table.
 *
 * A name can encode to 576 bytes (64 characters of 3 bytes, the most the
 * server allows), more than a file name may have (255 bytes on every
 * common file system, with the backup's suffixes to come).  name_file keeps encodings up to NAME_FILE_MAX bytes and
 * shortens longer ones to a prefix and a 64-bit XXH3 of the whole name:
 * deterministic, distinct for distinct names, and still readable.  Such a
 * name does not decode; the backup's manifest maps every file to its name.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include "name.h"

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

/* The encoding of byte c: 1 byte, or 3 for "%XX". */
static size_t
encoded_size(unsigned char c)
{
	return passes(c) ? 1 : 3;
}

/* Writes the encoding of byte c at out; returns its size. */
static size_t
encode_byte(unsigned char c, char *out)
{
	static const char hex[] = "0123456789ABCDEF";

	if (passes(c)) {
		out[0] = (char)c;
		return 1;
	}
	out[0] = '%';
	out[1] = hex[c >> 4];
	out[2] = hex[c & 0xf];
	return 3;
}

int
name_encode(const char *name, char *out, size_t outlen)
{
	const unsigned char *p;
	size_t used = 0;

	for (p = (const unsigned char *)name; *p != '\0'; p++) {
		if (outlen - used < encoded_size(*p) + 1)
			return -1;
		used += encode_byte(*p, out + used);
	}
	if (outlen - used < 1)
		return -1;
	out[used] = '\0';
	return 0;
}

int
name_file(const char *name, char *out, size_t outlen)
{
	const unsigned char *p;
	size_t used = 0, room = NAME_FILE_MAX - 17, len, size, i;

	if (outlen < NAME_FILE_MAX + 1) {
		if (outlen > 0)
			out[0] = '\0';
		return -1;
	}
	if (name_encode(name, out, NAME_FILE_MAX + 1) == 0)
		return 0;
	/*
	 * Too long: as much of the encoding as fits in whole characters
	 * (never half a "%XX" or half a UTF-8 sequence), then "~", which the
	 * encoding never writes, and the hash of the whole name, so two long
	 * names stay two files.
	 */
	for (p = (const unsigned char *)name; *p != '\0'; p += len) {
		for (len = 1, size = encoded_size(*p); (p[len] & 0xC0) == 0x80;
		    len++)
			size += encoded_size(p[len]);
		if (used + size > room)
			break;
		for (i = 0; i < len; i++)
			used += encode_byte(p[i], out + used);
	}
	snprintf(out + used, outlen - used, "~%016" PRIx64,
	    (uint64_t)XXH3_64bits(name, strlen(name)));
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

	if (outlen < 3)
		goto short_buffer;
	out[used++] = '`';
	for (p = name; *p != '\0'; p++) {
		if (outlen - used < (*p == '`' ? 4u : 3u))
			goto short_buffer;
		if (*p == '`')
			out[used++] = '`';
		out[used++] = *p;
	}
	out[used++] = '`';
	out[used] = '\0';
	return 0;
short_buffer:
	/*
	 * Never half a name: an unterminated or cut identifier in SQL could
	 * name another object.
	 */
	if (outlen > 0)
		out[0] = '\0';
	return -1;
}
