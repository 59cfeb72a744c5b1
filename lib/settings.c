/* SPDX-License-Identifier: ISC */
/*
 * settings: one table describes every setting (its environment variable,
 * flag, option-file key, type and field), and three loops apply the
 * sources over the defaults.  Values are parsed strictly; errors name the
 * variable, flag or file line and the bad value.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "optfile.h"
#include "parse.h"
#include "settings.h"

/* T_PATH: a string that must not be empty ("" would mean the cwd). */
enum type { T_STRING, T_PATH, T_INT, T_DURATION, T_BOOL, T_CHOICE,
    T_PASSWORD_FILE };

struct def {
	const char *env;	/* environment variable, or NULL */
	const char *flag;	/* long flag without "--", or NULL */
	const char *key;	/* option-file key, or NULL */
	enum type type;
	size_t offset;
	long long min, max;	/* T_INT range; T_DURATION: max only */
	long long unit_ms;	/* T_DURATION: the unit of a bare number */
};

#define F(field) offsetof(struct settings, field)
#define DAY_MS (86400LL * 1000)

/*
 * The words of each T_CHOICE setting, NULL-ended, in the order of its
 * enum: the field (an enum) holds the index of the word.  A choice that
 * was a boolean before it had words also takes the booleans, as the
 * words given: DB_BACKUP_COMPRESSION=true is gzip, false none.
 */
static const char *const pool_reset_words[] = { "changed", "always", "never",
    NULL };
static const char *const compression_words[] = { "none", "gzip", "zstd",
    NULL };
static const char *const webhook_format_words[] = { "text", "report",
    "teams", NULL };
static const struct {
	size_t offset;
	const char *const *words;
	int if_true, if_false;	/* the enum of a boolean, -1: none */
} choices[] = {
	{ F(pool_reset), pool_reset_words, -1, -1 },
	{ F(compression), compression_words, COMPRESSION_GZIP,
	    COMPRESSION_NONE },
	{ F(alert_webhook_format), webhook_format_words, -1, -1 },
};

