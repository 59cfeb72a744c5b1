/* SPDX-License-Identifier: ISC */
/*
 * envelope: writing and opening an encrypted backup's manifest, which
 * manifest.json wraps (lib/envelope.c).
 */
#ifndef DBKIT_ENVELOPE_H
#define DBKIT_ENVELOPE_H

#include <stdint.h>
#include <jansson.h>

#include "age.h"

/*
 * The envelope of an encrypted backup whose manifest is m: what needs no
 * key (format, tool version, id, type, parent, times, the snapshot's
 * binary log coordinates and server id, which an incremental continues
 * from) and m's files with the manifest's own file, private, of size
 * bytes and SHA-256 sha.  Returns a new document, or NULL.
 */
json_t *manifest_envelope(const json_t *m, const char *private,
    uint64_t size, const char *sha);

/*
 * The manifest inside the encrypted backup in dir whose envelope is env,
 * decrypted with keys and checked as manifest_parse does, and against the
 * envelope: the same id, type and parent, and the same files.  Returns
 * the document, or NULL with "dir/manifest.age: why" in err.
 */
json_t *manifest_read_private(const char *dir, const json_t *env,
    struct age_keys *keys, char *err, size_t errlen);

#endif
