/* SPDX-License-Identifier: ISC */
/*
 * objects: the views, routines, triggers and events of a restore, in an
 * order that works across every database: routines first (creating one
 * checks nothing it calls), then views, each after the views it reads,
 * then triggers (in the order the server fires them) and events.  The
 * backup's manifest says what each view reads; a view whose definition
 * still hides a dependency fails with "doesn't exist" and is tried again
 * after the others, in passes, until a pass creates nothing new.
 *
 * Each object takes its statements from its file: the SET of its context
 * and its CREATE (create.c runs them).  A view also learns which views of
 * this restore it reads, and, when it reads something this restore does
 * not bring back, why it may not be creatable.
 *
 * A format 1.0 backup has no list of objects: its files are read as they
 * are (views, then routines, triggers and events, each with the SETs
 * before it), and what a view reads comes from its statement, which names
 * every view it reads with its database.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "objects.h"
#include "sqlfile.h"
#include "sqlscan.h"

static const char *const phase_kinds[PHASES] = { "routine", "view",
	"trigger", "event" };


/* A schema file read once, its statements taken by the objects in it. */
struct file_stmts {
	const char *rel;
	char **stmts;
	size_t n, used;
};

void
objects_describe(const struct robj *o, char *buf, size_t len)
{
	if (o->name != NULL)
		snprintf(buf, len, "%s %s.%s", o->kind, o->db->name, o->name);
	else
		snprintf(buf, len, "a %s of %s", o->kind, o->db->name);
}

static enum rphase
phase_of(const char *kind)
{
	if (strcmp(kind, "view") == 0)
		return PHASE_VIEW;
	if (strcmp(kind, "trigger") == 0)
		return PHASE_TRIGGER;
	if (strcmp(kind, "event") == 0)
		return PHASE_EVENT;
	return PHASE_ROUTINE;
}

static struct robj *
new_obj(struct restore *r)
{
	struct robj *grown = realloc(r->objs, (r->n_objs + 1) * sizeof(*grown));

	if (grown == NULL)
		return NULL;
	r->objs = grown;
	memset(&grown[r->n_objs], 0, sizeof(*grown));
	return &grown[r->n_objs++];
}

