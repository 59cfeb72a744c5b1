/* SPDX-License-Identifier: ISC */
/*
 * pool: one mutex guards the pool's lists and counters; connecting,
 * pinging and resetting happen outside it, so a slow server never blocks
 * the threads that only return a connection.
 *
 * Fairness: a released connection goes straight to the longest-waiting
 * thread (each waiter has its own condition variable in a FIFO queue), so
 * a thread that just arrived cannot overtake one that has waited.  When a
 * connection closes instead (broken, too old), the first waiter is told it
 * may open a new one.  Idle connections are a stack: the most recently
 * used is reused first, which keeps the others idle long enough for the
 * idle timeout to close them when the load drops.
 *
 * Wait times go into a log-scaled histogram (8 buckets per power of two,
 * under 10% error), so percentiles cost no memory per acquisition.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <errmsg.h>

#include "conn.h"
#include "pool.h"
#include "timeutil.h"

#define WAIT_BUCKETS 256

/*
 * The connection this thread released last, and its pool: taken again
 * first when it is idle, so a thread keeps talking to the same server
 * thread as long as it can, as with a connection of its own.
 */
static _Thread_local struct {
	const void *pool;
	const void *slot;
} affinity;

struct slot {
	MYSQL *m;
	double created_ms, released_ms, borrowed_ms, lifetime_ms;
	bool in_use;
	/* DB_POOL_RESET=changed: what the server's session trackers said
	 * while the borrower had the connection (written by the status
	 * callback on the borrower's thread, read on release). */
	bool tracked;			/* the trackers are on */
	bool session_changed;		/* variables, schema, temporary
					   tables, prepared statements... */
	bool trx_open;			/* a transaction or LOCK TABLES */
	bool trx_characteristics;	/* SET TRANSACTION pending */
	struct slot *next_idle;		/* the idle stack */
	struct slot *prev, *next;	/* every open slot, for leak checks */
};

struct waiter {
	pthread_cond_t cond;
	struct slot *given;		/* a connection handed over */
	bool may_open;			/* room freed: open one yourself */
	bool cancelled;			/* the pool is shutting down */
	struct waiter *next;
};

struct pool {
	const struct settings *settings;
	struct pool_config c;
	pthread_mutex_t lock;
	pthread_cond_t drained;
	struct slot *idle, *all;
	struct waiter *head, *tail;
	long long open, in_use, waiting, peak_open;
	long long created, closed_idle, closed_lifetime, closed_broken;
	long long acquisitions, reuses, resets, waits, timeouts;
	unsigned long long wait_hist[WAIT_BUCKETS];
	double wait_max_ms;
	double maintained_ms;		/* when pool_maintain last looked */
	unsigned int seed;
	bool closing;
	char last_error[512];
};

void
pool_config_from_settings(struct pool_config *c, const struct settings *s)
{
	memset(c, 0, sizeof(*c));
	c->min = s->pool_min;
	c->max = s->pool_max;
	c->acquire_timeout_ms = s->pool_timeout_ms;
	c->idle_timeout_ms = s->idle_timeout_ms;
	c->max_lifetime_ms = s->max_lifetime_ms;
	c->validate_after_ms = 1000;
	c->leak_threshold_ms = 60000;
	c->reset = s->pool_reset;
}

/* The bucket of a wait of ms milliseconds: 8 per doubling of microseconds. */
static int
wait_bucket(double ms)
{
	double us = ms * 1000.0;
	int b = us < 1.0 ? 0 : (int)(log2(us) * 8.0) + 1;

	return b < WAIT_BUCKETS ? b : WAIT_BUCKETS - 1;
}

static double
bucket_upper_ms(int b)
{
	return b == 0 ? 0.001 : exp2((double)b / 8.0) / 1000.0;
}

static double
wait_percentile(const struct pool *p, double q)
{
	unsigned long long total = 0, seen = 0;
	int b;

	for (b = 0; b < WAIT_BUCKETS; b++)
		total += p->wait_hist[b];
	if (total == 0)
		return 0.0;
	for (b = 0; b < WAIT_BUCKETS; b++) {
		seen += p->wait_hist[b];
		if ((double)seen >= q * (double)total)
			return fmin(bucket_upper_ms(b), p->wait_max_ms);
	}
	return p->wait_max_ms;
}

static void
link_slot(struct pool *p, struct slot *s)
{
	s->prev = NULL;
	s->next = p->all;
	if (p->all != NULL)
		p->all->prev = s;
	p->all = s;
}

