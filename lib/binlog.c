/* SPDX-License-Identifier: ISC */
/*
 * binlog: the dump is libmariadb's (mariadb_rpl_*), started non-blocking
 * so the server ends it at its current end; this file decides what of it
 * becomes a file.  The server opens every file of the stream with an
 * artificial ROTATE naming it, which starts a file of the sink, and ends
 * each but the last with the real ROTATE, which is copied and ends it.
 * Everything else but heartbeats is copied as it came: the files are the
 * server's own, byte for byte, except that the first one of a copy that
 * starts inside a file holds the magic and the file's format description
 * (the server resends it, with next_pos 0) followed directly by the
 * events from the start position.  The copy stops after the event that
 * reaches the end position, so a server written to meanwhile adds nothing.
 *
 * Three things libmariadb 3.3.20 does not do, as measured: set
 * @master_binlog_checksum (the server refuses the dump without it), set
 * @mariadb_slave_capability=4 (without it the GTID events come as dummy
 * queries), and parse a ROTATE after a format description (it reads the
 * position twice), so names are read from the raw bytes here.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mysql.h>
#include <mariadb_rpl.h>
#include <zlib.h>

#include "binlog.h"

#define CRC_LEN 4
#define ROTATE_POS_LEN 8	/* the post-header of a ROTATE */
#define GTID_BODY_LEN 13	/* seq_no 8, domain_id 4, flags 1 */

static uint16_t
le16(const unsigned char *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t
le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24;
}

static uint64_t
le64(const unsigned char *p)
{
	return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
}

int
binlog_header_parse(const unsigned char *p, size_t len,
    struct binlog_header *h)
{
	if (len < BINLOG_HEADER_LEN)
		return -1;
	h->when = le32(p);
	h->type = p[4];
	h->server_id = le32(p + 5);
	h->length = le32(p + 9);
	h->next_pos = le32(p + 13);
	h->flags = le16(p + 17);
	return h->length < BINLOG_HEADER_LEN ? -1 : 0;
}

bool
binlog_crc_ok(const unsigned char *p, const struct binlog_header *h)
{
	size_t body;

	if (h->length < BINLOG_HEADER_LEN + CRC_LEN)
		return false;
	body = h->length - CRC_LEN;
	return crc32(0, p, (uInt)body) == le32(p + body);
}

bool
binlog_fde_has_crc(const unsigned char *p, const struct binlog_header *h)
{
	/*
	 * Since MySQL 5.6.1 a format description ends in the checksum
	 * algorithm (1 byte: 0 none, 1 CRC32) and 4 checksum bytes,
	 * whatever the algorithm.
	 */
	if (h->length < BINLOG_HEADER_LEN + 1 + CRC_LEN)
		return false;
	return p[h->length - CRC_LEN - 1] == 1;
}

int
binlog_gtid_parse(const unsigned char *p, const struct binlog_header *h,
    struct binlog_gtid *g)
{
	if (h->length < BINLOG_HEADER_LEN + GTID_BODY_LEN)
		return -1;
	g->seq = le64(p + BINLOG_HEADER_LEN);
	g->domain = le32(p + BINLOG_HEADER_LEN + 8);
	g->server_id = h->server_id;
	return 0;
}

/*
 * A statement event's post-header: thread id 4, exec time 4, db_len 1,
 * error code 2, status variables' length 2; Execute_load_query adds 13
 * (file id, start and end of the file name, duplicate handling).  Then the
 * status variables, the database, a NUL, the statement.
 */
#define QUERY_POST_HEADER_LEN 13
#define EXECUTE_LOAD_EXTRA_LEN 13

int
binlog_query_db(const unsigned char *p, const struct binlog_header *h,
    char *db, size_t dblen)
{
	size_t post = QUERY_POST_HEADER_LEN, at, n;

	if (h->type == BINLOG_EXECUTE_LOAD_QUERY)
		post += EXECUTE_LOAD_EXTRA_LEN;
	else if (h->type != BINLOG_QUERY && h->type != BINLOG_QUERY_COMPRESSED)
		return -1;
	if (h->length < BINLOG_HEADER_LEN + post)
		return -1;
	n = p[BINLOG_HEADER_LEN + 8];
	at = BINLOG_HEADER_LEN + post + le16(p + BINLOG_HEADER_LEN + 11);
	if (at + n > h->length || n >= dblen)
		return -1;
	memcpy(db, p + at, n);
	db[n] = '\0';
	return 0;
}

/* A rows or table map event's table id: 6 bytes after the header. */
static uint64_t
table_id(const unsigned char *p)
{
	return (uint64_t)le32(p + BINLOG_HEADER_LEN) |
	    (uint64_t)le16(p + BINLOG_HEADER_LEN + 4) << 32;
}

