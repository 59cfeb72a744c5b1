/* SPDX-License-Identifier: ISC */
/*
 * triggers: a data-only restore into tables with triggers is refused,
 * unless --disable-triggers drops them for the load and creates them
 * again after.
 */
#ifndef DBRESTORE_TRIGGERS_H
#define DBRESTORE_TRIGGERS_H

#include "restore.h"

int triggers_check(struct restore *r, char *err, size_t errlen);
int triggers_drop(struct restore *r, char *err, size_t errlen);
int triggers_restore(struct restore *r, char *err, size_t errlen);

#endif
