/* SPDX-License-Identifier: ISC */
/*
 * optfile: reads MySQL-style option files (~/.my.cnf): [group] headers,
 * key=value lines, # and ; comments, quoted values, !include and
 * !includedir.  Only the groups the caller names are passed on.  Option
 * files are read only if they are regular files, within the bounds below.
 */
#ifndef DBKIT_OPTFILE_H
#define DBKIT_OPTFILE_H

#include <stddef.h>

#define OPTFILE_MAX (1 << 20)		/* bytes of one option file */
#define OPTFILE_LINE_MAX 65536		/* bytes of one line */
#define OPTFILE_FILES_MAX 1000		/* files one optfile_read reads */
#define OPTFILE_TOTAL_MAX (16 << 20)	/* bytes of all those files */

/*
 * Called for each key in a wanted group, with '_' in the key turned into
 * '-' and a key without "=" given the value "1".  Returns 0, or -1 with a
 * message in err to stop reading.
 */
typedef int (*optfile_fn)(void *ctx, const char *key, const char *value,
    char *err, size_t errlen);

/*
 * Reads the file at path, passing the keys of the groups listed in the
 * NULL-terminated array groups to fn.  Returns 0 or -1 with "path:line:
 * why" (or "path: why") in err.
 */
int optfile_read(const char *path, const char *const *groups, optfile_fn fn,
    void *ctx, char *err, size_t errlen);

#endif
