/* SPDX-License-Identifier: ISC */
/*
 * replica: build a new replica from a backup.
 *
 * Which coordinates: the source is asked its @@server_id (connecting as
 * the replication account, which also proves the password before hours
 * of restore).  When it is the server the backup was taken on, the
 * backup's own binlog coordinates are where the source's binlog goes on;
 * when it is a source the backed-up replica replicated from (the
 * manifest's snapshot.replica), that connection's coordinates are.  GTID
 * (MASTER_USE_GTID=slave_pos from the backup's GTID state) is used when
 * the backup has one, else the file and position.
 *
 * The target is checked first: a server that already replicates is
 * refused unless --reset-replica, and one with the source's server_id
 * would silently skip every event of the source.
 */
#define _GNU_SOURCE		/* asprintf */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conn.h"
#include "manifest.h"
#include "replica.h"
#include "restore.h"
#include "settings.h"
#include "timeutil.h"

#define START_WAIT_MS 60000	/* for both threads to run */

int
replica_parse(const char *spec, const struct settings *s,
    struct replica_plan *p, char *err, size_t errlen)
{
	const char *at = strrchr(spec, '@'), *host = at ? at + 1 : spec;
	const char *end, *port = NULL;
	char *stop;
	size_t n;

	memset(p, 0, sizeof(*p));
	p->port = 3306;
	p->position = -1;
	p->lag_s = -1;
	if (at != NULL) {
		n = (size_t)(at - spec);
		if (n == 0 || n >= sizeof(p->user)) {
			snprintf(err, errlen, "--as-replica-of: bad user in '%s'",
			    spec);
			return -1;
		}
		memcpy(p->user, spec, n);
	} else if (s->replication_user != NULL)
		snprintf(p->user, sizeof(p->user), "%s", s->replication_user);
	else {
		snprintf(err, errlen, "--as-replica-of: no replication user: "
		    "give USER@HOST, or DB_REPLICATION_USER");
		return -1;
	}
	if (host[0] == '[') {
		if ((end = strchr(host, ']')) == NULL) {
			snprintf(err, errlen, "--as-replica-of: unclosed '[' in "
			    "'%s'", spec);
			return -1;
		}
		host++;
		port = end[1] == ':' ? end + 2 : NULL;
		if (end[1] != '\0' && end[1] != ':')
			end = host;	/* refused below */
	} else {
		end = strchr(host, ':');
		port = end != NULL ? end + 1 : NULL;
		if (end == NULL)
			end = host + strlen(host);
	}
	n = (size_t)(end - host);
	if (n == 0 || n >= sizeof(p->host) || memchr(host, '/', n) != NULL) {
		snprintf(err, errlen, "--as-replica-of: expected [USER@]HOST[:PORT]: "
		    "'%s'", spec);
		return -1;
	}
	memcpy(p->host, host, n);
	if (port != NULL) {
		p->port = strtoll(port, &stop, 10);
		if (port[0] < '0' || port[0] > '9' || *stop != '\0' ||
		    p->port < 1 || p->port > 65535) {
			snprintf(err, errlen, "--as-replica-of: bad port in '%s'",
			    spec);
			return -1;
		}
	}
	p->password = s->replication_password;
	if (p->password == NULL) {
		snprintf(err, errlen, "--as-replica-of: no password for the "
		    "replication account: --replication-password-file FILE, or "
		    "DB_REPLICATION_PASSWORD");
		return -1;
	}
	return 0;
}

/* One integer of a one-row query, or -1 with err. */
static long long
select_number(MYSQL *m, const char *sql, const char *what, char *err,
    size_t errlen)
{
	MYSQL_RES *res = conn_select(m, sql, err, errlen);
	MYSQL_ROW row;
	long long v = -1;

	if (res == NULL) {
		char msg[512];

		snprintf(msg, sizeof(msg), "%s", err);
		snprintf(err, errlen, "%s: %s", what, msg);
		return -1;
	}
	if ((row = mysql_fetch_row(res)) != NULL && row[0] != NULL)
		v = strtoll(row[0], NULL, 10);
	mysql_free_result(res);
	return v;
}

