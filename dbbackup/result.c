/* SPDX-License-Identifier: ISC */
/*
 * result: the manifest repeats what a restore needs so that dbrestore
 * never asks the backed-up server anything: per table its columns and how
 * each is loaded, its chunks with row counts and content checksums; per
 * database its character set, which object files exist, and each view,
 * routine, trigger and event with its context and, for views, what they
 * read.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "jsonout.h"
#include "manifest.h"
#include "objects.h"
#include "replica.h"
#include "result.h"
#include "timeutil.h"
#include "tsv.h"

static json_t *
hex64(uint64_t v)
{
	char buf[17];

	snprintf(buf, sizeof(buf), "%016" PRIx64, v);
	return json_string(buf);
}

static json_t *
file_or_null(const struct database *d, bool present, const char *name,
    const char *suffix)
{
	char path[2048];

	if (!present)
		return json_null();
	snprintf(path, sizeof(path), "%s/%s%s", d->dir, name, suffix);
	return json_string(path);
}

static json_t *
table_json(const struct backup *b, const struct table *t)
{
	json_t *cols = json_array(), *chunks = json_array();
	uint64_t rows = 0, sum = 0;
	char schema[2048];
	size_t i;

	for (i = 0; i < t->n_columns; i++)
		json_array_append_new(cols, json_pack("{s:o, s:s, s:s}", "name",
		    jsonout_text(t->columns[i].name), "type", t->columns[i].type,
		    "load", tsv_load_names[t->columns[i].load]));
	for (i = 0; i < t->n_chunks && b->type != TYPE_SCHEMA; i++) {
		const struct chunk *c = &t->chunks[i];

		json_array_append_new(chunks, json_pack("{s:s, s:I, s:o}",
		    "file", c->file, "rows", (json_int_t)c->rows,
		    "checksum", hex64(c->checksum)));
		rows += c->rows;
		sum += c->checksum;	/* sums of row hashes add up */
	}
	snprintf(schema, sizeof(schema), "%s/%s.sql%s", t->db->dir, t->file_name,
	    compression_suffix(b->opt->codec));
	return json_pack("{s:o, s:s, s:b, s:s, s:o, s:o, s:o, s:I, s:o, s:o}",
	    "name", jsonout_text(t->name),
	    "kind", t->is_sequence ? "sequence" : "table",
	    "versioned", t->versioned,
	    "engine", t->engine,
	    "schema_file", b->type == TYPE_DATA ? json_null() :
	    json_string(schema),
	    "sequence_next", t->sequence_next ? json_string(t->sequence_next) :
	    json_null(),
	    "columns", cols,
	    "rows", (json_int_t)rows,
	    "checksum", b->type == TYPE_SCHEMA ? json_null() : hex64(sum),
	    "chunks", chunks);
}

static const char *const ref_states[] = {
	[REF_IN_BACKUP] = "in_backup",
	[REF_EXCLUDED] = "excluded",
	[REF_OUTSIDE] = "outside",
};

/* Sets key to s when s is not NULL; false when out of memory. */
static bool
set_text(json_t *o, const char *key, const char *s)
{
	return s == NULL || json_object_set_new(o, key, jsonout_text(s)) == 0;
}

static json_t *
object_json(const struct database *d, const struct object *o,
    const char *suffix)
{
	char file[2048];
	json_t *j, *reads;

	snprintf(file, sizeof(file), "%s/%s%s", d->dir,
	    objects_file_names[o->kind], suffix);
	j = json_pack("{s:s, s:o, s:s, s:o, s:o, s:o}",
	    "kind", objects_kind_name(o), "name", jsonout_text(o->name),
	    "file", file, "sql_mode", jsonout_text(o->sql_mode),
	    "character_set_client", jsonout_text(o->charset_client),
	    "collation_connection", jsonout_text(o->collation_connection));
	if (j == NULL || !set_text(j, "table", o->table) ||
	    !set_text(j, "database_collation", o->database_collation) ||
	    !set_text(j, "time_zone", o->time_zone) ||
	    !set_text(j, "invalid", o->invalid)) {
		json_decref(j);
		return NULL;
	}
	if (o->kind != OBJ_VIEW)
		return j;
	if ((reads = json_array()) == NULL ||
	    json_object_set_new(j, "reads", reads) == -1) {
		json_decref(j);
		return NULL;
	}
	for (size_t i = 0; i < o->n_reads; i++)
		if (json_array_append_new(reads, json_pack("{s:o, s:o, s:s}",
		    "database", jsonout_text(o->reads[i].db),
		    "name", jsonout_text(o->reads[i].name),
		    "state", ref_states[o->reads[i].state])) == -1) {
			json_decref(j);
			return NULL;
		}
	return j;
}

