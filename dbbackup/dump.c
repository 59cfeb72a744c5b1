/* SPDX-License-Identifier: ISC */
/*
 * dump: a chunk is one SELECT read with mysql_use_result, so rows come
 * one at a time and memory does not grow with the table.  Each row is
 * escaped into the LOAD DATA text format (lib/tsv), hashed into the
 * chunk's content checksum, and handed to the file's gzip writer, which
 * compresses a block whenever one is full.  Compression happens in the
 * worker, so N workers compress on N cores.  The workers (lib/workers)
 * take the chunks biggest first, each on its own connection to the
 * shared snapshot.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mysqld_error.h>

#include "chunk.h"
#include "dump.h"
#include "gzw.h"
#include "sha256.h"
#include "name.h"
#include "output.h"
#include "tsv.h"
#include "workers.h"

#define LINE_FLUSH (256u << 10)	/* hand escaped rows to gzw in batches */

struct queue {
	struct backup *b;
	struct chunk **chunks;	/* biggest first */
	size_t n, next;
};

/* A worker's own: its connection to the snapshot and its line buffer. */
struct dumper {
	MYSQL *m;
	char *line;		/* escaped rows waiting for gzw_write */
	size_t line_cap;
};

static int
select_sql(const struct chunk *c, char **out)
{
	const struct table *t = c->table;
	char qdb[2 * 256 + 3], qt[2 * 256 + 3], where[CHUNK_WHERE_MAX];
	size_t i, len = 64;
	char *sql, *p;

	if (name_quote(t->db->name, qdb, sizeof(qdb)) == -1 ||
	    name_quote(t->name, qt, sizeof(qt)) == -1 ||
	    chunk_where(c, where, sizeof(where)) == -1)
		return -1;
	for (i = 0; i < t->n_columns; i++)
		len += strlen(t->columns[i].select) + 2;
	len += strlen(qdb) + strlen(qt) + strlen(where) + 32;
	if ((sql = malloc(len)) == NULL)
		return -1;
	/* A table of virtual columns only still has rows: one empty line each. */
	p = sql + sprintf(sql, "SELECT %s", t->n_columns == 0 ? "1" : "");
	for (i = 0; i < t->n_columns; i++)
		p += sprintf(p, "%s%s", i ? ", " : "", t->columns[i].select);
	sprintf(p, " FROM %s.%s%s%s", qdb, qt, t->versioned ?
	    " FOR SYSTEM_TIME ALL" : "", where);
	*out = sql;
	return 0;
}

/* Makes room for need more bytes in the worker's line buffer. */
static int
reserve(struct dumper *w, size_t used, size_t need)
{
	char *grown;
	size_t cap = w->line_cap;

	if (used + need <= cap)
		return 0;
	while (cap < used + need)
		cap = cap ? cap * 2 : LINE_FLUSH * 2;
	if ((grown = realloc(w->line, cap)) == NULL)
		return -1;
	w->line = grown;
	w->line_cap = cap;
	return 0;
}

