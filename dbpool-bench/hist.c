/* SPDX-License-Identifier: ISC */
/*
 * hist: the bucket of a value v is v itself below 128; above, with msb
 * the index of v's highest bit and shift = msb - 6, it is
 * 64 * shift + (v >> shift), which keeps the top 7 bits of v.  The two
 * ranges meet without a gap, so the index grows with the value and a
 * percentile is a walk over the cumulative counts.
 */
#include <string.h>

#include "hist.h"

#define SUB (1u << HIST_SUB_BITS)

static unsigned
bucket_of(uint64_t v)
{
	unsigned msb, shift;

	if (v < 2 * SUB)
		return (unsigned)v;
	msb = 63 - (unsigned)__builtin_clzll(v);
	shift = msb - HIST_SUB_BITS;
	if (shift > HIST_MAX_SHIFT)
		return HIST_BUCKETS - 1;
	return SUB * shift + (unsigned)(v >> shift);
}

/* The middle of bucket i's range of values. */
static double
bucket_value(unsigned i)
{
	unsigned shift = i < 2 * SUB ? 0 : i / SUB - 1;
	uint64_t low = (uint64_t)(i - SUB * shift) << shift;

	return (double)low + (double)((1ull << shift) - 1) / 2;
}

void
hist_init(struct hist *h)
{
	memset(h, 0, sizeof(*h));
	h->min_ns = UINT64_MAX;
}

void
hist_record(struct hist *h, uint64_t ns)
{
	h->buckets[bucket_of(ns)]++;
	h->count++;
	h->sum_ns += (double)ns;
	if (ns < h->min_ns)
		h->min_ns = ns;
	if (ns > h->max_ns)
		h->max_ns = ns;
}

void
hist_merge(struct hist *into, const struct hist *from)
{
	unsigned i;

	for (i = 0; i < HIST_BUCKETS; i++)
		into->buckets[i] += from->buckets[i];
	into->count += from->count;
	into->sum_ns += from->sum_ns;
	if (from->min_ns < into->min_ns)
		into->min_ns = from->min_ns;
	if (from->max_ns > into->max_ns)
		into->max_ns = from->max_ns;
}

double
hist_percentile(const struct hist *h, double p)
{
	uint64_t rank, seen = 0;
	double v;
	unsigned i;

	if (h->count == 0)
		return 0;
	if (p >= 100)
		return (double)h->max_ns;
	rank = (uint64_t)(p / 100 * (double)h->count + 0.999999);
	if (rank == 0)
		rank = 1;
	for (i = 0; i < HIST_BUCKETS; i++) {
		seen += h->buckets[i];
		if (seen >= rank)
			break;
	}
	/* The middle of a bucket can lie outside what was seen. */
	v = bucket_value(i < HIST_BUCKETS ? i : HIST_BUCKETS - 1);
	if (v > (double)h->max_ns)
		v = (double)h->max_ns;
	if (v < (double)h->min_ns)
		v = (double)h->min_ns;
	return v;
}

double
hist_mean(const struct hist *h)
{
	return h->count == 0 ? 0 : h->sum_ns / (double)h->count;
}
