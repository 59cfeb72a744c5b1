/* SPDX-License-Identifier: ISC */
/*
 * checks: what a DBA looks at first, in as few round trips as we can:
 * connect, SELECT 1, one query for the status counters and variables,
 * the process list, SHOW ALL REPLICAS STATUS.  A check the user may not
 * run is "unknown" with the reason, never silently "ok": a monitoring
 * user without PROCESS sees only its own threads, and a stopped
 * replication thread or a NULL lag is critical, the classic mistakes of
 * older checks.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mysql.h>
#include <mysqld_error.h>

#include "backups.h"
#include "checks.h"
#include "rates.h"
#include "conn.h"
#include "health.h"
#include "timeutil.h"
#include "vars.h"

/* Buffer pool ratios before this many read requests say nothing. */
#define MIN_READ_REQUESTS 10000

/* Without PROCESS the process list holds only our own threads. */
static const char privilege_sql[] =
    "SELECT COUNT(*) FROM information_schema.USER_PRIVILEGES"
    " WHERE PRIVILEGE_TYPE = 'PROCESS' AND GRANTEE = CONCAT('''',"
    " SUBSTRING_INDEX(CURRENT_USER(), '@', 1), '''@''',"
    " SUBSTRING_INDEX(CURRENT_USER(), '@', -1), '''')";

/*
 * The longest statement that is someone's work: not idle connections,
 * server daemons, replication threads or this connection.
 */
static const char longest_sql[] =
    "SELECT ID, USER, COALESCE(DB, ''), COMMAND, TIME_MS"
    " FROM information_schema.PROCESSLIST WHERE ID <> CONNECTION_ID()"
    " AND COMMAND NOT IN ('Sleep', 'Daemon', 'Binlog Dump',"
    " 'Slave_IO', 'Slave_SQL', 'Slave_worker', 'Killed')"
    " AND USER NOT IN ('system user', 'event_scheduler',"
    " 'unauthenticated user')"
    " ORDER BY TIME_MS DESC LIMIT 1";

static void
set_text(struct check *c, const char *text)
{
	if (c != NULL)
		snprintf(c->text, sizeof(c->text), "%s", text ? text : "");
}

/* Shows the levels in force on c, also when there is no value to judge. */
static void
set_levels(struct check *c, const struct limits *l)
{
	if (c == NULL)
		return;
	c->warning = l->warning[c->id];
	c->critical = l->critical[c->id];
}

/* Adds a numeric check judged against the levels in force. */
static struct check *
add_number(struct target *t, const struct limits *l, enum check_id id,
    double v, const char *note)
{
	enum status st = threshold_judge(l, id, v);
	const struct check_def *d = &check_defs[id];
	double level = st == ST_CRITICAL ? l->critical[id] : l->warning[id];
	char value[64], limit[64];
	struct check *c;

	if (st == ST_OK)
		c = check_append(t, id, st, "%s", note ? note : "");
	else {
		format_quantity(id, v, value, sizeof(value));
		format_quantity(id, level, limit, sizeof(limit));
		c = check_append(t, id, st, "%s %s %s level %s%s", value,
		    d->bad == BAD_ABOVE ? "above" : "below", status_name(st),
		    limit, note ? note : "");
	}
	if (c != NULL) {
		c->has_number = true;
		c->number = v;
	}
	set_levels(c, l);
	return c;
}

/*
 * Adds every counter check of CHECK_TABLE that the server has, in the
 * table's order: a counter's value is the check, with no rule of its own.
 */
static void
add_counters(struct target *t, const struct limits *l, const struct vars *v)
{
	int id;

	struct check *c;

	for (id = 0; id < CHECK_COUNT; id++) {
		if (!v->counter_set[id])
			continue;
		/* A total: rates.c judges it per minute, after the run. */
		if (rates_is_rate((enum check_id)id)) {
			if ((c = check_append(t, id, ST_OK, "%s", "")) != NULL) {
				c->has_number = true;
				c->number = v->counter[id];
			}
			set_levels(c, l);
		} else
			add_number(t, l, id, v->counter[id], NULL);
	}
}

