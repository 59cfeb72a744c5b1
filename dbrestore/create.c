/* SPDX-License-Identifier: ISC */
/*
 * create: the objects of a restore created on the server, or written as
 * SQL for the mariadb client, in the order objects.c gives them.
 *
 * Each object is created in its own context: the SET the backup wrote
 * before it (sql_mode, character_set_client, collation_connection, an
 * event's time zone) runs first, the statement goes as the bytes the
 * server stored, and a routine, trigger or event whose database collation
 * was not the database's default gets it for the moment of its CREATE
 * (ALTER DATABASE, then back), as mariadb-dump does.
 *
 * A view that fails because something it reads does not exist (yet) is
 * tried again after the others, in passes, until a pass creates nothing
 * new.  One that still cannot exist here, because it reads what the
 * backup left out or what another database held, or because the server
 * already said it was invalid, is skipped and reported, not a failure.
 * Any other object that fails is reported with the rest still created,
 * so the message can list everything that is missing.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mysqld_error.h>

#include "adapt.h"
#include "apply.h"
#include "cli.h"
#include "conn.h"
#include "connect.h"
#include "create.h"
#include "name.h"
#include "objects.h"

/* The context of an object a format 1.0 backup gives none. */
#define DEFAULT_CONTEXT "SET SESSION sql_mode = '', " \
	"character_set_client = utf8mb4, collation_connection = utf8mb4_general_ci"

static bool
collation_name(const char *s)
{
	return s != NULL && s[0] != '\0' &&
	    strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_") == strlen(s);
}

static int
db_default(MYSQL *m, struct db_default *dd, const struct rdb *d, char *err,
    size_t errlen)
{
	MYSQL_RES *res;
	MYSQL_ROW row;

	if (dd->db == d)
		return 0;
	dd->db = d;
	dd->charset[0] = dd->collation[0] = '\0';
	if (mysql_query(m, "SELECT @@character_set_database, "
	    "@@collation_database") != 0 || (res = mysql_store_result(m)) == NULL) {
		snprintf(err, errlen, "%s: %s", d->target, mysql_error(m));
		return -1;
	}
	if ((row = mysql_fetch_row(res)) != NULL && row[0] && row[1]) {
		snprintf(dd->charset, sizeof(dd->charset), "%s", row[0]);
		snprintf(dd->collation, sizeof(dd->collation), "%s", row[1]);
	}
	mysql_free_result(res);
	return 0;
}

int
create_object(struct restore *r, MYSQL *m, struct db_default *dd,
    struct robj *o, unsigned int *code, char *err, size_t errlen)
{
	char sql[512], what[700], back[1024];
	size_t len;
	char *stmt;
	bool alter;
	int rc = 0;

	*code = 0;
	objects_describe(o, what, sizeof(what));
	/* A format 1.0 view has no context: the restore's own, not the last
	 * routine's sql_mode. */
	if (o->n_pre == 0 && conn_run(m, DEFAULT_CONTEXT, what, err,
	    errlen) == -1)
		return -1;
	for (size_t i = 0; i < o->n_pre; i++)
		if (conn_run(m, o->pre[i], what, err, errlen) == -1)
			return -1;
	if (db_default(m, dd, o->db, err, errlen) == -1)
		return -1;
	alter = collation_name(o->db_collation) &&
	    strcmp(o->db_collation, dd->collation) != 0;
	if (alter) {
		snprintf(sql, sizeof(sql), "ALTER DATABASE COLLATE %s",
		    o->db_collation);
		if (conn_run(m, sql, what, err, errlen) == -1)
			return -1;
	}
	err[0] = '\0';
	if (o->verbatim) {
		len = strlen(o->stmt);
		if ((stmt = strdup(o->stmt)) == NULL)
			snprintf(err, errlen, "out of memory");
	} else
		stmt = adapt_statement(r, o->stmt, o->charset, o->sql_mode, &len, err,
		    errlen);
	if (stmt == NULL)
		rc = -1;
	else if (mysql_real_query(m, stmt, (unsigned long)len) != 0) {
		*code = mysql_errno(m);
		snprintf(err, errlen, "%s: %s", what, mysql_error(m));
		rc = -1;
	} else {
		MYSQL_RES *res = mysql_store_result(m);

		if (res != NULL)
			mysql_free_result(res);
	}
	free(stmt);
	/* Back to the database's own collation, even after a failure. */
	if (alter && collation_name(dd->charset) && collation_name(dd->collation)) {
		snprintf(sql, sizeof(sql), "ALTER DATABASE CHARACTER SET %s "
		    "COLLATE %s", dd->charset, dd->collation);
		if (conn_run(m, sql, what, rc == 0 ? err : back, rc == 0 ? errlen :
		    sizeof(back)) == -1 && rc == 0)
			rc = -1;
	}
	return rc;
}

