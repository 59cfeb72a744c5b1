/* SPDX-License-Identifier: ISC */
/*
 * tarstream: catalogue entries as one POSIX tar stream (libarchive), for
 * pipes to and from object-store clients (see dbkit-backup(5), ARCHIVES).
 * The stream opens with TARSTREAM_INDEX, which names the backups it holds,
 * oldest first, with their manifests' sizes and SHA-256; then each backup's directory: "ID/", "ID/manifest.json",
 * an encrypted backup's manifest.age, and every file its manifest lists,
 * in the manifest's order.  The files are the catalogue's bytes: an
 * encrypted backup stays encrypted, and needs no key to travel.
 *
 * The reader trusts nothing: safe relative names, files and directories
 * only, every file listed by its backup's manifest and of the listed
 * size and SHA-256, every backup the index names complete.  It writes
 * each backup as ID.partial and renames them all only once the whole
 * stream has arrived and matched.
 */
#ifndef DBKIT_TARSTREAM_H
#define DBKIT_TARSTREAM_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "catalog.h"

#define TARSTREAM_INDEX "dbkit-archive.json"
#define TARSTREAM_FORMAT "dbkit-archive"
#define TARSTREAM_VERSION_MAJOR 1	/* readers refuse a newer major */
#define TARSTREAM_VERSION_MINOR 0
#define TARSTREAM_INDEX_MAX (64u << 10)
#define TARSTREAM_BACKUPS_MAX 10000	/* backups one stream may hold */

struct tar_writer;

/*
 * Opens a stream to path: "-" is stdout; a file is written as
 * path.partial and renamed to path by tar_writer_close.  The backups ids
 * in dirs (complete catalogue entries), oldest first, go into the index
 * at once, each with its manifest's size and SHA-256, which covers the
 * rest.  Returns the writer, or NULL with err.
 */
struct tar_writer *tar_writer_open(const char *path, const char *const *dirs,
    const char *const *ids, size_t n, char *err, size_t errlen);

/*
 * Appends the next backup of the index, in dir, as ID/...: its manifest,
 * then every file the manifest lists, each of the size the manifest
 * gives (or -1: the backup changed or is damaged).  0, or -1 with err.
 */
int tar_writer_add(struct tar_writer *t, const char *dir, char *err,
    size_t errlen);

/* Ends the stream (and publishes a file).  0, or -1 with err; frees t. */
int tar_writer_close(struct tar_writer *t, char *err, size_t errlen);

/* Gives up: removes path.partial, frees t. */
void tar_writer_abort(struct tar_writer *t);

/* One backup a stream brought, as tar_import reports it. */
struct tar_backup {
	char id[CATALOG_ID_LEN];
	char type[16];
	char parent[CATALOG_ID_LEN];	/* "" for a full backup */
	size_t files;			/* the manifest's */
	uint64_t bytes;			/* with the manifest */
	bool present;	/* already in root, the same: verified, not written */
};

struct tar_imported {
	struct tar_backup *backups;	/* in the stream's order, malloc'd */
	size_t n;
	bool bad_stream;	/* the failure is the stream's (exit 2) */
};

/*
 * Reads the stream on fd (label names it in messages) into root, which
 * must exist: each backup as root/ID.partial, verified file by file as it
 * arrives, then renamed to root/ID once the stream has ended and every
 * backup in it is complete; durable: and once every file is on disk
 * (syncfs), as a catalogue needs, not a scratch copy.  A backup root
 * already holds with the same
 * manifest is verified and left as it is (present); with another
 * manifest, or as ID.partial, it stops the import before anything is
 * written.  Checks before each backup's files that root
 * has room for them.  progress, if not NULL, gets a line per backup.  The
 * caller holds whatever lock root needs.  Returns 0, or -1 with err and
 * nothing left in root (out->bad_stream set when the stream is at fault).
 * Free out->backups in either case.
 */
int tar_import(int fd, const char *label, const char *root, bool durable,
    FILE *progress, struct tar_imported *out, char *err, size_t errlen);

#endif
