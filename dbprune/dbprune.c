/* SPDX-License-Identifier: ISC */
/*
 * dbprune: retention for the dbkit backup catalogue.  It takes the same
 * lock as dbbackup, scans the catalogue, lets policy.c decide, prints
 * every entry with the reasons, and deletes what goes, oldest first, so
 * an interrupted prune leaves the newer backups.  A backup is first
 * renamed to ID.partial, so a prune killed halfway leaves an unfinished
 * directory that no restore takes for a backup, never a backup with files
 * missing.  It never deletes what it does not recognise, never follows a
 * symbolic link, and never deletes a damaged entry or one dated in the
 * future: those are reported, and the exit status is 1 so that cron mails
 * the user.
 *
 * Nor does it delete a backup that is being read: dbrestore, dbbackup
 * list and dbhealth hold a shared lock on a backup's directory while they
 * read it, and a backup is deleted only under an exclusive one
 * (catalog_claim).  Before deleting anything, every candidate is tried,
 * so a backup in use is kept this run together with what it depends on.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "catalog.h"
#include "cli.h"
#include "exitcode.h"
#include "fsutil.h"
#include "human.h"
#include "jsonout.h"
#include "policy.h"
#include "settings.h"
#include "table.h"
#include "timeutil.h"

#ifndef DBKIT_VERSION
#define DBKIT_VERSION "unknown"
#endif

enum {
	OPT_DAYS = 0x2000,
	OPT_KEEP_LAST,
	OPT_KEEP_DAILY,
	OPT_KEEP_WEEKLY,
	OPT_KEEP_MONTHLY,
	OPT_PARTIAL_AGE,
};

struct options {
	struct policy policy;
	bool days_set;
	bool dry_run;
	bool json;
};

static void
usage(void)
{
	printf(
"usage: dbprune [options]\n"
"\n"
"Deletes the backups of the catalogue that no retention rule keeps.  A backup\n"
"kept by any rule stays; the newest complete full backup, pinned backups\n"
"(dbbackup pin) and the backups a kept one depends on always stay; a backup\n"
"being read (dbrestore) stays this run; one dated in the future is reported.\n"
"Exit status: 0 done, 1 a damaged or future-dated entry was found or a\n"
"deletion failed, 2 usage error.\n"
"\n"
"  -d, --backup-path DIR      the catalogue (DB_BACKUP_PATH, storage/backups)\n"
"      --days N               keep backups younger than N days\n"
"                             (DB_BACKUP_RETENTION_DAYS, 30; 0: no age rule)\n"
"      --keep-last N          keep the N newest backups\n"
"      --keep-daily N         keep the newest backup of each of the last N days\n"
"                             that have one (UTC)\n"
"      --keep-weekly N        the same for ISO weeks\n"
"      --keep-monthly N       the same for months\n"
"      --partial-age DUR      delete unfinished ID.partial directories older\n"
"                             than DUR (default 24h)\n"
"  -n, --dry-run              show what would go and why, delete nothing\n"
"  -j, --json                 print the result as JSON\n"
"      --defaults-file FILE   read this option file instead of ~/.my.cnf\n"
"      --no-defaults          read no option file\n"
"  -V, --version              print the version and exit\n"
"      --help                 print this help and exit\n");
}

static void
parse_options(int argc, char **argv, struct settings *s, struct options *o)
{
	static const struct option longopts[] = {
		{ "backup-path", required_argument, NULL, 'd' },
		{ "days", required_argument, NULL, OPT_DAYS },
		{ "keep-last", required_argument, NULL, OPT_KEEP_LAST },
		{ "keep-daily", required_argument, NULL, OPT_KEEP_DAILY },
		{ "keep-weekly", required_argument, NULL, OPT_KEEP_WEEKLY },
		{ "keep-monthly", required_argument, NULL, OPT_KEEP_MONTHLY },
		{ "partial-age", required_argument, NULL, OPT_PARTIAL_AGE },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "json", no_argument, NULL, 'j' },
		{ "defaults-file", required_argument, NULL, SETOPT_DEFAULTS_FILE },
		{ "no-defaults", no_argument, NULL, SETOPT_NO_DEFAULTS },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, CLI_OPT_HELP },
		{ NULL, 0, NULL, 0 },
	};
	int opt;

	memset(o, 0, sizeof(*o));
	o->policy.partial_age_s = 86400;
	while ((opt = getopt_long(argc, argv, "d:njV", longopts, NULL)) != -1) {
		if (cli_settings_option(EXIT_USAGE, s, opt, optarg))
			continue;
		switch (opt) {
		case 'd':
			cli_setting(EXIT_USAGE, s, "backup-path", optarg);
			break;
		case OPT_DAYS:
			/* Through the settings, so it beats the environment. */
			cli_setting(EXIT_USAGE, s, "days", optarg);
			o->days_set = true;
			break;
		case OPT_KEEP_LAST:
			o->policy.keep_last = cli_integer_arg(EXIT_USAGE,
			    "keep-last", optarg, 0, 1000000);
			break;
		case OPT_KEEP_DAILY:
			o->policy.keep_daily = cli_integer_arg(EXIT_USAGE,
			    "keep-daily", optarg, 0, 1000000);
			break;
		case OPT_KEEP_WEEKLY:
			o->policy.keep_weekly = cli_integer_arg(EXIT_USAGE,
			    "keep-weekly", optarg, 0, 1000000);
			break;
		case OPT_KEEP_MONTHLY:
			o->policy.keep_monthly = cli_integer_arg(EXIT_USAGE,
			    "keep-monthly", optarg, 0, 1000000);
			break;
		case OPT_PARTIAL_AGE:
			o->policy.partial_age_s = cli_duration_arg(EXIT_USAGE,
			    "partial-age", optarg, 0) / 1000;
			break;
		case 'n':
			o->dry_run = true;
			break;
		case 'j':
			o->json = true;
			break;
		default:
			cli_other_option(opt, usage, EXIT_FAILED, EXIT_USAGE);
		}
	}
	if (optind < argc)
		cli_usage_error(EXIT_USAGE, "unexpected argument: '%s'", argv[optind]);
}

