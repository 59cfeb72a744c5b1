/* SPDX-License-Identifier: ISC */
/*
 * conn: the one place connection options are set.  dbkit reads option
 * files itself (settings.c), so the connector is not asked to read any:
 * every connect argument is explicit and the precedence stays ours.
 * Connector/C checks the certificate chain when a CA is given but the
 * host name only when asked, so a CA always comes with
 * MYSQL_OPT_SSL_VERIFY_SERVER_CERT.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "conn.h"

int
conn_library_init(void)
{
	return mysql_library_init(0, NULL, NULL) == 0 ? 0 : -1;
}

static int
is_local(const struct settings *s)
{
	return s->host == NULL || s->host[0] == '\0' ||
	    strcmp(s->host, "localhost") == 0;
}

static const char *
nonempty(const char *s)
{
	return s != NULL && s[0] != '\0' ? s : NULL;
}

void
conn_address(const struct settings *s, char *buf, size_t len)
{
	if (is_local(s))
		snprintf(buf, len, "%s",
		    nonempty(s->socket) ? s->socket : "localhost");
	else if (strchr(s->host, ':') != NULL)
		snprintf(buf, len, "[%s]:%lld", s->host, s->port);
	else
		snprintf(buf, len, "%s:%lld", s->host, s->port);
}

MYSQL *
conn_open(const struct settings *s, unsigned int flags, char *err,
    size_t errlen)
{
	MYSQL *m;
	char addr[512];
	unsigned int timeout_s = (unsigned int)((s->connect_timeout_ms + 999) / 1000);
	unsigned int infile = (flags & CONN_LOCAL_INFILE) != 0;
	my_bool on = 1, off = 0;

	conn_address(s, addr, sizeof(addr));
	if ((m = mysql_init(NULL)) == NULL) {
		snprintf(err, errlen, "connect to %s: out of memory", addr);
		return NULL;
	}
	if (timeout_s == 0)
		timeout_s = 1;
	mysql_optionsv(m, MYSQL_SET_CHARSET_NAME, "utf8mb4");
	mysql_optionsv(m, MYSQL_OPT_CONNECT_TIMEOUT, &timeout_s);
	/*
	 * A monitor must not hang on a server that accepts and then stalls;
	 * a backup must not give up on a lock wait or a long LOAD DATA.
	 */
	if (flags & CONN_BOUNDED_READS) {
		mysql_optionsv(m, MYSQL_OPT_READ_TIMEOUT, &timeout_s);
		mysql_optionsv(m, MYSQL_OPT_WRITE_TIMEOUT, &timeout_s);
	}
	/* A silent reconnect would lose session state and snapshots. */
	mysql_optionsv(m, MYSQL_OPT_RECONNECT, &off);
	mysql_optionsv(m, MYSQL_OPT_LOCAL_INFILE, &infile);
	if (nonempty(s->ssl_ca)) {
		mysql_optionsv(m, MYSQL_OPT_SSL_CA, s->ssl_ca);
		mysql_optionsv(m, MYSQL_OPT_SSL_VERIFY_SERVER_CERT, &on);
	}
	if (nonempty(s->ssl_cert))
		mysql_optionsv(m, MYSQL_OPT_SSL_CERT, s->ssl_cert);
	if (nonempty(s->ssl_key))
		mysql_optionsv(m, MYSQL_OPT_SSL_KEY, s->ssl_key);
	if (nonempty(s->ssl_ca) || nonempty(s->ssl_cert))
		mysql_optionsv(m, MYSQL_OPT_SSL_ENFORCE, &on);

	/* An empty password rather than NULL: NULL would let $MYSQL_PWD in. */
	if (!mysql_real_connect(m, is_local(s) ? "localhost" : s->host,
	    s->user, s->password ? s->password : "", nonempty(s->database),
	    (unsigned int)s->port, is_local(s) ? nonempty(s->socket) : NULL, 0)) {
		snprintf(err, errlen, "connect to %s: %s", addr, mysql_error(m));
		mysql_close(m);
		return NULL;
	}
	return m;
}

int
conn_run(MYSQL *m, const char *sql, const char *what, char *err,
    size_t errlen)
{
	MYSQL_RES *res;

	if (mysql_real_query(m, sql, (unsigned long)strlen(sql)) != 0) {
		snprintf(err, errlen, "%s: %s", what, mysql_error(m));
		return -1;
	}
	if ((res = mysql_store_result(m)) != NULL)
		mysql_free_result(res);
	return 0;
}

MYSQL_RES *
conn_select(MYSQL *m, const char *sql, char *err, size_t errlen)
{
	MYSQL_RES *res;

	if (mysql_real_query(m, sql, (unsigned long)strlen(sql)) != 0 ||
	    (res = mysql_store_result(m)) == NULL) {
		snprintf(err, errlen, "%s", mysql_errno(m) != 0 ? mysql_error(m) :
		    "the statement returned no result");
		return NULL;
	}
	return res;
}

MYSQL_RES *
conn_query(MYSQL *m, const char *sql, int *failed, char *err, size_t errlen)
{
	MYSQL_RES *res;

	*failed = 0;
	if (mysql_query(m, sql) != 0) {
		*failed = 1;
		snprintf(err, errlen, "%s", mysql_error(m));
		return NULL;
	}
	res = mysql_store_result(m);
	if (res == NULL && mysql_field_count(m) != 0) {
		*failed = 1;
		snprintf(err, errlen, "%s", mysql_error(m));
	}
	return res;
}

int
conn_column(MYSQL_RES *res, const char *name)
{
	MYSQL_FIELD *f = mysql_fetch_fields(res);
	unsigned int i, n = mysql_num_fields(res);

	for (i = 0; i < n; i++)
		if (strcasecmp(f[i].name, name) == 0)
			return (int)i;
	return -1;
}

char *
conn_literal(MYSQL *m, const char *s)
{
	size_t len = strlen(s);
	char *out = malloc(2 * len + 3);

	if (out == NULL)
		return NULL;
	out[0] = '\'';
	len = mysql_real_escape_string(m, out + 1, s, (unsigned long)len);
	out[len + 1] = '\'';
	out[len + 2] = '\0';
	return out;
}