/* Asks the source who it is, as the replication account. */
static int
ask_source(struct replica_plan *p, const struct settings *target, char *err,
    size_t errlen)
{
	struct settings s = *target;
	MYSQL *m;

	s.host = p->host;
	s.port = p->port;
	s.socket = NULL;
	s.user = p->user;
	s.password = (char *)p->password;
	s.database = NULL;
	s.ssl_ca = s.ssl_cert = s.ssl_key = NULL;
	if ((m = conn_open(&s, 0, err, errlen)) == NULL)
		return -1;
	p->source_id = select_number(m, "SELECT @@server_id", "source", err,
	    errlen);
	mysql_close(m);
	return p->source_id < 0 ? -1 : 0;
}

/* The coordinates the server backed up had: its own binlog. */
static int
own_coordinates(struct restore *r, struct replica_plan *p, char *err,
    size_t errlen)
{
	const json_t *snap = json_object_get(r->manifest, "snapshot");

	if (r->chain.n > 0) {
		/* An incremental's chain ends where its newest copy ended. */
		const json_t *end = json_object_get(json_object_get(
		    r->chain.links[r->chain.n - 1].manifest, "binlog"), "end");

		if (r->opt->until.kind != UNTIL_END) {
			snprintf(err, errlen, "--as-replica-of with --until: the "
			    "GTID state of a replay stopped midway is not recorded; "
			    "restore the whole chain");
			return -1;
		}
		snap = end;
		snprintf(p->file, sizeof(p->file), "%s",
		    manifest_text(end, "file"));
		p->position = json_integer_value(json_object_get(end,
		    "position"));
	} else {
		snprintf(p->file, sizeof(p->file), "%s", manifest_text(snap,
		    "binlog_file"));
		p->position = json_is_integer(json_object_get(snap,
		    "binlog_position")) ? json_integer_value(json_object_get(
		    snap, "binlog_position")) : -1;
	}
	snprintf(p->gtid, sizeof(p->gtid), "%s", manifest_text(snap, "gtid"));
	if (p->file[0] == '\0' || p->position < 0) {
		snprintf(err, errlen, "%s has no binlog coordinates: the binary "
		    "log of the server backed up was off, so no replica can "
		    "start from it", r->id);
		return -1;
	}
	return 0;
}

/* The coordinates of the backed-up replica's connection to the source. */
static int
source_coordinates(struct restore *r, struct replica_plan *p,
    long long backup_id, char *err, size_t errlen)
{
	const json_t *rep = json_object_get(json_object_get(r->manifest,
	    "snapshot"), "replica");
	const json_t *sources = json_object_get(rep, "sources"), *src = NULL;

	for (size_t i = 0; i < json_array_size(sources) && src == NULL; i++)
		if (json_integer_value(json_object_get(json_array_get(sources, i),
		    "server_id")) == p->source_id)
			src = json_array_get(sources, i);
	if (src == NULL) {
		snprintf(err, errlen, "%s:%lld (server_id %lld) is neither the "
		    "server %s was taken on (server_id %lld) nor one of its "
		    "sources: no coordinates for it", p->host, p->port,
		    p->source_id, r->id, backup_id);
		return -1;
	}
	if (r->chain.n > 0) {
		snprintf(err, errlen, "%s is an incremental backup of a replica: "
		    "its binary logs are the replica's, so it restores as a "
		    "replica of that server, not of its source",
		    r->chain.links[r->chain.n - 1].id);
		return -1;
	}
	snprintf(p->connection, sizeof(p->connection), "%s",
	    manifest_text(src, "connection"));
	snprintf(p->file, sizeof(p->file), "%s",
	    manifest_text(src, "binlog_file"));
	p->position = json_is_integer(json_object_get(src, "binlog_position")) ?
	    json_integer_value(json_object_get(src, "binlog_position")) : -1;
	snprintf(p->gtid, sizeof(p->gtid), "%s",
	    manifest_text(rep, "gtid_slave_pos"));
	if (p->gtid[0] == '\0' && (p->file[0] == '\0' || p->position < 0)) {
		snprintf(err, errlen, "%s records no position of its source "
		    "%s:%lld (taken with --no-lock without --replica-pause): no "
		    "replica can start from it", r->id, p->host, p->port);
		return -1;
	}
	return 0;
}

