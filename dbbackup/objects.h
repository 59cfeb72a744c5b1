/* SPDX-License-Identifier: ISC */
/*
 * objects: the views, routines, triggers and events of the backed-up
 * databases, each with the context it was created in, and what each view
 * reads.
 */
#ifndef DBBACKUP_OBJECTS_H
#define DBBACKUP_OBJECTS_H

#include <stddef.h>

#include "backup.h"

/* The file name (without ".gz") of a database's objects of kind k. */
extern const char *const objects_file_names[OBJ_KINDS];

/* The manifest's name of an object's type: "view", "package body", ... */
const char *objects_kind_name(const struct object *o);

/*
 * Lists every database's objects with their context, then resolves what
 * each view reads and warns (stderr) about views that a restore of this
 * backup cannot create: ones reading what --exclude left out or what is
 * in another database, and ones the server says are invalid.  0 or -1.
 */
int objects_read(struct backup *b, char *err, size_t errlen);

/*
 * Writes d's objects into one file per kind: for each object a SET of its
 * context, then its SHOW CREATE statement as the server stored it (read
 * with character_set_results = binary: in the object's own character
 * set).  0 or -1.
 */
int objects_write(struct backup *b, struct database *d, char *err,
    size_t errlen);

void objects_free(struct database *d);

#endif
