/* SPDX-License-Identifier: ISC */
/*
 * bench: one benchmark run.  The main thread starts c->clients client
 * threads and waits until every one is ready (in persistent mode: holds
 * its connection), then fixes the clock for all of them: the warmup ends
 * at t0 + warmup, the run at t0 + warmup + duration.  Each client loops:
 * decide whether the next request counts, do it (through the pool, on a
 * new connection, or on its own), record its latency in its own
 * histogram, sleep the think time.  The main thread prints a progress
 * line per interval from shared counters, joins the clients and merges
 * their histograms and error counts.
 *
 * With --rate the requests follow a fixed schedule instead: request i is
 * due at t0 + i / rate, whichever client takes it, and its latency counts
 * from when it was due.  A client that is late because the server was
 * slow thus charges the wait to the requests that waited, which a closed
 * loop hides (coordinated omission).
 *
 * A timed run ends at its deadline whatever the think time or the query:
 * sleeps end there, no statement starts after it, and the statements
 * still running END_GRACE_NS later are ended by the main thread with
 * KILL QUERY over a connection of its own.  Each client publishes the
 * server thread of its statement in flight under a lock, held by the
 * killer while its KILL runs, so a KILL can only hit that statement,
 * never what the connection does next.  A request that has not ended by
 * the deadline plus the grace is unfinished: not a success, not an
 * error, not in the latencies.
 *
 * bench_run_modes runs the modes of --mode all one after the other, each
 * as one such run, in the order its comment gives.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <errmsg.h>
#include <mysql.h>

#include "bench.h"
#include "conn.h"

/* ER_CONNECTION_KILLED, which errmsg.h does not have. */
#define ER_CONNECTION_KILLED_CODE 1927

/* How long past the deadline a request may end and still count. */
#define END_GRACE_NS 50000000u
/* How often the statements still running after that are killed. */
#define KILL_EVERY_NS 50000000u
/* How long a killed statement is given to end before the next KILL. */
#define KILL_SETTLE_NS 20000000u

struct shared {
	const struct bench_config *c;
	enum bench_mode mode;
	struct pool *pool;

	pthread_mutex_t lock;
	pthread_cond_t cond;
	long long ready;		/* clients waiting for the start */
	bool go, abort;

	uint64_t t0_ns, warm_end_ns, end_ns;	/* end: UINT64_MAX by count */
	long long warm_slots;		/* --rate: due during the warmup */
	atomic_llong next_slot;		/* --rate: the next request due */
	atomic_llong claimed;		/* --requests: counted ones taken */
	atomic_llong done, failed;	/* counted so far, for --interval */
	atomic_int running;
};

struct client {
	struct shared *sh;
	pthread_t tid;
	bool started;
	MYSQL *m;			/* persistent mode: its connection */
	pthread_mutex_t lock;		/* guards in_flight; held by a KILL */
	unsigned long in_flight;	/* server thread of its statement, 0 */
	uint64_t rng;
	long long requests, errors, unfinished, opened;
	uint64_t last_done_ns;
	struct bench_error kinds[BENCH_MAX_KINDS];
	size_t n_kinds;
	struct hist h;
};

const char *
bench_mode_name(enum bench_mode m)
{
	static const char *const names[] = { "pool", "connect", "persistent",
	    "all" };

	return names[m];
}

const char *
bench_workload_name(enum bench_workload w)
{
	static const char *const names[] = { "select1", "point", "query" };

	return names[w];
}

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void
sleep_until(uint64_t ns)
{
	struct timespec ts = { .tv_sec = (time_t)(ns / 1000000000u),
	    .tv_nsec = (long)(ns % 1000000000u) };

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) ==
	    EINTR)
		;
}

/* xorshift64*: each client its own stream, no shared state. */
static uint64_t
next_random(uint64_t *state)
{
	uint64_t x = *state;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*state = x;
	return x * 0x2545F4914F6CDD1Dull;
}

static void
count_error(struct client *cl, const char *kind, const char *message)
{
	size_t i;

	for (i = 0; i < cl->n_kinds; i++)
		if (strcmp(cl->kinds[i].kind, kind) == 0)
			break;
	if (i == cl->n_kinds) {
		/* The last slot takes every kind that does not fit. */
		if (cl->n_kinds == BENCH_MAX_KINDS) {
			i = BENCH_MAX_KINDS - 1;
			snprintf(cl->kinds[i].kind, sizeof(cl->kinds[i].kind),
			    "other");
		} else {
			i = cl->n_kinds++;
			snprintf(cl->kinds[i].kind, sizeof(cl->kinds[i].kind),
			    "%s", kind);
			snprintf(cl->kinds[i].message,
			    sizeof(cl->kinds[i].message), "%s", message);
		}
	}
	cl->kinds[i].count++;
}

