/* SPDX-License-Identifier: ISC */
/*
 * backups: the backup_age and newest_backup_age checks, run on the
 * pseudo-target "backups" that --backup-path or --backup-check adds to a
 * run, beside the servers, and binlog_kept, run on each server.
 */
#ifndef DBHEALTH_BACKUPS_H
#define DBHEALTH_BACKUPS_H

#include <time.h>

#include <mysql.h>

#include "health.h"
#include "threshold.h"

/*
 * Judges the age at now of the newest complete full backup in the
 * catalogue t->catalog that is not dated in the future against the levels
 * in l; a backup dated in the future makes it a warning at least.  t is
 * always reachable.
 */
void backups_run(struct target *t, const struct limits *l, time_t now);

/*
 * binlog_kept on server t, connected as m: when the newest full or
 * incremental backup in t->backups is this server's (its server_id), whether
 * the server still holds the binary log from where that backup ends,
 * which the next incremental starts from.  Nothing when it is another
 * server's or has no binary log position.
 */
void backups_binlog_check(struct target *t, MYSQL *m);

#endif