/* Errors a view gets when something it reads does not exist (yet). */
static bool
missing_error(unsigned int code)
{
	return code == ER_NO_SUCH_TABLE || code == ER_SP_DOES_NOT_EXIST ||
	    code == ER_VIEW_INVALID || code == ER_BAD_DB_ERROR ||
	    code == ER_BAD_FIELD_ERROR;
}

/*
 * Why view o cannot be created here, when it can be told: it lacks
 * something, was invalid already, or reads a view that was not created.
 */
static char *
skip_reason(const struct restore *r, const struct robj *o)
{
	char *why = NULL, what[700];

	if (o->lacks != NULL)
		return strdup(o->lacks);
	if (o->invalid) {
		const char *msg = json_string_value(json_object_get(o->json,
		    "invalid"));

		if (asprintf(&why, "it was invalid on the backed-up server: %s",
		    msg ? msg : "") == -1)
			why = NULL;
		return why;
	}
	for (size_t j = 0; j < o->n_reads; j++) {
		const struct robj *dep = &r->objs[o->reads[j]];

		if (dep->state == ROBJ_SKIPPED || dep->state == ROBJ_FAILED) {
			objects_describe(dep, what, sizeof(what));
			if (asprintf(&why, "it reads %s, which was not created",
			    what) == -1)
				why = NULL;
			return why;
		}
	}
	return NULL;
}

int
create_objects(struct restore *r, char *err, size_t errlen)
{
	struct db_default dd = { 0 };
	const struct rdb *current = NULL;
	char msg[2048], what[700];
	unsigned int code;
	size_t i, failed = 0, left, before;
	int rc = 0;

	for (int p = 0; p < PHASES; p++) {
		/* Views: passes while one creates what another missed. */
		do {
			before = left = 0;
			for (i = 0; i < r->n_objs; i++) {
				struct robj *o = &r->objs[i];

				if ((int)o->phase != p || o->state != ROBJ_PENDING)
					continue;
				before++;
				if (o->db != current) {
					if (apply_use(r->ctl, o->db, err, errlen) == -1)
						return -1;
					current = o->db;
				}
				msg[0] = '\0';
				if (create_object(r, r->ctl, &dd, o, &code, msg,
				    sizeof(msg)) == 0) {
					o->state = ROBJ_CREATED;
					continue;
				}
				free(o->why);
				o->why = strdup(msg);
				if (p == PHASE_VIEW && missing_error(code)) {
					left++;
					continue;
				}
				o->state = ROBJ_FAILED;
			}
		} while (p == PHASE_VIEW && left > 0 && left < before);
		for (i = 0; i < r->n_objs; i++) {
			struct robj *o = &r->objs[i];
			char *why;

			if ((int)o->phase != p || o->state != ROBJ_PENDING)
				continue;
			if ((why = skip_reason(r, o)) != NULL) {
				free(o->why);
				o->why = why;
				o->state = ROBJ_SKIPPED;
				objects_describe(o, what, sizeof(what));
				cli_warn("warning: %s skipped: %s", what, why);
			} else
				o->state = ROBJ_FAILED;
		}
	}
	for (i = 0; i < r->n_objs; i++)
		if (r->objs[i].state == ROBJ_FAILED && failed++ == 0)
			snprintf(err, errlen, "%s", r->objs[i].why ?
			    r->objs[i].why : "failed");
	if (failed > 0)
		rc = -1;
	/* Objects set their own context; back to the restore's. */
	if (mysql_set_character_set(r->ctl, "utf8mb4") != 0 ||
	    conn_run(r->ctl, RESTORE_SESSION_SQL, "session", msg,
	    sizeof(msg)) == -1) {
		if (rc == 0)
			snprintf(err, errlen, "%s", msg);
		rc = -1;
	}
	return rc;
}

