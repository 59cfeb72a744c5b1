/* SPDX-License-Identifier: ISC */
/*
 * backup: one dbbackup run.  Lock the catalogue and name the backup,
 * block DDL and read the schema, dump the non-transactional tables under
 * the lock and start one snapshot on every worker while commits are
 * blocked for a moment (snapshot.c orders the two), release the lock,
 * dump the rest from the snapshots, write the manifest, fsync, and rename
 * ID.partial to ID.  An incremental copies the binary log instead of
 * dumping (incremental.c).  Any failure removes ID.partial: a directory
 * without ".partial" always holds a complete backup.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dump.h"
#include "incremental.h"
#include "output.h"
#include "schema.h"
#include "snapshot.h"
#include "timeutil.h"

const char *const backup_type_names[TYPE_COUNT] = { "full", "schema", "data",
    "incremental" };

int
backup_init(struct backup *b, const struct settings *conn,
    const struct options *opt, const char *root)
{
	memset(b, 0, sizeof(*b));
	b->settings = conn;
	b->opt = opt;
	b->type = opt->type;
	b->n_workers = (size_t)opt->threads;
	b->binlog_position = -1;
	b->lock_fd = -1;
	b->started_ms = time_monotonic_ms();
	snprintf(b->root, sizeof(b->root), "%s", root);
	pthread_mutex_init(&b->files_lock, NULL);
	return (b->files = json_array()) == NULL ||
	    (b->inc.files = json_array()) == NULL ? -1 : 0;
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

static int
dump_non_transactional(struct backup *b, char *err, size_t errlen)
{
	return dump_tables(b, non_transactional, err, errlen);
}

/* The schema, then the rows: the locked tables and the snapshot, the rest. */
static int
dump(struct backup *b, char *err, size_t errlen)
{
	const struct options *o = b->opt;
	int rc;

	if (snapshot_prepare(b, err, errlen) == -1 ||
	    schema_read(b, err, errlen) == -1 ||
	    output_make_dirs(b, err, errlen) == -1)
		return -1;
	if (b->type != TYPE_DATA && schema_write(b, err, errlen) == -1)
		return -1;
	if (b->type == TYPE_SCHEMA)
		return snapshot_release(b, err, errlen);
	dump_expect(b);
	if (o->progress)
		progress_start(&b->progress, stderr, "dbbackup", b->started_ms);
	rc = snapshot_start(b, dump_non_transactional, err, errlen);
	if (rc == 0)
		rc = snapshot_release(b, err, errlen);
	if (rc == 0)
		rc = dump_tables(b, transactional, err, errlen);
	progress_stop(&b->progress);
	return rc;
}

int
backup_run(struct backup *b, const char *tool_version, char *err,
    size_t errlen)
{
	int rc = -1;

	/* An incremental finds its parent under the lock, or becomes a full. */
	if (output_lock(b, err, errlen) == 0 &&
	    (b->type != TYPE_INCREMENTAL ||
	    incremental_plan(b, err, errlen) == 0) &&
	    output_name(b, err, errlen) == 0 &&
	    (b->type == TYPE_INCREMENTAL ? incremental_copy(b, err, errlen) :
	    dump(b, err, errlen)) == 0 &&
	    output_finish(b, tool_version, err, errlen) == 0)
		rc = 0;
	snapshot_close(b);
	output_end(b);
	return rc;
}

void
backup_free(struct backup *b)
{
	snapshot_close(b);
	output_end(b);
	schema_free(b);
	replica_free(&b->replica);
	json_decref(b->files);
	json_decref(b->inc.files);
	free(b->inc.open_name);
	pthread_mutex_destroy(&b->files_lock);
}
