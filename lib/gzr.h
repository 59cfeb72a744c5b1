/* SPDX-License-Identifier: ISC */
/*
 * gzr: reads a backup file back as a stream: gzip (any number of
 * members, as gzw and gzip write them) through zlib, zstd (any number of
 * frames) through libzstd, or a plain file.
 * A truncated or corrupt stream is an error, never a silent short read.
 */
#ifndef DBKIT_GZR_H
#define DBKIT_GZR_H

#include <stddef.h>
#include <sys/types.h>

#include "age.h"

struct gzr;

/*
 * Reads from fd, which it owns from now on (gzr_close closes it, and so
 * does a failure); label names it in messages.  A file in the age format
 * is decrypted with keys (its identities or passphrase; NULL: none, and
 * such a file is refused); then gzip and zstd are recognised by their
 * magic bytes, and anything else is read as it is.  Returns NULL with
 * "label: why" in err.
 */
struct gzr *gzr_fdopen(int fd, const char *label, struct age_keys *keys,
    char *err, size_t errlen);

/* gzr_fdopen of the regular file at path (fs_open_regular). */
struct gzr *gzr_open(const char *path, struct age_keys *keys, char *err,
    size_t errlen);

/* gzr_fdopen of the file rel inside the directory dir (fs_open_in). */
struct gzr *gzr_open_in(const char *dir, const char *rel,
    struct age_keys *keys, char *err, size_t errlen);

/*
 * Reads up to len uncompressed bytes into buf.  Returns the number read,
 * 0 at the clean end of the stream, or -1 with "path: why" in err
 * (truncated, corrupt, I/O error).
 */
ssize_t gzr_read(struct gzr *r, void *buf, size_t len, char *err,
    size_t errlen);

void gzr_close(struct gzr *r);

#endif