static void
unlink_slot(struct pool *p, struct slot *s)
{
	if (s->prev != NULL)
		s->prev->next = s->next;
	else
		p->all = s->next;
	if (s->next != NULL)
		s->next->prev = s->prev;
}

/* With the lock held: a connection closed, so one waiter may open one. */
static void
room_freed(struct pool *p)
{
	struct waiter *w = p->head;

	if (w == NULL)
		return;
	p->head = w->next;
	if (p->head == NULL)
		p->tail = NULL;
	w->may_open = true;
	p->open++;		/* reserved for that waiter */
	pthread_cond_signal(&w->cond);
}

/*
 * libmariadb's status callback, which sees every session-tracking item in
 * the server's OK packets.  A borrower's changes to variables, schema,
 * temporary tables or prepared statements come with a state change or
 * system variable item; the transaction state says "________" when no
 * transaction is open and no tables are locked (LOCK TABLES is an 'L'),
 * the transaction characteristics are empty unless SET TRANSACTION
 * waits for the next transaction.
 */
static void
track_session(void *data, enum enum_mariadb_status_info type, ...)
{
	struct slot *s = data;
	MARIADB_CONST_STRING *value;
	va_list ap;
	size_t i;
	int item;

	if (type != SESSION_TRACK_TYPE)
		return;
	va_start(ap, type);
	item = va_arg(ap, int);
	value = va_arg(ap, MARIADB_CONST_STRING *);
	switch (item) {
	case SESSION_TRACK_TRANSACTION_STATE:
		s->trx_open = false;
		for (i = 0; i < value->length; i++)
			s->trx_open |= value->str[i] != '_';
		break;
	case SESSION_TRACK_TRANSACTION_CHARACTERISTICS:
		s->trx_characteristics = value->length > 0;
		break;
	default:
		s->session_changed = true;
	}
	va_end(ap);
}

/*
 * Turns the server's trackers on for this session (a reset turns them
 * back to the global defaults, so again after each).  Tracking every
 * system variable also reports a borrower turning a tracker off.  A
 * server without them (MariaDB before 10.3) leaves the slot untracked:
 * always reset.
 */
static void
track_start(struct slot *s)
{
	s->tracked = mysql_optionsv(s->m, MARIADB_OPT_STATUS_CALLBACK,
	    track_session, s) == 0 &&
	    mysql_query(s->m, "SET SESSION session_track_state_change = ON, "
	    "session_track_transaction_info = CHARACTERISTICS, "
	    "session_track_system_variables = '*'") == 0;
	s->session_changed = s->trx_open = s->trx_characteristics = false;
}

/* Whether the session must be reset before the next borrower has it. */
static bool
needs_reset(const struct pool *p, const struct slot *s, unsigned flags)
{
	const MYSQL *m = s->m;

	if ((flags & POOL_DIRTY) || p->c.reset != POOL_RESET_CHANGED)
		return (flags & POOL_DIRTY) || p->c.reset == POOL_RESET_ALWAYS;
	/* An error packet carries no tracking items, so a failed statement
	 * may have hidden a change; results left unread, statements left
	 * prepared and open transactions are visible on the client. */
	return !s->tracked || s->session_changed ||
	    s->trx_open || s->trx_characteristics || mysql_errno(s->m) != 0 ||
	    m->status != MYSQL_STATUS_READY || m->stmts != NULL ||
	    (m->server_status & (SERVER_STATUS_IN_TRANS |
	    SERVER_MORE_RESULTS_EXIST)) != 0;
}

/*
 * A reset keeps the current database: put back the one the pool connected
 * with.  There is no going back to none, so a session that chose one in a
 * pool that has none cannot be reset (-1: close it).
 */
static int
restore_database(const struct pool *p, MYSQL *m)
{
	/* NULL or "" for none: the schema tracker says "" (after LOCK
	 * TABLES, say). */
	const char *want = p->settings->database ? p->settings->database : "";
	const char *now = m->db != NULL ? m->db : "";

	if (strcmp(now, want) == 0)
		return 0;
	return *want != '\0' && mysql_select_db(m, want) == 0 ? 0 : -1;
}

