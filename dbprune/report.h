/* SPDX-License-Identifier: ISC */
/*
 * report: what a prune did, as a text table or one JSON document, both
 * from the same struct prune_result.
 */
#ifndef DBPRUNE_REPORT_H
#define DBPRUNE_REPORT_H

#include <stdbool.h>
#include <stdio.h>

#include "prune.h"

/* Writes r to f, as the JSON document dbprune(1) promises when json.
 * 0, or -1 on a memory or write error. */
int report_write(const struct prune_result *r, bool json, FILE *f);

#endif
