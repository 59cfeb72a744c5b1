/* SPDX-License-Identifier: ISC */
/*
 * restore: the model of one dbrestore run: the verified manifest, what of
 * it was selected (--database, --table) and under which names (--into,
 * or scratch names for --test).  plan.c builds it (objects.c the views,
 * routines, triggers and events), connect.c opens its sessions, apply.c
 * creates the databases and tables, load.c loads the data, create.c
 * creates the objects, adapt.c renames what a statement names,
 * triggers.c handles a data restore's triggers, scratch.c --test's
 * databases, check.c compares, sqlout.c writes SQL.  Each of them
 * declares its functions in its own header; this one holds the types
 * they share and restore.c's run.
 */
#ifndef DBRESTORE_RESTORE_H
#define DBRESTORE_RESTORE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include <jansson.h>
#include <mysql.h>

#include "catalog.h"
#include "progress.h"
#include "settings.h"

/* What dbrestore is asked to do with the backup. */
enum restore_mode { MODE_RESTORE, MODE_VERIFY, MODE_TEST, MODE_SQL,
	MODE_EVENTS };

/* The report's names of the modes, by enum restore_mode. */
extern const char *const restore_mode_names[5];

/* Where a replay of incrementals stops (--until*): after, or just before. */
enum until_kind { UNTIL_END, UNTIL_TIME, UNTIL_GTID, UNTIL_POSITION };

struct until {
	enum until_kind kind;
	time_t time;
	char gtid[64];		/* DOMAIN-SERVER-SEQ */
	char file[256];		/* FILE:POS */
	uint64_t pos;
	bool exclusive;
};

struct options {
	enum restore_mode mode;
	struct until until;
	const char *grep;		/* --events: statements containing it */
	const char *tmpdir;		/* --tmpdir: where an archive is spooled */
	const char **databases;		/* --database */
	size_t n_databases;
	const char **tables;		/* --table DB.TABLE */
	size_t n_tables;
	const char *into;
	long long threads;
	bool drop_existing, no_binlog, grants;
	bool disable_triggers;
	bool json, progress;
	const char *as_replica_of;	/* [USER@]HOST[:PORT] */
	bool replica_sql, reset_replica;
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

struct replica_plan;

/* An incremental backup of the chain being restored. */
struct link {
	struct catalog_ref held;
	char dir[4096];
	json_t *manifest;
	const char *id;
};

/*
 * The incrementals after the full backup (chain.c), and what their
 * replay did (replay.c).
 */
struct chain {
	struct link *links;		/* oldest first */
	size_t n;
	char stop_gtid[64];		/* the group the replay stops before, or
					   "": all of it */
	time_t window_from, window_to;	/* what the chain can restore to */
	uint64_t groups;		/* transactions applied */
	char last_gtid[64];		/* the last one: "" when none */
	char last_file[256];
	uint64_t last_pos;
	time_t last_time;
};

struct restore {
	const struct settings *settings;
	const struct options *opt;
	struct catalog_ref held;	/* the backup, locked against dbprune */
	char dir[4096];
	json_t *manifest;
	const char *id;
	struct age_keys *keys;		/* an encrypted backup's, else NULL */
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
	struct chain chain;		/* when the backup is an incremental */
	struct replica_plan *replica;	/* --as-replica-of, else NULL */
};

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
 * The manifest of the backup in dir, its files verified; for an
 * encrypted backup, the manifest inside, opened with keys, or without
 * keys and with envelope_enough its envelope.  0, or -1 with err.
 */
int restore_read_manifest(const char *dir, struct age_keys *keys,
    bool envelope_enough, json_t **manifest, char *err, size_t errlen);
/*
 * Does what the mode asks with the opened backup: nothing more for
 * --verify, a restore, or --test's restore, comparison and cleanup.  0,
 * or -1 with err; *ok is false when --test found a difference.
 */
int restore_run(struct restore *r, bool *ok, char *err, size_t errlen);
void restore_free(struct restore *r);

#endif
