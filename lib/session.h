/* SPDX-License-Identifier: ISC */
/*
 * session: inside lib/pool, what a borrower did to a connection's
 * session, as the server's session trackers report it, and putting the
 * session back for the next borrower.  Not for use outside the pool.
 */
#ifndef DBKIT_SESSION_H
#define DBKIT_SESSION_H

#include <stdbool.h>
#include <mysql.h>

/* Written by libmariadb's status callback on the borrower's thread while
 * it uses the connection; read when it gives the connection back. */
struct session_track {
	bool tracked;			/* the trackers are on */
	bool changed;			/* variables, schema, temporary tables,
					   prepared statements... */
	bool trx_open;			/* a transaction or LOCK TABLES */
	bool trx_characteristics;	/* SET TRANSACTION pending */
};

/*
 * Turns the server's trackers on for m's session and starts watching them
 * into t (which must stay where it is while m lives).  Again after every
 * reset, which turns them back to the global defaults.  A server without
 * them (MariaDB before 10.3) leaves t untracked.
 */
void session_track_start(struct session_track *t, MYSQL *m);

/* Whether the session changed since session_track_start, or may have:
 * untracked, or left with a transaction, a result, a prepared statement
 * or an error. */
bool session_changed(const struct session_track *t, const MYSQL *m);

/*
 * A reset keeps the current database: puts back db (NULL or "" for none).
 * There is no going back to none: -1 when m chose one and db is none, or
 * when USE fails.
 */
int session_restore_database(MYSQL *m, const char *db);

#endif
