/* SPDX-License-Identifier: ISC */
/*
 * chain: an incremental backup is restored as its chain, the full backup
 * it builds on and every incremental from there to it.  The chain is
 * walked back by parent ids, each backup held against dbprune and read,
 * and everything is checked before the server is touched: every file's
 * size and SHA-256 (manifest_verify_files), that each incremental starts
 * exactly where its parent ended, and every event of every binlog file
 * (lengths and CRC32, lib/binlog).  The same pass over the events finds
 * where --until stops: the transaction (GTID group) the replay stops
 * before, so the replay needs to compare nothing but GTIDs, and a target
 * outside what the chain covers is refused with the window it covers.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "binlog.h"
#include "chain.h"
#include "gzr.h"
#include "manifest.h"
#include "timeutil.h"

#define CHAIN_MAX 100000	/* links: more is a loop in hand-made ids */

/* Where a backup ends: its snapshot's file, position and GTID. */
static void
snapshot_end(const json_t *m, char *file, size_t filelen, uint64_t *pos,
    char *gtid, size_t gtidlen)
{
	const json_t *s = json_object_get(m, "snapshot");

	snprintf(file, filelen, "%s", manifest_text(s, "binlog_file"));
	*pos = (uint64_t)json_integer_value(json_object_get(s,
	    "binlog_position"));
	snprintf(gtid, gtidlen, "%s", manifest_text(s, "gtid"));
}

/* Holds and verifies the backup id of root: its manifest and files. */
static int
open_backup(const char *root, const char *id, struct age_keys *keys,
    struct catalog_ref *held, json_t **manifest, char *err, size_t errlen)
{
	if (catalog_resolve(root, id, held, err, errlen) == -1)
		return -1;
	return restore_read_manifest(held->dir, keys, false, manifest, err,
	    errlen);
}

/* Whether link l starts where the backup before it, m, ended. */
static int
check_continuity(const struct link *l, const json_t *m, const char *prev_id,
    char *err, size_t errlen)
{
	const json_t *start = json_object_get(json_object_get(l->manifest,
	    "binlog"), "start");
	char file[256], gtid[1024];
	uint64_t pos;

	snapshot_end(m, file, sizeof(file), &pos, gtid, sizeof(gtid));
	if (strcmp(file, manifest_text(start, "file")) != 0 || pos !=
	    (uint64_t)json_integer_value(json_object_get(start, "position")) ||
	    strcmp(gtid, manifest_text(start, "gtid")) != 0) {
		snprintf(err, errlen, "%s does not start where %s ended (%s:%llu, "
		    "not %s:%llu): the chain is broken", l->id, prev_id,
		    manifest_text(start, "file"), (unsigned long long)
		    json_integer_value(json_object_get(start, "position")), file,
		    (unsigned long long)pos);
		return -1;
	}
	return 0;
}

/*
 * Walks back from the incremental r holds to the full backup: r->held,
 * r->manifest and r->dir become the full's, the incrementals go into
 * r->chain oldest first.
 */
static int
walk_back(struct restore *r, const char *root, char *err, size_t errlen)
{
	struct chain *c = &r->chain;
	struct link *grown, l;
	const char *parent;
	char msg[2048];

	/* The backup named is the newest link. */
	memset(&l, 0, sizeof(l));
	l.held = r->held;
	l.manifest = r->manifest;
	snprintf(l.dir, sizeof(l.dir), "%s", r->dir);
	r->held.fd = -1;
	r->manifest = NULL;
	for (;;) {
		if ((grown = realloc(c->links, (c->n + 1) * sizeof(*grown))) ==
		    NULL) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		c->links = grown;
		memmove(c->links + 1, c->links, c->n * sizeof(*c->links));
		c->links[0] = l;
		c->links[0].id = manifest_text(l.manifest, "id");
		c->n++;
		parent = manifest_text(l.manifest, "parent");
		if (c->n > CHAIN_MAX) {
			snprintf(err, errlen, "%s: a chain of over %d backups: a "
			    "loop", c->links[0].id, CHAIN_MAX);
			return -1;
		}
		memset(&l, 0, sizeof(l));
		l.held.fd = -1;
		if (open_backup(root, parent, r->keys, &l.held, &l.manifest, msg,
		    sizeof(msg)) == -1) {
			catalog_release(&l.held);
			json_decref(l.manifest);
			snprintf(err, errlen, "the chain of %s is broken at %s, the "
			    "parent of %s: %s", c->links[c->n - 1].id, parent,
			    c->links[0].id, msg);
			return -1;
		}
		snprintf(l.dir, sizeof(l.dir), "%s", l.held.dir);
		if (check_continuity(&c->links[0], l.manifest, parent, err,
		    errlen) == -1) {
			catalog_release(&l.held);
			json_decref(l.manifest);
			return -1;
		}
		if (strcmp(manifest_text(l.manifest, "type"),
		    "incremental") != 0)
			break;
	}
	if (strcmp(manifest_text(l.manifest, "type"), "full") != 0) {
		snprintf(err, errlen, "the chain of %s starts at %s, a %s backup, "
		    "not a full one", c->links[c->n - 1].id, parent,
		    manifest_text(l.manifest, "type"));
		catalog_release(&l.held);
		json_decref(l.manifest);
		return -1;
	}
	r->held = l.held;
	r->manifest = l.manifest;
	snprintf(r->dir, sizeof(r->dir), "%s", l.dir);
	return 0;
}

