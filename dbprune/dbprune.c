/* SPDX-License-Identifier: ISC */
/*
 * dbprune: retention for the dbkit backup catalogue.  main() reads the
 * options and the settings, checks the catalogue directory, runs the
 * prune (prune.c: the lock, the scan, the policy of policy.c, the
 * deletions) and renders what it did (report.c).  The exit status is 1
 * when the prune could not run, a deletion failed, or a damaged or
 * future-dated entry was found, so that cron mails the user.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "exitcode.h"
#include "policy.h"
#include "prune.h"
#include "report.h"
#include "settings.h"

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

int
main(int argc, char **argv)
{
	struct settings s;
	struct options o;
	struct prune_result r;
	char err[4096] = "";
	int status;
	struct stat st;

	if (settings_init(&s) == -1)
		cli_die(EXIT_FAILED, "out of memory");
	parse_options(argc, argv, &s, &o);
	if (settings_load(&s, "dbprune", err, sizeof(err)) == -1)
		cli_usage_error(EXIT_USAGE, "%s", err);
	o.policy.days = s.retention_days;
	if (stat(s.backup_path, &st) == -1 || !S_ISDIR(st.st_mode))
		cli_die(EXIT_USAGE, "%s: %s", s.backup_path, stat(s.backup_path,
		    &st) == -1 ? strerror(errno) : "not a directory");

	if (prune_run(s.backup_path, &o.policy, o.dry_run, &r, err,
	    sizeof(err)) == -1) {
		cli_warn("%s", err);
		status = EXIT_FAILED;
	} else {
		status = r.failed ? EXIT_FAILED : EXIT_DONE;
		if (report_write(&r, o.json, stdout) == -1)
			status = EXIT_FAILED;
		if (cli_close_stdout() == -1)
			status = EXIT_FAILED;
	}
	prune_result_free(&r);
	settings_free(&s);
	return status;
}
