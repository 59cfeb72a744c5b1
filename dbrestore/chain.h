/* SPDX-License-Identifier: ISC */
/*
 * chain: the full backup and the incrementals an incremental backup is
 * restored from, held, verified, and where --until stops found.
 */
#ifndef DBRESTORE_CHAIN_H
#define DBRESTORE_CHAIN_H

#include <stddef.h>
#include <time.h>

#include "restore.h"

/*
 * r holds an incremental backup, read and verified: walks its chain back
 * to the full backup, which r then holds (r->manifest, r->dir) with the
 * incrementals in r->chain; checks every link's files, continuity and
 * events, and sets r->chain.stop_gtid from r->opt->until.  0, or -1 with
 * err: a broken chain, a damaged file, a target outside the chain.
 */
int chain_open(struct restore *r, const char *root, char *err, size_t errlen);

/*
 * The backup --until TIME restores without a BACKUP: the newest
 * incremental of the chain of the newest full backup taken at or before
 * until, into id.  0, or -1 with err.
 */
int chain_pick(const char *root, time_t until, char *id, size_t idlen,
    char *err, size_t errlen);

/* Lets go of the links. */
void chain_free(struct chain *c);

#endif