/* A job of the workers: writes chunk c on the worker's connection. */
static int
dump_chunk(struct workers *pool, void *state, void *job, char *err,
    size_t errlen)
{
	struct backup *b = ((struct queue *)workers_ctx(pool))->b;
	struct dumper *w = state;
	struct chunk *c = job;
	struct gzw *out;
	MYSQL_RES *res;
	MYSQL_ROW row;
	unsigned long *lens;
	unsigned int n;
	size_t used = 0, start;
	uint64_t rows_reported = 0;
	char *sql;
	int rc = 0;

	if (select_sql(c, &sql) == -1) {
		snprintf(err, errlen, "%s.%s: cannot build the query",
		    c->table->db->name, c->table->name);
		return -1;
	}
	if (mysql_real_query(w->m, sql, (unsigned long)strlen(sql)) != 0 ||
	    (res = mysql_use_result(w->m)) == NULL) {
		/* Only the locked tables' reads have a short lock wait (snapshot.c). */
		snprintf(err, errlen, "%s.%s: %s%s", c->table->db->name,
		    c->table->name, mysql_error(w->m),
		    mysql_errno(w->m) == ER_LOCK_WAIT_TIMEOUT ? " (a write to "
		    "it outlasted --lock-wait-timeout, while the backup held "
		    "back writes to every non-transactional table)" : "");
		free(sql);
		return -1;
	}
	free(sql);
	if ((out = output_file_open(b, c->file, b->opt->level, err,
	    errlen)) == NULL) {
		mysql_free_result(res);
		return -1;
	}
	n = c->table->n_columns == 0 ? 0 : mysql_num_fields(res);
	while ((row = mysql_fetch_row(res)) != NULL) {
		lens = mysql_fetch_lengths(res);
		if (reserve(w, used, tsv_row_max(row, lens, n)) == -1) {
			snprintf(err, errlen, "out of memory");
			rc = -1;
			break;
		}
		start = used;
		used += tsv_format_row(row, lens, n, w->line + used);
		c->checksum += hash_row(w->line + start, used - start);
		w->line[used++] = '\n';
		c->rows++;
		if (used >= LINE_FLUSH) {
			if (gzw_write(out, w->line, used, err, errlen) == -1) {
				rc = -1;
				break;
			}
			progress_add(&b->progress, c->rows - rows_reported, used);
			rows_reported = c->rows;
			used = 0;
		}
		if (workers_failed(pool))
			break;
	}
	if (rc == 0 && mysql_errno(w->m) != 0) {
		snprintf(err, errlen, "%s.%s: %s", c->table->db->name,
		    c->table->name, mysql_error(w->m));
		rc = -1;
	}
	mysql_free_result(res);
	if (rc == 0 && used > 0 && gzw_write(out, w->line, used, err, errlen) == -1)
		rc = -1;
	if (rc == -1) {
		gzw_abort(out);
		return -1;
	}
	progress_add(&b->progress, c->rows - rows_reported, used);
	if (output_file_close(b, out, c->file, &c->raw_bytes, err, errlen) == -1)
		return -1;
	progress_chunk_done(&b->progress);
	return 0;
}

static void *
next_chunk(struct workers *pool, void *done)
{
	struct queue *q = workers_ctx(pool);

	(void)done;
	return q->next < q->n ? q->chunks[q->next++] : NULL;
}

/* Biggest tables first, so the last chunk to finish is a small one. */
static int
cmp_chunks(const void *a, const void *b)
{
	const struct chunk *x = *(struct chunk *const *)a;
	const struct chunk *y = *(struct chunk *const *)b;
	long long sx = x->table->data_bytes / (long long)x->table->n_chunks;
	long long sy = y->table->data_bytes / (long long)y->table->n_chunks;

	return (sx < sy) - (sx > sy);
}

void
dump_expect(struct backup *b)
{
	unsigned int chunks = 0;
	unsigned long long rows = 0;

	for (size_t i = 0; i < b->n_dbs; i++)
		for (size_t j = 0; j < b->dbs[i].n_tables; j++) {
			const struct table *t = &b->dbs[i].tables[j];

			chunks += t->n_chunks;
			if (!t->is_sequence && t->estimated_rows > 0)
				rows += (unsigned long long)t->estimated_rows;
		}
	progress_expect(&b->progress, chunks, rows, 0);
}

int
dump_tables(struct backup *b, bool (*want)(const struct table *), char *err,
    size_t errlen)
{
	struct queue q = { .b = b };
	struct workers_spec spec = { .n_threads = b->n_workers, .ctx = &q,
	    .next = next_chunk, .run = dump_chunk };
	struct dumper *dumpers;
	size_t i, j, k, total = 0;
	int rc;

	for (i = 0; i < b->n_dbs; i++)
		for (j = 0; j < b->dbs[i].n_tables; j++)
			if (want(&b->dbs[i].tables[j]))
				total += b->dbs[i].tables[j].n_chunks;
	if (total == 0)
		return 0;
	q.chunks = calloc(total, sizeof(*q.chunks));
	dumpers = calloc(b->n_workers, sizeof(*dumpers));
	if (q.chunks == NULL || dumpers == NULL) {
		free(q.chunks);
		free(dumpers);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (i = 0; i < b->n_dbs; i++)
		for (j = 0; j < b->dbs[i].n_tables; j++)
			if (want(&b->dbs[i].tables[j]))
				for (k = 0; k < b->dbs[i].tables[j].n_chunks; k++)
					q.chunks[q.n++] = &b->dbs[i].tables[j].chunks[k];
	qsort(q.chunks, q.n, sizeof(*q.chunks), cmp_chunks);
	for (i = 0; i < b->n_workers; i++)
		dumpers[i].m = b->workers[i];
	spec.states = dumpers;
	spec.state_size = sizeof(*dumpers);
	rc = workers_run(&spec, err, errlen);
	for (i = 0; i < b->n_workers; i++)
		free(dumpers[i].line);
	free(dumpers);
	free(q.chunks);
	return rc;
}
