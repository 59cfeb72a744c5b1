/* SPDX-License-Identifier: ISC */
/*
 * pool: a thread gives back a connection it can hand out again as it is
 * (no reset, not broken, not old, nobody waiting) without the lock, and
 * its next pool_acquire takes that one back with one compare-and-swap,
 * as with a connection of its own.  Everything else goes through one
 * mutex: the list of slots, opening and closing, the waiting threads.
 * Why: with the mutex on every request, threads woke each other up
 * handing it over, and on two CPUs those wakeups cost as much as the
 * query (measured: 0.45 to 0.9 of the requests/s of dedicated
 * connections, against 0.8 to 1.1 lock-free).
 *
 * A slot's state is IDLE (anyone may take it by swapping in BUSY) or
 * BUSY (borrowed, or being checked, reset or closed by whoever swapped).
 * Slot structures are never freed before the pool, only reused, so the
 * thread-local pointer to the last one a thread used stays valid.
 *
 * Fairness: a released connection goes straight to the longest-waiting
 * thread (each waiter has its own condition variable in a FIFO queue), so
 * a thread that just arrived cannot overtake one that has waited; the
 * lock-free paths stand aside while anyone waits.  When a connection
 * closes instead (broken, too old), the first waiter is told it may open
 * a new one.  Without affinity, the most recently released idle slot is
 * taken first, which keeps the others idle long enough for the idle
 * timeout to close them when the load drops.
 *
 * Connecting, pinging and resetting happen outside the lock, so a slow
 * server never blocks the threads that only return a connection.  Wait
 * times go into a log-scaled histogram (8 buckets per power of two, under
 * 10% error), so percentiles cost no memory per acquisition.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <errmsg.h>

#include "conn.h"
#include "pool.h"
#include "session.h"
#include "timeutil.h"

#define WAIT_BUCKETS 256

enum { SLOT_IDLE, SLOT_BUSY };

struct slot {
	_Atomic int state;
	MYSQL *m;
	double created_ms, lifetime_ms;	/* set when opened */
	_Atomic double released_ms, borrowed_ms;
	/* Counted here by the borrower, not in the pool, so that threads on
	 * two CPUs do not fight over one cache line on every request. */
	_Atomic long long acquisitions, reuses;
	/* Threads inside give_back_own with this slot: one may still read
	 * the pool after the slot turned IDLE, so pool_free waits for 0. */
	_Atomic int releasing;
	struct session_track track;	/* DB_POOL_RESET=changed */
	struct slot *prev, *next;	/* open slots, or spare ones */
};

struct waiter {
	pthread_cond_t cond;
	struct slot *given;		/* a connection handed over */
	bool may_open;			/* room freed: open one yourself */
	bool cancelled;			/* the pool is shutting down */
	struct waiter *next;
};

struct pool {
	unsigned long long id;		/* tells pools apart in affinity */
	const struct settings *settings;
	struct pool_config c;
	pthread_mutex_t lock;
	struct slot *all;		/* open slots */
	struct slot *spare;		/* closed ones, for reuse */
	long long nslots, nspare;	/* structures allocated, spare */
	struct waiter *head, *tail;
	long long open, peak_open;
	long long created, closed_idle, closed_lifetime, closed_broken;
	long long waits, timeouts;
	long long gone_acquisitions, gone_reuses;	/* of closed slots */
	unsigned long long wait_hist[WAIT_BUCKETS];
	double wait_max_ms;
	unsigned int seed;
	char last_error[512];
	/* Read on the lock-free paths. */
	_Atomic long long waiting;
	_Atomic bool closing;
	_Atomic double maintained_ms;	/* when pool_maintain last looked */
	_Atomic long long resets;
};

/*
 * What this thread borrowed last, from which pool: the slot to take back
 * first.  m tells whether a connection given back is that one.
 */
static _Thread_local struct {
	unsigned long long pool;
	struct slot *slot;
	MYSQL *m;
} affinity;

