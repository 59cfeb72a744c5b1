/* SPDX-License-Identifier: ISC */
/*
 * conn: opening a connection to the server the settings describe, over a
 * Unix socket or TCP, with timeouts, utf8mb4 and verified TLS, and the
 * small query helpers the programs share.
 */
#ifndef DBKIT_CONN_H
#define DBKIT_CONN_H

#include <stddef.h>
#include <mysql.h>

#include "settings.h"

/* Calls mysql_library_init; once, from main, before any thread starts. */
int conn_library_init(void);

/* Describes where s connects: the socket path, or "host:port". */
void conn_address(const struct settings *s, char *buf, size_t len);

/* Flags for conn_open. */
#define CONN_LOCAL_INFILE 0x1	/* allow LOAD DATA LOCAL (our own handler) */
#define CONN_BOUNDED_READS 0x2	/* each read waits at most the connect timeout */

/*
 * Connects as s describes.  With a CA set, the server's certificate chain
 * and host name are verified.  Returns the handle, or NULL with
 * "connect to ADDRESS: why" in err (never the password).
 */
MYSQL *conn_open(const struct settings *s, unsigned int flags, char *err,
    size_t errlen);

/*
 * Runs one statement and throws away any result.  0, or -1 with
 * "what: the server's message" in err.
 */
int conn_run(MYSQL *m, const char *sql, const char *what, char *err,
    size_t errlen);

/*
 * Runs one statement that returns rows and stores them all (a small
 * result).  Returns it, or NULL with the server's message in err.
 */
MYSQL_RES *conn_select(MYSQL *m, const char *sql, char *err, size_t errlen);

/*
 * Runs one statement and stores its whole (small) result.  Returns the
 * result (NULL for a statement without one, check *failed), setting
 * *failed and err "what: why" on error.
 */
MYSQL_RES *conn_query(MYSQL *m, const char *sql, int *failed, char *err,
    size_t errlen);

/*
 * s as an SQL string literal, quoted and escaped for m's character set
 * and sql_mode.  malloc'd, or NULL when out of memory.
 */
char *conn_literal(MYSQL *m, const char *s);

/* The index of column name in res, or -1. */
int conn_column(MYSQL_RES *res, const char *name);

#endif
