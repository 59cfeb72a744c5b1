/* SPDX-License-Identifier: ISC */
/*
 * apply: the databases and tables of a restore, before the data: every
 * database, then the sequences of all of them (a table's DEFAULT may take
 * NEXTVAL of a sequence in any database), then the tables (foreign key
 * checks off, so in any order).  Table statements go through the same
 * renaming as the objects (adapt_statement, adapt.c): with --into or --test, a
 * sequence or a foreign key named with its database follows the rename.
 * Views, routines, triggers and events come after the data (objects.c).
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mysqld_error.h>

#include "adapt.h"
#include "apply.h"
#include "conn.h"
#include "name.h"
#include "sqlfile.h"

/* `db`.`name` into out. */
static void
qualified(const char *db, const char *name, char *out, size_t outlen)
{
	char qdb[2 * 256 + 3], qname[2 * 256 + 3];

	name_quote(db, qdb, sizeof(qdb));
	name_quote(name, qname, sizeof(qname));
	snprintf(out, outlen, "%s.%s", qdb, qname);
}

/* 1 when db.name exists as a table or view (type into kind), 0, or -1. */
static int
exists(MYSQL *m, const char *db, const char *name, char *kind, size_t kindlen,
    char *err, size_t errlen)
{
	char *ldb = conn_literal(m, db), *lname = conn_literal(m, name);
	char sql[2048];
	MYSQL_RES *res;
	MYSQL_ROW row;
	int found = 0;

	if (ldb == NULL || lname == NULL) {
		free(ldb);
		free(lname);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	snprintf(sql, sizeof(sql), "SELECT TABLE_TYPE FROM information_schema."
	    "TABLES WHERE TABLE_SCHEMA = %s AND TABLE_NAME = %s", ldb, lname);
	free(ldb);
	free(lname);
	if (mysql_query(m, sql) != 0 || (res = mysql_store_result(m)) == NULL) {
		snprintf(err, errlen, "%s", mysql_error(m));
		return -1;
	}
	if ((row = mysql_fetch_row(res)) != NULL) {
		found = 1;
		snprintf(kind, kindlen, "%s", row[0] ? row[0] : "");
	}
	mysql_free_result(res);
	return found;
}

static int
is_empty(MYSQL *m, const char *db, const char *name, char *err, size_t errlen)
{
	char q[1100], sql[1200];
	MYSQL_RES *res;
	int empty;

	qualified(db, name, q, sizeof(q));
	snprintf(sql, sizeof(sql), "SELECT 1 FROM %s LIMIT 1", q);
	if (mysql_query(m, sql) != 0 || (res = mysql_store_result(m)) == NULL) {
		snprintf(err, errlen, "%s: %s", q, mysql_error(m));
		return -1;
	}
	empty = mysql_num_rows(res) == 0;
	mysql_free_result(res);
	return empty;
}

/*
 * Refuses, before anything changes, to restore over a table that holds
 * rows or over a view, unless --drop-existing says so.
 */
int
apply_check_targets(struct restore *r, char *err, size_t errlen)
{
	char kind[64], msg[2048], q[1100];
	size_t i, j;
	int rc;

	if (r->opt->drop_existing)
		return 0;
	for (i = 0; i < r->n_dbs; i++)
		for (j = 0; j < r->dbs[i].n_tables; j++) {
			struct rdb *d = &r->dbs[i];

			/* Data-only: the tables must be there, and are loaded. */
			if (json_is_null(json_object_get(d->tables[j].json,
			    "schema_file")) && d->tables[j].is_sequence)
				continue;
			rc = exists(r->ctl, d->target, d->tables[j].name, kind,
			    sizeof(kind), msg, sizeof(msg));
			if (rc == 0)
				continue;
			if (rc == -1) {
				snprintf(err, errlen, "%s", msg);
				return -1;
			}
			qualified(d->target, d->tables[j].name, q, sizeof(q));
			/* A sequence always holds its state: never "empty". */
			if (strcmp(kind, "VIEW") == 0 || d->tables[j].is_sequence ||
			    strcmp(kind, "SEQUENCE") == 0 ||
			    (rc = is_empty(r->ctl, d->target, d->tables[j].name,
			    msg, sizeof(msg))) == 0) {
				snprintf(err, errlen, "%s exists and is not empty: "
				    "nothing was changed (--drop-existing replaces "
				    "it, --into restores beside it)", q);
				return -1;
			}
			if (rc == -1) {
				snprintf(err, errlen, "%s", msg);
				return -1;
			}
		}
	return 0;
}

/*
 * Runs the statements of one schema file of the backup (in utf8mb4, as
 * dbbackup read them); with rename, renamed as the restore renames
 * databases.
 */
static int
run_file(struct restore *r, MYSQL *m, const char *rel, bool rename, char *err,
    size_t errlen)
{
	struct sqlfile *f;
	const char *stmt;
	char *sql;
	size_t len;
	int rc;

	if ((f = sqlfile_open(r->dir, rel, r->keys, err, errlen)) == NULL)
		return -1;
	while ((rc = sqlfile_next(f, &stmt, err, errlen)) == 1) {
		sql = rename ? adapt_statement(r, stmt, "utf8mb4", "", &len, err,
		    errlen) : strdup(stmt);
		if (sql == NULL && !rename)
			snprintf(err, errlen, "out of memory");
		rc = sql == NULL ? -1 : conn_run(m, sql, rel, err, errlen);
		free(sql);
		if (rc == -1)
			break;
	}
	sqlfile_close(f);
	return rc;
}

int
apply_use(MYSQL *m, const struct rdb *d, char *err, size_t errlen)
{
	char q[600], sql[700];

	name_quote(d->target, q, sizeof(q));
	snprintf(sql, sizeof(sql), "USE %s", q);
	return conn_run(m, sql, d->target, err, errlen);
}

static int
create_database(struct restore *r, const struct rdb *d, char *err,
    size_t errlen)
{
	const char *cs = json_string_value(json_object_get(d->json, "charset"));
	const char *co = json_string_value(json_object_get(d->json, "collation"));
	char q[600], sql[1024];

	name_quote(d->target, q, sizeof(q));
	if (cs != NULL && co != NULL && cs[0] && co[0] &&
	    strspn(cs, "abcdefghijklmnopqrstuvwxyz0123456789_") == strlen(cs) &&
	    strspn(co, "abcdefghijklmnopqrstuvwxyz0123456789_") == strlen(co))
		snprintf(sql, sizeof(sql), "CREATE DATABASE IF NOT EXISTS %s "
		    "CHARACTER SET %s COLLATE %s", q, cs, co);
	else
		snprintf(sql, sizeof(sql), "CREATE DATABASE IF NOT EXISTS %s", q);
	return conn_run(r->ctl, sql, d->target, err, errlen);
}

/*
 * Empties a table a data-only backup loads into (--drop-existing).  An
 * engine without TRUNCATE (ARCHIVE) gets its table re-created from its
 * own definition instead.
 */
static int
empty_table(struct restore *r, const char *q, char *err, size_t errlen)
{
	char sql[1400];
	MYSQL_RES *res;
	MYSQL_ROW row;
	char *create;
	int rc;

	snprintf(sql, sizeof(sql), "TRUNCATE TABLE %s", q);
	if (mysql_query(r->ctl, sql) == 0)
		return 0;
	if (mysql_errno(r->ctl) != ER_ILLEGAL_HA)
		return conn_run(r->ctl, sql, q, err, errlen);
	snprintf(sql, sizeof(sql), "SHOW CREATE TABLE %s", q);
	if (mysql_query(r->ctl, sql) != 0 || (res = mysql_store_result(r->ctl)) ==
	    NULL) {
		snprintf(err, errlen, "%s: %s", q, mysql_error(r->ctl));
		return -1;
	}
	row = mysql_fetch_row(res);
	create = row != NULL && row[1] != NULL ? strdup(row[1]) : NULL;
	mysql_free_result(res);
	if (create == NULL) {
		snprintf(err, errlen, "%s: cannot read its definition", q);
		return -1;
	}
	snprintf(sql, sizeof(sql), "DROP TABLE %s", q);
	rc = conn_run(r->ctl, sql, q, err, errlen);
	if (rc == 0)
		rc = conn_run(r->ctl, create, q, err, errlen);
	free(create);
	return rc;
}

static int
create_table(struct restore *r, const struct rdb *d, const struct rtable *t,
    char *err, size_t errlen)
{
	const char *file = json_string_value(json_object_get(t->json,
	    "schema_file"));
	const char *next = json_string_value(json_object_get(t->json,
	    "sequence_next"));
	char q[1100], sql[1400], kind[64];
	int rc;

	qualified(d->target, t->name, q, sizeof(q));
	if (file == NULL) {
		/* A data-only backup loads into the tables that exist. */
		if (!t->is_sequence && r->opt->drop_existing &&
		    empty_table(r, q, err, errlen) == -1)
			return -1;
		goto state;
	}
	rc = exists(r->ctl, d->target, t->name, kind, sizeof(kind), err, errlen);
	if (rc == -1)
		return -1;
	if (rc == 1) {
		/* Checked before: empty, or --drop-existing. */
		snprintf(sql, sizeof(sql), "DROP %s %s",
		    strcmp(kind, "VIEW") == 0 ? "VIEW" :
		    strcmp(kind, "SEQUENCE") == 0 ? "SEQUENCE" : "TABLE", q);
		if (conn_run(r->ctl, sql, q, err, errlen) == -1)
			return -1;
	}
	if (run_file(r, r->ctl, file, true, err, errlen) == -1)
		return -1;
state:
	if (t->is_sequence && next != NULL &&
	    strspn(next, "-0123456789") == strlen(next)) {
		snprintf(sql, sizeof(sql), "SELECT SETVAL(%s, %s, 0)", q, next);
		if (conn_run(r->ctl, sql, q, err, errlen) == -1)
			return -1;
	}
	return 0;
}

/*
 * Databases, then sequences, then tables: a table's DEFAULT NEXTVAL(s)
 * needs s to exist, in its own database or another.
 */
int
apply_tables(struct restore *r, char *err, size_t errlen)
{
	size_t i, j;

	for (i = 0; i < r->n_dbs; i++)
		if (create_database(r, &r->dbs[i], err, errlen) == -1)
			return -1;
	for (int sequences = 1; sequences >= 0; sequences--)
		for (i = 0; i < r->n_dbs; i++) {
			struct rdb *d = &r->dbs[i];

			if (apply_use(r->ctl, d, err, errlen) == -1)
				return -1;
			for (j = 0; j < d->n_tables; j++)
				if (d->tables[j].is_sequence == (sequences == 1) &&
				    create_table(r, d, &d->tables[j], err,
				    errlen) == -1)
					return -1;
		}
	return 0;
}

/* Users and grants (--grants): accounts are global, so --test skips them. */
int
apply_grants(struct restore *r, char *err, size_t errlen)
{
	const char *rel = json_string_value(json_object_get(r->manifest,
	    "grants_file"));

	if (!r->opt->grants || r->opt->mode == MODE_TEST || rel == NULL)
		return 0;
	return run_file(r, r->ctl, rel, false, err, errlen);
}

int
apply_drop_databases(struct restore *r, char *err, size_t errlen)
{
	char q[600], sql[700];
	size_t i;
	int rc = 0;

	for (i = 0; i < r->n_dbs; i++) {
		if (r->dbs[i].target[0] == '\0')
			continue;	/* --test stopped before naming it */
		name_quote(r->dbs[i].target, q, sizeof(q));
		snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS %s", q);
		if (conn_run(r->ctl, sql, r->dbs[i].target, err, errlen) == -1)
			rc = -1;
	}
	return rc;
}
