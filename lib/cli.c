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
cli_version(const char *version, int fail)
{
	printf("%s (dbkit) %s\n", program_invocation_short_name, version);
	exit(cli_close_stdout() == 0 ? 0 : fail);
}

void
cli_help(void (*usage)(void), int fail)
{
	usage();
	exit(cli_close_stdout() == 0 ? 0 : fail);
}
