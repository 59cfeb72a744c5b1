/* SPDX-License-Identifier: ISC */
/*
 * agetest: drives lib/age and lib/agekey for tests/lib_age.bats, so files
 * can be exchanged with the stock age and age-keygen programs and the
 * C2SP test vectors run from the shell.
 *
 *	agetest keygen
 *		a new identity in age-keygen's format on stdout, and
 *		"Public key: age1..." on stderr
 *	agetest pubkey IDENTITY_FILE
 *		the recipient of each identity in the file (age-keygen -y)
 *	agetest encrypt [-b SIZE] (-r RECIPIENT | -R FILE)... < in > out
 *	agetest encrypt [-b SIZE] -p PASSFILE [-w LOGN] < in > out
 *	agetest decrypt [-b SIZE] [-i IDENTITY_FILE]... [-p PASSFILE]
 *		stdin to stdout through SIZE-byte writes or reads
 *	agetest vector FILE...
 *		runs C2SP/CCTV age vectors: "ok NAME" when the result is the
 *		one expected (and the plaintext released has the expected
 *		SHA-256), "FAIL NAME: ..." when not
 *
 * Errors go to stderr as "agetest: ...".  Exit status: 0 done (all
 * vectors as expected), 1 failed (a payload failure, a vector not as
 * expected), 2 usage, and for decrypt 3 no identity matches, 4 a
 * malformed header, 5 a header MAC mismatch.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>
#include <zlib.h>

#include "age.h"
#include "fs.h"
#include "parse.h"

#define DEFAULT_BUF (64 * 1024)

static int
fail(const char *err)
{
	fprintf(stderr, "agetest: %s\n", err);
	return 1;
}

static int
usage(void)
{
	fprintf(stderr, "usage: agetest keygen | pubkey IDENTITY_FILE | "
	    "encrypt ... | decrypt ... | vector FILE...\n");
	return 2;
}

static int
number(const char *s, long long min, long long max, long long *out)
{
	char err[256];

	if (parse_integer(s, min, max, out, err, sizeof(err)) == -1) {
		fprintf(stderr, "agetest: %s\n", err);
		return -1;
	}
	return 0;
}

static int
do_keygen(void)
{
	char recipient[AGE_RECIPIENT_LEN + 1], err[256];

	if (age_keygen(STDOUT_FILENO, recipient, err, sizeof(err)) == -1)
		return fail(err);
	fprintf(stderr, "Public key: %s\n", recipient);
	return 0;
}

static int
do_pubkey(const char *path)
{
	struct age_identities ids = { .count = 0 };
	char recipient[AGE_RECIPIENT_LEN + 1], err[512];

	if (age_identities_load(&ids, path, err, sizeof(err)) == -1) {
		age_identities_clear(&ids);
		return fail(err);
	}
	for (size_t i = 0; i < ids.count; i++) {
		age_recipient_format(ids.keys[i].recipient, recipient);
		printf("%s\n", recipient);
	}
	age_identities_clear(&ids);
	return fflush(stdout) == EOF ? fail("write error") : 0;
}

static int
do_encrypt(int argc, char **argv)
{
	struct age_recipients to = { .count = 0 };
	struct age_writer *w = NULL;
	char err[512], *pass = NULL, *buf = NULL;
	long long bufsize = DEFAULT_BUF, log_n = AGE_SCRYPT_LOG_N_DEFAULT;
	int out_fd = STDOUT_FILENO, c, rc = 1;
	ssize_t n = 0;

	while ((c = getopt(argc, argv, "b:p:r:R:w:")) != -1) {
		switch (c) {
		case 'b':
			if (number(optarg, 1, 1 << 24, &bufsize) == -1)
				goto usage;
			break;
		case 'p':
			age_passphrase_free(pass);
			if ((pass = age_passphrase_load(optarg, err,
			    sizeof(err))) == NULL)
				goto out;
			break;
		case 'r':
			if (age_recipients_add(&to, optarg, err,
			    sizeof(err)) == -1)
				goto out;
			break;
		case 'R':
			if (age_recipients_load(&to, optarg, err,
			    sizeof(err)) == -1)
				goto out;
			break;
		case 'w':
			if (number(optarg, 1, 64, &log_n) == -1)
				goto usage;
			break;
		default:
			goto usage;
		}
	}
	if (optind != argc || (pass == NULL) == (to.count == 0))
		goto usage;
	if ((buf = malloc((size_t)bufsize)) == NULL) {
		snprintf(err, sizeof(err), "out of memory");
		goto out;
	}
	w = pass != NULL ? age_writer_open_passphrase(pass, (int)log_n,
	    age_write_fd, &out_fd, err, sizeof(err)) :
	    age_writer_open(&to, age_write_fd, &out_fd, err, sizeof(err));
	if (w == NULL)
		goto out;
	while ((n = read(STDIN_FILENO, buf, (size_t)bufsize)) > 0)
		if (age_write(w, buf, (size_t)n, err, sizeof(err)) == -1)
			goto out;
	if (n == -1) {
		snprintf(err, sizeof(err), "stdin: read error");
		goto out;
	}
	rc = age_writer_close(w, err, sizeof(err)) == -1 ? 1 : 0;
	w = NULL;
out:
	if (rc == 1)
		fail(err);
	age_writer_abort(w);
	age_recipients_clear(&to);
	age_passphrase_free(pass);
	free(buf);
	return rc;
usage:
	rc = usage();
	goto out;
}

static int
do_decrypt(int argc, char **argv)
{
	static const int exit_of[] = { [AGE_OK] = 0, [AGE_ERR_SYSTEM] = 1,
		[AGE_ERR_NO_MATCH] = 3, [AGE_ERR_HEADER] = 4,
		[AGE_ERR_HMAC] = 5 };
	struct age_identities ids = { .count = 0 };
	struct age_reader *r = NULL;
	enum age_status status;
	char err[512], *pass = NULL, *buf = NULL;
	long long bufsize = DEFAULT_BUF;
	int in_fd = STDIN_FILENO, c, rc = 1;
	ssize_t n;

	while ((c = getopt(argc, argv, "b:i:p:")) != -1) {
		switch (c) {
		case 'b':
			if (number(optarg, 1, 1 << 24, &bufsize) == -1)
				goto usage;
			break;
		case 'i':
			if (age_identities_load(&ids, optarg, err,
			    sizeof(err)) == -1)
				goto out;
			break;
		case 'p':
			age_passphrase_free(pass);
			if ((pass = age_passphrase_load(optarg, err,
			    sizeof(err))) == NULL)
				goto out;
			break;
		default:
			goto usage;
		}
	}
	if (optind != argc || (pass == NULL && ids.count == 0))
		goto usage;
	if ((buf = malloc((size_t)bufsize)) == NULL) {
		snprintf(err, sizeof(err), "out of memory");
		goto out;
	}
	if ((r = age_reader_open(age_read_fd, &in_fd, &ids, pass, &status,
	    err, sizeof(err))) == NULL) {
		rc = exit_of[status];
		goto out;
	}
	while ((n = age_read(r, buf, (size_t)bufsize, err, sizeof(err))) > 0)
		if (fwrite(buf, 1, (size_t)n, stdout) != (size_t)n) {
			snprintf(err, sizeof(err), "stdout: write error");
			goto out;
		}
	if (n == 0 && fflush(stdout) != EOF)
		rc = 0;
	else if (n == 0)
		snprintf(err, sizeof(err), "stdout: write error");
out:
	if (rc != 0 && rc != 2)
		fail(err);
	age_reader_close(r);
	age_identities_clear(&ids);
	age_passphrase_free(pass);
	free(buf);
	return rc;
usage:
	rc = usage();
	goto out;
}

/* The age file of a vector, served in pieces of varying sizes. */
struct source {
	const unsigned char *data;
	size_t len, pos;
	int zlib;
	z_stream z;
	unsigned int step;	/* which piece size comes next */
};

