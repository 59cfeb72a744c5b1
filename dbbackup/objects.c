/* SPDX-License-Identifier: ISC */
/*
 * objects: information_schema lists each kind of object with the context
 * the server recorded for it (one query per kind and database); SHOW
 * CREATE gives each statement.  The statements are read with
 * character_set_results = binary, so they arrive in the bytes the server
 * keeps them in, in the object's own character_set_client, and a restore
 * that sets the same character_set_client re-creates them unchanged; the
 * same text read as utf8mb4 would turn a latin1 routine's 'café' into
 * other bytes.
 *
 * What a view reads comes from information_schema.VIEWS, whose definition
 * names every table, view, sequence and function with its database
 * (`db`.`t`, `db`.`f`(...)).  Each such name is looked up: in the backup,
 * left out by --exclude, or in a database the backup does not hold.  A
 * name that is none of these is a column of a table alias, not a
 * reference.  dbrestore orders the views by these references.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli.h"
#include "conn.h"
#include "gzw.h"
#include "name.h"
#include "output.h"
#include "objects.h"
#include "sqlfile.h"
#include "sqlscan.h"

const char *const objects_file_names[OBJ_KINDS] = {
	[OBJ_VIEW] = "@views.sql",
	[OBJ_ROUTINE] = "@routines.sql",
	[OBJ_TRIGGER] = "@triggers.sql",
	[OBJ_EVENT] = "@events.sql",
};

/*
 * One query per kind, each with the same nine columns: name, type, table,
 * sql_mode, character_set_client, collation_connection, database
 * collation, time zone, view definition.  Triggers in the order the server
 * fires them, so creating them in this order keeps that order.
 */
static const char *const list_sql[OBJ_KINDS] = {
	[OBJ_VIEW] = "SELECT TABLE_NAME, 'VIEW', NULL, '', CHARACTER_SET_CLIENT, "
	    "COLLATION_CONNECTION, NULL, NULL, VIEW_DEFINITION FROM "
	    "information_schema.VIEWS WHERE TABLE_SCHEMA = %s ORDER BY TABLE_NAME",
	[OBJ_ROUTINE] = "SELECT ROUTINE_NAME, ROUTINE_TYPE, NULL, SQL_MODE, "
	    "CHARACTER_SET_CLIENT, COLLATION_CONNECTION, DATABASE_COLLATION, "
	    "NULL, NULL FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = "
	    "%s ORDER BY ROUTINE_TYPE, ROUTINE_NAME",
	[OBJ_TRIGGER] = "SELECT TRIGGER_NAME, 'TRIGGER', EVENT_OBJECT_TABLE, "
	    "SQL_MODE, CHARACTER_SET_CLIENT, COLLATION_CONNECTION, "
	    "DATABASE_COLLATION, NULL, NULL FROM information_schema.TRIGGERS "
	    "WHERE TRIGGER_SCHEMA = %s ORDER BY EVENT_OBJECT_TABLE, "
	    "EVENT_MANIPULATION, ACTION_TIMING, ACTION_ORDER",
	[OBJ_EVENT] = "SELECT EVENT_NAME, 'EVENT', NULL, SQL_MODE, "
	    "CHARACTER_SET_CLIENT, COLLATION_CONNECTION, DATABASE_COLLATION, "
	    "TIME_ZONE, NULL FROM information_schema.EVENTS WHERE EVENT_SCHEMA = "
	    "%s ORDER BY EVENT_NAME",
};

const char *
objects_kind_name(const struct object *o)
{
	static const char *const names[] = { "view", "function", "procedure",
	    "package", "package body", "trigger", "event" };
	static const char *const types[] = { "VIEW", "FUNCTION", "PROCEDURE",
	    "PACKAGE", "PACKAGE BODY", "TRIGGER", "EVENT" };

	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (strcmp(o->type, types[i]) == 0)
			return names[i];
	return "routine";
}

static char *
dup_or_null(const char *s)
{
	return s != NULL ? strdup(s) : NULL;
}

static bool
in_list(char **list, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(list[i], name) == 0)
			return true;
	return false;
}

static struct table *
find_table(struct database *d, const char *name)
{
	for (size_t i = 0; i < d->n_tables; i++)
		if (strcmp(d->tables[i].name, name) == 0)
			return &d->tables[i];
	return NULL;
}

static bool
has_object(const struct database *d, const char *name)
{
	for (size_t i = 0; i < d->n_objects; i++)
		if (d->objects[i].kind <= OBJ_ROUTINE &&
		    strcmp(d->objects[i].name, name) == 0)
			return true;
	return false;
}

