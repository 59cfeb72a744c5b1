/* SPDX-License-Identifier: ISC */
/*
 * sqlscan: just enough of MariaDB's lexer to find qualified names in the
 * text of a view, routine, trigger, event or table: identifiers quoted
 * or not, strings, comments (executable comments are code), user and
 * system variables, and the multi-byte character sets whose second bytes
 * look like ASCII quotes.  It finds every chain of names joined by dots
 * (`db`.`t`, `db`.`t`.`col`, db.f(...)), so dbbackup can tell what a view
 * reads and dbrestore can move objects to another database by changing
 * database qualifiers, and nothing else.
 */
#ifndef DBKIT_SQLSCAN_H
#define DBKIT_SQLSCAN_H

#include <stdbool.h>
#include <stddef.h>

/* How the text was written: the object's sql_mode and character set. */
struct sqlscan_dialect {
	bool ansi_quotes;		/* "x" is an identifier, not a string */
	bool no_backslash_escapes;	/* '\' is an ordinary character */
	int mb;				/* SQLSCAN_MB_*: multi-byte lead bytes */
};

enum {
	SQLSCAN_MB_NONE,	/* ASCII-safe: utf8, latin*, EUC: no trail byte < 0x80 */
	SQLSCAN_MB_SJIS,	/* sjis, cp932 */
	SQLSCAN_MB_GBK,		/* gbk, gb18030 */
	SQLSCAN_MB_BIG5,	/* big5 */
};

/* The dialect of text written under sql_mode and character set charset. */
void sqlscan_dialect(const char *sql_mode, const char *charset,
    struct sqlscan_dialect *d);

#define SQLSCAN_MAX_PARTS 3

/* One chain of dotted names: `a`.`b` or a.b.c. */
struct sqlscan_chain {
	size_t n_parts;
	char *parts[SQLSCAN_MAX_PARTS];		/* unquoted, NUL-terminated */
	size_t start[SQLSCAN_MAX_PARTS];	/* where each part's token starts */
	size_t end[SQLSCAN_MAX_PARTS];		/* and ends, in the text */
	bool call;				/* followed by '(' */
};

/*
 * Calls fn for every chain of two or more names in text[0..len).  fn
 * returns 0 to go on or -1 to stop.  Returns 0, or -1 when fn stopped or
 * memory ran out.
 */
int sqlscan_chains(const char *text, size_t len, const struct sqlscan_dialect *d,
    int (*fn)(const struct sqlscan_chain *c, void *arg), void *arg);

/*
 * Whether a two-part chain db.name refers to an object of the database
 * (a table, view, sequence or routine), as the caller knows them.
 */
typedef bool sqlscan_is_object(const char *db, const char *name, void *arg);

/*
 * text with the database qualifier `from` replaced by `to` (both written
 * in the text's character set) wherever a chain names something in from:
 * db.t.c and db.f(...) always, db.x when is_object says x is one of from's
 * objects (`from`.`id` may be a table `from` and its column).  Only the
 * first name of a chain changes: `shop`.`shop`.`id` becomes
 * `shop2`.`shop`.`id`.  Returns a malloc'd string (its length in *outlen),
 * or NULL when out of memory.
 */
char *sqlscan_rename_db(const char *text, size_t len,
    const struct sqlscan_dialect *d, const char *from, const char *to,
    sqlscan_is_object *is_object, void *arg, size_t *outlen);

#endif
