/* SPDX-License-Identifier: ISC */
/*
 * mail: alerts by mail through the system's sendmail interface
 * ("sendmail -t -oi", as cron uses it), so that postfix, exim, msmtp,
 * nullmailer and dma all deliver them.
 */
#ifndef DBHEALTH_MAIL_H
#define DBHEALTH_MAIL_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Whether a is one plain address, local@domain, of the characters
 * RFC 5322 allows unquoted: nothing a header could be split or extended
 * with (no space, comma, angle bracket, quote or control character).
 */
bool mail_address_ok(const char *a);

/*
 * Sends one message to the n addresses to (each mail_address_ok) with
 * subject and body, through "sendmail -t -oi" at path sendmail, waiting
 * at most timeout_ms for it.  The subject is made safe for a header:
 * control characters become spaces, and one that is not ASCII is
 * encoded (RFC 2047).  Returns 0, or -1 with err when sendmail could not
 * run, did not exit 0 or took too long (it is then killed).
 */
int mail_send(const char *sendmail, char *const *to, size_t n,
    const char *subject, const char *body, long long timeout_ms, char *err,
    size_t errlen);

#endif
