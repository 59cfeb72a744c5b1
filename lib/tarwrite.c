/* SPDX-License-Identifier: ISC */
/*
 * tarwrite: the writing half of tarstream.h.  Tar needs each file's size
 * before its data; a catalogue entry's files are complete and their sizes
 * are in the manifest, so every header is exact and the data is copied
 * through one buffer.  A file whose size on disk differs from the
 * manifest's stops the stream: libarchive would pad or cut it silently.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>
#include <jansson.h>

#include "fs.h"
#include "manifest.h"
#include "sha256.h"
#include "tarstream.h"

#define COPY_BUF (256u << 10)

struct tar_writer {
	struct archive *a;
	int fd;
	json_t *index;		/* what the stream promised, by backup */
	size_t added;
	bool failed;		/* write nothing more: the stream stays cut */
	char path[4096];	/* the file being written ("" for stdout) */
	char partial[4200];
	unsigned char *buf;
};

static int
tar_fail(struct tar_writer *t, const char *what, char *err, size_t errlen)
{
	snprintf(err, errlen, "%s: %s", what, archive_error_string(t->a) !=
	    NULL ? archive_error_string(t->a) : "cannot write the archive");
	return -1;
}

/* Writes a header for name: a directory, or a regular file of size. */
static int
put_header(struct tar_writer *t, const char *name, bool dir, int64_t size,
    time_t mtime, char *err, size_t errlen)
{
	struct archive_entry *e = archive_entry_new();
	int rc;

	if (e == NULL) {
		snprintf(err, errlen, "%s: out of memory", name);
		return -1;
	}
	archive_entry_set_pathname(e, name);
	archive_entry_set_filetype(e, dir ? AE_IFDIR : AE_IFREG);
	archive_entry_set_perm(e, dir ? 0700 : 0600);
	archive_entry_set_size(e, dir ? 0 : size);
	archive_entry_set_mtime(e, mtime, 0);
	archive_entry_set_uid(e, getuid());
	archive_entry_set_gid(e, getgid());
	rc = archive_write_header(t->a, e);
	archive_entry_free(e);
	return rc == ARCHIVE_OK ? 0 : tar_fail(t, name, err, errlen);
}

/* Writes len bytes at buf as entry name's data, all or an error. */
static int
put_data(struct tar_writer *t, const char *name, const void *buf, size_t len,
    char *err, size_t errlen)
{
	la_ssize_t n = archive_write_data(t->a, buf, len);

	if (n < 0 || (size_t)n != len)
		return tar_fail(t, name, err, errlen);
	return 0;
}

static int
put_dir(struct tar_writer *t, const char *name, char *err, size_t errlen)
{
	if (put_header(t, name, true, 0, time(NULL), err, errlen) == -1)
		return -1;
	return archive_write_finish_entry(t->a) == ARCHIVE_OK ? 0 :
	    tar_fail(t, name, err, errlen);
}

static int
put_memory(struct tar_writer *t, const char *name, const void *buf,
    size_t len, char *err, size_t errlen)
{
	if (put_header(t, name, false, (int64_t)len, time(NULL), err,
	    errlen) == -1 || put_data(t, name, buf, len, err, errlen) == -1)
		return -1;
	return archive_write_finish_entry(t->a) == ARCHIVE_OK ? 0 :
	    tar_fail(t, name, err, errlen);
}

static la_ssize_t
write_fd(struct archive *a, void *ctx, const void *buf, size_t len)
{
	struct tar_writer *t = ctx;
	ssize_t n;

	if (t->failed)
		return (la_ssize_t)len;
	do
		n = write(t->fd, buf, len);
	while (n == -1 && errno == EINTR);
	if (n == -1)
		archive_set_error(a, errno, "%s", strerror(errno));
	return n;
}

/* The index's entry of the backup id in dir: its manifest's size and hash. */
static json_t *
index_entry(const char *dir, const char *id, char *err, size_t errlen)
{
	char path[4200], hex[65], *text;
	size_t len;
	json_t *e;

	snprintf(path, sizeof(path), "%s/%s", dir, MANIFEST_NAME);
	if ((text = fs_read_file(path, MANIFEST_MAX, &len, err, errlen)) ==
	    NULL)
		return NULL;
	if (sha256_buffer(text, len, hex) == -1 || (e = json_pack("{s:s, "
	    "s:I, s:s}", "id", id, "manifest_bytes", (json_int_t)len,
	    "manifest_sha256", hex)) == NULL) {
		snprintf(err, errlen, "%s: cannot hash", path);
		e = NULL;
	}
	free(text);
	return e;
}