static const char *
state_name(enum catalog_state s)
{
	static const char *const names[] = { "complete", "partial", "damaged" };

	return names[s];
}

static const char *
action_name(enum action a)
{
	static const char *const names[] = { "keep", "delete", "damaged" };

	return names[a];
}

#define IN_USE "in use: a reader holds it, kept this run"

/* Whether a reader holds the backup still after up to wait_ms. */
static bool
held_by_reader(const char *root, const struct catalog_item *it,
    double wait_ms)
{
	char msg[512];
	int fd = -1;
	bool busy;

	/* A failure here fails the deletion too, which says why. */
	busy = catalog_claim(root, it->name, wait_ms > 0 ? (long long)wait_ms :
	    0, &fd, msg, sizeof(msg)) == 1;
	if (fd != -1)
		close(fd);
	return busy;
}

/*
 * Keeps this run every deletion candidate that a reader holds, and what
 * it depends on, before anything is deleted.  Each is tried at once; the
 * busy ones again within one CATALOG_WAIT_MS in all, so a brief reader
 * (a listing) does not make the prune skip a backup, nor many readers
 * make it slow.
 */
static void
keep_in_use(const char *root, const struct catalog_item *items, size_t n,
    struct decision *d)
{
	double deadline;
	size_t i;

	for (i = 0; i < n; i++)
		if (d[i].action == ACT_DELETE && !items[i].e.partial)
			d[i].in_use = held_by_reader(root, &items[i], 0);
	deadline = time_monotonic_ms() + CATALOG_WAIT_MS;
	for (i = 0; i < n; i++)
		if (d[i].in_use)
			d[i].in_use = held_by_reader(root, &items[i], deadline -
			    time_monotonic_ms());
	for (i = 0; i < n; i++)
		if (d[i].in_use)
			policy_keep(items, n, d, i, IN_USE);
}

/*
 * Locks the backup against readers, renames it out of the catalogue's
 * view, then removes it.  0, 1 when a reader holds it, or -1 with err.
 */
