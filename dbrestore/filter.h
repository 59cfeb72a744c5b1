/* SPDX-License-Identifier: ISC */
/*
 * filter: what --database and --table select, of a full backup's tables
 * and of the binary log's events replayed after it.
 */
#ifndef DBRESTORE_FILTER_H
#define DBRESTORE_FILTER_H

#include <stdbool.h>
#include <stddef.h>

#include "restore.h"

/* Whether --database or --table select anything less than everything. */
bool filter_active(const struct options *o);

/* Whether database db is selected: by --database, and --table names it. */
bool filter_database(const struct options *o, const char *db);

/* Whether db.table is selected. */
bool filter_table(const struct options *o, const char *db, const char *table);

/*
 * Whether a statement the binary log holds as text (statement-based
 * logging, and DDL in any format) is selected: its default database db
 * is, or with db "" its text qualifies a name with a selected database;
 * with --table its text also names a selected table of that database.
 */
bool filter_statement(const struct options *o, const char *db,
    const char *stmt);

/*
 * A BINLOG statement of the decoder's output (row events, base64)
 * rewritten in place to hold only the events of selected tables, with
 * the statement's end flag moved onto the last rows event kept.  1: run
 * it; 0: nothing of it is selected; -1 with err: it does not decode.
 */
int filter_rows(const struct options *o, char *stmt, size_t *len, char *err,
    size_t errlen);

#endif
