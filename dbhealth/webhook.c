/* SPDX-License-Identifier: ISC */
/*
 * webhook: an HTTP(S) POST through libcurl, loaded with dlopen when the
 * first webhook is sent.  Start-up is most of a dbhealth run, and libcurl
 * with everything it needs (nghttp2, libssh2, libidn2, LDAP, ...) would add
 * a dozen shared libraries to every run, of which very few send anything.
 * <curl/curl.h> gives the types and constants; the functions come from
 * dlsym, and the variadic ones are called through pointers of their real
 * type, so arguments are passed exactly as libcurl reads them (long,
 * pointer, curl_off_t).  The library stays loaded until exit: libcurl and
 * OpenSSL keep global state that is not made to be unloaded.
 *
 * What the request does, on purpose: TLS verifies the peer and the host
 * name; a CA file replaces both the CA bundle and the CA directory
 * libcurl was built with; the whole request, connection included, has one
 * deadline; redirects are not followed (a receiver that moved must be
 * reconfigured, not trusted to send our report elsewhere); only http and
 * https are spoken.  Proxies are libcurl's default: the http_proxy,
 * https_proxy (or HTTPS_PROXY), all_proxy (ALL_PROXY) and no_proxy
 * (NO_PROXY) variables when set, none otherwise (HTTP_PROXY in upper case
 * is ignored, as CGI lets a request set it).
 *
 * Webhook URLs carry their credential in the path (Slack, Mattermost) or
 * the query (Teams' Workflows), so no message shows them: the URL is
 * redacted to scheme://host[:port]/..., and any piece of its path, query
 * or user info that a receiver or libcurl echoes back is replaced too.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "webhook.h"

#ifndef DBKIT_VERSION
#define DBKIT_VERSION "unknown"
#endif

#define BODY_KEPT (64 * 1024)	/* of an answer, for its first line */
#define LINE_SHOWN 200		/* of that line, in the error message */
#define SECRET_MIN 8		/* shorter pieces of a URL are no secret */

/* libcurl's entry points, resolved once for the whole process. */
static struct {
	CURLcode (*global_init)(long);
	CURL *(*easy_init)(void);
	CURLcode (*easy_setopt)(CURL *, CURLoption, ...);
	CURLcode (*easy_perform)(CURL *);
	CURLcode (*easy_getinfo)(CURL *, CURLINFO, ...);
	void (*easy_cleanup)(CURL *);
	const char *(*easy_strerror)(CURLcode);
	struct curl_slist *(*slist_append)(struct curl_slist *, const char *);
	void (*slist_free_all)(struct curl_slist *);
	bool loaded;
	char why[256];	/* when not loaded */
} api;
static pthread_once_t api_once = PTHREAD_ONCE_INIT;

/* The first answer bytes, kept for the error message; the rest is read and dropped. */
struct answer {
	char body[BODY_KEPT + 1];
	size_t len;
};

/* dlopen and dlsym once (pthread_once: curl_global_init is not thread-safe). */
static void
api_load(void)
{
	void *lib = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);

	if (lib == NULL) {
		snprintf(api.why, sizeof(api.why),
		    "libcurl.so.4 not found: install libcurl4");
		return;
	}
#define LOAD(field, name)                                          \
	if ((*(void **)&api.field = dlsym(lib, name)) == NULL) {   \
		snprintf(api.why, sizeof(api.why),                 \
		    "libcurl.so.4: no %s: too old a libcurl", name); \
		return;                                            \
	}
	LOAD(global_init, "curl_global_init");
	LOAD(easy_init, "curl_easy_init");
	LOAD(easy_setopt, "curl_easy_setopt");
	LOAD(easy_perform, "curl_easy_perform");
	LOAD(easy_getinfo, "curl_easy_getinfo");
	LOAD(easy_cleanup, "curl_easy_cleanup");
	LOAD(easy_strerror, "curl_easy_strerror");
	LOAD(slist_append, "curl_slist_append");
	LOAD(slist_free_all, "curl_slist_free_all");
#undef LOAD
	if (api.global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		snprintf(api.why, sizeof(api.why),
		    "libcurl: global initialisation failed");
		return;
	}
	api.loaded = true;
}

/*
 * The parts of url around its host: the scheme's length (0 when the URL
 * has no valid "scheme://"), where the authority starts, its user info
 * ends (auth when none), and the authority ends.
 */
