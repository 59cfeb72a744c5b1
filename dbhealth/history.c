/* SPDX-License-Identifier: ISC */
/*
 * history: each run appends its JSON report as one line under an flock,
 * so a cron job and a --watch loop can share a file.  A torn last line
 * (a crash mid-write) or a hand-edited one is skipped and counted, never
 * fatal: the rest of the history is still worth summarising.  The next
 * run starts its record on a new line, so it is not lost to the torn one.
 *
 * --report reads the lines back into a struct summary, which summary.c
 * renders.  It attributes the time between two runs to the status of the
 * earlier run, which is what "time in status" means to an on-call DBA
 * reading a week of five-minute checks.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "history.h"
#include "timeutil.h"

#define TAIL_MAX (64L << 20)	/* the longest last line we look for */

/*
 * Whether the file ends in the middle of a line: a run that died while
 * writing, or a hand edit.  The next record then starts a line of its own.
 */
static bool
ends_torn(int fd)
{
	struct stat st;
	char last;

	return fstat(fd, &st) == 0 && st.st_size > 0 &&
	    pread(fd, &last, 1, st.st_size - 1) == 1 && last != '\n';
}

int
history_append(const char *path, const char *line, char *err, size_t errlen)
{
	size_t len = strlen(line), off = 0, start = 1;
	char *buf = malloc(len + 2);
	int fd, rc = 0;

	if (buf == NULL) {
		snprintf(err, errlen, "%s: out of memory", path);
		return -1;
	}
	buf[0] = '\n';
	memcpy(buf + 1, line, len);
	buf[len + 1] = '\n';
	len += 2;
	/* Read-write, to read the last byte under the lock, where allowed. */
	fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (fd == -1 && errno == EACCES)
		fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
	if (fd == -1 || flock(fd, LOCK_EX) == -1)
		rc = -1;
	else if (ends_torn(fd))
		start = 0;
	for (off = start; rc == 0 && off < len;) {
		ssize_t n = write(fd, buf + off, len - off);

		if (n == -1 && errno != EINTR)
			rc = -1;
		else if (n > 0)
			off += (size_t)n;
	}
	if (rc == -1)
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
	if (fd != -1 && close(fd) == -1 && rc == 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		rc = -1;
	}
	free(buf);
	return rc;
}

/* Reads the last complete line of fd (size bytes) into a new string. */
static char *
last_line(int fd, off_t size)
{
	off_t window = 65536;

	for (;;) {
		off_t start = size > window ? size - window : 0;
		size_t len = (size_t)(size - start);
		char *buf = malloc(len + 1), *end, *begin;

		if (buf == NULL || pread(fd, buf, len, start) != (ssize_t)len) {
			free(buf);
			return NULL;
		}
		buf[len] = '\0';
		/* Text after the last newline is a torn write: not a line. */
		end = memrchr(buf, '\n', len);
		if (end != NULL) {
			*end = '\0';
			begin = memrchr(buf, '\n', (size_t)(end - buf));
			if (begin != NULL || start == 0) {
				char *line = strdup(begin ? begin + 1 : buf);

				free(buf);
				return line;
			}
		} else if (start == 0) {
			free(buf);
			return NULL;
		}
		free(buf);
		if (start == 0 || window >= TAIL_MAX)
			return NULL;
		window *= 4;
	}
}

int
history_last_report(const char *path, json_t **doc, char *err,
    size_t errlen)
{
	struct stat st;
	char *line;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	*doc = NULL;
	if (fd == -1) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	line = last_line(fd, st.st_size);
	close(fd);
	if (line == NULL)
		return 0;
	*doc = json_loads(line, 0, NULL);
	if (*doc != NULL && !json_is_object(*doc)) {
		json_decref(*doc);
		*doc = NULL;
	}
	free(line);
	return 0;
}

static enum bucket
bucket(const char *status)
{
	if (strcmp(status, "ok") == 0)
		return BUCKET_OK;
	if (strcmp(status, "critical") == 0)
		return BUCKET_CRITICAL;
	return BUCKET_WARNING;
}

static struct summary_target *
find_target(struct summary *s, const char *name)
{
	struct summary_target *grown;
	size_t i;

	for (i = 0; i < s->n_targets; i++)
		if (strcmp(s->targets[i].name, name) == 0)
			return &s->targets[i];
	grown = realloc(s->targets, (s->n_targets + 1) * sizeof(*grown));
	if (grown == NULL)
		return NULL;
	s->targets = grown;
	memset(&grown[s->n_targets], 0, sizeof(*grown));
	if ((grown[s->n_targets].name = strdup(name)) == NULL)
		return NULL;
	return &grown[s->n_targets++];
}

static int
add_incident(struct summary *s, time_t at, const char *target,
    const char *from, const char *to)
{
	struct incident *inc;

	if (s->n_incidents == s->cap_incidents) {
		size_t cap = s->cap_incidents ? s->cap_incidents * 2 : 16;
		struct incident *grown = realloc(s->incidents,
		    cap * sizeof(*grown));

		if (grown == NULL)
			return -1;
		s->incidents = grown;
		s->cap_incidents = cap;
	}
	inc = &s->incidents[s->n_incidents++];
	inc->at = at;
	inc->target = target ? strdup(target) : NULL;
	inc->from = strdup(from);
	inc->to = strdup(to);
	if ((target != NULL && inc->target == NULL) || inc->from == NULL ||
	    inc->to == NULL)
		return -1;
	return 0;
}