/* Opens a connection for a reserved place; gives the place back if not. */
static struct slot *
open_slot(struct pool *p, char *err, size_t errlen)
{
	struct slot *s = calloc(1, sizeof(*s));
	char msg[512];
	double now;

	if (s != NULL && (s->m = conn_open(p->settings, 0, msg, sizeof(msg))) ==
	    NULL) {
		free(s);
		s = NULL;
	} else if (s == NULL)
		snprintf(msg, sizeof(msg), "out of memory");
	if (s != NULL && p->c.reset == POOL_RESET_CHANGED)
		track_start(s);
	pthread_mutex_lock(&p->lock);
	if (s == NULL) {
		p->open--;
		snprintf(p->last_error, sizeof(p->last_error), "%s", msg);
		snprintf(err, errlen, "%s", msg);
		room_freed(p);
		pthread_mutex_unlock(&p->lock);
		return NULL;
	}
	now = time_monotonic_ms();
	s->created_ms = now;
	/* Up to 10% earlier, so connections opened together retire apart. */
	s->lifetime_ms = (double)p->c.max_lifetime_ms *
	    (1.0 - 0.1 * (double)rand_r(&p->seed) / (double)RAND_MAX);
	link_slot(p, s);
	p->created++;
	if (p->open > p->peak_open)
		p->peak_open = p->open;
	pthread_mutex_unlock(&p->lock);
	return s;
}

/* Closes a slot outside the lock; the caller did the counting. */
static void
close_slot(struct slot *s)
{
	mysql_close(s->m);
	free(s);
}

void
pool_maintain(struct pool *p)
{
	struct slot *s, **link, *doomed = NULL;
	double now = time_monotonic_ms();

	pthread_mutex_lock(&p->lock);
	for (link = &p->idle; (s = *link) != NULL;) {
		if (p->open <= p->c.min ||
		    now - s->released_ms < (double)p->c.idle_timeout_ms) {
			link = &s->next_idle;
			continue;
		}
		*link = s->next_idle;
		unlink_slot(p, s);
		p->open--;
		p->closed_idle++;
		s->next_idle = doomed;
		doomed = s;
	}
	pthread_mutex_unlock(&p->lock);
	while ((s = doomed) != NULL) {
		doomed = s->next_idle;
		close_slot(s);
	}
}

struct pool *
pool_new(const struct settings *s, const struct pool_config *c, char *err,
    size_t errlen)
{
	struct pool *p;
	struct slot *opened[1024];
	long long i;

	if (c->max < 1 || c->min < 0 || c->min > c->max || c->min > 1024) {
		snprintf(err, errlen, "pool: need 0 <= min (%lld) <= max (%lld), "
		    "max >= 1", c->min, c->max);
		return NULL;
	}
	if ((p = calloc(1, sizeof(*p))) == NULL) {
		snprintf(err, errlen, "pool: out of memory");
		return NULL;
	}
	p->settings = s;
	p->c = *c;
	p->seed = (unsigned int)time(NULL);
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->drained, NULL);
	for (i = 0; i < c->min; i++) {
		p->open++;
		if ((opened[i] = open_slot(p, err, errlen)) == NULL) {
			while (i-- > 0)
				pool_release(p, opened[i]->m, 0);
			pool_free(p);
			return NULL;
		}
		opened[i]->in_use = true;
		p->in_use++;
	}
	for (i = 0; i < c->min; i++)
		pool_release(p, opened[i]->m, 0);
	return p;
}

static struct slot *
find_slot(struct pool *p, MYSQL *m)
{
	struct slot *s;

	for (s = p->all; s != NULL; s = s->next)
		if (s->m == m)
			return s;
	return NULL;
}

/* With the lock held: hand s to the borrower (counts and times). */
static void
lend(struct pool *p, struct slot *s, bool reused)
{
	s->in_use = true;
	s->borrowed_ms = time_monotonic_ms();
	p->in_use++;
	p->acquisitions++;
	if (reused)
		p->reuses++;
}

static void
snapshot(struct pool *p, const char *what, char *err, size_t errlen)
{
	snprintf(err, errlen, "%s: %lld open, %lld in use, %lld idle, %lld "
	    "waiting; last connection error: %s", what, p->open, p->in_use,
	    p->open - p->in_use, p->waiting,
	    p->last_error[0] ? p->last_error : "none");
}