/*
 * The errors after which the connection is gone: the client's two, and
 * the server's answer to a KILL of the connection itself.
 */
static bool
lost_connection(unsigned code)
{
	return code == CR_SERVER_LOST || code == CR_SERVER_GONE_ERROR ||
	    code == ER_CONNECTION_KILLED_CODE;
}

/* Runs sql and reads every row of every result.  0, or the error code. */
static unsigned
run_query(MYSQL *m, const char *sql)
{
	MYSQL_RES *res;
	int more;

	if (mysql_real_query(m, sql, strlen(sql)) != 0)
		return mysql_errno(m);
	do {
		if ((res = mysql_store_result(m)) != NULL) {
			while (mysql_fetch_row(res) != NULL)
				;
			mysql_free_result(res);
		} else if (mysql_field_count(m) != 0)
			return mysql_errno(m);
		if ((more = mysql_next_result(m)) > 0)
			return mysql_errno(m);
	} while (more == 0);
	return 0;
}

/*
 * Runs sql on m as the client's statement in flight, where the deadline
 * can end it.  0, or the error code.
 */
static unsigned
run_tracked(struct client *cl, MYSQL *m, const char *sql)
{
	unsigned code;

	pthread_mutex_lock(&cl->lock);
	cl->in_flight = mysql_thread_id(m);
	pthread_mutex_unlock(&cl->lock);
	code = run_query(m, sql);
	pthread_mutex_lock(&cl->lock);
	cl->in_flight = 0;
	pthread_mutex_unlock(&cl->lock);
	return code;
}

/*
 * One request of the client's mode.  Returns 0, or -1 with the error's
 * kind and message; 1 when the deadline passed before its statement
 * could start (a connect or a wait for the pool took that long).
 */
static int
do_request(struct client *cl, const char *sql, char *kind, size_t kindlen,
    char *msg, size_t msglen)
{
	const struct shared *sh = cl->sh;
	unsigned code = 0;
	MYSQL *m;

	switch (sh->mode) {
	case MODE_POOL:
		if ((m = pool_acquire(sh->pool, msg, msglen)) == NULL) {
			snprintf(kind, kindlen, "%s", strstr(msg, "timed out") ?
			    "pool timeout" : "connect");
			return -1;
		}
		if (now_ns() >= sh->end_ns) {
			pool_release(sh->pool, m, 0);
			return 1;
		}
		code = run_tracked(cl, m, sql);
		if (code != 0)
			snprintf(msg, msglen, "%s", mysql_error(m));
		pool_release(sh->pool, m, code != 0 && lost_connection(code) ?
		    POOL_BROKEN : 0);
		break;
	case MODE_CONNECT:
		if ((m = conn_open(sh->c->s, 0, msg, msglen)) == NULL) {
			snprintf(kind, kindlen, "connect");
			return -1;
		}
		cl->opened++;
		if (now_ns() >= sh->end_ns) {
			mysql_close(m);
			return 1;
		}
		code = run_tracked(cl, m, sql);
		if (code != 0)
			snprintf(msg, msglen, "%s", mysql_error(m));
		mysql_close(m);
		break;
	default:
		if (cl->m == NULL) {
			if ((cl->m = conn_open(sh->c->s, 0, msg, msglen)) == NULL) {
				snprintf(kind, kindlen, "connect");
				return -1;
			}
			cl->opened++;
		}
		if (now_ns() >= sh->end_ns)
			return 1;
		code = run_tracked(cl, cl->m, sql);
		if (code != 0) {
			snprintf(msg, msglen, "%s", mysql_error(cl->m));
			/* Opened again by the next request. */
			if (lost_connection(code)) {
				mysql_close(cl->m);
				cl->m = NULL;
			}
		}
		break;
	}
	if (code == 0)
		return 0;
	snprintf(kind, kindlen, "%u", code);
	return -1;
}

/*
 * Whether there is a next request and when it starts: *start_ns is when
 * it was due (--rate) or now, *counted whether it is past the warmup.
 */
