/* SPDX-License-Identifier: ISC */
/*
 * apply: the databases and tables of a restore, before the data: every
 * database, then the sequences of all of them, then the tables.
 */
#ifndef DBRESTORE_APPLY_H
#define DBRESTORE_APPLY_H

#include "restore.h"

int apply_check_targets(struct restore *r, char *err, size_t errlen);
int apply_tables(struct restore *r, char *err, size_t errlen);
int apply_grants(struct restore *r, char *err, size_t errlen);
int apply_drop_databases(struct restore *r, char *err, size_t errlen);
/* USE d's target database on m. */
int apply_use(MYSQL *m, const struct rdb *d, char *err, size_t errlen);

#endif
