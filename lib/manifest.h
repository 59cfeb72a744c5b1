/* SPDX-License-Identifier: ISC */
/*
 * manifest: a backup's manifest.json, its truth (see dbkit-backup(5)):
 * what was backed up, from which server and snapshot, and every file
 * with its size and SHA-256.  dbbackup writes it, dbrestore and dbprune
 * read it; a directory without a valid manifest is never a backup.
 */
#ifndef DBKIT_MANIFEST_H
#define DBKIT_MANIFEST_H

#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>


#define MANIFEST_NAME "manifest.json"
#define MANIFEST_FORMAT "dbkit-backup"
#define MANIFEST_PRIVATE "manifest.age"	/* an encrypted backup's manifest */
#define MANIFEST_VERSION_MAJOR 3	/* readers refuse a newer major */
/*
 * Full, schema and data backups are written as 1.2, which dbkit 0.2
 * reads; an incremental as 2.1, which a 1.x reader refuses rather than
 * restore nothing from it.  Minor versions are additions a reader may
 * ignore: 1.2 and 2.1 add snapshot.replica.
 */
#define MANIFEST_V1_MINOR 2
#define MANIFEST_V2_MINOR 1
/*
 * An encrypted backup's manifest.json is an envelope of version 3.0,
 * which a 2.x reader refuses (it could not open the files anyway); the
 * manifest inside (MANIFEST_PRIVATE) has the version of its type.
 */
#define MANIFEST_V3_MINOR 0
#define MANIFEST_MAX (256u << 20)	/* the largest manifest.json read */
#define MANIFEST_NAME_CHARS 64		/* names: MariaDB's identifier limit */

/* m as manifest text (malloc'd), as every manifest is written; or NULL. */
char *manifest_encode(const json_t *m);

/* Writes m as dir/manifest.json (0600) and fsyncs it.  0 or -1 with err. */
int manifest_write(const char *dir, const json_t *m, char *err, size_t errlen);

/*
 * Parses and checks the len bytes of a manifest at text: valid JSON, our
 * format, a major version we read, and every field a reader uses of the
 * right type and shape, so that no reader needs to check again.  label
 * names the manifest in messages.  Returns the document, or NULL with
 * "label: what: why" in err, naming the entry ("databases[0].tables[2].
 * name: missing or not a string").
 */
json_t *manifest_parse(const char *text, size_t len, const char *label,
    char *err, size_t errlen);

/*
 * manifest_parse of dir/manifest.json, a regular file (never a link, a
 * FIFO or a device) of at most MANIFEST_MAX bytes.  Returns the document,
 * or NULL with "dir/manifest.json: why" in err.
 */
json_t *manifest_read(const char *dir, char *err, size_t errlen);

/* Whether m (as manifest_read returns it) is an encrypted backup's envelope. */
bool manifest_encrypted(const json_t *m);

/* The string o's key holds, or "" when it holds none (null, absent). */
const char *manifest_text(const json_t *o, const char *key);

/*
 * The sources of a backup taken on a replica, from its snapshot.replica
 * object, as "HOST:PORT, HOST:PORT" in buf ("" when replica is null).
 */
void manifest_replica_sources(const json_t *replica, char *buf, size_t len);

/*
 * Checks every file the manifest lists against its size and SHA-256,
 * opening each inside dir only (fs_open_in: no links, regular files).
 * Returns 0, or -1 with "dir/FILE: why" in err for the first file that
 * does not match.
 */
int manifest_verify_files(const char *dir, const json_t *m, char *err,
    size_t errlen);

#endif
