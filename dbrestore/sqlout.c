/* SPDX-License-Identifier: ISC */
/*
 * sqlout: --sql, the backup as one plain SQL stream for a stock mariadb
 * client, so no backup is locked into dbkit, in the order of a restore:
 * databases, sequences, tables, rows, objects, accounts.  Schema
 * statements are copied one at a time; rows become multi-row INSERTs
 * (sqlrows.c); objects come with their context (create.c).  The
 * manifest's character sets and sequence values are written as they are:
 * manifest_read has checked that they are words and integers.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adapt.h"
#include "connect.h"
#include "create.h"
#include "name.h"
#include "replay.h"
#include "sqlfile.h"
#include "sqlout.h"
#include "sqlrows.h"

/*
 * Copies the statements of a schema file (utf8mb4, as dbbackup read
 * them), renamed as the restore renames databases when rename is set.
 */
static int
copy_statements(struct restore *r, const char *rel, FILE *f, bool rename,
    char *err, size_t errlen)
{
	struct sqlfile *in;
	const char *stmt;
	char *sql;
	size_t len;
	int rc;

	if ((in = sqlfile_open(r->dir, rel, r->keys, err, errlen)) == NULL)
		return -1;
	while ((rc = sqlfile_next(in, &stmt, err, errlen)) == 1) {
		sql = rename ? adapt_statement(r, stmt, "utf8mb4", "", &len, err,
		    errlen) : strdup(stmt);
		if (sql == NULL) {
			if (!rename)
				snprintf(err, errlen, "out of memory");
			rc = -1;
			break;
		}
		fprintf(f, "%s;\n", sql);
		free(sql);
	}
	sqlfile_close(in);
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
			fputs(n++ ? ", '" : "'", f);
			for (const char *c = d->tables[i].name; *c != '\0'; c++)
				fprintf(f, "%s%c", *c == '\'' || *c == '\\' ? "\\" :
				    "", *c);
			fputc('\'', f);
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
			if (sqlrows_write(r, t, json_string_value(json_object_get(c,
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
	if (create_write_sql(r, f, err, errlen) == -1)
		return -1;
	if (r->opt->grants && grants != NULL && copy_statements(r, grants, f,
	    false, err, errlen) == -1)
		return -1;
	fputs("SET SESSION foreign_key_checks = 1;\n", f);
	/* An incremental: its chain's binary log, as the replay runs it. */
	return r->chain.n > 0 ? replay_write_sql(r, f, err, errlen) : 0;
}
