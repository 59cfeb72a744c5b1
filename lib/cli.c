/* SPDX-License-Identifier: ISC */
/*
 * cli: printing helpers for a program's main path.  The program name comes
 * from glibc's program_invocation_short_name, so the library keeps no state.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "parse.h"

static void
vwarn_line(const char *fmt, va_list ap)
{
	fprintf(stderr, "%s: ", program_invocation_short_name);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void
cli_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vwarn_line(fmt, ap);
	va_end(ap);
}

void
cli_die(int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vwarn_line(fmt, ap);
	va_end(ap);
	exit(status);
}

void
cli_try_help(int status)
{
	fprintf(stderr, "Try '%s --help' for more information.\n",
	    program_invocation_short_name);
	exit(status);
}

void
cli_usage_error(int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vwarn_line(fmt, ap);
	va_end(ap);
	cli_try_help(status);
}

bool
cli_settings_option(int status, struct settings *s, int opt, const char *arg)
{
	char err[128];
	int r;

	if ((r = settings_getopt(s, opt, arg, err, sizeof(err))) == -1)
		cli_usage_error(status, "%s", err);
	return r == 1;
}

void
cli_setting(int status, struct settings *s, const char *name,
    const char *value)
{
	char err[128];

	if (settings_flag(s, name, value, err, sizeof(err)) == -1)
		cli_usage_error(status, "%s", err);
}

long long
cli_integer_arg(int status, const char *name, const char *arg, long long min,
    long long max)
{
	char err[128];
	long long v;

	if (parse_integer(arg, min, max, &v, err, sizeof(err)) == -1)
		cli_usage_error(status, "--%s: %s", name, err);
	return v;
}

long long
cli_duration_arg(int status, const char *name, const char *arg,
    long long min_ms)
{
	char err[128];
	long long ms;

	if (parse_duration_ms(arg, 1000, &ms, err, sizeof(err)) == -1)
		cli_usage_error(status, "--%s: %s", name, err);
	if (ms < min_ms && min_ms % 1000 == 0)
		cli_usage_error(status, "--%s: must be at least %llds: '%s'",
		    name, min_ms / 1000, arg);
	if (ms < min_ms)
		cli_usage_error(status, "--%s: must be at least %lld ms: '%s'",
		    name, min_ms, arg);
	return ms;
}

int
cli_choice_arg(int status, const char *name, const char *kind,
    const char *arg, const char *const *words)
{
	int i;

	for (i = 0; words[i] != NULL; i++)
		if (strcmp(arg, words[i]) == 0)
			return i;
	cli_usage_error(status, "--%s: unknown %s: '%s'", name, kind, arg);
}

int
cli_close_stdout(void)
{
	/* A closed pipe (| head) already ended us through SIGPIPE, as cat does. */
	if (fflush(stdout) == EOF || ferror(stdout)) {
		cli_warn("write error: %s", strerror(errno ? errno : EIO));
		return -1;
	}
	return 0;
}

void
cli_other_option(int opt, void (*usage)(void), int fail, int usage_status)
{
	if (opt == 'V')
		printf("%s (dbkit) %s\n", program_invocation_short_name,
		    DBKIT_VERSION);
	else if (opt == CLI_OPT_HELP)
		usage();
	else
		cli_try_help(usage_status);
	exit(cli_close_stdout() == 0 ? 0 : fail);
}

int
cli_append_word(char **list, const char *word)
{
	char *grown;

	if (asprintf(&grown, "%s%s%s", *list ? *list : "", *list ? " " : "",
	    word) == -1)
		return -1;
	free(*list);
	*list = grown;
	return 0;
}
