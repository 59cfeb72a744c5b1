/* SPDX-License-Identifier: ISC */
/*
 * sqlout: --sql, the backup as one plain SQL stream for a stock mariadb
 * client, so no backup is locked into dbkit.  Schema statements are
 * copied; rows become multi-row INSERTs of at most INSERT_MAX bytes.
 * Numbers are written bare; every other value as a _binary'...' literal
 * of the bytes the column stored, so any character set (latin1, utf16)
 * and binary data arrive unchanged whatever the client's charset, except
 * INET6 and UUID, whose types would take a binary string as raw bytes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "gzread.h"
#include "names.h"
#include "restore.h"
#include "sqlfile.h"
#include "tsv.h"

#define INSERT_MAX (1u << 20)
#define READ_BLOCK (256u << 10)

/* How a column's values are written: bare, quoted text, or _binary. */
enum literal { LIT_NUMBER, LIT_TEXT, LIT_BINARY };

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
	for (i = 0; type != NULL && numeric[i] != NULL; i++)
		if (strcasecmp(type, numeric[i]) == 0)
			return LIT_NUMBER;
	return LIT_BINARY;
}

/* Writes a value as an SQL literal. */
static void
put_value(FILE *f, const char *v, size_t len, bool is_null, enum literal kind)
{
	size_t i;

	if (is_null) {
		fputs("NULL", f);
		return;
	}
	if (kind == LIT_NUMBER) {
		fwrite(v, 1, len, f);
		return;
	}
	fputs(kind == LIT_BINARY ? "_binary'" : "'", f);
	for (i = 0; i < len; i++) {
		switch (v[i]) {
		case '\0': fputs("\\0", f); break;
		case '\'': fputs("\\'", f); break;
		case '\\': fputs("\\\\", f); break;
		case '\n': fputs("\\n", f); break;
		case '\r': fputs("\\r", f); break;
		case '\032': fputs("\\Z", f); break;
		default: fputc(v[i], f); break;
		}
	}
	fputc('\'', f);
}

/*
 * Copies the statements of a schema file (utf8mb4, as dbbackup read
 * them), renamed as the restore renames databases when rename is set.
 */
static int
copy_statements(struct restore *r, const char *rel, FILE *f, bool rename,
    char *err, size_t errlen)
{
	char path[8192];
	char **stmts, *sql;
	size_t n, i, len;

	snprintf(path, sizeof(path), "%s/%s", r->dir, rel);
	if ((stmts = sqlfile_read(path, &n, err, errlen)) == NULL)
		return -1;
	for (i = 0; i < n; i++) {
		sql = rename ? adapt_statement(r, stmts[i], "utf8mb4", "", &len, err,
		    errlen) : strdup(stmts[i]);
		if (sql == NULL) {
			if (!rename)
				snprintf(err, errlen, "out of memory");
			sqlfile_free(stmts, n);
			return -1;
		}
		fprintf(f, "%s;\n", sql);
		free(sql);
	}
	sqlfile_free(stmts, n);
	return 0;
}

/* The INSERT prefix for table t: INSERT INTO `t` (`a`, `b`) VALUES */
static char *
insert_prefix(const struct rtable *t, enum literal **kinds, size_t *ncols)
{
	json_t *cols = json_object_get(t->json, "columns"), *c;
	size_t i, len = 64 + 2 * strlen(t->name);
	char q[600], *sql;

	json_array_foreach(cols, i, c)
		len += 2 * strlen(json_string_value(json_object_get(c, "name"))) + 8;
	*ncols = json_array_size(cols);
	if ((sql = malloc(len)) == NULL ||
	    (*kinds = calloc(*ncols + 1, sizeof(**kinds))) == NULL) {
		free(sql);
		return NULL;
	}
	name_quote(t->name, q, sizeof(q));
	sprintf(sql, "INSERT INTO %s (", q);
	json_array_foreach(cols, i, c) {
		name_quote(json_string_value(json_object_get(c, "name")), q,
		    sizeof(q));
		strcat(sql, i ? ", " : "");
		strcat(sql, q);
		(*kinds)[i] = literal_kind(json_string_value(json_object_get(c,
		    "type")), json_string_value(json_object_get(c, "load")));
	}
	strcat(sql, ") VALUES\n");
	return sql;
}