/* A counted, NUL-ended name at p[*at] of an event of len bytes. */
static int
take_name(const unsigned char *p, size_t len, size_t *at, char *out,
    size_t outlen)
{
	size_t n;

	if (*at >= len)
		return -1;
	n = p[(*at)++];
	if (*at + n + 1 > len || n >= outlen)
		return -1;
	memcpy(out, p + *at, n);
	out[n] = '\0';
	*at += n + 1;
	return 0;
}

int
binlog_table_map_parse(const unsigned char *p, const struct binlog_header *h,
    uint64_t *id, char *db, size_t dblen, char *table, size_t tablelen)
{
	size_t at = BINLOG_HEADER_LEN + 8;	/* table id 6, flags 2 */

	if (h->type != BINLOG_TABLE_MAP || h->length < at)
		return -1;
	*id = table_id(p);
	if (take_name(p, h->length, &at, db, dblen) == -1 ||
	    take_name(p, h->length, &at, table, tablelen) == -1)
		return -1;
	return 0;
}

bool
binlog_is_rows(uint8_t type)
{
	/*
	 * 20-22 the pre-GA rows events, 23-25 v1, 30-32 v2, 167-172
	 * MariaDB's compressed ones (v2 and v1).
	 */
	return (type >= 20 && type <= 25) || (type >= 30 && type <= 32) ||
	    (type >= 167 && type <= 172);
}

int
binlog_rows_parse(const unsigned char *p, const struct binlog_header *h,
    uint64_t *id, uint16_t *flags)
{
	if (h->length < BINLOG_HEADER_LEN + 8)
		return -1;
	*id = table_id(p);
	*flags = le16(p + BINLOG_HEADER_LEN + 6);
	return 0;
}

void
binlog_rows_set_flags(unsigned char *p, const struct binlog_header *h,
    uint16_t flags, bool crc)
{
	size_t body = h->length - CRC_LEN;
	uint32_t sum;

	p[BINLOG_HEADER_LEN + 6] = (unsigned char)flags;
	p[BINLOG_HEADER_LEN + 7] = (unsigned char)(flags >> 8);
	if (!crc)
		return;
	sum = (uint32_t)crc32(0, p, (uInt)body);
	for (int i = 0; i < 4; i++)
		p[body + (size_t)i] = (unsigned char)(sum >> (8 * i));
}

/* The state of one copy. */
struct copy {
	const struct binlog_coord *from, *to;
	const struct binlog_sink *sink;
	struct binlog_counts *c;
	bool crc;		/* the stream's events carry a CRC32 */
	bool in_file;		/* the sink has a file open */
	bool started;		/* the first event of the range has come */
	bool done;		/* the event that reaches to has come */
	char file[sizeof(((struct binlog_coord *)0)->file)];
	char *err;
	size_t errlen;
};

/* An artificial ROTATE: the stream goes on in the file it names. */
static int
next_file(struct copy *k, const unsigned char *p, const struct binlog_header *h)
{
	size_t name_len, tail = k->crc ? CRC_LEN : 0;
	const unsigned char *name = p + BINLOG_HEADER_LEN + ROTATE_POS_LEN;

	if (h->length < BINLOG_HEADER_LEN + ROTATE_POS_LEN + tail + 1 ||
	    (name_len = h->length - BINLOG_HEADER_LEN - ROTATE_POS_LEN -
	    tail) >= sizeof(k->file) || memchr(name, '/', name_len) != NULL ||
	    memchr(name, '\0', name_len) != NULL) {
		snprintf(k->err, k->errlen, "the server sent a malformed "
		    "rotate event");
		return -1;
	}
	/* A file that ended without a ROTATE: the server stopped there. */
	if (k->in_file && k->sink->end(k->sink->ctx, k->err, k->errlen) == -1)
		return -1;
	k->in_file = false;
	memcpy(k->file, name, name_len);
	k->file[name_len] = '\0';
	if (k->sink->begin(k->sink->ctx, k->file, k->err, k->errlen) == -1 ||
	    k->sink->write(k->sink->ctx, BINLOG_MAGIC, BINLOG_MAGIC_LEN, k->err,
	    k->errlen) == -1)
		return -1;
	k->in_file = true;
	k->c->files++;
	k->c->bytes += BINLOG_MAGIC_LEN;
	return 0;
}

