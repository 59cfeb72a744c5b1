/* SPDX-License-Identifier: ISC */
/*
 * sqlfile: the reader is a stream, so a schema file costs the memory of
 * its longest statement, not of the whole file: a gzip file of a few
 * megabytes can expand to gigabytes.  Decompressed bytes are appended to
 * one buffer that starts with the current statement; the end marker is
 * searched for in what was added (and the few bytes before, where a
 * marker may have begun), and a statement that grows past
 * SQLFILE_STMT_MAX without one is refused.  A file that does not start
 * with the header or ends without a marker has been cut short or edited,
 * and is refused too.
 */
#define _GNU_SOURCE
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gzr.h"
#include "sqlfile.h"

#define READ_BLOCK (64u << 10)

struct sqlfile {
	struct gzr *in;
	char *label;		/* dir/rel */
	char *buf;		/* the current statement, then what follows */
	size_t cap, len;
	size_t scanned;		/* bytes of buf searched without a marker */
	size_t done;		/* bytes of buf returned last time */
	size_t count;		/* statements returned */
	bool eof;
};

int
sqlfile_begin(struct gzw *w, char *err, size_t errlen)
{
	return gzw_write(w, SQLFILE_HEADER, strlen(SQLFILE_HEADER), err, errlen);
}

int
sqlfile_add(struct gzw *w, const char *stmt, char *err, size_t errlen)
{
	return sqlfile_add_len(w, stmt, strlen(stmt), err, errlen);
}

int
sqlfile_add_len(struct gzw *w, const char *stmt, size_t len, char *err,
    size_t errlen)
{
	if (gzw_write(w, stmt, len, err, errlen) == -1)
		return -1;
	return gzw_write(w, SQLFILE_END, strlen(SQLFILE_END), err, errlen);
}

/* Appends up to READ_BLOCK decompressed bytes to buf.  0 or -1. */
static int
fill(struct sqlfile *f, char *err, size_t errlen)
{
	char *grown;
	size_t cap;
	ssize_t n;

	if (f->cap - f->len < READ_BLOCK) {
		cap = f->cap == 0 ? 4 * READ_BLOCK : 2 * f->cap;
		/* The most sqlfile_next lets it hold, and a block more. */
		if (cap > SQLFILE_STMT_MAX + 2 * READ_BLOCK)
			cap = SQLFILE_STMT_MAX + 2 * READ_BLOCK;
		if ((grown = realloc(f->buf, cap)) == NULL) {
			snprintf(err, errlen, "%s: out of memory", f->label);
			return -1;
		}
		f->buf = grown;
		f->cap = cap;
	}
	/* One byte stays free for the NUL that ends a statement. */
	n = gzr_read(f->in, f->buf + f->len, f->cap - f->len - 1, err, errlen);
	if (n == -1)
		return -1;
	f->eof = n == 0;
	f->len += (size_t)n;
	return 0;
}

void
sqlfile_close(struct sqlfile *f)
{
	if (f == NULL)
		return;
	gzr_close(f->in);
	free(f->label);
	free(f->buf);
	free(f);
}

struct sqlfile *
sqlfile_open(const char *dir, const char *rel, struct age_keys *keys,
    char *err, size_t errlen)
{
	size_t hlen = strlen(SQLFILE_HEADER);
	struct sqlfile *f;

	if ((f = calloc(1, sizeof(*f))) == NULL ||
	    asprintf(&f->label, "%s/%s", dir, rel) == -1) {
		snprintf(err, errlen, "%s/%s: out of memory", dir, rel);
		free(f);
		return NULL;
	}
	if ((f->in = gzr_open_in(dir, rel, keys, err, errlen)) == NULL)
		goto fail;
	while (f->len < hlen && !f->eof)
		if (fill(f, err, errlen) == -1)
			goto fail;
	if (f->len < hlen || memcmp(f->buf, SQLFILE_HEADER, hlen) != 0) {
		snprintf(err, errlen, "%s: not a dbkit schema file", f->label);
		goto fail;
	}
	f->done = hlen;
	return f;
fail:
	sqlfile_close(f);
	return NULL;
}

int
sqlfile_next(struct sqlfile *f, const char **stmt, char *err, size_t errlen)
{
	size_t elen = strlen(SQLFILE_END), from;
	char *end;

	memmove(f->buf, f->buf + f->done, f->len - f->done);
	f->len -= f->done;
	f->done = 0;
	f->scanned = 0;
	for (;;) {
		from = f->scanned >= elen ? f->scanned - elen + 1 : 0;
		end = memmem(f->buf + from, f->len - from, SQLFILE_END, elen);
		if (end != NULL)
			break;
		f->scanned = f->len;
		if (f->eof && f->len == 0)
			return 0;
		if (f->eof) {
			snprintf(err, errlen, "%s: last statement is not ended: "
			    "the file was cut short", f->label);
			return -1;
		}
		if (f->len > SQLFILE_STMT_MAX + elen) {
			snprintf(err, errlen, "%s: statement %zu is longer than "
			    "%u MiB", f->label, f->count + 1,
			    SQLFILE_STMT_MAX >> 20);
			return -1;
		}
		if (fill(f, err, errlen) == -1)
			return -1;
	}
	/* SQL goes to the server as a C string: a NUL would cut it short. */
	if (memchr(f->buf, '\0', (size_t)(end - f->buf)) != NULL) {
		snprintf(err, errlen, "%s: statement %zu holds a NUL byte",
		    f->label, f->count + 1);
		return -1;
	}
	*end = '\0';
	f->done = (size_t)(end - f->buf) + elen;
	f->count++;
	*stmt = f->buf;
	return 1;
}

char **
sqlfile_read(const char *dir, const char *rel, struct age_keys *keys,
    size_t *n, char *err, size_t errlen)
{
	struct sqlfile *f;
	char **stmts = NULL, **grown;
	const char *stmt;
	size_t count = 0, total = 0;
	int rc;

	*n = 0;
	if ((f = sqlfile_open(dir, rel, keys, err, errlen)) == NULL)
		return NULL;
	while ((rc = sqlfile_next(f, &stmt, err, errlen)) == 1) {
		if ((total += strlen(stmt)) > SQLFILE_READ_MAX) {
			snprintf(err, errlen, "%s: statements longer than %u MiB "
			    "in all", f->label, SQLFILE_READ_MAX >> 20);
			goto fail;
		}
		if ((grown = realloc(stmts, (count + 1) * sizeof(*stmts))) ==
		    NULL || (grown[count] = strdup(stmt)) == NULL) {
			stmts = grown ? grown : stmts;
			snprintf(err, errlen, "%s: out of memory", f->label);
			goto fail;
		}
		stmts = grown;
		count++;
	}
	if (rc == -1)
		goto fail;
	sqlfile_close(f);
	*n = count;
	return stmts != NULL ? stmts : calloc(1, sizeof(char *));
fail:
	sqlfile_close(f);
	sqlfile_free(stmts, count);
	return NULL;
}

void
sqlfile_free(char **stmts, size_t n)
{
	size_t i;

	for (i = 0; stmts != NULL && i < n; i++)
		free(stmts[i]);
	free(stmts);
}
