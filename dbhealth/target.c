/* SPDX-License-Identifier: ISC */
/*
 * target: parsing target specs.  The syntax follows what DBAs already
 * type for the mysql clients (user@host:port), adds a readable name in
 * front, and takes a path starting with '/' as a Unix socket.  The
 * backup catalogue is a target too, named "backups", so every report
 * format shows it and the overall status counts it like a server.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conn.h"
#include "health.h"
#include "parse.h"
#include "target.h"

/* Whether the len bytes at s are ASCII letters, digits or in allowed. */
static int
all_of(const char *s, size_t len, const char *allowed)
{
	size_t i;

	if (len == 0)
		return 0;
	for (i = 0; i < len; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || (c != '\0' && strchr(allowed, c))))
			return 0;
	}
	return 1;
}

static int
bad(char *err, size_t errlen, const char *spec, const char *why)
{
	snprintf(err, errlen, "invalid target '%s': %s", spec, why);
	return -1;
}

/* Parses HOST[:PORT] or [IPV6][:PORT] into t. */
static int
parse_host_port(struct target *t, const char *spec, const char *s, char *err,
    size_t errlen)
{
	const char *host = s, *port = NULL, *close;
	size_t hostlen;
	long long v;
	char msg[128];

	if (*s == '[') {
		if ((close = strchr(s, ']')) == NULL)
			return bad(err, errlen, spec, "missing ']'");
		host = s + 1;
		hostlen = (size_t)(close - host);
		if (!all_of(host, hostlen, ":.%"))
			return bad(err, errlen, spec, "invalid IPv6 address");
		if (close[1] == ':')
			port = close + 2;
		else if (close[1] != '\0')
			return bad(err, errlen, spec, "junk after ']'");
	} else {
		const char *colon = strchr(s, ':');

		if (colon != NULL && strchr(colon + 1, ':') != NULL)
			return bad(err, errlen, spec,
			    "put an IPv6 address in brackets: [::1]:3306");
		hostlen = colon ? (size_t)(colon - s) : strlen(s);
		if (colon != NULL)
			port = colon + 1;
		if (hostlen == 0)
			return bad(err, errlen, spec, "empty host");
		if (!all_of(host, hostlen, ".-_"))
			return bad(err, errlen, spec, "invalid host name");
	}
	if ((t->host = strndup(host, hostlen)) == NULL)
		return bad(err, errlen, spec, "out of memory");
	if (port != NULL) {
		if (parse_integer(port, 1, 65535, &v, msg, sizeof(msg)) == -1)
			return bad(err, errlen, spec, "port must be 1 to 65535");
		t->conn.port = v;
	}
	return 0;
}

int
target_parse(struct target *t, const char *spec, char *err, size_t errlen)
{
	const char *rest = spec, *eq, *at, *slash;

	memset(t, 0, sizeof(*t));
	eq = strchr(spec, '=');
	if (eq != NULL) {
		if (!all_of(spec, (size_t)(eq - spec), "_.:-"))
			return bad(err, errlen, spec,
			    "a name is letters, digits and _ . : -");
		if ((t->name = strndup(spec, (size_t)(eq - spec))) == NULL)
			return bad(err, errlen, spec, "out of memory");
		rest = eq + 1;
	}
	at = strchr(rest, '@');
	slash = strchr(rest, '/');
	if (at != NULL && (slash == NULL || at < slash)) {
		if (!all_of(rest, (size_t)(at - rest), "_.-"))
			return bad(err, errlen, spec, "invalid user name");
		if ((t->user = strndup(rest, (size_t)(at - rest))) == NULL)
			return bad(err, errlen, spec, "out of memory");
		rest = at + 1;
	}
	if (*rest == '\0')
		return bad(err, errlen, spec, "empty host");
	if (*rest == '/') {
		if ((t->socket = strdup(rest)) == NULL ||
		    (t->host = strdup("localhost")) == NULL)
			return bad(err, errlen, spec, "out of memory");
	} else if (parse_host_port(t, spec, rest, err, errlen) == -1)
		return -1;
	if (t->name == NULL && (t->name = strdup(rest)) == NULL)
		return bad(err, errlen, spec, "out of memory");
	return 0;
}

int
target_default(struct target *t)
{
	memset(t, 0, sizeof(*t));
	t->name = strdup("default");
	return t->name != NULL ? 0 : -1;
}

void
target_bind(struct target *t, const struct settings *s)
{
	long long port = t->conn.port;

	t->conn = *s;
	if (port != 0)
		t->conn.port = port;
	/* A target "localhost" without a path keeps the settings' socket. */
	if (t->host != NULL) {
		t->conn.host = t->host;
		if (t->socket != NULL)
			t->conn.socket = t->socket;
	}
	if (t->user != NULL)
		t->conn.user = t->user;
	conn_address(&t->conn, t->address, sizeof(t->address));
}

int
target_add(struct target **targets, size_t *n, const char *spec, char *err,
    size_t errlen)
{
	struct target *grown = realloc(*targets, (*n + 1) * sizeof(**targets));

	if (grown == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	*targets = grown;
	if (target_parse(&grown[*n], spec, err, errlen) == -1) {
		target_free(&grown[*n]);
		return -1;
	}
	(*n)++;
	return 0;
}

int
target_read_file(const char *path, struct target **targets, size_t *n,
    char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	char *line = NULL, *s, *e, msg[512];
	size_t cap = 0;
	int lineno = 0, rc = 0;

	if (f == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	while (rc == 0 && getline(&line, &cap, f) != -1) {
		lineno++;
		for (s = line; *s == ' ' || *s == '\t'; s++)
			;
		for (e = s + strlen(s); e > s && strchr(" \t\r\n", e[-1]); e--)
			;
		*e = '\0';
		if (*s == '\0' || *s == '#')
			continue;
		if ((rc = target_add(targets, n, s, msg, sizeof(msg))) == -1)
			snprintf(err, errlen, "%s:%d: %s", path, lineno, msg);
	}
	if (rc == 0 && ferror(f)) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		rc = -1;
	}
	free(line);
	fclose(f);
	return rc;
}

int
target_add_backups(struct target **targets, size_t *n, const char *root,
    char *err, size_t errlen)
{
	struct target *grown = realloc(*targets, (*n + 1) * sizeof(**targets));
	struct target *t;

	if (grown == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	*targets = grown;
	t = memset(&grown[*n], 0, sizeof(*t));
	if ((t->name = strdup("backups")) == NULL ||
	    (t->catalog = strdup(root)) == NULL) {
		target_free(t);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	snprintf(t->address, sizeof(t->address), "%s", root);
	(*n)++;
	return 0;
}

int
target_check_unique(const struct target *targets, size_t n, char *err,
    size_t errlen)
{
	size_t i, j;

	for (i = 0; i < n; i++)
		for (j = i + 1; j < n; j++)
			if (strcmp(targets[i].name, targets[j].name) == 0) {
				snprintf(err, errlen,
				    "two targets are named '%s'",
				    targets[i].name);
				return -1;
			}
	return 0;
}

void
target_free(struct target *t)
{
	free(t->name);
	free(t->catalog);
	free(t->host);
	free(t->socket);
	free(t->user);
	free(t->checks);
	memset(t, 0, sizeof(*t));
}
