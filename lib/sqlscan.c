/* SPDX-License-Identifier: ISC */
/*
 * sqlscan: a lexer that sees only what a qualified name needs.  Tokens are
 * names (unquoted words, `quoted`, and "quoted" under ANSI_QUOTES), dots,
 * opening parentheses, and "other" (strings, numbers, variables,
 * operators); white space and comments separate them.  A chain is a name
 * followed by (dot, name) pairs.  Executable comments (opened by slash,
 * star and "!" or "M!", with an optional version number) are read as the
 * code they hold, as the server does.  In the
 * character sets whose second byte of a character can be a quote or a
 * backslash (sjis, cp932, gbk, big5), a lead byte takes its trail byte
 * with it, so a quote inside a character never ends a string.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sqlscan.h"

enum tok { TOK_END, TOK_NAME, TOK_DOT, TOK_PAREN, TOK_OTHER };

struct lexer {
	const unsigned char *s;
	size_t len, pos;
	const struct sqlscan_dialect *d;
	int exec_comments;	/* open executable comments */
};

struct token {
	enum tok kind;
	size_t start, end;
	char *name;		/* TOK_NAME: unquoted, malloc'd */
};

void
sqlscan_dialect(const char *sql_mode, const char *charset,
    struct sqlscan_dialect *d)
{
	const char *m = sql_mode != NULL ? sql_mode : "";

	memset(d, 0, sizeof(*d));
	/* ANSI and ORACLE modes include ANSI_QUOTES; whole words only. */
	for (const char *p = m; *p != '\0';) {
		size_t n = strcspn(p, ",");

		if ((n == 11 && strncasecmp(p, "ANSI_QUOTES", n) == 0) ||
		    (n == 4 && strncasecmp(p, "ANSI", n) == 0) ||
		    (n == 6 && strncasecmp(p, "ORACLE", n) == 0) ||
		    (n == 10 && strncasecmp(p, "POSTGRESQL", n) == 0) ||
		    (n == 5 && (strncasecmp(p, "MSSQL", n) == 0 ||
		    strncasecmp(p, "MAXDB", n) == 0)) ||
		    (n == 3 && strncasecmp(p, "DB2", n) == 0))
			d->ansi_quotes = true;
		if (n == 20 && strncasecmp(p, "NO_BACKSLASH_ESCAPES", n) == 0)
			d->no_backslash_escapes = true;
		p += n + (p[n] == ',');
	}
	if (charset == NULL)
		return;
	if (strcasecmp(charset, "sjis") == 0 || strcasecmp(charset, "cp932") == 0)
		d->mb = SQLSCAN_MB_SJIS;
	else if (strcasecmp(charset, "gbk") == 0 ||
	    strcasecmp(charset, "gb18030") == 0)
		d->mb = SQLSCAN_MB_GBK;
	else if (strcasecmp(charset, "big5") == 0)
		d->mb = SQLSCAN_MB_BIG5;
}

/* Bytes in the character at p: 2 for a lead byte and its trail byte. */
static size_t
char_len(const struct lexer *lx, size_t at)
{
	unsigned c = lx->s[at];
	int lead = 0;

	switch (lx->d->mb) {
	case SQLSCAN_MB_SJIS:
		lead = (c >= 0x81 && c <= 0x9f) || (c >= 0xe0 && c <= 0xfc);
		break;
	case SQLSCAN_MB_GBK:
		lead = c >= 0x81 && c <= 0xfe;
		break;
	case SQLSCAN_MB_BIG5:
		lead = c >= 0xa1 && c <= 0xf9;
		break;
	}
	return lead && at + 1 < lx->len ? 2 : 1;
}

static bool
word_byte(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '_' || c == '$' || c >= 0x80;
}

/* Skips a string or quoted name that opens at lx->pos with quote q. */
static void
skip_quoted(struct lexer *lx, unsigned char q, bool escapes)
{
	lx->pos++;
	while (lx->pos < lx->len) {
		unsigned char c = lx->s[lx->pos];

		if (c == q) {
			if (lx->pos + 1 < lx->len && lx->s[lx->pos + 1] == q) {
				lx->pos += 2;
				continue;
			}
			lx->pos++;
			return;
		}
		if (c == '\\' && escapes && lx->pos + 1 < lx->len) {
			lx->pos++;
			lx->pos += char_len(lx, lx->pos);
			continue;
		}
		lx->pos += char_len(lx, lx->pos);
	}
}

