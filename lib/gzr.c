/* SPDX-License-Identifier: ISC */
/*
 * gzr: a backup file read back as a stream.  gzr_open reads the first
 * bytes; the gzip magic 1f 8b selects zlib's inflate (windowBits 15 + 16:
 * gzip wrapper only, CRC-32 and length checked), the zstd magic 28 b5 2f
 * fd libzstd's streaming decompression (any number of frames, each
 * frame's checksum checked when it has one), anything else is served as
 * it is.  Before all that, a file that starts with the age header is
 * decrypted on the way in (lib/age.h): the reader's input is then the
 * age reader's authenticated plaintext, never a byte that did not
 * authenticate.  zstd reports what is wrong itself: trailing bytes that
 * are not a frame, a corrupt block, a checksum; the file ending inside a
 * frame is truncation.  A gzip file is a sequence of members, so at each
 * member's end (Z_STREAM_END) the reader is between members: if the file
 * ends there, that is the clean end; if the next two bytes are the magic
 * again, the inflater is reset for the next member; any other bytes are
 * an error, since a backup file has nothing after its data.  The file
 * ending inside a member is reported as truncation, never as a short
 * file.
 *
 * Members as gzw writes them (at most GZW_BLOCK_SIZE bytes of data)
 * take a fast path: the whole member goes through libdeflate in one call.
 * The first member that does not fit, or does not decompress, hands the
 * rest of the file to zlib, whose streaming errors say what is wrong.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libdeflate.h>
#include <zlib.h>
#include <zstd.h>

#include "fs.h"
#include "gzr.h"
#include "gzw.h"

/* Room for one whole member of ours, compressed: libdeflate needs it all. */
#define IN_SIZE (2u << 20)

/* The start of an age file's first line. */
#define AGE_MAGIC "age-encryption.org/"
#define AGE_MAGIC_LEN (sizeof(AGE_MAGIC) - 1)

struct gzr {
	int fd;
	/* The file's first bytes, read to see whether it is age: served
	   before the rest of the file. */
	unsigned char peek[AGE_MAGIC_LEN];
	size_t peek_pos, peek_len;
	struct age_reader *age;	/* decrypting, or NULL */
	int gzip;		/* 0: a plain file, or zstd */
	ZSTD_DCtx *zstd;	/* a zstd file */
	int in_frame;		/* zstd: inside a frame, or holding output */
	int eof;		/* read(2) has returned 0 */
	int in_member;		/* inside a gzip member, not between two */
	int z_ready;		/* z needs inflateEnd */
	z_stream z;
	unsigned char *in;	/* IN_SIZE bytes; z.next_in points into it */
	char *path;
	/* The fast path: whole members through libdeflate, while it works. */
	struct libdeflate_decompressor *fast;
	unsigned char *fast_out;	/* GZW_BLOCK_SIZE bytes */
	size_t fast_pos, fast_len;	/* what of fast_out is not served */
};

static void
gzr_free(struct gzr *r)
{
	if (r->z_ready)
		(void)inflateEnd(&r->z);
	if (r->fast != NULL)
		libdeflate_free_decompressor(r->fast);
	ZSTD_freeDCtx(r->zstd);
	age_reader_close(r->age);
	free(r->fast_out);
	if (r->fd != -1)
		(void)close(r->fd);
	free(r->in);
	free(r->path);
	free(r);
}

/* read(2) of the file, retried on EINTR.  Or -1 with "path: why". */
static ssize_t
read_fd(struct gzr *r, void *buf, size_t len, char *err, size_t errlen)
{
	ssize_t n;

	do
		n = read(r->fd, buf, len);
	while (n == -1 && errno == EINTR);
	if (n == -1)
		snprintf(err, errlen, "%s: %s", r->path, strerror(errno));
	return n;
}