static json_t *
database_json(const struct backup *b, const struct database *d)
{
	json_t *tables = json_array(), *objects = json_array();
	const char *suffix = compression_suffix(b->opt->codec);
	size_t i;

	for (i = 0; i < d->n_tables; i++)
		json_array_append_new(tables, table_json(b, &d->tables[i]));
	for (i = 0; i < d->n_objects; i++)
		json_array_append_new(objects, object_json(d, &d->objects[i],
		    suffix));
	return json_pack("{s:o, s:s, s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:o}",
	    "name", jsonout_text(d->name), "dir", d->dir,
	    "charset", d->charset, "collation", d->collation,
	    "tables", tables,
	    "objects", objects,
	    "views_file", file_or_null(d, d->has_objects[OBJ_VIEW], "@views.sql", suffix),
	    "routines_file", file_or_null(d, d->has_objects[OBJ_ROUTINE],
	    "@routines.sql", suffix),
	    "triggers_file", file_or_null(d, d->has_objects[OBJ_TRIGGER],
	    "@triggers.sql", suffix),
	    "events_file", file_or_null(d, d->has_objects[OBJ_EVENT],
	    "@events.sql", suffix));
}

static json_t *
coord_json(const struct binlog_coord *c, const char *gtid)
{
	return json_pack("{s:s, s:I, s:o}", "file", c->file, "position",
	    (json_int_t)c->pos, "gtid", gtid[0] ? json_string(gtid) :
	    json_null());
}

static json_t *
time_or_null(uint32_t when)
{
	char buf[RFC3339_LEN];

	if (when == 0)
		return json_null();
	time_rfc3339((time_t)when, buf);
	return json_string(buf);
}

/* An incremental's range: what dbrestore replays, and how it checks it. */
static json_t *
binlog_json(const struct backup *b)
{
	const struct increment *inc = &b->inc;

	return json_pack("{s:o, s:o, s:o, s:o, s:I, s:I, s:O}",
	    "start", coord_json(&inc->from, inc->from_gtid),
	    "end", coord_json(&inc->to, inc->to_gtid),
	    "first_event_at", time_or_null(inc->counts.first_when),
	    "last_event_at", time_or_null(inc->counts.last_when),
	    "events", (json_int_t)inc->counts.events,
	    "transactions", (json_int_t)inc->counts.transactions,
	    "files", inc->files);
}

/* What the backup holds, counted once for the manifest and the report. */
struct totals {
	size_t databases, tables, files;
	uint64_t rows, raw_bytes, stored_bytes;
};

static void
count(const struct backup *b, struct totals *t)
{
	memset(t, 0, sizeof(*t));
	t->databases = b->n_dbs;
	for (size_t i = 0; i < b->n_dbs; i++)
		for (size_t j = 0; j < b->dbs[i].n_tables; j++, t->tables++)
			for (size_t k = 0; k < b->dbs[i].tables[j].n_chunks; k++)
				t->rows += b->dbs[i].tables[j].chunks[k].rows;
	t->files = json_array_size(b->files);
	t->raw_bytes = b->raw_bytes;
	t->stored_bytes = b->stored_bytes;
}

json_t *
result_manifest(const struct backup *b, const char *tool_version,
    time_t finished_at)
{
	json_t *dbs = json_array(), *m;
	char started[RFC3339_LEN], finished[RFC3339_LEN];
	bool inc = b->type == TYPE_INCREMENTAL;
	struct totals t;
	size_t i;

	count(b, &t);
	for (i = 0; i < b->n_dbs; i++)
		json_array_append_new(dbs, database_json(b, &b->dbs[i]));
	time_rfc3339(b->started_at, started);
	time_rfc3339(finished_at, finished);
	m = json_pack("{s:s, s:i, s:i, s:s, s:s, s:s, s:o,"
	    " s:{s:o, s:o, s:I},"
	    " s:s, s:s, s:o,"
	    " s:{s:s, s:o, s:o, s:o, s:o},"
	    " s:s, s:o, s:o, s:O,"
	    " s:{s:I, s:I, s:I, s:I, s:I, s:I}}",
	    "format", MANIFEST_FORMAT,
	    "format_version", inc ? 2 : 1,
	    "format_minor", inc ? MANIFEST_V2_MINOR : MANIFEST_V1_MINOR,
	    "tool_version", tool_version,
	    "id", b->id,
	    "type", backup_type_names[b->type],
	    "parent", inc ? json_string(b->inc.parent) : json_null(),
	    "server", "version", jsonout_text(b->server_version),
	    "hostname", jsonout_text(b->hostname),
	    "server_id", (json_int_t)b->server_id,
	    "started_at", started, "finished_at", finished,
	    "duration_ms", jsonout_number(time_monotonic_ms() - b->started_ms),
	    "snapshot", "method", b->snapshot_method,
	    "binlog_file", b->binlog_position >= 0 ?
	    json_string(b->binlog_file) : json_null(),
	    "binlog_position", b->binlog_position >= 0 ?
	    json_integer(b->binlog_position) : json_null(),
	    "gtid", b->gtid[0] ? json_string(b->gtid) : json_null(),
	    "replica", replica_json(&b->replica),
	    "compression", compression_name(b->opt->codec),
	    "grants_file", b->opt->grants && b->type != TYPE_DATA ?
	    json_sprintf("@grants.sql%s", compression_suffix(b->opt->codec)) :
	    json_null(),
	    "databases", dbs,
	    "files", b->files,
	    "totals", "databases", (json_int_t)t.databases,
	    "tables", (json_int_t)t.tables, "rows", (json_int_t)t.rows,
	    "files", (json_int_t)t.files,
	    "raw_bytes", (json_int_t)t.raw_bytes,
	    "stored_bytes", (json_int_t)t.stored_bytes);
	if (m != NULL && inc &&
	    json_object_set_new(m, "binlog", binlog_json(b)) == -1) {
		json_decref(m);
		return NULL;
	}
	return m;
}

