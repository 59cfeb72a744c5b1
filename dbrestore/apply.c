/* SPDX-License-Identifier: ISC */
/*
 * apply: the statements of a restore, in the order that works: databases,
 * tables (foreign key checks off, so any order), then, after the data,
 * views, routines, triggers and events.  Views are created in the
 * backup's order and, if one still misses a view it reads, retried in
 * passes until no pass makes progress.  With --into or --test, view
 * definitions name the original database, which is rewritten to the
 * target; with --drop-existing, CREATE becomes CREATE OR REPLACE.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mysqld_error.h>

#include "conn.h"
#include "names.h"
#include "restore.h"
#include "sqlfile.h"

/* A value as a quoted SQL string, malloc'd (identifiers: name_quote). */
static char *
restore_literal(MYSQL *m, const char *s)
{
	size_t len = strlen(s);
	char *out = malloc(2 * len + 3);

	if (out == NULL)
		return NULL;
	out[0] = '\'';
	len = mysql_real_escape_string(m, out + 1, s, (unsigned long)len);
	out[len + 1] = '\'';
	out[len + 2] = '\0';
	return out;
}

static int
run(MYSQL *m, const char *sql, const char *what, char *err, size_t errlen)
{
	MYSQL_RES *res;

	if (mysql_real_query(m, sql, (unsigned long)strlen(sql)) != 0) {
		snprintf(err, errlen, "%s: %s", what, mysql_error(m));
		return -1;
	}
	if ((res = mysql_store_result(m)) != NULL)
		mysql_free_result(res);
	return 0;
}

MYSQL *
apply_connect(struct restore *r, unsigned int flags, char *err, size_t errlen)
{
	MYSQL *m = conn_open(r->settings, flags, err, errlen);

	if (m == NULL)
		return NULL;
	if (run(m, RESTORE_SESSION_SQL, "session", err, errlen) == -1 ||
	    (r->opt->no_binlog && run(m, "SET SESSION sql_log_bin = 0",
	    "--no-binlog", err, errlen) == -1)) {
		mysql_close(m);
		return NULL;
	}
	return m;
}

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
	char *ldb = restore_literal(m, db), *lname = restore_literal(m, name);
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

/* s with every from replaced by to, malloc'd; NULL when out of memory. */
static char *
replace_all(const char *s, const char *from, const char *to)
{
	size_t flen = strlen(from), tlen = strlen(to), n = 0;
	const char *p;
	char *out, *o;

	for (p = s; (p = strstr(p, from)) != NULL; p += flen)
		n++;
	if ((out = malloc(strlen(s) + n * tlen + 1)) == NULL)
		return NULL;
	for (o = out; (p = strstr(s, from)) != NULL; s = p + flen) {
		memcpy(o, s, (size_t)(p - s));
		o += p - s;
		memcpy(o, to, tlen);
		o += tlen;
	}
	strcpy(o, s);
	return out;
}

/*
 * --test creates events disabled: in scratch databases they must not fire,
 * and one that names another database could change real data.  The server
 * writes the status in the header of SHOW CREATE EVENT, before " DO ".
 */
static char *
disable_event(char *stmt)
{
	char *event, *body, *enable, *out;

	if (strncmp(stmt, "CREATE ", 7) != 0 ||
	    (event = strstr(stmt, " EVENT ")) == NULL ||
	    (body = strstr(event, " DO ")) == NULL ||
	    (enable = strstr(event, " ENABLE")) == NULL || enable > body)
		return stmt;
	if (asprintf(&out, "%.*s DISABLE%s", (int)(enable - stmt), stmt,
	    enable + 7) == -1)
		out = NULL;
	free(stmt);
	return out;
}

char *
apply_adapt(const struct restore *r, const struct rdb *d, const char *stmt,
    bool rewrite)
{
	char qsrc[600], qdst[600], *out, *replaced;

	name_quote(d->name, qsrc, sizeof(qsrc) - 1);
	name_quote(d->target, qdst, sizeof(qdst) - 1);
	strcat(qsrc, ".");
	strcat(qdst, ".");
	if (rewrite && strcmp(qsrc, qdst) != 0)
		out = replace_all(stmt, qsrc, qdst);
	else
		out = strdup(stmt);
	if (out != NULL && r->opt->test)
		out = disable_event(out);
	if (out != NULL && r->opt->drop_existing &&
	    strncmp(out, "CREATE ", 7) == 0 &&
	    strncmp(out, "CREATE TABLE", 12) != 0 &&
	    strncmp(out, "CREATE SEQUENCE", 15) != 0 &&
	    strncmp(out, "CREATE USER", 11) != 0 &&
	    strncmp(out, "CREATE ROLE", 11) != 0) {
		if (asprintf(&replaced, "CREATE OR REPLACE %s", out + 7) == -1)
			replaced = NULL;
		free(out);
		out = replaced;
	}
	return out;
}

/* Runs the statements of one schema file of the backup in database db. */
static int
run_file(struct restore *r, MYSQL *m, const char *rel, const struct rdb *d,
    bool rewrite, char *err, size_t errlen)
{
	struct sqlfile *f;
	const char *stmt;
	int rc;

	if ((f = sqlfile_open(r->dir, rel, err, errlen)) == NULL)
		return -1;
	while ((rc = sqlfile_next(f, &stmt, err, errlen)) == 1) {
		char *sql = apply_adapt(r, d, stmt, rewrite);

		if (sql == NULL) {
			snprintf(err, errlen, "out of memory");
			rc = -1;
		} else
			rc = run(m, sql, rel, err, errlen);
		free(sql);
		if (rc == -1)
			break;
	}
	sqlfile_close(f);
	return rc;
}

