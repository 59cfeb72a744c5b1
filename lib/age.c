/* SPDX-License-Identifier: ISC */
/*
 * age: the age v1 format on libsodium 1.0.18.
 *
 * Writing: a random 16-byte file key is wrapped once per recipient.  An
 * X25519 stanza holds an ephemeral public key (the share) and the file
 * key sealed with ChaCha20-Poly1305 (nonce all zero) under
 * HKDF(X25519(ephemeral secret, recipient), salt share || recipient); a
 * scrypt stanza holds a salt, the work factor, and the file key sealed
 * under scrypt(passphrase).  The header ends with "---" and an HMAC-SHA256
 * of all the header before it, keyed by HKDF(file key, "header"), then a
 * random 16-byte nonce gives the payload key HKDF(file key, nonce,
 * "payload").  The plaintext is cut into 64 KiB chunks, each sealed with
 * the nonce (11-byte big-endian chunk number || 1 on the final chunk, else
 * 0), so a reader can tell a file that ends early from one that ended.
 * A full chunk is only sealed once more data arrives, so the final chunk
 * may be full, and is empty only when the whole payload is.  libsodium
 * 1.0.18 has no HKDF: it is built from HMAC-SHA256 below (RFC 5869, one
 * 32-byte block).
 *
 * Reading: the header is read line by line and kept whole, because its
 * MAC covers the exact bytes read (never a re-encoding).  Every stanza's
 * arguments must be printable ASCII and its body canonical base64 of at
 * most 64 columns a line, ended by a shorter line; X25519 and scrypt
 * stanzas must be exactly as the spec says, other types are skipped.  The
 * payload is read one chunk and one byte ahead: a full chunk followed by
 * more data should be a middle chunk, but a final chunk may be full, so
 * it is tried as both; a final chunk with data after it, or a middle one
 * at the end of the file, is released (it authenticated) and then fails,
 * as age itself does and the C2SP vectors check.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "age.h"

#define FILE_KEY_SIZE 16
#define NONCE_SIZE 16		/* the payload nonce after the header */
#define BODY_SIZE 32		/* a sealed file key */
#define SALT_SIZE 16		/* scrypt */
#define MAC_SIZE 32
#define TAG_SIZE crypto_aead_chacha20poly1305_ietf_ABYTES
#define AEAD_NONCE crypto_aead_chacha20poly1305_ietf_NPUBBYTES
#define AEAD_KEY crypto_aead_chacha20poly1305_ietf_KEYBYTES
#define ENC_CHUNK (AGE_CHUNK_SIZE + TAG_SIZE)
#define B64_32 43		/* unpadded base64 of 32 bytes */
#define HEADER_MAX (1u << 20)	/* a longer header is refused */

#define VERSION_LINE "age-encryption.org/v1\n"
#define X25519_INFO "age-encryption.org/v1/X25519"
#define SCRYPT_LABEL "age-encryption.org/v1/scrypt"

static int
crypto_start(char *err, size_t errlen)
{
	if (sodium_init() == -1) {
		snprintf(err, errlen, "age: cannot initialise libsodium");
		return -1;
	}
	return 0;
}

/* HKDF-SHA256 (RFC 5869) with a 32-byte output: Extract, then T(1). */
static void
hkdf(unsigned char out[32], const unsigned char *salt, size_t saltlen,
    const unsigned char *ikm, size_t ikmlen, const char *info)
{
	crypto_auth_hmacsha256_state st;
	unsigned char prk[32], one = 1;

	/* An empty salt is a key of zeros, which HMAC pads to anyway. */
	crypto_auth_hmacsha256_init(&st, salt != NULL ? salt :
	    (const unsigned char *)"", saltlen);
	crypto_auth_hmacsha256_update(&st, ikm, ikmlen);
	crypto_auth_hmacsha256_final(&st, prk);
	crypto_auth_hmacsha256_init(&st, prk, sizeof(prk));
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)info,
	    strlen(info));
	crypto_auth_hmacsha256_update(&st, &one, 1);
	crypto_auth_hmacsha256_final(&st, out);
	sodium_memzero(prk, sizeof(prk));
	sodium_memzero(&st, sizeof(st));
}

/* The MAC of the header text up to and including its "---". */
static void
header_mac(unsigned char mac[MAC_SIZE], const unsigned char file_key[],
    const char *text, size_t len)
{
	crypto_auth_hmacsha256_state st;
	unsigned char key[32];

	hkdf(key, NULL, 0, file_key, FILE_KEY_SIZE, "header");
	crypto_auth_hmacsha256_init(&st, key, sizeof(key));
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)text, len);
	crypto_auth_hmacsha256_final(&st, mac);
	sodium_memzero(key, sizeof(key));
	sodium_memzero(&st, sizeof(st));
}

/* Writes the unpadded base64 of len bytes and a NUL at out. */
static size_t
b64_encode(char *out, const unsigned char *bin, size_t len)
{
	sodium_bin2base64(out, sodium_base64_ENCODED_LEN(len,
	    sodium_base64_VARIANT_ORIGINAL_NO_PADDING), bin, len,
	    sodium_base64_VARIANT_ORIGINAL_NO_PADDING);
	return strlen(out);
}

