/* SPDX-License-Identifier: ISC */
/*
 * optfile: a small reader for the option-file format the mysql clients
 * use, so dbkit can apply the file at its place in the precedence order
 * (defaults, option file, environment, flags) instead of letting the
 * connector read it late and only for unset connect arguments.
 *
 * Every file, the first and each !include and !includedir brings in, is
 * read whole, and only if it is a regular file of at most OPTFILE_MAX
 * bytes, so "!include /dev/zero" or a FIFO is an error, not a program
 * that grows or hangs.  Lines are at most OPTFILE_LINE_MAX bytes, and one
 * run reads at most OPTFILE_FILES_MAX files and OPTFILE_TOTAL_MAX bytes
 * in all, which also ends a file that includes itself over and over.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fs.h"
#include "optfile.h"

#define MAX_INCLUDE_DEPTH 10

struct reader {
	const char *const *groups;
	optfile_fn fn;
	void *ctx;
	char *err;
	size_t errlen;
	size_t files, bytes;	/* read so far, all files together */
};

static int read_file(struct reader *r, const char *path, int depth);

static char *
trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n' ||
	    e[-1] == '\r'))
		*--e = '\0';
	return s;
}

static int
group_wanted(const struct reader *r, const char *name)
{
	const char *const *g;

	for (g = r->groups; *g != NULL; g++)
		if (strcmp(*g, name) == 0)
			return 1;
	return 0;
}

/*
 * Unquotes a value in place.  A quoted value keeps its inner spaces and
 * understands the escapes the mysql clients understand; an unquoted one
 * ends at a " #" comment.
 */
static int
unquote(char *v)
{
	char q = v[0], *in, *out;

	if (q != '"' && q != '\'') {
		for (in = v; *in != '\0'; in++)
			if (*in == '#' && (in == v || in[-1] == ' ' ||
			    in[-1] == '\t')) {
				*in = '\0';
				break;
			}
		(void)trim(v);
		return 0;
	}
	for (in = v + 1, out = v; *in != q; in++) {
		if (*in == '\0')
			return -1;
		if (*in == '\\' && in[1] != '\0') {
			in++;
			switch (*in) {
			case 'n': *out++ = '\n'; break;
			case 't': *out++ = '\t'; break;
			case 'r': *out++ = '\r'; break;
			case 's': *out++ = ' '; break;
			default: *out++ = *in; break;
			}
			continue;
		}
		*out++ = *in;
	}
	*out = '\0';
	return 0;
}

static int
cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Reads every *.cnf file in dir, in name order, as the mysql clients do. */
static int
read_dir(struct reader *r, const char *dir, int depth)
{
	DIR *d;
	struct dirent *de;
	char **names = NULL, path[4096];
	size_t n = 0, i, len;
	int rc = 0;

	if ((d = opendir(dir)) == NULL) {
		snprintf(r->err, r->errlen, "%s: %s", dir, strerror(errno));
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		len = strlen(de->d_name);
		if (len < 5 || strcmp(de->d_name + len - 4, ".cnf") != 0)
			continue;
		if (n == OPTFILE_FILES_MAX) {
			snprintf(r->err, r->errlen, "%s: more than %d option "
			    "files", dir, OPTFILE_FILES_MAX);
			rc = -1;
			break;
		}
		char **grown = realloc(names, (n + 1) * sizeof(*names));
		if (grown == NULL || (grown[n] = strdup(de->d_name)) == NULL) {
			names = grown ? grown : names;
			snprintf(r->err, r->errlen, "%s: out of memory", dir);
			rc = -1;
			break;
		}
		names = grown;
		n++;
	}
	closedir(d);
	if (rc == 0 && n > 1)
		qsort(names, n, sizeof(*names), cmp_names);
	for (i = 0; i < n; i++) {
		if (rc == 0) {
			snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
			rc = read_file(r, path, depth + 1);
		}
		free(names[i]);
	}
	free(names);
	return rc;
}

