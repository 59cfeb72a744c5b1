/* SPDX-License-Identifier: ISC */
/*
 * workload: the point workload's table, dbkit_bench.pool_t (id, k, c),
 * shaped like sysbench's sbtest so that the figures compare: created and
 * filled by --prepare in multi-row INSERTs of 1000 rows, dropped by
 * --cleanup, and the check before a run that the server answers and the
 * table is there.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <mysql.h>

#include "workload.h"
#include "conn.h"

#define BATCH_ROWS 1000

/* Runs statements in order until one fails.  0, or -1 with the reason. */
static int
run_all(MYSQL *m, const char *what, const char *const *sql, size_t n,
    char *err, size_t errlen)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (mysql_query(m, sql[i]) != 0) {
			snprintf(err, errlen, "%s: %s", what, mysql_error(m));
			return -1;
		}
	return 0;
}

int
workload_prepare(const struct settings *s, long long rows, char *err,
    size_t errlen)
{
	static const char *const ddl[] = {
		"CREATE DATABASE IF NOT EXISTS " BENCH_DB,
		"DROP TABLE IF EXISTS " BENCH_TABLE,
		"CREATE TABLE " BENCH_TABLE " (id BIGINT NOT NULL PRIMARY KEY,"
		    " k INT NOT NULL, c CHAR(120) NOT NULL, KEY (k))"
		    " ENGINE=InnoDB",
	};
	const char *what = "prepare " BENCH_TABLE;
	size_t cap = 128 + BATCH_ROWS * 128, len;
	char *sql = NULL;
	long long id, k;
	MYSQL *m;
	int rc = -1;

	if ((m = conn_open(s, 0, err, errlen)) == NULL)
		return -1;
	if (run_all(m, what, ddl, sizeof(ddl) / sizeof(ddl[0]), err,
	    errlen) == -1)
		goto out;
	if ((sql = malloc(cap)) == NULL) {
		snprintf(err, errlen, "%s: out of memory", what);
		goto out;
	}
	for (id = 1; id <= rows; ) {
		len = (size_t)snprintf(sql, cap, "INSERT INTO " BENCH_TABLE
		    " (id, k, c) VALUES ");
		for (k = 0; k < BATCH_ROWS && id <= rows; k++, id++)
			len += (size_t)snprintf(sql + len, cap - len,
			    "%s(%lld,%lld,'%020lld-%020lld')", k ? "," : "", id,
			    (id * 7919) % rows + 1, id * 31, id);
		if (mysql_real_query(m, sql, len) != 0) {
			snprintf(err, errlen, "%s: %s", what, mysql_error(m));
			goto out;
		}
	}
	rc = 0;
out:
	free(sql);
	mysql_close(m);
	return rc;
}

int
workload_cleanup(const struct settings *s, char *err, size_t errlen)
{
	static const char *const drop[] = { "DROP TABLE IF EXISTS " BENCH_TABLE };
	MYSQL_RES *res;
	MYSQL_ROW row;
	MYSQL *m;
	int rc = -1, failed;
	bool empty = false;

	if ((m = conn_open(s, 0, err, errlen)) == NULL)
		return -1;
	if (run_all(m, "cleanup " BENCH_TABLE, drop, 1, err, errlen) == -1)
		goto out;
	/* The database goes too, unless someone keeps other tables in it. */
	res = conn_query(m, "SELECT COUNT(*) FROM information_schema.tables"
	    " WHERE table_schema = '" BENCH_DB "'", &failed, err, errlen);
	if (res != NULL && (row = mysql_fetch_row(res)) != NULL && row[0] &&
	    strcmp(row[0], "0") == 0)
		empty = true;
	mysql_free_result(res);
	if (failed) {
		snprintf(err, errlen, "cleanup " BENCH_DB ": %s", mysql_error(m));
		goto out;
	}
	if (empty && mysql_query(m, "DROP DATABASE IF EXISTS " BENCH_DB) != 0) {
		snprintf(err, errlen, "cleanup " BENCH_DB ": %s", mysql_error(m));
		goto out;
	}
	rc = 0;
out:
	mysql_close(m);
	return rc;
}

int
workload_check(const struct bench_config *c, char *err, size_t errlen)
{
	MYSQL *m;
	int rc = 0;

	if ((m = conn_open(c->s, CONN_BOUNDED_READS, err, errlen)) == NULL)
		return -1;
	if (c->workload == WL_POINT &&
	    mysql_query(m, "SELECT id FROM " BENCH_TABLE " LIMIT 1") != 0) {
		if (mysql_errno(m) == 1146)	/* ER_NO_SUCH_TABLE */
			snprintf(err, errlen, BENCH_TABLE ": no such table "
			    "(create it with --prepare)");
		else
			snprintf(err, errlen, BENCH_TABLE ": %s",
			    mysql_error(m));
		rc = -1;
	} else if (c->workload == WL_POINT)
		mysql_free_result(mysql_store_result(m));
	mysql_close(m);
	return rc;
}
