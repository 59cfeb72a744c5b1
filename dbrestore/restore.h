/* SPDX-License-Identifier: ISC */
/*
 * restore: the model of one dbrestore run: the verified manifest, what of
 * it was selected (--database, --table) and under which names (--into,
 * or scratch names for --test).  plan.c builds it (objects.c the views,
 * routines, triggers and events), apply.c creates the databases and
 * tables, load.c loads the data, create.c creates the objects, adapt.c
 * renames what a statement names, triggers.c handles a data restore's
 * triggers, scratch.c --test's databases, check.c compares, sqlout.c
 * writes SQL.
 */
#ifndef DBRESTORE_RESTORE_H
#define DBRESTORE_RESTORE_H

#include <stdatomic.h>
#include <stdio.h>
#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>
#include <mysql.h>

#include "catalog.h"
#include "progress.h"
#include "settings.h"
#include "sqlscan.h"

/* What dbrestore is asked to do with the backup. */
enum restore_mode { MODE_RESTORE, MODE_VERIFY, MODE_TEST, MODE_SQL };

/* The report's names of the modes, by enum restore_mode. */
extern const char *const restore_mode_names[4];

struct options {
	enum restore_mode mode;
	const char **databases;		/* --database */
	size_t n_databases;
	const char **tables;		/* --table DB.TABLE */
	size_t n_tables;
	const char *into;
	long long threads;
	bool drop_existing, no_binlog, grants;
	bool disable_triggers;
	bool json, progress;
};

struct rtable {
	const char *name;		/* as in the backup */
	json_t *json;			/* its manifest entry */
	bool is_sequence;
	bool data_only;			/* no schema file: it loads into the table
					   that exists */
	bool versioned;			/* load history: insert_history on */
	int loading;			/* workers loading it now (load.c) */
	int pending;			/* its chunks not yet taken (load.c) */
	uint64_t rows;			/* the manifest's count */
	uint64_t checksum;
	bool has_checksum;
	/* load.c: a chunk loaded with a warning; the first one's text */
	atomic_bool warned;
	char *warning;
	/* --test */
	uint64_t rows_found, checksum_found;
	bool matched;
	bool definition_differs;
};

struct rdb {
	const char *name;		/* as in the backup */
	char *target;			/* where it goes */
	json_t *json;
	struct rtable *tables;
	size_t n_tables;
	bool whole;			/* every object, not some tables */
	bool renamed;			/* target differs from name */
	char **view_names;		/* a format 1.0 backup's views (objects.c) */
	size_t n_view_names;
};

/* What is created after the data, in this order. */
enum rphase { PHASE_ROUTINE, PHASE_VIEW, PHASE_TRIGGER, PHASE_EVENT };
#define PHASES 4

enum robj_state {
	ROBJ_PENDING,
	ROBJ_CREATED,
	ROBJ_SKIPPED,		/* cannot exist here; reported */
	ROBJ_FAILED,
	ROBJ_LEFT_OUT,		/* not selected (--table) */
};

/* A view, routine, trigger or event of the backup to create (objects.c). */
struct robj {
	struct rdb *db;
	enum rphase phase;
	const char *kind;		/* "view", "function", "trigger", ... */
	char *name;			/* NULL: a format 1.0 routine, trigger, event */
	const char *table;		/* a trigger's table */
	json_t *json;			/* its manifest entry (NULL: format 1.0) */
	char **pre;			/* the statements that set its context */
	size_t n_pre;
	char *stmt;			/* CREATE ..., in its own character set */
	const char *charset;		/* character_set_client; NULL: utf8mb4 */
	const char *sql_mode;
	const char *db_collation;	/* or NULL */
	size_t *reads;			/* a view's: the views it reads (indexes) */
	size_t n_reads;
	char *lacks;			/* a view's: a name it reads that this
					   restore does not bring back */
	bool invalid;			/* the server said so at backup time */
	bool verbatim;			/* the target's own: never renamed */
	bool differs;			/* --test: not as backed up (why) */
	enum robj_state state;
	char *why;			/* skipped or failed: why */
};

struct restore {
	const struct settings *settings;
	const struct options *opt;
	struct catalog_ref held;	/* the backup, locked against dbprune */
	char dir[4096];
	json_t *manifest;
	const char *id;
	struct rdb *dbs;
	size_t n_dbs;
	MYSQL *ctl;
	struct robj *objs;		/* in the order they are created */
	size_t n_objs;
	struct robj *saved;		/* --disable-triggers: the target's
					   triggers, dropped for the load */
	size_t n_saved;
	char saved_path[4096];		/* their definitions meanwhile */
	double started_ms;
	struct progress progress;	/* what --progress shows (load.c) */
	size_t objects_checked;		/* --test */
};

/*
 * The SQL of every session that restores: exact like the dump, and no
 * foreign key checks so tables load in any order.  The sql_mode takes
 * every value the source server stored: not strict (a FLOAT(10,4) that
 * holds 1000000 reloads clipped to the same float), zero dates, and
 * ALLOW_INVALID_DATES (a DATE 2020-02-30 stays what it was).  Not unique_checks = 0:
 * together with foreign_key_checks = 0 it switches InnoDB (10.6+) to its
 * bulk load into empty tables, which took twice the server CPU here.
 */
