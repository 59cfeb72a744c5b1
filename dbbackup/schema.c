/* SPDX-License-Identifier: ISC */
/*
 * schema: information_schema gives the lists (one query per kind and
 * database, not per table), SHOW CREATE gives the statements exactly as
 * the server would recreate them.  Tables and sequences are here; views,
 * routines, triggers and events are in objects.c.
 */
#define _GNU_SOURCE
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <mysqld_error.h>

#include "chunk.h"
#include "cli.h"
#include "conn.h"
#include "gzw.h"
#include "name.h"
#include "output.h"
#include "objects.h"
#include "schema.h"
#include "sqlfile.h"
#include "tsv.h"

#define SQL_MAX 8192

static const char *const system_dbs[] = { "mysql", "information_schema",
	"performance_schema", "sys", NULL };

static char *
dup_or_empty(const char *s)
{
	return strdup(s ? s : "");
}

static int
excluded(const struct options *o, const char *db, const char *table)
{
	char full[2048];
	size_t i;

	snprintf(full, sizeof(full), "%s.%s", db, table ? table : "*");
	for (i = 0; i < o->n_excludes; i++)
		if (fnmatch(o->excludes[i], table ? full : db, 0) == 0)
			return 1;
	return 0;
}

static int
wanted_db(const struct options *o, const char *name)
{
	size_t i;

	if (o->n_only > 0) {
		for (i = 0; i < o->n_only; i++)
			if (strcmp(o->only_databases[i], name) == 0)
				return !excluded(o, name, NULL);
		return 0;
	}
	for (i = 0; system_dbs[i] != NULL; i++)
		if (strcasecmp(system_dbs[i], name) == 0)
			return 0;
	return !excluded(o, name, NULL);
}

