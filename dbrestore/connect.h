/* SPDX-License-Identifier: ISC */
/*
 * connect: the sessions of a restore, each on its own connection with
 * the restore's settings (RESTORE_SESSION_SQL, and --no-binlog's).
 */
#ifndef DBRESTORE_CONNECT_H
#define DBRESTORE_CONNECT_H

#include "restore.h"

/*
 * The SQL of every session that restores: exact like the dump, and no
 * foreign key checks so tables load in any order.  The sql_mode takes
 * every value the source server stored: not strict (a FLOAT(10,4) that
 * holds 1000000 reloads clipped to the same float), zero dates, and
 * ALLOW_INVALID_DATES (a DATE 2020-02-30 stays what it was).  Not unique_checks = 0:
 * together with foreign_key_checks = 0 it switches InnoDB (10.6+) to its
 * bulk load into empty tables, which took twice the server CPU here.
 */
#define RESTORE_SESSION_SQL \
	"SET SESSION foreign_key_checks = 0, " \
	"sql_mode = 'NO_AUTO_VALUE_ON_ZERO,ALLOW_INVALID_DATES', " \
	"time_zone = '+00:00', check_constraint_checks = 0"

/* A new session on its own connection (restore settings). */
MYSQL *connect_session(struct restore *r, unsigned int flags, char *err,
    size_t errlen);

#endif
