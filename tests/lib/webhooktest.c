/* SPDX-License-Identifier: ISC */
/*
 * webhooktest: a driver for tests/webhook.bats.  It posts its standard
 * input to a URL with dbhealth/webhook.c, the code dbhealth sends its
 * alerts with, and prints "ok", or the error on stderr and exits 1; or it
 * prints a URL as messages show it.
 *
 *	webhooktest URL [--ca FILE] [--timeout MS] < BODY
 *	webhooktest --redact URL
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../dbhealth/webhook.h"

static void
usage(void)
{
	fprintf(stderr, "usage: webhooktest URL [--ca FILE] [--timeout MS] "
	    "< BODY\n       webhooktest --redact URL\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	const char *url, *ca_file = NULL;
	char *body = NULL, err[1024], *end;
	size_t cap = 0, len = 0, n;
	long long timeout_ms = 10000;

	if (argc == 3 && strcmp(argv[1], "--redact") == 0) {
		webhook_redact(argv[2], err, sizeof(err));
		printf("%s\n", err);
		return 0;
	}
	if (argc < 2 || argv[1][0] == '-')
		usage();
	url = argv[1];
	for (int i = 2; i < argc; i += 2) {
		if (i + 1 >= argc)
			usage();
		if (strcmp(argv[i], "--ca") == 0)
			ca_file = argv[i + 1];
		else if (strcmp(argv[i], "--timeout") == 0) {
			errno = 0;
			timeout_ms = strtoll(argv[i + 1], &end, 10);
			if (errno != 0 || end == argv[i + 1] || *end != '\0')
				usage();
		} else
			usage();
	}
	do {
		char *grown = realloc(body, cap + 65536 + 1);

		if (grown == NULL)
			return 1;
		body = grown;
		cap += 65536;
		n = fread(body + len, 1, cap - len, stdin);
		len += n;
	} while (n > 0);
	body[len] = '\0';
	if (webhook_post(url, body, ca_file, timeout_ms, err, sizeof(err)) == -1) {
		fprintf(stderr, "%s\n", err);
		free(body);
		return 1;
	}
	free(body);
	printf("ok\n");
	return 0;
}