#define RESTORE_SESSION_SQL \
	"SET SESSION foreign_key_checks = 0, " \
	"sql_mode = 'NO_AUTO_VALUE_ON_ZERO,ALLOW_INVALID_DATES', " \
	"time_zone = '+00:00', check_constraint_checks = 0"

/* restore.c: one run */
/* Sets r up for a run of opt against the server conn describes. */
void restore_init(struct restore *r, const struct settings *conn,
    const struct options *opt);
/*
 * Finds the backup spec names in the catalogue root, holds it, reads and
 * verifies its manifest and every file, and plans what to restore.  0,
 * or -1 with err: a bad backup, which is bad input whatever the mode.
 */
int restore_open(struct restore *r, const char *root, const char *spec,
    char *err, size_t errlen);
/*
 * Does what the mode asks with the opened backup: nothing more for
 * --verify, a restore, or --test's restore, comparison and cleanup.  0,
 * or -1 with err; *ok is false when --test found a difference.
 */
int restore_run(struct restore *r, bool *ok, char *err, size_t errlen);
void restore_free(struct restore *r);

/* report.c */
/* Writes the result of a run, text or JSON as the options say.  0 or -1. */
int report_write(const struct restore *r, bool ok, FILE *f);

/* plan.c */
int plan_build(struct restore *r, char *err, size_t errlen);
void plan_free(struct restore *r);

/* apply.c: a new session on its own connection (restore settings). */
MYSQL *apply_connect(struct restore *r, unsigned int flags, char *err,
    size_t errlen);
int apply_check_targets(struct restore *r, char *err, size_t errlen);
int apply_tables(struct restore *r, char *err, size_t errlen);
int apply_grants(struct restore *r, char *err, size_t errlen);
int apply_drop_databases(struct restore *r, char *err, size_t errlen);
/* USE d's target database on m. */
int apply_use(MYSQL *m, const struct rdb *d, char *err, size_t errlen);

/* objects.c: what to create after the data, in order */
int objects_plan(struct restore *r, char *err, size_t errlen);
void objects_free(struct restore *r);
void objects_free_list(struct robj *objs, size_t n);
/* "view shop.v" (or "a view of shop") for messages. */
void objects_describe(const struct robj *o, char *buf, size_t len);
/* Whether the backup holds a table or sequence name in d, restored or not. */
bool objects_backup_has_table(const struct rdb *d, const char *name);

/* adapt.c */
/*
 * stmt as this restore runs it: every database the restore renames
 * (--into, --test) renamed in its qualified names (written in charset,
 * under sql_mode), events disabled by --test, and with --drop-existing
 * CREATE OR REPLACE.  malloc'd (its length in *len), or NULL with err.
 */
char *adapt_statement(const struct restore *r, const char *stmt,
    const char *charset, const char *sql_mode, size_t *len, char *err,
    size_t errlen);

/* create.c */
/* A target database's default character set and collation, read once. */
struct db_default {
	const struct rdb *db;
	char charset[64], collation[64];
};
/*
 * Creates o on m, whose current database is o's target: its context, its
 * database collation for the moment, its statement.  0, or -1 with the
 * server's error in err and its number in *code.
 */
int objects_create_one(struct restore *r, MYSQL *m, struct db_default *dd,
    struct robj *o, unsigned int *code, char *err, size_t errlen);
/* Creates the objects on r->ctl; -1 when one failed (all were tried). */
int objects_create(struct restore *r, char *err, size_t errlen);
/* Writes them as SQL for the mariadb client.  0 or -1. */
int objects_write_sql(struct restore *r, FILE *f, char *err, size_t errlen);
/* Which of the objects were not created, for the final message. */
void objects_missing(const struct restore *r, char *buf, size_t len);

/* load.c */
int load_data(struct restore *r, char *err, size_t errlen);

/* scratch.c: --test's databases */
/* Drops the scratch databases of --test runs that are gone, names ours. */
int scratch_clean(struct restore *r, char *err, size_t errlen);
/* Writes the user's database names for our scratch names in msg. */
void scratch_names(const struct restore *r, char *msg, size_t len);

/* triggers.c */
int triggers_check(struct restore *r, char *err, size_t errlen);
int triggers_drop(struct restore *r, char *err, size_t errlen);
int triggers_restore(struct restore *r, char *err, size_t errlen);

/* check.c */
int check_tables(struct restore *r, char *err, size_t errlen);
/*
 * Reads table t of d back as dbbackup read it: the count and the sum of
 * the row hashes.  0 or -1 with err.
 */
int check_table_sum(MYSQL *m, const struct rdb *d, const struct rtable *t,
    uint64_t *rows, uint64_t *sum, char *err, size_t errlen);

/* sqlout.c */
int sqlout_write(struct restore *r, FILE *f, char *err, size_t errlen);

/* sqlrows.c: the rows of data file rel of t as INSERTs on f. */
int sqlrows_write(struct restore *r, const struct rtable *t, const char *rel,
    FILE *f, char *err, size_t errlen);


#endif
