/* SPDX-License-Identifier: ISC */
/*
 * check: --test's comparison.  Each restored table is read back with the
 * select expressions the backup used, every row is formatted and hashed
 * exactly as dbbackup did, and the row count and the order-independent
 * sum of row hashes must equal what the manifest recorded at backup time.
 * Then every table, sequence, view, routine, trigger and event is read
 * back as dbbackup read it, on a connection with no current database
 * (SHOW CREATE VIEW leaves out the current one) and, for objects, in
 * binary: its SHOW CREATE must be the backup's statement as the restore
 * ran it (renamed to the scratch database, events disabled), and the
 * context the server recorded for it (sql_mode, character_set_client,
 * collation_connection, database collation, time zone) what the manifest
 * says.  A table's AUTO_INCREMENT counter is not compared: rows written
 * between reading the definition and the snapshot move it.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adapt.h"
#include "check.h"
#include "conn.h"
#include "connect.h"
#include "name.h"
#include "sha256.h"
#include "sqlfile.h"
#include "tsv.h"

static char *
select_sql(const struct rdb *d, const struct rtable *t)
{
	json_t *cols = json_object_get(t->json, "columns"), *c;
	char q[600], qt[1100], *sql = NULL, *expr, *grown;
	size_t i, len = 0;
	enum tsv_load load;

	/* No stored column: count the rows, each hashed as an empty line. */
	if ((sql = strdup(json_array_size(cols) == 0 ? "SELECT 1" : "SELECT ")) ==
	    NULL)
		return NULL;
	json_array_foreach(cols, i, c) {
		const char *type = json_string_value(json_object_get(c, "type"));

		name_quote(json_string_value(json_object_get(c, "name")), q,
		    sizeof(q));
		if ((expr = tsv_select_expr(q, type ? type : "", &load)) == NULL)
			goto fail;
		len = strlen(sql) + strlen(expr) + 4;
		if ((grown = realloc(sql, len)) == NULL) {
			free(expr);
			goto fail;
		}
		sql = grown;
		if (i > 0)
			strcat(sql, ", ");
		strcat(sql, expr);
		free(expr);
	}
	name_quote(d->target, q, sizeof(q));
	snprintf(qt, sizeof(qt), " FROM %s.", q);
	name_quote(t->name, q, sizeof(q));
	if ((grown = realloc(sql, strlen(sql) + strlen(qt) + strlen(q) + 32)) ==
	    NULL)
		goto fail;
	sql = grown;
	strcat(sql, qt);
	strcat(sql, q);
	if (t->versioned)
		strcat(sql, " FOR SYSTEM_TIME ALL");
	return sql;
fail:
	free(sql);
	return NULL;
}

