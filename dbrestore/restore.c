/* SPDX-License-Identifier: ISC */
/*
 * restore: one dbrestore run.  Nothing touches the server before the
 * manifest and the size and SHA-256 of every file have been verified: a
 * damaged backup is refused with the file named and the server unchanged.
 * The backup is held (a shared lock) from the moment it is found to the
 * end, so dbprune does not delete it while it is read.  Then, for a
 * restore or a test: the tables, the data, the objects (apply.c, load.c,
 * create.c); a test compares (check.c) and drops its scratch databases
 * whatever happened.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apply.h"
#include "chain.h"
#include "check.h"
#include "cli.h"
#include "connect.h"
#include "create.h"
#include "envelope.h"
#include "load.h"
#include "manifest.h"
#include "plan.h"
#include "replay.h"
#include "restore.h"
#include "scratch.h"
#include "timeutil.h"
#include "triggers.h"

const char *const restore_mode_names[5] = { "restore", "verify", "test",
	"sql", "events" };

void
restore_init(struct restore *r, const struct settings *conn,
    const struct options *opt)
{
	memset(r, 0, sizeof(*r));
	r->settings = conn;
	r->opt = opt;
	r->held.fd = -1;
	r->started_ms = time_monotonic_ms();
}

int
restore_open(struct restore *r, const char *root, const char *spec,
    char *err, size_t errlen)
{
	char picked[CATALOG_ID_LEN + 16];
	bool incremental;

	if (spec == NULL) {
		if (chain_pick(root, r->opt->until.time, picked, sizeof(picked),
		    err, errlen) == -1)
			return -1;
		spec = picked;
	}
	if (catalog_resolve(root, spec, &r->held, err, errlen) == -1)
		return -1;
	if (r->held.warning[0] != '\0')
		cli_warn("%s", r->held.warning);
	snprintf(r->dir, sizeof(r->dir), "%s", r->held.dir);
	/* Without a key, --verify checks an encrypted backup's files. */
	if (restore_read_manifest(r->dir, r->keys, r->opt->mode == MODE_VERIFY,
	    &r->manifest, err, errlen) == -1)
		return -1;
	if (manifest_encrypted(r->manifest)) {
		r->id = json_string_value(json_object_get(r->manifest, "id"));
		return 0;
	}
	incremental = strcmp(json_string_value(json_object_get(r->manifest,
	    "type")), "incremental") == 0;
	if (incremental && r->opt->mode == MODE_TEST) {
		snprintf(err, errlen, "%s is an incremental backup: --test does "
		    "not replay binary logs yet; restore it, or test its full "
		    "backup", json_string_value(json_object_get(r->manifest,
		    "id")));
		return -1;
	}
	if (incremental && r->opt->into != NULL) {
		snprintf(err, errlen, "%s is an incremental backup: --into does "
		    "not apply to binary logs, whose statements name their "
		    "databases; restore under the same name", json_string_value(
		    json_object_get(r->manifest, "id")));
		return -1;
	}
	if (!incremental && r->opt->mode == MODE_EVENTS) {
		snprintf(err, errlen, "%s is not an incremental backup: --events "
		    "lists the binary log of a chain", json_string_value(
		    json_object_get(r->manifest, "id")));
		return -1;
	}
	if (!incremental && r->opt->until.kind != UNTIL_END) {
		snprintf(err, errlen, "%s is not an incremental backup: --until "
		    "replays a chain's binary logs; name its newest incremental",
		    json_string_value(json_object_get(r->manifest, "id")));
		return -1;
	}
	/* An incremental restores as its chain: r then holds the full. */
	if (incremental && chain_open(r, root, err, errlen) == -1)
		return -1;
	r->id = json_string_value(json_object_get(r->manifest, "id"));
	/* --events reads the binary log only: -D and --table select. */
	return r->opt->mode == MODE_EVENTS ? 0 : plan_build(r, err, errlen);
}