/* Appends the objects of one kind in d, as list_sql lists them. */
static int
list_kind(struct backup *b, struct database *d, enum object_kind kind,
    const char *db_literal, char *err, size_t errlen)
{
	char sql[2048];
	MYSQL_RES *res;
	MYSQL_ROW row;
	int failed, rc = 0;

	snprintf(sql, sizeof(sql), list_sql[kind], db_literal);
	if ((res = conn_query(b->ctl, sql, &failed, err, errlen)) == NULL)
		return failed ? -1 : 0;
	while (rc == 0 && (row = mysql_fetch_row(res)) != NULL) {
		struct object *grown, *o;

		/* An excluded view stays out; so does a trigger of a table
		 * that is not in the backup: it could not be created. */
		if (kind == OBJ_VIEW && in_list(d->excluded, d->n_excluded, row[0]))
			continue;
		if (kind == OBJ_TRIGGER && (row[2] == NULL ||
		    find_table(d, row[2]) == NULL))
			continue;
		grown = realloc(d->objects, (d->n_objects + 1) * sizeof(*grown));
		if (grown == NULL) {
			rc = -1;
			break;
		}
		d->objects = grown;
		o = &d->objects[d->n_objects++];
		memset(o, 0, sizeof(*o));
		o->kind = kind;
		o->name = dup_or_null(row[0]);
		o->type = dup_or_null(row[1]);
		o->table = dup_or_null(row[2]);
		o->sql_mode = strdup(row[3] ? row[3] : "");
		o->charset_client = dup_or_null(row[4]);
		o->collation_connection = dup_or_null(row[5]);
		o->database_collation = dup_or_null(row[6]);
		o->time_zone = dup_or_null(row[7]);
		o->definition = dup_or_null(row[8]);
		if (o->name == NULL || o->type == NULL || o->sql_mode == NULL ||
		    o->charset_client == NULL || o->collation_connection == NULL)
			rc = -1;
	}
	mysql_free_result(res);
	if (rc == -1)
		snprintf(err, errlen, "out of memory");
	return rc;
}

/* What resolving one view's references needs. */
struct resolve {
	struct backup *b;
	struct database *d;
	struct object *view;
	char err[512];
};

/* Whether db.name is a table, view, sequence or routine on the server. */
static int
exists_on_server(MYSQL *m, const char *db, const char *name, char *err,
    size_t errlen)
{
	char *ldb = conn_literal(m, db), *lname = conn_literal(m, name), *sql = NULL;
	MYSQL_RES *res = NULL;
	int failed = 1, found = -1;

	if (ldb != NULL && lname != NULL && asprintf(&sql, "SELECT 1 FROM "
	    "information_schema.TABLES WHERE TABLE_SCHEMA = %s AND TABLE_NAME = "
	    "%s UNION ALL SELECT 1 FROM information_schema.ROUTINES WHERE "
	    "ROUTINE_SCHEMA = %s AND ROUTINE_NAME = %s LIMIT 1", ldb, lname, ldb,
	    lname) != -1) {
		res = conn_query(m, sql, &failed, err, errlen);
		if (!failed)
			found = res != NULL && mysql_num_rows(res) > 0;
	} else
		snprintf(err, errlen, "out of memory");
	if (res != NULL)
		mysql_free_result(res);
	free(sql);
	free(ldb);
	free(lname);
	return found;
}

static int
add_ref(struct object *v, const char *db, const char *name,
    enum ref_state state)
{
	struct object_ref *grown;

	for (size_t i = 0; i < v->n_reads; i++)
		if (strcmp(v->reads[i].db, db) == 0 &&
		    strcmp(v->reads[i].name, name) == 0)
			return 0;
	if ((grown = realloc(v->reads, (v->n_reads + 1) * sizeof(*grown))) == NULL)
		return -1;
	v->reads = grown;
	grown[v->n_reads].state = state;
	grown[v->n_reads].db = strdup(db);
	grown[v->n_reads].name = strdup(name);
	v->n_reads++;
	return grown[v->n_reads - 1].db != NULL &&
	    grown[v->n_reads - 1].name != NULL ? 0 : -1;
}

