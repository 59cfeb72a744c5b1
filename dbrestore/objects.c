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
 * Each object is created in its own context: the SET the backup wrote
 * before it (sql_mode, character_set_client, collation_connection, an
 * event's time zone) runs first, the statement goes as the bytes the
 * server stored, and a routine, trigger or event whose database collation
 * was not the database's default gets it for the moment of its CREATE
 * (ALTER DATABASE, then back), as mariadb-dump does.
 *
 * A view that cannot exist here, because it reads what the backup left
 * out or what another database held, or because the server already said
 * it was invalid, is skipped and reported, not a failure.  Any other
 * object that fails is reported with the rest still created, so the
 * message can list everything that is missing.
 *
 * A format 1.0 backup has no list of objects: its files are read as they
 * are (views, then routines, triggers and events, each with the SETs
 * before it), and views are ordered by the passes alone.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <iconv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <mysqld_error.h>

#include "cli.h"
#include "names.h"
#include "restore.h"
#include "sqlfile.h"
#include "sqlscan.h"

static const char *const phase_kinds[PHASES] = { "routine", "view",
	"trigger", "event" };

/* The context of an object a format 1.0 backup gives none. */
#define OBJECTS_DEFAULT_CONTEXT "SET SESSION sql_mode = '', " \
	"character_set_client = utf8mb4, collation_connection = utf8mb4_general_ci"

/* A schema file read once, its statements taken by the objects in it. */
struct file_stmts {
	const char *rel;
	char **stmts;
	size_t n, used;
};

/* "view shop.v" for messages. */
static void
describe(const struct robj *o, char *buf, size_t len)
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
	char path[8192];

	memset(f, 0, sizeof(*f));
	f->rel = rel;
	snprintf(path, sizeof(path), "%s/%s", r->dir, rel);
	return (f->stmts = sqlfile_read(path, &f->n, err, errlen)) == NULL ? -1 : 0;
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

/* Whether the backup holds a table named name in d (restored or not). */
static bool
backup_has_table(const struct rdb *d, const char *name)
{
	json_t *t;
	size_t i;

	json_array_foreach(json_object_get(d->json, "tables"), i, t)
		if (strcmp(json_string_value(json_object_get(t, "name")), name) == 0)
			return true;
	return false;
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
	size_t i, j;

	json_array_foreach(json_object_get(o->json, "reads"), i, ref) {
		const char *db = json_string_value(json_object_get(ref, "database"));
		const char *name = json_string_value(json_object_get(ref, "name"));
		const char *state = json_string_value(json_object_get(ref, "state"));
		struct rdb *d = find_db(r, db);
		const char *why = NULL;
		bool found = false;

		if (strcmp(state, "excluded") == 0)
			why = "which the backup left out (--exclude)";
		else if (strcmp(state, "outside") == 0)
			why = "which is in a database the backup does not hold";
		else if (d == NULL || (!d->whole && !backup_has_table(d, name)))
			why = "which this restore does not bring back";
		else if (!d->whole)
			continue;
		for (j = 0; why == NULL && j < r->n_objs && !found; j++)
			if (r->objs[j].phase == PHASE_VIEW && r->objs[j].db == d &&
			    strcmp(r->objs[j].name, name) == 0) {
				size_t *grown = realloc(o->reads, (o->n_reads + 1) *
				    sizeof(size_t));

				if (grown == NULL)
					return -1;
				o->reads = grown;
				o->reads[o->n_reads++] = j;
				found = true;
			}
		if (why != NULL && o->lacks == NULL &&
		    asprintf(&o->lacks, "it reads %s.%s, %s", db, name, why) == -1)
			return -1;
	}
	return 0;
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
			describe(dep, what, sizeof(what));
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
		if (r->objs[i].phase == PHASE_VIEW && r->objs[i].json != NULL &&
		    view_reads(r, &r->objs[i]) == -1) {
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

/*
 * The iconv name of a MariaDB character set a statement may be written
 * in, for a database name that is not ASCII; NULL when it is UTF-8.
 */
static const char *
iconv_charset(const char *cs)
{
	static const char *const map[][2] = {
		{ "latin1", "CP1252" }, { "latin2", "ISO-8859-2" },
		{ "latin5", "ISO-8859-9" }, { "latin7", "ISO-8859-13" },
		{ "cp1250", "CP1250" }, { "cp1251", "CP1251" },
		{ "cp1256", "CP1256" }, { "cp1257", "CP1257" },
		{ "cp850", "CP850" }, { "cp852", "CP852" }, { "cp866", "CP866" },
		{ "greek", "ISO-8859-7" }, { "hebrew", "ISO-8859-8" },
		{ "koi8r", "KOI8-R" }, { "koi8u", "KOI8-U" },
		{ "ascii", "ASCII" }, { "sjis", "SHIFT_JIS" }, { "cp932", "CP932" },
		{ "ujis", "EUC-JP" }, { "eucjpms", "EUC-JP-MS" },
		{ "gbk", "GBK" }, { "gb2312", "GB2312" }, { "gb18030", "GB18030" },
		{ "big5", "BIG5" }, { "euckr", "EUC-KR" }, { "tis620", "TIS-620" },
		{ "macroman", "MACINTOSH" }, { "armscii8", "ARMSCII-8" },
		{ "geostd8", "GEORGIAN-PS" },
	};

	if (cs == NULL || strncasecmp(cs, "utf8", 4) == 0 ||
	    strcasecmp(cs, "binary") == 0)
		return NULL;
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strcasecmp(cs, map[i][0]) == 0)
			return map[i][1];
	return "";
}

static bool
ascii(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s >= 0x80)
			return false;
	return true;
}

/* name (UTF-8) in character set cs, malloc'd; NULL with err. */
static char *
name_in_charset(const char *name, const char *cs, char *err, size_t errlen)
{
	const char *to = iconv_charset(cs);
	size_t inleft = strlen(name), outleft = 4 * inleft + 1;
	char *out, *in = (char *)name, *o;
	iconv_t ic;

	if (to == NULL || ascii(name))
		return strdup(name);
	if (to[0] == '\0' || (ic = iconv_open(to, "UTF-8")) == (iconv_t)-1) {
		snprintf(err, errlen, "cannot write the name %s in character set "
		    "%s", name, cs);
		return NULL;
	}
	if ((out = calloc(1, outleft)) != NULL) {
		o = out;
		if (iconv(ic, &in, &inleft, &o, &outleft) == (size_t)-1) {
			snprintf(err, errlen, "the name %s has no spelling in "
			    "character set %s", name, cs);
			free(out);
			out = NULL;
		}
	}
	iconv_close(ic);
	return out;
}

/*
 * Whether name is a table, sequence or object the backup holds in d: a
 * trigger's own statement may name it with its database.
 */
static bool
is_object(const char *db, const char *name, void *arg)
{
	const struct rdb *d = arg;
	json_t *o;
	size_t i;

	(void)db;
	if (backup_has_table(d, name))
		return true;
	json_array_foreach(json_object_get(d->json, "objects"), i, o)
		if (strcmp(json_string_value(json_object_get(o, "name")), name) == 0)
			return true;
	for (i = 0; i < d->n_view_names; i++)
		if (strcmp(d->view_names[i], name) == 0)
			return true;
	return false;
}

/*
 * --test creates events disabled: in scratch databases they must not fire,
 * and one that names another database could change real data.  The server
 * writes the status in the header of SHOW CREATE EVENT, before " DO ".
 */
static char *
disable_event(char *stmt)
{
	char *event, *body, *enable, *out;

	if (strncmp(stmt, "CREATE ", 7) != 0 ||
	    (event = strstr(stmt, " EVENT ")) == NULL ||
	    (body = strstr(event, " DO ")) == NULL ||
	    (enable = strstr(event, " ENABLE")) == NULL || enable > body)
		return stmt;
	if (asprintf(&out, "%.*s DISABLE%s", (int)(enable - stmt), stmt,
	    enable + 7) == -1)
		out = NULL;
	free(stmt);
	return out;
}

char *
objects_adapt(const struct restore *r, const char *stmt, const char *charset,
    const char *sql_mode, size_t *len, char *err, size_t errlen)
{
	struct sqlscan_dialect dialect;
	size_t n = strlen(stmt);
	char *out = strdup(stmt), *next, *from, *to;

	sqlscan_dialect(sql_mode, charset, &dialect);
	for (size_t i = 0; out != NULL && i < r->n_dbs; i++) {
		const struct rdb *d = &r->dbs[i];

		if (!d->renamed)
			continue;
		from = name_in_charset(d->name, charset, err, errlen);
		to = from ? name_in_charset(d->target, charset, err, errlen) : NULL;
		next = to ? sqlscan_rename_db(out, n, &dialect, from, to,
		    is_object, (void *)d, &n) : NULL;
		if (to != NULL && next == NULL)
			snprintf(err, errlen, "out of memory");
		free(from);
		free(to);
		free(out);
		out = next;
	}
	if (out != NULL && r->opt->test)
		out = disable_event(out);
	if (out != NULL && r->opt->drop_existing &&
	    strncmp(out, "CREATE ", 7) == 0 &&
	    strncmp(out, "CREATE TABLE", 12) != 0 &&
	    strncmp(out, "CREATE SEQUENCE", 15) != 0 &&
	    strncmp(out, "CREATE USER", 11) != 0 &&
	    strncmp(out, "CREATE ROLE", 11) != 0) {
		if (asprintf(&next, "CREATE OR REPLACE %s", out + 7) == -1)
			next = NULL;
		free(out);
		out = next;
	}
	if (out == NULL && err[0] == '\0')
		snprintf(err, errlen, "out of memory");
	if (out != NULL)
		*len = strlen(out);
	return out;
}

static bool
collation_name(const char *s)
{
	return s != NULL && s[0] != '\0' &&
	    strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_") == strlen(s);
}

static int
db_default(MYSQL *m, struct db_default *dd, const struct rdb *d, char *err,
    size_t errlen)
{
	MYSQL_RES *res;
	MYSQL_ROW row;

	if (dd->db == d)
		return 0;
	dd->db = d;
	dd->charset[0] = dd->collation[0] = '\0';
	if (mysql_query(m, "SELECT @@character_set_database, "
	    "@@collation_database") != 0 || (res = mysql_store_result(m)) == NULL) {
		snprintf(err, errlen, "%s: %s", d->target, mysql_error(m));
		return -1;
	}
	if ((row = mysql_fetch_row(res)) != NULL && row[0] && row[1]) {
		snprintf(dd->charset, sizeof(dd->charset), "%s", row[0]);
		snprintf(dd->collation, sizeof(dd->collation), "%s", row[1]);
	}
	mysql_free_result(res);
	return 0;
}

int
objects_create_one(struct restore *r, MYSQL *m, struct db_default *dd,
    struct robj *o, unsigned int *code, char *err, size_t errlen)
{
	char sql[512], what[700];
	size_t len;
	char *stmt;
	bool alter;
	int rc = 0;

	*code = 0;
	describe(o, what, sizeof(what));
	/* A format 1.0 view has no context: the restore's own, not the last
	 * routine's sql_mode. */
	if (o->n_pre == 0 && apply_run(m, OBJECTS_DEFAULT_CONTEXT, what, err,
	    errlen) == -1)
		return -1;
	for (size_t i = 0; i < o->n_pre; i++)
		if (apply_run(m, o->pre[i], what, err, errlen) == -1)
			return -1;
	if (db_default(m, dd, o->db, err, errlen) == -1)
		return -1;
	alter = collation_name(o->db_collation) &&
	    strcmp(o->db_collation, dd->collation) != 0;
	if (alter && apply_run(m, (snprintf(sql, sizeof(sql), "ALTER DATABASE "
	    "COLLATE %s", o->db_collation), sql), what, err, errlen) == -1)
		return -1;
	err[0] = '\0';
	if (o->verbatim) {
		len = strlen(o->stmt);
		if ((stmt = strdup(o->stmt)) == NULL)
			snprintf(err, errlen, "out of memory");
	} else
		stmt = objects_adapt(r, o->stmt, o->charset, o->sql_mode, &len, err,
		    errlen);
	if (stmt == NULL)
		rc = -1;
	else if (mysql_real_query(m, stmt, (unsigned long)len) != 0) {
		*code = mysql_errno(m);
		snprintf(err, errlen, "%s: %s", what, mysql_error(m));
		rc = -1;
	} else {
		MYSQL_RES *res = mysql_store_result(m);

		if (res != NULL)
			mysql_free_result(res);
	}
	free(stmt);
	if (alter && collation_name(dd->charset) && collation_name(dd->collation)) {
		snprintf(sql, sizeof(sql), "ALTER DATABASE CHARACTER SET %s "
		    "COLLATE %s", dd->charset, dd->collation);
		if (apply_run(m, sql, what, rc == 0 ? err : what, rc == 0 ? errlen :
		    sizeof(what)) == -1 && rc == 0)
			rc = -1;
	}
	return rc;
}

/* Errors a view gets when something it reads does not exist (yet). */
static bool
missing_error(unsigned int code)
{
	return code == ER_NO_SUCH_TABLE || code == ER_SP_DOES_NOT_EXIST ||
	    code == ER_VIEW_INVALID || code == ER_BAD_DB_ERROR ||
	    code == ER_BAD_FIELD_ERROR;
}

/*
 * Why view o cannot be created here, when it can be told: it lacks
 * something, was invalid already, or reads a view that was not created.
 */
static char *
skip_reason(const struct restore *r, const struct robj *o)
{
	char *why = NULL, what[700];

	if (o->lacks != NULL)
		return strdup(o->lacks);
	if (o->invalid) {
		const char *msg = json_string_value(json_object_get(o->json,
		    "invalid"));

		if (asprintf(&why, "it was invalid on the backed-up server: %s",
		    msg ? msg : "") == -1)
			why = NULL;
		return why;
	}
	for (size_t j = 0; j < o->n_reads; j++) {
		const struct robj *dep = &r->objs[o->reads[j]];

		if (dep->state == ROBJ_SKIPPED || dep->state == ROBJ_FAILED) {
			describe(dep, what, sizeof(what));
			if (asprintf(&why, "it reads %s, which was not created",
			    what) == -1)
				why = NULL;
			return why;
		}
	}
	return NULL;
}

int
objects_create(struct restore *r, char *err, size_t errlen)
{
	struct db_default dd = { 0 };
	const struct rdb *current = NULL;
	char msg[2048], what[700];
	unsigned int code;
	size_t i, failed = 0, left, before;
	int rc = 0;

	for (int p = 0; p < PHASES; p++) {
		/* Views: passes while one creates what another missed. */
		do {
			before = left = 0;
			for (i = 0; i < r->n_objs; i++) {
				struct robj *o = &r->objs[i];

				if ((int)o->phase != p || o->state != ROBJ_PENDING)
					continue;
				before++;
				if (o->db != current) {
					if (apply_use(r->ctl, o->db, err, errlen) == -1)
						return -1;
					current = o->db;
				}
				msg[0] = '\0';
				if (objects_create_one(r, r->ctl, &dd, o, &code, msg,
				    sizeof(msg)) == 0) {
					o->state = ROBJ_CREATED;
					continue;
				}
				free(o->why);
				o->why = strdup(msg);
				if (p == PHASE_VIEW && missing_error(code)) {
					left++;
					continue;
				}
				o->state = ROBJ_FAILED;
			}
		} while (p == PHASE_VIEW && left > 0 && left < before);
		for (i = 0; i < r->n_objs; i++) {
			struct robj *o = &r->objs[i];
			char *why;

			if ((int)o->phase != p || o->state != ROBJ_PENDING)
				continue;
			if ((why = skip_reason(r, o)) != NULL) {
				free(o->why);
				o->why = why;
				o->state = ROBJ_SKIPPED;
				describe(o, what, sizeof(what));
				cli_warn("warning: %s skipped: %s", what, why);
			} else
				o->state = ROBJ_FAILED;
		}
	}
	for (i = 0; i < r->n_objs; i++)
		if (r->objs[i].state == ROBJ_FAILED && failed++ == 0)
			snprintf(err, errlen, "%s", r->objs[i].why ?
			    r->objs[i].why : "failed");
	if (failed > 0)
		rc = -1;
	/* Objects set their own context; back to the restore's. */
	if (mysql_set_character_set(r->ctl, "utf8mb4") != 0 ||
	    apply_run(r->ctl, RESTORE_SESSION_SQL, "session", msg,
	    sizeof(msg)) == -1) {
		if (rc == 0)
			snprintf(err, errlen, "%s", msg);
		rc = -1;
	}
	return rc;
}

void
objects_missing(const struct restore *r, char *buf, size_t len)
{
	char what[700];
	size_t used = 0, shown = 0, more = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < r->n_objs; i++) {
		const struct robj *o = &r->objs[i];

		if (o->state != ROBJ_FAILED && o->state != ROBJ_PENDING)
			continue;
		if (shown == 8) {
			more++;
			continue;
		}
		describe(o, what, sizeof(what));
		used += (size_t)snprintf(buf + used, used < len ? len - used : 0,
		    "%s%s", shown ? ", " : "", what);
		shown++;
	}
	if (more > 0 && used < len)
		snprintf(buf + used, len - used, " and %zu more", more);
}

