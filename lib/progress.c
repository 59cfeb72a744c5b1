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
 * carriage return.  The counters are atomics the workers add to without
 * a lock; the thread reads each once a line, so a line may mix counts a
 * moment apart, never a count that was not reached.
 */
#include <unistd.h>

#include "progress.h"
#include "timeutil.h"

#define INTERVAL_US 250000

/* What one line shows. */
struct counts {
	unsigned int chunks_done, chunks_total;
	unsigned long long rows, total_rows_estimate;
	unsigned long long bytes, total_bytes;
	double elapsed_ms;
	bool final;		/* the work is over: the totals, no estimates */
	bool files;		/* progress_files */
};

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

static void
show(FILE *f, const char *prog, const struct counts *c)
{
	double mb = (double)c->bytes / 1e6, secs = c->elapsed_ms / 1000.0;
	bool by_rows = !c->final && c->total_rows_estimate > c->rows;
	bool by_bytes = !c->final && c->total_bytes > c->bytes;

	fprintf(f, "\r%s: %u/%u %s%s, ", prog, c->chunks_done,
	    c->chunks_total, c->files ? "file" : "chunk",
	    c->chunks_total == 1 ? "" : "s");
	if (!c->files) {
		fprintf(f, "%llu", c->rows);
		if (by_rows)
			fprintf(f, " of ~%llu", c->total_rows_estimate);
		fprintf(f, " row%s, ", !by_rows && c->rows == 1 ? "" : "s");
	}
	fprintf(f, "%.1f", mb);
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

void
progress_expect(struct progress *p, unsigned int chunks,
    unsigned long long rows_estimate, unsigned long long bytes)
{
	atomic_fetch_add(&p->chunks_total, chunks);
	atomic_fetch_add(&p->total_rows_estimate, rows_estimate);
	atomic_fetch_add(&p->total_bytes, bytes);
}

void
progress_files(struct progress *p)
{
	p->files = true;
}

void
progress_add(struct progress *p, unsigned long long rows,
    unsigned long long bytes)
{
	if (rows > 0)
		atomic_fetch_add(&p->rows, rows);
	if (bytes > 0)
		atomic_fetch_add(&p->bytes, bytes);
}

void
progress_chunk_done(struct progress *p)
{
	atomic_fetch_add(&p->chunks_done, 1);
}

static void *
progress_main(void *arg)
{
	struct progress *p = arg;
	struct counts c;

	/* One last line after the work is done: the totals, even if quick. */
	for (bool last = false; !last;) {
		last = atomic_load(&p->done);
		if (!last)
			usleep(INTERVAL_US);
		c.final = last;
		c.files = p->files;
		c.chunks_done = atomic_load(&p->chunks_done);
		c.chunks_total = atomic_load(&p->chunks_total);
		c.rows = atomic_load(&p->rows);
		c.total_rows_estimate = atomic_load(&p->total_rows_estimate);
		c.bytes = atomic_load(&p->bytes);
		c.total_bytes = atomic_load(&p->total_bytes);
		c.elapsed_ms = time_monotonic_ms() - p->started_ms;
		show(p->out, p->prog, &c);
	}
	fputc('\n', p->out);
	return NULL;
}

void
progress_start(struct progress *p, FILE *out, const char *prog,
    double started_ms)
{
	p->out = out;
	p->prog = prog;
	p->started_ms = started_ms;
	atomic_store(&p->done, false);
	p->running = pthread_create(&p->thread, NULL, progress_main, p) == 0;
}

void
progress_stop(struct progress *p)
{
	if (!p->running)
		return;
	atomic_store(&p->done, true);
	pthread_join(p->thread, NULL);
	p->running = false;
}
