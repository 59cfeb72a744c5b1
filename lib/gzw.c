/* SPDX-License-Identifier: ISC */
/*
 * gzw: one backup file written through a GZW_BLOCK_SIZE buffer.  When
 * the buffer is full, libdeflate compresses it in one call into a complete
 * gzip member (header, deflate data, CRC-32 and size), which is written
 * out; gzip readers treat a file of concatenated members as one stream.
 * libdeflate has no streaming interface, and does not need one here: a
 * member per megabyte costs about 18 bytes and a little ratio, and buys a
 * fixed memory bound (the input block plus one output buffer of
 * libdeflate_gzip_compress_bound bytes, both allocated once).  zstd
 * does stream: each full buffer goes to one zstd frame, with its content
 * checksum, through ZSTD_compressStream2, whose window (a few MiB at the
 * levels we allow) is the only memory it adds.  COMPRESSION_NONE writes
 * the bytes unchanged through the same buffer.  Every byte that
 * reaches the file also goes through an incremental SHA-256, so the
 * caller gets the checksum of the file on disk without reading it back.
 * Writeback is started as the file grows (sync_file_range), so the disk
 * works while we compress and the fsync at the end has little left to do.
 * Encrypting, the compressed bytes go through an age writer (lib/age.h)
 * on their way to the file, and the checksum is of the encrypted file.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libdeflate.h>
#include <zstd.h>

#include "gzw.h"
#include "sha256.h"

/* Start writeback every this many bytes, so the final fsync waits little. */
#define WRITEBACK_STEP (8u << 20)

struct gzw {
	int fd;
	enum compression codec;
	int failed;		/* a write failed: the file is unusable */
	int members;		/* gzip members written so far */
	struct libdeflate_compressor *compressor;	/* gzip */
	ZSTD_CCtx *zstd;
	unsigned char *in;	/* GZW_BLOCK_SIZE bytes not yet written */
	size_t in_len;
	unsigned char *out;	/* one compressed member, or zstd's output */
	size_t out_cap;
	struct age_writer *age;	/* encrypting, or NULL */
	struct sha256 *sha;
	uint64_t size_bytes;
	uint64_t written_back;	/* bytes whose writeback has been started */
	uint64_t raw_bytes;
	char *path;
};

static void
gzw_free(struct gzw *w)
{
	if (w->compressor != NULL)
		libdeflate_free_compressor(w->compressor);
	ZSTD_freeCCtx(w->zstd);
	age_writer_abort(w->age);
	sha256_free(w->sha);
	free(w->in);
	free(w->out);
	free(w->path);
	free(w);
}

/* The zstd context of a file: its level, and a checksum in each frame. */
static ZSTD_CCtx *
zstd_open(int level)
{
	ZSTD_CCtx *z = ZSTD_createCCtx();

	if (z != NULL && (ZSTD_isError(ZSTD_CCtx_setParameter(z,
	    ZSTD_c_compressionLevel, level)) ||
	    ZSTD_isError(ZSTD_CCtx_setParameter(z, ZSTD_c_checksumFlag, 1)))) {
		ZSTD_freeCCtx(z);
		z = NULL;
	}
	return z;
}

/* An age_write_fn: the encrypted bytes to the file. */
static int write_out(struct gzw *w, const unsigned char *buf, size_t len,
    char *err, size_t errlen);

static int
age_out(void *ctx, const void *buf, size_t len, char *err, size_t errlen)
{
	return write_out(ctx, buf, len, err, errlen);
}

struct gzw *
gzw_open(const char *path, enum compression codec, int level,
    struct age_keys *seal, char *err, size_t errlen)
{
	char why[512];

	struct gzw *w;

