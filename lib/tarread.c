/* SPDX-License-Identifier: ISC */
/*
 * tarread: the reading half of tarstream.h.  The stream is walked once,
 * entry by entry, and nothing in it is trusted: each name is checked
 * before it is used, only files and directories are accepted, and a
 * file is written only when its backup's manifest lists it with the
 * size its header gives; its SHA-256 is computed as it is written and
 * compared at its end.  Directories are made as the files need them,
 * never from the stream's directory entries, and files are created new
 * (O_EXCL, no links followed) inside ID.partial, which this run made.
 *
 * A stream cut between two backups, or between two files, ends cleanly
 * for libarchive (tar's end-of-archive blocks are optional); the index
 * and the manifests are what show that something is missing.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>
#include <jansson.h>

#include "fs.h"
#include "human.h"
#include "manifest.h"
#include "sha256.h"
#include "tarstream.h"

/* The backup being read: its manifest, and which of its files arrived. */
struct incoming {
	json_t *manifest;	/* NULL until its manifest.json arrived */
	json_t *index;		/* path -> position in the manifest's files */
	bool *arrived;
	size_t n_files;
};

struct reader {
	struct archive *a;
	int fd;
	unsigned char *buf;	/* what the stream read last */
	uint64_t read_bytes;	/* from fd, all told */
	uint64_t entry_end;	/* where the last entry's padded data ends */
	const char *label, *root;
	bool durable;		/* the backups must survive a crash */
	struct tar_imported *out;
	json_t *index;		/* the stream's TARSTREAM_INDEX */
	size_t made;		/* out->backups[0..made) are in root: made as
				   ID.partial, or present */
	size_t published;	/* and [0..published) are there as ID */
	struct incoming in;
	char *err;
	size_t errlen;
};

#define READ_BUF (256u << 10)

static la_ssize_t
read_fd(struct archive *a, void *ctx, const void **block)
{
	struct reader *r = ctx;
	ssize_t n;

	do
		n = read(r->fd, r->buf, READ_BUF);
	while (n == -1 && errno == EINTR);
	if (n == -1)
		archive_set_error(a, errno, "%s", strerror(errno));
	else
		r->read_bytes += (uint64_t)n;
	*block = r->buf;
	return n;
}

/* Stores "what: why" as the stream's fault.  Returns -1. */
static int __attribute__((format(printf, 2, 3)))
bad(struct reader *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->err, r->errlen, fmt, ap);
	va_end(ap);
	r->out->bad_stream = true;
	return -1;
}

static int
stream_error(struct reader *r, const char *what)
{
	const char *why = archive_error_string(r->a);

	return bad(r, "%s: %s", what, why != NULL ? why :
	    "not a tar stream");
}

/*
 * Whether name is a safe relative name: '/'-separated, no empty, "." or
 * ".." component, no leading '/'.  A directory's one trailing '/' is
 * removed first (in place).
 */
static bool
safe_name(char *name, bool dir)
{
	size_t len = strlen(name);
	char *c, *end;

	if (dir && len > 1 && name[len - 1] == '/')
		name[--len] = '\0';
	if (len == 0 || len >= 4000 || name[0] == '/')
		return false;
	for (c = name; c != NULL; c = end != NULL ? end + 1 : NULL) {
		end = strchr(c, '/');
		len = end != NULL ? (size_t)(end - c) : strlen(c);
		if (len == 0 || (len == 1 && c[0] == '.') ||
		    (len == 2 && c[0] == '.' && c[1] == '.'))
			return false;
	}
	return true;
}

/*
 * Reads the data of entry e (name), declared size bytes of at most max,
 * into a malloc'd buffer.  NULL with the error stored.
 */
static char *
read_small(struct reader *r, struct archive_entry *e, const char *name,
    size_t max, size_t *len)
{
	int64_t size = archive_entry_size(e);
	char *buf;
	la_ssize_t n;

	if (!archive_entry_size_is_set(e) || size < 0 || (uint64_t)size > max) {
		bad(r, "%s: larger than %zu bytes", name, max);
		return NULL;
	}
	if ((buf = malloc((size_t)size + 1)) == NULL) {
		snprintf(r->err, r->errlen, "%s: out of memory", name);
		return NULL;
	}
	for (*len = 0; *len < (size_t)size; *len += (size_t)n)
		if ((n = archive_read_data(r->a, buf + *len, (size_t)size -
		    *len)) <= 0) {
			if (n == 0)
				bad(r, "%s: the stream ends inside it", name);
			else
				stream_error(r, name);
			free(buf);
			return NULL;
		}
	buf[*len] = '\0';
	return buf;
}

