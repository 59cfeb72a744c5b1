/* SPDX-License-Identifier: ISC */
/*
 * alert: runs the user's --alert-command with the run's JSON on its
 * standard input, so any tool of the user's can act on an alert.
 */
#ifndef DBHEALTH_ALERT_H
#define DBHEALTH_ALERT_H

#include <stddef.h>

/*
 * Runs "/bin/sh -c command" with json on its stdin and DBHEALTH_STATUS,
 * DBHEALTH_PREVIOUS_STATUS and DBHEALTH_ALERT (why: problem, change,
 * recovery, reminder or retry) in its environment, for at most
 * timeout_ms; its output goes to our stderr, because stdout carries the
 * report.  Returns 0, or -1 with err when it could not run, did not exit
 * 0 or took too long.
 */
int alert_run(const char *command, const char *json, const char *previous,
    const char *now, const char *reason, long long timeout_ms, char *err,
    size_t errlen);

#endif
