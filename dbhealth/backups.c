/* SPDX-License-Identifier: ISC */
/*
 * backups: whether last night's backup happened.  The catalogue is read
 * as dbbackup sees it (catalog_scan), and the check is the age of the
 * newest complete backup of type full: the one a restore after losing
 * the server starts from.  A partial or damaged backup does not count,
 * however new, and the message names it so the DBA knows why an older
 * one is judged.  A backup dated in the future (a wrong clock) does not
 * count either: it would pass for brand new for as long as the clock was
 * off.  Its existence is a warning at least, named in the message.  A
 * catalogue that cannot be read is critical with the reason, never a
 * usage error: a monitor that stops cannot alert.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backups.h"
#include "catalog.h"
#include "conn.h"
#include "manifest.h"
#include "health.h"

/* Writes s seconds as people read an age: "1d 3h", "5h 12m", "45s". */
static void
format_age(double s, char *buf, size_t len)
{
	static const struct {
		long long seconds;
		char unit;
	} units[] = { { 86400, 'd' }, { 3600, 'h' }, { 60, 'm' }, { 1, 's' } };
	long long left = llround(s), big, small;
	char n[64];
	size_t i;

	if (s < 60) {
		/* Decimals only for a level set so, such as 0.5. */
		format_number(s, n, sizeof(n));
		snprintf(buf, len, "%ss", n);
		return;
	}
	for (i = 0; left < units[i].seconds; i++)
		;
	big = left / units[i].seconds;
	small = left % units[i].seconds / units[i + 1].seconds;
	if (small == 0)
		snprintf(buf, len, "%lld%c", big, units[i].unit);
	else
		snprintf(buf, len, "%lld%c %lld%c", big, units[i].unit, small,
		    units[i + 1].unit);
}

/*
 * The newest complete full backup in items (oldest first) not dated in
 * the future, or NULL; in *passed, the newest unfinished or damaged full
 * backup after it, or NULL; in *future, the newest entry dated in the
 * future, or NULL.
 */
static const struct catalog_item *
newest_full(const struct catalog_item *items, size_t n,
    const struct catalog_item **passed, const struct catalog_item **future)
{
	size_t i;

	*passed = NULL;
	*future = NULL;
	for (i = n; i-- > 0;)
		if (items[i].future) {
			*future = &items[i];
			break;
		}
	for (i = n; i-- > 0;) {
		if (strcmp(items[i].e.type, "full") != 0 || items[i].future)
			continue;
		if (items[i].state == CATALOG_COMPLETE)
			return &items[i];
		if (*passed == NULL)
			*passed = &items[i];
	}
	return NULL;
}

/* The newest complete backup of any type not dated in the future. */
static const struct catalog_item *
newest_any(const struct catalog_item *items, size_t n)
{
	for (size_t i = n; i-- > 0;)
		if (items[i].state == CATALOG_COMPLETE && !items[i].future)
			return &items[i];
	return NULL;
}

/* The message for backup b of age age_s, whose status is st on check id. */
static void
describe(const struct catalog_item *b, double age_s, enum status st,
    const struct limits *l, enum check_id id, char *buf, size_t len)
{
	char age[80], level[80];

	format_age(age_s, age, sizeof(age));
	if (st == ST_OK) {
		snprintf(buf, len, "%s, %s old", b->e.id, age);
		return;
	}
	format_age(st == ST_CRITICAL ? l->critical[id] : l->warning[id], level,
	    sizeof(level));
	snprintf(buf, len, "%s, %s old: above %s level %s", b->e.id, age,
	    status_name(st), level);
}

/*
 * The age at now of backup b on check id, its status and its message;
 * without a backup, critical with none_message.
 */
static enum status
judge(const struct catalog_item *b, const struct limits *l,
    enum check_id id, time_t now, double *age_s, char *message, size_t len,
    const char *none_message)
{
	enum status st;

	*age_s = 0;
	if (b == NULL) {
		snprintf(message, len, "%s", none_message);
		return ST_CRITICAL;
	}
	/* Up to CATALOG_FUTURE_S ahead (clocks differ a little): 0. */
	*age_s = fmax(0, difftime(now, b->e.taken_at));
	st = threshold_judge(l, id, *age_s);
	describe(b, *age_s, st, l, id, message, len);
	return st;
}

/* Adds check id with its age (when has_age) and levels; raises t's status. */
static void
add_age(struct target *t, const struct limits *l, enum check_id id,
    enum status st, bool has_age, double age_s, const char *message)
{
	struct check *c;

	if ((c = check_append(t, id, st, "%s", message)) != NULL) {
		c->has_number = has_age;
		c->number = age_s;
		c->warning = l->warning[id];
		c->critical = l->critical[id];
	}
	if (st > t->status)
		t->status = st;
}