static atomic_ullong pool_ids;

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
link_slot(struct slot **list, struct slot *s)
{
	s->prev = NULL;
	s->next = *list;
	if (*list != NULL)
		(*list)->prev = s;
	*list = s;
}

static void
unlink_slot(struct slot **list, struct slot *s)
{
	if (s->prev != NULL)
		s->prev->next = s->next;
	else
		*list = s->next;
	if (s->next != NULL)
		s->next->prev = s->prev;
}

/* Swaps IDLE for BUSY: whether s is now the caller's. */
static bool
claim(struct slot *s)
{
	int idle = SLOT_IDLE;

	return atomic_compare_exchange_strong(&s->state, &idle, SLOT_BUSY);
}

/* With the lock held: claims the most recently released idle slot. */
static struct slot *
claim_newest_idle(struct pool *p)
{
	struct slot *s, *best;

	for (;;) {
		best = NULL;
		for (s = p->all; s != NULL; s = s->next)
			if (atomic_load(&s->state) == SLOT_IDLE && (best == NULL ||
			    s->released_ms > best->released_ms))
				best = s;
		if (best == NULL || claim(best))
			return best;
		/* Taken lock-free meanwhile: look again. */
	}
}

/* With the lock held: takes the longest waiter off the queue, if any. */
static struct waiter *
first_waiter(struct pool *p)
{
	struct waiter *w = p->head;

	if (w != NULL && (p->head = w->next) == NULL)
		p->tail = NULL;
	return w;
}

/* With the lock held: hands s, claimed, to the longest waiter. */
static void
hand_over(struct pool *p, struct slot *s)
{
	struct waiter *w = first_waiter(p);

	w->given = s;
	pthread_cond_signal(&w->cond);
}

/* With the lock held: idle connections to waiting threads, in order. */
static void
serve_waiters(struct pool *p)
{
	struct slot *s;

	while (p->head != NULL && (s = claim_newest_idle(p)) != NULL)
		hand_over(p, s);
}

/* With the lock held: a connection closed, so one waiter may open one. */
static void
room_freed(struct pool *p)
{
	struct waiter *w = first_waiter(p);

	if (w == NULL)
		return;
	w->may_open = true;
	p->open++;		/* reserved for that waiter */
	pthread_cond_signal(&w->cond);
}

/* With the lock held: a reserved place was not used after all. */
static void
unreserve(struct pool *p, const char *why, char *err, size_t errlen)
{
	p->open--;
	snprintf(p->last_error, sizeof(p->last_error), "%s", why);
	snprintf(err, errlen, "%s", why);
	room_freed(p);
}

/* Opens a connection for a reserved place; gives the place back if not.
 * The new slot is BUSY, the caller's. */
static struct slot *
open_slot(struct pool *p, char *err, size_t errlen)
{
	struct slot *s;
	char msg[512];
	MYSQL *m;

	m = conn_open(p->settings, 0, msg, sizeof(msg));
	pthread_mutex_lock(&p->lock);
	if ((s = p->spare) != NULL) {
		unlink_slot(&p->spare, s);
		p->nspare--;
	} else if (m != NULL && (s = calloc(1, sizeof(*s))) != NULL)
		p->nslots++;
	if (m == NULL || s == NULL) {
		if (s != NULL) {
			link_slot(&p->spare, s);
			p->nspare++;
		}
		unreserve(p, m == NULL ? msg : "out of memory", err, errlen);
		pthread_mutex_unlock(&p->lock);
		if (m != NULL)
			mysql_close(m);
		return NULL;
	}
	pthread_mutex_unlock(&p->lock);
	s->m = m;
	atomic_store(&s->state, SLOT_BUSY);
	memset(&s->track, 0, sizeof(s->track));
	if (p->c.reset == POOL_RESET_CHANGED)
		session_track_start(&s->track, m);
	s->created_ms = time_monotonic_ms();
	pthread_mutex_lock(&p->lock);
	/* Up to 10% earlier, so connections opened together retire apart. */
	s->lifetime_ms = (double)p->c.max_lifetime_ms *
	    (1.0 - 0.1 * (double)rand_r(&p->seed) / (double)RAND_MAX);
	link_slot(&p->all, s);
	p->created++;
	if (p->open > p->peak_open)
		p->peak_open = p->open;
	pthread_mutex_unlock(&p->lock);
	return s;
}

