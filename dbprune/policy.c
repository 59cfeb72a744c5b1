/* SPDX-License-Identifier: ISC */
/*
 * policy: the rules, in the order they are applied.  Every rule only ever
 * adds reasons to keep; a complete backup with no reason goes.  The
 * calendar rules work as restic's --keep-daily/weekly/monthly do: walking
 * from the newest backup back, the newest backup of each day (ISO week,
 * month) is kept, for the N most recent days (weeks, months) that have a
 * backup.  Days and weeks are UTC, like the ids.  Finally every kept
 * backup keeps the chain it depends on, so a chain never loses a link
 * that something kept still needs, and goes only as a whole.
 *
 * A backup dated in the future (a wrong clock) is kept and counts for no
 * rule: as the newest full backup, or the newest of its day, it would
 * stand in for the real ones for as long as the clock was off.
 */
#include <stdio.h>
#include <string.h>

#include "policy.h"

#define DAY_S 86400LL

static void
keep(struct decision *d, const char *why)
{
	size_t used;

	/* A backup that was to go loses the reason it was going for. */
	if (d->action == ACT_DELETE)
		d->reasons[0] = '\0';
	used = strlen(d->reasons);
	snprintf(d->reasons + used, sizeof(d->reasons) - used, "%s%s",
	    used ? "; " : "", why);
	d->action = ACT_KEEP;
}

/* Whether the keep rules count it: complete, and not dated ahead. */
static bool
counts(const struct catalog_item *it)
{
	return it->state == CATALOG_COMPLETE && !it->future;
}

/* Keeps the newest backup of each of the n newest periods (strftime fmt). */
static void
calendar(const struct catalog_item *items, size_t count, struct decision *d,
    long long n, const char *fmt, const char *name)
{
	char last[32] = "", key[32], why[96];
	long long kept = 0;
	struct tm tm;
	size_t i;

	for (i = count; i-- > 0 && kept < n;) {
		if (!counts(&items[i]))
			continue;
		gmtime_r(&items[i].e.taken_at, &tm);
		strftime(key, sizeof(key), fmt, &tm);
		if (strcmp(key, last) == 0)
			continue;
		snprintf(last, sizeof(last), "%s", key);
		snprintf(why, sizeof(why), "%s #%lld (%s)", name, ++kept, key);
		keep(&d[i], why);
	}
}

/* The index of the item named id, or -1. */
static long
find(const struct catalog_item *items, size_t n, const char *id)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(items[i].e.id, id) == 0 && !items[i].e.partial)
			return (long)i;
	return -1;
}

/* A kept backup keeps its chain, transitively. */
static void
keep_chains(const struct catalog_item *items, size_t n, struct decision *d)
{
	char why[160];
	long parent;
	size_t i;
	bool changed;

	do {
		changed = false;
		for (i = 0; i < n; i++) {
			if (d[i].action != ACT_KEEP || items[i].parent[0] == '\0' ||
			    (parent = find(items, n, items[i].parent)) == -1 ||
			    d[parent].action != ACT_DELETE)
				continue;
			snprintf(why, sizeof(why), "%s depends on it", items[i].e.id);
			keep(&d[parent], why);
			changed = true;
		}
	} while (changed);
}

void
policy_decide(const struct policy *p, const struct catalog_item *items,
    size_t n, time_t now, struct decision *d)
{
	char why[160];
	long long kept = 0;
	long newest_full = -1;
	size_t i;

	for (i = 0; i < n; i++) {
		memset(&d[i], 0, sizeof(d[i]));
		d[i].action = items[i].state == CATALOG_DAMAGED ? ACT_DAMAGED :
		    ACT_DELETE;
		if (counts(&items[i]) && strcmp(items[i].e.type, "full") == 0)
			newest_full = (long)i;
	}
	for (i = 0; i < n; i++) {
		const struct catalog_item *it = &items[i];

		if (it->state == CATALOG_DAMAGED) {
			snprintf(d[i].reasons, sizeof(d[i].reasons), "damaged, never "
			    "deleted by a policy: %.400s", it->why);
			continue;
		}
		if (it->future) {
			keep(&d[i], "dated in the future (check the clock), "
			    "never deleted by a policy");
			continue;
		}
		if (it->state == CATALOG_PARTIAL) {
			if (now - it->e.taken_at < p->partial_age_s)
				keep(&d[i], "unfinished, maybe still running or "
				    "just stopped");
			else
				snprintf(d[i].reasons, sizeof(d[i].reasons),
				    "unfinished backup left by a run that stopped");
			continue;
		}
		if (it->pinned)
			keep(&d[i], "pinned");
		if ((long)i == newest_full)
			keep(&d[i], "newest complete full backup");
		if (p->days > 0 && now - it->e.taken_at < p->days * DAY_S) {
			snprintf(why, sizeof(why), "within %lld day%s", p->days,
			    p->days == 1 ? "" : "s");
			keep(&d[i], why);
		}
	}
	for (i = n; i-- > 0 && kept < p->keep_last;)
		if (counts(&items[i])) {
			snprintf(why, sizeof(why), "last #%lld", ++kept);
			keep(&d[i], why);
		}
	calendar(items, n, d, p->keep_daily, "%Y-%m-%d", "daily");
	calendar(items, n, d, p->keep_weekly, "%G-W%V", "weekly");
	calendar(items, n, d, p->keep_monthly, "%Y-%m", "monthly");
	keep_chains(items, n, d);

	for (i = 0; i < n; i++)
		if (d[i].action == ACT_DELETE && d[i].reasons[0] == '\0')
			snprintf(d[i].reasons, sizeof(d[i].reasons), "%s",
			    p->days > 0 ? "older than the age limit, kept by no "
			    "rule" : "kept by no rule");
}

void
policy_keep(const struct catalog_item *items, size_t n, struct decision *d,
    size_t i, const char *why)
{
	keep(&d[i], why);
	keep_chains(items, n, d);
}
