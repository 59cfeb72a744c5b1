/* SPDX-License-Identifier: ISC */
/*
 * catalog: the backup directory (DB_BACKUP_PATH).  One directory per
 * backup, named by its id YYYYMMDDTHHMMSSZ-TYPE, or YYYYMMDDTHHMMSSZ-TYPE-N
 * for the Nth backup started in one second; "ID.partial" while it is
 * written.  A directory counts as a backup only when its name is an id
 * and its manifest reads.  Backups are ordered by (time, sequence), never
 * by their names.  Readers hold a shared flock(2) on a backup's directory
 * for as long as they read it; dbprune deletes only what it can lock
 * exclusively.
 */
#ifndef DBKIT_CATALOG_H
#define DBKIT_CATALOG_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#define CATALOG_ID_LEN 48
#define CATALOG_LOCK ".lock"
#define CATALOG_SEQ_MAX 999999	/* backups started in one second */
#define CATALOG_FUTURE_S 300	/* dated further ahead: "in the future" */
#define CATALOG_WAIT_MS 2000	/* longest wait for a backup's lock */

struct catalog_entry {
	char id[CATALOG_ID_LEN];	/* without ".partial" */
	char type[16];			/* full, schema, data, ... */
	time_t taken_at;		/* from the id */
	unsigned seq;			/* 1, or the N of "-N" */
	bool partial;			/* "ID.partial": never a backup */
};

/* Writes the id of the seq-th backup of type taken at t.  0 or -1. */
int catalog_make_id(time_t t, const char *type, unsigned seq,
    char id[CATALOG_ID_LEN]);

/* Parses a directory name; fills e and returns 0 when it is an id. */
int catalog_parse_name(const char *name, struct catalog_entry *e);

/* Orders entries oldest first: time, sequence, then type and partial. */
int catalog_cmp(const struct catalog_entry *a, const struct catalog_entry *b);

/* The age of e at now for people: "3d 2h", or "in 400d 2h" if ahead. */
void catalog_age_text(const struct catalog_entry *e, time_t now, char *buf,
    size_t len);

/*
 * Chooses the id of a new backup of type started at t in root: the plain
 * id for the first backup of that second, else one more than the highest
 * sequence any entry of that second has, whatever its type or kind.  Call
 * it holding the catalogue lock.  0, or -1 with err.
 */
int catalog_new_id(const char *root, time_t t, const char *type,
    char id[CATALOG_ID_LEN], char *err, size_t errlen);

/* A backup a reader holds: the directory, locked while fd is open. */
struct catalog_ref {
	char dir[4096];
	int fd;				/* holds the shared lock, or -1 */
	char warning[512];		/* "" or a one-line note for stderr */
};

/*
 * Finds the backup spec names and takes its shared lock: a path to a
 * backup directory (it contains a '/'), an id in root, or "latest" (the
 * newest backup in root that is neither unfinished nor dated in the
 * future; refused if it is damaged).  Waits up to CATALOG_WAIT_MS for a
 * prune that holds it, then fails; fails too when the backup was deleted
 * meanwhile.  Keep ref until the backup is read, then catalog_release.
 * 0, or -1 with err (and nothing to release).
 */
int catalog_resolve(const char *root, const char *spec,
    struct catalog_ref *ref, char *err, size_t errlen);

/* Lets go of a backup catalog_resolve took. */
void catalog_release(struct catalog_ref *ref);

/*
 * Locks the backup directory name in root exclusively before deleting
 * it, waiting up to wait_ms for its readers.  Returns 0 with *fd (close it
 * after the deletion), 1 when a reader still holds it (err says so), or
 * -1 with err.
 */
int catalog_claim(const char *root, const char *name, long long wait_ms,
    int *fd, char *err, size_t errlen);

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
	char replica_of[512];		/* taken on a replica: "HOST:PORT, ..." */
	char why[512];			/* CATALOG_DAMAGED: the manifest error */
	long long size_bytes;		/* on disk */
	bool pinned;
	bool future;			/* over CATALOG_FUTURE_S ahead of now */
};

/*
 * Reads the catalogue at root at time now, oldest first: every directory
 * named by an id (with its state, size and pin), and in *foreign the
 * names of anything else (not the lock file), which dbkit never touches:
 * symbolic links and files are never backups.  Each manifest is read
 * under the backup's shared lock, and only the manifest: a complete
 * backup's size comes from it, so a large catalogue lists fast.  Returns
 * 0, or -1 with err; the arrays are malloc'd (catalog_scan_free).
 */
int catalog_scan(const char *root, time_t now, struct catalog_item **items,
    size_t *n, char ***foreign, size_t *n_foreign, char *err, size_t errlen);

void catalog_scan_free(struct catalog_item *items, char **foreign,
    size_t n_foreign);

/* Pins (pin true) or unpins the complete backup id in root.  0 or -1. */
int catalog_pin(const char *root, const char *id, bool pin, char *err,
    size_t errlen);

#endif