/* The file's bytes: what was peeked at, then the rest.  Or -1. */
static ssize_t
read_file(void *ctx, void *buf, size_t len, char *err, size_t errlen)
{
	struct gzr *r = ctx;
	size_t n;

	if (r->peek_pos == r->peek_len)
		return read_fd(r, buf, len, err, errlen);
	n = r->peek_len - r->peek_pos < len ? r->peek_len - r->peek_pos : len;
	memcpy(buf, r->peek + r->peek_pos, n);
	r->peek_pos += n;
	return (ssize_t)n;
}

/* The content: the file's bytes, or what decrypting them gives.  Or -1. */
static ssize_t
read_in(struct gzr *r, void *buf, size_t len, char *err, size_t errlen)
{
	char why[512];
	ssize_t n;

	if (r->age == NULL)
		return read_file(r, buf, len, err, errlen);
	if ((n = age_read(r->age, buf, len, why, sizeof(why))) == -1 &&
	    strncmp(why, r->path, strlen(r->path)) != 0)
		snprintf(err, errlen, "%s: %s", r->path, why);
	else if (n == -1)
		snprintf(err, errlen, "%s", why);
	return n;
}

/*
 * Moves the unread input to the front of the buffer and reads more after
 * it.  Returns the number of bytes read (0 at end of file), or -1.
 */
static ssize_t
fill(struct gzr *r, char *err, size_t errlen)
{
	ssize_t n;

	if (r->z.avail_in > 0 && r->z.next_in != r->in)
		memmove(r->in, r->z.next_in, r->z.avail_in);
	r->z.next_in = r->in;
	n = read_in(r, r->in + r->z.avail_in, IN_SIZE - r->z.avail_in, err,
	    errlen);
	if (n == -1)
		return -1;
	if (n == 0)
		r->eof = 1;
	r->z.avail_in += (uInt)n;
	return n;
}

/*
 * Reads the file's first bytes, and when they are age's, starts
 * decrypting with keys.  0, or -1 with err.
 */
static int
open_age(struct gzr *r, struct age_keys *keys, char *err, size_t errlen)
{
	enum age_status status;
	char why[512];
	ssize_t n;

	while (r->peek_len < AGE_MAGIC_LEN) {
		if ((n = read_fd(r, r->peek + r->peek_len,
		    AGE_MAGIC_LEN - r->peek_len, err, errlen)) == -1)
			return -1;
		if (n == 0)
			return 0;
		r->peek_len += (size_t)n;
	}
	if (memcmp(r->peek, AGE_MAGIC, AGE_MAGIC_LEN) != 0)
		return 0;
	if (keys == NULL) {
		snprintf(err, errlen, "%s: encrypted (age), and no identity "
		    "or passphrase was given to open it", r->path);
		return -1;
	}
	if ((r->age = age_reader_open_keys(read_file, r, keys, &status, why,
	    sizeof(why))) == NULL) {
		snprintf(err, errlen, "%s: %s", r->path, why);
		return -1;
	}
	return 0;
}

struct gzr *
gzr_fdopen(int fd, const char *label, struct age_keys *keys, char *err,
    size_t errlen)
{
	struct gzr *r;
	int zrc;

	if ((r = calloc(1, sizeof(*r))) == NULL ||
	    (r->path = strdup(label)) == NULL ||
	    (r->in = malloc(IN_SIZE)) == NULL) {
		snprintf(err, errlen, "%s: out of memory", label);
		if (r != NULL) {
			free(r->path);
			free(r);
		}
		(void)close(fd);
		return NULL;
	}
	r->fd = fd;
	r->z.next_in = r->in;
	if (open_age(r, keys, err, errlen) == -1)
		goto fail;
	/* A pipe may deliver one byte at a time; a file does not end early. */
	while (r->z.avail_in < 4 && !r->eof)
		if (fill(r, err, errlen) == -1)
			goto fail;
	if (r->z.avail_in >= 4 && memcmp(r->in, "\x28\xb5\x2f\xfd", 4) == 0) {
		if ((r->zstd = ZSTD_createDCtx()) == NULL) {
			snprintf(err, errlen, "%s: out of memory", label);
			goto fail;
		}
		return r;
	}
	if (r->z.avail_in < 2 || r->in[0] != 0x1f || r->in[1] != 0x8b)
		return r;
	r->gzip = 1;
	if ((zrc = inflateInit2(&r->z, 15 + 16)) != Z_OK) {
		snprintf(err, errlen, "%s: %s", label, zrc == Z_MEM_ERROR ?
		    "out of memory" : "cannot start zlib");
		goto fail;
	}
	r->z_ready = 1;
	/* Without the fast path the reader still works, only slower. */
	if ((r->fast_out = malloc(GZW_BLOCK_SIZE)) != NULL)
		r->fast = libdeflate_alloc_decompressor();
	return r;
fail:
	gzr_free(r);
	return NULL;
}

