/* SPDX-License-Identifier: ISC */
/*
 * filetest: a driver for tests/lib_files.bats that runs one of the file
 * modules (gzw, gzr, sha256, fs, name, sqlfile, manifest) on
 * its arguments, so their behaviour is tested against gzip, sha256sum and
 * the file system from the shell.  Results go to stdout; a failure prints
 * "filetest: ERROR" on stderr and exits 1; a usage error exits 2.
 *
 *	filetest gzwrite LEVEL OUT < in	  prints size_bytes raw_bytes sha256
 *					  (gzip; LEVEL 0: none)
 *	filetest zstdwrite LEVEL OUT < in the same with zstd
 *	filetest gzread IN [BUFSIZE] > out
 *	filetest sha256 FILE		  prints sha256 size
 *	filetest rowhash STRING		  prints the hash as 16 hex digits
 *	filetest encode|decode|quote|file NAME
 *	filetest quote NAME OUTLEN	  into a buffer of OUTLEN bytes
 *	filetest lock PATH SECONDS	  prints "locked", holds the lock
 *	filetest rmtree|mkdirp|mkdir|fsyncdir PATH
 *	filetest writefile PATH < in
 *	filetest readfile PATH MAX > out
 *	filetest openin DIR REL > out	  the file as fs_open_in opens it
 *	filetest sqlfile DIR REL > out	  each statement, then a NUL
 *	filetest manifest < in		  manifest_parse: "ok" or the error
 *	filetest rename FROM TO
 *	filetest free PATH		  prints the free bytes
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fs.h"
#include "gzr.h"
#include "gzw.h"
#include "sha256.h"
#include "manifest.h"
#include "name.h"
#include "parse.h"
#include "sqlfile.h"

#define CHUNK (64 * 1024)

static int
fail(const char *err)
{
	fprintf(stderr, "filetest: %s\n", err);
	return 1;
}

static int
usage(void)
{
	fprintf(stderr, "usage: filetest COMMAND ARG...\n");
	return 2;
}

static int
number(const char *s, long long min, long long max, long long *out)
{
	char err[256];

	if (parse_integer(s, min, max, out, err, sizeof(err)) == -1) {
		fprintf(stderr, "filetest: %s\n", err);
		return -1;
	}
	return 0;
}

static int
do_write(enum compression codec, const char *level_arg, const char *path)
{
	struct gzw_result res;
	struct gzw *w;
	char err[512], *buf;
	long long level;
	ssize_t n;

	if (number(level_arg, 0, 99, &level) == -1)
		return 2;
	if (level == 0)
		codec = COMPRESSION_NONE;
	if ((buf = malloc(CHUNK)) == NULL)
		return fail("out of memory");
	if ((w = gzw_open(path, codec, (int)level, NULL, err,
	    sizeof(err))) ==
	    NULL) {
		free(buf);
		return fail(err);
	}
	while ((n = read(STDIN_FILENO, buf, CHUNK)) > 0)
		if (gzw_write(w, buf, (size_t)n, err, sizeof(err)) == -1) {
			gzw_abort(w);
			free(buf);
			return fail(err);
		}
	free(buf);
	if (n == -1) {
		gzw_abort(w);
		return fail("stdin: read error");
	}
	if (gzw_close(w, &res, err, sizeof(err)) == -1)
		return fail(err);
	printf("%" PRIu64 " %" PRIu64 " %s\n", res.size_bytes, res.raw_bytes,
	    res.sha256);
	return 0;
}

static int
do_gzread(const char *path, const char *bufsize_arg)
{
	struct gzr *r;
	char err[512], *buf;
	long long bufsize = CHUNK;
	ssize_t n;

	if (bufsize_arg != NULL && number(bufsize_arg, 1, 1 << 24,
	    &bufsize) == -1)
		return 2;
	if ((buf = malloc((size_t)bufsize)) == NULL)
		return fail("out of memory");
	if ((r = gzr_open(path, NULL, err, sizeof(err))) == NULL) {
		free(buf);
		return fail(err);
	}
	while ((n = gzr_read(r, buf, (size_t)bufsize, err, sizeof(err))) > 0)
		if (fwrite(buf, 1, (size_t)n, stdout) != (size_t)n)
			break;
	/* Asked again at the end, a reader still says end (sqlfile asks). */
	if (n == 0 && (n = gzr_read(r, buf, (size_t)bufsize, err,
	    sizeof(err))) != 0 && n != -1) {
		snprintf(err, sizeof(err), "data after the end");
		n = -1;
	}
	gzr_close(r);
	free(buf);
	if (n == -1)
		return fail(err);
	if (fflush(stdout) == EOF || ferror(stdout))
		return fail("write error");
	return 0;
}

