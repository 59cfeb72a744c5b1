/* SPDX-License-Identifier: ISC */
/*
 * mail: the message is built whole in memory, then piped to sendmail.
 * Only two things reach its header: the addresses, which the settings
 * checked (mail_address_ok), and the subject, which is cleaned here; every
 * string a server supplied (version, query text, replication errors) is
 * in the body only, after the empty line that ends the header, where no
 * newline can add a header or a recipient.  "-oi" keeps a line of a lone
 * "." in the body from ending the message early.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mail.h"
#include "pipeto.h"

#ifndef DBKIT_VERSION
#define DBKIT_VERSION "unknown"
#endif

/* A line of a message is at most 998 bytes (RFC 5322); we cut at 990. */
#define LINE_MAX_BYTES 990

bool
mail_address_ok(const char *a)
{
	static const char local[] = "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.!#$%&'*+/=?^_`{|}~-";
	static const char domain[] = "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-";
	const char *at = strchr(a, '@');
	size_t llen, dlen;

	if (at == NULL || strlen(a) > 254)
		return false;
	llen = (size_t)(at - a);
	dlen = strlen(at + 1);
	return llen > 0 && llen <= 64 && strspn(a, local) == llen &&
	    dlen > 0 && strspn(at + 1, domain) == dlen && at[1] != '.' &&
	    at[1] != '-' && at[dlen] != '.';
}

static void
base64(FILE *f, const unsigned char *in, size_t len)
{
	static const char digits[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t i;

	for (i = 0; i + 2 < len; i += 3)
		fprintf(f, "%c%c%c%c", digits[in[i] >> 2],
		    digits[(in[i] & 3) << 4 | in[i + 1] >> 4],
		    digits[(in[i + 1] & 15) << 2 | in[i + 2] >> 6],
		    digits[in[i + 2] & 63]);
	if (len - i == 1)
		fprintf(f, "%c%c==", digits[in[i] >> 2],
		    digits[(in[i] & 3) << 4]);
	else if (len - i == 2)
		fprintf(f, "%c%c%c=", digits[in[i] >> 2],
		    digits[(in[i] & 3) << 4 | in[i + 1] >> 4],
		    digits[(in[i + 1] & 15) << 2]);
}

/*
 * Writes "Subject: " and s as one header: control characters (a newline
 * above all) become spaces; a subject that is not ASCII goes as UTF-8
 * encoded words of at most 45 bytes, cut between characters, each on a
 * line of its own.
 */
static void
put_subject(FILE *f, const char *s)
{
	unsigned char *clean = (unsigned char *)strdup(s);
	size_t len, i, start, end;
	bool ascii = true;

	fputs("Subject: ", f);
	if (clean == NULL) {
		fputs("dbhealth alert\n", f);
		return;
	}
	len = strlen((char *)clean);
	for (i = 0; i < len; i++) {
		if (clean[i] < 0x20 || clean[i] == 0x7f)
			clean[i] = ' ';
		if (clean[i] >= 0x80)
			ascii = false;
	}
	if (ascii) {
		fprintf(f, "%.*s\n", LINE_MAX_BYTES - 9, (char *)clean);
		free(clean);
		return;
	}
	for (start = 0; start < len; start = end) {
		end = start + 45 < len ? start + 45 : len;
		/* Not inside a character: back up over continuation bytes. */
		while (end < len && end > start + 1 && (clean[end] & 0xc0) ==
		    0x80)
			end--;
		fprintf(f, "%s=?UTF-8?B?", start > 0 ? "\n " : "");
		base64(f, clean + start, end - start);
		fputs("?=", f);
	}
	fputc('\n', f);
	free(clean);
}

/* Writes body with every line ending in "\n" and none too long. */
static void
put_body(FILE *f, const char *body)
{
	const char *p = body, *nl;
	size_t len;

	while (*p != '\0') {
		nl = strchr(p, '\n');
		len = nl != NULL ? (size_t)(nl - p) : strlen(p);
		while (len > LINE_MAX_BYTES) {
			fprintf(f, "%.*s\n", LINE_MAX_BYTES, p);
			p += LINE_MAX_BYTES;
			len -= LINE_MAX_BYTES;
		}
		fprintf(f, "%.*s\n", (int)len, p);
		p += len + (nl != NULL);
	}
}

int
mail_send(const char *sendmail, char *const *to, size_t n,
    const char *subject, const char *body, long long timeout_ms, char *err,
    size_t errlen)
{
	char *msg = NULL, date[64];
	char *argv[] = { "sendmail", "-t", "-oi", NULL };
	size_t len = 0, i;
	time_t now = time(NULL);
	struct tm tm;
	FILE *f;
	int rc;

	if ((f = open_memstream(&msg, &len)) == NULL) {
		snprintf(err, errlen, "mail: out of memory");
		return -1;
	}
	gmtime_r(&now, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S +0000", &tm);
	fputs("To: ", f);
	for (i = 0; i < n; i++)
		fprintf(f, "%s%s", i > 0 ? ",\n " : "", to[i]);
	fputc('\n', f);
	put_subject(f, subject);
	fprintf(f, "Date: %s\nMIME-Version: 1.0\n"
	    "Content-Type: text/plain; charset=utf-8\n"
	    "Content-Transfer-Encoding: 8bit\n"
	    "Auto-Submitted: auto-generated\n"
	    "X-Mailer: dbhealth " DBKIT_VERSION "\n\n", date);
	put_body(f, body);
	if (fclose(f) == EOF || msg == NULL) {
		free(msg);
		snprintf(err, errlen, "mail: out of memory");
		return -1;
	}
	rc = pipe_to(sendmail, argv, NULL, msg, len, timeout_ms, "sendmail",
	    err, errlen);
	free(msg);
	return rc;
}