/* With the lock held, s claimed: takes it off the open list.  The caller
 * closes s->m outside the lock, then gives s back with spare_slot. */
static void
drop_slot(struct pool *p, struct slot *s)
{
	unlink_slot(&p->all, s);
	p->open--;
	p->gone_acquisitions += atomic_exchange(&s->acquisitions, 0);
	p->gone_reuses += atomic_exchange(&s->reuses, 0);
}

static void
spare_slot(struct pool *p, struct slot *s)
{
	mysql_close(s->m);
	s->m = NULL;
	pthread_mutex_lock(&p->lock);
	link_slot(&p->spare, s);
	p->nspare++;
	pthread_mutex_unlock(&p->lock);
}

void
pool_maintain(struct pool *p)
{
	struct slot *s, *next, *doomed = NULL;
	double now = time_monotonic_ms();

	pthread_mutex_lock(&p->lock);
	atomic_store(&p->maintained_ms, now);
	for (s = p->all; s != NULL && p->open > p->c.min; s = next) {
		next = s->next;
		if (now - s->released_ms < (double)p->c.idle_timeout_ms ||
		    !claim(s))
			continue;
		drop_slot(p, s);
		p->closed_idle++;
		s->next = doomed;
		doomed = s;
	}
	pthread_mutex_unlock(&p->lock);
	for (; doomed != NULL; doomed = next) {
		next = doomed->next;
		spare_slot(p, doomed);
	}
}

