/* SPDX-License-Identifier: ISC */
/*
 * triggers: a data-only backup loads into tables that exist, and the
 * server fires their triggers for every row LOAD DATA inserts: a BEFORE
 * INSERT trigger would rewrite the restored data, an AFTER INSERT one
 * write elsewhere.  MariaDB has no way to load without firing them, so a
 * restore into a table with triggers is refused before anything changes,
 * unless --disable-triggers asks for the one way there is: drop them for
 * the load and create them again after, each in its own context, in the
 * order the server fired them.  Their definitions are written to a file
 * first ($TMPDIR/dbrestore-triggers.PID.sql, runnable by the mariadb
 * client), removed once they are all back: if dbrestore is killed or the
 * server goes away in between, that file is how to bring them back.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "apply.h"
#include "cli.h"
#include "conn.h"
#include "connect.h"
#include "create.h"
#include "fs.h"
#include "name.h"
#include "triggers.h"

/* Whether the restore loads table name of d into the table that is there. */
static bool
loads_into(const struct rdb *d, const char *name)
{
	for (size_t i = 0; i < d->n_tables; i++)
		if (d->tables[i].data_only && !d->tables[i].is_sequence &&
		    strcmp(d->tables[i].name, name) == 0)
			return true;
	return false;
}

/* The SET of a trigger's context, as dbbackup writes it. */
static char *
context_sql(MYSQL *m, MYSQL_ROW row)
{
	char *mode = conn_literal(m, row[2] ? row[2] : "");
	char *cs = conn_literal(m, row[3] ? row[3] : "utf8mb4");
	char *co = conn_literal(m, row[4] ? row[4] : "utf8mb4_general_ci");
	char *sql = NULL;

	if (mode != NULL && cs != NULL && co != NULL &&
	    asprintf(&sql, "SET SESSION sql_mode = %s, character_set_client = %s, "
	    "collation_connection = %s", mode, cs, co) == -1)
		sql = NULL;
	free(mode);
	free(cs);
	free(co);
	return sql;
}

/* Reads trigger row[0] of d's target: its SHOW CREATE, in its own bytes. */
static int
save_one(struct restore *r, struct rdb *d, MYSQL_ROW row, char *err,
    size_t errlen)
{
	char qdb[600], qname[600], sql[1400];
	struct robj *grown, *o;
	MYSQL_RES *res;
	MYSQL_ROW c;

	if ((grown = realloc(r->saved, (r->n_saved + 1) * sizeof(*grown))) == NULL)
		goto nomem;
	r->saved = grown;
	o = &grown[r->n_saved++];
	memset(o, 0, sizeof(*o));
	o->db = d;
	o->phase = PHASE_TRIGGER;
	o->kind = "trigger";
	o->verbatim = true;
	if ((o->name = strdup(row[0])) == NULL ||
	    (o->pre = calloc(1, sizeof(char *))) == NULL ||
	    (o->pre[0] = context_sql(r->ctl, row)) == NULL)
		goto nomem;
	o->n_pre = 1;
	name_quote(d->target, qdb, sizeof(qdb));
	name_quote(row[0], qname, sizeof(qname));
	snprintf(sql, sizeof(sql), "SHOW CREATE TRIGGER %s.%s", qdb, qname);
	if (mysql_query(r->ctl, "SET SESSION character_set_results = binary") !=
	    0 || mysql_query(r->ctl, sql) != 0 ||
	    (res = mysql_store_result(r->ctl)) == NULL) {
		snprintf(err, errlen, "%s: %s", sql, mysql_error(r->ctl));
		return -1;
	}
	c = mysql_fetch_row(res);
	if (c != NULL && mysql_num_fields(res) > 2 && c[2] != NULL)
		o->stmt = strdup(c[2]);
	mysql_free_result(res);
	if (mysql_query(r->ctl, "SET SESSION character_set_results = utf8mb4") != 0) {
		snprintf(err, errlen, "session: %s", mysql_error(r->ctl));
		return -1;
	}
	if (o->stmt == NULL) {
		snprintf(err, errlen, "%s: no statement", sql);
		return -1;
	}
	return 0;
nomem:
	snprintf(err, errlen, "out of memory");
	return -1;
}

