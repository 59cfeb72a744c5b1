/* SPDX-License-Identifier: ISC */
/*
 * progress: a total is shown only in the unit of its count and only
 * while the count is below it, so the line never promises what the run
 * will not reach: an estimate that the count passes is dropped, and the
 * final line shows what was done, without totals.  The rate is the
 * average since the start, steady enough for an estimate and in need of
 * no history; the ETA is what is left at the rate the count has moved,
 * in bytes when their total is known, else in rows.  The line ends in
 * spaces so a shorter line overwrites a longer one cleanly after the
 * carriage return.
 */
#include <stdio.h>

#include "progress.h"

/* Prints ", ETA ..." for left units at rate units per second. */
static void
show_eta(FILE *f, double left, double rate)
{
	long long eta;

	if (left <= 0 || rate <= 0)
		return;
	eta = (long long)(left / rate);
	if (eta >= 60)
		fprintf(f, ", ETA %lldm%02llds", eta / 60, eta % 60);
	else
		fprintf(f, ", ETA %llds", eta);
}

void
progress_show(FILE *f, const char *prog, const struct progress_counts *c)
{
	double mb = (double)c->bytes / 1e6, secs = c->elapsed_ms / 1000.0;
	bool by_rows = !c->final && c->total_rows_estimate > c->rows;
	bool by_bytes = !c->final && c->total_bytes > c->bytes;

	fprintf(f, "\r%s: %u/%u chunk%s, %llu", prog, c->chunks_done,
	    c->chunks_total, c->chunks_total == 1 ? "" : "s", c->rows);
	if (by_rows)
		fprintf(f, " of ~%llu", c->total_rows_estimate);
	fprintf(f, " row%s, %.1f", !by_rows && c->rows == 1 ? "" : "s", mb);
	if (by_bytes)
		fprintf(f, " of %.1f", (double)c->total_bytes / 1e6);
	fprintf(f, " MB, %.1f MB/s", secs > 0 ? mb / secs : 0.0);
	if (c->final)
		fprintf(f, " in %.1f s", secs);
	else if (by_bytes)
		show_eta(f, (double)(c->total_bytes - c->bytes),
		    secs > 0 ? (double)c->bytes / secs : 0);
	else if (by_rows)
		show_eta(f, (double)(c->total_rows_estimate - c->rows),
		    secs > 0 ? (double)c->rows / secs : 0);
	fputs("    ", f);
	fflush(f);
}
