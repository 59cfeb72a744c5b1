/* SPDX-License-Identifier: ISC */
/*
 * replay: the binary log of a chain's incrementals applied after its full
 * backup, in one server session, so a temporary table made in one
 * incremental is there for the next.  The decoder is the server's own
 * mariadb-binlog, one run a binlog file, fed the decompressed file on its
 * standard input by a thread (feed.c; it needs no server and no password),
 * with
 * TZ=UTC so that the times it prints are UTC.  Its output is read line by
 * line and run statement by statement here, as the mariadb client would
 * (DELIMITER, the \C charset command, comments between events), which is
 * what lets the replay stop exactly before the transaction --until named
 * (chain.c found its GTID) and name the event that failed: its file, end
 * position and GTID.  One statement in memory at a time.  --database and
 * --table keep the selected statements and row events (filter.c).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "conn.h"
#include "feed.h"
#include "filter.h"
#include "gzr.h"
#include "jsonout.h"
#include "replay.h"
#include "timeutil.h"

#define DECODER "mariadb-binlog"

/* What the statement loop knows of where it is. */
struct replayer {
	struct restore *r;
	MYSQL *m;			/* the session, or NULL: */
	FILE *out;			/* --sql writes the statements here */
	FILE *list;			/* --events lists them here */
	bool filter;			/* --database or --table */
	struct feeder *feeder;		/* of the file being read */
	char db[256];			/* the statement event's database */
	char rows_db[256];		/* of the rows statement's first selected
					   table, "" while none is */
	char *annotate;			/* --events: its statement (#Q>) */
	size_t annotate_len;
	bool in_annotate;		/* the last line was one of it */
	const struct link *link;
	const char *file;		/* the server's name of the file */
	char delim[32];
	char *stmt;
	size_t len, cap;
	char gtid[64];			/* the group being applied */
	time_t when;			/* of the last event header */
	uint64_t end_pos;
	bool stopped;
};

/* "#261201 14:02:03 server id 11  end_log_pos 4711 ..." */
static void
read_header(struct replayer *p, const char *line)
{
	struct tm tm;
	unsigned int server_id;
	unsigned long long end;
	const char *g;
	unsigned int d, s;
	unsigned long long seq;
	int yy, mm, dd;

	memset(&tm, 0, sizeof(tm));
	if (sscanf(line, "#%2d%2d%2d %d:%d:%d server id %u end_log_pos %llu",
	    &yy, &mm, &dd, &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &server_id,
	    &end) != 8)
		return;
	tm.tm_year = 100 + yy;
	tm.tm_mon = mm - 1;
	tm.tm_mday = dd;
	p->when = timegm(&tm);
	if (end != 0)			/* 0: the format description's copy */
		p->end_pos = end;
	if (p->feeder->note_dbs && (strstr(line, "\tQuery\t") != NULL ||
	    strstr(line, "\tQuery_compressed\t") != NULL ||
	    strstr(line, "\tExecute_load_query\t") != NULL))
		feed_query_db(p->feeder, end, p->db, sizeof(p->db));
	if ((g = strstr(line, "\tGTID ")) == NULL ||
	    sscanf(g, "\tGTID %u-%u-%llu", &d, &s, &seq) != 3)
		return;
	snprintf(p->gtid, sizeof(p->gtid), "%u-%u-%llu", d, s, seq);
	if (strcmp(p->gtid, p->r->chain.stop_gtid) == 0) {
		p->stopped = true;
		return;
	}
	p->r->chain.groups++;
}

/*
 * A table map's comment ("Table_map: `db`.`t` mapped to number 23"): the
 * rows statement after it is selected when one of its tables is.
 */
static void
table_map(struct replayer *p, const char *line)
{
	const char *m = strstr(line, "\tTable_map: `");
	char db[256], table[256];

	if (p->rows_db[0] == '\0' && m != NULL &&
	    sscanf(m, "\tTable_map: `%255[^`]`.`%255[^`]`", db, table) == 2 &&
	    filter_table(p->r->opt, db, table))
		memcpy(p->rows_db, db, sizeof(db));
}

