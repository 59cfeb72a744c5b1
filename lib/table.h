/* SPDX-License-Identifier: ISC */
/*
 * table: aligned text tables for human-readable reports.  Cells are
 * copied; columns are as wide as their widest cell, counted in
 * characters, not bytes, so non-ASCII names line up.
 */
#ifndef DBKIT_TABLE_H
#define DBKIT_TABLE_H

#include <stdio.h>

struct table;

/* A table with ncols columns and these headers.  NULL when out of memory. */
struct table *table_new(size_t ncols, const char *const *headers);

/* Appends a row of ncols cells (NULL is an empty cell).  0 or -1. */
int table_add(struct table *t, const char *const *cells);

/* Prints the table; the last column is not padded. */
void table_print(const struct table *t, FILE *f);

void table_free(struct table *t);

#endif
