/* SPDX-License-Identifier: ISC */
/*
 * manifest: reading, writing and checking manifest.json.  Reading is
 * strict (duplicate keys, a newer major version and missing fields are
 * errors) because a restore that guesses is worse than one that refuses.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fsutil.h"
#include "hash.h"
#include "manifest.h"

#define MANIFEST_MAX (256u << 20)

int
manifest_write(const char *dir, const json_t *m, char *err, size_t errlen)
{
	char path[4096], *text;
	int rc;

	snprintf(path, sizeof(path), "%s/%s", dir, MANIFEST_NAME);
	if ((text = json_dumps(m, JSON_INDENT(2) | JSON_REAL_PRECISION(15))) ==
	    NULL) {
		snprintf(err, errlen, "%s: cannot encode the manifest", path);
		return -1;
	}
	rc = fs_write_file(path, text, strlen(text), err, errlen);
	free(text);
	return rc;
}

/* A relative path without empty, "." or ".." parts: it stays in the backup. */
static bool
safe_path(const char *p)
{
	const char *s = p, *slash;
	size_t len;

	if (p[0] == '/')
		return false;
	for (;;) {
		slash = strchr(s, '/');
		len = slash ? (size_t)(slash - s) : strlen(s);
		if (len == 0 || (len == 1 && s[0] == '.') ||
		    (len == 2 && s[0] == '.' && s[1] == '.'))
			return false;
		if (slash == NULL)
			return true;
		s = slash + 1;
	}
}

/* Whether path p (a string, or null: no file) is one of the listed files. */
static bool
listed(json_t *set, json_t *p)
{
	return json_is_null(p) || p == NULL ||
	    (json_is_string(p) && json_object_get(set, json_string_value(p)));
}

/*
 * Every file the manifest refers to must be among the files it lists with
 * a checksum, or a damaged file could slip past verification.  Returns the
 * first path that is not, or NULL.
 */
static const char *
unlisted_reference(json_t *m, json_t *set)
{
	static const char *const db_files[] = { "views_file", "routines_file",
	    "triggers_file", "events_file" };
	json_t *d, *t, *c, *p;
	size_t i, j, k;

	p = json_object_get(m, "grants_file");
	if (!listed(set, p))
		return json_string_value(p);
	json_array_foreach(json_object_get(m, "databases"), i, d) {
		for (k = 0; k < 4; k++)
			if (!listed(set, p = json_object_get(d, db_files[k])))
				return json_is_string(p) ? json_string_value(p) : "?";
		json_array_foreach(json_object_get(d, "tables"), j, t) {
			if (!listed(set, p = json_object_get(t, "schema_file")))
				return json_is_string(p) ? json_string_value(p) : "?";
			json_array_foreach(json_object_get(t, "chunks"), k, c)
				if (json_is_null(p = json_object_get(c, "file")) ||
				    !listed(set, p))
					return json_is_string(p) ?
					    json_string_value(p) : "?";
		}
	}
	return NULL;
}

json_t *
manifest_read(const char *dir, char *err, size_t errlen)
{
	char path[4096];
	const char *format = NULL, *id = NULL, *type = NULL;
	json_int_t major = 0;
	json_t *m, *files = NULL, *databases = NULL, *f, *set = NULL;
	const char *missing;
	json_error_t je;
	size_t i, len;
	char *text;

	snprintf(path, sizeof(path), "%s/%s", dir, MANIFEST_NAME);
	if ((text = fs_read_file(path, MANIFEST_MAX, &len, err, errlen)) == NULL)
		return NULL;
	m = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	free(text);
	if (m == NULL) {
		snprintf(err, errlen, "%s: not valid JSON: line %d: %s", path,
		    je.line, je.text);
		return NULL;
	}
	if (json_unpack(m, "{s:s, s:I, s:s, s:s, s:o, s:o}", "format", &format,
	    "format_version", &major, "id", &id, "type", &type,
	    "databases", &databases, "files", &files) == -1 ||
	    strcmp(format, MANIFEST_FORMAT) != 0) {
		snprintf(err, errlen, "%s: not a dbkit backup manifest", path);
		goto bad;
	}
	if (major > MANIFEST_VERSION_MAJOR) {
		snprintf(err, errlen, "%s: format version %lld is newer than "
		    "this dbkit reads (%d); use a newer dbrestore", path,
		    (long long)major, MANIFEST_VERSION_MAJOR);
		goto bad;
	}
	if (!json_is_array(databases) || !json_is_array(files)) {
		snprintf(err, errlen, "%s: malformed manifest", path);
		goto bad;
	}
	if ((set = json_object()) == NULL) {
		snprintf(err, errlen, "%s: out of memory", path);
		goto bad;
	}
	json_array_foreach(files, i, f) {
		const char *p = NULL, *sha = NULL;
		json_int_t size = -1;

		if (json_unpack(f, "{s:s, s:I, s:s}", "path", &p, "size_bytes",
		    &size, "sha256", &sha) == -1 || !safe_path(p) || size < 0 ||
		    strlen(sha) != 64) {
			snprintf(err, errlen, "%s: malformed entry %zu in files",
			    path, i);
			goto bad;
		}
		json_object_set_new(set, p, json_true());
	}
	if ((missing = unlisted_reference(m, set)) != NULL) {
		snprintf(err, errlen, "%s: refers to %s, which it does not list "
		    "with a checksum", path, missing);
		goto bad;
	}
	json_decref(set);
	return m;
bad:
	json_decref(set);
	json_decref(m);
	return NULL;
}

int
manifest_verify_files(const char *dir, const json_t *m, char *err,
    size_t errlen)
{
	json_t *f;
	size_t i;
	char path[4096], hex[65];
	uint64_t size;

	json_array_foreach(json_object_get(m, "files"), i, f) {
		const char *p = json_string_value(json_object_get(f, "path"));
		const char *sha = json_string_value(json_object_get(f, "sha256"));
		json_int_t want = json_integer_value(json_object_get(f,
		    "size_bytes"));

		snprintf(path, sizeof(path), "%s/%s", dir, p);
		if (hash_file_sha256(path, hex, &size, err, errlen) == -1)
			return -1;
		if (size != (uint64_t)want) {
			snprintf(err, errlen, "%s: size is %" PRIu64 " bytes, the "
			    "manifest says %lld: truncated or replaced", path, size,
			    (long long)want);
			return -1;
		}
		if (strcmp(hex, sha) != 0) {
			snprintf(err, errlen, "%s: SHA-256 does not match the "
			    "manifest: the file is damaged or was changed", path);
			return -1;
		}
	}
	return 0;
}
