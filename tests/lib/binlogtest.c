/* SPDX-License-Identifier: ISC */
/*
 * binlogtest: drives lib/binlog for tests/lib_binlog.bats against the
 * server the DB_* settings name.
 *
 *	binlogtest copy FILE POS TOFILE TOPOS DIR
 *		copies the binary log from FILE:POS to TOFILE:TOPOS into
 *		DIR/NAME, one file each, and prints one line of key=value
 *		counts; "error: ..." (and errno=N, the server's) and exit 1
 *		when the copy failed
 *	binlogtest read FILE
 *		walks a binlog file with binlog_read, checking every length
 *		and checksum, and prints events=N first=P last=P (the server
 *		positions of the first event's start and the last one's end)
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "binlog.h"
#include "conn.h"
#include "parse.h"
#include "settings.h"

struct dir_sink {
	const char *dir;
	FILE *f;
};

static int
sink_begin(void *ctx, const char *file, char *err, size_t errlen)
{
	struct dir_sink *d = ctx;
	char path[4096];

	snprintf(path, sizeof(path), "%s/%s", d->dir, file);
	if ((d->f = fopen(path, "wb")) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

static int
sink_write(void *ctx, const void *p, size_t len, char *err, size_t errlen)
{
	struct dir_sink *d = ctx;

	if (fwrite(p, 1, len, d->f) != len) {
		snprintf(err, errlen, "write: %s", strerror(errno));
		return -1;
	}
	return 0;
}

static int
sink_end(void *ctx, char *err, size_t errlen)
{
	struct dir_sink *d = ctx;
	int rc = fclose(d->f);

	d->f = NULL;
	if (rc == EOF) {
		snprintf(err, errlen, "close: %s", strerror(errno));
		return -1;
	}
	return 0;
}

static int
copy(char **argv)
{
	struct settings s;
	struct dir_sink d = { .dir = argv[4] };
	struct binlog_sink sink = { &d, sink_begin, sink_write, sink_end };
	struct binlog_coord from = { .pos = 0 }, to = { .pos = 0 };
	struct binlog_counts c;
	unsigned int server_errno;
	long long pos;
	char err[2048];
	MYSQL *m;
	int rc;

	snprintf(from.file, sizeof(from.file), "%s", argv[0]);
	snprintf(to.file, sizeof(to.file), "%s", argv[2]);
	if (parse_integer(argv[1], 4, 1LL << 32, &pos, err, sizeof(err)) == -1)
		goto usage;
	from.pos = (uint64_t)pos;
	if (parse_integer(argv[3], 4, 1LL << 32, &pos, err, sizeof(err)) == -1)
		goto usage;
	to.pos = (uint64_t)pos;
	if (settings_init(&s) == -1 ||
	    settings_load(&s, "binlogtest", err, sizeof(err)) == -1 ||
	    conn_library_init() == -1 ||
	    (m = conn_open(&s, 0, err, sizeof(err))) == NULL) {
		printf("error: %s\n", err);
		return 1;
	}
	rc = binlog_copy(m, 4000000000u, &from, &to, &sink, &c,
	    &server_errno, err, sizeof(err));
	mysql_close(m);
	settings_free(&s);
	if (rc == -1) {
		printf("error: %s\nerrno=%u\n", err, server_errno);
		return 1;
	}
	printf("files=%u events=%llu transactions=%llu bytes=%llu first=%u "
	    "last=%u gtid=", c.files, (unsigned long long)c.events,
	    (unsigned long long)c.transactions, (unsigned long long)c.bytes,
	    c.first_when, c.last_when);
	if (c.has_gtid)
		printf("%u-%u-%llu\n", c.last_gtid.domain, c.last_gtid.server_id,
		    (unsigned long long)c.last_gtid.seq);
	else
		printf("none\n");
	return 0;
usage:
	fprintf(stderr, "binlogtest: %s\n", err);
	return 2;
}

static ssize_t
file_read(void *src, void *buf, size_t len, char *err, size_t errlen)
{
	size_t n = fread(buf, 1, len, src);

	if (n == 0 && ferror((FILE *)src)) {
		snprintf(err, errlen, "read: %s", strerror(errno));
		return -1;
	}
	return (ssize_t)n;
}

struct walk {
	unsigned long long events, first, last;
};

static int
on_event(void *ctx, const struct binlog_header *h, const unsigned char *p,
    char *err, size_t errlen)
{
	struct walk *w = ctx;

	(void)p;
	(void)err;
	(void)errlen;
	if (h->next_pos == 0)
		return 0;	/* the format description's copy */
	if (w->events++ == 0)
		w->first = h->next_pos - h->length;
	w->last = h->next_pos;
	return 0;
}

static int
read_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	struct walk w = { 0, 0, 0 };
	char err[1024];
	int rc;

	if (f == NULL) {
		printf("error: %s: %s\n", path, strerror(errno));
		return 1;
	}
	rc = binlog_read(file_read, f, path, on_event, &w, err, sizeof(err));
	fclose(f);
	if (rc != 0) {
		printf("error: %s\n", err);
		return 1;
	}
	printf("events=%llu first=%llu last=%llu\n", w.events, w.first, w.last);
	return 0;
}

int
main(int argc, char **argv)
{
	if (argc == 7 && strcmp(argv[1], "copy") == 0)
		return copy(argv + 2);
	if (argc == 3 && strcmp(argv[1], "read") == 0)
		return read_file(argv[2]);
	fprintf(stderr, "usage: binlogtest copy FILE POS TOFILE TOPOS DIR | "
	    "read FILE\n");
	return 2;
}
