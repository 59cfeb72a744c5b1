/* SPDX-License-Identifier: ISC */
/*
 * replay: the binary log of a chain's incrementals, applied in one
 * session through the stock mariadb-binlog, up to --until.
 */
#ifndef DBRESTORE_REPLAY_H
#define DBRESTORE_REPLAY_H

#include <stddef.h>
#include <stdio.h>

#include "restore.h"

/*
 * Replays r->chain after its full backup was restored, stopping before
 * the group r->chain.stop_gtid names; what was applied last goes into
 * r->chain.  0, or -1 with err naming the link, file, event and GTID that
 * failed.
 */
int replay_chain(struct restore *r, char *err, size_t errlen);

/*
 * --sql: the same statements, up to the same stop, written to f for a
 * stock mariadb client after the full backup's SQL.  0 or -1 with err.
 */
int replay_write_sql(struct restore *r, FILE *f, char *err, size_t errlen);

/*
 * --events: every statement of the chain up to --until, one line each
 * (time, GTID, file:end position, database, text; row events by the
 * statement that made them), kept by --database and --grep.  0 or -1.
 */
int replay_list(struct restore *r, FILE *f, char *err, size_t errlen);

#endif
