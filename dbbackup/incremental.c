/* SPDX-License-Identifier: ISC */
/*
 * incremental: dbbackup incremental.  Its parent is the newest full or
 * incremental backup in the catalogue (read under the catalogue's lock,
 * so no prune takes it meanwhile); where the parent ends, the position
 * of a full's snapshot or an incremental's end, both kept as the
 * manifest's snapshot, this one starts, and it ends at the server's
 * position when it starts (SHOW MASTER STATUS: no lock, no wait).  The
 * events in between come over the replication protocol (lib/binlog) and
 * are stored as the server's binlog files, compressed like the rest.
 *
 * Before copying, everything that would make the chain wrong is refused
 * with what to do: a parent that is damaged, of another server or without
 * a binary log position; a binary log that is off, purged past the
 * parent's end, or that no longer holds the parent's end (a reset or a
 * failover: the GTID state at that position is not the parent's); and
 * the privileges the copy needs.  With no full backup to continue, the
 * run takes a full backup instead, unless --no-promote.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "conn.h"
#include "fs.h"
#include "gzw.h"
#include "incremental.h"
#include "manifest.h"
#include "output.h"

#define ER_SPECIFIC_ACCESS_DENIED 1227
#define ER_MASTER_FATAL_READING_BINLOG 1236
#define BINLOG_DIR "binlog"

/* The parent as the plan needs it. */
struct parent {
	const struct catalog_item *item;
	json_t *manifest;
};

/* Whether a catalogue entry can be a parent: a full or an incremental. */
static bool
chain_type(const char *type)
{
	return strcmp(type, "full") == 0 || strcmp(type, "incremental") == 0;
}

/* "binlog" of "binlog.000012": the server's name for its log. */
static size_t
base_len(const char *file)
{
	const char *dot = strrchr(file, '.');

	return dot != NULL ? (size_t)(dot - file) : strlen(file);
}

/* The sequence number of "binlog.000012", or -1. */
static long long
file_number(const char *file)
{
	const char *dot = strrchr(file, '.');
	char *end;
	long long n;

	if (dot == NULL || dot[1] == '\0')
		return -1;
	errno = 0;
	n = strtoll(dot + 1, &end, 10);
	return errno != 0 || *end != '\0' ? -1 : n;
}

/*
 * Every file the parent's manifest lists is there with its size: a
 * parent that lost a file cannot be restored, so neither can its child.
 * The checksums are dbrestore --verify's: reading a full backup here
 * would cost as much as taking it.
 */
static int
check_parent_files(const char *dir, const json_t *m, char *err,
    size_t errlen)
{
	const json_t *f;
	char path[8192];
	struct stat st;
	size_t i;

	json_array_foreach(json_object_get(m, "files"), i, f) {
		const char *rel = json_string_value(json_object_get(f, "path"));

		if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, rel) >=
		    sizeof(path) || lstat(path, &st) == -1 ||
		    !S_ISREG(st.st_mode) || st.st_size !=
		    json_integer_value(json_object_get(f, "size_bytes"))) {
			snprintf(err, errlen, "%s: missing, or not the size the "
			    "manifest lists", rel);
			return -1;
		}
	}
	return 0;
}

/*
 * Finds the newest full or incremental backup: p->item, or NULL when
 * there is none (the run becomes a full backup).  A damaged one is
 * refused: continuing an older link would fork the chain.
 */
static int
find_parent(struct backup *b, struct catalog_item *items, size_t n,
    struct parent *p, char *err, size_t errlen)
{
	char dir[8192], why[2048];
	size_t i;

