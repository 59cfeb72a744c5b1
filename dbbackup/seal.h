/* SPDX-License-Identifier: ISC */
/*
 * seal: what encrypts a backup, from the settings (DB_BACKUP_ENCRYPTION,
 * DB_BACKUP_RECIPIENTS, DB_BACKUP_RECIPIENTS_FILE,
 * DB_BACKUP_PASSPHRASE_FILE), and dbbackup keygen.
 */
#ifndef DBBACKUP_SEAL_H
#define DBBACKUP_SEAL_H

#include <stddef.h>

#include "age.h"
#include "settings.h"

/*
 * Fills k (zeroed) from s when encryption is on: 1; 0 when it is off
 * and no key was given; -1 with err for a usage error (on with nothing
 * to encrypt to, recipients and a passphrase at once, a key given while
 * encryption is off, a bad key or file).
 */
int seal_setup(const struct settings *s, struct age_keys *k, char *err,
    size_t errlen);

/*
 * dbbackup keygen [FILE]: a new identity in age-keygen's format, into
 * FILE (created, mode 0600) with its public key on stdout, or onto
 * stdout with the public key on stderr, as age-keygen does.  Returns the
 * exit status.
 */
int seal_keygen(const char *path);

#endif