/* Counts an event of the range: times, transactions, the last GTID. */
static void
count(struct copy *k, const unsigned char *p, const struct binlog_header *h)
{
	struct binlog_gtid g;

	k->c->events++;
	if (h->when != 0) {
		if (k->c->first_when == 0)
			k->c->first_when = h->when;
		k->c->last_when = h->when;
	}
	if (h->type == BINLOG_GTID && binlog_gtid_parse(p, h, &g) == 0) {
		k->c->transactions++;
		k->c->last_gtid = g;
		k->c->has_gtid = true;
	}
}

/* One event of the stream.  0 to go on, or -1 with k->err. */
static int
take(struct copy *k, const unsigned char *p, size_t len)
{
	struct binlog_header h;
	bool copy_of_fde;

	if (binlog_header_parse(p, len, &h) == -1 || h.length != len) {
		snprintf(k->err, k->errlen, "the server sent a malformed event");
		return -1;
	}
	if (h.type == BINLOG_HEARTBEAT)
		return 0;
	if (h.type == BINLOG_ROTATE && (h.flags & BINLOG_F_ARTIFICIAL))
		return next_file(k, p, &h);
	if (!k->in_file) {
		snprintf(k->err, k->errlen, "the server sent an event before "
		    "naming its file");
		return -1;
	}
	if (k->crc && !binlog_crc_ok(p, &h)) {
		snprintf(k->err, k->errlen, "%s: the event ending at %u has a "
		    "bad checksum", k->file, h.next_pos);
		return -1;
	}
	copy_of_fde = h.type == BINLOG_FORMAT_DESCRIPTION && h.next_pos == 0;
	if (!copy_of_fde && !k->started) {
		/* The range must start where the caller said, on an event. */
		if (strcmp(k->file, k->from->file) != 0 ||
		    h.next_pos - h.length != k->from->pos) {
			snprintf(k->err, k->errlen, "the binary log does not "
			    "go on at %s:%llu", k->from->file,
			    (unsigned long long)k->from->pos);
			return -1;
		}
		k->started = true;
	}
	if (k->sink->write(k->sink->ctx, p, len, k->err, k->errlen) == -1)
		return -1;
	k->c->bytes += len;
	if (copy_of_fde)
		return 0;
	count(k, p, &h);
	if (strcmp(k->file, k->to->file) == 0 && h.next_pos >= k->to->pos)
		k->done = true;
	if (h.type == BINLOG_ROTATE || k->done) {
		k->in_file = false;
		return k->sink->end(k->sink->ctx, k->err, k->errlen);
	}
	return 0;
}

/* The session variables the dump needs, the checksum setting read back. */
static int
prepare(MYSQL *m, bool *crc, char *err, size_t errlen)
{
	MYSQL_RES *res;
	MYSQL_ROW row;

	if (mysql_query(m, "SET @master_binlog_checksum = "
	    "@@global.binlog_checksum, @mariadb_slave_capability = 4") != 0 ||
	    mysql_query(m, "SELECT @master_binlog_checksum") != 0 ||
	    (res = mysql_store_result(m)) == NULL) {
		snprintf(err, errlen, "binary log: %s", mysql_error(m));
		return -1;
	}
	row = mysql_fetch_row(res);
	*crc = row != NULL && row[0] != NULL && strcmp(row[0], "NONE") != 0;
	mysql_free_result(res);
	return 0;
}

int
binlog_copy(MYSQL *m, unsigned int replica_id,
    const struct binlog_coord *from, const struct binlog_coord *to,
    const struct binlog_sink *sink, struct binlog_counts *c,
    unsigned int *server_errno, char *err, size_t errlen)
{
	struct copy k = { .from = from, .to = to, .sink = sink, .c = c,
	    .err = err, .errlen = errlen };
	MARIADB_RPL *rpl;
	MARIADB_RPL_EVENT *ev = NULL;
	int rc = -1;

	memset(c, 0, sizeof(*c));
	*server_errno = 0;
	if (strcmp(from->file, to->file) == 0 && from->pos == to->pos)
		return 0;		/* nothing was written since */
	if (prepare(m, &k.crc, err, errlen) == -1)
		return -1;
	if ((rpl = mariadb_rpl_init(m)) == NULL) {
		snprintf(err, errlen, "binary log: out of memory");
		return -1;
	}
	/* open() does not read the reply: a refusal comes with the first fetch. */
	if (mariadb_rpl_optionsv(rpl, MARIADB_RPL_FILENAME, from->file,
	    strlen(from->file)) != 0 ||
	    mariadb_rpl_optionsv(rpl, MARIADB_RPL_START,
	    (unsigned long)from->pos) != 0 ||
	    mariadb_rpl_optionsv(rpl, MARIADB_RPL_SERVER_ID, replica_id) != 0 ||
	    mariadb_rpl_optionsv(rpl, MARIADB_RPL_FLAGS,
	    MARIADB_RPL_BINLOG_DUMP_NON_BLOCK |
	    MARIADB_RPL_BINLOG_SEND_ANNOTATE_ROWS) != 0 ||
	    mariadb_rpl_open(rpl) != 0) {
		snprintf(err, errlen, "binary log: %s", mysql_errno(m) != 0 ?
		    mysql_error(m) : "cannot start the dump");
		*server_errno = mysql_errno(m);
		goto out;
	}
	while (!k.done && (ev = mariadb_rpl_fetch(rpl, ev)) != NULL)
		if (take(&k, ev->raw_data + ev->raw_data_ofs,
		    ev->raw_data_size - ev->raw_data_ofs) == -1)
			goto out;
	if (!k.done) {
		if ((*server_errno = mysql_errno(m)) != 0)
			snprintf(err, errlen, "binary log: %s", mysql_error(m));
		else
			snprintf(err, errlen, "the binary log ended at %s "
			    "before %s:%llu", k.started ? k.file : from->file,
			    to->file, (unsigned long long)to->pos);
		goto out;
	}
	rc = 0;
out:
	if (k.in_file && rc == -1) {
		char ignored[256];

		/* The sink's file is closed; the caller discards the copy. */
		sink->end(sink->ctx, ignored, sizeof(ignored));
	}
	if (ev != NULL)
		mariadb_free_rpl_event(ev);
	mariadb_rpl_close(rpl);
	return rc;
}

