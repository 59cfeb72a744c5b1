/* SPDX-License-Identifier: ISC */
/*
 * plan: turns the manifest and the selection flags into the list of what
 * to restore.  Every name the user gives must exist in the backup: a
 * typo is a usage error before anything touches the server.
 */
#define _GNU_SOURCE
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "filter.h"
#include "objects.h"
#include "plan.h"

static int
add_db(struct restore *r, json_t *d, char *err, size_t errlen)
{
	const struct options *o = r->opt;
	struct rdb *db = &r->dbs[r->n_dbs];
	json_t *tables = json_object_get(d, "tables"), *t;
	size_t i;

	memset(db, 0, sizeof(*db));
	r->n_dbs++;	/* counted now: plan_free frees it if this fails */
	db->name = json_string_value(json_object_get(d, "name"));
	db->json = d;
	db->whole = o->n_tables == 0;
	/* --test names its scratch databases once connected (scratch.c). */
	db->target = strdup(o->mode == MODE_TEST ? "" : o->into ? o->into :
	    db->name);
	db->renamed = db->target != NULL && strcmp(db->target, db->name) != 0;
	db->tables = calloc(json_array_size(tables) + 1, sizeof(*db->tables));
	if (db->target == NULL || db->tables == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	json_array_foreach(tables, i, t) {
		struct rtable *rt = &db->tables[db->n_tables];
		const char *sum = json_string_value(json_object_get(t, "checksum"));

		rt->name = json_string_value(json_object_get(t, "name"));
		if (rt->name == NULL) {
			snprintf(err, errlen, "manifest: a table of %s has no name",
			    db->name);
			return -1;
		}
		if (!filter_table(o, db->name, rt->name))
			continue;
		rt->json = t;
		rt->is_sequence = strcmp(json_string_value(json_object_get(t,
		    "kind")) ? json_string_value(json_object_get(t, "kind")) : "",
		    "sequence") == 0;
		rt->versioned = json_is_true(json_object_get(t, "versioned"));
		rt->data_only = json_is_null(json_object_get(t, "schema_file"));
		rt->rows = (uint64_t)json_integer_value(json_object_get(t, "rows"));
		rt->has_checksum = sum != NULL &&
		    sscanf(sum, "%" SCNx64, &rt->checksum) == 1;
		db->n_tables++;
	}
	return 0;
}

int
plan_build(struct restore *r, char *err, size_t errlen)
{
	const struct options *o = r->opt;
	json_t *dbs = json_object_get(r->manifest, "databases"), *d;
	size_t i, j, k;

	r->dbs = calloc(json_array_size(dbs) + 1, sizeof(*r->dbs));
	if (r->dbs == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	json_array_foreach(dbs, i, d) {
		const char *name = json_string_value(json_object_get(d, "name"));

		if (name == NULL) {
			snprintf(err, errlen, "manifest: a database has no name");
			return -1;
		}
		if (!filter_database(o, name))
			continue;
		if (add_db(r, d, err, errlen) == -1)
			return -1;
	}
	for (i = 0; i < o->n_databases; i++) {
		for (j = 0; j < r->n_dbs && strcmp(r->dbs[j].name,
		    o->databases[i]) != 0; j++)
			;
		if (j == r->n_dbs) {
			snprintf(err, errlen, "--database: '%s' is not in backup %s",
			    o->databases[i], r->id);
			return -1;
		}
	}
	for (i = 0; i < o->n_tables; i++) {
		bool found = false;

		for (j = 0; j < r->n_dbs && !found; j++)
			for (k = 0; k < r->dbs[j].n_tables && !found; k++)
				found = filter_table(&(struct options){ .tables =
				    &o->tables[i], .n_tables = 1 }, r->dbs[j].name,
				    r->dbs[j].tables[k].name);
		if (!found) {
			snprintf(err, errlen, "--table: '%s' is not in backup %s",
			    o->tables[i], r->id);
			return -1;
		}
	}
	if (o->into != NULL && r->n_dbs != 1) {
		snprintf(err, errlen, "--into needs exactly one database; this "
		    "selection has %zu (use --database)", r->n_dbs);
		return -1;
	}
	return objects_plan(r, err, errlen);
}

void
plan_free(struct restore *r)
{
	size_t i;

	objects_free(r);
	objects_free_list(r->saved, r->n_saved);
	r->saved = NULL;
	r->n_saved = 0;
	for (i = 0; i < r->n_dbs; i++) {
		for (size_t j = 0; j < r->dbs[i].n_tables; j++)
			free(r->dbs[i].tables[j].warning);
		free(r->dbs[i].target);
		free(r->dbs[i].tables);
	}
	free(r->dbs);
	r->dbs = NULL;
	r->n_dbs = 0;
}
