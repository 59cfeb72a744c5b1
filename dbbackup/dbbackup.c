/* SPDX-License-Identifier: ISC */
/*
 * dbbackup: consistent, parallel, streaming logical backups of MariaDB and
 * MySQL servers into the dbkit catalogue (see dbkit-backup(5)).
 *
 * The run: lock the catalogue, block DDL and read the schema, start one
 * snapshot on every worker while commits are blocked for a moment, dump
 * the non-transactional tables under the lock, release it, dump the rest
 * from the snapshots, write the manifest, fsync, and rename ID.partial to
 * ID.  Any failure removes ID.partial and exits 1 with the reason: a
 * directory without ".partial" always holds a complete backup.
 *
 * The verbs list, pin and unpin read the catalogue instead (list.c) and
 * never connect.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "catalog.h"
#include "cli.h"
#include "conn.h"
#include "dump.h"
#include "exitcode.h"
#include "fsutil.h"
#include "gzwrite.h"
#include "hash.h"
#include "jsonout.h"
#include "list.h"
#include "manifest.h"
#include "progress.h"
#include "result.h"
#include "schema.h"
#include "snapshot.h"
#include "timeutil.h"

#ifndef DBKIT_VERSION
#define DBKIT_VERSION "unknown"
#endif

/*
 * libdeflate level 2: on the benchmark data it wrote 4% less than
 * mydumper -c (zlib 6) in 0.28x its time; level 6 was 8% smaller again but
 * took 1.3x as long, level 1 was 5% larger.
 */
#define DEFAULT_LEVEL 2

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
	OPT_GRANTS,
	OPT_PROGRESS,
};

/* What the first argument asks for: a backup, or a look at the catalogue. */
enum verb { VERB_BACKUP, VERB_LIST, VERB_PIN, VERB_UNPIN };