struct tar_writer *
tar_writer_open(const char *path, const char *const *dirs,
    const char *const *ids, size_t n_ids, char *err, size_t errlen)
{
	struct tar_writer *t = calloc(1, sizeof(*t));
	json_t *list, *e;
	char *text = NULL;
	size_t i;

	if (t == NULL || (t->buf = malloc(COPY_BUF)) == NULL ||
	    (t->a = archive_write_new()) == NULL) {
		snprintf(err, errlen, "%s: out of memory", path);
		goto fail;
	}
	t->fd = STDOUT_FILENO;
	if (strcmp(path, "-") != 0) {
		snprintf(t->path, sizeof(t->path), "%s", path);
		snprintf(t->partial, sizeof(t->partial), "%s.partial", path);
		t->fd = open(t->partial, O_WRONLY | O_CREAT | O_TRUNC |
		    O_NOFOLLOW | O_CLOEXEC, 0600);
		if (t->fd == -1) {
			snprintf(err, errlen, "%s: %s", t->partial,
			    strerror(errno));
			t->partial[0] = '\0';
			goto fail;
		}
	}
	/* ustar headers, pax ones only for what ustar cannot hold. */
	if (archive_write_set_format_pax_restricted(t->a) != ARCHIVE_OK ||
	    archive_write_set_bytes_per_block(t->a, COPY_BUF) != ARCHIVE_OK ||
	    archive_write_set_bytes_in_last_block(t->a, 1) != ARCHIVE_OK ||
	    archive_write_open2(t->a, t, NULL, write_fd, NULL, NULL) !=
	    ARCHIVE_OK) {
		tar_fail(t, path, err, errlen);
		goto fail;
	}
	if ((t->index = json_pack("{s:s, s:i, s:i, s:[]}", "format",
	    TARSTREAM_FORMAT, "format_version", TARSTREAM_VERSION_MAJOR,
	    "format_minor", TARSTREAM_VERSION_MINOR, "backups")) == NULL) {
		snprintf(err, errlen, "%s: out of memory", path);
		goto fail;
	}
	list = json_object_get(t->index, "backups");
	for (i = 0; i < n_ids; i++)
		if ((e = index_entry(dirs[i], ids[i], err, errlen)) == NULL ||
		    json_array_append_new(list, e) == -1)
			goto fail;
	if ((text = manifest_encode(t->index)) == NULL) {
		snprintf(err, errlen, "%s: out of memory", path);
		goto fail;
	}
	if (put_memory(t, TARSTREAM_INDEX, text, strlen(text), err,
	    errlen) == -1)
		goto fail;
	free(text);
	return t;
fail:
	free(text);
	if (t != NULL)
		tar_writer_abort(t);
	return NULL;
}

/*
 * Copies the file rel of dir, which must be size bytes of SHA-256 sha, as
 * name: a damaged backup stops the stream here rather than at a restore.
 */
static int
put_file(struct tar_writer *t, const char *dir, const char *rel,
    const char *name, int64_t size, const char *sha, char *err,
    size_t errlen)
{
	struct sha256 *hash = NULL;
	struct stat st;
	char hex[65];
	int64_t done = 0;
	ssize_t n;
	int fd, rc = -1;

	if ((fd = fs_open_in(dir, rel, err, errlen)) == -1)
		return -1;
	if ((hash = sha256_new()) == NULL) {
		snprintf(err, errlen, "%s/%s: out of memory", dir, rel);
		goto out;
	}
	if (fstat(fd, &st) == -1) {
		snprintf(err, errlen, "%s/%s: %s", dir, rel, strerror(errno));
		goto out;
	}
	if (st.st_size != size) {
		snprintf(err, errlen, "%s/%s: %lld bytes, the manifest says "
		    "%lld: the backup is damaged", dir, rel,
		    (long long)st.st_size, (long long)size);
		goto out;
	}
	if (put_header(t, name, false, size, st.st_mtime, err, errlen) == -1)
		goto out;
	while (done < size) {
		n = read(fd, t->buf, COPY_BUF);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			snprintf(err, errlen, "%s/%s: %s", dir, rel, n == 0 ?
			    "shorter than the manifest says" : strerror(errno));
			goto out;
		}
		if ((int64_t)n > size - done)
			n = (ssize_t)(size - done);
		if (sha256_update(hash, t->buf, (size_t)n) == -1 ||
		    put_data(t, name, t->buf, (size_t)n, err, errlen) == -1)
			goto out;
		done += n;
	}
	rc = sha256_final(hash, hex);
	hash = NULL;
	if (rc == -1 || strcmp(hex, sha) != 0) {
		snprintf(err, errlen, "%s/%s: SHA-256 does not match the "
		    "manifest: the backup is damaged", dir, rel);
		rc = -1;
		goto out;
	}
	rc = archive_write_finish_entry(t->a) == ARCHIVE_OK ? 0 :
	    tar_fail(t, name, err, errlen);