static int
use_db(MYSQL *m, const struct rdb *d, char *err, size_t errlen)
{
	char q[600], sql[700];

	name_quote(d->target, q, sizeof(q));
	snprintf(sql, sizeof(sql), "USE %s", q);
	return run(m, sql, d->target, err, errlen);
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
	return run(r->ctl, sql, d->target, err, errlen);
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
		snprintf(sql, sizeof(sql), "TRUNCATE TABLE %s", q);
		if (!t->is_sequence && r->opt->drop_existing &&
		    run(r->ctl, sql, q, err, errlen) == -1)
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
		if (run(r->ctl, sql, q, err, errlen) == -1)
			return -1;
	}
	if (run_file(r, r->ctl, file, d, false, err, errlen) == -1)
		return -1;
state:
	if (t->is_sequence && next != NULL &&
	    strspn(next, "-0123456789") == strlen(next)) {
		snprintf(sql, sizeof(sql), "SELECT SETVAL(%s, %s, 0)", q, next);
		if (run(r->ctl, sql, q, err, errlen) == -1)
			return -1;
	}
	return 0;
}

int
apply_tables(struct restore *r, char *err, size_t errlen)
{
	size_t i, j;

	for (i = 0; i < r->n_dbs; i++) {
		struct rdb *d = &r->dbs[i];

		if (create_database(r, d, err, errlen) == -1 ||
		    use_db(r->ctl, d, err, errlen) == -1)
			return -1;
		for (j = 0; j < d->n_tables; j++)
			if (create_table(r, d, &d->tables[j], err, errlen) == -1)
				return -1;
	}
	return 0;
}

/*
 * Views, in passes: a view whose source view does not exist yet fails
 * with ER_NO_SUCH_TABLE and is tried again in the next pass.
 */
static int
create_views(struct restore *r, const struct rdb *d, const char *rel,
    char *err, size_t errlen)
{
	char **stmts, *sql;
	bool *done;
	size_t n, i, left, before;
	int rc = 0;

	if ((stmts = sqlfile_read(r->dir, rel, &n, err, errlen)) == NULL)
		return -1;
	if ((done = calloc(n + 1, sizeof(bool))) == NULL) {
		sqlfile_free(stmts, n);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	left = n;
	do {
		before = left;
		for (i = 0; i < n && rc == 0; i++) {
			if (done[i])
				continue;
			if ((sql = apply_adapt(r, d, stmts[i], true)) == NULL) {
				snprintf(err, errlen, "out of memory");
				rc = -1;
				break;
			}
			if (mysql_query(r->ctl, sql) == 0) {
				done[i] = true;
				left--;
			} else {
				/* Kept for the end: a later pass may still fix it. */
				snprintf(err, errlen, "%s: %s", rel,
				    mysql_error(r->ctl));
				if (mysql_errno(r->ctl) != ER_NO_SUCH_TABLE)
					rc = -1;
			}
			free(sql);
		}
	} while (rc == 0 && left > 0 && left < before);
	free(done);
	sqlfile_free(stmts, n);
	return rc == 0 && left > 0 ? -1 : rc;
}

int
apply_objects(struct restore *r, char *err, size_t errlen)
{
	static const char *const kinds[] = { "routines_file", "triggers_file",
	    "events_file" };
	const char *rel;
	size_t i, k;

	for (i = 0; i < r->n_dbs; i++) {
		struct rdb *d = &r->dbs[i];

		if (!d->whole)
			continue;	/* --table restores tables only */
		if (use_db(r->ctl, d, err, errlen) == -1)
			return -1;
		rel = json_string_value(json_object_get(d->json, "views_file"));
		if (rel != NULL && create_views(r, d, rel, err, errlen) == -1)
			return -1;
		for (k = 0; k < 3; k++) {
			rel = json_string_value(json_object_get(d->json, kinds[k]));
			if (rel != NULL && run_file(r, r->ctl, rel, d, true, err,
			    errlen) == -1)
				return -1;
		}
	}
	rel = json_string_value(json_object_get(r->manifest, "grants_file"));
	/* Accounts are global: --test never touches them. */
	if (r->opt->grants && !r->opt->test && rel != NULL && r->n_dbs > 0 &&
	    run_file(r, r->ctl, rel, &r->dbs[0], false, err, errlen) == -1)
		return -1;
	/* Objects were created under their own sql_mode; back to ours. */
	return run(r->ctl, RESTORE_SESSION_SQL, "session", err, errlen);
}

int
apply_drop_databases(struct restore *r, char *err, size_t errlen)
{
	char q[600], sql[700];
	size_t i;
	int rc = 0;

	for (i = 0; i < r->n_dbs; i++) {
		name_quote(r->dbs[i].target, q, sizeof(q));
		snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS %s", q);
		if (run(r->ctl, sql, r->dbs[i].target, err, errlen) == -1)
			rc = -1;
	}
	return rc;
}