void
create_missing(const struct restore *r, char *buf, size_t len)
{
	char what[700];
	size_t used = 0, shown = 0, more = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < r->n_objs; i++) {
		const struct robj *o = &r->objs[i];

		if (o->state != ROBJ_FAILED && o->state != ROBJ_PENDING)
			continue;
		if (shown == 8) {
			more++;
			continue;
		}
		objects_describe(o, what, sizeof(what));
		used += (size_t)snprintf(buf + used, used < len ? len - used : 0,
		    "%s%s", shown ? ", " : "", what);
		shown++;
	}
	if (more > 0 && used < len)
		snprintf(buf + used, len - used, " and %zu more", more);
}

/*
 * --sql: the same order.  A stock client stops at the first error, so a
 * view that may not be creatable (it reads what the backup does not hold,
 * or was invalid) goes inside a compound statement whose handler ignores
 * "doesn't exist": where what it reads exists it is created, elsewhere
 * the stream goes on without it.
 */
int
create_write_sql(struct restore *r, FILE *f, char *err, size_t errlen)
{
	const struct rdb *current = NULL;
	char q[600], what[700];
	size_t len;
	char *stmt;

	for (size_t i = 0; i < r->n_objs; i++) {
		struct robj *o = &r->objs[i];
		const char *cs = json_string_value(json_object_get(o->db->json,
		    "charset"));
		const char *co = json_string_value(json_object_get(o->db->json,
		    "collation"));
		bool guard = o->lacks != NULL || o->invalid, alter;

		if (o->state != ROBJ_PENDING)
			continue;
		objects_describe(o, what, sizeof(what));
		if (guard) {
			fprintf(f, "-- %s: %s: created only where that exists\n",
			    what, o->lacks ? o->lacks : "it was invalid on the "
			    "backed-up server");
			cli_warn("warning: %s: %s: the SQL creates it only where "
			    "that exists", what, o->lacks ? o->lacks : "it was "
			    "invalid on the backed-up server");
		}
		if (o->db != current) {
			name_quote(o->db->target, q, sizeof(q));
			fprintf(f, "USE %s;\n", q);
			current = o->db;
		}
		if (o->n_pre == 0)
			fprintf(f, "%s;\n", DEFAULT_CONTEXT);
		for (size_t j = 0; j < o->n_pre; j++)
			fprintf(f, "%s;\n", o->pre[j]);
		alter = collation_name(o->db_collation) && collation_name(co) &&
		    collation_name(cs) && strcmp(o->db_collation, co) != 0;
		if (alter)
			fprintf(f, "ALTER DATABASE COLLATE %s;\n", o->db_collation);
		if ((stmt = adapt_statement(r, o->stmt, o->charset, o->sql_mode,
		    &len, err, errlen)) == NULL)
			return -1;
		fputs("DELIMITER ;;\n", f);
		if (guard)
			fprintf(f, "BEGIN NOT ATOMIC DECLARE CONTINUE HANDLER FOR "
			    "%d, %d, %d, %d, %d BEGIN END;\n", ER_NO_SUCH_TABLE,
			    ER_SP_DOES_NOT_EXIST, ER_VIEW_INVALID, ER_BAD_DB_ERROR,
			    ER_BAD_FIELD_ERROR);
		fwrite(stmt, 1, len, f);
		fputs(guard ? ";\nEND\n;;\nDELIMITER ;\n" : "\n;;\nDELIMITER ;\n", f);
		free(stmt);
		if (alter)
			fprintf(f, "ALTER DATABASE CHARACTER SET %s COLLATE %s;\n",
			    cs, co);
	}
	fprintf(f, "SET NAMES utf8mb4;\n%s;\n", RESTORE_SESSION_SQL);
	return 0;
}
