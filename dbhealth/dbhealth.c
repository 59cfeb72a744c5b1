/* SPDX-License-Identifier: ISC */
/*
 * dbhealth: checks one or more MariaDB/MySQL servers and reports what a
 * DBA looks at first, as text, JSON, Prometheus or Nagios output, with
 * the monitoring-plugin exit status.  main() parses the options, loads
 * the settings and levels, collects the targets, and hands them to
 * watch.c, which runs the checks (once or every --watch interval) and
 * prints the reports; it exits with the last run's status.  With
 * --backup-path or --backup-check the backup catalogue is checked too, as
 * one more target.  --report summarises a history file instead.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "conn.h"
#include "exitcode.h"
#include "health.h"
#include "history.h"
#include "notify.h"
#include "parse.h"
#include "settings.h"
#include "summary.h"
#include "target.h"
#include "threshold.h"
#include "watch.h"

#ifndef DBKIT_VERSION
#define DBKIT_VERSION "unknown"
#endif

struct options {
	struct watch watch;		/* format, --watch, --count, --history, ... */
	const char *targets_file;
	const char *alert_command;
	char *alert_emails, *alert_webhooks;	/* the repeated flags, by spaces */
	const char *report;
	bool backup_check;		/* add the "backups" target */
	const char **levels;		/* -w/-c specs, in order */
	bool *level_is_critical;
	size_t n_levels;
	char **target_specs;
	size_t n_target_specs;
};

enum {
	OPT_TARGETS_FILE = 0x2000,
	OPT_WATCH,
	OPT_COUNT,
	OPT_HISTORY,
	OPT_REPORT,
	OPT_ALERT_COMMAND,
	OPT_BACKUP_CHECK,
	OPT_ALERT_EMAIL,
	OPT_ALERT_WEBHOOK,
	OPT_ALERT_WEBHOOK_FORMAT,
	OPT_ALERT_REPEAT,
	OPT_ALERT_TIMEOUT,
	OPT_ALERT_CA_FILE,
	OPT_SENDMAIL,
};

/*
 * The names of CHECK_TABLE, filled into lines of at most 78 columns as
 * the rest of the help.
 */
static void
print_check_names(void)
{
	size_t col = strlen("Checks:"), len;
	int i;

	fputs("Checks:", stdout);
	for (i = 0; i < CHECK_COUNT; i++) {
		len = strlen(check_defs[i].name) + (i == CHECK_COUNT - 1);
		if (col + 1 + len > 78) {
			putchar('\n');
			col = 0;
		} else {
			putchar(' ');
			col++;
		}
		fputs(check_defs[i].name, stdout);
		col += len;
	}
	puts(".  See dbhealth(1).");
}