MYSQL *
pool_acquire(struct pool *p, char *err, size_t errlen)
{
	struct waiter w = { .cond = PTHREAD_COND_INITIALIZER };
	struct slot *s = NULL;
	struct timespec deadline;
	double start = time_monotonic_ms(), waited;
	char msg[256];
	int rc = 0;

	pthread_mutex_lock(&p->lock);
	/* Idle connections age in seconds: looking at them every acquire
	 * would only add lock traffic on the hot path. */
	if (start - p->maintained_ms >= 250.0) {
		p->maintained_ms = start;
		pthread_mutex_unlock(&p->lock);
		pool_maintain(p);
		pthread_mutex_lock(&p->lock);
	}
	for (;;) {
		if (p->closing) {
			snprintf(err, errlen, "pool: shutting down");
			pthread_mutex_unlock(&p->lock);
			pthread_cond_destroy(&w.cond);
			return NULL;
		}
		if (p->head == NULL && p->idle != NULL) {
			struct slot **link = &p->idle;

			if (affinity.pool == p)
				for (; *link != NULL && *link != affinity.slot;
				    link = &(*link)->next_idle)
					;
			if (*link == NULL)
				link = &p->idle;
			s = *link;
			*link = s->next_idle;
			lend(p, s, true);
			pthread_mutex_unlock(&p->lock);
			/* A connection idle for a while may have been cut. */
			if (time_monotonic_ms() - s->released_ms <
			    (double)p->c.validate_after_ms || mysql_ping(s->m) == 0)
				return s->m;
			pool_release(p, s->m, POOL_BROKEN);
			pthread_mutex_lock(&p->lock);
			continue;
		}
		if (p->head == NULL && p->open < p->c.max) {
			p->open++;
			break;
		}
		/* Wait in line for a released connection or for room. */
		if (p->c.acquire_timeout_ms <= 0 || rc == ETIMEDOUT) {
			p->timeouts++;
			snprintf(msg, sizeof(msg), "pool: no free connection, timed "
			    "out after %lld ms", p->c.acquire_timeout_ms);
			snapshot(p, msg, err, errlen);
			pthread_mutex_unlock(&p->lock);
			pthread_cond_destroy(&w.cond);
			return NULL;
		}
		w.next = NULL;
		if (p->tail != NULL)
			p->tail->next = &w;
		else
			p->head = &w;
		p->tail = &w;
		p->waiting++;
		p->waits++;
		clock_gettime(CLOCK_REALTIME, &deadline);
		deadline.tv_sec += p->c.acquire_timeout_ms / 1000;
		deadline.tv_nsec += (p->c.acquire_timeout_ms % 1000) * 1000000;
		if (deadline.tv_nsec >= 1000000000) {
			deadline.tv_sec++;
			deadline.tv_nsec -= 1000000000;
		}
		rc = 0;
		while (w.given == NULL && !w.may_open && !w.cancelled &&
		    rc != ETIMEDOUT)
			rc = pthread_cond_timedwait(&w.cond, &p->lock, &deadline);
		p->waiting--;
		waited = time_monotonic_ms() - start;
		p->wait_hist[wait_bucket(waited)]++;
		if (waited > p->wait_max_ms)
			p->wait_max_ms = waited;
		if (w.given != NULL || w.may_open || w.cancelled) {
			/* Taken off the queue by whoever woke us. */
			if (w.given != NULL) {
				lend(p, w.given, true);
				pthread_mutex_unlock(&p->lock);
				pthread_cond_destroy(&w.cond);
				return w.given->m;
			}
			if (w.may_open)
				break;	/* the place is reserved for us */
			continue;	/* cancelled: the closing check says so */
		}
		/* Timed out: leave the queue, then report. */
		{
			struct waiter **q = &p->head, *prev = NULL;

			for (; *q != NULL && *q != &w; q = &(*q)->next)
				prev = *q;
			if (*q == &w) {
				*q = w.next;
				if (p->tail == &w)
					p->tail = prev;
			}
		}
	}
	pthread_mutex_unlock(&p->lock);
	pthread_cond_destroy(&w.cond);
	if ((s = open_slot(p, err, errlen)) == NULL)
		return NULL;
	pthread_mutex_lock(&p->lock);
	lend(p, s, false);
	pthread_mutex_unlock(&p->lock);
	return s->m;
}

/* Errors after which a connection is not to be used again. */
static bool
is_broken(MYSQL *m)
{
	unsigned int e = mysql_errno(m);

	return e == CR_SERVER_GONE_ERROR || e == CR_SERVER_LOST ||
	    e == CR_CONNECTION_ERROR || e == CR_CONN_HOST_ERROR ||
	    e == CR_COMMANDS_OUT_OF_SYNC || e == 1927 /* ER_CONNECTION_KILLED */;
}