static int
do_writefile(const char *path)
{
	char err[512], *buf = NULL, *grown;
	size_t len = 0, cap = 0;
	ssize_t n;
	int rc;

	for (;;) {
		if (len == cap) {
			cap = cap == 0 ? CHUNK : cap * 2;
			if ((grown = realloc(buf, cap)) == NULL) {
				free(buf);
				return fail("out of memory");
			}
			buf = grown;
		}
		if ((n = read(STDIN_FILENO, buf + len, cap - len)) <= 0)
			break;
		len += (size_t)n;
	}
	rc = n == -1 ? -1 : fs_write_file(path, buf, len, err, sizeof(err));
	free(buf);
	if (n == -1)
		return fail("stdin: read error");
	return rc == -1 ? fail(err) : 0;
}

static int
do_readfile(const char *path, const char *max_arg)
{
	char err[512], *buf;
	long long max;
	size_t len;

	if (number(max_arg, 0, 1LL << 30, &max) == -1)
		return 2;
	if ((buf = fs_read_file(path, (size_t)max, &len, err,
	    sizeof(err))) == NULL)
		return fail(err);
	fwrite(buf, 1, len, stdout);
	free(buf);
	return fflush(stdout) == EOF ? fail("write error") : 0;
}

static int
do_openin(const char *dir, const char *rel)
{
	char err[512], buf[CHUNK];
	ssize_t n;
	int fd;

	if ((fd = fs_open_in(dir, rel, err, sizeof(err))) == -1)
		return fail(err);
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		fwrite(buf, 1, (size_t)n, stdout);
	close(fd);
	if (n == -1)
		return fail("read error");
	return fflush(stdout) == EOF ? fail("write error") : 0;
}

static int
do_sqlfile(const char *dir, const char *rel)
{
	struct sqlfile *f;
	const char *stmt;
	char err[512];
	int rc;

	if ((f = sqlfile_open(dir, rel, NULL, err, sizeof(err))) == NULL)
		return fail(err);
	while ((rc = sqlfile_next(f, &stmt, err, sizeof(err))) == 1)
		fwrite(stmt, 1, strlen(stmt) + 1, stdout);
	sqlfile_close(f);
	if (rc == -1)
		return fail(err);
	return fflush(stdout) == EOF ? fail("write error") : 0;
}

/* manifest_parse of stdin, labelled "stdin". */
static int
do_manifest(void)
{
	char err[1024], *text;
	size_t len;
	json_t *m;

	if ((text = fs_read_fd(STDIN_FILENO, "stdin", MANIFEST_MAX, &len, err,
	    sizeof(err))) == NULL)
		return fail(err);
	m = manifest_parse(text, len, "stdin", err, sizeof(err));
	free(text);
	if (m == NULL)
		return fail(err);
	json_decref(m);
	printf("ok\n");
	return 0;
}

static int
do_lock(const char *path, const char *seconds_arg)
{
	char err[512];
	long long seconds;
	int fd;

	if (number(seconds_arg, 0, 3600, &seconds) == -1)
		return 2;
	if ((fd = fs_lock(path, err, sizeof(err))) == -1)
		return fail(err);
	printf("locked\n");
	fflush(stdout);
	sleep((unsigned)seconds);
	close(fd);
	return 0;
}

/*
 * The name commands: one string in, one string out.  outlen 0: a buffer
 * big enough.  The buffer is exactly outlen bytes, so that ASan sees a
 * write past it, and filled with 'X' first, so that a result left
 * unterminated shows.
 */
