/* SPDX-License-Identifier: ISC */
/*
 * objects: the views, routines, triggers and events of a restore, what
 * to create after the data, in an order that works across every
 * database: routines, views (each after the views it reads), triggers,
 * events.
 */
#ifndef DBRESTORE_OBJECTS_H
#define DBRESTORE_OBJECTS_H

#include "restore.h"

int objects_plan(struct restore *r, char *err, size_t errlen);
void objects_free(struct restore *r);
void objects_free_list(struct robj *objs, size_t n);
/* "view shop.v" (or "a view of shop") for messages. */
void objects_describe(const struct robj *o, char *buf, size_t len);
/* Whether the backup holds a table or sequence name in d, restored or not. */
bool objects_backup_has_table(const struct rdb *d, const char *name);

#endif
