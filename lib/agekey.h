/* SPDX-License-Identifier: ISC */
/*
 * agekey: the keys of the age format (lib/age.h) as users hold them:
 * X25519 recipients ("age1...", what a backup is encrypted to), X25519
 * identities ("AGE-SECRET-KEY-1...", what opens it) in age-keygen's
 * identity files and age's recipients files, a new key pair in
 * age-keygen's format, and a passphrase file.  Secrets are wiped from
 * memory when they are freed and never appear in messages: a bad line is
 * named by its file and number, never quoted.
 */
#ifndef DBKIT_AGEKEY_H
#define DBKIT_AGEKEY_H

#include <stddef.h>

#define AGE_KEY_SIZE 32		/* an X25519 scalar or point */
#define AGE_RECIPIENT_LEN 62	/* strlen("age1...") */
#define AGE_IDENTITY_LEN 74	/* strlen("AGE-SECRET-KEY-1...") */
#define AGE_KEYFILE_MAX (1u << 20)	/* largest key or passphrase file */

/* X25519 public keys to encrypt to. */
struct age_recipients {
	unsigned char (*keys)[AGE_KEY_SIZE];
	size_t count, cap;
};

/* One X25519 identity: the secret scalar and its public key. */
struct age_identity {
	unsigned char secret[AGE_KEY_SIZE];
	unsigned char recipient[AGE_KEY_SIZE];
};

/* X25519 identities to decrypt with. */
struct age_identities {
	struct age_identity *keys;
	size_t count, cap;
};

/*
 * Parses one "age1..." recipient (lower case, as age-keygen prints it)
 * and appends it to rs (zeroed before the first call).  0, or -1 with
 * "recipient: why" in err.
 */
int age_recipients_add(struct age_recipients *rs, const char *recipient,
    char *err, size_t errlen);

/*
 * Appends the recipients of an age recipients file: one "age1..." per
 * line, blank lines and lines starting with '#' ignored.  A file with no
 * recipient is an error.  0, or -1 with "path: line N: why" in err (and
 * rs as it was).
 */
int age_recipients_load(struct age_recipients *rs, const char *path,
    char *err, size_t errlen);

/* Frees what rs holds and zeroes it. */
void age_recipients_clear(struct age_recipients *rs);

/*
 * Parses one "AGE-SECRET-KEY-1..." identity (upper case) and appends it
 * to ids (zeroed before the first call).  0, or -1 with "identity: why".
 */
int age_identities_add(struct age_identities *ids, const char *identity,
    char *err, size_t errlen);

/*
 * Appends the identities of an identity file as age-keygen writes it:
 * one AGE-SECRET-KEY-1... per line, blank lines and lines starting with
 * '#' ignored; several keys are allowed, none is an error.  0, or -1 with
 * "path: line N: why" in err (and ids as it was).
 */
int age_identities_load(struct age_identities *ids, const char *path,
    char *err, size_t errlen);

/* Wipes and frees what ids holds and zeroes it. */
void age_identities_clear(struct age_identities *ids);

/* Writes the "age1..." form of a recipient key and a NUL into out. */
void age_recipient_format(const unsigned char key[AGE_KEY_SIZE],
    char out[AGE_RECIPIENT_LEN + 1]);

/*
 * Makes a new identity and writes it to fd in age-keygen's format
 * ("# created: RFC 3339 time", "# public key: age1...", the secret key),
 * which age-keygen -y and age -i read; its recipient goes into recipient
 * for the caller to show.  0, or -1 with "keygen: why" in err.
 */
int age_keygen(int fd, char recipient[AGE_RECIPIENT_LEN + 1], char *err,
    size_t errlen);

/*
 * Reads a passphrase file: its one line, without the line end (LF or
 * CRLF).  An empty passphrase, a second line or a NUL byte is an error.
 * Returns the passphrase (free it with age_passphrase_free), or NULL with
 * "path: why" in err.
 */
char *age_passphrase_load(const char *path, char *err, size_t errlen);

/* Wipes and frees a passphrase from age_passphrase_load. */
void age_passphrase_free(char *passphrase);

#endif
