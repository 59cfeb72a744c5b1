/* SPDX-License-Identifier: ISC */
/*
 * restore: the model of one dbrestore run: the verified manifest, what of
 * it was selected (--database, --table) and under which names (--into,
 * or scratch names for --test).  plan.c builds it, apply.c creates the
 * objects, load.c loads the data, check.c compares, sqlout.c writes SQL.
 */
#ifndef DBRESTORE_RESTORE_H
#define DBRESTORE_RESTORE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>
#include <mysql.h>

#include "settings.h"

struct options {
	const char **databases;		/* --database */
	size_t n_databases;
	const char **tables;		/* --table DB.TABLE */
	size_t n_tables;
	const char *into;
	long long threads;
	bool verify_only, test, sql, drop_existing, no_binlog, grants;
	bool json, progress;
};

struct rtable {
	const char *name;		/* as in the backup */
	json_t *json;			/* its manifest entry */
	bool is_sequence;
	bool versioned;			/* load history: insert_history on */
	int loading;			/* workers loading it now (load.c) */
	int pending;			/* its chunks not yet taken (load.c) */
	uint64_t rows;			/* the manifest's count */
	uint64_t checksum;
	bool has_checksum;
	/* --test */
	uint64_t rows_found, checksum_found;
	bool matched;
};

struct rdb {
	const char *name;		/* as in the backup */
	char *target;			/* where it goes */
	json_t *json;
	struct rtable *tables;
	size_t n_tables;
	bool whole;			/* every object, not some tables */
};

struct restore {
	const struct settings *settings;
	const struct options *opt;
	char dir[4096];
	json_t *manifest;
	const char *id;
	struct rdb *dbs;
	size_t n_dbs;
	MYSQL *ctl;
	double started_ms;
	atomic_ullong rows_loaded, bytes_loaded;
	atomic_uint chunks_done;
	unsigned int chunks_total;
};

/*
 * The SQL of every session that restores: exact like the dump, and no
 * foreign key checks so tables load in any order.  Not unique_checks = 0:
 * together with foreign_key_checks = 0 it switches InnoDB (10.6+) to its
 * bulk load into empty tables, which took twice the server CPU here.
 */
#define RESTORE_SESSION_SQL \
	"SET SESSION foreign_key_checks = 0, " \
	"sql_mode = 'NO_AUTO_VALUE_ON_ZERO', time_zone = '+00:00', " \
	"check_constraint_checks = 0"

/* plan.c */
int plan_build(struct restore *r, char *err, size_t errlen);
void plan_free(struct restore *r);

/* apply.c: a new session on its own connection (restore settings). */
MYSQL *apply_connect(struct restore *r, unsigned int flags, char *err,
    size_t errlen);
int apply_check_targets(struct restore *r, char *err, size_t errlen);
int apply_tables(struct restore *r, char *err, size_t errlen);
int apply_objects(struct restore *r, char *err, size_t errlen);
int apply_drop_databases(struct restore *r, char *err, size_t errlen);
/*
 * The statement to run for stmt: with rewrite, `db`. names of the backed-up
 * database become the target's (views name their database); with
 * --drop-existing, CREATE becomes CREATE OR REPLACE.  malloc'd, or NULL.
 */
char *apply_adapt(const struct restore *r, const struct rdb *d,
    const char *stmt, bool rewrite);

/* load.c */
int load_data(struct restore *r, char *err, size_t errlen);

/* check.c */
int check_tables(struct restore *r, char *err, size_t errlen);

/* sqlout.c */
int sqlout_write(struct restore *r, FILE *f, char *err, size_t errlen);

/* sqlrows.c: the rows of data file rel of t as INSERTs on f. */
int sqlrows_write(struct restore *r, const struct rtable *t, const char *rel,
    FILE *f, char *err, size_t errlen);


#endif
