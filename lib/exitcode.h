/* SPDX-License-Identifier: ISC */
/*
 * Exit statuses, in one place so every program and man page agree.
 * The suite's tools use 0/1/2; dbhealth follows the monitoring-plugin
 * convention (0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN) because Nagios,
 * Icinga and cron wrappers read it.
 */
#ifndef DBKIT_EXITCODE_H
#define DBKIT_EXITCODE_H

#define EXIT_DONE 0		/* the work was done */
#define EXIT_FAILED 1		/* the work failed (server, disk, ...) */
#define EXIT_USAGE 2		/* bad flag, bad value, bad input file */

#define HEALTH_EXIT_OK 0
#define HEALTH_EXIT_WARNING 1
#define HEALTH_EXIT_CRITICAL 2
#define HEALTH_EXIT_UNKNOWN 3	/* includes dbhealth's own usage errors */

#endif
