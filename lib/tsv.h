/* SPDX-License-Identifier: ISC */
/*
 * tsv: the data files' row format, the text format LOAD DATA reads by
 * default: fields separated by TAB, rows by LF, NULL as \N, and the bytes
 * NUL, TAB, LF, CR, ^Z and backslash escaped with a backslash.  Every
 * other byte is written as it is, so binary and any character set pass
 * through unchanged.
 */
#ifndef DBKIT_TSV_H
#define DBKIT_TSV_H

#include <stdbool.h>
#include <stddef.h>

/* The most bytes tsv_escape writes for len input bytes. */
#define TSV_ESCAPED_MAX(len) (2 * (len) + 2)

/* Escapes one field (NULL: \N) into out; returns the bytes written. */
size_t tsv_escape(const char *in, size_t len, char *out);

/* The most bytes tsv_format_row writes for a row of n fields. */
size_t tsv_row_max(char **fields, const unsigned long *lens, unsigned int n);

/* Writes a row of n fields (no LF) into out; returns its length. */
size_t tsv_format_row(char **fields, const unsigned long *lens,
    unsigned int n, char *out);

/* How a column's field is loaded back (the manifest's "load"). */
enum tsv_load {
	TSV_LOAD_TEXT,		/* the bytes as they are (CHARACTER SET binary) */
	TSV_LOAD_BIT,		/* an unsigned number: CAST(@v AS UNSIGNED) */
	TSV_LOAD_CHAR,		/* text the type parses (INET6, UUID): it takes a
				   binary string as its raw bytes instead */
};

/* The manifest's names of the tsv_load values. */
extern const char *const tsv_load_names[3];

/* The load kind named name ("text" when unknown or NULL). */
enum tsv_load tsv_load_of(const char *name);

/*
 * The expression that selects a column of SQL type type (information_
 * schema DATA_TYPE) for the data files, given its quoted name, and how the
 * field loads back: FLOAT as DOUBLE (the text protocol rounds FLOAT to 6
 * digits; the DOUBLE text loads back bit-exact), BIT as an unsigned
 * number, anything else as it is.  Returns a malloc'd string.
 */
char *tsv_select_expr(const char *quoted, const char *type,
    enum tsv_load *load);

bool tsv_next_field(char **cursor, char *end, char **field, size_t *len,
    bool *is_null);

#endif
