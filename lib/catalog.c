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
#include <sys/stat.h>

#include <jansson.h>

#include "catalog.h"
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
