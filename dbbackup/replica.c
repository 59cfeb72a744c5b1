/* SPDX-License-Identifier: ISC */
/*
 * replica: the source coordinates of a backup taken on a replica.
 *
 * Why they match the snapshot: the positions are read while the global
 * lock (BACKUP STAGE BLOCK_COMMIT, or FLUSH TABLES WITH READ LOCK) is
 * held, and a replica's SQL thread commits through the same gate as any
 * client, so no replicated transaction can commit between the workers'
 * START TRANSACTION WITH CONSISTENT SNAPSHOT and the read.  A thread that
 * committed just before the lock moves its position just after the
 * commit, so the state is read until two reads 20 ms apart agree (one
 * read when --replica-pause stopped them: they cannot move).  With
 * --no-lock nothing stops the SQL threads, so only --replica-pause (STOP
 * SLAVE SQL_THREAD on each connection for that moment) gives positions;
 * without it the sources are recorded without positions, and a warning
 * says so.
 *
 * MariaDB only: MySQL's SHOW REPLICA STATUS has other names and no
 * connection names; a MySQL replica is backed up as a primary is.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <mysqld_error.h>

#include "backup.h"
#include "cli.h"
#include "conn.h"
#include "jsonout.h"
#include "replica.h"
#include "timeutil.h"

#define STABLE_TRIES 50		/* reads of the state, 20 ms apart */
#define LAG_WARN_S 60		/* a snapshot this far behind is worth a word */

static const int deferred[] = { SIGINT, SIGTERM, SIGHUP };
#define N_DEFERRED (sizeof(deferred) / sizeof(deferred[0]))
static struct sigaction saved_actions[N_DEFERRED];
static volatile sig_atomic_t pending_signal;

static void
defer_signal(int sig)
{
	pending_signal = sig;
}

static bool
is_mariadb(const struct backup *b)
{
	return strstr(b->server_version, "MariaDB") != NULL;
}

static const char *
field(MYSQL_RES *res, MYSQL_ROW row, const char *name)
{
	int i = conn_column(res, name);

	return i >= 0 && row[i] != NULL ? row[i] : "";
}

static long long
number(MYSQL_RES *res, MYSQL_ROW row, const char *name, long long none)
{
	int i = conn_column(res, name);

	return i >= 0 && row[i] != NULL ? strtoll(row[i], NULL, 10) : none;
}

