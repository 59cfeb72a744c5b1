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

#include <sodium.h>

#include "catalog.h"
#include "cli.h"
#include "envelope.h"
#include "fs.h"
#include "gzw.h"
#include "manifest.h"
#include "output.h"
#include "result.h"
#include "stream.h"

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
	const char *spool = b->opt->tmpdir != NULL ? b->opt->tmpdir :
	    b->root;

	b->started_at = time(NULL);
	if (catalog_new_id(b->root, b->started_at,
	    backup_type_names[b->type], b->id, err, errlen) == -1)
		return -1;
	/* --archive: the backup is staged whole, then streamed (stream.c). */
	if (spool != b->root && fs_mkdir_parents(spool, err, errlen) == -1)
		return -1;
	snprintf(b->dir, sizeof(b->dir), "%s/%s.partial", spool, b->id);
	return 0;
}

int
output_make_dirs(struct backup *b, char *err, size_t errlen)
{
	char path[8192];
	size_t i;

	if (fs_mkdir_private(b->dir, err, errlen) == -1)
		return -1;
	/* Encrypted files are all in the top directory. */
	for (i = 0; i < b->n_dbs && b->seal == NULL; i++) {
		snprintf(path, sizeof(path), "%s/%s", b->dir, b->dbs[i].dir);
		if (fs_mkdir_private(path, err, errlen) == -1)
			return -1;
	}
	return 0;
}

/* "0123...ef.age": 32 hex digits, and the NUL. */
#define OUTPUT_STORED_LEN (32 + 4 + 1)

/*
 * The name file rel has on disk: rel itself, or, encrypting, an opaque
 * name from a keyed hash of rel, in the backup's top directory, so that
 * no database or table name shows.
 */
static const char *
output_stored_name(const struct backup *b, const char *rel,
    char out[OUTPUT_STORED_LEN])
{
	unsigned char mac[crypto_auth_hmacsha256_BYTES];

	if (b->seal == NULL)
		return rel;
	crypto_auth_hmacsha256(mac, (const unsigned char *)rel, strlen(rel),
	    b->name_key);
	sodium_bin2hex(out, OUTPUT_STORED_LEN, mac, 16);
	memcpy(out + 32, ".age", 5);
	return out;
}

struct gzw *
output_file_open(struct backup *b, const char *rel, int level, char *err,
    size_t errlen)
{
	char path[8192], stored[OUTPUT_STORED_LEN];

	snprintf(path, sizeof(path), "%s/%s", b->dir,
	    output_stored_name(b, rel, stored));
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

	for (i = 0; i < b->n_dbs && b->seal == NULL; i++) {
		snprintf(path, sizeof(path), "%s/%s", b->dir, b->dbs[i].dir);
		if (fs_fsync_dir(path, err, errlen) == -1)
			return -1;
	}
	return fs_fsync_dir(b->dir, err, errlen);
}

/* The members of a manifest that name a file of the backup. */
static bool
names_file(const char *key)
{
	static const char *const keys[] = { "path", "file", "schema_file",
	    "views_file", "routines_file", "triggers_file", "events_file",
	    "grants_file", NULL };

	for (size_t i = 0; keys[i] != NULL; i++)
		if (strcmp(key, keys[i]) == 0)
			return true;
	return false;
}

/*
 * Renames every file a manifest names to its name on disk: the values of
 * the members that name files which are files of the backup (listed, a
 * set in paths), not an incremental's binlog coordinates ("file" too).
 * 0 or -1.
 */
static int
map_names(const struct backup *b, json_t *v, const json_t *paths)
{
	char stored[OUTPUT_STORED_LEN];
	const char *key;
	json_t *m;
	size_t i;

	if (json_is_array(v))
		json_array_foreach(v, i, m)
			if (map_names(b, m, paths) == -1)
				return -1;
	if (json_is_object(v))
		json_object_foreach(v, key, m) {
			if (json_is_string(m) && names_file(key) &&
			    json_object_get(paths, json_string_value(m)) !=
			    NULL) {
				if (json_object_set_new(v, key, json_string(
				    output_stored_name(b, json_string_value(m),
				    stored))) == -1)
					return -1;
			} else if (map_names(b, m, paths) == -1)
				return -1;
		}
	return 0;
}

/*
 * Encrypting: the manifest, its file names mapped, is itself an encrypted
 * file of the backup (MANIFEST_PRIVATE); manifest.json is its envelope,
 * which holds nothing of the content (see dbkit-backup(5)).
 */
static int
write_sealed(struct backup *b, json_t *m, char *err, size_t errlen)
{
	struct gzw_result r;
	json_t *env, *paths = json_object(), *f;
	struct gzw *w;
	char path[8192], *text;
	size_t i;
	int rc;

	snprintf(path, sizeof(path), "%s/%s", b->dir, MANIFEST_PRIVATE);
	json_array_foreach(json_object_get(m, "files"), i, f)
		json_object_set(paths, json_string_value(json_object_get(f,
		    "path")), json_true());
	rc = map_names(b, m, paths);
	json_decref(paths);
	if (rc == -1 || (text = manifest_encode(m)) == NULL) {
		snprintf(err, errlen, "%s: cannot encode the manifest", path);
		return -1;
	}
	if ((w = gzw_open(path, b->opt->codec, b->opt->level, b->seal, err,
	    errlen)) == NULL) {
		free(text);
		return -1;
	}
	rc = gzw_write(w, text, strlen(text), err, errlen);
	free(text);
	if (rc == -1) {
		gzw_abort(w);
		return -1;
	}
	if (gzw_close(w, &r, err, errlen) == -1)
		return -1;
	if ((env = manifest_envelope(m, MANIFEST_PRIVATE, r.size_bytes,
	    r.sha256)) == NULL) {
		snprintf(err, errlen, "manifest: out of memory");
		return -1;
	}
	rc = manifest_write(b->dir, env, err, errlen);
	json_decref(env);
	return rc;
}

int
output_finish(struct backup *b, const char *tool_version, char *err,
    size_t errlen)
{
	json_t *m = result_manifest(b, tool_version, time(NULL));
	char msg[8192];
	int rc;

	if (m == NULL) {
		snprintf(err, errlen, "manifest: out of memory");
		return -1;
	}
	rc = b->seal != NULL ? write_sealed(b, m, err, errlen) :
	    manifest_write(b->dir, m, err, errlen);
	json_decref(m);
	if (b->opt->archive != NULL) {
		snprintf(b->final, sizeof(b->final), "%s", b->opt->archive);
		if (rc == 0 && (rc = stream_backup(b, err, errlen)) == 0) {
			b->finished = true;
			if (fs_remove_tree(b->dir, msg, sizeof(msg)) == -1)
				cli_warn("%s", msg);
		}
		return rc;
	}
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
