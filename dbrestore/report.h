/* SPDX-License-Identifier: ISC */
/*
 * report: the result of a dbrestore run, as one line of text or one JSON
 * document, both from the same restore.
 */
#ifndef DBRESTORE_REPORT_H
#define DBRESTORE_REPORT_H

#include <stdio.h>

#include "restore.h"

/* Writes the result of a run, text or JSON as the options say.  0 or -1. */
int report_write(const struct restore *r, bool ok, FILE *f);

#endif