static int
do_name(const char *cmd, const char *arg, const char *outlen_arg)
{
	long long n = 0;
	size_t outlen;
	char *out;
	int rc;

	if (outlen_arg != NULL && number(outlen_arg, 0, 1 << 20, &n) == -1)
		return 2;
	outlen = n > 0 ? (size_t)n : 3 * strlen(arg) + NAME_FILE_MAX + 3;
	if ((out = malloc(outlen)) == NULL)
		return fail("out of memory");
	memset(out, 'X', outlen);
	if (strcmp(cmd, "encode") == 0)
		rc = name_encode(arg, out, outlen);
	else if (strcmp(cmd, "decode") == 0)
		rc = name_decode(arg, out, outlen);
	else if (strcmp(cmd, "file") == 0)
		rc = name_file(arg, out, outlen);
	else
		rc = name_quote(arg, out, outlen);
	/* quote and file promise a string even when they fail. */
	if ((strcmp(cmd, "quote") == 0 || strcmp(cmd, "file") == 0) &&
	    memchr(out, '\0', outlen) == NULL) {
		free(out);
		return fail("result not terminated");
	}
	if (rc == 0 || strcmp(cmd, "quote") == 0)
		printf("%s\n", out);
	free(out);
	return rc == 0 ? 0 : fail("malformed or too long");
}

int
main(int argc, char **argv)
{
	char err[512], hex[65];
	const char *cmd;
	uint64_t size;
	long long free_bytes;
	int rc = 0;

	if (argc == 2 && strcmp(argv[1], "manifest") == 0)
		return do_manifest();
	if (argc < 3)
		return usage();
	cmd = argv[1];
	if (strcmp(cmd, "gzwrite") == 0 && argc == 4)
		return do_write(COMPRESSION_GZIP, argv[2], argv[3]);
	if (strcmp(cmd, "zstdwrite") == 0 && argc == 4)
		return do_write(COMPRESSION_ZSTD, argv[2], argv[3]);
	if (strcmp(cmd, "gzread") == 0 && (argc == 3 || argc == 4))
		return do_gzread(argv[2], argc == 4 ? argv[3] : NULL);
	if (strcmp(cmd, "writefile") == 0 && argc == 3)
		return do_writefile(argv[2]);
	if (strcmp(cmd, "readfile") == 0 && argc == 4)
		return do_readfile(argv[2], argv[3]);
	if (strcmp(cmd, "openin") == 0 && argc == 4)
		return do_openin(argv[2], argv[3]);
	if (strcmp(cmd, "sqlfile") == 0 && argc == 4)
		return do_sqlfile(argv[2], argv[3]);
	if (strcmp(cmd, "lock") == 0 && argc == 4)
		return do_lock(argv[2], argv[3]);
	if ((strcmp(cmd, "encode") == 0 || strcmp(cmd, "decode") == 0 ||
	    strcmp(cmd, "file") == 0) && argc == 3)
		return do_name(cmd, argv[2], NULL);
	if (strcmp(cmd, "quote") == 0 && (argc == 3 || argc == 4))
		return do_name(cmd, argv[2], argc == 4 ? argv[3] : NULL);
	if (strcmp(cmd, "rowhash") == 0 && argc == 3) {
		printf("%016" PRIx64 "\n", hash_row(argv[2], strlen(argv[2])));
		return 0;
	}
	if (strcmp(cmd, "sha256") == 0 && argc == 3) {
		if (hash_file_sha256(argv[2], hex, &size, err,
		    sizeof(err)) == -1)
			return fail(err);
		printf("%s %" PRIu64 "\n", hex, size);
		return 0;
	}
	if (strcmp(cmd, "free") == 0 && argc == 3) {
		if ((free_bytes = fs_free_bytes(argv[2])) == -1)
			return fail("statvfs failed");
		printf("%lld\n", free_bytes);
		return 0;
	}
	if (strcmp(cmd, "rename") == 0 && argc == 4)
		rc = fs_rename_durable(argv[2], argv[3], err, sizeof(err));
	else if (strcmp(cmd, "rmtree") == 0 && argc == 3)
		rc = fs_remove_tree(argv[2], err, sizeof(err));
	else if (strcmp(cmd, "mkdir") == 0 && argc == 3)
		rc = fs_mkdir_private(argv[2], err, sizeof(err));
	else if (strcmp(cmd, "mkdirp") == 0 && argc == 3)
		rc = fs_mkdir_parents(argv[2], err, sizeof(err));
	else if (strcmp(cmd, "fsyncdir") == 0 && argc == 3)
		rc = fs_fsync_dir(argv[2], err, sizeof(err));
	else
		return usage();
	return rc == -1 ? fail(err) : 0;
}
