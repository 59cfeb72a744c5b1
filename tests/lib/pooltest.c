/* SPDX-License-Identifier: ISC */
/*
 * pooltest: drives lib/pool against a real server for tests/pool.bats.
 * The connection comes from the DB_* environment, the pool's bounds from
 * DB_POOL_*.  Each subcommand prints one line of key=value results.
 *
 *	pooltest bounds THREADS ITERATIONS	many threads, max respected
 *	pooltest timeout			waiting past the timeout
 *	pooltest fifo				waiters served in arrival order
 *	pooltest reset				session state per DB_POOL_RESET
 *	pooltest idle				idle connections above min close
 *	pooltest lifetime			old connections retire
 *	pooltest kill				a KILLed connection is replaced
 *	pooltest loop SECONDS			query in a loop (server restarts)
 *	pooltest micro N			acquire+release cost per DB_POOL_RESET
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conn.h"
#include "pool.h"
#include "settings.h"
#include "timeutil.h"

static struct pool *pool;
static atomic_llong max_seen, in_use_now, errors;
static long long iterations;

static int
query(MYSQL *m, const char *sql, char *out, size_t outlen)
{
	MYSQL_RES *res;
	MYSQL_ROW row;

	if (mysql_query(m, sql) != 0)
		return -1;
	if ((res = mysql_store_result(m)) == NULL)
		return mysql_field_count(m) ? -1 : 0;
	if (out != NULL) {
		row = mysql_fetch_row(res);
		snprintf(out, outlen, "%s", row && row[0] ? row[0] : "NULL");
	}
	mysql_free_result(res);
	return 0;
}

static void
print_stats(void)
{
	struct pool_stats st;

	pool_stats(pool, &st);
	printf("open=%lld in_use=%lld idle=%lld peak=%lld created=%lld "
	    "closed_idle=%lld closed_lifetime=%lld closed_broken=%lld "
	    "acquisitions=%lld reuses=%lld resets=%lld waits=%lld timeouts=%lld "
	    "leaks=%lld\n",
	    st.open, st.in_use, st.idle, st.peak_open, st.created, st.closed_idle,
	    st.closed_lifetime, st.closed_broken, st.acquisitions, st.reuses,
	    st.resets, st.waits, st.timeouts, st.leaks);
}

static void *
bounds_worker(void *arg)
{
	char err[1024];
	long long i, n;
	MYSQL *m;

	(void)arg;
	for (i = 0; i < iterations; i++) {
		if ((m = pool_acquire(pool, err, sizeof(err))) == NULL) {
			atomic_fetch_add(&errors, 1);
			continue;
		}
		n = atomic_fetch_add(&in_use_now, 1) + 1;
		for (long long seen = atomic_load(&max_seen); n > seen &&
		    !atomic_compare_exchange_weak(&max_seen, &seen, n);)
			;
		if (query(m, "SELECT 1", NULL, 0) == -1)
			atomic_fetch_add(&errors, 1);
		atomic_fetch_sub(&in_use_now, 1);
		pool_release(pool, m, 0);
	}
	return NULL;
}

/*
 * One borrower changes something and gives the connection back; the next
 * borrower (the same connection: the pool has one) runs the check, whose
 * result on a fresh session is expect ("ok": all statements succeed,
 * "error": one fails, "$DB_NAME": the pool's database or NULL, else the
 * last one's first value).
 */
