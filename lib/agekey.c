/* SPDX-License-Identifier: ISC */
/*
 * agekey: age's key strings and key files.  A recipient is the bech32
 * encoding (lib/bech32) of an X25519 public key with the prefix "age",
 * an identity that of the secret scalar with "AGE-SECRET-KEY-", written
 * in upper case; the public key of an identity is X25519(secret,
 * basepoint), computed when it is parsed.  Like age, a recipient must be
 * written in lower case and an identity in upper case.
 *
 * Key files and passphrase files are read whole into one buffer allocated
 * once (never grown by realloc, which would leave a copy of a secret in
 * freed memory), parsed line by line in place, then wiped.  Identity
 * arrays grow the same way: a new array, a copy, the old one wiped.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "agekey.h"
#include "bech32.h"
#include "fs.h"

#define RECIPIENT_PREFIX "age"
#define IDENTITY_PREFIX "AGE-SECRET-KEY-"

/*
 * Decodes a bech32 key whose human-readable part, as written, must be
 * prefix (the case included, as age wants it) and whose data must be
 * AGE_KEY_SIZE bytes.  0, or -1 with the reason in why.
 */
static int
parse_key(const char *str, const char *prefix, const char *kind,
    unsigned char key[AGE_KEY_SIZE], char *why, size_t whylen)
{
	char hrp[32], reason[128];
	size_t len, plen = strlen(prefix);

	/* The separator is the last '1': "age1pq1..." is not ours. */
	if (strncmp(str, prefix, plen) != 0 ||
	    strrchr(str, '1') != str + plen) {
		snprintf(why, whylen, "not an X25519 %s (%s1...)", kind,
		    prefix);
		return -1;
	}
	if (bech32_decode(str, hrp, sizeof(hrp), key, AGE_KEY_SIZE, &len,
	    reason, sizeof(reason)) == -1) {
		snprintf(why, whylen, "invalid bech32: %s", reason);
		return -1;
	}
	if (len != AGE_KEY_SIZE) {
		snprintf(why, whylen, "not %d bytes long", AGE_KEY_SIZE);
		return -1;
	}
	return 0;
}

/* Parses recipient and appends it to rs.  0, or -1 with why. */
static int
recipients_push(struct age_recipients *rs, const char *recipient,
    char *why, size_t whylen)
{
	unsigned char key[AGE_KEY_SIZE];

	/* A secret key given by mistake: say so, and never echo it. */
	if (strncasecmp(recipient, IDENTITY_PREFIX, strlen(IDENTITY_PREFIX)) ==
	    0) {
		snprintf(why, whylen, "a secret key, not a recipient: give "
		    "its public key (age-keygen -y)");
		return -1;
	}
	if (parse_key(recipient, RECIPIENT_PREFIX, "recipient", key, why,
	    whylen) == -1)
		return -1;
	if (rs->count == rs->cap) {
		size_t cap = rs->cap == 0 ? 4 : rs->cap * 2;
		void *grown = reallocarray(rs->keys, cap, AGE_KEY_SIZE);

		if (grown == NULL) {
			snprintf(why, whylen, "out of memory");
			return -1;
		}
		rs->keys = grown;
		rs->cap = cap;
	}
	memcpy(rs->keys[rs->count++], key, AGE_KEY_SIZE);
	return 0;
}

int
age_recipients_add(struct age_recipients *rs, const char *recipient,
    char *err, size_t errlen)
{
	char why[160];

	if (recipients_push(rs, recipient, why, sizeof(why)) == -1) {
		snprintf(err, errlen, "recipient: %s", why);
		return -1;
	}
	return 0;
}

void
age_recipients_clear(struct age_recipients *rs)
{
	free(rs->keys);
	memset(rs, 0, sizeof(*rs));
}

/* Parses identity and appends it to ids.  0, or -1 with why. */
static int
identities_push(struct age_identities *ids, const char *identity,
    char *why, size_t whylen)
{
	struct age_identity *grown, *id;

	/* A new array and a copy: realloc would leave the old one behind. */
	if (ids->count == ids->cap) {
		size_t cap = ids->cap == 0 ? 4 : ids->cap * 2;

		if ((grown = calloc(cap, sizeof(*grown))) == NULL) {
			snprintf(why, whylen, "out of memory");
			return -1;
		}
		if (ids->count > 0) {
			memcpy(grown, ids->keys, ids->count * sizeof(*grown));
			sodium_memzero(ids->keys,
			    ids->count * sizeof(*grown));
		}
		free(ids->keys);
		ids->keys = grown;
		ids->cap = cap;
	}
	id = &ids->keys[ids->count];
	if (parse_key(identity, IDENTITY_PREFIX, "identity", id->secret, why,
	    whylen) == -1) {
		sodium_memzero(id->secret, sizeof(id->secret));
		return -1;
	}
	/* Cannot fail: the scalar is clamped, the result never all zero. */
	(void)crypto_scalarmult_base(id->recipient, id->secret);
	ids->count++;
	return 0;
}