static int
read_line(struct reader *r, const char *path, int lineno, char *line,
    int *in_group, int depth)
{
	char *s = trim(line), *eq, *key, *value, msg[512];

	if (*s == '\0' || *s == '#' || *s == ';')
		return 0;
	if (strncmp(s, "!includedir", 11) == 0 && (s[11] == ' ' || s[11] == '\t'))
		return read_dir(r, trim(s + 11), depth);
	if (strncmp(s, "!include", 8) == 0 && (s[8] == ' ' || s[8] == '\t'))
		return read_file(r, trim(s + 8), depth + 1);
	if (*s == '[') {
		char *close = strchr(s, ']');
		if (close == NULL) {
			snprintf(r->err, r->errlen, "%s:%d: unterminated group name",
			    path, lineno);
			return -1;
		}
		*close = '\0';
		*in_group = group_wanted(r, trim(s + 1));
		return 0;
	}
	if (!*in_group)
		return 0;
	eq = strchr(s, '=');
	if (eq != NULL) {
		*eq = '\0';
		value = trim(eq + 1);
		if (unquote(value) == -1) {
			snprintf(r->err, r->errlen, "%s:%d: unterminated quote",
			    path, lineno);
			return -1;
		}
	} else
		value = "1";
	key = trim(s);
	for (char *p = key; *p != '\0'; p++)
		if (*p == '_')
			*p = '-';
	if (r->fn(r->ctx, key, value, msg, sizeof(msg)) == -1) {
		snprintf(r->err, r->errlen, "%s:%d: %s", path, lineno, msg);
		return -1;
	}
	return 0;
}

static int
read_file(struct reader *r, const char *path, int depth)
{
	char *text, *line, *nl;
	size_t len;
	int lineno = 0, in_group = 0, rc = 0;

	if (depth > MAX_INCLUDE_DEPTH) {
		snprintf(r->err, r->errlen, "%s: includes nested too deeply",
		    path);
		return -1;
	}
	if (++r->files > OPTFILE_FILES_MAX) {
		snprintf(r->err, r->errlen, "%s: more than %d option files in "
		    "all (an !include loop?)", path, OPTFILE_FILES_MAX);
		return -1;
	}
	if ((text = fs_read_file(path, OPTFILE_MAX, &len, r->err,
	    r->errlen)) == NULL)
		return -1;
	if ((r->bytes += len) > OPTFILE_TOTAL_MAX) {
		snprintf(r->err, r->errlen, "%s: more than %d MiB of option "
		    "files in all (an !include loop?)", path,
		    OPTFILE_TOTAL_MAX >> 20);
		rc = -1;
	}
	for (line = text; rc == 0 && line < text + len; line = nl + 1) {
		lineno++;
		if ((nl = memchr(line, '\n', len - (size_t)(line - text))) ==
		    NULL)
			nl = text + len;
		if (nl - line > OPTFILE_LINE_MAX) {
			snprintf(r->err, r->errlen, "%s:%d: line longer than %d "
			    "bytes", path, lineno, OPTFILE_LINE_MAX);
			rc = -1;
		} else if (memchr(line, '\0', (size_t)(nl - line)) != NULL) {
			snprintf(r->err, r->errlen, "%s:%d: NUL byte: not a "
			    "text file", path, lineno);
			rc = -1;
		} else {
			*nl = '\0';
			rc = read_line(r, path, lineno, line, &in_group, depth);
		}
	}
	free(text);
	return rc;
}

int
optfile_read(const char *path, const char *const *groups, optfile_fn fn,
    void *ctx, char *err, size_t errlen)
{
	struct reader r = { groups, fn, ctx, err, errlen, 0, 0 };
	char *p;

	if (read_file(&r, path, 0) == 0)
		return 0;
	/* A quoted value may hold "\n": the message stays one line. */
	for (p = err; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	return -1;
}
