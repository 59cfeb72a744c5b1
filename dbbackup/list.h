/* SPDX-License-Identifier: ISC */
/*
 * list: the verbs of dbbackup that read the catalogue instead of a
 * server: list, pin and unpin.  They never connect.
 */
#ifndef DBBACKUP_LIST_H
#define DBBACKUP_LIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/*
 * Prints every entry of the catalogue at root and the totals, as text or
 * as one JSON document, to out.  A missing root is an empty catalogue.
 * Returns an exit status; when it is not 0, err says why.
 */
int list_catalog(const char *root, bool json, FILE *out, char *err,
    size_t errlen);

/*
 * Pins (pin true) or unpins the complete backup id in root and prints
 * "pinned ID" or "unpinned ID" to out.  Returns an exit status; when it
 * is not 0, err says why.
 */
int list_pin(const char *root, const char *id, bool pin, FILE *out, char *err,
    size_t errlen);

#endif