out:
	if (hash != NULL)
		sha256_free(hash);
	(void)close(fd);
	return rc;
}

/* Writes "ID/a/", "ID/a/b/" for rel "a/b/f", unless done holds them. */
static int
put_dirs(struct tar_writer *t, const char *id, const char *rel,
    json_t *done, char *err, size_t errlen)
{
	char name[4200];
	const char *slash;

	for (slash = strchr(rel, '/'); slash != NULL;
	    slash = strchr(slash + 1, '/')) {
		snprintf(name, sizeof(name), "%s/%.*s/", id,
		    (int)(slash - rel), rel);
		if (json_object_get(done, name) != NULL)
			continue;
		if (json_object_set_new(done, name, json_true()) == -1) {
			snprintf(err, errlen, "%s: out of memory", name);
			return -1;
		}
		if (put_dir(t, name, err, errlen) == -1)
			return -1;
	}
	return 0;
}

int
tar_writer_add(struct tar_writer *t, const char *dir, char *err,
    size_t errlen)
{
	json_t *m, *files, *f, *done = json_object(), *promised;
	char name[4200], hex[65], *text = NULL;
	const char *id;
	size_t len, i, pass;
	int rc = -1;

	promised = json_array_get(json_object_get(t->index, "backups"),
	    t->added++);
	id = json_string_value(json_object_get(promised, "id"));
	snprintf(name, sizeof(name), "%s/%s", dir, MANIFEST_NAME);
	/* The bytes as they are, after a check that they are a manifest. */
	if (done == NULL || (text = fs_read_file(name, MANIFEST_MAX, &len, err,
	    errlen)) == NULL || (m = manifest_parse(text, len, name, err,
	    errlen)) == NULL) {
		free(text);
		json_decref(done);
		return -1;
	}
	if (sha256_buffer(text, len, hex) == -1 || strcmp(hex,
	    json_string_value(json_object_get(promised, "manifest_sha256"))) !=
	    0) {
		snprintf(err, errlen, "%s/%s: changed while it was exported",
		    dir, MANIFEST_NAME);
		goto out;
	}
	files = json_object_get(m, "files");
	snprintf(name, sizeof(name), "%s/", id);
	if (put_dir(t, name, err, errlen) == -1)
		goto out;
	snprintf(name, sizeof(name), "%s/%s", id, MANIFEST_NAME);
	if (put_memory(t, name, text, len, err, errlen) == -1)
		goto out;
	/* An encrypted backup's manifest first: a reader learns it early. */
	for (pass = 0; pass < 2; pass++)
		json_array_foreach(files, i, f) {
			const char *rel = json_string_value(json_object_get(f,
			    "path"));

			if ((strcmp(rel, MANIFEST_PRIVATE) == 0) != (pass == 0))
				continue;
			snprintf(name, sizeof(name), "%s/%s", id, rel);
			if (put_dirs(t, id, rel, done, err, errlen) == -1 ||
			    put_file(t, dir, rel, name, json_integer_value(
			    json_object_get(f, "size_bytes")), json_string_value(
			    json_object_get(f, "sha256")), err, errlen) == -1)
				goto out;
		}
	rc = 0;
out:
	free(text);
	json_decref(m);
	json_decref(done);
	return rc;
}

int
tar_writer_close(struct tar_writer *t, char *err, size_t errlen)
{
	const char *what = t->path[0] != '\0' ? t->partial : "stdout";
	int rc = 0;

	if (archive_write_close(t->a) != ARCHIVE_OK)
		rc = tar_fail(t, what, err, errlen);
	archive_write_free(t->a);
	t->a = NULL;
	if (rc == 0 && t->path[0] != '\0') {
		if (fsync(t->fd) == -1 || close(t->fd) == -1) {
			snprintf(err, errlen, "%s: %s", what, strerror(errno));
			rc = -1;
		}
		t->fd = -1;
		if (rc == 0 && fs_rename_durable(t->partial, t->path, err,
		    errlen) == -1)
			rc = -1;
		if (rc == 0)
			t->partial[0] = '\0';
	}
	tar_writer_abort(t);
	return rc;
}

void
tar_writer_abort(struct tar_writer *t)
{
	/*
	 * No end-of-archive blocks after a failure: the stream stays cut.
	 * (archive_write_fail would say so, but libarchive 3.6 then leaks
	 * its buffers; closing into a writer that drops everything frees
	 * them.)
	 */
	if (t->a != NULL) {
		t->failed = true;
		(void)archive_write_close(t->a);
		archive_write_free(t->a);
	}
	if (t->path[0] != '\0' && t->fd != -1)
		(void)close(t->fd);
	if (t->partial[0] != '\0')
		(void)unlink(t->partial);
	json_decref(t->index);
	free(t->buf);
	free(t);
}
