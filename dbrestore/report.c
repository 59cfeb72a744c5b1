/* SPDX-License-Identifier: ISC */
/*
 * report: the result of a dbrestore run, as one line of text or one JSON
 * document (its shape is in dbrestore(1)), both from the same restore.
 */
#include <stdio.h>
#include <string.h>

#include "jsonout.h"
#include "replica.h"
#include "report.h"
#include "restore.h"
#include "timeutil.h"

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

/* What the replay of a chain did, or null for a backup restored alone. */
static json_t *
replay_json(const struct restore *r)
{
	const struct chain *c = &r->chain;
	char at[RFC3339_LEN];

	if (c->n == 0)
		return json_null();
	time_rfc3339(c->last_time, at);
	return json_pack("{s:s, s:I, s:I, s:o, s:o}",
	    "backup", c->links[c->n - 1].id,
	    "incrementals", (json_int_t)c->n,
	    "transactions", (json_int_t)c->groups,
	    "stopped_before", c->stop_gtid[0] ? json_string(c->stop_gtid) :
	    json_null(),
	    "last_event", c->last_gtid[0] || c->last_file[0] ? json_pack(
	    "{s:s, s:o, s:s, s:I}", "time", at, "gtid", c->last_gtid[0] ?
	    json_string(c->last_gtid) : json_null(), "file", c->last_file,
	    "position", (json_int_t)c->last_pos) : json_null());
}

/* The second line of a point-in-time restore: where the database stands. */
static int
replay_text(const struct restore *r, FILE *f)
{
	const struct chain *c = &r->chain;
	char at[RFC3339_LEN];

	if (r->opt->mode == MODE_VERIFY)
		return fprintf(f, "chain of %s: %zu incremental%s verified, "
		    "every event's checksum OK\n", c->links[c->n - 1].id, c->n,
		    c->n == 1 ? "" : "s") < 0 ? -1 : 0;
	if (c->last_file[0] == '\0')
		return fprintf(f, "replayed 0 transactions of %zu incremental%s%s%s: "
		    "the database stands at %s's snapshot\n", c->n,
		    c->n == 1 ? "" : "s", c->stop_gtid[0] ? ", stopped before "
		    "GTID " : "", c->stop_gtid, r->id) < 0 ? -1 : 0;
	time_rfc3339(c->last_time, at);
	return fprintf(f, "replayed %llu transaction%s of %zu incremental%s%s%s; "
	    "the last event applied: %s, GTID %s, %s:%llu\n",
	    (unsigned long long)c->groups, c->groups == 1 ? "" : "s", c->n,
	    c->n == 1 ? "" : "s", c->stop_gtid[0] ? ", stopped before GTID " :
	    "", c->stop_gtid, at, c->last_gtid[0] ? c->last_gtid : "none",
	    c->last_file, (unsigned long long)c->last_pos) < 0 ? -1 : 0;
}

int
report_write(const struct restore *r, bool ok, FILE *f)
{
	json_t *doc, *tables = json_array();
	double ms = time_monotonic_ms() - r->started_ms;
	size_t i, j, n_tables = 0, created = 0;
	const char *mode = restore_mode_names[r->opt->mode];
	bool test = r->opt->mode == MODE_TEST;
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
	if (doc != NULL && (json_object_set_new(doc, "replay", replay_json(r)) ==
	    -1 || json_object_set_new(doc, "replication", r->replica != NULL ?
	    replica_report_json(r->replica) : json_null()) == -1)) {
		json_decref(doc);
		doc = NULL;
	}
	if (!test)
		json_decref(tables);
	if (doc == NULL)
		return -1;
	if (r->opt->json)
		rc = jsonout_write(doc, f, false);
	else if (r->opt->mode == MODE_VERIFY)
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
	if (rc == 0 && !r->opt->json && r->chain.n > 0)
		rc = replay_text(r, f);
	if (rc == 0 && !r->opt->json && r->replica != NULL)
		rc = replica_report_text(r->replica, f);
	json_decref(doc);
	return rc;
}

