/* SPDX-License-Identifier: ISC */
/*
 * dbpool-bench: what a connection pool is worth on this server.  It runs
 * one workload with N client threads three ways: through lib/pool (an
 * acquire and a release per request), on a new connection per request,
 * and on one dedicated connection per client (the upper bound), and
 * reports the throughput, the latency percentiles, the errors by kind,
 * the connections opened and the pool's own numbers.  main() reads the
 * options, checks that the server answers, prepares the table if asked,
 * runs each mode (bench.c), renders the results (report.c) and drops the
 * table if asked.
 */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "cli.h"
#include "conn.h"
#include "exitcode.h"
#include "parse.h"
#include "report.h"
#include "settings.h"
#include "workload.h"

#ifndef DBKIT_VERSION
#define DBKIT_VERSION "unknown"
#endif

enum {
	OPT_DURATION = 0x2000,
	OPT_WARMUP,
	OPT_WORKLOAD,
	OPT_QUERY,
	OPT_ROWS,
	OPT_PREPARE,
	OPT_CLEANUP,
	OPT_THINK,
	OPT_RATE,
	OPT_INTERVAL,
	OPT_POOL_MIN,
	OPT_POOL_MAX,
	OPT_POOL_TIMEOUT,
	OPT_IDLE_TIMEOUT,
	OPT_MAX_LIFETIME,
	OPT_POOL_RESET,
};

struct options {
	struct bench_config c;
	enum bench_mode mode;
	bool duration_set;
	bool workload_set;
	bool prepare, cleanup;
	bool json;
};

static void
usage(void)
{
	printf(
"usage: dbpool-bench [options]\n"
"\n"
"Measures what a connection pool is worth on a server: runs a workload with\n"
"N client threads through the dbkit pool, with a new connection per request,\n"
"or with one dedicated connection per client, and reports requests/s,\n"
"latency percentiles, errors by kind and connections opened.\n"
"Exit status: 0 the run completed (failed requests are reported),\n"
"1 it could not run, 2 usage error.\n"
"\n"
"Connection (also DB_* environment variables and ~/.my.cnf):\n"
"  -h, --host HOST            server host (DB_HOST)\n"
"  -P, --port PORT            TCP port (DB_PORT)\n"
"  -S, --socket PATH          Unix socket (DB_SOCKET)\n"
"  -u, --user USER            user (DB_USER)\n"
"      --password-file FILE   read the password from FILE (or DB_PASSWORD)\n"
"  -D, --database DB          default database (DB_NAME)\n"
"      --ssl-ca FILE, --ssl-cert FILE, --ssl-key FILE   TLS (DB_SSL_*)\n"
"      --connect-timeout DUR  connect timeout (DB_CONNECT_TIMEOUT)\n"
"      --defaults-file FILE   read this option file instead of ~/.my.cnf\n"
"      --no-defaults          read no option file\n"
"\n"
"Pool (pool mode):\n"
"      --pool-min N           connections kept open (DB_POOL_MIN_CONNECTIONS, 2)\n"
"      --pool-max N           most connections open (DB_POOL_MAX_CONNECTIONS, 10)\n"
"      --pool-timeout DUR     longest wait for a connection (DB_POOL_TIMEOUT, 30s)\n"
"      --pool-reset WHEN      reset a connection's session on release: changed\n"
"                             (when the server says it changed), always or\n"
"                             never (DB_POOL_RESET, changed)\n"
"      --idle-timeout DUR     idle connections above min close after\n"
"                             (DB_POOL_IDLE_TIMEOUT)\n"
"      --max-lifetime DUR     connections retire after (DB_POOL_MAX_LIFETIME)\n"
"\n"
"Benchmark:\n"
"  -m, --mode MODE            pool, connect, persistent, or all (default pool)\n"
"  -c, --clients N            client threads (default 8)\n"
"      --duration DUR         how long each mode runs (default 10s)\n"
"  -n, --requests N           run N requests in total instead\n"
"      --warmup DUR           run first, uncounted (default 1s)\n"
"      --workload NAME        select1 (SELECT 1, the default) or point (a\n"
"                             select by primary key on " BENCH_TABLE ")\n"
"      --query SQL            run this statement instead\n"
"      --rows N               rows of the point table (default 100000)\n"
"      --prepare              create and fill the point table before the run\n"
"      --cleanup              drop the point table after the run\n"
"      --think DUR            each client waits DUR between requests\n"
"      --rate N               N requests/s in total on a fixed schedule;\n"
"                             latency counts from each request's due time\n"
"      --interval DUR         print progress to stderr every DUR\n"
"  -j, --json                 print the result as JSON\n"
"  -V, --version              print the version and exit\n"
"      --help                 print this help and exit\n");
}