/*
 * --sql: the same order.  A stock client stops at the first error, so a
 * view that may not be creatable (it reads what the backup does not hold,
 * or was invalid) goes inside a compound statement whose handler ignores
 * "doesn't exist": where what it reads exists it is created, elsewhere
 * the stream goes on without it.
 */
int
objects_write_sql(struct restore *r, FILE *f, char *err, size_t errlen)
{
	const struct rdb *current = NULL;
	char q[600], what[700];
	size_t len;
	char *stmt;

	for (size_t i = 0; i < r->n_objs; i++) {
		struct robj *o = &r->objs[i];
		const char *cs = json_string_value(json_object_get(o->db->json,
		    "charset"));
		const char *co = json_string_value(json_object_get(o->db->json,
		    "collation"));
		bool guard = o->lacks != NULL || o->invalid, alter;

		if (o->state != ROBJ_PENDING)
			continue;
		describe(o, what, sizeof(what));
		if (guard) {
			fprintf(f, "-- %s: %s: created only where that exists\n",
			    what, o->lacks ? o->lacks : "it was invalid on the "
			    "backed-up server");
			cli_warn("warning: %s: %s: the SQL creates it only where "
			    "that exists", what, o->lacks ? o->lacks : "it was "
			    "invalid on the backed-up server");
		}
		if (o->db != current) {
			name_quote(o->db->target, q, sizeof(q));
			fprintf(f, "USE %s;\n", q);
			current = o->db;
		}
		if (o->n_pre == 0)
			fprintf(f, "%s;\n", OBJECTS_DEFAULT_CONTEXT);
		for (size_t j = 0; j < o->n_pre; j++)
			fprintf(f, "%s;\n", o->pre[j]);
		alter = collation_name(o->db_collation) && collation_name(co) &&
		    collation_name(cs) && strcmp(o->db_collation, co) != 0;
		if (alter)
			fprintf(f, "ALTER DATABASE COLLATE %s;\n", o->db_collation);
		if ((stmt = objects_adapt(r, o->stmt, o->charset, o->sql_mode,
		    &len, err, errlen)) == NULL)
			return -1;
		fputs("DELIMITER ;;\n", f);
		if (guard)
			fprintf(f, "BEGIN NOT ATOMIC DECLARE CONTINUE HANDLER FOR "
			    "%d, %d, %d, %d, %d BEGIN END;\n", ER_NO_SUCH_TABLE,
			    ER_SP_DOES_NOT_EXIST, ER_VIEW_INVALID, ER_BAD_DB_ERROR,
			    ER_BAD_FIELD_ERROR);
		fwrite(stmt, 1, len, f);
		fputs(guard ? ";\nEND\n;;\nDELIMITER ;\n" : "\n;;\nDELIMITER ;\n", f);
		free(stmt);
		if (alter)
			fprintf(f, "ALTER DATABASE CHARACTER SET %s COLLATE %s;\n",
			    cs, co);
	}
	fprintf(f, "SET NAMES utf8mb4;\n%s;\n", RESTORE_SESSION_SQL);
	return 0;
}
