/* SPDX-License-Identifier: ISC */
/*
 * sqlrows: --sql's data: one chunk's rows, in the LOAD DATA text format
 * of lib/tsv.h, turned into multi-row INSERTs as a stream.  A state
 * machine takes the decompressed bytes one block at a time and writes
 * each value as it goes, so memory does not depend on the length of a
 * row: a gzip file of a few megabytes may expand to a gigabyte without a
 * newline, and a backup may be anyone's.
 *
 * The format: TAB between fields, LF after each row (always, even after
 * a backslash), \N alone in a field for NULL, and a backslash before a
 * byte that stands for another (0 t n r b Z) or for itself.  Numbers are
 * written bare, and so only digits, signs, '.' and 'e' are let through;
 * every other value as a _binary'...' literal of the bytes the column
 * stored, so any character set (latin1, utf16) and binary data arrive
 * unchanged whatever the client's charset, except INET4, INET6 and UUID,
 * whose types would take a binary string as their raw bytes.  A statement
 * is ended once the rows in it add up to INSERT_MAX bytes in the data
 * file (each counted with 4 bytes more), which keeps it well under the
 * server's max_allowed_packet.  A table without a column to load has an
 * empty line per row and becomes INSERT INTO t () VALUES (),(),...
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "gzr.h"
#include "name.h"
#include "sqlrows.h"
#include "tsv.h"

#define INSERT_MAX (1u << 20)
#define READ_BLOCK (256u << 10)

/* How a column's values are written: bare, quoted text, or _binary. */
enum literal { LIT_NUMBER, LIT_TEXT, LIT_BINARY };

/* Where the machine is in a row. */
enum state {
	ROW_START,		/* before a row's first byte */
	FIELD_START,		/* before a field's first byte */
	START_BACKSLASH,	/* a field began with a backslash */
	START_NULL,		/* a field began with \N: NULL if it ends here */
	IN_FIELD,		/* inside a value; its literal is open */
	IN_BACKSLASH,		/* a backslash inside a value */
};

struct rows {
	FILE *f;
	const char *path;		/* dir/rel, for messages */
	char *prefix;			/* INSERT INTO `t` (`a`, `b`) VALUES\n */
	enum literal *kinds;		/* per column */
	size_t ncols;
	enum state state;
	size_t col;			/* the field being read */
	size_t row_bytes;		/* of the row being read, in the file */
	size_t stmt_bytes;		/* of the statement being written */
	unsigned long long line;	/* the row being read, from 1 */
};

static enum literal
literal_kind(const char *type, const char *load)
{
	static const char *const numeric[] = { "tinyint", "smallint",
	    "mediumint", "int", "bigint", "decimal", "float", "double", "year",
	    NULL };
	size_t i;

	if (tsv_load_of(load) == TSV_LOAD_BIT)
		return LIT_NUMBER;
	if (tsv_load_of(load) == TSV_LOAD_CHAR)
		return LIT_TEXT;
	for (i = 0; numeric[i] != NULL; i++)
		if (strcasecmp(type, numeric[i]) == 0)
			return LIT_NUMBER;
	return LIT_BINARY;
}

/*
 * The INSERT prefix and each column's literal kind.  Names come from a
 * checked manifest (at most 64 characters), and the buffer has room for
 * every name quoted.  0 or -1 (out of memory).
 */
static int
rows_prepare(struct rows *w, const struct rtable *t)
{
	json_t *cols = json_object_get(t->json, "columns"), *c;
	size_t i, used, len = 2 * strlen(t->name) + 32;

	w->ncols = json_array_size(cols);
	json_array_foreach(cols, i, c)
		len += 2 * strlen(json_string_value(json_object_get(c, "name"))) +
		    5;
	if ((w->prefix = malloc(len)) == NULL ||
	    (w->kinds = calloc(w->ncols + 1, sizeof(*w->kinds))) == NULL)
		return -1;
	memcpy(w->prefix, "INSERT INTO ", 12);
	used = 12;
	if (name_quote(t->name, w->prefix + used, len - used) == -1)
		return -1;
	used += strlen(w->prefix + used);
	w->prefix[used++] = ' ';
	w->prefix[used++] = '(';
	json_array_foreach(cols, i, c) {
		if (i > 0) {
			w->prefix[used++] = ',';
			w->prefix[used++] = ' ';
		}
		if (name_quote(json_string_value(json_object_get(c, "name")),
		    w->prefix + used, len - used) == -1)
			return -1;
		used += strlen(w->prefix + used);
		w->kinds[i] = literal_kind(json_string_value(json_object_get(c,
		    "type")), json_string_value(json_object_get(c, "load")));
	}
	snprintf(w->prefix + used, len - used, ") VALUES\n");
	return 0;
}