static const struct scenario {
	const char *name;
	const char *change[2];
	unsigned flags;
	const char *check[3];
	const char *expect;
} scenarios[] = {
	{ "user_variable", { "SET @secret = 'borrower one'" }, 0,
	    { "SELECT @secret IS NULL" }, "1" },
	{ "names", { "SET NAMES latin1" }, 0,
	    { "SELECT @@character_set_client" }, "utf8mb4" },
	{ "sql_mode", { "SET sql_mode = 'ANSI_QUOTES'" }, 0,
	    { "SELECT @@sql_mode LIKE '%ANSI_QUOTES%'" }, "0" },
	{ "autocommit", { "SET autocommit = 0" }, 0,
	    { "SELECT @@autocommit" }, "1" },
	{ "temporary_table", { "CREATE TEMPORARY TABLE pooltest.tmp (x INT)" },
	    0, { "CREATE TEMPORARY TABLE pooltest.tmp (x INT)" }, "ok" },
	{ "database", { "USE mysql" }, 0, { "SELECT DATABASE()" }, "$DB_NAME" },
	{ "prepare", { "PREPARE s FROM 'SELECT 1'" }, 0,
	    { "EXECUTE s" }, "error" },
	{ "lock_tables", { "LOCK TABLES mysql.user READ" }, 0,
	    { "SELECT COUNT(*) >= 0 FROM mysql.db" }, "1" },
	{ "open_transaction", { "START TRANSACTION",
	    "INSERT INTO pooltest.t VALUES (1)" }, 0,
	    { "SELECT COUNT(*) FROM pooltest.t" }, "0" },
	{ "next_transaction", { "SET TRANSACTION READ ONLY" }, 0,
	    { "INSERT INTO pooltest.t VALUES (1)", "DELETE FROM pooltest.t" },
	    "ok" },
	{ "statement_open", { "<stmt>" }, 0, { "SELECT 1" }, "1" },
	{ "failed_last", { "SELECT no_such_column" }, 0, { "SELECT 1" }, "1" },
	{ "nothing", { "SELECT 1" }, 0, { "SELECT 1" }, "1" },
	{ "select_assign", { "SELECT @v := 1" }, 0,
	    { "SELECT @v IS NULL" }, "1" },
	{ "select_assign_dirty", { "SELECT @v := 1" }, POOL_DIRTY,
	    { "SELECT @v IS NULL" }, "1" },
	{ "get_lock_dirty", { "SELECT GET_LOCK('pooltest', 0)" }, POOL_DIRTY,
	    { "SELECT IS_USED_LOCK('pooltest') IS NULL" }, "1" },
	{ "trackers_off", { "SET session_track_state_change = OFF",
	    "SET @after = 1" }, 0, { "SELECT @after IS NULL" }, "1" },
};

/* Runs the statements (up to n) and says what they gave, as above. */
static void
run_check(MYSQL *m, const char *const *sql, size_t n, char *out,
    size_t outlen)
{
	size_t i;

	snprintf(out, outlen, "ok");
	for (i = 0; i < n && sql[i] != NULL; i++) {
		out[0] = '\0';
		if (query(m, sql[i], out, outlen) == -1) {
			snprintf(out, outlen, "error");
			return;
		}
		if (out[0] == '\0')
			snprintf(out, outlen, "ok");
	}
}

/* Prints "NAME clean|leaked reset|kept [RESULT]" for each scenario, then
 * the pool's numbers. */
static void
reset_scenarios(void)
{
	const char *db = getenv("DB_NAME") && *getenv("DB_NAME") ?
	    getenv("DB_NAME") : "NULL";
	const struct scenario *sc;
	struct pool_stats before, after;
	MYSQL_STMT *stmt = NULL;
	char err[1024], got[256];
	MYSQL *m;

	m = pool_acquire(pool, err, sizeof(err));
	query(m, "CREATE DATABASE IF NOT EXISTS pooltest", NULL, 0);
	query(m, "CREATE OR REPLACE TABLE pooltest.t (x INT)", NULL, 0);
	pool_release(pool, m, POOL_DIRTY);
	for (sc = scenarios; sc < scenarios + sizeof(scenarios) /
	    sizeof(scenarios[0]); sc++) {
		m = pool_acquire(pool, err, sizeof(err));
		if (strcmp(sc->change[0], "<stmt>") == 0) {
			stmt = mysql_stmt_init(m);
			mysql_stmt_prepare(stmt, "SELECT 1", 8);
		} else
			run_check(m, sc->change, 2, got, sizeof(got));
		pool_stats(pool, &before);
		pool_release(pool, m, sc->flags);
		pool_stats(pool, &after);
		m = pool_acquire(pool, err, sizeof(err));
		run_check(m, sc->check, 3, got, sizeof(got));
		/* Leave the next scenario a clean session either way. */
		pool_release(pool, m, POOL_DIRTY);
		printf("%s %s %s [%s]\n", sc->name, strcmp(got,
		    strcmp(sc->expect, "$DB_NAME") ? sc->expect : db) == 0 ?
		    "clean" : "leaked", after.resets > before.resets ? "reset" :
		    "kept", got);
		if (stmt != NULL) {
			mysql_stmt_close(stmt);
			stmt = NULL;
		}
	}
	m = pool_acquire(pool, err, sizeof(err));
	query(m, "DROP DATABASE pooltest", NULL, 0);
	pool_release(pool, m, 0);
	print_stats();
}