static void
check_server(struct target *t, const struct limits *l, const struct vars *v)
{
	double connected = vars_number(v, V_THREADS_CONNECTED);
	double max = vars_number(v, V_MAX_CONNECTIONS);
	double reads = vars_number(v, V_BP_READS);
	double requests = vars_number(v, V_BP_READ_REQUESTS);

	set_text(check_append(t, CHECK_VERSION, ST_OK, "%s", ""),
	    v->value[V_VERSION]);
	if (v->set[V_UPTIME])
		add_number(t, l, CHECK_UPTIME, vars_number(v, V_UPTIME),
		    vars_number(v, V_UPTIME) < l->warning[CHECK_UPTIME] ?
		    ": restarted recently" : NULL);
	if (max > 0 && v->set[V_THREADS_CONNECTED]) {
		add_number(t, l, CHECK_CONNECTION_USAGE,
		    round(connected * 1000.0 / max) / 10.0, NULL);
		add_number(t, l, CHECK_AVAILABLE_CONNECTIONS, max - connected, NULL);
	}
	add_counters(t, l, v);
	if (requests >= MIN_READ_REQUESTS) {
		add_number(t, l, CHECK_BUFFER_POOL_HIT,
		    round((1.0 - reads / requests) * 10000.0) / 100.0, NULL);
	} else if (v->set[V_BP_READ_REQUESTS])
		set_levels(check_append(t, CHECK_BUFFER_POOL_HIT, ST_OK,
		    "too few reads to judge (%.0f request%s)", requests,
		    requests == 1 ? "" : "s"), l);
	set_text(check_append(t, CHECK_READ_ONLY, ST_OK, "%s", ""),
	    v->value[V_READ_ONLY]);
}

static void
check_longest_query(struct target *t, MYSQL *m, const struct limits *l)
{
	MYSQL_RES *res;
	MYSQL_ROW row;
	char err[512], note[256];
	int failed, allowed = 0;

	res = conn_query(m, privilege_sql, &failed, err, sizeof(err));
	if (!failed && (row = mysql_fetch_row(res)) != NULL && row[0] != NULL)
		allowed = strcmp(row[0], "0") != 0;
	if (res != NULL)
		mysql_free_result(res);
	if (failed) {
		check_append(t, CHECK_LONGEST_QUERY, ST_UNKNOWN,
		    "privilege check: %s", err);
		return;
	}
	if (!allowed) {
		check_append(t, CHECK_LONGEST_QUERY, ST_UNKNOWN,
		    "needs the PROCESS privilege to see other users' statements");
		return;
	}
	res = conn_query(m, longest_sql, &failed, err, sizeof(err));
	if (failed) {
		check_append(t, CHECK_LONGEST_QUERY, ST_UNKNOWN, "process list: %s",
		    err);
		return;
	}
	row = mysql_fetch_row(res);
	if (row == NULL)
		add_number(t, l, CHECK_LONGEST_QUERY, 0, "no statement running");
	else {
		snprintf(note, sizeof(note), "%sthread %s (%s%s%s, %s)",
		    threshold_judge(l, CHECK_LONGEST_QUERY,
		    strtod(row[4] ? row[4] : "0", NULL)) == ST_OK ? "" : ": ",
		    row[0], row[1] ? row[1] : "", row[2] && row[2][0] ? "@" : "",
		    row[2] ? row[2] : "", row[3] ? row[3] : "");
		add_number(t, l, CHECK_LONGEST_QUERY,
		    round(strtod(row[4] ? row[4] : "0", NULL)), note);
	}
	mysql_free_result(res);
}

static const char *
field(MYSQL_RES *res, MYSQL_ROW row, const char *name)
{
	int i = conn_column(res, name);

	return i >= 0 ? row[i] : NULL;
}

static void
set_source(struct check *c, const char *name)
{
	if (c == NULL)
		return;
	c->has_source = true;
	snprintf(c->source, sizeof(c->source), "%s", name ? name : "");
}

