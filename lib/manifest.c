/* SPDX-License-Identifier: ISC */
/*
 * manifest: reading, writing and checking manifest.json.  Reading is
 * strict (duplicate keys, a newer major version and missing fields are
 * errors) because a restore that guesses is worse than one that refuses,
 * and because the catalogue may be writable by others: the checks below
 * are the only ones, and every reader (dbrestore, dbprune, dbbackup list,
 * dbhealth) relies on them, so --verify refuses whatever a restore would
 * choke on.
 *
 * The checks go one function per level of the document (manifest, file,
 * database, table, column, chunk), each over the fields of its level with
 * the small field checkers below; a new field is one more line in its
 * level.  Messages name the entry as a path into the document
 * ("databases[0].tables[2].name: missing or not a string").  Fields no
 * reader uses are not checked: newer minor versions may add any.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "catalog.h"
#include "fs.h"
#include "sha256.h"
#include "manifest.h"
#include "parse.h"

/* Where a field is, for messages: "databases[0].tables[2]". */
#define WHERE_MAX 128

char *
manifest_encode(const json_t *m)
{
	return json_dumps(m, JSON_INDENT(2) | JSON_REAL_PRECISION(15));
}

int
manifest_write(const char *dir, const json_t *m, char *err, size_t errlen)
{
	char path[4096], *text;
	int rc;

	snprintf(path, sizeof(path), "%s/%s", dir, MANIFEST_NAME);
	if ((text = manifest_encode(m)) == NULL) {
		snprintf(err, errlen, "%s: cannot encode the manifest", path);
		return -1;
	}
	rc = fs_write_file(path, text, strlen(text), err, errlen);
	free(text);
	return rc;
}

/* The place of entry i of the array list in where: "where.list[i]". */
static const char *
entry(char out[WHERE_MAX], const char *where, const char *list, size_t i)
{
	size_t used = strlen(where);

	if (used + strlen(list) + 24 > WHERE_MAX)
		return "(too deep to name)";
	memcpy(out, where, used);
	if (used > 0)
		out[used++] = '.';
	sprintf(out + used, "%s[%zu]", list, i);
	return out;
}

