/* SPDX-License-Identifier: ISC */
/*
 * catalog: the backup directory (DB_BACKUP_PATH).  One directory per
 * backup, named by its id YYYYMMDDTHHMMSSZ-TYPE; "ID.partial" while it is
 * written.  A directory counts as a backup only when its name is an id
 * and its manifest reads.
 */
#ifndef DBKIT_CATALOG_H
#define DBKIT_CATALOG_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#define CATALOG_ID_LEN 48
#define CATALOG_LOCK ".lock"

struct catalog_entry {
	char id[CATALOG_ID_LEN];	/* without ".partial" */
	char type[16];			/* full, schema, data, ... */
	time_t taken_at;		/* from the id */
	bool partial;			/* "ID.partial": never a backup */
};

/* Writes the id for a backup of type taken at t into id.  0 or -1. */
int catalog_make_id(time_t t, const char *type, char id[CATALOG_ID_LEN]);

/* Parses a directory name; fills e and returns 0 when it is an id. */
int catalog_parse_name(const char *name, struct catalog_entry *e);

/*
 * Lists the catalogue at root, oldest first.  A missing root is an empty
 * catalogue.  Returns 0, or -1 with err; *entries is malloc'd.
 */
int catalog_list(const char *root, struct catalog_entry **entries, size_t *n,
    char *err, size_t errlen);

/*
 * Finds the backup spec names: a path to a backup directory (it contains
 * a '/'), an id in root, or "latest" (the newest backup in root whose
 * manifest reads).  Writes its directory into dir.  0 or -1 with err.
 */
int catalog_resolve(const char *root, const char *spec, char *dir,
    size_t dirlen, char *err, size_t errlen);

/* What a catalogue entry is, as dbbackup list and dbprune see it. */
enum catalog_state {
	CATALOG_COMPLETE,	/* an id and a manifest that reads */
	CATALOG_PARTIAL,	/* ID.partial: being written, or a crashed run */
	CATALOG_DAMAGED,	/* an id without a readable manifest */
};

#define CATALOG_PIN_FILE "pinned"	/* in a backup directory: keep it */

struct catalog_item {
	struct catalog_entry e;
	enum catalog_state state;
	char name[CATALOG_ID_LEN + 16];	/* the directory name */
	char parent[CATALOG_ID_LEN];	/* "" unless it depends on a backup */
	char why[512];			/* CATALOG_DAMAGED: the manifest error */
	long long size_bytes;		/* on disk */
	bool pinned;
};

/*
 * Reads the catalogue at root, oldest first: every directory named by an
 * id (with its state, size and pin), and in *foreign the names of anything
 * else (not the lock file), which dbkit never touches.  A complete
 * backup's size comes from its manifest, so a large catalogue lists fast.
 * Returns 0, or -1 with err; the arrays are malloc'd (catalog_scan_free).
 */
int catalog_scan(const char *root, struct catalog_item **items, size_t *n,
    char ***foreign, size_t *n_foreign, char *err, size_t errlen);

void catalog_scan_free(struct catalog_item *items, char **foreign,
    size_t n_foreign);

/* Pins (pin true) or unpins the complete backup id in root.  0 or -1. */
int catalog_pin(const char *root, const char *id, bool pin, char *err,
    size_t errlen);

#endif
