/* SPDX-License-Identifier: ISC */
/*
 * filter: --database and --table, for the full backup and for the
 * binary log replayed after it.
 *
 * Row events are selected exactly: each names its table through the
 * Table_map event before it.  The decoder prints a statement's table
 * maps and rows events together in one BINLOG statement, one base64
 * chunk an event, so a statement that changed a selected and another
 * table (a multi-table UPDATE, a trigger's writes) is rewritten to keep
 * only the selected table's events, the last one kept carrying the
 * end-of-statement flag as the server would have written it.
 * mariadb-binlog's own --database cannot be used for this: when it skips
 * the first table map of such a statement it drops the BINLOG keyword
 * with it, a syntax error that loses the rows it kept (seen with
 * mariadb-binlog 3.5 of MariaDB 10.11).
 *
 * Statements logged as text are selected by their default database, as
 * the server's replicate-do-db does, or, logged without one, by naming a
 * selected database as the qualifier of a name (DROP TABLE db.t); with
 * --table they must also name the table.  The text is not parsed
 * further.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/types.h>

#include "binlog.h"
#include "filter.h"

bool
filter_active(const struct options *o)
{
	return o->n_databases > 0 || o->n_tables > 0;
}

/* The table part of --table DB.TABLE when DB is db, or NULL. */
static const char *
table_of(const char *arg, const char *db)
{
	size_t n = strlen(db);

	return strncmp(arg, db, n) == 0 && arg[n] == '.' ? arg + n + 1 : NULL;
}

bool
filter_database(const struct options *o, const char *db)
{
	bool listed = o->n_databases == 0, has_table = o->n_tables == 0;

	for (size_t i = 0; !listed && i < o->n_databases; i++)
		listed = strcmp(o->databases[i], db) == 0;
	for (size_t i = 0; !has_table && i < o->n_tables; i++)
		has_table = table_of(o->tables[i], db) != NULL;
	return listed && has_table;
}

bool
filter_table(const struct options *o, const char *db, const char *table)
{
	const char *t;

	if (!filter_database(o, db))
		return false;
	if (o->n_tables == 0)
		return true;
	for (size_t i = 0; i < o->n_tables; i++)
		if ((t = table_of(o->tables[i], db)) != NULL &&
		    strcmp(t, table) == 0)
			return true;
	return false;
}

static bool
ident_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '_' || c == '$' || (c & 0x80);
}

/*
 * Where stmt names the identifier name as a whole word, in any case
 * (lower_case_table_names may fold it); a backquote ends a word too.  A
 * false match costs an error the replay reports, a missed one silently
 * lost rows, so this errs on the side of a match.  After the word, or
 * NULL.
 */
static const char *
names_at(const char *stmt, const char *from, const char *name)
{
	size_t n = strlen(name);

	for (const char *s = from; (s = strcasestr(s, name)) != NULL; s++)
		if ((s == stmt || !ident_char(s[-1])) && !ident_char(s[n]))
			return s + n;
	return NULL;
}

static bool
names(const char *stmt, const char *name)
{
	return names_at(stmt, stmt, name) != NULL;
}

/* Whether stmt qualifies a name with database db: db.t, `db`.`t`. */
static bool
qualifies(const char *stmt, const char *db)
{
	for (const char *s = stmt; (s = names_at(stmt, s, db)) != NULL;) {
		if (*s == '`')
			s++;
		while (*s == ' ' || *s == '\n' || *s == '\t')
			s++;
		if (*s == '.')
			return true;
	}
	return false;
}

/* Whether a statement of database db (or "": none) is about database d. */
static bool
about(const char *db, const char *stmt, const char *d)
{
	return db[0] != '\0' ? strcmp(db, d) == 0 : qualifies(stmt, d);
}

bool
filter_statement(const struct options *o, const char *db, const char *stmt)
{
	const char *dot;
	char d[256];

	if (!filter_active(o))
		return true;
	for (size_t i = 0; i < o->n_tables; i++) {
		dot = strchr(o->tables[i], '.');
		if (dot == NULL || !names(stmt, dot + 1) ||
		    snprintf(d, sizeof(d), "%.*s", (int)(dot - o->tables[i]),
		    o->tables[i]) >= (int)sizeof(d))
			continue;
		if (filter_database(o, d) && about(db, stmt, d))
			return true;
	}
	if (o->n_tables > 0)
		return false;
	for (size_t i = 0; i < o->n_databases; i++)
		if (about(db, stmt, o->databases[i]))
			return true;
	return false;
}

static const char b64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/*
 * Base64 as the decoder prints it: one padded chunk an event, lines of 76
 * characters.  The decoded length, or -1 on a character that is not
 * base64.
 */
static ssize_t
b64_decode(const char *s, const char *end, unsigned char *out)
{
	unsigned int q[4];
	size_t n = 0, got = 0;
	const char *c;

	for (; s < end; s++) {
		if (*s == ' ' || *s == '\n' || *s == '\r' || *s == '\t')
			continue;
		if (*s == '=')
			q[got++] = 64;
		else if (*s != '\0' && (c = strchr(b64, *s)) != NULL)
			q[got++] = (unsigned int)(c - b64);
		else
			return -1;
		if (got < 4)
			continue;
		got = 0;
		if (q[0] == 64 || q[1] == 64)
			return -1;
		out[n++] = (unsigned char)(q[0] << 2 | q[1] >> 4);
		if (q[2] != 64)
			out[n++] = (unsigned char)(q[1] << 4 | q[2] >> 2);
		if (q[2] != 64 && q[3] != 64)
			out[n++] = (unsigned char)(q[2] << 6 | q[3]);
	}
	return got == 0 ? (ssize_t)n : -1;
}

