/* SPDX-License-Identifier: ISC */
/*
 * dbbackup: consistent, parallel, streaming logical backups of MariaDB and
 * MySQL servers into the dbkit catalogue (see dbkit-backup(5)).  This
 * file reads the options; backup.c takes the backup, result.c reports it.
 * Any failure exits 1 with the reason and leaves no ID.partial.
 *
 * The verbs list, pin and unpin read the catalogue instead (list.c,
 * pin.c) and never connect.
 */
#define _GNU_SOURCE
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "backup.h"
#include "cli.h"
#include "conn.h"
#include "exitcode.h"
#include "list.h"
#include "pin.h"
#include "result.h"
#include "seal.h"
#include "stream.h"
#include "workers.h"

#ifndef DBKIT_VERSION
#define DBKIT_VERSION "unknown"
#endif

/*
 * libdeflate level 2: on the benchmark data it wrote 4% less than
 * mydumper -c (zlib 6) in 0.28x its time; level 6 was 8% smaller again but
 * took 1.3x as long, level 1 was 5% larger.
 */
#define DEFAULT_LEVEL 2

/*
 * An incremental's binary logs: level 6, since the copy waits on the
 * server's stream rather than on compression.  On 300 MB of sysbench
 * binlog level 2 wrote 7% more than gzip -6; on 1 GB level 6 wrote 1%
 * more, and the copy still took 0.62x the time of mariadb-binlog --raw.
 */
#define DEFAULT_BINLOG_LEVEL 6

/* zstd's own default, for the data and the binary logs alike. */
#define DEFAULT_ZSTD_LEVEL 3

enum {
	OPT_THREADS = 0x2000,
	OPT_NO_COMPRESS,
	OPT_COMPRESS,
	OPT_LEVEL,
	OPT_EXCLUDE,
	OPT_CHUNK_ROWS,
	OPT_LOCK_WAIT,
	OPT_GUARD,
	OPT_NO_LOCK,
	OPT_REPLICA_PAUSE,
	OPT_GRANTS,
	OPT_PROGRESS,
	OPT_NO_PROMOTE,
	OPT_ENCRYPT,
	OPT_NO_ENCRYPT,
	OPT_RECIPIENT,
	OPT_RECIPIENTS_FILE,
	OPT_PASSPHRASE_FILE,
	OPT_ARCHIVE,
	OPT_TMPDIR,
	OPT_CHAIN,
};

/* What the first argument asks for: a backup, or a look at the catalogue. */
enum verb { VERB_BACKUP, VERB_LIST, VERB_PIN, VERB_UNPIN, VERB_KEYGEN,
	VERB_EXPORT, VERB_IMPORT };

/* export's own options. */
struct export_options {
	bool chain;
	const char *output;
};

