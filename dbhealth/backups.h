/* SPDX-License-Identifier: ISC */
/*
 * backups: the backup_age check, run on the pseudo-target "backups" that
 * --backup-path or --backup-check adds to a run, beside the servers.
 */
#ifndef DBHEALTH_BACKUPS_H
#define DBHEALTH_BACKUPS_H

#include <time.h>

#include "health.h"
#include "threshold.h"

/*
 * Judges the age at now of the newest complete full backup in the
 * catalogue t->catalog that is not dated in the future against the levels
 * in l; a backup dated in the future makes it a warning at least.  t is
 * always reachable.
 */
void backups_run(struct target *t, const struct limits *l, time_t now);

#endif
