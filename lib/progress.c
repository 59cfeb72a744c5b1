/* SPDX-License-Identifier: ISC */
/*
 * progress: the rate is the average since the start, which is steady
 * enough for an estimate and needs no history; the ETA is the bytes left
 * at that rate.  The line ends in spaces so a shorter line overwrites a
 * longer one cleanly after the carriage return.
 */
#include <stdio.h>

#include "progress.h"

void
progress_show(FILE *f, const char *prog, const struct progress_counts *c)
{
	double mb = (double)c->bytes / 1e6, secs = c->elapsed_ms / 1000.0;
	double rate = secs > 0 ? mb / secs : 0.0;
	long long eta;

	fprintf(f, "\r%s: %u/%u chunks, %llu rows, %.1f", prog, c->chunks_done,
	    c->chunks_total, c->rows, mb);
	if (c->total_bytes > 0)
		fprintf(f, " of %.1f", (double)c->total_bytes / 1e6);
	fprintf(f, " MB, %.1f MB/s", rate);
	if (c->total_bytes > c->bytes && rate > 0) {
		eta = (long long)(((double)(c->total_bytes - c->bytes) / 1e6) / rate);
		if (eta >= 60)
			fprintf(f, ", ETA %lldm%02llds", eta / 60, eta % 60);
		else
			fprintf(f, ", ETA %llds", eta);
	}
	fputs("    ", f);
	fflush(f);
}