static void
usage(void)
{
	printf(
"usage: dbhealth [options] [[NAME=][USER@]HOST[:PORT] | [NAME=][USER@]/SOCKET ...]\n"
"       dbhealth --report FILE [--json]\n"
"\n"
"Checks MariaDB/MySQL servers and reports their health.\n"
"Exit status: 0 ok, 1 warning (degraded), 2 critical, 3 unknown or usage error.\n"
"\n"
"Connection (also DB_* environment variables and ~/.my.cnf):\n"
"  -h, --host HOST            server host (DB_HOST, default localhost)\n"
"  -P, --port PORT            TCP port (DB_PORT, default 3306)\n"
"  -S, --socket PATH          Unix socket, used for localhost (DB_SOCKET)\n"
"  -u, --user USER            user (DB_USER, default the login name)\n"
"      --password-file FILE   read the password from FILE (or DB_PASSWORD)\n"
"  -D, --database NAME        database to connect to (DB_NAME)\n"
"      --ssl-ca FILE          verify the server against this CA (DB_SSL_CA)\n"
"      --ssl-cert FILE        client certificate (DB_SSL_CERT)\n"
"      --ssl-key FILE         client key (DB_SSL_KEY)\n"
"      --connect-timeout DUR  connect and read timeout (DB_CONNECT_TIMEOUT, 10s)\n"
"      --defaults-file FILE   read this option file instead of ~/.my.cnf\n"
"      --no-defaults          read no option file\n"
"\n"
"Checks and output:\n"
"  -w, --warning CHECK=LEVEL  set a check's warning level ('none' disables it)\n"
"  -c, --critical CHECK=LEVEL set a check's critical level ('none' disables it)\n"
"  -j, --json                 same as --format json\n"
"  -f, --format FORMAT        text (default), json, prometheus or nagios\n"
"      --targets-file FILE    read targets from FILE, one per line\n"
"\n"
"Backups (the target \"backups\", check backup_age):\n"
"  -d, --backup-path DIR      also check the backup catalogue DIR\n"
"      --backup-check         also check the catalogue in DB_BACKUP_PATH\n"
"                             (default storage/backups)\n"
"\n"
"Over time:\n"
"      --watch INTERVAL       check again every INTERVAL (e.g. 30s, 5m)\n"
"      --count N              with --watch, stop after N runs\n"
"      --history FILE         append each run's JSON to FILE as one line\n"
"      --report FILE          summarise a history file and exit\n"
"\n"
"Alerts (on a status change, a first run that is not ok, a reminder):\n"
"      --alert-command CMD    run CMD through /bin/sh, with the run's JSON on\n"
"                             its standard input\n"
"      --alert-email ADDR     mail ADDR through sendmail; repeatable\n"
"                             (DB_MONITOR_ALERT_EMAIL with\n"
"                             DB_MONITOR_ENABLE_EMAIL_ALERTS=true)\n"
"      --sendmail PATH        the sendmail program (DB_MONITOR_SENDMAIL,\n"
"                             /usr/sbin/sendmail)\n"
"      --alert-webhook URL    POST to URL; repeatable (DB_MONITOR_ALERT_WEBHOOK)\n"
"      --alert-webhook-format text|report|teams  {\"text\": ...} for Slack\n"
"                             and Mattermost (default), the JSON report, or\n"
"                             an Adaptive Card for Teams Workflows\n"
"      --alert-ca-file FILE   CA certificates for https webhooks\n"
"      --alert-timeout DUR    longest wait for each delivery (default 10s)\n"
"      --alert-repeat DUR     remind while a problem lasts, every DUR\n"
"\n"
"  -V, --version              print the version and exit\n"
"      --help                 print this help and exit\n"
"\n");
	print_check_names();
}

