/* SPDX-License-Identifier: ISC */
/*
 * table: keeps every cell until printing, because a column's width is
 * only known once the last row is in.  Reports are small, so a flat
 * array of strings is enough.
 */
#include <stdlib.h>
#include <string.h>

#include "table.h"

struct table {
	size_t ncols, nrows, cap;
	char **cells;		/* (nrows + 1) * ncols, the header row first */
};

/* Characters in a UTF-8 string: every byte that does not continue one. */
static size_t
text_width(const char *s)
{
	size_t n = 0;

	for (; *s != '\0'; s++)
		if (((unsigned char)*s & 0xC0) != 0x80)
			n++;
	return n;
}

int
table_add(struct table *t, const char *const *cells)
{
	size_t i, base;

	if (t->nrows + 1 >= t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 16;
		char **grown = realloc(t->cells, cap * t->ncols * sizeof(char *));

		if (grown == NULL)
			return -1;
		t->cells = grown;
		t->cap = cap;
	}
	base = t->nrows * t->ncols;
	for (i = 0; i < t->ncols; i++) {
		t->cells[base + i] = strdup(cells[i] ? cells[i] : "");
		if (t->cells[base + i] == NULL) {
			while (i-- > 0)
				free(t->cells[base + i]);
			return -1;
		}
	}
	t->nrows++;
	return 0;
}

struct table *
table_new(size_t ncols, const char *const *headers)
{
	struct table *t = calloc(1, sizeof(*t));

	if (t == NULL)
		return NULL;
	t->ncols = ncols;
	if (table_add(t, headers) == -1) {
		free(t);
		return NULL;
	}
	return t;
}

void
table_print(const struct table *t, FILE *f)
{
	size_t r, c, w, *width = calloc(t->ncols, sizeof(size_t));

	if (width == NULL)
		return;
	for (r = 0; r < t->nrows; r++)
		for (c = 0; c < t->ncols; c++)
			if ((w = text_width(t->cells[r * t->ncols + c])) > width[c])
				width[c] = w;
	for (r = 0; r < t->nrows; r++) {
		size_t last = t->ncols - 1;

		/* No padding after the last cell that has text. */
		while (last > 0 && t->cells[r * t->ncols + last][0] == '\0')
			last--;
		for (c = 0; c <= last; c++) {
			const char *cell = t->cells[r * t->ncols + c];

			fputs(cell, f);
			if (c == last)
				break;
			for (w = text_width(cell); w < width[c] + 2; w++)
				fputc(' ', f);
		}
		fputc('\n', f);
	}
	free(width);
}

void
table_free(struct table *t)
{
	size_t i;

	if (t == NULL)
		return;
	for (i = 0; i < t->nrows * t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	free(t);
}
