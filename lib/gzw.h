/* SPDX-License-Identifier: ISC */
/*
 * gzw: writes one backup file, gzip-compressed with libdeflate, zstd-
 * compressed with libzstd, or plain, through a bounded buffer.  With gzip
 * each full buffer becomes one gzip member, so the file is a valid gzip
 * stream that zcat and gunzip -t read as one; zstd writes one frame that
 * zstdcat reads.  Memory stays bounded whatever the file's size.  The
 * SHA-256 and size of the bytes on disk are computed as they are written,
 * so the manifest never re-reads a file.
 */
#ifndef DBKIT_GZW_H
#define DBKIT_GZW_H

#include <stddef.h>
#include <stdint.h>

#include "age.h"
#include "compression.h"

#define GZW_BLOCK_SIZE (1u << 20)	/* uncompressed bytes per gzip member */

struct gzw;

/* What gzw_close reports about the finished file. */
struct gzw_result {
	uint64_t size_bytes;		/* bytes on disk */
	uint64_t raw_bytes;		/* bytes given to gzw_write */
	char sha256[65];		/* hex SHA-256 of the bytes on disk */
};

/*
 * Creates path (O_EXCL, mode 0600) for writing, compressed with codec at
 * level: gzip 1 to 12 (libdeflate's levels; 6 is gzip's default), zstd 1
 * to 19; COMPRESSION_NONE writes the bytes as they are and ignores level.
 * With seal (else NULL) the compressed bytes are encrypted in the age
 * format to its recipients or passphrase; the size and SHA-256 are those
 * of the encrypted file.  Returns NULL with "path: why" in err.
 */
struct gzw *gzw_open(const char *path, enum compression codec, int level,
    struct age_keys *seal, char *err, size_t errlen);

/* Appends len bytes.  Returns 0, or -1 with "path: why" in err. */
int gzw_write(struct gzw *w, const void *buf, size_t len, char *err,
    size_t errlen);

/*
 * Compresses and writes what is buffered, fsyncs and closes the file, and
 * fills *result.  Returns 0, or -1 with err (the file is then incomplete;
 * the caller removes it).  Frees w either way.
 */
int gzw_close(struct gzw *w, struct gzw_result *result, char *err,
    size_t errlen);

/* Closes and frees w without finishing the file (after an error). */
void gzw_abort(struct gzw *w);

#endif