/* A waiter of pooltest fifo: arrives, waits, notes when it was served. */
static atomic_int served;

static void *
fifo_worker(void *arg)
{
	int *turn = arg;
	char err[1024];
	MYSQL *m;

	if ((m = pool_acquire(pool, err, sizeof(err))) == NULL)
		return NULL;
	*turn = atomic_fetch_add(&served, 1);
	usleep(20000);
	pool_release(pool, m, 0);
	return NULL;
}

int
main(int argc, char **argv)
{
	struct settings s;
	struct pool_config c;
	char err[2048], a[256], b[256];
	MYSQL *m, *m2;

	if (argc < 2 || settings_init(&s) == -1) {
		fprintf(stderr, "usage: pooltest COMMAND [ARGS]\n");
		return 2;
	}
	if (settings_load(&s, "pooltest", err, sizeof(err)) == -1 ||
	    conn_library_init() == -1) {
		fprintf(stderr, "pooltest: %s\n", err);
		settings_free(&s);
		return 2;
	}
	pool_config_from_settings(&c, &s);
	c.validate_after_ms = 0;	/* tests want every reuse checked */
	if (strcmp(argv[1], "timeout") == 0)
		c.leak_threshold_ms = 100;
	/* A ping ends SET TRANSACTION's wait for the next transaction. */
	if (strcmp(argv[1], "reset") == 0)
		c.validate_after_ms = 1000000;
	if ((pool = pool_new(&s, &c, err, sizeof(err))) == NULL) {
		printf("error=%s\n", err);
		return 1;
	}
	if (strcmp(argv[1], "bounds") == 0 && argc == 4) {
		int threads = atoi(argv[2]), i;
		pthread_t t[256];

		iterations = atoll(argv[3]);
		for (i = 0; i < threads && i < 256; i++)
			pthread_create(&t[i], NULL, bounds_worker, NULL);
		for (i = 0; i < threads && i < 256; i++)
			pthread_join(t[i], NULL);
		printf("max_in_use=%lld errors=%lld ", (long long)max_seen,
		    (long long)errors);
		print_stats();
	} else if (strcmp(argv[1], "timeout") == 0) {
		/* Hold every connection, then ask for one more. */
		MYSQL *held[64];
		long long i, n = c.max < 64 ? c.max : 64;

		for (i = 0; i < n; i++)
			held[i] = pool_acquire(pool, err, sizeof(err));
		usleep(150000);		/* past the leak threshold */
		m = pool_acquire(pool, err, sizeof(err));
		printf("got=%s error=%s\n", m ? "yes" : "no", m ? "" : err);
		print_stats();
		for (i = 0; i < n; i++)
			if (held[i] != NULL)
				pool_release(pool, held[i], 0);
	} else if (strcmp(argv[1], "reset") == 0) {
		reset_scenarios();
	} else if (strcmp(argv[1], "idle") == 0) {
		MYSQL *held[4];
		int i;

		for (i = 0; i < 4; i++)
			held[i] = pool_acquire(pool, err, sizeof(err));
		for (i = 0; i < 4; i++)
			pool_release(pool, held[i], 0);
		usleep((useconds_t)(c.idle_timeout_ms * 1000 + 200000));
		pool_maintain(pool);
		print_stats();
	} else if (strcmp(argv[1], "lifetime") == 0) {
		m = pool_acquire(pool, err, sizeof(err));
		usleep((useconds_t)(c.max_lifetime_ms * 1000 + 100000));
		pool_release(pool, m, 0);
		m = pool_acquire(pool, err, sizeof(err));
		printf("works=%s ", m && query(m, "SELECT 1", NULL, 0) == 0 ?
		    "yes" : "no");
		pool_release(pool, m, 0);
		print_stats();
	} else if (strcmp(argv[1], "fifo") == 0) {
		/* Hold the only connection while four threads line up 50 ms
		 * apart, then let go: they must get it in that order. */
		int turn[4] = { -1, -1, -1, -1 }, i;
		pthread_t t[4];

		m = pool_acquire(pool, err, sizeof(err));
		for (i = 0; i < 4; i++) {
			pthread_create(&t[i], NULL, fifo_worker, &turn[i]);
			usleep(50000);
		}
		pool_release(pool, m, 0);
		for (i = 0; i < 4; i++)
			pthread_join(t[i], NULL);
		printf("order=%d,%d,%d,%d ", turn[0], turn[1], turn[2], turn[3]);
		print_stats();
	} else if (strcmp(argv[1], "kill") == 0) {
		m = pool_acquire(pool, err, sizeof(err));
		m2 = pool_acquire(pool, err, sizeof(err));
		query(m, "SELECT CONNECTION_ID()", a, sizeof(a));
		snprintf(b, sizeof(b), "KILL %.32s", a);
		query(m2, b, NULL, 0);
		pool_release(pool, m2, 0);
		printf("query_after_kill=%s ", query(m, "SELECT 1", NULL, 0) ==
		    -1 ? "failed" : "worked");
		pool_release(pool, m, 0);	/* the pool sees the error */
		m = pool_acquire(pool, err, sizeof(err));
		query(m, "SELECT CONNECTION_ID()", b, sizeof(b));
		printf("new_connection=%s works=%s ", strcmp(a, b) ? "yes" : "no",
		    query(m, "SELECT 1", NULL, 0) == 0 ? "yes" : "no");
		pool_release(pool, m, 0);
		print_stats();
	} else if (strcmp(argv[1], "loop") == 0 && argc == 3) {
		double end = time_monotonic_ms() + atof(argv[2]) * 1000.0;
		long long ok = 0, failed = 0, ok_after_failure = 0;

		while (time_monotonic_ms() < end) {
			if ((m = pool_acquire(pool, err, sizeof(err))) == NULL) {
				failed++;
				usleep(50000);
				continue;
			}
			if (query(m, "SELECT 1", NULL, 0) == 0) {
				ok++;
				if (failed > 0)
					ok_after_failure++;
			} else
				failed++;
			pool_release(pool, m, 0);
			usleep(10000);
		}
		printf("ok=%lld failed=%lld ok_after_failure=%lld ", ok, failed,
		    ok_after_failure);
		print_stats();
	} else if (strcmp(argv[1], "micro") == 0 && argc == 3) {
		static const char *const names[] = { "changed", "always",
		    "never" };
		long long i, n;
		double t0;
		int mode;

		/* Acquire and release with nothing done in between, under each
		 * DB_POOL_RESET; always is a round trip each, so fewer. */
		c.validate_after_ms = 1000000;
		for (mode = POOL_RESET_CHANGED; mode <= POOL_RESET_NEVER; mode++) {
			n = atoll(argv[2]) / (mode == POOL_RESET_ALWAYS ? 20 : 1);
			pool_free(pool);
			c.reset = (enum pool_reset)mode;
			if ((pool = pool_new(&s, &c, err, sizeof(err))) == NULL) {
				printf("error=%s\n", err);
				return 1;
			}
			t0 = time_monotonic_ms();
			for (i = 0; i < n; i++) {
				m = pool_acquire(pool, err, sizeof(err));
				pool_release(pool, m, 0);
			}
			printf("%s%s_ns=%.0f", mode ? " " : "", names[mode],
			    (time_monotonic_ms() - t0) * 1e6 / (double)(n ? n : 1));
		}
		printf("\n");
	} else {
		fprintf(stderr, "pooltest: unknown command\n");
		pool_free(pool);
		return 2;
	}
	pool_free(pool);
	settings_free(&s);
	mysql_library_end();
	return 0;
}