/* Writes "where.key: why" into err and returns -1. */
static int
invalid(char *err, size_t errlen, const char *where, const char *key,
    const char *fmt, ...)
{
	char why[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	if (where[0] == '\0' && key == NULL)
		snprintf(err, errlen, "%s", why);
	else
		snprintf(err, errlen, "%s%s%s: %s", where, where[0] && key ?
		    "." : "", key ? key : "", why);
	return -1;
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

/* Whether v is a string without a NUL (which would cut it short in C). */
static bool
is_c_string(const json_t *v)
{
	return json_is_string(v) &&
	    json_string_length(v) == strlen(json_string_value(v));
}

/*
 * A database, table or column name: 1 to 64 characters (UTF-8, which
 * jansson has checked), so that every quoted name fits the buffers that
 * quote it.
 */
static int
check_name(const json_t *o, const char *key, const char *where, char *err,
    size_t errlen)
{
	const json_t *v = json_object_get(o, key);
	const unsigned char *s;
	size_t chars = 0;

	if (!is_c_string(v))
		return invalid(err, errlen, where, key, "missing or not a string");
	for (s = (const unsigned char *)json_string_value(v); *s; s++)
		chars += (*s & 0xc0) != 0x80;
	if (chars == 0 || chars > MANIFEST_NAME_CHARS)
		return invalid(err, errlen, where, key, "not a name of 1 to %d "
		    "characters", MANIFEST_NAME_CHARS);
	return 0;
}

/* A non-negative integer. */
static int
check_count(const json_t *o, const char *key, const char *where, char *err,
    size_t errlen)
{
	const json_t *v = json_object_get(o, key);

	if (!json_is_integer(v) || json_integer_value(v) < 0)
		return invalid(err, errlen, where, key,
		    "missing or not a non-negative integer");
	return 0;
}

/* A boolean. */
static int
check_bool(const json_t *o, const char *key, const char *where, char *err,
    size_t errlen)
{
	if (!json_is_boolean(json_object_get(o, key)))
		return invalid(err, errlen, where, key, "missing or not a boolean");
	return 0;
}

/* An array, into *out. */
static int
check_array(const json_t *o, const char *key, json_t **out, const char *where,
    char *err, size_t errlen)
{
	*out = json_object_get(o, key);
	if (!json_is_array(*out))
		return invalid(err, errlen, where, key, "missing or not an array");
	return 0;
}

/* One of the strings in values (NULL-terminated). */
static int
check_one_of(const json_t *o, const char *key, const char *const *values,
    const char *where, char *err, size_t errlen)
{
	const json_t *v = json_object_get(o, key);
	char list[128] = "";
	size_t i, used = 0;

	for (i = 0; is_c_string(v) && values[i] != NULL; i++)
		if (strcmp(json_string_value(v), values[i]) == 0)
			return 0;
	for (i = 0; values[i] != NULL && used < sizeof(list); i++)
		used += (size_t)snprintf(list + used, sizeof(list) - used,
		    "%s%s", i > 0 ? ", " : "", values[i]);
	return invalid(err, errlen, where, key, "missing or not one of %s",
	    list);
}

/*
 * A word of [a-z0-9_], at most 64 characters: character sets and
 * collations, which are written into SQL as they are.
 */
static int
check_word(const json_t *o, const char *key, const char *where, char *err,
    size_t errlen)
{
	const json_t *v = json_object_get(o, key);
	const char *s = json_string_value(v);
	size_t len;

	if (!is_c_string(v) || (len = strlen(s)) == 0 || len > 64 ||
	    strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_") != len)
		return invalid(err, errlen, where, key, "missing or not a word "
		    "of [a-z0-9_]");
	return 0;
}

/* A string of digits lower-case hex digits; null too when nullable. */
static int
check_hex(const json_t *o, const char *key, size_t digits, bool nullable,
    const char *where, char *err, size_t errlen)
{
	const json_t *v = json_object_get(o, key);
	const char *s = json_string_value(v);

	if (nullable && json_is_null(v))
		return 0;
	if (!is_c_string(v) || strlen(s) != digits ||
	    strspn(s, "0123456789abcdef") != digits)
		return invalid(err, errlen, where, key, "missing or not %zu "
		    "lower-case hex digits", digits);
	return 0;
}

/* A decimal integer in a string (BIGINT: written into SQL), or null. */
static int
check_integer_text(const json_t *o, const char *key, const char *where,
    char *err, size_t errlen)
{
	const json_t *v = json_object_get(o, key);
	char msg[128];
	long long n;

	if (json_is_null(v))
		return 0;
	if (!is_c_string(v) || parse_integer(json_string_value(v), LLONG_MIN + 1,
	    LLONG_MAX, &n, msg, sizeof(msg)) == -1)
		return invalid(err, errlen, where, key,
		    "missing or not an integer in a string, or null");
	return 0;
}

/* A backup id (never an ID.partial); null too when nullable. */
static int
check_id(const json_t *o, const char *key, bool nullable, const char *where,
    char *err, size_t errlen)
{
	const json_t *v = json_object_get(o, key);
	struct catalog_entry e;

	if (nullable && json_is_null(v))
		return 0;
	if (!is_c_string(v) || catalog_parse_name(json_string_value(v), &e) ==
	    -1 || e.partial)
		return invalid(err, errlen, where, key, "missing or not a backup "
		    "id");
	return 0;
}

/*
 * A file of the backup: a path among those files lists with a checksum,
 * or a damaged file could slip past verification; with nullable, null or
 * absent (no such file) too.
 */
static int
check_file(const json_t *o, const char *key, const json_t *files,
    bool nullable, const char *where, char *err, size_t errlen)
{
	const json_t *v = json_object_get(o, key);

	if (nullable && (v == NULL || json_is_null(v)))
		return 0;
	if (!is_c_string(v))
		return invalid(err, errlen, where, key, nullable ?
		    "not a string or null" : "missing or not a string");
	if (json_object_get(files, json_string_value(v)) == NULL) {
		snprintf(err, errlen, "refers to %s, which it does not list with "
		    "a checksum", json_string_value(v));
		return -1;
	}
	return 0;
}

/*
 * Adds the name at o's key to the set seen; a name seen before (what
 * would be restored twice) is an error.
 */
static int
check_unique(json_t *seen, const json_t *o, const char *key,
    const char *where, char *err, size_t errlen)
{
	const char *name = json_string_value(json_object_get(o, key));

	if (json_object_get(seen, name) != NULL)
		return invalid(err, errlen, where, key, "'%s' is listed twice",
		    name);
	if (json_object_set_new(seen, name, json_true()) == -1)
		return invalid(err, errlen, where, key, "out of memory");
	return 0;
}

/* One entry of files; its path goes into the set paths. */
static int
validate_file(const json_t *f, size_t i, json_t *paths, char *err,
    size_t errlen)
{
	const json_t *p = json_object_get(f, "path");

	if (!is_c_string(p) || !safe_path(json_string_value(p)) ||
	    check_count(f, "size_bytes", "", err, errlen) == -1 ||
	    check_hex(f, "sha256", 64, false, "", err, errlen) == -1 ||
	    check_unique(paths, f, "path", "", err, errlen) == -1) {
		snprintf(err, errlen, "malformed entry %zu in files", i);
		return -1;
	}
	return 0;
}

static int
validate_column(const json_t *c, const char *where, char *err, size_t errlen)
{
	/* tsv_load_names: a new kind is a new major version. */
	static const char *const loads[] = { "text", "bit", "char", NULL };

	if (!json_is_object(c))
		return invalid(err, errlen, where, NULL, "not an object");
	if (check_name(c, "name", where, err, errlen) == -1 ||
	    check_name(c, "type", where, err, errlen) == -1 ||
	    check_one_of(c, "load", loads, where, err, errlen) == -1)
		return -1;
	return 0;
}

static int
validate_chunk(const json_t *c, const json_t *files, const char *where,
    char *err, size_t errlen)
{
	if (!json_is_object(c))
		return invalid(err, errlen, where, NULL, "not an object");
	if (check_file(c, "file", files, false, where, err, errlen) == -1 ||
	    check_count(c, "rows", where, err, errlen) == -1 ||
	    check_hex(c, "checksum", 16, false, where, err, errlen) == -1)
		return -1;
	return 0;
}

static int
validate_table(const json_t *t, const json_t *files, const char *where,
    char *err, size_t errlen)
{
	static const char *const kinds[] = { "table", "sequence", NULL };
	char inner[WHERE_MAX];
	json_t *columns, *chunks, *v;
	size_t i;

	if (!json_is_object(t))
		return invalid(err, errlen, where, NULL, "not an object");
	if (check_name(t, "name", where, err, errlen) == -1 ||
	    check_one_of(t, "kind", kinds, where, err, errlen) == -1 ||
	    check_bool(t, "versioned", where, err, errlen) == -1 ||
	    check_file(t, "schema_file", files, true, where, err, errlen) == -1 ||
	    check_integer_text(t, "sequence_next", where, err, errlen) == -1 ||
	    check_array(t, "columns", &columns, where, err, errlen) == -1 ||
	    check_count(t, "rows", where, err, errlen) == -1 ||
	    check_hex(t, "checksum", 16, true, where, err, errlen) == -1 ||
	    check_array(t, "chunks", &chunks, where, err, errlen) == -1)
		return -1;
	json_array_foreach(columns, i, v) {
		if (validate_column(v, entry(inner, where, "columns", i), err,
		    errlen) == -1)
			return -1;
	}
	json_array_foreach(chunks, i, v) {
		if (validate_chunk(v, files, entry(inner, where, "chunks", i),
		    err, errlen) == -1)
			return -1;
	}
	return 0;
}

/*
 * Text of at most max bytes, none of them a control character, whose
 * bytes are all in allowed when that is set; absent passes unless
 * required.
 */
static int
check_text(const json_t *o, const char *key, bool required, size_t max,
    const char *allowed, const char *where, char *err, size_t errlen)
{
	const json_t *v = json_object_get(o, key);
	const unsigned char *s;

	if (v == NULL && !required)
		return 0;
	if (!is_c_string(v) || strlen(json_string_value(v)) > max)
		return invalid(err, errlen, where, key, "not a string of at most "
		    "%zu bytes", max);
	for (s = (const unsigned char *)json_string_value(v); *s; s++)
		if (*s < 0x20 || *s == 0x7f ||
		    (allowed != NULL && strchr(allowed, *s) == NULL))
			return invalid(err, errlen, where, key, "holds a byte it "
			    "cannot hold");
	return 0;
}

/* What a view reads: a name, where, and whether the backup holds it. */
static int
validate_ref(const json_t *r, const char *where, char *err, size_t errlen)
{
	static const char *const states[] = { "in_backup", "excluded",
	    "outside", NULL };

	if (!json_is_object(r))
		return invalid(err, errlen, where, NULL, "not an object");
	if (check_name(r, "database", where, err, errlen) == -1 ||
	    check_name(r, "name", where, err, errlen) == -1 ||
	    check_one_of(r, "state", states, where, err, errlen) == -1)
		return -1;
	return 0;
}

/*
 * A view, routine, trigger or event (format 1.1): its file, and the
 * context a restore sets from it, which must be what SQL can take.
 */
static int
validate_object(const json_t *o, const json_t *files, const char *where,
    char *err, size_t errlen)
{
	static const char *const kinds[] = { "view", "function", "procedure",
	    "package", "package body", "trigger", "event", NULL };
	static const char *const mode_chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZ_,";
	static const char *const zone_chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789/_+-:";
	char inner[WHERE_MAX];
	const char *kind;
	json_t *reads, *r;
	size_t i;

	if (!json_is_object(o))
		return invalid(err, errlen, where, NULL, "not an object");
	if (check_one_of(o, "kind", kinds, where, err, errlen) == -1 ||
	    check_name(o, "name", where, err, errlen) == -1 ||
	    check_file(o, "file", files, false, where, err, errlen) == -1 ||
	    check_text(o, "sql_mode", true, 1024, mode_chars, where, err,
	    errlen) == -1 ||
	    check_word(o, "character_set_client", where, err, errlen) == -1 ||
	    check_word(o, "collation_connection", where, err, errlen) == -1 ||
	    (json_object_get(o, "database_collation") != NULL &&
	    check_word(o, "database_collation", where, err, errlen) == -1) ||
	    check_text(o, "time_zone", false, 64, zone_chars, where, err,
	    errlen) == -1 ||
	    check_text(o, "invalid", false, 2048, NULL, where, err, errlen) == -1)
		return -1;
	kind = json_string_value(json_object_get(o, "kind"));
	if (strcmp(kind, "trigger") == 0 &&
	    check_name(o, "table", where, err, errlen) == -1)
		return -1;
	if (strcmp(kind, "view") != 0)
		return 0;
	if (check_array(o, "reads", &reads, where, err, errlen) == -1)
		return -1;
	json_array_foreach(reads, i, r) {
		if (validate_ref(r, entry(inner, where, "reads", i), err,
		    errlen) == -1)
			return -1;
	}
	return 0;
}

static int
validate_database(const json_t *d, const json_t *files, const char *where,
    char *err, size_t errlen)
{
	static const char *const object_files[] = { "views_file",
	    "routines_file", "triggers_file", "events_file", NULL };
	char inner[WHERE_MAX];
	json_t *tables, *t, *names, *objects;
	size_t i;
	int rc = -1;

	if (!json_is_object(d))
		return invalid(err, errlen, where, NULL, "not an object");
	if (check_name(d, "name", where, err, errlen) == -1 ||
	    check_word(d, "charset", where, err, errlen) == -1 ||
	    check_word(d, "collation", where, err, errlen) == -1 ||
	    check_array(d, "tables", &tables, where, err, errlen) == -1)
		return -1;
	for (i = 0; object_files[i] != NULL; i++)
		if (check_file(d, object_files[i], files, true, where, err,
		    errlen) == -1)
			return -1;
	if ((names = json_object()) == NULL)
		return invalid(err, errlen, where, NULL, "out of memory");
	json_array_foreach(tables, i, t) {
		const char *at = entry(inner, where, "tables", i);

		if (validate_table(t, files, at, err, errlen) == -1 ||
		    check_unique(names, t, "name", at, err, errlen) == -1)
			goto out;
	}
	/* Format 1.1: absent in a backup of format 1.0. */
	if (json_object_get(d, "objects") != NULL) {
		if (check_array(d, "objects", &objects, where, err, errlen) == -1)
			goto out;
		json_array_foreach(objects, i, t) {
			if (validate_object(t, files, entry(inner, where, "objects",
			    i), err, errlen) == -1)
				goto out;
		}
	}
	rc = 0;
out:
	json_decref(names);
	return rc;
}

static int
validate_totals(const json_t *m, char *err, size_t errlen)
{
	static const char *const counts[] = { "databases", "tables", "rows",
	    "files", "raw_bytes", "stored_bytes", NULL };
	const json_t *totals = json_object_get(m, "totals");
	size_t i;

	if (!json_is_object(totals))
		return invalid(err, errlen, "totals", NULL,
		    "missing or not an object");
	for (i = 0; counts[i] != NULL; i++)
		if (check_count(totals, counts[i], "totals", err, errlen) == -1)
			return -1;
	return 0;
}

/* The format and its version first: a newer one is refused as such. */
static int
validate_format(const json_t *m, char *err, size_t errlen)
{
	const json_t *version = json_object_get(m, "format_version");
	json_int_t major;

	if (!json_is_object(m) || !json_is_string(json_object_get(m, "format")) ||
	    strcmp(json_string_value(json_object_get(m, "format")),
	    MANIFEST_FORMAT) != 0 || !json_is_integer(version)) {
		snprintf(err, errlen, "not a dbkit backup manifest");
		return -1;
	}
	major = json_integer_value(version);
	if (major > MANIFEST_VERSION_MAJOR) {
		snprintf(err, errlen, "format version %lld is newer than this "
		    "dbkit reads (%d); use a newer dbrestore", (long long)major,
		    MANIFEST_VERSION_MAJOR);
		return -1;
	}
	if (major < 1)
		return invalid(err, errlen, "", "format_version", "%lld is not "
		    "a format version", (long long)major);
	return 0;
}

/* A binary log file name as servers write them: no path, not hidden. */
static bool
binlog_name(const json_t *v)
{
	const char *s = json_string_value(v);
	size_t len;

	if (!is_c_string(v))
		return false;
	len = strlen(s);
	return len > 0 && len < 256 && s[0] != '.' && strspn(s,
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-")
	    == len;
}

/* A position in a server's binary log: file, position, GTID state or null. */
static int
validate_coord(const json_t *c, const char *where, char *err, size_t errlen)
{
	const json_t *pos = json_object_get(c, "position");
	const json_t *gtid = json_object_get(c, "gtid");
	const char *g = json_string_value(gtid);

	if (!json_is_object(c))
		return invalid(err, errlen, where, NULL, "missing or not an "
		    "object");
	if (!binlog_name(json_object_get(c, "file")))
		return invalid(err, errlen, where, "file", "missing or not a "
		    "binary log file name");
	if (!json_is_integer(pos) || json_integer_value(pos) < 4 ||
	    json_integer_value(pos) > UINT32_MAX)
		return invalid(err, errlen, where, "position", "missing or not "
		    "a binary log position");
	if (!json_is_null(gtid) && (!is_c_string(gtid) || strlen(g) > 1000 ||
	    strspn(g, "0123456789-,") != strlen(g)))
		return invalid(err, errlen, where, "gtid", "not a GTID state or "
		    "null");
	return 0;
}

/* An incremental's range and its binlog files, each listed in files. */
static int
validate_binlog(const json_t *m, const json_t *paths, char *err,
    size_t errlen)
{
	const json_t *bl = json_object_get(m, "binlog"), *v;
	char where[WHERE_MAX];
	json_t *files;
	size_t i;

	if (json_is_null(json_object_get(m, "parent")))
		return invalid(err, errlen, "", "parent", "an incremental "
		    "backup names its parent");
	if (!json_is_object(bl))
		return invalid(err, errlen, "", "binlog", "missing or not an "
		    "object");
	if (validate_coord(json_object_get(bl, "start"), "binlog.start", err,
	    errlen) == -1 ||
	    validate_coord(json_object_get(bl, "end"), "binlog.end", err,
	    errlen) == -1 ||
	    check_count(bl, "events", "binlog", err, errlen) == -1 ||
	    check_count(bl, "transactions", "binlog", err, errlen) == -1 ||
	    check_array(bl, "files", &files, "binlog", err, errlen) == -1)
		return -1;
	json_array_foreach(files, i, v) {
		const char *at = entry(where, "binlog", "files", i);

		if (!json_is_object(v))
			return invalid(err, errlen, at, NULL, "not an object");
		if (!binlog_name(json_object_get(v, "name")))
			return invalid(err, errlen, at, "name", "missing or not a "
			    "binary log file name");
		if (check_file(v, "file", paths, false, at, err, errlen) == -1)
			return -1;
	}
	return 0;
}

bool
manifest_encrypted(const json_t *m)
{
	const char *e = json_string_value(json_object_get(m, "encryption"));

	return json_integer_value(json_object_get(m, "format_version")) >= 3 &&
	    e != NULL && strcmp(e, "age") == 0;
}

const char *
manifest_text(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s != NULL ? s : "";
}

void
manifest_replica_sources(const json_t *replica, char *buf, size_t len)
{
	const json_t *sources = json_object_get(replica, "sources");
	size_t i, used = 0;

	buf[0] = '\0';
	for (i = 0; i < json_array_size(sources) && used < len; i++) {
		const json_t *s = json_array_get(sources, i);
		const char *host = json_string_value(json_object_get(s, "host"));
		int n = snprintf(buf + used, len - used, "%s%s:%lld",
		    i > 0 ? ", " : "", host != NULL ? host : "?",
		    (long long)json_integer_value(json_object_get(s, "port")));

		if (n < 0)
			break;
		used += (size_t)n;
	}
}

/*
 * An encrypted backup's envelope: what the catalogue's readers use
 * without a key.  The rest is in the private manifest.
 */
static int
validate_envelope(const json_t *m, json_t *paths, char *err, size_t errlen)
{
	const json_t *snap = json_object_get(m, "snapshot");
	const json_t *server = json_object_get(m, "server");

	if (!manifest_encrypted(m))
		return invalid(err, errlen, "", "encryption", "missing or not "
		    "\"age\"");
	if (check_id(m, "id", false, "", err, errlen) == -1 ||
	    check_word(m, "type", "", err, errlen) == -1 ||
	    check_id(m, "parent", true, "", err, errlen) == -1 ||
	    check_file(m, "private", paths, false, "", err, errlen) == -1)
		return -1;
	if (!json_is_object(json_object_get(m, "totals")) ||
	    check_count(json_object_get(m, "totals"), "stored_bytes", "totals",
	    err, errlen) == -1)
		return invalid(err, errlen, "totals", "stored_bytes", "missing "
		    "or not a count");
	if (!json_is_object(snap) || !json_is_object(server) ||
	    !json_is_integer(json_object_get(server, "server_id")))
		return invalid(err, errlen, "", "snapshot", "missing, or the "
		    "server's id is");
	return 0;
}

/* Every level, top down; paths collects the files listed. */
static int
validate_manifest(const json_t *m, json_t *paths, char *err, size_t errlen)
{
	char where[WHERE_MAX];
	json_t *files, *dbs, *v;
	json_t *names;
	size_t i;
	int rc = -1;

	if (validate_format(m, err, errlen) == -1 ||
	    check_array(m, "files", &files, "", err, errlen) == -1)
		return -1;
	json_array_foreach(files, i, v)
		if (validate_file(v, i, paths, err, errlen) == -1)
			return -1;
	if (json_integer_value(json_object_get(m, "format_version")) >= 3)
		return validate_envelope(m, paths, err, errlen);
	if (check_id(m, "id", false, "", err, errlen) == -1 ||
	    check_word(m, "type", "", err, errlen) == -1 ||
	    check_id(m, "parent", true, "", err, errlen) == -1 ||
	    (strcmp(json_string_value(json_object_get(m, "type")),
	    "incremental") == 0 && validate_binlog(m, paths, err,
	    errlen) == -1) ||
	    check_file(m, "grants_file", paths, true, "", err, errlen) == -1 ||
	    validate_totals(m, err, errlen) == -1 ||
	    check_array(m, "databases", &dbs, "", err, errlen) == -1)
		return -1;
	if ((names = json_object()) == NULL)
		return invalid(err, errlen, "", NULL, "out of memory");
	json_array_foreach(dbs, i, v) {
		const char *at = entry(where, "", "databases", i);

		if (validate_database(v, paths, at, err, errlen) == -1 ||
		    check_unique(names, v, "name", at, err, errlen) == -1)
			goto out;
	}
	rc = 0;
out:
	json_decref(names);
	return rc;
}

/*
 * Messages quote what the manifest holds (names, paths, jansson's "near
 * '...'"); a control character there must not break the one line.
 */
static void
one_line(char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			*s = '?';
}

json_t *
manifest_parse(const char *text, size_t len, const char *label, char *err,
    size_t errlen)
{
	json_t *m, *paths;
	json_error_t je;
	char msg[512];
	int rc;

	if ((m = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je)) == NULL) {
		one_line(je.text);
		snprintf(err, errlen, "%s: not valid JSON: line %d: %s", label,
		    je.line, je.text);
		return NULL;
	}
	if ((paths = json_object()) == NULL) {
		snprintf(msg, sizeof(msg), "out of memory");
		rc = -1;
	} else
		rc = validate_manifest(m, paths, msg, sizeof(msg));
	json_decref(paths);
	if (rc == -1) {
		one_line(msg);
		snprintf(err, errlen, "%s: %s", label, msg);
		json_decref(m);
		return NULL;
	}
	return m;
}

json_t *
manifest_read(const char *dir, char *err, size_t errlen)
{
	char label[4096];
	size_t len;
	json_t *m;
	char *text;
	int fd;

	snprintf(label, sizeof(label), "%s/%s", dir, MANIFEST_NAME);
	if ((fd = fs_open_in(dir, MANIFEST_NAME, err, errlen)) == -1)
		return NULL;
	text = fs_read_fd(fd, label, MANIFEST_MAX, &len, err, errlen);
	(void)close(fd);
	if (text == NULL)
		return NULL;
	m = manifest_parse(text, len, label, err, errlen);
	free(text);
	return m;
}

/*
 * Checks one listed file; its size first, so that a file swapped for a
 * larger one is refused without reading it.
 */
static int
verify_file(const char *dir, const char *rel, json_int_t want,
    const char *sha, char *err, size_t errlen)
{
	char path[4096 + 1024], hex[65];
	struct stat st;
	uint64_t size;
	int fd, rc = -1;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	if ((fd = fs_open_in(dir, rel, err, errlen)) == -1)
		return -1;
	if (fstat(fd, &st) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto out;
	}
	size = (uint64_t)st.st_size;
	if (size == (uint64_t)want && hash_fd_sha256(fd, path, hex, &size, err,
	    errlen) == -1)
		goto out;
	if (size != (uint64_t)want)
		snprintf(err, errlen, "%s: size is %" PRIu64 " bytes, the "
		    "manifest says %lld: truncated or replaced", path, size,
		    (long long)want);
	else if (strcmp(hex, sha) != 0)
		snprintf(err, errlen, "%s: SHA-256 does not match the "
		    "manifest: the file is damaged or was changed", path);
	else
		rc = 0;
out:
	(void)close(fd);
	return rc;
}

int
manifest_verify_files(const char *dir, const json_t *m, char *err,
    size_t errlen)
{
	const json_t *f;
	size_t i;

	json_array_foreach(json_object_get(m, "files"), i, f)
		if (verify_file(dir, json_string_value(json_object_get(f, "path")),
		    json_integer_value(json_object_get(f, "size_bytes")),
		    json_string_value(json_object_get(f, "sha256")), err,
		    errlen) == -1)
			return -1;
	return 0;
}

