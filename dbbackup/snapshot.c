/* SPDX-License-Identifier: ISC */
/*
 * snapshot: on MariaDB 10.4 and later, BACKUP STAGE: BLOCK_DDL while the
 * schema is read (its FLUSH stage also blocks new writes to
 * non-transactional tables), then the non-transactional tables are
 * dumped, then BLOCK_COMMIT only for the moment the workers start their
 * snapshots (InnoDB writes go on; commits wait), and END releases
 * everything.  The non-transactional tables must come before
 * BLOCK_COMMIT: a write to one that was under way when the FLUSH stage
 * began holds its table lock until it commits, so a dump waiting for
 * that table lock under BLOCK_COMMIT would wait for ever (seen: an
 * UPDATE of an Aria table "Waiting for backup lock", the worker's
 * SELECT "Waiting for table level lock").  Elsewhere FLUSH TABLES WITH
 * READ LOCK plays every part, and the non-transactional tables are
 * dumped under it after the snapshots.  Every lock statement, and every
 * read of a table under the lock, runs under lock_wait_timeout, and
 * before locking the process list is checked for long statements: a
 * global lock waits for them, and every writer would queue behind the
 * lock meanwhile, which is how a backup freezes a server.
 *
 * With --no-lock nothing is locked; the workers start their snapshots one
 * after another and their binlog positions are compared: if a commit
 * slipped in between, they start again, a few times.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <mysqld_error.h>

#include "conn.h"
#include "replica.h"
#include "snapshot.h"

#define NO_LOCK_TRIES 10

static int
server_info(struct backup *b, char *err, size_t errlen)
{
	MYSQL_RES *res;
	MYSQL_ROW row;

	if (mysql_query(b->ctl, "SELECT @@version, @@hostname, @@server_id") != 0 ||
	    (res = mysql_store_result(b->ctl)) == NULL) {
		snprintf(err, errlen, "server: %s", mysql_error(b->ctl));
		return -1;
	}
	if ((row = mysql_fetch_row(res)) != NULL) {
		snprintf(b->server_version, sizeof(b->server_version), "%s",
		    row[0] ? row[0] : "");
		snprintf(b->hostname, sizeof(b->hostname), "%s", row[1] ? row[1] : "");
		b->server_id = row[2] ? strtoll(row[2], NULL, 10) : 0;
	}
	mysql_free_result(res);
	return 0;
}

/* Fails when a statement has run longer than the guard allows. */
static int
check_long_queries(struct backup *b, char *err, size_t errlen)
{
	char sql[512];
	MYSQL_RES *res;
	MYSQL_ROW row;
	int rc = 0;

	snprintf(sql, sizeof(sql), "SELECT ID, USER, TIME FROM "
	    "information_schema.PROCESSLIST WHERE COMMAND NOT IN ('Sleep', "
	    "'Daemon', 'Binlog Dump', 'Slave_IO', 'Slave_SQL', 'Slave_worker', "
	    "'Killed') AND USER NOT IN ('system user', 'event_scheduler') AND "
	    "ID <> CONNECTION_ID() AND TIME >= %lld ORDER BY TIME DESC LIMIT 1",
	    b->opt->long_query_guard_s);
	if (mysql_query(b->ctl, sql) != 0 ||
	    (res = mysql_store_result(b->ctl)) == NULL)
		return 0;	/* without PROCESS we cannot look: lock_wait_timeout still bounds the wait */
	if ((row = mysql_fetch_row(res)) != NULL) {
		snprintf(err, errlen, "lock: thread %s (%s) has run a statement "
		    "for %s s; the global lock would wait for it and stall "
		    "writers: retry later, raise --long-query-guard, or use "
		    "--no-lock", row[0], row[1] ? row[1] : "?", row[2]);
		rc = -1;
	}
	mysql_free_result(res);
	return rc;
}

