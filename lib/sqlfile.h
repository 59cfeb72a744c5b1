/* SPDX-License-Identifier: ISC */
/*
 * sqlfile: the backup's schema files: SQL statements, each ended by a
 * line ";;" after a "DELIMITER ;;" header, so that `zcat FILE | mariadb`
 * runs them (trigger and routine bodies contain ';') and dbrestore can
 * split them without parsing SQL.
 */
#ifndef DBKIT_SQLFILE_H
#define DBKIT_SQLFILE_H

#include <stddef.h>

#include "gzwrite.h"

#define SQLFILE_HEADER "DELIMITER ;;\n"
#define SQLFILE_END "\n;;\n"

/* Writes the header; once, first.  0 or -1 with err. */
int sqlfile_begin(struct gzw *w, char *err, size_t errlen);

/* Writes one statement and its end marker.  0 or -1 with err. */
int sqlfile_add(struct gzw *w, const char *stmt, char *err, size_t errlen);

/* The same for a statement of len bytes (in any character set). */
int sqlfile_add_len(struct gzw *w, const char *stmt, size_t len, char *err,
    size_t errlen);

/*
 * Reads the statements of the file at path into a malloc'd array of
 * malloc'd strings.  Returns the array (possibly empty, *n == 0), or NULL
 * with err.
 */
char **sqlfile_read(const char *path, size_t *n, char *err, size_t errlen);

void sqlfile_free(char **stmts, size_t n);

#endif
