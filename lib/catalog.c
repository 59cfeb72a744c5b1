/* SPDX-License-Identifier: ISC */
/*
 * catalog: ids and the order of backups, "latest", the scan that
 * dbbackup list, dbprune and dbhealth share, and the locks that keep a
 * backup from being deleted while it is read.
 *
 * An id is the UTC start time with a fixed width, the type, and for the
 * second and later backups started in one second a sequence number
 * ("-2", "-3", ...), chosen under the catalogue lock, so ids are unique
 * without waiting and never lie about the time.  Names do not sort as
 * backups do ("-10" before "-2", "data" before "full"), so everything
 * that orders backups uses catalog_cmp.
 *
 * "latest" is chosen from the same scan as the listing, by the same
 * rules: symbolic links and files are never backups, ID.partial is
 * skipped, and so is a backup dated more than CATALOG_FUTURE_S ahead of
 * the clock (a wrong clock must not make one backup "latest" for ever);
 * the first backup left must read, or "latest" is refused.
 *
 * Locks: a reader opens the backup directory itself (never through a
 * symbolic link) and holds flock(LOCK_SH) on it until done; dbprune takes
 * LOCK_EX before it renames and deletes one, and keeps what it cannot
 * lock.  Both wait a bounded time, polling, so nothing blocks for ever.
 * flock(2) belongs to the open directory, so a rename keeps it, and the
 * kernel drops it when the holder dies.  A reader that got its lock checks
 * that the name still leads to the directory it locked: if a prune
 * renamed it away meanwhile, the backup was deleted.
 */
#define _GNU_SOURCE
#include <sys/file.h>
#include <sys/stat.h>

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "catalog.h"
#include "fs.h"
#include "human.h"
#include "manifest.h"
#include "timeutil.h"

#define STAMP_LEN 16		/* "YYYYMMDDTHHMMSSZ" */

int
catalog_make_id(time_t t, const char *type, unsigned seq,
    char id[CATALOG_ID_LEN])
{
	struct tm tm;
	char stamp[32];
	int len;

	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm) != STAMP_LEN)
		return -1;
	if (seq <= 1)
		len = snprintf(id, CATALOG_ID_LEN, "%s-%s", stamp, type);
	else
		len = snprintf(id, CATALOG_ID_LEN, "%s-%s-%u", stamp, type,
		    seq);
	return len > 0 && len < CATALOG_ID_LEN ? 0 : -1;
}

int
catalog_parse_name(const char *name, struct catalog_entry *e)
{
	static const char shape[] = "ddddddddTddddddZ-";
	const char *type = name + sizeof(shape) - 1, *p;
	char again[CATALOG_ID_LEN];
	unsigned long seq = 1;
	struct tm tm;
	size_t i, typelen;

	memset(e, 0, sizeof(*e));
	if (strlen(name) < sizeof(shape))
		return -1;
	for (i = 0; i < sizeof(shape) - 1; i++)
		if (shape[i] == 'd' ? !isdigit((unsigned char)name[i]) :
		    name[i] != shape[i])
			return -1;
	for (typelen = 0; islower((unsigned char)type[typelen]); typelen++)
		;
	if (typelen == 0 || typelen >= sizeof(e->type))
		return -1;
	p = type + typelen;
	if (*p == '-') {
		/* One spelling per sequence: 2 and up, no leading zero. */
		if (*++p < '1' || *p > '9')
			return -1;
		for (seq = 0; isdigit((unsigned char)*p); p++)
			if ((seq = seq * 10 + (unsigned long)(*p - '0')) >
			    CATALOG_SEQ_MAX)
				return -1;
		if (seq < 2)
			return -1;
	}
	if (*p != '\0') {
		if (strcmp(p, ".partial") != 0)
			return -1;
		e->partial = true;
	}
	memset(&tm, 0, sizeof(tm));
	if (strptime(name, "%Y%m%dT%H%M%SZ", &tm) == NULL)
		return -1;
	e->taken_at = timegm(&tm);
	/* A date that does not exist (February 30) is not a time. */
	if (catalog_make_id(e->taken_at, "x", 1, again) == -1 ||
	    strncmp(again, name, STAMP_LEN) != 0)
		return -1;
	e->seq = (unsigned)seq;
	memcpy(e->type, type, typelen);
	snprintf(e->id, sizeof(e->id), "%.*s", (int)(p - name), name);
	return 0;
}

