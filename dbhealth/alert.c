/* SPDX-License-Identifier: ISC */
/*
 * alert: the JSON and a newline go to the command's standard input
 * (pipeto.c), its environment says why it runs.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alert.h"
#include "pipeto.h"

int
alert_run(const char *command, const char *json, const char *previous,
    const char *now, const char *reason, long long timeout_ms, char *err,
    size_t errlen)
{
	char *argv[] = { "sh", "-c", (char *)command, NULL };
	char st[64], prev[64], why[64], *env[] = { st, prev, why, NULL };
	size_t len = strlen(json);
	char *input = malloc(len + 1);
	int rc;

	if (input == NULL) {
		snprintf(err, errlen, "alert command: out of memory");
		return -1;
	}
	memcpy(input, json, len);
	input[len] = '\n';
	snprintf(st, sizeof(st), "DBHEALTH_STATUS=%s", now);
	snprintf(prev, sizeof(prev), "DBHEALTH_PREVIOUS_STATUS=%s", previous);
	snprintf(why, sizeof(why), "DBHEALTH_ALERT=%s", reason);
	rc = pipe_to("/bin/sh", argv, env, input, len + 1, timeout_ms,
	    "alert command", err, errlen);
	free(input);
	return rc;
}
