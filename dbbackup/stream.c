/* SPDX-License-Identifier: ISC */
/*
 * stream: export writes catalogue entries as one tar stream, import reads
 * one back into the catalogue (lib/tarstream.h does both), and a backup
 * taken with --archive is written as one from its spool directory.
 *
 * Export holds every backup it writes under its shared lock, so no prune
 * deletes one midway; import holds the catalogue's lock, as a backup
 * does, so no prune removes its ID.partial directories and no backup
 * takes one of its ids meanwhile.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "exitcode.h"
#include "fs.h"
#include "jsonout.h"
#include "manifest.h"
#include "stream.h"
#include "tarstream.h"

/* The backups export writes, newest first as the chain is walked. */
struct held {
	struct catalog_ref *refs;
	char (*ids)[CATALOG_ID_LEN];
	size_t n, cap;
};

static int
grow(struct held *h)
{
	size_t cap = h->cap == 0 ? 8 : h->cap * 2;
	struct catalog_ref *refs = realloc(h->refs, cap * sizeof(*refs));
	char (*ids)[CATALOG_ID_LEN];

	if (refs == NULL)
		return -1;
	h->refs = refs;
	if ((ids = realloc(h->ids, cap * sizeof(*ids))) == NULL)
		return -1;
	h->ids = ids;
	h->cap = cap;
	return 0;
}

/*
 * Takes spec, then, with chain, its parents up to the full backup, into
 * h.  0, or -1 with err.
 */
static int
hold_chain(struct held *h, const char *root, const char *spec, bool chain,
    char *err, size_t errlen)
{
	char parent[CATALOG_ID_LEN];
	const char *next = spec;
	json_t *m, *p;

	while (next != NULL) {
		if (h->n == TARSTREAM_BACKUPS_MAX) {
			snprintf(err, errlen, "%s: a chain of more than %d "
			    "backups", spec, TARSTREAM_BACKUPS_MAX);
			return -1;
		}
		if (h->n == h->cap && grow(h) == -1) {
			snprintf(err, errlen, "%s: out of memory", spec);
			return -1;
		}
		if (catalog_resolve(root, next, &h->refs[h->n], err, errlen) ==
		    -1)
			return -1;
		h->n++;
		if ((m = manifest_read(h->refs[h->n - 1].dir, err, errlen)) ==
		    NULL)
			return -1;
		snprintf(h->ids[h->n - 1], CATALOG_ID_LEN, "%s",
		    json_string_value(json_object_get(m, "id")));
		p = json_object_get(m, "parent");
		next = NULL;
		if (chain && json_is_string(p)) {
			snprintf(parent, sizeof(parent), "%s",
			    json_string_value(p));
			next = parent;
		}
		json_decref(m);
	}
	return 0;
}

/* Writes the backups of h, oldest first, to output. */
static int
write_stream(struct held *h, const char *output, char *err, size_t errlen)
{
	const char **ids = calloc(h->n, sizeof(*ids));
	const char **dirs = calloc(h->n, sizeof(*dirs));
	struct tar_writer *t = NULL;
	size_t i;

	for (i = 0; ids != NULL && dirs != NULL && i < h->n; i++) {
		ids[i] = h->ids[h->n - 1 - i];
		dirs[i] = h->refs[h->n - 1 - i].dir;
	}
	if (ids == NULL || dirs == NULL)
		snprintf(err, errlen, "out of memory");
	else
		t = tar_writer_open(output, dirs, ids, h->n, err, errlen);
	free(ids);
	free(dirs);
	if (t == NULL)
		return -1;
	for (i = h->n; i-- > 0;)
		if (tar_writer_add(t, h->refs[i].dir, err, errlen) == -1) {
			tar_writer_abort(t);
			return -1;
		}
	return tar_writer_close(t, err, errlen);
}

