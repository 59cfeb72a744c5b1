/* SPDX-License-Identifier: ISC */
/*
 * dump: the data of the backup.  Worker threads, each on its own
 * snapshot connection, take chunks from a shared queue and stream their
 * rows into the data files.
 */
#ifndef DBBACKUP_DUMP_H
#define DBBACKUP_DUMP_H

#include <stddef.h>

#include "backup.h"

/*
 * Tells b's progress what the dump will reach: every chunk, and the
 * server's row estimate, in the unit of the count.  Not its data size:
 * InnoDB's pages hold more than the text of the rows, over twice as much
 * for narrow rows.
 */
void dump_expect(struct backup *b);

/*
 * Dumps the chunks of the tables for which want(table) holds, with every
 * worker.  Returns 0, or -1 with the first error in err (the other
 * workers give up their chunk and take no other).
 */
int dump_tables(struct backup *b, bool (*want)(const struct table *),
    char *err, size_t errlen);

#endif