static const struct def defs[] = {
	{ "DB_HOST", "host", "host", T_STRING, F(host), 0, 0, 0 },
	{ "DB_PORT", "port", "port", T_INT, F(port), 1, 65535, 0 },
	{ "DB_SOCKET", "socket", "socket", T_STRING, F(socket), 0, 0, 0 },
	{ "DB_USER", "user", "user", T_STRING, F(user), 0, 0, 0 },
	{ "DB_PASSWORD", NULL, "password", T_STRING, F(password), 0, 0, 0 },
	{ NULL, "password-file", NULL, T_PASSWORD_FILE, F(password), 0, 0, 0 },
	{ "DB_NAME", "database", "database", T_STRING, F(database), 0, 0, 0 },
	{ "DB_SSL_CA", "ssl-ca", "ssl-ca", T_STRING, F(ssl_ca), 0, 0, 0 },
	{ "DB_SSL_CERT", "ssl-cert", "ssl-cert", T_STRING, F(ssl_cert), 0, 0, 0 },
	{ "DB_SSL_KEY", "ssl-key", "ssl-key", T_STRING, F(ssl_key), 0, 0, 0 },
	{ "DB_CONNECT_TIMEOUT", "connect-timeout", "connect-timeout",
	    T_DURATION, F(connect_timeout_ms), 0, DAY_MS, 1000 },
	{ "DB_POOL_MAX_CONNECTIONS", "pool-max", NULL, T_INT, F(pool_max),
	    1, 100000, 0 },
	{ "DB_POOL_MIN_CONNECTIONS", "pool-min", NULL, T_INT, F(pool_min),
	    0, 100000, 0 },
	{ "DB_POOL_TIMEOUT", "pool-timeout", NULL, T_DURATION,
	    F(pool_timeout_ms), 0, DAY_MS, 1000 },
	{ "DB_POOL_IDLE_TIMEOUT", "idle-timeout", NULL, T_DURATION,
	    F(idle_timeout_ms), 0, 365 * DAY_MS, 1000 },
	{ "DB_POOL_MAX_LIFETIME", "max-lifetime", NULL, T_DURATION,
	    F(max_lifetime_ms), 0, 365 * DAY_MS, 1000 },
	{ "DB_POOL_RESET", "pool-reset", NULL, T_CHOICE, F(pool_reset),
	    0, 0, 0 },
	{ "DB_MONITOR_MAX_RESPONSE_TIME", NULL, NULL, T_DURATION,
	    F(max_response_time_ms), 0, DAY_MS, 1 },
	{ "DB_MONITOR_MAX_FAILED_CONNECTIONS", NULL, NULL, T_INT,
	    F(max_failed_connections), 1, 1000000, 0 },
	{ "DB_MONITOR_MAX_POOL_UTIL", NULL, NULL, T_INT,
	    F(max_pool_util_pct), 0, 100, 0 },
	{ "DB_MONITOR_MAX_QUERY_TIME", NULL, NULL, T_DURATION,
	    F(max_query_time_ms), 0, 365 * DAY_MS, 1 },
	{ "DB_MONITOR_MIN_AVAILABLE_CONNECTIONS", NULL, NULL, T_INT,
	    F(min_available_connections), 0, 1000000, 0 },
	{ "DB_MONITOR_ENABLE_EMAIL_ALERTS", "email-alerts", NULL, T_BOOL,
	    F(email_alerts), 0, 0, 0 },
	{ "DB_MONITOR_ALERT_EMAIL", "alert-email", NULL, T_STRING,
	    F(alert_email), 0, 0, 0 },
	{ "DB_MONITOR_SENDMAIL", "sendmail", NULL, T_PATH, F(sendmail),
	    0, 0, 0 },
	{ "DB_MONITOR_ALERT_WEBHOOK", "alert-webhook", NULL, T_STRING,
	    F(alert_webhook), 0, 0, 0 },
	{ "DB_MONITOR_ALERT_WEBHOOK_FORMAT", "alert-webhook-format", NULL,
	    T_CHOICE, F(alert_webhook_format), 0, 0, 0 },
	{ "DB_MONITOR_ALERT_CA_FILE", "alert-ca-file", NULL, T_PATH,
	    F(alert_ca_file), 0, 0, 0 },
	{ "DB_MONITOR_ALERT_TIMEOUT", "alert-timeout", NULL, T_DURATION,
	    F(alert_timeout_ms), 1, DAY_MS, 1000 },
	{ "DB_MONITOR_ALERT_REPEAT", "alert-repeat", NULL, T_DURATION,
	    F(alert_repeat_ms), 0, 365 * DAY_MS, 1000 },
	{ "DB_BACKUP_PATH", "backup-path", NULL, T_PATH, F(backup_path),
	    0, 0, 0 },
	{ "DB_BACKUP_RETENTION_DAYS", "days", NULL, T_INT, F(retention_days),
	    0, 1000000, 0 },
	{ "DB_BACKUP_COMPRESSION", "compress", NULL, T_CHOICE, F(compression),
	    0, 0, 0 },
	{ "DB_BACKUP_ENCRYPTION", "encrypt", NULL, T_BOOL, F(encryption),
	    0, 0, 0 },
	{ "DB_BACKUP_RECIPIENTS", "recipients", NULL, T_STRING, F(recipients),
	    0, 0, 0 },
	{ "DB_BACKUP_RECIPIENTS_FILE", "recipients-file", NULL, T_PATH,
	    F(recipients_file), 0, 0, 0 },
	{ "DB_BACKUP_PASSPHRASE_FILE", "passphrase-file", NULL, T_PATH,
	    F(passphrase_file), 0, 0, 0 },
	{ "DB_BACKUP_IDENTITY_FILE", "identity-file", NULL, T_PATH,
	    F(identity_file), 0, 0, 0 },
	{ "DB_REPLICATION_USER", "replication-user", NULL, T_STRING,
	    F(replication_user), 0, 0, 0 },
	{ "DB_REPLICATION_PASSWORD", NULL, NULL, T_STRING,
	    F(replication_password), 0, 0, 0 },
	{ NULL, "replication-password-file", NULL, T_PASSWORD_FILE,
	    F(replication_password), 0, 0, 0 },
};

#define NDEFS (sizeof(defs) / sizeof(defs[0]))

/* Sets a string setting to a copy of value.  Returns 0 or -1 (memory). */
static int
settings_set_string(char **field, const char *value)
{
	char *copy = strdup(value);

	if (copy == NULL)
		return -1;
	if (*field != NULL)
		explicit_bzero(*field, strlen(*field));
	free(*field);
	*field = copy;
	return 0;
}

