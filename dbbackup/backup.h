/* SPDX-License-Identifier: ISC */
/*
 * backup: the model of one dbbackup run.  backup.c runs it: output.c
 * names and writes the backup's directory, snapshot.c opens the worker
 * connections that share one snapshot, schema.c and objects.c read the
 * databases, tables, chunks (chunk.c) and objects from the server,
 * dump.c writes the chunks, and result.c turns it all into the manifest
 * and the report.  list.c is the other verbs, on the catalogue.
 */
#ifndef DBBACKUP_BACKUP_H
#define DBBACKUP_BACKUP_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include <jansson.h>
#include <mysql.h>

#include "binlog.h"
#include "catalog.h"
#include "progress.h"
#include "replica.h"
#include "settings.h"
#include "tsv.h"

enum backup_type { TYPE_FULL, TYPE_SCHEMA, TYPE_DATA, TYPE_INCREMENTAL,
	TYPE_COUNT };

/* The ids' and the manifest's names of the types, by enum backup_type. */
extern const char *const backup_type_names[TYPE_COUNT];
enum lock_mode { LOCK_AUTO, LOCK_NONE };

struct column {
	char *name;
	char *type;		/* information_schema DATA_TYPE */
	char *select;		/* the expression the dump selects */
	enum tsv_load load;	/* how dbrestore loads it back */
};

struct chunk {
	struct table *table;
	int index;		/* 1, 2, ...: the file name's sequence */
	bool has_lo, has_hi;	/* open ends cover keys outside the plan */
	char lo[24], hi[24];	/* key >= lo AND key < hi, in the key's type */
	char file[1024];	/* relative to the backup directory */
	uint64_t rows, checksum, raw_bytes;
};

struct table {
	struct database *db;
	char *name;
	char *file_name;	/* encoded */
	char *engine;
	bool is_sequence;
	bool versioned;		/* system-versioned: history rows too */
	bool transactional;	/* its rows are in the snapshot */
	struct column *columns;
	size_t n_columns;
	char *key;		/* single integer primary key, or NULL */
	bool key_unsigned;	/* its type is UNSIGNED */
	long long estimated_rows;
	long long data_bytes;
	char *create_sql;
	char *sequence_next;	/* a sequence's next_not_cached_value */
	struct chunk *chunks;
	size_t n_chunks;
};

/* Where a name an object refers to is, as the backup sees it. */
enum ref_state {
	REF_IN_BACKUP,		/* restored with the backup */
	REF_EXCLUDED,		/* left out by --exclude */
	REF_OUTSIDE,		/* in a database the backup does not hold */
};

/* A table, view, sequence or routine a view's definition reads. */
struct object_ref {
	char *db, *name;
	enum ref_state state;
};

enum object_kind { OBJ_VIEW, OBJ_ROUTINE, OBJ_TRIGGER, OBJ_EVENT };
#define OBJ_KINDS 4

/*
 * A view, routine, trigger or event, and the context the server recorded
 * for it: the sql_mode, client character set and connection collation it
 * was created under, the database collation (routines, triggers, events)
 * and the time zone (events).  Each is re-created under the same.
 */
struct object {
	enum object_kind kind;
	char *type;		/* VIEW, FUNCTION, PROCEDURE, PACKAGE, PACKAGE BODY,
				   TRIGGER, EVENT: the word SHOW CREATE takes */
	char *name;
	char *table;		/* a trigger's table */
	char *sql_mode, *charset_client, *collation_connection;
	char *database_collation, *time_zone;	/* or NULL */
	char *definition;	/* a view's VIEW_DEFINITION: what it reads */
	struct object_ref *reads;	/* a view's */
	size_t n_reads;
	char *invalid;		/* a view the server says is invalid: why */
};

struct database {
	char *name;
	char *dir;		/* encoded */
	char *charset, *collation;
	char *create_sql;
	struct table *tables;
	size_t n_tables;
	char **excluded;	/* tables and views --exclude left out */
	size_t n_excluded;
	struct object *objects;	/* by kind, then as the server lists them */
	size_t n_objects;
	bool has_objects[OBJ_KINDS];	/* a file of that kind was written */
};

struct options {
	enum backup_type type;
	const char **only_databases;	/* the DB arguments, or none: all */
	size_t n_only;
	const char **excludes;		/* --exclude patterns */
	size_t n_excludes;
	long long threads;
	long long chunk_rows;
	enum compression codec;
	int level;			/* of the codec; 0 with none */
	int binlog_level;		/* of an incremental's binlog files */
	enum lock_mode lock;
	bool replica_pause;		/* stop the SQL threads for the snapshot */
	long long lock_wait_timeout_s;
	long long long_query_guard_s;
	bool grants;
	bool json;
	bool progress;
	bool no_promote;		/* incremental: never become a full */
	char *recipients;		/* the --recipient keys, by spaces */
	const char *archive;		/* --archive FILE or "-", or NULL */
	const char *tmpdir;		/* --tmpdir, or NULL: the catalogue */
};

/* What an incremental backup copies: its parent's end to the server's now. */
struct increment {
	char parent[CATALOG_ID_LEN + 16];	/* a catalog_item's name */
	struct binlog_coord from, to;
	char from_gtid[1024], to_gtid[1024];	/* "" without GTIDs */
	struct binlog_counts counts;
	json_t *files;		/* [{name, file}]: the copies, in order */
	char *open_name;	/* the file being copied, while it is */
	struct gzw *open;
};

struct backup {
	const struct settings *settings;
	const struct options *opt;
	enum backup_type type;	/* opt's, or full when an incremental has none */
	char id[CATALOG_ID_LEN];
	char root[4096];	/* the catalogue */
	char dir[4200];		/* root/ID.partial while writing (--archive:
				   the spool directory's) */
	char final[4200];	/* root/ID once published, or the archive */
	int lock_fd;		/* the catalogue's lock, or -1 */
	bool finished;		/* published as ID */
	time_t started_at;
	double started_ms;

	MYSQL *ctl;		/* schema, lock and binlog position */
	MYSQL **workers;	/* one consistent snapshot each */
	size_t n_workers;
	char server_version[128], hostname[256];
	long long server_id;
	char snapshot_method[32];
	char binlog_file[256];
	long long binlog_position;	/* -1: no binary log */
	char gtid[1024];
	struct replica_info replica;	/* a replica's sources at the snapshot */

	struct database *dbs;
	size_t n_dbs;

	pthread_mutex_t files_lock;
	json_t *files;		/* [{path, size_bytes, sha256}] */
	uint64_t stored_bytes, raw_bytes;
	struct progress progress;	/* what --progress shows */
	struct age_keys *seal;		/* encrypting: to whom, else NULL */
	unsigned char name_key[32];	/* encrypting: keys the file names */
	struct increment inc;	/* TYPE_INCREMENTAL */
};

/* backup.c */
/*
 * Sets b up for a run of opt against the server conn describes (which
 * names no database), into the catalogue root.  0, or -1 out of memory.
 */
int backup_init(struct backup *b, const struct settings *conn,
    const struct options *opt, const char *root);
/*
 * Takes the backup, from the catalogue's lock to the rename of
 * ID.partial to ID.  0, or -1 with err (and no ID.partial left).
 */
int backup_run(struct backup *b, const char *tool_version, char *err,
    size_t errlen);
void backup_free(struct backup *b);

#endif
