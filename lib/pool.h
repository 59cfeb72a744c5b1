/* SPDX-License-Identifier: ISC */
/*
 * pool: a thread-safe pool of libmariadb connections for threaded C
 * programs.  Threads borrow a connection with pool_acquire and give it
 * back with pool_release; the pool keeps between min and max connections
 * open, serves waiting threads in arrival order, replaces connections that
 * broke, resets session state between borrowers, retires connections that
 * are idle (above min) or old (with jitter), and counts everything.  A
 * thread that gives back a connection that needs no reset while nobody
 * waits gets the same one back on its next pool_acquire, without a lock:
 * as cheap as a connection of its own.
 *
 * Bounds and timings come from the settings (dbkit(7)):
 * DB_POOL_MIN_CONNECTIONS, DB_POOL_MAX_CONNECTIONS, DB_POOL_TIMEOUT (the
 * longest wait for a free connection), DB_POOL_IDLE_TIMEOUT and
 * DB_POOL_MAX_LIFETIME.
 *
 * Resetting (DB_POOL_RESET; mysql_reset_connection, one round trip)
 * clears user variables, temporary tables, prepared statements, session
 * variables, an open transaction (rolled back), table and user-level
 * locks and LAST_INSERT_ID; a borrower that changed the character set
 * gets the pool's utf8mb4 back.  The pool then puts back the database it
 * connected with (a reset keeps the current one); a connection that chose
 * a database in a pool without one cannot go back to none and is closed
 * (counted as broken).  When:
 *
 *   changed (default)  only when the session changed.  The pool turns on
 *       the server's session trackers (session_track_state_change,
 *       session_track_transaction_info) and resets after a borrower SET a
 *       variable (SET @v, SET NAMES, SET autocommit, SET sql_mode...),
 *       changed the database, created or dropped a temporary table,
 *       PREPAREd a statement, locked tables, set SET TRANSACTION
 *       characteristics, or left a transaction open, results unread, a
 *       MYSQL_STMT open or an error last.  The trackers do not see a user
 *       variable assigned inside a statement (SELECT @v := 1,
 *       SELECT ... INTO @v), GET_LOCK, a change made by a statement that
 *       then failed, LAST_INSERT_ID or a sequence's LASTVAL: a borrower
 *       that leaves those behind releases with POOL_DIRTY.  The pool
 *       installs its own status callback, so mysql_session_track_get_first
 *       does not work on its connections.
 *   always  on every release.
 *   never   the borrowers take care of it.
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
	enum pool_reset reset;		/* when to reset the session */
};

/* Fills c from the settings' pool values and the defaults for the rest. */
void pool_config_from_settings(struct pool_config *c, const struct settings *s);

/* A moment's view of the pool, for reports and timeout errors. */
struct pool_stats {
	long long open, in_use, idle, waiting, peak_open;
	long long created, closed_idle, closed_lifetime, closed_broken;
	long long acquisitions, reuses, resets, waits, timeouts, leaks;
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

/* What a borrower says of a connection it gives back. */
enum {
	POOL_BROKEN = 1,	/* it failed: close it */
	POOL_DIRTY = 2,		/* reset it, whatever DB_POOL_RESET says
				   (with changed: state the trackers miss) */
};

/*
 * Gives a borrowed connection back, with flags 0 or POOL_BROKEN and
 * POOL_DIRTY.  The pool also looks at mysql_errno itself: a broken or
 * retired connection is closed and never handed out again; others are
 * reset as DB_POOL_RESET says and become idle.
 */
void pool_release(struct pool *p, MYSQL *m, unsigned flags);

/* Closes idle connections above min that idled too long.  Cheap; call it
 * now and then (pool_acquire does, at most every 250 ms). */
void pool_maintain(struct pool *p);

/* Fills st with the pool's numbers now. */
void pool_stats(struct pool *p, struct pool_stats *st);

/*
 * Shuts the pool down: threads waiting in pool_acquire are woken with an
 * error, borrowed connections are waited for (they must be released),
 * then every connection is closed and the pool freed.  No thread may
 * start a pool_acquire once pool_free has begun.
 */
void pool_free(struct pool *p);

#endif
