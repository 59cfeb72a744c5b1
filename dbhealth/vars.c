/* SPDX-License-Identifier: ISC */
/*
 * vars: one SELECT of information_schema.GLOBAL_STATUS and
 * GLOBAL_VARIABLES, made from the two tables, so a check never reads a
 * variable the query did not ask for.  A variable the server does not
 * have (the wsrep ones without Galera) is simply not set.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "conn.h"
#include "health.h"
#include "vars.h"

#define VAR_DEF(id, table, name) { #table, name },
static const struct {
	const char *table, *name;
} var_defs[V_COUNT] = { VAR_TABLE(VAR_DEF) };
#undef VAR_DEF

/* Appends s to the query at sql, of size len. */
static void
append(char *sql, size_t len, const char *s)
{
	size_t used = strlen(sql);

	snprintf(sql + used, len - used, "%s", s);
}

/* Appends ",'NAME'" for each variable of table; "'NAME'" for the first. */
static void
append_names(char *sql, size_t len, const char *table)
{
	const char *names[V_COUNT + CHECK_COUNT];
	size_t i, n = 0;

	for (i = 0; i < V_COUNT; i++)
		if (strcmp(var_defs[i].table, table) == 0)
			names[n++] = var_defs[i].name;
	for (i = 0; strcmp(table, "GLOBAL_STATUS") == 0 && i < CHECK_COUNT; i++)
		if (check_defs[i].counter[0] != '\0')
			names[n++] = check_defs[i].counter;
	for (i = 0; i < n; i++) {
		append(sql, len, i > 0 ? ",'" : "'");
		append(sql, len, names[i]);
		append(sql, len, "'");
	}
}

static void
make_query(char *sql, size_t len)
{
	static const char *const tables[] = { "GLOBAL_STATUS",
	    "GLOBAL_VARIABLES" };
	size_t i;

	sql[0] = '\0';
	for (i = 0; i < 2; i++) {
		append(sql, len, i > 0 ? " UNION ALL " : "");
		append(sql, len, "SELECT VARIABLE_NAME, VARIABLE_VALUE FROM "
		    "information_schema.");
		append(sql, len, tables[i]);
		append(sql, len, " WHERE VARIABLE_NAME IN (");
		append_names(sql, len, tables[i]);
		append(sql, len, ")");
	}
}

int
vars_read(MYSQL *m, struct vars *v, char *err, size_t errlen)
{
	MYSQL_RES *res;
	MYSQL_ROW row;
	char sql[2048];
	int failed, i;

	memset(v, 0, sizeof(*v));
	make_query(sql, sizeof(sql));
	res = conn_query(m, sql, &failed, err, errlen);
	if (failed)
		return -1;
	while ((row = mysql_fetch_row(res)) != NULL) {
		if (row[0] == NULL || row[1] == NULL)
			continue;
		for (i = 0; i < V_COUNT; i++)
			if (strcasecmp(row[0], var_defs[i].name) == 0) {
				snprintf(v->value[i], sizeof(v->value[i]), "%s",
				    row[1]);
				v->set[i] = true;
			}
		for (i = 0; i < CHECK_COUNT; i++)
			if (check_defs[i].counter[0] != '\0' &&
			    strcasecmp(row[0], check_defs[i].counter) == 0) {
				v->counter[i] = strtod(row[1], NULL);
				v->counter_set[i] = true;
			}
	}
	mysql_free_result(res);
	return 0;
}

double
vars_number(const struct vars *v, enum var i)
{
	return v->set[i] ? strtod(v->value[i], NULL) : NAN;
}
