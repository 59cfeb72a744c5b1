/* SPDX-License-Identifier: ISC */
/*
 * sqlfile: schema files are small (a CREATE TABLE, a database's views or
 * routines), so the reader takes the whole file and cuts it at the end
 * markers.  A file that does not start with the header or ends without a
 * marker has been cut short or edited, and is refused.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gzread.h"
#include "sqlfile.h"

#define SQLFILE_MAX (1u << 30)

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

/* Reads the whole uncompressed content of path. */
static char *
slurp(const char *path, size_t *len, char *err, size_t errlen)
{
	struct gzr *r = gzr_open(path, err, errlen);
	size_t cap = 65536, used = 0;
	char *buf = NULL, *grown;
	ssize_t n;

	if (r == NULL)
		return NULL;
	for (;;) {
		if (used + 1 >= cap || buf == NULL) {
			if (buf != NULL)
				cap *= 2;
			if (cap > SQLFILE_MAX ||
			    (grown = realloc(buf, cap)) == NULL) {
				snprintf(err, errlen, "%s: too large", path);
				goto fail;
			}
			buf = grown;
		}
		n = gzr_read(r, buf + used, cap - used - 1, err, errlen);
		if (n == -1)
			goto fail;
		if (n == 0)
			break;
		used += (size_t)n;
	}
	gzr_close(r);
	buf[used] = '\0';
	*len = used;
	return buf;
fail:
	free(buf);
	gzr_close(r);
	return NULL;
}

char **
sqlfile_read(const char *path, size_t *n, char *err, size_t errlen)
{
	size_t len, count = 0, hlen = strlen(SQLFILE_HEADER);
	size_t elen = strlen(SQLFILE_END);
	char *text, *p, *end, **stmts = NULL, **grown;

	*n = 0;
	if ((text = slurp(path, &len, err, errlen)) == NULL)
		return NULL;
	if (len < hlen || memcmp(text, SQLFILE_HEADER, hlen) != 0) {
		snprintf(err, errlen, "%s: not a dbkit schema file", path);
		goto fail;
	}
	for (p = text + hlen; *p != '\0'; p = end + elen) {
		if ((end = strstr(p, SQLFILE_END)) == NULL) {
			snprintf(err, errlen, "%s: last statement is not ended: "
			    "the file was cut short", path);
			goto fail;
		}
		if ((grown = realloc(stmts, (count + 1) * sizeof(*stmts))) == NULL ||
		    (grown[count] = strndup(p, (size_t)(end - p))) == NULL) {
			stmts = grown ? grown : stmts;
			snprintf(err, errlen, "%s: out of memory", path);
			goto fail;
		}
		stmts = grown;
		count++;
	}
	free(text);
	*n = count;
	return stmts != NULL ? stmts : calloc(1, sizeof(char *));
fail:
	sqlfile_free(stmts, count);
	free(text);
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
