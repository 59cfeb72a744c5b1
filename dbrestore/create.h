/* SPDX-License-Identifier: ISC */
/*
 * create: the objects of a restore created on the server, each in its
 * own context, or written as SQL for the mariadb client, in the order
 * objects.c gives them.
 */
#ifndef DBRESTORE_CREATE_H
#define DBRESTORE_CREATE_H

#include <stdio.h>

#include "restore.h"

/* A target database's default character set and collation, read once. */
struct db_default {
	const struct rdb *db;
	char charset[64], collation[64];
};
/*
 * Creates o on m, whose current database is o's target: its context, its
 * database collation for the moment, its statement.  0, or -1 with the
 * server's error in err and its number in *code.
 */
int create_object(struct restore *r, MYSQL *m, struct db_default *dd,
    struct robj *o, unsigned int *code, char *err, size_t errlen);
/* Creates the objects on r->ctl; -1 when one failed (all were tried). */
int create_objects(struct restore *r, char *err, size_t errlen);
/* Writes them as SQL for the mariadb client.  0 or -1. */
int create_write_sql(struct restore *r, FILE *f, char *err, size_t errlen);
/* Which of the objects were not created, for the final message. */
void create_missing(const struct restore *r, char *buf, size_t len);

#endif