int
stream_export(const char *root, const char *spec, bool chain,
    const char *output, char *err, size_t errlen)
{
	struct held h = { .n = 0 };
	int status = EXIT_USAGE;	/* no such backup is bad input */
	size_t i;

	if (hold_chain(&h, root, spec, chain, err, errlen) == 0)
		status = write_stream(&h, output, err, errlen) == 0 ?
		    EXIT_DONE : EXIT_FAILED;
	for (i = 0; i < h.n; i++)
		catalog_release(&h.refs[i]);
	free(h.refs);
	free(h.ids);
	return status;
}

/* Tells what arrived: a line per backup, or the JSON document. */
static int
report(const struct tar_imported *imp, bool json, FILE *out)
{
	json_t *doc, *list;
	size_t i;
	int rc;

	if (!json) {
		for (i = 0; i < imp->n; i++)
			if (fprintf(out, "%s %s (%s, %zu files, %.1f MB)\n",
			    imp->backups[i].present ? "already present" :
			    "imported", imp->backups[i].id,
			    imp->backups[i].type, imp->backups[i].files,
			    (double)imp->backups[i].bytes / 1e6) < 0)
				return -1;
		return 0;
	}
	if ((doc = json_pack("{s:[]}", "imported")) == NULL)
		return -1;
	list = json_object_get(doc, "imported");
	for (i = 0; i < imp->n; i++)
		if (json_array_append_new(list, json_pack("{s:s, s:s, s:I, s:I, "
		    "s:b}", "id", imp->backups[i].id, "type",
		    imp->backups[i].type, "files",
		    (json_int_t)imp->backups[i].files, "size_bytes",
		    (json_int_t)imp->backups[i].bytes, "already_present",
		    imp->backups[i].present)) == -1) {
			json_decref(doc);
			return -1;
		}
	rc = jsonout_write(doc, out, false);
	json_decref(doc);
	return rc;
}

int
stream_import(const char *root, const char *input, bool json, FILE *out,
    char *err, size_t errlen)
{
	struct tar_imported imp;
	struct stat st;
	char lock[4200], path[4200];
	const char *label = strcmp(input, "-") == 0 ? "stdin" : input;
	int fd = STDIN_FILENO, lock_fd = -1, status = EXIT_FAILED;
	size_t i;

	memset(&imp, 0, sizeof(imp));
	if (strcmp(input, "-") != 0 &&
	    (fd = open(input, O_RDONLY | O_CLOEXEC)) == -1) {
		snprintf(err, errlen, "%s: %s", input, strerror(errno));
		return EXIT_USAGE;
	}
	snprintf(lock, sizeof(lock), "%s/%s", root, CATALOG_LOCK);
	if (fs_mkdir_parents(root, err, errlen) == -1 ||
	    (lock_fd = fs_lock(lock, err, errlen)) == -1)
		goto out;
	if (tar_import(fd, label, root, true, NULL, &imp, err, errlen) == -1) {
		status = imp.bad_stream ? EXIT_USAGE : EXIT_FAILED;
		goto out;
	}
	status = report(&imp, json, out) == 0 ? EXIT_DONE : EXIT_FAILED;
	/* Imported, but a restore will need what it continues. */
	for (i = 0; i < imp.n; i++) {
		snprintf(path, sizeof(path), "%s/%s", root, imp.backups[i].parent);
		if (imp.backups[i].parent[0] != '\0' && (stat(path, &st) == -1 ||
		    !S_ISDIR(st.st_mode)))
			fprintf(stderr, "dbbackup: %s continues %s, which is not "
			    "in %s: export it with --chain to restore it\n",
			    imp.backups[i].id, imp.backups[i].parent, root);
	}
out:
	if (lock_fd != -1)
		(void)close(lock_fd);
	if (fd != STDIN_FILENO)
		(void)close(fd);
	free(imp.backups);
	return status;
}

int
stream_backup(struct backup *b, char *err, size_t errlen)
{
	const char *ids[1] = { b->id }, *dirs[1] = { b->dir };
	struct tar_writer *t;

	if ((t = tar_writer_open(b->opt->archive, dirs, ids, 1, err,
	    errlen)) == NULL)
		return -1;
	if (tar_writer_add(t, b->dir, err, errlen) == -1) {
		tar_writer_abort(t);
		return -1;
	}
	return tar_writer_close(t, err, errlen);
}