static bool
next_request(struct shared *sh, uint64_t *start_ns, bool *counted)
{
	const struct bench_config *c = sh->c;
	long long i;
	uint64_t now;

	if (c->rate > 0) {
		i = atomic_fetch_add(&sh->next_slot, 1);
		*start_ns = sh->t0_ns + (uint64_t)((double)i * 1e9 / c->rate);
		if (*start_ns >= sh->end_ns)
			return false;
		*counted = i >= sh->warm_slots;
		if (*counted && c->requests > 0 &&
		    i - sh->warm_slots >= c->requests)
			return false;
		sleep_until(*start_ns);
		return true;
	}
	now = now_ns();
	if (now >= sh->end_ns)
		return false;
	*start_ns = now;
	*counted = now >= sh->warm_end_ns;
	if (*counted && c->requests > 0 &&
	    atomic_fetch_add(&sh->claimed, 1) >= c->requests)
		return false;
	return true;
}

static void *
client_main(void *arg)
{
	struct client *cl = arg;
	struct shared *sh = cl->sh;
	const struct bench_config *c = sh->c;
	char sql[256], kind[24], msg[512];
	const char *q = c->workload == WL_QUERY ? c->query : "SELECT 1";
	uint64_t start, end, wake;
	bool counted;
	int rc;

	mysql_thread_init();
	if (sh->mode == MODE_PERSISTENT && (cl->m = conn_open(c->s, 0, msg,
	    sizeof(msg))) != NULL)
		cl->opened++;
	pthread_mutex_lock(&sh->lock);
	sh->ready++;
	pthread_cond_broadcast(&sh->cond);
	while (!sh->go)
		pthread_cond_wait(&sh->cond, &sh->lock);
	pthread_mutex_unlock(&sh->lock);

	while (!sh->abort && next_request(sh, &start, &counted)) {
		if (c->workload == WL_POINT) {
			snprintf(sql, sizeof(sql), "SELECT id, k, c FROM "
			    BENCH_TABLE " WHERE id = %llu", (unsigned long long)
			    (next_random(&cl->rng) % (uint64_t)c->rows + 1));
			q = sql;
		}
		kind[0] = msg[0] = '\0';
		rc = do_request(cl, q, kind, sizeof(kind), msg, sizeof(msg));
		end = now_ns();
		if (!counted)
			;
		else if (rc == 1 || (sh->end_ns != UINT64_MAX &&
		    end >= sh->end_ns + END_GRACE_NS))
			cl->unfinished++;
		else {
			if (rc == -1) {
				count_error(cl, kind, msg);
				cl->errors++;
				atomic_fetch_add_explicit(&sh->failed, 1,
				    memory_order_relaxed);
			}
			hist_record(&cl->h, end > start ? end - start : 0);
			cl->requests++;
			cl->last_done_ns = end;
			atomic_fetch_add_explicit(&sh->done, 1,
			    memory_order_relaxed);
		}
		if (c->think_ms > 0 && c->rate == 0) {
			wake = now_ns() + (uint64_t)c->think_ms * 1000000u;
			sleep_until(wake < sh->end_ns ? wake : sh->end_ns);
		}
	}
	if (cl->m != NULL)
		mysql_close(cl->m);
	cl->m = NULL;
	mysql_thread_end();
	atomic_fetch_sub(&sh->running, 1);
	return NULL;
}

/*
 * Ends the clients' statements in flight with KILL QUERY over *ctl, a
 * connection opened on first need.  *failed after a failure, reported
 * once: the run then waits for the statements instead.
 *
 * One at a time, each given up to KILL_SETTLE_NS to end before the next
 * KILL.  Sent back to back, one KILL in about twenty stalled for 2 s on
 * MariaDB 10.11 with three clients in SLEEP() (the server's wake-up retry
 * loop, which gives up after 2 s); spaced out, none did in 100 runs.
 */
