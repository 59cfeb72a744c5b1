/* SPDX-License-Identifier: ISC */
/*
 * name: database and table names as file names.  Letters, digits, '_'
 * and '-' pass through; every other byte, including '.', '/' and bytes of
 * non-ASCII characters, becomes "%XX".  Names are never empty (the server
 * forbids it).  The encoding is reversible; name_file shortens the long
 * ones irreversibly, and the manifest keeps the real name beside each file.
 */
#ifndef DBKIT_NAME_H
#define DBKIT_NAME_H

#include <stddef.h>

/* Encodes name into out (3 * strlen + 1 bytes suffice).  0, or -1 if short. */
int name_encode(const char *name, char *out, size_t outlen);

/* The longest file name name_file makes, in bytes. */
#define NAME_FILE_MAX 100

/*
 * A file name for an identifier: its encoding when that is at most
 * NAME_FILE_MAX bytes, else the encoding of as many whole (UTF-8)
 * characters as leave room for "~" and 16 hex digits of XXH3-64 of the
 * name, then those.  out needs NAME_FILE_MAX + 1 bytes.  0, or -1 (out
 * empty).
 */
int name_file(const char *name, char *out, size_t outlen);

/* Decodes a name encoded by name_encode.  0, or -1 when malformed/short. */
int name_decode(const char *encoded, char *out, size_t outlen);

/*
 * Quotes an identifier for SQL: `name` with every backtick doubled.  Writes
 * into out (2 * strlen + 3 bytes suffice).  0, or -1 if out is short,
 * and then out holds the empty string, never a cut or unterminated name.
 */
int name_quote(const char *name, char *out, size_t outlen);

#endif