/*
 * Decodes all slen characters at s, canonical unpadded base64, into at
 * most max bytes; the count in *len.  0, or -1.
 */
static int
b64_decode(unsigned char *out, size_t max, const char *s, size_t slen,
    size_t *len)
{
	const char *end;

	if (sodium_base642bin(out, max, s, slen, NULL, len, &end,
	    sodium_base64_VARIANT_ORIGINAL_NO_PADDING) != 0)
		return -1;
	return end == s + slen ? 0 : -1;
}

/* The nonce of chunk number counter. */
static void
chunk_nonce(unsigned char nonce[AEAD_NONCE], uint64_t counter, int last)
{
	memset(nonce, 0, AEAD_NONCE);
	for (int i = 0; i < 8; i++)
		nonce[10 - i] = (unsigned char)(counter >> (8 * i));
	nonce[11] = last ? 1 : 0;
}

static const unsigned char zero_nonce[AEAD_NONCE];

/* scrypt(N = 2^log_n, r = 8, p = 1) of passphrase with age's salt. */
static int
scrypt_key(unsigned char key[32], const char *passphrase,
    const unsigned char salt[SALT_SIZE], int log_n, char *err,
    size_t errlen)
{
	unsigned char s[sizeof(SCRYPT_LABEL) - 1 + SALT_SIZE];

	memcpy(s, SCRYPT_LABEL, sizeof(SCRYPT_LABEL) - 1);
	memcpy(s + sizeof(SCRYPT_LABEL) - 1, salt, SALT_SIZE);
	if (crypto_pwhash_scryptsalsa208sha256_ll(
	    (const uint8_t *)passphrase, strlen(passphrase), s, sizeof(s),
	    (uint64_t)1 << log_n, 8, 1, key, 32) != 0) {
		snprintf(err, errlen, "age: scrypt with work factor 2^%d: %s",
		    log_n, errno == ENOMEM ? "out of memory" :
		    "cannot compute");
		return -1;
	}
	return 0;
}