static void
parse_options(int argc, char **argv, struct settings *s, struct options *o)
{
	static const struct option longopts[] = {
		SETTINGS_LONGOPTS,
		{ "pool-min", required_argument, NULL, OPT_POOL_MIN },
		{ "pool-max", required_argument, NULL, OPT_POOL_MAX },
		{ "pool-timeout", required_argument, NULL, OPT_POOL_TIMEOUT },
		{ "idle-timeout", required_argument, NULL, OPT_IDLE_TIMEOUT },
		{ "max-lifetime", required_argument, NULL, OPT_MAX_LIFETIME },
		{ "pool-reset", required_argument, NULL, OPT_POOL_RESET },
		{ "mode", required_argument, NULL, 'm' },
		{ "clients", required_argument, NULL, 'c' },
		{ "duration", required_argument, NULL, OPT_DURATION },
		{ "requests", required_argument, NULL, 'n' },
		{ "warmup", required_argument, NULL, OPT_WARMUP },
		{ "workload", required_argument, NULL, OPT_WORKLOAD },
		{ "query", required_argument, NULL, OPT_QUERY },
		{ "rows", required_argument, NULL, OPT_ROWS },
		{ "prepare", no_argument, NULL, OPT_PREPARE },
		{ "cleanup", no_argument, NULL, OPT_CLEANUP },
		{ "think", required_argument, NULL, OPT_THINK },
		{ "rate", required_argument, NULL, OPT_RATE },
		{ "interval", required_argument, NULL, OPT_INTERVAL },
		{ "json", no_argument, NULL, 'j' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, CLI_OPT_HELP },
		{ NULL, 0, NULL, 0 },
	};
	/* In the order of enum bench_mode and enum bench_workload (not on
	 * the line of the brace, where the --help test looks for options). */
	static const char *const modes[] = {
		"pool", "connect", "persistent", "all", NULL
	};
	static const char *const workloads[] = {
		"select1", "point", NULL
	};
	static const char *const pool_flags[] = { "pool-min", "pool-max",
	    "pool-timeout", "idle-timeout", "max-lifetime", "pool-reset" };
	struct bench_config *c = &o->c;
	char err[256];
	int opt;

	memset(o, 0, sizeof(*o));
	c->s = s;
	c->clients = 8;
	c->duration_ms = 10000;
	c->warmup_ms = 1000;
	c->rows = 100000;
	o->mode = MODE_POOL;
	while ((opt = getopt_long(argc, argv, SETTINGS_SHORTOPTS "m:c:n:jV",
	    longopts, NULL)) != -1) {
		if (cli_settings_option(EXIT_USAGE, s, opt, optarg))
			continue;
		switch (opt) {
		case OPT_POOL_MIN:
		case OPT_POOL_MAX:
		case OPT_POOL_TIMEOUT:
		case OPT_IDLE_TIMEOUT:
		case OPT_MAX_LIFETIME:
		case OPT_POOL_RESET:
			/* Through the settings, so they beat DB_POOL_*. */
			cli_setting(EXIT_USAGE, s, pool_flags[opt - OPT_POOL_MIN],
			    optarg);
			break;
		case 'm':
			o->mode = (enum bench_mode)cli_choice_arg(EXIT_USAGE,
			    "mode", "mode", optarg, modes);
			break;
		case 'c':
			c->clients = cli_integer_arg(EXIT_USAGE, "clients", optarg,
			    1, 10000);
			break;
		case OPT_DURATION:
			c->duration_ms = cli_duration_arg(EXIT_USAGE, "duration",
			    optarg, 1);
			o->duration_set = true;
			break;
		case 'n':
			c->requests = cli_integer_arg(EXIT_USAGE, "requests", optarg,
			    1, 1LL << 50);
			break;
		case OPT_WARMUP:
			c->warmup_ms = cli_duration_arg(EXIT_USAGE, "warmup", optarg,
			    0);
			break;
		case OPT_WORKLOAD:
			c->workload = (enum bench_workload)cli_choice_arg(
			    EXIT_USAGE, "workload", "workload", optarg, workloads);
			o->workload_set = true;
			break;
		case OPT_QUERY:
			if (optarg[0] == '\0')
				cli_usage_error(EXIT_USAGE, "--query: empty");
			c->query = optarg;
			break;
		case OPT_ROWS:
			c->rows = cli_integer_arg(EXIT_USAGE, "rows", optarg,
			    1, 1000000000);
			break;
		case OPT_PREPARE:
			o->prepare = true;
			break;
		case OPT_CLEANUP:
			o->cleanup = true;
			break;
		case OPT_THINK:
			c->think_ms = cli_duration_arg(EXIT_USAGE, "think", optarg,
			    0);
			break;
		case OPT_RATE:
			if (parse_number(optarg, &c->rate, err, sizeof(err)) == -1)
				cli_usage_error(EXIT_USAGE, "--rate: %s", err);
			if (c->rate <= 0 || c->rate > 1e7)
				cli_usage_error(EXIT_USAGE, "--rate: out of range: "
				    "'%s'", optarg);
			break;
		case OPT_INTERVAL:
			c->interval_ms = cli_duration_arg(EXIT_USAGE, "interval",
			    optarg, 100);
			break;
		case 'j':
			o->json = true;
			break;
		default:
			cli_other_option(opt, usage, EXIT_FAILED, EXIT_USAGE);
		}
	}
	if (optind < argc)
		cli_usage_error(EXIT_USAGE, "unexpected argument: '%s'",
		    argv[optind]);
	if (o->duration_set && c->requests > 0)
		cli_usage_error(EXIT_USAGE, "--duration and --requests exclude "
		    "each other");
	if (c->requests > 0)
		c->duration_ms = 0;
	if (c->query != NULL && o->workload_set)
		cli_usage_error(EXIT_USAGE, "--query and --workload exclude "
		    "each other");
	if (c->query != NULL)
		c->workload = WL_QUERY;
	if ((o->prepare || o->cleanup) && c->workload != WL_POINT)
		cli_usage_error(EXIT_USAGE, "--%s: only with --workload point",
		    o->prepare ? "prepare" : "cleanup");
	if (c->think_ms > 0 && c->rate > 0)
		cli_usage_error(EXIT_USAGE, "--think and --rate exclude each "
		    "other");
}

