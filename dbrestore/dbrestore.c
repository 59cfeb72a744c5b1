/* SPDX-License-Identifier: ISC */
/*
 * dbrestore: restores a dbkit backup (an id, a path, or "latest"), or
 * proves that it restores (--test), or checks it without a server
 * (--verify), or writes it as plain SQL (--sql).  This file reads the
 * options; restore.c opens, verifies and runs, sqlout.c writes SQL,
 * report.c reports.
 */
#define _GNU_SOURCE
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "conn.h"
#include "exitcode.h"
#include "keys.h"
#include "replay.h"
#include "replica.h"
#include "report.h"
#include "restore.h"
#include "spool.h"
#include "sqlout.h"
#include "timeutil.h"
#include "workers.h"

#ifndef DBKIT_VERSION
#define DBKIT_VERSION "unknown"
#endif

enum {
	OPT_THREADS = 0x2000,
	OPT_VERIFY,
	OPT_TEST,
	OPT_SQL,
	OPT_TABLE,
	OPT_INTO,
	OPT_DROP,
	OPT_NO_BINLOG,
	OPT_GRANTS,
	OPT_PROGRESS,
	OPT_DISABLE_TRIGGERS,
	OPT_UNTIL,
	OPT_UNTIL_GTID,
	OPT_UNTIL_POSITION,
	OPT_EXCLUSIVE,
	OPT_EVENTS,
	OPT_GREP,
	OPT_IDENTITY_FILE,
	OPT_PASSPHRASE_FILE,
	OPT_TMPDIR,
	OPT_AS_REPLICA_OF,
	OPT_REPLICA_SQL,
	OPT_RESET_REPLICA,
	OPT_REPLICATION_USER,
	OPT_REPLICATION_PASSWORD_FILE,
};

