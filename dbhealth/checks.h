/* SPDX-License-Identifier: ISC */
/*
 * checks: connects to one target and runs every check on it, filling the
 * target's results.  Safe to call for different targets from different
 * threads: each call opens its own connection.
 */
#ifndef DBHEALTH_CHECKS_H
#define DBHEALTH_CHECKS_H

#include "health.h"
#include "threshold.h"

/* Checks target t against the levels in l; t->status is the worst result. */
void checks_run(struct target *t, const struct limits *l);

#endif
