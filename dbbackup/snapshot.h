/* SPDX-License-Identifier: ISC */
/*
 * snapshot: one consistent view of the server shared by every worker
 * connection, and the binary log position that matches it.
 */
#ifndef DBBACKUP_SNAPSHOT_H
#define DBBACKUP_SNAPSHOT_H

#include <stddef.h>

#include "backup.h"

/*
 * Opens the control connection, checks for long statements that a global
 * lock would queue writers behind, and blocks DDL (BACKUP STAGE
 * BLOCK_DDL) so the schema read next is the one the data matches.
 * Returns 0 or -1 with err.
 */
int snapshot_prepare(struct backup *b, char *err, size_t errlen);

/* Dumps what only the global lock keeps still. */
typedef int (*snapshot_dump_fn)(struct backup *b, char *err, size_t errlen);

/*
 * Opens the worker connections and starts their consistent-snapshot
 * transactions while commits are blocked for a moment, and records the
 * binlog position and GTID of that instant, and on a replica its
 * sources' (replica.c; --replica-pause stops the SQL threads around it).
 * dump_locked runs while the tables it reads cannot change (the
 * non-transactional ones): before that moment under BACKUP STAGE, after
 * it under FLUSH TABLES WITH READ LOCK, after it and unlocked with
 * --no-lock.  The lock is still held when this returns.  0 or -1 with
 * err.
 */
int snapshot_start(struct backup *b, snapshot_dump_fn dump_locked, char *err,
    size_t errlen);

/* Releases the global lock (BACKUP STAGE END / UNLOCK TABLES). */
int snapshot_release(struct backup *b, char *err, size_t errlen);

/* Closes every connection. */
void snapshot_close(struct backup *b);

#endif
