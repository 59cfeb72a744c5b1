/* SPDX-License-Identifier: ISC */
/*
 * list: dbbackup list, and the scan of the catalogue it shares with pin
 * and unpin (pin.c).  The scan is catalog_scan, which reads each backup's
 * manifest (under the backup's shared lock, so dbprune does not delete it
 * meanwhile) and never its data files, so it is fast on a catalogue of
 * any size and needs no server.  list adds the totals to the one struct
 * listing and renders it as a text table or as JSON, so the two cannot
 * disagree.  The totals' oldest and newest pass over backups dated in the
 * future, as "latest" does.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#include "catalog.h"
#include "exitcode.h"
#include "jsonout.h"
#include "human.h"
#include "list.h"
#include "table.h"
#include "timeutil.h"

static const char *const state_names[] = {
	[CATALOG_COMPLETE] = "complete",
	[CATALOG_PARTIAL] = "partial",
	[CATALOG_DAMAGED] = "damaged",
};



static int
cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int
list_scan(const char *root, struct listing *l, char *err, size_t errlen)
{
	struct stat st;

	memset(l, 0, sizeof(*l));
	l->root = root;
	l->now = time(NULL);
	if (stat(root, &st) == -1) {
		if (errno == ENOENT)
			return EXIT_DONE;
	} else if (!S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "%s: not a directory", root);
		return EXIT_USAGE;
	}
	if (catalog_scan(root, l->now, &l->items, &l->n, &l->foreign,
	    &l->n_foreign, err, errlen) == -1)
		return EXIT_FAILED;
	if (l->n_foreign > 0)
		qsort(l->foreign, l->n_foreign, sizeof(char *), cmp_names);
	return EXIT_DONE;
}

void
list_scan_free(struct listing *l)
{
	catalog_scan_free(l->items, l->foreign, l->n_foreign);
	free(l->by_type);
	free(l->chains);
}

static int
cmp_type_count(const void *a, const void *b)
{
	return strcmp(((const struct type_count *)a)->type,
	    ((const struct type_count *)b)->type);
}

/*
 * The chains: each complete full backup and its complete incrementals,
 * each the child of the one before; a damaged or missing link ends the
 * chain there, since a restore cannot go past it.
 */
static int
add_chains(struct listing *l)
{
	size_t i, j, tip, links;

	if (l->n > 0 && (l->chains = calloc(l->n, sizeof(*l->chains))) == NULL)
		return -1;
	for (i = 0; i < l->n; i++) {
		if (l->items[i].state != CATALOG_COMPLETE ||
		    strcmp(l->items[i].e.type, "full") != 0)
			continue;
		for (tip = i, links = 0, j = i + 1; j < l->n; j++)
			if (l->items[j].state == CATALOG_COMPLETE &&
			    strcmp(l->items[j].parent, l->items[tip].name) == 0) {
				tip = j;
				links++;
			}
		if (links > 0)
			l->chains[l->n_chains++] = (struct chain_span){ i, tip,
			    links };
	}
	return 0;
}

/* Fills the totals of l.  0, or -1 when out of memory. */
static int
add_totals(struct listing *l)
{
	size_t i, t;

	if (l->n > 0 && (l->by_type = calloc(l->n, sizeof(*l->by_type))) ==
	    NULL)
		return -1;
	for (i = 0; i < l->n; i++) {
		const struct catalog_item *it = &l->items[i];

		for (t = 0; t < l->n_types &&
		    strcmp(l->by_type[t].type, it->e.type) != 0; t++)
			;
		if (t == l->n_types)
			l->by_type[l->n_types++].type = it->e.type;
		l->by_type[t].count++;
		l->size_bytes += it->size_bytes;
		/* As "latest" sees them: one dated ahead is not trusted. */
		if (it->state != CATALOG_COMPLETE || it->future)
			continue;
		if (l->oldest_complete == NULL)
			l->oldest_complete = it;
		l->newest_complete = it;
		if (strcmp(it->e.type, "full") == 0)
			l->newest_complete_full = it;
	}
	if (l->n_types > 0)
		qsort(l->by_type, l->n_types, sizeof(*l->by_type),
		    cmp_type_count);
	return add_chains(l);
}