static int
use_backup_stage(struct backup *b)
{
	/* BACKUP STAGE arrived in MariaDB 10.4.1. */
	unsigned long v = mysql_get_server_version(b->ctl);

	return strstr(b->server_version, "MariaDB") != NULL && v >= 100401;
}

int
snapshot_prepare(struct backup *b, char *err, size_t errlen)
{
	char sql[256], msg[512];

	if ((b->ctl = conn_open(b->settings, 0, err, errlen)) == NULL)
		return -1;
	/*
	 * SHOW CREATE writes names in "double quotes" under the server's
	 * ANSI_QUOTES, which the statement's own sql_mode may not parse:
	 * with no mode they come in backticks, which every mode reads.
	 */
	if (server_info(b, err, errlen) == -1 ||
	    conn_run(b->ctl, "SET SESSION time_zone = '+00:00', sql_mode = '', "
	    "net_write_timeout = 2147483, net_read_timeout = 2147483",
	    "session", err, errlen) == -1)
		return -1;
	snprintf(sql, sizeof(sql), "SET SESSION lock_wait_timeout = %lld",
	    b->opt->lock_wait_timeout_s);
	if (conn_run(b->ctl, sql, "session", err, errlen) == -1)
		return -1;
	if (b->opt->lock == LOCK_NONE) {
		snprintf(b->snapshot_method, sizeof(b->snapshot_method), "none");
		return 0;
	}
	if (check_long_queries(b, err, errlen) == -1)
		return -1;
	if (use_backup_stage(b)) {
		snprintf(b->snapshot_method, sizeof(b->snapshot_method),
		    "backup_stage");
		if (conn_run(b->ctl, "BACKUP STAGE START", "lock: BACKUP STAGE START",
		    msg, sizeof(msg)) == -1 ||
		    conn_run(b->ctl, "BACKUP STAGE BLOCK_DDL",
		    "lock: BACKUP STAGE BLOCK_DDL", msg, sizeof(msg)) == -1)
			goto lock_failed;
		return 0;
	}
	snprintf(b->snapshot_method, sizeof(b->snapshot_method), "ftwrl");
	return 0;
lock_failed:
	if (mysql_errno(b->ctl) == ER_SPECIFIC_ACCESS_DENIED_ERROR)
		snprintf(err, errlen, "%s (the global lock needs the RELOAD "
		    "privilege; --no-lock backs up without it)", msg);
	else if (mysql_errno(b->ctl) == ER_LOCK_WAIT_TIMEOUT)
		snprintf(err, errlen, "%s (gave up after --lock-wait-timeout "
		    "%lld s)", msg, b->opt->lock_wait_timeout_s);
	else
		snprintf(err, errlen, "%s", msg);
	return -1;
}

/*
 * Opens a worker: no conversion of results, so every byte comes as stored,
 * and no sql_mode of the server's (PAD_CHAR_TO_FULL_LENGTH would pad CHAR
 * values, and the checksums with them).
 */
static MYSQL *
open_worker(struct backup *b, char *err, size_t errlen)
{
	MYSQL *m = conn_open(b->settings, 0, err, errlen);

	if (m == NULL)
		return NULL;
	if (conn_run(m, "SET SESSION character_set_results = binary, "
	    "time_zone = '+00:00', sql_mode = '', net_write_timeout = 2147483, "
	    "net_read_timeout = 2147483", "worker session", err, errlen) == -1 ||
	    conn_run(m, "SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ",
	    "worker session", err, errlen) == -1) {
		mysql_close(m);
		return NULL;
	}
	return m;
}

/* The worker's snapshot position: Binlog_snapshot_file/_position. */
static int
snapshot_position(MYSQL *m, char *file, size_t filelen, long long *pos)
{
	MYSQL_RES *res;
	MYSQL_ROW row;

	*pos = -1;
	file[0] = '\0';
	if (mysql_query(m, "SHOW SESSION STATUS LIKE 'Binlog_snapshot_%'") != 0 ||
	    (res = mysql_store_result(m)) == NULL)
		return -1;
	while ((row = mysql_fetch_row(res)) != NULL) {
		if (strcmp(row[0], "Binlog_snapshot_file") == 0)
			snprintf(file, filelen, "%s", row[1] ? row[1] : "");
		else if (strcmp(row[0], "Binlog_snapshot_position") == 0)
			*pos = row[1] ? strtoll(row[1], NULL, 10) : -1;
	}
	mysql_free_result(res);
	if (file[0] == '\0')
		*pos = -1;	/* the binary log is off */
	return 0;
}