static void
check_replica(struct target *t, const struct limits *l, MYSQL_RES *res,
    MYSQL_ROW row)
{
	const char *name = field(res, row, "Connection_name");
	const char *io = field(res, row, "Slave_IO_Running");
	const char *sql = field(res, row, "Slave_SQL_Running");
	const char *sbm = field(res, row, "Seconds_Behind_Master");
	const char *delay = field(res, row, "SQL_Delay");
	const char *io_err = field(res, row, "Last_IO_Error");
	const char *sql_err = field(res, row, "Last_SQL_Error");
	const char *src_host = field(res, row, "Master_Host");
	const char *src_port = field(res, row, "Master_Port");
	struct check *c;
	bool io_ok = io && strcmp(io, "Yes") == 0;
	bool sql_ok = sql && strcmp(sql, "Yes") == 0;

	c = check_append(t, CHECK_REPLICATION_IO, io_ok ? ST_OK : ST_CRITICAL,
	    "%s%s from %s:%s%s%s", io_ok ? "" : "IO thread ",
	    io_ok ? "receiving" : io && strcmp(io, "Connecting") == 0 ?
	    "connecting" : "not running", src_host ? src_host : "?",
	    src_port ? src_port : "?", io_err && *io_err ? ": " : "",
	    io_err ? io_err : "");
	set_text(c, io);
	set_source(c, name);

	c = check_append(t, CHECK_REPLICATION_SQL, sql_ok ? ST_OK : ST_CRITICAL,
	    "%s%s", sql_ok ? "applying" : "SQL thread not running",
	    sql_ok ? "" : sql_err && *sql_err ? ": " : " (stopped by hand?)");
	if (!sql_ok && sql_err && *sql_err)
		if (c != NULL)
			snprintf(c->message + strlen(c->message),
		    sizeof(c->message) - strlen(c->message), "%s", sql_err);
	set_text(c, sql);
	set_source(c, name);

	if (sbm == NULL) {
		c = check_append(t, CHECK_REPLICATION_LAG, ST_CRITICAL,
		    "lag unknown: Seconds_Behind_Master is NULL, replication "
		    "is not running");
		set_levels(c, l);
	} else {
		double lag = strtod(sbm, NULL) - (delay ? strtod(delay, NULL) : 0);

		c = add_number(t, l, CHECK_REPLICATION_LAG, lag > 0 ? lag : 0,
		    delay && strtod(delay, NULL) > 0 ?
		    " (configured delay subtracted)" : NULL);
	}
	set_source(c, name);
}

static void
check_replication(struct target *t, MYSQL *m, const struct limits *l)
{
	MYSQL_RES *res;
	MYSQL_ROW row;
	char err[512];
	int failed;

	res = conn_query(m, "SHOW ALL REPLICAS STATUS", &failed, err,
	    sizeof(err));
	if (failed) {
		const char *why = mysql_errno(m) == ER_SPECIFIC_ACCESS_DENIED_ERROR ?
		    "needs the REPLICA MONITOR privilege: " : "";

		check_append(t, CHECK_REPLICATION_IO, ST_UNKNOWN, "%s%s", why,
		    err);
		check_append(t, CHECK_REPLICATION_SQL, ST_UNKNOWN, "%s%s", why,
		    err);
		check_append(t, CHECK_REPLICATION_LAG, ST_UNKNOWN, "%s%s", why,
		    err);
		return;
	}
	while ((row = mysql_fetch_row(res)) != NULL)
		check_replica(t, l, res, row);
	mysql_free_result(res);
}

