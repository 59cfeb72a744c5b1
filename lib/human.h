/* SPDX-License-Identifier: ISC */
/*
 * human: quantities written for people in text reports (JSON carries the
 * raw numbers): ages and sizes, the same way in every program.
 */
#ifndef DBKIT_HUMAN_H
#define DBKIT_HUMAN_H

#include <stddef.h>

/* An age or a duration: "45s", "12m", "5h 3m", "3d 2h". */
void human_age(long long seconds, char *buf, size_t len);

/* A size in decimal units: "512 B", "119.5 kB", "124.6 MB", "1.2 GB". */
void human_size(long long bytes, char *buf, size_t len);

#endif