static int
start_transactions(struct backup *b, char *err, size_t errlen)
{
	size_t i;

	for (i = 0; i < b->n_workers; i++)
		if (conn_run(b->workers[i], "START TRANSACTION WITH CONSISTENT SNAPSHOT",
		    "snapshot", err, errlen) == -1)
			return -1;
	return 0;
}

/* Without a lock: retry until every worker saw the same binlog position. */
static int
start_unlocked(struct backup *b, char *err, size_t errlen)
{
	char file[256];
	long long pos;
	size_t i;
	int tries;

	for (tries = 0; tries < NO_LOCK_TRIES; tries++) {
		bool same = true;

		if (tries > 0)
			for (i = 0; i < b->n_workers; i++)
				conn_run(b->workers[i], "ROLLBACK", "rollback", err, errlen);
		if (start_transactions(b, err, errlen) == -1)
			return -1;
		snapshot_position(b->workers[0], b->binlog_file,
		    sizeof(b->binlog_file), &b->binlog_position);
		for (i = 1; i < b->n_workers && same; i++) {
			snapshot_position(b->workers[i], file, sizeof(file), &pos);
			same = pos == b->binlog_position &&
			    strcmp(file, b->binlog_file) == 0;
		}
		/* Without a binary log there is nothing to compare. */
		if (same || b->binlog_position < 0)
			return 0;
		usleep(20000);
	}
	snprintf(err, errlen, "snapshot: the workers could not agree on one "
	    "binlog position in %d tries without a lock (the server is busy "
	    "committing); run with the lock, or with --threads 1", NO_LOCK_TRIES);
	return -1;
}

static int
read_gtid(struct backup *b)
{
	char sql[1024], lit[600];
	MYSQL_RES *res;
	MYSQL_ROW row;

	b->gtid[0] = '\0';
	if (b->binlog_position < 0 || strstr(b->server_version, "MariaDB") == NULL)
		return 0;
	mysql_real_escape_string(b->ctl, lit, b->binlog_file,
	    (unsigned long)strlen(b->binlog_file));
	snprintf(sql, sizeof(sql), "SELECT BINLOG_GTID_POS('%s', %lld)", lit,
	    b->binlog_position);
	if (mysql_query(b->ctl, sql) != 0 ||
	    (res = mysql_store_result(b->ctl)) == NULL)
		return -1;
	if ((row = mysql_fetch_row(res)) != NULL && row[0] != NULL)
		snprintf(b->gtid, sizeof(b->gtid), "%s", row[0]);
	mysql_free_result(res);
	return 0;
}