/* Every replication connection of the target, by name; count in *n. */
static int
target_connections(MYSQL *m, char names[][128], size_t max, size_t *n,
    char *err, size_t errlen)
{
	MYSQL_RES *res = conn_select(m, "SHOW ALL SLAVES STATUS", err, errlen);
	MYSQL_ROW row;
	int c;

	*n = 0;
	if (res == NULL)
		return -1;
	c = conn_column(res, "Connection_name");
	while ((row = mysql_fetch_row(res)) != NULL && *n < max)
		snprintf(names[(*n)++], 128, "%s", c >= 0 && row[c] ? row[c] : "");
	mysql_free_result(res);
	return 0;
}

static int
check_target(struct restore *r, struct replica_plan *p, char *err,
    size_t errlen)
{
	char names[64][128], sql[512], msg[512];
	long long id;
	size_t n, i;
	MYSQL *m;
	int rc = -1;

	if ((m = conn_open(r->settings, 0, err, errlen)) == NULL)
		return -1;
	if ((id = select_number(m, "SELECT @@server_id", "target", err,
	    errlen)) < 0 ||
	    target_connections(m, names, 64, &n, msg, sizeof(msg)) == -1) {
		if (id >= 0)
			snprintf(err, errlen, "target: %s", msg);
		goto out;
	}
	if (id == p->source_id) {
		snprintf(err, errlen, "the target's server_id is %lld, the "
		    "source's too: a replica skips the events of its own "
		    "server_id; give the target another server_id", id);
		goto out;
	}
	if (n > 0 && !p->reset) {
		snprintf(err, errlen, "the target server already replicates "
		    "(connection '%s'%s): --reset-replica stops and removes its "
		    "replication first", names[0], n > 1 ? " and others" : "");
		goto out;
	}
	if (n > 0 && conn_run(m, "STOP ALL SLAVES", "--reset-replica", err,
	    errlen) == -1)
		goto out;
	for (i = 0; i < n; i++) {
		char *lit = conn_literal(m, names[i]);

		if (lit == NULL) {
			snprintf(err, errlen, "out of memory");
			goto out;
		}
		snprintf(sql, sizeof(sql), "RESET SLAVE %s ALL", lit);
		free(lit);
		if (conn_run(m, sql, "--reset-replica", err, errlen) == -1)
			goto out;
	}
	rc = 0;
out:
	mysql_close(m);
	return rc;
}

int
replica_prepare(struct restore *r, struct replica_plan *p, char *err,
    size_t errlen)
{
	long long backup_id = json_integer_value(json_object_get(
	    json_object_get(r->manifest, "server"), "server_id"));
	char msg[1024];

	if (ask_source(p, r->settings, msg, sizeof(msg)) == -1) {
		snprintf(err, errlen, "source %s:%lld: %s", p->host, p->port, msg);
		return -1;
	}
	p->own = p->source_id == backup_id;
	if ((p->own ? own_coordinates(r, p, err, errlen) :
	    source_coordinates(r, p, backup_id, err, errlen)) == -1)
		return -1;
	return check_target(r, p, err, errlen);
}

