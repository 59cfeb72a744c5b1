/* SPDX-License-Identifier: ISC */
/*
 * incremental: dbbackup incremental, the binary log since the newest
 * backup of the catalogue, copied as binlog files.
 */
#ifndef DBBACKUP_INCREMENTAL_H
#define DBBACKUP_INCREMENTAL_H

#include <stddef.h>

#include "backup.h"

/*
 * Under the catalogue's lock: finds the parent and checks that the
 * server's binary log goes on from where it ended, into b->inc; with no
 * full backup to continue, turns b into a full backup (b->type) and says
 * so on stderr, or fails with --no-promote.  0, or -1 with err.
 */
int incremental_plan(struct backup *b, char *err, size_t errlen);

/* Copies the planned range into the backup's binlog/ directory.  0 or -1. */
int incremental_copy(struct backup *b, char *err, size_t errlen);

#endif