int
age_write_fd(void *ctx, const void *buf, size_t len, char *err,
    size_t errlen)
{
	const unsigned char *p = buf;
	ssize_t n;

	while (len > 0) {
		n = write(*(int *)ctx, p, len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			snprintf(err, errlen, "write: %s", strerror(errno));
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

ssize_t
age_read_fd(void *ctx, void *buf, size_t len, char *err, size_t errlen)
{
	ssize_t n;

	do
		n = read(*(int *)ctx, buf, len);
	while (n == -1 && errno == EINTR);
	if (n == -1)
		snprintf(err, errlen, "read: %s", strerror(errno));
	return n;
}

struct age_writer {
	age_write_fn *out;
	void *ctx;
	int failed;		/* out failed: the file is unusable */
	uint64_t counter;	/* the next chunk's number */
	unsigned char key[AEAD_KEY];
	size_t len;		/* plaintext bytes in buf */
	unsigned char buf[ENC_CHUNK];	/* one chunk, sealed in place */
};

void
age_writer_abort(struct age_writer *w)
{
	if (w == NULL)
		return;
	sodium_memzero(w, sizeof(*w));
	free(w);
}

/*
 * Appends an X25519 stanza wrapping file_key for recipient to text.
 * 0, or -1 when recipient is a low-order point.
 */
static int
x25519_stanza(char *text, size_t *len, const unsigned char file_key[],
    const unsigned char recipient[AGE_KEY_SIZE])
{
	unsigned char esk[32], share[32], shared[32], salt[64], wrap[32];
	unsigned char body[BODY_SIZE];
	char b64[B64_32 + 1];
	int rc = -1;

	randombytes_buf(esk, sizeof(esk));
	(void)crypto_scalarmult_base(share, esk);
	if (crypto_scalarmult(shared, esk, recipient) != 0)
		goto out;
	memcpy(salt, share, 32);
	memcpy(salt + 32, recipient, 32);
	hkdf(wrap, salt, sizeof(salt), shared, sizeof(shared), X25519_INFO);
	crypto_aead_chacha20poly1305_ietf_encrypt(body, NULL, file_key,
	    FILE_KEY_SIZE, NULL, 0, NULL, zero_nonce, wrap);
	b64_encode(b64, share, sizeof(share));
	*len += (size_t)sprintf(text + *len, "-> X25519 %s\n", b64);
	b64_encode(b64, body, sizeof(body));
	*len += (size_t)sprintf(text + *len, "%s\n", b64);
	rc = 0;
out:
	sodium_memzero(esk, sizeof(esk));
	sodium_memzero(shared, sizeof(shared));
	sodium_memzero(wrap, sizeof(wrap));
	return rc;
}

/* Appends the scrypt stanza wrapping file_key under passphrase to text. */
static int
scrypt_stanza(char *text, size_t *len, const unsigned char file_key[],
    const char *passphrase, int log_n, char *err, size_t errlen)
{
	unsigned char salt[SALT_SIZE], wrap[32], body[BODY_SIZE];
	char b64[B64_32 + 1];

	randombytes_buf(salt, sizeof(salt));
	if (scrypt_key(wrap, passphrase, salt, log_n, err, errlen) == -1)
		return -1;
	crypto_aead_chacha20poly1305_ietf_encrypt(body, NULL, file_key,
	    FILE_KEY_SIZE, NULL, 0, NULL, zero_nonce, wrap);
	sodium_memzero(wrap, sizeof(wrap));
	b64_encode(b64, salt, sizeof(salt));
	*len += (size_t)sprintf(text + *len, "-> scrypt %s %d\n", b64, log_n);
	b64_encode(b64, body, sizeof(body));
	*len += (size_t)sprintf(text + *len, "%s\n", b64);
	return 0;
}

/*
 * Ends the header in text (room for 64 more bytes) with its MAC, appends
 * the payload nonce, writes it all and returns the writer, keyed for the
 * payload.  NULL with err.
 */
static struct age_writer *
writer_start(char *text, size_t len, const unsigned char file_key[],
    age_write_fn *out, void *ctx, char *err, size_t errlen)
{
	struct age_writer *w;
	unsigned char mac[MAC_SIZE], nonce[NONCE_SIZE];
	char b64[B64_32 + 1];

	if ((w = calloc(1, sizeof(*w))) == NULL) {
		snprintf(err, errlen, "age: out of memory");
		return NULL;
	}
	w->out = out;
	w->ctx = ctx;
	len += (size_t)sprintf(text + len, "---");
	header_mac(mac, file_key, text, len);
	b64_encode(b64, mac, sizeof(mac));
	len += (size_t)sprintf(text + len, " %s\n", b64);
	randombytes_buf(nonce, sizeof(nonce));
	memcpy(text + len, nonce, sizeof(nonce));
	len += sizeof(nonce);
	hkdf(w->key, nonce, sizeof(nonce), file_key, FILE_KEY_SIZE, "payload");
	if (out(ctx, text, len, err, errlen) == -1) {
		age_writer_abort(w);
		return NULL;
	}
	return w;
}

struct age_writer *
age_writer_open(const struct age_recipients *to, age_write_fn *out,
    void *ctx, char *err, size_t errlen)
{
	struct age_writer *w = NULL;
	unsigned char file_key[FILE_KEY_SIZE];
	size_t len = 0;
	char *text;

	if (crypto_start(err, errlen) == -1)
		return NULL;
	if (to->count == 0) {
		snprintf(err, errlen, "age: no recipient");
		return NULL;
	}
	/* 98 bytes a stanza; the version, MAC line and nonce are 86. */
	if ((text = malloc(sizeof(VERSION_LINE) + to->count * 100 + 64)) ==
	    NULL) {
		snprintf(err, errlen, "age: out of memory");
		return NULL;
	}
	randombytes_buf(file_key, sizeof(file_key));
	len = (size_t)sprintf(text, "%s", VERSION_LINE);
	for (size_t i = 0; i < to->count; i++)
		if (x25519_stanza(text, &len, file_key, to->keys[i]) == -1) {
			snprintf(err, errlen, "age: recipient %zu is not a "
			    "usable X25519 public key", i + 1);
			goto out;
		}
	w = writer_start(text, len, file_key, out, ctx, err, errlen);
out:
	sodium_memzero(file_key, sizeof(file_key));
	free(text);
	return w;
}

struct age_writer *
age_writer_open_passphrase(const char *passphrase, int log_n,
    age_write_fn *out, void *ctx, char *err, size_t errlen)
{
	struct age_writer *w = NULL;
	unsigned char file_key[FILE_KEY_SIZE];
	char text[256];
	size_t len;

	if (crypto_start(err, errlen) == -1)
		return NULL;
	if (passphrase[0] == '\0') {
		snprintf(err, errlen, "age: empty passphrase");
		return NULL;
	}
	if (log_n < 1 || log_n > AGE_SCRYPT_LOG_N_MAX) {
		snprintf(err, errlen, "age: scrypt work factor 2^%d out of "
		    "range (2^1 to 2^%d)", log_n, AGE_SCRYPT_LOG_N_MAX);
		return NULL;
	}
	randombytes_buf(file_key, sizeof(file_key));
	len = (size_t)sprintf(text, "%s", VERSION_LINE);
	if (scrypt_stanza(text, &len, file_key, passphrase, log_n, err,
	    errlen) == 0)
		w = writer_start(text, len, file_key, out, ctx, err, errlen);
	sodium_memzero(file_key, sizeof(file_key));
	return w;
}

/* Seals the chunk in buf and writes it.  0, or -1 with err. */
static int
seal(struct age_writer *w, int last, char *err, size_t errlen)
{
	unsigned char nonce[AEAD_NONCE];

	chunk_nonce(nonce, w->counter, last);
	crypto_aead_chacha20poly1305_ietf_encrypt_detached(w->buf,
	    w->buf + w->len, NULL, w->buf, w->len, NULL, 0, NULL, nonce,
	    w->key);
	if (w->out(w->ctx, w->buf, w->len + TAG_SIZE, err, errlen) == -1) {
		w->failed = 1;
		return -1;
	}
	w->counter++;
	w->len = 0;
	return 0;
}

int
age_write(struct age_writer *w, const void *buf, size_t len, char *err,
    size_t errlen)
{
	const unsigned char *p = buf;
	size_t n;

	if (w->failed) {
		snprintf(err, errlen, "age: an earlier write failed");
		return -1;
	}
	while (len > 0) {
		/* A full chunk is sealed only now that more data follows. */
		if (w->len == AGE_CHUNK_SIZE && seal(w, 0, err, errlen) == -1)
			return -1;
		n = AGE_CHUNK_SIZE - w->len < len ? AGE_CHUNK_SIZE - w->len :
		    len;
		memcpy(w->buf + w->len, p, n);
		w->len += n;
		p += n;
		len -= n;
	}
	return 0;
}

int
age_writer_close(struct age_writer *w, char *err, size_t errlen)
{
	int rc;

	if (w->failed) {
		snprintf(err, errlen, "age: an earlier write failed");
		rc = -1;
	} else
		rc = seal(w, 1, err, errlen);
	age_writer_abort(w);
	return rc;
}

enum stanza_type { STANZA_OTHER, STANZA_X25519, STANZA_SCRYPT };

/* A recipient stanza as read, with what unwrapping needs. */
struct stanza {
	enum stanza_type type;
	int log_n;				/* scrypt */
	unsigned char arg[AGE_KEY_SIZE];	/* X25519 share, scrypt salt */
	unsigned char body[BODY_SIZE];
};

/* A header as read: its exact text, its stanzas and its MAC. */
struct header {
	char *text;
	size_t len, cap;
	struct stanza *stanzas;
	size_t count, scap;
	size_t mac_at;		/* "---": the MAC covers text up to +3 */
	unsigned char mac[MAC_SIZE];
};

struct age_reader {
	age_read_fn *in;
	void *ctx;
	int eof;		/* in has returned 0 */
	int done;		/* the final chunk is in out */
	const char *fail_after;	/* fails with this once out is served */
	char failed[256];	/* every later call fails with this */
	uint64_t counter;	/* the next chunk's number */
	unsigned char key[AEAD_KEY];
	size_t out_pos, out_len;	/* plaintext not yet served */
	unsigned char out[AGE_CHUNK_SIZE];
	size_t pos, len;	/* input not yet used: buf[pos, len) */
	unsigned char buf[ENC_CHUNK + 1];	/* a chunk and a byte ahead */
};

void
age_reader_close(struct age_reader *r)
{
	if (r == NULL)
		return;
	sodium_memzero(r, sizeof(*r));
	free(r);
}

/* Moves the unused input to the front and reads more.  0, or -1. */
static int
fill(struct age_reader *r, char *err, size_t errlen)
{
	ssize_t n;

	if (r->pos > 0) {
		memmove(r->buf, r->buf + r->pos, r->len - r->pos);
		r->len -= r->pos;
		r->pos = 0;
	}
	if ((n = r->in(r->ctx, r->buf + r->len, sizeof(r->buf) - r->len, err,
	    errlen)) == -1)
		return -1;
	if (n == 0)
		r->eof = 1;
	r->len += (size_t)n;
	return 0;
}

/*
 * Appends the next header line, its LF included, to h->text.  Its offset
 * goes into *at.  0, or -1 with *status and err.
 */
static int
read_line(struct age_reader *r, struct header *h, size_t *at,
    enum age_status *status, char *err, size_t errlen)
{
	unsigned char *nl;
	size_t n;

	*at = h->len;
	for (;;) {
		nl = memchr(r->buf + r->pos, '\n', r->len - r->pos);
		n = nl != NULL ? (size_t)(nl - r->buf - r->pos) + 1 :
		    r->len - r->pos;
		if (h->len + n > HEADER_MAX) {
			*status = AGE_ERR_HEADER;
			snprintf(err, errlen, "age: header longer than %u "
			    "bytes", HEADER_MAX);
			return -1;
		}
		if (h->len + n + 1 > h->cap) {
			size_t cap = h->cap == 0 ? 1024 : h->cap;
			char *grown;

			while (cap < h->len + n + 1)
				cap *= 2;
			if ((grown = realloc(h->text, cap)) == NULL) {
				*status = AGE_ERR_SYSTEM;
				snprintf(err, errlen, "age: out of memory");
				return -1;
			}
			h->text = grown;
			h->cap = cap;
		}
		memcpy(h->text + h->len, r->buf + r->pos, n);
		h->len += n;
		h->text[h->len] = '\0';
		r->pos += n;
		if (nl != NULL)
			return 0;
		if (r->eof) {
			*status = AGE_ERR_HEADER;
			snprintf(err, errlen, "age: %s", h->len == 0 ?
			    "empty file" : "header cut short");
			return -1;
		}
		if (fill(r, err, errlen) == -1) {
			*status = AGE_ERR_SYSTEM;
			return -1;
		}
	}
}

/* The scrypt work factor: decimal, no sign, no leading zero, capped. */
static int
parse_log_n(const char *s, size_t len)
{
	int v = 0;

	if (len == 0 || len > 2 || s[0] < '1' || s[0] > '9')
		return -1;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

#define MAX_ARGS 3		/* the most a stanza we read has */

/*
 * Parses the stanza whose "->" line is at offset at, with its body lines,
 * and adds it to h.  0, or -1 with *status and err.
 */
static int
parse_stanza(struct age_reader *r, struct header *h, size_t at,
    enum age_status *status, char *err, size_t errlen)
{
	/* Offsets, not pointers: reading the body may move h->text. */
	size_t arg[MAX_ARGS], arglen[MAX_ARGS], nargs = 0, n, body_len = 0;
	size_t p, end, line;
	unsigned char part[48];
	struct stanza st = { .type = STANZA_OTHER };
	const char *t = h->text, *why = NULL;

	*status = AGE_ERR_HEADER;
	end = h->len - 1;	/* the LF */
	if (end - at < 3 || t[at + 2] != ' ') {
		snprintf(err, errlen, "age: stanza with no argument");
		return -1;
	}
	/* Arguments: one or more runs of VCHAR, one space apart. */
	for (p = at + 3;; p++) {
		size_t start = p;

		while (p < end && t[p] > ' ' && t[p] < 0x7f)
			p++;
		if (p == start || (p < end && t[p] != ' ')) {
			snprintf(err, errlen, "age: stanza argument empty "
			    "or not printable ASCII");
			return -1;
		}
		if (nargs < MAX_ARGS) {
			arg[nargs] = start;
			arglen[nargs] = p - start;
		}
		nargs++;
		if (p == end)
			break;
	}
	/* The body: lines of 64 columns, then a shorter one (maybe empty). */
	do {
		if (read_line(r, h, &line, status, err, errlen) == -1)
			return -1;
		*status = AGE_ERR_HEADER;
		n = h->len - line - 1;
		if (n > 64 || b64_decode(part, sizeof(part), h->text + line, n,
		    &n) == -1) {
			snprintf(err, errlen, "age: stanza body line not "
			    "canonical base64 of up to 64 columns");
			return -1;
		}
		if (body_len + n <= BODY_SIZE)
			memcpy(st.body + body_len, part, n);
		body_len += n;
	} while (h->len - line - 1 == 64);

	t = h->text;
	if (arglen[0] == 6 && memcmp(t + arg[0], "X25519", 6) == 0) {
		st.type = STANZA_X25519;
		if (nargs != 2)
			why = "X25519 stanza: not 2 arguments";
		else if (b64_decode(st.arg, AGE_KEY_SIZE, t + arg[1],
		    arglen[1], &n) == -1 || n != AGE_KEY_SIZE)
			why = "X25519 stanza: its share is not 32 bytes";
		else if (body_len != BODY_SIZE)
			why = "X25519 stanza: its body is not 32 bytes";
	} else if (arglen[0] == 6 && memcmp(t + arg[0], "scrypt", 6) == 0) {
		st.type = STANZA_SCRYPT;
		if (nargs != 3)
			why = "scrypt stanza: not 3 arguments";
		else if (b64_decode(st.arg, SALT_SIZE, t + arg[1], arglen[1],
		    &n) == -1 || n != SALT_SIZE)
			why = "scrypt stanza: its salt is not 16 bytes";
		else if ((st.log_n = parse_log_n(t + arg[2], arglen[2])) == -1)
			why = "scrypt stanza: invalid work factor";
		else if (st.log_n > AGE_SCRYPT_LOG_N_MAX) {
			snprintf(err, errlen, "age: scrypt stanza: work factor "
			    "2^%d above 2^%d, the most we read", st.log_n,
			    AGE_SCRYPT_LOG_N_MAX);
			return -1;
		} else if (body_len != BODY_SIZE)
			why = "scrypt stanza: its body is not 32 bytes";
	}
	if (why != NULL) {
		snprintf(err, errlen, "age: %s", why);
		return -1;
	}
	if (h->count == h->scap) {
		size_t cap = h->scap == 0 ? 4 : h->scap * 2;
		struct stanza *grown = reallocarray(h->stanzas, cap,
		    sizeof(*grown));

		if (grown == NULL) {
			*status = AGE_ERR_SYSTEM;
			snprintf(err, errlen, "age: out of memory");
			return -1;
		}
		h->stanzas = grown;
		h->scap = cap;
	}
	h->stanzas[h->count++] = st;
	return 0;
}

/* Reads and parses the header up to its MAC.  0, or -1 with *status. */
static int
parse_header(struct age_reader *r, struct header *h,
    enum age_status *status, char *err, size_t errlen)
{
	static const char prefix[] = "age-encryption.org/";
	size_t at, n, scrypts = 0;
	const char *line;

	if (read_line(r, h, &at, status, err, errlen) == -1) {
		/* Not "header cut short" for a file that is no age file. */
		if (*status == AGE_ERR_HEADER && h->len > 0 &&
		    strncmp(h->text, VERSION_LINE, h->len) != 0)
			snprintf(err, errlen, "age: not an age file");
		return -1;
	}
	*status = AGE_ERR_HEADER;
	if (strcmp(h->text, VERSION_LINE) != 0) {
		snprintf(err, errlen, "age: %s", strncmp(h->text, prefix,
		    sizeof(prefix) - 1) == 0 ? "unsupported format version" :
		    strncmp(h->text, "-----BEGIN AGE ENCRYPTED FILE-----",
		    34) == 0 ? "armored (PEM) files are not supported" :
		    "not an age file");
		return -1;
	}
	for (;;) {
		if (read_line(r, h, &at, status, err, errlen) == -1)
			return -1;
		line = h->text + at;
		n = h->len - at - 1;
		if (strncmp(line, "---", 3) == 0)
			break;
		if (strncmp(line, "->", 2) != 0) {
			*status = AGE_ERR_HEADER;
			snprintf(err, errlen, "age: malformed header line");
			return -1;
		}
		if (parse_stanza(r, h, at, status, err, errlen) == -1)
			return -1;
	}
	*status = AGE_ERR_HEADER;
	if (n != 4 + B64_32 || line[3] != ' ' || b64_decode(h->mac,
	    sizeof(h->mac), line + 4, B64_32, &n) == -1 || n != MAC_SIZE) {
		snprintf(err, errlen, "age: malformed header MAC line");
		return -1;
	}
	h->mac_at = at;
	for (size_t i = 0; i < h->count; i++)
		scrypts += h->stanzas[i].type == STANZA_SCRYPT;
	if (h->count == 0) {
		snprintf(err, errlen, "age: header without a recipient");
		return -1;
	}
	if (scrypts > 0 && h->count > 1) {
		snprintf(err, errlen, "age: a passphrase (scrypt) stanza must "
		    "be the only one");
		return -1;
	}
	return 0;
}

/*
 * Opens the file key sealed in an X25519 stanza for id.  1 when it
 * opened, 0 when the stanza is for someone else, -1 with err when the
 * shared secret is all zeros (a low-order share: no honest file has one).
 */
static int
x25519_open(const struct stanza *st, const struct age_identity *id,
    unsigned char file_key[FILE_KEY_SIZE], char *err, size_t errlen)
{
	unsigned char shared[32], salt[64], wrap[32];
	int rc;

	if (crypto_scalarmult(shared, id->secret, st->arg) != 0) {
		snprintf(err, errlen, "age: X25519 stanza with a low-order "
		    "share");
		return -1;
	}
	memcpy(salt, st->arg, 32);
	memcpy(salt + 32, id->recipient, 32);
	hkdf(wrap, salt, sizeof(salt), shared, sizeof(shared), X25519_INFO);
	rc = crypto_aead_chacha20poly1305_ietf_decrypt(file_key, NULL, NULL,
	    st->body, BODY_SIZE, NULL, 0, zero_nonce, wrap) == 0;
	sodium_memzero(shared, sizeof(shared));
	sodium_memzero(wrap, sizeof(wrap));
	return rc;
}

/*
 * The key scrypt gives for a stanza, from keys' memory of the last one
 * when it has the same salt and work factor (keys may be NULL).
 */
static int
scrypt_wrap(unsigned char wrap[32], const char *passphrase,
    const struct stanza *st, struct age_keys *keys, char *err,
    size_t errlen)
{
	int rc = 0, hit;

	if (keys == NULL)
		return scrypt_key(wrap, passphrase, st->arg, st->log_n, err,
		    errlen);
	/* Under the lock: the threads of a restore wait for one run. */
	pthread_mutex_lock(&keys->lock);
	hit = keys->open_wrap != NULL && keys->open_log_n == st->log_n &&
	    memcmp(keys->open_salt, st->arg, SALT_SIZE) == 0;
	if (!hit && (rc = scrypt_key(wrap, passphrase, st->arg, st->log_n,
	    err, errlen)) == 0 && (keys->open_wrap != NULL ||
	    (keys->open_wrap = sodium_malloc(32)) != NULL)) {
		memcpy(keys->open_wrap, wrap, 32);
		memcpy(keys->open_salt, st->arg, SALT_SIZE);
		keys->open_log_n = st->log_n;
	}
	if (hit)
		memcpy(wrap, keys->open_wrap, 32);
	pthread_mutex_unlock(&keys->lock);
	return rc;
}

/*
 * Finds the file key: the first stanza that one of ids or passphrase
 * opens.  0, or -1 with *status and err.
 */
static int
unwrap(const struct header *h, const struct age_identities *ids,
    const char *passphrase, struct age_keys *keys,
    unsigned char file_key[FILE_KEY_SIZE], enum age_status *status,
    char *err, size_t errlen)
{
	unsigned char wrap[32];
	int rc;

	for (size_t i = 0; i < h->count; i++) {
		const struct stanza *st = &h->stanzas[i];

		for (size_t k = 0; st->type == STANZA_X25519 && ids != NULL &&
		    k < ids->count; k++) {
			rc = x25519_open(st, &ids->keys[k], file_key, err,
			    errlen);
			if (rc == 1)
				return 0;
			if (rc == -1) {
				*status = AGE_ERR_HEADER;
				return -1;
			}
		}
		if (st->type == STANZA_SCRYPT && passphrase != NULL) {
			if (scrypt_wrap(wrap, passphrase, st, keys, err,
			    errlen) == -1) {
				*status = AGE_ERR_SYSTEM;
				return -1;
			}
			rc = crypto_aead_chacha20poly1305_ietf_decrypt(
			    file_key, NULL, NULL, st->body, BODY_SIZE, NULL, 0,
			    zero_nonce, wrap);
			sodium_memzero(wrap, sizeof(wrap));
			if (rc == 0)
				return 0;
		}
	}
	*status = AGE_ERR_NO_MATCH;
	if (h->stanzas[0].type == STANZA_SCRYPT)
		snprintf(err, errlen, "age: %s", passphrase == NULL ?
		    "the file is encrypted with a passphrase, and none was "
		    "given" : "the passphrase does not match");
	else
		snprintf(err, errlen, "age: no identity matches the file's "
		    "recipients");
	return -1;
}

/* Unwraps, checks the MAC and reads the nonce.  0, or -1 with *status. */
static int
open_payload(struct age_reader *r, const struct header *h,
    const struct age_identities *ids, const char *passphrase,
    struct age_keys *keys, enum age_status *status, char *err,
    size_t errlen)
{
	unsigned char file_key[FILE_KEY_SIZE], mac[MAC_SIZE];
	int rc = -1;

	if (unwrap(h, ids, passphrase, keys, file_key, status, err,
	    errlen) == -1)
		return -1;
	header_mac(mac, file_key, h->text, h->mac_at + 3);
	if (sodium_memcmp(mac, h->mac, MAC_SIZE) != 0) {
		*status = AGE_ERR_HMAC;
		snprintf(err, errlen, "age: the header MAC does not match "
		    "(the header was altered)");
		goto out;
	}
	while (r->len - r->pos < NONCE_SIZE && !r->eof)
		if (fill(r, err, errlen) == -1) {
			*status = AGE_ERR_SYSTEM;
			goto out;
		}
	if (r->len - r->pos < NONCE_SIZE) {
		*status = AGE_ERR_HEADER;
		snprintf(err, errlen, "age: file cut short after its header");
		goto out;
	}
	hkdf(r->key, r->buf + r->pos, NONCE_SIZE, file_key, FILE_KEY_SIZE,
	    "payload");
	r->pos += NONCE_SIZE;
	rc = 0;
out:
	sodium_memzero(file_key, sizeof(file_key));
	return rc;
}

static struct age_reader *
reader_open(age_read_fn *in, void *ctx, const struct age_identities *ids,
    const char *passphrase, struct age_keys *keys, enum age_status *status,
    char *err, size_t errlen)
{
	struct age_reader *r;
	struct header h = { .text = NULL };

	*status = AGE_ERR_SYSTEM;
	if (crypto_start(err, errlen) == -1)
		return NULL;
	if ((r = calloc(1, sizeof(*r))) == NULL) {
		snprintf(err, errlen, "age: out of memory");
		return NULL;
	}
	r->in = in;
	r->ctx = ctx;
	if (parse_header(r, &h, status, err, errlen) == -1 ||
	    open_payload(r, &h, ids, passphrase, keys, status, err,
	    errlen) == -1) {
		age_reader_close(r);
		r = NULL;
	} else
		*status = AGE_OK;
	free(h.text);
	free(h.stanzas);
	return r;
}

struct age_reader *
age_reader_open(age_read_fn *in, void *ctx,
    const struct age_identities *ids, const char *passphrase,
    enum age_status *status, char *err, size_t errlen)
{
	return reader_open(in, ctx, ids, passphrase, NULL, status, err,
	    errlen);
}

struct age_reader *
age_reader_open_keys(age_read_fn *in, void *ctx, struct age_keys *k,
    enum age_status *status, char *err, size_t errlen)
{
	return reader_open(in, ctx, k->ids.count > 0 ? &k->ids : NULL,
	    k->passphrase, k, status, err, errlen);
}

int
age_keys_init(struct age_keys *k, char *err, size_t errlen)
{
	if (pthread_mutex_init(&k->lock, NULL) != 0) {
		snprintf(err, errlen, "age: cannot make a lock");
		return -1;
	}
	k->lock_ready = true;
	return crypto_start(err, errlen);
}

/*
 * The passphrase's file key and scrypt stanza, made by the first file
 * sealed.  0, or -1 with err.
 */
static int
shared_stanza(struct age_keys *k, char *err, size_t errlen)
{
	char text[256];
	size_t len = 0;
	int rc = 0;

	pthread_mutex_lock(&k->lock);
	if (k->seal_stanza == NULL) {
		if ((k->seal_key = sodium_malloc(FILE_KEY_SIZE)) == NULL) {
			snprintf(err, errlen, "age: out of memory");
			rc = -1;
		} else {
			randombytes_buf(k->seal_key, FILE_KEY_SIZE);
			if ((rc = scrypt_stanza(text, &len, k->seal_key,
			    k->passphrase, k->log_n, err, errlen)) == 0 &&
			    (k->seal_stanza = strdup(text)) == NULL) {
				snprintf(err, errlen, "age: out of memory");
				rc = -1;
			}
		}
	}
	pthread_mutex_unlock(&k->lock);
	return rc;
}

struct age_writer *
age_writer_open_keys(struct age_keys *k, age_write_fn *out, void *ctx,
    char *err, size_t errlen)
{
	char text[sizeof(VERSION_LINE) + 256 + 64];
	size_t len;

	if (k->to.count > 0 || k->passphrase == NULL)
		return age_writer_open(&k->to, out, ctx, err, errlen);
	if (k->passphrase[0] == '\0') {
		snprintf(err, errlen, "age: empty passphrase");
		return NULL;
	}
	if (k->log_n < 1 || k->log_n > AGE_SCRYPT_LOG_N_MAX) {
		snprintf(err, errlen, "age: scrypt work factor 2^%d out of "
		    "range (2^1 to 2^%d)", k->log_n, AGE_SCRYPT_LOG_N_MAX);
		return NULL;
	}
	if (shared_stanza(k, err, errlen) == -1)
		return NULL;
	len = (size_t)sprintf(text, "%s%s", VERSION_LINE, k->seal_stanza);
	return writer_start(text, len, k->seal_key, out, ctx, err, errlen);
}

void
age_keys_clear(struct age_keys *k)
{
	age_recipients_clear(&k->to);
	age_identities_clear(&k->ids);
	if (k->passphrase != NULL)
		age_passphrase_free(k->passphrase);
	if (k->seal_key != NULL)
		sodium_free(k->seal_key);
	free(k->seal_stanza);
	if (k->open_wrap != NULL)
		sodium_free(k->open_wrap);
	if (k->lock_ready)
		pthread_mutex_destroy(&k->lock);
	memset(k, 0, sizeof(*k));
}

/* Opens the chunk of clen bytes at buf[pos] into out.  0, or -1. */
static int
open_chunk(struct age_reader *r, size_t clen, int last)
{
	unsigned char nonce[AEAD_NONCE];

	chunk_nonce(nonce, r->counter, last);
	if (crypto_aead_chacha20poly1305_ietf_decrypt_detached(r->out, NULL,
	    r->buf + r->pos, clen - TAG_SIZE, r->buf + r->pos + clen -
	    TAG_SIZE, NULL, 0, nonce, r->key) != 0)
		return -1;
	r->out_pos = 0;
	r->out_len = clen - TAG_SIZE;
	return 0;
}

/* Decrypts the next chunk into out.  0, or -1 with r->failed set. */
static int
next_chunk(struct age_reader *r, char *err, size_t errlen)
{
	unsigned long long n = (unsigned long long)r->counter;
	size_t avail;

	while (r->len - r->pos < sizeof(r->buf) && !r->eof)
		if (fill(r, err, errlen) == -1) {
			snprintf(r->failed, sizeof(r->failed), "%s", err);
			return -1;
		}
	avail = r->len - r->pos;
	if (avail >= ENC_CHUNK) {
		/* A middle chunk, or a full final one. */
		if (open_chunk(r, ENC_CHUNK, 0) == 0) {
			if (avail == ENC_CHUNK)
				r->fail_after = "file cut short: no final "
				    "chunk";
		} else if (open_chunk(r, ENC_CHUNK, 1) == 0) {
			r->done = 1;
			if (avail > ENC_CHUNK)
				r->fail_after = "data after the final chunk";
		} else
			goto altered;
		avail = ENC_CHUNK;
	} else if (avail == 0)
		snprintf(r->failed, sizeof(r->failed), "age: file cut short: "
		    "%s", n == 0 ? "no payload" : "no final chunk");
	else if (avail < TAG_SIZE)
		snprintf(r->failed, sizeof(r->failed), "age: chunk %llu cut "
		    "short", n);
	else if (avail == TAG_SIZE && n > 0)
		snprintf(r->failed, sizeof(r->failed), "age: chunk %llu: an "
		    "empty final chunk after data", n);
	else if (open_chunk(r, avail, 1) == 0)
		r->done = 1;
	else
		goto altered;
	if (r->failed[0] != '\0')
		return -1;
	r->pos += avail;
	r->counter++;
	return 0;
altered:
	snprintf(r->failed, sizeof(r->failed), "age: chunk %llu: "
	    "authentication failed (the file was altered or cut short)", n);
	return -1;
}

ssize_t
age_read(struct age_reader *r, void *buf, size_t len, char *err,
    size_t errlen)
{
	while (r->out_pos == r->out_len) {
		if (r->failed[0] == '\0' && r->fail_after != NULL)
			snprintf(r->failed, sizeof(r->failed), "age: %s",
			    r->fail_after);
		if (r->failed[0] != '\0') {
			snprintf(err, errlen, "%s", r->failed);
			return -1;
		}
		if (r->done)
			return 0;
		if (next_chunk(r, err, errlen) == -1) {
			snprintf(err, errlen, "%s", r->failed);
			return -1;
		}
	}
	if (len > r->out_len - r->out_pos)
		len = r->out_len - r->out_pos;
	memcpy(buf, r->out + r->out_pos, len);
	r->out_pos += len;
	return (ssize_t)len;
}