int
catalog_cmp(const struct catalog_entry *a, const struct catalog_entry *b)
{
	int c;

	if (a->taken_at != b->taken_at)
		return a->taken_at < b->taken_at ? -1 : 1;
	if (a->seq != b->seq)
		return a->seq < b->seq ? -1 : 1;
	/* Only ids made by hand or by old versions tie this far. */
	if ((c = strcmp(a->type, b->type)) != 0)
		return c;
	return (int)a->partial - (int)b->partial;
}

void
catalog_age_text(const struct catalog_entry *e, time_t now, char *buf,
    size_t len)
{
	char ahead[32];

	if (e->taken_at <= now) {
		human_age((long long)(now - e->taken_at), buf, len);
		return;
	}
	/* A clock set wrong dated it: say so rather than show "0s". */
	human_age((long long)(e->taken_at - now), ahead, sizeof(ahead));
	snprintf(buf, len, "in %s", ahead);
}

int
catalog_new_id(const char *root, time_t t, const char *type,
    char id[CATALOG_ID_LEN], char *err, size_t errlen)
{
	struct catalog_entry e;
	struct dirent *de;
	unsigned top = 0;
	DIR *d;

	if ((d = opendir(root)) == NULL) {
		snprintf(err, errlen, "%s: %s", root, strerror(errno));
		return -1;
	}
	/* Whatever is named like an id of that second counts: no clash. */
	while ((de = readdir(d)) != NULL)
		if (catalog_parse_name(de->d_name, &e) == 0 &&
		    e.taken_at == t && e.seq > top)
			top = e.seq;
	closedir(d);
	if (top >= CATALOG_SEQ_MAX ||
	    catalog_make_id(t, type, top + 1, id) == -1) {
		snprintf(err, errlen, "%s: cannot choose a new backup id",
		    root);
		return -1;
	}
	return 0;
}

/*
 * flock(fd, op), tried again every 20 ms for up to wait_ms while another
 * process holds a conflicting lock.  0, 1 (still held), or -1 with errno.
 */
static int
lock_wait(int fd, int op, long long wait_ms)
{
	const struct timespec pause = { 0, 20 * 1000 * 1000 };
	double deadline = time_monotonic_ms() + (double)wait_ms;

	for (;;) {
		if (flock(fd, op | LOCK_NB) == 0)
			return 0;
		if (errno == EINTR)
			continue;
		if (errno != EWOULDBLOCK)
			return -1;
		if (time_monotonic_ms() >= deadline)
			return 1;
		nanosleep(&pause, NULL);
	}
}

enum hold {
	HOLD_OK,
	HOLD_MISSING,		/* nothing by that name */
	HOLD_GONE,		/* deleted while we waited for the lock */
	HOLD_BUSY,		/* still locked by another after the wait */
	HOLD_FAILED,		/* errno says why */
};

/*
 * Opens the directory at path, through a final symbolic link only when
 * follow, and locks it with op (LOCK_SH or LOCK_EX), waiting up to
 * wait_ms.  On HOLD_OK *fd holds the lock.
 */
static enum hold
hold(const char *path, bool follow, int op, long long wait_ms, int *fd)
{
	struct stat held, named;
	int dfd, rc, saved;

	dfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC |
	    (follow ? 0 : O_NOFOLLOW));
	if (dfd == -1)
		return errno == ENOENT ? HOLD_MISSING : HOLD_FAILED;
	if ((rc = lock_wait(dfd, op, wait_ms)) != 0) {
		saved = errno;
		close(dfd);
		errno = saved;
		return rc == 1 ? HOLD_BUSY : HOLD_FAILED;
	}
	/* A prune renames a backup away before it deletes it. */
	if (fstat(dfd, &held) == -1 || (follow ? stat(path, &named) :
	    lstat(path, &named)) == -1) {
		saved = errno;
		close(dfd);
		errno = saved;
		return saved == ENOENT ? HOLD_GONE : HOLD_FAILED;
	}
	if (held.st_dev != named.st_dev || held.st_ino != named.st_ino) {
		close(dfd);
		return HOLD_GONE;
	}
	*fd = dfd;
	return HOLD_OK;
}