int
check_table_sum(MYSQL *m, const struct rdb *d, const struct rtable *t,
    uint64_t *rows, uint64_t *sum, char *err, size_t errlen)
{
	char *sql = select_sql(d, t), *line = NULL, *grown;
	bool no_columns = json_array_size(json_object_get(t->json, "columns")) == 0;
	size_t cap = 0, need, len;
	MYSQL_RES *res;
	MYSQL_ROW row;
	unsigned int n;

	*rows = *sum = 0;
	if (sql == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (mysql_real_query(m, sql, (unsigned long)strlen(sql)) != 0 ||
	    (res = mysql_use_result(m)) == NULL) {
		snprintf(err, errlen, "%s.%s: %s", d->name, t->name, mysql_error(m));
		free(sql);
		return -1;
	}
	free(sql);
	n = no_columns ? 0 : mysql_num_fields(res);
	while ((row = mysql_fetch_row(res)) != NULL) {
		unsigned long *lens = mysql_fetch_lengths(res);

		need = tsv_row_max(row, lens, n);
		if (need > cap) {
			if ((grown = realloc(line, need)) == NULL)
				break;
			line = grown;
			cap = need;
		}
		len = tsv_format_row(row, lens, n, line);
		*sum += hash_row(line, len);
		(*rows)++;
	}
	free(line);
	if (mysql_errno(m) != 0 || row != NULL) {
		snprintf(err, errlen, "%s.%s: %s", d->name, t->name,
		    row != NULL ? "out of memory" : mysql_error(m));
		mysql_free_result(res);
		return -1;
	}
	mysql_free_result(res);
	return 0;
}

static int
check_table(MYSQL *m, const struct rdb *d, struct rtable *t, char *err,
    size_t errlen)
{
	if (check_table_sum(m, d, t, &t->rows_found, &t->checksum_found, err,
	    errlen) == -1)
		return -1;
	t->matched = t->rows_found == t->rows &&
	    (!t->has_checksum || t->checksum_found == t->checksum);
	return 0;
}

/* The statement column of SHOW CREATE type db.name, malloc'd; NULL: none. */
static char *
show_create(MYSQL *m, const char *type, const char *db, const char *name,
    char *err, size_t errlen)
{
	char qdb[600], qname[600], *sql = NULL, *out = NULL;
	MYSQL_RES *res;
	MYSQL_ROW row;
	MYSQL_FIELD *f;
	unsigned int i;

	name_quote(db, qdb, sizeof(qdb));
	name_quote(name, qname, sizeof(qname));
	if (asprintf(&sql, "SHOW CREATE %s %s.%s", type, qdb, qname) == -1) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (mysql_query(m, sql) != 0 || (res = mysql_store_result(m)) == NULL) {
		snprintf(err, errlen, "%s.%s: %s", db, name, mysql_error(m));
		free(sql);
		return NULL;
	}
	free(sql);
	f = mysql_fetch_fields(res);
	if ((row = mysql_fetch_row(res)) != NULL)
		for (i = 0; i < mysql_num_fields(res) && out == NULL; i++)
			if ((strncmp(f[i].name, "Create ", 7) == 0 ||
			    strcmp(f[i].name, "SQL Original Statement") == 0) &&
			    row[i] != NULL && (out = strdup(row[i])) == NULL)
				snprintf(err, errlen, "out of memory");
	if (row == NULL || (out == NULL && err[0] == '\0'))
		snprintf(err, errlen, "%s.%s: no definition", db, name);
	mysql_free_result(res);
	return out;
}

/* s without " AUTO_INCREMENT=N", in place. */
static void
drop_auto_increment(char *s)
{
	char *p = strstr(s, " AUTO_INCREMENT="), *end;

	if (p == NULL)
		return;
	for (end = p + 16; *end >= '0' && *end <= '9'; end++)
		;
	memmove(p, end, strlen(end) + 1);
}

/* Whether table t of d has the definition the backup recorded. */
static int
check_table_definition(struct restore *r, MYSQL *m, const struct rdb *d,
    struct rtable *t, char *err, size_t errlen)
{
	const char *file = json_string_value(json_object_get(t->json,
	    "schema_file"));
	char **stmts, *want, *got;
	size_t n, len;

	if (file == NULL)
		return 0;
	if ((stmts = sqlfile_read(r->dir, file, r->keys, &n, err, errlen)) == NULL)
		return -1;
	want = n == 1 ? adapt_statement(r, stmts[0], "utf8mb4", "", &len, err,
	    errlen) : NULL;
	sqlfile_free(stmts, n);
	if (want == NULL) {
		if (n != 1)
			snprintf(err, errlen, "%s: not one statement", file);
		return -1;
	}
	if ((got = show_create(m, t->is_sequence ? "SEQUENCE" : "TABLE",
	    d->target, t->name, err, errlen)) == NULL) {
		free(want);
		return -1;
	}
	drop_auto_increment(want);
	drop_auto_increment(got);
	t->definition_differs = strcmp(want, got) != 0;
	free(want);
	free(got);
	return 0;
}

/* The information_schema query of an object's recorded context. */
static const char *
context_query(const struct robj *o)
{
	switch (o->phase) {
	case PHASE_VIEW:
		return "SELECT CHARACTER_SET_CLIENT, COLLATION_CONNECTION FROM "
		    "information_schema.VIEWS WHERE TABLE_SCHEMA = %s AND "
		    "TABLE_NAME = %s";
	case PHASE_ROUTINE:
		return "SELECT SQL_MODE, CHARACTER_SET_CLIENT, COLLATION_CONNECTION, "
		    "DATABASE_COLLATION FROM information_schema.ROUTINES WHERE "
		    "ROUTINE_SCHEMA = %s AND ROUTINE_NAME = %s AND ROUTINE_TYPE = %s";
	case PHASE_TRIGGER:
		return "SELECT SQL_MODE, CHARACTER_SET_CLIENT, COLLATION_CONNECTION, "
		    "DATABASE_COLLATION FROM information_schema.TRIGGERS WHERE "
		    "TRIGGER_SCHEMA = %s AND TRIGGER_NAME = %s";
	case PHASE_EVENT:
		return "SELECT SQL_MODE, CHARACTER_SET_CLIENT, COLLATION_CONNECTION, "
		    "DATABASE_COLLATION, TIME_ZONE FROM information_schema.EVENTS "
		    "WHERE EVENT_SCHEMA = %s AND EVENT_NAME = %s";
	}
	return NULL;
}

/* o's SHOW CREATE type: its kind in capitals. */
static void
show_type(const struct robj *o, char *buf, size_t len)
{
	size_t i;

	for (i = 0; o->kind[i] != '\0' && i + 1 < len; i++)
		buf[i] = (char)toupper((unsigned char)o->kind[i]);
	buf[i] = '\0';
}

/*
 * Compares o's recorded context with the manifest's; sets o->why to the
 * first difference.  0, or -1 when it cannot be read.
 */
static int
check_context(MYSQL *m, struct robj *o, const char *type, char *err,
    size_t errlen)
{
	char *ldb = conn_literal(m, o->db->target), *lname = conn_literal(m,
	    o->name), *ltype = conn_literal(m, type), *sql = NULL;
	MYSQL_RES *res = NULL;
	MYSQL_FIELD *f;
	MYSQL_ROW row;
	int rc = -1;

	if (ldb == NULL || lname == NULL || ltype == NULL ||
	    asprintf(&sql, context_query(o), ldb, lname, ltype) == -1) {
		sql = NULL;
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	if (mysql_query(m, sql) != 0 || (res = mysql_store_result(m)) == NULL) {
		snprintf(err, errlen, "%s: %s", o->name, mysql_error(m));
		goto out;
	}
	rc = 0;
	if ((row = mysql_fetch_row(res)) == NULL) {
		o->why = strdup("it is not there");
		goto out;
	}
	f = mysql_fetch_fields(res);
	for (unsigned int i = 0; i < mysql_num_fields(res) && o->why == NULL;
	    i++) {
		char key[64];
		const char *want;
		size_t k;

		for (k = 0; f[i].name[k] != '\0' && k + 1 < sizeof(key); k++)
			key[k] = (char)tolower((unsigned char)f[i].name[k]);
		key[k] = '\0';
		want = json_string_value(json_object_get(o->json, key));
		if (want != NULL && strcmp(want, row[i] ? row[i] : "") != 0 &&
		    asprintf(&o->why, "%s is %s, the backup recorded %s", key,
		    row[i] ? row[i] : "NULL", want) == -1)
			o->why = NULL;
	}
out:
	if (res != NULL)
		mysql_free_result(res);
	free(sql);
	free(ldb);
	free(lname);
	free(ltype);
	return rc;
}

/* Compares every created object with the backup; sets o->differs. */
static int
check_objects(struct restore *r, MYSQL *m, char *err, size_t errlen)
{
	char type[32];
	size_t len;

	for (size_t i = 0; i < r->n_objs; i++) {
		struct robj *o = &r->objs[i];
		char *want, *got;

		if (o->state != ROBJ_CREATED || o->name == NULL)
			continue;
		r->objects_checked++;
		show_type(o, type, sizeof(type));
		free(o->why);
		o->why = NULL;
		if ((want = adapt_statement(r, o->stmt, o->charset, o->sql_mode, &len,
		    err, errlen)) == NULL)
			return -1;
		if ((got = show_create(m, type, o->db->target, o->name, err,
		    errlen)) == NULL) {
			free(want);
			return -1;
		}
		if (strcmp(want, got) != 0)
			o->why = strdup("its SHOW CREATE differs from the backup's "
			    "statement");
		free(want);
		free(got);
		if (o->why == NULL && o->json != NULL &&
		    check_context(m, o, type, err, errlen) == -1)
			return -1;
		o->differs = o->why != NULL;
	}
	return 0;
}

/* The definitions of tables and objects, on a connection with no database. */
static int
check_definitions(struct restore *r, int *mismatches, char *err,
    size_t errlen)
{
	MYSQL *m = connect_session(r, 0, err, errlen);
	int rc = 0;

	if (m == NULL)
		return -1;
	for (size_t i = 0; i < r->n_dbs && rc == 0; i++)
		for (size_t j = 0; j < r->dbs[i].n_tables && rc == 0; j++) {
			struct rtable *t = &r->dbs[i].tables[j];

			rc = check_table_definition(r, m, &r->dbs[i], t, err, errlen);
			if (rc == 0 && t->definition_differs) {
				t->matched = false;
				if ((*mismatches)++ == 0)
					snprintf(err, errlen, "%s.%s: its definition "
					    "differs from the backup's", r->dbs[i].name,
					    t->name);
			}
		}
	if (rc == 0 && mysql_query(m, "SET SESSION character_set_results = "
	    "binary") != 0) {
		snprintf(err, errlen, "session: %s", mysql_error(m));
		rc = -1;
	}
	if (rc == 0)
		rc = check_objects(r, m, err, errlen);
	for (size_t i = 0; rc == 0 && i < r->n_objs; i++)
		if (r->objs[i].differs && (*mismatches)++ == 0)
			snprintf(err, errlen, "%s %s.%s: %s", r->objs[i].kind,
			    r->objs[i].db->name, r->objs[i].name, r->objs[i].why);
	mysql_close(m);
	return rc;
}

int
check_tables(struct restore *r, char *err, size_t errlen)
{
	char msg[2048];
	size_t i, j;
	int mismatches = 0;

	if (mysql_query(r->ctl, "SET SESSION character_set_results = binary") != 0) {
		snprintf(err, errlen, "session: %s", mysql_error(r->ctl));
		return -1;
	}
	for (i = 0; i < r->n_dbs; i++)
		for (j = 0; j < r->dbs[i].n_tables; j++) {
			struct rtable *t = &r->dbs[i].tables[j];

			if (t->is_sequence) {
				t->matched = true;
				continue;
			}
			if (check_table(r->ctl, &r->dbs[i], t, err, errlen) == -1)
				return -1;
			if (!t->matched && mismatches++ == 0)
				snprintf(err, errlen, "%s.%s: restored %llu row%s with "
				    "checksum %016llx, the backup recorded %llu row%s "
				    "with %016llx", r->dbs[i].name, t->name,
				    (unsigned long long)t->rows_found,
				    t->rows_found == 1 ? "" : "s",
				    (unsigned long long)t->checksum_found,
				    (unsigned long long)t->rows,
				    t->rows == 1 ? "" : "s",
				    (unsigned long long)t->checksum);
		}
	mysql_query(r->ctl, "SET SESSION character_set_results = utf8mb4");
	if (check_definitions(r, &mismatches, mismatches > 0 ? msg : err,
	    mismatches > 0 ? sizeof(msg) : errlen) == -1)
		return -1;
	return mismatches > 0 ? -1 : 0;
}
