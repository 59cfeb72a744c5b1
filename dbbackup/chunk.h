/* SPDX-License-Identifier: ISC */
/*
 * chunk: how a table's rows are split into the data files that workers
 * dump in parallel: ranges of its integer primary key, each row in
 * exactly one of them.
 */
#ifndef DBBACKUP_CHUNK_H
#define DBBACKUP_CHUNK_H

#include <stddef.h>

#include "backup.h"

/*
 * Fills t->chunks: one chunk for a table without a single integer key
 * or with at most chunk_rows estimated rows, else key ranges of about
 * chunk_rows rows each from the key's MIN and MAX over b->ctl.  Returns
 * 0, or -1 with "what: why" in err.
 */
int chunk_plan(struct backup *b, struct table *t, char *err, size_t errlen);

/*
 * Writes into out the WHERE clause (with a leading space) that selects
 * chunk c's rows, or "" for a table in one chunk.  0, or -1 if short.
 */
int chunk_where(const struct chunk *c, char *out, size_t outlen);

/* Room enough for any chunk_where. */
#define CHUNK_WHERE_MAX (2 * (2 * 256 + 3) + 2 * 24 + 32)

#endif