static void
parse_options(int argc, char **argv, struct settings *s, struct options *o)
{
	static const struct option longopts[] = {
		SETTINGS_LONGOPTS,
		{ "json", no_argument, NULL, 'j' },
		{ "format", required_argument, NULL, 'f' },
		{ "warning", required_argument, NULL, 'w' },
		{ "critical", required_argument, NULL, 'c' },
		{ "targets-file", required_argument, NULL, OPT_TARGETS_FILE },
		{ "watch", required_argument, NULL, OPT_WATCH },
		{ "count", required_argument, NULL, OPT_COUNT },
		{ "history", required_argument, NULL, OPT_HISTORY },
		{ "report", required_argument, NULL, OPT_REPORT },
		{ "alert-command", required_argument, NULL, OPT_ALERT_COMMAND },
		{ "alert-email", required_argument, NULL, OPT_ALERT_EMAIL },
		{ "alert-webhook", required_argument, NULL, OPT_ALERT_WEBHOOK },
		{ "alert-webhook-format", required_argument, NULL,
		    OPT_ALERT_WEBHOOK_FORMAT },
		{ "alert-repeat", required_argument, NULL, OPT_ALERT_REPEAT },
		{ "alert-timeout", required_argument, NULL, OPT_ALERT_TIMEOUT },
		{ "alert-ca-file", required_argument, NULL, OPT_ALERT_CA_FILE },
		{ "sendmail", required_argument, NULL, OPT_SENDMAIL },
		{ "backup-path", required_argument, NULL, 'd' },
		{ "backup-check", no_argument, NULL, OPT_BACKUP_CHECK },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, CLI_OPT_HELP },
		{ NULL, 0, NULL, 0 },
	};
	static const char *const formats[] = { "text", "json", "prometheus",
	    "nagios", NULL };
	char err[256] = "";
	bool count_set = false;
	int opt;

	memset(o, 0, sizeof(*o));
	o->levels = calloc((size_t)argc, sizeof(*o->levels));
	o->level_is_critical = calloc((size_t)argc, sizeof(bool));
	if (o->levels == NULL || o->level_is_critical == NULL)
		cli_die(HEALTH_EXIT_UNKNOWN, "out of memory");
	while ((opt = getopt_long(argc, argv, SETTINGS_SHORTOPTS "jf:w:c:d:V",
	    longopts, NULL)) != -1) {
		if (cli_settings_option(HEALTH_EXIT_UNKNOWN, s, opt, optarg))
			continue;
		switch (opt) {
		case 'j':
			o->watch.format = FORMAT_JSON;
			break;
		case 'f':
			o->watch.format = (enum format)cli_choice_arg(
			    HEALTH_EXIT_UNKNOWN, "format", "format", optarg, formats);
			break;
		case 'w':
		case 'c':
			o->level_is_critical[o->n_levels] = opt == 'c';
			o->levels[o->n_levels++] = optarg;
			break;
		case OPT_TARGETS_FILE:
			o->targets_file = optarg;
			break;
		case OPT_WATCH:
			if (parse_duration_ms(optarg, 1000, &o->watch.interval_ms,
			    err, sizeof(err)) == -1 || o->watch.interval_ms == 0)
				cli_usage_error(HEALTH_EXIT_UNKNOWN, "--watch: %s",
				    o->watch.interval_ms == 0 && err[0] == '\0' ?
				    "must be more than 0" : err);
			break;
		case OPT_COUNT:
			o->watch.count = cli_integer_arg(HEALTH_EXIT_UNKNOWN, "count",
			    optarg, 1, 1000000000);
			count_set = true;
			break;
		case OPT_HISTORY:
			o->watch.history = optarg;
			break;
		case OPT_REPORT:
			o->report = optarg;
			break;
		case OPT_ALERT_COMMAND:
			o->alert_command = optarg;
			break;
		case OPT_ALERT_EMAIL:
			/* Repeatable: all of them, as DB_MONITOR_ALERT_EMAIL lists. */
			if (cli_append_word(&o->alert_emails, optarg) == -1)
				cli_die(HEALTH_EXIT_UNKNOWN, "out of memory");
			break;
		case OPT_ALERT_WEBHOOK:
			if (cli_append_word(&o->alert_webhooks, optarg) == -1)
				cli_die(HEALTH_EXIT_UNKNOWN, "out of memory");
			break;
		case OPT_ALERT_WEBHOOK_FORMAT:
			cli_setting(HEALTH_EXIT_UNKNOWN, s, "alert-webhook-format",
			    optarg);
			break;
		case OPT_ALERT_REPEAT:
			cli_setting(HEALTH_EXIT_UNKNOWN, s, "alert-repeat", optarg);
			break;
		case OPT_ALERT_TIMEOUT:
			cli_setting(HEALTH_EXIT_UNKNOWN, s, "alert-timeout", optarg);
			break;
		case OPT_ALERT_CA_FILE:
			cli_setting(HEALTH_EXIT_UNKNOWN, s, "alert-ca-file", optarg);
			break;
		case OPT_SENDMAIL:
			cli_setting(HEALTH_EXIT_UNKNOWN, s, "sendmail", optarg);
			break;
		case 'd':
			/* A setting, so it overrides DB_BACKUP_PATH as in dbbackup. */
			cli_setting(HEALTH_EXIT_UNKNOWN, s, "backup-path", optarg);
			o->backup_check = true;
			break;
		case OPT_BACKUP_CHECK:
			o->backup_check = true;
			break;
		default:
			cli_other_option(opt, usage, HEALTH_EXIT_UNKNOWN, HEALTH_EXIT_UNKNOWN);
		}
	}
	/* The settings keep the pointers: main frees them at the end. */
	if (o->alert_emails != NULL) {
		cli_setting(HEALTH_EXIT_UNKNOWN, s, "alert-email", o->alert_emails);
		cli_setting(HEALTH_EXIT_UNKNOWN, s, "email-alerts", "true");
	}
	if (o->alert_webhooks != NULL)
		cli_setting(HEALTH_EXIT_UNKNOWN, s, "alert-webhook",
		    o->alert_webhooks);
	if (count_set && o->watch.interval_ms == 0)
		cli_usage_error(HEALTH_EXIT_UNKNOWN, "--count needs --watch");
	if (o->report != NULL && (optind < argc || o->watch.interval_ms > 0 ||
	    o->watch.history != NULL || o->targets_file != NULL ||
	    o->backup_check))
		cli_usage_error(HEALTH_EXIT_UNKNOWN,
		    "--report reads a history file and checks no server");
	o->target_specs = argv + optind;
	o->n_target_specs = (size_t)(argc - optind);
}

/*
 * The targets from --targets-file and the command line, or the default,
 * then the backup catalogue when asked for.
 */