static double
response_of(json_t *target)
{
	json_t *checks = json_object_get(target, "checks"), *c;
	size_t i;

	json_array_foreach(checks, i, c) {
		json_t *value = json_object_get(c, "value");
		const char *name = json_string_value(json_object_get(c, "name"));

		if (name != NULL && strcmp(name, "response_time") == 0 &&
		    json_is_number(value))
			return json_number_value(value);
	}
	return NAN;
}

static int
add_response(struct summary_target *t, double ms)
{
	if (t->n_response == t->cap_response) {
		size_t cap = t->cap_response ? t->cap_response * 2 : 64;
		double *grown = realloc(t->response_ms, cap * sizeof(double));

		if (grown == NULL)
			return -1;
		t->response_ms = grown;
		t->cap_response = cap;
	}
	t->response_ms[t->n_response++] = ms;
	return 0;
}

static int
add_target(struct summary *s, json_t *target, time_t at)
{
	const char *name = NULL, *status = NULL;
	int reachable = 0;
	struct summary_target *t;
	double ms;

	if (json_unpack(target, "{s:s, s:s, s:b}", "name", &name, "status",
	    &status, "reachable", &reachable) == -1)
		return 0;
	if ((t = find_target(s, name)) == NULL)
		return -1;
	if (t->last[0] != '\0' && strcmp(t->last, status) != 0 &&
	    add_incident(s, at, name, t->last, status) == -1)
		return -1;
	t->runs++;
	if (reachable)
		t->reachable++;
	ms = response_of(target);
	if (!isnan(ms) && add_response(t, ms) == -1)
		return -1;
	snprintf(t->last, sizeof(t->last), "%s", status);
	t->last_at = at;
	return 0;
}

/*
 * Adds one history line's run to s.  The time since the previous run
 * counts for the previous run's status, overall and for each target that
 * was in it; a run dated before the previous one counts no time.
 */
static int
add_run(struct summary *s, json_t *doc)
{
	const char *status = NULL, *when = NULL;
	json_t *targets = NULL, *target;
	time_t at;
	size_t i;

	if (json_unpack(doc, "{s:s, s:s, s:o}", "status", &status,
	    "checked_at", &when, "targets", &targets) == -1 ||
	    time_parse_rfc3339(when, &at) == -1 || !json_is_array(targets)) {
		s->skipped++;
		return 0;
	}
	if (s->runs > 0 && at >= s->to) {
		double dt = difftime(at, s->to);

		s->seconds[bucket(s->last)] += dt;
		for (i = 0; i < s->n_targets; i++)
			if (s->targets[i].last_at == s->to)
				s->targets[i].seconds[bucket(s->targets[i].last)] +=
				    dt;
	}
	if (s->runs > 0 && strcmp(s->last, status) != 0 &&
	    add_incident(s, at, NULL, s->last, status) == -1)
		return -1;
	if (s->runs == 0)
		s->from = at;
	s->to = at;
	s->runs++;
	snprintf(s->last, sizeof(s->last), "%s", status);
	json_array_foreach(targets, i, target)
		if (add_target(s, target, at) == -1)
			return -1;
	return 0;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* The nearest-rank percentile p (0..1) of the sorted values v. */
static double
percentile(const double *v, size_t n, double p)
{
	size_t rank = (size_t)ceil(p * (double)n);

	return n == 0 ? NAN : v[rank > 0 ? rank - 1 : 0];
}

/* Turns what was counted per target into the figures of the report. */
static void
finish(struct summary *s)
{
	size_t i;

	for (i = 0; i < s->n_targets; i++) {
		struct summary_target *t = &s->targets[i];
		double *v = t->response_ms;
		size_t n = t->n_response;

		if (n > 0)
			qsort(v, n, sizeof(double), cmp_double);
		t->p50_ms = percentile(v, n, 0.5);
		t->p95_ms = percentile(v, n, 0.95);
		t->max_ms = n > 0 ? v[n - 1] : NAN;
		t->availability_pct = t->runs ?
		    100.0 * (double)t->reachable / (double)t->runs : 0;
	}
}

int
history_summarise(const char *path, struct summary *s, char *err,
    size_t errlen)
{
	FILE *in = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	json_t *doc;
	int rc = 0;

	memset(s, 0, sizeof(*s));
	if (in == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	while (rc == 0 && (n = getline(&line, &cap, in)) != -1) {
		if (n == 0 || line[n - 1] != '\n') {
			s->skipped++;	/* torn last line */
			continue;
		}
		if ((doc = json_loads(line, 0, NULL)) == NULL) {
			s->skipped++;
			continue;
		}
		rc = add_run(s, doc);
		json_decref(doc);
	}
	if (rc == 0 && ferror(in))
		rc = -1;
	if (rc == -1) {
		snprintf(err, errlen, "%s: %s", path,
		    errno ? strerror(errno) : "out of memory");
		summary_free(s);
	} else
		finish(s);
	free(line);
	fclose(in);
	return rc;
}