static int
delete_entry(const char *root, const struct catalog_item *it, char *err,
    size_t errlen)
{
	char from[4200], to[4200], pin[4300];
	int fd = -1, rc = -1;

	snprintf(from, sizeof(from), "%s/%s", root, it->name);
	/* Unfinished directories have no readers. */
	if (!it->e.partial && (rc = catalog_claim(root, it->name,
	    CATALOG_WAIT_MS, &fd, err, errlen)) != 0)
		return rc;
	rc = -1;
	/* dbbackup pin takes no lock: look again right before deleting. */
	snprintf(pin, sizeof(pin), "%s/%s", from, CATALOG_PIN_FILE);
	if (access(pin, F_OK) == 0) {
		snprintf(err, errlen, "pinned while the prune ran");
		goto out;
	}
	if (!it->e.partial) {
		snprintf(to, sizeof(to), "%s/%s.partial", root, it->e.id);
		if (fs_rename_durable(from, to, err, errlen) == -1)
			goto out;
		snprintf(from, sizeof(from), "%s", to);
	}
	rc = fs_remove_tree(from, err, errlen);
out:
	if (fd != -1)
		close(fd);
	return rc;
}

static json_t *
report_json(const char *root, const struct options *o,
    const struct catalog_item *items, const struct decision *d, size_t n,
    char **foreign, size_t n_foreign, time_t now, long long freed,
    size_t kept, size_t deleted)
{
	json_t *backups = json_array(), *other = json_array();
	char at[RFC3339_LEN], when[RFC3339_LEN];
	size_t i;

	for (i = 0; i < n; i++) {
		time_rfc3339(items[i].e.taken_at, at);
		json_array_append_new(backups, json_pack(
		    "{s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:b, s:o, s:s,"
		    " s:b, s:b}",
		    "id", items[i].e.id, "directory", items[i].name,
		    "type", items[i].e.type,
		    "state", state_name(items[i].state),
		    "action", action_name(d[i].action), "taken_at", at,
		    "age_s", (json_int_t)(now - items[i].e.taken_at),
		    "size_bytes", (json_int_t)items[i].size_bytes,
		    "pinned", items[i].pinned,
		    "parent", items[i].parent[0] ? json_string(items[i].parent) :
		    json_null(),
		    "reason", d[i].reasons, "future", items[i].future,
		    "in_use", d[i].in_use));
	}
	for (i = 0; i < n_foreign; i++)
		json_array_append_new(other, jsonout_text(foreign[i]));
	time_rfc3339(now, when);
	return json_pack("{s:o, s:b, s:s, s:{s:I, s:I, s:I, s:I, s:I, s:I},"
	    " s:o, s:o, s:I, s:I, s:I}",
	    "path", jsonout_text(root), "dry_run", o->dry_run, "now", when,
	    "policy", "days", (json_int_t)o->policy.days,
	    "keep_last", (json_int_t)o->policy.keep_last,
	    "keep_daily", (json_int_t)o->policy.keep_daily,
	    "keep_weekly", (json_int_t)o->policy.keep_weekly,
	    "keep_monthly", (json_int_t)o->policy.keep_monthly,
	    "partial_age_s", (json_int_t)o->policy.partial_age_s,
	    "backups", backups, "foreign", other,
	    "kept", (json_int_t)kept, "deleted", (json_int_t)deleted,
	    "freed_bytes", (json_int_t)freed);
}

static int
report_text(const struct options *o, const struct catalog_item *items,
    const struct decision *d, size_t n, char **foreign, size_t n_foreign,
    time_t now, long long freed, size_t kept, size_t deleted, FILE *f)
{
	static const char *const headers[] = { "ACTION", "BACKUP", "TYPE",
	    "STATE", "AGE", "SIZE", "WHY" };
	struct table *t = table_new(7, headers);
	char age[40], size[32];
	size_t i;

	if (t == NULL)
		return -1;
	for (i = 0; i < n; i++) {
		const char *row[7] = { o->dry_run && d[i].action == ACT_DELETE ?
		    "would delete" : action_name(d[i].action), items[i].name,
		    items[i].e.type, state_name(items[i].state), age, size,
		    d[i].reasons };

		catalog_age_text(&items[i].e, now, age, sizeof(age));
		human_size(items[i].size_bytes, size, sizeof(size));
		if (table_add(t, row) == -1) {
			table_free(t);
			return -1;
		}
	}
	table_print(t, f);
	table_free(t);
	for (i = 0; i < n_foreign; i++)
		fprintf(f, "not a backup, left alone: %s\n", foreign[i]);
	human_size(freed, size, sizeof(size));
	fprintf(f, "%zu kept, %zu %s, %s %s\n", kept, deleted,
	    o->dry_run ? "would be deleted" : "deleted", size,
	    o->dry_run ? "would be freed (dry run: nothing deleted)" : "freed");
	return 0;
}