/* Bytes in the tree at path, not following symbolic links. */
static long long
tree_size(int dirfd, const char *name)
{
	struct stat st;
	struct dirent *de;
	long long total = 0;
	DIR *d;
	int fd;

	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == -1)
		return 0;
	if (!S_ISDIR(st.st_mode))
		return S_ISREG(st.st_mode) ? (long long)st.st_size : 0;
	if ((fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) == -1 || (d = fdopendir(fd)) == NULL) {
		if (fd != -1)
			close(fd);
		return 0;
	}
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
			total += tree_size(fd, de->d_name);
	closedir(d);
	return total;
}

/*
 * Fills item from the directory's manifest, read under the directory's
 * shared lock, or marks it damaged.  Returns -1 when the directory went
 * away meanwhile: a prune deleted it.
 */
static int
inspect(const char *root, struct catalog_item *it)
{
	char dir[4200], path[4300], msg[512];
	json_t *m = NULL;
	const char *parent;
	struct stat st;
	int fd = -1;

	snprintf(dir, sizeof(dir), "%s/%s", root, it->name);
	snprintf(path, sizeof(path), "%s/%s", dir, CATALOG_PIN_FILE);
	it->pinned = lstat(path, &st) == 0 && S_ISREG(st.st_mode);
	if (it->e.partial) {
		it->state = CATALOG_PARTIAL;
		it->size_bytes = tree_size(AT_FDCWD, dir);
		return 0;
	}
	switch (hold(dir, false, LOCK_SH, CATALOG_WAIT_MS, &fd)) {
	case HOLD_OK:
		m = manifest_read(dir, msg, sizeof(msg));
		break;
	case HOLD_MISSING:
	case HOLD_GONE:
		return -1;
	case HOLD_BUSY:
		snprintf(msg, sizeof(msg), "%.400s: being deleted by dbprune",
		    dir);
		break;
	case HOLD_FAILED:
		snprintf(msg, sizeof(msg), "%.400s: %s", dir, strerror(errno));
		break;
	}
	if (m == NULL) {
		it->state = CATALOG_DAMAGED;
		snprintf(it->why, sizeof(it->why), "%s", msg);
		it->size_bytes = tree_size(AT_FDCWD, dir);
		goto out;
	}
	it->state = CATALOG_COMPLETE;
	parent = json_string_value(json_object_get(m, "parent"));
	snprintf(it->parent, sizeof(it->parent), "%s", parent ? parent : "");
	manifest_replica_sources(json_object_get(json_object_get(m, "snapshot"),
	    "replica"), it->replica_of, sizeof(it->replica_of));
	/* The data files plus the manifest: no walk over thousands of files. */
	it->size_bytes = json_integer_value(json_object_get(json_object_get(m,
	    "totals"), "stored_bytes"));
	json_decref(m);
	snprintf(path, sizeof(path), "%s/%s", dir, MANIFEST_NAME);
	if (stat(path, &st) == 0)
		it->size_bytes += (long long)st.st_size;
out:
	if (fd != -1)
		close(fd);
	return 0;
}

static int
cmp_items(const void *a, const void *b)
{
	return catalog_cmp(&((const struct catalog_item *)a)->e,
	    &((const struct catalog_item *)b)->e);
}

/*
 * Reads the names in root: the directories named by an id into *items,
 * sorted oldest first and not yet inspected, the rest into *foreign.
 */
