/* SPDX-License-Identifier: ISC */
/*
 * keys: what opens an encrypted backup, from DB_BACKUP_IDENTITY_FILE and
 * DB_BACKUP_PASSPHRASE_FILE (--identity-file, --passphrase-file).
 */
#ifndef DBRESTORE_KEYS_H
#define DBRESTORE_KEYS_H

#include <stddef.h>

#include "age.h"
#include "settings.h"

/*
 * Fills k (zeroed) from s: 1 when an identity file or a passphrase file
 * was given, 0 when neither, -1 with err when one cannot be read.  An
 * identity file that group or others may read gets a warning, as ssh
 * gives for a private key.
 */
int keys_load(const struct settings *s, struct age_keys *k, char *err,
    size_t errlen);

#endif
