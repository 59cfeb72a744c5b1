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

#include "gzw.h"

#define SQLFILE_HEADER "DELIMITER ;;\n"
#define SQLFILE_END "\n;;\n"
#define SQLFILE_STMT_MAX (64u << 20)	/* the longest statement read */
#define SQLFILE_READ_MAX (256u << 20)	/* all of sqlfile_read's statements */

/* Writes the header; once, first.  0 or -1 with err. */
int sqlfile_begin(struct gzw *w, char *err, size_t errlen);

/* Writes one statement and its end marker.  0 or -1 with err. */
int sqlfile_add(struct gzw *w, const char *stmt, char *err, size_t errlen);

/* The same for a statement of len bytes (in any character set). */
int sqlfile_add_len(struct gzw *w, const char *stmt, size_t len, char *err,
    size_t errlen);

/* A schema file being read, one statement at a time. */
struct sqlfile;

/*
 * Opens the schema file rel in the backup directory dir (fs_open_in),
 * decrypting it with keys when it is encrypted (gzr_fdopen), and checks
 * its header.  Returns NULL with "dir/rel: why" in err.
 */
struct sqlfile *sqlfile_open(const char *dir, const char *rel,
    struct age_keys *keys, char *err, size_t errlen);

/*
 * The next statement: returns 1 with *stmt pointing to it (NUL-terminated,
 * valid until the next call), 0 after the last one, or -1 with err (a
 * statement longer than SQLFILE_STMT_MAX, a NUL byte, a last statement
 * without its end marker, a damaged file).
 */
int sqlfile_next(struct sqlfile *f, const char **stmt, char *err,
    size_t errlen);

void sqlfile_close(struct sqlfile *f);

/*
 * Reads all the statements of rel in dir (at most SQLFILE_READ_MAX bytes
 * of them) into a malloc'd array of malloc'd strings, for a caller that
 * goes over them more than once.  Returns the array (possibly empty,
 * *n == 0), or NULL with err.
 */
char **sqlfile_read(const char *dir, const char *rel, struct age_keys *keys,
    size_t *n, char *err, size_t errlen);

void sqlfile_free(char **stmts, size_t n);

#endif
