/* SPDX-License-Identifier: ISC */
/*
 * output: the backup being written: its id and ID.partial directory in
 * the locked catalogue, its files, its manifest, and its end, published
 * as ID or removed.
 */
#ifndef DBBACKUP_OUTPUT_H
#define DBBACKUP_OUTPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "backup.h"

/* Takes the catalogue's lock, creating the catalogue.  0 or -1 with err. */
int output_lock(struct backup *b, char *err, size_t errlen);

/* Names the backup of b->type: b->id and b->dir (ID.partial).  0 or -1. */
int output_name(struct backup *b, char *err, size_t errlen);

/* Creates ID.partial and a directory per database in it.  0 or -1. */
int output_make_dirs(struct backup *b, char *err, size_t errlen);

/*
 * Opens file rel of the backup for writing, compressed at level (0: not)
 * and encrypted when b->seal says so.
 */
struct gzw *output_file_open(struct backup *b, const char *rel, int level,
    char *err, size_t errlen);

/*
 * Closes a file of the backup and records its size and SHA-256 for the
 * manifest (any writer thread may call it); *raw_bytes gets its size
 * before compression when not NULL.  0 or -1.
 */
int output_file_close(struct backup *b, struct gzw *w, const char *rel,
    uint64_t *raw_bytes, char *err, size_t errlen);

/*
 * Writes the manifest, fsyncs the directories and renames ID.partial to
 * ID, whose path goes into b->final.  0 or -1.
 */
int output_finish(struct backup *b, const char *tool_version, char *err,
    size_t errlen);

/*
 * Ends the output: a backup that was not finished has its ID.partial
 * removed (a warning if that fails), then the lock is let go.
 */
void output_end(struct backup *b);

#endif
