/* SPDX-License-Identifier: ISC */
/*
 * sqltest: a driver for tests/lib_sql.bats.  It reads SQL text on stdin
 * and runs one of lib/sqlscan.c's functions on it, so the lexer's rules
 * are tested as a table of texts and results.
 *
 *	sqltest chains SQL_MODE CHARSET           one line per chain: a.b.c (call)
 *	sqltest rename SQL_MODE CHARSET FROM TO [OBJECT...]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sqlscan.h"

static int
print_chain(const struct sqlscan_chain *c, void *arg)
{
	(void)arg;
	for (size_t i = 0; i < c->n_parts; i++)
		printf("%s[%s]", i ? "." : "", c->parts[i]);
	printf("%s\n", c->call ? " call" : "");
	return 0;
}

struct objects {
	char **names;
	int n;
};

static bool
is_object(const char *db, const char *name, void *arg)
{
	struct objects *o = arg;

	(void)db;
	for (int i = 0; i < o->n; i++)
		if (strcmp(o->names[i], name) == 0)
			return true;
	return false;
}

int
main(int argc, char **argv)
{
	struct sqlscan_dialect d;
	char *text = NULL, *out;
	size_t cap = 0, len = 0, n, outlen;
	int rc;

	if (argc < 4) {
		fprintf(stderr, "usage: sqltest chains|rename SQL_MODE CHARSET ...\n");
		return 2;
	}
	do {
		char *grown = realloc(text, cap + 65536);

		if (grown == NULL)
			return 1;
		text = grown;
		cap += 65536;
		n = fread(text + len, 1, cap - len, stdin);
		len += n;
	} while (n > 0);
	sqlscan_dialect(argv[2], argv[3], &d);
	if (strcmp(argv[1], "chains") == 0)
		rc = sqlscan_chains(text, len, &d, print_chain, NULL) == 0 ? 0 : 1;
	else if (strcmp(argv[1], "rename") == 0 && argc >= 6) {
		struct objects o = { argv + 6, argc - 6 };

		out = sqlscan_rename_db(text, len, &d, argv[4], argv[5], is_object,
		    &o, &outlen);
		if (out != NULL)
			fwrite(out, 1, outlen, stdout);
		rc = out != NULL ? 0 : 1;
		free(out);
	} else {
		fprintf(stderr, "sqltest: unknown command '%s'\n", argv[1]);
		rc = 2;
	}
	free(text);
	return rc;
}
