/* SPDX-License-Identifier: ISC */
/*
 * check: --test's comparison.  Each restored table is read back with the
 * select expressions the backup used, every row is formatted and hashed
 * exactly as dbbackup did, and the row count and the order-independent
 * sum of row hashes must equal what the manifest recorded at backup time.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "names.h"
#include "restore.h"
#include "tsv.h"

static char *
select_sql(const struct rdb *d, const struct rtable *t)
{
	json_t *cols = json_object_get(t->json, "columns"), *c;
	char q[600], qt[1100], *sql = NULL, *expr, *grown;
	size_t i, len = 0;
	enum tsv_load load;

	if ((sql = strdup("SELECT ")) == NULL)
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

static int
check_table(MYSQL *m, const struct rdb *d, struct rtable *t, char *err,
    size_t errlen)
{
	char *sql = select_sql(d, t), *line = NULL, *grown;
	size_t cap = 0, need, len;
	MYSQL_RES *res;
	MYSQL_ROW row;
	unsigned int n;

	if (sql == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (mysql_real_query(m, sql, (unsigned long)strlen(sql)) != 0 ||
	    (res = mysql_use_result(m)) == NULL) {
		snprintf(err, errlen, "%s.%s: %s", d->target, t->name,
		    mysql_error(m));
		free(sql);
		return -1;
	}
	free(sql);
	n = mysql_num_fields(res);
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
		t->checksum_found += hash_row(line, len);
		t->rows_found++;
	}
	free(line);
	if (mysql_errno(m) != 0 || row != NULL) {
		snprintf(err, errlen, "%s.%s: %s", d->target, t->name,
		    row != NULL ? "out of memory" : mysql_error(m));
		mysql_free_result(res);
		return -1;
	}
	mysql_free_result(res);
	t->matched = t->rows_found == t->rows &&
	    (!t->has_checksum || t->checksum_found == t->checksum);
	return 0;
}

int
check_tables(struct restore *r, char *err, size_t errlen)
{
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
	return mismatches > 0 ? -1 : 0;
}
