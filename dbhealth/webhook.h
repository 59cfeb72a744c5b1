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
 * The URL as messages may show it: scheme://[...@]host[:port]/... with the
 * path, query and any user:password replaced by "..." (Slack and
 * Mattermost webhook URLs are secrets).
 */
void webhook_redact(const char *url, char *out, size_t len);

/*
 * POSTs body (a JSON document) to url (http or https only; anything else
 * is refused before any connection) with Content-Type: application/json
 * and User-Agent: dbhealth/VERSION: TLS verified (peer and host name)
 * against ca_file, or the system's CAs when NULL; at most timeout_ms for
 * the whole request, connection included; no redirect followed; proxies
 * only from libcurl's usual variables.  The answer's body is read and
 * dropped, its first 64 KiB kept for the message.  Returns 0 on a 2xx
 * answer, or -1 with err, one line naming the redacted URL:
 * "webhook https://hooks.slack.com/...: HTTP 500: <first line of the
 * answer, printable ASCII, at most 200 characters>", "...: timed out after
 * 10000 ms", "...: TLS: <libcurl's reason>", "...: connection refused",
 * or "webhook: libcurl.so.4 not found: install libcurl4".
 */
int webhook_post(const char *url, const char *body, const char *ca_file,
    long long timeout_ms, char *err, size_t errlen);

#endif