int
age_identities_add(struct age_identities *ids, const char *identity,
    char *err, size_t errlen)
{
	char why[160];

	if (identities_push(ids, identity, why, sizeof(why)) == -1) {
		snprintf(err, errlen, "identity: %s", why);
		return -1;
	}
	return 0;
}

void
age_identities_clear(struct age_identities *ids)
{
	if (ids->keys != NULL)
		sodium_memzero(ids->keys, ids->cap * sizeof(*ids->keys));
	free(ids->keys);
	memset(ids, 0, sizeof(*ids));
}

static void
wipe_free(char *buf, size_t len)
{
	if (buf != NULL)
		sodium_memzero(buf, len);
	free(buf);
}

/*
 * Reads the regular file at path into a buffer of AGE_KEYFILE_MAX + 1
 * bytes, NUL-terminated.  Returns it (wipe and free it with wipe_free), or
 * NULL with "path: why" in err.
 */
static char *
read_secret_file(const char *path, size_t *len, char *err, size_t errlen)
{
	char *buf;
	size_t used = 0;
	ssize_t n;
	int fd;

	if ((fd = fs_open_regular(path, err, errlen)) == -1)
		return NULL;
	if ((buf = malloc(AGE_KEYFILE_MAX + 1)) == NULL) {
		snprintf(err, errlen, "%s: out of memory", path);
		(void)close(fd);
		return NULL;
	}
	for (;;) {
		n = read(fd, buf + used, AGE_KEYFILE_MAX + 1 - used);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
		if (n <= 0)
			break;
		used += (size_t)n;
		if (used > AGE_KEYFILE_MAX) {
			snprintf(err, errlen, "%s: larger than %u bytes", path,
			    AGE_KEYFILE_MAX);
			n = -1;
			break;
		}
	}
	(void)close(fd);
	if (n == -1) {
		wipe_free(buf, used);
		return NULL;
	}
	buf[used] = '\0';
	*len = used;
	return buf;
}

/*
 * Calls add(ctx, line) for each line of the key file at path that is not
 * blank or a comment; a line may end in CRLF, as age accepts.  kind names
 * what the file must hold.  0, or -1 with "path: line N: why" in err.
 */
static int
each_key_line(const char *path, const char *kind,
    int (*add)(void *ctx, const char *line, char *why, size_t whylen),
    void *ctx, char *err, size_t errlen)
{
	char *buf, *line, *next, *eol, why[160];
	size_t len, lineno = 0, keys = 0;
	int rc = -1;

	if ((buf = read_secret_file(path, &len, err, errlen)) == NULL)
		return -1;
	for (line = buf; line < buf + len; line = next) {
		lineno++;
		if ((eol = memchr(line, '\n', (size_t)(buf + len - line))) ==
		    NULL)
			eol = buf + len;
		next = eol < buf + len ? eol + 1 : eol;
		if (eol > line && eol[-1] == '\r')
			eol--;
		if (eol == line || *line == '#')
			continue;
		if (memchr(line, '\0', (size_t)(eol - line)) != NULL) {
			snprintf(err, errlen, "%s: line %zu: NUL byte", path,
			    lineno);
			goto out;
		}
		*eol = '\0';
		if (add(ctx, line, why, sizeof(why)) == -1) {
			snprintf(err, errlen, "%s: line %zu: %s", path, lineno,
			    why);
			goto out;
		}
		keys++;
	}
	if (keys == 0) {
		snprintf(err, errlen, "%s: no %s in the file", path, kind);
		goto out;
	}
	rc = 0;
out:
	wipe_free(buf, len);
	return rc;
}

static int
recipient_line(void *ctx, const char *line, char *why, size_t whylen)
{
	return recipients_push(ctx, line, why, whylen);
}

static int
identity_line(void *ctx, const char *line, char *why, size_t whylen)
{
	return identities_push(ctx, line, why, whylen);
}

/* A file is taken whole or not at all. */
int
age_recipients_load(struct age_recipients *rs, const char *path, char *err,
    size_t errlen)
{
	size_t before = rs->count;

	if (each_key_line(path, "recipient", recipient_line, rs, err,
	    errlen) == -1) {
		rs->count = before;
		return -1;
	}
	return 0;
}

