/* SPDX-License-Identifier: ISC */
/*
 * health: the result model of dbhealth.  checks.c fills it, run.c folds
 * it into an overall status, and report.c renders the same struct as
 * text, JSON, Prometheus or Nagios, so the formats cannot disagree.
 */
#ifndef DBHEALTH_HEALTH_H
#define DBHEALTH_HEALTH_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "settings.h"

enum status { ST_OK, ST_WARNING, ST_CRITICAL, ST_UNKNOWN };
enum overall { OVERALL_OK, OVERALL_DEGRADED, OVERALL_CRITICAL };

enum check_id {
	CHECK_CONNECT,
	CHECK_RESPONSE_TIME,
	CHECK_VERSION,
	CHECK_UPTIME,
	CHECK_CONNECTION_USAGE,
	CHECK_AVAILABLE_CONNECTIONS,
	CHECK_THREADS_RUNNING,
	CHECK_LONGEST_QUERY,
	CHECK_ABORTED_CONNECTS,
	CHECK_SLOW_QUERIES,
	CHECK_DEADLOCKS,
	CHECK_BUFFER_POOL_HIT,
	CHECK_READ_ONLY,
	CHECK_REPLICATION_IO,
	CHECK_REPLICATION_SQL,
	CHECK_REPLICATION_LAG,
	CHECK_GALERA_STATUS,
	CHECK_GALERA_SIZE,
	CHECK_GALERA_STATE,
	CHECK_GALERA_READY,
	CHECK_GALERA_RECV_QUEUE,
	CHECK_BACKUP_AGE,
	CHECK_COUNT
};

/* Which side of a threshold is bad; BAD_NONE: the check has no levels. */
enum direction { BAD_NONE, BAD_ABOVE, BAD_BELOW };

struct check_def {
	const char *name;
	const char *unit;	/* "ms", "s", "%", "count", or "" for text */
	enum direction bad;
	double warning, critical;	/* defaults; NAN: none */
};

extern const struct check_def check_defs[CHECK_COUNT];

/* The warning and critical level in force for each check (NAN: none). */
struct limits {
	double warning[CHECK_COUNT];
	double critical[CHECK_COUNT];
	long long max_failed_targets;
};

struct check {
	enum check_id id;
	char source[65];	/* replication connection name */
	bool has_source;
	enum status status;
	bool has_number;
	double number;
	char text[128];		/* the value when it is not a number */
	double warning, critical;
	char message[256];
};

struct target {
	char *name;
	char *catalog;			/* a backup catalogue, not a server */
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
};

/* Names for statuses, as they appear in every output format. */
const char *status_name(enum status st);
const char *overall_name(enum overall st);

/* The check called name, or -1. */
int check_find(const char *name);

/* Fills l with the defaults, the settings' seeds and DB_MONITOR_* levels. */
int limits_init(struct limits *l, const struct settings *s, char *err,
    size_t errlen);

/* Applies "CHECK=VALUE" to the warning or critical level.  0 or -1. */
int limits_set(struct limits *l, const char *spec, bool critical, char *err,
    size_t errlen);

/* Writes v as people write it (no exponent, no trailing zeros). */
void format_number(double v, char *buf, size_t len);

/* Writes v with the unit of check id: "0.42 ms", "12 s", "85.3%", "150". */
void format_quantity(enum check_id id, double v, char *buf, size_t len);

/* Judges value against the levels in force for check id. */
enum status limits_judge(const struct limits *l, enum check_id id, double v);

#endif