static const char *
plural(uint64_t n)
{
	return n == 1 ? "" : "s";
}

int
result_report(const struct backup *b, bool json, FILE *f)
{
	double ms = time_monotonic_ms() - b->started_ms;
	struct totals t;
	json_t *r;
	int rc;

	count(b, &t);
	if (!json && b->type == TYPE_INCREMENTAL)
		return fprintf(f, "backup %s: incremental after %s, %llu event%s, "
		    "%llu transaction%s, %s:%llu to %s:%llu, %.1f MB raw, %.1f MB "
		    "stored, %.2f s\n%s\n", b->id, b->inc.parent,
		    (unsigned long long)b->inc.counts.events,
		    plural(b->inc.counts.events),
		    (unsigned long long)b->inc.counts.transactions,
		    plural(b->inc.counts.transactions), b->inc.from.file,
		    (unsigned long long)b->inc.from.pos, b->inc.to.file,
		    (unsigned long long)b->inc.to.pos, (double)t.raw_bytes / 1e6,
		    (double)t.stored_bytes / 1e6, ms / 1000.0, b->final) < 0 ?
		    -1 : 0;
	if (!json && fprintf(f, "backup %s: %zu database%s, %zu table%s, %llu "
	    "row%s, %.1f MB raw, %.1f MB stored, %.2f s (%.1f MB/s)\n%s\n",
	    b->id, t.databases, plural(t.databases), t.tables,
	    plural(t.tables), (unsigned long long)t.rows, plural(t.rows),
	    (double)t.raw_bytes / 1e6, (double)t.stored_bytes / 1e6,
	    ms / 1000.0, ms > 0 ? (double)t.raw_bytes / 1e3 / ms : 0.0,
	    b->final) < 0)
		return -1;
	if (!json && b->replica.is_replica) {
		json_t *rep = replica_json(&b->replica);
		char sources[1024];

		manifest_replica_sources(rep, sources, sizeof(sources));
		json_decref(rep);
		return fprintf(f, "taken on a replica of %s%s\n", sources,
		    b->replica.consistent ? "" : " (no source positions: "
		    "--no-lock without --replica-pause)") < 0 ? -1 : 0;
	}
	if (!json)
		return 0;
	r = json_pack("{s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:o, s:o}",
	    "id", b->id, "path", b->final, "type", backup_type_names[b->type],
	    "databases", (json_int_t)t.databases, "tables", (json_int_t)t.tables,
	    "rows", (json_int_t)t.rows, "raw_bytes", (json_int_t)t.raw_bytes,
	    "stored_bytes", (json_int_t)t.stored_bytes,
	    "duration_ms", jsonout_number(ms),
	    "rate_bytes_per_s", jsonout_number(ms > 0 ? (double)t.raw_bytes *
	    1000.0 / ms : 0));
	if (r != NULL && (json_object_set_new(r, "archive",
	    json_boolean(b->opt->archive != NULL)) == -1 ||
	    json_object_set_new(r, "replica", replica_json(&b->replica)) ==
	    -1)) {
		json_decref(r);
		return -1;
	}
	if (r != NULL && b->type == TYPE_INCREMENTAL &&
	    json_object_update_new(r, json_pack("{s:s, s:I, s:I}", "parent",
	    b->inc.parent, "events", (json_int_t)b->inc.counts.events,
	    "transactions", (json_int_t)b->inc.counts.transactions)) == -1) {
		json_decref(r);
		return -1;
	}
	if (r == NULL)
		return -1;
	rc = jsonout_write(r, f, false);
	json_decref(r);
	return rc;
}
