/* SPDX-License-Identifier: ISC */
/*
 * webhook: one HTTP(S) POST of a JSON document to a chat or monitoring
 * receiver (Slack, Mattermost, Teams, anything generic), through libcurl,
 * which is loaded only when the first webhook is sent so that a run that
 * sends none pays nothing for it at start-up.
 */
#ifndef DBHEALTH_WEBHOOK_H
#define DBHEALTH_WEBHOOK_H

#include <stddef.h>

/*
 * The URL as messages may show it: scheme://host[:port]/... with the
 * path, query and any user:password replaced by "..." (Slack and
 * Mattermost webhook URLs are secrets).
 */
void webhook_redact(const char *url, char *out, size_t len);

/*
 * POSTs body (a JSON document) to url, http or https only, TLS verified
 * against ca_file (NULL: the system's CAs), in at most timeout_ms in all,
 * following no redirect.  Returns 0 on a 2xx answer, or -1 with err (one
 * line, naming the redacted URL, with HTTP status and the first line of
 * the answer's body, or why there was no answer).
 */
int webhook_post(const char *url, const char *body, const char *ca_file,
    long long timeout_ms, char *err, size_t errlen);

#endif
