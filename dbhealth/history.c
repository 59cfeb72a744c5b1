/* SPDX-License-Identifier: ISC */
/*
 * history: each run appends its JSON report as one line under an flock,
 * so a cron job and a --watch loop can share a file.  A torn last line
 * (a crash mid-write) or a hand-edited one is skipped and counted, never
 * fatal: the rest of the history is still worth summarising.  The next
 * run starts its record on a new line, so it is not lost to the torn one.
 *
 * The summary attributes the time between two runs to the status of the
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
#include "human.h"
#include "jsonout.h"
#include "table.h"
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
history_last_status(const char *path, char *status, size_t len, char *err,
    size_t errlen)
{
	struct stat st;
	json_t *doc;
	char *line;
	const char *s = NULL;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	status[0] = '\0';
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
	doc = json_loads(line, 0, NULL);
	if (doc != NULL && json_unpack(doc, "{s:s}", "status", &s) == 0)
		snprintf(status, len, "%s", s);
	json_decref(doc);
	free(line);
	return 0;
}

/* Statuses are counted in three buckets: ok, warning/degraded, critical. */
static int
bucket(const char *status)
{
	if (strcmp(status, "ok") == 0)
		return 0;
	if (strcmp(status, "critical") == 0)
		return 2;
	return 1;
}

struct series {
	char *name;
	size_t runs, reachable;
	double *response_ms;
	size_t n_response, cap_response;
	double seconds[3];
	char last[16];		/* status in the run at last_at */
	time_t last_at;
};

struct summary {
	time_t from, to, prev_at;
	size_t runs, skipped;
	double seconds[3];
	char last[16];
	struct series *series;
	size_t n_series;
	json_t *incidents;
};

static struct series *
series_for(struct summary *s, const char *name)
{
	struct series *grown;
	size_t i;

	for (i = 0; i < s->n_series; i++)
		if (strcmp(s->series[i].name, name) == 0)
			return &s->series[i];
	grown = realloc(s->series, (s->n_series + 1) * sizeof(*grown));
	if (grown == NULL)
		return NULL;
	s->series = grown;
	memset(&grown[s->n_series], 0, sizeof(*grown));
	if ((grown[s->n_series].name = strdup(name)) == NULL)
		return NULL;
	return &grown[s->n_series++];
}