static void
end_statements(const struct shared *sh, struct client *cl, long long n,
    MYSQL **ctl, bool *failed)
{
	char sql[64], err[512] = "";
	uint64_t settle;
	long long i;
	bool killed;

	for (i = 0; i < n && !*failed; i++) {
		if (!cl[i].started)
			continue;
		killed = false;
		pthread_mutex_lock(&cl[i].lock);
		if (cl[i].in_flight != 0) {
			snprintf(sql, sizeof(sql), "KILL QUERY %lu", cl[i].in_flight);
			if (*ctl == NULL)
				*ctl = conn_open(sh->c->s, 0, err, sizeof(err));
			if (*ctl == NULL)
				*failed = true;
			/* 1094, no such thread: it has just ended. */
			else if (mysql_query(*ctl, sql) != 0 &&
			    mysql_errno(*ctl) != 1094) {
				snprintf(err, sizeof(err), "%s", mysql_error(*ctl));
				*failed = true;
			} else
				killed = true;
		}
		pthread_mutex_unlock(&cl[i].lock);
		for (settle = now_ns() + KILL_SETTLE_NS; killed &&
		    now_ns() < settle; sleep_until(now_ns() + 1000000u)) {
			pthread_mutex_lock(&cl[i].lock);
			killed = cl[i].in_flight != 0;
			pthread_mutex_unlock(&cl[i].lock);
		}
	}
	if (*failed)
		fprintf(stderr, "dbpool-bench: cannot end the statements still "
		    "running at the end of the run: %s\n", err);
}

/*
 * Prints a progress line each interval, and ends the statements still
 * running after the deadline, until every client is done.
 */
static void
watch(struct shared *sh, struct client *cl, long long n)
{
	const struct bench_config *c = sh->c;
	uint64_t step = (uint64_t)c->interval_ms * 1000000u, tick, now, kill_at;
	long long last_done = 0, done, failed;
	struct pool_stats st;
	MYSQL *ctl = NULL;
	bool kill_failed = false;	/* then wait for the statements */

	tick = sh->warm_end_ns + step;
	kill_at = sh->end_ns == UINT64_MAX ? UINT64_MAX :
	    sh->end_ns + END_GRACE_NS;
	while (atomic_load(&sh->running) > 0) {
		now = now_ns();
		if (now >= kill_at) {
			end_statements(sh, cl, n, &ctl, &kill_failed);
			kill_at = kill_failed ? UINT64_MAX : now + KILL_EVERY_NS;
		}
		if (c->interval_ms == 0 || now < tick) {
			sleep_until(now + 20000000u < kill_at ? now + 20000000u :
			    kill_at);
			continue;
		}
		done = atomic_load(&sh->done);
		failed = atomic_load(&sh->failed);
		fprintf(stderr, "dbpool-bench: %s %.1fs: %.0f requests/s, "
		    "%lld error%s", bench_mode_name(sh->mode),
		    (double)(now - sh->warm_end_ns) / 1e9,
		    (double)(done - last_done) * 1e9 / (double)(now - tick + step),
		    failed, failed == 1 ? "" : "s");
		if (sh->pool != NULL) {
			pool_stats(sh->pool, &st);
			fprintf(stderr, ", pool %lld open, %lld in use, "
			    "%lld waiting", st.open, st.in_use, st.waiting);
		}
		fputc('\n', stderr);
		last_done = done;
		tick = now + step;
	}
	if (ctl != NULL)
		mysql_close(ctl);
}

/* Adds the client's counts into r. */
static void
merge(struct bench_result *r, const struct client *cl)
{
	size_t i, j;

	hist_merge(&r->latency, &cl->h);
	r->requests += cl->requests;
	r->errors += cl->errors;
	r->unfinished += cl->unfinished;
	r->connections_opened += cl->opened;
	for (i = 0; i < cl->n_kinds; i++) {
		for (j = 0; j < r->n_kinds; j++)
			if (strcmp(r->kinds[j].kind, cl->kinds[i].kind) == 0)
				break;
		if (j == r->n_kinds && r->n_kinds < BENCH_MAX_KINDS) {
			r->kinds[r->n_kinds++] = cl->kinds[i];
			continue;
		}
		if (j == r->n_kinds) {
			/* Full: the last slot takes the rest. */
			j = BENCH_MAX_KINDS - 1;
			snprintf(r->kinds[j].kind, sizeof(r->kinds[j].kind),
			    "other");
		}
		r->kinds[j].count += cl->kinds[i].count;
	}
}

int
bench_run(const struct bench_config *c, enum bench_mode m,
    struct bench_result *r, char *err, size_t errlen)
{
	struct shared sh;
	struct client *cl = NULL;
	uint64_t last = 0;
	long long i, started = 0;
	int rc = -1;