void
backups_run(struct target *t, const struct limits *l, time_t now)
{
	const struct catalog_item *newest = NULL, *passed = NULL;
	const struct catalog_item *future = NULL;
	struct catalog_item *items = NULL;
	char **foreign = NULL;
	size_t n = 0, n_foreign = 0, used;
	char message[768], none[512];
	enum status st = ST_CRITICAL;
	double age_s = 0;
	bool scanned = false;

	t->reachable = true;
	if (catalog_scan(t->catalog, now, &items, &n, &foreign, &n_foreign,
	    message, sizeof(message)) == -1)
		goto out;
	scanned = true;
	newest = newest_full(items, n, &passed, &future);
	snprintf(none, sizeof(none), "no complete full backup in %s",
	    t->catalog);
	st = judge(newest, l, CHECK_BACKUP_AGE, now, &age_s, message,
	    sizeof(message), none);
	if (future != NULL && st == ST_OK)
		st = ST_WARNING;
	used = strlen(message);
	if (passed != NULL)
		used += (size_t)snprintf(message + used, sizeof(message) - used,
		    " (%s%s is %s%s", newest != NULL ? "newer " : "",
		    passed->name, passed->state == CATALOG_PARTIAL ?
		    "unfinished" : "damaged", future != NULL ? ";" : ")");
	if (future != NULL && used < sizeof(message))
		snprintf(message + used, sizeof(message) - used, "%s%s is "
		    "dated in the future: check the clock)", passed != NULL ?
		    " " : " (", future->name);
out:
	add_age(t, l, CHECK_BACKUP_AGE, st, newest != NULL, age_s, message);
	/*
	 * newest_backup_age: any type, incrementals included, for a schedule
	 * of fulls and incrementals.  A catalogue that does not read is
	 * backup_age's to report.
	 */
	if (scanned) {
		const struct catalog_item *any = newest_any(items, n);

		snprintf(none, sizeof(none), "no complete backup in %s",
		    t->catalog);
		st = judge(any, l, CHECK_NEWEST_BACKUP_AGE, now, &age_s, message,
		    sizeof(message), none);
		add_age(t, l, CHECK_NEWEST_BACKUP_AGE, st, any != NULL, age_s,
		    message);
	}
	catalog_scan_free(items, foreign, n_foreign);
}

/* The newest complete full or incremental backup, not dated ahead. */
static const struct catalog_item *
newest_link(const struct catalog_item *items, size_t n)
{
	for (size_t i = n; i-- > 0;)
		if (items[i].state == CATALOG_COMPLETE && !items[i].future &&
		    (strcmp(items[i].e.type, "full") == 0 ||
		    strcmp(items[i].e.type, "incremental") == 0))
			return &items[i];
	return NULL;
}

/* Whether m's SHOW BINARY LOGS lists file, at least pos bytes long. */
static int
server_holds(MYSQL *m, const char *file, long long pos, bool *held,
    char *err, size_t errlen)
{
	MYSQL_RES *res;
	MYSQL_ROW row;

	*held = false;
	if ((res = conn_select(m, "SHOW BINARY LOGS", err, errlen)) == NULL)
		return -1;
	while ((row = mysql_fetch_row(res)) != NULL)
		if (row[0] != NULL && strcmp(row[0], file) == 0)
			*held = row[1] != NULL && strtoll(row[1], NULL, 10) >= pos;
	mysql_free_result(res);
	return 0;
}

void
backups_binlog_check(struct target *t, MYSQL *m)
{
	struct catalog_item *items = NULL;
	const struct catalog_item *b;
	char **foreign = NULL, dir[8192], err[1024];
	size_t n = 0, n_foreign = 0;
	const json_t *snap;
	json_t *man = NULL;
	const char *file;
	long long pos;
	bool held;

	if (catalog_scan(t->backups, time(NULL), &items, &n, &foreign,
	    &n_foreign, err, sizeof(err)) == -1 ||
	    (b = newest_link(items, n)) == NULL)
		goto out;		/* the backups target reports it */
	snprintf(dir, sizeof(dir), "%s/%s", t->backups, b->name);
	if ((man = manifest_read(dir, err, sizeof(err))) == NULL ||
	    json_integer_value(json_object_get(json_object_get(man, "server"),
	    "server_id")) != t->server_id)
		goto out;
	snap = json_object_get(man, "snapshot");
	file = json_string_value(json_object_get(snap, "binlog_file"));
	pos = json_integer_value(json_object_get(snap, "binlog_position"));
	if (file == NULL)
		goto out;
	if (server_holds(m, file, pos, &held, err, sizeof(err)) == -1)
		check_append(t, CHECK_BINLOG_KEPT, ST_UNKNOWN, "SHOW BINARY LOGS: "
		    "%s", err);
	else if (held)
		check_append(t, CHECK_BINLOG_KEPT, ST_OK, "%s:%lld, where %s "
		    "ends, is on the server", file, pos, b->name);
	else
		check_append(t, CHECK_BINLOG_KEPT, ST_CRITICAL, "the server no "
		    "longer holds %s:%lld, where %s ends: the next incremental "
		    "will fail; take a full backup", file, pos, b->name);
out:
	json_decref(man);
	catalog_scan_free(items, foreign, n_foreign);
}