/*
 * Whether root holds backup b already: the same (present, 0), or not at
 * all (0), or another one by its id, or an unfinished one (-1).
 */
static int
already_there(struct reader *r, struct tar_backup *b, const char *sha)
{
	char path[4200], hex[65];
	struct stat st;
	uint64_t size;

	snprintf(path, sizeof(path), "%s/%s.partial", r->root, b->id);
	if (lstat(path, &st) == 0) {
		snprintf(r->err, r->errlen, "%s: exists, an unfinished backup or "
		    "import; nothing imported", path);
		return -1;
	}
	snprintf(path, sizeof(path), "%s/%s", r->root, b->id);
	if (lstat(path, &st) == -1)
		return 0;
	snprintf(path, sizeof(path), "%s/%s/%s", r->root, b->id, MANIFEST_NAME);
	if (hash_file_sha256(path, hex, &size, r->err, r->errlen) == -1 ||
	    strcmp(hex, sha) != 0) {
		snprintf(r->err, r->errlen, "%s: already in %s, and not the "
		    "backup the stream holds; nothing imported", b->id, r->root);
		return -1;
	}
	b->present = true;
	return 0;
}

/* The index: which backups the stream holds, and whether root has them. */
static int
read_index(struct reader *r, struct archive_entry *e)
{
	json_t *index, *list, *b;
	char *text;
	const char *format;
	struct catalog_entry ce;
	size_t len, i, j;

	if ((text = read_small(r, e, TARSTREAM_INDEX, TARSTREAM_INDEX_MAX,
	    &len)) == NULL)
		return -1;
	r->index = index = json_loadb(text, len, JSON_REJECT_DUPLICATES, NULL);
	free(text);
	list = json_object_get(index, "backups");
	format = json_string_value(json_object_get(index, "format"));
	if (format == NULL || strcmp(format, TARSTREAM_FORMAT) != 0 ||
	    !json_is_integer(json_object_get(index, "format_version")) ||
	    json_integer_value(json_object_get(index, "format_version")) !=
	    TARSTREAM_VERSION_MAJOR || !json_is_array(list) ||
	    json_array_size(list) == 0 ||
	    json_array_size(list) > TARSTREAM_BACKUPS_MAX) {
		return bad(r, "%s: %s: not a dbkit archive index of a version "
		    "this dbkit reads", r->label, TARSTREAM_INDEX);
	}
	r->out->n = json_array_size(list);
	if ((r->out->backups = calloc(r->out->n, sizeof(*r->out->backups))) ==
	    NULL) {
		snprintf(r->err, r->errlen, "%s: out of memory", r->label);
		return -1;
	}
	json_array_foreach(list, i, b) {
		const char *s = json_string_value(json_object_get(b, "id"));
		const char *sha = json_string_value(json_object_get(b,
		    "manifest_sha256"));

		if (s == NULL || catalog_parse_name(s, &ce) == -1 ||
		    ce.partial || sha == NULL || strlen(sha) != 64 ||
		    !json_is_integer(json_object_get(b, "manifest_bytes")))
			return bad(r, "%s: %s: backups[%zu]: not a backup's id, "
			    "manifest_bytes and manifest_sha256", r->label,
			    TARSTREAM_INDEX, i);
		for (j = 0; j < i; j++)
			if (strcmp(r->out->backups[j].id, s) == 0)
				return bad(r, "%s: %s: %s twice", r->label,
				    TARSTREAM_INDEX, s);
		snprintf(r->out->backups[i].id, CATALOG_ID_LEN, "%s", s);
		snprintf(r->out->backups[i].type, sizeof(ce.type), "%s",
		    ce.type);
		if (already_there(r, &r->out->backups[i], sha) == -1)
			return -1;
	}
	return 0;
}

static void
incoming_free(struct incoming *in)
{
	json_decref(in->manifest);
	json_decref(in->index);
	free(in->arrived);
	memset(in, 0, sizeof(*in));
}

