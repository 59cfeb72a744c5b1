/* SPDX-License-Identifier: ISC */
/*
 * pooltest: drives lib/pool against a real server for tests/pool.bats.
 * The connection comes from the DB_* environment, the pool's bounds from
 * DB_POOL_*.  Each subcommand prints one line of key=value results.
 *
 *	pooltest bounds THREADS ITERATIONS	many threads, max respected
 *	pooltest timeout			waiting past the timeout
 *	pooltest reset				session state does not leak
 *	pooltest idle				idle connections above min close
 *	pooltest lifetime			old connections retire
 *	pooltest kill				a KILLed connection is replaced
 *	pooltest loop SECONDS			query in a loop (server restarts)
 *	pooltest micro N			acquire+release cost, uncontended
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
	    "acquisitions=%lld reuses=%lld waits=%lld timeouts=%lld leaks=%lld\n",
	    st.open, st.in_use, st.idle, st.peak_open, st.created, st.closed_idle,
	    st.closed_lifetime, st.closed_broken, st.acquisitions, st.reuses,
	    st.waits, st.timeouts, st.leaks);
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
		pool_release(pool, m, false);
	}
	return NULL;
}

int
main(int argc, char **argv)
{
	struct settings s;
	struct pool_config c;
	char err[2048], a[256], b[256];
	MYSQL *m, *m2;

	if (argc < 2 || settings_init(&s) == -1 ||
	    settings_load(&s, "pooltest", err, sizeof(err)) == -1 ||
	    conn_library_init() == -1) {
		fprintf(stderr, "usage: pooltest COMMAND [ARGS]\n");
		return 2;
	}
	pool_config_from_settings(&c, &s);
	c.validate_after_ms = 0;	/* tests want every reuse checked */
	if (strcmp(argv[1], "timeout") == 0)
		c.leak_threshold_ms = 100;
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
				pool_release(pool, held[i], false);
	} else if (strcmp(argv[1], "reset") == 0) {
		m = pool_acquire(pool, err, sizeof(err));
		query(m, "SET @secret = 'borrower one', NAMES latin1", NULL, 0);
		query(m, "CREATE TEMPORARY TABLE tmp_one (x INT)", NULL, 0);
		query(m, "SELECT CONNECTION_ID()", a, sizeof(a));
		pool_release(pool, m, false);
		m2 = pool_acquire(pool, err, sizeof(err));
		query(m2, "SELECT CONNECTION_ID()", b, sizeof(b));
		printf("same_connection=%s ", strcmp(a, b) == 0 ? "yes" : "no");
		query(m2, "SELECT @secret", a, sizeof(a));
		query(m2, "SELECT @@character_set_client", b, sizeof(b));
		printf("secret=%s charset=%s temp_table=%s\n", a, b,
		    query(m2, "SELECT * FROM tmp_one", NULL, 0) == -1 ? "gone" :
		    "still there");
		pool_release(pool, m2, false);
	} else if (strcmp(argv[1], "idle") == 0) {
		MYSQL *held[4];
		int i;

		for (i = 0; i < 4; i++)
			held[i] = pool_acquire(pool, err, sizeof(err));
		for (i = 0; i < 4; i++)
			pool_release(pool, held[i], false);
		usleep((useconds_t)(c.idle_timeout_ms * 1000 + 200000));
		pool_maintain(pool);
		print_stats();
	} else if (strcmp(argv[1], "lifetime") == 0) {
		m = pool_acquire(pool, err, sizeof(err));
		usleep((useconds_t)(c.max_lifetime_ms * 1000 + 100000));
		pool_release(pool, m, false);
		m = pool_acquire(pool, err, sizeof(err));
		printf("works=%s ", m && query(m, "SELECT 1", NULL, 0) == 0 ?
		    "yes" : "no");
		pool_release(pool, m, false);
		print_stats();
	} else if (strcmp(argv[1], "kill") == 0) {
		m = pool_acquire(pool, err, sizeof(err));
		m2 = pool_acquire(pool, err, sizeof(err));
		query(m, "SELECT CONNECTION_ID()", a, sizeof(a));
		snprintf(b, sizeof(b), "KILL %.32s", a);
		query(m2, b, NULL, 0);
		pool_release(pool, m2, false);
		printf("query_after_kill=%s ", query(m, "SELECT 1", NULL, 0) ==
		    -1 ? "failed" : "worked");
		pool_release(pool, m, false);	/* the pool sees the error */
		m = pool_acquire(pool, err, sizeof(err));
		query(m, "SELECT CONNECTION_ID()", b, sizeof(b));
		printf("new_connection=%s works=%s ", strcmp(a, b) ? "yes" : "no",
		    query(m, "SELECT 1", NULL, 0) == 0 ? "yes" : "no");
		pool_release(pool, m, false);
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
			pool_release(pool, m, false);
			usleep(10000);
		}
		printf("ok=%lld failed=%lld ok_after_failure=%lld ", ok, failed,
		    ok_after_failure);
		print_stats();
	} else if (strcmp(argv[1], "micro") == 0 && argc == 3) {
		long long i, n = atoll(argv[2]);
		double t0, with_reset;

		/* With the reset (a round trip), then the pool's own work. */
		t0 = time_monotonic_ms();
		for (i = 0; i < n; i++) {
			m = pool_acquire(pool, err, sizeof(err));
			pool_release(pool, m, false);
		}
		with_reset = (time_monotonic_ms() - t0) * 1e6 / (double)n;
		pool_free(pool);
		c.reset_on_release = false;
		c.validate_after_ms = 1000000;
		pool = pool_new(&s, &c, err, sizeof(err));
		t0 = time_monotonic_ms();
		for (i = 0; i < n; i++) {
			m = pool_acquire(pool, err, sizeof(err));
			pool_release(pool, m, false);
		}
		printf("ns_per_acquire_release=%.0f with_reset_ns=%.0f\n",
		    (time_monotonic_ms() - t0) * 1e6 / (double)n, with_reset);
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
