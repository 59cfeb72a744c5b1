/* SPDX-License-Identifier: ISC */
/*
 * adapt: a statement of the backup as this restore runs it.  Every
 * database the restore renames (--into, --test's scratch copies) is
 * renamed where it qualifies a name, and only there (lib/sqlscan.c reads
 * the statement in its own sql_mode and character set); --test creates
 * events disabled; --drop-existing turns CREATE into CREATE OR REPLACE.
 * The names are written in the statement's own character set, which for
 * an object made by a latin1 client is not UTF-8.
 */
#define _GNU_SOURCE
#include <iconv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "adapt.h"
#include "objects.h"
#include "sqlscan.h"

/*
 * The iconv name of a MariaDB character set a statement may be written
 * in, for a database name that is not ASCII; NULL when it is UTF-8.
 */
static const char *
iconv_charset(const char *cs)
{
	static const char *const map[][2] = {
		{ "latin1", "CP1252" }, { "latin2", "ISO-8859-2" },
		{ "latin5", "ISO-8859-9" }, { "latin7", "ISO-8859-13" },
		{ "cp1250", "CP1250" }, { "cp1251", "CP1251" },
		{ "cp1256", "CP1256" }, { "cp1257", "CP1257" },
		{ "cp850", "CP850" }, { "cp852", "CP852" }, { "cp866", "CP866" },
		{ "greek", "ISO-8859-7" }, { "hebrew", "ISO-8859-8" },
		{ "koi8r", "KOI8-R" }, { "koi8u", "KOI8-U" },
		{ "ascii", "ASCII" }, { "sjis", "SHIFT_JIS" }, { "cp932", "CP932" },
		{ "ujis", "EUC-JP" }, { "eucjpms", "EUC-JP-MS" },
		{ "gbk", "GBK" }, { "gb2312", "GB2312" }, { "gb18030", "GB18030" },
		{ "big5", "BIG5" }, { "euckr", "EUC-KR" }, { "tis620", "TIS-620" },
		{ "macroman", "MACINTOSH" }, { "armscii8", "ARMSCII-8" },
		{ "geostd8", "GEORGIAN-PS" },
	};

	if (cs == NULL || strncasecmp(cs, "utf8", 4) == 0 ||
	    strcasecmp(cs, "binary") == 0)
		return NULL;
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strcasecmp(cs, map[i][0]) == 0)
			return map[i][1];
	return "";
}

static bool
ascii(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s >= 0x80)
			return false;
	return true;
}

/* name (UTF-8) in character set cs, malloc'd; NULL with err. */
static char *
name_in_charset(const char *name, const char *cs, char *err, size_t errlen)
{
	const char *to = iconv_charset(cs);
	size_t inleft = strlen(name), outleft = 4 * inleft + 1;
	char *out, *in = (char *)name, *o;
	iconv_t ic;

	if (to == NULL || ascii(name))
		return strdup(name);
	if (to[0] == '\0' || (ic = iconv_open(to, "UTF-8")) == (iconv_t)-1) {
		snprintf(err, errlen, "cannot write the name %s in character set "
		    "%s", name, cs);
		return NULL;
	}
	if ((out = calloc(1, outleft)) != NULL) {
		o = out;
		if (iconv(ic, &in, &inleft, &o, &outleft) == (size_t)-1) {
			snprintf(err, errlen, "the name %s has no spelling in "
			    "character set %s", name, cs);
			free(out);
			out = NULL;
		}
	}
	iconv_close(ic);
	return out;
}

/*
 * Whether name is a table, sequence or object the backup holds in d: a
 * trigger's own statement may name it with its database.
 */
static bool
is_object(const char *db, const char *name, void *arg)
{
	const struct rdb *d = arg;
	json_t *o;
	size_t i;

	(void)db;
	if (objects_backup_has_table(d, name))
		return true;
	json_array_foreach(json_object_get(d->json, "objects"), i, o)
		if (strcmp(json_string_value(json_object_get(o, "name")), name) == 0)
			return true;
	for (i = 0; i < d->n_view_names; i++)
		if (strcmp(d->view_names[i], name) == 0)
			return true;
	return false;
}

/*
 * --test creates events disabled: in scratch databases they must not fire,
 * and one that names another database could change real data.  The server
 * writes the status in the header of SHOW CREATE EVENT, before " DO ".
 */
static char *
disable_event(char *stmt)
{
	char *event, *body, *enable, *out;

	if (strncmp(stmt, "CREATE ", 7) != 0 ||
	    (event = strstr(stmt, " EVENT ")) == NULL ||
	    (body = strstr(event, " DO ")) == NULL ||
	    (enable = strstr(event, " ENABLE")) == NULL || enable > body)
		return stmt;
	if (asprintf(&out, "%.*s DISABLE%s", (int)(enable - stmt), stmt,
	    enable + 7) == -1)
		out = NULL;
	free(stmt);
	return out;
}

char *
adapt_statement(const struct restore *r, const char *stmt, const char *charset,
    const char *sql_mode, size_t *len, char *err, size_t errlen)
{
	struct sqlscan_dialect dialect;
	size_t n = strlen(stmt);
	char *out = strdup(stmt), *next, *from, *to;

	sqlscan_dialect(sql_mode, charset, &dialect);
	for (size_t i = 0; out != NULL && i < r->n_dbs; i++) {
		const struct rdb *d = &r->dbs[i];

		if (!d->renamed)
			continue;
		from = name_in_charset(d->name, charset, err, errlen);
		to = from ? name_in_charset(d->target, charset, err, errlen) : NULL;
		next = to ? sqlscan_rename_db(out, n, &dialect, from, to,
		    is_object, (void *)d, &n) : NULL;
		if (to != NULL && next == NULL)
			snprintf(err, errlen, "out of memory");
		free(from);
		free(to);
		free(out);
		out = next;
	}
	if (out != NULL && r->opt->mode == MODE_TEST)
		out = disable_event(out);
	if (out != NULL && r->opt->drop_existing &&
	    strncmp(out, "CREATE ", 7) == 0 &&
	    strncmp(out, "CREATE TABLE", 12) != 0 &&
	    strncmp(out, "CREATE SEQUENCE", 15) != 0 &&
	    strncmp(out, "CREATE USER", 11) != 0 &&
	    strncmp(out, "CREATE ROLE", 11) != 0) {
		if (asprintf(&next, "CREATE OR REPLACE %s", out + 7) == -1)
			next = NULL;
		free(out);
		out = next;
	}
	if (out == NULL && err[0] == '\0')
		snprintf(err, errlen, "out of memory");
	if (out != NULL)
		*len = strlen(out);
	return out;
}