/* The first file that has not arrived, or NULL: the backup is complete. */
static const char *
missing(const struct incoming *in)
{
	size_t i;

	if (in->manifest == NULL)
		return MANIFEST_NAME;
	for (i = 0; i < in->n_files; i++)
		if (!in->arrived[i])
			return json_string_value(json_object_get(
			    json_array_get(json_object_get(in->manifest,
			    "files"), i), "path"));
	return NULL;
}

/*
 * The manifest of backup b: checked, its room in root checked, then
 * ID.partial made with the manifest in it.
 */
static int
take_manifest(struct reader *r, struct archive_entry *e,
    struct tar_backup *b, const char *name)
{
	struct incoming *in = &r->in;
	json_t *f, *parent;
	char *text, dir[4200];
	long long free_bytes;
	size_t len, i;
	int rc = -1;

	json_t *promised = json_array_get(json_object_get(r->index, "backups"),
	    (size_t)(b - r->out->backups));
	char hex[65];

	if ((text = read_small(r, e, name, MANIFEST_MAX, &len)) == NULL)
		return -1;
	if (sha256_buffer(text, len, hex) == -1 || (json_int_t)len !=
	    json_integer_value(json_object_get(promised, "manifest_bytes")) ||
	    strcmp(hex, json_string_value(json_object_get(promised,
	    "manifest_sha256"))) != 0) {
		bad(r, "%s: size or SHA-256 does not match the archive's index",
		    name);
		goto out;
	}
	if ((in->manifest = manifest_parse(text, len, name, r->err,
	    r->errlen)) == NULL) {
		r->out->bad_stream = true;
		goto out;
	}
	if (strcmp(json_string_value(json_object_get(in->manifest, "id")),
	    b->id) != 0) {
		bad(r, "%s: the manifest of backup %s, not of %s", name,
		    json_string_value(json_object_get(in->manifest, "id")),
		    b->id);
		goto out;
	}
	parent = json_object_get(in->manifest, "parent");
	snprintf(b->parent, sizeof(b->parent), "%s", json_is_string(parent) ?
	    json_string_value(parent) : "");
	in->n_files = json_array_size(json_object_get(in->manifest, "files"));
	in->index = json_object();
	in->arrived = calloc(in->n_files + 1, sizeof(bool));
	if (in->index == NULL || in->arrived == NULL) {
		snprintf(r->err, r->errlen, "%s: out of memory", name);
		goto out;
	}
	b->files = in->n_files;
	b->bytes = len;
	json_array_foreach(json_object_get(in->manifest, "files"), i, f) {
		b->bytes += (uint64_t)json_integer_value(json_object_get(f,
		    "size_bytes"));
		if (json_object_set_new(in->index, json_string_value(
		    json_object_get(f, "path")), json_integer((json_int_t)i)) ==
		    -1) {
			snprintf(r->err, r->errlen, "%s: out of memory", name);
			goto out;
		}
	}
	free_bytes = fs_free_bytes(r->root);
	if (!b->present && free_bytes >= 0 &&
	    (uint64_t)free_bytes < b->bytes) {
		char need[32], have[32];

		human_size((long long)b->bytes, need, sizeof(need));
		human_size(free_bytes, have, sizeof(have));
		snprintf(r->err, r->errlen, "%s: backup %s needs %s, %s free",
		    r->root, b->id, need, have);
		goto out;
	}
	if (b->present) {
		rc = 0;
		goto out;
	}
	snprintf(dir, sizeof(dir), "%s/%s.partial", r->root, b->id);
	if (mkdir(dir, 0700) == -1) {
		snprintf(r->err, r->errlen, "%s: %s", dir, strerror(errno));
		goto out;
	}
	r->made = (size_t)(b - r->out->backups) + 1;
	snprintf(dir, sizeof(dir), "%s/%s.partial/%s", r->root, b->id,
	    MANIFEST_NAME);
	rc = fs_write_file(dir, text, len, r->err, r->errlen);
out:
	free(text);
	return rc;
}