static int
collect(const char *root, time_t now, struct catalog_item **items,
    size_t *n, char ***foreign, size_t *n_foreign, char *err, size_t errlen)
{
	struct catalog_item *list = NULL, *grown;
	char **other = NULL, **ogrown;
	struct dirent *de;
	struct stat st;
	size_t count = 0, others = 0;
	DIR *d;

	*items = NULL;
	*n = 0;
	*foreign = NULL;
	*n_foreign = 0;
	if (stat(root, &st) == -1 || !S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "%s: %s", root, stat(root, &st) == -1 ?
		    strerror(errno) : "not a directory");
		return -1;
	}
	if ((d = opendir(root)) == NULL) {
		snprintf(err, errlen, "%s: %s", root, strerror(errno));
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		struct catalog_entry e;
		bool is_dir;

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0 ||
		    strcmp(de->d_name, CATALOG_LOCK) == 0)
			continue;
		/* A symbolic link is never a backup: it could lead anywhere. */
		is_dir = fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) ==
		    0 && S_ISDIR(st.st_mode);
		if (!is_dir || catalog_parse_name(de->d_name, &e) == -1) {
			if ((ogrown = realloc(other, (others + 1) * sizeof(char *))) ==
			    NULL)
				goto nomem;
			other = ogrown;
			if ((other[others] = strdup(de->d_name)) == NULL)
				goto nomem;
			others++;
			continue;
		}
		if ((grown = realloc(list, (count + 1) * sizeof(*list))) == NULL)
			goto nomem;
		list = grown;
		memset(&list[count], 0, sizeof(*list));
		list[count].e = e;
		list[count].future = e.taken_at - now > CATALOG_FUTURE_S;
		snprintf(list[count].name, sizeof(list[count].name), "%.63s",
		    de->d_name);
		count++;
	}
	closedir(d);
	if (count > 0)
		qsort(list, count, sizeof(*list), cmp_items);
	*items = list;
	*n = count;
	*foreign = other;
	*n_foreign = others;
	return 0;
nomem:
	closedir(d);
	catalog_scan_free(list, other, others);
	snprintf(err, errlen, "%s: out of memory", root);
	return -1;
}

int
catalog_scan(const char *root, time_t now, struct catalog_item **items,
    size_t *n, char ***foreign, size_t *n_foreign, char *err, size_t errlen)
{
	size_t i, kept;

	if (collect(root, now, items, n, foreign, n_foreign, err, errlen) == -1)
		return -1;
	/* What a prune deleted while we looked is not listed. */
	for (i = kept = 0; i < *n; i++)
		if (inspect(root, &(*items)[i]) == 0)
			(*items)[kept++] = (*items)[i];
	*n = kept;
	return 0;
}

void
catalog_scan_free(struct catalog_item *items, char **foreign, size_t n_foreign)
{
	size_t i;

	for (i = 0; i < n_foreign; i++)
		free(foreign[i]);
	free(foreign);
	free(items);
}

/*
 * The id "latest" names in root: the newest entry that is neither
 * unfinished nor dated in the future, if it reads.  Passing a damaged one
 * over for an older one would quietly restore stale data, so that is
 * refused.  The future-dated backups passed over are named in warn.
 */
static int
latest(const char *root, char id[CATALOG_ID_LEN], char *warn, size_t warnlen,
    char *err, size_t errlen)
{
	struct catalog_item *items, *pick = NULL;
	const struct catalog_item *future = NULL;
	char **foreign, more[64] = "", note[160] = "";
	size_t n, n_foreign, i, n_future = 0;
	int rc = -1;

	if (collect(root, time(NULL), &items, &n, &foreign, &n_foreign, err,
	    errlen) == -1)
		return -1;
	/* Only the one taken is inspected: its older ones do not matter. */
	for (i = n; i-- > 0 && pick == NULL;) {
		if (items[i].e.partial)
			continue;
		if (items[i].future) {
			if (n_future++ == 0)
				future = &items[i];
		} else if (inspect(root, &items[i]) == 0)
			pick = &items[i];
	}
	if (n_future > 1)
		snprintf(more, sizeof(more), " and %zu more", n_future - 1);
	if (future != NULL)
		snprintf(note, sizeof(note), "%s%s, dated in the future",
		    future->e.id, more);
	if (pick == NULL)
		snprintf(err, errlen, "%s: no complete backup%s%s%s", root,
		    future ? " (skipped " : "", note, future ? ")" : "");
	else if (pick->state == CATALOG_DAMAGED)
		snprintf(err, errlen, "latest backup cannot be used: %s (name "
		    "an older backup by its id)", pick->why);
	else {
		snprintf(id, CATALOG_ID_LEN, "%s", pick->e.id);
		if (future != NULL)
			snprintf(warn, warnlen, "latest: skipped %s (check the "
			    "clock); using %s", note, pick->e.id);
		rc = 0;
	}
	catalog_scan_free(items, foreign, n_foreign);
	return rc;
}