	p->item = NULL;
	for (i = n; i-- > 0;) {
		const struct catalog_item *it = &items[i];

		if (it->state == CATALOG_PARTIAL || it->future ||
		    !chain_type(it->e.type))
			continue;
		if (it->state == CATALOG_DAMAGED) {
			snprintf(err, errlen, "the newest backup, %s, is damaged "
			    "(%s): an incremental cannot continue it; take a "
			    "full backup", it->name, it->why);
			return -1;
		}
		snprintf(dir, sizeof(dir), "%s/%s", b->root, it->name);
		if ((p->manifest = manifest_read(dir, why, sizeof(why))) ==
		    NULL || check_parent_files(dir, p->manifest, why,
		    sizeof(why)) == -1) {
			snprintf(err, errlen, "the newest backup, %s, is damaged "
			    "(%s): an incremental cannot continue it; take a "
			    "full backup", it->name, why);
			return -1;
		}
		p->item = it;
		return 0;
	}
	return 0;
}

/*
 * Runs a statement that returns one row of at least n columns: *res
 * holds it (mysql_free_result), the row is returned; NULL with err, and
 * the server's error number in *code.
 */
static MYSQL_ROW
one_row(MYSQL *m, const char *sql, unsigned int n, MYSQL_RES **res,
    unsigned int *code, char *err, size_t errlen)
{
	MYSQL_ROW row;

	*code = 0;
	if ((*res = conn_select(m, sql, err, errlen)) == NULL) {
		*code = mysql_errno(m);
		return NULL;
	}
	if (mysql_num_fields(*res) < n || (row = mysql_fetch_row(*res)) ==
	    NULL) {
		snprintf(err, errlen, "%s: no result", sql);
		mysql_free_result(*res);
		*res = NULL;
		return NULL;
	}
	return row;
}

static void
copy_text(char *dst, size_t size, const char *src)
{
	snprintf(dst, size, "%s", src != NULL ? src : "");
}

/* The server: its binary log on, its identity, its position now. */
static int
read_server(struct backup *b, char *err, size_t errlen)
{
	MYSQL_RES *res;
	MYSQL_ROW row;
	unsigned int code;
	bool on;

	if ((row = one_row(b->ctl, "SELECT @@log_bin, @@server_id, @@version, "
	    "@@hostname", 4, &res, &code, err, errlen)) == NULL)
		return -1;
	on = row[0] != NULL && strcmp(row[0], "1") == 0;
	b->server_id = row[1] != NULL ? strtoll(row[1], NULL, 10) : 0;
	copy_text(b->server_version, sizeof(b->server_version), row[2]);
	copy_text(b->hostname, sizeof(b->hostname), row[3]);
	mysql_free_result(res);
	if (!on) {
		snprintf(err, errlen, "the binary log is off (log_bin): an "
		    "incremental backup copies it; start the server with "
		    "--log-bin and take a full backup");
		return -1;
	}
	if ((row = one_row(b->ctl, "SHOW MASTER STATUS", 2, &res, &code, err,
	    errlen)) == NULL) {
		if (code == ER_SPECIFIC_ACCESS_DENIED)
			snprintf(err, errlen, "SHOW MASTER STATUS needs the "
			    "BINLOG MONITOR privilege (GRANT BINLOG MONITOR ON "
			    "*.* TO the backup user)");
		return -1;
	}
	copy_text(b->inc.to.file, sizeof(b->inc.to.file), row[0]);
	b->inc.to.pos = row[1] != NULL ? strtoull(row[1], NULL, 10) : 0;
	mysql_free_result(res);
	return 0;
}