/* Makes the directories rel's file is in, inside dir. */
static int
make_parents(struct reader *r, const char *dir, const char *rel)
{
	char path[8400];
	const char *slash;

	for (slash = strchr(rel, '/'); slash != NULL;
	    slash = strchr(slash + 1, '/')) {
		snprintf(path, sizeof(path), "%s/%.*s", dir, (int)(slash - rel),
		    rel);
		if (mkdir(path, 0700) == -1 && errno != EEXIST) {
			snprintf(r->err, r->errlen, "%s: %s", path,
			    strerror(errno));
			return -1;
		}
	}
	return 0;
}

/* Writes the current entry as file rel of backup b, checking it. */
static int
take_file(struct reader *r, struct archive_entry *e, struct tar_backup *b,
    const char *name, const char *rel)
{
	struct incoming *in = &r->in;
	json_t *pos = json_object_get(in->index, rel), *f;
	struct sha256 *sha = NULL;
	const void *block;
	char dir[4200], path[8400], hex[65];
	size_t len, i;
	la_int64_t offset;
	int64_t size, done = 0;
	int fd = -1, rc, ret = -1;

	if (pos == NULL)
		return bad(r, "%s: not a file of the backup's manifest", name);
	i = (size_t)json_integer_value(pos);
	if (in->arrived[i])
		return bad(r, "%s: twice in the stream", name);
	f = json_array_get(json_object_get(in->manifest, "files"), i);
	size = json_integer_value(json_object_get(f, "size_bytes"));
	if (!archive_entry_size_is_set(e) || archive_entry_size(e) != size ||
	    archive_entry_sparse_count(e) > 0)
		return bad(r, "%s: %lld bytes, the manifest says %lld", name,
		    (long long)archive_entry_size(e), (long long)size);
	snprintf(dir, sizeof(dir), "%s/%s.partial", r->root, b->id);
	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	/* A backup that root already holds is verified, not written. */
	if (!b->present) {
		if (make_parents(r, dir, rel) == -1)
			return -1;
		if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
		    O_CLOEXEC, 0600)) == -1) {
			snprintf(r->err, r->errlen, "%s: %s", path,
			    strerror(errno));
			return -1;
		}
	}
	if ((sha = sha256_new()) == NULL) {
		snprintf(r->err, r->errlen, "%s: out of memory", path);
		goto out;
	}
	while ((rc = archive_read_data_block(r->a, &block, &len, &offset)) ==
	    ARCHIVE_OK) {
		if (offset != done || (int64_t)len > size - done) {
			bad(r, "%s: its data does not follow its header", name);
			goto out;
		}
		if (sha256_update(sha, block, len) == -1) {
			snprintf(r->err, r->errlen, "%s: cannot hash", name);
			goto out;
		}
		for (size_t w = 0; fd != -1 && w < len;) {
			ssize_t n = write(fd, (const char *)block + w, len - w);

			if (n == -1 && errno == EINTR)
				continue;
			if (n == -1) {
				snprintf(r->err, r->errlen, "%s: %s", path,
				    strerror(errno));
				goto out;
			}
			w += (size_t)n;
		}
		done += (int64_t)len;
	}
	if (rc != ARCHIVE_EOF) {
		stream_error(r, name);
		goto out;
	}
	if (done != size) {
		bad(r, "%s: the stream ends inside it", name);
		goto out;
	}
	rc = sha256_final(sha, hex);
	sha = NULL;
	if (rc == -1 || strcmp(hex, json_string_value(json_object_get(f,
	    "sha256"))) != 0) {
		bad(r, "%s: SHA-256 does not match the manifest", name);
		goto out;
	}
	/*
	 * Writeback starts now, while the stream goes on; publish waits for
	 * all of it at once (syncfs): one journal commit, not one a file.
	 */
	if (fd != -1 && r->durable)
		(void)sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WRITE);
	in->arrived[i] = true;
	ret = 0;
out:
	if (sha != NULL)
		(void)sha256_final(sha, hex);
	if (fd != -1 && close(fd) == -1 && ret == 0) {
		snprintf(r->err, r->errlen, "%s: %s", path, strerror(errno));
		ret = -1;
	}
	return ret;
}

