/* SPDX-License-Identifier: ISC */
/*
 * plan: turns the manifest and the selection flags into the list of what
 * to restore; every name the user gives must exist in the backup.
 */
#ifndef DBRESTORE_PLAN_H
#define DBRESTORE_PLAN_H

#include "restore.h"

int plan_build(struct restore *r, char *err, size_t errlen);
void plan_free(struct restore *r);

#endif
