/* SPDX-License-Identifier: ISC */
/*
 * dbhealth: checks one or more MariaDB/MySQL servers and reports what a
 * DBA looks at first, as text, JSON, Prometheus or Nagios output, with
 * the monitoring-plugin exit status.  main() parses the options, loads
 * the settings, runs the checks (once or every --watch interval), renders
 * the report, and exits with the worst status.  With --backup-path or
 * --backup-check the backup catalogue is checked too, as one more target.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "alert.h"
#include "cli.h"
#include "conn.h"
#include "exitcode.h"
#include "history.h"
#include "jsonout.h"
#include "parse.h"
#include "report.h"
#include "run.h"
#include "settings.h"
#include "target.h"
#include "timeutil.h"

#ifndef DBKIT_VERSION
#define DBKIT_VERSION "unknown"
#endif

struct options {
	enum format format;
	const char *targets_file;
	long long watch_ms;		/* 0: run once */
	long long count;		/* 0: forever */
	const char *history;
	const char *report;
	const char *alert_command;
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
};

static volatile sig_atomic_t stop_requested;

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
"      --alert-command CMD    run CMD through /bin/sh when the status changes,\n"
"                             with the run's JSON on its standard input\n"
"\n"
"  -V, --version              print the version and exit\n"
"      --help                 print this help and exit\n"
"\n"
"Checks: connect response_time version uptime connection_usage\n"
"available_connections threads_running longest_query aborted_connects\n"
"slow_queries deadlocks buffer_pool_hit read_only replication_io\n"
"replication_sql replication_lag galera_status galera_size galera_state\n"
"galera_ready galera_recv_queue backup_age.  See dbhealth(1).\n");
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
		{ "backup-path", required_argument, NULL, 'd' },
		{ "backup-check", no_argument, NULL, OPT_BACKUP_CHECK },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, CLI_OPT_HELP },
		{ NULL, 0, NULL, 0 },
	};
	static const char *const formats[] = { "text", "json", "prometheus",
	    "nagios" };
	char err[256];
	bool count_set = false;

	err[0] = '\0';
	int opt;
	size_t i;

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
			o->format = FORMAT_JSON;
			break;
		case 'f':
			for (i = 0; i < 4 && strcmp(optarg, formats[i]) != 0; i++)
				;
			if (i == 4)
				cli_usage_error(HEALTH_EXIT_UNKNOWN,
				    "--format: unknown format: '%s'", optarg);
			o->format = (enum format)i;
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
			if (parse_duration_ms(optarg, 1000, &o->watch_ms, err,
			    sizeof(err)) == -1 || o->watch_ms == 0)
				cli_usage_error(HEALTH_EXIT_UNKNOWN, "--watch: %s",
				    o->watch_ms == 0 && err[0] == '\0' ?
				    "must be more than 0" : err);
			break;
		case OPT_COUNT:
			o->count = cli_integer_arg(HEALTH_EXIT_UNKNOWN, "count",
			    optarg, 1, 1000000000);
			count_set = true;
			break;
		case OPT_HISTORY:
			o->history = optarg;
			break;
		case OPT_REPORT:
			o->report = optarg;
			break;
		case OPT_ALERT_COMMAND:
			o->alert_command = optarg;
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
	if (count_set && o->watch_ms == 0)
		cli_usage_error(HEALTH_EXIT_UNKNOWN, "--count needs --watch");
	if (o->report != NULL && (optind < argc || o->watch_ms > 0 ||
	    o->history != NULL || o->targets_file != NULL || o->backup_check))
		cli_usage_error(HEALTH_EXIT_UNKNOWN,
		    "--report reads a history file and checks no server");
	o->target_specs = argv + optind;
	o->n_target_specs = (size_t)(argc - optind);
}

static void
on_stop(int sig)
{
	(void)sig;
	stop_requested = 1;
}

/* Sleeps until deadline_ms on the monotonic clock, or until a signal. */
static void
sleep_until(double deadline_ms)
{
	double left = deadline_ms - time_monotonic_ms();
	struct timespec ts;

	if (left <= 0 || stop_requested)
		return;
	ts.tv_sec = (time_t)(left / 1000);
	ts.tv_nsec = (long)((left - (double)ts.tv_sec * 1000) * 1e6);
	nanosleep(&ts, NULL);
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
		if (r->targets[i].catalog == NULL)
			target_bind(&r->targets[i], s);
}