/* Converts one data file's rows into INSERT statements. */
static int
write_rows(struct restore *r, const struct rtable *t, const char *rel,
    FILE *f, char *err, size_t errlen)
{
	char path[8192], *buf = NULL, *line, *nl, *cursor, *field;
	size_t have = 0, cap = READ_BLOCK * 2, ncols, flen, col, stmt = 0;
	enum literal *kinds = NULL;
	bool is_null;
	char *prefix = insert_prefix(t, &kinds, &ncols);
	struct gzr *in;
	ssize_t n;
	int rc = 0;

	snprintf(path, sizeof(path), "%s/%s", r->dir, rel);
	if (prefix == NULL || (buf = malloc(cap)) == NULL ||
	    (in = gzr_open(path, err, errlen)) == NULL) {
		if (prefix == NULL || buf == NULL)
			snprintf(err, errlen, "out of memory");
		free(prefix);
		free(kinds);
		free(buf);
		return -1;
	}
	for (;;) {
		if (cap - have < READ_BLOCK) {
			char *grown = realloc(buf, cap * 2);

			if (grown == NULL) {
				snprintf(err, errlen, "out of memory");
				rc = -1;
				break;
			}
			buf = grown;
			cap *= 2;
		}
		n = gzr_read(in, buf + have, cap - have, err, errlen);
		if (n < 0) {
			rc = -1;
			break;
		}
		have += (size_t)n;
		line = buf;
		while ((nl = memchr(line, '\n', have - (size_t)(line - buf)))) {
			fputs(stmt == 0 ? prefix : ",\n", f);
			fputc('(', f);
			cursor = line;
			for (col = 0; tsv_next_field(&cursor, nl, &field, &flen,
			    &is_null); col++) {
				if (col > 0)
					fputc(',', f);
				put_value(f, field, flen, is_null, col < ncols ?
				    kinds[col] : LIT_BINARY);
			}
			fputc(')', f);
			stmt += (size_t)(nl - line) + 4;
			if (stmt >= INSERT_MAX) {
				fputs(";\n", f);
				stmt = 0;
			}
			line = nl + 1;
		}
		have -= (size_t)(line - buf);
		memmove(buf, line, have);
		if (n == 0)
			break;
	}
	if (stmt > 0)
		fputs(";\n", f);
	if (rc == 0 && have > 0) {
		snprintf(err, errlen, "%s: last row has no end of line", path);
		rc = -1;
	}
	gzr_close(in);
	free(buf);
	free(prefix);
	free(kinds);
	return rc;
}

static void
use(FILE *f, const struct rdb *d)
{
	char q[600];

	name_quote(d->target, q, sizeof(q));
	fprintf(f, "USE %s;\n", q);
}

/* Sequences (in pass 1) or tables (pass 0) of d, and a sequence's state. */
static int
write_tables(struct restore *r, struct rdb *d, bool sequences, FILE *f,
    char *err, size_t errlen)
{
	char q[600];
	size_t i;

	use(f, d);
	for (i = 0; i < d->n_tables; i++) {
		struct rtable *t = &d->tables[i];
		const char *file = json_string_value(json_object_get(t->json,
		    "schema_file"));
		const char *next = json_string_value(json_object_get(t->json,
		    "sequence_next"));

		if (t->is_sequence != sequences)
			continue;
		name_quote(t->name, q, sizeof(q));
		if (file != NULL && r->opt->drop_existing)
			fprintf(f, "DROP %s IF EXISTS %s;\n", t->is_sequence ?
			    "SEQUENCE" : "TABLE", q);
		if (file != NULL && copy_statements(r, file, f, true, err,
		    errlen) == -1)
			return -1;
		if (t->is_sequence && next != NULL)
			fprintf(f, "SELECT SETVAL(%s, %s, 0);\n", q, next);
	}
	return 0;
}

