/* SPDX-License-Identifier: ISC */
/*
 * parsetest: a driver for tests/lib.bats that feeds one value to one of
 * lib/parse.c's functions and prints the result or the error, so the
 * strict-parsing rules are tested as a table of inputs and outputs.
 *
 *	parsetest integer|number|duration|size|bool VALUE
 */
#include <stdio.h>
#include <string.h>

#include "parse.h"

int
main(int argc, char **argv)
{
	char err[256];
	long long v;
	double d;
	bool b;
	int rc;

	if (argc != 3) {
		fprintf(stderr, "usage: parsetest KIND VALUE\n");
		return 2;
	}
	if (strcmp(argv[1], "integer") == 0)
		rc = parse_integer(argv[2], -100, 1000000, &v, err, sizeof(err));
	else if (strcmp(argv[1], "duration") == 0)
		rc = parse_duration_ms(argv[2], 1000, &v, err, sizeof(err));
	else if (strcmp(argv[1], "size") == 0)
		rc = parse_size(argv[2], &v, err, sizeof(err));
	else if (strcmp(argv[1], "number") == 0) {
		rc = parse_number(argv[2], &d, err, sizeof(err));
		if (rc == 0)
			printf("%g\n", d);
		goto out;
	} else if (strcmp(argv[1], "bool") == 0) {
		rc = parse_bool(argv[2], &b, err, sizeof(err));
		if (rc == 0)
			printf("%s\n", b ? "true" : "false");
		goto out;
	} else {
		fprintf(stderr, "parsetest: unknown kind '%s'\n", argv[1]);
		return 2;
	}
	if (rc == 0)
		printf("%lld\n", v);
out:
	if (rc != 0)
		printf("error: %s\n", err);
	return rc == 0 ? 0 : 1;
}