/* The GTID state at file:pos (BINLOG_GTID_POS), "" when none. */
static int
gtid_at(struct backup *b, const struct binlog_coord *c, char *out,
    size_t size, char *err, size_t errlen)
{
	MYSQL_RES *res;
	MYSQL_ROW row;
	unsigned int code;
	char *file, sql[1024];

	if ((file = conn_literal(b->ctl, c->file)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	snprintf(sql, sizeof(sql), "SELECT BINLOG_GTID_POS(%s, %llu)", file,
	    (unsigned long long)c->pos);
	free(file);
	if ((row = one_row(b->ctl, sql, 1, &res, &code, err, errlen)) == NULL)
		return -1;
	copy_text(out, size, row[0]);
	mysql_free_result(res);
	return 0;
}

static int
cmp_text(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A GTID state with its domains sorted: "0-1-5,1-2-9". */
static void
normalize_gtids(const char *in, char *out, size_t size)
{
	char copy[1024], *parts[128], *save, *t;
	size_t n = 0, i, used = 0;

	snprintf(copy, sizeof(copy), "%s", in);
	for (t = strtok_r(copy, ", \n", &save); t != NULL && n < 128;
	    t = strtok_r(NULL, ", \n", &save))
		parts[n++] = t;
	qsort(parts, n, sizeof(*parts), cmp_text);
	out[0] = '\0';
	for (i = 0; i < n && used < size; i++)
		used += (size_t)snprintf(out + used, size - used, "%s%s",
		    i > 0 ? "," : "", parts[i]);
}

/* Whether two GTID states name the same positions, in any order. */
static bool
same_gtids(const char *a, const char *b)
{
	char x[1024], y[1024];

	normalize_gtids(a, x, sizeof(x));
	normalize_gtids(b, y, sizeof(y));
	return strcmp(x, y) == 0;
}

/*
 * Whether the server's binary log still goes on from where the parent
 * ended: its file is there, long enough, and the GTID state there is the
 * parent's.  *files, *bytes: what the copy will read, for the progress
 * line.
 */
static int
check_continuity(struct backup *b, const char *parent, unsigned int *files,
    uint64_t *bytes, char *err, size_t errlen)
{
	const struct binlog_coord *from = &b->inc.from, *to = &b->inc.to;
	MYSQL_RES *res;
	MYSQL_ROW row;
	long long oldest = -1, n;
	bool found = false, counting = false;
	char gtid[1024];

	*files = 0;
	*bytes = 0;
	if ((res = conn_select(b->ctl, "SHOW BINARY LOGS", err, errlen)) ==
	    NULL)
		return -1;
	while ((row = mysql_fetch_row(res)) != NULL && row[0] != NULL) {
		uint64_t size = row[1] != NULL ? strtoull(row[1], NULL, 10) : 0;

		if (oldest == -1)
			oldest = file_number(row[0]);
		if (strcmp(row[0], from->file) == 0) {
			found = true;
			counting = true;
			if (size < from->pos) {
				snprintf(err, errlen, "the binary log %s is "
				    "shorter than where %s ended (%llu): it was "
				    "reset, or this is another server; take a "
				    "full backup", from->file, parent,
				    (unsigned long long)from->pos);
				mysql_free_result(res);
				return -1;
			}
			size -= from->pos;
		}
		if (counting) {
			(*files)++;
			*bytes += strcmp(row[0], to->file) == 0 ? to->pos -
			    (strcmp(row[0], from->file) == 0 ? from->pos : 0) :
			    size;
		}
		if (strcmp(row[0], to->file) == 0)
			counting = false;
	}
	mysql_free_result(res);
	if (!found) {
		n = file_number(from->file);
		if (n >= 0 && oldest >= 0 && n < oldest)
			snprintf(err, errlen, "the binary log %s, where %s "
			    "ended, has been purged from the server: take a "
			    "full backup (and keep binary logs for longer than "
			    "the time between two incrementals)", from->file,
			    parent);
		else
			snprintf(err, errlen, "the server's binary log no longer "
			    "holds %s, where %s ended: it was reset, or this is "
			    "another server; take a full backup", from->file,
			    parent);
		return -1;
	}
	if (b->inc.from_gtid[0] == '\0')
		return 0;
	if (gtid_at(b, from, gtid, sizeof(gtid), err, errlen) == -1)
		return -1;
	if (!same_gtids(gtid, b->inc.from_gtid)) {
		snprintf(err, errlen, "the binary log at %s:%llu is not where %s "
		    "ended (GTID %s there, %s in the backup): it was reset or "
		    "the server failed over; take a full backup", from->file,
		    (unsigned long long)from->pos, parent, gtid[0] ? gtid :
		    "none", b->inc.from_gtid);
		return -1;
	}
	return 0;
}

/* The parent's end, from its manifest, and whether it is this server's. */
static int
read_parent_end(struct backup *b, const struct parent *p, char *err,
    size_t errlen)
{
	const json_t *snap = json_object_get(p->manifest, "snapshot");
	const json_t *server = json_object_get(p->manifest, "server");
	const char *file = json_string_value(json_object_get(snap,
	    "binlog_file"));
	const char *gtid = json_string_value(json_object_get(snap, "gtid"));
	json_int_t pos = json_integer_value(json_object_get(snap,
	    "binlog_position"));
	json_int_t id = json_integer_value(json_object_get(server,
	    "server_id"));

	if (file == NULL || pos < BINLOG_MAGIC_LEN) {
		snprintf(err, errlen, "%s has no binary log position (the "
		    "binary log was off when it was taken): take a full "
		    "backup", p->item->name);
		return -1;
	}
	if (id != b->server_id || base_len(file) != base_len(b->inc.to.file) ||
	    strncmp(file, b->inc.to.file, base_len(file)) != 0) {
		snprintf(err, errlen, "%s is a backup of another server "
		    "(server_id %lld, binary log %.*s), this is server_id "
		    "%lld (%.*s): an incremental never continues another "
		    "server's chain; keep one catalogue per server, or take a "
		    "full backup", p->item->name, (long long)id,
		    (int)base_len(file), file, b->server_id,
		    (int)base_len(b->inc.to.file), b->inc.to.file);
		return -1;
	}
	snprintf(b->inc.parent, sizeof(b->inc.parent), "%s", p->item->name);
	snprintf(b->inc.from.file, sizeof(b->inc.from.file), "%s", file);
	b->inc.from.pos = (uint64_t)pos;
	snprintf(b->inc.from_gtid, sizeof(b->inc.from_gtid), "%s",
	    gtid != NULL ? gtid : "");
	return 0;
}

/* Whether from comes after to in the server's log: a reset. */
static bool
after(const struct binlog_coord *from, const struct binlog_coord *to)
{
	long long f = file_number(from->file), t = file_number(to->file);

	return f > t || (f == t && from->pos > to->pos);
}

int
incremental_plan(struct backup *b, char *err, size_t errlen)
{
	struct catalog_item *items = NULL;
	char **foreign = NULL;
	size_t n = 0, n_foreign = 0;
	struct parent p = { NULL, NULL };
	unsigned int files;
	uint64_t bytes;
	int rc = -1;

	if (catalog_scan(b->root, time(NULL), &items, &n, &foreign,
	    &n_foreign, err, errlen) == -1 ||
	    find_parent(b, items, n, &p, err, errlen) == -1)
		goto out;
	if (p.item == NULL) {
		if (b->opt->no_promote) {
			snprintf(err, errlen, "no full backup in %s to continue "
			    "(--no-promote): take a full backup first",
			    b->root);
			goto out;
		}
		cli_warn("no full backup in %s to continue: taking a full "
		    "backup instead", b->root);
		b->type = TYPE_FULL;
		rc = 0;
		goto out;
	}
	if ((b->ctl = conn_open(b->settings, 0, err, errlen)) == NULL ||
	    read_server(b, err, errlen) == -1 ||
	    read_parent_end(b, &p, err, errlen) == -1)
		goto out;
	if (after(&b->inc.from, &b->inc.to)) {
		snprintf(err, errlen, "the server's binary log is at %s:%llu, "
		    "before where %s ended (%s:%llu): it was reset; take a full "
		    "backup", b->inc.to.file, (unsigned long long)b->inc.to.pos,
		    b->inc.parent, b->inc.from.file,
		    (unsigned long long)b->inc.from.pos);
		goto out;
	}
	if (check_continuity(b, b->inc.parent, &files, &bytes, err,
	    errlen) == -1 ||
	    gtid_at(b, &b->inc.to, b->inc.to_gtid, sizeof(b->inc.to_gtid),
	    err, errlen) == -1)
		goto out;
	progress_files(&b->progress);
	progress_expect(&b->progress, files, 0, bytes);
	rc = 0;
out:
	json_decref(p.manifest);
	catalog_scan_free(items, foreign, n_foreign);
	return rc;
}

/* The sink of the copy: each binlog file a file of the backup. */
static int
sink_begin(void *ctx, const char *name, char *err, size_t errlen)
{
	struct backup *b = ctx;
	char rel[512];

	snprintf(rel, sizeof(rel), BINLOG_DIR "/%s%s", name,
	    compression_suffix(b->opt->codec));
	if ((b->inc.open_name = strdup(rel)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if ((b->inc.open = output_file_open(b, rel, b->opt->binlog_level, err,
	    errlen)) == NULL)
		return -1;
	if (json_array_append_new(b->inc.files, json_pack("{s:s, s:s}",
	    "name", name, "file", rel)) == -1) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

static int
sink_write(void *ctx, const void *p, size_t len, char *err, size_t errlen)
{
	struct backup *b = ctx;

	progress_add(&b->progress, 0, len);
	return gzw_write(b->inc.open, p, len, err, errlen);
}

static int
sink_end(void *ctx, char *err, size_t errlen)
{
	struct backup *b = ctx;
	int rc = 0;

	if (b->inc.open != NULL)
		rc = output_file_close(b, b->inc.open, b->inc.open_name, NULL,
		    err, errlen);
	b->inc.open = NULL;
	free(b->inc.open_name);
	b->inc.open_name = NULL;
	if (rc == 0)
		progress_chunk_done(&b->progress);
	return rc;
}

int
incremental_copy(struct backup *b, char *err, size_t errlen)
{
	struct binlog_sink sink = { b, sink_begin, sink_write, sink_end };
	char path[8192];
	unsigned int code;
	MYSQL *dump;
	int rc;

	snprintf(path, sizeof(path), "%s/" BINLOG_DIR, b->dir);
	if (fs_mkdir_private(b->dir, err, errlen) == -1 ||
	    (b->seal == NULL && fs_mkdir_private(path, err, errlen) == -1))
		return -1;
	if ((dump = conn_open(b->settings, 0, err, errlen)) == NULL)
		return -1;
	if (b->opt->progress)
		progress_start(&b->progress, stderr, "dbbackup", b->started_ms);
	/*
	 * The dump's replica id must be unique among the server's replicas:
	 * one from the top of the range, which servers are rarely given.
	 */
	rc = binlog_copy(dump, 0xfff00000u | ((unsigned int)getpid() & 0xfffff),
	    &b->inc.from, &b->inc.to, &sink, &b->inc.counts, &code, err,
	    errlen);
	progress_stop(&b->progress);
	mysql_close(dump);
	if (rc == -1 && code == ER_SPECIFIC_ACCESS_DENIED)
		snprintf(err, errlen, "copying the binary log needs the "
		    "REPLICATION SLAVE privilege (GRANT REPLICATION SLAVE ON "
		    "*.* TO the backup user)");
	else if (rc == -1 && code == ER_MASTER_FATAL_READING_BINLOG) {
		size_t used = strlen(err);

		snprintf(err + used, errlen - used, "; take a full backup");
	}
	if (rc == -1)
		return -1;
	/* An incremental's snapshot is its end: where its child starts. */
	snprintf(b->snapshot_method, sizeof(b->snapshot_method), "binlog");
	snprintf(b->binlog_file, sizeof(b->binlog_file), "%s", b->inc.to.file);
	b->binlog_position = (long long)b->inc.to.pos;
	snprintf(b->gtid, sizeof(b->gtid), "%s", b->inc.to_gtid);
	return 0;
}
