/* SPDX-License-Identifier: ISC */
/*
 * spool: a backup that arrives as one tar stream (a file, or stdin) is
 * first read whole into a private catalogue and verified there
 * (lib/tarstream.h), so that nothing touches a server before all of it
 * has arrived and matched; the restore then reads that catalogue.
 */
#ifndef DBRESTORE_SPOOL_H
#define DBRESTORE_SPOOL_H

#include <stdbool.h>

#include "catalog.h"

struct spool {
	char dir[4200];			/* TMPDIR/.dbrestore-XXXXXX, or "" */
	char id[CATALOG_ID_LEN];	/* the stream's last backup */
};

/*
 * Whether BACKUP names a stream: "-", or an existing path that is not a
 * directory, unless it is "latest" or an id.
 */
bool spool_is_stream(const char *spec);

/*
 * Reads the stream spec into a new directory under tmpdir (made if
 * missing) and names its last backup in s->id.  progress: say what
 * arrives on stderr.  0, or -1 with err (*bad_stream when the stream is
 * at fault) and nothing left.
 */
int spool_read(const char *spec, const char *tmpdir, bool progress,
    struct spool *s, bool *bad_stream, char *err, size_t errlen);

/* Removes the spool directory, if any. */
void spool_remove(struct spool *s);

#endif