int
main(int argc, char **argv)
{
	struct settings s;
	struct options o;
	struct catalog_item *items = NULL;
	struct decision *d = NULL;
	char **foreign = NULL, err[4096] = "", lock[4200], msg[4096];
	size_t n = 0, n_foreign = 0, i, kept = 0, deleted = 0;
	long long freed = 0;
	int lock_fd = -1, status = EXIT_FAILED, rc;
	struct stat st;
	time_t now;

	if (settings_init(&s) == -1)
		cli_die(EXIT_FAILED, "out of memory");
	parse_options(argc, argv, &s, &o);
	if (settings_load(&s, "dbprune", err, sizeof(err)) == -1)
		cli_usage_error(EXIT_USAGE, "%s", err);
	o.policy.days = s.retention_days;
	if (stat(s.backup_path, &st) == -1 || !S_ISDIR(st.st_mode))
		cli_die(EXIT_USAGE, "%s: %s", s.backup_path, stat(s.backup_path,
		    &st) == -1 ? strerror(errno) : "not a directory");

	/* The same lock as dbbackup: a prune never races a backup. */
	snprintf(lock, sizeof(lock), "%s/%s", s.backup_path, CATALOG_LOCK);
	if ((lock_fd = fs_lock(lock, err, sizeof(err))) == -1) {
		snprintf(msg, sizeof(msg), "%s (a backup or a prune is running); "
		    "nothing was deleted", err);
		snprintf(err, sizeof(err), "%s", msg);
		goto out;
	}
	now = time(NULL);
	if (catalog_scan(s.backup_path, now, &items, &n, &foreign, &n_foreign,
	    err, sizeof(err)) == -1)
		goto out;
	if ((d = calloc(n + 1, sizeof(*d))) == NULL) {
		snprintf(err, sizeof(err), "out of memory");
		goto out;
	}
	policy_decide(&o.policy, items, n, now, d);
	keep_in_use(s.backup_path, items, n, d);

	status = EXIT_DONE;
	err[0] = '\0';
	for (i = 0; i < n; i++) {
		if (d[i].action == ACT_DAMAGED) {
			cli_warn("%s: %s", items[i].name, d[i].reasons);
			status = EXIT_FAILED;
			continue;
		}
		if (items[i].future) {
			cli_warn("%s: %s", items[i].name, d[i].reasons);
			status = EXIT_FAILED;
		}
		if (d[i].action == ACT_KEEP) {
			kept++;
			continue;
		}
		rc = o.dry_run ? 0 : delete_entry(s.backup_path, &items[i], msg,
		    sizeof(msg));
		if (rc != 0) {
			/* A reader came after keep_in_use: not an error. */
			if (rc == -1) {
				cli_warn("delete %s: %s", items[i].name, msg);
				status = EXIT_FAILED;
			}
			d[i].action = ACT_KEEP;
			d[i].in_use = rc == 1;
			snprintf(d[i].reasons, sizeof(d[i].reasons), "%s",
			    rc == 1 ? IN_USE : "could not be deleted");
			kept++;
			continue;
		}
		deleted++;
		freed += items[i].size_bytes;
	}
	if (o.json) {
		json_t *doc = report_json(s.backup_path, &o, items, d, n, foreign,
		    n_foreign, now, freed, kept, deleted);

		if (doc == NULL || jsonout_write(doc, stdout, false) == -1)
			status = EXIT_FAILED;
		json_decref(doc);
	} else if (report_text(&o, items, d, n, foreign, n_foreign, now, freed,
	    kept, deleted, stdout) == -1)
		status = EXIT_FAILED;
	if (cli_close_stdout() == -1)
		status = EXIT_FAILED;
out:
	if (status != EXIT_DONE && err[0] != '\0')
		cli_warn("%s", err);
	if (lock_fd != -1)
		close(lock_fd);
	catalog_scan_free(items, foreign, n_foreign);
	free(d);
	settings_free(&s);
	return status;
}
