/* SPDX-License-Identifier: ISC */
/*
 * report: one row per catalogue entry, oldest first, with every reason
 * it stays or goes, then the entries left alone and the totals.  With
 * --dry-run the text says "would delete"; the JSON keeps "delete" and
 * says dry_run, so scripts read one word.
 */
#include <stdio.h>

#include "human.h"
#include "jsonout.h"
#include "report.h"
#include "table.h"
#include "timeutil.h"

static const char *
state_name(enum catalog_state s)
{
	static const char *const names[] = { "complete", "partial", "damaged" };

	return names[s];
}

static const char *
action_name(enum action a)
{
	static const char *const names[] = { "keep", "delete", "damaged" };

	return names[a];
}

static json_t *
report_json(const struct prune_result *r)
{
	const struct catalog_item *items = r->items;
	const struct decision *d = r->decisions;
	json_t *backups = json_array(), *other = json_array();
	char at[RFC3339_LEN], when[RFC3339_LEN];
	size_t i;

	for (i = 0; i < r->n; i++) {
		time_rfc3339(items[i].e.taken_at, at);
		json_array_append_new(backups, json_pack(
		    "{s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:b, s:o, s:s,"
		    " s:b, s:b}",
		    "id", items[i].e.id, "directory", items[i].name,
		    "type", items[i].e.type,
		    "state", state_name(items[i].state),
		    "action", action_name(d[i].action), "taken_at", at,
		    "age_s", (json_int_t)(r->now - items[i].e.taken_at),
		    "size_bytes", (json_int_t)items[i].size_bytes,
		    "pinned", items[i].pinned,
		    "parent", items[i].parent[0] ? json_string(items[i].parent) :
		    json_null(),
		    "reason", d[i].reasons, "future", items[i].future,
		    "in_use", d[i].in_use));
	}
	for (i = 0; i < r->n_foreign; i++)
		json_array_append_new(other, jsonout_text(r->foreign[i]));
	time_rfc3339(r->now, when);
	return json_pack("{s:o, s:b, s:s, s:{s:I, s:I, s:I, s:I, s:I, s:I},"
	    " s:o, s:o, s:I, s:I, s:I}",
	    "path", jsonout_text(r->path), "dry_run", r->dry_run, "now", when,
	    "policy", "days", (json_int_t)r->policy.days,
	    "keep_last", (json_int_t)r->policy.keep_last,
	    "keep_daily", (json_int_t)r->policy.keep_daily,
	    "keep_weekly", (json_int_t)r->policy.keep_weekly,
	    "keep_monthly", (json_int_t)r->policy.keep_monthly,
	    "partial_age_s", (json_int_t)r->policy.partial_age_s,
	    "backups", backups, "foreign", other,
	    "kept", (json_int_t)r->kept, "deleted", (json_int_t)r->deleted,
	    "freed_bytes", (json_int_t)r->freed_bytes);
}

static int
report_text(const struct prune_result *r, FILE *f)
{
	static const char *const headers[] = { "ACTION", "BACKUP", "TYPE",
	    "STATE", "AGE", "SIZE", "WHY" };
	const struct catalog_item *items = r->items;
	const struct decision *d = r->decisions;
	struct table *t = table_new(7, headers);
	char age[40], size[32];
	size_t i;

	if (t == NULL)
		return -1;
	for (i = 0; i < r->n; i++) {
		const char *row[7] = { r->dry_run && d[i].action == ACT_DELETE ?
		    "would delete" : action_name(d[i].action), items[i].name,
		    items[i].e.type, state_name(items[i].state), age, size,
		    d[i].reasons };

		catalog_age_text(&items[i].e, r->now, age, sizeof(age));
		human_size(items[i].size_bytes, size, sizeof(size));
		if (table_add(t, row) == -1) {
			table_free(t);
			return -1;
		}
	}
	table_print(t, f);
	table_free(t);
	for (i = 0; i < r->n_foreign; i++)
		fprintf(f, "not a backup, left alone: %s\n", r->foreign[i]);
	human_size(r->freed_bytes, size, sizeof(size));
	fprintf(f, "%zu kept, %zu %s, %s %s\n", r->kept, r->deleted,
	    r->dry_run ? "would be deleted" : "deleted", size,
	    r->dry_run ? "would be freed (dry run: nothing deleted)" : "freed");
	return 0;
}

int
report_write(const struct prune_result *r, bool json, FILE *f)
{
	json_t *doc;
	int rc;

	if (!json)
		return report_text(r, f);
	if ((doc = report_json(r)) == NULL)
		return -1;
	rc = jsonout_write(doc, f, false);
	json_decref(doc);
	return rc;
}