static void
usage(void)
{
	printf(
"usage: dbbackup [options] full|schema|data [DATABASE ...]\n"
"       dbbackup [-d DIR] [--json] list\n"
"       dbbackup [-d DIR] pin|unpin ID\n"
"\n"
"Writes a consistent logical backup of the server's user databases (or the\n"
"named ones) into the backup catalogue, one directory per backup.\n"
"list shows the catalogue: every backup with its state, age, size and pin,\n"
"and the totals; pin keeps a backup from dbprune, unpin lets it go again.\n"
"They read the catalogue only and never connect.\n"
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
"      --compress             gzip the files (DB_BACKUP_COMPRESSION, the default)\n"
"      --no-compress          write the files uncompressed\n"
"      --compress-level N     1 (fast) to 12 (small), default 2\n"
"      --exclude PATTERN      skip databases (db) or tables (db.table) matching\n"
"                             the shell PATTERN; repeatable\n"
"      --chunk-rows N         split tables with an integer key into chunks of\n"
"                             about N rows (default 100000)\n"
"      --lock-wait-timeout DUR  longest wait for the global lock (default 5s)\n"
"      --long-query-guard DUR   refuse to lock while a statement has run this\n"
"                             long (default 60s)\n"
"      --no-lock              take no global lock (see dbbackup(1) for limits)\n"
"      --grants               also back up users and grants\n"
"      --progress             show progress on stderr (default when a terminal)\n"
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

/*
 * Reads the options into s and o and returns the verb; *id is pin's and
 * unpin's argument.
 */
static enum verb
parse_options(int argc, char **argv, struct settings *s, struct options *o,
    const char **id)
{
	static const struct option longopts[] = {
		SETTINGS_LONGOPTS,
		{ "backup-path", required_argument, NULL, 'd' },
		{ "threads", required_argument, NULL, OPT_THREADS },
		{ "compress", no_argument, NULL, OPT_COMPRESS },
		{ "no-compress", no_argument, NULL, OPT_NO_COMPRESS },
		{ "compress-level", required_argument, NULL, OPT_LEVEL },
		{ "exclude", required_argument, NULL, OPT_EXCLUDE },
		{ "chunk-rows", required_argument, NULL, OPT_CHUNK_ROWS },
		{ "lock-wait-timeout", required_argument, NULL, OPT_LOCK_WAIT },
		{ "long-query-guard", required_argument, NULL, OPT_GUARD },
		{ "no-lock", no_argument, NULL, OPT_NO_LOCK },
		{ "grants", no_argument, NULL, OPT_GRANTS },
		{ "progress", no_argument, NULL, OPT_PROGRESS },
		{ "json", no_argument, NULL, 'j' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, CLI_OPT_HELP },
		{ NULL, 0, NULL, 0 },
	};
	static const char *const types[] = { "full", "schema", "data" };
	int opt, i;
	size_t cap = (size_t)argc + 64;

	memset(o, 0, sizeof(*o));
	o->threads = sysconf(_SC_NPROCESSORS_ONLN) > 0 ?
	    sysconf(_SC_NPROCESSORS_ONLN) : 2;
	o->chunk_rows = 100000;
	o->level = -1;			/* decided by the settings later */
	o->lock_wait_timeout_s = 5;
	o->long_query_guard_s = 60;
	o->progress = isatty(STDERR_FILENO);
	o->only_databases = calloc(cap, sizeof(char *));
	o->excludes = calloc((size_t)argc + 1, sizeof(char *));
	if (o->only_databases == NULL || o->excludes == NULL)
		cli_die(EXIT_FAILED, "out of memory");
	while ((opt = getopt_long(argc, argv, SETTINGS_SHORTOPTS "d:jV", longopts,
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
			cli_setting(EXIT_USAGE, s, "compress", "true");
			break;
		case OPT_NO_COMPRESS:
			cli_setting(EXIT_USAGE, s, "compress", "false");
			break;
		case OPT_LEVEL:
			o->level = (int)cli_integer_arg(EXIT_USAGE,
			    "compress-level", optarg, 1, 12);
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
		case OPT_GRANTS:
			o->grants = true;
			break;
		case OPT_PROGRESS:
			o->progress = true;
			break;
		case 'j':
			o->json = true;
			break;
		default:
			cli_other_option(opt, usage, EXIT_FAILED, EXIT_USAGE);
		}
	}
	if (optind >= argc)
		cli_usage_error(EXIT_USAGE, "missing backup type: full, schema "
		    "or data");
	if (strcmp(argv[optind], "list") == 0) {
		if (optind + 1 < argc)
			cli_usage_error(EXIT_USAGE, "list: unexpected argument "
			    "'%s'", argv[optind + 1]);
		return VERB_LIST;
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
	for (i = 0; i < 3 && strcmp(argv[optind], types[i]) != 0; i++)
		;
	if (i == 3)
		cli_usage_error(EXIT_USAGE, "unknown backup type: '%s'",
		    argv[optind]);
	o->type = (enum backup_type)i;
	for (optind++; optind < argc; optind++)
		o->only_databases[o->n_only++] = argv[optind];
	return VERB_BACKUP;
}

struct gzw *
backup_file_open(struct backup *b, const char *rel, bool compress, char *err,
    size_t errlen)
{
	char path[8192];

	snprintf(path, sizeof(path), "%s/%s", b->dir, rel);
	return gzw_open(path, compress ? b->opt->level : 0, err, errlen);
}

int
backup_file_close(struct backup *b, struct gzw *w, const char *rel,
    uint64_t *raw_bytes, char *err, size_t errlen)
{
	struct gzw_result r;
	json_t *entry;

	if (gzw_close(w, &r, err, errlen) == -1)
		return -1;
	if (raw_bytes != NULL)
		*raw_bytes = r.raw_bytes;
	entry = json_pack("{s:s, s:I, s:s}", "path", rel,
	    "size_bytes", (json_int_t)r.size_bytes, "sha256", r.sha256);
	pthread_mutex_lock(&b->files_lock);
	json_array_append_new(b->files, entry);
	b->stored_bytes += r.size_bytes;
	b->raw_bytes += r.raw_bytes;
	pthread_mutex_unlock(&b->files_lock);
	atomic_fetch_add(&b->progress.stored_bytes, r.size_bytes);
	return entry != NULL ? 0 : -1;
}

static bool
non_transactional(const struct table *t)
{
	return !t->transactional && !t->is_sequence;
}

static bool
transactional(const struct table *t)
{
	return t->transactional && !t->is_sequence;
}

/* Creates ID.partial and a directory per database in it. */
static int
make_dirs(struct backup *b, char *err, size_t errlen)
{
	char path[8192];
	size_t i;

	if (fs_mkdir_private(b->dir, err, errlen) == -1)
		return -1;
	for (i = 0; i < b->n_dbs; i++) {
		snprintf(path, sizeof(path), "%s/%s", b->dir, b->dbs[i].dir);
		if (fs_mkdir_private(path, err, errlen) == -1)
			return -1;
	}
	return 0;
}

/* fsyncs the backup's directories, so the rename publishes durable files. */
static int
sync_dirs(struct backup *b, char *err, size_t errlen)
{
	char path[8192];
	size_t i;

	for (i = 0; i < b->n_dbs; i++) {
		snprintf(path, sizeof(path), "%s/%s", b->dir, b->dbs[i].dir);
		if (fs_fsync_dir(path, err, errlen) == -1)
			return -1;
	}
	return fs_fsync_dir(b->dir, err, errlen);
}

static atomic_int progress_done;	/* set by main when the work is over */

static void *
progress_main(void *arg)
{
	struct backup *b = arg;
	struct progress_counts c = { 0 };
	size_t i, j;

	/*
	 * The server's row estimate, in the unit of the count.  Its data
	 * size is not: InnoDB's pages hold more than the text of the rows,
	 * over twice as much for narrow rows.
	 */
	for (i = 0; i < b->n_dbs; i++)
		for (j = 0; j < b->dbs[i].n_tables; j++)
			if (!b->dbs[i].tables[j].is_sequence &&
			    b->dbs[i].tables[j].estimated_rows > 0)
				c.total_rows_estimate += (unsigned long long)
				    b->dbs[i].tables[j].estimated_rows;
	c.chunks_total = b->progress.chunks_total;
	/* One last line after the work is done: the totals, even if quick. */
	for (bool last = false; !last;) {
		last = progress_done;
		if (!last)
			usleep(250000);
		c.final = last;
		c.chunks_done = atomic_load(&b->progress.chunks_done);
		c.rows = atomic_load(&b->progress.rows);
		c.bytes = atomic_load(&b->progress.raw_bytes);
		c.elapsed_ms = time_monotonic_ms() - b->started_ms;
		progress_show(stderr, "dbbackup", &c);
	}
	fputc('\n', stderr);
	return NULL;
}

static int
run_backup(struct backup *b, char *err, size_t errlen)
{
	const struct options *o = b->opt;
	pthread_t progress;
	bool progress_on = false;
	int rc;

	if (snapshot_prepare(b, err, errlen) == -1 ||
	    schema_read(b, err, errlen) == -1 || make_dirs(b, err, errlen) == -1)
		return -1;
	if (o->type != TYPE_DATA && schema_write(b, err, errlen) == -1)
		return -1;
	if (o->type == TYPE_SCHEMA)
		return snapshot_release(b, err, errlen);
	for (size_t i = 0; i < b->n_dbs; i++)
		for (size_t j = 0; j < b->dbs[i].n_tables; j++)
			b->progress.chunks_total += b->dbs[i].tables[j].n_chunks;
	if (o->progress)
		progress_on = pthread_create(&progress, NULL, progress_main, b) == 0;
	rc = snapshot_start(b, err, errlen);
	if (rc == 0)
		rc = dump_tables(b, non_transactional, err, errlen);
	if (rc == 0)
		rc = snapshot_release(b, err, errlen);
	if (rc == 0)
		rc = dump_tables(b, transactional, err, errlen);
	if (progress_on) {
		progress_done = 1;
		pthread_join(progress, NULL);
	}
	return rc;
}

/*
 * Names the backup by its start time, with a sequence number after the
 * first backup of a second (catalog_new_id): never a later second's id,
 * which would lie about the time.  The catalogue lock is held.
 */
static int
choose_id(struct backup *b, char *err, size_t errlen)
{
	static const char *const types[] = { "full", "schema", "data" };

	b->started_at = time(NULL);
	if (catalog_new_id(b->root, b->started_at, types[b->opt->type], b->id,
	    err, errlen) == -1)
		return -1;
	snprintf(b->dir, sizeof(b->dir), "%s/%s.partial", b->root, b->id);
	return 0;
}

/* Writes the manifest and publishes ID.partial as ID. */
static int
finish(struct backup *b, char *final, size_t finallen, char *err,
    size_t errlen)
{
	json_t *m = result_manifest(b, DBKIT_VERSION, time(NULL));
	int rc;

	if (m == NULL) {
		snprintf(err, errlen, "manifest: out of memory");
		return -1;
	}
	rc = manifest_write(b->dir, m, err, errlen);
	json_decref(m);
	snprintf(final, finallen, "%s/%s", b->root, b->id);
	if (rc == 0)
		rc = sync_dirs(b, err, errlen);
	if (rc == 0)
		rc = fs_rename_durable(b->dir, final, err, errlen);
	return rc;
}

/*
 * Runs list, pin or unpin on the catalogue root and returns the exit
 * status.  No server: a closed pipe (list | head) just ends the run.
 */
static int
run_verb(enum verb verb, const char *root, const char *id, bool json)
{
	char err[2048] = "";
	int status;

	signal(SIGPIPE, SIG_DFL);
	if (verb == VERB_LIST)
		status = list_catalog(root, json, stdout, err, sizeof(err));
	else
		status = list_pin(root, id, verb == VERB_PIN, stdout, err,
		    sizeof(err));
	if (status != EXIT_DONE)
		cli_warn("%s", err);
	if (cli_close_stdout() == -1 && status == EXIT_DONE)
		status = EXIT_FAILED;
	return status;
}

int
main(int argc, char **argv)
{
	struct settings s, conn;
	struct options o;
	struct backup b;
	char err[2048] = "", final[8192], msg[8192];
	const char *id = NULL;
	int lock_fd = -1, status = EXIT_FAILED;
	enum verb verb;

	signal(SIGPIPE, SIG_IGN);	/* a dead server connection is an error, not a kill */
	if (settings_init(&s) == -1)
		cli_die(EXIT_FAILED, "out of memory");
	verb = parse_options(argc, argv, &s, &o, &id);
	if (settings_load(&s, "dbbackup", err, sizeof(err)) == -1)
		cli_usage_error(EXIT_USAGE, "%s", err);
	if (verb != VERB_BACKUP) {
		status = run_verb(verb, s.backup_path, id, o.json);
		goto out_settings;
	}
	if (s.encryption)
		cli_die(EXIT_USAGE, "DB_BACKUP_ENCRYPTION: encryption is not "
		    "implemented yet; refusing to write an unencrypted backup");
	if (o.level == -1)
		o.level = s.compression ? DEFAULT_LEVEL : 0;
	else if (!s.compression)
		cli_usage_error(EXIT_USAGE, "--compress-level with --no-compress");
	if (o.n_only == 0 && s.database != NULL && s.database[0] != '\0')
		add_databases(&o, s.database, (size_t)argc + 64);
	if (conn_library_init() == -1)
		cli_die(EXIT_FAILED, "cannot initialise the libraries");

	/* DB_NAME chose what to back up; the connections name no database. */
	conn = s;
	conn.database = NULL;
	memset(&b, 0, sizeof(b));
	b.settings = &conn;
	b.opt = &o;
	b.n_workers = (size_t)o.threads;
	b.binlog_position = -1;
	b.started_ms = time_monotonic_ms();
	b.files = json_array();
	pthread_mutex_init(&b.files_lock, NULL);
	snprintf(b.root, sizeof(b.root), "%s", s.backup_path);

	snprintf(msg, sizeof(msg), "%s/%s", b.root, CATALOG_LOCK);
	if (fs_mkdir_parents(b.root, err, sizeof(err)) == -1 ||
	    (lock_fd = fs_lock(msg, err, sizeof(err))) == -1 ||
	    choose_id(&b, err, sizeof(err)) == -1)
		goto out;
	if (run_backup(&b, err, sizeof(err)) == -1 ||
	    finish(&b, final, sizeof(final), err, sizeof(err)) == -1) {
		if (access(b.dir, F_OK) == 0 &&
		    fs_remove_tree(b.dir, msg, sizeof(msg)) == -1)
			cli_warn("%s", msg);
		goto out;
	}
	snapshot_close(&b);
	if (result_report(&b, final, o.json, stdout) == -1 ||
	    cli_close_stdout() == -1)
		goto out;
	status = EXIT_DONE;
out:
	if (status != EXIT_DONE && err[0] != '\0')
		cli_warn("%s", err);
	snapshot_close(&b);
	if (lock_fd != -1)
		close(lock_fd);
	schema_free(&b);
	json_decref(b.files);
	pthread_mutex_destroy(&b.files_lock);
	mysql_library_end();
out_settings:
	free(o.only_databases);
	free(o.excludes);
	settings_free(&s);
	return status;
}