struct gzr *
gzr_open(const char *path, struct age_keys *keys, char *err, size_t errlen)
{
	int fd = fs_open_regular(path, err, errlen);

	return fd == -1 ? NULL : gzr_fdopen(fd, path, keys, err, errlen);
}

struct gzr *
gzr_open_in(const char *dir, const char *rel, struct age_keys *keys,
    char *err, size_t errlen)
{
	char label[8192];
	int fd = fs_open_in(dir, rel, err, errlen);

	snprintf(label, sizeof(label), "%s/%s", dir, rel);
	return fd == -1 ? NULL : gzr_fdopen(fd, label, keys, err, errlen);
}

/* Serves the bytes read by gzr_open first, then the file. */
static ssize_t
read_plain(struct gzr *r, void *buf, size_t len, char *err, size_t errlen)
{

	if (r->z.avail_in > 0) {
		if (len > r->z.avail_in)
			len = r->z.avail_in;
		memcpy(buf, r->z.next_in, len);
		r->z.next_in += len;
		r->z.avail_in -= (uInt)len;
		return (ssize_t)len;
	}
	return read_in(r, buf, len, err, errlen);
}

/*
 * zstd: returns as soon as some output is there, 0 only at the end of
 * the file after a complete frame.
 */
static ssize_t
read_zstd(struct gzr *r, void *buf, size_t len, char *err, size_t errlen)
{
	ZSTD_outBuffer out = { buf, len, 0 };
	ZSTD_inBuffer in;
	size_t left;

	for (;;) {
		if (r->z.avail_in == 0 && !r->eof && fill(r, err, errlen) == -1)
			return -1;
		/*
		 * Between frames with nothing left: the end.  (Asked again
		 * here, zstd would want the next frame's header.)
		 */
		if (r->z.avail_in == 0 && r->eof && !r->in_frame)
			return 0;
		in = (ZSTD_inBuffer){ r->z.next_in, r->z.avail_in, 0 };
		/* Also with no input: it may hold output from last time. */
		left = ZSTD_decompressStream(r->zstd, &out, &in);
		if (ZSTD_isError(left)) {
			snprintf(err, errlen, "%s: corrupt zstd stream (%s)",
			    r->path, ZSTD_getErrorName(left));
			return -1;
		}
		r->z.next_in += in.pos;
		r->z.avail_in -= (uInt)in.pos;
		r->in_frame = left != 0;
		if (out.pos > 0)
			return (ssize_t)out.pos;
		if (r->eof && r->z.avail_in == 0 && r->in_frame) {
			snprintf(err, errlen, "%s: truncated zstd stream",
			    r->path);
			return -1;
		}
	}
}

/*
 * Between members: returns 1 if another member follows, 0 at the clean
 * end of the file, -1 on trailing bytes that are not a gzip member.
 */
static int
next_member(struct gzr *r, char *err, size_t errlen)
{
	while (r->z.avail_in < 2 && !r->eof)
		if (fill(r, err, errlen) == -1)
			return -1;
	if (r->z.avail_in == 0)
		return 0;
	if (r->z.avail_in < 2 || r->z.next_in[0] != 0x1f ||
	    r->z.next_in[1] != 0x8b) {
		snprintf(err, errlen, "%s: trailing garbage after gzip stream",
		    r->path);
		return -1;
	}
	return 1;
}