static void
usage(void)
{
	printf(
"usage: dbbackup [options] full|schema|data [DATABASE ...]\n"
"       dbbackup [options] incremental\n"
"       dbbackup [-d DIR] [--json] list\n"
"       dbbackup [-d DIR] pin|unpin ID\n"
"       dbbackup [-d DIR] export [--chain] [-o FILE] ID\n"
"       dbbackup [-d DIR] [--json] import FILE|-\n"
"       dbbackup keygen [FILE]\n"
"\n"
"Writes a consistent logical backup of the server's user databases (or the\n"
"named ones) into the backup catalogue, one directory per backup.\n"
"incremental copies the server's binary log since the newest backup.\n"
"list shows the catalogue: every backup with its state, age, size and pin,\n"
"and the totals; pin keeps a backup from dbprune, unpin lets it go again.\n"
"They read the catalogue only and never connect.  keygen makes a key pair\n"
"for --recipient and dbrestore --identity, as age-keygen does.\n"
"export writes a backup as one tar stream (to stdout by default), for an\n"
"object store's client; import reads one into the catalogue, verifying it.\n"
"Exit status: 0 done, 1 failed, 2 usage error.\n"
"\n"
"Connection (also DB_* environment variables and ~/.my.cnf):\n"
"  -h, --host HOST            server host (DB_HOST)\n"
"  -P, --port PORT            TCP port (DB_PORT)\n"
"  -S, --socket PATH          Unix socket (DB_SOCKET)\n"
"  -u, --user USER            user (DB_USER)\n"
"      --password-file FILE   read the password from FILE (or DB_PASSWORD)\n"
"  -D, --database LIST        databases to back up, comma-separated (DB_NAME)\n"
"      --ssl-ca FILE, --ssl-cert FILE, --ssl-key FILE   TLS (DB_SSL_*)\n"
"      --connect-timeout DUR  connect timeout (DB_CONNECT_TIMEOUT)\n"
"      --defaults-file FILE   read this option file instead of ~/.my.cnf\n"
"      --no-defaults          read no option file\n"
"\n"
"Backup:\n"
"  -d, --backup-path DIR      the catalogue (DB_BACKUP_PATH, storage/backups)\n"
"      --threads N            worker connections (default: the number of CPUs)\n"
"      --compress[=HOW]       gzip (the default), zstd or none\n"
"                             (DB_BACKUP_COMPRESSION; true is gzip)\n"
"      --no-compress          write the files uncompressed\n"
"      --compress-level N     gzip 1 (fast) to 12 (small), default 2 (6 for\n"
"                             an incremental's binary logs); zstd 1 to 19,\n"
"                             default 3\n"
"      --exclude PATTERN      skip databases (db) or tables (db.table) matching\n"
"                             the shell PATTERN; repeatable\n"
"      --chunk-rows N         split tables with an integer key into chunks of\n"
"                             about N rows (default 100000)\n"
"      --lock-wait-timeout DUR  longest wait for the global lock (default 5s)\n"
"      --long-query-guard DUR   refuse to lock while a statement has run this\n"
"                             long (default 60s)\n"
"      --no-lock              take no global lock (see dbbackup(1) for limits)\n"
"      --replica-pause        on a replica, stop its SQL threads while the\n"
"                             snapshot starts (needed with --no-lock for the\n"
"                             sources' positions)\n"
"      --encrypt              encrypt every file in the age format\n"
"                             (DB_BACKUP_ENCRYPTION); --no-encrypt: do not\n"
"      --recipient KEY        an age1... public key to encrypt to; repeatable\n"
"                             (DB_BACKUP_RECIPIENTS: by spaces or commas)\n"
"      --recipients-file FILE age's recipients file (DB_BACKUP_RECIPIENTS_FILE)\n"
"      --passphrase-file FILE encrypt with the passphrase on FILE's one line\n"
"                             instead (DB_BACKUP_PASSPHRASE_FILE)\n"
"      --grants               also back up users and grants\n"
"      --no-promote           incremental: fail when there is no full backup\n"
"                             to continue, instead of taking one\n"
"      --progress             show progress on stderr (default when a terminal)\n"
"      --archive FILE|-       write the backup as one tar stream to FILE or\n"
"                             stdout, not into the catalogue\n"
"      --tmpdir DIR           where --archive stages the backup (default: the\n"
"                             catalogue)\n"
"\n"
"export:\n"
"      --chain                an incremental with its whole chain\n"
"  -o, --output FILE          write to FILE instead of stdout\n"
"\n"
"  -j, --json                 print the result (or the list) as JSON\n"
"  -V, --version              print the version and exit\n"
"      --help                 print this help and exit\n");
}

/* Splits a comma-separated list in place into o->only_databases. */
static void
add_databases(struct options *o, char *list, size_t cap)
{
	char *save = NULL, *name;

	for (name = strtok_r(list, ",", &save); name != NULL;
	    name = strtok_r(NULL, ",", &save))
		if (o->n_only < cap)
			o->only_databases[o->n_only++] = name;
}

/* The verb argv[optind] names, and its arguments. */
static enum verb
pick_verb(int argc, char **argv, struct options *o, const char **id)
{
	int i;

	if (strcmp(argv[optind], "export") == 0 ||
	    strcmp(argv[optind], "import") == 0) {
		if (optind + 2 != argc)
			cli_usage_error(EXIT_USAGE, "%s: %s", argv[optind],
			    optind + 1 == argc ? (argv[optind][0] == 'e' ?
			    "missing backup id" : "missing FILE (or - for "
			    "stdin)") : "one argument only");
		*id = argv[optind + 1];
		return argv[optind][0] == 'e' ? VERB_EXPORT : VERB_IMPORT;
	}
	if (strcmp(argv[optind], "list") == 0) {
		if (optind + 1 < argc)
			cli_usage_error(EXIT_USAGE, "list: unexpected argument "
			    "'%s'", argv[optind + 1]);
		return VERB_LIST;
	}
	if (strcmp(argv[optind], "keygen") == 0) {
		if (optind + 2 < argc)
			cli_usage_error(EXIT_USAGE, "keygen: one file at most");
		*id = argv[optind + 1];
		return VERB_KEYGEN;
	}
	if (strcmp(argv[optind], "pin") == 0 ||
	    strcmp(argv[optind], "unpin") == 0) {
		if (optind + 2 != argc)
			cli_usage_error(EXIT_USAGE, "%s: %s", argv[optind],
			    optind + 1 == argc ? "missing backup id" :
			    "one backup id only");
		*id = argv[optind + 1];
		return argv[optind][0] == 'p' ? VERB_PIN : VERB_UNPIN;
	}
	for (i = 0; i < TYPE_COUNT &&
	    strcmp(argv[optind], backup_type_names[i]) != 0; i++)
		;
	if (i == TYPE_COUNT)
		cli_usage_error(EXIT_USAGE, "unknown backup type: '%s'",
		    argv[optind]);
	o->type = (enum backup_type)i;
	/* The binary log is the whole server's: a restore picks databases. */
	if (o->type == TYPE_INCREMENTAL && (optind + 1 < argc ||
	    o->n_excludes > 0))
		cli_usage_error(EXIT_USAGE, "incremental: copies the whole "
		    "server's binary log; no databases or --exclude");
	for (optind++; optind < argc; optind++)
		o->only_databases[o->n_only++] = argv[optind];
	return VERB_BACKUP;
}

