/* SPDX-License-Identifier: ISC */
/*
 * connect: a session of a restore.  The control connection, each load
 * worker and --test's reading back of the definitions open their own,
 * with the restore's settings (RESTORE_SESSION_SQL) and, with
 * --no-binlog, without the binary log.
 */
#include "conn.h"
#include "connect.h"

MYSQL *
connect_session(struct restore *r, unsigned int flags, char *err, size_t errlen)
{
	MYSQL *m = conn_open(r->settings, flags, err, errlen);

	if (m == NULL)
		return NULL;
	if (conn_run(m, RESTORE_SESSION_SQL, "session", err, errlen) == -1 ||
	    (r->opt->no_binlog && conn_run(m, "SET SESSION sql_log_bin = 0",
	    "--no-binlog", err, errlen) == -1)) {
		mysql_close(m);
		return NULL;
	}
	return m;
}