static int
list_databases(struct backup *b, char *err, size_t errlen)
{
	MYSQL_RES *res;
	MYSQL_ROW row;
	size_t i;

	res = conn_select(b->ctl, "SELECT SCHEMA_NAME, DEFAULT_CHARACTER_SET_NAME, "
	    "DEFAULT_COLLATION_NAME FROM information_schema.SCHEMATA "
	    "ORDER BY SCHEMA_NAME", err, errlen);
	if (res == NULL)
		return -1;
	b->dbs = calloc(mysql_num_rows(res) + 1, sizeof(*b->dbs));
	while (b->dbs != NULL && (row = mysql_fetch_row(res)) != NULL) {
		struct database *d = &b->dbs[b->n_dbs];
		char enc[3 * 256 + 1];

		if (!wanted_db(b->opt, row[0]))
			continue;
		name_file(row[0], enc, sizeof(enc));
		d->name = strdup(row[0]);
		d->dir = strdup(enc);
		d->charset = dup_or_empty(row[1]);
		d->collation = dup_or_empty(row[2]);
		b->n_dbs++;
	}
	mysql_free_result(res);
	if (b->dbs == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (i = 0; i < b->opt->n_only; i++) {
		size_t j;

		for (j = 0; j < b->n_dbs; j++)
			if (strcmp(b->dbs[j].name, b->opt->only_databases[i]) == 0)
				break;
		if (j == b->n_dbs) {
			snprintf(err, errlen, "database '%s' does not exist",
			    b->opt->only_databases[i]);
			return -1;
		}
	}
	return 0;
}

static struct table *
find_table(struct database *d, const char *name)
{
	size_t i;

	for (i = 0; i < d->n_tables; i++)
		if (strcmp(d->tables[i].name, name) == 0)
			return &d->tables[i];
	return NULL;
}

static int
list_tables(struct backup *b, struct database *d, char *err, size_t errlen)
{
	char sql[SQL_MAX], *lit;
	MYSQL_RES *res;
	MYSQL_ROW row;

	if ((lit = conn_literal(b->ctl, d->name)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	snprintf(sql, sizeof(sql), "SELECT TABLE_NAME, TABLE_TYPE, "
	    "COALESCE(ENGINE, ''), COALESCE(TABLE_ROWS, 0), "
	    "COALESCE(DATA_LENGTH, 0) FROM information_schema.TABLES "
	    "WHERE TABLE_SCHEMA = %s ORDER BY TABLE_NAME", lit);
	free(lit);
	if ((res = conn_select(b->ctl, sql, err, errlen)) == NULL)
		return -1;
	d->tables = calloc(mysql_num_rows(res) + 1, sizeof(*d->tables));
	d->excluded = calloc(mysql_num_rows(res) + 1, sizeof(*d->excluded));
	while (d->tables && d->excluded && (row = mysql_fetch_row(res)) != NULL) {
		struct table *t = &d->tables[d->n_tables];
		char enc[3 * 256 + 1];

		/* What is left out is remembered: a view may read it. */
		if (excluded(b->opt, d->name, row[0])) {
			if ((d->excluded[d->n_excluded] = strdup(row[0])) != NULL)
				d->n_excluded++;
			continue;
		}
		if (strcmp(row[1], "VIEW") == 0)
			continue;	/* objects.c */
		name_file(row[0], enc, sizeof(enc));
		t->db = d;
		t->name = strdup(row[0]);
		t->file_name = strdup(enc);
		t->engine = strdup(row[2]);
		t->is_sequence = strcmp(row[1], "SEQUENCE") == 0;
		t->versioned = strcmp(row[1], "SYSTEM VERSIONED") == 0;
		t->transactional = strcasecmp(row[2], "InnoDB") == 0;
		t->estimated_rows = strtoll(row[3], NULL, 10);
		t->data_bytes = strtoll(row[4], NULL, 10);
		d->n_tables++;
	}
	mysql_free_result(res);
	if (d->tables == NULL || d->excluded == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

/* Integer types: the ones a primary key can be chunked by. */
static int
integer_type(const char *type)
{
	static const char *const ints[] = { "tinyint", "smallint", "mediumint",
	    "int", "bigint", NULL };
	size_t i;

	for (i = 0; ints[i] != NULL; i++)
		if (strcasecmp(type, ints[i]) == 0)
			return 1;
	return 0;
}

static int
list_columns(struct backup *b, struct database *d, char *err, size_t errlen)
{
	char sql[SQL_MAX], quoted[2 * 256 + 3], *lit;
	MYSQL_RES *res;
	MYSQL_ROW row;
	struct table *t;

	if ((lit = conn_literal(b->ctl, d->name)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	/* Generated columns (and a system-versioned table's row_start and
	 * row_end) are computed by the server: they are not loaded. */
	snprintf(sql, sizeof(sql), "SELECT TABLE_NAME, COLUMN_NAME, DATA_TYPE, "
	    "IS_GENERATED, COLUMN_KEY FROM information_schema.COLUMNS "
	    "WHERE TABLE_SCHEMA = %s ORDER BY TABLE_NAME, ORDINAL_POSITION", lit);
	if ((res = conn_select(b->ctl, sql, err, errlen)) == NULL) {
		free(lit);
		return -1;
	}
	while ((row = mysql_fetch_row(res)) != NULL) {
		struct column *grown, *c;

		if ((t = find_table(d, row[0])) == NULL || t->is_sequence ||
		    strcmp(row[3], "NEVER") != 0)
			continue;
		grown = realloc(t->columns, (t->n_columns + 1) * sizeof(*grown));
		if (grown == NULL)
			break;
		t->columns = grown;
		c = &t->columns[t->n_columns++];
		memset(c, 0, sizeof(*c));
		name_quote(row[1], quoted, sizeof(quoted));
		c->name = strdup(row[1]);
		c->type = strdup(row[2]);
		c->select = tsv_select_expr(quoted, row[2], &c->load);
	}
	mysql_free_result(res);

	snprintf(sql, sizeof(sql), "SELECT k.TABLE_NAME, MIN(k.COLUMN_NAME), "
	    "MIN(c.DATA_TYPE), MIN(c.COLUMN_TYPE) "
	    "FROM information_schema.KEY_COLUMN_USAGE k "
	    "JOIN information_schema.COLUMNS c ON c.TABLE_SCHEMA = "
	    "k.TABLE_SCHEMA AND c.TABLE_NAME = k.TABLE_NAME AND "
	    "c.COLUMN_NAME = k.COLUMN_NAME WHERE k.TABLE_SCHEMA = %s AND "
	    "k.CONSTRAINT_NAME = 'PRIMARY' GROUP BY k.TABLE_NAME "
	    "HAVING COUNT(*) = 1", lit);
	free(lit);
	if ((res = conn_select(b->ctl, sql, err, errlen)) == NULL)
		return -1;
	while ((row = mysql_fetch_row(res)) != NULL)
		if ((t = find_table(d, row[0])) != NULL && integer_type(row[2])) {
			t->key = strdup(row[1]);
			t->key_unsigned = strstr(row[3], "unsigned") != NULL;
		}
	mysql_free_result(res);
	return 0;
}

/* The second column of a SHOW CREATE ... statement. */
static char *
show_create(MYSQL *m, const char *what, const char *db, const char *name,
    int column, char *err, size_t errlen)
{
	char sql[SQL_MAX], qdb[2 * 256 + 3], qname[2 * 256 + 3];
	MYSQL_RES *res;
	MYSQL_ROW row;
	char *out = NULL;

	name_quote(db, qdb, sizeof(qdb));
	name_quote(name, qname, sizeof(qname));
	if (db[0] != '\0')
		snprintf(sql, sizeof(sql), "SHOW CREATE %s %s.%s", what, qdb, qname);
	else
		snprintf(sql, sizeof(sql), "SHOW CREATE %s %s", what, qname);
	if ((res = conn_select(m, sql, err, errlen)) == NULL)
		return NULL;
	if ((row = mysql_fetch_row(res)) != NULL &&
	    (int)mysql_num_fields(res) > column && row[column] != NULL)
		out = strdup(row[column]);
	else
		snprintf(err, errlen, "%.512s: no statement", sql);
	mysql_free_result(res);
	return out;
}

static int
read_sequence(struct backup *b, struct table *t, char *err, size_t errlen)
{
	char sql[SQL_MAX], qdb[2 * 256 + 3], qname[2 * 256 + 3];
	MYSQL_RES *res;
	MYSQL_ROW row;

	name_quote(t->db->name, qdb, sizeof(qdb));
	name_quote(t->name, qname, sizeof(qname));
	snprintf(sql, sizeof(sql), "SELECT next_not_cached_value FROM %s.%s",
	    qdb, qname);
	if ((res = conn_select(b->ctl, sql, err, errlen)) == NULL)
		return -1;
	if ((row = mysql_fetch_row(res)) != NULL && row[0] != NULL)
		t->sequence_next = strdup(row[0]);
	mysql_free_result(res);
	return 0;
}

/*
 * A system-versioned table's row_start and row_end (or the columns its
 * PERIOD FOR SYSTEM_TIME names) are not in information_schema.COLUMNS
 * when implicit; they are dumped too, so the history survives the trip.
 */
static int
add_period_columns(struct table *t)
{
	const char *p = strstr(t->create_sql, "PERIOD FOR SYSTEM_TIME (`");
	char names[2][256] = { "row_start", "row_end" }, quoted[2 * 256 + 3];
	struct column *grown;
	size_t i, k;

	if (p != NULL && sscanf(p, "PERIOD FOR SYSTEM_TIME (`%255[^`]`, `%255[^`]`)",
	    names[0], names[1]) != 2)
		return -1;
	for (k = 0; k < 2; k++) {
		for (i = 0; i < t->n_columns; i++)
			if (strcmp(t->columns[i].name, names[k]) == 0)
				break;
		if (i < t->n_columns)
			continue;
		grown = realloc(t->columns, (t->n_columns + 1) * sizeof(*grown));
		if (grown == NULL)
			return -1;
		t->columns = grown;
		name_quote(names[k], quoted, sizeof(quoted));
		grown[t->n_columns].name = strdup(names[k]);
		grown[t->n_columns].type = strdup("timestamp");
		grown[t->n_columns].select = tsv_select_expr(quoted, "timestamp",
		    &grown[t->n_columns].load);
		t->n_columns++;
	}
	return 0;
}

int
schema_read(struct backup *b, char *err, size_t errlen)
{
	char msg[1024];
	size_t i, j;

	if (list_databases(b, err, errlen) == -1)
		return -1;
	for (i = 0; i < b->n_dbs; i++) {
		struct database *d = &b->dbs[i];

		d->create_sql = show_create(b->ctl, "DATABASE", "", d->name, 1,
		    msg, sizeof(msg));
		if (d->create_sql == NULL || list_tables(b, d, msg, sizeof(msg)) ==
		    -1 || list_columns(b, d, msg, sizeof(msg)) == -1) {
			snprintf(err, errlen, "database %s: %s", d->name, msg);
			return -1;
		}
		for (j = 0; j < d->n_tables; j++) {
			struct table *t = &d->tables[j];

			t->create_sql = show_create(b->ctl, t->is_sequence ?
			    "SEQUENCE" : "TABLE", d->name, t->name, 1, msg,
			    sizeof(msg));
			if (t->create_sql != NULL && t->versioned &&
			    add_period_columns(t) == -1)
				snprintf(msg, sizeof(msg), "cannot read its "
				    "system-time period");
			if (t->create_sql == NULL ||
			    (t->versioned && t->n_columns < 2) ||
			    (t->is_sequence && read_sequence(b, t, msg,
			    sizeof(msg)) == -1) ||
			    (!t->is_sequence && b->type != TYPE_SCHEMA &&
			    chunk_plan(b, t, msg, sizeof(msg)) == -1)) {
				snprintf(err, errlen, "table %s.%s: %s", d->name,
				    t->name, msg);
				return -1;
			}
		}
	}
	return b->type == TYPE_DATA ? 0 : objects_read(b, err, errlen);
}

static int
write_table_schema(struct backup *b, struct table *t, char *err, size_t errlen)
{
	char rel[2048];
	struct gzw *w;

	snprintf(rel, sizeof(rel), "%s/%s.sql%s", t->db->dir, t->file_name,
	    compression_suffix(b->opt->codec));
	if ((w = output_file_open(b, rel, b->opt->level, err, errlen)) == NULL)
		return -1;
	if (sqlfile_begin(w, err, errlen) == -1 ||
	    sqlfile_add(w, t->create_sql, err, errlen) == -1) {
		gzw_abort(w);
		return -1;
	}
	return output_file_close(b, w, rel, NULL, err, errlen);
}

/*
 * A GRANT without its "IDENTIFIED BY PASSWORD '...'" clause: the password
 * travels in CREATE USER IF NOT EXISTS, which leaves an existing account's
 * password alone; a GRANT with the clause would reset it.
 */
static void
strip_password(char *grant)
{
	char *p = strstr(grant, " IDENTIFIED BY PASSWORD '"), *end;

	if (strncmp(grant, "GRANT ", 6) != 0 || p == NULL ||
	    (end = strchr(p + 25, '\'')) == NULL)
		return;
	memmove(p, end + 1, strlen(end + 1) + 1);
}

/* Adds the rows of a SHOW GRANTS (its first column) to the file. */
static int
add_grants(struct backup *b, struct gzw *w, const char *sql, char *err,
    size_t errlen)
{
	MYSQL_RES *res;
	MYSQL_ROW r;
	int rc = 0;

	if ((res = conn_select(b->ctl, sql, err, errlen)) == NULL) {
		snprintf(err, errlen, "grants: %.600s: %s", sql, mysql_error(b->ctl));
		return -1;
	}
	while (rc == 0 && (r = mysql_fetch_row(res)) != NULL) {
		if (r[0] == NULL)
			continue;
		strip_password(r[0]);
		rc = sqlfile_add(w, r[0], err, errlen);
	}
	mysql_free_result(res);
	return rc;
}

/*
 * Roles first (a user's GRANT of a role needs the role), then users: each
 * as CREATE ... IF NOT EXISTS, since the restoring server has its own
 * root, then its grants.
 */
static int
write_account(struct backup *b, struct gzw *w, MYSQL_ROW row, char *err,
    size_t errlen)
{
	char sql[SQL_MAX], user[1100], host[2100], *stmt = NULL, *u, *h;
	bool role = strcmp(row[2], "Y") == 0;
	MYSQL_RES *res;
	MYSQL_ROW r;
	int rc = 0;

	/* MariaDB's limits: 128 characters of user, 255 of host (x4 bytes). */
	u = conn_literal(b->ctl, row[0]);
	h = conn_literal(b->ctl, row[1]);
	snprintf(user, sizeof(user), "%s", u ? u : "");
	snprintf(host, sizeof(host), "%s", h ? h : "");
	free(u);
	free(h);
	if (u == NULL || h == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (role) {
		if (asprintf(&stmt, "CREATE ROLE IF NOT EXISTS %s", user) == -1 ||
		    sqlfile_add(w, stmt, err, errlen) == -1) {
			free(stmt);
			return -1;
		}
		free(stmt);
		snprintf(sql, sizeof(sql), "SHOW GRANTS FOR %s", user);
		return add_grants(b, w, sql, err, errlen);
	}
	snprintf(sql, sizeof(sql), "SHOW CREATE USER %s@%s", user, host);
	if ((res = conn_select(b->ctl, sql, err, errlen)) == NULL) {
		if (mysql_errno(b->ctl) == ER_PASSWORD_NO_MATCH) {
			/* A host-name account under skip-name-resolve: the
			 * server itself can neither show it nor match it. */
			cli_warn("grants: skipping %s@%s: %s", user, host,
			    mysql_error(b->ctl));
			return 0;
		}
		snprintf(err, errlen, "grants: %.600s: %s", sql, mysql_error(b->ctl));
		return -1;
	}
	if ((r = mysql_fetch_row(res)) != NULL && r[0] != NULL &&
	    strncmp(r[0], "CREATE USER ", 12) == 0) {
		if (asprintf(&stmt, "CREATE USER IF NOT EXISTS %s", r[0] + 12) == -1)
			rc = -1;
		else
			rc = sqlfile_add(w, stmt, err, errlen);
		free(stmt);
	}
	mysql_free_result(res);
	snprintf(sql, sizeof(sql), "SHOW GRANTS FOR %s@%s", user, host);
	return rc == 0 ? add_grants(b, w, sql, err, errlen) : -1;
}

static int
write_grants(struct backup *b, char *err, size_t errlen)
{
	char rel[64];
	MYSQL_RES *accounts;
	MYSQL_ROW row;
	struct gzw *w;
	int rc = 0;

	snprintf(rel, sizeof(rel), "@grants.sql%s",
	    compression_suffix(b->opt->codec));
	/* The accounts every server creates for itself are the target's own. */
	if ((accounts = conn_select(b->ctl, "SELECT User, Host, is_role FROM "
	    "mysql.user WHERE User NOT IN ('', 'root', 'mariadb.sys', 'mysql') "
	    "ORDER BY is_role DESC, User, Host", err, errlen)) == NULL) {
		snprintf(err, errlen, "grants: %s", mysql_error(b->ctl));
		return -1;
	}
	if ((w = output_file_open(b, rel, b->opt->level, err, errlen)) ==
	    NULL || sqlfile_begin(w, err, errlen) == -1) {
		mysql_free_result(accounts);
		return -1;
	}
	while (rc == 0 && (row = mysql_fetch_row(accounts)) != NULL)
		rc = write_account(b, w, row, err, errlen);
	mysql_free_result(accounts);
	if (rc == -1) {
		gzw_abort(w);
		return -1;
	}
	return output_file_close(b, w, rel, NULL, err, errlen);
}

int
schema_write(struct backup *b, char *err, size_t errlen)
{
	char msg[1024];
	size_t i, j;

	for (i = 0; i < b->n_dbs; i++) {
		struct database *d = &b->dbs[i];

		for (j = 0; j < d->n_tables; j++)
			if (write_table_schema(b, &d->tables[j], msg,
			    sizeof(msg)) == -1)
				goto fail;
		if (objects_write(b, d, msg, sizeof(msg)) == -1)
			goto fail;
		continue;
fail:
		snprintf(err, errlen, "database %s: %s", d->name, msg);
		return -1;
	}
	if (b->opt->grants && write_grants(b, err, errlen) == -1)
		return -1;
	return 0;
}

void
schema_free(struct backup *b)
{
	size_t i, j, k;

	for (i = 0; i < b->n_dbs; i++) {
		struct database *d = &b->dbs[i];

		for (j = 0; j < d->n_tables; j++) {
			struct table *t = &d->tables[j];

			for (k = 0; k < t->n_columns; k++) {
				free(t->columns[k].name);
				free(t->columns[k].type);
				free(t->columns[k].select);
			}
			free(t->columns);
			free(t->name);
			free(t->file_name);
			free(t->engine);
			free(t->key);
			free(t->create_sql);
			free(t->sequence_next);
			free(t->chunks);
		}
		for (j = 0; j < d->n_excluded; j++)
			free(d->excluded[j]);
		free(d->excluded);
		objects_free(d);
		free(d->tables);
		free(d->name);
		free(d->dir);
		free(d->charset);
		free(d->collation);
		free(d->create_sql);
	}
	free(b->dbs);
	b->dbs = NULL;
	b->n_dbs = 0;
}
