/* SPDX-License-Identifier: ISC */
/*
 * sqlout: --sql, the backup as one plain SQL stream for a stock mariadb
 * client, so no backup is locked into dbkit.  Schema statements are
 * copied one at a time; rows become multi-row INSERTs (sqlrows.c).  The
 * manifest's character sets and sequence values are written as they are:
 * manifest_read has checked that they are words and integers.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "names.h"
#include "restore.h"
#include "sqlfile.h"

static int
copy_statements(struct restore *r, const struct rdb *d, const char *rel,
    FILE *f, bool delimiter, bool rewrite, char *err, size_t errlen)
{
	struct sqlfile *in;
	const char *stmt;
	char *sql;
	size_t n;
	int rc;

	if ((in = sqlfile_open(r->dir, rel, err, errlen)) == NULL)
		return -1;
	for (n = 0; (rc = sqlfile_next(in, &stmt, err, errlen)) == 1; n++) {
		if (delimiter && n == 0)
			fputs("DELIMITER ;;\n", f);
		if ((sql = apply_adapt(r, d, stmt, rewrite)) == NULL) {
			snprintf(err, errlen, "out of memory");
			rc = -1;
			break;
		}
		fprintf(f, "%s%s", sql, delimiter ? "\n;;\n" : ";\n");
		free(sql);
	}
	if (rc == 0 && delimiter && n > 0)
		fputs("DELIMITER ;\n", f);
	sqlfile_close(in);
	return rc;
}

static int
write_db(struct restore *r, struct rdb *d, FILE *f, char *err, size_t errlen)
{
	static const char *const kinds[] = { "views_file", "routines_file",
	    "triggers_file", "events_file" };
	const char *cs = json_string_value(json_object_get(d->json, "charset"));
	const char *co = json_string_value(json_object_get(d->json, "collation"));
	char q[600];
	size_t i, k;

	name_quote(d->target, q, sizeof(q));
	fprintf(f, "\nCREATE DATABASE IF NOT EXISTS %s", q);
	if (cs && co && cs[0] && co[0])
		fprintf(f, " CHARACTER SET %s COLLATE %s", cs, co);
	fprintf(f, ";\nUSE %s;\n", q);
	for (i = 0; i < d->n_tables; i++) {
		const char *file = json_string_value(json_object_get(
		    d->tables[i].json, "schema_file"));

		if (file != NULL && r->opt->drop_existing) {
			name_quote(d->tables[i].name, q, sizeof(q));
			fprintf(f, "DROP %s IF EXISTS %s;\n", d->tables[i].is_sequence ?
			    "SEQUENCE" : "TABLE", q);
		}
		if (file != NULL && copy_statements(r, d, file, f, false, false, err,
		    errlen) == -1)
			return -1;
	}
	for (i = 0; i < d->n_tables; i++) {
		struct rtable *t = &d->tables[i];
		const char *next = json_string_value(json_object_get(t->json,
		    "sequence_next"));
		json_t *c;

		if (t->is_sequence && next != NULL) {
			name_quote(t->name, q, sizeof(q));
			fprintf(f, "SELECT SETVAL(%s, %s, 0);\n", q, next);
		}
		if (t->versioned)
			fputs("SET SESSION system_versioning_insert_history = 1;\n", f);
		json_array_foreach(json_object_get(t->json, "chunks"), k, c)
			if (sqlrows_write(r, t, json_string_value(json_object_get(c,
			    "file")), f, err, errlen) == -1)
				return -1;
	}
	if (!d->whole)
		return 0;
	for (k = 0; k < 4; k++) {
		const char *rel = json_string_value(json_object_get(d->json,
		    kinds[k]));

		if (rel != NULL && copy_statements(r, d, rel, f, true, true, err,
		    errlen) == -1)
			return -1;
	}
	/* Objects set their own sql_mode and time zone; the rows need ours. */
	fprintf(f, "%s;\n", RESTORE_SESSION_SQL);
	return 0;
}

int
sqlout_write(struct restore *r, FILE *f, char *err, size_t errlen)
{
	size_t i;
	fprintf(f, "-- dbkit backup %s, written by dbrestore --sql\n"
	    "SET NAMES utf8mb4;\n%s;\n", r->id, RESTORE_SESSION_SQL);
	const char *grants = json_string_value(json_object_get(r->manifest,
	    "grants_file"));

	for (i = 0; i < r->n_dbs; i++)
		if (write_db(r, &r->dbs[i], f, err, errlen) == -1)
			return -1;
	if (r->opt->grants && grants != NULL && r->n_dbs > 0 &&
	    copy_statements(r, &r->dbs[0], grants, f, false, false, err,
	    errlen) == -1)
		return -1;
	fputs("SET SESSION foreign_key_checks = 1;\n", f);
	return 0;
}
