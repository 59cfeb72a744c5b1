/* SPDX-License-Identifier: ISC */
/*
 * health: the result model of dbhealth and the table of its checks.
 * checks.c and backups.c fill a struct target per target, run.c folds
 * them into an overall status, and report.c renders the same struct run
 * as text, JSON, Prometheus or Nagios, so the formats cannot disagree.
 */
#ifndef DBHEALTH_HEALTH_H
#define DBHEALTH_HEALTH_H

#include <stdbool.h>

#include <jansson.h>
#include <stddef.h>
#include <time.h>

#include "settings.h"

/*
 * Every check, one row each: X(ID, name, unit, bad, warning, critical,
 * counter).  The name is what every output format, -w/-c and the
 * DB_MONITOR_WARN_/CRIT_ variables call it; the unit is "ms", "s", "%",
 * "count" or "" for a text value; bad is the side of a level that is bad
 * (BAD_NONE: the check has no levels); warning and critical are the
 * default levels (NONE: none); counter is the global status variable
 * whose value is the check, judged as it is, or "" when checks.c or
 * backups.c computes the value.  A counter check needs nothing but its
 * row (aborted_connects, slow_queries and deadlocks are totals whose
 * levels are per minute: rates.c judges them).  The enum, check_defs, the list in --help and the status query are
 * made from this table, and tests/docs.bats checks dbhealth(1) against
 * it; the report lists the checks in the order checks.c runs them.
 */
#define CHECK_TABLE(X) \
	X(CONNECT, "connect", "ms", BAD_NONE, NONE, NONE, "") \
	X(RESPONSE_TIME, "response_time", "ms", BAD_ABOVE, 1000, 5000, "") \
	X(VERSION, "version", "", BAD_NONE, NONE, NONE, "") \
	X(UPTIME, "uptime", "s", BAD_BELOW, 600, NONE, "") \
	X(CONNECTION_USAGE, "connection_usage", "%", BAD_ABOVE, 70, 80, "") \
	X(AVAILABLE_CONNECTIONS, "available_connections", "count", BAD_BELOW, \
	    10, 2, "") \
	X(THREADS_RUNNING, "threads_running", "count", BAD_ABOVE, 32, 64, \
	    "THREADS_RUNNING") \
	X(LONGEST_QUERY, "longest_query", "ms", BAD_ABOVE, 5000, 10000, "") \
	X(ABORTED_CONNECTS, "aborted_connects", "count", BAD_ABOVE, 10, 60, \
	    "ABORTED_CONNECTS") \
	X(SLOW_QUERIES, "slow_queries", "count", BAD_ABOVE, 10, 60, \
	    "SLOW_QUERIES") \
	X(DEADLOCKS, "deadlocks", "count", BAD_ABOVE, 1, 10, \
	    "INNODB_DEADLOCKS") \
	X(BUFFER_POOL_HIT, "buffer_pool_hit", "%", BAD_BELOW, 99, 95, "") \
	X(READ_ONLY, "read_only", "", BAD_NONE, NONE, NONE, "") \
	X(REPLICATION_IO, "replication_io", "", BAD_NONE, NONE, NONE, "") \
	X(REPLICATION_SQL, "replication_sql", "", BAD_NONE, NONE, NONE, "") \
	X(REPLICATION_LAG, "replication_lag", "s", BAD_ABOVE, 30, 120, "") \
	X(GALERA_STATUS, "galera_status", "", BAD_NONE, NONE, NONE, "") \
	X(GALERA_SIZE, "galera_size", "count", BAD_BELOW, 3, 2, "") \
	X(GALERA_STATE, "galera_state", "", BAD_NONE, NONE, NONE, "") \
	X(GALERA_READY, "galera_ready", "", BAD_NONE, NONE, NONE, "") \
	X(GALERA_RECV_QUEUE, "galera_recv_queue", "count", BAD_ABOVE, 10, 100, \
	    "") \
	X(BINLOG_KEPT, "binlog_kept", "", BAD_NONE, NONE, NONE, "") \
	X(BACKUP_AGE, "backup_age", "s", BAD_ABOVE, 93600, 180000, "") \
	X(NEWEST_BACKUP_AGE, "newest_backup_age", "s", BAD_ABOVE, NONE, NONE, \
	    "")

enum status { ST_OK, ST_WARNING, ST_CRITICAL, ST_UNKNOWN };
enum overall { OVERALL_OK, OVERALL_DEGRADED, OVERALL_CRITICAL };

#define CHECK_ENUM(id, ...) CHECK_##id,
enum check_id { CHECK_TABLE(CHECK_ENUM) CHECK_COUNT };
#undef CHECK_ENUM

/* Which side of a threshold is bad; BAD_NONE: the check has no levels. */
enum direction { BAD_NONE, BAD_ABOVE, BAD_BELOW };

/* One row of CHECK_TABLE. */
struct check_def {
	const char *name;
	const char *unit;	/* "ms", "s", "%", "count", or "" for text */
	enum direction bad;
	double warning, critical;	/* defaults; NAN: none */
	const char *counter;	/* the status variable, or "" */
};

extern const struct check_def check_defs[CHECK_COUNT];

struct check {
	enum check_id id;
	char source[65];	/* replication connection name */
	bool has_source;
	enum status status;
	bool has_number;
	double number;
	char text[128];		/* the value when it is not a number */
	double warning, critical;
	bool has_rate;		/* rates.c: a total judged per minute */
	double rate;
	char message[256];
};

struct target {
	char *name;
	char *catalog;			/* a backup catalogue, not a server */
	const char *backups;		/* a server's: the catalogue whose
					   chain it continues, or NULL */
	char *host, *socket, *user;	/* owned overrides of the settings */
	struct settings conn;		/* shallow copy; never freed */
	char address[512];

	bool reachable;
	char error[768];
	char version[128];
	char hostname[256];
	long long server_id;
	char tls[32];			/* "" when the connection is plain */
	struct check *checks;
	size_t n_checks, cap_checks;
	enum status status;
};

struct run {
	time_t checked_at;
	double duration_ms;
	struct target *targets;
	size_t n_targets;
	enum overall status;
	size_t n_ok, n_warning, n_critical, n_unreachable;
	json_t *alert;		/* what notify.c did, or NULL: in the JSON */
	const json_t *before;	/* rates.c's samples of the run before */
};

/* Names for statuses, as they appear in every output format. */
const char *status_name(enum status st);
const char *overall_name(enum overall st);

/* The check called name, or -1. */
int check_find(const char *name);

/*
 * Appends check id with status st and the message fmt to t's results,
 * with no levels shown (NAN).  Returns the check, or NULL when out of
 * memory.
 */
struct check *check_append(struct target *t, enum check_id id,
    enum status st, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Writes v as people write it (no exponent, no trailing zeros). */
void format_number(double v, char *buf, size_t len);

/* Writes v with the unit of check id: "0.42 ms", "12 s", "85.3%", "150". */
void format_quantity(enum check_id id, double v, char *buf, size_t len);

#endif