/* One `db`.`name` (or `db`.`table`.`column`) of a view's definition. */
static int
resolve_chain(const struct sqlscan_chain *c, void *arg)
{
	struct resolve *r = arg;
	const char *db = c->parts[0], *name = c->parts[1];
	struct database *d = NULL;
	static const char *const everywhere[] = { "information_schema",
	    "performance_schema", "mysql", "sys" };
	int found;

	if (strcmp(db, r->d->name) == 0 && strcmp(name, r->view->name) == 0)
		return 0;
	/* Every server has these; a view reading them restores anywhere. */
	for (size_t i = 0; i < 4; i++)
		if (strcasecmp(db, everywhere[i]) == 0)
			return 0;
	for (size_t i = 0; i < r->b->n_dbs && d == NULL; i++)
		if (strcmp(r->b->dbs[i].name, db) == 0)
			d = &r->b->dbs[i];
	if (d != NULL) {
		if (find_table(d, name) != NULL || has_object(d, name))
			return add_ref(r->view, db, name, REF_IN_BACKUP);
		if (in_list(d->excluded, d->n_excluded, name))
			return add_ref(r->view, db, name, REF_EXCLUDED);
		return 0;	/* a table alias and its column */
	}
	found = exists_on_server(r->b->ctl, db, name, r->err, sizeof(r->err));
	if (found == 1)
		return add_ref(r->view, db, name, REF_OUTSIDE);
	return found == 0 ? 0 : -1;
}

static int
resolve_view(struct backup *b, struct database *d, struct object *v,
    char *err, size_t errlen)
{
	struct resolve r = { .b = b, .d = d, .view = v };
	struct sqlscan_dialect dialect;

	if (v->definition == NULL)
		return 0;
	sqlscan_dialect("", "utf8mb4", &dialect);
	if (sqlscan_chains(v->definition, strlen(v->definition), &dialect,
	    resolve_chain, &r) == -1) {
		snprintf(err, errlen, "view %s: %s", v->name, r.err[0] ? r.err :
		    "out of memory");
		return -1;
	}
	for (size_t i = 0; i < v->n_reads; i++) {
		const struct object_ref *ref = &v->reads[i];

		if (ref->state == REF_EXCLUDED)
			cli_warn("warning: view %s.%s reads %s.%s, which --exclude "
			    "leaves out: a restore of this backup skips the view",
			    d->name, v->name, ref->db, ref->name);
		else if (ref->state == REF_OUTSIDE)
			cli_warn("warning: view %s.%s reads %s.%s, which is not in "
			    "this backup: a restore creates the view only where "
			    "%s.%s exists", d->name, v->name, ref->db, ref->name,
			    ref->db, ref->name);
	}
	return 0;
}

int
objects_read(struct backup *b, char *err, size_t errlen)
{
	char msg[1024];
	size_t i, j;

	for (i = 0; i < b->n_dbs; i++) {
		struct database *d = &b->dbs[i];
		char *lit = conn_literal(b->ctl, d->name);

		if (lit == NULL) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		for (int k = 0; k < OBJ_KINDS; k++)
			if (list_kind(b, d, (enum object_kind)k, lit, msg,
			    sizeof(msg)) == -1) {
				snprintf(err, errlen, "database %s: %s", d->name, msg);
				free(lit);
				return -1;
			}
		free(lit);
	}
	for (i = 0; i < b->n_dbs; i++)
		for (j = 0; j < b->dbs[i].n_objects; j++)
			if (b->dbs[i].objects[j].kind == OBJ_VIEW &&
			    resolve_view(b, &b->dbs[i], &b->dbs[i].objects[j], msg,
			    sizeof(msg)) == -1) {
				snprintf(err, errlen, "database %s: %s",
				    b->dbs[i].name, msg);
				return -1;
			}
	return 0;
}

/* The SET that puts a session into o's context. */
static char *
context_sql(MYSQL *m, const struct object *o)
{
	char *mode = conn_literal(m, o->sql_mode);
	char *cs = conn_literal(m, o->charset_client);
	char *co = conn_literal(m, o->collation_connection);
	char *tz = o->time_zone ? conn_literal(m, o->time_zone) : NULL;
	char *sql = NULL;

	if (mode != NULL && cs != NULL && co != NULL &&
	    (o->time_zone == NULL || tz != NULL) &&
	    asprintf(&sql, "SET SESSION sql_mode = %s, character_set_client = %s, "
	    "collation_connection = %s%s%s", mode, cs, co, tz ? ", time_zone = " :
	    "", tz ? tz : "") == -1)
		sql = NULL;
	free(mode);
	free(cs);
	free(co);
	free(tz);
	return sql;
}

/* The first warning of the last statement, for an invalid view. */
static char *
first_warning(MYSQL *m)
{
	MYSQL_RES *res;
	MYSQL_ROW row;
	char *msg = NULL;

	if (mysql_query(m, "SHOW WARNINGS LIMIT 1") != 0 ||
	    (res = mysql_store_result(m)) == NULL)
		return strdup("the server reports a warning");
	if ((row = mysql_fetch_row(res)) != NULL && row[2] != NULL)
		msg = strdup(row[2]);
	mysql_free_result(res);
	return msg != NULL ? msg : strdup("the server reports a warning");
}