static ssize_t
source_read(void *ctx, void *buf, size_t len, char *err, size_t errlen)
{
	/* Odd sizes, so lines and chunks straddle the reads. */
	static const size_t pieces[] = { 7, 65536, 1, 100000, 333, 65553 };
	struct source *s = ctx;
	size_t want = pieces[s->step++ % 6];
	int zrc;

	if (want > len)
		want = len;
	if (!s->zlib) {
		if (want > s->len - s->pos)
			want = s->len - s->pos;
		memcpy(buf, s->data + s->pos, want);
		s->pos += want;
		return (ssize_t)want;
	}
	s->z.next_out = buf;
	s->z.avail_out = (uInt)want;
	/* Returning 0 would be the end: go on until there is output. */
	do
		zrc = inflate(&s->z, Z_NO_FLUSH);
	while (zrc == Z_OK && s->z.avail_out == want);
	if (zrc != Z_OK && zrc != Z_STREAM_END && zrc != Z_BUF_ERROR) {
		snprintf(err, errlen, "inflate: %s", s->z.msg != NULL ?
		    s->z.msg : "error");
		return -1;
	}
	return (ssize_t)(want - s->z.avail_out);
}

/* A vector's "key: value" lines. */
struct vector {
	const char *expect, *payload, *passphrase;
	struct age_identities ids;
	int zlib, unknown;
};

/*
 * Parses the header of the vector in text (len bytes, NUL-terminated),
 * in place; *body is where the age file starts.  0, or -1 with err.
 */
