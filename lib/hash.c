/* SPDX-License-Identifier: ISC */
/*
 * hash: the backup format's checksums, all from libsodium.  File digests
 * are SHA-256, streamed through a 64 KiB buffer.  Row hashes are SipHash-
 * 2-4 (crypto_shorthash) under a fixed key, read as a little-endian
 * 64-bit number; a table's checksum is the sum of its rows' hashes modulo
 * 2^64, which does not depend on the order the rows arrive in.  SipHash
 * is used for its speed and its good spread on short, similar inputs, not
 * as a secret: the key is public and constant.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "hash.h"

#define READ_SIZE (64 * 1024)

/*
 * The row-hash key: the 16 ASCII bytes of "dbkit-row-hash-1".  It is part
 * of the on-disk format (every stored table checksum depends on it), so it
 * never changes; a new key would be a new format version.
 */
static const unsigned char row_key[crypto_shorthash_KEYBYTES] = {
	'd', 'b', 'k', 'i', 't', '-', 'r', 'o',
	'w', '-', 'h', 'a', 's', 'h', '-', '1',
};

int
hash_init(void)
{
	/* 1 means an earlier call already did the work. */
	return sodium_init() == -1 ? -1 : 0;
}

int
hash_file_sha256(const char *path, char hex[65], uint64_t *size, char *err,
    size_t errlen)
{
	crypto_hash_sha256_state sha;
	unsigned char digest[crypto_hash_sha256_BYTES], *buf;
	uint64_t total = 0;
	ssize_t n;
	int fd, rc = -1;

	if ((buf = malloc(READ_SIZE)) == NULL) {
		snprintf(err, errlen, "%s: out of memory", path);
		return -1;
	}
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto out;
	}
	crypto_hash_sha256_init(&sha);
	for (;;) {
		n = read(fd, buf, READ_SIZE);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		crypto_hash_sha256_update(&sha, buf, (size_t)n);
		total += (uint64_t)n;
	}
	crypto_hash_sha256_final(&sha, digest);
	sodium_bin2hex(hex, 65, digest, sizeof(digest));
	if (size != NULL)
		*size = total;
	rc = 0;
out:
	if (fd != -1)
		(void)close(fd);
	free(buf);
	return rc;
}

uint64_t
hash_row(const void *row, size_t len)
{
	unsigned char out[crypto_shorthash_BYTES];
	uint64_t v = 0;
	int i;

	(void)crypto_shorthash(out, row, len, row_key);
	/* Byte by byte, so the value is the same on any host's byte order. */
	for (i = crypto_shorthash_BYTES - 1; i >= 0; i--)
		v = v << 8 | out[i];
	return v;
}