/*
 * Reads the options into s, o and x and returns the verb; *id is the
 * argument of pin, unpin, keygen, export or import.
 */
static enum verb
parse_options(int argc, char **argv, struct settings *s, struct options *o,
    struct export_options *x, const char **id)
{
	static const struct option longopts[] = {
		SETTINGS_LONGOPTS,
		{ "backup-path", required_argument, NULL, 'd' },
		{ "threads", required_argument, NULL, OPT_THREADS },
		{ "compress", optional_argument, NULL, OPT_COMPRESS },
		{ "no-compress", no_argument, NULL, OPT_NO_COMPRESS },
		{ "compress-level", required_argument, NULL, OPT_LEVEL },
		{ "exclude", required_argument, NULL, OPT_EXCLUDE },
		{ "chunk-rows", required_argument, NULL, OPT_CHUNK_ROWS },
		{ "lock-wait-timeout", required_argument, NULL, OPT_LOCK_WAIT },
		{ "long-query-guard", required_argument, NULL, OPT_GUARD },
		{ "no-lock", no_argument, NULL, OPT_NO_LOCK },
		{ "replica-pause", no_argument, NULL, OPT_REPLICA_PAUSE },
		{ "grants", no_argument, NULL, OPT_GRANTS },
		{ "progress", no_argument, NULL, OPT_PROGRESS },
		{ "no-promote", no_argument, NULL, OPT_NO_PROMOTE },
		{ "encrypt", no_argument, NULL, OPT_ENCRYPT },
		{ "no-encrypt", no_argument, NULL, OPT_NO_ENCRYPT },
		{ "recipient", required_argument, NULL, OPT_RECIPIENT },
		{ "recipients-file", required_argument, NULL,
		    OPT_RECIPIENTS_FILE },
		{ "passphrase-file", required_argument, NULL,
		    OPT_PASSPHRASE_FILE },
		{ "archive", required_argument, NULL, OPT_ARCHIVE },
		{ "tmpdir", required_argument, NULL, OPT_TMPDIR },
		{ "chain", no_argument, NULL, OPT_CHAIN },
		{ "output", required_argument, NULL, 'o' },
		{ "json", no_argument, NULL, 'j' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, CLI_OPT_HELP },
		{ NULL, 0, NULL, 0 },
	};
	int opt;
	enum verb verb;
	size_t cap = (size_t)argc + 64;