/* The name a quoted identifier at [start, end) spells: quotes undone. */
static char *
unquote(const struct lexer *lx, size_t start, size_t end)
{
	unsigned char q = lx->s[start];
	char *out = malloc(end - start + 1), *o = out;
	size_t i = start + 1, stop = end;

	if (out == NULL)
		return NULL;
	if (stop > i && lx->s[stop - 1] == q)
		stop--;
	while (i < stop) {
		if (lx->s[i] == q && i + 1 < stop && lx->s[i + 1] == q)
			i++;
		*o++ = (char)lx->s[i++];
	}
	*o = '\0';
	return out;
}

/* Skips white space and comments; false at the end of the text. */
static bool
skip_space(struct lexer *lx)
{
	const unsigned char *s = lx->s;

	while (lx->pos < lx->len) {
		unsigned char c = s[lx->pos];
		size_t left = lx->len - lx->pos;

		if (c == ' ' || c == '\t' || c == '\n' || c == '\r' ||
		    c == '\f' || c == '\v') {
			lx->pos++;
		} else if (c == '#' || (c == '-' && left >= 2 &&
		    s[lx->pos + 1] == '-' && (left == 2 ||
		    s[lx->pos + 2] <= ' '))) {
			while (lx->pos < lx->len && s[lx->pos] != '\n')
				lx->pos++;
		} else if (c == '/' && left >= 2 && s[lx->pos + 1] == '*') {
			size_t p = lx->pos + 2;

			if (p < lx->len && s[p] == 'M' && p + 1 < lx->len &&
			    s[p + 1] == '!')
				p++;
			if (p < lx->len && s[p] == '!') {
				/* Code for the server: read on inside. */
				p++;
				while (p < lx->len && s[p] >= '0' && s[p] <= '9')
					p++;
				lx->pos = p;
				lx->exec_comments++;
				continue;
			}
			p = lx->pos + 2;
			while (p + 1 < lx->len && !(s[p] == '*' && s[p + 1] == '/'))
				p++;
			lx->pos = p + 1 < lx->len ? p + 2 : lx->len;
		} else if (c == '*' && left >= 2 && s[lx->pos + 1] == '/' &&
		    lx->exec_comments > 0) {
			lx->exec_comments--;
			lx->pos += 2;
		} else
			return true;
	}
	return false;
}

/* A word starting with a digit is a number unless it has letters past an exponent. */
static bool
is_number(const unsigned char *w, size_t n)
{
	size_t i = 0;

	if (n >= 2 && w[0] == '0' && (w[1] == 'x' || w[1] == 'b'))
		return true;
	while (i < n && w[i] >= '0' && w[i] <= '9')
		i++;
	if (i < n && (w[i] == 'e' || w[i] == 'E')) {
		i++;
		while (i < n && w[i] >= '0' && w[i] <= '9')
			i++;
	}
	return i == n;
}

/* Reads the next token.  0, or -1 when out of memory. */
static int
next_token(struct lexer *lx, struct token *t)
{
	const unsigned char *s = lx->s;
	unsigned char c;

	t->name = NULL;
	if (!skip_space(lx)) {
		t->kind = TOK_END;
		t->start = t->end = lx->len;
		return 0;
	}
	t->start = lx->pos;
	c = s[lx->pos];
	if (c == '`' || (c == '"' && lx->d->ansi_quotes)) {
		skip_quoted(lx, c, false);
		t->kind = TOK_NAME;
		t->end = lx->pos;
		return (t->name = unquote(lx, t->start, t->end)) == NULL ? -1 : 0;
	}
	t->kind = TOK_OTHER;
	if (c == '\'' || c == '"') {
		skip_quoted(lx, c, !lx->d->no_backslash_escapes);
	} else if (c == '.') {
		lx->pos++;
		t->kind = TOK_DOT;
	} else if (c == '(') {
		lx->pos++;
		t->kind = TOK_PAREN;
	} else if (c == '@') {
		/* @var, @@scope.var, @`quoted`: never part of a chain. */
		while (lx->pos < lx->len && s[lx->pos] == '@')
			lx->pos++;
		if (lx->pos < lx->len && (s[lx->pos] == '`' || s[lx->pos] == '\'' ||
		    s[lx->pos] == '"'))
			skip_quoted(lx, s[lx->pos], s[lx->pos] != '`');
		else
			while (lx->pos < lx->len && (word_byte(s[lx->pos]) ||
			    s[lx->pos] == '.'))
				lx->pos += char_len(lx, lx->pos);
	} else if (word_byte(c)) {
		while (lx->pos < lx->len && word_byte(s[lx->pos]))
			lx->pos += char_len(lx, lx->pos);
		if (c >= '0' && c <= '9' && is_number(s + t->start,
		    lx->pos - t->start)) {
			/* 1.5 and 1.5e3: the fraction belongs to the number. */
			while (lx->pos < lx->len && (word_byte(s[lx->pos]) ||
			    s[lx->pos] == '.'))
				lx->pos++;
		} else {
			t->kind = TOK_NAME;
			t->name = strndup((const char *)s + t->start,
			    lx->pos - t->start);
			if (t->name == NULL)
				return -1;
		}
	} else
		lx->pos += char_len(lx, lx->pos);
	t->end = lx->pos;
	return 0;
}