static int
open_workers(struct backup *b, char *err, size_t errlen)
{
	size_t i;

	if ((b->workers = calloc(b->n_workers, sizeof(MYSQL *))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (i = 0; i < b->n_workers; i++)
		if ((b->workers[i] = open_worker(b, err, errlen)) == NULL)
			return -1;
	return 0;
}

/*
 * dump_locked under the lock, with the workers' waits for table locks
 * bounded as the lock's own are: a write under way that holds a table
 * longer than --lock-wait-timeout fails the backup instead of holding
 * every other writer of those tables back behind it.  Without a lock it
 * just runs.
 */
static int
run_locked(struct backup *b, snapshot_dump_fn dump_locked, char *err,
    size_t errlen)
{
	char sql[128];
	size_t i;

	if (strcmp(b->snapshot_method, "none") == 0)
		return dump_locked(b, err, errlen);
	snprintf(sql, sizeof(sql), "SET SESSION lock_wait_timeout = %lld",
	    b->opt->lock_wait_timeout_s);
	for (i = 0; i < b->n_workers; i++)
		if (conn_run(b->workers[i], sql, "worker session", err,
		    errlen) == -1)
			return -1;
	if (dump_locked(b, err, errlen) == -1)
		return -1;
	for (i = 0; i < b->n_workers; i++)
		if (conn_run(b->workers[i], "SET SESSION lock_wait_timeout = "
		    "DEFAULT", "worker session", err, errlen) == -1)
			return -1;
	return 0;
}

static int
start_snapshots(struct backup *b, char *err, size_t errlen)
{
	const char *method = b->snapshot_method;
	int rc;

	if (strcmp(method, "none") == 0)
		rc = start_unlocked(b, err, errlen);
	else {
		char msg[512];

		if (strcmp(method, "backup_stage") == 0)
			rc = conn_run(b->ctl, "BACKUP STAGE BLOCK_COMMIT",
			    "lock: BACKUP STAGE BLOCK_COMMIT", msg, sizeof(msg));
		else
			rc = conn_run(b->ctl, "FLUSH TABLES WITH READ LOCK",
			    "lock: FLUSH TABLES WITH READ LOCK", msg, sizeof(msg));
		if (rc == -1) {
			snprintf(err, errlen, "%s%s", msg, mysql_errno(b->ctl) ==
			    ER_LOCK_WAIT_TIMEOUT ? " (gave up after "
			    "--lock-wait-timeout)" : mysql_errno(b->ctl) ==
			    ER_SPECIFIC_ACCESS_DENIED_ERROR ? " (the global lock "
			    "needs the RELOAD privilege; --no-lock backs up without "
			    "it)" : "");
			return -1;
		}
		rc = start_transactions(b, err, errlen);
		if (rc == 0)
			snapshot_position(b->workers[0], b->binlog_file,
			    sizeof(b->binlog_file), &b->binlog_position);
	}
	if (rc == 0 && read_gtid(b) == -1) {
		snprintf(err, errlen, "binlog position: %s", mysql_error(b->ctl));
		return -1;
	}
	return rc;
}

/*
 * A replica's SQL threads, paused or not, are read under the same lock
 * as the snapshot.  With BACKUP STAGE the non-transactional tables are
 * dumped before it, while a pause lasts (the stage blocks the SQL
 * threads' writes to them meanwhile anyway).
 */
int
snapshot_start(struct backup *b, snapshot_dump_fn dump_locked, char *err,
    size_t errlen)
{
	bool first = strcmp(b->snapshot_method, "backup_stage") == 0;
	int rc;

	rc = replica_pause(b, err, errlen);
	if (rc == 0)
		rc = open_workers(b, err, errlen);
	if (rc == 0 && first)
		rc = run_locked(b, dump_locked, err, errlen);
	if (rc == 0)
		rc = start_snapshots(b, err, errlen);
	if (rc == 0)
		rc = replica_read(b, err, errlen);
	replica_resume(b);
	if (rc == 0 && !first)
		rc = run_locked(b, dump_locked, err, errlen);
	return rc;
}

int
snapshot_release(struct backup *b, char *err, size_t errlen)
{
	if (strcmp(b->snapshot_method, "backup_stage") == 0)
		return conn_run(b->ctl, "BACKUP STAGE END", "unlock", err, errlen);
	if (strcmp(b->snapshot_method, "ftwrl") == 0)
		return conn_run(b->ctl, "UNLOCK TABLES", "unlock", err, errlen);
	return 0;
}

void
snapshot_close(struct backup *b)
{
	size_t i;

	for (i = 0; b->workers != NULL && i < b->n_workers; i++)
		if (b->workers[i] != NULL)
			mysql_close(b->workers[i]);
	free(b->workers);
	b->workers = NULL;
	if (b->ctl != NULL)
		mysql_close(b->ctl);
	b->ctl = NULL;
}