int
triggers_check(struct restore *r, char *err, size_t errlen)
{
	char sql[2048], names[1024];
	MYSQL_RES *res;
	MYSQL_ROW row;
	int rc = 0;

	for (size_t i = 0; i < r->n_dbs && rc == 0; i++) {
		struct rdb *d = &r->dbs[i];
		size_t n = 0, used = 0;
		char *lit;

		if ((lit = conn_literal(r->ctl, d->target)) == NULL) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		snprintf(sql, sizeof(sql), "SELECT TRIGGER_NAME, EVENT_OBJECT_TABLE, "
		    "SQL_MODE, CHARACTER_SET_CLIENT, COLLATION_CONNECTION FROM "
		    "information_schema.TRIGGERS WHERE EVENT_OBJECT_SCHEMA = %s "
		    "ORDER BY EVENT_OBJECT_TABLE, EVENT_MANIPULATION, ACTION_TIMING, "
		    "ACTION_ORDER", lit);
		free(lit);
		if (mysql_query(r->ctl, sql) != 0 ||
		    (res = mysql_store_result(r->ctl)) == NULL) {
			snprintf(err, errlen, "%s: %s", d->target, mysql_error(r->ctl));
			return -1;
		}
		names[0] = '\0';
		while (rc == 0 && (row = mysql_fetch_row(res)) != NULL) {
			if (row[0] == NULL || row[1] == NULL || !loads_into(d, row[1]))
				continue;
			if (r->opt->disable_triggers)
				rc = save_one(r, d, row, err, errlen);
			else if (n++ < 5 && used < sizeof(names))
				used += (size_t)snprintf(names + used, sizeof(names) -
				    used, "%s%s on %s", n > 1 ? ", " : "", row[0], row[1]);
		}
		mysql_free_result(res);
		if (rc == 0 && n > 0) {
			snprintf(err, errlen, "%s: %zu trigger%s (%s%s) would fire for "
			    "every restored row: nothing was changed "
			    "(--disable-triggers drops them for the load and creates "
			    "them again after)", d->target, n, n == 1 ? "" : "s",
			    names, n > 5 ? ", ..." : "");
			rc = -1;
		}
	}
	return rc;
}

/* The saved triggers as SQL for the mariadb client. */
static char *
saved_sql(const struct restore *r, size_t *len)
{
	const struct rdb *current = NULL;
	char q[600], *buf = NULL;
	FILE *f = open_memstream(&buf, len);

	if (f == NULL)
		return NULL;
	fprintf(f, "-- the triggers dbrestore --disable-triggers dropped for a "
	    "load: mariadb < this-file creates them again\n");
	for (size_t i = 0; i < r->n_saved; i++) {
		const struct robj *o = &r->saved[i];

		if (o->db != current) {
			name_quote(o->db->target, q, sizeof(q));
			fprintf(f, "USE %s;\n", q);
			current = o->db;
		}
		fprintf(f, "%s;\nDELIMITER ;;\n%s\n;;\nDELIMITER ;\n", o->pre[0],
		    o->stmt);
	}
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

int
triggers_drop(struct restore *r, char *err, size_t errlen)
{
	const char *tmp = getenv("TMPDIR");
	char qdb[600], qname[600], sql[1400], *text;
	size_t len;
	int rc;

	if (r->n_saved == 0)
		return 0;
	snprintf(r->saved_path, sizeof(r->saved_path), "%s/dbrestore-triggers."
	    "%ld.sql", tmp != NULL && tmp[0] != '\0' ? tmp : "/tmp", (long)getpid());
	if ((text = saved_sql(r, &len)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	rc = fs_write_file(r->saved_path, text, len, err, errlen);
	free(text);
	if (rc == -1) {
		r->saved_path[0] = '\0';
		return -1;
	}
	for (size_t i = 0; i < r->n_saved; i++) {
		name_quote(r->saved[i].db->target, qdb, sizeof(qdb));
		name_quote(r->saved[i].name, qname, sizeof(qname));
		snprintf(sql, sizeof(sql), "DROP TRIGGER %s.%s", qdb, qname);
		if (conn_run(r->ctl, sql, "--disable-triggers", err, errlen) == -1)
			return -1;
	}
	return 0;
}

int
triggers_restore(struct restore *r, char *err, size_t errlen)
{
	struct db_default dd = { 0 };
	const struct rdb *current = NULL;
	unsigned int code;
	char msg[2048];
	int rc = 0;

	if (r->n_saved == 0)
		return 0;
	for (size_t i = 0; i < r->n_saved; i++) {
		struct robj *o = &r->saved[i];

		if (o->db != current) {
			if (apply_use(r->ctl, o->db, msg, sizeof(msg)) == -1) {
				rc = -1;
				break;
			}
			current = o->db;
		}
		if (create_object(r, r->ctl, &dd, o, &code, msg,
		    sizeof(msg)) == -1) {
			rc = -1;
			break;
		}
	}
	if (rc == 0 && (mysql_set_character_set(r->ctl, "utf8mb4") != 0 ||
	    conn_run(r->ctl, RESTORE_SESSION_SQL, "session", msg,
	    sizeof(msg)) == -1))
		rc = -1;
	if (rc == -1) {
		snprintf(err, errlen, "--disable-triggers: %s; the dropped triggers "
		    "are in %s (mariadb < %s creates them)", msg, r->saved_path,
		    r->saved_path);
		return -1;
	}
	if (unlink(r->saved_path) == -1)
		cli_warn("%s: %m", r->saved_path);
	return 0;
}