int
restore_read_manifest(const char *dir, struct age_keys *keys,
    bool envelope_enough, json_t **manifest, char *err, size_t errlen)
{
	json_t *env;

	if ((env = manifest_read(dir, err, errlen)) == NULL ||
	    manifest_verify_files(dir, env, err, errlen) == -1) {
		json_decref(env);
		return -1;
	}
	if (!manifest_encrypted(env) || (keys == NULL && envelope_enough)) {
		*manifest = env;
		return 0;
	}
	if (keys == NULL) {
		snprintf(err, errlen, "%s is encrypted: give its identity file "
		    "(--identity, DB_BACKUP_IDENTITY_FILE) or passphrase "
		    "file (--passphrase-file, DB_BACKUP_PASSPHRASE_FILE)",
		    json_string_value(json_object_get(env, "id")));
		json_decref(env);
		return -1;
	}
	*manifest = manifest_read_private(dir, env, keys, err, errlen);
	json_decref(env);
	return *manifest == NULL ? -1 : 0;
}

/*
 * Creates the schema, loads the data, creates the other objects.  Once
 * data is loaded a failure says what is missing: the tables hold their
 * rows, and the same command with --drop-existing finishes the job.
 */
static int
restore_into_server(struct restore *r, char *err, size_t errlen)
{
	bool test = r->opt->mode == MODE_TEST;
	char missing[1024], msg[2048];
	int rc;

	if ((r->ctl = connect_session(r, 0, err, errlen)) == NULL)
		return -1;
	if ((test && scratch_clean(r, err, errlen) == -1) ||
	    (!test && apply_check_targets(r, err, errlen) == -1) ||
	    triggers_check(r, err, errlen) == -1 ||
	    apply_tables(r, err, errlen) == -1 ||
	    triggers_drop(r, err, errlen) == -1)
		return -1;
	if (r->opt->progress)
		progress_start(&r->progress, stderr, "dbrestore", r->started_ms);
	rc = load_data(r, err, errlen);
	progress_stop(&r->progress);
	/* Dropped triggers come back whatever the load did. */
	if (triggers_restore(r, rc == 0 ? err : msg, rc == 0 ? errlen :
	    sizeof(msg)) == -1) {
		if (rc == -1)
			cli_warn("%s", msg);
		rc = -1;
	}
	if (rc == -1)
		return -1;
	rc = create_objects(r, err, errlen);
	if (rc == 0)
		rc = apply_grants(r, err, errlen);
	if (rc == -1 && !test) {
		create_missing(r, missing, sizeof(missing));
		snprintf(msg, sizeof(msg), "%s; the tables and their rows are "
		    "restored%s%s; once the cause is fixed, the same command with "
		    "--drop-existing restores it all again", err,
		    missing[0] ? ", not created: " : "", missing);
		snprintf(err, errlen, "%s", msg);
	}
	return rc;
}

int
restore_run(struct restore *r, bool *ok, char *err, size_t errlen)
{
	bool test = r->opt->mode == MODE_TEST;
	char msg[4096];
	int rc = 0;

	*ok = true;
	if (r->opt->mode == MODE_VERIFY)
		return 0;
	if (restore_into_server(r, err, errlen) == -1)
		rc = -1;
	else if (r->chain.n > 0)
		rc = replay_chain(r, err, errlen);
	else if (test)
		*ok = check_tables(r, err, errlen) == 0;
	if (test && r->ctl != NULL &&
	    apply_drop_databases(r, msg, sizeof(msg)) == -1 && rc == 0)
		cli_warn("cleanup: %s", msg);
	/* The user knows their databases, not our scratch copies. */
	if (test)
		scratch_names(r, err, errlen);
	return rc;
}

void
restore_free(struct restore *r)
{
	if (r->ctl != NULL)
		mysql_close(r->ctl);
	r->ctl = NULL;
	plan_free(r);
	json_decref(r->manifest);
	r->manifest = NULL;
	catalog_release(&r->held);
	chain_free(&r->chain);
}