int
age_identities_load(struct age_identities *ids, const char *path,
    char *err, size_t errlen)
{
	size_t before = ids->count;

	if (each_key_line(path, "identity", identity_line, ids, err,
	    errlen) == -1) {
		sodium_memzero(ids->keys + before,
		    (ids->count - before) * sizeof(*ids->keys));
		ids->count = before;
		return -1;
	}
	return 0;
}

void
age_recipient_format(const unsigned char key[AGE_KEY_SIZE],
    char out[AGE_RECIPIENT_LEN + 1])
{
	char err[64];

	/* Cannot fail: the prefix is valid and out is large enough. */
	(void)bech32_encode(out, AGE_RECIPIENT_LEN + 1, "age", key,
	    AGE_KEY_SIZE, err, sizeof(err));
}

/* now as RFC 3339 in local time, as Go's time.RFC3339 writes it. */
static int
rfc3339_now(char *out, size_t outlen)
{
	time_t now = time(NULL);
	struct tm tm;
	long off;
	size_t n;

	if (localtime_r(&now, &tm) == NULL ||
	    (n = strftime(out, outlen, "%Y-%m-%dT%H:%M:%S", &tm)) == 0)
		return -1;
	off = tm.tm_gmtoff / 60;
	if (off == 0)
		snprintf(out + n, outlen - n, "Z");
	else
		snprintf(out + n, outlen - n, "%c%02ld:%02ld",
		    off < 0 ? '-' : '+', labs(off) / 60, labs(off) % 60);
	return 0;
}

int
age_keygen(int fd, char recipient[AGE_RECIPIENT_LEN + 1], char *err,
    size_t errlen)
{
	unsigned char secret[AGE_KEY_SIZE], public[AGE_KEY_SIZE];
	char created[64], identity[AGE_IDENTITY_LEN + 1], text[256];
	size_t len, off = 0;
	ssize_t n;
	int rc = -1;

	if (sodium_init() == -1) {
		snprintf(err, errlen, "keygen: cannot initialise libsodium");
		return -1;
	}
	if (rfc3339_now(created, sizeof(created)) == -1) {
		snprintf(err, errlen, "keygen: cannot format the time");
		return -1;
	}
	randombytes_buf(secret, sizeof(secret));
	(void)crypto_scalarmult_base(public, secret);
	age_recipient_format(public, recipient);
	(void)bech32_encode(identity, sizeof(identity), "age-secret-key-",
	    secret, sizeof(secret), err, errlen);
	for (char *p = identity; *p != '\0'; p++)
		if (*p >= 'a' && *p <= 'z')
			*p = (char)(*p - 'a' + 'A');
	len = (size_t)snprintf(text, sizeof(text),
	    "# created: %s\n# public key: %s\n%s\n", created, recipient,
	    identity);
	while (off < len) {
		n = write(fd, text + off, len - off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			snprintf(err, errlen, "keygen: write: %s",
			    strerror(errno));
			goto out;
		}
		off += (size_t)n;
	}
	rc = 0;
out:
	sodium_memzero(secret, sizeof(secret));
	sodium_memzero(identity, sizeof(identity));
	sodium_memzero(text, sizeof(text));
	return rc;
}

char *
age_passphrase_load(const char *path, char *err, size_t errlen)
{
	char *buf, *pass = NULL;
	size_t len, n;

	if ((buf = read_secret_file(path, &len, err, errlen)) == NULL)
		return NULL;
	n = len;
	if (n > 0 && buf[n - 1] == '\n')
		n--;
	if (n > 0 && buf[n - 1] == '\r' && n < len)
		n--;
	if (n == 0)
		snprintf(err, errlen, "%s: empty passphrase", path);
	else if (memchr(buf, '\n', n) != NULL)
		snprintf(err, errlen, "%s: more than one line", path);
	else if (memchr(buf, '\0', n) != NULL)
		snprintf(err, errlen, "%s: NUL byte in the passphrase", path);
	else if ((pass = malloc(n + 1)) == NULL)
		snprintf(err, errlen, "%s: out of memory", path);
	else {
		memcpy(pass, buf, n);
		pass[n] = '\0';
	}
	wipe_free(buf, len);
	return pass;
}

void
age_passphrase_free(char *passphrase)
{
	if (passphrase != NULL)
		sodium_memzero(passphrase, strlen(passphrase));
	free(passphrase);
}