/* The pass over the events: groups in order, and where --until stops. */
struct scan {
	const struct until *u;
	struct chain *c;
	struct age_keys *keys;		/* the restore's */
	const char *file;		/* the server's name of the file read */
	char prev_gtid[64];		/* the group before, for --until */
	bool found;			/* the target is settled */
	bool stop_next;			/* stop before the next group */
};

/* Whether file:pos comes before the target's FILE:POS. */
static int
cmp_position(const char *file, uint64_t pos, const struct until *u)
{
	int c = strcmp(file, u->file);

	/* One server's binlog names differ only in their fixed-width number. */
	if (c != 0)
		return c;
	return (pos > u->pos) - (pos < u->pos);
}

static void
stop_before(struct scan *s, const char *gtid)
{
	snprintf(s->c->stop_gtid, sizeof(s->c->stop_gtid), "%s", gtid);
	s->found = true;
}

/* A group starts: decides whether the replay stops before it. */
static void
on_group(struct scan *s, const char *gtid, time_t when, uint64_t start)
{
	const struct until *u = s->u;
	int c;

	if (s->found)
		return;
	if (s->stop_next) {
		stop_before(s, gtid);
		return;
	}
	switch (u->kind) {
	case UNTIL_TIME:
		if (u->exclusive ? when >= u->time : when > u->time)
			stop_before(s, gtid);
		break;
	case UNTIL_GTID:
		if (strcmp(gtid, u->gtid) == 0) {
			if (u->exclusive)
				stop_before(s, gtid);
			else
				s->stop_next = true;
		}
		break;
	case UNTIL_POSITION:
		/*
		 * As mariadb-binlog --stop-position: the events before POS,
		 * and the rest of the transaction POS falls in; --exclusive
		 * leaves that transaction out too.
		 */
		c = cmp_position(s->file, start, u);
		if (c == 0 || (c > 0 && (!u->exclusive ||
		    s->prev_gtid[0] == '\0')))
			stop_before(s, gtid);
		else if (c > 0)
			stop_before(s, s->prev_gtid);
		break;
	case UNTIL_END:
		break;
	}
	snprintf(s->prev_gtid, sizeof(s->prev_gtid), "%s", gtid);
}

static int
on_event(void *ctx, const struct binlog_header *h, const unsigned char *p,
    char *err, size_t errlen)
{
	struct scan *s = ctx;
	struct binlog_gtid g;
	char gtid[64];

	(void)err;
	(void)errlen;
	if (h->type != BINLOG_GTID || binlog_gtid_parse(p, h, &g) == -1)
		return 0;
	snprintf(gtid, sizeof(gtid), "%u-%u-%llu", g.domain, g.server_id,
	    (unsigned long long)g.seq);
	on_group(s, gtid, (time_t)h->when, h->next_pos - h->length);
	return 0;
}

static ssize_t
gz_read(void *src, void *buf, size_t len, char *err, size_t errlen)
{
	return gzr_read(src, buf, len, err, errlen);
}

/* Every event of every file of link l. */
static int
scan_link(struct scan *s, const struct link *l, char *err, size_t errlen)
{
	const json_t *f;
	struct gzr *in;
	char label[8192];
	size_t i;
	int rc;

	json_array_foreach(json_object_get(json_object_get(l->manifest,
	    "binlog"), "files"), i, f) {
		const char *rel = manifest_text(f, "file");

		s->file = manifest_text(f, "name");
		snprintf(label, sizeof(label), "%s/%s", l->dir, rel);
		if ((in = gzr_open_in(l->dir, rel, s->keys, err, errlen)) == NULL)
			return -1;
		rc = binlog_read(gz_read, in, label, on_event, s, err, errlen);
		gzr_close(in);
		if (rc != 0)
			return -1;
	}
	return 0;
}

/* "2026-12-01T14:02:00Z", for the window. */
static const char *
when_text(time_t t, char buf[RFC3339_LEN])
{
	time_rfc3339(t, buf);
	return buf;
}