/* Seconds since the backup started; never negative, whatever the clock. */
static long long
age_s(const struct listing *l, const struct catalog_item *it)
{
	return l->now > it->e.taken_at ? (long long)(l->now - it->e.taken_at) :
	    0;
}

static const char *
id_or_dash(const struct catalog_item *it)
{
	return it != NULL ? it->e.id : "-";
}

static int
render_text(const struct listing *l, FILE *out)
{
	static const char *const headers[] = { "ID", "TYPE", "STATE", "AGE",
		"SIZE", "PARENT", "PINNED" };
	char age[40], size[32];
	struct table *t = NULL;
	size_t i;
	bool gap = false;

	if (l->n > 0) {
		if ((t = table_new(7, headers)) == NULL)
			return -1;
		for (i = 0; i < l->n; i++) {
			const struct catalog_item *it = &l->items[i];
			const char *cells[7] = { it->e.id, it->e.type,
				state_names[it->state], age, size,
				it->parent[0] != '\0' ? it->parent : "-",
				it->pinned ? "yes" : "no" };

			catalog_age_text(&it->e, l->now, age, sizeof(age));
			human_size(it->size_bytes, size, sizeof(size));
			if (table_add(t, cells) == -1) {
				table_free(t);
				return -1;
			}
		}
		table_print(t, out);
		table_free(t);
		gap = true;
	}
	for (i = 0; i < l->n; i++)
		if (l->items[i].state == CATALOG_DAMAGED)
			fprintf(out, "damaged %s: %s\n", l->items[i].e.id,
			    l->items[i].why);
	for (i = 0; i < l->n; i++)
		if (l->items[i].future)
			fprintf(out, "dated in the future %s: not latest, not "
			    "counted (check the clock)\n", l->items[i].e.id);
	for (i = 0; i < l->n_foreign; i++) {
		fprintf(out, "not a backup (left alone): %s\n", l->foreign[i]);
		gap = true;
	}
	for (i = 0; i < l->n; i++)
		if (l->items[i].replica_of[0] != '\0') {
			fprintf(out, "%s was taken on a replica of %s\n",
			    l->items[i].e.id, l->items[i].replica_of);
			gap = true;
		}
	for (i = 0; i < l->n_chains; i++) {
		const struct chain_span *c = &l->chains[i];
		char from[RFC3339_LEN], to[RFC3339_LEN];

		time_rfc3339(l->items[c->full].e.taken_at, from);
		time_rfc3339(l->items[c->tip].e.taken_at, to);
		fprintf(out, "chain %s: %zu incremental%s to %s, restorable "
		    "from %s to %s\n", l->items[c->full].e.id, c->incrementals,
		    c->incrementals == 1 ? "" : "s", l->items[c->tip].e.id, from,
		    to);
		gap = true;
	}
	if (gap)
		fputc('\n', out);
	fprintf(out, "catalogue:            %s\n", l->root);
	fprintf(out, "backups:              %zu", l->n);
	for (i = 0; i < l->n_types; i++)
		fprintf(out, "%s%s %zu", i == 0 ? " (" : ", ", l->by_type[i].type,
		    l->by_type[i].count);
	fputs(l->n_types > 0 ? ")\n" : "\n", out);
	human_size(l->size_bytes, size, sizeof(size));
	fprintf(out, "size:                 %s\n", size);
	fprintf(out, "oldest complete:      %s\n", id_or_dash(l->oldest_complete));
	fprintf(out, "newest complete:      %s\n", id_or_dash(l->newest_complete));
	fprintf(out, "newest complete full: %s\n",
	    id_or_dash(l->newest_complete_full));
	return 0;
}

static json_t *
id_or_null(const struct catalog_item *it)
{
	return it != NULL ? json_string(it->e.id) : json_null();
}

