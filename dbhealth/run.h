/* SPDX-License-Identifier: ISC */
/*
 * run: one round of checks over every target, in parallel, folded into
 * the overall status the exit code and every output format report.
 */
#ifndef DBHEALTH_RUN_H
#define DBHEALTH_RUN_H

#include "health.h"
#include "threshold.h"

/*
 * Checks every target of r in parallel and fills r's times, counts and
 * overall status.  Returns 0, or -1 when no thread could be started.
 */
int run_checks(struct run *r, const struct limits *l);

/* Forgets the results of the last round, keeping the targets. */
void run_reset(struct run *r);

/* The exit status for r's overall status. */
int run_exit_status(const struct run *r);

#endif
