/* SPDX-License-Identifier: ISC */
/*
 * pin: dbbackup pin and unpin, which keep a backup from dbprune.
 */
#ifndef DBBACKUP_PIN_H
#define DBBACKUP_PIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/*
 * Pins (pin true) or unpins the complete backup id in root and prints
 * "pinned ID" or "unpinned ID" to out.  Returns an exit status; when it
 * is not 0, err says why.
 */
int pin_backup(const char *root, const char *id, bool pin, FILE *out,
    char *err, size_t errlen);

#endif
