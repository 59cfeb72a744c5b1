/* SPDX-License-Identifier: ISC */
/*
 * names: database and table names as file names.  Letters, digits, '_'
 * and '-' pass through; every other byte, including '.', '/' and bytes of
 * non-ASCII characters, becomes "%XX".  Names are never empty (the server
 * forbids it).  The encoding is reversible, and the manifest
 * keeps the real name beside each file anyway.
 */
#ifndef DBKIT_NAMES_H
#define DBKIT_NAMES_H

#include <stddef.h>

/* Encodes name into out (3 * strlen + 1 bytes suffice).  0, or -1 if short. */
int name_encode(const char *name, char *out, size_t outlen);

/* Decodes a name encoded by name_encode.  0, or -1 when malformed/short. */
int name_decode(const char *encoded, char *out, size_t outlen);

/*
 * Quotes an identifier for SQL: `name` with every backtick doubled.  Writes
 * into out (2 * strlen + 3 bytes suffice).  0, or -1 if out is short.
 */
int name_quote(const char *name, char *out, size_t outlen);

#endif
