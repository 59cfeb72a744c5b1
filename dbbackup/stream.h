/* SPDX-License-Identifier: ISC */
/*
 * stream: backups as one tar stream (lib/tarstream.h) for pipes to object
 * stores: the verbs export and import, and a backup's --archive.
 */
#ifndef DBBACKUP_STREAM_H
#define DBBACKUP_STREAM_H

#include <stdbool.h>
#include <stdio.h>

#include "backup.h"

/*
 * Writes the backup spec (an id, a path or "latest") of the catalogue
 * root to output ("-": stdout), with its chain if chain.  Returns the exit
 * status, with err when it is not EXIT_DONE.
 */
int stream_export(const char *root, const char *spec, bool chain,
    const char *output, char *err, size_t errlen);

/*
 * Reads the stream at input ("-": stdin) into the catalogue root and
 * reports what arrived on out.  Returns the exit status, with err.
 */
int stream_import(const char *root, const char *input, bool json, FILE *out,
    char *err, size_t errlen);

/* Writes the finished backup in b->dir as the stream b->opt->archive. */
int stream_backup(struct backup *b, char *err, size_t errlen);

#endif