/* Writes one byte of a value, escaped for a quoted literal. */
static void
put_byte(FILE *f, unsigned char b)
{
	static const char escaped[256] = {
		['\0'] = '0', ['\''] = '\'', ['\\'] = '\\', ['\n'] = 'n',
		['\r'] = 'r', ['\032'] = 'Z',
	};

	if (escaped[b] != 0) {
		putc_unlocked('\\', f);
		putc_unlocked(escaped[b], f);
	} else
		putc_unlocked(b, f);
}

static int
fail(struct rows *w, const char *why, char *err, size_t errlen)
{
	snprintf(err, errlen, "%s: row %llu, field %zu: %s", w->path, w->line,
	    w->col + 1, why);
	return -1;
}

/* A value begins: its separator and the opening of its literal. */
static int
open_field(struct rows *w, char *err, size_t errlen)
{
	if (w->col >= w->ncols)
		return fail(w, w->ncols == 0 ? "the table has no column to "
		    "load" : "more fields than the manifest has columns", err,
		    errlen);
	if (w->col > 0)
		putc_unlocked(',', w->f);
	return 0;
}

/* Writes byte b of the current value; a number must look like one. */
static int
put_value_byte(struct rows *w, unsigned char b, char *err, size_t errlen)
{
	if (w->kinds[w->col] != LIT_NUMBER) {
		put_byte(w->f, b);
		return 0;
	}
	if (b == '\0' || strchr("0123456789+-.eE", b) == NULL)
		return fail(w, "not a number", err, errlen);
	putc_unlocked(b, w->f);
	return 0;
}

/* The first byte of a non-NULL value: the literal opens. */
static int
begin_value(struct rows *w, char *err, size_t errlen)
{
	if (open_field(w, err, errlen) == -1)
		return -1;
	if (w->kinds[w->col] != LIT_NUMBER)
		fputs(w->kinds[w->col] == LIT_BINARY ? "_binary'" : "'", w->f);
	w->state = IN_FIELD;
	return 0;
}

/* The value ends (at a TAB or LF); an empty number is not one. */
static int
end_value(struct rows *w, bool empty, char *err, size_t errlen)
{
	if (w->kinds[w->col] != LIT_NUMBER)
		putc_unlocked('\'', w->f);
	else if (empty)
		return fail(w, "not a number", err, errlen);
	return 0;
}

/* A TAB or LF ends the field; LF also ends the row and maybe the INSERT. */
static int
end_field(struct rows *w, unsigned char b, char *err, size_t errlen)
{
	if (b == '\t') {
		w->col++;
		w->state = FIELD_START;
		return 0;
	}
	if (w->col + 1 < w->ncols)
		return fail(w, "fewer fields than the manifest has columns", err,
		    errlen);
	putc_unlocked(')', w->f);
	w->stmt_bytes += w->row_bytes + 4;
	if (w->stmt_bytes >= INSERT_MAX) {
		fputs(";\n", w->f);
		w->stmt_bytes = 0;
	}
	w->state = ROW_START;
	return 0;
}

/* The byte a backslash and b stand for. */
static unsigned char
unescape(unsigned char b)
{
	switch (b) {
	case '0': return '\0';
	case 't': return '\t';
	case 'n': return '\n';
	case 'r': return '\r';
	case 'b': return '\b';
	case 'Z': return '\032';
	default: return b;
	}
}

