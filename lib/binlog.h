/* SPDX-License-Identifier: ISC */
/*
 * binlog: a server's binary log, read over the replication protocol and
 * handed on as the bytes of standard binlog files, and the parts of an
 * event the backup programs need (its v4 header, its checksum, the GTID of
 * a GTID event).  The foundation of incremental backups: what the stream
 * gives, mariadb-binlog reads.
 */
#ifndef DBKIT_BINLOG_H
#define DBKIT_BINLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <mysql.h>

#define BINLOG_MAGIC "\xfe" "bin"	/* the first 4 bytes of a binlog file */
#define BINLOG_MAGIC_LEN 4
#define BINLOG_HEADER_LEN 19		/* the v4 event header */

/* The event types this module looks at (the server's numbering). */
enum binlog_type {
	BINLOG_QUERY = 2,
	BINLOG_ROTATE = 4,
	BINLOG_FORMAT_DESCRIPTION = 15,
	BINLOG_XID = 16,
	BINLOG_EXECUTE_LOAD_QUERY = 18,
	BINLOG_TABLE_MAP = 19,
	BINLOG_HEARTBEAT = 27,
	BINLOG_ANNOTATE_ROWS = 160,
	BINLOG_GTID = 162,
	BINLOG_GTID_LIST = 163,
	BINLOG_QUERY_COMPRESSED = 166,
};

#define BINLOG_ROWS_STMT_END 0x0001	/* a rows event's flag: the last of
					   its statement */

/* The v4 header of an event, all fields little-endian on disk. */
struct binlog_header {
	uint32_t when;		/* seconds since the epoch; 0: artificial */
	uint8_t type;
	uint32_t server_id;
	uint32_t length;	/* the whole event, header and checksum */
	uint32_t next_pos;	/* the server's position after it; 0: a copy */
	uint16_t flags;
};

#define BINLOG_F_ARTIFICIAL 0x20	/* made up by the server for the stream */

/* A position in the server's binary log. */
struct binlog_coord {
	char file[256];
	uint64_t pos;
};

/* A MariaDB GTID, domain-server-seq. */
struct binlog_gtid {
	uint32_t domain, server_id;
	uint64_t seq;
};

/*
 * Reads the header of the event at p (len bytes available).  0, or -1
 * when len is shorter than a header or the length it gives is impossible.
 */
int binlog_header_parse(const unsigned char *p, size_t len,
    struct binlog_header *h);

/*
 * Whether the event at p, of h->length bytes, ends in a valid CRC32 of
 * the rest.  Call only when its file's format description says the
 * events carry one (binlog_fde_has_crc).
 */
bool binlog_crc_ok(const unsigned char *p, const struct binlog_header *h);

/* Whether a format description event says its file's events carry CRC32. */
bool binlog_fde_has_crc(const unsigned char *p, const struct binlog_header *h);

/* The GTID of a GTID event.  0, or -1 when the event is too short. */
int binlog_gtid_parse(const unsigned char *p, const struct binlog_header *h,
    struct binlog_gtid *g);

/*
 * The default database of a statement event (Query, Query_compressed,
 * Execute_load_query) into db, "" when it ran without one.  0, or -1 when
 * p is another event or too short for what it says.
 */
int binlog_query_db(const unsigned char *p, const struct binlog_header *h,
    char *db, size_t dblen);

/*
 * The table id, database and table of a Table_map event.  0, or -1 when
 * the event is too short for what it says.
 */
int binlog_table_map_parse(const unsigned char *p,
    const struct binlog_header *h, uint64_t *table_id, char *db,
    size_t dblen, char *table, size_t tablelen);

/* Whether an event of this type holds rows (Write, Update, Delete_rows). */
bool binlog_is_rows(uint8_t type);

/*
 * The table id and flags of a rows event (the caller checked
 * binlog_is_rows).  0, or -1 when it is too short.
 */
int binlog_rows_parse(const unsigned char *p, const struct binlog_header *h,
    uint64_t *table_id, uint16_t *flags);

/*
 * Sets a rows event's flags, keeping its CRC32 valid when it had one
 * (crc: whether it did, as the caller saw before the change).
 */
void binlog_rows_set_flags(unsigned char *p, const struct binlog_header *h,
    uint16_t flags, bool crc);

/*
 * Where the copied events go, one binlog file at a time: begin(name)
 * when a file starts (write the magic), write() for each event's bytes,
 * end() after a file's last event.  Each returns 0, or -1 with err, which
 * ends the copy.
 */
struct binlog_sink {
	void *ctx;
	int (*begin)(void *ctx, const char *file, char *err, size_t errlen);
	int (*write)(void *ctx, const void *p, size_t len, char *err,
	    size_t errlen);
	int (*end)(void *ctx, char *err, size_t errlen);
};

/* What a copy went through. */
struct binlog_counts {
	uint64_t events;	/* the events of the range, not the copied FDEs */
	uint64_t transactions;	/* GTID events */
	uint64_t bytes;		/* all that went to the sink */
	uint32_t first_when, last_when;	/* of the range's events; 0: none */
	struct binlog_gtid last_gtid;
	bool has_gtid;
	unsigned int files;
};

/*
 * Copies the events from position from to position to (the server's
 * position when the run started) out of the server's binary log into
 * sink, over the replication protocol as replica replica_id (unique among
 * the server's replicas: a second dump with the same id ends the first).
 * Each file in the range becomes one file of the sink, named as on the
 * server: the magic, its format description event, then its events; the
 * first one starts at from->pos instead of at its start, so every event
 * is copied once across a chain of copies.  Needs REPLICATION SLAVE.
 *
 * m is a connection of its own: it is in the dump when this returns, and
 * only mysql_close is left to do with it.  Returns 0 when the events up to
 * to were copied, or -1 with err, and in *server_errno the server's error
 * (1236: the log at from is gone or the position is not an event's;
 * 1227: no privilege), or 0.
 */
int binlog_copy(MYSQL *m, unsigned int replica_id,
    const struct binlog_coord *from, const struct binlog_coord *to,
    const struct binlog_sink *sink, struct binlog_counts *c,
    unsigned int *server_errno, char *err, size_t errlen);

/*
 * Reads a binlog file from a stream (read: as gzr_read) event by event,
 * checking the magic, every event's length and, when its format
 * description says so, its CRC32, and calls event (when not NULL) with
 * each event's header and bytes.  Returns 0 at the clean end of the
 * stream after a whole event, or -1 with "label: why" in err (a
 * truncated or altered file), or what event returned.  Holds one event
 * in memory at a time.
 */
int binlog_read(ssize_t (*read)(void *src, void *buf, size_t len, char *err,
    size_t errlen), void *src, const char *label,
    int (*event)(void *ctx, const struct binlog_header *h,
    const unsigned char *p, char *err, size_t errlen), void *ctx,
    char *err, size_t errlen);

#endif
