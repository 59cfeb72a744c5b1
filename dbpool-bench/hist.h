/* SPDX-License-Identifier: ISC */
/*
 * hist: a log-linear latency histogram in nanoseconds.  Values below 128
 * are counted exactly; above, each power of two is split into 64 equal
 * buckets, so a reported percentile is within 1/64 (1.6%) of the true
 * value.  Each client thread fills its own and they are merged at the end:
 * no locks and no array of samples, whatever the run's length.
 */
#ifndef DBPOOL_HIST_H
#define DBPOOL_HIST_H

#include <stdint.h>

#define HIST_SUB_BITS 6
#define HIST_MAX_SHIFT 41	/* values up to 2^48 ns, about 78 hours */
#define HIST_BUCKETS (((HIST_MAX_SHIFT + 1) << HIST_SUB_BITS) + \
	(1 << HIST_SUB_BITS))

struct hist {
	uint64_t count;
	uint64_t min_ns, max_ns;
	double sum_ns;
	uint64_t buckets[HIST_BUCKETS];
};

/* Empties h. */
void hist_init(struct hist *h);

/* Counts one value. */
void hist_record(struct hist *h, uint64_t ns);

/* Adds the counts of from into into. */
void hist_merge(struct hist *into, const struct hist *from);

/* The value at percentile p (0-100], in ns: the exact max for p = 100,
 * 0 for an empty histogram. */
double hist_percentile(const struct hist *h, double p);

/* The mean in ns, 0 when empty. */
double hist_mean(const struct hist *h);

#endif