/* p[0..n) as base64 into out, a newline every 76 characters. */
static size_t
b64_encode(const unsigned char *p, size_t n, char *out)
{
	size_t o = 0, col = 0;

	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16 |
		    (i + 1 < n ? (uint32_t)p[i + 1] << 8 : 0) |
		    (i + 2 < n ? p[i + 2] : 0);

		if (col == 76) {
			out[o++] = '\n';
			col = 0;
		}
		out[o++] = b64[v >> 18 & 63];
		out[o++] = b64[v >> 12 & 63];
		out[o++] = i + 1 < n ? b64[v >> 6 & 63] : '=';
		out[o++] = i + 2 < n ? b64[v & 63] : '=';
		col += 4;
	}
	return o;
}

/* A table id of the statement and whether its events are kept. */
struct mapped {
	uint64_t id;
	bool keep;
};

/* What one pass over a statement's events found. */
struct walk {
	struct mapped *maps;
	size_t n_maps, rows, rows_kept, last_kept;	/* offset of the last
							   rows event kept */
	bool end_flag;		/* the statement's last rows event had it */
};

/* Whether the event at p, of h, stays; records table maps in w. */
static int
keep_event(const struct options *o, struct walk *w, const unsigned char *p,
    const struct binlog_header *h, bool *keep)
{
	char db[256], table[256];
	uint64_t id;
	uint16_t flags;

	*keep = true;
	if (h->type == BINLOG_TABLE_MAP) {
		if (binlog_table_map_parse(p, h, &id, db, sizeof(db), table,
		    sizeof(table)) == -1)
			return -1;
		*keep = filter_table(o, db, table);
		w->maps[w->n_maps++] = (struct mapped){ id, *keep };
	} else if (binlog_is_rows(h->type)) {
		if (binlog_rows_parse(p, h, &id, &flags) == -1)
			return -1;
		for (size_t i = 0; i < w->n_maps; i++)
			if (w->maps[i].id == id)
				*keep = w->maps[i].keep;
		w->rows++;
		w->rows_kept += *keep;
		w->end_flag = flags & BINLOG_ROWS_STMT_END;
	}
	return 0;
}

int
filter_rows(const struct options *o, char *stmt, size_t *len, char *err,
    size_t errlen)
{
	char *open = strchr(stmt, '\''), *close = strrchr(stmt, '\'');
	struct binlog_header h;
	struct walk w = { 0 };
	unsigned char *buf = NULL;
	ssize_t n;
	size_t at, out = 0, need;
	bool keep;
	int rc = -1;

	if (open == NULL || close <= open)
		goto bad;
	if ((buf = malloc((size_t)(close - open) / 4 * 3 + 3)) == NULL ||
	    (w.maps = calloc((size_t)(close - open) / 4 + 1,
	    sizeof(*w.maps))) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	if ((n = b64_decode(open + 1, close, buf)) == -1)
		goto bad;
	/* Keeps the selected events at the front of buf. */
	for (at = 0; at < (size_t)n; at += h.length) {
		if (binlog_header_parse(buf + at, (size_t)n - at, &h) == -1 ||
		    h.length > (size_t)n - at ||
		    keep_event(o, &w, buf + at, &h, &keep) == -1)
			goto bad;
		if (!keep)
			continue;
		if (binlog_is_rows(h.type))
			w.last_kept = out;
		memmove(buf + out, buf + at, h.length);
		out += h.length;
	}
	if (w.rows == w.rows_kept) {
		rc = 1;			/* all of it: as it was */
		goto out;
	}
	if (w.rows_kept == 0) {
		rc = 0;
		goto out;
	}
	if (w.end_flag) {
		uint64_t id;
		uint16_t flags;

		binlog_header_parse(buf + w.last_kept, out - w.last_kept, &h);
		binlog_rows_parse(buf + w.last_kept, &h, &id, &flags);
		binlog_rows_set_flags(buf + w.last_kept, &h, flags |
		    BINLOG_ROWS_STMT_END, binlog_crc_ok(buf + w.last_kept, &h));
	}
	/* Fewer bytes in one chunk: never longer than the statement was. */
	need = strlen("BINLOG '\n") + (out + 2) / 3 * 4 + (out + 2) / 57 + 2;
	if (need > *len)
		goto bad;
	at = (size_t)snprintf(stmt, *len + 1, "BINLOG '\n");
	at += b64_encode(buf, out, stmt + at);
	memcpy(stmt + at, "\n'", 3);
	*len = at + 2;
	rc = 1;
	goto out;
bad:
	snprintf(err, errlen, "a BINLOG statement of the decoder's output "
	    "does not decode");
out:
	free(buf);
	free(w.maps);
	return rc;
}