static json_t *
listing_json(const struct listing *l)
{
	json_t *doc, *backups = json_array(), *foreign = json_array();
	json_t *by_type = json_object(), *chains = json_array();
	char taken[RFC3339_LEN];
	size_t i;

	if (backups == NULL || foreign == NULL || by_type == NULL ||
	    chains == NULL)
		goto nomem;
	for (i = 0; i < l->n_chains; i++) {
		const struct chain_span *c = &l->chains[i];
		char from[RFC3339_LEN], to[RFC3339_LEN];

		time_rfc3339(l->items[c->full].e.taken_at, from);
		time_rfc3339(l->items[c->tip].e.taken_at, to);
		if (json_array_append_new(chains, json_pack(
		    "{s:s, s:s, s:I, s:s, s:s}", "full", l->items[c->full].e.id,
		    "newest", l->items[c->tip].e.id, "incrementals",
		    (json_int_t)c->incrementals, "restorable_from", from,
		    "restorable_to", to)) == -1)
			goto nomem;
	}
	for (i = 0; i < l->n; i++) {
		const struct catalog_item *it = &l->items[i];

		time_rfc3339(it->e.taken_at, taken);
		if (json_array_append_new(backups, json_pack(
		    "{s:s, s:s, s:s, s:s, s:I, s:I, s:o, s:b, s:o, s:b, s:o}",
		    "id", it->e.id, "type", it->e.type,
		    "state", state_names[it->state], "taken_at", taken,
		    "age_s", (json_int_t)age_s(l, it),
		    "size_bytes", (json_int_t)it->size_bytes,
		    "parent", it->parent[0] != '\0' ? json_string(it->parent) :
		    json_null(), "pinned", it->pinned,
		    "error", it->state == CATALOG_DAMAGED ? jsonout_text(it->why) :
		    json_null(), "future", it->future, "replica_of",
		    it->replica_of[0] != '\0' ? jsonout_text(it->replica_of) :
		    json_null())) == -1)
			goto nomem;
	}
	for (i = 0; i < l->n_foreign; i++)
		if (json_array_append_new(foreign, jsonout_text(l->foreign[i])) ==
		    -1)
			goto nomem;
	for (i = 0; i < l->n_types; i++)
		if (json_object_set_new(by_type, l->by_type[i].type,
		    json_integer((json_int_t)l->by_type[i].count)) == -1)
			goto nomem;
	doc = json_pack("{s:o, s:o, s:o, s:o, s:{s:o, s:I, s:o, s:o, s:o}}",
	    "path", jsonout_text(l->root), "backups", backups,
	    "foreign", foreign, "chains", chains, "totals", "count_by_type",
	    by_type,
	    "size_bytes", (json_int_t)l->size_bytes,
	    "oldest_complete", id_or_null(l->oldest_complete),
	    "newest_complete", id_or_null(l->newest_complete),
	    "newest_complete_full", id_or_null(l->newest_complete_full));
	return doc;		/* json_pack took the arrays, even on failure */
nomem:
	json_decref(backups);
	json_decref(foreign);
	json_decref(by_type);
	json_decref(chains);
	return NULL;
}

int
list_catalog(const char *root, bool json, FILE *out, char *err,
    size_t errlen)
{
	struct listing l;
	json_t *doc = NULL;
	int status, rc;

	if ((status = list_scan(root, &l, err, errlen)) != EXIT_DONE)
		goto out;
	status = EXIT_FAILED;
	if (add_totals(&l) == -1) {
		snprintf(err, errlen, "%s: out of memory", root);
		goto out;
	}
	if (json) {
		if ((doc = listing_json(&l)) == NULL)
			rc = -1;
		else
			rc = jsonout_write(doc, out, false);
	} else
		rc = render_text(&l, out);
	if (rc == -1) {
		snprintf(err, errlen, "%s: %s", root, ferror(out) ?
		    "write error" : "out of memory");
		goto out;
	}
	status = EXIT_DONE;
out:
	json_decref(doc);
	list_scan_free(&l);
	return status;
}
