/* SPDX-License-Identifier: ISC */
/*
 * alert: runs the user's --alert-command when the overall status changes,
 * with the run's JSON on its standard input, so mail and chat hooks are
 * the user's own tools.
 */
#ifndef DBHEALTH_ALERT_H
#define DBHEALTH_ALERT_H

#include <stddef.h>

/*
 * Whether a run with status now should alert after previous ("" when
 * unknown): on every change, and on a first run that is not ok.
 */
int alert_due(const char *previous, const char *now);

/*
 * Runs "/bin/sh -c command" with json on its stdin and DBHEALTH_STATUS,
 * DBHEALTH_PREVIOUS_STATUS in its environment; its output goes to our
 * stderr, because stdout carries the report.  Returns 0, or -1 with err
 * when it could not run or did not exit 0.
 */
int alert_run(const char *command, const char *json, const char *previous,
    const char *now, char *err, size_t errlen);

#endif
