/* SPDX-License-Identifier: ISC */
/*
 * tsv: escaping is the per-byte hot loop of every backup, so it copies
 * runs of plain bytes with memcpy and looks each byte up in a table.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "tsv.h"

/* The letter after the backslash for each byte that needs one, else 0. */
static const char escapes[256] = {
	['\0'] = '0', ['\t'] = 't', ['\n'] = 'n', ['\r'] = 'r',
	['\032'] = 'Z', ['\\'] = '\\',
};

/*
 * Whether any of the 8 bytes in x is one that needs escaping, 8 at a time
 * (SWAR): a zero byte in x ^ (c * 0x01..01) marks a byte equal to c.  Rows
 * are mostly plain text, so this skips them at a word per step.
 */
static inline bool
needs_escape(uint64_t x)
{
	const uint64_t ones = 0x0101010101010101ULL, highs = ones << 7;
	uint64_t hit = 0;

#define HAS(c) (((x ^ (ones * (c))) - ones) & ~(x ^ (ones * (c))) & highs)
	hit = HAS(0x00) | HAS('\t') | HAS('\n') | HAS('\r') | HAS(0x1a) |
	    HAS('\\');
#undef HAS
	return hit != 0;
}

size_t
tsv_escape(const char *in, size_t len, char *out)
{
	const unsigned char *p = (const unsigned char *)in, *end = p + len;
	const unsigned char *run;
	char *o = out;
	uint64_t word;

	if (in == NULL) {
		memcpy(out, "\\N", 2);
		return 2;
	}
	while (p < end) {
		run = p;
		while (end - p >= 8) {
			memcpy(&word, p, 8);
			if (needs_escape(word))
				break;
			p += 8;
		}
		while (p < end && escapes[*p] == 0)
			p++;
		memcpy(o, run, (size_t)(p - run));
		o += p - run;
		if (p < end) {
			*o++ = '\\';
			*o++ = escapes[*p++];
		}
	}
	return (size_t)(o - out);
}

size_t
tsv_row_max(char **fields, const unsigned long *lens, unsigned int n)
{
	size_t need = 1;
	unsigned int i;

	for (i = 0; i < n; i++)
		need += TSV_ESCAPED_MAX(fields[i] ? lens[i] : 0) + 1;
	return need;
}

size_t
tsv_format_row(char **fields, const unsigned long *lens, unsigned int n,
    char *out)
{
	size_t used = 0;
	unsigned int i;

	for (i = 0; i < n; i++) {
		if (i > 0)
			out[used++] = '\t';
		used += tsv_escape(fields[i], fields[i] ? lens[i] : 0, out + used);
	}
	return used;
}

const char *const tsv_load_names[3] = { "text", "bit", "char" };

enum tsv_load
tsv_load_of(const char *name)
{
	if (name != NULL && strcmp(name, "bit") == 0)
		return TSV_LOAD_BIT;
	if (name != NULL && strcmp(name, "char") == 0)
		return TSV_LOAD_CHAR;
	return TSV_LOAD_TEXT;
}

char *
tsv_select_expr(const char *quoted, const char *type, enum tsv_load *load)
{
	char *expr = NULL;
	int rc;

	*load = TSV_LOAD_TEXT;
	if (strcasecmp(type, "bit") == 0)
		*load = TSV_LOAD_BIT;
	else if (strcasecmp(type, "inet6") == 0 || strcasecmp(type, "inet4") == 0 ||
	    strcasecmp(type, "uuid") == 0)
		*load = TSV_LOAD_CHAR;
	if (strcasecmp(type, "float") == 0)
		rc = asprintf(&expr, "CAST(%s AS DOUBLE)", quoted);
	else if (*load == TSV_LOAD_BIT)
		rc = asprintf(&expr, "CAST(%s AS UNSIGNED)", quoted);
	else
		rc = asprintf(&expr, "%s", quoted);
	return rc == -1 ? NULL : expr;
}

bool
tsv_next_field(char **cursor, char *end, char **field, size_t *len,
    bool *is_null)
{
	char *in = *cursor, *out = *cursor;

	if (in > end)
		return false;
	*field = out;
	*is_null = end - in >= 2 && in[0] == '\\' && in[1] == 'N' &&
	    (in + 2 == end || in[2] == '\t');
	if (*is_null) {
		*len = 0;
		*cursor = in + 3;
		return true;
	}
	while (in < end && *in != '\t') {
		if (*in == '\\' && in + 1 < end) {
			in++;
			switch (*in) {
			case '0': *out++ = '\0'; break;
			case 't': *out++ = '\t'; break;
			case 'n': *out++ = '\n'; break;
			case 'r': *out++ = '\r'; break;
			case 'b': *out++ = '\b'; break;
			case 'Z': *out++ = '\032'; break;
			default: *out++ = *in; break;
			}
			in++;
		} else
			*out++ = *in++;
	}
	*len = (size_t)(out - *field);
	*cursor = in + 1;
	return true;
}
