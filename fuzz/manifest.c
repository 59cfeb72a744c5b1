/* SPDX-License-Identifier: ISC */
/*
 * fuzz/manifest: libFuzzer target for the manifest reader.  Each input
 * is parsed with manifest_parse, as manifest.json would be; any crash,
 * leak or undefined behaviour is a bug (the build has ASan and UBSan).
 * A manifest it accepts is then walked the way the readers walk it
 * (dbrestore's plan, apply, load, check and sqlout, dbprune, dbbackup
 * list, dbhealth), and the target aborts if anything a reader takes for
 * granted does not hold: that every string it uses is there, every name
 * quotes into the buffers it is quoted into, and so on.  So the fuzzer
 * checks the promise manifest_parse makes, not only that it survives.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "manifest.h"
#include "name.h"

/* Aborts when a reader's assumption about m fails: the fuzzer's finding. */
#define REQUIRE(cond)                                                       \
	do {                                                                \
		if (!(cond)) {                                              \
			fprintf(stderr, "manifest accepted, but not: %s\n", \
			    #cond);                                         \
			abort();                                            \
		}                                                           \
	} while (0)

/* A string a reader passes to strlen, strcmp or printf. */
static const char *
string(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	REQUIRE(s != NULL);
	return s;
}

/* A name, quoted into the 2 * 256 + 3 bytes the readers give it. */
static void
name(const json_t *o, const char *key)
{
	char q[2 * 256 + 3];

	REQUIRE(name_quote(string(o, key), q, sizeof(q)) == 0);
}

/* A file a reader opens: a string the manifest lists, or null/absent. */
static void
file(const json_t *m, const json_t *o, const char *key, int nullable)
{
	const json_t *v = json_object_get(o, key), *f;
	size_t i;

	if (nullable && (v == NULL || json_is_null(v)))
		return;
	REQUIRE(json_is_string(v));
	json_array_foreach(json_object_get(m, "files"), i, f)
		if (strcmp(string(f, "path"), json_string_value(v)) == 0)
			return;
	REQUIRE(!"a file the manifest does not list");
}

static void
integer(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);

	REQUIRE(json_is_integer(v) && json_integer_value(v) >= 0);
}

/* A path that stays in the backup: relative, no empty, "." or ".." part. */
static void
inside(const char *path)
{
	const char *p = path;
	size_t len;

	REQUIRE(path[0] != '/');
	for (;;) {
		len = strcspn(p, "/");
		REQUIRE(len > 0 && strncmp(p, ".", len) != 0 &&
		    strncmp(p, "..", len) != 0);
		if (p[len] == '\0')
			return;
		p += len + 1;
	}
}

/* A word dbrestore writes into SQL as it is. */
static void
word(const json_t *o, const char *key)
{
	const char *s = string(o, key);

	REQUIRE(s[0] && strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_") ==
	    strlen(s));
}

/* A view, routine, trigger or event, as dbrestore's objects.c reads it. */
static void
object(const json_t *m, const json_t *o)
{
	const json_t *r, *v;
	size_t i;

	(void)string(o, "kind");
	name(o, "name");
	file(m, o, "file", 0);
	REQUIRE(strspn(string(o, "sql_mode"), "ABCDEFGHIJKLMNOPQRSTUVWXYZ_,") ==
	    strlen(string(o, "sql_mode")));
	word(o, "character_set_client");
	word(o, "collation_connection");
	if ((v = json_object_get(o, "database_collation")) != NULL)
		word(o, "database_collation");
	if (strcmp(string(o, "kind"), "trigger") == 0)
		name(o, "table");
	json_array_foreach(json_object_get(o, "reads"), i, r) {
		name(r, "database");
		name(r, "name");
		(void)string(r, "state");
	}
}

static void
walk(const json_t *m)
{
	static const char *const object_files[] = { "views_file",
	    "routines_file", "triggers_file", "events_file" };
	const json_t *d, *t, *c, *f;
	const char *s;
	size_t i, j, k;

	(void)string(m, "id");
	file(m, m, "grants_file", 1);
	integer(json_object_get(m, "totals"), "raw_bytes");
	integer(json_object_get(m, "totals"), "stored_bytes");
	json_array_foreach(json_object_get(m, "files"), i, f) {
		integer(f, "size_bytes");
		REQUIRE(strlen(string(f, "sha256")) == 64);
		inside(string(f, "path"));
	}
	json_array_foreach(json_object_get(m, "databases"), i, d) {
		name(d, "name");
		s = string(d, "charset");
		REQUIRE(s[0] && strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_") ==
		    strlen(s));
		s = string(d, "collation");
		REQUIRE(s[0] && strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_") ==
		    strlen(s));
		for (k = 0; k < 4; k++)
			file(m, d, object_files[k], 1);
		json_array_foreach(json_object_get(d, "tables"), j, t) {
			name(t, "name");
			(void)string(t, "kind");
			integer(t, "rows");
			file(m, t, "schema_file", 1);
			s = json_string_value(json_object_get(t, "sequence_next"));
			REQUIRE(s == NULL || (s[0] && strspn(s, "-0123456789") ==
			    strlen(s)));
			json_array_foreach(json_object_get(t, "columns"), k, c) {
				name(c, "name");
				(void)string(c, "type");
				(void)string(c, "load");
			}
			json_array_foreach(json_object_get(t, "chunks"), k, c) {
				file(m, c, "file", 0);
				integer(c, "rows");
				REQUIRE(strlen(string(c, "checksum")) == 16);
			}
		}
		json_array_foreach(json_object_get(d, "objects"), j, t)
			object(m, t);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[1024];
	json_t *m;

	if ((m = manifest_parse((const char *)data, size, "fuzz", err,
	    sizeof(err))) != NULL) {
		walk(m);
		json_decref(m);
	} else
		REQUIRE(err[0] != '\0' && strchr(err, '\n') == NULL);
	return 0;
}
