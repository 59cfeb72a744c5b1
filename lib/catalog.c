/* SPDX-License-Identifier: ISC */
/*
 * catalog: ids sort by time because the timestamp comes first and is in
 * UTC with fixed width, so a name sort is a time sort.  "latest" is the
 * newest finished backup; ID.partial directories are skipped.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "catalog.h"
#include "fsutil.h"
#include "manifest.h"

int
catalog_make_id(time_t t, const char *type, char id[CATALOG_ID_LEN])
{
	struct tm tm;
	char stamp[32];

	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm) == 0)
		return -1;
	return snprintf(id, CATALOG_ID_LEN, "%s-%s", stamp, type) <
	    CATALOG_ID_LEN ? 0 : -1;
}

int
catalog_parse_name(const char *name, struct catalog_entry *e)
{
	static const char shape[] = "ddddddddTddddddZ-";
	struct tm tm;
	size_t i, len = strlen(name);
	const char *type = name + sizeof(shape) - 1;
	const char *suffix = ".partial";
	size_t typelen;

	memset(e, 0, sizeof(*e));
	if (len < sizeof(shape))
		return -1;
	for (i = 0; i < sizeof(shape) - 1; i++)
		if (shape[i] == 'd' ? !isdigit((unsigned char)name[i]) :
		    name[i] != shape[i])
			return -1;
	typelen = strcspn(type, ".");
	if (typelen == 0 || typelen >= sizeof(e->type))
		return -1;
	for (i = 0; i < typelen; i++)
		if (!islower((unsigned char)type[i]))
			return -1;
	if (type[typelen] != '\0') {
		if (strcmp(type + typelen, suffix) != 0)
			return -1;
		e->partial = true;
	}
	memset(&tm, 0, sizeof(tm));
	if (strptime(name, "%Y%m%dT%H%M%SZ", &tm) == NULL)
		return -1;
	e->taken_at = timegm(&tm);
	memcpy(e->type, type, typelen);
	snprintf(e->id, sizeof(e->id), "%.*s", (int)(type - name + typelen),
	    name);
	return 0;
}

static int
cmp_entries(const void *a, const void *b)
{
	return strcmp(((const struct catalog_entry *)a)->id,
	    ((const struct catalog_entry *)b)->id);
}

int
catalog_list(const char *root, struct catalog_entry **entries, size_t *n,
    char *err, size_t errlen)
{
	DIR *d;
	struct dirent *de;
	struct catalog_entry e, *list = NULL, *grown;
	size_t count = 0;

	*entries = NULL;
	*n = 0;
	if ((d = opendir(root)) == NULL) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, errlen, "%s: %s", root, strerror(errno));
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		if (catalog_parse_name(de->d_name, &e) == -1)
			continue;
		if ((grown = realloc(list, (count + 1) * sizeof(*list))) == NULL) {
			snprintf(err, errlen, "%s: out of memory", root);
			free(list);
			closedir(d);
			return -1;
		}
		list = grown;
		list[count++] = e;
	}
	closedir(d);
	if (count > 0)
		qsort(list, count, sizeof(*list), cmp_entries);
	*entries = list;
	*n = count;
	return 0;
}

int
catalog_resolve(const char *root, const char *spec, char *dir, size_t dirlen,
    char *err, size_t errlen)
{
	struct catalog_entry *list, e;
	struct stat st;
	char msg[512];
	size_t n, i;
	json_t *m;

	if (strchr(spec, '/') != NULL) {
		if (stat(spec, &st) == -1 || !S_ISDIR(st.st_mode)) {
			snprintf(err, errlen, "%s: %s", spec, stat(spec, &st) == -1 ?
			    strerror(errno) : "not a directory");
			return -1;
		}
		snprintf(dir, dirlen, "%s", spec);
		return 0;
	}
	if (strcmp(spec, "latest") != 0) {
		if (catalog_parse_name(spec, &e) == -1 || e.partial) {
			snprintf(err, errlen, "'%s' is not a backup id, a path or "
			    "'latest'", spec);
			return -1;
		}
		snprintf(dir, dirlen, "%s/%s", root, spec);
		if (stat(dir, &st) == -1) {
			snprintf(err, errlen, "%s: no such backup", dir);
			return -1;
		}
		return 0;
	}
	if (catalog_list(root, &list, &n, err, errlen) == -1)
		return -1;
	/*
	 * The newest finished backup, and only that one: if it does not read,
	 * quietly restoring an older one would bring back stale data.
	 */
	for (i = n; i-- > 0;) {
		if (list[i].partial)
			continue;
		snprintf(dir, dirlen, "%s/%s", root, list[i].id);
		m = manifest_read(dir, msg, sizeof(msg));
		free(list);
		if (m == NULL) {
			snprintf(err, errlen, "latest backup cannot be used: %s "
			    "(name an older backup by its id)", msg);
			return -1;
		}
		json_decref(m);
		return 0;
	}
	free(list);
	snprintf(err, errlen, "%s: no complete backup", root);
	return -1;
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

/* Fills item from the directory's manifest, or marks it damaged. */
static void
inspect(const char *root, struct catalog_item *it)
{
	char dir[4200], path[4300], msg[512];
	json_t *m;
	const char *parent;
	struct stat st;

	snprintf(dir, sizeof(dir), "%s/%s", root, it->name);
	snprintf(path, sizeof(path), "%s/%s", dir, CATALOG_PIN_FILE);
	it->pinned = lstat(path, &st) == 0 && S_ISREG(st.st_mode);
	if (it->e.partial) {
		it->state = CATALOG_PARTIAL;
		it->size_bytes = tree_size(AT_FDCWD, dir);
		return;
	}
	if ((m = manifest_read(dir, msg, sizeof(msg))) == NULL) {
		it->state = CATALOG_DAMAGED;
		snprintf(it->why, sizeof(it->why), "%s", msg);
		it->size_bytes = tree_size(AT_FDCWD, dir);
		return;
	}
	it->state = CATALOG_COMPLETE;
	parent = json_string_value(json_object_get(m, "parent"));
	snprintf(it->parent, sizeof(it->parent), "%s", parent ? parent : "");
	/* The data files plus the manifest: no walk over thousands of files. */
	it->size_bytes = json_integer_value(json_object_get(json_object_get(m,
	    "totals"), "stored_bytes"));
	json_decref(m);
	snprintf(path, sizeof(path), "%s/%s", dir, MANIFEST_NAME);
	if (stat(path, &st) == 0)
		it->size_bytes += (long long)st.st_size;
}

int
catalog_scan(const char *root, struct catalog_item **items, size_t *n,
    char ***foreign, size_t *n_foreign, char *err, size_t errlen)
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
			    NULL || (ogrown[others] = strdup(de->d_name)) == NULL)
				goto nomem;
			other = ogrown;
			others++;
			continue;
		}
		if ((grown = realloc(list, (count + 1) * sizeof(*list))) == NULL)
			goto nomem;
		list = grown;
		memset(&list[count], 0, sizeof(*list));
		list[count].e = e;
		snprintf(list[count].name, sizeof(list[count].name), "%.63s",
		    de->d_name);
		count++;
	}
	closedir(d);
	if (count > 0)
		qsort(list, count, sizeof(*list), cmp_entries);
	for (size_t i = 0; i < count; i++)
		inspect(root, &list[i]);
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

void
catalog_scan_free(struct catalog_item *items, char **foreign, size_t n_foreign)
{
	size_t i;

	for (i = 0; i < n_foreign; i++)
		free(foreign[i]);
	free(foreign);
	free(items);
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