/* Appends a formatted statement to s.  0, or -1 out of memory. */
static int
add(char **s, size_t *n, const char *fmt, ...)
{
	va_list ap;
	char *stmt;
	int rc;

	va_start(ap, fmt);
	rc = vasprintf(&stmt, fmt, ap);
	va_end(ap);
	if (rc < 0)
		return -1;
	s[(*n)++] = stmt;
	return 0;
}

/* The statements, the password as given or as a placeholder. */
static int
statements(MYSQL *m, const struct replica_plan *p, bool hide, char ***out,
    size_t *n)
{
	char *host = conn_literal(m, p->host), *user = conn_literal(m, p->user);
	char *pw = hide ? strdup("'<the password>'") :
	    conn_literal(m, p->password);
	char *gtid = conn_literal(m, p->gtid), *file = conn_literal(m, p->file);
	char **s = calloc(3, sizeof(char *));
	bool by_gtid = p->gtid[0] != '\0';
	int rc = -1;

	*n = 0;
	if (host == NULL || user == NULL || pw == NULL || gtid == NULL ||
	    file == NULL || s == NULL)
		goto out;
	if (by_gtid && add(s, n, "SET GLOBAL gtid_slave_pos = %s", gtid) == -1)
		goto out;
	if ((by_gtid ? add(s, n, "CHANGE MASTER TO MASTER_HOST = %s, "
	    "MASTER_PORT = %lld, MASTER_USER = %s, MASTER_PASSWORD = %s, "
	    "MASTER_USE_GTID = slave_pos", host, p->port, user, pw) :
	    add(s, n, "CHANGE MASTER TO MASTER_HOST = %s, MASTER_PORT = %lld, "
	    "MASTER_USER = %s, MASTER_PASSWORD = %s, MASTER_LOG_FILE = %s, "
	    "MASTER_LOG_POS = %lld, MASTER_USE_GTID = no", host, p->port, user,
	    pw, file, p->position)) == -1 ||
	    add(s, n, "START SLAVE") == -1)
		goto out;
	rc = 0;
out:
	if (pw != NULL)
		explicit_bzero(pw, strlen(pw));
	free(host), free(user), free(pw), free(gtid), free(file);
	*out = s;
	return rc;
}

static void
free_statements(char **s, size_t n)
{
	for (size_t i = 0; s != NULL && i < n; i++)
		if (s[i] != NULL) {
			explicit_bzero(s[i], strlen(s[i]));
			free(s[i]);
		}
	free(s);
}

/* Waits for both threads; 0 running, -1 with the replication error. */
static int
wait_running(MYSQL *m, struct replica_plan *p, char *err, size_t errlen)
{
	double deadline = time_monotonic_ms() + START_WAIT_MS;
	char io[32] = "", sqlr[32] = "";

	for (;;) {
		MYSQL_RES *res = conn_select(m, "SHOW SLAVE STATUS", err, errlen);
		MYSQL_ROW row;
		long long io_errno = 0, sql_errno = 0;
		char io_error[1024] = "", sql_error[1024] = "";

		if (res == NULL)
			return -1;
		if ((row = mysql_fetch_row(res)) != NULL) {
			int c;
#define COL(name, buf) if ((c = conn_column(res, name)) >= 0 && row[c]) \
	snprintf(buf, sizeof(buf), "%s", row[c])
			COL("Slave_IO_Running", io);
			COL("Slave_SQL_Running", sqlr);
			COL("Last_IO_Error", io_error);
			COL("Last_SQL_Error", sql_error);
#undef COL
			if ((c = conn_column(res, "Last_IO_Errno")) >= 0 && row[c])
				io_errno = strtoll(row[c], NULL, 10);
			if ((c = conn_column(res, "Last_SQL_Errno")) >= 0 && row[c])
				sql_errno = strtoll(row[c], NULL, 10);
			if ((c = conn_column(res, "Seconds_Behind_Master")) >= 0)
				p->lag_s = row[c] ? strtoll(row[c], NULL, 10) : -1;
		}
		mysql_free_result(res);
		if (io_errno != 0 || sql_errno != 0) {
			snprintf(err, errlen, "replication did not start: %s%s%s",
			    io_errno ? "IO thread: " : "SQL thread: ",
			    io_errno ? io_error : sql_error,
			    "; the data is restored and replication configured "
			    "but stopped: fix the cause, then START SLAVE");
			return -1;
		}
		if (strcmp(io, "Yes") == 0 && strcmp(sqlr, "Yes") == 0 &&
		    p->lag_s >= 0)
			return 0;
		if (time_monotonic_ms() > deadline) {
			snprintf(err, errlen, "replication did not start within "
			    "%d s (IO thread: %s, SQL thread: %s); the data is "
			    "restored and replication configured but stopped",
			    START_WAIT_MS / 1000, io, sqlr);
			return -1;
		}
		usleep(100000);
	}
}

