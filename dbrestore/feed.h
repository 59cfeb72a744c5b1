/* SPDX-License-Identifier: ISC */
/*
 * feed: a binlog file of a backup, decompressed into the decoder's
 * standard input by a thread of its own, noting on the way the default
 * database of each statement event, which the decoder does not print.
 */
#ifndef DBRESTORE_FEED_H
#define DBRESTORE_FEED_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gzr.h"

/* A statement event's end position and default database. */
struct feed_db {
	uint64_t end;
	char db[256];
};

struct feeder {
	struct gzr *in;
	int fd;			/* the decoder's stdin; the thread closes it */
	bool note_dbs;		/* keep the statement events' databases */
	int rc;			/* 0, or -1 with err */
	char err[1024];
	const char *label;	/* the file, for err */
	/* The databases noted and not yet asked for, oldest first. */
	pthread_mutex_t lock;
	struct feed_db *dbs;
	size_t head, n, cap;
};

/* The thread: f->in into f->fd, event by event. */
void *feed(void *arg);

/*
 * The default database of the statement event that ends at end, from the
 * thread's notes ("" when it ran without one, or was not noted).  The
 * decoder prints an event only after reading it whole, so its note is
 * there; older notes are dropped.
 */
void feed_query_db(struct feeder *f, uint64_t end, char *db, size_t dblen);

#endif
