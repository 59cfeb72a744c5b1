/* SPDX-License-Identifier: ISC */
/*
 * adapt: a statement of the backup as this restore runs it, with every
 * database the restore renames renamed where it qualifies a name, and
 * only there.
 */
#ifndef DBRESTORE_ADAPT_H
#define DBRESTORE_ADAPT_H

#include "restore.h"

/*
 * stmt as this restore runs it: every database the restore renames
 * (--into, --test) renamed in its qualified names (written in charset,
 * under sql_mode), events disabled by --test, and with --drop-existing
 * CREATE OR REPLACE.  malloc'd (its length in *len), or NULL with err.
 */
char *adapt_statement(const struct restore *r, const char *stmt,
    const char *charset, const char *sql_mode, size_t *len, char *err,
    size_t errlen);

#endif
