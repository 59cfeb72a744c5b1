/* SPDX-License-Identifier: ISC */
/*
 * dbrestore: restores a dbkit backup (an id, a path, or "latest"), or
 * proves that it restores (--test), or checks it without a server
 * (--verify), or writes it as plain SQL (--sql).
 *
 * Nothing touches the server before the manifest and the size and
 * SHA-256 of every file have been verified: a damaged backup is refused
 * with the file named and the server unchanged.
 */
#define _GNU_SOURCE
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "catalog.h"
#include "cli.h"
#include "conn.h"
#include "exitcode.h"
#include "hash.h"
#include "jsonout.h"
#include "manifest.h"
#include "progress.h"
#include "restore.h"
#include "timeutil.h"

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
};

static void
usage(void)
{
	printf(
"usage: dbrestore [options] BACKUP\n"
"       dbrestore --verify BACKUP\n"
"       dbrestore --test BACKUP\n"
"       dbrestore --sql BACKUP | mariadb\n"
"\n"
"BACKUP is a backup id in the catalogue, a path to a backup directory, or\n"
"'latest'.  Every file is verified before the server is touched.\n"
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
"  -j, --json                 print the result as JSON\n"
"  -V, --version              print the version and exit\n"
"      --help                 print this help and exit\n");
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
		{ "json", no_argument, NULL, 'j' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, CLI_OPT_HELP },
		{ NULL, 0, NULL, 0 },
	};
	int opt, modes;

	memset(o, 0, sizeof(*o));
	o->threads = sysconf(_SC_NPROCESSORS_ONLN) > 0 ?
	    sysconf(_SC_NPROCESSORS_ONLN) : 2;
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
		case OPT_VERIFY: o->verify_only = true; break;
		case OPT_TEST: o->test = true; break;
		case OPT_SQL: o->sql = true; break;
		case OPT_PROGRESS: o->progress = true; break;
		case 'j': o->json = true; break;
		default:
			cli_other_option(opt, usage, EXIT_FAILED, EXIT_USAGE);
		}
	}
	modes = o->verify_only + o->test + o->sql;
	if (modes > 1)
		cli_usage_error(EXIT_USAGE, "--verify, --test and --sql exclude "
		    "each other");
	if (o->test && (o->into != NULL || o->drop_existing))
		cli_usage_error(EXIT_USAGE, "--test restores into scratch "
		    "databases; --into and --drop-existing do not apply");
	if (optind != argc - 1)
		cli_usage_error(EXIT_USAGE, optind == argc ? "missing BACKUP "
		    "(an id, a path or 'latest')" : "too many arguments");
	*backup = argv[optind];
}

static atomic_int progress_done;	/* set by main when the work is over */

static void *
progress_main(void *arg)
{
	struct restore *r = arg;
	struct progress_counts c = { 0 };

	/* The manifest knows the exact size of what will be loaded. */
	c.total_bytes = (unsigned long long)json_integer_value(json_object_get(
	    json_object_get(r->manifest, "totals"), "raw_bytes"));
	/* One last line after the work is done: the totals, even if quick. */
	for (bool last = false; !last;) {
		last = progress_done;
		if (!last)
			usleep(250000);
		c.final = last;
		c.chunks_done = atomic_load(&r->chunks_done);
		c.chunks_total = r->chunks_total;
		c.rows = atomic_load(&r->rows_loaded);
		c.bytes = atomic_load(&r->bytes_loaded);
		c.elapsed_ms = time_monotonic_ms() - r->started_ms;
		progress_show(stderr, "dbrestore", &c);
	}
	fputc('\n', stderr);
	return NULL;
}

/*
 * Creates the schema, loads the data, creates the other objects.  Once
 * data is loaded a failure says what is missing: the tables hold their
 * rows, and the same command with --drop-existing finishes the job.
 */