static void
usage(void)
{
	printf(
"usage: dbrestore [options] BACKUP\n"
"       dbrestore [options] --until TIME [BACKUP]\n"
"       dbrestore --verify BACKUP\n"
"       dbrestore --test BACKUP\n"
"       dbrestore --sql BACKUP | mariadb\n"
"       dbrestore --as-replica-of [USER@]HOST[:PORT] BACKUP\n"
"\n"
"BACKUP is a backup id in the catalogue, a path to a backup directory,\n"
"'latest', or an archive FILE or - (stdin) as dbbackup export and --archive\n"
"write.  Every file is verified before the server is touched.\n"
"Exit status: 0 done, 1 failed (or --test found a difference), 2 usage\n"
"error or a damaged backup.\n"
"\n"
"Connection (also DB_* environment variables and ~/.my.cnf):\n"
"  -h, --host HOST            server host (DB_HOST)\n"
"  -P, --port PORT            TCP port (DB_PORT)\n"
"  -S, --socket PATH          Unix socket (DB_SOCKET)\n"
"  -u, --user USER            user (DB_USER)\n"
"      --password-file FILE   read the password from FILE (or DB_PASSWORD)\n"
"      --ssl-ca FILE, --ssl-cert FILE, --ssl-key FILE   TLS (DB_SSL_*)\n"
"      --connect-timeout DUR  connect timeout (DB_CONNECT_TIMEOUT)\n"
"      --defaults-file FILE   read this option file instead of ~/.my.cnf\n"
"      --no-defaults          read no option file\n"
"\n"
"Restore:\n"
"  -d, --backup-path DIR      the catalogue (DB_BACKUP_PATH, storage/backups)\n"
"  -D, --database DB          restore only this database; repeatable\n"
"      --table DB.TABLE       restore only this table; repeatable\n"
"      --into NAME            restore the one selected database as NAME\n"
"      --drop-existing        replace tables and objects that exist\n"
"      --disable-triggers     load a data backup into tables with triggers:\n"
"                             drop them for the load, create them again after\n"
"      --threads N            loading connections (default: the number of CPUs)\n"
"      --no-binlog            do not write the restore to the binary log\n"
"      --grants               also restore users and grants, if backed up\n"
"      --verify               only check the backup's files, no server\n"
"      --test                 restore into scratch databases, compare every\n"
"                             table with the backup, drop them\n"
"      --sql                  write the backup as SQL to stdout\n"
"      --progress             show progress on stderr (default when a terminal)\n"
"      --identity FILE        open an encrypted backup with the age\n"
"                             identities in FILE (DB_BACKUP_IDENTITY_FILE)\n"
"      --passphrase-file FILE or with the passphrase on FILE's one line\n"
"                             (DB_BACKUP_PASSPHRASE_FILE)\n"
"      --tmpdir DIR           where an archive is spooled and verified\n"
"                             (default: the catalogue)\n"
"\n"
"New replica (restore, then replicate from HOST from the backup's\n"
"coordinates: its own, or its source's when it was taken on a replica):\n"
"      --as-replica-of [USER@]HOST[:PORT]  the source (port 3306); implies\n"
"                             --no-binlog\n"
"      --replication-user USER  the replication account when the source\n"
"                             names none (DB_REPLICATION_USER)\n"
"      --replication-password-file FILE  its password on FILE's first line\n"
"                             (or DB_REPLICATION_PASSWORD)\n"
"      --replica-sql          print the replication statements instead of\n"
"                             running them (the password left out)\n"
"      --reset-replica        replace the replication a target already has\n"
"\n"
"Point in time (an incremental BACKUP: its full backup, then its chain's\n"
"binary logs replayed):\n"
"      --until TIME           stop after the last transaction at or before\n"
"                             TIME, RFC 3339 with a zone (2026-12-01T14:02:00Z);\n"
"                             without BACKUP, the newest chain that covers it\n"
"      --until-gtid GTID      stop after the transaction GTID (D-S-N)\n"
"      --until-position FILE:POS  stop after the transaction at FILE:POS\n"
"      --exclusive            stop just before the named time, GTID or\n"
"                             position instead\n"
"      --events               list the chain's statements (time, GTID,\n"
"                             position, database, text) instead, to find the\n"
"                             moment to restore to; with -D and --grep TEXT\n"
"      --grep TEXT            --events: only statements containing TEXT\n"
"\n"
"  -j, --json                 print the result as JSON\n"
"  -V, --version              print the version and exit\n"
"      --help                 print this help and exit\n");
}

/* --until TIME, --until-gtid GTID or --until-position FILE:POS into u. */
static void
parse_until(struct until *u, enum until_kind kind, const char *arg)
{
	const char *colon = strrchr(arg, ':');
	unsigned int d, s;
	unsigned long long seq, pos;
	int n = 0;

	u->kind = kind;
	if (kind == UNTIL_TIME) {
		if (time_parse_zoned(arg, &u->time) == -1)
			cli_usage_error(EXIT_USAGE, "--until: not an RFC 3339 time "
			    "with a zone, such as 2026-12-01T14:02:00Z or "
			    "2026-12-01T15:02:00+01:00: '%s'", arg);
	} else if (kind == UNTIL_GTID) {
		if (sscanf(arg, "%u-%u-%llu%n", &d, &s, &seq, &n) != 3 ||
		    arg[n] != '\0' || arg[0] == '-' || arg[0] == '+')
			cli_usage_error(EXIT_USAGE, "--until-gtid: not a GTID "
			    "(DOMAIN-SERVER-SEQUENCE): '%s'", arg);
		snprintf(u->gtid, sizeof(u->gtid), "%u-%u-%llu", d, s, seq);
	} else {
		if (colon == NULL || colon == arg || (size_t)(colon - arg) >=
		    sizeof(u->file) || sscanf(colon + 1, "%llu%n", &pos, &n) !=
		    1 || colon[1 + n] != '\0' || colon[1] == '-' || pos < 4)
			cli_usage_error(EXIT_USAGE, "--until-position: not "
			    "FILE:POSITION: '%s'", arg);
		memcpy(u->file, arg, (size_t)(colon - arg));
		u->file[colon - arg] = '\0';
		u->pos = pos;
	}
}

