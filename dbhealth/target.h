/* SPDX-License-Identifier: ISC */
/*
 * target: the servers dbhealth checks, named on the command line as
 * [NAME=][USER@]HOST[:PORT] or [NAME=][USER@]/path/to/socket, or read one
 * per line from a file.  Passwords never appear here: every target uses
 * the password from the settings.
 */
#ifndef DBHEALTH_TARGET_H
#define DBHEALTH_TARGET_H

#include <stddef.h>

#include "health.h"

/*
 * Parses spec into t (zeroed first).  Returns 0, or -1 with "invalid
 * target 'SPEC': why" in err.
 */
int target_parse(struct target *t, const char *spec, char *err,
    size_t errlen);

/* The default target: the one server the settings describe. */
int target_default(struct target *t);

/* Points t->conn at s with t's overrides and fills t->address. */
void target_bind(struct target *t, const struct settings *s);

/*
 * Reads target specs from path, one per line, skipping blank lines and
 * # comments, appending to *targets.  Returns 0 or -1 with err.
 */
int target_read_file(const char *path, struct target **targets, size_t *n,
    char *err, size_t errlen);

/* Appends the target for spec to *targets.  Returns 0 or -1 with err. */
int target_add(struct target **targets, size_t *n, const char *spec,
    char *err, size_t errlen);

/*
 * Appends the pseudo-target "backups" for the catalogue at root, its
 * address.  Returns 0 or -1 with err.
 */
int target_add_backups(struct target **targets, size_t *n, const char *root,
    char *err, size_t errlen);

/* Fails with err when two targets share a name. */
int target_check_unique(const struct target *targets, size_t n, char *err,
    size_t errlen);

void target_free(struct target *t);

#endif
