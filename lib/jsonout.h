/* SPDX-License-Identifier: ISC */
/*
 * jsonout: writing JSON documents through jansson, the way every dbkit
 * program does it: keys in insertion order, reals without binary noise,
 * one document per line when compact.
 */
#ifndef DBKIT_JSONOUT_H
#define DBKIT_JSONOUT_H

#include <stdbool.h>
#include <stdio.h>
#include <jansson.h>

/* Writes v and a newline to f, indented or compact.  Returns 0 or -1. */
int jsonout_write(const json_t *v, FILE *f, bool compact);

/* Writes v compactly as one line into a malloc'd string, or NULL. */
char *jsonout_line(const json_t *v);

/* A JSON number for v rounded to 3 decimals: an integer when it is whole. */
json_t *jsonout_number(double v);

/*
 * A JSON string for text from outside (server messages, user names):
 * bytes that are not UTF-8 become U+FFFD, because jansson refuses the
 * whole string, and with it the whole document, otherwise.
 */
json_t *jsonout_text(const char *s);

/* A JSON string (as jsonout_text), or null when s is NULL. */
json_t *jsonout_string_or_null(const char *s);

#endif
