/* SPDX-License-Identifier: ISC */
/*
 * human: the two largest units of an age are enough to read it, and sizes
 * use decimal units, as disk vendors and du -H --si count.
 */
#include <stdio.h>

#include "human.h"

void
human_age(long long s, char *buf, size_t len)
{
	if (s < 0)
		s = 0;
	if (s < 60)
		snprintf(buf, len, "%llds", s);
	else if (s < 3600)
		snprintf(buf, len, "%lldm", s / 60);
	else if (s < 86400)
		snprintf(buf, len, "%lldh %lldm", s / 3600, s % 3600 / 60);
	else
		snprintf(buf, len, "%lldd %lldh", s / 86400, s % 86400 / 3600);
}

void
human_size(long long bytes, char *buf, size_t len)
{
	static const char *const units[] = { "kB", "MB", "GB", "TB", "PB" };
	double v = (double)bytes;
	size_t u;

	if (bytes < 1000) {
		snprintf(buf, len, "%lld B", bytes);
		return;
	}
	for (u = 0, v /= 1000; v >= 999.95 && u + 1 < 5; u++)
		v /= 1000;
	snprintf(buf, len, "%.1f %s", v, units[u]);
}