int
replica_start(struct restore *r, struct replica_plan *p, FILE *out,
    char *err, size_t errlen)
{
	char **s = NULL;
	size_t n = 0, i;
	MYSQL *m;
	int rc = -1;

	if ((m = conn_open(r->settings, 0, err, errlen)) == NULL)
		return -1;
	if (statements(m, p, p->print_only, &s, &n) == -1) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	if (p->print_only) {
		/* With --json they are the report's; else they come first. */
		if ((p->statements = json_array()) == NULL)
			goto out;
		for (i = 0; i < n; i++)
			json_array_append_new(p->statements, json_string(s[i]));
		if (!r->opt->json) {
			fprintf(out, "-- a replica of %s:%lld from %s; put the "
			    "password of %s in MASTER_PASSWORD\n", p->host,
			    p->port, p->own ? "the backed-up server's own binlog" :
			    "the backed-up replica's position", p->user);
			for (i = 0; i < n; i++)
				fprintf(out, "%s;\n", s[i]);
		}
		rc = 0;
		goto out;
	}
	for (i = 0; i < n; i++)
		if (conn_run(m, s[i], i + 1 < n ? "replica" : "START SLAVE", err,
		    errlen) == -1)
			goto out;
	if (wait_running(m, p, err, errlen) == -1) {
		char msg[256];

		conn_run(m, "STOP SLAVE", "STOP SLAVE", msg, sizeof(msg));
		goto out;
	}
	p->started = true;
	rc = 0;
out:
	free_statements(s, n);
	mysql_close(m);
	return rc;
}

json_t *
replica_report_json(const struct replica_plan *p)
{
	char source[300];

	snprintf(source, sizeof(source), "%s:%lld", p->host, p->port);
	return json_pack("{s:s, s:s, s:I, s:s, s:o, s:o, s:o, s:b, s:o, s:O?}",
	    "source", source, "user", p->user, "source_server_id",
	    (json_int_t)p->source_id, "coordinates", p->own ? "own" : "source",
	    "gtid", p->gtid[0] ? json_string(p->gtid) : json_null(),
	    "binlog_file", p->position >= 0 ? json_string(p->file) :
	    json_null(),
	    "binlog_position", p->position >= 0 ? json_integer(p->position) :
	    json_null(), "started", p->started,
	    "seconds_behind", p->lag_s >= 0 ? json_integer(p->lag_s) :
	    json_null(), "statements", p->statements);
}

int
replica_report_text(const struct replica_plan *p, FILE *f)
{
	char from[1400];

	if (p->gtid[0] != '\0')
		snprintf(from, sizeof(from), "GTID %s", p->gtid);
	else
		snprintf(from, sizeof(from), "%s:%lld", p->file, p->position);
	if (!p->started)
		return 0;
	return fprintf(f, "replica of %s:%lld from %s: IO and SQL threads "
	    "running, Seconds_Behind_Master %lld\n", p->host, p->port, from,
	    p->lag_s) < 0 ? -1 : 0;
}

void
replica_plan_free(struct replica_plan *p)
{
	json_decref(p->statements);
	p->statements = NULL;
}