/* Moves the machine on by byte b of a row (counted by step). */
static int
advance(struct rows *w, unsigned char b, char *err, size_t errlen)
{
	switch (w->state) {
	case ROW_START:
		if (w->ncols == 0 && b == '\n')
			return end_field(w, b, err, errlen);
		/* FALLTHROUGH */
	case FIELD_START:
		if (b == '\\') {
			w->state = START_BACKSLASH;
			return 0;
		}
		if (begin_value(w, err, errlen) == -1)
			return -1;
		if (b == '\t' || b == '\n')
			return end_value(w, true, err, errlen) == -1 ? -1 :
			    end_field(w, b, err, errlen);
		return put_value_byte(w, b, err, errlen);
	case START_BACKSLASH:
		if (b == 'N') {
			w->state = START_NULL;
			return 0;
		}
		if (begin_value(w, err, errlen) == -1)
			return -1;
		/* A backslash before the LF stands for itself. */
		if (b == '\n')
			return put_value_byte(w, '\\', err, errlen) == -1 ||
			    end_value(w, false, err, errlen) == -1 ? -1 :
			    end_field(w, b, err, errlen);
		return put_value_byte(w, unescape(b), err, errlen);
	case START_NULL:
		if (b == '\t' || b == '\n') {
			if (open_field(w, err, errlen) == -1)
				return -1;
			fputs("NULL", w->f);
			return end_field(w, b, err, errlen);
		}
		/* \N then more: the N of a value ("\Nx" is "Nx"), then b. */
		if (begin_value(w, err, errlen) == -1 ||
		    put_value_byte(w, 'N', err, errlen) == -1)
			return -1;
		return advance(w, b, err, errlen);
	case IN_FIELD:
		if (b == '\\') {
			w->state = IN_BACKSLASH;
			return 0;
		}
		if (b == '\t' || b == '\n')
			return end_value(w, false, err, errlen) == -1 ? -1 :
			    end_field(w, b, err, errlen);
		return put_value_byte(w, b, err, errlen);
	case IN_BACKSLASH:
		w->state = IN_FIELD;
		if (b == '\n')
			return put_value_byte(w, '\\', err, errlen) == -1 ||
			    end_value(w, false, err, errlen) == -1 ? -1 :
			    end_field(w, b, err, errlen);
		return put_value_byte(w, unescape(b), err, errlen);
	}
	return 0;
}

/* Feeds one byte of the data file: a row's first opens its tuple. */
static int
step(struct rows *w, unsigned char b, char *err, size_t errlen)
{
	if (w->state == ROW_START) {
		w->line++;
		w->row_bytes = 0;
		w->col = 0;
		fputs(w->stmt_bytes == 0 ? w->prefix : ",\n", w->f);
		putc_unlocked('(', w->f);
	}
	if (b != '\n')
		w->row_bytes++;
	return advance(w, b, err, errlen);
}

/*
 * Feeds a block.  Inside a quoted value, runs of bytes that need no
 * escape on either side go out in one fwrite: rows are mostly such runs.
 */
static int
feed(struct rows *w, const unsigned char *p, size_t len, char *err,
    size_t errlen)
{
	static const char special[256] = {
		['\0'] = 1, ['\t'] = 1, ['\n'] = 1, ['\r'] = 1, ['\032'] = 1,
		['\''] = 1, ['\\'] = 1,
	};
	const unsigned char *end = p + len, *run;

	while (p < end) {
		if (w->state == IN_FIELD && w->kinds[w->col] != LIT_NUMBER) {
			for (run = p; p < end && !special[*p]; p++)
				;
			fwrite(run, 1, (size_t)(p - run), w->f);
			w->row_bytes += (size_t)(p - run);
			if (p == end)
				break;
		}
		if (step(w, *p++, err, errlen) == -1)
			return -1;
	}
	return 0;
}

int
sqlrows_write(struct restore *r, const struct rtable *t, const char *rel,
    FILE *f, char *err, size_t errlen)
{
	struct rows w = { .f = f, .state = ROW_START };
	char path[8192];
	unsigned char *buf = NULL;
	struct gzr *in = NULL;
	ssize_t n;
	int rc = -1;

	snprintf(path, sizeof(path), "%s/%s", r->dir, rel);
	w.path = path;
	if (rows_prepare(&w, t) == -1 || (buf = malloc(READ_BLOCK)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	if ((in = gzr_open_in(r->dir, rel, r->keys, err, errlen)) == NULL)
		goto out;
	flockfile(f);
	while ((n = gzr_read(in, buf, READ_BLOCK, err, errlen)) > 0)
		if (feed(&w, buf, (size_t)n, err, errlen) == -1)
			break;
	funlockfile(f);
	if (n != 0)
		goto out;
	if (w.state != ROW_START) {
		snprintf(err, errlen, "%s: last row has no end of line", path);
		goto out;
	}
	if (w.stmt_bytes > 0)
		fputs(";\n", f);
	rc = 0;
out:
	gzr_close(in);
	free(buf);
	free(w.prefix);
	free(w.kinds);
	return rc;
}
