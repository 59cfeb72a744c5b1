/* SPDX-License-Identifier: ISC */
/*
 * envelope: an encrypted backup's two manifests (dbkit-backup(5)).  The
 * manifest proper is written like any file of the backup, compressed and
 * encrypted, as MANIFEST_PRIVATE; manifest.json is its envelope, which
 * holds what the catalogue's readers need without a key (the backup's
 * id, type, parent, times, binary log coordinates, server id and every
 * file's opaque name, size and SHA-256) and nothing of the content.
 * Apart from manifest.c so that a program that only reads envelopes
 * (dbhealth) links neither the decompressors nor libsodium.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "envelope.h"
#include "gzr.h"
#include "manifest.h"

json_t *
manifest_envelope(const json_t *m, const char *private, uint64_t size,
    const char *sha)
{
	const json_t *snap = json_object_get(m, "snapshot");
	json_t *env, *all = json_deep_copy(json_object_get(m, "files"));
	json_int_t stored = json_integer_value(json_object_get(json_object_get(
	    m, "totals"), "stored_bytes"));

	if (all == NULL || json_array_append_new(all, json_pack("{s:s, s:I, "
	    "s:s}", "path", private, "size_bytes", (json_int_t)size, "sha256",
	    sha)) == -1) {
		json_decref(all);
		return NULL;
	}
	env = json_pack("{s:s, s:i, s:i, s:O, s:O, s:O, s:O, s:O, s:O,"
	    " s:{s:O}, s:{s:O, s:O, s:O, s:O}, s:s, s:s, s:o, s:{s:I}}",
	    "format", MANIFEST_FORMAT,
	    "format_version", 3,
	    "format_minor", MANIFEST_V3_MINOR,
	    "tool_version", json_object_get(m, "tool_version"),
	    "id", json_object_get(m, "id"),
	    "type", json_object_get(m, "type"),
	    "parent", json_object_get(m, "parent"),
	    "started_at", json_object_get(m, "started_at"),
	    "finished_at", json_object_get(m, "finished_at"),
	    "server", "server_id", json_object_get(json_object_get(m, "server"),
	    "server_id"),
	    "snapshot", "method", json_object_get(snap, "method"),
	    "binlog_file", json_object_get(snap, "binlog_file"),
	    "binlog_position", json_object_get(snap, "binlog_position"),
	    "gtid", json_object_get(snap, "gtid"),
	    "encryption", "age",
	    "private", private,
	    "files", all,
	    "totals", "stored_bytes", (json_int_t)(stored + (json_int_t)size));
	return env;
}

/* Whether the private manifest m agrees with its envelope env. */
static bool
agrees(const json_t *m, const json_t *env)
{
	static const char *const same[] = { "id", "type", "parent", NULL };
	const json_t *f, *files = json_object_get(env, "files");
	json_t *mine;
	bool equal;
	size_t i;

	for (i = 0; same[i] != NULL; i++)
		if (!json_equal(json_object_get(m, same[i]),
		    json_object_get(env, same[i])))
			return false;
	if (json_integer_value(json_object_get(m, "format_version")) >= 3 ||
	    (mine = json_array()) == NULL)
		return false;
	json_array_foreach(files, i, f)
		if (strcmp(json_string_value(json_object_get(f, "path")),
		    json_string_value(json_object_get(env, "private"))) != 0)
			json_array_append(mine, (json_t *)f);
	equal = json_equal(mine, json_object_get(m, "files"));
	json_decref(mine);
	return equal;
}

json_t *
manifest_read_private(const char *dir, const json_t *env,
    struct age_keys *keys, char *err, size_t errlen)
{
	const char *rel = json_string_value(json_object_get(env, "private"));
	char label[4096], *text = NULL, *grown;
	size_t len = 0, cap = 0;
	struct gzr *in;
	json_t *m = NULL;
	ssize_t n;

	snprintf(label, sizeof(label), "%s/%s", dir, rel);
	if ((in = gzr_open_in(dir, rel, keys, err, errlen)) == NULL)
		return NULL;
	do {
		if (len == cap) {
			cap = cap == 0 ? 65536 : 2 * cap;
			if (cap > MANIFEST_MAX || (grown = realloc(text, cap)) ==
			    NULL) {
				snprintf(err, errlen, "%s: %s", label, cap >
				    MANIFEST_MAX ? "too large" : "out of memory");
				goto out;
			}
			text = grown;
		}
		if ((n = gzr_read(in, text + len, cap - len, err, errlen)) ==
		    -1)
			goto out;
		len += (size_t)n;
	} while (n > 0);
	if ((m = manifest_parse(text, len, label, err, errlen)) != NULL &&
	    !agrees(m, env)) {
		snprintf(err, errlen, "%s: does not agree with %s (its id, "
		    "type, parent or files differ): the backup was tampered "
		    "with", label, MANIFEST_NAME);
		json_decref(m);
		m = NULL;
	}
out:
	gzr_close(in);
	free(text);
	return m;
}