static size_t
url_split(const char *url, const char **auth, const char **host,
    const char **end)
{
	size_t scheme = strspn(url, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+-.");

	if (scheme == 0 || strncmp(url + scheme, "://", 3) != 0)
		return 0;
	*auth = *host = url + scheme + 3;
	*end = *auth + strcspn(*auth, "/?#");
	for (const char *p = *auth; p < *end; p++)
		if (*p == '@')
			*host = p + 1;
	return scheme;
}

void
webhook_redact(const char *url, char *out, size_t len)
{
	const char *auth, *host, *end;
	size_t scheme = url_split(url, &auth, &host, &end);

	if (len == 0)
		return;
	if (scheme == 0)
		snprintf(out, len, "...");
	else
		snprintf(out, len, "%.*s://%s%.*s/...", (int)scheme, url,
		    host > auth ? "...@" : "", (int)(end - host), host);
	/* The message stays one line whatever the host holds. */
	for (char *p = out; *p != '\0'; p++)
		if (*p < 0x20 || *p > 0x7e)
			*p = '?';
}

/* Replaces each occurrence of secret[0..n) in s with "...". */
static void
scrub_one(char *s, const char *secret, size_t n)
{
	char *p = s;

	if (n < SECRET_MIN)
		return;
	while ((p = memmem(p, strlen(p), secret, n)) != NULL) {
		memcpy(p, "...", 3);
		memmove(p + 3, p + n, strlen(p + n) + 1);
		p += 3;
	}
}

/* Scrubs from s the text from..to of a URL, whole and piece by piece. */
static void
scrub_part(char *s, const char *from, const char *to)
{
	const char *p = from;

	scrub_one(s, from, (size_t)(to - from));
	while (p < to) {
		size_t n = strcspn(p, "/?#&=;:@,+");

		if (p + n > to)
			n = (size_t)(to - p);
		scrub_one(s, p, n);
		p += n + 1;
	}
}

/* Replaces in s whatever of url's user info, path and query it repeats. */
static void
scrub(char *s, const char *url)
{
	const char *auth, *host, *end;

	if (url_split(url, &auth, &host, &end) == 0)
		return;	/* webhook_post refused it before any message */
	scrub_part(s, auth, host);
	scrub_part(s, end, end + strlen(end));
}

/*
 * Cuts s (len bytes, s[len] writable) to its first line, as printable
 * ASCII: tabs become spaces, other bytes '?', since the message goes to a
 * terminal and into JSON.  Then scrubs it and shortens it to LINE_SHOWN.
 */
static void
first_line(char *s, size_t len, const char *url)
{
	size_t n;

	for (n = 0; n < len && s[n] != '\n' && s[n] != '\r'; n++)
		if (s[n] == '\t')
			s[n] = ' ';
		else if (s[n] < 0x20 || s[n] > 0x7e)
			s[n] = '?';
	s[n] = '\0';
	scrub(s, url);
	if (strlen(s) > LINE_SHOWN)
		s[LINE_SHOWN] = '\0';
	for (n = strlen(s); n > 0 && s[n - 1] == ' '; n--)
		s[n - 1] = '\0';
}

/* libcurl's write callback: keeps the first BODY_KEPT bytes. */
static size_t
keep_answer(char *data, size_t size, size_t nmemb, void *arg)
{
	struct answer *a = arg;
	size_t got = size * nmemb, room = BODY_KEPT - a->len;

	if (room > got)
		room = got;
	memcpy(a->body + a->len, data, room);
	a->len += room;
	return got;
}

/* Why a transfer failed, in err after "webhook URL: ". */
static void
transfer_error(CURLcode rc, long os_errno, char *curl_err,
    long long timeout_ms, const char *url, char *err, size_t errlen)
{
	if (curl_err[0] == '\0')
		snprintf(curl_err, CURL_ERROR_SIZE, "%s", api.easy_strerror(rc));
	first_line(curl_err, strlen(curl_err), url);
	switch (rc) {
	case CURLE_OPERATION_TIMEDOUT:
		snprintf(err, errlen, "timed out after %lld ms", timeout_ms);
		break;
	case CURLE_COULDNT_CONNECT:
		if (os_errno == ECONNREFUSED)
			snprintf(err, errlen, "connection refused");
		else if (os_errno != 0)
			snprintf(err, errlen, "connect: %s", strerror((int)os_errno));
		else
			snprintf(err, errlen, "%s", curl_err);
		break;
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_CRL_BADFILE:
	case CURLE_SSL_INVALIDCERTSTATUS:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
	case CURLE_SSL_SHUTDOWN_FAILED:
	case CURLE_USE_SSL_FAILED:
		snprintf(err, errlen, "TLS: %s", curl_err);
		break;
	default:
		snprintf(err, errlen, "%s", curl_err);
		break;
	}
}

/* Sets up c for the request; returns the first option libcurl refused. */
static CURLcode
request_setup(CURL *c, const char *url, const char *body, const char *ca_file,
    long long timeout_ms, struct curl_slist *headers, struct answer *answer,
    char *curl_err)
{
	CURLcode rc = CURLE_OK;

#define SET(opt, value) \
	if (rc == CURLE_OK) \
		rc = api.easy_setopt(c, opt, value)
	SET(CURLOPT_URL, url);
	SET(CURLOPT_ERRORBUFFER, curl_err);
	/* No alarm() for name lookups, which would disturb --watch's sleeps. */
	SET(CURLOPT_NOSIGNAL, 1L);
	SET(CURLOPT_FOLLOWLOCATION, 0L);
	SET(CURLOPT_SSL_VERIFYPEER, 1L);
	SET(CURLOPT_SSL_VERIFYHOST, 2L);
	if (ca_file != NULL) {
		SET(CURLOPT_CAINFO, ca_file);
		SET(CURLOPT_CAPATH, (char *)NULL);
	}
	SET(CURLOPT_TIMEOUT_MS, (long)timeout_ms);
	SET(CURLOPT_USERAGENT, "dbhealth/" DBKIT_VERSION);
	SET(CURLOPT_HTTPHEADER, headers);
	SET(CURLOPT_POST, 1L);
	SET(CURLOPT_POSTFIELDS, body);
	SET(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(body));
	SET(CURLOPT_WRITEFUNCTION, keep_answer);
	SET(CURLOPT_WRITEDATA, answer);
#undef SET
	/*
	 * A second guard beside webhook_post's own check of the scheme; a
	 * libcurl older than 7.85 does not know the option, and that check
	 * is then the only one.
	 */
	if (rc == CURLE_OK &&
	    (rc = api.easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https")) ==
	    CURLE_UNKNOWN_OPTION)
		rc = CURLE_OK;
	return rc;
}

int
webhook_post(const char *url, const char *body, const char *ca_file,
    long long timeout_ms, char *err, size_t errlen)
{
	struct sigaction ignore = { .sa_handler = SIG_IGN }, old;
	struct curl_slist *headers = NULL, *more;
	char shown[512], curl_err[CURL_ERROR_SIZE] = "", why[512];
	struct answer answer = { .len = 0 };
	long status = 0, os_errno = 0;
	CURL *c = NULL;
	CURLcode rc;
	int ret = -1;

	webhook_redact(url, shown, sizeof(shown));
	if (strncasecmp(url, "http://", 7) != 0 &&
	    strncasecmp(url, "https://", 8) != 0) {
		snprintf(err, errlen, "webhook %s: only http and https URLs "
		    "are allowed", shown);
		return -1;
	}
	if (timeout_ms <= 0) {
		snprintf(err, errlen, "webhook %s: the timeout must be at least "
		    "1 ms", shown);
		return -1;
	}
	pthread_once(&api_once, api_load);
	if (!api.loaded) {
		snprintf(err, errlen, "webhook: %s", api.why);
		return -1;
	}
	/* "Expect:" drops the 100-continue round trip curl adds for big bodies. */
	if ((c = api.easy_init()) == NULL ||
	    (headers = api.slist_append(NULL,
	    "Content-Type: application/json")) == NULL ||
	    (more = api.slist_append(headers, "Expect:")) == NULL) {
		snprintf(err, errlen, "webhook %s: out of memory", shown);
		goto out;
	}
	headers = more;
	rc = request_setup(c, url, body, ca_file, timeout_ms, headers, &answer,
	    curl_err);
	if (rc != CURLE_OK) {
		snprintf(err, errlen, "webhook %s: libcurl: %s", shown,
		    api.easy_strerror(rc));
		goto out;
	}
	/* libcurl avoids SIGPIPE where it can; this covers the corner cases. */
	sigaction(SIGPIPE, &ignore, &old);
	rc = api.easy_perform(c);
	sigaction(SIGPIPE, &old, NULL);
	if (rc != CURLE_OK) {
		api.easy_getinfo(c, CURLINFO_OS_ERRNO, &os_errno);
		transfer_error(rc, os_errno, curl_err, timeout_ms, url, why,
		    sizeof(why));
		snprintf(err, errlen, "webhook %s: %s", shown, why);
		goto out;
	}
	api.easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	if (status >= 200 && status <= 299) {
		ret = 0;
		goto out;
	}
	first_line(answer.body, answer.len, url);
	snprintf(err, errlen, "webhook %s: HTTP %ld%s%s", shown, status,
	    answer.body[0] != '\0' ? ": " : "", answer.body);
out:
	if (headers != NULL)
		api.slist_free_all(headers);
	if (c != NULL)
		api.easy_cleanup(c);
	return ret;
}
