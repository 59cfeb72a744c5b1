/* SPDX-License-Identifier: ISC */
/*
 * scratch: the databases --test restores into, named
 * dbkit_test_CONNECTION_N after the server's id of the restoring
 * connection, which also holds the user lock dbkit_test_CONNECTION for
 * as long as it lives.  A --test that was killed leaves its databases
 * behind, but not its lock (the server drops a connection's locks with
 * it), so the next --test finds them, sees that nobody holds their lock,
 * and drops them.  A scratch database of a --test still running keeps its
 * lock and is left alone.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "conn.h"
#include "name.h"
#include "scratch.h"

#define SCRATCH_PREFIX "dbkit_test_"

/* The first column of the first row of sql, as a number; -1 if NULL. */
static long long
query_number(MYSQL *m, const char *sql, char *err, size_t errlen)
{
	MYSQL_RES *res;
	MYSQL_ROW row;
	long long v = -1;

	if (mysql_query(m, sql) != 0 || (res = mysql_store_result(m)) == NULL) {
		snprintf(err, errlen, "--test: %s", mysql_error(m));
		return -2;
	}
	if ((row = mysql_fetch_row(res)) != NULL && row[0] != NULL)
		v = strtoll(row[0], NULL, 10);
	mysql_free_result(res);
	return v;
}

/* Drops the scratch databases whose --test is gone. */
static int
drop_stale(struct restore *r, char *err, size_t errlen)
{
	char sql[256], q[600], drop[700];
	MYSQL_RES *res;
	MYSQL_ROW row;
	char **stale = NULL;
	size_t n = 0;
	int rc = 0;

	if (mysql_query(r->ctl, "SHOW DATABASES LIKE 'dbkit\\_test\\_%'") != 0 ||
	    (res = mysql_store_result(r->ctl)) == NULL) {
		snprintf(err, errlen, "--test: %s", mysql_error(r->ctl));
		return -1;
	}
	while ((row = mysql_fetch_row(res)) != NULL) {
		unsigned long long owner;
		char **grown;
		int used = 0;

		if (sscanf(row[0], SCRATCH_PREFIX "%llu_%*u%n", &owner, &used) != 1 ||
		    row[0][used] != '\0')
			continue;	/* not a name --test makes: not ours */
		snprintf(sql, sizeof(sql), "SELECT IS_USED_LOCK('" SCRATCH_PREFIX
		    "%llu')", owner);
		if (query_number(r->ctl, sql, err, errlen) != -1)
			continue;	/* a --test that still runs, or an error */
		if ((grown = realloc(stale, (n + 1) * sizeof(char *))) == NULL ||
		    (grown[n] = strdup(row[0])) == NULL) {
			stale = grown ? grown : stale;
			rc = -1;
			break;
		}
		stale = grown;
		n++;
	}
	mysql_free_result(res);
	for (size_t i = 0; i < n; i++) {
		name_quote(stale[i], q, sizeof(q));
		snprintf(drop, sizeof(drop), "DROP DATABASE IF EXISTS %s", q);
		if (rc == 0 && conn_run(r->ctl, drop, stale[i], err, errlen) == 0)
			cli_warn("dropped %s, a scratch database left by a --test "
			    "that did not finish", stale[i]);
		free(stale[i]);
	}
	free(stale);
	if (rc == -1 && err[0] == '\0')
		snprintf(err, errlen, "out of memory");
	return rc;
}

int
scratch_clean(struct restore *r, char *err, size_t errlen)
{
	char sql[256];
	long long id, got;

	err[0] = '\0';
	if ((id = query_number(r->ctl, "SELECT CONNECTION_ID()", err,
	    errlen)) < 0)
		return -1;
	snprintf(sql, sizeof(sql), "SELECT GET_LOCK('" SCRATCH_PREFIX "%lld', 0)",
	    id);
	if ((got = query_number(r->ctl, sql, err, errlen)) != 1) {
		if (got != -2)
			snprintf(err, errlen, "--test: cannot take the user lock "
			    SCRATCH_PREFIX "%lld", id);
		return -1;
	}
	if (drop_stale(r, err, errlen) == -1)
		return -1;
	for (size_t i = 0; i < r->n_dbs; i++) {
		free(r->dbs[i].target);
		if (asprintf(&r->dbs[i].target, SCRATCH_PREFIX "%lld_%zu", id,
		    i) == -1) {
			r->dbs[i].target = NULL;
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		r->dbs[i].renamed = true;
	}
	return 0;
}

void
scratch_names(const struct restore *r, char *msg, size_t len)
{
	/* Backwards, so dbkit_test_7_10 goes before dbkit_test_7_1 could
	 * match its start. */
	for (size_t i = r->n_dbs; i-- > 0;) {
		const char *from = r->dbs[i].target, *to = r->dbs[i].name;
		size_t flen, tlen = strlen(to);
		char *p = msg;

		if (from == NULL || strncmp(from, SCRATCH_PREFIX,
		    strlen(SCRATCH_PREFIX)) != 0)
			continue;
		flen = strlen(from);
		while ((p = strstr(p, from)) != NULL &&
		    strlen(msg) - flen + tlen < len) {
			memmove(p + tlen, p + flen, strlen(p + flen) + 1);
			memcpy(p, to, tlen);
			p += tlen;
		}
	}
}