int
catalog_resolve(const char *root, const char *spec, struct catalog_ref *ref,
    char *err, size_t errlen)
{
	struct catalog_entry e;
	char id[CATALOG_ID_LEN];
	const char *name = spec;
	bool path = strchr(spec, '/') != NULL, newest = false;
	int len;

	memset(ref, 0, sizeof(*ref));
	ref->fd = -1;
	if (path)
		len = snprintf(ref->dir, sizeof(ref->dir), "%s", spec);
	else if (strcmp(spec, "latest") == 0) {
		if (latest(root, id, ref->warning, sizeof(ref->warning), err,
		    errlen) == -1)
			return -1;
		name = id;
		newest = true;
		len = snprintf(ref->dir, sizeof(ref->dir), "%s/%s", root, id);
	} else if (catalog_parse_name(spec, &e) == -1 || e.partial) {
		snprintf(err, errlen, "'%s' is not a backup id, a path or "
		    "'latest'", spec);
		return -1;
	} else
		len = snprintf(ref->dir, sizeof(ref->dir), "%s/%s", root, spec);
	if (len < 0 || (size_t)len >= sizeof(ref->dir)) {
		snprintf(err, errlen, "%s: path too long", spec);
		return -1;
	}
	/* A path is the user's own and may lead through a link; an id not. */
	switch (hold(ref->dir, path, LOCK_SH, CATALOG_WAIT_MS, &ref->fd)) {
	case HOLD_OK:
		return 0;
	case HOLD_MISSING:
		if (path)
			snprintf(err, errlen, "%s: %s", spec, strerror(ENOENT));
		else if (newest)
			snprintf(err, errlen, "backup %s was deleted", id);
		else
			snprintf(err, errlen, "%s: no such backup", ref->dir);
		break;
	case HOLD_GONE:
		snprintf(err, errlen, "backup %s was deleted", name);
		break;
	case HOLD_BUSY:
		snprintf(err, errlen, "backup %s is being deleted by dbprune",
		    name);
		break;
	case HOLD_FAILED:
		if (path && errno == ENOTDIR)
			snprintf(err, errlen, "%s: not a directory", spec);
		else if (!path && (errno == ENOTDIR || errno == ELOOP))
			snprintf(err, errlen, "%s: not a backup: dbkit leaves "
			    "it alone", name);
		else
			snprintf(err, errlen, "%s: %s", ref->dir,
			    strerror(errno));
		break;
	}
	return -1;
}

void
catalog_release(struct catalog_ref *ref)
{
	if (ref->fd != -1)
		close(ref->fd);
	ref->fd = -1;
}

int
catalog_claim(const char *root, const char *name, long long wait_ms,
    int *fd, char *err, size_t errlen)
{
	char dir[4200];

	snprintf(dir, sizeof(dir), "%s/%s", root, name);
	switch (hold(dir, false, LOCK_EX, wait_ms, fd)) {
	case HOLD_OK:
		return 0;
	case HOLD_BUSY:
		snprintf(err, errlen, "in use: a reader holds it");
		return 1;
	case HOLD_MISSING:
	case HOLD_GONE:
		errno = ENOENT;
		break;
	case HOLD_FAILED:
		break;
	}
	snprintf(err, errlen, "%s: %s", dir, strerror(errno));
	return -1;
}

int
catalog_pin(const char *root, const char *id, bool pin, char *err,
    size_t errlen)
{
	struct catalog_entry e;
	char dir[4200], path[4300], msg[512];
	json_t *m;

	if (catalog_parse_name(id, &e) == -1 || e.partial) {
		snprintf(err, errlen, "'%s' is not a backup id", id);
		return -1;
	}
	snprintf(dir, sizeof(dir), "%s/%s", root, id);
	if ((m = manifest_read(dir, msg, sizeof(msg))) == NULL) {
		snprintf(err, errlen, "%s", msg);
		return -1;
	}
	json_decref(m);
	snprintf(path, sizeof(path), "%s/%s", dir, CATALOG_PIN_FILE);
	if (!pin) {
		if (unlink(path) == -1 && errno != ENOENT) {
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			return -1;
		}
		return fs_fsync_dir(dir, err, errlen);
	}
	if (access(path, F_OK) == 0)
		return 0;
	return fs_write_file(path, "pinned by dbbackup pin\n", 23, err, errlen);
}
