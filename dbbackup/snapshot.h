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

/*
 * Opens the worker connections and starts their consistent-snapshot
 * transactions while commits are blocked for a moment, and records the
 * binlog position and GTID of that instant, and on a replica its
 * sources' (replica.c; --replica-pause stops the SQL threads around it).
 * The lock is still held for the non-transactional tables when this
 * returns.  0 or -1 with err.
 */
int snapshot_start(struct backup *b, char *err, size_t errlen);

/* Releases the global lock (BACKUP STAGE END / UNLOCK TABLES). */
int snapshot_release(struct backup *b, char *err, size_t errlen);

/* Closes every connection. */
void snapshot_close(struct backup *b);

#endif
