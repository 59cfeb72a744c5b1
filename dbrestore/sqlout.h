/* SPDX-License-Identifier: ISC */
/*
 * sqlout: --sql, the backup as one plain SQL stream for a stock mariadb
 * client, in the order of a restore.
 */
#ifndef DBRESTORE_SQLOUT_H
#define DBRESTORE_SQLOUT_H

#include <stdio.h>

#include "restore.h"

int sqlout_write(struct restore *r, FILE *f, char *err, size_t errlen);

#endif