/* Every connection's state, and @@gtid_slave_pos.  0, 1: no privilege, -1. */
static int
read_state(MYSQL *m, struct replica_info *r, char *err, size_t errlen)
{
	MYSQL_RES *res;
	MYSQL_ROW row;
	size_t n;

	free(r->sources);
	r->sources = NULL;
	r->n_sources = 0;
	if ((res = conn_select(m, "SHOW ALL SLAVES STATUS", err, errlen)) ==
	    NULL)
		return mysql_errno(m) == ER_SPECIFIC_ACCESS_DENIED_ERROR ? 1 : -1;
	n = (size_t)mysql_num_rows(res);
	if (n > 0 && (r->sources = calloc(n, sizeof(*r->sources))) == NULL) {
		mysql_free_result(res);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	while ((row = mysql_fetch_row(res)) != NULL && r->n_sources < n) {
		struct replica_source *s = &r->sources[r->n_sources++];

		snprintf(s->connection, sizeof(s->connection), "%s",
		    field(res, row, "Connection_name"));
		snprintf(s->host, sizeof(s->host), "%s",
		    field(res, row, "Master_Host"));
		s->port = number(res, row, "Master_Port", 0);
		s->server_id = number(res, row, "Master_Server_Id", 0);
		snprintf(s->file, sizeof(s->file), "%s",
		    field(res, row, "Relay_Master_Log_File"));
		s->position = s->file[0] != '\0' ? number(res, row,
		    "Exec_Master_Log_Pos", -1) : -1;
		snprintf(s->using_gtid, sizeof(s->using_gtid), "%s",
		    field(res, row, "Using_Gtid"));
		s->io_running = strcmp(field(res, row, "Slave_IO_Running"),
		    "Yes") == 0;
		s->sql_running = strcmp(field(res, row, "Slave_SQL_Running"),
		    "Yes") == 0;
		s->lag_s = number(res, row, "Seconds_Behind_Master", -1);
		snprintf(s->read_file, sizeof(s->read_file), "%s",
		    field(res, row, "Master_Log_File"));
		s->read_position = number(res, row, "Read_Master_Log_Pos", -1);
	}
	mysql_free_result(res);
	r->is_replica = r->n_sources > 0;
	r->gtid_slave_pos[0] = '\0';
	if ((res = conn_select(m, "SELECT @@GLOBAL.gtid_slave_pos", err,
	    errlen)) == NULL)
		return -1;
	if ((row = mysql_fetch_row(res)) != NULL && row[0] != NULL)
		snprintf(r->gtid_slave_pos, sizeof(r->gtid_slave_pos), "%s",
		    row[0]);
	mysql_free_result(res);
	return 0;
}

/*
 * Whether SQL threads run, as any account may ask (Slaves_running): a
 * backup account without REPLICA MONITOR warns on a replica only.
 */
static bool
replicating(MYSQL *m)
{
	char err[256];
	MYSQL_RES *res = conn_select(m, "SHOW GLOBAL STATUS LIKE "
	    "'Slaves_running'", err, sizeof(err));
	MYSQL_ROW row;
	bool yes = false;

	if (res == NULL)
		return false;
	if ((row = mysql_fetch_row(res)) != NULL && row[1] != NULL)
		yes = strtoll(row[1], NULL, 10) > 0;
	mysql_free_result(res);
	return yes;
}

/* Whether two reads name the same positions. */
static bool
same_state(const struct replica_info *a, const struct replica_info *b)
{
	if (a->n_sources != b->n_sources ||
	    strcmp(a->gtid_slave_pos, b->gtid_slave_pos) != 0)
		return false;
	for (size_t i = 0; i < a->n_sources; i++)
		if (strcmp(a->sources[i].file, b->sources[i].file) != 0 ||
		    a->sources[i].position != b->sources[i].position)
			return false;
	return true;
}

/* START or STOP SLAVE 'name' SQL_THREAD (the words every MariaDB takes). */
static int
sql_thread(MYSQL *m, const char *verb, const char *connection, char *err,
    size_t errlen)
{
	char sql[512], what[300];
	char *lit = conn_literal(m, connection);

	if (lit == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	snprintf(sql, sizeof(sql), "%s SLAVE %s SQL_THREAD", verb, lit);
	snprintf(what, sizeof(what), "--replica-pause: %s SLAVE %s "
	    "SQL_THREAD", verb, lit);
	free(lit);
	return conn_run(m, sql, what, err, errlen);
}

int
replica_pause(struct backup *b, char *err, size_t errlen)
{
	struct replica_info *r = &b->replica;
	struct sigaction sa;
	size_t i;
	int rc;

	if (!b->opt->replica_pause || !is_mariadb(b))
		return 0;
	if ((rc = read_state(b->ctl, r, err, errlen)) != 0) {
		if (rc == 1)
			snprintf(err, errlen, "--replica-pause: SHOW ALL SLAVES "
			    "STATUS needs the REPLICA MONITOR privilege, STOP "
			    "SLAVE the REPLICATION SLAVE ADMIN privilege");
		return -1;
	}
	if (r->n_sources > 0 &&
	    (r->stopped = calloc(r->n_sources, sizeof(*r->stopped))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	/* From here to replica_resume a signal waits: the threads come first. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = defer_signal;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < N_DEFERRED; i++)
		sigaction(deferred[i], &sa, &saved_actions[i]);
	r->paused = true;
	r->paused_at_ms = time_monotonic_ms();
	for (i = 0; i < r->n_sources; i++) {
		if (!r->sources[i].sql_running)
			continue;
		if (sql_thread(b->ctl, "STOP", r->sources[i].connection, err,
		    errlen) == -1)
			return -1;	/* the caller resumes those stopped */
		r->stopped[r->n_stopped++] = r->sources[i];
	}
	return 0;
}

/* A lagging or stopped replica backs up; the warning says how far behind. */
static void
warn_behind(const struct replica_source *s)
{
	if (!s->sql_running && !s->io_running)
		cli_warn("warning: replication connection '%s' (%s:%lld) is "
		    "stopped: the snapshot holds its source's changes up to "
		    "%s:%lld and nothing later", s->connection, s->host,
		    s->port, s->file[0] ? s->file : "?", s->position);
	else if (!s->sql_running)
		cli_warn("warning: the SQL thread of replication connection "
		    "'%s' (%s:%lld) is not running: the snapshot holds its "
		    "source's changes up to %s:%lld, while the source's binlog "
		    "has been read to %s:%lld", s->connection, s->host, s->port,
		    s->file[0] ? s->file : "?", s->position,
		    s->read_file[0] ? s->read_file : "?", s->read_position);
	else if (s->lag_s >= LAG_WARN_S)
		cli_warn("warning: replication connection '%s' (%s:%lld) is "
		    "%lld s behind its source: so is the snapshot",
		    s->connection, s->host, s->port, s->lag_s);
}

int
replica_read(struct backup *b, char *err, size_t errlen)
{
	struct replica_info *r = &b->replica, next = { 0 };
	int rc, tries;

	if (!is_mariadb(b))
		return 0;
	if ((rc = read_state(b->ctl, r, err, errlen)) == 1) {
		if (replicating(b->ctl))
			cli_warn("warning: the server replicates, but SHOW ALL "
			    "SLAVES STATUS needs the REPLICA MONITOR privilege: no "
			    "source coordinates recorded");
		return 0;
	}
	if (rc == -1 || !r->is_replica)
		return rc;
	r->consistent = b->opt->lock != LOCK_NONE || r->paused;
	/* Paused threads cannot move: only the lock needs a second read. */
	for (tries = 0; r->consistent && !r->paused && tries < STABLE_TRIES;
	    tries++) {
		usleep(20000);
		if (read_state(b->ctl, &next, err, errlen) != 0) {
			free(next.sources);
			return -1;
		}
		if (same_state(r, &next))
			break;
		free(r->sources);
		r->sources = next.sources;
		r->n_sources = next.n_sources;
		memcpy(r->gtid_slave_pos, next.gtid_slave_pos,
		    sizeof(r->gtid_slave_pos));
		next.sources = NULL;
	}
	free(next.sources);
	if (tries == STABLE_TRIES) {
		snprintf(err, errlen, "replica: the replication positions kept "
		    "moving under the lock for %d s; try --replica-pause",
		    STABLE_TRIES * 20 / 1000);
		return -1;
	}
	if (!r->consistent) {
		cli_warn("warning: --no-lock on a replica: the sources' positions "
		    "cannot be read consistently with the snapshot without "
		    "--replica-pause; none recorded");
		for (size_t i = 0; i < r->n_sources; i++)
			r->sources[i].position = -1;
		r->gtid_slave_pos[0] = '\0';
	}
	for (size_t i = 0; i < r->n_sources; i++) {
		struct replica_source *s = &r->sources[i];

		/* A thread we paused is reported as it ran before. */
		for (size_t j = 0; j < r->n_stopped; j++)
			if (strcmp(r->stopped[j].connection, s->connection) == 0) {
				s->sql_running = true;
				s->lag_s = r->stopped[j].lag_s;
			}
		warn_behind(s);
	}
	return 0;
}

void
replica_resume(struct backup *b)
{
	struct replica_info *r = &b->replica;
	char err[1024];
	MYSQL *m = b->ctl;
	size_t i;

	if (!r->paused)
		return;
	for (i = 0; i < r->n_stopped; i++)
		if (sql_thread(m, "START", r->stopped[i].connection, err,
		    sizeof(err)) == -1) {
			/* The control connection may be the thing that failed. */
			MYSQL *fresh = conn_open(b->settings, 0, err, sizeof(err));

			if (fresh == NULL || sql_thread(fresh, "START",
			    r->stopped[i].connection, err, sizeof(err)) == -1)
				cli_warn("warning: %s: the SQL thread is still "
				    "stopped: run START SLAVE '%s' SQL_THREAD",
				    err, r->stopped[i].connection);
			if (fresh != NULL)
				mysql_close(fresh);
		}
	r->paused = false;
	if (r->n_stopped > 0)
		r->paused_ms = time_monotonic_ms() - r->paused_at_ms;
	for (i = 0; i < N_DEFERRED; i++)
		sigaction(deferred[i], &saved_actions[i], NULL);
	if (pending_signal != 0)
		raise(pending_signal);
}

static json_t *
source_json(const struct replica_source *s)
{
	return json_pack("{s:o, s:o, s:I, s:I, s:o, s:o, s:s, s:b, s:b, s:o}",
	    "connection", jsonout_text(s->connection),
	    "host", jsonout_text(s->host), "port", (json_int_t)s->port,
	    "server_id", (json_int_t)s->server_id,
	    "binlog_file", s->position >= 0 ? jsonout_text(s->file) :
	    json_null(),
	    "binlog_position", s->position >= 0 ?
	    json_integer(s->position) : json_null(),
	    "using_gtid", s->using_gtid,
	    "io_running", s->io_running, "sql_running", s->sql_running,
	    "seconds_behind", s->lag_s >= 0 ? json_integer(s->lag_s) :
	    json_null());
}

json_t *
replica_json(const struct replica_info *r)
{
	json_t *sources;

	if (!r->is_replica)
		return json_null();
	if ((sources = json_array()) == NULL)
		return NULL;
	for (size_t i = 0; i < r->n_sources; i++)
		if (json_array_append_new(sources, source_json(&r->sources[i])) ==
		    -1) {
			json_decref(sources);
			return NULL;
		}
	return json_pack("{s:b, s:b, s:o, s:o, s:o}", "consistent",
	    r->consistent, "paused", r->n_stopped > 0, "paused_ms",
	    r->n_stopped > 0 ? jsonout_number(r->paused_ms) : json_null(),
	    "gtid_slave_pos",
	    r->gtid_slave_pos[0] ? json_string(r->gtid_slave_pos) : json_null(),
	    "sources", sources);
}

void
replica_free(struct replica_info *r)
{
	free(r->sources);
	free(r->stopped);
	r->sources = NULL;
	r->stopped = NULL;
	r->n_sources = r->n_stopped = 0;
}