static void
collect_targets(const struct options *o, const struct settings *s,
    struct run *r)
{
	char err[768];
	size_t i;

	if (o->targets_file != NULL && target_read_file(o->targets_file,
	    &r->targets, &r->n_targets, err, sizeof(err)) == -1)
		cli_usage_error(HEALTH_EXIT_UNKNOWN, "%s", err);
	for (i = 0; i < o->n_target_specs; i++)
		if (target_add(&r->targets, &r->n_targets, o->target_specs[i],
		    err, sizeof(err)) == -1)
			cli_usage_error(HEALTH_EXIT_UNKNOWN, "%s", err);
	if (r->n_targets == 0) {
		if ((r->targets = calloc(1, sizeof(*r->targets))) == NULL ||
		    target_default(&r->targets[0]) == -1)
			cli_die(HEALTH_EXIT_UNKNOWN, "out of memory");
		r->n_targets = 1;
	}
	if (o->backup_check && target_add_backups(&r->targets, &r->n_targets,
	    s->backup_path, err, sizeof(err)) == -1)
		cli_die(HEALTH_EXIT_UNKNOWN, "%s", err);
	if (target_check_unique(r->targets, r->n_targets, err, sizeof(err)) == -1)
		cli_usage_error(HEALTH_EXIT_UNKNOWN, "%s", err);
	for (i = 0; i < r->n_targets; i++)
		if (r->targets[i].catalog == NULL) {
			target_bind(&r->targets[i], s);
			if (o->backup_check)
				r->targets[i].backups = s->backup_path;
		}
}

/* The levels in force: defaults, settings, environment, then -w and -c. */
static void
load_levels(const struct options *o, const struct settings *s,
    struct limits *l)
{
	char err[768];
	size_t i;

	if (threshold_init(l, s, err, sizeof(err)) == -1)
		cli_usage_error(HEALTH_EXIT_UNKNOWN, "%s", err);
	for (i = 0; i < o->n_levels; i++)
		if (threshold_set(l, o->levels[i], o->level_is_critical[i], err,
		    sizeof(err)) == -1)
			cli_usage_error(HEALTH_EXIT_UNKNOWN, "%s", err);
}

/* --report: summarises a history file.  0, or -1 after saying why. */
static int
print_summary(const char *path, bool json)
{
	struct summary sum;
	char err[768];
	int rc;

	if (history_summarise(path, &sum, err, sizeof(err)) == -1) {
		cli_warn("report: %s", err);
		return -1;
	}
	if ((rc = summary_write(&sum, json, stdout)) == -1 && !ferror(stdout))
		cli_warn("report: %s: out of memory", path);
	summary_free(&sum);
	return rc;
}

int
main(int argc, char **argv)
{
	struct settings s;
	struct options o;
	struct limits l;
	struct run r = { 0 };
	struct notify notify = { .command = NULL };
	char err[768];
	size_t i;
	int status;

	if (settings_init(&s) == -1)
		cli_die(HEALTH_EXIT_UNKNOWN, "out of memory");
	parse_options(argc, argv, &s, &o);
	if (o.report != NULL)
		status = print_summary(o.report, o.watch.format == FORMAT_JSON);
	else {
		if (settings_load(&s, "dbhealth", err, sizeof(err)) == -1)
			cli_usage_error(HEALTH_EXIT_UNKNOWN, "%s", err);
		load_levels(&o, &s, &l);
		if (notify_configure(&notify, &s, o.alert_command, err,
		    sizeof(err)) == -1)
			cli_usage_error(HEALTH_EXIT_UNKNOWN, "%s", err);
		o.watch.notify = &notify;
		collect_targets(&o, &s, &r);
		if (conn_library_init() == -1)
			cli_die(HEALTH_EXIT_UNKNOWN,
			    "cannot initialise the client library");
		status = watch_run(&o.watch, &l, &r);
	}
	if (cli_close_stdout() == -1)
		status = -1;
	for (i = 0; i < r.n_targets; i++)
		target_free(&r.targets[i]);
	free(r.targets);
	if (o.report == NULL)
		mysql_library_end();
	free(o.levels);
	free(o.level_is_critical);
	notify_free(&notify);
	settings_free(&s);
	free(o.alert_emails);
	free(o.alert_webhooks);
	return status == -1 ? HEALTH_EXIT_UNKNOWN : status;
}