int
main(int argc, char **argv)
{
	static struct bench_report r;
	struct settings s;
	struct options o;
	char err[2048] = "";
	int status = EXIT_FAILED, rc;
	bool prepared = false;

	if (settings_init(&s) == -1)
		cli_die(EXIT_FAILED, "out of memory");
	parse_options(argc, argv, &s, &o);
	if (settings_load(&s, "dbpool-bench", err, sizeof(err)) == -1)
		cli_usage_error(EXIT_USAGE, "%s", err);
	if (s.pool_min > s.pool_max)
		cli_usage_error(EXIT_USAGE, "--pool-min %lld is above --pool-max "
		    "%lld", s.pool_min, s.pool_max);
	pool_config_from_settings(&o.c.pool, &s);
	if (conn_library_init() == -1)
		cli_die(EXIT_FAILED, "cannot initialise the client library");

	if (o.prepare) {
		if (workload_prepare(&s, o.c.rows, err, sizeof(err)) == -1)
			goto out;
		prepared = true;
	}
	r.c = &o.c;
	r.mode = o.mode;
	if (workload_check(&o.c, err, sizeof(err)) == -1 ||
	    bench_run_modes(&r, err, sizeof(err)) == -1)
		goto out;
	rc = o.json ? report_json(&r, stdout) : report_text(&r, stdout);
	status = rc == 0 ? EXIT_DONE : EXIT_FAILED;
	if (cli_close_stdout() == -1)
		status = EXIT_FAILED;
	err[0] = '\0';
out:
	if (status != EXIT_DONE && err[0] != '\0')
		cli_warn("%s", err);
	/* Also after a failed run: the table was ours to drop. */
	if (o.cleanup && (prepared || status == EXIT_DONE) &&
	    workload_cleanup(&s, err, sizeof(err)) == -1) {
		cli_warn("%s", err);
		status = EXIT_FAILED;
	}
	settings_free(&s);
	return status;
}
