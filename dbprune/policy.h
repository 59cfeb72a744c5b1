/* SPDX-License-Identifier: ISC */
/*
 * policy: which backups a prune keeps and why.  Pure decisions over the
 * scanned catalogue: no file is touched here, so --dry-run and the real
 * run cannot disagree.
 */
#ifndef DBPRUNE_POLICY_H
#define DBPRUNE_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "catalog.h"

struct policy {
	long long days;			/* 0: no age rule */
	long long keep_last, keep_daily, keep_weekly, keep_monthly;
	long long partial_age_s;	/* stale .partial directories go */
};

enum action { ACT_KEEP, ACT_DELETE, ACT_DAMAGED };

struct decision {
	enum action action;
	char reasons[512];		/* "; "-separated, for people */
	bool in_use;			/* kept this run: a reader holds it */
};

/*
 * Decides for each of the n items (oldest first) at time now.  decisions
 * has n entries.  Damaged entries and backups dated in the future are
 * never deleted; the newest complete full backup that is not dated in the
 * future and pinned backups are always kept; a kept backup keeps the
 * backups it depends on.
 */
void policy_decide(const struct policy *p, const struct catalog_item *items,
    size_t n, time_t now, struct decision *decisions);

/* Keeps item i after all, for why, with the backups it depends on. */
void policy_keep(const struct catalog_item *items, size_t n,
    struct decision *decisions, size_t i, const char *why);

#endif