static int
vector_parse(char *text, size_t len, struct vector *v, size_t *body,
    char *err, size_t errlen)
{
	char *line = text, *nl, *value;

	for (;;) {
		if ((nl = memchr(line, '\n', len - (size_t)(line - text))) ==
		    NULL) {
			snprintf(err, errlen, "no blank line after the header");
			return -1;
		}
		*nl = '\0';
		if (line == nl)
			break;
		if ((value = strstr(line, ": ")) == NULL) {
			snprintf(err, errlen, "header line without ': '");
			return -1;
		}
		*value = '\0';
		value += 2;
		if (strcmp(line, "expect") == 0)
			v->expect = value;
		else if (strcmp(line, "payload") == 0)
			v->payload = value;
		else if (strcmp(line, "passphrase") == 0) {
			/* Our reader takes one: a vector that needs the
			 * second would fail as "no match". */
			if (v->passphrase == NULL)
				v->passphrase = value;
		} else if (strcmp(line, "identity") == 0) {
			if (age_identities_add(&v->ids, value, err,
			    errlen) == -1)
				return -1;
		} else if (strcmp(line, "compressed") == 0 &&
		    strcmp(value, "zlib") == 0)
			v->zlib = 1;
		else if (strcmp(line, "file key") != 0 &&
		    strcmp(line, "comment") != 0)
			v->unknown = 1;
		line = nl + 1;
	}
	*body = (size_t)(nl + 1 - text);
	return 0;
}

/*
 * Decrypts the age file in src with v's keys.  Returns the class the
 * C2SP vectors use, and the hex SHA-256 of the plaintext released.
 */
static const char *
vector_decrypt(struct source *src, const struct vector *v, char hex[65],
    char *err, size_t errlen)
{
	static const char *class_of[] = { [AGE_OK] = "success",
		[AGE_ERR_SYSTEM] = "error", [AGE_ERR_HEADER] =
		"header failure", [AGE_ERR_NO_MATCH] = "no match",
		[AGE_ERR_HMAC] = "HMAC failure" };
	crypto_hash_sha256_state sha;
	unsigned char buf[10000], digest[32];
	struct age_reader *r;
	enum age_status status;
	ssize_t n = -1;

	crypto_hash_sha256_init(&sha);
	r = age_reader_open(source_read, src, &v->ids, v->passphrase, &status,
	    err, errlen);
	while (r != NULL && (n = age_read(r, buf, sizeof(buf), err,
	    errlen)) > 0)
		crypto_hash_sha256_update(&sha, buf, (size_t)n);
	crypto_hash_sha256_final(&sha, digest);
	sodium_bin2hex(hex, 65, digest, sizeof(digest));
	age_reader_close(r);
	if (r == NULL)
		return class_of[status];
	return n == 0 ? "success" : "payload failure";
}

/* Runs the vector at path.  0 when it came out as expected, else 1. */
static int
run_vector(const char *path)
{
	const char *name = strrchr(path, '/') != NULL ? strrchr(path, '/') + 1 :
	    path, *got = NULL;
	struct vector v = { .expect = NULL };
	struct source src = { .zlib = 0 };
	char err[512] = "", hex[65], *text;
	size_t len, body;
	int rc = 1;

	if ((text = fs_read_file(path, 64 << 20, &len, err, sizeof(err))) ==
	    NULL) {
		printf("FAIL %s: %s\n", name, err);
		return 1;
	}
	if (vector_parse(text, len, &v, &body, err, sizeof(err)) == -1)
		goto out;
	if (v.expect == NULL || v.unknown) {
		snprintf(err, sizeof(err), "no expect, or an unknown key");
		goto out;
	}
	src.data = (unsigned char *)text + body;
	src.len = len - body;
	if (v.zlib) {
		if (inflateInit(&src.z) != Z_OK) {
			snprintf(err, sizeof(err), "inflateInit failed");
			goto out;
		}
		src.zlib = 1;
		src.z.next_in = (unsigned char *)text + body;
		src.z.avail_in = (uInt)(len - body);
	}
	got = vector_decrypt(&src, &v, hex, err, sizeof(err));
	if (strcmp(got, v.expect) != 0)
		goto out;
	if (v.payload != NULL && strcmp(hex, v.payload) != 0) {
		snprintf(err, sizeof(err), "plaintext released has SHA-256 %s,"
		    " not %s", hex, v.payload);
		goto out;
	}
	rc = 0;
out:
	if (rc == 0)
		printf("ok %s: %s%s%s\n", name, got, err[0] != '\0' ? ": " : "",
		    err);
	else if (got != NULL)
		printf("FAIL %s: expected %s, got %s: %s\n", name, v.expect,
		    got, err);
	else
		printf("FAIL %s: %s\n", name, err);
	if (src.zlib)
		(void)inflateEnd(&src.z);
	age_identities_clear(&v.ids);
	free(text);
	return rc;
}

int
main(int argc, char **argv)
{
	int rc = 0;

	if (argc < 2)
		return usage();
	if (strcmp(argv[1], "keygen") == 0 && argc == 2)
		return do_keygen();
	if (strcmp(argv[1], "pubkey") == 0 && argc == 3)
		return do_pubkey(argv[2]);
	if (strcmp(argv[1], "encrypt") == 0)
		return do_encrypt(argc - 1, argv + 1);
	if (strcmp(argv[1], "decrypt") == 0)
		return do_decrypt(argc - 1, argv + 1);
	if (strcmp(argv[1], "vector") == 0 && argc > 2) {
		for (int i = 2; i < argc; i++)
			rc |= run_vector(argv[i]);
		return fflush(stdout) == EOF ? fail("write error") : rc;
	}
	return usage();
}
