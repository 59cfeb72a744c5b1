/* SPDX-License-Identifier: ISC */
/*
 * settings: the one settings struct every dbkit program fills, in this
 * order, each step overriding the last: defaults, option file
 * (~/.my.cnf or --defaults-file), environment (DB_*), flags.  The table
 * behind it is the one in dbkit(7).
 */
#ifndef DBKIT_SETTINGS_H
#define DBKIT_SETTINGS_H

#include <getopt.h>
#include <stdbool.h>
#include <stddef.h>

#include "compression.h"

#define SETTINGS_MAX_FLAGS 64

struct settings {
	/* connection */
	char *host;
	long long port;
	char *socket;			/* NULL: the connector's default */
	char *user;
	char *password;			/* NULL: none; wiped on free */
	char *database;
	char *ssl_ca, *ssl_cert, *ssl_key;
	long long connect_timeout_ms;

	/* pool */
	long long pool_max, pool_min;
	long long pool_timeout_ms, idle_timeout_ms, max_lifetime_ms;
	enum pool_reset {
		POOL_RESET_CHANGED,	/* when the session changed (default) */
		POOL_RESET_ALWAYS,	/* on every release */
		POOL_RESET_NEVER,
	} pool_reset;

	/* monitoring seeds (critical levels; dbhealth derives the rest) */
	long long max_response_time_ms;
	long long max_failed_connections;
	long long max_pool_util_pct;
	long long max_query_time_ms;
	long long min_available_connections;

	/* dbhealth's alerts */
	bool email_alerts;
	char *alert_email;		/* addresses, by spaces or commas */
	char *sendmail;
	char *alert_webhook;		/* URLs, by spaces */
	enum alert_webhook_format {
		ALERT_WEBHOOK_TEXT,	/* {"text": ...} */
		ALERT_WEBHOOK_REPORT,	/* the --json report */
		ALERT_WEBHOOK_TEAMS,	/* an Adaptive Card, for Teams */
	} alert_webhook_format;
	char *alert_ca_file;
	long long alert_timeout_ms;
	long long alert_repeat_ms;	/* 0: no reminders */

	/* backups */
	char *backup_path;
	long long retention_days;
	enum compression compression;
	bool encryption;
	char *recipients;		/* age1... keys, by spaces or commas */
	char *recipients_file;		/* age's recipients file format */
	char *passphrase_file;		/* its first line, read when used */
	char *identity_file;		/* age identities, for reading */

	/* dbrestore --as-replica-of: the account a new replica connects as */
	char *replication_user;
	char *replication_password;	/* NULL: none; wiped on free */

	/* where the option file comes from */
	const char *defaults_file;
	bool no_defaults;

	/* flags seen on the command line, applied after the environment */
	struct {
		const void *def;
		const char *value;
	} flags[SETTINGS_MAX_FLAGS];
	size_t n_flags;
};

/* Codes for the long-only connection options in SETTINGS_LONGOPTS. */
enum {
	SETOPT_PASSWORD_FILE = 0x1000,
	SETOPT_SSL_CA,
	SETOPT_SSL_CERT,
	SETOPT_SSL_KEY,
	SETOPT_CONNECT_TIMEOUT,
	SETOPT_DEFAULTS_FILE,
	SETOPT_NO_DEFAULTS,
};

/* The short options of SETTINGS_LONGOPTS, for getopt_long's optstring. */
#define SETTINGS_SHORTOPTS "h:P:S:u:D:"

/* The connection options every program accepts, for a longopts[] table. */
#define SETTINGS_LONGOPTS \
	{ "host", required_argument, NULL, 'h' }, \
	{ "port", required_argument, NULL, 'P' }, \
	{ "socket", required_argument, NULL, 'S' }, \
	{ "user", required_argument, NULL, 'u' }, \
	{ "database", required_argument, NULL, 'D' }, \
	{ "password-file", required_argument, NULL, SETOPT_PASSWORD_FILE }, \
	{ "ssl-ca", required_argument, NULL, SETOPT_SSL_CA }, \
	{ "ssl-cert", required_argument, NULL, SETOPT_SSL_CERT }, \
	{ "ssl-key", required_argument, NULL, SETOPT_SSL_KEY }, \
	{ "connect-timeout", required_argument, NULL, SETOPT_CONNECT_TIMEOUT }, \
	{ "defaults-file", required_argument, NULL, SETOPT_DEFAULTS_FILE }, \
	{ "no-defaults", no_argument, NULL, SETOPT_NO_DEFAULTS }

/* Fills s with the defaults.  Returns 0, or -1 when out of memory. */
int settings_init(struct settings *s);

/*
 * Remembers flag --name=value, to be applied by settings_load after the
 * environment.  Returns 0, or -1 with a message when the name is unknown
 * or more than SETTINGS_MAX_FLAGS flags were given.
 */
int settings_flag(struct settings *s, const char *name, const char *value,
    char *err, size_t errlen);

/*
 * Handles getopt_long's return opt if it is one of SETTINGS_LONGOPTS:
 * returns 1 when handled, 0 when opt is not a connection option, -1 with
 * a message when it could not be remembered.
 */
int settings_getopt(struct settings *s, int opt, const char *arg, char *err,
    size_t errlen);

/*
 * Applies the option file, the environment and the remembered flags, in
 * that order; program names the program's own option-file group.
 * Returns 0, or -1 with "VARIABLE: why" in err.
 */
int settings_load(struct settings *s, const char *program, char *err,
    size_t errlen);

/* Frees the strings of s and wipes the password. */
void settings_free(struct settings *s);

#endif