static void
parse_options(int argc, char **argv, struct settings *s, struct options *o,
    const char **backup)
{
	static const struct option longopts[] = {
		SETTINGS_LONGOPTS,
		{ "backup-path", required_argument, NULL, 'd' },
		{ "threads", required_argument, NULL, OPT_THREADS },
		{ "table", required_argument, NULL, OPT_TABLE },
		{ "into", required_argument, NULL, OPT_INTO },
		{ "drop-existing", no_argument, NULL, OPT_DROP },
		{ "disable-triggers", no_argument, NULL, OPT_DISABLE_TRIGGERS },
		{ "no-binlog", no_argument, NULL, OPT_NO_BINLOG },
		{ "grants", no_argument, NULL, OPT_GRANTS },
		{ "verify", no_argument, NULL, OPT_VERIFY },
		{ "test", no_argument, NULL, OPT_TEST },
		{ "sql", no_argument, NULL, OPT_SQL },
		{ "progress", no_argument, NULL, OPT_PROGRESS },
		{ "identity", required_argument, NULL, OPT_IDENTITY_FILE },
		{ "passphrase-file", required_argument, NULL,
		    OPT_PASSPHRASE_FILE },
		{ "until", required_argument, NULL, OPT_UNTIL },
		{ "until-gtid", required_argument, NULL, OPT_UNTIL_GTID },
		{ "until-position", required_argument, NULL, OPT_UNTIL_POSITION },
		{ "exclusive", no_argument, NULL, OPT_EXCLUSIVE },
		{ "events", no_argument, NULL, OPT_EVENTS },
		{ "grep", required_argument, NULL, OPT_GREP },
		{ "tmpdir", required_argument, NULL, OPT_TMPDIR },
		{ "as-replica-of", required_argument, NULL, OPT_AS_REPLICA_OF },
		{ "replica-sql", no_argument, NULL, OPT_REPLICA_SQL },
		{ "reset-replica", no_argument, NULL, OPT_RESET_REPLICA },
		{ "replication-user", required_argument, NULL,
		    OPT_REPLICATION_USER },
		{ "replication-password-file", required_argument, NULL,
		    OPT_REPLICATION_PASSWORD_FILE },
		{ "json", no_argument, NULL, 'j' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, CLI_OPT_HELP },
		{ NULL, 0, NULL, 0 },
	};
	int opt, modes = 0;

	memset(o, 0, sizeof(*o));
	o->threads = workers_default_threads();
	o->progress = isatty(STDERR_FILENO);
	o->databases = calloc((size_t)argc + 1, sizeof(char *));
	o->tables = calloc((size_t)argc + 1, sizeof(char *));
	if (o->databases == NULL || o->tables == NULL)
		cli_die(EXIT_FAILED, "out of memory");
	while ((opt = getopt_long(argc, argv, SETTINGS_SHORTOPTS "d:jV", longopts,
	    NULL)) != -1) {
		if (opt == 'D') {
			o->databases[o->n_databases++] = optarg;
			continue;
		}
		if (cli_settings_option(EXIT_USAGE, s, opt, optarg))
			continue;
		switch (opt) {
		case 'd':
			cli_setting(EXIT_USAGE, s, "backup-path", optarg);
			break;
		case OPT_THREADS:
			o->threads = cli_integer_arg(EXIT_USAGE, "threads",
			    optarg, 1, 256);
			break;
		case OPT_TABLE:
			if (strchr(optarg, '.') == NULL)
				cli_usage_error(EXIT_USAGE, "--table: expected "
				    "DB.TABLE: '%s'", optarg);
			o->tables[o->n_tables++] = optarg;
			break;
		case OPT_INTO:
			if (optarg[0] == '\0' || strlen(optarg) > 64)
				cli_usage_error(EXIT_USAGE, "--into: invalid "
				    "database name: '%s'", optarg);
			o->into = optarg;
			break;
		case OPT_DROP: o->drop_existing = true; break;
		case OPT_DISABLE_TRIGGERS: o->disable_triggers = true; break;
		case OPT_NO_BINLOG: o->no_binlog = true; break;
		case OPT_GRANTS: o->grants = true; break;
		case OPT_VERIFY: o->mode = MODE_VERIFY; modes++; break;
		case OPT_TEST: o->mode = MODE_TEST; modes++; break;
		case OPT_SQL: o->mode = MODE_SQL; modes++; break;
		case OPT_PROGRESS: o->progress = true; break;
		case OPT_UNTIL:
		case OPT_UNTIL_GTID:
		case OPT_UNTIL_POSITION:
			if (o->until.kind != UNTIL_END)
				cli_usage_error(EXIT_USAGE, "one of --until, "
				    "--until-gtid and --until-position");
			parse_until(&o->until, opt == OPT_UNTIL ? UNTIL_TIME :
			    opt == OPT_UNTIL_GTID ? UNTIL_GTID : UNTIL_POSITION,
			    optarg);
			break;
		case OPT_EXCLUSIVE: o->until.exclusive = true; break;
		case OPT_EVENTS: o->mode = MODE_EVENTS; modes++; break;
		case OPT_GREP: o->grep = optarg; break;
		case OPT_IDENTITY_FILE:
			cli_setting(EXIT_USAGE, s, "identity-file", optarg);
			break;
		case OPT_PASSPHRASE_FILE:
			cli_setting(EXIT_USAGE, s, "passphrase-file", optarg);
			break;
		case OPT_TMPDIR: o->tmpdir = optarg; break;
		case OPT_AS_REPLICA_OF: o->as_replica_of = optarg; break;
		case OPT_REPLICA_SQL: o->replica_sql = true; break;
		case OPT_RESET_REPLICA: o->reset_replica = true; break;
		case OPT_REPLICATION_USER:
			cli_setting(EXIT_USAGE, s, "replication-user", optarg);
			break;
		case OPT_REPLICATION_PASSWORD_FILE:
			cli_setting(EXIT_USAGE, s, "replication-password-file",
			    optarg);
			break;
		case 'j': o->json = true; break;
		default:
			cli_other_option(opt, usage, EXIT_FAILED, EXIT_USAGE);
		}
	}
	if (modes > 1)
		cli_usage_error(EXIT_USAGE, "--verify, --test, --sql and --events "
		    "exclude each other");
	if (o->grep != NULL && o->mode != MODE_EVENTS)
		cli_usage_error(EXIT_USAGE, "--grep goes with --events");
	if (o->mode == MODE_TEST && (o->into != NULL || o->drop_existing))
		cli_usage_error(EXIT_USAGE, "--test restores into scratch "
		    "databases; --into and --drop-existing do not apply");
	if (o->until.exclusive && o->until.kind == UNTIL_END)
		cli_usage_error(EXIT_USAGE, "--exclusive goes with --until, "
		    "--until-gtid or --until-position");
	if (o->until.kind != UNTIL_END && o->mode == MODE_TEST)
		cli_usage_error(EXIT_USAGE, "--until restores into the server "
		    "or writes SQL; --test does not replay binary logs yet");
	if ((o->replica_sql || o->reset_replica) && o->as_replica_of == NULL)
		cli_usage_error(EXIT_USAGE, "--replica-sql and --reset-replica go "
		    "with --as-replica-of");
	if (o->as_replica_of != NULL && o->mode != MODE_RESTORE)
		cli_usage_error(EXIT_USAGE, "--as-replica-of restores into the "
		    "server; --verify, --test, --sql and --events do not");
	if (o->as_replica_of != NULL && (o->n_databases > 0 || o->n_tables > 0 ||
	    o->into != NULL))
		cli_usage_error(EXIT_USAGE, "--as-replica-of: a replica needs "
		    "every database as backed up; -D, --table and --into do not "
		    "apply");
	/* The source's binlog brings the changes: the copy is not ours to log. */
	if (o->as_replica_of != NULL)
		o->no_binlog = true;
	*backup = NULL;
	if (optind == argc && o->until.kind == UNTIL_TIME)
		return;
	if (optind != argc - 1)
		cli_usage_error(EXIT_USAGE, optind == argc ? "missing BACKUP "
		    "(an id, a path or 'latest')" : "too many arguments");
	*backup = argv[optind];
}

