/* SPDX-License-Identifier: ISC */
/*
 * watch: one run of the checks, or one every --watch interval: check,
 * alert (notify.c), print the report, append it to the --history file.
 */
#ifndef DBHEALTH_WATCH_H
#define DBHEALTH_WATCH_H

#include "health.h"
#include "notify.h"
#include "report.h"
#include "threshold.h"

struct watch {
	enum format format;
	long long interval_ms;		/* 0: run once */
	long long count;		/* 0: until a signal */
	const char *history;		/* NULL: none */
	const struct notify *notify;	/* who hears of a run */
};

/*
 * Runs the checks on r's targets against l as w says, printing each
 * report on stdout, until the count is reached or SIGINT or SIGTERM
 * arrives.  Returns the exit status of the last run, or -1 after saying
 * why on stderr when a run could not be checked or recorded (or, with
 * nothing said, when the report could not be written).
 */
int watch_run(const struct watch *w, const struct limits *l, struct run *r);

#endif
