/* SPDX-License-Identifier: ISC */
/*
 * backup: the model of one dbbackup run.  schema.c fills the databases,
 * tables and chunks from the server; snapshot.c opens the worker
 * connections that share one snapshot; dump.c writes the chunks; and
 * dbbackup.c turns the result into the manifest and the report.
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

#include "catalog.h"
#include "settings.h"
#include "tsv.h"

enum backup_type { TYPE_FULL, TYPE_SCHEMA, TYPE_DATA };
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

struct database {
	char *name;
	char *dir;		/* encoded */
	char *charset, *collation;
	char *create_sql;
	struct table *tables;
	size_t n_tables;
	char **views;		/* view names, in dependency order */
	size_t n_views;
	bool has_views, has_routines, has_triggers, has_events;
};

struct options {
	enum backup_type type;
	const char **only_databases;	/* the DB arguments, or none: all */
	size_t n_only;
	const char **excludes;		/* --exclude patterns */
	size_t n_excludes;
	long long threads;
	long long chunk_rows;
	int level;			/* 0: no compression */
	enum lock_mode lock;
	long long lock_wait_timeout_s;
	long long long_query_guard_s;
	bool grants;
	bool json;
	bool progress;
};

/* Counters the workers update and the progress line reads. */
struct progress {
	atomic_ullong rows, raw_bytes, stored_bytes;
	atomic_uint chunks_done;
	unsigned int chunks_total;
};

struct backup {
	const struct settings *settings;
	const struct options *opt;
	char id[CATALOG_ID_LEN];
	char root[4096];	/* the catalogue */
	char dir[4200];		/* root/ID.partial while writing */
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

	struct database *dbs;
	size_t n_dbs;

	pthread_mutex_t files_lock;
	json_t *files;		/* [{path, size_bytes, sha256}] */
	uint64_t stored_bytes, raw_bytes;
	struct progress progress;
};

/* Writes a file of the backup and records it; shared by every writer. */
struct gzw;
struct gzw *backup_file_open(struct backup *b, const char *rel, bool compress,
    char *err, size_t errlen);
int backup_file_close(struct backup *b, struct gzw *w, const char *rel,
    uint64_t *raw_bytes, char *err, size_t errlen);

#endif
