/* SPDX-License-Identifier: ISC */
/*
 * report: the result of a dbrestore run, as one line of text or one JSON
 * document (its shape is in dbrestore(1)), both from the same restore.
 */
#include <stdio.h>
#include <string.h>

#include "jsonout.h"
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
	json_decref(doc);
	return rc;
}

