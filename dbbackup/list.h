/* SPDX-License-Identifier: ISC */
/*
 * list: dbbackup list, and the scan of the catalogue that pin and unpin
 * (pin.c) share with it.  Neither connects to a server.
 */
#ifndef DBBACKUP_LIST_H
#define DBBACKUP_LIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <time.h>

#include "catalog.h"

struct type_count {
	const char *type;
	size_t count;
};

/* A full backup and the incrementals that continue it, one after another. */
struct chain_span {
	size_t full, tip;		/* indexes into items: first and newest */
	size_t incrementals;
};

/* The catalogue as one scan saw it, and list's totals of it. */
struct listing {
	const char *root;
	time_t now;
	struct catalog_item *items;	/* oldest first */
	size_t n;
	char **foreign;			/* names dbkit leaves alone, sorted */
	size_t n_foreign;
	struct type_count *by_type;	/* every entry, by type name */
	size_t n_types;
	long long size_bytes;		/* every entry */
	const struct catalog_item *oldest_complete, *newest_complete;
	const struct catalog_item *newest_complete_full;
	struct chain_span *chains;	/* those with an incremental */
	size_t n_chains;
};

/*
 * Scans root into l, foreign names sorted so the output is stable.  A
 * missing root is an empty catalogue; a root that is not a directory is a
 * usage error, since the path is what the user gave.  Returns an exit
 * status; when it is not 0, err says why.  list_scan_free(l) either
 * way.
 */
int list_scan(const char *root, struct listing *l, char *err, size_t errlen);
void list_scan_free(struct listing *l);

/*
 * Prints every entry of the catalogue at root and the totals, as text or
 * as one JSON document, to out.  A missing root is an empty catalogue.
 * Returns an exit status; when it is not 0, err says why.
 */
int list_catalog(const char *root, bool json, FILE *out, char *err,
    size_t errlen);

#endif