static void
check_galera(struct target *t, const struct limits *l, const struct vars *v)
{
	const char *cluster = v->value[V_WSREP_CLUSTER_STATUS];
	const char *state = v->value[V_WSREP_STATE_COMMENT];
	const char *ready = v->value[V_WSREP_READY];
	enum status st;

	st = strcmp(cluster, "Primary") == 0 ? ST_OK : ST_CRITICAL;
	set_text(check_append(t, CHECK_GALERA_STATUS, st, "%s",
	    st == ST_OK ? "" : "node is not in the primary component"), cluster);
	add_number(t, l, CHECK_GALERA_SIZE, vars_number(v, V_WSREP_CLUSTER_SIZE),
	    NULL);
	if (strcmp(state, "Synced") == 0)
		st = ST_OK;
	else if (strcmp(state, "Donor/Desynced") == 0 ||
	    strcmp(state, "Donor") == 0 || strcmp(state, "Desynced") == 0)
		st = ST_WARNING;
	else
		st = ST_CRITICAL;
	set_text(check_append(t, CHECK_GALERA_STATE, st, "%s",
	    st == ST_OK ? "" : "node is not synced"), state);
	st = strcasecmp(ready, "ON") == 0 ? ST_OK : ST_CRITICAL;
	set_text(check_append(t, CHECK_GALERA_READY, st, "%s",
	    st == ST_OK ? "" : "node does not accept queries"), ready);
	add_number(t, l, CHECK_GALERA_RECV_QUEUE,
	    vars_number(v, V_WSREP_RECV_QUEUE), NULL);
}

static void
tls_info(struct target *t, MYSQL *m)
{
	const char *version = NULL;

	if (mysql_get_ssl_cipher(m) != NULL &&
	    mariadb_get_infov(m, MARIADB_CONNECTION_TLS_VERSION, &version) == 0 &&
	    version != NULL)
		snprintf(t->tls, sizeof(t->tls), "%s", version);
}

static void
server_info(struct target *t, const struct vars *v)
{
	snprintf(t->version, sizeof(t->version), "%s", v->value[V_VERSION]);
	snprintf(t->hostname, sizeof(t->hostname), "%s", v->value[V_HOSTNAME]);
	t->server_id = v->set[V_SERVER_ID] ? strtoll(v->value[V_SERVER_ID], NULL, 10) : -1;
}

static void
fold_status(struct target *t)
{
	size_t i;

	t->status = ST_OK;
	for (i = 0; i < t->n_checks; i++)
		if (t->checks[i].status != ST_UNKNOWN &&
		    t->checks[i].status > t->status)
			t->status = t->checks[i].status;
}

void
checks_run(struct target *t, const struct limits *l)
{
	MYSQL *m;
	MYSQL_RES *res;
	struct vars v;
	struct check *c;
	char err[512];
	double start, connected, answered;
	int failed;

	start = time_monotonic_ms();
	m = conn_open(&t->conn, CONN_BOUNDED_READS, t->error, sizeof(t->error));
	connected = time_monotonic_ms();
	if (m == NULL) {
		t->reachable = false;
		check_append(t, CHECK_CONNECT, ST_CRITICAL, "%s", t->error);
		t->status = ST_CRITICAL;
		return;
	}
	t->reachable = true;
	tls_info(t, m);
	c = check_append(t, CHECK_CONNECT, ST_OK, "%s%s",
	    t->tls[0] ? "TLS " : "", t->tls[0] ? t->tls : "unencrypted");
	if (c != NULL) {
		c->has_number = true;
		c->number = round((connected - start) * 1000) / 1000;
	}

	res = conn_query(m, "SELECT 1", &failed, err, sizeof(err));
	answered = time_monotonic_ms();
	if (res != NULL)
		mysql_free_result(res);
	if (failed)
		check_append(t, CHECK_RESPONSE_TIME, ST_CRITICAL, "SELECT 1: %s",
		    err);
	else
		add_number(t, l, CHECK_RESPONSE_TIME,
		    round((answered - start) * 1000) / 1000, NULL);

	if (vars_read(m, &v, err, sizeof(err)) == -1)
		check_append(t, CHECK_VERSION, ST_UNKNOWN, "status variables: %s",
		    err);
	else {
		server_info(t, &v);
		check_server(t, l, &v);
	}
	check_longest_query(t, m, l);
	check_replication(t, m, l);
	if (t->backups != NULL)
		backups_binlog_check(t, m);
	if (strcasecmp(v.value[V_WSREP_ON], "ON") == 0)
		check_galera(t, l, &v);
	mysql_close(m);
	fold_status(t);
}