	if (codec != COMPRESSION_NONE &&
	    (level < 1 || level > compression_max_level(codec))) {
		snprintf(err, errlen, "%s: invalid %s level %d (1 to %d)", path,
		    compression_name(codec), level,
		    compression_max_level(codec));
		return NULL;
	}
	if ((w = calloc(1, sizeof(*w))) == NULL ||
	    (w->path = strdup(path)) == NULL ||
	    (w->in = malloc(GZW_BLOCK_SIZE)) == NULL)
		goto nomem;
	w->fd = -1;
	w->codec = codec;
	switch (codec) {
	case COMPRESSION_GZIP:
		if ((w->compressor = libdeflate_alloc_compressor(level)) ==
		    NULL)
			goto nomem;
		w->out_cap = libdeflate_gzip_compress_bound(w->compressor,
		    GZW_BLOCK_SIZE);
		break;
	case COMPRESSION_ZSTD:
		if ((w->zstd = zstd_open(level)) == NULL)
			goto nomem;
		w->out_cap = ZSTD_CStreamOutSize();
		break;
	case COMPRESSION_NONE:
		break;
	}
	if (w->out_cap > 0 && (w->out = malloc(w->out_cap)) == NULL)
		goto nomem;
	if ((w->sha = sha256_new()) == NULL) {
		snprintf(err, errlen, "%s: out of memory", path);
		gzw_free(w);
		return NULL;
	}
	w->fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (w->fd == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		gzw_free(w);
		return NULL;
	}
	if (seal != NULL && (w->age = age_writer_open_keys(seal, age_out, w,
	    why, sizeof(why))) == NULL) {
		snprintf(err, errlen, "%s: %s", path, why);
		gzw_free(w);
		return NULL;
	}
	return w;
nomem:
	snprintf(err, errlen, "%s: out of memory", path);
	if (w != NULL)
		gzw_free(w);
	return NULL;
}

/* Writes all of buf, hashing what reached the file; marks w failed if not. */
static int
write_out(struct gzw *w, const unsigned char *buf, size_t len, char *err,
    size_t errlen)
{
	ssize_t n;

	while (len > 0) {
		n = write(w->fd, buf, len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			/* write(2) returns 0 only when nothing fits. */
			snprintf(err, errlen, "%s: %s", w->path,
			    strerror(n == 0 ? ENOSPC : errno));
			w->failed = 1;
			return -1;
		}
		(void)sha256_update(w->sha, buf, (size_t)n);
		w->size_bytes += (uint64_t)n;
		buf += n;
		len -= (size_t)n;
	}
	if (w->size_bytes - w->written_back >= WRITEBACK_STEP) {
		/* Only a hint: an error here shows again at fsync. */
		(void)sync_file_range(w->fd, (off_t)w->written_back,
		    (off_t)(w->size_bytes - w->written_back),
		    SYNC_FILE_RANGE_WRITE);
		w->written_back = w->size_bytes;
	}
	return 0;
}

/* Compressed bytes to the file, through age when encrypting. */
static int
emit(struct gzw *w, const unsigned char *buf, size_t len, char *err,
    size_t errlen)
{
	if (w->age == NULL)
		return write_out(w, buf, len, err, errlen);
	if (age_write(w->age, buf, len, err, errlen) == -1) {
		w->failed = 1;
		return -1;
	}
	return 0;
}

/*
 * The buffered bytes through zstd, and with end the end of the frame:
 * the output as it comes, ZSTD_CStreamOutSize bytes at most at a time.
 */
static int
flush_zstd(struct gzw *w, bool end, char *err, size_t errlen)
{
	ZSTD_inBuffer in = { w->in, w->in_len, 0 };
	ZSTD_outBuffer out;
	size_t left;

	do {
		out = (ZSTD_outBuffer){ w->out, w->out_cap, 0 };
		left = ZSTD_compressStream2(w->zstd, &out, &in, end ?
		    ZSTD_e_end : ZSTD_e_continue);
		if (ZSTD_isError(left)) {
			snprintf(err, errlen, "%s: zstd: %s", w->path,
			    ZSTD_getErrorName(left));
			w->failed = 1;
			return -1;
		}
		if (out.pos > 0 && emit(w, w->out, out.pos, err, errlen) ==
		    -1)
			return -1;
	} while (end ? left != 0 : in.pos < in.size);
	w->in_len = 0;
	return 0;
}

