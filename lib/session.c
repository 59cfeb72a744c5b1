/* SPDX-License-Identifier: ISC */
/*
 * session: the server's session trackers (session_track_state_change,
 * session_track_transaction_info, session_track_system_variables) put an
 * item in the OK packet of every statement that changes the session, and
 * libmariadb's status callback sees each.  Which statements do and which
 * do not was measured against MariaDB 10.11; lib/pool.h lists them.
 */
#include <stdarg.h>
#include <string.h>

#include "session.h"

/*
 * A borrower's changes to variables, schema, temporary tables or prepared
 * statements come with a state change or system variable item; the
 * transaction state says "________" when no transaction is open and no
 * tables are locked (LOCK TABLES is an 'L'); the transaction
 * characteristics are empty unless SET TRANSACTION waits for the next
 * transaction.  The strings point into the packet, unterminated.
 */
static void
on_status(void *data, enum enum_mariadb_status_info type, ...)
{
	struct session_track *t = data;
	MARIADB_CONST_STRING *value;
	va_list ap;
	size_t i;
	int item;

	if (type != SESSION_TRACK_TYPE)
		return;
	va_start(ap, type);
	item = va_arg(ap, int);
	value = va_arg(ap, MARIADB_CONST_STRING *);
	switch (item) {
	case SESSION_TRACK_TRANSACTION_STATE:
		t->trx_open = false;
		for (i = 0; i < value->length; i++)
			t->trx_open |= value->str[i] != '_';
		break;
	case SESSION_TRACK_TRANSACTION_CHARACTERISTICS:
		t->trx_characteristics = value->length > 0;
		break;
	default:
		t->changed = true;
	}
	va_end(ap);
}

void
session_track_start(struct session_track *t, MYSQL *m)
{
	/* Tracking every system variable also reports a borrower turning a
	 * tracker off. */
	t->tracked = mysql_optionsv(m, MARIADB_OPT_STATUS_CALLBACK, on_status,
	    t) == 0 &&
	    mysql_query(m, "SET SESSION session_track_state_change = ON, "
	    "session_track_transaction_info = CHARACTERISTICS, "
	    "session_track_system_variables = '*'") == 0;
	t->changed = t->trx_open = t->trx_characteristics = false;
}

bool
session_changed(const struct session_track *t, const MYSQL *m)
{
	/* An error packet carries no tracking items, so a failed statement
	 * may have hidden a change; results left unread, statements left
	 * prepared and open transactions are visible on the client. */
	return !t->tracked || t->changed || t->trx_open ||
	    t->trx_characteristics || m->net.last_errno != 0 ||
	    m->status != MYSQL_STATUS_READY || m->stmts != NULL ||
	    (m->server_status & (SERVER_STATUS_IN_TRANS |
	    SERVER_MORE_RESULTS_EXIST)) != 0;
}

int
session_restore_database(MYSQL *m, const char *db)
{
	/* The schema tracker says "" for none (after LOCK TABLES, say). */
	const char *want = db != NULL ? db : "";
	const char *now = m->db != NULL ? m->db : "";

	if (strcmp(now, want) == 0)
		return 0;
	return *want != '\0' && mysql_select_db(m, want) == 0 ? 0 : -1;
}