	memset(o, 0, sizeof(*o));
	o->threads = workers_default_threads();
	o->chunk_rows = 100000;
	o->level = -1;			/* decided by the settings later */
	o->lock_wait_timeout_s = 5;
	o->long_query_guard_s = 60;
	o->progress = isatty(STDERR_FILENO);
	o->only_databases = calloc(cap, sizeof(char *));
	o->excludes = calloc((size_t)argc + 1, sizeof(char *));
	if (o->only_databases == NULL || o->excludes == NULL)
		cli_die(EXIT_FAILED, "out of memory");
	while ((opt = getopt_long(argc, argv, SETTINGS_SHORTOPTS "d:o:jV", longopts,
	    NULL)) != -1) {
		if (opt == 'D') {
			add_databases(o, optarg, cap);
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
		case OPT_COMPRESS:
			cli_setting(EXIT_USAGE, s, "compress",
			    optarg != NULL ? optarg : "true");
			break;
		case OPT_NO_COMPRESS:
			cli_setting(EXIT_USAGE, s, "compress", "false");
			break;
		case OPT_LEVEL:
			o->level = (int)cli_integer_arg(EXIT_USAGE,
			    "compress-level", optarg, 1, 19);
			break;
		case OPT_EXCLUDE:
			o->excludes[o->n_excludes++] = optarg;
			break;
		case OPT_CHUNK_ROWS:
			o->chunk_rows = cli_integer_arg(EXIT_USAGE, "chunk-rows",
			    optarg, 1, 1LL << 40);
			break;
		case OPT_LOCK_WAIT:
			o->lock_wait_timeout_s = cli_duration_arg(EXIT_USAGE,
			    "lock-wait-timeout", optarg, 1000) / 1000;
			break;
		case OPT_GUARD:
			o->long_query_guard_s = cli_duration_arg(EXIT_USAGE,
			    "long-query-guard", optarg, 1000) / 1000;
			break;
		case OPT_NO_LOCK:
			o->lock = LOCK_NONE;
			break;
		case OPT_REPLICA_PAUSE:
			o->replica_pause = true;
			break;
		case OPT_GRANTS:
			o->grants = true;
			break;
		case OPT_PROGRESS:
			o->progress = true;
			break;
		case OPT_NO_PROMOTE:
			o->no_promote = true;
			break;
		case OPT_ENCRYPT:
		case OPT_NO_ENCRYPT:
			cli_setting(EXIT_USAGE, s, "encrypt", opt == OPT_ENCRYPT ?
			    "true" : "false");
			break;
		case OPT_RECIPIENT:
			/* Repeatable: all of them, as DB_BACKUP_RECIPIENTS lists. */
			if (cli_append_word(&o->recipients, optarg) == -1)
				cli_die(EXIT_FAILED, "out of memory");
			break;
		case OPT_RECIPIENTS_FILE:
			cli_setting(EXIT_USAGE, s, "recipients-file", optarg);
			break;
		case OPT_PASSPHRASE_FILE:
			cli_setting(EXIT_USAGE, s, "passphrase-file", optarg);
			break;
		case OPT_ARCHIVE:
			o->archive = optarg;
			break;
		case OPT_TMPDIR:
			o->tmpdir = optarg;
			break;
		case OPT_CHAIN:
			x->chain = true;
			break;
		case 'o':
			x->output = optarg;
			break;
		case 'j':
			o->json = true;
			break;
		default:
			cli_other_option(opt, usage, EXIT_FAILED, EXIT_USAGE);
		}
	}
	/* The settings keep the pointer: main frees it at the end. */
	if (o->recipients != NULL)
		cli_setting(EXIT_USAGE, s, "recipients", o->recipients);
	if (optind >= argc)
		cli_usage_error(EXIT_USAGE, "missing backup type: full, schema, "
		    "data or incremental");
	verb = pick_verb(argc, argv, o, id);
	if ((x->chain || x->output != NULL) && verb != VERB_EXPORT)
		cli_usage_error(EXIT_USAGE, "--chain and --output go with "
		    "export");
	if ((o->archive != NULL || o->tmpdir != NULL) && verb != VERB_BACKUP)
		cli_usage_error(EXIT_USAGE, "--archive and --tmpdir go with a "
		    "backup");
	if (o->tmpdir != NULL && o->archive == NULL)
		cli_usage_error(EXIT_USAGE, "--tmpdir goes with --archive");
	/* Nobody wants a tar stream on a terminal. */
	if (((verb == VERB_EXPORT && (x->output == NULL ||
	    strcmp(x->output, "-") == 0)) || (o->archive != NULL &&
	    strcmp(o->archive, "-") == 0)) && isatty(STDOUT_FILENO))
		cli_usage_error(EXIT_USAGE, "refusing to write a tar stream to a "
		    "terminal: redirect stdout, or name a file");
	if (verb == VERB_IMPORT && strcmp(*id, "-") == 0 &&
	    isatty(STDIN_FILENO))
		cli_usage_error(EXIT_USAGE, "refusing to read a tar stream from "
		    "a terminal: redirect stdin, or name a file");
	return verb;
}

/*
 * Runs list, pin or unpin on the catalogue root and returns the exit
 * status.  No server: a closed pipe (list | head) just ends the run.
 */
