/* SPDX-License-Identifier: ISC */
/*
 * scratch: the databases --test restores into, and the cleanup of those
 * a killed --test left behind.
 */
#ifndef DBRESTORE_SCRATCH_H
#define DBRESTORE_SCRATCH_H

#include "restore.h"

/* Drops the scratch databases of --test runs that are gone, names ours. */
int scratch_clean(struct restore *r, char *err, size_t errlen);
/* Writes the user's database names for our scratch names in msg. */
void scratch_names(const struct restore *r, char *msg, size_t len);

#endif
