/* SPDX-License-Identifier: ISC */
/*
 * check: --test's comparison: every restored table, sequence, view,
 * routine, trigger and event read back as dbbackup read it, and compared
 * with what the manifest recorded.
 */
#ifndef DBRESTORE_CHECK_H
#define DBRESTORE_CHECK_H

#include "restore.h"

int check_tables(struct restore *r, char *err, size_t errlen);
/*
 * Reads table t of d back as dbbackup read it: the count and the sum of
 * the row hashes.  0 or -1 with err.
 */
int check_table_sum(MYSQL *m, const struct rdb *d, const struct rtable *t,
    uint64_t *rows, uint64_t *sum, char *err, size_t errlen);

#endif