/* --events: the #Q> lines of a rows statement, its text. */
static int
take_annotate(struct replayer *p, const char *line, size_t n, char *err,
    size_t errlen)
{
	char *grown;

	if (!p->in_annotate)
		p->annotate_len = 0;
	p->in_annotate = true;
	if ((grown = realloc(p->annotate, p->annotate_len + n + 2)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	p->annotate = grown;
	if (p->annotate_len > 0)
		p->annotate[p->annotate_len++] = '\n';
	memcpy(p->annotate + p->annotate_len, line, n);
	p->annotate_len += n;
	p->annotate[p->annotate_len] = '\0';
	return 0;
}

/* One line for a statement: time, GTID, where it ends, database, text. */
static int
list_statement(struct replayer *p, const char *db, const char *stmt, size_t n)
{
	const char *grep = p->r->opt->grep;
	char at[RFC3339_LEN];
	json_t *j;
	int rc;

	if (grep != NULL && strcasestr(stmt, grep) == NULL)
		return 0;
	time_rfc3339(p->when, at);
	if (p->r->opt->json) {
		j = json_pack("{s:s, s:s, s:s, s:I, s:s, s:s%}", "time", at,
		    "gtid", p->gtid, "file", p->file, "position",
		    (json_int_t)p->end_pos, "database", db, "statement", stmt, n);
		rc = j == NULL ? -1 : jsonout_write(j, p->list, false);
		json_decref(j);
		return rc;
	}
	fprintf(p->list, "%s %s %s:%llu %s ", at, p->gtid[0] ? p->gtid : "-",
	    p->file, (unsigned long long)p->end_pos, db[0] ? db : "-");
	/* One line a statement, whatever its own newlines. */
	for (size_t i = 0; i < n; i++)
		fputc(stmt[i] == '\n' || stmt[i] == '\r' ? ' ' : stmt[i], p->list);
	return fputc('\n', p->list) == EOF ? -1 : 0;
}

/* What a statement of the decoder's output is. */
enum stmt_kind {
	STMT_SETUP,		/* the session's settings, BEGIN, COMMIT */
	STMT_USE,		/* the event's default database */
	STMT_ROWS,		/* BINLOG: row events */
	STMT_USER,		/* the statement the source ran */
};

static enum stmt_kind
classify(const char *s)
{
	/*
	 * What the decoder prints around an event: timestamps, session
	 * variables, user variables and insert ids a statement used,
	 * versioned comments, transaction boundaries.
	 */
	static const char *const setup[] = { "SET TIMESTAMP=", "SET @",
	    "SET INSERT_ID=", "SET LAST_INSERT_ID=", "/*!", "/*M!", "BEGIN",
	    "START TRANSACTION", "COMMIT", "ROLLBACK", "XA ", NULL };

	while (*s == ' ' || *s == '\n')
		s++;
	if (strncasecmp(s, "use ", 4) == 0)
		return STMT_USE;
	if (strncmp(s, "BINLOG ", 7) == 0)
		return STMT_ROWS;
	for (size_t i = 0; setup[i] != NULL; i++)
		if (strncasecmp(s, setup[i], strlen(setup[i])) == 0)
			return STMT_SETUP;
	return STMT_USER;
}

/*
 * --events: the user's statements, and for row events the statement that
 * made them (the #Q> lines before them), when --database and --table
 * select them.
 */
static int
list_query(struct replayer *p, enum stmt_kind kind)
{
	const char *s = p->stmt;
	int rc = 0;

	if (kind == STMT_ROWS) {
		if (p->annotate_len > 0 && p->rows_db[0] != '\0')
			rc = list_statement(p, p->rows_db, p->annotate,
			    p->annotate_len);
		p->annotate_len = 0;
		p->rows_db[0] = '\0';
		return rc;
	}
	if (kind != STMT_USER)
		return 0;
	while (*s == ' ' || *s == '\n')
		s++;
	if (!filter_statement(p->r->opt, p->db, s))
		return 0;
	return list_statement(p, p->db, s, strlen(s));
}

/*
 * --database, --table: whether a statement is replayed; a BINLOG one is
 * cut down to the selected tables' events.  1, 0, or -1 with err.
 */
static int
keep(struct replayer *p, enum stmt_kind kind, char *err, size_t errlen)
{
	const struct options *o = p->r->opt;
	char why[256];
	int rc;

	switch (kind) {
	case STMT_SETUP:
		return 1;
	case STMT_USE:
		return filter_database(o, p->db);
	case STMT_ROWS:
		if ((rc = filter_rows(o, p->stmt, &p->len, why,
		    sizeof(why))) == -1)
			snprintf(err, errlen, "replaying %s: %s, the event ending "
			    "at %llu: %s", p->link->id, p->file,
			    (unsigned long long)p->end_pos, why);
		return rc;
	case STMT_USER:
		break;
	}
	return filter_statement(o, p->db, p->stmt);
}

/* Runs the statement collected, or the client command it is. */
static int
run(struct replayer *p, char *err, size_t errlen)
{
	enum stmt_kind kind;
	char charset[64];
	MYSQL_RES *res;
	int rc;

	/*
	 * The target numbers the replayed transactions itself: the source's
	 * sequence numbers would be out of order for a target that has
	 * written its own since (the restore of the full backup, at least),
	 * which gtid_strict_mode refuses.
	 */
	if (strncmp(p->stmt, "/*M!", 4) == 0 &&
	    strstr(p->stmt, "SET @@session.gtid_seq_no=") != NULL)
		return 0;
	kind = classify(p->stmt);
	if (p->list != NULL)
		return list_query(p, kind);
	if (p->filter && (rc = keep(p, kind, err, errlen)) != 1)
		return rc;
	if (p->out != NULL)
		rc = fprintf(p->out, "%s%s\n", p->stmt, p->delim) < 0;
	else if (strncmp(p->stmt, "/*!\\C ", 6) == 0 &&
	    sscanf(p->stmt + 6, "%63[A-Za-z0-9_]", charset) == 1)
		rc = mysql_set_character_set(p->m, charset);
	else if ((rc = mysql_real_query(p->m, p->stmt,
	    (unsigned long)p->len)) == 0 &&
	    (res = mysql_store_result(p->m)) != NULL)
		mysql_free_result(res);
	if (rc != 0 && p->out != NULL) {
		snprintf(err, errlen, "write error: %s", strerror(errno));
		return -1;
	}
	if (rc != 0) {
		snprintf(err, errlen, "replaying %s: %s, the event ending at %llu "
		    "(GTID %s): %s", p->link->id, p->file,
		    (unsigned long long)p->end_pos, p->gtid[0] ? p->gtid : "none",
		    mysql_error(p->m));
		return -1;
	}
	snprintf(p->r->chain.last_gtid, sizeof(p->r->chain.last_gtid), "%s",
	    p->gtid);
	snprintf(p->r->chain.last_file, sizeof(p->r->chain.last_file), "%s",
	    p->file);
	p->r->chain.last_pos = p->end_pos;
	p->r->chain.last_time = p->when;
	return 0;
}

/* One line of the decoder's output, without its newline. */
static int
take_line(struct replayer *p, const char *line, size_t n, char *err,
    size_t errlen)
{
	size_t dl = strlen(p->delim);
	char *grown;

	if (p->len == 0) {
		if (strncmp(line, "DELIMITER ", 10) == 0) {
			snprintf(p->delim, sizeof(p->delim), "%s", line + 10);
			if (p->out != NULL)
				fprintf(p->out, "%s\n", line);
			return 0;
		}
		if (line[0] == '#') {
			if (p->list != NULL && strncmp(line, "#Q> ", 4) == 0)
				return take_annotate(p, line + 4, n - 4, err,
				    errlen);
			p->in_annotate = false;
			if (p->list != NULL)
				table_map(p, line);
			read_header(p, line);
			return 0;
		}
		if (n == 0)
			return 0;
	}
	p->in_annotate = false;
	if (p->len + n + 2 > p->cap) {
		if ((grown = realloc(p->stmt, p->len + n + 65536)) == NULL) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		p->stmt = grown;
		p->cap = p->len + n + 65536;
	}
	memcpy(p->stmt + p->len, line, n);
	p->len += n;
	p->stmt[p->len] = '\0';
	if (n < dl || strcmp(line + n - dl, p->delim) != 0) {
		p->stmt[p->len++] = '\n';
		p->stmt[p->len] = '\0';
		return 0;
	}
	p->len -= dl;
	p->stmt[p->len] = '\0';
	if (p->len > 0 && run(p, err, errlen) == -1)
		return -1;
	p->len = 0;
	return 0;
}

/* Starts the decoder on a pipe each way.  Its pid, or -1 with err. */
static pid_t
spawn(int *to, int *from, char *err, size_t errlen)
{
	int in[2], out[2];
	pid_t pid;

	if (pipe2(in, O_CLOEXEC) == -1) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		return -1;
	}
	if (pipe2(out, O_CLOEXEC) == -1) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		close(in[0]);
		close(in[1]);
		return -1;
	}
	if ((pid = fork()) == 0) {
		if (dup2(in[0], STDIN_FILENO) == -1 ||
		    dup2(out[1], STDOUT_FILENO) == -1)
			_exit(127);
		setenv("TZ", "UTC", 1);
		execlp(DECODER, DECODER, "--no-defaults", "-", (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	if (pid == -1) {
		snprintf(err, errlen, "fork: %s", strerror(errno));
		close(in[1]);
		close(out[0]);
		return -1;
	}
	*to = in[1];
	*from = out[0];
	return pid;
}

/* One binlog file of a link through the decoder into the session. */
static int
replay_file(struct replayer *p, const char *rel, char *err, size_t errlen)
{
	struct feeder f = { .fd = -1, .note_dbs = p->filter || p->list != NULL,
	    .lock = PTHREAD_MUTEX_INITIALIZER };
	pthread_t thread;
	char *line = NULL, label[1024];
	size_t cap = 0;
	ssize_t n;
	FILE *out;
	pid_t pid;
	int from, status, rc = 0;

	snprintf(label, sizeof(label), "%s/%s", p->link->id, rel);
	f.label = label;
	p->feeder = &f;
	if ((f.in = gzr_open_in(p->link->dir, rel, p->r->keys, err,
	    errlen)) == NULL)
		return -1;
	if ((pid = spawn(&f.fd, &from, err, errlen)) == -1) {
		gzr_close(f.in);
		return -1;
	}
	if ((out = fdopen(from, "r")) == NULL ||
	    pthread_create(&thread, NULL, feed, &f) != 0) {
		snprintf(err, errlen, "%s: cannot start", DECODER);
		if (out != NULL)
			fclose(out);
		else
			close(from);
		close(f.fd);
		kill(pid, SIGTERM);
		waitpid(pid, NULL, 0);
		gzr_close(f.in);
		return -1;
	}
	snprintf(p->delim, sizeof(p->delim), ";");
	p->len = 0;
	while (!p->stopped && (n = getline(&line, &cap, out)) != -1) {
		if (n > 0 && line[n - 1] == '\n')
			line[--n] = '\0';
		if ((rc = take_line(p, line, (size_t)n, err, errlen)) == -1)
			break;
	}
	free(line);
	if (p->out != NULL && strcmp(p->delim, ";") != 0)
		fputs("DELIMITER ;\n", p->out);
	if (p->stopped || rc == -1)
		kill(pid, SIGTERM);
	fclose(out);
	pthread_join(thread, NULL);
	gzr_close(f.in);
	free(f.dbs);
	while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
		;
	if (rc == 0 && f.rc == -1) {
		snprintf(err, errlen, "%s", f.err);
		return -1;
	}
	if (rc == 0 && !p->stopped && (!WIFEXITED(status) ||
	    WEXITSTATUS(status) != 0)) {
		snprintf(err, errlen, "%s of %s/%s: %s", DECODER, p->link->id,
		    rel, WIFEXITED(status) && WEXITSTATUS(status) == 127 ?
		    "not found (it is in the mariadb-client package)" :
		    "failed");
		return -1;
	}
	return rc;
}

/* Every file of every link, up to the stop, into p's session or output. */
static int
replay(struct replayer *p, char *err, size_t errlen)
{
	struct restore *r = p->r;
	FILE *out = p->out != NULL ? p->out : p->list;
	const json_t *f;
	size_t i, j;
	int rc = 0;

	for (i = 0; rc == 0 && !p->stopped && i < r->chain.n; i++) {
		p->link = &r->chain.links[i];
		json_array_foreach(json_object_get(json_object_get(
		    p->link->manifest, "binlog"), "files"), j, f) {
			p->file = json_string_value(json_object_get(f, "name"));
			rc = replay_file(p, json_string_value(json_object_get(f,
			    "file")), err, errlen);
			if (rc == -1 || p->stopped)
				break;
		}
	}
	free(p->stmt);
	free(p->annotate);
	if (rc == 0 && out != NULL && (fflush(out) == EOF || ferror(out))) {
		snprintf(err, errlen, "write error: %s", strerror(errno));
		rc = -1;
	}
	return rc;
}

int
replay_chain(struct restore *r, char *err, size_t errlen)
{
	struct replayer p = { .r = r, .filter = filter_active(r->opt) };
	int rc;

	if ((p.m = conn_open(r->settings, 0, err, errlen)) == NULL)
		return -1;
	if (r->opt->no_binlog && conn_run(p.m, "SET SESSION sql_log_bin = 0",
	    "replay", err, errlen) == -1) {
		mysql_close(p.m);
		return -1;
	}
	rc = replay(&p, err, errlen);
	mysql_close(p.m);
	return rc;
}

int
replay_list(struct restore *r, FILE *f, char *err, size_t errlen)
{
	struct replayer p = { .r = r, .list = f };

	return replay(&p, err, errlen);
}

int
replay_write_sql(struct restore *r, FILE *f, char *err, size_t errlen)
{
	struct replayer p = { .r = r, .out = f,
	    .filter = filter_active(r->opt) };

	/* The session as a fresh one, as the replay into a server has it. */
	fprintf(f, "\n-- the binary log of %zu incremental%s%s%s\n"
	    "SET SESSION time_zone = DEFAULT, sql_mode = DEFAULT, "
	    "foreign_key_checks = DEFAULT, check_constraint_checks = "
	    "DEFAULT;\n", r->chain.n, r->chain.n == 1 ? "" : "s",
	    r->chain.stop_gtid[0] ? ", stopping before GTID " : "",
	    r->chain.stop_gtid);
	return replay(&p, err, errlen);
}