static int
restore_into_server(struct restore *r, char *err, size_t errlen)
{
	char missing[1024], msg[2048];
	pthread_t progress;
	bool progress_on = false;
	int rc;

	if ((r->ctl = apply_connect(r, 0, err, errlen)) == NULL)
		return -1;
	if ((r->opt->test && scratch_clean(r, err, errlen) == -1) ||
	    (!r->opt->test && apply_check_targets(r, err, errlen) == -1) ||
	    triggers_check(r, err, errlen) == -1 ||
	    apply_tables(r, err, errlen) == -1 ||
	    triggers_drop(r, err, errlen) == -1)
		return -1;
	if (r->opt->progress)
		progress_on = pthread_create(&progress, NULL, progress_main, r) == 0;
	rc = load_data(r, err, errlen);
	if (progress_on) {
		progress_done = 1;
		pthread_join(progress, NULL);
	}
	/* Dropped triggers come back whatever the load did. */
	if (triggers_restore(r, rc == 0 ? err : msg, rc == 0 ? errlen :
	    sizeof(msg)) == -1) {
		if (rc == -1)
			cli_warn("%s", msg);
		rc = -1;
	}
	if (rc == -1)
		return -1;
	rc = objects_create(r, err, errlen);
	if (rc == 0)
		rc = apply_grants(r, err, errlen);
	if (rc == -1 && !r->opt->test) {
		objects_missing(r, missing, sizeof(missing));
		snprintf(msg, sizeof(msg), "%s; the tables and their rows are "
		    "restored%s%s; once the cause is fixed, the same command with "
		    "--drop-existing restores it all again", err,
		    missing[0] ? ", not created: " : "", missing);
		snprintf(err, errlen, "%s", msg);
	}
	return rc;
}

/* The objects in state (or, with differing, that --test found changed). */
static json_t *
objects_json(const struct restore *r, enum robj_state state, bool differing)
{
	json_t *list = json_array();

	for (size_t i = 0; list != NULL && i < r->n_objs; i++) {
		const struct robj *o = &r->objs[i];

		if (differing ? !o->differs : o->state != state)
			continue;
		json_array_append_new(list, json_pack("{s:s, s:o, s:o, s:o}",
		    "kind", o->kind, "database", jsonout_text(o->db->name),
		    "name", o->name ? jsonout_text(o->name) : json_null(),
		    "reason", o->why ? jsonout_text(o->why) : json_null()));
	}
	return list;
}

static int
report(const struct restore *r, const char *mode, int ok, FILE *f)
{
	json_t *doc, *tables = json_array();
	double ms = time_monotonic_ms() - r->started_ms;
	size_t i, j, n_tables = 0, created = 0;
	bool test = strcmp(mode, "test") == 0;
	uint64_t rows = 0;
	int rc;

	for (i = 0; i < r->n_objs; i++)
		created += r->objs[i].state == ROBJ_CREATED;
	for (i = 0; i < r->n_dbs; i++)
		for (j = 0; j < r->dbs[i].n_tables; j++, n_tables++) {
			const struct rtable *t = &r->dbs[i].tables[j];

			rows += t->rows;
			if (test)
				json_array_append_new(tables, json_pack(
				    "{s:o, s:o, s:I, s:I, s:b, s:b}",
				    "database", jsonout_text(r->dbs[i].name),
				    "table", jsonout_text(t->name),
				    "rows", (json_int_t)t->rows,
				    "rows_restored", (json_int_t)t->rows_found,
				    "definition_matched", !t->definition_differs,
				    "matched", t->matched));
		}
	doc = json_pack("{s:s, s:s, s:s, s:b, s:I, s:I, s:I, s:I, s:o, s:o,"
	    " s:I, s:o, s:o, s:o}",
	    "id", r->id, "path", r->dir, "mode", mode, "ok", ok,
	    "databases", (json_int_t)r->n_dbs, "tables", (json_int_t)n_tables,
	    "rows", (json_int_t)rows,
	    "files", (json_int_t)json_array_size(json_object_get(r->manifest,
	    "files")),
	    "duration_ms", jsonout_number(ms),
	    "tables_checked", test ? tables : json_null(),
	    "objects_created", (json_int_t)created,
	    "objects_skipped", objects_json(r, ROBJ_SKIPPED, false),
	    "objects_checked", test ? json_integer((json_int_t)r->objects_checked) :
	    json_null(),
	    "objects_differing", test ? objects_json(r, 0, true) : json_null());
	if (!test)
		json_decref(tables);
	if (doc == NULL)
		return -1;
	if (r->opt->json)
		rc = jsonout_write(doc, f, false);
	else if (strcmp(mode, "verify") == 0)
		rc = fprintf(f, "backup %s: %zu file%s verified, OK\n", r->id,
		    json_array_size(json_object_get(r->manifest, "files")),
		    json_array_size(json_object_get(r->manifest, "files")) == 1 ?
		    "" : "s") < 0 ? -1 : 0;
	else
		rc = fprintf(f, "backup %s: %s %zu database%s, %zu table%s, %llu "
		    "row%s in %.2f s%s\n", r->id, test ? "test-restored" :
		    "restored", r->n_dbs, r->n_dbs == 1 ? "" : "s", n_tables,
		    n_tables == 1 ? "" : "s", (unsigned long long)rows,
		    rows == 1 ? "" : "s", ms / 1000.0, test ? (ok ?
		    ": every table and object matches the backup" :
		    ": DIFFERENCES FOUND") : "") < 0 ? -1 : 0;
	json_decref(doc);
	return rc;
}

