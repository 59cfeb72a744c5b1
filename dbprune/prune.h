/* SPDX-License-Identifier: ISC */
/*
 * prune: one run of dbprune, from the scan of the catalogue to the last
 * deletion.  What it did is a struct prune_result, which report.c
 * renders as text or JSON.
 */
#ifndef DBPRUNE_PRUNE_H
#define DBPRUNE_PRUNE_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "catalog.h"
#include "policy.h"

struct prune_result {
	const char *path;		/* the catalogue */
	struct policy policy;		/* as applied */
	bool dry_run;			/* nothing was deleted */
	time_t now;			/* the time the policy was applied at */
	struct catalog_item *items;	/* every backup, oldest first */
	struct decision *decisions;	/* each item's fate and why */
	size_t n;			/* items and decisions */
	char **foreign;			/* entries that are not backups */
	size_t n_foreign;
	size_t kept, deleted;		/* deleted: would be, with dry_run */
	long long freed_bytes;		/* the size of the deleted backups */
	bool failed;			/* a damaged or future-dated entry, or
					 * a deletion that failed: exit 1 */
};

/*
 * Under the catalogue lock, scans the catalogue at path, applies policy
 * p, keeps what a reader holds and deletes the rest that goes (nothing
 * with dry_run), oldest first, warning on stderr of each damaged or
 * future-dated entry and each deletion that fails.  Fills r (to be freed
 * with prune_result_free whatever the outcome) and returns 0, or -1 with
 * err when it could not run: then nothing was deleted.
 */
int prune_run(const char *path, const struct policy *p, bool dry_run,
    struct prune_result *r, char *err, size_t errlen);

/* Frees what prune_run allocated in r. */
void prune_result_free(struct prune_result *r);

#endif