/* Fills buf with exactly len bytes: 0, 1 at the end before any, or -1. */
static int
read_full(ssize_t (*read)(void *, void *, size_t, char *, size_t), void *src,
    unsigned char *buf, size_t len, char *err, size_t errlen)
{
	size_t got = 0;
	ssize_t n;

	while (got < len) {
		if ((n = read(src, buf + got, len - got, err, errlen)) == -1)
			return -1;
		if (n == 0)
			return got == 0 ? 1 : -2;
		got += (size_t)n;
	}
	return 0;
}

int
binlog_read(ssize_t (*read)(void *src, void *buf, size_t len, char *err,
    size_t errlen), void *src, const char *label,
    int (*event)(void *ctx, const struct binlog_header *h,
    const unsigned char *p, char *err, size_t errlen), void *ctx,
    char *err, size_t errlen)
{
	unsigned char magic[BINLOG_MAGIC_LEN], *buf = NULL, *grown;
	size_t cap = 0;
	struct binlog_header h;
	uint64_t at = BINLOG_MAGIC_LEN;
	bool crc = false;
	int rc = -1, got;

	if ((got = read_full(read, src, magic, sizeof(magic), err, errlen)) ==
	    -1)
		return -1;
	if (got != 0 || memcmp(magic, BINLOG_MAGIC, BINLOG_MAGIC_LEN) != 0) {
		snprintf(err, errlen, "%s: not a binlog file", label);
		return -1;
	}
	for (;; at += h.length) {
		if (cap < BINLOG_HEADER_LEN && (buf = malloc(cap = 65536)) ==
		    NULL)
			goto nomem;
		if ((got = read_full(read, src, buf, BINLOG_HEADER_LEN, err,
		    errlen)) == 1)
			break;
		if (got == -1)
			goto out;
		if (got == -2 || binlog_header_parse(buf, BINLOG_HEADER_LEN,
		    &h) == -1) {
			snprintf(err, errlen, "%s: a truncated or malformed event "
			    "at byte %llu", label, (unsigned long long)at);
			goto out;
		}
		if (h.length > cap) {
			if ((grown = realloc(buf, h.length)) == NULL)
				goto nomem;
			buf = grown;
			cap = h.length;
		}
		if ((got = read_full(read, src, buf + BINLOG_HEADER_LEN,
		    h.length - BINLOG_HEADER_LEN, err, errlen)) == -1)
			goto out;
		if (got != 0 && h.length > BINLOG_HEADER_LEN) {
			snprintf(err, errlen, "%s: a truncated event at byte %llu",
			    label, (unsigned long long)at);
			goto out;
		}
		if (h.type == BINLOG_FORMAT_DESCRIPTION)
			crc = binlog_fde_has_crc(buf, &h);
		else if (crc && !binlog_crc_ok(buf, &h)) {
			snprintf(err, errlen, "%s: the event at byte %llu has a bad "
			    "checksum", label, (unsigned long long)at);
			goto out;
		}
		if (event != NULL && (got = event(ctx, &h, buf, err, errlen)) !=
		    0) {
			rc = got;
			goto out;
		}
	}
	rc = 0;
	goto out;
nomem:
	snprintf(err, errlen, "%s: out of memory", label);
out:
	free(buf);
	return rc;
}
