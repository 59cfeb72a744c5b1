/* SPDX-License-Identifier: ISC */
/*
 * replica: dbrestore --as-replica-of [USER@]HOST[:PORT].  Before the
 * restore, the source is asked who it is and the target whether it may
 * become a replica; after it, the target is pointed at the source from
 * the backup's coordinates and replication is started and watched.
 */
#ifndef DBRESTORE_REPLICA_H
#define DBRESTORE_REPLICA_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

struct restore;
struct settings;

struct replica_plan {
	/* asked */
	char user[128], host[256];
	long long port;
	const char *password;		/* the settings' replication password */
	bool print_only;		/* --replica-sql */
	bool reset;			/* --reset-replica */
	/* found before the restore */
	long long source_id;		/* the source's @@server_id */
	bool own;			/* the backed-up server is the source */
	char connection[128];		/* else: its connection to the source */
	char gtid[1024];		/* "" when the backup has none */
	char file[256];
	long long position;		/* -1 when the backup has none */
	/* after the start */
	json_t *statements;		/* --replica-sql: what was not run */
	bool started;
	long long lag_s;		/* Seconds_Behind_Master; -1: NULL */
};

/*
 * Parses [USER@]HOST[:PORT] (HOST may be [IPv6]) into p, with the user
 * and password from s when the spec names no user.  0, or -1 with err.
 */
int replica_parse(const char *spec, const struct settings *s,
    struct replica_plan *p, char *err, size_t errlen);

/*
 * Before anything is restored: connects to the source as the replication
 * account, picks the backup's coordinates for it, and checks the target
 * (no replica already, unless --reset-replica, which then resets it; a
 * server_id of its own).  0, or -1 with err.
 */
int replica_prepare(struct restore *r, struct replica_plan *p, char *err,
    size_t errlen);

/*
 * After the restore: CHANGE MASTER and START SLAVE, then waits until
 * both threads run (or prints the statements, --replica-sql).  0, or -1
 * with the replication error in err (replication left configured and
 * stopped).
 */
int replica_start(struct restore *r, struct replica_plan *p, FILE *out,
    char *err, size_t errlen);

/* The report's "replication" object. */
json_t *replica_report_json(const struct replica_plan *p);

/* The report's line about it, on f. */
int replica_report_text(const struct replica_plan *p, FILE *f);

void replica_plan_free(struct replica_plan *p);

#endif
