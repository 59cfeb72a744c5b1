/* SPDX-License-Identifier: ISC */
/*
 * age: files in the age v1 format (age-encryption.org/v1, C2SP age.md),
 * which the stock age program opens: a text header that wraps a random
 * file key for each X25519 recipient (or for one scrypt passphrase), then
 * the payload in 64 KiB chunks, each authenticated on its own.  Both
 * directions stream through callbacks with one chunk in memory, so a
 * writer can sit under a compressor and a reader under a decompressor.
 * Keys and key files are in lib/agekey.h.
 *
 * A reader releases only authenticated plaintext, and a payload that is
 * altered, cut short, or followed by anything fails: at the end, not
 * silently.  File keys, passphrases and derived keys are wiped after use
 * and never appear in messages.
 */
#ifndef DBKIT_AGE_H
#define DBKIT_AGE_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "agekey.h"

#define AGE_CHUNK_SIZE (64u * 1024)	/* plaintext bytes per chunk */
#define AGE_SCRYPT_LOG_N_DEFAULT 18	/* age -p's work factor: 256 MiB */
/*
 * The largest scrypt work factor written or read, age's own limit: 2^22
 * takes 4 GiB and seconds.  A header asking for more is refused.
 */
#define AGE_SCRYPT_LOG_N_MAX 22

/* Writes all of buf somewhere.  0, or -1 with "what: why" in err. */
typedef int age_write_fn(void *ctx, const void *buf, size_t len, char *err,
    size_t errlen);

/*
 * Reads up to len bytes into buf.  The count (> 0), 0 at the end, or -1
 * with "what: why" in err.
 */
typedef ssize_t age_read_fn(void *ctx, void *buf, size_t len, char *err,
    size_t errlen);

/* An age_write_fn for the descriptor *(int *)ctx. */
int age_write_fd(void *ctx, const void *buf, size_t len, char *err,
    size_t errlen);

/* An age_read_fn for the descriptor *(int *)ctx. */
ssize_t age_read_fd(void *ctx, void *buf, size_t len, char *err,
    size_t errlen);

struct age_writer;

/*
 * Starts a file encrypted to the recipients in to (at least one): writes
 * its header and payload nonce through out(ctx, ...).  Returns the
 * writer, or NULL with "age: why" or out's message in err.
 */
struct age_writer *age_writer_open(const struct age_recipients *to,
    age_write_fn *out, void *ctx, char *err, size_t errlen);

/*
 * age_writer_open for a passphrase instead: one scrypt stanza with a work
 * factor of 2^log_n (1 to AGE_SCRYPT_LOG_N_MAX; age -p uses 18), which
 * costs 2^log_n KiB of memory and the matching time, once per file.
 */
struct age_writer *age_writer_open_passphrase(const char *passphrase,
    int log_n, age_write_fn *out, void *ctx, char *err, size_t errlen);

/*
 * Encrypts len bytes; each full chunk is written out once more data
 * follows it.  0, or -1 with err (and every later call fails).
 */
int age_write(struct age_writer *w, const void *buf, size_t len, char *err,
    size_t errlen);

/*
 * Writes the final chunk, which ends the file.  0, or -1 with err (the
 * file is then incomplete).  Wipes and frees w either way.
 */
int age_writer_close(struct age_writer *w, char *err, size_t errlen);

/* Wipes and frees w without ending the file (after an error). */
void age_writer_abort(struct age_writer *w);

/* Why age_reader_open failed, as the C2SP test vectors class failures. */
enum age_status {
	AGE_OK,
	AGE_ERR_SYSTEM,		/* in's error, out of memory */
	AGE_ERR_HEADER,		/* not age v1, or a malformed header */
	AGE_ERR_NO_MATCH,	/* no identity or passphrase opens a stanza */
	AGE_ERR_HMAC,		/* the header was altered */
};

struct age_reader;

/*
 * Reads a file's header through in(ctx, ...), unwraps its file key with
 * one of ids (may be NULL) or passphrase (may be NULL), checks the header
 * MAC and reads the payload nonce.  Returns the reader, or NULL with the
 * class in *status and "age: why" (or in's message) in err.  scrypt
 * stanzas are only accepted alone, up to AGE_SCRYPT_LOG_N_MAX.
 */
struct age_reader *age_reader_open(age_read_fn *in, void *ctx,
    const struct age_identities *ids, const char *passphrase,
    enum age_status *status, char *err, size_t errlen);

/*
 * Reads up to len (> 0) bytes of authenticated plaintext.  The count (> 0), 0
 * at the end of a complete file, or -1 with err when the payload is
 * altered, truncated, has data after its final chunk, or in fails; every
 * later call fails the same way.
 */
ssize_t age_read(struct age_reader *r, void *buf, size_t len, char *err,
    size_t errlen);

/* Wipes and frees r. */
void age_reader_close(struct age_reader *r);

/*
 * What a program holds to write or read many files, such as the files of
 * a backup, from several threads: recipients or a passphrase to seal,
 * identities and a passphrase to open.  Sealing to recipients wraps a new
 * file key for each file.  A passphrase would cost one scrypt run per
 * file (2^log_n KiB and about a second at age's 18), so the first file
 * sealed with it makes one file key and one scrypt stanza that every
 * later file reuses; each file still starts with its own random payload
 * nonce, hence its own payload key.  Opening remembers the key the last
 * scrypt stanza gave (its salt and work factor), so that the files of
 * one backup cost one scrypt run, not one each.
 *
 * Fill in the public fields (zero the struct first), then use the
 * functions; age_keys_clear wipes and frees it all.
 */
struct age_keys {
	struct age_recipients to;	/* sealing */
	struct age_identities ids;	/* opening */
	char *passphrase;		/* both; from age_passphrase_load */
	int log_n;			/* sealing with the passphrase */
	/* The module's: the passphrase's file key and stanza, and the last
	   scrypt result when opening. */
	pthread_mutex_t lock;
	bool lock_ready;
	unsigned char *seal_key;	/* sodium_malloc'd file key */
	char *seal_stanza;
	unsigned char open_salt[16];
	int open_log_n;
	unsigned char *open_wrap;	/* sodium_malloc'd, or NULL */
};

/* Starts the lock; call once before the keys are used.  0, or -1. */
int age_keys_init(struct age_keys *k, char *err, size_t errlen);

/* age_writer_open or the passphrase's shared header, as k says. */
struct age_writer *age_writer_open_keys(struct age_keys *k,
    age_write_fn *out, void *ctx, char *err, size_t errlen);

/* age_reader_open with k's identities and passphrase. */
struct age_reader *age_reader_open_keys(age_read_fn *in, void *ctx,
    struct age_keys *k, enum age_status *status, char *err,
    size_t errlen);

/* Wipes and frees what k holds. */
void age_keys_clear(struct age_keys *k);

#endif
