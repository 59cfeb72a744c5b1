/* SPDX-License-Identifier: ISC */
/*
 * cli: the few helpers that print and exit.  Only a program's main path
 * calls these; every other lib function reports errors through its return
 * value and a message buffer.  Messages follow "prog: what failed: why".
 */
#ifndef DBKIT_CLI_H
#define DBKIT_CLI_H

#include <stdarg.h>
#include <stdbool.h>

#include "settings.h"

/* Print "prog: MESSAGE" on stderr. */
void cli_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Print "prog: MESSAGE" on stderr and exit with STATUS. */
_Noreturn void cli_die(int status, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Print "prog: MESSAGE" and the --help hint on stderr, exit with STATUS. */
_Noreturn void cli_usage_error(int status, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Print the --help hint alone (after getopt's own message), exit with STATUS. */
_Noreturn void cli_try_help(int status);

/* The getopt code of --help, for a program's longopts (--version is 'V'). */
#define CLI_OPT_HELP 0x1800

/*
 * The default of every program's option switch: --version ('V') prints
 * "PROG (dbkit) VERSION", --help (CLI_OPT_HELP) runs usage, both exit 0,
 * or fail when stdout cannot be written; anything else is what getopt
 * rejected: the --help hint, exit usage_status.
 */
_Noreturn void cli_other_option(int opt, void (*usage)(void), int fail,
    int usage_status);

/*
 * A flag's numeric value, or "prog: --NAME: why" and the --help hint on
 * stderr and exit with STATUS.  Durations take a bare number as seconds.
 */
long long cli_integer_arg(int status, const char *name, const char *arg,
    long long min, long long max);
long long cli_duration_arg(int status, const char *name, const char *arg,
    long long min_ms);

/*
 * The index of arg in words (NULL-ended), for a flag that takes one of a
 * few words, or "prog: --NAME: unknown KIND: 'ARG'" and the --help hint
 * on stderr and exit with STATUS.
 */
int cli_choice_arg(int status, const char *name, const char *kind,
    const char *arg, const char *const *words);

/*
 * settings_getopt and settings_flag for a program's option loop: a flag
 * that cannot be remembered is a usage error with STATUS, never dropped.
 */
bool cli_settings_option(int status, struct settings *s, int opt,
    const char *arg);
void cli_setting(int status, struct settings *s, const char *name,
    const char *value);

/*
 * Appends word to the space-separated list *list (malloc'd, or NULL for
 * an empty one), for a flag that may be repeated.  0, or -1 (memory).
 */
int cli_append_word(char **list, const char *word);

/*
 * Flush stdout and check it; a write error is a failure.  Returns 0, or -1
 * after printing "prog: write error: ..." so the caller picks the status.
 */
int cli_close_stdout(void);

#endif