/*
 * Reads the first line of a password file; the newline is not part of it.
 * The file may be a pipe (--password-file <(pass show db)), so it is read
 * as a stream, but only up to PASSWORD_MAX bytes: a password file that is
 * /dev/zero or a log is refused, not read until memory runs out.
 */
#define PASSWORD_MAX 4096

static int
read_password_file(char **field, const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	char line[PASSWORD_MAX + 1];
	size_t n = 0;
	int c = EOF, rc = -1;

	if (f == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	while (n < sizeof(line) && (c = getc(f)) != EOF && c != '\n' && c != '\0')
		line[n++] = (char)c;
	if (ferror(f))
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
	else if (n == sizeof(line) || (n < sizeof(line) && c == '\0'))
		snprintf(err, errlen, "%s: not a password: a first line of more "
		    "than %d bytes, or a NUL byte", path, PASSWORD_MAX);
	else {
		while (n > 0 && line[n - 1] == '\r')
			n--;
		line[n] = '\0';
		if (settings_set_string(field, line) == -1)
			snprintf(err, errlen, "%s: out of memory", path);
		else
			rc = 0;
	}
	explicit_bzero(line, sizeof(line));
	fclose(f);
	return rc;
}

/* "invalid value: 'x' (one of: a b c)" */
static void
choice_error(const char *const *choices, const char *value, char *err,
    size_t errlen)
{
	int len = snprintf(err, errlen, "invalid value: '%s' (one of:", value);

	for (; *choices != NULL && len >= 0 && (size_t)len < errlen; choices++)
		len += snprintf(err + len, errlen - (size_t)len, " %s", *choices);
	if (len >= 0 && (size_t)len < errlen)
		snprintf(err + len, errlen - (size_t)len, ")");
}

/* Parses value into the field def describes. */
static int
apply(struct settings *s, const struct def *d, const char *value, char *err,
    size_t errlen)
{
	void *field = (char *)s + d->offset;
	long long v;
	size_t i;
	bool b;

	switch (d->type) {
	case T_PATH:
		if (value[0] == '\0') {
			snprintf(err, errlen, "empty path");
			return -1;
		}
		/* FALLTHROUGH */
	case T_STRING:
		if (settings_set_string(field, value) == -1) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		return 0;
	case T_PASSWORD_FILE:
		return read_password_file(field, value, err, errlen);
	case T_INT:
		if (parse_integer(value, d->min, d->max, &v, err, errlen) == -1)
			return -1;
		*(long long *)field = v;
		return 0;
	case T_DURATION:
		if (parse_duration_ms(value, d->unit_ms, &v, err, errlen) == -1)
			return -1;
		if (v > d->max) {
			snprintf(err, errlen, "duration too long: '%s'", value);
			return -1;
		}
		*(long long *)field = v;
		return 0;
	case T_BOOL:
		return parse_bool(value, field, err, errlen);
	case T_CHOICE:
		for (i = 0; choices[i].offset != d->offset; i++)
			;
		for (v = 0; choices[i].words[v] != NULL; v++)
			if (strcmp(value, choices[i].words[v]) == 0) {
				*(int *)field = (int)v;
				return 0;
			}
		if (choices[i].if_true != -1 &&
		    parse_bool(value, &b, err, errlen) == 0) {
			*(int *)field = b ? choices[i].if_true :
			    choices[i].if_false;
			return 0;
		}
		choice_error(choices[i].words, value, err, errlen);
		return -1;
	}
	return -1;
}

int
settings_init(struct settings *s)
{
	struct passwd *pw = getpwuid(geteuid());
	const char *login = pw != NULL ? pw->pw_name : getenv("USER");

	memset(s, 0, sizeof(*s));
	s->port = 3306;
	s->connect_timeout_ms = 10 * 1000;
	s->pool_max = 10;
	s->pool_min = 2;
	s->pool_timeout_ms = 30 * 1000;
	s->idle_timeout_ms = 300 * 1000;
	s->max_lifetime_ms = 3600 * 1000;
	s->max_response_time_ms = 5000;
	s->max_failed_connections = 3;
	s->max_pool_util_pct = 80;
	s->max_query_time_ms = 10000;
	s->min_available_connections = 2;
	s->retention_days = 30;
	s->compression = COMPRESSION_GZIP;
	s->alert_timeout_ms = 10 * 1000;
	if (settings_set_string(&s->host, "localhost") == -1 ||
	    settings_set_string(&s->user, login ? login : "root") == -1 ||
	    settings_set_string(&s->backup_path, "storage/backups") == -1 ||
	    settings_set_string(&s->sendmail, "/usr/sbin/sendmail") == -1)
		return -1;
	return 0;
}

int
settings_flag(struct settings *s, const char *name, const char *value,
    char *err, size_t errlen)
{
	size_t i;

	for (i = 0; i < NDEFS; i++) {
		if (defs[i].flag == NULL || strcmp(defs[i].flag, name) != 0)
			continue;
		if (s->n_flags == SETTINGS_MAX_FLAGS) {
			snprintf(err, errlen, "too many options");
			return -1;
		}
		s->flags[s->n_flags].def = &defs[i];
		s->flags[s->n_flags].value = value;
		s->n_flags++;
		return 0;
	}
	snprintf(err, errlen, "unknown setting: '--%s'", name);
	return -1;
}

int
settings_getopt(struct settings *s, int opt, const char *arg, char *err,
    size_t errlen)
{
	static const struct {
		int opt;
		const char *flag;
	} map[] = {
		{ 'h', "host" }, { 'P', "port" }, { 'S', "socket" },
		{ 'u', "user" }, { 'D', "database" },
		{ SETOPT_PASSWORD_FILE, "password-file" },
		{ SETOPT_SSL_CA, "ssl-ca" }, { SETOPT_SSL_CERT, "ssl-cert" },
		{ SETOPT_SSL_KEY, "ssl-key" },
		{ SETOPT_CONNECT_TIMEOUT, "connect-timeout" },
	};
	size_t i;

	if (opt == SETOPT_DEFAULTS_FILE) {
		s->defaults_file = arg;
		return 1;
	}
	if (opt == SETOPT_NO_DEFAULTS) {
		s->no_defaults = true;
		return 1;
	}
	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (map[i].opt == opt)
			return settings_flag(s, map[i].flag, arg, err,
			    errlen) == 0 ? 1 : -1;
	return 0;
}

static int
optfile_key(void *ctx, const char *key, const char *value, char *err,
    size_t errlen)
{
	char msg[256];
	size_t i;

	for (i = 0; i < NDEFS; i++) {
		if (defs[i].key == NULL || strcmp(defs[i].key, key) != 0)
			continue;
		if (apply(ctx, &defs[i], value, msg, sizeof(msg)) == -1) {
			snprintf(err, errlen, "%s: %s", key, msg);
			return -1;
		}
		return 0;
	}
	return 0;	/* keys of other clients are not ours to judge */
}

static int
load_option_file(struct settings *s, const char *program, char *err,
    size_t errlen)
{
	const char *const groups[] = { "client", "client-server",
	    "client-mariadb", "dbkit", program, NULL };
	char home_cnf[4096];
	const char *path = s->defaults_file, *home;

	if (s->no_defaults)
		return 0;
	if (path == NULL) {
		home = getenv("HOME");
		if (home == NULL || *home == '\0')
			return 0;
		snprintf(home_cnf, sizeof(home_cnf), "%s/.my.cnf", home);
		if (access(home_cnf, F_OK) == -1)
			return 0;
		path = home_cnf;
	}
	return optfile_read(path, groups, optfile_key, s, err, errlen);
}

int
settings_load(struct settings *s, const char *program, char *err,
    size_t errlen)
{
	char msg[256];
	const char *value;
	size_t i;

	if (load_option_file(s, program, err, errlen) == -1)
		return -1;
	for (i = 0; i < NDEFS; i++) {
		if (defs[i].env == NULL || (value = getenv(defs[i].env)) == NULL)
			continue;
		if (apply(s, &defs[i], value, msg, sizeof(msg)) == -1) {
			snprintf(err, errlen, "%s: %s", defs[i].env, msg);
			return -1;
		}
	}
	for (i = 0; i < s->n_flags; i++) {
		const struct def *d = s->flags[i].def;

		if (apply(s, d, s->flags[i].value, msg, sizeof(msg)) == -1) {
			snprintf(err, errlen, "--%s: %s", d->flag, msg);
			return -1;
		}
	}
	return 0;
}

void
settings_free(struct settings *s)
{
	size_t i;

	for (i = 0; i < NDEFS; i++) {
		char **field = (char **)((char *)s + defs[i].offset);

		if ((defs[i].type != T_STRING && defs[i].type != T_PATH) ||
		    *field == NULL)
			continue;
		explicit_bzero(*field, strlen(*field));
		free(*field);
		*field = NULL;
	}
}
