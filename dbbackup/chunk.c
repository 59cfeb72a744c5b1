/* SPDX-License-Identifier: ISC */
/*
 * chunk: a table with a single-column integer primary key and more
 * estimated rows than --chunk-rows is split into ranges of its key,
 * about chunk_rows rows each if the keys are dense.  The ranges come
 * from the key's MIN and MAX: ranges of equal width from MIN, as many as
 * the estimated rows over chunk_rows (fewer if there are fewer possible
 * keys).  The first chunk
 * is open below and the last open above, so a row written between the
 * plan and the snapshot, or a history row of a versioned table, still
 * falls in exactly one chunk.
 *
 * Key values span -2^63 .. 2^64-1 across the integer types, more than
 * any one C integer type holds, so every key is mapped to a uint64_t
 * that keeps the order: unsigned keys as they are, signed ones offset by
 * 2^63.  The ranges are computed there, where no step can overflow, and
 * printed back in the key's own type.  Values are parsed digit by digit
 * and printed as a sign and a uint64_t magnitude, not with strtoll and
 * %lld, which know one of the two domains only.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chunk.h"
#include "name.h"

#define SQL_MAX 4096
#define SIGN_OFFSET (UINT64_C(1) << 63)	/* where signed 0 maps to */

/*
 * Reads a key value as the server prints it (decimal, '-' for negative,
 * leading zeros for ZEROFILL) into its place in the uint64_t order.
 * 0, or -1 when it is not a value of the key's type.
 */
static int
key_parse(const char *s, bool is_unsigned, uint64_t *out)
{
	bool negative = *s == '-';
	uint64_t mag = 0;
	unsigned digit;

	if (negative)
		s++;
	if (*s == '\0' || (negative && is_unsigned))
		return -1;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		digit = (unsigned)(*s - '0');
		if (mag > (UINT64_MAX - digit) / 10)
			return -1;
		mag = mag * 10 + digit;
	}
	if (is_unsigned)
		*out = mag;
	else if (negative && mag <= SIGN_OFFSET)
		*out = SIGN_OFFSET - mag;
	else if (!negative && mag < SIGN_OFFSET)
		*out = SIGN_OFFSET + mag;
	else
		return -1;
	return 0;
}

/* Prints a mapped key value back as a literal of the key's type. */
static void
key_format(uint64_t v, bool is_unsigned, char *out, size_t outlen)
{
	if (is_unsigned || v >= SIGN_OFFSET)
		snprintf(out, outlen, "%" PRIu64, is_unsigned ? v :
		    v - SIGN_OFFSET);
	else
		snprintf(out, outlen, "-%" PRIu64, SIGN_OFFSET - v);
}

/*
 * The key's MIN and MAX, mapped; *found false for an empty table.
 * 0, or -1 with err.
 */
static int
key_range(MYSQL *m, const struct table *t, uint64_t *lo, uint64_t *hi,
    bool *found, char *err, size_t errlen)
{
	char sql[SQL_MAX], qdb[2 * 256 + 3], qt[2 * 256 + 3], qkey[2 * 256 + 3];
	MYSQL_RES *res;
	MYSQL_ROW row;
	int rc = 0;

	if (name_quote(t->db->name, qdb, sizeof(qdb)) == -1 ||
	    name_quote(t->name, qt, sizeof(qt)) == -1 ||
	    name_quote(t->key, qkey, sizeof(qkey)) == -1) {
		snprintf(err, errlen, "name too long");
		return -1;
	}
	snprintf(sql, sizeof(sql), "SELECT MIN(%s), MAX(%s) FROM %s.%s%s", qkey,
	    qkey, qdb, qt, t->versioned ? " FOR SYSTEM_TIME ALL" : "");
	if (mysql_query(m, sql) != 0 || (res = mysql_store_result(m)) == NULL) {
		snprintf(err, errlen, "%s", mysql_error(m));
		return -1;
	}
	*found = false;
	if ((row = mysql_fetch_row(res)) != NULL && row[0] != NULL &&
	    row[1] != NULL) {
		if (key_parse(row[0], t->key_unsigned, lo) == -1 ||
		    key_parse(row[1], t->key_unsigned, hi) == -1 || *lo > *hi) {
			snprintf(err, errlen, "key %s: unexpected range %.30s to "
			    "%.30s for a%s integer", t->key, row[0], row[1],
			    t->key_unsigned ? "n unsigned" : " signed");
			rc = -1;
		} else
			*found = true;
	}
	mysql_free_result(res);
	return rc;
}

int
chunk_plan(struct backup *b, struct table *t, char *err, size_t errlen)
{
	long long est = t->estimated_rows, per = b->opt->chunk_rows;
	uint64_t lo = 0, hi = 0, wanted = 1, width = 0, n = 1, i;
	bool found = false;

	if (t->key != NULL && est > per) {
		if (key_range(b->ctl, t, &lo, &hi, &found, err, errlen) == -1)
			return -1;
		if (found)
			wanted = (uint64_t)(est / per + (est % per != 0));
	}
	/*
	 * width > (hi - lo) / wanted, so wanted ranges of it reach past hi;
	 * the boundaries lo + i * width for i = 1 .. n - 1 are the ones up
	 * to hi, where i * width <= hi - lo cannot overflow.  n <= wanted,
	 * and n <= hi - lo + 1: no range is empty of possible keys.
	 */
	if (wanted > 1) {
		width = (hi - lo) / wanted + 1;
		n = (hi - lo) / width + 1;
	}
	if ((t->chunks = calloc((size_t)n, sizeof(*t->chunks))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	t->n_chunks = (size_t)n;
	for (i = 0; i < n; i++) {
		struct chunk *c = &t->chunks[i];

		c->table = t;
		c->index = (int)i + 1;
		c->has_lo = i > 0;
		c->has_hi = i + 1 < n;
		if (c->has_lo)
			key_format(lo + i * width, t->key_unsigned, c->lo,
			    sizeof(c->lo));
		if (c->has_hi)
			key_format(lo + (i + 1) * width, t->key_unsigned, c->hi,
			    sizeof(c->hi));
		snprintf(c->file, sizeof(c->file), "%s/%s.%05d.tsv%s", t->db->dir,
		    t->file_name, c->index, compression_suffix(b->opt->codec));
	}
	return 0;
}

int
chunk_where(const struct chunk *c, char *out, size_t outlen)
{
	char key[2 * 256 + 3];
	int len;

	if (!c->has_lo && !c->has_hi) {
		if (outlen > 0)
			out[0] = '\0';
		return outlen > 0 ? 0 : -1;
	}
	if (name_quote(c->table->key, key, sizeof(key)) == -1)
		return -1;
	if (c->has_lo && c->has_hi)
		len = snprintf(out, outlen, " WHERE %s >= %s AND %s < %s", key,
		    c->lo, key, c->hi);
	else if (c->has_lo)
		len = snprintf(out, outlen, " WHERE %s >= %s", key, c->lo);
	else
		len = snprintf(out, outlen, " WHERE %s < %s", key, c->hi);
	return len < 0 || (size_t)len >= outlen ? -1 : 0;
}
