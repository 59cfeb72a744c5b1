/* SPDX-License-Identifier: ISC */
/*
 * pool: a thread-safe pool of libmariadb connections for threaded C
 * programs.  Threads borrow a connection with pool_acquire and give it
 * back with pool_release; the pool keeps between min and max connections
 * open, serves waiting threads in arrival order, replaces connections that
 * broke, resets session state between borrowers, retires connections that
 * are idle (above min) or old (with jitter), and counts everything.
 *
 * Bounds and timings come from the settings (dbkit(7)):
 * DB_POOL_MIN_CONNECTIONS, DB_POOL_MAX_CONNECTIONS, DB_POOL_TIMEOUT (the
 * longest wait for a free connection), DB_POOL_IDLE_TIMEOUT and
 * DB_POOL_MAX_LIFETIME.
 *
 * What is reset on release (mysql_reset_connection): user variables,
 * temporary tables, prepared statements, session variables set with SET,
 * an open transaction (rolled back), table locks (released), the current
 * database (back to the one the pool connected with) and the
 * LAST_INSERT_ID.  A borrower that changed the character set gets the
 * pool's utf8mb4 back.
 */
#ifndef DBKIT_POOL_H
#define DBKIT_POOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <mysql.h>

#include "settings.h"

struct pool;

/* Timings and bounds, in milliseconds where they are times. */
struct pool_config {
	long long min, max;
	long long acquire_timeout_ms;	/* 0: fail at once when none is free */
	long long idle_timeout_ms;	/* idle above min this long: closed */
	long long max_lifetime_ms;	/* older: retired on release (jittered) */
	long long validate_after_ms;	/* idle this long: pinged before reuse */
	long long leak_threshold_ms;	/* held this long: counted as a leak */
	bool reset_on_release;		/* mysql_reset_connection (default): one
					   round trip per release */
};

/* Fills c from the settings' pool values and the defaults for the rest. */
void pool_config_from_settings(struct pool_config *c, const struct settings *s);

/* A moment's view of the pool, for reports and timeout errors. */
struct pool_stats {
	long long open, in_use, idle, waiting, peak_open;
	long long created, closed_idle, closed_lifetime, closed_broken;
	long long acquisitions, reuses, waits, timeouts, leaks;
	double efficiency;		/* reuses / acquisitions */
	double wait_p50_ms, wait_p99_ms, wait_max_ms;
	char last_error[512];		/* the last connect error, or "" */
};

/*
 * Creates a pool that connects as s describes (the settings must outlive
 * it) and opens c->min connections.  Returns NULL with "what: why" in err
 * (the first connection error, or bad bounds).
 */
struct pool *pool_new(const struct settings *s, const struct pool_config *c,
    char *err, size_t errlen);

/*
 * Borrows a connection: an idle one (validated if it idled long), a new
 * one while fewer than max are open, or the first one released while this
 * thread waits, in arrival order.  Returns NULL after the acquire timeout,
 * or when connecting fails, with err holding the reason and a snapshot of
 * the pool ("timed out after 30000 ms: 10 open, 10 in use, 0 idle,
 * 4 waiting; last connection error: ...").
 */
MYSQL *pool_acquire(struct pool *p, char *err, size_t errlen);

/*
 * Gives a borrowed connection back.  broken says the borrower saw it fail
 * (a lost connection, a server restart); the pool also checks
 * mysql_errno itself.  A broken or retired connection is closed and
 * never handed out again; others are reset and become idle.
 */
void pool_release(struct pool *p, MYSQL *m, bool broken);

/* Closes idle connections above min that idled too long.  Cheap; call it
 * now and then (pool_acquire does, at most every 250 ms). */
void pool_maintain(struct pool *p);

/* Fills st with the pool's numbers now. */
void pool_stats(struct pool *p, struct pool_stats *st);

/*
 * Shuts the pool down: new acquires fail, waiting threads are woken with
 * an error, borrowed connections are waited for (they must be released),
 * then every connection is closed and the pool freed.
 */
void pool_free(struct pool *p);

#endif