/* Whether the target is in what the chain covers; err says the window. */
static int
check_window(struct restore *r, struct scan *s, char *err, size_t errlen)
{
	const struct until *u = &r->opt->until;
	const json_t *first = json_object_get(json_object_get(
	    r->chain.links[0].manifest, "binlog"), "start");
	const json_t *last = json_object_get(json_object_get(
	    r->chain.links[r->chain.n - 1].manifest, "binlog"), "end");
	char a[RFC3339_LEN], b[RFC3339_LEN];

	switch (u->kind) {
	case UNTIL_TIME:
		if (u->time < r->chain.window_from ||
		    u->time > r->chain.window_to) {
			snprintf(err, errlen, "--until %s is outside what the "
			    "chain of %s covers: %s to %s",
			    when_text(u->time, a), r->chain.links[r->chain.n -
			    1].id, when_text(r->chain.window_from, b),
			    when_text(r->chain.window_to, a));
			return -1;
		}
		return 0;
	case UNTIL_GTID:
		if (!s->found && !s->stop_next) {
			snprintf(err, errlen, "GTID %s is not in the chain of %s, "
			    "which goes from %s to %s", u->gtid,
			    r->chain.links[r->chain.n - 1].id,
			    manifest_text(first, "gtid"),
			    manifest_text(last, "gtid"));
			return -1;
		}
		return 0;
	case UNTIL_POSITION:
		if (cmp_position(manifest_text(first, "file"), (uint64_t)
		    json_integer_value(json_object_get(first, "position")),
		    u) > 0 || cmp_position(manifest_text(last, "file"),
		    (uint64_t)json_integer_value(json_object_get(last, "position")),
		    u) < 0) {
			snprintf(err, errlen, "%s:%llu is outside what the chain "
			    "of %s covers: %s:%lld to %s:%lld", u->file,
			    (unsigned long long)u->pos, r->chain.links[r->chain.n
			    - 1].id, manifest_text(first, "file"), (long long)
			    json_integer_value(json_object_get(first,
			    "position")), manifest_text(last, "file"),
			    (long long)json_integer_value(json_object_get(last,
			    "position")));
			return -1;
		}
		return 0;
	case UNTIL_END:
		break;
	}
	return 0;
}

int
chain_open(struct restore *r, const char *root, char *err, size_t errlen)
{
	struct scan s = { .u = &r->opt->until, .c = &r->chain, .keys = r->keys };
	size_t i;

	if (walk_back(r, root, err, errlen) == -1)
		return -1;
	/* The full's snapshot is taken after it starts; the chain ends when
	 * its last incremental read the server's position. */
	if (time_parse_rfc3339(manifest_text(r->manifest, "started_at"),
	    &r->chain.window_from) == -1 ||
	    time_parse_rfc3339(manifest_text(r->chain.links[r->chain.n -
	    1].manifest, "started_at"), &r->chain.window_to) == -1) {
		snprintf(err, errlen, "%s: a start time that does not read",
		    r->chain.links[r->chain.n - 1].id);
		return -1;
	}
	for (i = 0; i < r->chain.n; i++)
		if (scan_link(&s, &r->chain.links[i], err, errlen) == -1)
			return -1;
	return check_window(r, &s, err, errlen);
}

int
chain_pick(const char *root, time_t until, char *id, size_t idlen,
    char *err, size_t errlen)
{
	struct catalog_item *items = NULL;
	char **foreign = NULL, at[RFC3339_LEN];
	size_t n = 0, n_foreign = 0, i, full = 0, tip;
	bool found = false, more;
	int rc = -1;

	if (catalog_scan(root, time(NULL), &items, &n, &foreign, &n_foreign,
	    err, errlen) == -1)
		return -1;
	for (i = 0; i < n; i++)
		if (items[i].state == CATALOG_COMPLETE && !items[i].future &&
		    strcmp(items[i].e.type, "full") == 0 &&
		    items[i].e.taken_at <= until) {
			full = i;
			found = true;
		}
	if (!found) {
		snprintf(err, errlen, "no full backup in %s was taken before %s",
		    root, when_text(until, at));
		goto out;
	}
	/* The incrementals that continue it, each the child of the last. */
	for (tip = full, more = true; more;) {
		more = false;
		for (i = tip + 1; i < n; i++)
			if (items[i].state == CATALOG_COMPLETE &&
			    strcmp(items[i].parent, items[tip].name) == 0) {
				tip = i;
				more = true;
			}
	}
	if (tip == full) {
		snprintf(err, errlen, "%s, the newest full backup before %s, has "
		    "no incremental after it: restore it alone", items[full].name,
		    when_text(until, at));
		goto out;
	}
	snprintf(id, idlen, "%s", items[tip].name);
	rc = 0;
out:
	catalog_scan_free(items, foreign, n_foreign);
	return rc;
}

void
chain_free(struct chain *c)
{
	for (size_t i = 0; i < c->n; i++) {
		catalog_release(&c->links[i].held);
		json_decref(c->links[i].manifest);
	}
	free(c->links);
	c->links = NULL;
	c->n = 0;
}
