/* SPDX-License-Identifier: ISC */
/*
 * schema: what a backup contains.  Lists the databases, tables, columns
 * and keys over the control connection, reads every object's CREATE
 * statement, plans the data chunks, and writes the schema files.
 */
#ifndef DBBACKUP_SCHEMA_H
#define DBBACKUP_SCHEMA_H

#include <stddef.h>

#include "backup.h"

/*
 * Fills b->dbs with the databases, tables and columns to back up, with
 * each table's CREATE statement and chunk plan.  Returns 0, or -1 with
 * "what: why" in err.
 */
int schema_read(struct backup *b, char *err, size_t errlen);

/*
 * Writes the schema files of every database (tables, views, routines,
 * triggers, events), and the grants with --grants.  0 or -1 with err.
 */
int schema_write(struct backup *b, char *err, size_t errlen);

void schema_free(struct backup *b);

#endif