static void
chain_clear(struct sqlscan_chain *c)
{
	for (size_t i = 0; i < c->n_parts; i++)
		free(c->parts[i]);
	memset(c, 0, sizeof(*c));
}

int
sqlscan_chains(const char *text, size_t len, const struct sqlscan_dialect *d,
    int (*fn)(const struct sqlscan_chain *c, void *arg), void *arg)
{
	struct lexer lx = { .s = (const unsigned char *)text, .len = len, .d = d };
	struct sqlscan_chain c = { 0 };
	struct token t, look;
	int rc = 0;

	if (next_token(&lx, &t) == -1)
		return -1;
	while (t.kind != TOK_END && rc == 0) {
		if (t.kind != TOK_NAME) {
			if ((rc = next_token(&lx, &t)) == -1)
				break;
			continue;
		}
		/* A name: collect the chain it starts. */
		c.parts[0] = t.name;
		c.start[0] = t.start;
		c.end[0] = t.end;
		c.n_parts = 1;
		for (;;) {
			if ((rc = next_token(&lx, &look)) == -1)
				break;
			if (look.kind != TOK_DOT)
				break;
			if ((rc = next_token(&lx, &look)) == -1)
				break;
			if (look.kind != TOK_NAME)
				break;
			if (c.n_parts < SQLSCAN_MAX_PARTS) {
				c.parts[c.n_parts] = look.name;
				c.start[c.n_parts] = look.start;
				c.end[c.n_parts] = look.end;
				c.n_parts++;
			} else
				free(look.name);
		}
		if (rc == 0 && c.n_parts >= 2) {
			c.call = look.kind == TOK_PAREN;
			rc = fn(&c, arg);
		}
		chain_clear(&c);
		t = look;	/* the token after the chain starts the next round */
	}
	free(t.name);
	return rc;
}

struct rename {
	const char *from, *to;
	sqlscan_is_object *is_object;
	void *arg;
	const char *text;
	char *out;
	size_t used, cap, copied;	/* copied: text before it is in out */
	int failed;
};

static int
append(struct rename *r, const char *p, size_t n)
{
	if (r->used + n + 1 > r->cap) {
		size_t cap = (r->used + n + 1) * 2;
		char *grown = realloc(r->out, cap);

		if (grown == NULL)
			return -1;
		r->out = grown;
		r->cap = cap;
	}
	memcpy(r->out + r->used, p, n);
	r->used += n;
	r->out[r->used] = '\0';
	return 0;
}

static int
rename_chain(const struct sqlscan_chain *c, void *arg)
{
	struct rename *r = arg;
	const char *to = r->to;

	if (strcmp(c->parts[0], r->from) != 0)
		return 0;
	if (c->n_parts == 2 && !c->call &&
	    (r->is_object == NULL || !r->is_object(r->from, c->parts[1], r->arg)))
		return 0;
	if (append(r, r->text + r->copied, c->start[0] - r->copied) == -1 ||
	    append(r, "`", 1) == -1)
		return -1;
	for (; *to != '\0'; to++)
		if (append(r, to, 1) == -1 || (*to == '`' && append(r, "`", 1) == -1))
			return -1;
	if (append(r, "`", 1) == -1)
		return -1;
	r->copied = c->end[0];
	return 0;
}

char *
sqlscan_rename_db(const char *text, size_t len, const struct sqlscan_dialect *d,
    const char *from, const char *to, sqlscan_is_object *is_object, void *arg,
    size_t *outlen)
{
	struct rename r = { .from = from, .to = to, .is_object = is_object,
	    .arg = arg, .text = text };

	if (sqlscan_chains(text, len, d, rename_chain, &r) == -1 ||
	    append(&r, text + r.copied, len - r.copied) == -1) {
		free(r.out);
		return NULL;
	}
	*outlen = r.used;
	return r.out;
}