/* Records one finished run: history line, alert.  0, or -1 to stop. */
static int
record(const struct options *o, const struct run *r, char *previous,
    size_t prevlen)
{
	const char *now = overall_name(r->status);
	char err[768], *line = NULL;
	json_t *doc;
	int rc = 0;

	if (o->history == NULL && o->alert_command == NULL)
		return 0;
	if ((doc = report_json(r)) == NULL || (line = jsonout_line(doc)) == NULL) {
		cli_warn("out of memory");
		json_decref(doc);
		return -1;
	}
	json_decref(doc);
	if (o->history != NULL && history_append(o->history, line, err,
	    sizeof(err)) == -1) {
		cli_warn("history: %s", err);
		rc = -1;
	}
	if (o->alert_command != NULL && alert_due(previous, now) &&
	    alert_run(o->alert_command, line, previous, now, err,
	    sizeof(err)) == -1)
		cli_warn("%s", err);
	snprintf(previous, prevlen, "%s", now);
	free(line);
	return rc;
}

static int
check_loop(const struct options *o, const struct limits *l, struct run *r)
{
	struct sigaction sa = { .sa_handler = on_stop };
	char previous[16] = "", err[768];
	double started;
	long long n;

	if (o->watch_ms > 0) {
		sigaction(SIGINT, &sa, NULL);
		sigaction(SIGTERM, &sa, NULL);
	}
	if (o->alert_command != NULL && o->history != NULL &&
	    history_last_status(o->history, previous, sizeof(previous), err,
	    sizeof(err)) == -1)
		cli_warn("history: %s", err);
	for (n = 0;; n++) {
		started = time_monotonic_ms();
		run_reset(r);
		if (run_checks(r, l) == -1)
			cli_die(HEALTH_EXIT_UNKNOWN, "cannot start threads: %s",
			    strerror(errno));
		if (n > 0 && o->format == FORMAT_TEXT)
			putchar('\n');
		if (report_write(r, o->format, o->watch_ms > 0, stdout) == -1 ||
		    fflush(stdout) == EOF)
			return -1;
		if (record(o, r, previous, sizeof(previous)) == -1)
			return -1;
		if (o->watch_ms == 0 || stop_requested ||
		    (o->count > 0 && n + 1 >= o->count))
			break;
		sleep_until(started + (double)o->watch_ms);
		if (stop_requested)
			break;
	}
	return run_exit_status(r);
}

int
main(int argc, char **argv)
{
	struct settings s;
	struct options o;
	struct limits l;
	struct run r = { 0 };
	char err[768];
	size_t i;
	int status;

	if (settings_init(&s) == -1)
		cli_die(HEALTH_EXIT_UNKNOWN, "out of memory");
	parse_options(argc, argv, &s, &o);
	if (o.report != NULL) {
		status = history_report(o.report, o.format == FORMAT_JSON, stdout,
		    err, sizeof(err));
		if (status == -1)
			cli_warn("report: %s", err);
		if (cli_close_stdout() == -1)
			status = -1;
		goto out;
	}
	if (settings_load(&s, "dbhealth", err, sizeof(err)) == -1 ||
	    limits_init(&l, &s, err, sizeof(err)) == -1)
		cli_usage_error(HEALTH_EXIT_UNKNOWN, "%s", err);
	for (i = 0; i < o.n_levels; i++)
		if (limits_set(&l, o.levels[i], o.level_is_critical[i], err,
		    sizeof(err)) == -1)
			cli_usage_error(HEALTH_EXIT_UNKNOWN, "%s", err);
	collect_targets(&o, &s, &r);
	if (conn_library_init() == -1)
		cli_die(HEALTH_EXIT_UNKNOWN, "cannot initialise the client library");

	status = check_loop(&o, &l, &r);
	if (cli_close_stdout() == -1)
		status = -1;
	for (i = 0; i < r.n_targets; i++)
		target_free(&r.targets[i]);
	free(r.targets);
	mysql_library_end();
out:
	free(o.levels);
	free(o.level_is_critical);
	settings_free(&s);
	return status == -1 ? HEALTH_EXIT_UNKNOWN : status;
}