	memset(r, 0, sizeof(*r));
	hist_init(&r->latency);
	r->mode = m;
	memset(&sh, 0, sizeof(sh));
	sh.c = c;
	sh.mode = m;
	pthread_mutex_init(&sh.lock, NULL);
	pthread_cond_init(&sh.cond, NULL);
	if (m == MODE_POOL && (sh.pool = pool_new(c->s, &c->pool, err,
	    errlen)) == NULL)
		goto out;
	if ((cl = calloc((size_t)c->clients, sizeof(*cl))) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	for (i = 0; i < c->clients; i++)
		pthread_mutex_init(&cl[i].lock, NULL);
	atomic_store(&sh.running, (int)c->clients);
	for (i = 0; i < c->clients; i++) {
		cl[i].sh = &sh;
		cl[i].rng = 0x9E3779B97F4A7C15ull * (uint64_t)(i + 1);
		hist_init(&cl[i].h);
		if ((errno = pthread_create(&cl[i].tid, NULL, client_main,
		    &cl[i])) != 0) {
			snprintf(err, errlen, "start client %lld: %s", i + 1,
			    strerror(errno));
			atomic_fetch_sub(&sh.running, (int)(c->clients - i));
			break;
		}
		cl[i].started = true;
		started++;
	}

	/* The clock starts once every client holds what it needs. */
	pthread_mutex_lock(&sh.lock);
	while (sh.ready < started)
		pthread_cond_wait(&sh.cond, &sh.lock);
	sh.t0_ns = now_ns();
	sh.warm_end_ns = sh.t0_ns + (uint64_t)c->warmup_ms * 1000000u;
	sh.end_ns = c->duration_ms > 0 ? sh.warm_end_ns +
	    (uint64_t)c->duration_ms * 1000000u : UINT64_MAX;
	sh.warm_slots = (long long)((double)c->warmup_ms / 1000 * c->rate);
	sh.abort = started < c->clients;
	sh.go = true;
	pthread_cond_broadcast(&sh.cond);
	pthread_mutex_unlock(&sh.lock);

	if (!sh.abort)
		watch(&sh, cl, c->clients);
	for (i = 0; i < c->clients; i++) {
		if (!cl[i].started)
			continue;
		pthread_join(cl[i].tid, NULL);
		merge(r, &cl[i]);
		if (cl[i].last_done_ns > last)
			last = cl[i].last_done_ns;
	}
	if (sh.abort)
		goto out;
	/* A timed run lasts its duration even if the last request ended early. */
	if (sh.end_ns != UINT64_MAX && c->rate > 0)
		last = sh.end_ns;
	r->elapsed_s = last > sh.warm_end_ns ?
	    (double)(last - sh.warm_end_ns) / 1e9 : 0;
	if (sh.pool != NULL) {
		pool_stats(sh.pool, &r->pool);
		r->has_pool = true;
		r->connections_opened = r->pool.created;
	}
	rc = 0;
out:
	if (sh.pool != NULL)
		pool_free(sh.pool);
	for (i = 0; cl != NULL && i < c->clients; i++)
		pthread_mutex_destroy(&cl[i].lock);
	free(cl);
	pthread_cond_destroy(&sh.cond);
	pthread_mutex_destroy(&sh.lock);
	return rc;
}

int
bench_run_modes(struct bench_report *r, char *err, size_t errlen)
{
	/* Shown in this order, persistent (the base of the ratios) last. */
	static const enum bench_mode all[] = { MODE_POOL, MODE_CONNECT,
	    MODE_PERSISTENT };
	/* Run in this one: persistent and pool, the pair compared most
	 * closely, side by side; connect last, so that whatever its tens of
	 * thousands of connections leave the server to clean up cannot weigh
	 * on the other two. */
	static const size_t run_order[] = { 2, 0, 1 };
	size_t k, i;

	r->n_runs = r->mode == MODE_ALL ? 3 : 1;
	for (k = 0; k < r->n_runs; k++) {
		enum bench_mode m;
		char msg[1024];

		i = r->mode == MODE_ALL ? run_order[k] : 0;
		m = r->mode == MODE_ALL ? all[i] : r->mode;
		if (bench_run(r->c, m, &r->runs[i], msg, sizeof(msg)) == -1) {
			snprintf(err, errlen, "%s mode: %s", bench_mode_name(m),
			    msg);
			return -1;
		}
	}
	return 0;
}