int
main(int argc, char **argv)
{
	struct settings s, conn;
	struct options o;
	struct restore r;
	struct catalog_ref held = { .fd = -1 };
	const char *backup, *mode;
	char err[4096] = "", msg[4096];
	int status = EXIT_FAILED, ok = 1;

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
	memset(&r, 0, sizeof(r));
	r.settings = &conn;
	r.opt = &o;
	r.started_ms = time_monotonic_ms();

	/*
	 * A bad backup is bad input (2), whatever is asked of it.  Its lock is
	 * held to the end, so dbprune does not delete it while it is read.
	 */
	status = EXIT_USAGE;
	if (catalog_resolve(s.backup_path, backup, &held, err,
	    sizeof(err)) == -1)
		goto out;
	if (held.warning[0] != '\0')
		cli_warn("%s", held.warning);
	snprintf(r.dir, sizeof(r.dir), "%s", held.dir);
	if ((r.manifest = manifest_read(r.dir, err, sizeof(err))) == NULL ||
	    manifest_verify_files(r.dir, r.manifest, err, sizeof(err)) == -1)
		goto out;
	r.id = json_string_value(json_object_get(r.manifest, "id"));
	if (plan_build(&r, err, sizeof(err)) == -1)
		goto out;
	status = EXIT_FAILED;
	mode = o.verify_only ? "verify" : o.test ? "test" : o.sql ? "sql" :
	    "restore";
	if (o.sql) {
		if (sqlout_write(&r, stdout, err, sizeof(err)) == -1 ||
		    cli_close_stdout() == -1)
			goto out;
		status = EXIT_DONE;
		goto out;
	}
	if (!o.verify_only) {
		if (restore_into_server(&r, err, sizeof(err)) == -1) {
			if (o.test && r.ctl != NULL)
				apply_drop_databases(&r, msg, sizeof(msg));
			goto out;
		}
		if (o.test) {
			ok = check_tables(&r, err, sizeof(err)) == 0;
			if (apply_drop_databases(&r, msg, sizeof(msg)) == -1)
				cli_warn("cleanup: %s", msg);
		}
	}
	if (report(&r, mode, ok, stdout) == -1 || cli_close_stdout() == -1) {
		err[0] = '\0';
		goto out;
	}
	status = ok ? EXIT_DONE : EXIT_FAILED;
out:
	/* The user knows their databases, not our scratch copies. */
	if (o.test)
		scratch_names(&r, err, sizeof(err));
	if (status != EXIT_DONE && err[0] != '\0')
		cli_warn("%s", err);
	if (r.ctl != NULL)
		mysql_close(r.ctl);
	plan_free(&r);
	json_decref(r.manifest);
	catalog_release(&held);
	free(o.databases);
	free(o.tables);
	settings_free(&s);
	mysql_library_end();
	return status;
}
