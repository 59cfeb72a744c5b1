/* SPDX-License-Identifier: ISC */
/*
 * sqlrows: --sql's data: one chunk's rows, in the LOAD DATA text format,
 * turned into multi-row INSERTs as a stream.
 */
#ifndef DBRESTORE_SQLROWS_H
#define DBRESTORE_SQLROWS_H

#include <stdio.h>

#include "restore.h"

/* The rows of data file rel of t as INSERTs on f. */
int sqlrows_write(struct restore *r, const struct rtable *t, const char *rel,
    FILE *f, char *err, size_t errlen);

#endif
