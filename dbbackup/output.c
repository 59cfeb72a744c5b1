/* SPDX-License-Identifier: ISC */
/*
 * output: a backup is written into ID.partial, each file fsynced as it is
 * closed, and becomes ID only after the manifest is written and the
 * directories fsynced: a directory without ".partial" always holds a
 * complete backup.  The catalogue's lock is held from the choice of the
 * id to the rename, so no other backup or prune runs meanwhile.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "catalog.h"
#include "cli.h"
#include "fs.h"
#include "gzw.h"
#include "manifest.h"
#include "output.h"
#include "result.h"

int
output_lock(struct backup *b, char *err, size_t errlen)
{
	char lock[8192];

	snprintf(lock, sizeof(lock), "%s/%s", b->root, CATALOG_LOCK);
	if (fs_mkdir_parents(b->root, err, errlen) == -1 ||
	    (b->lock_fd = fs_lock(lock, err, errlen)) == -1)
		return -1;
	return 0;
}

int
output_name(struct backup *b, char *err, size_t errlen)
{
	/*
	 * Named by its start time, with a sequence number after the first
	 * backup of a second (catalog_new_id): never a later second's id,
	 * which would lie about the time.
	 */
	b->started_at = time(NULL);
	if (catalog_new_id(b->root, b->started_at,
	    backup_type_names[b->type], b->id, err, errlen) == -1)
		return -1;
	snprintf(b->dir, sizeof(b->dir), "%s/%s.partial", b->root, b->id);
	return 0;
}

int
output_make_dirs(struct backup *b, char *err, size_t errlen)
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

struct gzw *
output_file_open(struct backup *b, const char *rel, int level, char *err,
    size_t errlen)
{
	char path[8192];

	snprintf(path, sizeof(path), "%s/%s", b->dir, rel);
	return gzw_open(path, b->opt->codec, level, b->seal, err, errlen);
}

int
output_file_close(struct backup *b, struct gzw *w, const char *rel,
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
	return entry != NULL ? 0 : -1;
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

int
output_finish(struct backup *b, const char *tool_version, char *err,
    size_t errlen)
{
	json_t *m = result_manifest(b, tool_version, time(NULL));
	int rc;

	if (m == NULL) {
		snprintf(err, errlen, "manifest: out of memory");
		return -1;
	}
	rc = manifest_write(b->dir, m, err, errlen);
	json_decref(m);
	snprintf(b->final, sizeof(b->final), "%s/%s", b->root, b->id);
	if (rc == 0)
		rc = sync_dirs(b, err, errlen);
	if (rc == 0)
		rc = fs_rename_durable(b->dir, b->final, err, errlen);
	if (rc == 0)
		b->finished = true;
	return rc;
}

void
output_end(struct backup *b)
{
	char msg[8192];

	if (!b->finished && b->dir[0] != '\0' && access(b->dir, F_OK) == 0 &&
	    fs_remove_tree(b->dir, msg, sizeof(msg)) == -1)
		cli_warn("%s", msg);
	if (b->lock_fd != -1)
		close(b->lock_fd);
	b->lock_fd = -1;
}
