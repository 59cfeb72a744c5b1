/* SPDX-License-Identifier: ISC */
/*
 * feed: the thread between a backup's binlog file and the decoder.  It
 * walks the file event by event (binlog_read) rather than copying bytes,
 * so that it can note each statement event's default database for
 * --database, --table and --events: mariadb-binlog prints a `use` only
 * when the database changes to a named one, so a statement run without a
 * default database would otherwise pass for one of the database before.
 * The notes wait in a queue only as long as the decoder lags behind this
 * thread, a pipe's worth of events.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "binlog.h"
#include "feed.h"

static ssize_t
read_gz(void *src, void *buf, size_t len, char *err, size_t errlen)
{
	return gzr_read(src, buf, len, err, errlen);
}

/* All of p to the decoder.  0; 1 when it stopped reading; -1. */
static int
write_all(struct feeder *f, const void *p, size_t len)
{
	ssize_t w;

	for (size_t off = 0; off < len; off += (size_t)w)
		if ((w = write(f->fd, (const char *)p + off, len - off)) == -1) {
			if (errno == EINTR) {
				w = 0;
				continue;
			}
			/* EPIPE: the replay stopped reading. */
			return errno == EPIPE ? 1 : -1;
		}
	return 0;
}

/* Queues the default database of the statement event at p. */
static int
note(struct feeder *f, const unsigned char *p, const struct binlog_header *h,
    char *err, size_t errlen)
{
	struct feed_db d = { .end = h->next_pos }, *grown;

	if (binlog_query_db(p, h, d.db, sizeof(d.db)) == -1)
		return 0;		/* not a statement event */
	pthread_mutex_lock(&f->lock);
	if (f->head > 0 && f->head == f->n) {
		f->head = f->n = 0;	/* all asked for: start over */
	} else if (f->n == f->cap && f->head > 0) {
		memmove(f->dbs, f->dbs + f->head, (f->n - f->head) *
		    sizeof(*f->dbs));
		f->n -= f->head;
		f->head = 0;
	}
	if (f->n == f->cap) {
		size_t cap = f->cap ? f->cap * 2 : 64;

		if ((grown = realloc(f->dbs, cap * sizeof(*grown))) == NULL) {
			pthread_mutex_unlock(&f->lock);
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		f->dbs = grown;
		f->cap = cap;
	}
	f->dbs[f->n++] = d;
	pthread_mutex_unlock(&f->lock);
	return 0;
}

static int
event(void *ctx, const struct binlog_header *h, const unsigned char *p,
    char *err, size_t errlen)
{
	struct feeder *f = ctx;

	if (f->note_dbs && note(f, p, h, err, errlen) == -1)
		return -1;
	return write_all(f, p, h->length);
}

void *
feed(void *arg)
{
	struct feeder *f = arg;
	int rc;

	rc = write_all(f, BINLOG_MAGIC, BINLOG_MAGIC_LEN);
	if (rc == 0)
		rc = binlog_read(read_gz, f->in, f->label, event, f, f->err,
		    sizeof(f->err));
	if (rc == -1 && f->err[0] == '\0')
		snprintf(f->err, sizeof(f->err), "%s: writing to the decoder: %s",
		    f->label, strerror(errno));
	f->rc = rc == -1 ? -1 : 0;
	close(f->fd);
	return NULL;
}

void
feed_query_db(struct feeder *f, uint64_t end, char *db, size_t dblen)
{
	db[0] = '\0';
	pthread_mutex_lock(&f->lock);
	while (f->head < f->n && f->dbs[f->head].end < end)
		f->head++;
	if (f->head < f->n && f->dbs[f->head].end == end)
		snprintf(db, dblen, "%s", f->dbs[f->head++].db);
	pthread_mutex_unlock(&f->lock);
}