/*
 * A data-only backup loads into tables that exist, and their triggers
 * would fire for every row: the stream stops, before any row, where the
 * target has a trigger on one of them (a compound statement, which the
 * mariadb client runs like any other).
 */
static void
write_trigger_guard(const struct rdb *d, FILE *f)
{
	size_t i, n = 0;

	for (i = 0; i < d->n_tables; i++)
		if (d->tables[i].data_only && !d->tables[i].is_sequence)
			n++;
	if (n == 0)
		return;
	fputs("DELIMITER ;;\nIF EXISTS (SELECT 1 FROM information_schema.TRIGGERS "
	    "WHERE EVENT_OBJECT_SCHEMA = DATABASE() AND EVENT_OBJECT_TABLE IN (",
	    f);
	for (i = 0, n = 0; i < d->n_tables; i++)
		if (d->tables[i].data_only && !d->tables[i].is_sequence) {
			fputs(n++ ? ", " : "", f);
			put_value(f, d->tables[i].name, strlen(d->tables[i].name),
			    false, LIT_TEXT);
		}
	fputs(")) THEN SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'dbkit: a "
	    "table this data backup loads into has triggers, which would fire "
	    "for every row: drop them first, or use dbrestore "
	    "--disable-triggers'; END IF\n;;\nDELIMITER ;\n", f);
}

static int
write_data(struct restore *r, struct rdb *d, FILE *f, char *err, size_t errlen)
{
	size_t i, k;
	json_t *c;

	use(f, d);
	write_trigger_guard(d, f);
	for (i = 0; i < d->n_tables; i++) {
		struct rtable *t = &d->tables[i];

		if (t->versioned)
			fputs("SET SESSION system_versioning_insert_history = 1;\n", f);
		json_array_foreach(json_object_get(t->json, "chunks"), k, c)
			if (write_rows(r, t, json_string_value(json_object_get(c,
			    "file")), f, err, errlen) == -1)
				return -1;
	}
	return 0;
}

/*
 * The same order as a restore: databases, sequences, tables, rows, then
 * the objects (objects.c), then accounts.
 */
int
sqlout_write(struct restore *r, FILE *f, char *err, size_t errlen)
{
	const char *grants = json_string_value(json_object_get(r->manifest,
	    "grants_file"));
	char q[600];
	size_t i;

	fprintf(f, "-- dbkit backup %s, written by dbrestore --sql\n"
	    "SET NAMES utf8mb4;\n%s;\n", r->id, RESTORE_SESSION_SQL);
	for (i = 0; i < r->n_dbs; i++) {
		const char *cs = json_string_value(json_object_get(r->dbs[i].json,
		    "charset"));
		const char *co = json_string_value(json_object_get(r->dbs[i].json,
		    "collation"));

		name_quote(r->dbs[i].target, q, sizeof(q));
		fprintf(f, "\nCREATE DATABASE IF NOT EXISTS %s", q);
		if (cs && co && cs[0] && co[0])
			fprintf(f, " CHARACTER SET %s COLLATE %s", cs, co);
		fputs(";\n", f);
	}
	for (int sequences = 1; sequences >= 0; sequences--)
		for (i = 0; i < r->n_dbs; i++)
			if (write_tables(r, &r->dbs[i], sequences, f, err, errlen) == -1)
				return -1;
	for (i = 0; i < r->n_dbs; i++)
		if (write_data(r, &r->dbs[i], f, err, errlen) == -1)
			return -1;
	if (objects_write_sql(r, f, err, errlen) == -1)
		return -1;
	if (r->opt->grants && grants != NULL && copy_statements(r, grants, f,
	    false, err, errlen) == -1)
		return -1;
	fputs("SET SESSION foreign_key_checks = 1;\n", f);
	return 0;
}