/*
 * Writes the buffered bytes: as they are, as one gzip member, or into
 * the zstd frame, which end finishes.
 */
static int
flush_block(struct gzw *w, bool end, char *err, size_t errlen)
{
	size_t n;

	if (w->codec == COMPRESSION_ZSTD)
		return flush_zstd(w, end, err, errlen);
	if (w->codec == COMPRESSION_NONE) {
		n = w->in_len;
		w->in_len = 0;
		return emit(w, w->in, n, err, errlen);
	}
	n = libdeflate_gzip_compress(w->compressor, w->in, w->in_len, w->out,
	    w->out_cap);
	if (n == 0) {
		/* Cannot happen with a buffer of the bound's size. */
		snprintf(err, errlen, "%s: compression failed", w->path);
		w->failed = 1;
		return -1;
	}
	w->in_len = 0;
	w->members++;
	return emit(w, w->out, n, err, errlen);
}

int
gzw_write(struct gzw *w, const void *buf, size_t len, char *err, size_t errlen)
{
	const unsigned char *p = buf;
	size_t n;

	if (w->failed) {
		snprintf(err, errlen, "%s: an earlier write failed", w->path);
		return -1;
	}
	while (len > 0) {
		n = GZW_BLOCK_SIZE - w->in_len;
		if (n > len)
			n = len;
		memcpy(w->in + w->in_len, p, n);
		w->in_len += n;
		w->raw_bytes += n;
		p += n;
		len -= n;
		if (w->in_len == GZW_BLOCK_SIZE &&
		    flush_block(w, false, err, errlen) == -1)
			return -1;
	}
	return 0;
}

int
gzw_close(struct gzw *w, struct gzw_result *result, char *err, size_t errlen)
{
	int rc = -1, fd;

	if (w->failed) {
		snprintf(err, errlen, "%s: an earlier write failed", w->path);
		goto out;
	}
	/*
	 * An empty input still gets one (empty) gzip member or zstd frame:
	 * a zero-byte file is neither, and gunzip -t would reject it.
	 */
	if ((w->in_len > 0 || w->codec == COMPRESSION_ZSTD ||
	    (w->codec == COMPRESSION_GZIP && w->members == 0)) &&
	    flush_block(w, true, err, errlen) == -1)
		goto out;
	if (w->age != NULL) {
		rc = age_writer_close(w->age, err, errlen);
		w->age = NULL;
		if (rc == -1)
			goto out;
		rc = -1;
	}
	/*
	 * Errors keep the plain "path: why" form whatever the call: a full
	 * disk may surface at write, fsync (delayed allocation) or close
	 * (NFS), and the user needs the why, not which of the three.
	 */
	if (fsync(w->fd) == -1) {
		snprintf(err, errlen, "%s: %s", w->path, strerror(errno));
		goto out;
	}
	fd = w->fd;
	w->fd = -1;
	if (close(fd) == -1) {
		snprintf(err, errlen, "%s: %s", w->path, strerror(errno));
		goto out;
	}
	if (sha256_final(w->sha, result->sha256) == -1) {
		w->sha = NULL;
		snprintf(err, errlen, "%s: SHA-256 failed", w->path);
		goto out;
	}
	w->sha = NULL;
	result->size_bytes = w->size_bytes;
	result->raw_bytes = w->raw_bytes;
	rc = 0;
out:
	if (w->fd != -1)
		(void)close(w->fd);
	gzw_free(w);
	return rc;
}

void
gzw_abort(struct gzw *w)
{
	if (w == NULL)
		return;
	if (w->fd != -1)
		(void)close(w->fd);
	gzw_free(w);
}