void
pool_release(struct pool *p, MYSQL *m, unsigned flags)
{
	struct slot *s;
	struct waiter *w;
	bool broken, retire;

	broken = (flags & POOL_BROKEN) || is_broken(m);
	pthread_mutex_lock(&p->lock);
	s = find_slot(p, m);
	if (s == NULL || !s->in_use) {
		pthread_mutex_unlock(&p->lock);
		return;		/* not ours, or released twice: ignore */
	}
	retire = time_monotonic_ms() - s->created_ms >= s->lifetime_ms;
	if (!broken && !retire && !p->closing && needs_reset(p, s, flags)) {
		/* Reset outside the lock: it is a round trip.  The slot stays
		 * in use meanwhile, so nobody else can take it. */
		p->resets++;
		pthread_mutex_unlock(&p->lock);
		broken = mysql_reset_connection(m) != 0 ||
		    restore_database(p, m) == -1;
		if (!broken && p->c.reset == POOL_RESET_CHANGED)
			track_start(s);
		pthread_mutex_lock(&p->lock);
	}
	s->in_use = false;
	p->in_use--;
	if (broken || retire || p->closing) {
		unlink_slot(p, s);
		p->open--;
		if (broken)
			p->closed_broken++;
		else if (retire)
			p->closed_lifetime++;
		if (!p->closing)
			room_freed(p);
		if (p->in_use == 0)
			pthread_cond_broadcast(&p->drained);
		pthread_mutex_unlock(&p->lock);
		close_slot(s);
		return;
	}
	s->released_ms = time_monotonic_ms();
	affinity.pool = p;
	affinity.slot = s;
	if ((w = p->head) != NULL) {
		/* Straight to the longest waiter: nobody overtakes. */
		p->head = w->next;
		if (p->head == NULL)
			p->tail = NULL;
		w->given = s;
		pthread_cond_signal(&w->cond);
	} else {
		s->next_idle = p->idle;
		p->idle = s;
	}
	if (p->in_use == 0)
		pthread_cond_broadcast(&p->drained);
	pthread_mutex_unlock(&p->lock);
}

void
pool_stats(struct pool *p, struct pool_stats *st)
{
	double now = time_monotonic_ms();
	struct slot *s;

	memset(st, 0, sizeof(*st));
	pthread_mutex_lock(&p->lock);
	st->open = p->open;
	st->in_use = p->in_use;
	st->idle = p->open - p->in_use;
	st->waiting = p->waiting;
	st->peak_open = p->peak_open;
	st->created = p->created;
	st->closed_idle = p->closed_idle;
	st->closed_lifetime = p->closed_lifetime;
	st->closed_broken = p->closed_broken;
	st->acquisitions = p->acquisitions;
	st->reuses = p->reuses;
	st->resets = p->resets;
	st->waits = p->waits;
	st->timeouts = p->timeouts;
	/* Leaks: connections borrowed for longer than the threshold now. */
	for (s = p->all; s != NULL; s = s->next)
		if (s->in_use && p->c.leak_threshold_ms > 0 &&
		    now - s->borrowed_ms > (double)p->c.leak_threshold_ms)
			st->leaks++;
	st->efficiency = p->acquisitions ?
	    (double)p->reuses / (double)p->acquisitions : 0.0;
	st->wait_p50_ms = wait_percentile(p, 0.5);
	st->wait_p99_ms = wait_percentile(p, 0.99);
	st->wait_max_ms = p->wait_max_ms;
	snprintf(st->last_error, sizeof(st->last_error), "%s", p->last_error);
	pthread_mutex_unlock(&p->lock);
}

void
pool_free(struct pool *p)
{
	struct waiter *w;
	struct slot *s;

	if (p == NULL)
		return;
	pthread_mutex_lock(&p->lock);
	p->closing = true;
	for (w = p->head; w != NULL; w = w->next) {
		w->cancelled = true;
		pthread_cond_signal(&w->cond);
	}
	p->head = p->tail = NULL;
	while (p->in_use > 0)
		pthread_cond_wait(&p->drained, &p->lock);
	pthread_mutex_unlock(&p->lock);
	while ((s = p->all) != NULL) {
		unlink_slot(p, s);
		close_slot(s);
	}
	pthread_cond_destroy(&p->drained);
	pthread_mutex_destroy(&p->lock);
	free(p);
}
