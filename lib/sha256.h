/* SPDX-License-Identifier: ISC */
/*
 * sha256: the checksums of the backup format.  SHA-256
 * of files (the manifest's integrity record) and an order-independent
 * content checksum of table rows (the sum of a 64-bit hash of each
 * row), so a restored table can be compared with its backup whatever
 * order the server returns the rows in.
 */
#ifndef DBKIT_SHA256_H
#define DBKIT_SHA256_H

#include <stddef.h>
#include <stdint.h>

/* A SHA-256 computed piece by piece. */
struct sha256;

/* A new SHA-256 state, or NULL when out of memory. */
struct sha256 *sha256_new(void);

/* Adds len bytes.  Returns 0 or -1. */
int sha256_update(struct sha256 *s, const void *buf, size_t len);

/* Writes the digest as 64 hex digits and a NUL, frees s.  0 or -1. */
int sha256_final(struct sha256 *s, char hex[65]);

/* Frees s without a digest. */
void sha256_free(struct sha256 *s);

/* SHA-256 of len bytes at buf, as 64 hex digits.  0 or -1. */
int sha256_buffer(const void *buf, size_t len, char hex[65]);

/*
 * SHA-256 of what fd reads to its end, as 64 hex digits, and its size;
 * label names it in messages.  0 or -1 with err.
 */
int hash_fd_sha256(int fd, const char *label, char hex[65], uint64_t *size,
    char *err, size_t errlen);

/* hash_fd_sha256 of the regular file at path.  0 or -1 with err. */
int hash_file_sha256(const char *path, char hex[65], uint64_t *size,
    char *err, size_t errlen);

/* The 64-bit hash of one row, as it appears in a data file (no newline). */
uint64_t hash_row(const void *row, size_t len);

#endif