/* What the entry is, if it is not a file or a directory. */
static const char *
odd_kind(struct archive_entry *e)
{
	if (archive_entry_hardlink(e) != NULL)
		return "a hard link";
	switch (archive_entry_filetype(e)) {
	case AE_IFREG:
	case AE_IFDIR:
		return NULL;
	case AE_IFLNK:
		return "a symbolic link";
	case AE_IFIFO:
		return "a FIFO";
	case AE_IFCHR:
	case AE_IFBLK:
		return "a device";
	default:
		return "not a file";
	}
}

/* One entry after the index, in the backup the stream is at (*cur). */
static int
take_entry(struct reader *r, struct archive_entry *e, size_t *cur)
{
	const char *pathname = archive_entry_pathname(e), *kind, *gone;
	struct tar_backup *b;
	bool dir = archive_entry_filetype(e) == AE_IFDIR;
	char name[4096], *rel;
	size_t idlen;

	if (pathname == NULL)
		return bad(r, "%s: an entry without a name", r->label);
	snprintf(name, sizeof(name), "%s", pathname);
	if ((kind = odd_kind(e)) != NULL)
		return bad(r, "%s: %s: only files and directories", pathname,
		    kind);
	if (strlen(pathname) >= sizeof(name) || !safe_name(name, dir))
		return bad(r, "%s: an unsafe name (absolute, empty, or with "
		    ". or ..)", pathname);
	idlen = strcspn(name, "/");
	/* The next backup begins when this one is complete. */
	if (*cur == SIZE_MAX || strncmp(name, r->out->backups[*cur].id,
	    idlen) != 0 || r->out->backups[*cur].id[idlen] != '\0') {
		if (*cur != SIZE_MAX && (gone = missing(&r->in)) != NULL)
			return bad(r, "%s: arrives before %s/%s, which backup %s "
			    "needs", name, r->out->backups[*cur].id, gone,
			    r->out->backups[*cur].id);
		if (*cur + 1 >= r->out->n || strncmp(name, r->out->backups[
		    *cur + 1].id, idlen) != 0 ||
		    r->out->backups[*cur + 1].id[idlen] != '\0')
			return bad(r, "%s: not in the backup the archive's index "
			    "names next", name);
		incoming_free(&r->in);
		(*cur)++;
	}
	b = &r->out->backups[*cur];
	rel = name[idlen] == '/' ? name + idlen + 1 : NULL;
	if (dir)
		return 0;	/* made as the files need them */
	if (rel == NULL)
		return bad(r, "%s: a file where backup %s's directory should be",
		    name, b->id);
	if (r->in.manifest == NULL)
		return strcmp(rel, MANIFEST_NAME) == 0 ? take_manifest(r, e, b,
		    name) : bad(r, "%s: arrives before %s/%s", name, b->id,
		    MANIFEST_NAME);
	return take_file(r, e, b, name, rel);
}