struct pool *
pool_new(const struct settings *s, const struct pool_config *c, char *err,
    size_t errlen)
{
	struct pool *p;
	struct slot *o;
	long long i;

	if (c->max < 1 || c->min < 0 || c->min > c->max) {
		snprintf(err, errlen, "pool: need 0 <= min (%lld) <= max (%lld), "
		    "max >= 1", c->min, c->max);
		return NULL;
	}
	if ((p = calloc(1, sizeof(*p))) == NULL) {
		snprintf(err, errlen, "pool: out of memory");
		return NULL;
	}
	p->id = atomic_fetch_add(&pool_ids, 1) + 1;
	p->settings = s;
	p->c = *c;
	p->seed = (unsigned int)time(NULL);
	atomic_store(&p->maintained_ms, time_monotonic_ms());
	pthread_mutex_init(&p->lock, NULL);
	for (i = 0; i < c->min; i++) {
		p->open++;
		if ((o = open_slot(p, err, errlen)) == NULL) {
			pool_free(p);
			return NULL;
		}
		atomic_store(&o->released_ms, time_monotonic_ms());
		atomic_store(&o->state, SLOT_IDLE);
	}
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

/* Adds one to a counter only the slot's borrower writes: no locked
 * instruction, and pool_stats may read it meanwhile. */
static void
bump(_Atomic long long *n)
{
	atomic_store_explicit(n, atomic_load_explicit(n, memory_order_relaxed) +
	    1, memory_order_relaxed);
}

/* s is the caller's now: count it and remember it for this thread. */
static void
lend(struct pool *p, struct slot *s, bool reused, double now)
{
	atomic_store_explicit(&s->borrowed_ms, now, memory_order_relaxed);
	bump(&s->acquisitions);
	if (reused)
		bump(&s->reuses);
	affinity.pool = p->id;
	affinity.slot = s;
	affinity.m = s->m;
}

/* With the lock held: BUSY slots, borrowed or in the pool's hands. */
static long long
busy_slots(const struct pool *p)
{
	const struct slot *s;
	long long n = 0;

	for (s = p->all; s != NULL; s = s->next)
		n += atomic_load(&s->state) == SLOT_BUSY;
	return n;
}

static void
snapshot(struct pool *p, const char *what, char *err, size_t errlen)
{
	long long in_use = busy_slots(p);

	snprintf(err, errlen, "%s: %lld open, %lld in use, %lld idle, %lld "
	    "waiting; last connection error: %s", what, p->open, in_use,
	    p->open - in_use, (long long)atomic_load(&p->waiting),
	    p->last_error[0] ? p->last_error : "none");
}

/* The lock-free way: this thread's last slot, when idle and nobody waits. */
static struct slot *
take_own(struct pool *p)
{
	struct slot *s = NULL;

	/* pool_acquire does not race pool_free (pool.h), so p stays. */
	if (affinity.pool == p->id && !atomic_load(&p->closing) &&
	    atomic_load(&p->waiting) == 0 && claim(affinity.slot))
		s = affinity.slot;
	return s;
}

/* Waits in line (the lock held) for a released connection, for room to
 * open one (*s NULL, 0), or until the timeout or shutdown (-1). */
static int
wait_in_line(struct pool *p, struct slot **s, char *err, size_t errlen)
{
	struct waiter w = { .cond = PTHREAD_COND_INITIALIZER };
	struct timespec deadline;
	double start = time_monotonic_ms(), waited;
	char msg[256];
	int rc = 0;

	w.next = NULL;
	if (p->tail != NULL)
		p->tail->next = &w;
	else
		p->head = &w;
	p->tail = &w;
	atomic_fetch_add(&p->waiting, 1);
	p->waits++;
	/* A connection given back lock-free just now may be idle with its
	 * releaser gone: the increment above and its check of waiting
	 * cannot both miss each other. */
	serve_waiters(p);
	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += p->c.acquire_timeout_ms / 1000;
	deadline.tv_nsec += (p->c.acquire_timeout_ms % 1000) * 1000000;
	if (deadline.tv_nsec >= 1000000000) {
		deadline.tv_sec++;
		deadline.tv_nsec -= 1000000000;
	}
	while (w.given == NULL && !w.may_open && !w.cancelled && rc != ETIMEDOUT)
		rc = pthread_cond_timedwait(&w.cond, &p->lock, &deadline);
	atomic_fetch_sub(&p->waiting, 1);
	waited = time_monotonic_ms() - start;
	p->wait_hist[wait_bucket(waited)]++;
	if (waited > p->wait_max_ms)
		p->wait_max_ms = waited;
	pthread_cond_destroy(&w.cond);
	*s = w.given;
	if (w.given != NULL || w.may_open)
		return 0;	/* taken off the queue by whoever woke us */
	if (w.cancelled) {
		snprintf(err, errlen, "pool: shutting down");
		return -1;
	}
	{	/* Timed out: leave the queue, then report. */
		struct waiter **q = &p->head, *prev = NULL;

		for (; *q != NULL && *q != &w; q = &(*q)->next)
			prev = *q;
		if (*q == &w) {
			*q = w.next;
			if (p->tail == &w)
				p->tail = prev;
		}
	}
	p->timeouts++;
	snprintf(msg, sizeof(msg), "pool: no free connection, timed out after "
	    "%lld ms", p->c.acquire_timeout_ms);
	snapshot(p, msg, err, errlen);
	return -1;
}

/* A slot for the caller, BUSY: *reused says whether it was open before. */
static struct slot *
take(struct pool *p, bool *reused, char *err, size_t errlen)
{
	struct slot *s;

	*reused = true;
	if ((s = take_own(p)) != NULL)
		return s;
	pthread_mutex_lock(&p->lock);
	if (atomic_load(&p->closing)) {
		snprintf(err, errlen, "pool: shutting down");
		s = NULL;
	} else if (p->head == NULL && (s = claim_newest_idle(p)) != NULL)
		;
	else if (p->head == NULL && p->open < p->c.max)
		p->open++;	/* room: open one below */
	else if (p->c.acquire_timeout_ms <= 0) {
		p->timeouts++;
		snapshot(p, "pool: no free connection, timed out after 0 ms", err,
		    errlen);
		pthread_mutex_unlock(&p->lock);
		return NULL;
	} else if (wait_in_line(p, &s, err, errlen) == -1) {
		pthread_mutex_unlock(&p->lock);
		return NULL;
	}
	pthread_mutex_unlock(&p->lock);
	if (s != NULL || err[0] != '\0')
		return s;
	*reused = false;
	return open_slot(p, err, errlen);
}

MYSQL *
pool_acquire(struct pool *p, char *err, size_t errlen)
{
	struct slot *s;
	bool reused;
	double now;

	/* Idle connections age in seconds: a look every 250 ms will do. */
	if (time_monotonic_ms() - p->maintained_ms >= 250.0)
		pool_maintain(p);
	for (;;) {
		err[0] = '\0';
		if ((s = take(p, &reused, err, errlen)) == NULL)
			return NULL;
		now = time_monotonic_ms();
		lend(p, s, reused, now);
		/* A connection idle for a while may have been cut. */
		if (!reused || now - s->released_ms <
		    (double)p->c.validate_after_ms || mysql_ping(s->m) == 0)
			return s->m;
		pool_release(p, s->m, POOL_BROKEN);
	}
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

/* Whether the session must be reset before the next borrower has it. */
static bool
needs_reset(const struct pool *p, const struct slot *s, unsigned flags)
{
	if ((flags & POOL_DIRTY) || p->c.reset == POOL_RESET_ALWAYS)
		return true;
	return p->c.reset == POOL_RESET_CHANGED &&
	    session_changed(&s->track, s->m);
}

/* The lock-free way back, for a connection to hand out again as it is. */
static bool
give_back_own(struct pool *p, struct slot *s, double now)
{
	bool done = false;

	atomic_fetch_add(&s->releasing, 1);
	if (!atomic_load(&p->closing) && atomic_load(&p->waiting) == 0) {
		atomic_store(&s->released_ms, now);
		atomic_store(&s->state, SLOT_IDLE);
		/* Someone began waiting meanwhile and may have missed it. */
		if (atomic_load(&p->waiting) > 0) {
			pthread_mutex_lock(&p->lock);
			serve_waiters(p);
			pthread_mutex_unlock(&p->lock);
		}
		done = true;
	}
	atomic_fetch_sub(&s->releasing, 1);
	return done;
}

void
pool_release(struct pool *p, MYSQL *m, unsigned flags)
{
	double now = time_monotonic_ms();
	struct slot *s;
	bool broken, retire, reset;

	broken = (flags & POOL_BROKEN) || is_broken(m);
	if (affinity.pool == p->id && affinity.m == m)
		s = affinity.slot;
	else {
		pthread_mutex_lock(&p->lock);
		s = find_slot(p, m);
		pthread_mutex_unlock(&p->lock);
	}
	if (s == NULL || atomic_load(&s->state) != SLOT_BUSY)
		return;		/* not ours, or given back twice: ignore */
	retire = now - s->created_ms >= s->lifetime_ms;
	reset = !broken && !retire && needs_reset(p, s, flags);
	if (!broken && !retire && !reset && give_back_own(p, s, now))
		return;
	if (reset && !atomic_load(&p->closing)) {
		/* A round trip, outside the lock; the slot stays BUSY. */
		atomic_fetch_add_explicit(&p->resets, 1, memory_order_relaxed);
		broken = mysql_reset_connection(m) != 0 ||
		    session_restore_database(m, p->settings->database) == -1;
		if (!broken && p->c.reset == POOL_RESET_CHANGED)
			session_track_start(&s->track, m);
	}
	pthread_mutex_lock(&p->lock);
	if (broken || retire || atomic_load(&p->closing)) {
		drop_slot(p, s);
		if (broken)
			p->closed_broken++;
		else if (retire)
			p->closed_lifetime++;
		if (!atomic_load(&p->closing))
			room_freed(p);
		pthread_mutex_unlock(&p->lock);
		spare_slot(p, s);
		return;
	}
	atomic_store(&s->released_ms, time_monotonic_ms());
	if (p->head != NULL)
		hand_over(p, s);	/* nobody overtakes the longest waiter */
	else
		atomic_store(&s->state, SLOT_IDLE);
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
	st->in_use = busy_slots(p);
	st->idle = p->open - st->in_use;
	st->waiting = atomic_load(&p->waiting);
	st->peak_open = p->peak_open;
	st->created = p->created;
	st->closed_idle = p->closed_idle;
	st->closed_lifetime = p->closed_lifetime;
	st->closed_broken = p->closed_broken;
	st->acquisitions = p->gone_acquisitions;
	st->reuses = p->gone_reuses;
	st->resets = atomic_load(&p->resets);
	st->waits = p->waits;
	st->timeouts = p->timeouts;
	for (s = p->all; s != NULL; s = s->next) {
		st->acquisitions += atomic_load(&s->acquisitions);
		st->reuses += atomic_load(&s->reuses);
	}
	/* Leaks: connections borrowed for longer than the threshold now. */
	for (s = p->all; s != NULL; s = s->next)
		if (atomic_load(&s->state) == SLOT_BUSY &&
		    p->c.leak_threshold_ms > 0 && now - s->borrowed_ms >
		    (double)p->c.leak_threshold_ms)
			st->leaks++;
	st->efficiency = st->acquisitions ?
	    (double)st->reuses / (double)st->acquisitions : 0.0;
	st->wait_p50_ms = wait_percentile(p, 0.5);
	st->wait_p99_ms = wait_percentile(p, 0.99);
	st->wait_max_ms = p->wait_max_ms;
	snprintf(st->last_error, sizeof(st->last_error), "%s", p->last_error);
	pthread_mutex_unlock(&p->lock);
}

void
pool_free(struct pool *p)
{
	const struct timespec tick = { 0, 1000000 };
	struct slot *s, *next, *doomed;
	struct waiter *w;
	bool done;

	if (p == NULL)
		return;
	pthread_mutex_lock(&p->lock);
	atomic_store(&p->closing, true);
	for (w = p->head; w != NULL; w = w->next) {
		w->cancelled = true;
		pthread_cond_signal(&w->cond);
	}
	p->head = p->tail = NULL;
	pthread_mutex_unlock(&p->lock);
	/*
	 * Close the idle connections; borrowed ones close as they come back
	 * (pool_release sees closing), connections being opened, checked or
	 * closed elsewhere finish.  Done when every slot is spare and nobody
	 * is still giving one back.
	 */
	for (;;) {
		doomed = NULL;
		pthread_mutex_lock(&p->lock);
		for (s = p->all; s != NULL; s = next) {
			next = s->next;
			if (!claim(s))
				continue;
			drop_slot(p, s);
			s->next = doomed;
			doomed = s;
		}
		done = doomed == NULL && p->open == 0 && p->nspare == p->nslots;
		for (s = p->spare; done && s != NULL; s = s->next)
			done = atomic_load(&s->releasing) == 0;
		pthread_mutex_unlock(&p->lock);
		for (; doomed != NULL; doomed = next) {
			next = doomed->next;
			spare_slot(p, doomed);
		}
		if (done)
			break;
		nanosleep(&tick, NULL);
	}
	while ((s = p->spare) != NULL) {
		unlink_slot(&p->spare, s);
		free(s);
	}
	pthread_mutex_destroy(&p->lock);
	free(p);
}