int
main(int argc, char **argv)
{
	struct settings s, conn;
	struct options o;
	struct restore r;
	struct age_keys keys = { .log_n = 0 };
	struct spool spooled = { .dir = "" };
	struct replica_plan replica;
	const char *backup, *root;
	bool bad_stream;
	char err[4096] = "";
	int status = EXIT_USAGE;
	bool ok = true;

	signal(SIGPIPE, SIG_IGN);
	if (settings_init(&s) == -1)
		cli_die(EXIT_FAILED, "out of memory");
	parse_options(argc, argv, &s, &o, &backup);
	if (settings_load(&s, "dbrestore", err, sizeof(err)) == -1)
		cli_usage_error(EXIT_USAGE, "%s", err);
	if (conn_library_init() == -1)
		cli_die(EXIT_FAILED, "cannot initialise the libraries");
	/* Statements name their databases; the connection needs none. */
	conn = s;
	conn.database = NULL;
	restore_init(&r, &conn, &o);
	if (o.as_replica_of != NULL) {
		if (replica_parse(o.as_replica_of, &s, &replica, err,
		    sizeof(err)) == -1)
			cli_usage_error(EXIT_USAGE, "%s", err);
		replica.print_only = o.replica_sql;
		replica.reset = o.reset_replica;
		r.replica = &replica;
	}
	switch (keys_load(&s, &keys, err, sizeof(err))) {
	case -1:
		age_keys_clear(&keys);
		cli_usage_error(EXIT_USAGE, "%s", err);
	case 1:
		r.keys = &keys;
	}
	/* A stream is read whole and verified first, then restored. */
	root = s.backup_path;
	if (backup != NULL && strcmp(backup, "-") == 0 &&
	    isatty(STDIN_FILENO))
		cli_usage_error(EXIT_USAGE, "refusing to read a tar stream from "
		    "a terminal: redirect stdin, or name a file");
	if (backup != NULL && spool_is_stream(backup)) {
		if (spool_read(backup, o.tmpdir != NULL ? o.tmpdir :
		    s.backup_path, o.progress, &spooled, &bad_stream, err,
		    sizeof(err)) == -1) {
			status = bad_stream ? EXIT_USAGE : EXIT_FAILED;
			goto out;
		}
		root = spooled.dir;
		backup = spooled.id;
	} else if (o.tmpdir != NULL)
		cli_usage_error(EXIT_USAGE, "--tmpdir goes with an archive");
	/* A bad backup is bad input (2), whatever is asked of it. */
	if (restore_open(&r, root, backup, err, sizeof(err)) == 0) {
		status = EXIT_FAILED;
		if (r.replica != NULL && replica_prepare(&r, r.replica, err,
		    sizeof(err)) == -1)
			goto out;
		if (o.mode == MODE_SQL ? sqlout_write(&r, stdout, err,
		    sizeof(err)) == 0 : o.mode == MODE_EVENTS ? replay_list(&r,
		    stdout, err, sizeof(err)) == 0 : restore_run(&r, &ok, err,
		    sizeof(err)) == 0 && (r.replica == NULL ||
		    replica_start(&r, r.replica, stdout, err, sizeof(err)) == 0) &&
		    report_write(&r, ok, stdout) == 0)
			status = cli_close_stdout() == 0 && ok ? EXIT_DONE :
			    EXIT_FAILED;
	}
out:
	if (status != EXIT_DONE && err[0] != '\0')
		cli_warn("%s", err);
	restore_free(&r);
	if (r.replica != NULL)
		replica_plan_free(r.replica);
	spool_remove(&spooled);
	age_keys_clear(&keys);
	free(o.databases);
	free(o.tables);
	settings_free(&s);
	mysql_library_end();
	return status;
}