/* Takes the next count statements of f for o (the last is its CREATE). */
static int
take(struct file_stmts *f, struct robj *o, size_t count, char *err,
    size_t errlen)
{
	if (f->n - f->used < count) {
		snprintf(err, errlen, "%s: holds fewer statements than the "
		    "manifest lists objects", f->rel);
		return -1;
	}
	if (count > 1 && (o->pre = calloc(count - 1, sizeof(char *))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (size_t i = 0; i + 1 < count; i++) {
		o->pre[o->n_pre++] = f->stmts[f->used];
		f->stmts[f->used++] = NULL;
	}
	o->stmt = f->stmts[f->used];
	f->stmts[f->used++] = NULL;
	return 0;
}

static int
read_file(struct restore *r, struct file_stmts *f, const char *rel, char *err,
    size_t errlen)
{
	memset(f, 0, sizeof(*f));
	f->rel = rel;
	return (f->stmts = sqlfile_read(r->dir, rel, r->keys, &f->n, err,
	    errlen)) == NULL ?
	    -1 : 0;
}

/* Whether a trigger of table belongs in this restore. */
static bool
table_restored(const struct rdb *d, const char *table)
{
	if (d->whole)
		return true;
	for (size_t i = 0; table != NULL && i < d->n_tables; i++)
		if (strcmp(d->tables[i].name, table) == 0)
			return true;
	return false;
}

/*
 * The objects of d as its manifest lists them: each takes a SET and its
 * CREATE from its file, in the file's order.
 */
static int
plan_listed(struct restore *r, struct rdb *d, json_t *list, char *err,
    size_t errlen)
{
	struct file_stmts files[PHASES];
	size_t n_files = 0, i, k;
	json_t *o;
	int rc = 0;

	json_array_foreach(list, i, o) {
		const char *rel = json_string_value(json_object_get(o, "file"));
		const char *kind = json_string_value(json_object_get(o, "kind"));
		struct file_stmts *f = NULL;
		struct robj *ro;

		for (k = 0; k < n_files && f == NULL; k++)
			if (strcmp(files[k].rel, rel) == 0)
				f = &files[k];
		if (f == NULL) {
			if (n_files == PHASES) {
				snprintf(err, errlen, "manifest: database %s lists "
				    "objects in more files than kinds", d->name);
				rc = -1;
				break;
			}
			if ((rc = read_file(r, &files[n_files], rel, err, errlen)) ==
			    -1)
				break;
			f = &files[n_files++];
		}
		if ((ro = new_obj(r)) == NULL) {
			snprintf(err, errlen, "out of memory");
			rc = -1;
			break;
		}
		ro->db = d;
		ro->json = o;
		ro->kind = kind;
		ro->phase = phase_of(kind);
		ro->name = strdup(json_string_value(json_object_get(o, "name")));
		ro->table = json_string_value(json_object_get(o, "table"));
		ro->charset = json_string_value(json_object_get(o,
		    "character_set_client"));
		ro->sql_mode = json_string_value(json_object_get(o, "sql_mode"));
		ro->db_collation = json_string_value(json_object_get(o,
		    "database_collation"));
		ro->invalid = json_object_get(o, "invalid") != NULL;
		if (ro->name == NULL || take(f, ro, 2, err, errlen) == -1) {
			if (ro->name == NULL)
				snprintf(err, errlen, "out of memory");
			rc = -1;
			break;
		}
		/* Left out of a --table restore, but their statements taken. */
		if (!d->whole && !(ro->phase == PHASE_TRIGGER &&
		    table_restored(d, ro->table)))
			ro->state = ROBJ_LEFT_OUT;
	}
	for (k = 0; k < n_files; k++) {
		if (rc == 0 && files[k].used != files[k].n) {
			snprintf(err, errlen, "%s: holds more statements than the "
			    "manifest lists objects", files[k].rel);
			rc = -1;
		}
		sqlfile_free(files[k].stmts, files[k].n);
	}
	return rc;
}

/* The first qualified name of a format 1.0 view statement: its own. */
static int
first_chain(const struct sqlscan_chain *c, void *arg)
{
	char **name = arg;

	*name = strdup(c->parts[c->n_parts - 1]);
	return -1;	/* stop: found */
}

/*
 * A format 1.0 backup: the views file holds one CREATE per view, the
 * routine and trigger files a SET of sql_mode before each CREATE, the
 * events file a SET of time_zone and one of sql_mode.
 */
static int
plan_old(struct restore *r, struct rdb *d, char *err, size_t errlen)
{
	static const char *const keys[PHASES] = { "routines_file", "views_file",
	    "triggers_file", "events_file" };
	static const size_t per_object[PHASES] = { 2, 1, 2, 3 };
	struct sqlscan_dialect dialect;
	struct file_stmts f;
	int rc = 0;

	if (!d->whole)
		return 0;
	sqlscan_dialect("", "utf8mb4", &dialect);
	for (int p = 0; p < PHASES && rc == 0; p++) {
		const char *rel = json_string_value(json_object_get(d->json, keys[p]));

		if (rel == NULL)
			continue;
		if (read_file(r, &f, rel, err, errlen) == -1)
			return -1;
		while (rc == 0 && f.used < f.n) {
			struct robj *o = new_obj(r);

			if (o == NULL) {
				snprintf(err, errlen, "out of memory");
				rc = -1;
				break;
			}
			o->db = d;
			o->phase = (enum rphase)p;
			o->kind = phase_kinds[p];
			if ((rc = take(&f, o, per_object[p], err, errlen)) == -1)
				break;
			if (p == PHASE_VIEW) {
				sqlscan_chains(o->stmt, strlen(o->stmt), &dialect,
				    first_chain, &o->name);
				if (o->name != NULL) {
					char **grown = realloc(d->view_names,
					    (d->n_view_names + 1) * sizeof(char *));

					if (grown == NULL || (grown[d->n_view_names] =
					    strdup(o->name)) == NULL) {
						if (grown != NULL)
							d->view_names = grown;
						snprintf(err, errlen, "out of memory");
						rc = -1;
						break;
					}
					d->view_names = grown;
					d->n_view_names++;
				}
			}
		}
		sqlfile_free(f.stmts, f.n);
	}
	return rc;
}

static struct rdb *
find_db(struct restore *r, const char *name)
{
	for (size_t i = 0; i < r->n_dbs; i++)
		if (strcmp(r->dbs[i].name, name) == 0)
			return &r->dbs[i];
	return NULL;
}

bool
objects_backup_has_table(const struct rdb *d, const char *name)
{
	json_t *t;
	size_t i;

	json_array_foreach(json_object_get(d->json, "tables"), i, t)
		if (strcmp(json_string_value(json_object_get(t, "name")), name) == 0)
			return true;
	return false;
}

/* The index of view name of d in this restore, or -1. */
static long
find_view(const struct restore *r, const struct rdb *d, const char *name)
{
	for (size_t j = 0; j < r->n_objs; j++)
		if (r->objs[j].phase == PHASE_VIEW && r->objs[j].db == d &&
		    r->objs[j].name != NULL && strcmp(r->objs[j].name, name) == 0)
			return (long)j;
	return -1;
}

/* Records that view o reads view index j (once).  0, or -1 out of memory. */
static int
add_read(struct robj *o, size_t j)
{
	size_t *grown;

	for (size_t k = 0; k < o->n_reads; k++)
		if (o->reads[k] == j)
			return 0;
	if ((grown = realloc(o->reads, (o->n_reads + 1) * sizeof(size_t))) == NULL)
		return -1;
	o->reads = grown;
	o->reads[o->n_reads++] = j;
	return 0;
}

/*
 * Fills view o's dependencies from its manifest entry: the views of this
 * restore it reads, and in o->lacks the first name it reads that this
 * restore does not bring back, with why.
 */
static int
view_reads(struct restore *r, struct robj *o)
{
	json_t *ref;
	size_t i;
	long j;

	json_array_foreach(json_object_get(o->json, "reads"), i, ref) {
		const char *db = json_string_value(json_object_get(ref, "database"));
		const char *name = json_string_value(json_object_get(ref, "name"));
		const char *state = json_string_value(json_object_get(ref, "state"));
		struct rdb *d = find_db(r, db);
		const char *why = NULL;

		if (strcmp(state, "excluded") == 0)
			why = "which the backup left out (--exclude)";
		else if (strcmp(state, "outside") == 0)
			why = "which is in a database the backup does not hold";
		else if (d == NULL || (!d->whole && !objects_backup_has_table(d, name)))
			why = "which this restore does not bring back";
		else if (!d->whole)
			continue;
		if (why == NULL && (j = find_view(r, d, name)) >= 0 &&
		    add_read(o, (size_t)j) == -1)
			return -1;
		if (why != NULL && o->lacks == NULL &&
		    asprintf(&o->lacks, "it reads %s.%s, %s", db, name, why) == -1)
			return -1;
	}
	return 0;
}

struct text_reads {
	struct restore *r;
	struct robj *view;
	int failed;
};

static int
text_read(const struct sqlscan_chain *c, void *arg)
{
	struct text_reads *t = arg;
	struct rdb *d = find_db(t->r, c->parts[0]);
	long j = d != NULL ? find_view(t->r, d, c->parts[1]) : -1;

	if (j >= 0 && &t->r->objs[j] != t->view && add_read(t->view, (size_t)j) ==
	    -1) {
		t->failed = 1;
		return -1;
	}
	return 0;
}

/*
 * A format 1.0 view's dependencies, from its statement, which names every
 * view it reads with its database: `db`.`v`.
 */
static int
view_reads_text(struct restore *r, struct robj *o)
{
	struct text_reads t = { .r = r, .view = o };
	struct sqlscan_dialect dialect;

	sqlscan_dialect("", "utf8mb4", &dialect);
	return sqlscan_chains(o->stmt, strlen(o->stmt), &dialect, text_read,
	    &t) == -1 && t.failed ? -1 : 0;
}

/*
 * Appends the objects of phase p to out, views after the views they read:
 * Kahn's algorithm, taking the first ready view each round, so the
 * backup's order holds wherever dependencies allow.
 */
static int
order_phase(struct restore *r, struct robj *out, size_t *n_out, int p,
    size_t *new_index)
{
	bool progress = true, *done;
	size_t i, j;

	if ((done = calloc(r->n_objs + 1, sizeof(bool))) == NULL)
		return -1;
	while (progress) {
		progress = false;
		for (i = 0; i < r->n_objs; i++) {
			struct robj *o = &r->objs[i];
			bool ready = true;

			if ((int)o->phase != p || done[i])
				continue;
			for (j = 0; j < o->n_reads && ready; j++)
				ready = done[o->reads[j]];
			if (!ready)
				continue;
			done[i] = true;
			new_index[i] = *n_out;
			out[(*n_out)++] = *o;
			progress = true;
			break;
		}
	}
	/* A cycle cannot be created anyway; keep it for the passes. */
	for (i = 0; i < r->n_objs; i++)
		if ((int)r->objs[i].phase == p && !done[i]) {
			new_index[i] = *n_out;
			out[(*n_out)++] = r->objs[i];
		}
	free(done);
	return 0;
}

/*
 * A view that reads a view which may not be created may not be either:
 * in dependency order, each inherits the first such reason it meets.
 */
static int
inherit_lacks(struct restore *r, char *err, size_t errlen)
{
	char what[700];

	for (size_t i = 0; i < r->n_objs; i++) {
		struct robj *o = &r->objs[i];

		for (size_t j = 0; j < o->n_reads && o->lacks == NULL; j++) {
			const struct robj *dep = &r->objs[o->reads[j]];

			if (dep->lacks == NULL && !dep->invalid)
				continue;
			objects_describe(dep, what, sizeof(what));
			if (asprintf(&o->lacks, "it reads %s, which may not be "
			    "created", what) == -1) {
				o->lacks = NULL;
				snprintf(err, errlen, "out of memory");
				return -1;
			}
		}
	}
	return 0;
}

int
objects_plan(struct restore *r, char *err, size_t errlen)
{
	struct robj *ordered;
	size_t *new_index, i, j, n = 0;

	for (i = 0; i < r->n_dbs; i++) {
		json_t *list = json_object_get(r->dbs[i].json, "objects");

		if ((list != NULL ? plan_listed(r, &r->dbs[i], list, err, errlen) :
		    plan_old(r, &r->dbs[i], err, errlen)) == -1)
			return -1;
	}
	for (i = 0; i < r->n_objs; i++)
		if (r->objs[i].phase == PHASE_VIEW && (r->objs[i].json != NULL ?
		    view_reads(r, &r->objs[i]) : view_reads_text(r,
		    &r->objs[i])) == -1) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
	if (r->n_objs == 0)
		return 0;
	ordered = calloc(r->n_objs, sizeof(*ordered));
	new_index = calloc(r->n_objs, sizeof(*new_index));
	if (ordered == NULL || new_index == NULL) {
		free(ordered);
		free(new_index);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (int p = 0; p < PHASES; p++)
		if (order_phase(r, ordered, &n, p, new_index) == -1) {
			free(ordered);
			free(new_index);
			snprintf(err, errlen, "out of memory");
			return -1;
		}
	for (i = 0; i < n; i++)
		for (j = 0; j < ordered[i].n_reads; j++)
			ordered[i].reads[j] = new_index[ordered[i].reads[j]];
	free(r->objs);
	free(new_index);
	r->objs = ordered;
	return inherit_lacks(r, err, errlen);
}

void
objects_free_list(struct robj *objs, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct robj *o = &objs[i];

		for (size_t j = 0; j < o->n_pre; j++)
			free(o->pre[j]);
		free(o->pre);
		free(o->stmt);
		free(o->reads);
		free(o->lacks);
		free(o->why);
		free(o->name);
	}
	free(objs);
}

void
objects_free(struct restore *r)
{
	objects_free_list(r->objs, r->n_objs);
	r->objs = NULL;
	r->n_objs = 0;
	for (size_t i = 0; i < r->n_dbs; i++) {
		for (size_t j = 0; j < r->dbs[i].n_view_names; j++)
			free(r->dbs[i].view_names[j]);
		free(r->dbs[i].view_names);
		r->dbs[i].view_names = NULL;
		r->dbs[i].n_view_names = 0;
	}
}