/* Writes o's context and statement to w. */
static int
write_object(struct backup *b, struct database *d, struct object *o,
    struct gzw *w, char *err, size_t errlen)
{
	char qdb[2 * 256 + 3], qname[2 * 256 + 3], *sql = NULL, *set;
	const char *column = o->kind == OBJ_TRIGGER ? "SQL Original Statement" :
	    NULL;
	MYSQL_RES *res;
	MYSQL_ROW row;
	MYSQL_FIELD *f;
	unsigned long *lens;
	int failed, col = -1, rc = -1;

	name_quote(d->name, qdb, sizeof(qdb));
	name_quote(o->name, qname, sizeof(qname));
	if (asprintf(&sql, "SHOW CREATE %s %s.%s", o->type, qdb, qname) == -1) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if ((res = conn_query(b->ctl, sql, &failed, err, errlen)) == NULL) {
		if (!failed)
			snprintf(err, errlen, "%s: no result", sql);
		free(sql);
		return -1;
	}
	f = mysql_fetch_fields(res);
	for (unsigned int i = 0; i < mysql_num_fields(res) && col == -1; i++)
		if (column ? strcmp(f[i].name, column) == 0 :
		    strncmp(f[i].name, "Create ", 7) == 0)
			col = (int)i;
	row = mysql_fetch_row(res);
	lens = mysql_fetch_lengths(res);
	if (row == NULL || col == -1 || row[col] == NULL) {
		snprintf(err, errlen, "%.512s: no statement (missing privilege?)",
		    sql);
		goto out;
	}
	if (o->kind == OBJ_VIEW && mysql_warning_count(b->ctl) > 0 &&
	    (o->invalid = first_warning(b->ctl)) != NULL)
		cli_warn("warning: view %s.%s: %s: a restore of this backup "
		    "skips it", d->name, o->name, o->invalid);
	if ((set = context_sql(b->ctl, o)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	rc = sqlfile_add(w, set, err, errlen);
	free(set);
	if (rc == 0)
		rc = sqlfile_add_len(w, row[col], lens[col], err, errlen);
out:
	mysql_free_result(res);
	free(sql);
	return rc;
}

int
objects_write(struct backup *b, struct database *d, char *err, size_t errlen)
{
	char rel[2048];
	const char *suffix = compression_suffix(b->opt->codec);
	int rc = 0, failed;
	MYSQL_RES *res;

	res = conn_query(b->ctl, "SET SESSION character_set_results = binary",
	    &failed, err, errlen);
	if (failed)
		return -1;
	for (int k = 0; k < OBJ_KINDS && rc == 0; k++) {
		struct gzw *w = NULL;

		for (size_t i = 0; i < d->n_objects && rc == 0; i++) {
			if (d->objects[i].kind != (enum object_kind)k)
				continue;
			if (w == NULL) {
				snprintf(rel, sizeof(rel), "%s/%s%s", d->dir,
				    objects_file_names[k], suffix);
				if ((w = output_file_open(b, rel, b->opt->level, err,
				    errlen)) == NULL ||
				    sqlfile_begin(w, err, errlen) == -1) {
					rc = -1;
					break;
				}
			}
			rc = write_object(b, d, &d->objects[i], w, err, errlen);
		}
		if (w != NULL) {
			if (rc == 0)
				rc = output_file_close(b, w, rel, NULL, err, errlen);
			else
				gzw_abort(w);
			d->has_objects[k] = rc == 0;
		}
	}
	res = conn_query(b->ctl, "SET SESSION character_set_results = utf8mb4",
	    &failed, rc == 0 ? err : rel, rc == 0 ? errlen : sizeof(rel));
	(void)res;
	return rc == 0 && !failed ? 0 : -1;
}

void
objects_free(struct database *d)
{
	for (size_t i = 0; i < d->n_objects; i++) {
		struct object *o = &d->objects[i];

		for (size_t j = 0; j < o->n_reads; j++) {
			free(o->reads[j].db);
			free(o->reads[j].name);
		}
		free(o->reads);
		free(o->type);
		free(o->name);
		free(o->table);
		free(o->sql_mode);
		free(o->charset_client);
		free(o->collation_connection);
		free(o->database_collation);
		free(o->time_zone);
		free(o->definition);
		free(o->invalid);
	}
	free(d->objects);
	d->objects = NULL;
	d->n_objects = 0;
}