static void
incident(struct summary *s, time_t at, const char *target, const char *from,
    const char *to)
{
	char when[RFC3339_LEN];

	time_rfc3339(at, when);
	json_array_append_new(s->incidents, json_pack("{s:s, s:o, s:s, s:s}",
	    "at", when, "target", jsonout_string_or_null(target),
	    "from", from, "to", to));
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
add_target(struct summary *s, json_t *target, time_t at)
{
	const char *name = NULL, *status = NULL;
	int reachable = 0;
	struct series *t;
	double ms;

	if (json_unpack(target, "{s:s, s:s, s:b}", "name", &name, "status",
	    &status, "reachable", &reachable) == -1)
		return 0;
	if ((t = series_for(s, name)) == NULL)
		return -1;
	if (t->last[0] != '\0' && strcmp(t->last, status) != 0)
		incident(s, at, name, t->last, status);
	t->runs++;
	if (reachable)
		t->reachable++;
	ms = response_of(target);
	if (!isnan(ms)) {
		if (t->n_response == t->cap_response) {
			size_t cap = t->cap_response ? t->cap_response * 2 : 64;
			double *grown = realloc(t->response_ms,
			    cap * sizeof(double));

			if (grown == NULL)
				return -1;
			t->response_ms = grown;
			t->cap_response = cap;
		}
		t->response_ms[t->n_response++] = ms;
	}
	snprintf(t->last, sizeof(t->last), "%s", status);
	t->last_at = at;
	return 0;
}

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
	if (s->runs > 0 && at >= s->prev_at) {
		double dt = difftime(at, s->prev_at);

		s->seconds[bucket(s->last)] += dt;
		for (i = 0; i < s->n_series; i++)
			if (s->series[i].last_at == s->prev_at)
				s->series[i].seconds[bucket(s->series[i].last)] += dt;
	}
	if (s->runs > 0 && strcmp(s->last, status) != 0)
		incident(s, at, NULL, s->last, status);
	if (s->runs == 0)
		s->from = at;
	s->to = s->prev_at = at;
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

static json_t *
number_or_null(double v)
{
	return isnan(v) ? json_null() : jsonout_number(v);
}

static json_t *
summary_json(struct summary *s)
{
	json_t *targets = json_array();
	char from[RFC3339_LEN], to[RFC3339_LEN];
	size_t i;

	for (i = 0; i < s->n_series; i++) {
		struct series *t = &s->series[i];
		double *v = t->response_ms;
		size_t n = t->n_response;

		if (n > 0)
			qsort(v, n, sizeof(double), cmp_double);
		json_array_append_new(targets, json_pack(
		    "{s:s, s:I, s:o, s:{s:o, s:o, s:o}, s:{s:o, s:o, s:o}}",
		    "name", t->name, "runs", (json_int_t)t->runs,
		    "availability_pct", jsonout_number(t->runs ?
		    100.0 * (double)t->reachable / (double)t->runs : 0),
		    "response_ms", "p50", number_or_null(percentile(v, n, 0.5)),
		    "p95", number_or_null(percentile(v, n, 0.95)),
		    "max", number_or_null(n ? v[n - 1] : NAN),
		    "seconds_in_status", "ok", jsonout_number(t->seconds[0]),
		    "warning", jsonout_number(t->seconds[1]),
		    "critical", jsonout_number(t->seconds[2])));
	}
	time_rfc3339(s->from, from);
	time_rfc3339(s->to, to);
	return json_pack("{s:o, s:o, s:I, s:I, s:{s:{s:o, s:o, s:o}}, s:o, s:O}",
	    "from", s->runs ? json_string(from) : json_null(),
	    "to", s->runs ? json_string(to) : json_null(),
	    "runs", (json_int_t)s->runs, "skipped_lines", (json_int_t)s->skipped,
	    "overall", "seconds_in_status", "ok", jsonout_number(s->seconds[0]),
	    "degraded", jsonout_number(s->seconds[1]),
	    "critical", jsonout_number(s->seconds[2]),
	    "targets", targets, "incidents", s->incidents);
}

static void
format_ms(json_t *v, char *buf, size_t len)
{
	if (json_is_number(v))
		snprintf(buf, len, "%.1f", json_number_value(v));
	else
		snprintf(buf, len, "-");
}

/* Renders the JSON summary as text, so the two cannot disagree. */
static int
summary_text(json_t *doc, FILE *f)
{
	static const char *const headers[] = { "TARGET", "RUNS", "AVAILABLE",
	    "P50 MS", "P95 MS", "MAX MS", "OK", "WARNING", "CRITICAL" };
	static const char *const overall[] = { "ok", "degraded", "critical" };
	static const char *const keys[] = { "ok", "warning", "critical" };
	json_t *targets = json_object_get(doc, "targets"), *t, *inc;
	json_t *secs = json_object_get(json_object_get(doc, "overall"),
	    "seconds_in_status");
	struct table *tab = table_new(9, headers);
	char cells[9][64];
	size_t i;
	int k;

	if (tab == NULL)
		return -1;
	fprintf(f, "runs: %lld from %s to %s",
	    (long long)json_integer_value(json_object_get(doc, "runs")),
	    json_is_string(json_object_get(doc, "from")) ?
	    json_string_value(json_object_get(doc, "from")) : "-",
	    json_is_string(json_object_get(doc, "to")) ?
	    json_string_value(json_object_get(doc, "to")) : "-");
	if (json_integer_value(json_object_get(doc, "skipped_lines")) > 0)
		fprintf(f, " (%lld unreadable line%s skipped)", (long long)
		    json_integer_value(json_object_get(doc, "skipped_lines")),
		    json_integer_value(json_object_get(doc, "skipped_lines")) ==
		    1 ? "" : "s");
	fputs("\noverall:", f);
	for (k = 0; k < 3; k++) {
		human_age((long long)json_number_value(json_object_get(secs,
		    overall[k])), cells[0], sizeof(cells[0]));
		fprintf(f, " %s %s%s", overall[k], cells[0], k < 2 ? "," : "\n\n");
	}
	json_array_foreach(targets, i, t) {
		json_t *ms = json_object_get(t, "response_ms");
		json_t *ts = json_object_get(t, "seconds_in_status");
		const char *row[9];

		snprintf(cells[0], 64, "%s", json_string_value(json_object_get(t,
		    "name")));
		snprintf(cells[1], 64, "%lld", (long long)json_integer_value(
		    json_object_get(t, "runs")));
		snprintf(cells[2], 64, "%.2f%%", json_number_value(
		    json_object_get(t, "availability_pct")));
		format_ms(json_object_get(ms, "p50"), cells[3], 64);
		format_ms(json_object_get(ms, "p95"), cells[4], 64);
		format_ms(json_object_get(ms, "max"), cells[5], 64);
		for (k = 0; k < 3; k++)
			human_age((long long)json_number_value(json_object_get(ts,
			    keys[k])), cells[6 + k], 64);
		for (k = 0; k < 9; k++)
			row[k] = cells[k];
		if (table_add(tab, row) == -1) {
			table_free(tab);
			return -1;
		}
	}
	table_print(tab, f);
	table_free(tab);
	fprintf(f, "\nincidents: %zu\n",
	    json_array_size(json_object_get(doc, "incidents")));
	json_array_foreach(json_object_get(doc, "incidents"), i, inc) {
		json_t *target = json_object_get(inc, "target");

		fprintf(f, "%s  %s  %s -> %s\n",
		    json_string_value(json_object_get(inc, "at")),
		    json_is_string(target) ? json_string_value(target) :
		    "(overall)",
		    json_string_value(json_object_get(inc, "from")),
		    json_string_value(json_object_get(inc, "to")));
	}
	return 0;
}

int
history_report(const char *path, bool json, FILE *f, char *err,
    size_t errlen)
{
	struct summary s;
	FILE *in = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0, i;
	ssize_t n;
	json_t *doc;
	int rc = 0;

	if (in == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	memset(&s, 0, sizeof(s));
	if ((s.incidents = json_array()) == NULL)
		rc = -1;
	while (rc == 0 && (n = getline(&line, &cap, in)) != -1) {
		if (n == 0 || line[n - 1] != '\n') {
			s.skipped++;	/* torn last line */
			continue;
		}
		if ((doc = json_loads(line, 0, NULL)) == NULL) {
			s.skipped++;
			continue;
		}
		rc = add_run(&s, doc);
		json_decref(doc);
	}
	if (rc == 0 && ferror(in))
		rc = -1;
	if (rc == -1)
		snprintf(err, errlen, "%s: %s", path,
		    errno ? strerror(errno) : "out of memory");
	free(line);
	fclose(in);
	if (rc == 0 && (doc = summary_json(&s)) != NULL) {
		rc = json ? jsonout_write(doc, f, false) : summary_text(doc, f);
		json_decref(doc);
	} else if (rc == 0) {
		snprintf(err, errlen, "%s: out of memory", path);
		rc = -1;
	}
	for (i = 0; i < s.n_series; i++) {
		free(s.series[i].name);
		free(s.series[i].response_ms);
	}
	free(s.series);
	json_decref(s.incidents);
	return rc;
}