static int
run_verb(enum verb verb, const char *root, const char *id, bool json,
    const struct export_options *x)
{
	char err[2048] = "";
	int status;

	if (verb == VERB_EXPORT || verb == VERB_IMPORT) {
		/* A reader that goes away is an error: it has not all of it. */
		status = verb == VERB_EXPORT ? stream_export(root, id, x->chain,
		    x->output != NULL ? x->output : "-", err, sizeof(err)) :
		    stream_import(root, id, json, stdout, err, sizeof(err));
		if (status != EXIT_DONE)
			cli_warn("%s: %s", verb == VERB_EXPORT ? "export" :
			    "import", err);
		if (cli_close_stdout() == -1 && status == EXIT_DONE)
			status = EXIT_FAILED;
		return status;
	}
	signal(SIGPIPE, SIG_DFL);
	if (verb == VERB_KEYGEN)
		return seal_keygen(id);
	if (verb == VERB_LIST)
		status = list_catalog(root, json, stdout, err, sizeof(err));
	else
		status = pin_backup(root, id, verb == VERB_PIN, stdout, err,
		    sizeof(err));
	if (status != EXIT_DONE)
		cli_warn("%s", err);
	if (cli_close_stdout() == -1 && status == EXIT_DONE)
		status = EXIT_FAILED;
	return status;
}

/* What the settings say about a backup, checked once they are all read. */
static void
check_backup(struct settings *s, struct options *o, size_t cap)
{
	o->codec = s->compression;
	if (o->level == -1) {
		o->level = o->codec == COMPRESSION_GZIP ? DEFAULT_LEVEL :
		    o->codec == COMPRESSION_ZSTD ? DEFAULT_ZSTD_LEVEL : 0;
		o->binlog_level = o->codec == COMPRESSION_GZIP ?
		    DEFAULT_BINLOG_LEVEL : o->level;
	} else if (o->codec == COMPRESSION_NONE)
		cli_usage_error(EXIT_USAGE, "--compress-level without "
		    "compression");
	else if (o->level > compression_max_level(o->codec))
		cli_usage_error(EXIT_USAGE, "--compress-level: out of range "
		    "for %s (1 to %d): '%d'", compression_name(o->codec),
		    compression_max_level(o->codec), o->level);
	else
		o->binlog_level = o->level;
	if (o->n_only == 0 && s->database != NULL && s->database[0] != '\0')
		add_databases(o, s->database, cap);
}

int
main(int argc, char **argv)
{
	struct settings s, conn;
	struct options o;
	struct export_options x = { .chain = false };
	struct backup b;
	struct age_keys keys = { .log_n = 0 };
	int sealed;
	bool archive_on_stdout;
	char err[2048] = "";
	const char *id = NULL;
	int status = EXIT_FAILED;
	enum verb verb;

	signal(SIGPIPE, SIG_IGN);	/* a dead server connection is an error, not a kill */
	if (settings_init(&s) == -1)
		cli_die(EXIT_FAILED, "out of memory");
	verb = parse_options(argc, argv, &s, &o, &x, &id);
	if (settings_load(&s, "dbbackup", err, sizeof(err)) == -1)
		cli_usage_error(EXIT_USAGE, "%s", err);
	if (verb != VERB_BACKUP) {
		status = run_verb(verb, s.backup_path, id, o.json, &x);
		goto out;
	}
	check_backup(&s, &o, (size_t)argc + 64);
	archive_on_stdout = o.archive != NULL && strcmp(o.archive, "-") == 0;
	if ((sealed = seal_setup(&s, &keys, err, sizeof(err))) == -1) {
		age_keys_clear(&keys);
		cli_usage_error(EXIT_USAGE, "%s", err);
	}
	if (conn_library_init() == -1)
		cli_die(EXIT_FAILED, "cannot initialise the libraries");
	/* DB_NAME chose what to back up; the connections name no database. */
	conn = s;
	conn.database = NULL;
	if (backup_init(&b, &conn, &o, s.backup_path) == -1)
		cli_die(EXIT_FAILED, "out of memory");
	if (sealed) {
		b.seal = &keys;
		randombytes_buf(b.name_key, sizeof(b.name_key));
	}
	if (backup_run(&b, DBKIT_VERSION, err, sizeof(err)) == -1)
		cli_warn("%s", err);
	else if (archive_on_stdout) {
		/* stdout is the archive: the report goes to stderr. */
		if (result_report(&b, o.json, stderr) == 0)
			status = EXIT_DONE;
	} else if (result_report(&b, o.json, stdout) == 0 &&
	    cli_close_stdout() == 0)
		status = EXIT_DONE;
	backup_free(&b);
	sodium_memzero(b.name_key, sizeof(b.name_key));
	age_keys_clear(&keys);
	mysql_library_end();
out:
	free(o.only_databases);
	free(o.excludes);
	free(o.recipients);
	settings_free(&s);
	return status;
}