/* Makes the files durable, then renames every ID.partial to ID, oldest first. */
static int
publish(struct reader *r)
{
	char from[4200], to[4200];
	size_t i;
	int fd;

	if (r->durable) {
		if ((fd = open(r->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) ==
		    -1 || syncfs(fd) == -1) {
			snprintf(r->err, r->errlen, "%s: %s", r->root,
			    strerror(errno));
			if (fd != -1)
				(void)close(fd);
			return -1;
		}
		(void)close(fd);
	}
	for (i = 0; i < r->out->n; i++) {
		if (r->out->backups[i].present) {
			r->published++;
			continue;
		}
		snprintf(from, sizeof(from), "%s/%s.partial", r->root,
		    r->out->backups[i].id);
		snprintf(to, sizeof(to), "%s/%s", r->root,
		    r->out->backups[i].id);
		if (r->durable ? fs_rename_durable(from, to, r->err,
		    r->errlen) == -1 : rename(from, to) == -1) {
			if (!r->durable)
				snprintf(r->err, r->errlen, "%s: %s", to,
				    strerror(errno));
			return -1;
		}
		r->published++;
	}
	return 0;
}

int
tar_import(int fd, const char *label, const char *root, bool durable,
    FILE *progress, struct tar_imported *out, char *err, size_t errlen)
{
	struct reader r = { .fd = fd, .label = label, .root = root,
	    .durable = durable, .out = out, .err = err, .errlen = errlen };
	struct archive_entry *e;
	size_t cur = SIZE_MAX, i;
	const char *gone;
	char path[4200], msg[512];
	int rc = -1, st;

	memset(out, 0, sizeof(*out));
	if ((r.a = archive_read_new()) == NULL ||
	    (r.buf = malloc(READ_BUF)) == NULL) {
		snprintf(err, errlen, "%s: out of memory", label);
		goto out;
	}
	/*
	 * A stream compressed on its way (| zstd) reads as well, by the
	 * libraries libarchive links: never a filter that runs a program.
	 */
	if (archive_read_support_filter_gzip(r.a) != ARCHIVE_OK ||
	    archive_read_support_filter_zstd(r.a) != ARCHIVE_OK ||
	    archive_read_support_filter_xz(r.a) != ARCHIVE_OK ||
	    archive_read_support_format_tar(r.a) != ARCHIVE_OK ||
	    archive_read_open(r.a, &r, NULL, read_fd, NULL) != ARCHIVE_OK ||
	    (st = archive_read_next_header(r.a, &e)) < ARCHIVE_WARN ||
	    st == ARCHIVE_EOF) {
		if (r.read_bytes == 0)
			bad(&r, "%s: empty: not a dbkit archive", label);
		else
			bad(&r, "%s: not a tar stream: %s", label,
			    archive_error_string(r.a) != NULL ?
			    archive_error_string(r.a) : "unreadable");
		goto out;
	}
	if (archive_entry_filetype(e) != AE_IFREG ||
	    archive_entry_pathname(e) == NULL ||
	    strcmp(archive_entry_pathname(e), TARSTREAM_INDEX) != 0) {
		bad(&r, "%s: not a dbkit archive: it begins with '%s', not %s",
		    label, archive_entry_pathname(e) != NULL ?
		    archive_entry_pathname(e) : "", TARSTREAM_INDEX);
		goto out;
	}
	if (read_index(&r, e) == -1)
		goto out;
	while ((st = archive_read_next_header(r.a, &e)) != ARCHIVE_EOF) {
		if (st < ARCHIVE_WARN) {
			stream_error(&r, label);
			goto out;
		}
		r.entry_end = (uint64_t)archive_filter_bytes(r.a, 0) +
		    (((uint64_t)archive_entry_size(e) + 511) & ~(uint64_t)511);
		if (take_entry(&r, e, &cur) == -1)
			goto out;
		if (progress != NULL && r.in.manifest != NULL &&
		    archive_entry_filetype(e) == AE_IFREG &&
		    strcmp(archive_entry_pathname(e) + strcspn(
		    archive_entry_pathname(e), "/"), "/" MANIFEST_NAME) == 0) {
			human_size((long long)out->backups[cur].bytes, msg,
			    sizeof(msg));
			fprintf(progress, "  backup %s: %zu files, %s\n",
			    out->backups[cur].id, out->backups[cur].files, msg);
		}
	}
	if (cur != SIZE_MAX && (gone = missing(&r.in)) != NULL) {
		bad(&r, "%s: the stream ends before %s/%s", label,
		    out->backups[cur].id, gone);
		goto out;
	}
	if (cur == SIZE_MAX || cur + 1 < out->n) {
		bad(&r, "%s: the stream ends before backup %s", label,
		    out->backups[cur == SIZE_MAX ? 0 : cur + 1].id);
		goto out;
	}
	/*
	 * Everything arrived, but a writer that stopped before its end would
	 * look the same: the stream must go on with tar's two zero blocks,
	 * which libarchive consumes before it reports the end (it reports a
	 * clean end without them too).
	 */
	if ((uint64_t)archive_filter_bytes(r.a, 0) < r.entry_end + 1024) {
		bad(&r, "%s: the stream ends without tar's end-of-archive "
		    "blocks: it was cut short", label);
		goto out;
	}
	rc = publish(&r);
out:
	incoming_free(&r.in);
	json_decref(r.index);
	if (r.a != NULL)
		archive_read_free(r.a);
	free(r.buf);
	/* Nothing half-imported stays: the partial ones go. */
	for (i = r.published; rc == -1 && i < r.made; i++) {
		snprintf(path, sizeof(path), "%s/%s.partial", root,
		    out->backups[i].id);
		if (!out->backups[i].present)
			(void)fs_remove_tree(path, msg, sizeof(msg));
	}
	return rc;
}