/*
 * Decompresses the member at z.next_in in one call with libdeflate, about
 * three times zlib's speed, into fast_out.  Returns 1 when it did, 0 when
 * this member is not for the fast path (larger than our blocks, cut
 * short or corrupt): zlib then takes over for the rest of the file and
 * reports exactly what is wrong.  -1 on a read error.
 */
static int
fast_member(struct gzr *r, char *err, size_t errlen)
{
	size_t in_used = 0, out_len = 0;
	enum libdeflate_result rc;

	while (r->z.avail_in < IN_SIZE && !r->eof)
		if (fill(r, err, errlen) == -1)
			return -1;
	rc = libdeflate_gzip_decompress_ex(r->fast, r->z.next_in, r->z.avail_in,
	    r->fast_out, GZW_BLOCK_SIZE, &in_used, &out_len);
	if (rc != LIBDEFLATE_SUCCESS) {
		libdeflate_free_decompressor(r->fast);
		r->fast = NULL;
		return 0;
	}
	r->z.next_in += in_used;
	r->z.avail_in -= (uInt)in_used;
	r->fast_pos = 0;
	r->fast_len = out_len;
	return 1;
}

ssize_t
gzr_read(struct gzr *r, void *buf, size_t len, char *err, size_t errlen)
{
	int zrc;

	if (r->zstd != NULL)
		return read_zstd(r, buf, len, err, errlen);
	if (!r->gzip)
		return read_plain(r, buf, len, err, errlen);
	/* avail_out is an unsigned int; a short read is allowed. */
	if (len > 1u << 30)
		len = 1u << 30;
	r->z.next_out = buf;
	r->z.avail_out = (uInt)len;
	while (r->z.avail_out > 0) {
		if (r->fast_pos < r->fast_len) {
			size_t n = r->fast_len - r->fast_pos;

			if (n > r->z.avail_out)
				n = r->z.avail_out;
			memcpy(r->z.next_out, r->fast_out + r->fast_pos, n);
			r->z.next_out += n;
			r->z.avail_out -= (uInt)n;
			r->fast_pos += n;
			continue;
		}
		if (!r->in_member) {
			switch (next_member(r, err, errlen)) {
			case -1:
				return -1;
			case 0:
				goto out;
			}
			if (r->fast != NULL) {
				switch (fast_member(r, err, errlen)) {
				case -1:
					return -1;
				case 1:
					continue;
				}
			}
			r->in_member = 1;
		}
		if (r->z.avail_in == 0 && !r->eof && fill(r, err, errlen) == -1)
			return -1;
		/*
		 * Inflate runs even when the input is used up: it may still
		 * hold output (a match longer than the space given last time).
		 */
		zrc = inflate(&r->z, Z_NO_FLUSH);
		switch (zrc) {
		case Z_OK:
			break;
		case Z_STREAM_END:
			(void)inflateReset(&r->z);
			r->in_member = 0;
			break;
		case Z_BUF_ERROR:
			/*
			 * No progress with room for output: inflate wants
			 * input, and at the end of the file there is none.
			 */
			if (r->eof) {
				snprintf(err, errlen,
				    "%s: truncated gzip stream", r->path);
				return -1;
			}
			break;
		case Z_MEM_ERROR:
			snprintf(err, errlen, "%s: out of memory", r->path);
			return -1;
		default:
			snprintf(err, errlen, "%s: corrupt gzip stream (%s)",
			    r->path, r->z.msg != NULL ? r->z.msg :
			    zError(zrc));
			return -1;
		}
	}
out:
	return (ssize_t)(len - r->z.avail_out);
}

void
gzr_close(struct gzr *r)
{
	if (r != NULL)
		gzr_free(r);
}
